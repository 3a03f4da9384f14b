//! The public 依申请公开 form (`/requests/new`, `POST /requests`) and the status lookup by
//! tracking code (`/requests/status`): plain HTML, no JavaScript, no personal data shown back.
//!
//! Every field has a length limit ([`FIELD_LIMITS`], 422 naming the field, nothing written);
//! both endpoints are rate limited per client address (`security::limits`). The case number
//! (`WS-YYYYMMDD-XXXXXX`) and the tracking code are drawn independently, so the number shown to
//! staff, on letters and in the report's case lists reveals nothing of the code. Errors shown to
//! the public are generic; details go to the log.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongkai_db::DbError;
use gongkai_domain::codes::ApplicantType;
use gongkai_domain::period::iso;
use serde::Deserialize;
use serde_json::json;

use crate::auth::{self, FORM_COOKIE};
use crate::{AppState, WebError, guard, security};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests/new", get(form))
        .route("/requests", post(submit))
        .route("/requests/status", get(status))
}

#[derive(Template, WebTemplate)]
#[template(path = "request_form.html")]
struct FormPage {
    csrf: String,
    agency: String,
    agency_name: String,
    applicant_types: Vec<(&'static str, &'static str)>,
    message: Option<String>,
}

#[derive(Deserialize)]
struct AgencyQuery {
    agency: Option<String>,
}

async fn form_page(
    s: &AppState,
    agency: Option<String>,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    let a = match s.default_agency(agency).await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let csrf = auth::random_token();
    let page = FormPage {
        csrf: csrf.clone(),
        agency: a.code,
        agency_name: a.name,
        applicant_types: ApplicantType::ALL
            .iter()
            .map(|c| (c.code(), c.label()))
            .collect(),
        message,
    };
    (
        status,
        [(
            header::SET_COOKIE,
            auth::cookie_with(FORM_COOKIE, &csrf, 3600, s.config.secure_cookies),
        )],
        page,
    )
        .into_response()
}

