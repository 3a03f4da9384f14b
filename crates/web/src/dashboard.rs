//! The back office's home (`/admin/`): what waits on the signed-in user and on each agency they
//! may see — their drafts, the items waiting for a stage they may perform, requests due within
//! five working days or overdue, items past the art. 26 deadline, trading notices breaking a
//! time limit, and where last year's annual report stands — then, for one agency
//! (`?agency=`), charts of the last twelve months drawn on the server as SVG: disclosures per
//! month by kind, the timeliness of proactive disclosure against art. 26, requests by month
//! and outcome, and the 事前/事中/事后 share of trading disclosure. Each part shows only where
//! the user holds the matching right.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use gongkai_db::publishing::WorkQueues;
use gongkai_domain::auth::Action;
use gongkai_domain::cases::Clock;
use gongkai_domain::codes::{DisclosureAttr, NoticeType, OutcomeGroup, TradingPhase};
use gongkai_domain::publishing::{ItemState, Timeliness, timeliness};
use serde::Deserialize;
use time::{Date, Month};

use crate::cases::is_open;
use crate::charts::{Chart, Series, shares, stacked_columns};
use crate::chrome::Chrome;
use crate::guard::{Caller, Scope, agencies_for, page_user};
use crate::{AppState, WebError};

/// The most agencies whose queues the home page computes (a province's administrator sees
/// hundreds): the first ones in `agencies_for`'s order, the rest counted.
pub const MAX_AGENCIES: usize = 20;

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

