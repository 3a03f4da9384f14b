//! The back office (`/admin/…`) and its JSON API (`/api/v1/admin/…`): every route asks the
//! permission table before it acts.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use gongkai_db::{DbError, Session, User};
use gongkai_domain::auth::{Permission, allows};
use gongkai_domain::cases::{Clock, Status};
use gongkai_domain::codes::{ApplicantType, Outcome, RequestChannel};
use gongkai_domain::period::iso;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::auth::{self, FORM_COOKIE, SESSION_COOKIE};
use crate::{AppState, WebError};

/// Who is asking: a session (with its CSRF token) or an API token.
pub struct Principal {
    pub user: User,
    pub session: Option<Session>,
}

impl Principal {
    pub fn can(&self, p: Permission) -> bool {
        allows(&self.user.roles, p)
    }
}

/// The principal of a request, if any.
pub async fn principal(s: &AppState, headers: &HeaderMap) -> Result<Option<Principal>, DbError> {
    if let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Ok(s
            .db
            .token_user(&auth::token_hash(token.trim()))
            .await?
            .map(|user| Principal {
                user,
                session: None,
            }));
    }
    let cookies = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match auth::cookie(cookies, SESSION_COOKIE) {
        Some(id) => Ok(s
            .db
            .session(id, OffsetDateTime::now_utc())
            .await?
            .map(|session| Principal {
                user: session.user.clone(),
                session: Some(session),
            })),
        None => Ok(None),
    }
}

/// A page for users with `p`: anonymous users go to the login page, others get 403.
async fn page_user(
    s: &AppState,
    headers: &HeaderMap,
    p: Permission,
) -> Result<Principal, Response> {
    match principal(s, headers).await {
        Ok(Some(pr)) if pr.session.is_some() && pr.can(p) => Ok(pr),
        Ok(Some(pr)) if pr.session.is_some() => Err(WebError(
            StatusCode::FORBIDDEN,
            format!("您没有“{}”的权限", p.label()),
        )
        .into_response()),
        Ok(_) => Err(Redirect::to("/admin/login").into_response()),
        Err(e) => Err(WebError::from(e).into_response()),
    }
}

/// An API caller with `p`: 401 without credentials, 403 without the permission.
async fn api_user(s: &AppState, headers: &HeaderMap, p: Permission) -> Result<Principal, Response> {
    match principal(s, headers).await {
        Ok(Some(pr)) if pr.can(p) => {
            // A session (not a token) must show its CSRF token on writes; checked by the caller.
            Ok(pr)
        }
        Ok(Some(_)) => Err(api_error(
            StatusCode::FORBIDDEN,
            &format!("没有“{}”的权限", p.label()),
        )),
        Ok(None) => Err(api_error(StatusCode::UNAUTHORIZED, "需要登录或 API 令牌")),
        Err(e) => Err(api_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string())),
    }
}

pub fn api_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

fn check_csrf(pr: &Principal, given: &str) -> Result<(), WebError> {
    match &pr.session {
        Some(s) if auth::same(&s.csrf_token, given) => Ok(()),
        Some(_) => Err(WebError(
            StatusCode::FORBIDDEN,
            "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试".into(),
        )),
        None => Ok(()),
    }
}

/// A form post by a user with `p`, carrying the session's CSRF token.
async fn form_user(
    s: &AppState,
    headers: &HeaderMap,
    p: Permission,
    csrf: &str,
) -> Result<Principal, Response> {
    let pr = page_user(s, headers, p).await?;
    check_csrf(&pr, csrf).map_err(IntoResponse::into_response)?;
    Ok(pr)
}

fn csrf_of(pr: &Principal) -> String {
    pr.session
        .as_ref()
        .map(|s| s.csrf_token.clone())
        .unwrap_or_default()
}

// ---------------------------------------------------------------- login

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    message: Option<String>,
}

fn login_page(message: Option<String>, status: StatusCode) -> Response {
    let csrf = auth::random_token();
    let cookie = auth::set_cookie(FORM_COOKIE, &csrf, 3600);
    (
        status,
        [(header::SET_COOKIE, cookie)],
        LoginPage { csrf, message },
    )
        .into_response()
}

