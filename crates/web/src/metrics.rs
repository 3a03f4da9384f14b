//! Prometheus metrics (issue 12 part 5), served by `serve --metrics-bind ADDR` on an address of
//! their own (off by default), never on the public one.
//!
//! * Every request is counted and timed by [`track`] (the outermost layer, so that pages
//!   answered from the page cache and refusals of the rate limits count too) under the route
//!   it matched — the route's template (`/agencies/{code}/items/{id}`), put on the response by
//!   [`label_route`] and kept with a cached page — so the labels stay few whatever the URLs.
//! * Jobs count their runs ([`job_run`]): scheduled publication, the audit log's purge.
//! * At each scrape, gauges read from the database and the index: items by state (the review
//!   queues), open and overdue requests, the search index's documents and its lag behind the
//!   public change log. The database part is computed at most once a minute.
//!
//! Without a recorder installed (no `--metrics-bind`), the `metrics` macros do nothing.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongkai_db::Db;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::sync::Mutex;

use crate::search::Search;

/// The route a response answered, as its template.
#[derive(Clone, Debug)]
pub(crate) struct RouteLabel(pub Arc<str>);

/// Label of a request no route matched (404s of the fallback, refusals before routing).
const UNMATCHED: &str = "(未匹配)";

/// Puts the matched route's template on the response (a `route_layer`: only matched routes).
pub(crate) async fn label_route(path: Option<MatchedPath>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if let Some(p) = path {
        res.extensions_mut()
            .insert(RouteLabel(Arc::from(p.as_str())));
    }
    res
}

/// Counts and times every request by route, method and status.
pub(crate) async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_string();
    let res = next.run(req).await;
    let route = res
        .extensions()
        .get::<RouteLabel>()
        .map_or_else(|| UNMATCHED.to_string(), |r| r.0.to_string());
    metrics::counter!(
        "gongkai_http_requests_total",
        "route" => route.clone(),
        "method" => method,
        "status" => res.status().as_u16().to_string(),
    )
    .increment(1);
    metrics::histogram!("gongkai_http_request_duration_seconds", "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}

/// A background job ran (`ok`: without error).
pub(crate) fn job_run(job: &'static str, ok: bool) {
    metrics::counter!(
        "gongkai_job_runs_total",
        "job" => job,
        "outcome" => if ok { "ok" } else { "error" },
    )
    .increment(1);
}

static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

/// Installs the process's recorder (once; later calls return the same handle).
pub fn install() -> Result<PrometheusHandle, String> {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("duration_seconds".into()),
                    &[
                        0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
                    ],
                )
                .and_then(|b| b.install_recorder())
                .map_err(|e| format!("无法启用指标：{e}"))
        })
        .clone()
}

/// What the metrics address serves.
#[derive(Clone)]
struct Scrape {
    db: Db,
    search: Search,
    handle: PrometheusHandle,
    today: fn() -> time::Date,
    /// When the database gauges were last read.
    last: Arc<Mutex<Option<Instant>>>,
}

/// How often the database gauges are read at most.
const DB_GAUGES_EVERY: Duration = Duration::from_secs(60);

/// The router of the metrics address: `GET /metrics` (Prometheus text format).
pub fn router(db: Db, search: Search, handle: PrometheusHandle) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(Scrape {
            db,
            search,
            handle,
            today: crate::beijing_today,
            last: Arc::new(Mutex::new(None)),
        })
}

async fn scrape(State(s): State<Scrape>) -> Response {
    {
        let mut last = s.last.lock().await;
        if last.is_none_or(|t| t.elapsed() >= DB_GAUGES_EVERY) {
            match database_gauges(&s.db, (s.today)()).await {
                Ok(()) => *last = Some(Instant::now()),
                Err(e) => tracing::warn!("metrics: reading the database gauges failed: {e}"),
            }
        }
    }
    if let Some(index) = s.search.index() {
        metrics::gauge!("gongkai_search_documents").set(index.len() as f64);
        if let Ok(head) = s.db.public_change_head().await {
            let applied = index.applied_seq().unwrap_or(0);
            metrics::gauge!("gongkai_search_index_lag_changes").set((head - applied).max(0) as f64);
        }
    }
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.handle.render(),
    )
        .into_response()
}

async fn database_gauges(db: &Db, today: time::Date) -> Result<(), gongkai_db::DbError> {
    for (state, n) in db.item_state_counts().await? {
        metrics::gauge!("gongkai_items", "state" => state).set(n as f64);
    }
    let (mut open, mut overdue) = (0u64, 0u64);
    for a in db.agencies().await? {
        for c in db.request_clocks(&a.code, today).await? {
            if crate::cases::is_open(&c) {
                open += 1;
                if c.overdue {
                    overdue += 1;
                }
            }
        }
    }
    metrics::gauge!("gongkai_requests_open").set(open as f64);
    metrics::gauge!("gongkai_requests_overdue").set(overdue as f64);
    Ok(())
}
