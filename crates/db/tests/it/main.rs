//! Storage and report tests. One binary; the backend is chosen by `GONGKAI_TEST_DB`
//! (unset: SQLite; a postgres:// URL: a fresh database per test on that server).

#![allow(clippy::unwrap_used, clippy::field_reassign_with_default)]

mod cases;
mod ledger;
mod notices;
mod publishing;
mod report;
mod schema;
mod trading_views;
mod tx;