pub async fn login_form() -> Response {
    login_page(None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    csrf: String,
}

pub async fn login(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let cookies = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !auth::cookie(cookies, FORM_COOKIE).is_some_and(|c| auth::same(c, &f.csrf)) {
        return login_page(Some("表单已过期，请重新登录".into()), StatusCode::FORBIDDEN);
    }
    let bad = || login_page(Some("用户名或密码错误".into()), StatusCode::UNAUTHORIZED);
    let cred = match s.db.credential(f.name.trim()).await {
        Ok(Some(c)) => c,
        Ok(None) => return bad(),
        Err(e) => return WebError::from(e).into_response(),
    };
    let now = OffsetDateTime::now_utc();
    if cred.locked_until.is_some_and(|t| t > now) {
        return login_page(
            Some("登录失败次数过多，账户已暂时锁定，请稍后再试".into()),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let (pw, phc) = (f.password.clone(), cred.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&pw, &phc))
        .await
        .unwrap_or(false);
    if !ok {
        return match s.db.login_failed(cred.user.id, now).await {
            Ok(true) => login_page(
                Some("登录失败次数过多，账户已暂时锁定，请稍后再试".into()),
                StatusCode::TOO_MANY_REQUESTS,
            ),
            Ok(false) => bad(),
            Err(e) => WebError::from(e).into_response(),
        };
    }
    let (id, csrf) = (auth::random_token(), auth::random_token());
    if let Err(e) = s.db.open_session(&cred.user, &id, &csrf, now).await {
        return WebError::from(e).into_response();
    }
    let cookie = auth::set_cookie(
        SESSION_COOKIE,
        &id,
        gongkai_domain::auth::SESSION_HOURS * 3600,
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to("/admin/")).into_response()
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    let pr = match form_user(&s, &headers, Permission::BackOffice, &f.csrf).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Some(sess) = &pr.session {
        let _ = s.db.close_session(&sess.id).await;
    }
    (
        [(header::SET_COOKIE, auth::set_cookie(SESSION_COOKIE, "", 0))],
        Redirect::to("/admin/login"),
    )
        .into_response()
}

// ---------------------------------------------------------------- dashboard and cases

struct Queue {
    code: String,
    name: String,
    open: usize,
    due_soon: usize,
    overdue: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_home.html")]
struct Home {
    user: String,
    csrf: String,
    queues: Vec<Queue>,
}

fn today() -> time::Date {
    gongkai_domain::period::beijing_date(OffsetDateTime::now_utc())
}

fn is_open(c: &Clock) -> bool {
    !matches!(c.status, Status::Replied | Status::Withdrawn)
}

pub async fn home(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let pr = match page_user(&s, &headers, Permission::BackOffice).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut queues = Vec::new();
    if pr.can(Permission::ViewRequests) {
        let agencies = match s.db.agencies().await {
            Ok(a) => a,
            Err(e) => return WebError::from(e).into_response(),
        };
        let cal = match s.db.calendar().await {
            Ok(c) => c,
            Err(e) => return WebError::from(e).into_response(),
        };
        let today = today();
        let soon = cal.add_workdays(today, 5).date;
        for a in agencies {
            let clocks = match s.db.request_clocks(&a.code, today).await {
                Ok(c) => c,
                Err(e) => return WebError::from(e).into_response(),
            };
            let open: Vec<&Clock> = clocks.iter().filter(|c| is_open(c)).collect();
            queues.push(Queue {
                open: open.len(),
                due_soon: open.iter().filter(|c| !c.overdue && c.due <= soon).count(),
                overdue: open.iter().filter(|c| c.overdue).count(),
                code: a.code,
                name: a.name,
            });
        }
    }
    Home {
        user: pr.user.name.clone(),
        csrf: csrf_of(&pr),
        queues,
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct ListQuery {
    agency: Option<String>,
    queue: Option<String>,
    as_of: Option<String>,
}

struct Row {
    request: String,
    applicant: &'static str,
    received: String,
    due: String,
    status: &'static str,
    outcome: &'static str,
    overdue: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_requests.html")]
struct RequestsPage {
    user: String,
    csrf: String,
    agency: String,
    agency_name: String,
    can_handle: bool,
    cases: Vec<Row>,
}

async fn default_agency(
    s: &AppState,
    given: Option<String>,
) -> Result<gongkai_db::AgencyRow, WebError> {
    match given {
        Some(code) => Ok(s.db.agency(&code).await?),
        None => {
            s.db.agencies()
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| WebError(StatusCode::NOT_FOUND, "尚未建立任何机构".into()))
        }
    }
}

async fn filtered(s: &AppState, agency: &str, q: &ListQuery) -> Result<Vec<Clock>, WebError> {
    let as_of = match &q.as_of {
        Some(d) => gongkai_domain::period::parse_date(d, "as_of")
            .map_err(|e| WebError(StatusCode::BAD_REQUEST, e.to_string()))?,
        None => today(),
    };
    let clocks = s.db.request_clocks(agency, as_of).await?;
    let soon = s.db.calendar().await?.add_workdays(as_of, 5).date;
    Ok(match q.queue.as_deref() {
        Some("open") => clocks.into_iter().filter(is_open).collect(),
        Some("overdue") => clocks
            .into_iter()
            .filter(|c| is_open(c) && c.overdue)
            .collect(),
        Some("due_soon") => clocks
            .into_iter()
            .filter(|c| is_open(c) && !c.overdue && c.due <= soon)
            .collect(),
        Some(other) if !other.is_empty() => {
            return Err(WebError(
                StatusCode::BAD_REQUEST,
                format!("未知队列“{other}”"),
            ));
        }
        _ => clocks,
    })
}

pub async fn requests(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let pr = match page_user(&s, &headers, Permission::ViewRequests).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let result = async {
        let a = default_agency(&s, q.agency.clone()).await?;
        let clocks = filtered(&s, &a.code, &q).await?;
        Ok::<_, WebError>(RequestsPage {
            user: pr.user.name.clone(),
            csrf: csrf_of(&pr),
            can_handle: pr.can(Permission::HandleRequests),
            agency: a.code,
            agency_name: a.name,
            cases: clocks
                .iter()
                .map(|c| Row {
                    request: c.request.clone(),
                    applicant: c.applicant_type.label(),
                    received: iso(c.received),
                    due: iso(c.due),
                    status: c.status.label(),
                    outcome: c.outcome.map(|o| o.label()).unwrap_or("-"),
                    overdue: c.overdue,
                })
                .collect(),
        })
    }
    .await;
    match result {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

struct ClockView {
    applicant: &'static str,
    received: String,
    clock_start: String,
    paused: i64,
    extension: i64,
    due: String,
    status: &'static str,
    overdue: bool,
    outcome: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_request.html")]
struct RequestPage {
    user: String,
    csrf: String,
    agency: String,
    case_no: String,
    clock: ClockView,
    applicant: Option<String>,
    events: Vec<String>,
    open: bool,
    can_handle: bool,
    can_extend: bool,
    outcomes: Vec<(&'static str, &'static str)>,
    fee: Option<String>,
    appeals: Vec<String>,
    message: Option<String>,
}

async fn request_page(
    s: &AppState,
    pr: &Principal,
    agency: &str,
    case_no: &str,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    let result = async {
        let c =
            s.db.request_clock(agency, case_no, today())
                .await?
                .ok_or_else(|| WebError(StatusCode::NOT_FOUND, format!("未找到案件“{case_no}”")))?;
        let detail = s.db.request_detail(agency, case_no).await?;
        let fee = s.db.fee_notice(agency, case_no).await?.map(|f| {
            let paid = match f.paid_on {
                Some(d) => format!("已于 {} 缴费", iso(d)),
                None => format!("应于 {} 前缴费，尚未缴费", iso(f.pay_by)),
            };
            format!(
                "{} 发出收费通知：{}，{} {}，金额 {} 元；{paid}",
                iso(f.notice_on),
                f.method.label(),
                if f.method == gongkai_domain::fees::FeeMethod::PerCase {
                    "本月第"
                } else {
                    "共"
                },
                if f.method == gongkai_domain::fees::FeeMethod::PerCase {
                    format!("{}件", f.quantity)
                } else {
                    format!("{}页", f.quantity)
                },
                gongkai_domain::numfmt::fen_to_yuan(f.amount_fen)
            )
        });
        let appeals =
            s.db.case_appeals(agency, case_no)
                .await?
                .into_iter()
                .map(|(no, kind, filed, decided, result)| {
                    let kind = gongkai_domain::codes::AppealKind::from_code(&kind)
                        .map(|k| k.label())
                        .unwrap_or("");
                    let state = match (decided, result) {
                        (Some(d), Some(r)) => format!(
                            "{} {}",
                            iso(d),
                            gongkai_domain::codes::AppealResult::from_code(&r)
                                .map(|r| r.label())
                                .unwrap_or("")
                        ),
                        _ => "尚未审结".to_string(),
                    };
                    format!("{no}：{kind}，{} 提起，{state}", iso(filed))
                })
                .collect();
        Ok::<_, WebError>(RequestPage {
            appeals,
            fee,
            user: pr.user.name.clone(),
            csrf: csrf_of(pr),
            agency: agency.to_string(),
            case_no: case_no.to_string(),
            open: is_open(&c),
            clock: ClockView {
                applicant: c.applicant_type.label(),
                received: iso(c.received),
                clock_start: iso(c.clock_start),
                paused: c.paused_workdays,
                extension: c.extension_workdays,
                due: iso(c.due),
                status: c.status.label(),
                overdue: c.overdue,
                outcome: c.outcome.map(|o| o.label()).unwrap_or("-"),
            },
            applicant: detail.applicant,
            events: detail.events,
            can_handle: pr.can(Permission::HandleRequests),
            can_extend: pr.can(Permission::ApproveExtension),
            outcomes: Outcome::ALL.iter().map(|o| (o.code(), o.label())).collect(),
            message,
        })
    }
    .await;
    match result {
        Ok(p) => (status, p).into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn request(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, case_no)): Path<(String, String)>,
) -> Response {
    let pr = match page_user(&s, &headers, Permission::ViewRequests).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    request_page(&s, &pr, &agency, &case_no, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct EventForm {
    csrf: String,
    r#type: String,
    date: String,
    party: Option<String>,
    workdays: Option<String>,
    outcome: Option<String>,
    due: Option<String>,
    appeal: Option<String>,
    kind: Option<String>,
    result: Option<String>,
}

/// Records one event on a case through the same checks as `requests import`.
async fn record(
    s: &AppState,
    pr: &Principal,
    agency: &str,
    line: serde_json::Value,
) -> Result<(), String> {
    if line["type"] == "extended" && !pr.can(Permission::ApproveExtension) {
        return Err("延期答复须由负责人批准".into());
    }
    if line["type"] == "deadline_set" && !pr.can(Permission::ApproveExtension) {
        return Err("确定延迟答复的期限须由负责人决定".into());
    }
    if line["type"] == "replied" && !pr.can(Permission::SignReply) {
        return Err("答复须由负责人签发".into());
    }
    s.db.import_requests(agency, &line.to_string())
        .await
        .map_err(|e| e.to_string())?;
    let _ =
        s.db.audit(
            &pr.user.name,
            "记录依申请公开事项",
            &format!("{agency} {}", line["request"]),
        )
        .await;
    Ok(())
}

pub async fn add_event(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, case_no)): Path<(String, String)>,
    Form(f): Form<EventForm>,
) -> Response {
    let pr = match form_user(&s, &headers, Permission::HandleRequests, &f.csrf).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut line = json!({"type": f.r#type, "request": case_no, "date": f.date});
    match f.r#type.as_str() {
        "consultation_started" | "consultation_ended" => {
            line["party"] = json!(f.party.unwrap_or_default())
        }
        "extended" => {
            line["workdays"] = json!(
                f.workdays
                    .as_deref()
                    .unwrap_or("")
                    .trim()
                    .parse::<i64>()
                    .unwrap_or(0)
            )
        }
        "replied" => line["outcome"] = json!(f.outcome.unwrap_or_default()),
        "deadline_set" => line["due"] = json!(f.due.unwrap_or_default()),
        "appeal_filed" => {
            line["appeal"] = json!(f.appeal.unwrap_or_default().trim());
            line["kind"] = json!(f.kind.unwrap_or_default());
        }
        "appeal_decided" => {
            line["appeal"] = json!(f.appeal.unwrap_or_default().trim());
            line["result"] = json!(f.result.unwrap_or_default());
        }
        _ => {}
    }
    back_to_case(
        &s,
        &pr,
        &agency,
        &case_no,
        record(&s, &pr, &agency, line).await,
    )
    .await
}

/// After a write on a case: back to its page, or the page again with the reason it was refused.
async fn back_to_case(
    s: &AppState,
    pr: &Principal,
    agency: &str,
    case_no: &str,
    outcome: Result<(), String>,
) -> Response {
    match outcome {
        Ok(()) => Redirect::to(&format!("/admin/requests/{agency}/{case_no}")).into_response(),
        Err(m) => {
            request_page(
                s,
                pr,
                agency,
                case_no,
                Some(m),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_new_request.html")]
struct NewRequestPage {
    user: String,
    csrf: String,
    agency: String,
    agency_name: String,
    channels: Vec<(&'static str, &'static str)>,
    applicant_types: Vec<(&'static str, &'static str)>,
    message: Option<String>,
}

async fn new_request_page(
    s: &AppState,
    pr: &Principal,
    agency: &str,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    match s.db.agency(agency).await {
        Ok(a) => (
            status,
            NewRequestPage {
                user: pr.user.name.clone(),
                csrf: csrf_of(pr),
                agency: a.code,
                agency_name: a.name,
                channels: RequestChannel::ALL
                    .iter()
                    .map(|c| (c.code(), c.label()))
                    .collect(),
                applicant_types: ApplicantType::ALL
                    .iter()
                    .map(|c| (c.code(), c.label()))
                    .collect(),
                message,
            },
        )
            .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn new_request_form(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(agency): Path<String>,
) -> Response {
    let pr = match page_user(&s, &headers, Permission::HandleRequests).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    new_request_page(&s, &pr, &agency, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct NewRequestForm {
    csrf: String,
    request: String,
    date: String,
    channel: String,
    applicant_type: String,
    name: String,
    contact: String,
    subject: String,
}

pub async fn new_request(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(agency): Path<String>,
    Form(f): Form<NewRequestForm>,
) -> Response {
    let pr = match form_user(&s, &headers, Permission::HandleRequests, &f.csrf).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if f.name.trim().is_empty() || f.contact.trim().is_empty() {
        let field = if f.name.trim().is_empty() {
            "申请人姓名或名称"
        } else {
            "联系方式"
        };
        return new_request_page(
            &s,
            &pr,
            &agency,
            Some(format!("字段“{field}”不能为空")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let line = json!({"type": "received", "request": f.request.trim(), "date": f.date, "channel": f.channel,
                      "applicant_type": f.applicant_type, "subject": f.subject});
    let applicant = gongkai_db::Applicant {
        name: f.name,
        id_number: String::new(),
        contact: f.contact,
        delivery: String::new(),
    };
    match s
        .db
        .register_request(
            &agency,
            &line.to_string(),
            &applicant,
            &auth::tracking_code(),
        )
        .await
    {
        Ok(_) => {
            let _ =
                s.db.audit(
                    &pr.user.name,
                    "登记依申请公开申请",
                    &format!("{agency} {}", f.request.trim()),
                )
                .await;
            Redirect::to(&format!("/admin/requests/{agency}/{}", f.request.trim())).into_response()
        }
        Err(e) => {
            new_request_page(
                &s,
                &pr,
                &agency,
                Some(e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

// ---------------------------------------------------------------- JSON API

pub async fn api_requests(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    if let Err(r) = api_user(&s, &headers, Permission::ViewRequests).await {
        return r;
    }
    let result = async {
        let a = default_agency(&s, q.agency.clone()).await?;
        filtered(&s, &a.code, &q).await
    }
    .await;
    match result {
        Ok(clocks) => Json(clocks).into_response(),
        Err(WebError(status, m)) => api_error(status, &m),
    }
}

pub async fn api_add_event(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(agency): Path<String>,
    Json(line): Json<serde_json::Value>,
) -> Response {
    let pr = match api_user(&s, &headers, Permission::HandleRequests).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let given = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if pr.session.is_some() && check_csrf(&pr, given).is_err() {
        return api_error(StatusCode::FORBIDDEN, "缺少或错误的 X-CSRF-Token");
    }
    match record(&s, &pr, &agency, line).await {
        Ok(()) => (StatusCode::CREATED, Json(json!({"ok": true}))).into_response(),
        Err(m) if m.contains("负责人") => api_error(StatusCode::FORBIDDEN, &m),
        Err(m) => api_error(StatusCode::UNPROCESSABLE_ENTITY, &m),
    }
}

/// The cases behind one cell of table 三 (drill-down).
pub async fn api_cell(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, year, row, col)): Path<(String, i32, String, String)>,
) -> Response {
    if let Err(r) = api_user(&s, &headers, Permission::ViewRequests).await {
        return r;
    }
    match s.db.cell_cases(&agency, year, &row, &col).await {
        Ok(cases) => Json(json!({"agency": agency, "year": year, "row": row, "column": col, "count": cases.len(), "cases": cases})).into_response(),
        Err(DbError::UnknownAgency(a)) => api_error(StatusCode::NOT_FOUND, &format!("未找到机构“{a}”")),
        Err(e @ DbError::Domain(_)) => api_error(StatusCode::BAD_REQUEST, &e.to_string()),
        Err(e) => api_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

pub async fn unauthorized_if_no_session(State(s): State<AppState>, headers: HeaderMap) -> Response {
    match principal(&s, &headers).await {
        Ok(Some(p)) => Json(json!({"user": p.user.name, "roles": p.user.roles.iter().map(|r| r.code()).collect::<Vec<_>>()})).into_response(),
        Ok(None) => api_error(StatusCode::UNAUTHORIZED, "需要登录或 API 令牌"),
        Err(e) => api_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// The reply letter (告知书) of a closed case: printable HTML, or DOCX with `.docx`.
pub async fn letter(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, file)): Path<(String, String)>,
) -> Response {
    if let Err(r) = page_user(&s, &headers, Permission::ViewRequests).await {
        return r;
    }
    let (case_no, docx) = match file.strip_suffix(".docx") {
        Some(c) => (c.to_string(), true),
        None => (
            file.strip_suffix(".html").unwrap_or(&file).to_string(),
            false,
        ),
    };
    let result = async {
        let a = s.db.agency(&agency).await?;
        let c =
            s.db.request_clock(&agency, &case_no, today())
                .await?
                .ok_or_else(|| WebError(StatusCode::NOT_FOUND, format!("未找到案件“{case_no}”")))?;
        let (Some(outcome), Some(reply_date)) = (c.outcome, c.closed_on) else {
            return Err(WebError(
                StatusCode::CONFLICT,
                "案件尚未答复，没有告知书".into(),
            ));
        };
        let detail = s.db.request_detail(&agency, &case_no).await?;
        let template = s.db.letter_template(a.id).await?.unwrap_or_default();
        let data = gongkai_export::letters::LetterData {
            agency: a.name,
            case_no: case_no.clone(),
            applicant: detail.applicant_name.unwrap_or_else(|| "申请人".into()),
            received: c.received,
            subject: detail.subject,
            outcome,
            reply_date,
        };
        let format = if docx {
            gongkai_export::Format::Docx
        } else {
            gongkai_export::Format::Html
        };
        gongkai_export::letters::render_letter(&template, &data, format)
            .map(|b| (b, format))
            .map_err(|e| WebError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
    }
    .await;
    match result {
        Ok((bytes, f)) => (
            [
                (header::CONTENT_TYPE, f.content_type().to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"letter-{case_no}.{}\"", f.extension()),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

struct ReportRow {
    code: &'static str,
    label: String,
    cells: Vec<(&'static str, i64)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_report.html")]
struct ReportPage {
    user: String,
    csrf: String,
    agency: String,
    agency_name: String,
    year: i32,
    from: String,
    to: String,
    columns: Vec<&'static str>,
    rows: Vec<ReportRow>,
    can_drill: bool,
    cases: Option<Vec<String>>,
    cell_title: String,
}

async fn report_page(
    s: &AppState,
    headers: &HeaderMap,
    agency: &str,
    year: i32,
    cell: Option<(String, String)>,
) -> Response {
    let pr = match page_user(s, headers, Permission::ViewReports).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    use gongkai_domain::report::{T3_COLS, T3Row, t3_column_code, t3_column_label};
    let can_drill = pr.can(Permission::ViewRequests);
    if cell.is_some() && !can_drill {
        return WebError(
            StatusCode::FORBIDDEN,
            format!("您没有“{}”的权限", Permission::ViewRequests.label()),
        )
        .into_response();
    }
    let result = async {
        let a = s.db.agency(agency).await?;
        let r =
            s.db.report(agency, gongkai_db::PeriodSpec::Year(year))
                .await?;
        let (cases, cell_title) = match &cell {
            Some((row, col)) => {
                let list = s.db.cell_cases(agency, year, row, col).await?;
                let row_label = T3Row::all()
                    .into_iter()
                    .find(|r| r.code() == row)
                    .map(|r| r.full_label())
                    .unwrap_or_default();
                let col_label = (0..T3_COLS)
                    .find(|c| t3_column_code(*c) == col)
                    .map(t3_column_label)
                    .unwrap_or("");
                (Some(list), format!("{row_label} · {col_label}"))
            }
            None => (None, String::new()),
        };
        Ok::<_, WebError>(ReportPage {
            user: pr.user.name.clone(),
            csrf: csrf_of(&pr),
            agency: a.code,
            agency_name: a.name,
            year,
            from: iso(r.period.from),
            to: iso(r.period.to),
            columns: (0..T3_COLS).map(t3_column_label).collect(),
            rows: T3Row::all()
                .into_iter()
                .map(|row| ReportRow {
                    code: row.code(),
                    label: row.full_label(),
                    cells: (0..T3_COLS)
                        .map(|c| (t3_column_code(c), r.requests.get(row, c)))
                        .collect(),
                })
                .collect(),
            can_drill,
            cases,
            cell_title,
        })
    }
    .await;
    match result {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

/// Table 三 of a year with every cell linked to the cases behind it.
pub async fn report(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, year)): Path<(String, i32)>,
) -> Response {
    report_page(&s, &headers, &agency, year, None).await
}

/// The cases behind one cell.
pub async fn report_cell(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, year, row, col)): Path<(String, i32, String, String)>,
) -> Response {
    report_page(&s, &headers, &agency, year, Some((row, col))).await
}

/// The first agency's table 三 of last year.
pub async fn reports_home(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = page_user(&s, &headers, Permission::ViewReports).await {
        return r;
    }
    match default_agency(&s, None).await {
        Ok(a) => Redirect::to(&format!("/admin/reports/{}/{}", a.code, today().year() - 1))
            .into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct FeeForm {
    csrf: String,
    action: String,
    method: Option<String>,
    pages: Option<String>,
    date: String,
}

/// Fee notice, payment, or lapse (→ table 三 （六）2) of a case.
pub async fn fee(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, case_no)): Path<(String, String)>,
    Form(f): Form<FeeForm>,
) -> Response {
    let pr = match form_user(&s, &headers, Permission::HandleRequests, &f.csrf).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let result: Result<(), String> = async {
        let date = gongkai_domain::period::parse_date(&f.date, "日期").map_err(|e| e.to_string())?;
        match f.action.as_str() {
            "notice" => {
                let method = gongkai_domain::fees::FeeMethod::from_code(f.method.as_deref().unwrap_or("")).map_err(|e| e.to_string())?;
                let quantity = match method {
                    gongkai_domain::fees::FeeMethod::PerCase => s.db.monthly_ordinal(&agency, &case_no).await.map_err(|e| e.to_string())?,
                    gongkai_domain::fees::FeeMethod::PerPage => f
                        .pages
                        .as_deref()
                        .unwrap_or("")
                        .trim()
                        .parse::<i64>()
                        .ok()
                        .filter(|p| *p > 0)
                        .ok_or("字段“页数”应为正整数")?,
                };
                s.db.issue_fee_notice(&agency, &case_no, method, quantity, date).await.map_err(|e| e.to_string())?;
            }
            "paid" => s.db.fee_paid(&agency, &case_no, date).await.map_err(|e| e.to_string())?,
            "lapsed" => {
                let notice = s.db.fee_notice(&agency, &case_no).await.map_err(|e| e.to_string())?.ok_or("该案件没有收费通知")?;
                if notice.paid_on.is_some() {
                    return Err("申请人已缴费".to_string());
                }
                if date <= notice.pay_by {
                    return Err(format!("缴费期限至 {}，期满后才能按逾期未缴费处理", iso(notice.pay_by)));
                }
                let line = json!({"type": "replied", "request": case_no, "date": iso(date), "outcome": "other_fee_unpaid"});
                record(&s, &pr, &agency, line).await?;
            }
            other => return Err(format!("未知操作“{other}”")),
        }
        let _ = s.db.audit(&pr.user.name, "信息处理费", &format!("{agency} {case_no} {}", f.action)).await;
        Ok(())
    }
    .await;
    back_to_case(&s, &pr, &agency, &case_no, result).await
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_calendar.html")]
struct CalendarPage {
    user: String,
    csrf: String,
    years: Vec<(i32, i64, i64, String)>,
    message: Option<String>,
}

async fn calendar_page(
    s: &AppState,
    pr: &Principal,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    match s.db.calendar_years().await {
        Ok(years) => (
            status,
            CalendarPage {
                user: pr.user.name.clone(),
                csrf: csrf_of(pr),
                years,
                message,
            },
        )
            .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The holiday calendar: years loaded, and an import form (admins).
pub async fn calendar(State(s): State<AppState>, headers: HeaderMap) -> Response {
    match page_user(&s, &headers, Permission::Administer).await {
        Ok(pr) => calendar_page(&s, &pr, None, StatusCode::OK).await,
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub struct CalendarForm {
    csrf: String,
    json: String,
}

pub async fn calendar_import(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<CalendarForm>,
) -> Response {
    let pr = match form_user(&s, &headers, Permission::Administer, &f.csrf).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match gongkai_domain::calendar::HolidayYear::parse(&f.json) {
        Err(e) => {
            calendar_page(
                &s,
                &pr,
                Some(e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Ok(y) => match s
            .db
            .import_calendar(&y, &format!("后台导入（{}）", pr.user.name))
            .await
        {
            Ok(()) => {
                let _ =
                    s.db.audit(&pr.user.name, "导入节假日安排", &y.year.to_string())
                        .await;
                calendar_page(
                    &s,
                    &pr,
                    Some(format!("已导入 {} 年节假日安排", y.year)),
                    StatusCode::OK,
                )
                .await
            }
            Err(e) => WebError::from(e).into_response(),
        },
    }
}

struct AuditView {
    title: String,
    format: String,
    period: String,
    sections: String,
    findings: Vec<String>,
    rows: Vec<(String, Vec<i64>)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    user: String,
    csrf: String,
    message: Option<String>,
    result: Option<AuditView>,
}

fn audit_view(a: &gongkai_domain::audit::Audit) -> AuditView {
    use gongkai_domain::report::{T3Row, t3_column_code};
    let rows = a
        .requests
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let label = T3Row::all()
                        .into_iter()
                        .find(|r| r.code() == k)
                        .map(|r| r.full_label())
                        .unwrap_or_else(|| "（六）其他处理".into());
                    (
                        label,
                        (0..7)
                            .map(|c| v[t3_column_code(c)].as_i64().unwrap_or(0))
                            .collect(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut rows: Vec<(String, Vec<i64>)> = rows;
    let order = |l: &str| {
        T3Row::all()
            .iter()
            .position(|r| r.full_label() == l)
            .unwrap_or(22)
    };
    rows.sort_by_key(|(l, _)| order(l));
    AuditView {
        title: format!(
            "{} {}",
            if a.agency.is_empty() {
                "（未识别机构）"
            } else {
                &a.agency
            },
            a.year.map(|y| format!("{y}年")).unwrap_or_default()
        ),
        format: a.format.clone(),
        period: a
            .period
            .as_ref()
            .map(|p| {
                format!(
                    "{} 至 {}",
                    p["from"].as_str().unwrap_or(""),
                    p["to"].as_str().unwrap_or("")
                )
            })
            .unwrap_or_else(|| "未写明".into()),
        sections: a.sections.join("、"),
        findings: a
            .findings
            .iter()
            .map(gongkai_domain::audit::finding_line)
            .collect(),
        rows,
    }
}

pub async fn audit_form(State(s): State<AppState>, headers: HeaderMap) -> Response {
    match page_user(&s, &headers, Permission::ViewReports).await {
        Ok(pr) => AuditPage {
            user: pr.user.name.clone(),
            csrf: csrf_of(&pr),
            message: None,
            result: None,
        }
        .into_response(),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub struct CsrfQuery {
    csrf: Option<String>,
}

/// Audits an uploaded report and shows the findings next to the table as read.
pub async fn audit_upload(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CsrfQuery>,
    mut multipart: axum::extract::Multipart,
) -> Response {
    let pr = match page_user(&s, &headers, Permission::ViewReports).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(e) = check_csrf(&pr, q.csrf.as_deref().unwrap_or("")) {
        return e.into_response();
    }
    let page = |message: Option<String>, result: Option<AuditView>, status: StatusCode| {
        (
            status,
            AuditPage {
                user: pr.user.name.clone(),
                csrf: csrf_of(&pr),
                message,
                result,
            },
        )
            .into_response()
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("report.txt").to_string();
            match field.bytes().await {
                Ok(b) => file = Some((name, b.to_vec())),
                Err(e) => {
                    return page(
                        Some(format!("上传失败：{e}")),
                        None,
                        StatusCode::BAD_REQUEST,
                    );
                }
            }
        }
    }
    let Some((name, bytes)) = file else {
        return page(
            Some("字段“报告文件”不能为空".into()),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let text = match tokio::task::spawn_blocking(move || {
        gongkai_export::read::report_text(&name, &bytes).map(|t| (name, t))
    })
    .await
    {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => return page(Some(e.to_string()), None, StatusCode::UNPROCESSABLE_ENTITY),
        Err(_) => {
            return page(
                Some("读取文件失败".into()),
                None,
                StatusCode::INTERNAL_SERVER_ERROR,
            );
        }
    };
    let a = gongkai_domain::audit::audit_text(&text.0, &text.1);
    page(None, Some(audit_view(&a)), StatusCode::OK)
}

#[derive(Deserialize)]
pub struct NameQuery {
    name: Option<String>,
}

/// The audit API: the request body is the file; `?name=` its file name.
pub async fn api_audit(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NameQuery>,
    body: axum::body::Bytes,
) -> Response {
    let pr = match api_user(&s, &headers, Permission::ViewReports).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let given = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if pr.session.is_some() && check_csrf(&pr, given).is_err() {
        return api_error(StatusCode::FORBIDDEN, "缺少或错误的 X-CSRF-Token");
    }
    let name = q.name.unwrap_or_else(|| "report.txt".into());
    let bytes = body.to_vec();
    match tokio::task::spawn_blocking(move || {
        gongkai_export::read::report_text(&name, &bytes).map(|t| (name, t))
    })
    .await
    {
        Ok(Ok((name, text))) => {
            Json(gongkai_domain::audit::audit_text(&name, &text)).into_response()
        }
        Ok(Err(e)) => api_error(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
        Err(_) => api_error(StatusCode::INTERNAL_SERVER_ERROR, "读取文件失败"),
    }
}
