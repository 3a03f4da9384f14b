//! Backup and restore (contracts.md §1 `gongkai backup -o FILE` / `gongkai restore FILE`).
//!
//! Everything the system must not lose is in the database: the ledger, cases, items with their
//! versions, attachments and frozen report files (`item_file`), the publication log. The search
//! index is rebuilt from it; nothing else lives in the data directory. So a backup is one file:
//!
//! * **SQLite**: `VACUUM INTO` — a consistent, compacted copy taken in one read transaction
//!   while the server goes on writing (WAL) — written beside the target and renamed into place,
//!   so a backup file is either whole or absent. The file is an SQLite database.
//! * **PostgreSQL**: `pg_dump --format=custom` (one snapshot), restored with `pg_restore`.
//!   The client programs come from `PATH`, else from `/usr/lib/postgresql/<newest>/bin`, or
//!   from the directory in `GONGKAI_PG_BIN`.
//!
//! A restore goes into an **empty** database only (no agency and no user: never over data),
//! of the backend the backup came from; the backup is checked first (an SQLite file's
//! integrity and that it is a gongkai database; a dump's header), then migrations bring an
//! older backup forward. What is refused changes nothing.

use std::path::{Path, PathBuf};

use sqlx::Connection;

use crate::{Backend, Db, DbError};

/// The first bytes of an SQLite database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
/// The first bytes of a `pg_dump` custom-format archive.
const PGDUMP_MAGIC: &[u8] = b"PGDMP";

/// What a backup file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupKind {
    Sqlite,
    PgDump,
}

impl BackupKind {
    fn label(self) -> &'static str {
        match self {
            BackupKind::Sqlite => "SQLite",
            BackupKind::PgDump => "PostgreSQL（pg_dump）",
        }
    }
}

/// What a backup or a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub kind: BackupKind,
    /// The backup file's size.
    pub bytes: u64,
    /// Rows of the tables that matter, as found in the database written or read.
    pub agencies: i64,
    pub items: i64,
    pub files: i64,
    pub notices: i64,
    pub requests: i64,
}

/// Takes a consistent backup of the database at `url` into `out`, which must not exist.
pub async fn backup(url: &str, out: &Path) -> Result<BackupSummary, DbError> {
    if out.exists() {
        return Err(DbError::Conflict(format!(
            "备份文件“{}”已存在：请换一个文件名（不会覆盖已有备份）",
            out.display()
        )));
    }
    if let Some(path) = Db::sqlite_path(url)
        && !Path::new(path).exists()
    {
        return Err(DbError::Missing(path.to_string()));
    }
    let tmp = partial(out);
    let _ = std::fs::remove_file(&tmp);
    let db = Db::open(url).await?;
    let kind = match &db {
        Db::Sqlite(p) => {
            let target = tmp.to_str().ok_or_else(|| {
                DbError::Conflict(format!("备份文件名“{}”须为 UTF-8", out.display()))
            })?;
            let r = sqlx::query("VACUUM INTO $1").bind(target).execute(p).await;
            if let Err(e) = r {
                let _ = std::fs::remove_file(&tmp);
                return Err(e.into());
            }
            BackupKind::Sqlite
        }
        Db::Pg(_) => {
            let r = run_pg_tool(
                "pg_dump",
                &[
                    "--format=custom".into(),
                    "--no-owner".into(),
                    "--no-privileges".into(),
                    format!("--file={}", tmp.display()),
                    format!("--dbname={url}"),
                ],
            )
            .await;
            if let Err(e) = r {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            BackupKind::PgDump
        }
    };
    let counted = counts(&db).await;
    db.close().await;
    sync_file(&tmp)?;
    std::fs::rename(&tmp, out).map_err(|e| io_error(out, &e))?;
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    let c = counted?;
    Ok(BackupSummary {
        kind,
        bytes,
        ..c.with(kind)
    })
}

/// Restores the backup `file` into the empty database at `url` (created when it is an SQLite
/// file that does not exist yet), then applies the migrations newer than the backup.
pub async fn restore(url: &str, file: &Path) -> Result<BackupSummary, DbError> {
    let kind = kind_of(file)?;
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let backend = if Db::sqlite_path(url).is_some() {
        Backend::Sqlite
    } else {
        Backend::Postgres
    };
    match (kind, backend) {
        (BackupKind::Sqlite, Backend::Sqlite) => restore_sqlite(url, file).await?,
        (BackupKind::PgDump, Backend::Postgres) => restore_pg(url, file).await?,
        (kind, _) => {
            return Err(DbError::Conflict(format!(
                "备份文件是 {} 备份，只能恢复到同一种数据库（--db 给的是 {}）",
                kind.label(),
                match backend {
                    Backend::Sqlite => "SQLite",
                    Backend::Postgres => "PostgreSQL",
                }
            )));
        }
    }
    let db = Db::connect(url).await?;
    let c = counts(&db).await;
    db.close().await;
    Ok(BackupSummary {
        kind,
        bytes,
        ..c?.with(kind)
    })
}

/// The kind of a backup file, from its first bytes.
pub fn kind_of(file: &Path) -> Result<BackupKind, DbError> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut f = std::fs::File::open(file).map_err(|e| io_error(file, &e))?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(io_error(file, &e)),
        }
    }
    let head = &head[..n];
    if head.starts_with(SQLITE_MAGIC) {
        Ok(BackupKind::Sqlite)
    } else if head.starts_with(PGDUMP_MAGIC) {
        Ok(BackupKind::PgDump)
    } else {
        Err(DbError::Conflict(format!(
            "“{}”不是 gongkai 的备份文件（既不是 SQLite 数据库，也不是 pg_dump 归档）",
            file.display()
        )))
    }
}

