//! gongkai-db: the only crate that speaks SQL.
//!
//! One codebase for SQLite and PostgreSQL: [`Db`] holds either pool, and every query is written
//! once in the SQL both dialects accept (`$n` placeholders, `CAST(… AS BIGINT)` around sums,
//! `WITH RECURSIVE`, `RETURNING`), run through the [`on_db!`] macro which instantiates it for the
//! pool at hand. DDL differs per dialect and lives in `migrations/{sqlite,postgres}`; a test
//! checks that both define the same tables and columns.

pub mod annual;
mod attachments;
mod auth;
pub mod backup;
mod cases;
mod changes;
mod error;
mod ledger;
mod pool;
pub mod publishing;
pub mod records;
mod report;
pub mod schema;
pub mod search_docs;
mod settings;
mod summaries;
pub mod trading;
pub mod trading_views;
mod tx;

pub use attachments::NewAttachment;
pub use auth::{
    AuditEntry, AuditOutcome, AuditQuery, AuditRow, LoginGate, Session, TokenInfo, User,
};
pub use cases::{Applicant, FeeNotice, ImportSummary, PublicStatus, RequestDetail};
pub use changes::{ChangeKind, PublicChange};
pub use error::DbError;
pub use ledger::{AgencyRow, LoadProgress};
pub use pool::{Backend, Db};
pub use report::{PeriodSpec, Subtree};
pub use settings::RULES_KEY;
pub use tx::Tx;

pub mod testing;
