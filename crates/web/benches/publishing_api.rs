//! Disclosure items through the whole workflow **via the JSON API** (issue 10): create, submit,
//! 初审, 复审, three 校对, 保密审查, 终审, publish — ten requests per item, each by the role's own
//! API token — and what the publication log and the pre-publication checks cost: the same
//! requests with each switched off (`gongkai_db::testing::publishing_without`), alternated in
//! the same process and run.
//!
//! `GONGKAI_BENCH_DB` names the database (default: a fresh SQLite file; a `postgres://` server
//! URL gets a fresh database on that server); `GONGKAI_BENCH_ITEMS` the items per run (100).
//! Run: `cargo bench -p gongkai-web --bench publishing_api` (see BENCHMARKS.md).

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, header};
use gongkai_db::Db;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

async fn call(app: &axum::Router, who: &str, method: &str, uri: &str, body: Value) -> Value {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer t-{who}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-gongkai-peer", "10.0.0.1")
        .body(Body::from(if body.is_null() {
            String::new()
        } else {
            body.to_string()
        }))
        .unwrap_or_else(|e| panic!("{e}"));
    let res = app
        .clone()
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let status = res.status();
    let bytes = res
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    assert!(status.is_success(), "{method} {uri} by {who}: {status} {v}");
    v
}

fn draft(i: usize) -> Value {
    json!({
        "title": format!("关于公共资源交易服务事项的通知（第{i}号）"),
        "summary": "交易服务事项、办理流程和时限。",
        // About 3 KB, as a typical notice: what the detectors scan.
        "body": format!("<p>{}</p><p>咨询电话：0953-2031234。</p>",
            "自即日起，开评标场地实行网上预约，交易主体可登录平台办理。".repeat(40)),
        "doc_no": format!("某公管发〔2025〕{}号", i + 1),
        "publisher": "某市公共资源交易中心",
        "formed_on": "2025-03-03",
        "attr": "proactive",
        "art20_item": 15,
        "doc_kind": "other",
        "column": "trading"
    })
}

async fn item(app: &axum::Router, i: usize) {
    let v = call(
        app,
        "editor",
        "POST",
        "/api/v1/admin/items?agency=bench",
        draft(i),
    )
    .await;
    let id = v["id"].as_i64().unwrap_or_else(|| panic!("{v}"));
    let op = |o: &str| format!("/api/v1/admin/items/{id}/{o}");
    call(app, "editor", "POST", &op("submit"), Value::Null).await;
    for (who, stage) in [
        ("r1", "first"),
        ("r2", "second"),
        ("proof", "proofread"),
        ("proof", "proofread"),
        ("proof", "proofread"),
        ("secrecy", "secrecy"),
        ("r3", "final"),
    ] {
        call(
            app,
            who,
            "POST",
            &op("review"),
            json!({"stage": stage, "verdict": "pass"}),
        )
        .await;
    }
    call(app, "head", "POST", &op("publish"), Value::Null).await;
}

#[tokio::main]
async fn main() {
    let url = gongkai_db::testing::bench_url().await;
    let n: usize = std::env::var("GONGKAI_BENCH_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("{e}"));
    let ids = gongkai_db::testing::office(&db, "bench", "!")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut tx = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
    for ((name, _), id) in gongkai_db::testing::OFFICE_STAFF.iter().zip(ids) {
        tx.add_token(
            id,
            &gongkai_web::auth::token_hash(&format!("t-{name}")),
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    gongkai_db::testing::bench_checks(&db, "bench")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let app = gongkai_web::router(db.clone());
    // (chain off, detectors off): full, without the log, without the checks.
    let variants = [("no-chain", true, false), ("no-detectors", false, true)];
    let mut full = Vec::new();
    let mut without: Vec<Vec<Duration>> = vec![Vec::new(); variants.len()];
    let mut next = 0;
    let mut run = async |chain: bool, det: bool| {
        gongkai_db::testing::publishing_without(chain, det);
        let t = Instant::now();
        for _ in 0..n {
            item(&app, next).await;
            next += 1;
        }
        t.elapsed()
    };
    // A warm-up round, then three rounds alternating the variants.
    for round in 0..4 {
        let t = run(false, false).await;
        if round > 0 {
            full.push(t);
        }
        for (k, (_, chain, det)) in variants.iter().enumerate() {
            let t = run(*chain, *det).await;
            if round > 0 {
                without[k].push(t);
            }
        }
    }
    gongkai_db::testing::publishing_without(false, false);
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let full = median(&mut full);
    println!(
        "backend: {}",
        if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    println!(
        "items through the whole workflow via the API (10 requests each): {:.1} items/s (median of 3 runs of {n})",
        n as f64 / full.as_secs_f64()
    );
    for (k, v) in without.iter_mut().enumerate() {
        let w = median(v);
        println!(
            "{}: full {:.1} ms/item, without {:.1} ms/item, cost {:+.1} % (ratio full/without {:.3})",
            variants[k].0,
            full.as_secs_f64() * 1000.0 / n as f64,
            w.as_secs_f64() * 1000.0 / n as f64,
            (full.as_secs_f64() / w.as_secs_f64() - 1.0) * 100.0,
            full.as_secs_f64() / w.as_secs_f64()
        );
    }
    let reports = db
        .verify_log(Some("bench"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(reports.iter().all(|r| r.broken.is_none()), "{reports:?}");
}
