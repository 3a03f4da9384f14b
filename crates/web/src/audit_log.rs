//! The audit log (安全审计) for those allowed `Action::ViewAuditLog`: a search by user, action
//! or object text, outcome, agency and date range, newest first, [`PAGE_SIZE`] rows a page
//! (`/admin/audit-log`), and the same search as an XLSX file (`/admin/audit-log.xlsx?…`, at most
//! [`EXPORT_MAX`] rows). An admin of a top-level agency sees every row; other admins only the
//! rows about an agency in their subtree. Every view and every export is itself written to the
//! log, before the rows are read.
//!
//! Retention: [`purge_audit_loop`] deletes rows older than the configured number of days (at
//! least 180) when the server starts and then once a day.

use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongkai_db::{AuditEntry, AuditOutcome, AuditQuery, AuditRow, Db, DbError};
use gongkai_domain::auth::{Action, Resource, authorize};
use gongkai_domain::period::{BEIJING, iso, parse_date};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::chrome::Chrome;
use crate::guard::{Caller, Scope, agencies_for, page_user};
use crate::urlenc::enc;
use crate::{AppState, WebError};

/// Rows on one page of the viewer.
pub const PAGE_SIZE: i64 = 50;
/// Rows in one export at most (the file says when the search matched more).
pub const EXPORT_MAX: i64 = 100_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/audit-log", get(page))
        .route("/admin/audit-log.xlsx", get(export))
}

/// A time as Beijing wall-clock time, `YYYY-MM-DD HH:MM:SS`.
pub fn beijing_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(BEIJING);
    format!(
        "{} {:02}:{:02}:{:02}",
        iso(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The search, as the form sends it.
#[derive(Debug, Default, Deserialize)]
struct Search {
    #[serde(default)]
    user: String,
    /// Text in the action or the object.
    #[serde(default)]
    q: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: String,
}

const OUTCOMES: &[&str] = &["ok", "denied", "failed"];

fn invalid(field: &str, message: &str) -> WebError {
    WebError(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!("字段“{field}”无效：{message}"),
    )
}

fn short(field: &str, value: &str) -> Result<String, WebError> {
    let v = value.trim();
    if v.chars().count() > 64 {
        return Err(invalid(field, "至多 64 个字符"));
    }
    Ok(v.to_string())
}

/// A checked search: the query (scoped to what the caller may see), the page, and a line
/// describing it for the audit log.
struct Checked {
    query: AuditQuery,
    page: i64,
    described: String,
}

async fn check(s: &AppState, c: &Caller, f: &Search) -> Result<Checked, WebError> {
    let user = short("用户", &f.user)?;
    let text = short("操作或对象", &f.q)?;
    let agency = short("机构", &f.agency)?;
    let outcome = f.outcome.trim().to_string();
    if !outcome.is_empty() && !OUTCOMES.contains(&outcome.as_str()) {
        return Err(invalid("结果", "应为 ok、denied 或 failed"));
    }
    let date = |v: &str, field: &str| -> Result<Option<time::Date>, WebError> {
        if v.trim().is_empty() {
            return Ok(None);
        }
        parse_date(v, field)
            .map(Some)
            .map_err(|e| WebError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
    };
    let from = date(&f.from, "起始日期")?;
    let to = date(&f.to, "截止日期")?;
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        return Err(invalid("截止日期", "早于起始日期"));
    }
    let page = match f.page.trim() {
        "" => 1,
        p => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=1_000_000).contains(p))
            .ok_or_else(|| invalid("页码", "应为正整数"))?,
    };
    // A top-level admin sees every row; others the rows about their agencies.
    let everything = authorize(&c.principal, Action::ViewAuditLog, Resource::Deployment).is_ok();
    let agencies = if everything {
        (!agency.is_empty()).then(|| vec![agency.clone()])
    } else {
        let mine: Vec<String> = agencies_for(s, c, Action::ViewAuditLog)
            .await?
            .into_iter()
            .map(|a| a.code)
            .collect();
        Some(if agency.is_empty() {
            mine
        } else {
            mine.into_iter().filter(|a| *a == agency).collect()
        })
    };
    let start = from.map(|d| d.midnight().assume_offset(BEIJING));
    let end = match to {
        Some(d) => Some(
            d.next_day()
                .ok_or_else(|| invalid("截止日期", "日期无效"))?
                .midnight()
                .assume_offset(BEIJING)
                - time::Duration::microseconds(1),
        ),
        None => None,
    };
    let mut described = Vec::new();
    for (label, v) in [
        ("用户", &user),
        ("操作或对象含", &text),
        ("结果", &outcome),
        ("机构", &agency),
    ] {
        if !v.is_empty() {
            described.push(format!("{label}={v}"));
        }
    }
    if from.is_some() || to.is_some() {
        described.push(format!(
            "日期 {} 至 {}",
            from.map(iso).unwrap_or_default(),
            to.map(iso).unwrap_or_default()
        ));
    }
    if described.is_empty() {
        described.push("全部".into());
    }
    Ok(Checked {
        query: AuditQuery {
            user,
            action: text,
            outcome,
            agencies,
            from: start,
            to: end,
            limit: PAGE_SIZE,
        },
        page,
        described: described.join("；"),
    })
}

struct RowView {
    at: String,
    user: String,
    grants: String,
    agency: String,
    action: String,
    object: String,
    outcome: &'static str,
    outcome_code: String,
    client: String,
    detail: String,
}

