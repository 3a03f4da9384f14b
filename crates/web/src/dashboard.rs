//! The back office's home (`/admin/`): for each agency, its open cases, those due within five
//! working days and those overdue; and where last year's annual report stands against its
//! due date.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use gongkai_domain::auth::Action;
use gongkai_domain::cases::Clock;

use crate::cases::is_open;
use crate::chrome::Chrome;
use crate::guard::{Scope, agencies_for, page_user};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/", get(home))
        .route("/admin", get(|| async { Redirect::to("/admin/") }))
}

struct Queue {
    code: String,
    name: String,
    open: usize,
    due_soon: usize,
    overdue: usize,
}

/// The latest ended year's annual report of an agency: its state and due date.
struct ReportDue {
    code: String,
    name: String,
    year: i32,
    state: &'static str,
    due: String,
    overdue: bool,
    published: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_home.html")]
struct Home {
    chrome: Chrome,
    queues: Vec<Queue>,
    reports: Vec<ReportDue>,
}

async fn home(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let pr = match page_user(&s, &headers, Action::BackOffice, Scope::Anywhere).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut queues = Vec::new();
    {
        // Only the agencies whose cases the user may see.
        let agencies = match agencies_for(&s, &pr, Action::ViewRequests).await {
            Ok(a) => a,
            Err(e) => return WebError::from(e).into_response(),
        };
        let cal = match s.db.calendar().await {
            Ok(c) => c,
            Err(e) => return WebError::from(e).into_response(),
        };
        let today = (s.today)();
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
    let reports = match report_dues(&s, &pr).await {
        Ok(r) => r,
        Err(e) => return WebError::from(e).into_response(),
    };
    Home {
        chrome: Chrome::of(&pr),
        queues,
        reports,
    }
    .into_response()
}

/// For each agency whose reports the user may see, where last year's report stands against
/// its due date (1 月 31 日 unless the agency set another).
async fn report_dues(
    s: &AppState,
    pr: &crate::guard::Caller,
) -> Result<Vec<ReportDue>, gongkai_db::DbError> {
    let today = (s.today)();
    let mut out = Vec::new();
    for a in agencies_for(s, pr, Action::ViewReports).await? {
        let statuses = s.db.report_statuses(&a.code, today).await?;
        if let Some(st) = statuses.first() {
            out.push(ReportDue {
                year: st.year,
                state: st.state.map_or("未起草", |x| x.label()),
                due: st.due.map(gongkai_domain::period::iso).unwrap_or_default(),
                overdue: st.overdue,
                published: st.published_at.is_some(),
                code: a.code,
                name: a.name,
            });
        }
    }
    Ok(out)
}
