//! The public 依申请公开 form and the status lookup: plain HTML, no JavaScript, no personal data
//! shown back.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gongkai_domain::codes::ApplicantType;
use gongkai_domain::period::iso;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::auth::{self, FORM_COOKIE};
use crate::{AppState, WebError};

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
pub struct AgencyQuery {
    agency: Option<String>,
}

async fn form_page(
    s: &AppState,
    agency: Option<String>,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    let a = match agency {
        Some(code) => s.db.agency(&code).await.map_err(WebError::from),
        None => match s.db.agencies().await {
            Ok(v) => v
                .into_iter()
                .next()
                .ok_or_else(|| WebError(StatusCode::NOT_FOUND, "尚未建立任何机构".into())),
            Err(e) => Err(e.into()),
        },
    };
    let a = match a {
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
            auth::set_cookie(FORM_COOKIE, &csrf, 3600),
        )],
        page,
    )
        .into_response()
}

pub async fn form(State(s): State<AppState>, Query(q): Query<AgencyQuery>) -> Response {
    form_page(&s, q.agency, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct Submission {
    csrf: String,
    agency: String,
    applicant_type: String,
    name: String,
    id_number: String,
    contact: String,
    subject: String,
    delivery: String,
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

pub async fn submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<Submission>,
) -> Response {
    let cookies = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !auth::cookie(cookies, FORM_COOKIE).is_some_and(|c| auth::same(c, &f.csrf)) {
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
    let today = gongkai_domain::period::beijing_date(OffsetDateTime::now_utc());
    let code = auth::tracking_code();
    let case_no = format!("WS-{}-{}", iso(today).replace('-', ""), &code[..6]);
    let line = json!({"type": "received", "request": case_no, "date": iso(today), "channel": "online",
                      "applicant_type": f.applicant_type, "subject": f.subject.trim()});
    let applicant = gongkai_db::Applicant {
        name: f.name.trim().into(),
        id_number: f.id_number.trim().into(),
        contact: f.contact.trim().into(),
        delivery: f.delivery,
    };
    match s
        .db
        .register_request(&f.agency, &line.to_string(), &applicant, &code)
        .await
    {
        Ok(()) => {
            status_page(
                &s,
                code,
                Some("申请已提交。请记下查询码，用它查询办理进度。".into()),
            )
            .await
        }
        Err(e) => {
            form_page(
                &s,
                Some(f.agency),
                Some(e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct CodeQuery {
    code: Option<String>,
}

async fn status_page(s: &AppState, code: String, message: Option<String>) -> Response {
    if code.trim().is_empty() {
        return StatusPage {
            code,
            message,
            status: None,
        }
        .into_response();
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
        Ok(None) => (
            StatusCode::NOT_FOUND,
            StatusPage {
                code,
                message: Some("未找到该查询码对应的申请".into()),
                status: None,
            },
        )
            .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn status(State(s): State<AppState>, Query(q): Query<CodeQuery>) -> Response {
    status_page(&s, q.code.unwrap_or_default(), None).await
}
