//! Trading disclosure in the back office (交易信息全流程公开, product.md module 3; issue 9 item 7),
//! for those allowed `Action::ViewTrading` in an agency:
//!
//! * `/admin/trading?agency=CODE[&code=RULE]` — the violations queue: every violation of the
//!   time-limit rules and required elements among the agency's current notices, newest change
//!   first (the change-log sequence of the notice's current version), with a count per rule;
//! * `/admin/trading/{agency}/sections/{project}/{section}[?as_of=YYYY-MM-DD]` — one section's
//!   timeline: every version of every notice in publication order (corrections marked 更正 with
//!   their version), the stage-by-stage status of `section_status` and its violations;
//! * `/admin/trading/bidders?agency=CODE&q=…` — where a bidder appears, by a part of its name or
//!   its 统一社会信用代码 (validated), within the agencies the caller may view.
//!
//! The rules and the status are `gongkai_domain::trading`'s; the reads `gongkai_db::trading_views`'.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongkai_db::AgencyRow;
use gongkai_db::trading_views::{BIDDER_HITS, BidderHit, BidderQuery};
use gongkai_domain::auth::Action;
use gongkai_domain::codes::NoticeType;
use gongkai_domain::period::{BEIJING, iso, parse_date};
use gongkai_domain::trading::{
    Notice, RuleCode, SectionStatus, StageState, Violation, check_all, section_status,
};
use serde::Deserialize;

use crate::chrome::Chrome;
use crate::guard::{Caller, Scope, agencies_for, page_user, require};
use crate::urlenc::enc;
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/trading", get(queue))
        .route("/admin/trading/bidders", get(bidders))
        .route(
            "/admin/trading/{agency}/sections/{project}/{section}",
            get(timeline),
        )
}

/// The most violations the queue lists at once.
const QUEUE_ROWS: usize = 500;

/// The link to a section's timeline.
fn section_href(agency: &str, project: &str, section: &str) -> String {
    format!(
        "/admin/trading/{}/sections/{}/{}",
        enc(agency),
        enc(project),
        enc(section)
    )
}

/// A notice's publication time in Beijing time, to the minute.
pub(crate) fn beijing_minute(n: &Notice) -> String {
    let t = n.published.to_offset(BEIJING);
    format!("{} {:02}:{:02}", iso(t.date()), t.hour(), t.minute())
}

fn bad_request(e: impl std::fmt::Display) -> WebError {
    WebError(StatusCode::BAD_REQUEST, e.to_string())
}

/// The agency a page shows: the one asked for (when the caller may view its trading), else the
/// first the caller may view. An unknown agency is refused like a foreign one.
async fn chosen_agency(
    s: &AppState,
    c: &Caller,
    given: Option<&str>,
) -> Result<AgencyRow, WebError> {
    match given.filter(|g| !g.is_empty()) {
        Some(code) => {
            require(s, c, Action::ViewTrading, Scope::Agency(code)).await?;
            Ok(s.db.agency(code).await?)
        }
        None => agencies_for(s, c, Action::ViewTrading)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| WebError(StatusCode::FORBIDDEN, Action::ViewTrading.refusal())),
    }
}

/// The agencies offered for switching: (code, name).
async fn offered(s: &AppState, c: &Caller) -> Result<Vec<(String, String)>, WebError> {
    Ok(agencies_for(s, c, Action::ViewTrading)
        .await?
        .into_iter()
        .map(|a| (a.code, a.name))
        .collect())
}

/// One violation as a row.
struct ViolationRow {
    rule: &'static str,
    code: &'static str,
    notice: String,
    title: String,
    /// The notice's current version when it was corrected (> 1).
    version: Option<i64>,
    project: String,
    section: Option<String>,
    href: Option<String>,
    expected: String,
    actual: String,
    provisional: bool,
    message: String,
}

fn violation_row(agency: &str, v: &Violation, n: Option<&Notice>, version: i64) -> ViolationRow {
    let project = n.map(|n| n.project.clone()).unwrap_or_default();
    ViolationRow {
        rule: v.code.label(),
        code: v.code.code(),
        notice: v.notice.clone(),
        title: n.map(|n| n.title.clone()).unwrap_or_default(),
        version: (version > 1).then_some(version),
        href: v
            .section
            .as_deref()
            .map(|sec| section_href(agency, &project, sec)),
        project,
        section: v.section.clone(),
        expected: v.expected.clone(),
        actual: v.actual.clone().unwrap_or_else(|| "—".into()),
        provisional: v.provisional,
        message: v.message.clone(),
    }
}

#[derive(Deserialize)]
struct QueueQuery {
    agency: Option<String>,
    /// Only the violations of this rule (`RuleCode`'s code).
    code: Option<String>,
}

