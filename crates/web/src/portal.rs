//! The public portal: the home page (the list of agencies, or the only agency's page), an
//! agency's page with its published annual reports, and a published report as a page or one
//! of its frozen files (`/agencies/{code}/reports/{year}[.md|.html|.docx|.xlsx|.json|.pdf]`). A
//! year whose report has not been published through the workflow is a 404, and so is a format
//! its version was not frozen with (a PDF of a report frozen before PDFs were).
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
    title: String,
    published_at: String,
    corrected: bool,
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
    // Only published reports (contracts.md §7): the live computation stays in the back office.
    let mut reports = Vec::new();
    for st in s.db.report_statuses(&a.code, (s.today)()).await? {
        if !st.state.is_some_and(|x| x.is_public()) {
            continue;
        }
        if let Some(r) = s.db.public_report(&a.code, st.year).await? {
            reports.push(ReportLink {
                year: st.year,
                title: r.title,
                published_at: beijing_minute(r.published_at),
                corrected: r.version > 1,
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

/// A time as Beijing date and minute, for pages (empty when absent).
fn beijing_minute(t: Option<time::OffsetDateTime>) -> String {
    t.map(|t| {
        let t = t.to_offset(time::macros::offset!(+8));
        format!(
            "{} {:02}:{:02}",
            gongkai_domain::period::iso(t.date()),
            t.hour(),
            t.minute()
        )
    })
    .unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "report.html")]
struct ReportPage {
    title: String,
    code: String,
    agency_name: String,
    year: i32,
    body: String,
    /// (version, published at, 更正说明, content hash)
    history: Vec<(i32, String, String, String)>,
    /// (file name, SHA-256)
    files: Vec<(String, String)>,
}

/// A published report as a page or one of its frozen files; 404 for any year whose report
/// has not been published through the workflow (contracts.md §7).
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
    let Some(r) = s.db.public_report(&a.code, year).await? else {
        return Err(WebError(
            StatusCode::NOT_FOUND,
            format!("{}尚未发布{year}年度政府信息公开工作年度报告", a.name),
        ));
    };
    match format {
        None => Ok(ReportPage {
            title: r.title,
            code: a.code,
            agency_name: a.name,
            year,
            body: r.body,
            history: r
                .history
                .into_iter()
                .map(|(v, at, note, hash)| {
                    (
                        v,
                        beijing_minute(at),
                        note.unwrap_or_else(|| "首次发布".into()),
                        hash.unwrap_or_default(),
                    )
                })
                .collect(),
            files: r.files.into_iter().map(|f| (f.name, f.sha256)).collect(),
        }
        .into_response()),
        Some(f) => {
            let filename = gongkai_export::snapshot_file_name(&a.code, year, f);
            // A version frozen without a PDF (published before PDFs were, or where the fonts
            // were missing) has none: 404 like any missing format.
            let stored = s.db.item_file(r.item_id, r.version, &filename).await?;
            let Some((content_type, bytes)) = stored else {
                return Err(WebError(
                    StatusCode::NOT_FOUND,
                    format!("该年度报告没有{}格式的文件", f.extension()),
                ));
            };
            Ok(file_response(
                &filename,
                &content_type,
                bytes,
                f == Format::Html,
            ))
        }
    }
}

/// A stored file as a download (shown inline where the browser can). A standalone HTML
/// document has its own `<style>`: allowed by hash, no script.
pub(crate) fn file_response(
    filename: &str,
    content_type: &str,
    bytes: Vec<u8>,
    html: bool,
) -> Response {
    let csp = html.then(|| security::document_csp(&bytes));
    let ct = header::HeaderValue::from_str(content_type)
        .unwrap_or(header::HeaderValue::from_static("application/octet-stream"));
    // An ASCII name as it is; any other (an attachment's Chinese name) as RFC 6266's
    // `filename*`, with an ASCII fallback.
    let disposition = if filename.is_ascii() && !filename.contains(['"', '\\']) {
        format!("inline; filename=\"{filename}\"")
    } else {
        let ext = filename.rsplit_once('.').map_or("", |(_, e)| e);
        let fallback = if ext.is_ascii() && !ext.is_empty() && !ext.contains(['"', '\\']) {
            format!("file.{ext}")
        } else {
            "file".to_string()
        };
        format!(
            "inline; filename=\"{fallback}\"; filename*=UTF-8''{}",
            crate::urlenc::enc(filename)
        )
    };
    let disposition = header::HeaderValue::from_str(&disposition)
        .unwrap_or(header::HeaderValue::from_static("inline"));
    let mut res = bytes.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, ct);
    res.headers_mut()
        .insert(header::CONTENT_DISPOSITION, disposition);
    if let Some(csp) = csp {
        res.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    res
}
