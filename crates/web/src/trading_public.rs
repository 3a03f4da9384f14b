//! Trading information on the portal (法定主动公开内容 › 交易信息; regulations.md §4.2):
//!
//! * `/agencies/{code}/trading` — the agency's published trading notices, newest first, narrowed
//!   by category (`category`), phase (`stage`: 事前 / 事中 / 事后), notice type (`type`), region
//!   (`region`) and publication dates (`from`, `to`), [`PER_PAGE`] a page (`page`); a bad value
//!   is a Chinese message naming the field, with the list unfiltered by it;
//! * `/agencies/{code}/trading/{project}/{section}` — one section's whole timeline, from the
//!   project's plan or intention to acceptance: the stages with the day each was published, and
//!   every version of every notice (corrections marked) with its dates, bidders and body;
//! * `/agencies/{code}/notices/{notice}` — a notice's stable address (search results, feeds):
//!   a redirect to its section's timeline (a project's plan or intention: the project's first
//!   section, or the list of 事前 notices when it has none yet).
//!
//! Only what is published by today (Beijing time) is shown; both pages are public and kept in
//! the page cache.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongkai_db::trading_views::NoticeFilter;
use gongkai_domain::codes::{NoticeType, TradingCategory, TradingPhase};
use gongkai_domain::period::{iso, parse_date};
use gongkai_domain::trading::section_status;
use serde::Deserialize;

use crate::paging::{self, Pager};
use crate::trading::{StageRow, VersionRow, stage_rows, version_row};
use crate::urlenc::enc;
use crate::{AppState, WebError, security};

/// Notices per page of the list.
pub const PER_PAGE: i64 = 20;
const CODE_LIMIT: usize = 64;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agencies/{code}/trading", get(list))
        .route("/agencies/{code}/trading/{project}/{section}", get(section))
        .route("/agencies/{code}/notices/{notice}", get(notice))
}

fn not_found() -> WebError {
    WebError(StatusCode::NOT_FOUND, "页面不存在".into())
}

/// The link to a section's public timeline.
pub fn section_href(agency: &str, project: &str, section: &str) -> String {
    format!(
        "/agencies/{}/trading/{}/{}",
        enc(agency),
        enc(project),
        enc(section)
    )
}

#[derive(Deserialize, Default)]
struct ListQuery {
    category: Option<String>,
    stage: Option<String>,
    #[serde(rename = "type")]
    ntype: Option<String>,
    region: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
}

struct Choice {
    code: String,
    label: String,
    selected: bool,
}

struct ListRow {
    title: String,
    href: Option<String>,
    kind: &'static str,
    phase: &'static str,
    category: &'static str,
    project: String,
    region: String,
    published: String,
    corrected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "trading_list.html")]
struct ListPage {
    code: String,
    agency_name: String,
    categories: Vec<Choice>,
    stages: Vec<Choice>,
    types: Vec<Choice>,
    regions: Vec<Choice>,
    from: String,
    to: String,
    messages: Vec<String>,
    rows: Vec<ListRow>,
    pager: Pager,
}

fn options<T: Copy + PartialEq>(
    all: &[T],
    chosen: Option<T>,
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter()
        .map(|t| Choice {
            code: code(*t).to_string(),
            label: label(*t).to_string(),
            selected: chosen == Some(*t),
        })
        .collect()
}

