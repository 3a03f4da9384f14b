//! Login throughput and p99 latency with throttling on (per client address and per account,
//! `governor`), against the same logins with throttling off, in the same process and run
//! (issue 7). Each login is a real Argon2id check, a session row and its audit row.
//!
//! Run: `cargo bench -p gongkai-web --bench login` (see BENCHMARKS.md).

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, header};
use gongkai_db::{AuditEntry, Db};
use gongkai_domain::ledger::NewAgency;
use http_body_util::BodyExt;
use tower::ServiceExt;

const LOGINS: usize = 160;
const CONCURRENCY: usize = 8;
const PASSWORD: &str = "黄河 晨雾 7 盏灯 orbit";

async fn one(app: axum::Router, i: usize) -> Duration {
    let t = Instant::now();
    let form = format!(
        "name=u{}&password={}&csrf=c",
        i % 16,
        PASSWORD
            .bytes()
            .map(|b| format!("%{b:02X}"))
            .collect::<String>()
    );
    let req = Request::post("/admin/login")
        .header(header::COOKIE, "gk_form=c")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-gongkai-peer", format!("10.0.0.{}", i % 32))
        .body(Body::from(form))
        .unwrap_or_else(|e| panic!("{e}"));
    let res = app.oneshot(req).await.unwrap_or_else(|e| match e {});
    assert_eq!(res.status(), 303, "login {i} failed");
    let _ = res.into_body().collect().await;
    t.elapsed()
}

async fn run(app: &axum::Router) -> (f64, Duration) {
    let start = Instant::now();
    let mut lat = Vec::with_capacity(LOGINS);
    for chunk in (0..LOGINS).collect::<Vec<_>>().chunks(CONCURRENCY) {
        let tasks: Vec<_> = chunk
            .iter()
            .map(|i| tokio::spawn(one(app.clone(), *i)))
            .collect();
        for t in tasks {
            lat.push(t.await.unwrap_or_else(|e| panic!("{e}")));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort();
    (LOGINS as f64 / secs, lat[(lat.len() * 99) / 100 - 1])
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let db = Db::connect(&gongkai_db::testing::fresh_sqlite_url())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    db.add_agency(&NewAgency {
        code: "a".into(),
        name: "某中心".into(),
        parent: None,
        established: None,
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let hash = gongkai_web::auth::hash_password(PASSWORD).unwrap_or_else(|e| panic!("{e}"));
    for u in 0..16 {
        db.add_user(
            &format!("u{u}"),
            &hash,
            &[("a".into(), gongkai_domain::auth::Role::Handler)],
            AuditEntry::new(None, "bench"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let off = gongkai_web::router_with(
        db.clone(),
        gongkai_web::WebConfig {
            login_attempts_per_minute: 0,
            ..Default::default()
        },
    );
    // Throttling on, with a quota the benchmark stays under (every login is checked against
    // both keyed limiters and allowed).
    let on = gongkai_web::router_with(
        db.clone(),
        gongkai_web::WebConfig {
            login_attempts_per_minute: 100_000,
            ..Default::default()
        },
    );
    let _ = run(&off).await; // warm-up
    // Alternate the two so that both see the same machine; medians of 5 rounds each.
    let (mut offs, mut ons) = (vec![], vec![]);
    for _ in 0..5 {
        offs.push(run(&off).await);
        ons.push(run(&on).await);
    }
    let median = |v: &mut Vec<(f64, Duration)>| {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        let t = v[v.len() / 2].0;
        let mut p: Vec<Duration> = v.iter().map(|x| x.1).collect();
        p.sort();
        (t, p[p.len() / 2])
    };
    let (t_off, p_off) = median(&mut offs);
    let (t_on, p_on) = median(&mut ons);
    println!("{LOGINS} logins, {CONCURRENCY} at a time, SQLite; medians of 5 alternating rounds");
    println!(
        "throttling off: {t_off:.1} logins/s, p99 {:.1} ms | throttling on: {t_on:.1} logins/s, p99 {:.1} ms | throughput ratio {:.3}×, p99 ratio {:.3}×",
        p_off.as_secs_f64() * 1e3,
        p_on.as_secs_f64() * 1e3,
        t_on / t_off,
        p_on.as_secs_f64() / p_off.as_secs_f64()
    );
}
