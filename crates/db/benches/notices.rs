//! Importing trading notices (issue 9): `Db::import_notices` on JSON Lines (parsing, version
//! and change-log rows, projects, sections, companies, bidders, completion, the rules on every
//! touched section) against a plain multi-row INSERT of the same notice rows into the same
//! database, in the same process and run; and `check_notices` over everything imported.
//!
//! `GONGKAI_BENCH_NOTICES` sets the number of notices (default 100 000; the issue asks for
//! 10⁶). `GONGKAI_BENCH_DB` names the database (default: a fresh SQLite file; a `postgres://`
//! server URL gets a fresh database on that server).
//! Run: `cargo bench -p gongkai-db --bench notices` (see BENCHMARKS.md).

use std::time::Instant;

use gongkai_db::Db;
use gongkai_domain::ledger::NewAgency;
use gongkai_domain::trading::{Notice, SampleNotice};
use gongkai_domain::uscc;
use serde_json::json;

/// Four notices per section: tender notice, bid opening (3 bidders), result, contract.
fn lines(n: usize) -> String {
    let usccs: Vec<String> = (1..=5000)
        .map(|i| uscc::make_enterprise("640302", &format!("{i:08}")).unwrap_or_default())
        .collect();
    let types = [
        (
            "tender_notice",
            json!({"docs_from": "2025-03-03", "docs_to": "2025-03-10", "bid_deadline": "2025-03-31"}),
            "2025-03-03",
        ),
        ("bid_opening", json!({}), "2025-03-31"),
        (
            "award_result",
            json!({"determined": "2025-04-07"}),
            "2025-04-08",
        ),
        ("contract", json!({"signed": "2025-04-20"}), "2025-04-21"),
    ];
    let mut out = String::with_capacity(n * 700);
    for i in 0..n {
        let s = i / 4;
        let (ty, dates, day) = &types[i % 4];
        let v = SampleNotice::new(&format!("N-{i}"), ty, "procurement", day)
            .project(&format!("P-{}", s / 2), "某采购项目")
            .section(Some((&format!("S-{s}"), "包1")))
            .dates(dates.clone())
            .bidders(
                (0..3)
                    .map(|k| {
                        let j = (s * 3 + k) % usccs.len();
                        (format!("公司{j}"), usccs[j].clone())
                    })
                    .collect(),
            )
            .json();
        out.push_str(&v.to_string());
        out.push('\n');
    }
    out
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("GONGKAI_BENCH_NOTICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let url = gongkai_db::testing::bench_url().await;
    let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("{e}"));
    for code in ["import", "plain"] {
        db.add_agency(&NewAgency {
            code: code.into(),
            name: code.into(),
            parent: None,
            established: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let text = lines(n);
    // The baseline: the same rows, parsed beforehand, in one multi-row INSERT per 1000 rows.
    let parsed: Vec<Notice> = text
        .lines()
        .map(|l| Notice::parse(l).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let t = Instant::now();
    gongkai_db::testing::plain_notice_insert(&db, "plain", &parsed)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let plain = t.elapsed();
    let t = Instant::now();
    let done = db
        .import_notices("import", &text)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let import = t.elapsed();
    assert_eq!(done.new, n);
    let t = Instant::now();
    let violations = db
        .check_notices("import")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let check = t.elapsed();
    println!("database: {:?}, {n} notices", db.backend());
    println!("plain multi-row INSERT: {plain:?}");
    println!(
        "notices import:        {import:?}  ({} violations on arrival)",
        done.violations.len()
    );
    println!(
        "ratio plain/import:    {:.2}",
        plain.as_secs_f64() / import.as_secs_f64()
    );
    println!(
        "notices check:         {check:?}  ({} violations; {:.0} notices/s)",
        violations.len(),
        n as f64 / check.as_secs_f64()
    );
}
