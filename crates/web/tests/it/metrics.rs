//! Prometheus metrics (issue 12 part 5): requests by route template (pages kept by the cache
//! included), the review queues, open and overdue requests, and the search index's lag.

use axum::http::StatusCode;

use crate::get;

fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn the_metrics_address_counts_requests_by_route_and_reads_the_queues() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = crate::items::world().await;
    let id = crate::items::drafted(&app, "指标测试的通知").await;
    crate::items::approve(&app, id).await;
    let search = gongkai_web::search::open(&db, dir.path()).await.unwrap();
    let handle = gongkai_web::metrics::install().unwrap();
    let metrics = gongkai_web::metrics::router(db.clone(), search.clone(), handle);
    let app = gongkai_web::router_with_search(
        db.clone(),
        gongkai_web::WebConfig {
            data_dir: dir.path().to_path_buf(),
            ..Default::default()
        },
        search,
    );

    // The agency's page twice (the second from the page cache), a missing page.
    for _ in 0..2 {
        get(&app, "/agencies/a").await;
    }
    let (st, _, _) = get(&app, "/no/such/page").await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let (st, ct, body) = get(&metrics, "/metrics").await;
    assert_eq!(st, StatusCode::OK);
    assert!(ct.starts_with("text/plain"), "{ct}");
    let text = String::from_utf8_lossy(&body);
    // Counted under the route's template, the cached answer too (the process's recorder is
    // shared by the tests of this binary: at least 2).
    let agency_page = text
        .lines()
        .filter(|l| {
            l.starts_with("gongkai_http_requests_total{")
                && l.contains("route=\"/agencies/{code}\"")
                && l.contains("method=\"GET\"")
                && l.contains("status=\"200\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>();
    assert!(agency_page >= 2.0, "{text}");
    assert!(
        text.contains("route=\"(未匹配)\"") && text.contains("status=\"404\""),
        "{text}"
    );
    assert!(
        text.contains("gongkai_http_request_duration_seconds_bucket{route=\"/agencies/{code}\""),
        "{text}"
    );
    // The queues: one item in review (approved by the first reviewer), from the database.
    let in_review: f64 = text
        .lines()
        .filter(|l| l.starts_with("gongkai_items{") && !l.contains("state=\"draft\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(in_review >= 1.0, "{text}");
    assert!(value(&text, "gongkai_requests_open").is_some(), "{text}");
    assert!(value(&text, "gongkai_requests_overdue").is_some(), "{text}");
    assert!(
        value(&text, "gongkai_search_index_lag_changes").is_some(),
        "{text}"
    );
    assert!(value(&text, "gongkai_search_documents").is_some(), "{text}");
}
