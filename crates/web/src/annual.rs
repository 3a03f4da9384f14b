//! The annual report as a publication in the back office and the API (issue 10, contracts.md
//! §7): the reports of every agency the viewer may see with their due dates
//! (`/admin/reports`), the live computation of a year (`/admin/reports/{agency}/{year}/live`,
//! never public), drafting a year's report for publication (a frozen snapshot that then goes
//! through the items' workflow at `/admin/items/{id}`), and the snapshot's files of any version
//! (`/admin/items/{id}/files/{version}/{name}`). The public site serves only published
//! snapshots (`portal`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use gongkai_db::DbError;
use gongkai_db::annual::{DraftedReport, ReportStatus};
use gongkai_domain::auth::Action;
use gongkai_domain::period::iso;
use gongkai_domain::publishing::ReportSnapshot;
use gongkai_export::Format;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::chrome::Chrome;
use crate::guard::{
    self, Caller, Scope, agencies_for, api_error, api_json_writer, api_user, field, form_user,
    page_user,
};
use crate::portal::{YEARS, file_response};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/reports", get(home))
        .route("/admin/reports/{agency}/{year}/live", get(live))
        .route(
            "/admin/reports/{agency}/{year}/live/{format}",
            get(live_file),
        )
        .route("/admin/reports/{agency}/{year}/draft", post(draft_form))
        .route("/admin/items/{id}/files/{version}/{name}", get(item_file))
}

/// The API of report publication (documented from these handlers, see `openapi`).
pub(crate) fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(api_statuses))
        .routes(utoipa_axum::routes!(api_draft))
}

fn year_ok(year: i32) -> Result<(), WebError> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(WebError(StatusCode::NOT_FOUND, format!("年度“{year}”无效")))
    }
}

/// The report of `year` computed from the ledger now, and frozen (its page and the files of
/// `formats`).
async fn snapshot_of(
    s: &AppState,
    agency: &str,
    year: i32,
    formats: &[gongkai_export::Format],
) -> Result<(gongkai_domain::report::AnnualReport, ReportSnapshot), WebError> {
    let a = s.db.agency(agency).await?;
    let r =
        s.db.report_for_publication(agency, gongkai_db::PeriodSpec::Year(year))
            .await?;
    let template = s.db.narrative_template(a.id).await?;
    let failed = |e: String| {
        tracing::error!("report {agency} {year} could not be rendered: {e}");
        WebError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "报告暂时无法生成，请稍后再试".into(),
        )
    };
    // Typesetting the PDF takes a while: off the async workers.
    let report = r.clone();
    let formats = formats.to_vec();
    let snap = tokio::task::spawn_blocking(move || {
        gongkai_export::snapshot_with(&report, template.as_deref(), &formats)
    })
    .await
    .map_err(|e| failed(e.to_string()))?
    .map_err(|e| failed(e.to_string()))?;
    Ok((r, snap))
}

/// The renderer the demo loader is given (the same as drafting uses). Where the PDF fonts are
/// not installed the demo still loads: its reports are frozen without the PDF (with a
/// warning); such a version has no PDF (the portal answers 404 for it) until the demo is
/// loaded again with the fonts installed (`gongkai demo --reset`).
pub fn render_snapshot(
    r: &gongkai_domain::report::AnnualReport,
    template: Option<&str>,
) -> Result<ReportSnapshot, String> {
    use gongkai_export::{Format, SNAPSHOT_FORMATS, typeset};
    let snap = match typeset::check_font_files(&typeset::fonts_dir()) {
        Ok(()) => gongkai_export::snapshot(r, template),
        Err(e) => {
            tracing::warn!("{e}；演示报告冻结时不含 PDF");
            let formats: Vec<Format> = SNAPSHOT_FORMATS
                .into_iter()
                .filter(|f| *f != Format::Pdf)
                .collect();
            gongkai_export::snapshot_with(r, template, &formats)
        }
    };
    snap.map_err(|e| e.to_string())
}

/// Loads the demo agency (`Db::load_demo`) and publishes its report of every year ended
/// before today through the workflow, as `gongkai demo` does.
pub async fn load_demo(db: &gongkai_db::Db, reset: bool) -> Result<gongkai_db::AgencyRow, DbError> {
    let today = gongkai_domain::period::beijing_date(OffsetDateTime::now_utc());
    load_demo_as_of(db, reset, today).await
}

/// As [`load_demo`], with the 依申请公开 cases as they stood on `day` (`Db::load_demo_as_of`).
pub async fn load_demo_as_of(
    db: &gongkai_db::Db,
    reset: bool,
    day: time::Date,
) -> Result<gongkai_db::AgencyRow, DbError> {
    let a = db.load_demo_as_of(reset, day).await?;
    let today = gongkai_domain::period::beijing_date(OffsetDateTime::now_utc());
    let first = a.established.map_or(today.year() - 1, |d| d.year());
    let years: Vec<i32> = (first..today.year()).collect();
    db.publish_demo_reports(&years, &render_snapshot).await?;
    Ok(a)
}