async fn restore_sqlite(url: &str, file: &Path) -> Result<(), DbError> {
    let path = Db::sqlite_path(url)
        .filter(|p| !p.is_empty() && *p != ":memory:")
        .ok_or_else(|| DbError::Conflict("恢复需要一个数据库文件（--db sqlite:路径）".into()))?;
    let target = PathBuf::from(path);
    // The backup: whole, and a gongkai database.
    {
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(file)
            .read_only(true);
        let mut c = sqlx::SqliteConnection::connect_with(&opts).await?;
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut c)
            .await?;
        if check != "ok" {
            return Err(DbError::Conflict(format!(
                "备份文件“{}”已损坏（SQLite 完整性检查：{check}），未恢复",
                file.display()
            )));
        }
        let ours: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' \
             AND name IN ('_sqlx_migrations', 'agency', 'publication_log')",
        )
        .fetch_one(&mut c)
        .await?;
        let _ = c.close().await;
        if ours != 3 {
            return Err(DbError::Conflict(format!(
                "“{}”是 SQLite 数据库，但不是 gongkai 的备份",
                file.display()
            )));
        }
    }
    // The target: absent, or a database with nothing in it.
    if target.exists() {
        let db = Db::open(url).await?;
        let empty = is_empty(&db).await;
        db.close().await;
        if !empty? {
            return Err(not_empty(url));
        }
    }
    // Copied beside the target, made durable, renamed into place; the empty database's
    // write-ahead log and index go with it.
    let tmp = partial(&target);
    std::fs::copy(file, &tmp).map_err(|e| io_error(&tmp, &e))?;
    sync_file(&tmp)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", target.display()));
        if side.exists() {
            std::fs::remove_file(&side).map_err(|e| io_error(&side, &e))?;
        }
    }
    std::fs::rename(&tmp, &target).map_err(|e| io_error(&target, &e))?;
    Ok(())
}

