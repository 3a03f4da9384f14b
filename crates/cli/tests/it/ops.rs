//! Operations (issue 12, contracts.md §1): the restore drill on the demo and what a restore
//! refuses, `migrate`, JSON logs, and what `serve --read-only` refuses to start on.

use crate::{demo_db, gongkai, stderr};
use gongkai_db::testing::{file_digests, fresh_postgres, fresh_sqlite_url, fresh_url};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What must come back identical: the 2024 report as JSON, `log verify`'s account of every
/// chain, and every stored file's bytes.
async fn state(url: &str) -> (String, String, Vec<(i64, i64, String, String)>) {
    let report = crate::demo_report_2024_json(url);
    assert_eq!(report.status.code(), Some(0), "{}", stderr(&report));
    let verify = gongkai(url, &["log", "verify"]);
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
    let db = gongkai_db::Db::connect(url).await.unwrap();
    let files = file_digests(&db).await;
    db.close().await;
    (stdout(&report), stdout(&verify), files)
}

/// The restore drill: the demo backed up, restored into an empty database of the same backend,
/// gives the same report, the same publication log (its chains verify) and the same files byte
/// for byte. A backup never overwrites a file; a restore never writes over data, into another
/// backend, or from a file that is not a backup — and what it refuses changes nothing.
#[tokio::test]
async fn the_demo_backed_up_restores_identically_into_an_empty_database() {
    let src = demo_db().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gongkai.backup");
    let file_arg = file.to_str().unwrap();
    let o = gongkai(&src, &["backup", "-o", file_arg]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("已备份到"), "{}", stdout(&o));
    let size = std::fs::metadata(&file).unwrap().len();
    let o = gongkai(&src, &["backup", "-o", file_arg]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("已存在"), "{}", stderr(&o));
    assert_eq!(std::fs::metadata(&file).unwrap().len(), size);

    let dst = fresh_url().await;
    let o = gongkai(&dst, &["restore", file_arg]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("已从"), "{}", stdout(&o));
    let want = state(&src).await;
    assert!(!want.2.is_empty(), "the demo has stored files");
    assert_eq!(state(&dst).await, want);

    // Over data: refused, nothing changed.
    let o = gongkai(&dst, &["restore", file_arg]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("已有数据"), "{}", stderr(&o));
    assert_eq!(state(&dst).await, want);

    // Into the other backend, or from a file that is not a backup: refused.
    let is_sqlite = gongkai_db::Db::sqlite_path(&src).is_some();
    let other = if is_sqlite {
        // Both passes of the suite have the test run's PostgreSQL server.
        let server = std::env::var("GONGKAI_TEST_PG")
            .unwrap_or_else(|_| panic!("GONGKAI_TEST_PG is not set (scripts/test sets it)"));
        fresh_postgres(&server).await
    } else {
        fresh_sqlite_url()
    };
    let o = gongkai(&other, &["restore", file_arg]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("只能恢复到同一种数据库"),
        "{}",
        stderr(&o)
    );
    let junk = dir.path().join("junk.backup");
    std::fs::write(&junk, "这不是备份").unwrap();
    let o = gongkai(&fresh_url().await, &["restore", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("不是 gongkai 的备份文件"),
        "{}",
        stderr(&o)
    );
}

/// `gongkai migrate` sets up a new database and then says it is current.
#[tokio::test]
async fn migrate_sets_up_then_reports_the_schema_current() {
    let url = fresh_url().await;
    let o = gongkai(&url, &["migrate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("已建立数据库结构"), "{}", stdout(&o));
    let o = gongkai(&url, &["migrate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("已是最新"), "{}", stdout(&o));
}

/// `--log-format json`: every log line on standard error is one JSON object (level, target,
/// message fields), for a log collector.
#[tokio::test]
async fn json_logs_are_one_object_per_line() {
    let url = fresh_sqlite_url();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(["--db", &url, "--log-format", "json", "migrate"])
        .env("GONGKAI_LOG", "debug")
        .env_remove("GONGKAI_DB")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "no log lines at debug level");
    for l in lines {
        let v: serde_json::Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
        assert!(v["level"].is_string() && v["target"].is_string(), "{l}");
    }
}

/// `serve --read-only` never creates, migrates or writes a database: a missing SQLite file is
/// an error (and stays missing), and so is a database whose schema is not this program's.
#[tokio::test]
async fn a_read_only_server_refuses_a_database_it_would_have_to_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.db");
    let url = format!("sqlite:{}", path.display());
    let o = gongkai(&url, &["serve", "--read-only", "--bind", "127.0.0.1:0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("不存在"), "{}", stderr(&o));
    assert!(!path.exists());
    // A file that is a database but was never set up: not migrated by a read-only node.
    std::fs::write(&path, b"").unwrap();
    let o = gongkai(&url, &["serve", "--read-only", "--bind", "127.0.0.1:0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("只读节点不能迁移数据库"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
}
