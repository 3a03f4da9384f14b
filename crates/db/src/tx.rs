//! One transaction shared by the steps of a write.
//!
//! [`Db::begin`] opens a [`Tx`] on either backend; repository functions that take part in a
//! multi-step write are methods of `Tx`, so a caller composes them (the action, then its audit
//! row) and commits once. Dropping a `Tx` without [`Tx::commit`] rolls everything back.
//!
//! Locking differs per dialect: SQLite transactions start with `BEGIN IMMEDIATE`, taking the
//! database's write lock before the first read, so what a write validates against cannot change
//! under it; PostgreSQL transactions lock the rows they validate against (`SELECT … FOR UPDATE`
//! on the agency, see [`Tx::lock_agency`]).

use crate::ledger::AgencyRow;
use crate::{Db, DbError};

/// An open transaction on SQLite or PostgreSQL.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Pg(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs the same query code on the connection of whichever transaction a [`Tx`] holds.
///
/// `on_tx!(tx, c => body)` binds `c` to `&mut SqliteConnection` or `&mut PgConnection`; use
/// `&mut *c` as the executor inside `body`.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $c: &mut sqlx::SqliteConnection = &mut *t;
                $body
            }
            $crate::Tx::Pg(t) => {
                let $c: &mut sqlx::PgConnection = &mut *t;
                $body
            }
        }
    };
}

impl Db {
    /// Opens a write transaction (SQLite: `BEGIN IMMEDIATE`).
    pub async fn begin(&self) -> Result<Tx, DbError> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Pg(p) => Tx::Pg(p.begin().await?),
        })
    }

    /// One audited write: runs `step` in a new transaction, writes `entry` (the action's
    /// audit row) in the same transaction, and commits. An error anywhere leaves the database
    /// as it was.
    pub async fn write<T>(
        &self,
        entry: &crate::AuditEntry,
        step: impl AsyncFnOnce(&mut Tx) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut tx = self.begin().await?;
        let value = step(&mut tx).await?;
        tx.audit(entry).await?;
        tx.commit().await?;
        Ok(value)
    }
}

impl Tx {
    /// Makes every step durable at once.
    pub async fn commit(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Pg(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Undoes every step (also what dropping the transaction does).
    pub async fn rollback(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(t) => t.rollback().await?,
            Tx::Pg(t) => t.rollback().await?,
        }
        Ok(())
    }

    /// An agency by code, read inside the transaction.
    pub async fn agency(&mut self, code: &str) -> Result<AgencyRow, DbError> {
        let sql = "SELECT id, code, name, parent_id, established FROM agency WHERE code = $1";
        let row: Option<AgencyRow> =
            on_tx!(self, c => sqlx::query_as(sql).bind(code).fetch_optional(&mut *c).await?);
        row.ok_or_else(|| DbError::UnknownAgency(code.to_string()))
    }

    /// An agency by code, locked for the rest of the transaction: concurrent writes that
    /// validate against the agency's records (case histories, appeals) run one after the
    /// other. SQLite's `BEGIN IMMEDIATE` already serialises writers.
    pub async fn lock_agency(&mut self, code: &str) -> Result<AgencyRow, DbError> {
        match self {
            Tx::Sqlite(_) => self.agency(code).await,
            Tx::Pg(t) => {
                let row: Option<AgencyRow> = sqlx::query_as(
                    "SELECT id, code, name, parent_id, established FROM agency WHERE code = $1 FOR UPDATE",
                )
                .bind(code)
                .fetch_optional(&mut **t)
                .await?;
                row.ok_or_else(|| DbError::UnknownAgency(code.to_string()))
            }
        }
    }
}

/// Fault injection for tests: a failpoint armed by [`crate::testing::fail_at`] (or by the
/// environment variable `GONGKAI_FAILPOINT`, for tests that run the binary) makes [`failpoint`]
/// with that name fail, so a test can stop a multi-step write after its first statement and
/// check that nothing of it remains. Never armed in production.
pub(crate) fn failpoint(name: &str) -> Result<(), DbError> {
    let armed = FAILPOINT.with_borrow(|f| f.as_deref() == Some(name))
        || std::env::var("GONGKAI_FAILPOINT").is_ok_and(|v| v == name);
    if armed {
        Err(DbError::Conflict(format!("故障注入：{name}")))
    } else {
        Ok(())
    }
}

thread_local! {
    /// The failpoint armed on this thread (tests run their futures on their own thread).
    pub(crate) static FAILPOINT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}
