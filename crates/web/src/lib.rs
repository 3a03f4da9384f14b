//! gongkai-web: the only crate that speaks HTTP. Routes follow contracts.md §6; handlers are
//! thin (extract → ask `gongkai-db` → render with `gongkai-export` or an askama template).

mod admin;
pub mod auth;
pub mod openapi;
mod public;

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongkai_db::{Db, DbError, PeriodSpec};
use gongkai_export::Format;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Today's date in Beijing (the year still being counted is marked as such).
    pub today: fn() -> time::Date,
}

fn beijing_today() -> time::Date {
    gongkai_domain::period::beijing_date(time::OffsetDateTime::now_utc())
}

/// The application's router.
pub fn router(db: Db) -> Router {
    let state = AppState {
        db,
        today: beijing_today,
    };
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/static/site.css", get(css))
        .route("/agencies/{code}", get(agency))
        .route("/agencies/{code}/reports/{file}", get(report))
        .route("/requests/new", get(public::form))
        .route("/requests", axum::routing::post(public::submit))
        .route("/requests/status", get(public::status))
        .route("/admin/login", get(admin::login_form).post(admin::login))
        .route("/admin/logout", axum::routing::post(admin::logout))
        .route("/admin/", get(admin::home))
        .route(
            "/admin",
            get(|| async { axum::response::Redirect::to("/admin/") }),
        )
        .route("/admin/requests", get(admin::requests))
        .route(
            "/admin/requests/{agency}/new",
            get(admin::new_request_form).post(admin::new_request),
        )
        .route("/admin/requests/{agency}/{case}", get(admin::request))
        .route(
            "/admin/requests/{agency}/{case}/events",
            axum::routing::post(admin::add_event),
        )
        .route(
            "/admin/requests/{agency}/{case}/fee",
            axum::routing::post(admin::fee),
        )
        .route("/admin/letters/{agency}/{file}", get(admin::letter))
        .route("/admin/reports", get(admin::reports_home))
        .route(
            "/admin/audit",
            get(admin::audit_form).post(admin::audit_upload),
        )
        .route("/api/v1/admin/audit", axum::routing::post(admin::api_audit))
        .route(
            "/admin/calendar",
            get(admin::calendar).post(admin::calendar_import),
        )
        .route("/admin/reports/{agency}/{year}", get(admin::report))
        .route(
            "/admin/reports/{agency}/{year}/cells/{row}/{col}",
            get(admin::report_cell),
        )
        .route("/api/v1/admin/me", get(admin::unauthorized_if_no_session))
        .route("/api/v1/admin/requests", get(admin::api_requests))
        .route(
            "/api/v1/admin/requests/{agency}/events",
            axum::routing::post(admin::api_add_event),
        )
        .route(
            "/api/v1/admin/reports/{agency}/{year}/cells/{row}/{col}",
            get(admin::api_cell),
        )
        .route("/api/openapi.json", get(openapi::document))
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(
            gongkai_export::read::MAX_BYTES,
        ))
        .with_state(state)
}

/// Serves until the process is stopped.
pub async fn serve(db: Db, bind: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router(db)).await
}

/// An error page (Chinese) with the right status.
pub struct WebError(pub StatusCode, pub String);

impl From<DbError> for WebError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::UnknownAgency(_) => WebError(StatusCode::NOT_FOUND, e.to_string()),
            DbError::Domain(_) => WebError(StatusCode::BAD_REQUEST, e.to_string()),
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

struct AgencyLink {
    code: String,
    name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct Home {
    agencies: Vec<AgencyLink>,
}

async fn home(State(s): State<AppState>) -> Result<Response, WebError> {
    let agencies = s.db.agencies().await?;
    if agencies.len() == 1 {
        return agency(State(s), Path(agencies[0].code.clone())).await;
    }
    let agencies = agencies
        .into_iter()
        .map(|a| AgencyLink {
            code: a.code,
            name: a.name,
        })
        .collect();
    Ok(Home { agencies }.into_response())
}

struct ReportLink {
    year: i32,
    from: String,
    to: String,
    in_progress: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "agency.html")]
struct AgencyPage {
    code: String,
    name: String,
    reports: Vec<ReportLink>,
}

async fn agency(State(s): State<AppState>, Path(code): Path<String>) -> Result<Response, WebError> {
    let a = s.db.agency(&code).await?;
    let today = (s.today)();
    let first = match a.established {
        Some(e) => e.year(),
        None => {
            s.db.first_activity_year(a.id)
                .await?
                .unwrap_or(today.year())
        }
    };
    let mut reports = Vec::new();
    for year in (first..=today.year()).rev() {
        if let Ok(p) = Db::resolve_period(&a, PeriodSpec::Year(year)) {
            reports.push(ReportLink {
                year,
                from: gongkai_domain::period::iso(p.from),
                to: gongkai_domain::period::iso(p.to),
                in_progress: p.to >= today,
            });
        }
    }
    Ok(AgencyPage {
        code: a.code,
        name: a.name,
        reports,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "report.html")]
struct ReportPage {
    title: String,
    code: String,
    agency_name: String,
    year: i32,
    valid: bool,
    failures: Vec<String>,
    body: String,
}

async fn report(
    State(s): State<AppState>,
    Path((code, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (year, ext) = file.split_once('.').unwrap_or((file.as_str(), ""));
    let year: i32 = year
        .parse()
        .map_err(|_| WebError(StatusCode::NOT_FOUND, format!("年度“{year}”无效")))?;
    let format = if ext.is_empty() {
        None
    } else {
        Some(
            Format::from_code(ext)
                .ok_or_else(|| WebError(StatusCode::NOT_FOUND, format!("不支持的格式“{ext}”")))?,
        )
    };
    let a = s.db.agency(&code).await?;
    let r = s.db.report(&code, PeriodSpec::Year(year)).await?;
    let template =
        s.db.narrative_template(a.id)
            .await?
            .unwrap_or_else(|| gongkai_export::DEFAULT_TEMPLATE.to_string());
    let render_err =
        |e: gongkai_export::ExportError| WebError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    match format {
        None => {
            let doc = gongkai_export::Document::build(&r, &template).map_err(render_err)?;
            Ok(ReportPage {
                title: doc.title.clone(),
                code: a.code,
                agency_name: a.name,
                year,
                valid: r.valid,
                failures: r
                    .failures()
                    .map(|c| format!("{} {}：{}", c.rule, c.place, c.message))
                    .collect(),
                body: gongkai_export::html_body(&doc),
            }
            .into_response())
        }
        Some(f) => {
            let bytes = gongkai_export::render(&r, &template, f).map_err(render_err)?;
            let filename = format!("{}-{year}-annual-report.{}", a.code, f.extension());
            Ok((
                [
                    (header::CONTENT_TYPE, f.content_type().to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("inline; filename=\"{filename}\""),
                    ),
                ],
                bytes,
            )
                .into_response())
        }
    }
}
