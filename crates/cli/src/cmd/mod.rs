//! One module per command of contracts.md §1. Each owns its clap arguments (`Args`, and a
//! `Command` enum when it has subcommands) and a `run` that returns the exit code: 0 done,
//! 1 the input was read but fails its checks; an error means 2 (mapped in `main`).

pub mod agency;
pub mod audit;
pub mod backup;
pub mod calendar;
pub mod demo;
pub mod export;
pub mod r#gen;
pub mod log;
pub mod migrate;
pub mod notices;
pub mod reindex;
pub mod report;
pub mod requests;
pub mod serve;
pub mod template;
pub mod token;
pub mod user;

/// Today in Beijing.
pub fn today() -> time::Date {
    gongkai_domain::period::beijing_date(time::OffsetDateTime::now_utc())
}
