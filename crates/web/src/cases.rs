//! 依申请公开 cases in the back office: the case list and its queues (`/admin/requests`), one
//! case's page with its clock, events and appeals, recording an event, registering a request
//! received on paper or in person; and the same through the JSON API
//! (`/api/v1/admin/requests…`). Events go through `Db::import_requests`, so they obey exactly
//! the rules of `requests import`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use gongkai_db::{AuditOutcome, DbError};
use gongkai_domain::auth::Action;
use gongkai_domain::cases::CaseEvent;
use gongkai_domain::cases::{Clock, Status};
use gongkai_domain::codes::{ApplicantType, Outcome, RequestChannel};
use gongkai_domain::period::iso;
use serde::Deserialize;
use serde_json::json;

use crate::auth;
use crate::chrome::Chrome;
use crate::guard::{
    Caller, Scope, agencies_for, api_error, api_user, api_write_user, form_user, page_user, require,
};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/requests", get(requests))
        .route(
            "/admin/requests/{agency}/new",
            get(new_request_form).post(new_request),
        )
        .route("/admin/requests/{agency}/{case}", get(request))
        .route("/admin/requests/{agency}/{case}/events", post(add_event))
}

/// The API of cases (documented from these handlers, see `openapi`).
pub(crate) fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(api_requests))
        .routes(utoipa_axum::routes!(api_add_event))
}

/// A case still being handled (not replied, not withdrawn).
pub fn is_open(c: &Clock) -> bool {
    !matches!(c.status, Status::Replied | Status::Withdrawn)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// 机构代码（默认调用者可见的第一个机构）
    agency: Option<String>,
    /// 队列：open（办理中）、due_soon（5 个工作日内到期）、overdue（已逾期）
    queue: Option<String>,
    /// 截至日期 YYYY-MM-DD（默认今天，北京时间）
    as_of: Option<String>,
}

/// One case and its statutory clock, exactly the fields of contracts.md §2.3 (the same JSON
/// as `gongkai requests list --format json`).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Clock, description = "一件案件及其法定期限（contracts.md §2.3 的字段，与 gongkai requests list --format json 相同）")]
pub struct ClockJson {
    /// 案件编号
    pub request: String,
    #[schema(schema_with = crate::openapi::applicant_types)]
    pub applicant_type: &'static str,
    #[schema(schema_with = crate::openapi::channels)]
    pub channel: &'static str,
    #[schema(format = Date)]
    pub received: String,
    /// 计时起点（补正后重新起算）
    #[schema(format = Date)]
    pub clock_start: String,
    pub paused_workdays: i64,
    pub extension_workdays: i64,
    #[schema(format = Date)]
    pub due: String,
    /// 期限所依据年度的节假日安排尚未发布时为 false
    pub due_confirmed: bool,
    #[schema(schema_with = crate::openapi::statuses)]
    pub status: &'static str,
    #[schema(schema_with = crate::openapi::outcomes)]
    pub outcome: Option<&'static str>,
    #[schema(format = Date)]
    pub closed_on: Option<String>,
    pub overdue: bool,
    pub correction_notice_late: bool,
}

impl From<&Clock> for ClockJson {
    fn from(c: &Clock) -> Self {
        ClockJson {
            request: c.request.clone(),
            applicant_type: c.applicant_type.code(),
            channel: c.channel.code(),
            received: iso(c.received),
            clock_start: iso(c.clock_start),
            paused_workdays: c.paused_workdays,
            extension_workdays: c.extension_workdays,
            due: iso(c.due),
            due_confirmed: c.due_confirmed,
            status: c.status.code(),
            outcome: c.outcome.map(|o| o.code()),
            closed_on: c.closed_on.map(iso),
            overdue: c.overdue,
            correction_notice_late: c.correction_notice_late,
        }
    }
}

