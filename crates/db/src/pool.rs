use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::DbError;

/// Runs the same query code on whichever pool (or transaction) a [`Db`] holds.
///
/// `on_db!(db, pool => body)` expands to a `match` with one arm per backend, binding `pool` to
/// the backend's pool; the body is compiled once per backend.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Pg($pool) => $body,
        }
    };
}

/// The total and one page of a filtered list, on whichever pool a [`Db`] holds:
/// `paged!(db, "SELECT cols", "ORDER BY …", offset, limit, |qb| { … })` runs
/// `SELECT COUNT(*)` and then `SELECT cols … ORDER BY … LIMIT limit OFFSET offset`, the block
/// pushing the same ` FROM … WHERE …` onto the builder `qb` of both queries, so that the count
/// and the page can never disagree on the filter. It evaluates to `(i64, Vec<Row>)` with `Row`
/// inferred (`sqlx::FromRow`).
macro_rules! paged {
    ($db:expr, $select:expr, $order:expr, $offset:expr, $limit:expr, |$qb:ident| $filter:block) => {
        $crate::on_db!($db, p => {
            let mut count = sqlx::QueryBuilder::new("SELECT COUNT(*)");
            {
                let $qb = &mut count;
                $filter
            }
            let (total,): (i64,) = count.build_query_as().fetch_one(p).await?;
            let mut page = sqlx::QueryBuilder::new($select);
            {
                let $qb = &mut page;
                $filter
            }
            page.push(" ")
                .push($order)
                .push(" LIMIT ")
                .push_bind($limit)
                .push(" OFFSET ")
                .push_bind($offset);
            (total, page.build_query_as().fetch_all(p).await?)
        })
    };
}
pub(crate) use paged;

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