/// A query value, trimmed; empty is absent.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Parses the filter; each bad field adds a message naming it and is left out.
fn filter_of(
    q: &ListQuery,
    messages: &mut Vec<String>,
) -> (NoticeFilter, Option<TradingPhase>, Option<NoticeType>, i64) {
    let mut f = NoticeFilter::default();
    let mut bad = |e: String| messages.push(e);
    if let Some(c) = given(&q.category) {
        match TradingCategory::from_code(c) {
            Ok(c) => f.category = Some(c),
            Err(_) => bad(format!("字段“交易类别”（category）的取值“{c}”无效")),
        }
    }
    let mut phase = None;
    if let Some(p) = given(&q.stage) {
        match TradingPhase::from_code(p) {
            Ok(p) => phase = Some(p),
            Err(_) => bad(format!("字段“公开阶段”（stage）的取值“{p}”无效")),
        }
    }
    let mut ntype = None;
    if let Some(t) = given(&q.ntype) {
        match NoticeType::from_code(t) {
            Ok(t) => ntype = Some(t),
            Err(_) => bad(format!("字段“公告类型”（type）的取值“{t}”无效")),
        }
    }
    f.types = match (phase, ntype) {
        (_, Some(t)) if phase.is_none_or(|p| t.phase() == p) => vec![t],
        (Some(p), Some(_)) => {
            bad("字段“公告类型”（type）与所选公开阶段不符，已按公开阶段筛选".into());
            ntype = None;
            p.types()
        }
        (Some(p), None) => p.types(),
        (None, _) => Vec::new(),
    };
    if let Some(r) = given(&q.region) {
        if r.chars().count() <= 64 {
            f.region = Some(r.to_string());
        } else {
            bad("字段“地区”（region）过长".into());
        }
    }
    for (v, slot, name) in [
        (&q.from, &mut f.from, "起始日期（from）"),
        (&q.to, &mut f.to, "截止日期（to）"),
    ] {
        if let Some(d) = given(v) {
            match parse_date(d, name) {
                Ok(d) => *slot = Some(d),
                Err(e) => bad(e.to_string()),
            }
        }
    }
    if let (Some(a), Some(b)) = (f.from, f.to)
        && a > b
    {
        bad("起始日期（from）晚于截止日期（to），已忽略日期条件".into());
        f.from = None;
        f.to = None;
    }
    let page = paging::requested(q.page.as_deref(), messages);
    (f, phase, ntype, page)
}

/// The list's URL with the filter and another page.
fn page_href(code: &str, q: &ListQuery, page: i64) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (k, v) in [
        ("category", &q.category),
        ("stage", &q.stage),
        ("type", &q.ntype),
        ("region", &q.region),
        ("from", &q.from),
        ("to", &q.to),
    ] {
        if let Some(v) = given(v) {
            parts.push(format!("{k}={}", enc(v)));
        }
    }
    parts.push(format!("page={page}"));
    format!("/agencies/{}/trading?{}", enc(code), parts.join("&"))
}

async fn list(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let Ok(Path(code)) = path else {
        return Err(not_found());
    };
    if !security::plausible_key(&code, CODE_LIMIT) {
        return Err(not_found());
    }
    let mut messages = Vec::new();
    let q = match query {
        Ok(Query(q)) => q,
        Err(_) => {
            messages.push("查询参数无法识别，已显示全部交易信息".into());
            ListQuery::default()
        }
    };
    let a = s.db.agency(&code).await?;
    let (f, phase, ntype, page) = filter_of(&q, &mut messages);
    let (total, rows) =
        s.db.public_notices(a.id, &f, (s.today)(), (page - 1) * PER_PAGE, PER_PAGE)
            .await?;
    let regions = s.db.notice_regions(a.id).await?;
    let pager = Pager::new(total, PER_PAGE, page, |n| page_href(&a.code, &q, n));
    let rows = rows
        .into_iter()
        .map(|r| {
            let t = NoticeType::from_code(&r.ntype).ok();
            ListRow {
                href: Some(match r.section.as_deref() {
                    Some(sec) => section_href(&a.code, &r.project, sec),
                    None => gongkai_db::search_docs::notice_url(&a.code, &r.notice),
                }),
                title: r.title,
                kind: t.map(|t| t.label()).unwrap_or(""),
                phase: t.map(|t| t.phase().label()).unwrap_or(""),
                category: TradingCategory::from_code(&r.category)
                    .map(|c| c.label())
                    .unwrap_or(""),
                project: format!("{} {}", r.project, r.project_name),
                region: r.region,
                published: iso(r.published_on),
                corrected: r.version > 1,
            }
        })
        .collect();
    Ok(ListPage {
        categories: options(
            TradingCategory::ALL,
            f.category,
            TradingCategory::code,
            TradingCategory::label,
        ),
        stages: options(
            TradingPhase::ALL,
            phase,
            TradingPhase::code,
            TradingPhase::label,
        ),
        types: options(NoticeType::ALL, ntype, NoticeType::code, NoticeType::label),
        regions: regions
            .into_iter()
            .map(|r| Choice {
                selected: f.region.as_deref() == Some(r.as_str()),
                code: r.clone(),
                label: r,
            })
            .collect(),
        from: f.from.map(iso).unwrap_or_default(),
        to: f.to.map(iso).unwrap_or_default(),
        messages,
        rows,
        pager,
        code: a.code,
        agency_name: a.name,
    }
    .into_response())
}