/// An agency's proactive items past their art. 26 deadline and not yet published, and its
/// trading notices that break a time limit or lack a required element.
struct Violations {
    code: String,
    name: String,
    items_overdue: Option<usize>,
    notices: Option<usize>,
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

/// An item in one of the user's own queues.
struct WorkRow {
    id: i64,
    title: String,
    agency: String,
    /// 草稿 / 已退回, or the stages the user may perform (初审、校对 …).
    what: String,
    returned: bool,
}

#[derive(Deserialize)]
struct HomeQuery {
    /// The agency the charts are of (default: the first the user may see).
    agency: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_home.html")]
struct Home {
    chrome: Chrome,
    may_items: bool,
    my_drafts: Vec<WorkRow>,
    to_review: Vec<WorkRow>,
    queues: Vec<Queue>,
    violations: Vec<Violations>,
    reports: Vec<ReportDue>,
    /// Agencies left out of the queues above, and how many each shows ([`MAX_AGENCIES`]).
    more: usize,
    shown: usize,
    /// (code, name) of the agencies whose charts the user may see, and the one shown.
    agencies: Vec<(String, String)>,
    agency: String,
    agency_name: String,
    charts: Vec<Chart>,
}

async fn home(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HomeQuery>,
) -> Response {
    let pr = match page_user(&s, &headers, Action::BackOffice, Scope::Anywhere).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match build(&s, &pr, q).await {
        Ok(h) => h.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn build(s: &AppState, pr: &Caller, q: HomeQuery) -> Result<Home, WebError> {
    let today = (s.today)();
    let cal = s.db.calendar().await?;
    let soon = cal.add_workdays(today, 5).date;

    let work = s.db.work_queues(&pr.principal).await?;
    let (my_drafts, to_review) = work_rows(work);

    // Requests: only the agencies whose cases the user may see.
    let mut queues = Vec::new();
    let request_agencies = agencies_for(s, pr, Action::ViewRequests).await?;
    let mut more = request_agencies.len().saturating_sub(MAX_AGENCIES);
    for a in request_agencies.into_iter().take(MAX_AGENCIES) {
        let clocks = s.db.request_clocks(&a.code, today).await?;
        let open: Vec<&Clock> = clocks.iter().filter(|c| is_open(c)).collect();
        queues.push(Queue {
            open: open.len(),
            due_soon: open.iter().filter(|c| !c.overdue && c.due <= soon).count(),
            overdue: open.iter().filter(|c| c.overdue).count(),
            code: a.code,
            name: a.name,
        });
    }

    // Time-limit violations: items past art. 26, trading notices past their limits.
    let items_agencies = agencies_for(s, pr, Action::ViewItems).await?;
    let trading_agencies = agencies_for(s, pr, Action::ViewTrading).await?;
    let mut violations: Vec<Violations> = Vec::new();
    more = more
        .max(items_agencies.len().saturating_sub(MAX_AGENCIES))
        .max(trading_agencies.len().saturating_sub(MAX_AGENCIES));
    for a in items_agencies.iter().take(MAX_AGENCIES) {
        let rows = s.db.items(&a.code, None).await?;
        let overdue = rows
            .iter()
            .filter(|r| {
                r.attr == DisclosureAttr::Proactive
                    && r.published_at.is_none()
                    && !matches!(r.state, ItemState::Withdrawn)
                    && matches!(
                        timeliness(&cal, r.formed_on, None, today),
                        Timeliness::Overdue { .. }
                    )
            })
            .count();
        violations.push(Violations {
            code: a.code.clone(),
            name: a.name.clone(),
            items_overdue: Some(overdue),
            notices: None,
        });
    }
    for a in trading_agencies.iter().take(MAX_AGENCIES) {
        let n = s.db.check_notices(&a.code).await?.len();
        match violations.iter_mut().find(|v| v.code == a.code) {
            Some(v) => v.notices = Some(n),
            None => violations.push(Violations {
                code: a.code.clone(),
                name: a.name.clone(),
                items_overdue: None,
                notices: Some(n),
            }),
        }
    }

    let reports = report_dues(s, pr).await?;

    // The charts' agency: any whose items, requests or trading the user may see.
    let mut agencies: Vec<(String, String)> = Vec::new();
    let seen = items_agencies
        .iter()
        .map(|a| (&a.code, &a.name))
        .chain(queues.iter().map(|q| (&q.code, &q.name)))
        .chain(trading_agencies.iter().map(|a| (&a.code, &a.name)));
    for (code, name) in seen {
        if !agencies.iter().any(|a| a.0 == *code) {
            agencies.push((code.clone(), name.clone()));
        }
    }
    let agency = q
        .agency
        .filter(|c| agencies.iter().any(|a| a.0 == *c))
        .or_else(|| agencies.first().map(|a| a.0.clone()))
        .unwrap_or_default();
    let agency_name = agencies
        .iter()
        .find(|a| a.0 == agency)
        .map(|a| a.1.clone())
        .unwrap_or_default();
    let mut charts = Vec::new();
    if !agency.is_empty() {
        let months = last_months(today, 12);
        let labels: Vec<String> = months
            .iter()
            .map(|(y, m)| {
                if *m == Month::January || (*y, *m) == months[0] {
                    format!("{}年{}月", y % 100, u8::from(*m))
                } else {
                    format!("{}月", u8::from(*m))
                }
            })
            .collect();
        let from = months
            .first()
            .and_then(|(y, m)| Date::from_calendar_date(*y, *m, 1).ok())
            .unwrap_or(today);
        let may_items = items_agencies.iter().any(|a| a.code == agency);
        let may_trading = trading_agencies.iter().any(|a| a.code == agency);
        let may_requests = queues.iter().any(|a| a.code == agency);

        let mut published = Series {
            name: "主动公开信息".into(),
            values: vec![0; months.len()],
        };
        let mut notices = Series {
            name: "交易信息".into(),
            values: vec![0; months.len()],
        };
        let mut phases = [0i64; 3];
        if may_items {
            let rows = s.db.items(&agency, None).await?;
            let mut on_time = 0;
            let mut late = 0;
            let mut pending = 0;
            let mut overdue = 0;
            for r in rows.iter().filter(|r| r.attr == DisclosureAttr::Proactive) {
                let p = r.published_at.map(gongkai_domain::period::beijing_date);
                if let Some(k) = p.and_then(|d| month_index(&months, d)) {
                    published.values[k] += 1;
                }
                if matches!(r.state, ItemState::Withdrawn) && p.is_none() {
                    continue;
                }
                match timeliness(&cal, r.formed_on, p, today) {
                    Timeliness::OnTime { .. } => on_time += 1,
                    Timeliness::Late { .. } => late += 1,
                    Timeliness::Due { .. } => pending += 1,
                    Timeliness::Overdue { .. } => overdue += 1,
                }
            }
            charts.push(shares(
                "主动公开时效（条例第二十六条：形成或变更之日起20个工作日内公开）",
                &[
                    ("按时公开".into(), on_time),
                    ("逾期公开".into(), late),
                    ("超期未公开".into(), overdue),
                    ("期限内待公开".into(), pending),
                ],
            ));
        }
        if may_trading {
            let id = s.db.agency(&agency).await?.id;
            let year_start = Date::from_calendar_date(today.year(), Month::January, 1)
                .unwrap_or(from)
                .min(from);
            for (day, ntype, n) in s.db.notice_day_counts(id, year_start, today).await? {
                if let Some(k) = month_index(&months, day) {
                    notices.values[k] += n;
                }
                if day.year() == today.year()
                    && let Ok(t) = NoticeType::from_code(&ntype)
                {
                    phases[match t.phase() {
                        TradingPhase::Before => 0,
                        TradingPhase::During => 1,
                        TradingPhase::After => 2,
                    }] += n;
                }
            }
        }
        if may_items || may_trading {
            let mut series = Vec::new();
            if may_items {
                series.push(published);
            }
            if may_trading {
                series.push(notices);
            }
            charts.insert(
                0,
                stacked_columns("每月公开信息数（近12个月，按类别）", &labels, &series),
            );
        }
        if may_trading {
            charts.push(shares(
                &format!("{}年交易信息公开：事前、事中、事后", today.year()),
                &[
                    ("事前（计划、意向）".into(), phases[0]),
                    ("事中（公告至候选人公示）".into(), phases[1]),
                    ("事后（结果、合同、验收）".into(), phases[2]),
                ],
            ));
        }
        if may_requests {
            let clocks = s.db.request_clocks(&agency, today).await?;
            charts.push(requests_chart(&clocks, &months, &labels));
        }
    }

    Ok(Home {
        chrome: Chrome::of(pr),
        may_items: !items_agencies.is_empty(),
        my_drafts,
        to_review,
        queues,
        violations,
        reports,
        more,
        shown: MAX_AGENCIES,
        agencies,
        agency,
        agency_name,
        charts,
    })
}

/// The user's drafts and review queue as rows.
fn work_rows(w: WorkQueues) -> (Vec<WorkRow>, Vec<WorkRow>) {
    use gongkai_domain::publishing::VersionState;
    let drafts = w
        .my_drafts
        .into_iter()
        .map(|i| WorkRow {
            returned: i.state == VersionState::Returned,
            what: i.state.label().to_string(),
            id: i.id,
            title: i.title,
            agency: i.agency,
        })
        .collect();
    let review = w
        .to_review
        .into_iter()
        .map(|i| WorkRow {
            what: i
                .stages
                .iter()
                .map(|s| s.label())
                .collect::<Vec<_>>()
                .join("、"),
            returned: false,
            id: i.id,
            title: i.title,
            agency: i.agency,
        })
        .collect();
    (drafts, review)
}

/// Requests received per month, by outcome group (those still in hand apart).
fn requests_chart(clocks: &[Clock], months: &[(i32, Month)], labels: &[String]) -> Chart {
    const GROUPS: [(Option<OutcomeGroup>, &str); 7] = [
        (Some(OutcomeGroup::Granted), "予以公开"),
        (Some(OutcomeGroup::Partial), "部分公开"),
        (Some(OutcomeGroup::Deny), "不予公开"),
        (Some(OutcomeGroup::Unable), "无法提供"),
        (Some(OutcomeGroup::NoProcess), "不予处理"),
        (Some(OutcomeGroup::Other), "其他处理"),
        (None, "办理中"),
    ];
    let mut series: Vec<Series> = GROUPS
        .iter()
        .map(|(_, name)| Series {
            name: (*name).to_string(),
            values: vec![0; months.len()],
        })
        .collect();
    for c in clocks {
        let Some(k) = month_index(months, c.received) else {
            continue;
        };
        let group = if is_open(c) {
            None
        } else {
            // A withdrawn case without an outcome is 其他处理 in table 三.
            Some(c.outcome.map_or(OutcomeGroup::Other, |o| o.group()))
        };
        if let Some(g) = GROUPS.iter().position(|(x, _)| *x == group) {
            series[g].values[k] += 1;
        }
    }
    series.retain(|s| s.values.iter().any(|v| *v > 0));
    stacked_columns("每月收到的政府信息公开申请（按办理结果）", labels, &series)
}

/// The `n` calendar months ending with `today`'s, oldest first.
fn last_months(today: Date, n: usize) -> Vec<(i32, Month)> {
    let mut out = Vec::with_capacity(n);
    let (mut y, mut m) = (today.year(), today.month());
    for _ in 0..n {
        out.push((y, m));
        if m == Month::January {
            y -= 1;
        }
        m = m.previous();
    }
    out.reverse();
    out
}

fn month_index(months: &[(i32, Month)], d: Date) -> Option<usize> {
    months
        .iter()
        .position(|&(y, m)| y == d.year() && m == d.month())
}

/// For each agency whose reports the user may see, where last year's report stands against
/// its due date (1 月 31 日 unless the agency set another).
async fn report_dues(s: &AppState, pr: &Caller) -> Result<Vec<ReportDue>, gongkai_db::DbError> {
    let today = (s.today)();
    let mut out = Vec::new();
    for a in agencies_for(s, pr, Action::ViewReports)
        .await?
        .into_iter()
        .take(MAX_AGENCIES)
    {
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_last_twelve_months_cross_the_year() {
        let m = last_months(date!(2026 - 03 - 15), 12);
        assert_eq!(m.len(), 12);
        assert_eq!(m[0], (2025, Month::April));
        assert_eq!(m[11], (2026, Month::March));
        assert_eq!(month_index(&m, date!(2025 - 12 - 31)), Some(8));
        assert_eq!(month_index(&m, date!(2025 - 03 - 31)), None);
    }
}