fn view(r: AuditRow) -> RowView {
    RowView {
        at: beijing_time(r.at),
        outcome: AuditOutcome::label(&r.outcome),
        outcome_code: r.outcome,
        user: r.user_name,
        grants: r.grants,
        agency: r.agency,
        action: r.action,
        object: r.object,
        client: r.client_addr,
        detail: r.detail,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_audit_log.html")]
struct LogPage {
    chrome: Chrome,
    message: Option<String>,
    user: String,
    q: String,
    from: String,
    to: String,
    /// (code, label, selected)
    outcomes: Vec<(&'static str, &'static str, bool)>,
    /// (code, name, selected)
    agencies: Vec<(String, String, bool)>,
    rows: Vec<RowView>,
    total: i64,
    page: i64,
    pages: i64,
    /// The search as a query string (without the page), for paging and export links.
    query: String,
}

fn query_string(f: &Search) -> String {
    [
        ("user", &f.user),
        ("q", &f.q),
        ("outcome", &f.outcome),
        ("agency", &f.agency),
        ("from", &f.from),
        ("to", &f.to),
    ]
    .iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| format!("{k}={}", enc(v.trim())))
    .collect::<Vec<_>>()
    .join("&")
}

async fn log_page(s: &AppState, c: &Caller, f: &Search) -> Result<LogPage, WebError> {
    let offered = if authorize(&c.principal, Action::ViewAuditLog, Resource::Deployment).is_ok() {
        s.db.agencies().await?
    } else {
        agencies_for(s, c, Action::ViewAuditLog).await?
    };
    let mut page = LogPage {
        chrome: Chrome::of(c),
        message: None,
        user: f.user.trim().to_string(),
        q: f.q.trim().to_string(),
        from: f.from.trim().to_string(),
        to: f.to.trim().to_string(),
        outcomes: OUTCOMES
            .iter()
            .map(|o| (*o, AuditOutcome::label(o), f.outcome.trim() == *o))
            .collect(),
        agencies: offered
            .into_iter()
            .map(|a| {
                let selected = a.code == f.agency.trim();
                (a.code, a.name, selected)
            })
            .collect(),
        rows: Vec::new(),
        total: 0,
        page: 1,
        pages: 1,
        query: query_string(f),
    };
    let checked = match check(s, c, f).await {
        Ok(k) => k,
        Err(e) if e.0 == StatusCode::UNPROCESSABLE_ENTITY => {
            page.message = Some(e.1);
            return Ok(page);
        }
        Err(e) => return Err(e),
    };
    s.db.audit(
        &c.audit(Action::ViewAuditLog.label())
            .detail(format!("{}；第 {} 页", checked.described, checked.page)),
    )
    .await?;
    let (rows, total) =
        s.db.audit_page(&checked.query, (checked.page - 1) * PAGE_SIZE)
            .await?;
    page.rows = rows.into_iter().map(view).collect();
    page.total = total;
    page.page = checked.page;
    page.pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    Ok(page)
}

async fn page(State(s): State<AppState>, headers: HeaderMap, Query(f): Query<Search>) -> Response {
    let c = match page_user(&s, &headers, Action::ViewAuditLog, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match log_page(&s, &c, &f).await {
        Ok(p) => {
            let status = if p.message.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            (status, p).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// The columns of the export (and of the page).
const HEADERS: &[&str] = &[
    "时间（北京时间）",
    "用户",
    "授权（角色@机构编号）",
    "机构",
    "操作",
    "对象",
    "结果",
    "客户端地址",
    "详情",
];

async fn export(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(f): Query<Search>,
) -> Response {
    let c = match page_user(&s, &headers, Action::ViewAuditLog, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let made = async {
        let mut checked = check(&s, &c, &f).await?;
        checked.query.limit = EXPORT_MAX;
        s.db.audit(&c.audit("导出审计日志").detail(checked.described.clone()))
            .await?;
        let (rows, total) = s.db.audit_page(&checked.query, 0).await?;
        let mut cells: Vec<Vec<String>> = rows
            .into_iter()
            .map(|r| {
                let v = view(r);
                vec![
                    v.at,
                    v.user,
                    v.grants,
                    v.agency,
                    v.action,
                    v.object,
                    v.outcome.to_string(),
                    v.client,
                    v.detail,
                ]
            })
            .collect();
        if total > EXPORT_MAX {
            cells.push(vec![format!(
                "（共 {total} 条，只导出了最新的 {EXPORT_MAX} 条；请缩小日期范围分批导出）"
            )]);
        }
        let bytes = tokio::task::spawn_blocking(move || {
            gongkai_export::table::xlsx("审计日志", HEADERS, &cells).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
        .map_err(|e| {
            tracing::error!("audit log export failed: {e}");
            WebError(
                StatusCode::INTERNAL_SERVER_ERROR,
                "服务器内部错误，请稍后再试".into(),
            )
        })?;
        Ok::<_, WebError>(bytes)
    }
    .await;
    match made {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"audit-log.xlsx\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// Deletes audit rows older than `days` (at least 180) now and then every 24 hours, writing
/// how many went to the log itself. Started by `serve`; runs until the process ends.
pub async fn purge_audit_loop(db: Db, days: i64) {
    let days = days.max(180);
    let mut every = tokio::time::interval(Duration::from_secs(24 * 3600));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let r = purge_once(&db, days).await;
        crate::metrics::job_run("purge_audit", r.is_ok());
        if let Err(e) = r {
            tracing::error!("audit log retention purge failed: {e}");
        }
    }
}

async fn purge_once(db: &Db, days: i64) -> Result<(), DbError> {
    let n = db.purge_audit(days, OffsetDateTime::now_utc()).await?;
    if n > 0 {
        tracing::info!("audit log: {n} rows older than {days} days deleted");
        db.audit(
            &AuditEntry::new(None, "清理审计日志")
                .user("系统")
                .detail(format!("删除 {days} 天前的记录 {n} 条")),
        )
        .await?;
    }
    Ok(())
}
