//! gongkai-web: the only crate that speaks HTTP. Routes follow contracts.md §6; handlers are
//! thin (extract → guard → ask `gongkai-db` → render with `gongkai-export` or an askama
//! template).
//!
//! One module per feature, each owning its routes (`routes()`), merged by `router`:
//! `portal` and `requests_public` are the public site; `login`, `dashboard`, `cases`, `fees`,
//! `letters`, `reports`, `calendar`, `audit` and `trading` the back office and its API. `guard` is the
//! only place that resolves the caller and decides access; `chrome` is the back-office header.

pub mod auth;
pub mod openapi;
pub mod urlenc;

pub mod annual;
mod atom;
mod attachments;
mod audit;
mod audit_log;
pub mod cache;
mod calendar;
mod cases;
mod catalogue;
mod charts;
mod chrome;
mod columns;
mod dashboard;
mod fees;
mod guard;
mod items;
mod items_pages;
mod letters;
mod login;
pub mod metrics;
mod notices;
mod paging;
mod portal;
mod records;
mod replica;
mod reports;
mod requests_public;
pub mod search;
mod security;
mod text_size;
mod trading;
mod trading_public;
mod trading_rules;
mod users;

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongkai_db::{AgencyRow, Db, DbError};

/// The header in which the server records the peer address of a request (any such header
/// sent by a client is replaced); the guards read the client address from it unless a proxy
/// header is configured.
pub const PEER_HEADER: &str = "x-gongkai-peer";

/// How the web server is run (`gongkai serve` options, environment and config file).
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Session lifetimes (idle and absolute).
    pub session: gongkai_domain::auth::SessionPolicy,
    /// Mark cookies `Secure` (served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// The header a trusted reverse proxy puts the client address in (e.g. `x-forwarded-for`,
    /// `x-real-ip`); `None`: the TCP peer address.
    pub proxy_header: Option<String>,
    /// Days the audit log is kept (at least 180).
    pub audit_retention_days: i64,
    /// Login attempts allowed per minute per client address and per account name (0: no
    /// throttling; the account lockout still applies).
    pub login_attempts_per_minute: u32,
    /// Searches allowed per minute per client address, as a burst refilled evenly over the
    /// minute (0: no limit); each search's own work is bounded apart from this.
    pub searches_per_minute: u32,
    /// Where files the server keeps live (attachments, the search index).
    pub data_dir: std::path::PathBuf,
    /// The public pages' cache.
    pub cache: cache::CacheConfig,
    /// Where Prometheus metrics are served (`GET /metrics`); `None`: off.
    pub metrics_bind: Option<SocketAddr>,
    /// A read-only node over a replica: public pages and search only, no write, no job
    /// (`replica::guard`).
    pub read_only: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            session: Default::default(),
            secure_cookies: false,
            proxy_header: None,
            audit_retention_days: 180,
            login_attempts_per_minute: 30,
            searches_per_minute: 120,
            data_dir: std::path::PathBuf::from("data"),
            cache: Default::default(),
            metrics_bind: None,
            read_only: false,
        }
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Today's date in Beijing (the year still being counted is marked as such).
    pub today: fn() -> time::Date,
    pub config: std::sync::Arc<WebConfig>,
    /// Login throttles (per process).
    pub throttle: std::sync::Arc<login::Throttle>,
    /// The public pages' cache (per process).
    pub cache: std::sync::Arc<cache::PageCache>,
    /// The process's search index (off unless opened: `search::open`).
    pub search: search::Search,
}

impl AppState {
    /// The agency named `given`, else the first agency (404 when there is none).
    async fn default_agency(&self, given: Option<String>) -> Result<AgencyRow, WebError> {
        match given {
            Some(code) => Ok(self.db.agency(&code).await?),
            None => self
                .db
                .agencies()
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| WebError(StatusCode::NOT_FOUND, "尚未建立任何机构".into())),
        }
    }
}

fn beijing_today() -> time::Date {
    gongkai_domain::period::beijing_date(time::OffsetDateTime::now_utc())
}

/// The application's router with the default configuration.
pub fn router(db: Db) -> Router {
    router_with(db, WebConfig::default())
}

/// The application's router (search off: `/search` answers 503).
pub fn router_with(db: Db, config: WebConfig) -> Router {
    router_with_search(db, config, search::Search::default())
}

