//! The working-day calendar (`/admin/calendar`, admins): the holiday years loaded, and importing
//! a year in the holiday-cn JSON format.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use gongkai_domain::auth::Action;
use serde::Deserialize;

use crate::chrome::Chrome;
use crate::guard::{Caller, Scope, form_user, page_user};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/calendar", get(calendar).post(calendar_import))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    years: Vec<(i32, i64, i64, String)>,
    message: Option<String>,
}

async fn calendar_page(
    s: &AppState,
    pr: &Caller,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    match s.db.calendar_years().await {
        Ok(years) => (
            status,
            CalendarPage {
                chrome: Chrome::of(pr),
                years,
                message,
            },
        )
            .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The holiday calendar: years loaded, and an import form (admins).
async fn calendar(State(s): State<AppState>, headers: HeaderMap) -> Response {
    match page_user(&s, &headers, Action::Administer, Scope::Anywhere).await {
        Ok(pr) => calendar_page(&s, &pr, None, StatusCode::OK).await,
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct CalendarForm {
    csrf: String,
    json: String,
}

async fn calendar_import(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<CalendarForm>,
) -> Response {
    let pr = match form_user(
        &s,
        &headers,
        Action::AdministerDeployment,
        Scope::Deployment,
        &f.csrf,
    )
    .await
    {
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
            .write(
                &pr.audit("导入节假日安排").object(y.year.to_string()),
                async |tx| {
                    tx.import_calendar(&y, &format!("后台导入（{}）", pr.name()))
                        .await
                },
            )
            .await
        {
            Ok(()) => {
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
