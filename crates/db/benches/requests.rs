//! `requests list` over a province's cases against the hand-written query that reads the same
//! rows, in the same process and run.
//!
//! `GONGKAI_BENCH_DB` names a database filled by `gongkai gen` (default `sqlite:bench.db`).
//! Run: `cargo bench -p gongkai-db --bench requests` (see BENCHMARKS.md).

use std::time::{Duration, Instant};

use gongkai_db::{Db, on_db};
use time::macros::date;

type Row = (
    String,
    time::Date,
    Option<time::Date>,
    Option<String>,
    String,
);

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let url = std::env::var("GONGKAI_BENCH_DB").unwrap_or_else(|_| "sqlite:bench.db".into());
    let db = match Db::connect(&url).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let as_of = date!(2025 - 12 - 31);
    let mut clocks_t = Vec::new();
    let mut base_t = Vec::new();
    let mut n = 0;
    for i in 0..6 {
        let t = Instant::now();
        let clocks = db
            .request_clocks("gen-province", as_of)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if i > 0 {
            clocks_t.push(t.elapsed());
        }
        n = clocks.len();
        let t = Instant::now();
        let rows: Vec<Row> = on_db!(&db, p => sqlx::query_as(
            "SELECT case_no, received_on, closed_on, outcome, applicant_type FROM request WHERE received_on <= $1 ORDER BY received_on, case_no")
            .bind(as_of).fetch_all(p).await.unwrap_or_else(|e| panic!("{e}")));
        if i > 0 {
            base_t.push(t.elapsed());
        }
        assert_eq!(rows.len(), n);
    }
    let (c, b) = (median(clocks_t), median(base_t));
    println!(
        "database: {url} ({:?}), {n} cases as of {as_of}",
        db.backend()
    );
    println!(
        "requests list (clock per case): {:.1} ms | baseline (one SELECT of the same rows) {:.1} ms | ratio {:.2}×",
        c.as_secs_f64() * 1e3,
        b.as_secs_f64() * 1e3,
        c.as_secs_f64() / b.as_secs_f64()
    );
}