async fn form(
    State(s): State<AppState>,
    q: Result<Query<AgencyQuery>, QueryRejection>,
) -> Response {
    let agency = q
        .ok()
        .and_then(|Query(q)| q.agency)
        .filter(|a| security::plausible_key(a, 64));
    form_page(&s, agency, None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct Submission {
    csrf: String,
    agency: String,
    applicant_type: String,
    name: String,
    id_number: String,
    contact: String,
    subject: String,
    delivery: String,
}

/// The longest value (in characters) of each field of the public form, with its label.
pub const FIELD_LIMITS: &[(&str, &str, usize)] = &[
    ("csrf", "表单校验码", 128),
    ("agency", "受理机关", 64),
    ("applicant_type", "申请人类型", 32),
    ("name", "姓名或名称", 100),
    ("id_number", "身份证件号码或统一社会信用代码", 32),
    ("contact", "联系电话或电子邮箱", 100),
    ("subject", "申请公开的政府信息", 2000),
    ("delivery", "获取信息的方式", 200),
];

impl Submission {
    fn fields(&self) -> [(&str, &String); 8] {
        [
            ("csrf", &self.csrf),
            ("agency", &self.agency),
            ("applicant_type", &self.applicant_type),
            ("name", &self.name),
            ("id_number", &self.id_number),
            ("contact", &self.contact),
            ("subject", &self.subject),
            ("delivery", &self.delivery),
        ]
    }

    /// The first field longer than its limit or holding a control character (line breaks and
    /// tabs are allowed in the description only), as a message naming it.
    fn field_problem(&self) -> Option<String> {
        self.fields().into_iter().find_map(|(key, value)| {
            let (_, label, max) = FIELD_LIMITS.iter().find(|f| f.0 == key)?;
            let n = value.chars().count();
            let multiline = key == "subject";
            if n > *max {
                Some(format!(
                    "字段“{label}”过长（{n} 个字符，最多 {max} 个字符）"
                ))
            } else if value
                .chars()
                .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
            {
                Some(format!("字段“{label}”含有不可见的控制字符"))
            } else {
                None
            }
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "request_status.html")]
struct StatusPage {
    code: String,
    message: Option<String>,
    status: Option<StatusView>,
}

struct StatusView {
    agency: String,
    received: String,
    due: String,
    status: &'static str,
    closed_on: Option<String>,
}

async fn submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    f: Result<Form<Submission>, FormRejection>,
) -> Response {
    let f = match f {
        Ok(Form(f)) => f,
        Err(e) => {
            tracing::info!("public request form rejected: {e}");
            let status = match e {
                FormRejection::BytesRejection(_) => return e.into_response(),
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            return form_page(
                &s,
                None,
                Some("表单内容不完整或格式有误，请重新填写".into()),
                status,
            )
            .await;
        }
    };
    if let Some(message) = f.field_problem() {
        // The agency may be the field at fault: the page falls back to the default agency.
        let agency = Some(f.agency).filter(|a| security::plausible_key(a, 64));
        return form_page(&s, agency, Some(message), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if !guard::anonymous_form_ok(&headers, &f.csrf) {
        return form_page(
            &s,
            Some(f.agency),
            Some("表单已过期，请重新填写".into()),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    for (value, field) in [
        (&f.name, "姓名或名称"),
        (&f.id_number, "身份证件号码或统一社会信用代码"),
        (&f.contact, "联系电话或电子邮箱"),
        (&f.subject, "申请公开的政府信息"),
    ] {
        if value.trim().is_empty() {
            return form_page(
                &s,
                Some(f.agency),
                Some(format!("字段“{field}”不能为空")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    }
    if ApplicantType::from_code(&f.applicant_type).is_err() {
        return form_page(
            &s,
            Some(f.agency),
            Some("字段“申请人类型”无效".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let today = (s.today)();
    let code = auth::tracking_code();
    let applicant = gongkai_db::Applicant {
        name: f.name.trim().into(),
        id_number: f.id_number.trim().into(),
        contact: f.contact.trim().into(),
        delivery: f.delivery.trim().into(),
    };
    // A fresh case number on the rare clash with an existing one.
    let mut outcome = Ok(());
    for _ in 0..3 {
        let case_no = case_number(today);
        let line = json!({"type": "received", "request": case_no, "date": iso(today), "channel": "online",
                          "applicant_type": f.applicant_type, "subject": f.subject.trim()});
        outcome =
            s.db.register_request(&f.agency, &line.to_string(), &applicant, &code)
                .await;
        if !matches!(outcome, Err(DbError::Conflict(_))) {
            break;
        }
    }
    match outcome {
        Ok(()) => {
            status_page(
                &s,
                code,
                Some("申请已提交。请记下查询码，用它查询办理进度。".into()),
            )
            .await
        }
        Err(e) => {
            let (status, message) = public_error(&e);
            form_page(&s, Some(f.agency), Some(message), status).await
        }
    }
}

/// A case number for an online request: `WS-` the date, and six random characters drawn
/// independently of the tracking code.
fn case_number(today: time::Date) -> String {
    let random = auth::tracking_code();
    format!("WS-{}-{}", iso(today).replace('-', ""), &random[..6])
}

/// What the public is told of a failed registration: the agency is unknown, or the request
/// could not be registered; any other detail goes to the log only.
fn public_error(e: &DbError) -> (StatusCode, String) {
    match e {
        DbError::UnknownAgency(_) => (
            StatusCode::NOT_FOUND,
            "未找到受理机关，请从机关页面进入申请表".into(),
        ),
        DbError::Domain(_) | DbError::Import(_) => {
            tracing::info!("public request refused: {e}");
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "申请内容无效，请检查后重新提交".into(),
            )
        }
        other => {
            tracing::error!("public request could not be registered: {other}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "申请暂时无法提交，请稍后再试".into(),
            )
        }
    }
}

#[derive(Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

/// The longest tracking code looked up (codes are 12 characters).
const CODE_LIMIT: usize = 64;

async fn status_page(s: &AppState, code: String, message: Option<String>) -> Response {
    let code = code.trim().to_ascii_uppercase();
    if code.is_empty() {
        return StatusPage {
            code,
            message,
            status: None,
        }
        .into_response();
    }
    let not_found = |code: String| {
        (
            StatusCode::NOT_FOUND,
            StatusPage {
                code,
                message: Some("未找到该查询码对应的申请".into()),
                status: None,
            },
        )
            .into_response()
    };
    if code.len() > CODE_LIMIT || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        // Codes are letters and digits: anything else is not looked up.
        return not_found(String::new());
    }
    match s.db.public_status(&code).await {
        Ok(Some(p)) => StatusPage {
            code,
            message,
            status: Some(StatusView {
                agency: p.agency,
                received: iso(p.clock.received),
                due: iso(p.clock.due),
                status: p.clock.status.label(),
                closed_on: p.clock.closed_on.map(iso),
            }),
        }
        .into_response(),
        Ok(None) => not_found(code),
        Err(e) => {
            tracing::error!("status lookup failed: {e}");
            WebError(
                StatusCode::INTERNAL_SERVER_ERROR,
                "暂时无法查询，请稍后再试".into(),
            )
            .into_response()
        }
    }
}

async fn status(
    State(s): State<AppState>,
    q: Result<Query<CodeQuery>, QueryRejection>,
) -> Response {
    let code = q.ok().and_then(|Query(q)| q.code).unwrap_or_default();
    status_page(&s, code, None).await
}
