//! One transaction per write: a failure after the first statement of a multi-step write leaves
//! the database as it was, and concurrent conflicting writes are decided against the history
//! read inside their transaction (one lands, the other gets a clear refusal, never a raw
//! database error).

use crate::agency;
use gongkai_db::testing::{fail_at, fresh_db};
use gongkai_db::{Applicant, Db, DbError, PeriodSpec};
use time::macros::date;

fn received(no: &str) -> String {
    format!(
        r#"{{"type":"received","request":"{no}","date":"2025-03-03","channel":"online","applicant_type":"natural_person"}}"#
    )
}

async fn count(db: &Db, code: &str) -> usize {
    db.request_clocks(code, date!(2026 - 01 - 01))
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn demo_reset_that_fails_after_clearing_keeps_the_old_data() {
    let db = fresh_db().await;
    db.load_demo(false).await.unwrap();
    agency(&db, "extra").await;
    let before = db
        .report("wuzhong-ggzy", PeriodSpec::Year(2024))
        .await
        .unwrap();
    fail_at(Some("demo.after_clear"));
    let e = db.load_demo(true).await.unwrap_err();
    fail_at(None);
    assert!(e.to_string().contains("故障注入"), "{e}");
    // Everything is still there: the extra agency and the demo's report.
    assert!(db.agency("extra").await.is_ok());
    let after = db
        .report("wuzhong-ggzy", PeriodSpec::Year(2024))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&before).unwrap(),
        serde_json::to_value(&after).unwrap()
    );
    // And a reset that succeeds replaces it.
    db.load_demo(true).await.unwrap();
    assert!(db.agency("extra").await.is_err());
}

#[tokio::test]
async fn a_registration_that_fails_after_the_case_leaves_no_case() {
    let db = fresh_db().await;
    agency(&db, "c").await;
    let a = Applicant {
        name: "张三".into(),
        contact: "13800000000".into(),
        ..Default::default()
    };
    fail_at(Some("register_request.after_case"));
    assert!(
        db.register_request("c", &received("W1"), &a, "ABCDEFGHJKLM")
            .await
            .is_err()
    );
    fail_at(None);
    assert_eq!(count(&db, "c").await, 0);
    assert!(db.public_status("ABCDEFGHJKLM").await.unwrap().is_none());
    db.register_request("c", &received("W1"), &a, "ABCDEFGHJKLM")
        .await
        .unwrap();
    assert_eq!(count(&db, "c").await, 1);
    assert!(db.public_status("ABCDEFGHJKLM").await.unwrap().is_some());
}

#[tokio::test]
async fn an_import_that_fails_midway_imports_nothing() {
    let db = fresh_db().await;
    agency(&db, "c").await;
    fail_at(Some("import_requests.after_requests"));
    assert!(db.import_requests("c", &received("A1")).await.is_err());
    fail_at(None);
    assert_eq!(count(&db, "c").await, 0);
}

#[tokio::test]
async fn a_payment_that_fails_midway_is_not_recorded() {
    let db = fresh_db().await;
    agency(&db, "c").await;
    db.import_requests("c", &received("F1")).await.unwrap();
    db.issue_fee_notice(
        "c",
        "F1",
        gongkai_domain::fees::FeeMethod::PerCase,
        12,
        date!(2025 - 03 - 05),
    )
    .await
    .unwrap();
    fail_at(Some("fee_paid.after_fee"));
    assert!(db.fee_paid("c", "F1", date!(2025 - 03 - 06)).await.is_err());
    fail_at(None);
    let n = db.fee_notice("c", "F1").await.unwrap().unwrap();
    assert_eq!(n.paid_on, None);
    db.fee_paid("c", "F1", date!(2025 - 03 - 06)).await.unwrap();
}

/// Two writers race on one case: exactly one lands; the other is refused with the rule it
/// breaks (never a raw database error).
async fn race(db: &Db, a: &str, b: &str) -> (usize, Vec<String>) {
    let (x, y) = tokio::join!(db.import_requests("c", a), db.import_requests("c", b));
    let mut refusals = vec![];
    let mut ok = 0;
    for r in [x, y] {
        match r {
            Ok(_) => ok += 1,
            Err(DbError::Import(m)) => refusals.push(m),
            Err(other) => panic!("a race must not end in {other:?}"),
        }
    }
    (ok, refusals)
}

#[tokio::test]
async fn concurrent_conflicting_case_events_one_lands() {
    let db = fresh_db().await;
    agency(&db, "c").await;
    db.import_requests("c", &received("R1")).await.unwrap();
    let reply = |o: &str| {
        format!(r#"{{"type":"replied","request":"R1","date":"2025-03-10","outcome":"{o}"}}"#)
    };
    let (ok, refusals) = race(&db, &reply("granted"), &reply("partial")).await;
    assert_eq!((ok, refusals.len()), (1, 1), "{refusals:?}");

    let filed = r#"{"type":"appeal_filed","request":"R1","date":"2025-04-01","appeal":"FY1","kind":"reconsideration"}"#;
    db.import_requests("c", filed).await.unwrap();
    let decided = |r: &str| {
        format!(r#"{{"type":"appeal_decided","date":"2025-05-01","appeal":"FY1","result":"{r}"}}"#)
    };
    let (ok, refusals) = race(&db, &decided("upheld"), &decided("corrected")).await;
    assert_eq!((ok, refusals.len()), (1, 1), "{refusals:?}");
    assert!(refusals[0].contains("已有结果"), "{refusals:?}");
}

/// Durability (issue 12, ARCHITECTURE.md): on SQLite every pooled connection commits with
/// `synchronous = FULL` in WAL mode — a commit the user saw succeed survives a power cut.
#[tokio::test]
async fn sqlite_commits_are_durable_on_every_connection() {
    let db = Db::connect(&gongkai_db::testing::fresh_sqlite_url())
        .await
        .unwrap();
    let Db::Sqlite(pool) = &db else {
        unreachable!("a sqlite: URL opens SQLite")
    };
    // Several connections at once, so that more than one of the pool's is asked.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut c = pool.acquire().await.unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        assert_eq!((sync, mode.as_str()), (2, "wal"), "2 = FULL");
        held.push(c);
    }
}