async fn restore_pg(url: &str, file: &Path) -> Result<(), DbError> {
    let db = Db::open(url).await?;
    let tables: i64 = match &db {
        Db::Pg(p) => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_one(p)
            .await?
        }
        Db::Sqlite(_) => 0,
    };
    let empty = if tables == 0 {
        Ok(true)
    } else {
        is_empty(&db).await
    };
    db.close().await;
    if !empty? {
        return Err(not_empty(url));
    }
    let mut args = vec![
        "--no-owner".to_string(),
        "--no-privileges".into(),
        "--exit-on-error".into(),
        "--single-transaction".into(),
        format!("--dbname={url}"),
    ];
    if tables > 0 {
        // Migrated but empty (a server was started on it): the dump's objects replace it.
        args.push("--clean".into());
        args.push("--if-exists".into());
    }
    args.push(file.display().to_string());
    run_pg_tool("pg_restore", &args).await
}

/// No agency and no user (a fresh or merely migrated database).
async fn is_empty(db: &Db) -> Result<bool, DbError> {
    let tables: i64 = crate::on_db!(db, p => sqlx::query_scalar(match db.backend() {
        Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('agency', 'app_user')",
        Backend::Postgres => "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('agency', 'app_user')",
    }).fetch_one(p).await?);
    if tables < 2 {
        return Ok(tables == 0);
    }
    let rows: i64 = crate::on_db!(db, p => sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM agency) + (SELECT COUNT(*) FROM app_user)")
        .fetch_one(p).await?);
    Ok(rows == 0)
}

fn not_empty(url: &str) -> DbError {
    DbError::Conflict(format!(
        "目标数据库“{}”已有数据（机构或用户）：恢复只写入空数据库，未做任何改动",
        crate::pool::redact(url)
    ))
}

/// Rows of the main tables.
struct Counts {
    agencies: i64,
    items: i64,
    files: i64,
    notices: i64,
    requests: i64,
}

impl Counts {
    fn with(self, kind: BackupKind) -> BackupSummary {
        BackupSummary {
            kind,
            bytes: 0,
            agencies: self.agencies,
            items: self.items,
            files: self.files,
            notices: self.notices,
            requests: self.requests,
        }
    }
}

async fn counts(db: &Db) -> Result<Counts, DbError> {
    let (agencies, items, files, notices, requests): (i64, i64, i64, i64, i64) = crate::on_db!(db, p => sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM agency), (SELECT COUNT(*) FROM disclosure_item), \
             (SELECT COUNT(*) FROM item_file), (SELECT COUNT(*) FROM notice), \
             (SELECT COUNT(*) FROM request)")
            .fetch_one(p).await?);
    Ok(Counts {
        agencies,
        items,
        files,
        notices,
        requests,
    })
}

/// `FILE.partial`: where a file is written before it is renamed into place.
fn partial(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

fn sync_file(path: &Path) -> Result<(), DbError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| io_error(path, &e))
}

fn io_error(path: &Path, e: &std::io::Error) -> DbError {
    DbError::Conflict(format!("无法读写“{}”：{e}", path.display()))
}

/// The PostgreSQL client program `name`: in `GONGKAI_PG_BIN`, on `PATH`, or in the newest
/// `/usr/lib/postgresql/*/bin`.
fn pg_tool(name: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GONGKAI_PG_BIN") {
        let p = Path::new(&dir).join(name);
        return p.exists().then_some(p);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let p = e.path().join("bin").join(name);
            p.is_file().then_some((v, p))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p)
}

/// Runs a PostgreSQL client program; its error output becomes the message.
async fn run_pg_tool(name: &str, args: &[String]) -> Result<(), DbError> {
    let program = pg_tool(name).ok_or_else(|| {
        DbError::Conflict(format!(
            "找不到 PostgreSQL 客户端程序 {name}：请安装 postgresql-client（Debian），或用环境变量 GONGKAI_PG_BIN 指定其目录"
        ))
    })?;
    let out = tokio::process::Command::new(&program)
        .args(args)
        .env("PGCONNECT_TIMEOUT", "10")
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| DbError::Conflict(format!("无法运行 {}：{e}", program.display())))?;
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let err: String = err.chars().take(2000).collect();
        Err(DbError::Conflict(format!(
            "{name} 失败（{}）：{}",
            out.status,
            err.trim()
        )))
    }
}
