//! gongkai-domain: the rules of government information disclosure, with no I/O.
//!
//! Everything here is pure: types, official labels, the annual-report model and its
//! consistency checks, identifier validation. Storage lives in `gongkai-db`, HTTP in
//! `gongkai-web`, rendering in `gongkai-export`, the demo and `gen` ledgers in `gongkai-synth`.

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod codes;
pub mod error;
pub mod fees;
pub mod html;
pub mod ledger;
pub mod numfmt;
pub mod period;
pub mod publishing;
pub mod records;
pub mod report;
pub mod trading;
pub mod uscc;

pub use error::DomainError;