/// Drafts (or redrafts) a year's report for publication, recorded in the audit log in the
/// same transaction. The right is checked before anything is computed.
async fn draft(
    s: &AppState,
    c: &Caller,
    agency: &str,
    year: i32,
    change_note: Option<String>,
) -> Result<DraftedReport, DbError> {
    let path = s.db.agency_path(agency).await?;
    gongkai_domain::auth::authorize(
        &c.principal,
        Action::DraftItems,
        gongkai_domain::auth::Resource::Agency(&path),
    )?;
    let snapshot = match snapshot_of(s, agency, year, &gongkai_export::SNAPSHOT_FORMATS).await {
        Ok((_, x)) => x,
        Err(e) => return Err(DbError::Render(e.1)),
    };
    let entry = c
        .audit("起草年度报告发布稿")
        .agency(agency)
        .detail(format!("{year}"));
    let now = OffsetDateTime::now_utc();
    s.db.write(&entry, async |tx| {
        tx.draft_report(&c.principal, agency, year, &snapshot, change_note, now)
            .await
    })
    .await
}

struct StatusLine {
    year: i32,
    state: &'static str,
    due: String,
    published: String,
    overdue: bool,
    item_id: Option<i64>,
}

impl StatusLine {
    fn of(st: &ReportStatus) -> StatusLine {
        StatusLine {
            year: st.year,
            state: st.state.map_or("未起草", |x| x.label()),
            due: st.due.map(iso).unwrap_or_default(),
            published: st
                .published_at
                .map(gongkai_domain::period::rfc3339)
                .unwrap_or_default(),
            overdue: st.overdue,
            item_id: st.item_id,
        }
    }
}

struct AgencyReports {
    code: String,
    name: String,
    may_draft: bool,
    years: Vec<StatusLine>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_reports.html")]
struct HomePage {
    chrome: Chrome,
    agencies: Vec<AgencyReports>,
    csrf: String,
}

/// Every visible agency's reports by year: drafted or not, state, due date, overdue.
async fn home(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let c = match page_user(&s, &headers, Action::ViewReports, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let today = (s.today)();
        let mut agencies = Vec::new();
        for a in agencies_for(&s, &c, Action::ViewReports).await? {
            let path = s.db.agency_path(&a.code).await?;
            let years =
                s.db.report_statuses(&a.code, today)
                    .await?
                    .iter()
                    .map(StatusLine::of)
                    .collect();
            agencies.push(AgencyReports {
                may_draft: c.may(Action::DraftItems, &path),
                code: a.code,
                name: a.name,
                years,
            });
        }
        Ok::<_, WebError>(HomePage {
            chrome: Chrome::of(&c),
            csrf: c.session.as_ref().map(|x| x.1.clone()).unwrap_or_default(),
            agencies,
        })
    }
    .await;
    match result {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_report_live.html")]
struct LivePage {
    chrome: Chrome,
    agency: String,
    agency_name: String,
    year: i32,
    from: String,
    to: String,
    failures: Vec<String>,
    body: String,
    status: StatusLine,
    may_draft: bool,
    csrf: String,
}

/// The live computation of a year's report (not public; what a draft would freeze now).
async fn live(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, year)): Path<(String, i32)>,
) -> Response {
    let c = match page_user(&s, &headers, Action::ViewReports, Scope::Agency(&agency)).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        year_ok(year)?;
        let a = s.db.agency(&agency).await?;
        let path = s.db.agency_path(&agency).await?;
        let (r, snap) = snapshot_of(&s, &agency, year, &[]).await?;
        let status =
            s.db.report_statuses(&agency, (s.today)())
                .await?
                .iter()
                .find(|st| st.year == year)
                .map(StatusLine::of)
                .unwrap_or(StatusLine {
                    year,
                    state: "统计中",
                    due: String::new(),
                    published: String::new(),
                    overdue: false,
                    item_id: None,
                });
        Ok::<_, WebError>(LivePage {
            chrome: Chrome::of(&c),
            agency: a.code,
            agency_name: a.name,
            year,
            from: iso(r.period.from),
            to: iso(r.period.to),
            failures: snap.failures,
            body: snap.body,
            status,
            may_draft: c.may(Action::DraftItems, &path),
            csrf: c.session.as_ref().map(|x| x.1.clone()).unwrap_or_default(),
        })
    }
    .await;
    match result {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

/// The live computation as a file (Word, Excel, JSON, Markdown, HTML).
async fn live_file(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, year, format)): Path<(String, i32, String)>,
) -> Response {
    if let Err(r) = page_user(&s, &headers, Action::ViewReports, Scope::Agency(&agency)).await {
        return r;
    }
    let result = async {
        year_ok(year)?;
        let f = Format::from_code(&format)
            .ok_or_else(|| WebError(StatusCode::NOT_FOUND, format!("不支持的格式“{format}”")))?;
        let (_, snap) = snapshot_of(&s, &agency, year, &[f]).await?;
        let name = gongkai_export::snapshot_file_name(&agency, year, f);
        let file = snap
            .files
            .into_iter()
            .find(|x| x.name == name)
            .ok_or_else(|| WebError(StatusCode::NOT_FOUND, format!("不支持的格式“{format}”")))?;
        Ok::<_, WebError>(file_response(
            &format!("draft-{name}"),
            &file.content_type,
            file.bytes,
            f == Format::Html,
        ))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// The draft form: creates or refreshes the year's publication draft, then its item page.
async fn draft_form(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, year)): Path<(String, i32)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let c = match form_user(
        &s,
        &headers,
        Action::DraftItems,
        Scope::Agency(&agency),
        field(&pairs, "csrf"),
    )
    .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(e) = year_ok(year) {
        return e.into_response();
    }
    let note = Some(field(&pairs, "change_note").to_string()).filter(|n| !n.trim().is_empty());
    match draft(&s, &c, &agency, year, note).await {
        Ok(d) => Redirect::to(&format!("/admin/items/{}", d.item_id)).into_response(),
        Err(e) => crate::items_pages::page_error(e).into_response(),
    }
}

