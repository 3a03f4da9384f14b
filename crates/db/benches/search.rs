//! Site search (issue 11): the tantivy + jieba index (`gongkai-search`) against SQLite FTS5 with
//! the trigram tokenizer on the same corpus — the trading notices of `gongkai gen` as
//! `Db::search_documents` hands them to the index (title and body text) — in the same process
//! and run. For each engine: build time, then p50/p99 of a query that returns the first page
//! (10 hits, with the total counted up to `COUNT_BOUND` by both engines; the index also builds
//! its highlighted snippets) over a fixed list of queries. FTS5 trigram needs at least 3 characters, so every query here has 3 or more
//! (2-character words such as 公开 would fall back to a LIKE scan there). Also the process's
//! resident memory after building and after querying, and the index's size on disk.
//!
//! `GONGKAI_BENCH_AGENCIES` sets the number of `gen` agencies (default 100, about 1 000 notices
//! each for one year; 1 000 for the 10⁶). The database is a fresh SQLite file.
//! Run: `cargo bench -p gongkai-db --bench search` (see BENCHMARKS.md).

use std::time::{Duration, Instant};

use gongkai_db::Db;
use gongkai_search::{SearchIndex, SearchQuery, Source};

const QUERIES: &[&str] = &[
    "招标公告",
    "开标记录",
    "中标候选人",
    "成交结果公示",
    "澄清（答疑）公告",
    "终止公告",
    "公共资源交易中心",
    "采购项目",
    "道路改造工程",
    "合同公告",
];
const ROUNDS: usize = 20;

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let agencies: usize = std::env::var("GONGKAI_BENCH_AGENCIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let url = gongkai_db::testing::fresh_sqlite_url();
    let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    db.load_gen(
        &gongkai_synth::GenSpec {
            agencies,
            years: 1,
            seed: 1,
            last_year: 2025,
        },
        &|_, _| {},
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let (_, notices) = db
        .search_document_counts()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    println!(
        "corpus: {notices} notices of {agencies} gen agencies, loaded in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let Db::Sqlite(pool) = &db else {
        panic!("SQLite only")
    };
    let rss0 = rss_mb();

    // Both engines fed the same documents, page by page.
    let dir = std::env::temp_dir().join(format!("gk-bench-search-{}", std::process::id()));
    let index = SearchIndex::create(&dir).unwrap_or_else(|e| panic!("{e}"));
    // GONGKAI_BENCH_FTS=0 leaves FTS5 out (to iterate on the index alone).
    let fts = std::env::var("GONGKAI_BENCH_FTS").map_or(true, |v| v != "0");
    sqlx::query("CREATE VIRTUAL TABLE doc_fts USING fts5(title, body, tokenize = 'trigram')")
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (mut t_index, mut t_fts) = (Duration::ZERO, Duration::ZERO);
    let mut after = 0;
    loop {
        let docs = db
            .search_documents(Source::Notice, after, gongkai_db::search_docs::SEARCH_PAGE)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let Some(last) = docs.last() else { break };
        after = last.id;
        let t = Instant::now();
        for d in &docs {
            index.add_new(d).unwrap_or_else(|e| panic!("{e}"));
        }
        t_index += t.elapsed();
        if !fts {
            continue;
        }
        let t = Instant::now();
        let mut tx = pool.begin().await.unwrap_or_else(|e| panic!("{e}"));
        for d in &docs {
            sqlx::query("INSERT INTO doc_fts (rowid, title, body) VALUES ($1, $2, $3)")
                .bind(d.id)
                .bind(&d.title)
                .bind(&d.body)
                .execute(&mut *tx)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        t_fts += t.elapsed();
    }
    let t = Instant::now();
    index.commit(0).unwrap_or_else(|e| panic!("{e}"));
    t_index += t.elapsed();
    let rss_built = rss_mb();
    println!(
        "build: index {:.1} s ({:.0} MB on disk), FTS5 trigram {:.1} s; RSS {rss0:.0} MB before, {rss_built:.0} MB after",
        t_index.as_secs_f64(),
        index.disk_bytes() as f64 / 1e6,
        t_fts.as_secs_f64()
    );

    let (mut lat_ix, mut lat_fts) = (Vec::new(), Vec::new());
    let mut per_query: Vec<Vec<Duration>> = vec![Vec::new(); QUERIES.len()];
    for round in 0..=ROUNDS {
        for (qi, q) in QUERIES.iter().enumerate() {
            let t = Instant::now();
            let r = index
                .search(&SearchQuery {
                    q: q.to_string(),
                    page: 1,
                    per_page: 10,
                    ..Default::default()
                })
                .unwrap_or_else(|e| panic!("{e}"));
            let d_ix = t.elapsed();
            if !fts {
                if round > 0 {
                    per_query[qi].push(d_ix);
                    lat_ix.push(d_ix);
                    lat_fts.push(Duration::from_nanos(1));
                }
                continue;
            }
            let t = Instant::now();
            // The phrase as one FTS5 string (trigram: substring match), ranked by bm25.
            let phrase = format!("\"{}\"", q.replace('"', "\"\""));
            let hits: Vec<(i64, String)> = sqlx::query_as(
                "SELECT rowid, title FROM doc_fts WHERE doc_fts MATCH $1 ORDER BY rank LIMIT 10",
            )
            .bind(&phrase)
            .fetch_all(pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
            // Counted up to the same bound as the index's count.
            let (count,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM (SELECT 1 FROM doc_fts WHERE doc_fts MATCH $1 LIMIT $2)",
            )
            .bind(&phrase)
            .bind(gongkai_search::COUNT_BOUND as i64 + 1)
            .fetch_one(pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
            let d_fts = t.elapsed();
            if round == 0 {
                // Warm-up round: print what each engine finds.
                println!(
                    "  {q}: index {}{} hits, FTS5 {count} ({} shown)",
                    if r.total_exact { "" } else { "more than " },
                    r.total,
                    hits.len()
                );
            } else {
                per_query[qi].push(d_ix);
                lat_ix.push(d_ix);
                lat_fts.push(d_fts);
            }
        }
    }
    for (q, lat) in QUERIES.iter().zip(per_query) {
        println!(
            "  {q}: index p50 {:.2} ms, max {:.2} ms",
            pct(lat.clone(), 0.5),
            pct(lat, 1.0)
        );
    }
    let (p50i, p99i) = (pct(lat_ix.clone(), 0.5), pct(lat_ix, 0.99));
    let (p50f, p99f) = (pct(lat_fts.clone(), 0.5), pct(lat_fts, 0.99));
    println!(
        "query (first page + total, {} queries × {ROUNDS} rounds): index p50 {p50i:.2} ms p99 {p99i:.2} ms; \
         FTS5 trigram p50 {p50f:.2} ms p99 {p99f:.2} ms; ratio index/FTS5 p50 {:.2} p99 {:.2}; RSS after queries {:.0} MB",
        QUERIES.len(),
        p50i / p50f,
        p99i / p99f,
        rss_mb()
    );
    drop(index);
    let _ = std::fs::remove_dir_all(&dir);
}