/// The application's router with a search index opened by [`search::open`].
pub fn router_with_search(db: Db, config: WebConfig, search: search::Search) -> Router {
    let state = AppState {
        db,
        today: beijing_today,
        throttle: login::throttle(config.login_attempts_per_minute),
        cache: std::sync::Arc::new(cache::PageCache::new(config.cache.clone())),
        config: std::sync::Arc::new(config),
        search,
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/static/site.css", get(css))
        .merge(portal::routes())
        .merge(catalogue::routes())
        .merge(items_pages::routes())
        .merge(requests_public::routes())
        .merge(login::routes())
        .merge(dashboard::routes())
        .merge(cases::routes())
        .merge(fees::routes())
        .merge(letters::routes())
        .merge(reports::routes())
        .merge(annual::routes())
        .merge(calendar::routes())
        .merge(audit::routes())
        .merge(users::routes())
        .merge(audit_log::routes())
        .merge(trading::routes())
        .merge(trading_public::routes())
        .merge(trading_rules::routes())
        .merge(atom::routes())
        .merge(attachments::routes())
        .merge(records::routes())
        .merge(columns::routes())
        .merge(search::routes())
        .merge(openapi::api().split_for_parts().0)
        .route_layer(axum::middleware::from_fn(metrics::label_route))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(chrome::remember_path))
        .layer(axum::middleware::from_fn(text_size::layer))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            security::Limits::new(&state),
            security::limits,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            replica::guard,
        ))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::middleware::from_fn(security::record_peer))
        .layer(axum::middleware::from_fn(metrics::track))
        .with_state(state)
}

/// Serves until the process is stopped.
pub async fn serve(db: Db, bind: SocketAddr, config: WebConfig) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    if config.read_only {
        tracing::info!("read-only node: no background job, no write");
    } else {
        tokio::spawn(audit_log::purge_audit_loop(
            db.clone(),
            config.audit_retention_days,
        ));
        tokio::spawn(items::publish_due_loop(db.clone()));
    }
    let index_dir = config.data_dir.join("index");
    let search = search::open(&db, &index_dir)
        .await
        .map_err(|e| std::io::Error::other(format!("搜索索引 {}：{e}", index_dir.display())))?;
    if let Some(at) = config.metrics_bind {
        let handle = metrics::install().map_err(std::io::Error::other)?;
        let metrics_listener = tokio::net::TcpListener::bind(at).await?;
        tracing::info!(
            "metrics on http://{}/metrics",
            metrics_listener.local_addr()?
        );
        let app = metrics::router(db.clone(), search.clone(), handle);
        tokio::spawn(async move {
            if let Err(e) = axum::serve(metrics_listener, app).await {
                tracing::error!("metrics address stopped: {e}");
            }
        });
    }
    axum::serve(
        listener,
        router_with_search(db, config, search).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}

/// An error page (Chinese) with the right status.
pub struct WebError(pub StatusCode, pub String);

impl From<DbError> for WebError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::UnknownAgency(_) => WebError(StatusCode::NOT_FOUND, e.to_string()),
            DbError::Domain(_) => WebError(StatusCode::BAD_REQUEST, e.to_string()),
            DbError::Denied(_) => WebError(StatusCode::FORBIDDEN, e.to_string()),
            DbError::NotFound(_) => WebError(StatusCode::NOT_FOUND, e.to_string()),
            DbError::Conflict(_) => WebError(StatusCode::CONFLICT, e.to_string()),
            other => {
                tracing::error!("{other}");
                WebError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "服务器内部错误，请稍后再试".into(),
                )
            }
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    message: String,
}

impl WebError {
    /// The error as the API's JSON `{"error": message}`.
    pub fn into_api_response(self) -> Response {
        guard::api_error(self.0, &self.1)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        (
            self.0,
            ErrorPage {
                status: self.0.as_u16(),
                message: self.1,
            },
        )
            .into_response()
    }
}

async fn not_found() -> WebError {
    WebError(StatusCode::NOT_FOUND, "页面不存在".into())
}

async fn healthz(State(s): State<AppState>) -> Response {
    if s.db.ping().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "数据库无响应").into_response()
    }
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/site.css"),
    )
        .into_response()
}
