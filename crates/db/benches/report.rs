//! Report generation against its lower bound, in the same process and run.
//!
//! `GONGKAI_BENCH_DB` names a database filled by `gongkai gen` (default `sqlite:bench.db`).
//! For one child agency-year and for the parent aggregating every child, it times
//! `Db::report` (the agency and its subtree, all four tables, the figures and every check) and
//! `Db::table3_baseline` (the single hand-written SQL aggregate that yields table 三's counts,
//! given the subtree), alternating one run of each so that both see the same load, and prints
//! medians and the ratio, with the time of reading the agency and its subtree alone (which the
//! report of an agency without children does not need).
//!
//! Run: `cargo bench -p gongkai-db --bench report` (see BENCHMARKS.md).

use std::time::{Duration, Instant};

use gongkai_db::{Db, PeriodSpec};
use gongkai_domain::period::Period;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn time<F, Fut>(n: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    f().await; // warm-up
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await;
        v.push(t.elapsed());
    }
    median(v)
}

#[tokio::main]
async fn main() {
    let url = std::env::var("GONGKAI_BENCH_DB").unwrap_or_else(|_| "sqlite:bench.db".into());
    let year: i32 = std::env::var("GONGKAI_BENCH_YEAR")
        .ok()
        .and_then(|y| y.parse().ok())
        .unwrap_or(2025);
    let db = match Db::connect(&url).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let agencies = db.agencies().await.unwrap_or_default();
    let children = agencies.iter().filter(|a| a.parent_id.is_some()).count();
    println!(
        "database: {url} ({:?}), {children} child agencies, year {year}",
        db.backend()
    );
    for code in ["gen-0001", "gen-province"] {
        let Ok((a, tree)) = db.agency_subtree(code).await else {
            eprintln!("agency {code} missing: run `gongkai gen` first");
            std::process::exit(2);
        };
        let p = Period::year(year, a.established).unwrap_or_else(|e| panic!("{e}"));
        let n = if code == "gen-province" { 7 } else { 31 };
        let run_report = || async {
            let r = db
                .report(code, PeriodSpec::Year(year))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(r.valid);
        };
        let run_base = || async {
            let rows = db
                .table3_baseline(&tree, p)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(!rows.is_empty());
        };
        // Warm-up as in a running server: every pooled connection (8 on PostgreSQL) has run
        // each statement more than five times, after which PostgreSQL may keep a prepared
        // statement's generic plan instead of planning it anew (planning the report's
        // statement takes about 2 ms, running it 0.5 ms). The pool hands out its idle
        // connections in turn, so 60 runs left some connections short of that and put custom
        // plans into the measured runs; 300 do not. Then one run of each in turn.
        for _ in 0..if code == "gen-province" { 2 } else { 300 } {
            run_report().await;
            run_base().await;
        }
        let (mut reports, mut bases) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let t = Instant::now();
            run_report().await;
            reports.push(t.elapsed());
            let t = Instant::now();
            run_base().await;
            bases.push(t.elapsed());
        }
        let (report, base) = (median(reports), median(bases));
        let lookup = time(n, || async {
            let _ = db
                .agency_subtree(code)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        })
        .await;
        println!(
            "{code:>13}: baseline (one SQL aggregate) {:>9.2} ms | whole report {:>9.2} ms = {:.2}× (agency and subtree read alone {:.2} ms)",
            base.as_secs_f64() * 1e3,
            report.as_secs_f64() * 1e3,
            report.as_secs_f64() / base.as_secs_f64(),
            lookup.as_secs_f64() * 1e3,
        );
    }
}