struct Row {
    request: String,
    applicant: &'static str,
    received: String,
    due: String,
    status: &'static str,
    outcome: String,
    overdue: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_requests.html")]
struct RequestsPage {
    chrome: Chrome,
    agency: String,
    agency_name: String,
    can_handle: bool,
    cases: Vec<Row>,
}

async fn filtered(s: &AppState, agency: &str, q: &ListQuery) -> Result<Vec<Clock>, WebError> {
    let as_of = match &q.as_of {
        Some(d) => gongkai_domain::period::parse_date(d, "as_of")
            .map_err(|e| WebError(StatusCode::BAD_REQUEST, e.to_string()))?,
        None => (s.today)(),
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

async fn requests(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let pr = match page_user(&s, &headers, Action::ViewRequests, Scope::Anywhere).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let result = async {
        let a = chosen_agency(&s, &pr, q.agency.clone()).await?;
        require(&s, &pr, Action::ViewRequests, Scope::Agency(&a.code)).await?;
        let path = s.db.agency_path(&a.code).await?;
        let clocks = filtered(&s, &a.code, &q).await?;
        Ok::<_, WebError>(RequestsPage {
            chrome: Chrome::of(&pr),
            can_handle: pr.may(Action::HandleRequests, &path),
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
                    outcome: c
                        .outcome
                        .map_or_else(|| "-".to_string(), |o| o.full_label()),
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

/// A group of outcomes for the reply form: its label (none for a single-row group) and its
/// outcomes as (code, row label).
type OutcomeGroupView = (Option<&'static str>, Vec<(&'static str, &'static str)>);

struct ClockView {
    applicant: &'static str,
    received: String,
    clock_start: String,
    paused: i64,
    extension: i64,
    due: String,
    status: &'static str,
    overdue: bool,
    outcome: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_request.html")]
struct RequestPage {
    chrome: Chrome,
    agency: String,
    case_no: String,
    clock: ClockView,
    applicant: Option<String>,
    events: Vec<String>,
    open: bool,
    can_handle: bool,
    can_extend: bool,
    /// The outcomes in their groups: (group label, [(code, row label)]).
    outcomes: Vec<OutcomeGroupView>,
    fee: Option<String>,
    appeals: Vec<String>,
    message: Option<String>,
}

/// The agency a list page shows: the one asked for, else the first the caller may see.
async fn chosen_agency(
    s: &AppState,
    pr: &Caller,
    given: Option<String>,
) -> Result<gongkai_db::AgencyRow, WebError> {
    match given {
        Some(code) => Ok(s.db.agency(&code).await?),
        None => agencies_for(s, pr, Action::ViewRequests)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| WebError(StatusCode::FORBIDDEN, "您没有可查看案件的机构".into())),
    }
}

/// A case's page, with `message` (the reason a write was refused) and `status`. The
/// applicant's personal data are shown only to those allowed to see them, and every such view
/// is written to the audit log.
async fn request_page(
    s: &AppState,
    pr: &Caller,
    agency: &str,
    case_no: &str,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    let result = async {
        let c =
            s.db.request_clock(agency, case_no, (s.today)())
                .await?
                .ok_or_else(|| WebError(StatusCode::NOT_FOUND, format!("未找到案件“{case_no}”")))?;
        let path = s.db.agency_path(agency).await?;
        let mut detail = s.db.request_detail(agency, case_no).await?;
        if pr.may(Action::ViewApplicant, &path) {
            if detail.applicant.is_some() {
                s.db.audit(
                    &pr.audit(Action::ViewApplicant.label())
                        .agency(agency)
                        .object(case_no),
                )
                .await?;
            }
        } else {
            detail.applicant = None;
        }
        let fee =
            s.db.fee_notice(agency, case_no)
                .await?
                .map(|f| crate::fees::notice_line(&f));
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
            chrome: Chrome::of(pr),
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
                outcome: c
                    .outcome
                    .map_or_else(|| "-".to_string(), |o| o.full_label()),
            },
            applicant: detail.applicant,
            events: detail.events,
            can_handle: pr.may(Action::HandleRequests, &path),
            can_extend: pr.may(Action::ApproveExtension, &path),
            outcomes: Outcome::grouped()
                .into_iter()
                .map(|(g, v)| (g, v.into_iter().map(|o| (o.code(), o.label())).collect()))
                .collect(),
            message,
        })
    }
    .await;
    match result {
        Ok(p) => (status, p).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn request(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, case_no)): Path<(String, String)>,
) -> Response {
    let pr = match page_user(&s, &headers, Action::ViewRequests, Scope::Agency(&agency)).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    request_page(&s, &pr, &agency, &case_no, None, StatusCode::OK).await
}

/// Why an event was not recorded.
pub enum Refusal {
    /// The principal may not record this event (separation of duties).
    Denied(String),
    /// The event breaks the rules of the case history.
    Invalid(String),
    /// Something went wrong on the server (details in the log).
    Internal(String),
}

impl Refusal {
    pub fn message(self) -> String {
        match self {
            Refusal::Denied(m) | Refusal::Invalid(m) | Refusal::Internal(m) => m,
        }
    }
}

/// Records one event (an event line of `requests import`) on a case: the domain decides who
/// may record it (extensions, later reply dates and replies are the 负责人's), then it goes
/// through the same checks as `requests import`, and the audit row is written in the same
/// transaction.
pub async fn record(
    s: &AppState,
    pr: &Caller,
    agency: &str,
    line: serde_json::Value,
) -> Result<(), Refusal> {
    let text = line.to_string();
    let event = CaseEvent::parse(&text).map_err(|e| Refusal::Invalid(e.to_string()))?;
    let action = Action::for_case_event(&event.kind);
    require(s, pr, action, Scope::Agency(agency))
        .await
        .map_err(|e| Refusal::Denied(e.1))?;
    let entry = pr
        .audit("记录依申请公开事项")
        .agency(agency)
        .object(
            line["request"]
                .as_str()
                .or(line["appeal"].as_str())
                .unwrap_or(""),
        )
        .detail(event.kind.code());
    let written =
        s.db.write(&entry, async |tx| tx.import_requests(agency, &text).await)
            .await;
    match written {
        Ok(_) => Ok(()),
        Err(e) => {
            let refusal = refusal_of(e)?;
            crate::guard::audit_quietly(
                s,
                entry.outcome(AuditOutcome::Failed).detail(refusal.clone()),
            )
            .await;
            Err(Refusal::Invalid(refusal))
        }
    }
}

/// The message of a write refused for its content; other errors are internal (logged, with a
/// generic message to the user).
pub fn refusal_of(e: DbError) -> Result<String, Refusal> {
    match e {
        DbError::Import(_)
        | DbError::Conflict(_)
        | DbError::NotFound(_)
        | DbError::Domain(_)
        | DbError::UnknownAgency(_) => Ok(e.to_string()),
        other => Err(Refusal::Internal(WebError::from(other).1)),
    }
}

#[derive(Deserialize)]
struct EventForm {
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

async fn add_event(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, case_no)): Path<(String, String)>,
    Form(f): Form<EventForm>,
) -> Response {
    let pr = match form_user(
        &s,
        &headers,
        Action::HandleRequests,
        Scope::Agency(&agency),
        &f.csrf,
    )
    .await
    {
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
    let outcome = record(&s, &pr, &agency, line).await;
    back_to_case(&s, &pr, &agency, &case_no, outcome).await
}

/// After a write on a case: back to its page, or the page again with the reason it was refused.
pub async fn back_to_case(
    s: &AppState,
    pr: &Caller,
    agency: &str,
    case_no: &str,
    outcome: Result<(), Refusal>,
) -> Response {
    let (status, m) = match outcome {
        Ok(()) => {
            return Redirect::to(&format!("/admin/requests/{agency}/{case_no}")).into_response();
        }
        Err(Refusal::Denied(m)) => (StatusCode::FORBIDDEN, m),
        Err(Refusal::Invalid(m)) => (StatusCode::UNPROCESSABLE_ENTITY, m),
        Err(Refusal::Internal(m)) => (StatusCode::INTERNAL_SERVER_ERROR, m),
    };
    request_page(s, pr, agency, case_no, Some(m), status).await
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_new_request.html")]
struct NewRequestPage {
    chrome: Chrome,
    agency: String,
    agency_name: String,
    channels: Vec<(&'static str, &'static str)>,
    applicant_types: Vec<(&'static str, &'static str)>,
    message: Option<String>,
}

async fn new_request_page(
    s: &AppState,
    pr: &Caller,
    agency: &str,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    match s.db.agency(agency).await {
        Ok(a) => (
            status,
            NewRequestPage {
                chrome: Chrome::of(pr),
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

async fn new_request_form(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(agency): Path<String>,
) -> Response {
    let pr = match page_user(&s, &headers, Action::HandleRequests, Scope::Agency(&agency)).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    new_request_page(&s, &pr, &agency, None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct NewRequestForm {
    csrf: String,
    request: String,
    date: String,
    channel: String,
    applicant_type: String,
    name: String,
    contact: String,
    subject: String,
}

async fn new_request(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(agency): Path<String>,
    Form(f): Form<NewRequestForm>,
) -> Response {
    let pr = match form_user(
        &s,
        &headers,
        Action::HandleRequests,
        Scope::Agency(&agency),
        &f.csrf,
    )
    .await
    {
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
    let entry = pr
        .audit("登记依申请公开申请")
        .agency(&agency)
        .object(f.request.trim());
    let written =
        s.db.write(&entry, async |tx| {
            tx.register_request(
                &agency,
                &line.to_string(),
                &applicant,
                &auth::tracking_code(),
            )
            .await
        })
        .await;
    match written {
        Ok(()) => {
            Redirect::to(&format!("/admin/requests/{agency}/{}", f.request.trim())).into_response()
        }
        Err(e) => match refusal_of(e) {
            Ok(m) => {
                new_request_page(&s, &pr, &agency, Some(m), StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(r) => WebError(StatusCode::INTERNAL_SERVER_ERROR, r.message()).into_response(),
        },
    }
}

/// The cases of an agency with their statutory clocks, optionally one queue.
#[utoipa::path(get, path = "/api/v1/admin/requests", tag = "依申请公开",
    summary = "依申请公开案件及其法定期限（可按队列筛选）",
    security(("bearer" = []), ("session" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "案件及其法定期限（contracts.md §2.3 的字段）", body = Vec<ClockJson>),
        (status = 400, description = "参数无效（队列、日期）", body = crate::openapi::ApiError),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有该机构的查看权限", body = crate::openapi::ApiError),
        (status = 404, description = "未找到机构", body = crate::openapi::ApiError),
    ))]
async fn api_requests(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let pr = match api_user(&s, &headers, Action::ViewRequests, Scope::Anywhere).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let result = async {
        let a = chosen_agency(&s, &pr, q.agency.clone()).await?;
        require(&s, &pr, Action::ViewRequests, Scope::Agency(&a.code)).await?;
        filtered(&s, &a.code, &q).await
    }
    .await;
    match result {
        Ok(clocks) => Json(clocks.iter().map(ClockJson::from).collect::<Vec<_>>()).into_response(),
        Err(WebError(status, m)) => api_error(status, &m),
    }
}

/// Records one case event: the same JSON object as one line of `gongkai requests import`
/// (contracts.md §2), checked by the same rules; an extension needs 负责人.
#[utoipa::path(post, path = "/api/v1/admin/requests/{agency}/events", tag = "依申请公开",
    summary = "记录一件案件事件（与 requests import 的一行相同；延期、答复须负责人）",
    security(("bearer" = []), ("session" = [])),
    params(
        ("agency" = String, Path, description = "机构代码"),
        crate::openapi::Csrf,
    ),
    request_body(content = crate::openapi::EventLine, description = "一件案件事件（contracts.md §2 的一行）"),
    responses(
        (status = 201, description = "已记录（事件与审计记录在同一事务中）", body = crate::openapi::Recorded),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有该机构的办理权限，或延期等须负责人的事件", body = crate::openapi::ApiError),
        (status = 422, description = "事件不合规则（字段、顺序、延期合计超过 20 个工作日等），未做任何改动", body = crate::openapi::ApiError),
    ))]
async fn api_add_event(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(agency): Path<String>,
    Json(line): Json<serde_json::Value>,
) -> Response {
    let pr =
        match api_write_user(&s, &headers, Action::HandleRequests, Scope::Agency(&agency)).await {
            Ok(p) => p,
            Err(r) => return r,
        };
    match record(&s, &pr, &agency, line).await {
        Ok(()) => (
            StatusCode::CREATED,
            Json(crate::openapi::Recorded { ok: true }),
        )
            .into_response(),
        Err(Refusal::Denied(m)) => api_error(StatusCode::FORBIDDEN, &m),
        Err(Refusal::Invalid(m)) => api_error(StatusCode::UNPROCESSABLE_ENTITY, &m),
        Err(Refusal::Internal(m)) => api_error(StatusCode::INTERNAL_SERVER_ERROR, &m),
    }
}
