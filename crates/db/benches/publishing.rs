//! Disclosure items through the whole workflow (create, submit, 初审, 复审, three 校对, 保密审查,
//! 终审, publish: ten transactions per item), and what the publication log and the
//! pre-publication checks cost: the same workflow with each switched off
//! (`testing::publishing_without`), alternated in the same process and run (issue 10).
//!
//! `GONGKAI_BENCH_DB` names the database (default: a fresh SQLite file in the temp directory;
//! a `postgres://` server URL gets a fresh database on that server); `GONGKAI_BENCH_ITEMS` the
//! items per run (default 100).
//! Run: `cargo bench -p gongkai-db --bench publishing` (see BENCHMARKS.md).

use std::time::{Duration, Instant};

use gongkai_db::Db;
use gongkai_domain::auth::{Principal, Stage, Via};
use gongkai_domain::codes::{DisclosureAttr, DocKind};
use gongkai_domain::publishing::{ItemFields, Verdict};
use time::OffsetDateTime;
use time::macros::date;

fn fields(i: usize) -> ItemFields {
    ItemFields {
        title: format!("关于公共资源交易服务事项的通知（第{i}号）"),
        summary: "交易服务事项、办理流程和时限。".into(),
        // A body of about 3 KB, as a typical notice: what the detectors scan.
        body: format!(
            "<p>{}</p><p>咨询电话：0953-2031234。</p>",
            "自即日起，开评标场地实行网上预约，交易主体可登录平台办理。".repeat(40)
        ),
        doc_no: Some(format!("某公管发〔2025〕{}号", i + 1)),
        publisher: "某市公共资源交易中心".into(),
        formed_on: date!(2025 - 03 - 03),
        attr: DisclosureAttr::Proactive,
        legal_ground: None,
        art20_item: Some(15),
        doc_kind: DocKind::Other,
        repealed_on: None,
        column: "trading".into(),
        change_note: None,
        interprets: None,
        channels: Vec::new(),
    }
}

struct Staff {
    editor: Principal,
    reviewers: Vec<(Principal, Stage)>,
    head: Principal,
}

async fn item(db: &Db, s: &Staff, agency: &str, i: usize) {
    let now = OffsetDateTime::now_utc();
    let go = |e: gongkai_db::DbError| -> () { panic!("{e}") };
    let mut tx = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
    let (id, _) = tx
        .create_item(&s.editor, agency, fields(i), now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tx.commit().await.unwrap_or_else(go);
    let mut tx = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
    tx.submit_item(&s.editor, id, now).await.unwrap_or_else(go);
    tx.commit().await.unwrap_or_else(go);
    for (p, stage) in &s.reviewers {
        let mut tx = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
        tx.review_item(p, id, *stage, Verdict::Pass, "", now)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await.unwrap_or_else(go);
    }
    let mut tx = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
    tx.publish_item(Some(&s.head), id, now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tx.commit().await.unwrap_or_else(go);
}

#[tokio::main]
async fn main() {
    let url = gongkai_db::testing::bench_url().await;
    let n: usize = std::env::var("GONGKAI_BENCH_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("{e}"));
    gongkai_db::testing::office(&db, "bench", "!")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    gongkai_db::testing::bench_checks(&db, "bench")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let p = async |n: &str| {
        db.principal_of(n, Via::Session)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let proof = p("proof").await;
    let staff = Staff {
        editor: p("editor").await,
        reviewers: vec![
            (p("r1").await, Stage::First),
            (p("r2").await, Stage::Second),
            (proof.clone(), Stage::Proofread),
            (proof.clone(), Stage::Proofread),
            (proof, Stage::Proofread),
            (p("secrecy").await, Stage::Secrecy),
            (p("r3").await, Stage::Final),
        ],
        head: p("head").await,
    };
    // (chain off, detectors off): full, without the log, without the checks.
    let variants = [
        ("full", false, false),
        ("no-chain", true, false),
        ("no-detectors", false, true),
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); variants.len()];
    let mut next = 0;
    // A warm-up run, then rounds alternating the variants.
    for round in 0..4 {
        for (k, (_, chain, det)) in variants.iter().enumerate() {
            gongkai_db::testing::publishing_without(*chain, *det);
            let t = Instant::now();
            for _ in 0..n {
                item(&db, &staff, "bench", next).await;
                next += 1;
            }
            if round > 0 {
                times[k].push(t.elapsed());
            }
        }
    }
    gongkai_db::testing::publishing_without(false, false);
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let full = median(&mut times[0]);
    let per_s = n as f64 / full.as_secs_f64();
    println!(
        "backend: {}",
        if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    println!(
        "items through the whole workflow (10 transactions each): {per_s:.1} items/s (median of 3 runs of {n})"
    );
    for k in 1..variants.len() {
        let without = median(&mut times[k]);
        println!(
            "{}: full {:.1} ms/item, without {:.1} ms/item, cost {:+.1} % (ratio full/without {:.3})",
            variants[k].0,
            full.as_secs_f64() * 1000.0 / n as f64,
            without.as_secs_f64() * 1000.0 / n as f64,
            (full.as_secs_f64() / without.as_secs_f64() - 1.0) * 100.0,
            full.as_secs_f64() / without.as_secs_f64()
        );
    }
    let reports = db
        .verify_log(Some("bench"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        reports.iter().all(|r| r.broken.is_none()),
        "the log must verify"
    );
}
