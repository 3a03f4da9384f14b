//! Load (issue 12 part 3), the short run of CI: 64 connections over loopback for a few seconds
//! on a mixed public workload — portal pages, an item, a notice, search (page and API), the
//! feed, the status lookup — each request from an address of its own (through the proxy
//! header), while the back office drafts, reviews and publishes. Not one error; the latency
//! percentiles are printed, never asserted (BENCHMARKS.md has the full run).

use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::items::{approve, drafted, publish};

const CONNECTIONS: usize = 64;
const SECONDS: u64 = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_connections_on_the_public_site_while_the_back_office_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = crate::items::world().await;
    let id = drafted(&app, "关于交易服务收费标准的通知").await;
    approve(&app, id).await;
    publish(&app, id).await;
    crate::search::import_bank_notice(&db).await;
    let search = gongkai_web::search::open(&db, dir.path()).await.unwrap();
    let router = gongkai_web::router_with_search(
        db.clone(),
        gongkai_web::WebConfig {
            proxy_header: Some("x-forwarded-for".into()),
            login_attempts_per_minute: 1000,
            data_dir: dir.path().to_path_buf(),
            ..Default::default()
        },
        search,
    );
    let base = crate::browser::serve(router.clone()).await;
    let paths = [
        "/".to_string(),
        "/agencies/a".into(),
        format!("/agencies/a/items/{id}"),
        "/agencies/a/items.atom".into(),
        // A notice's address redirects to its section's timeline.
        "/agencies/a/notices/O-1".into(),
        format!("/search?q={}", gongkai_web::urlenc::enc("收费")),
        format!("/api/v1/search?q={}", gongkai_web::urlenc::enc("农业")),
        "/requests/status".into(),
    ];

    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    // The back office at work meanwhile: items drafted, reviewed and published.
    let writer = {
        let app = router.clone();
        tokio::spawn(async move {
            let mut n = 0;
            while Instant::now() < deadline {
                let id = drafted(&app, &format!("负载期间发布的第{n}条通知")).await;
                approve(&app, id).await;
                publish(&app, id).await;
                n += 1;
            }
            n
        })
    };
    let mut clients = Vec::new();
    for c in 0..CONNECTIONS {
        let (base, paths) = (base.clone(), paths.clone());
        clients.push(tokio::spawn(async move {
            let client = Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(1)
                .build_http::<Empty<Bytes>>();
            let mut lat = Vec::new();
            let mut errors = Vec::new();
            let mut i = c;
            while Instant::now() < deadline {
                let path = &paths[i % paths.len()];
                i += 1;
                let req = axum::http::Request::get(format!("{base}{path}"))
                    // Many visitors: each request from an address of its own, so that the
                    // per-address limits (status lookups, searches) are not what is measured.
                    .header(
                        "x-forwarded-for",
                        format!("10.{c}.{}.{}", (i / 250) % 250, i % 250 + 1),
                    )
                    .body(Empty::new())
                    .unwrap();
                let t = Instant::now();
                match client.request(req).await {
                    Ok(res) => {
                        let status = res.status();
                        let body = res.into_body().collect().await;
                        lat.push(t.elapsed());
                        if !(status.is_success() || status.is_redirection()) || body.is_err() {
                            errors.push(format!("{path}: {status}"));
                        }
                    }
                    Err(e) => errors.push(format!("{path}: {e}")),
                }
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = Vec::new();
    for c in clients {
        let (l, e) = c.await.unwrap();
        lat.extend(l);
        errors.extend(e);
    }
    let published = writer.await.unwrap();
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
    assert!(
        published > 0,
        "the back office published nothing during the load"
    );
    lat.sort();
    let pct = |p: f64| lat[((lat.len() - 1) as f64 * p) as usize];
    assert!(lat.len() > CONNECTIONS, "{} requests", lat.len());
    println!(
        "load: {} requests in {SECONDS} s ({:.0}/s) on {CONNECTIONS} connections, p50 {:?}, p99 {:?}, max {:?}; {published} items published meanwhile",
        lat.len(),
        lat.len() as f64 / SECONDS as f64,
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
}