/// A file of an item's version (a report snapshot), for whoever may see the item's agency.
async fn item_file(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((id, version, name)): Path<(i64, i32, String)>,
) -> Response {
    let c = match page_user(&s, &headers, Action::ViewItems, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let agency = s.db.item_agency(id).await?;
        guard::require(&s, &c, Action::ViewItems, Scope::Agency(&agency)).await?;
        let (ct, bytes) =
            s.db.item_file(id, version, &name)
                .await?
                .ok_or_else(|| WebError(StatusCode::NOT_FOUND, "文件不存在".into()))?;
        let html = ct.starts_with("text/html");
        Ok::<_, WebError>(file_response(&name, &ct, bytes, html))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// Where each year's report of an agency stands.
#[utoipa::path(get, path = "/api/v1/admin/reports/{agency}", tag = "年度报告",
    summary = "机构各年度报告的发布状态与截止日期",
    security(("bearer" = []), ("session" = [])),
    params(("agency" = String, Path, description = "机构代码")),
    responses(
        (status = 200, description = "[{year, item_id, state, public_version, published_at, due, overdue}]，新年度在前", body = Vec<Object>),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有查看该机构报告的权限", body = crate::openapi::ApiError),
        (status = 404, description = "未找到机构", body = crate::openapi::ApiError),
    ))]
async fn api_statuses(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(agency): Path<String>,
) -> Response {
    if let Err(r) = api_user(&s, &headers, Action::ViewReports, Scope::Agency(&agency)).await {
        return r;
    }
    match s.db.report_statuses(&agency, (s.today)()).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => WebError::from(e).into_api_response(),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DraftBody {
    #[serde(default)]
    change_note: Option<String>,
}

/// Drafts a year's report for publication from the ledger as it is now.
#[utoipa::path(post, path = "/api/v1/admin/reports/{agency}/{year}/draft", tag = "年度报告",
    summary = "起草（或按最新数据刷新）年度报告发布稿",
    description = "按台账当前数据生成报告并冻结为发布稿（HTML、Word、Excel、Markdown、JSON），之后按主动公开信息的流程审核、发布（/api/v1/admin/items/{id}/step）。已发布的报告再次起草即为更正稿，须在 change_note 写明更正说明。表格不平衡、年度未结束、稿件正在审核中时不起草（409）。",
    security(("bearer" = []), ("session" = [])),
    params(
        ("agency" = String, Path, description = "机构代码"),
        ("year" = i32, Path, description = "年度"),
        crate::openapi::Csrf,
    ),
    request_body(content = Object, description = "{\"change_note\": 更正说明（更正已发布的报告时必填）}"),
    responses(
        (status = 201, description = "{item_id, index_no, version}", body = Object),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有起草权限", body = crate::openapi::ApiError),
        (status = 404, description = "未找到机构或年度无效", body = crate::openapi::ApiError),
        (status = 409, description = "年度未结束、表格不平衡或稿件正在审核", body = crate::openapi::ApiError),
        (status = 422, description = "字段有误（指明字段），未做任何改动", body = crate::openapi::ApiError),
    ))]
async fn api_draft(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, year)): Path<(String, i32)>,
    body: axum::body::Bytes,
) -> Response {
    let body = if body.is_empty() {
        &b"{}"[..]
    } else {
        &body[..]
    };
    let (c, given) = match api_json_writer(
        &s,
        &headers,
        Action::DraftItems,
        Scope::Agency(&agency),
        body,
    )
    .await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !YEARS.contains(&year) {
        return api_error(StatusCode::NOT_FOUND, &format!("年度“{year}”无效"));
    }
    let b: DraftBody = match serde_json::from_value(given) {
        Ok(b) => b,
        Err(e) => {
            return api_error(StatusCode::UNPROCESSABLE_ENTITY, &format!("字段有误：{e}"));
        }
    };
    match draft(&s, &c, &agency, year, b.change_note).await {
        Ok(d) => (StatusCode::CREATED, Json(d)).into_response(),
        Err(e) => crate::items_pages::page_error(e).into_api_response(),
    }
}