struct RuleCount {
    code: &'static str,
    label: &'static str,
    count: usize,
    href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_trading.html")]
struct QueuePage {
    chrome: Chrome,
    agency: String,
    agency_name: String,
    agencies: Vec<(String, String)>,
    counts: Vec<RuleCount>,
    total: usize,
    /// The rule the list is narrowed to (its label).
    only: Option<&'static str>,
    all_href: String,
    bidders_href: String,
    rules_href: String,
    shown: usize,
    matching: usize,
    rows: Vec<ViolationRow>,
}

async fn queue(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> Response {
    let c = match page_user(&s, &headers, Action::ViewTrading, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let a = chosen_agency(&s, &c, q.agency.as_deref()).await?;
        let only = match q.code.as_deref().filter(|x| !x.is_empty()) {
            Some(code) => Some(RuleCode::from_code(code).map_err(bad_request)?),
            None => None,
        };
        let current = s.db.current_notices(&a.code).await?;
        let cal = s.db.calendar().await?;
        let notices: Vec<Notice> = current.iter().map(|n| n.notice.clone()).collect();
        let by_id: HashMap<&str, (usize, i64, i64)> = current
            .iter()
            .enumerate()
            .map(|(i, n)| (n.notice.id.as_str(), (i, n.seq, n.version)))
            .collect();
        let cfg = s.db.rule_config(&a.code).await?;
        let mut violations = check_all(&notices, &cal, &cfg);
        // Newest change first; within one notice, the rules' order.
        violations.sort_by_key(|v| {
            std::cmp::Reverse(by_id.get(v.notice.as_str()).map(|x| x.1).unwrap_or(0))
        });
        let counts = RuleCode::ALL
            .iter()
            .filter_map(|r| {
                let n = violations.iter().filter(|v| v.code == *r).count();
                (n > 0).then(|| RuleCount {
                    code: r.code(),
                    label: r.label(),
                    count: n,
                    href: format!("/admin/trading?agency={}&code={}", enc(&a.code), r.code()),
                })
            })
            .collect();
        let total = violations.len();
        let matching: Vec<&Violation> = violations
            .iter()
            .filter(|v| only.is_none_or(|o| v.code == o))
            .collect();
        let rows = matching
            .iter()
            .take(QUEUE_ROWS)
            .map(|v| {
                let at = by_id.get(v.notice.as_str());
                violation_row(
                    &a.code,
                    v,
                    at.map(|x| &current[x.0].notice),
                    at.map(|x| x.2).unwrap_or(1),
                )
            })
            .collect::<Vec<_>>();
        Ok::<_, WebError>(QueuePage {
            chrome: Chrome::of(&c),
            agencies: offered(&s, &c).await?,
            counts,
            total,
            only: only.map(|o| o.label()),
            all_href: format!("/admin/trading?agency={}", enc(&a.code)),
            bidders_href: format!("/admin/trading/bidders?agency={}", enc(&a.code)),
            rules_href: format!("/admin/trading/{}/rules", enc(&a.code)),
            shown: rows.len(),
            matching: matching.len(),
            rows,
            agency: a.code,
            agency_name: a.name,
        })
    }
    .await;
    match result {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

pub(crate) struct VersionRow {
    pub published: String,
    pub kind: &'static str,
    pub notice: String,
    pub title: String,
    pub version: i64,
    pub correction: bool,
    pub superseded: bool,
    pub dates: String,
    pub bidders: String,
}

fn dates_text(n: &Notice) -> String {
    n.dates
        .iter()
        .map(|(k, v)| format!("{}：{}", k.label(), iso(v.date)))
        .collect::<Vec<_>>()
        .join("；")
}

fn bidders_text(n: &Notice) -> String {
    n.bidders
        .iter()
        .map(|b| format!("{}（{}）", b.name, b.uscc))
        .collect::<Vec<_>>()
        .join("、")
}

pub(crate) struct StageRow {
    pub label: String,
    pub state: &'static str,
    pub detail: String,
    pub late: bool,
}

/// The stage rows of a section's status. `with_late` marks the stages published late or
/// overdue (the back office shows it; the portal shows the stages without that judgement).
pub(crate) fn stage_rows(status: &SectionStatus, with_late: bool) -> Vec<StageRow> {
    status
        .stages
        .iter()
        .map(|g| StageRow {
            label: g.label.clone(),
            state: g.state.label(),
            detail: stage_detail(&g.state),
            late: with_late
                && matches!(
                    g.state,
                    StageState::Late { .. } | StageState::Published { on_time: false, .. }
                ),
        })
        .collect()
}

pub(crate) fn stage_detail(s: &StageState) -> String {
    match s {
        StageState::Published { on, notice, .. } => format!("{} 公告 {notice}", iso(*on)),
        StageState::Due { by: Some(by) } => format!("应于 {} 前公开", iso(*by)),
        StageState::Late { due } => format!("应于 {} 前公开", iso(*due)),
        StageState::Due { by: None } | StageState::Waiting | StageState::Terminated => {
            String::new()
        }
    }
}

#[derive(Deserialize)]
struct TimelineQuery {
    /// 截至日期 YYYY-MM-DD（默认今天，北京时间）
    as_of: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_trading_section.html")]
struct SectionPage {
    chrome: Chrome,
    queue_href: String,
    project: String,
    project_name: String,
    section: String,
    section_name: String,
    ocid: String,
    category: &'static str,
    as_of: String,
    completed_on: String,
    terminated_on: String,
    /// False when no notice of the section is published by `as_of`.
    has_status: bool,
    stages: Vec<StageRow>,
    versions: Vec<VersionRow>,
    project_notices: Vec<VersionRow>,
    violations: Vec<ViolationRow>,
}

pub(crate) fn version_row(n: &Notice, version: i64, current: bool) -> VersionRow {
    VersionRow {
        published: beijing_minute(n),
        kind: n.ntype.label(),
        notice: n.id.clone(),
        title: n.title.clone(),
        version,
        correction: version > 1,
        superseded: !current,
        dates: dates_text(n),
        bidders: bidders_text(n),
    }
}

async fn timeline(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, project, section)): Path<(String, String, String)>,
    Query(q): Query<TimelineQuery>,
) -> Response {
    let c = match page_user(&s, &headers, Action::ViewTrading, Scope::Agency(&agency)).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let as_of = match q.as_of.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => parse_date(d, "as_of").map_err(bad_request)?,
            None => (s.today)(),
        };
        let tl =
            s.db.section_timeline(&agency, &project, &section)
                .await?
                .ok_or_else(|| {
                    WebError(
                        StatusCode::NOT_FOUND,
                        format!("未找到项目“{project}”的标段“{section}”"),
                    )
                })?;
        let cal = s.db.calendar().await?;
        let current = tl.current();
        let cfg = s.db.rule_config(&agency).await?;
        let status = section_status(&current, &cal, &cfg, as_of);
        let versions_of: HashMap<&str, i64> = tl
            .versions
            .iter()
            .filter(|v| v.current)
            .map(|v| (v.notice.id.as_str(), v.version))
            .collect();
        let category = current
            .first()
            .or(tl.versions.first().map(|v| &v.notice))
            .map(|n| n.category.label())
            .unwrap_or("");
        let (stages, violations, completed_on, terminated_on) = match &status {
            Some(st) => (
                stage_rows(st, true),
                st.violations
                    .iter()
                    .map(|v| {
                        violation_row(
                            &agency,
                            v,
                            current.iter().find(|n| n.id == v.notice),
                            versions_of.get(v.notice.as_str()).copied().unwrap_or(1),
                        )
                    })
                    .collect(),
                st.completed_on.map(iso).unwrap_or_default(),
                st.terminated_on.map(iso).unwrap_or_default(),
            ),
            None => (Vec::new(), Vec::new(), String::new(), String::new()),
        };
        Ok::<_, WebError>(SectionPage {
            chrome: Chrome::of(&c),
            queue_href: format!("/admin/trading?agency={}", enc(&agency)),
            project: tl.project.clone(),
            project_name: tl.project_name.clone(),
            section: tl.section.clone(),
            section_name: tl.section_name.clone(),
            ocid: tl.ocid.clone(),
            category,
            as_of: iso(as_of),
            completed_on,
            terminated_on,
            has_status: status.is_some(),
            stages,
            versions: tl
                .versions
                .iter()
                .map(|v| version_row(&v.notice, v.version, v.current))
                .collect(),
            project_notices: tl
                .project_notices
                .iter()
                .map(|n| version_row(n, 0, true))
                .collect(),
            violations,
        })
    }
    .await;
    match result {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct BidderSearch {
    agency: Option<String>,
    q: Option<String>,
}

/// The longest search text accepted.
const MAX_Q: usize = 100;

/// How a search text is read: 15 or more ASCII letters and digits are a 统一社会信用代码 (and
/// must be a valid one), anything else a part of a name.
fn bidder_query(q: &str) -> Result<BidderQuery, String> {
    let q = q.trim();
    if q.chars().count() > MAX_Q {
        return Err(format!(
            "字段“q”（企业名称或统一社会信用代码）过长：最多 {MAX_Q} 个字符"
        ));
    }
    if q.len() >= 15 && q.chars().all(|c| c.is_ascii_alphanumeric()) {
        let code = q.to_ascii_uppercase();
        gongkai_domain::uscc::validate(&code, "统一社会信用代码").map_err(|e| e.to_string())?;
        return Ok(BidderQuery::Uscc(code));
    }
    Ok(BidderQuery::Name(q.to_string()))
}

struct HitSection {
    agency_name: String,
    project: String,
    project_name: String,
    section: String,
    href: Option<String>,
    notices: Vec<String>,
}

struct HitCompany {
    name: String,
    uscc: String,
    sections: Vec<HitSection>,
}

/// Groups appearances by company (统一社会信用代码), then by section, in the order found.
fn group_hits(hits: &[BidderHit]) -> Vec<HitCompany> {
    let mut out: Vec<HitCompany> = Vec::new();
    for h in hits {
        let company = match out.iter().position(|c| c.uscc == h.uscc) {
            Some(i) => &mut out[i],
            None => {
                out.push(HitCompany {
                    name: h.name.clone(),
                    uscc: h.uscc.clone(),
                    sections: Vec::new(),
                });
                let last = out.len() - 1;
                &mut out[last]
            }
        };
        let section_label = match (&h.section, &h.section_name) {
            (Some(code), Some(name)) if name != code => format!("{code} {name}"),
            (Some(code), _) => code.clone(),
            (None, _) => "（无标段）".to_string(),
        };
        let kind = NoticeType::from_code(&h.notice_type)
            .map(|t| t.label())
            .unwrap_or("");
        let line = format!("{} {kind} {}「{}」", iso(h.published_on), h.notice, h.title);
        let found = company.sections.iter().position(|sec| {
            sec.project == h.project
                && sec.section == section_label
                && sec.agency_name == h.agency_name
        });
        match found {
            Some(i) => company.sections[i].notices.push(line),
            None => company.sections.push(HitSection {
                agency_name: h.agency_name.clone(),
                project: h.project.clone(),
                project_name: h.project_name.clone(),
                href: h
                    .section
                    .as_deref()
                    .map(|sec| section_href(&h.agency, &h.project, sec)),
                section: section_label,
                notices: vec![line],
            }),
        }
    }
    out
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_trading_bidders.html")]
struct BiddersPage {
    chrome: Chrome,
    agency: String,
    agencies: Vec<(String, String)>,
    q: String,
    searched: bool,
    message: Option<String>,
    companies: Vec<HitCompany>,
    appearances: usize,
    capped: bool,
}

async fn bidders(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(f): Query<BidderSearch>,
) -> Response {
    let c = match page_user(&s, &headers, Action::ViewTrading, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let mine = agencies_for(&s, &c, Action::ViewTrading).await?;
        let chosen = match f.agency.as_deref().filter(|a| !a.is_empty()) {
            Some(code) => Some(chosen_agency(&s, &c, Some(code)).await?),
            None => None,
        };
        // Within the chosen agency's subtree, else every agency the caller may view (all of
        // the subtree is viewable: a grant covers it, so walking parents stays in `mine`).
        let parent: HashMap<i64, Option<i64>> = mine.iter().map(|a| (a.id, a.parent_id)).collect();
        let ids: Vec<i64> = mine
            .iter()
            .filter(|a| match &chosen {
                None => true,
                Some(root) => {
                    let mut at = Some(a.id);
                    let mut steps = 0;
                    while let Some(id) = at {
                        if id == root.id {
                            return true;
                        }
                        steps += 1;
                        if steps > 64 {
                            break;
                        }
                        at = parent.get(&id).copied().flatten();
                    }
                    false
                }
            })
            .map(|a| a.id)
            .collect();
        let mut page = BiddersPage {
            chrome: Chrome::of(&c),
            agency: chosen.as_ref().map(|a| a.code.clone()).unwrap_or_default(),
            agencies: mine
                .iter()
                .map(|a| (a.code.clone(), a.name.clone()))
                .collect(),
            q: f.q.clone().unwrap_or_default(),
            searched: false,
            message: None,
            companies: Vec::new(),
            appearances: 0,
            capped: false,
        };
        let text = f.q.as_deref().unwrap_or("").trim();
        if text.is_empty() {
            return Ok::<_, WebError>((StatusCode::OK, page));
        }
        let query = match bidder_query(text) {
            Ok(q) => q,
            Err(m) => {
                page.message = Some(m);
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page));
            }
        };
        let hits = s.db.bidder_hits(&ids, &query).await?;
        page.searched = true;
        page.appearances = hits.len();
        page.capped = hits.len() as i64 >= BIDDER_HITS;
        page.companies = group_hits(&hits);
        Ok((StatusCode::OK, page))
    }
    .await;
    match result {
        Ok((status, p)) => (status, p).into_response(),
        Err(e) => e.into_response(),
    }
}