impl Db {
    /// Opens `sqlite:PATH` (created if missing; WAL, foreign keys on) or `postgres://…`, and
    /// brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        let db = Self::open(url).await?;
        db.migrate().await?;
        db.seed_calendar().await?;
        Ok(db)
    }

    /// Like [`Db::connect`], but a SQLite file must already exist (commands that only read
    /// must not leave an empty database behind).
    pub async fn connect_existing(url: &str) -> Result<Db, DbError> {
        if let Some(path) = Self::sqlite_path(url)
            && path != ":memory:"
            && !std::path::Path::new(path).exists()
        {
            return Err(DbError::Missing(path.to_string()));
        }
        Self::connect(url).await
    }

    /// The file path of a `sqlite:` URL.
    pub fn sqlite_path(url: &str) -> Option<&str> {
        url.strip_prefix("sqlite:")
            .map(|rest| rest.trim_start_matches("//"))
            .map(|p| p.split('?').next().unwrap_or(p))
    }

    /// Opens without migrating.
    pub async fn open(url: &str) -> Result<Db, DbError> {
        let connect_err = |source| DbError::Connect {
            url: redact(url),
            source,
        };
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            if path.is_empty() {
                return Err(DbError::BadUrl(url.to_string()));
            }
            let opts = if path == ":memory:" {
                SqliteConnectOptions::from_str("sqlite::memory:").map_err(connect_err)?
            } else {
                SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
            }
            .journal_mode(SqliteJournalMode::Wal)
            // Durability: every commit is on disk before it returns. With WAL, `NORMAL` could
            // lose the last commits on a power cut (never corrupt); a reply date or a
            // publication the user saw succeed must not be lost, so `FULL` (one fsync of the
            // WAL per commit; bulk imports are one transaction, so it costs little).
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
            let max = if path == ":memory:" { 1 } else { 4 };
            let pool = SqlitePoolOptions::new()
                .max_connections(max)
                .connect_with(opts)
                .await
                .map_err(connect_err)?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url).map_err(connect_err)?;
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .map_err(connect_err)?;
            Ok(Db::Pg(pool))
        } else {
            Err(DbError::BadUrl(url.to_string()))
        }
    }

    /// Opens a database this process must never write to — a portal node over a replica
    /// (`serve --read-only`): SQLite opened read-only (the file must exist), PostgreSQL with
    /// every transaction read-only (`default_transaction_read_only`; a hot standby refuses
    /// writes anyway). Nothing is migrated: see [`Db::check_schema_current`].
    pub async fn open_read_only(url: &str) -> Result<Db, DbError> {
        let connect_err = |source| DbError::Connect {
            url: redact(url),
            source,
        };
        if let Some(path) = Self::sqlite_path(url) {
            if path.is_empty() || path == ":memory:" {
                return Err(DbError::BadUrl(url.to_string()));
            }
            if !std::path::Path::new(path).exists() {
                return Err(DbError::Missing(path.to_string()));
            }
            let opts = SqliteConnectOptions::new().filename(path);
            Self::sqlite_read_only(opts).await.map_err(connect_err)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url).map_err(connect_err)?;
            Self::pg_read_only(opts).await.map_err(connect_err)
        } else {
            Err(DbError::BadUrl(url.to_string()))
        }
    }

    /// Another pool on the same database that cannot write (what [`Db::open_read_only`]
    /// opens), for tests of the read-only node.
    pub async fn reopen_read_only(&self) -> Result<Db, DbError> {
        let err = |source| DbError::Connect {
            url: "(同一数据库，只读)".into(),
            source,
        };
        match self {
            Db::Sqlite(p) => Self::sqlite_read_only((*p.connect_options()).clone())
                .await
                .map_err(err),
            Db::Pg(p) => Self::pg_read_only((*p.connect_options()).clone())
                .await
                .map_err(err),
        }
    }

    async fn sqlite_read_only(opts: SqliteConnectOptions) -> Result<Db, sqlx::Error> {
        let opts = opts
            .read_only(true)
            .create_if_missing(false)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await?;
        Ok(Db::Sqlite(pool))
    }

    async fn pg_read_only(opts: PgConnectOptions) -> Result<Db, sqlx::Error> {
        let opts = opts.options([("default_transaction_read_only", "on")]);
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        Ok(Db::Pg(pool))
    }

    /// Refuses a database whose schema is not the one this program's migrations make (a
    /// read-only node cannot migrate: the primary's program is upgraded first).
    pub async fn check_schema_current(&self) -> Result<(), DbError> {
        let latest = match self {
            Db::Sqlite(_) => sqlx::migrate!("./migrations/sqlite")
                .iter()
                .map(|m| m.version)
                .max(),
            Db::Pg(_) => sqlx::migrate!("./migrations/postgres")
                .iter()
                .map(|m| m.version)
                .max(),
        };
        let found = self.schema_version().await?;
        if found == latest {
            Ok(())
        } else {
            Err(DbError::Conflict(format!(
                "数据库结构版本为 {}，本程序需要 {}：只读节点不能迁移数据库，请先升级主库上的程序并运行 gongkai migrate",
                found.map_or_else(|| "（未建立）".to_string(), |v| v.to_string()),
                latest.map_or_else(|| "?".to_string(), |v| v.to_string())
            )))
        }
    }

    /// Applies the embedded migrations of the backend.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Db::Pg(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// The newest migration applied (`None`: none, a database never set up).
    pub async fn schema_version(&self) -> Result<Option<i64>, DbError> {
        let has: i64 = on_db!(self, p => sqlx::query_scalar(match self.backend() {
            Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            Backend::Postgres => "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'",
        }).fetch_one(p).await?);
        if has == 0 {
            return Ok(None);
        }
        Ok(on_db!(self, p => sqlx::query_scalar(
            "SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(p).await?))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Pg(_) => Backend::Postgres,
        }
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        on_db!(self, p => sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(p).await.is_ok())
    }

    pub async fn close(&self) {
        on_db!(self, p => p.close().await)
    }
}

/// The URL without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("sqlite:x.db"), "sqlite:x.db");
    }
}
