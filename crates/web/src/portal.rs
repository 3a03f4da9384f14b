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
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
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
    /// Whether it matches the directory's filter (a top agency may be shown for context).
    matched: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct Home {
    /// The directory: each top agency with its subordinate agencies (all those matching the
    /// filter, with their parents for context).
    groups: Vec<(AgencyLink, Vec<AgencyLink>)>,
    /// The filter as typed, and how many agencies there are in all.
    q: String,
    total: usize,
    matched: usize,
    message: Option<String>,
}

/// The directory's filter (`?q=`): part of an agency's name or code.
#[derive(serde::Deserialize, Default)]
struct DirectoryQuery {
    q: Option<String>,
}

/// The longest filter taken (characters).
const DIRECTORY_Q_MAX: usize = 50;

async fn home(
    State(s): State<AppState>,
    query: Result<Query<DirectoryQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let agencies = s.db.agencies().await?;
    if agencies.len() == 1 {
        return agency_page(s, agencies[0].code.clone()).await;
    }
    let mut message = None;
    let q = match query {
        Ok(Query(q)) => q.q.unwrap_or_default(),
        Err(_) => {
            message = Some("查询参数无法识别，已显示全部机构".to_string());
            String::new()
        }
    };
    let mut q = q.trim().to_string();
    if q.chars().count() > DIRECTORY_Q_MAX {
        message = Some(format!(
            "机构名称（q）过长：最多 {DIRECTORY_Q_MAX} 个字，已截断"
        ));
        q = q.chars().take(DIRECTORY_Q_MAX).collect();
    }
    let groups = directory(&agencies, &q);
    let matched = groups
        .iter()
        .map(|(top, subs)| subs.len() + usize::from(top.matched))
        .sum();
    Ok(Home {
        total: agencies.len(),
        matched,
        groups,
        q,
        message,
    }
    .into_response())
}

/// The agencies as a directory: the top agencies (no parent, or a parent not in the list) in
/// order of name, each with its subordinate agencies at any depth in order of name; with a
/// filter, only the agencies whose name or code holds it (case-insensitively), under their
/// top agency (shown for context when it does not match itself).
fn directory(all: &[gongkai_db::AgencyRow], q: &str) -> Vec<(AgencyLink, Vec<AgencyLink>)> {
    use std::collections::HashMap;
    let by_id: HashMap<i64, &gongkai_db::AgencyRow> = all.iter().map(|a| (a.id, a)).collect();
    let top_of = |a: &gongkai_db::AgencyRow| -> i64 {
        let mut at = a;
        let mut steps = 0;
        while let Some(p) = at.parent_id.and_then(|p| by_id.get(&p)) {
            at = p;
            steps += 1;
            if steps > 64 {
                // A cycle (never written by this program): the agency stands alone.
                return a.id;
            }
        }
        at.id
    };
    let needle = q.to_lowercase();
    let hit = |a: &gongkai_db::AgencyRow| {
        needle.is_empty()
            || a.name.to_lowercase().contains(&needle)
            || a.code.to_lowercase().contains(&needle)
    };
    let link = |a: &gongkai_db::AgencyRow| AgencyLink {
        code: a.code.clone(),
        name: a.name.clone(),
        matched: hit(a),
    };
    let mut tops: Vec<&gongkai_db::AgencyRow> = all.iter().filter(|a| top_of(a) == a.id).collect();
    tops.sort_by(|a, b| a.name.cmp(&b.name));
    tops.into_iter()
        .filter_map(|t| {
            let mut subs: Vec<&gongkai_db::AgencyRow> = all
                .iter()
                .filter(|a| a.id != t.id && top_of(a) == t.id && hit(a))
                .collect();
            subs.sort_by(|a, b| a.name.cmp(&b.name));
            (hit(t) || !subs.is_empty()).then(|| (link(t), subs.into_iter().map(link).collect()))
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, code: &str, name: &str, parent: Option<i64>) -> gongkai_db::AgencyRow {
        gongkai_db::AgencyRow {
            id,
            code: code.into(),
            name: name.into(),
            parent_id: parent,
            established: None,
        }
    }

    #[test]
    fn the_directory_groups_under_top_agencies_and_filters_by_name_or_code() {
        let all = [
            row(1, "nx", "宁夏回族自治区公共资源交易管理局", None),
            row(2, "wz", "吴忠市公共资源交易服务中心", Some(1)),
            row(3, "wz-ts", "同心县公共资源交易中心", Some(2)),
            row(4, "yc", "银川市公共资源交易中心", Some(1)),
            row(5, "other", "某省政务服务中心", None),
            // A cycle in the parents ends the walk (nothing hangs).
            row(6, "loop-a", "环甲", Some(7)),
            row(7, "loop-b", "环乙", Some(6)),
        ];
        let names = |g: &[(AgencyLink, Vec<AgencyLink>)]| -> Vec<(String, Vec<String>)> {
            g.iter()
                .map(|(t, s)| (t.code.clone(), s.iter().map(|a| a.code.clone()).collect()))
                .collect()
        };
        let every = directory(&all, "");
        assert_eq!(
            names(&every)[..2],
            [
                (
                    "nx".to_string(),
                    vec!["wz-ts".to_string(), "wz".into(), "yc".into()]
                ),
                ("other".to_string(), vec![]),
            ]
        );
        // 吴忠 matches the city only; its province is shown for context, unmatched.
        let wz = directory(&all, "吴忠");
        assert_eq!(names(&wz), [("nx".to_string(), vec!["wz".to_string()])]);
        assert!(!wz[0].0.matched && wz[0].1[0].matched);
        // By code, case-insensitively.
        assert_eq!(
            names(&directory(&all, "YC")),
            [("nx".to_string(), vec!["yc".to_string()])]
        );
        assert!(directory(&all, "不存在").is_empty());
    }
}
