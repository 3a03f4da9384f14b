//! The cost of writing the audit row in the same transaction as the action it records: one
//! case event recorded with its audit row, against the same event without it, in the same
//! process and run (issue 7).
//!
//! `GONGKAI_BENCH_DB` names the database (default: a fresh SQLite file in the temp directory;
//! a `postgres://` server URL gets a fresh database on that server).
//! Run: `cargo bench -p gongkai-db --bench audit_row` (see BENCHMARKS.md).

use std::time::{Duration, Instant};

use gongkai_db::{AuditEntry, Db};
use gongkai_domain::ledger::NewAgency;

const CASES: usize = 400;

fn line(i: usize) -> String {
    format!(
        r#"{{"type":"received","request":"B-{i}","date":"2025-03-03","channel":"online","applicant_type":"natural_person"}}"#
    )
}

async fn run(db: &Db, agency: &str, with_audit: bool, first: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(CASES);
    for i in first..first + CASES {
        let t = Instant::now();
        let mut tx = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
        tx.import_requests(agency, &line(i))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if with_audit {
            tx.audit(
                &AuditEntry::new(None, "记录依申请公开事项")
                    .user("bench")
                    .agency(agency)
                    .object(format!("B-{i}"))
                    .client("127.0.0.1"),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        }
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        out.push(t.elapsed());
    }
    out
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p) as usize]
}

#[tokio::main]
async fn main() {
    let url = gongkai_db::testing::bench_url().await;
    let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("{e}"));
    for code in ["with-audit", "without-audit"] {
        db.add_agency(&NewAgency {
            code: code.into(),
            name: code.into(),
            parent: None,
            established: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
    // Alternate halves so that both see the same machine and table sizes.
    let mut without = run(&db, "without-audit", false, 0).await;
    let mut with = run(&db, "with-audit", true, 0).await;
    without.extend(run(&db, "without-audit", false, CASES).await);
    with.extend(run(&db, "with-audit", true, CASES).await);
    let total = |v: &[Duration]| v.iter().sum::<Duration>();
    let (tw, to) = (total(&with), total(&without));
    println!(
        "database: {:?}, {} case events each",
        db.backend(),
        2 * CASES
    );
    println!(
        "without audit row: {:.2} ms/event (p99 {:.2} ms) | with audit row in the same transaction: {:.2} ms/event (p99 {:.2} ms) | ratio {:.2}×",
        to.as_secs_f64() * 1e3 / (2 * CASES) as f64,
        pct(&mut without, 0.99).as_secs_f64() * 1e3,
        tw.as_secs_f64() * 1e3 / (2 * CASES) as f64,
        pct(&mut with, 0.99).as_secs_f64() * 1e3,
        tw.as_secs_f64() / to.as_secs_f64()
    );
}
