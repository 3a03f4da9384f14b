//! The public portal: the home page (the list of agencies, or the only agency's page), an
//! agency's page with its annual reports by year, and a report as a page or a download
//! (`/agencies/{code}/reports/{year}[.md|.html|.docx|.xlsx|.json]`).
//!
//! No path value makes a handler fail: a segment that is not UTF-8, too long, not a year or a
//! year outside [`YEARS`] is a Chinese 404; rendering errors are logged and answered generically.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongkai_db::{Db, PeriodSpec};
use gongkai_export::Format;

use crate::{AppState, WebError, security};

/// The years a report may be asked for (the People's Republic to well past any agency's life).
pub const YEARS: std::ops::RangeInclusive<i32> = 1949..=2200;

/// The longest agency code looked up (longer ones are unknown).
const CODE_LIMIT: usize = 64;

fn not_found() -> WebError {
    WebError(StatusCode::NOT_FOUND, "页面不存在".into())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/agencies/{code}", get(agency))
        .route("/agencies/{code}/reports/{file}", get(report))
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
        return agency_page(s, agencies[0].code.clone()).await;
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
    /// The column tree (code, name, is a sub-column).
    columns: Vec<(String, String, bool)>,
    /// The publication log's entry count and head hash, for third parties to pin.
    log_seq: i64,
    log_head: String,
}

async fn agency(
    State(s): State<AppState>,
    code: Result<Path<String>, PathRejection>,
) -> Result<Response, WebError> {
    let Ok(Path(code)) = code else {
        return Err(not_found());
    };
    agency_page(s, code).await
}

async fn agency_page(s: AppState, code: String) -> Result<Response, WebError> {
    if !security::plausible_key(&code, CODE_LIMIT) {
        return Err(not_found());
    }
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
    let first = first.max(*YEARS.start());
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
    let columns =
        s.db.columns(a.id)
            .await?
            .into_iter()
            .map(|(c, n, p)| (c, n, p.is_some()))
            .collect();
    let (log_seq, log_head) = s.db.log_head(&a.code).await?;
    Ok(AgencyPage {
        code: a.code,
        name: a.name,
        reports,
        columns,
        log_seq,
        log_head,
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
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, WebError> {
    let Ok(Path((code, file))) = path else {
        return Err(not_found());
    };
    if !security::plausible_key(&code, CODE_LIMIT) || file.len() > 16 {
        return Err(not_found());
    }
    let (year, ext) = file.split_once('.').unwrap_or((file.as_str(), ""));
    let year: i32 = year
        .parse()
        .ok()
        .filter(|y| YEARS.contains(y))
        .ok_or_else(|| {
            WebError(
                StatusCode::NOT_FOUND,
                format!(
                    "年度“{year}”无效（应为 {} 至 {} 之间的年份）",
                    YEARS.start(),
                    YEARS.end()
                ),
            )
        })?;
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
    let render_err = |e: gongkai_export::ExportError| {
        tracing::error!("report {code} {year} could not be rendered: {e}");
        WebError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "报告暂时无法生成，请稍后再试".into(),
        )
    };
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
            // The standalone HTML document has its own <style>: allowed by hash, no script.
            let csp = (f == Format::Html).then(|| security::document_csp(&bytes));
            let mut res = (
                [
                    (header::CONTENT_TYPE, f.content_type().to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("inline; filename=\"{filename}\""),
                    ),
                ],
                bytes,
            )
                .into_response();
            if let Some(csp) = csp {
                res.headers_mut()
                    .insert(header::CONTENT_SECURITY_POLICY, csp);
            }
            Ok(res)
        }
    }
}