struct Body {
    notice: String,
    version: i64,
    html: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "trading_section.html")]
struct SectionPage {
    code: String,
    agency_name: String,
    project: String,
    project_name: String,
    section: String,
    section_name: String,
    ocid: String,
    category: &'static str,
    completed_on: String,
    terminated_on: String,
    stages: Vec<StageRow>,
    project_notices: Vec<VersionRow>,
    versions: Vec<(&'static str, VersionRow)>,
    bodies: Vec<Body>,
}

async fn section(
    State(s): State<AppState>,
    path: Result<Path<(String, String, String)>, PathRejection>,
) -> Result<Response, WebError> {
    let Ok(Path((code, project, section))) = path else {
        return Err(not_found());
    };
    if ![&code, &project, &section]
        .iter()
        .all(|k| security::plausible_key(k, CODE_LIMIT))
    {
        return Err(not_found());
    }
    let a = s.db.agency(&code).await?;
    let today = (s.today)();
    let Some(mut tl) = s.db.section_timeline(&a.code, &project, &section).await? else {
        return Err(not_found());
    };
    // Only what is published by today.
    let public = |n: &gongkai_domain::trading::Notice| {
        gongkai_domain::period::beijing_date(n.published) <= today
    };
    tl.versions.retain(|v| public(&v.notice));
    tl.project_notices.retain(|n| public(n));
    if tl.versions.is_empty() && tl.project_notices.is_empty() {
        return Err(not_found());
    }
    let current = tl.current();
    let cal = s.db.calendar().await?;
    let cfg = s.db.rule_config(&a.code).await?;
    let status = section_status(&current, &cal, &cfg, today);
    let category = current
        .first()
        .or(tl.project_notices.first())
        .map(|n| n.category.label())
        .unwrap_or("");
    let (stages, completed_on, terminated_on) = match &status {
        Some(st) => (
            stage_rows(st, false),
            st.completed_on.map(iso).unwrap_or_default(),
            st.terminated_on.map(iso).unwrap_or_default(),
        ),
        None => (Vec::new(), String::new(), String::new()),
    };
    let bodies = tl
        .versions
        .iter()
        .filter(|v| v.current)
        .filter_map(|v| {
            // Stored sanitised by the import; sanitised again here, whatever wrote it.
            let html = gongkai_domain::trading::sanitize_body(v.notice.body.as_deref()?).ok()?;
            Some(Body {
                notice: v.notice.id.clone(),
                version: v.version,
                html,
            })
        })
        .collect();
    Ok(SectionPage {
        code: a.code.clone(),
        agency_name: a.name,
        project_name: tl.project_name.clone(),
        section_name: tl.section_name.clone(),
        ocid: tl.ocid.clone(),
        category,
        completed_on,
        terminated_on,
        stages,
        project_notices: tl
            .project_notices
            .iter()
            .map(|n| version_row(n, 0, true))
            .collect(),
        versions: tl
            .versions
            .iter()
            .map(|v| {
                (
                    v.notice.ntype.phase().label(),
                    version_row(&v.notice, v.version, v.current),
                )
            })
            .collect(),
        bodies,
        project: tl.project,
        section: tl.section,
    }
    .into_response())
}

async fn notice(
    State(s): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, WebError> {
    let Ok(Path((code, no))) = path else {
        return Err(not_found());
    };
    if !security::plausible_key(&code, CODE_LIMIT) || !security::plausible_key(&no, CODE_LIMIT) {
        return Err(not_found());
    }
    let a = s.db.agency(&code).await?;
    let place = s.db.notice_place(a.id, &no, (s.today)()).await?;
    let to = match place {
        None => return Err(not_found()),
        Some((project, Some(section))) => section_href(&a.code, &project, &section),
        Some((_, None)) => format!("/agencies/{}/trading?stage=before", enc(&a.code)),
    };
    Ok(axum::response::Redirect::to(&to).into_response())
}
