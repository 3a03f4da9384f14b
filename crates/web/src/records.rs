//! The records behind table 二 and the report's figures (issue 10 item 6) in the back office:
//! `/admin/records?agency=CODE&year=YYYY` lists an agency's decisions, fees, policy pushes and
//! loans, channels and posts of a year, with the totals the report takes from them, and enters
//! one record from a form or many pasted as JSON Lines; the API takes a JSON record or an array
//! (`POST /api/v1/admin/records?agency=CODE`) and lists a year's (`GET`). Every write is
//! `Tx::put_records` (`authorize`: `RecordFigures` on the agency) with its audit row, idempotent
//! by each record's natural key (`gongkai_domain::records`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use gongkai_db::DbError;
use gongkai_db::records::{RecordRow, RecordSummary};
use gongkai_domain::DomainError;
use gongkai_domain::auth::Action;
use gongkai_domain::codes::{ChannelKind, DecisionKind};
use gongkai_domain::numfmt::fen_to_yuan;
use gongkai_domain::period::iso;
use gongkai_domain::records::{Record, parse_records, type_label};
use serde::Deserialize;
use serde_json::{Map, Value};
use time::Date;

use crate::chrome::Chrome;
use crate::guard::{
    Caller, Scope, agencies_for, api_error, api_json_writer, api_user, field, form_user, page_user,
};
use crate::items_pages::page_error;
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/records", get(page).post(submit))
}

/// The API of records (documented from these handlers, see `openapi`).
pub(crate) fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(api_list, api_put))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct RecordsQuery {
    /// 机构代码（页面缺省为第一个可登记的机构）
    agency: Option<String>,
    /// 年度（缺省为今年）
    year: Option<i32>,
}

struct Line {
    date: String,
    kind: &'static str,
    what: String,
    detail: String,
    value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_records.html")]
struct RecordsPage {
    chrome: Chrome,
    agencies: Vec<(String, String)>,
    agency: String,
    year: i32,
    message: Option<String>,
    lines: Vec<Line>,
    /// The totals the report takes: (what, value).
    totals: Vec<(String, String)>,
    channels: Vec<(String, String, &'static str)>,
    channel_kinds: Vec<(&'static str, &'static str)>,
    decision_kinds: Vec<(&'static str, &'static str)>,
}

fn year_range(year: i32) -> Result<(Date, Date), WebError> {
    let bad = || {
        WebError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("year（年度）：“{year}”不是有效年度"),
        )
    };
    let from = Date::from_calendar_date(year, time::Month::January, 1).map_err(|_| bad())?;
    let to = Date::from_calendar_date(year, time::Month::December, 31).map_err(|_| bad())?;
    Ok((from, to))
}

/// The totals of a year's records, as the report counts them.
fn totals(rows: &[RecordRow]) -> Vec<(String, String)> {
    let count = |k: &str| rows.iter().filter(|r| r.kind == k).count();
    let sum = |k: &str| {
        rows.iter()
            .filter(|r| r.kind == k)
            .map(|r| r.value)
            .sum::<i64>()
    };
    let mut out: Vec<(String, String)> = DecisionKind::ALL
        .iter()
        .map(|d| {
            let n = rows
                .iter()
                .filter(|r| r.kind == "decision" && r.what == d.code())
                .count();
            (format!("{}（件）", d.label()), n.to_string())
        })
        .collect();
    out.push(("行政事业性收费（元）".into(), fen_to_yuan(sum("fee"))));
    out.push(("政策推送（次）".into(), count("push").to_string()));
    out.push((
        "政策性贷款（笔 / 元）".into(),
        format!("{} / {}", count("loan"), fen_to_yuan(sum("loan"))),
    ));
    let mut channels: Vec<&str> = rows
        .iter()
        .filter(|r| r.kind == "post")
        .map(|r| r.what.as_str())
        .collect();
    channels.dedup();
    for c in channels {
        let posts: Vec<&RecordRow> = rows
            .iter()
            .filter(|r| r.kind == "post" && r.what == c)
            .collect();
        out.push((
            format!("{c}：发布（条）/ 阅读量"),
            format!(
                "{} / {}",
                posts.len(),
                posts.iter().map(|r| r.value).sum::<i64>()
            ),
        ));
    }
    out
}

fn line(r: &RecordRow) -> Line {
    let (what, value) = match r.kind.as_str() {
        "decision" => (
            DecisionKind::from_code(&r.what)
                .map(|d| d.label().to_string())
                .unwrap_or_else(|_| r.what.clone()),
            String::new(),
        ),
        "fee" | "loan" => (r.what.clone(), format!("{} 元", fen_to_yuan(r.value))),
        "post" => (r.what.clone(), format!("阅读 {}", r.value)),
        _ => (r.what.clone(), String::new()),
    };
    Line {
        date: iso(r.date),
        kind: type_label(&r.kind),
        what,
        detail: r.detail.clone(),
        value,
    }
}

async fn render(
    s: &AppState,
    c: &Caller,
    agency: Option<String>,
    year: Option<i32>,
    message: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let agencies = agencies_for(s, c, Action::RecordFigures).await?;
    let agency = match agency.filter(|a| !a.is_empty()) {
        Some(a) => a,
        None => agencies.first().map(|a| a.code.clone()).unwrap_or_default(),
    };
    crate::guard::require(s, c, Action::RecordFigures, Scope::Agency(&agency)).await?;
    let year = year.unwrap_or_else(|| (s.today)().year());
    let (from, to) = year_range(year)?;
    let a = s.db.agency(&agency).await?;
    let rows = s.db.records_of(a.id, from, to).await?;
    let channels =
        s.db.channels(a.id)
            .await?
            .into_iter()
            .map(|(code, name, kind)| {
                let label = ChannelKind::from_code(&kind).map_or("", |k| k.label());
                (code, name, label)
            })
            .collect();
    Ok((
        status,
        RecordsPage {
            chrome: Chrome::of(c),
            agencies: agencies.into_iter().map(|a| (a.code, a.name)).collect(),
            agency,
            year,
            message,
            totals: totals(&rows),
            lines: rows.iter().map(line).collect(),
            channels,
            channel_kinds: ChannelKind::ALL
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            decision_kinds: DecisionKind::ALL
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
        },
    )
        .into_response())
}

async fn page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<RecordsQuery>,
) -> Response {
    let c = match page_user(&s, &headers, Action::RecordFigures, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    render(&s, &c, q.agency, q.year, None, StatusCode::OK)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// The form's single record as the JSON object `Record::from_json` reads: every non-empty
/// field of the form but the CSRF token and the pasted batch.
/// A channel's category comes from its own select (`kind_channel`), a decision's from `kind`.
fn form_record(pairs: &[(String, String)]) -> Value {
    let channel = field(pairs, "type") == "channel";
    let mut m = Map::new();
    for (k, v) in pairs {
        if matches!(k.as_str(), "csrf" | "records" | "agency" | "year") || v.trim().is_empty() {
            continue;
        }
        let k = match (k.as_str(), channel) {
            ("kind", true) | ("kind_channel", false) => continue,
            ("kind_channel", true) => &"kind".to_string(),
            _ => k,
        };
        let value = if k == "reads" {
            v.trim()
                .parse::<i64>()
                .map_or_else(|_| Value::String(v.clone()), Value::from)
        } else {
            Value::String(v.clone())
        };
        m.insert(k.clone(), value);
    }
    Value::Object(m)
}

async fn submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<RecordsQuery>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let c = match form_user(
        &s,
        &headers,
        Action::RecordFigures,
        Scope::Anywhere,
        field(&pairs, "csrf"),
    )
    .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    let agency = q.agency.clone().unwrap_or_default();
    let result = async {
        let batch = field(&pairs, "records");
        let records = if batch.trim().is_empty() {
            vec![(1, Record::from_json(&form_record(&pairs))?)]
        } else {
            parse_records(batch)?
        };
        Ok::<_, DomainError>(records)
    }
    .await;
    let records = match result {
        Ok(r) => r,
        Err(e) => {
            return render(
                &s,
                &c,
                q.agency,
                q.year,
                Some(e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
            .unwrap_or_else(IntoResponse::into_response);
        }
    };
    let entry = c
        .audit("登记表二与渠道数据")
        .object(agency.clone())
        .detail(format!("{} 条", records.len()));
    match s
        .db
        .write(&entry, async |tx| {
            tx.put_records(&c.principal, &agency, &records).await
        })
        .await
    {
        Ok(sum) => render(
            &s,
            &c,
            q.agency,
            q.year,
            Some(summary_text(&sum)),
            StatusCode::OK,
        )
        .await
        .unwrap_or_else(IntoResponse::into_response),
        Err(e @ DbError::Domain(_)) => render(
            &s,
            &c,
            q.agency,
            q.year,
            Some(e.to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
        .unwrap_or_else(IntoResponse::into_response),
        Err(e) => page_error(e).into_response(),
    }
}

fn summary_text(s: &RecordSummary) -> String {
    format!(
        "已登记：新增 {} 条，更新 {} 条，未变 {} 条",
        s.added, s.updated, s.unchanged
    )
}

/// An agency's records of a year.
#[utoipa::path(get, path = "/api/v1/admin/records", tag = "表二与渠道数据",
    summary = "机构某年度的行政决定、收费、政策推送与贷款、渠道发布与阅读量",
    security(("bearer" = []), ("session" = [])),
    params(RecordsQuery),
    responses(
        (status = 200, description = "[{kind, date, what, detail, value}]：value 为金额（分）或阅读量", body = Vec<Object>),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有登记权限", body = crate::openapi::ApiError),
        (status = 404, description = "未找到机构", body = crate::openapi::ApiError),
        (status = 422, description = "参数有误（指明字段）", body = crate::openapi::ApiError),
    ))]
async fn api_list(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<RecordsQuery>,
) -> Response {
    let agency = q.agency.clone().unwrap_or_default();
    if let Err(r) = api_user(&s, &headers, Action::RecordFigures, Scope::Agency(&agency)).await {
        return r;
    }
    let result = async {
        let (from, to) = year_range(q.year.unwrap_or_else(|| (s.today)().year()))?;
        let a = s.db.agency(&agency).await?;
        Ok::<_, WebError>(s.db.records_of(a.id, from, to).await?)
    }
    .await;
    match result {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => e.into_api_response(),
    }
}

/// Enters records: one JSON object or an array of them (see README for the types and fields).
#[utoipa::path(post, path = "/api/v1/admin/records", tag = "表二与渠道数据",
    summary = "登记行政决定、收费、政策推送与贷款、发布渠道、渠道发布与阅读量（一条或数组；按自然键幂等）",
    security(("bearer" = []), ("session" = [])),
    params(RecordsQuery, crate::openapi::Csrf),
    request_body(content = Object, description = "{\"type\": \"decision|fee|push|loan|channel|post\", …} 或其数组"),
    responses(
        (status = 200, description = "{added, updated, unchanged}", body = Object),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有该机构的登记权限", body = crate::openapi::ApiError),
        (status = 404, description = "未找到机构", body = crate::openapi::ApiError),
        (status = 422, description = "记录有误（指明第几条与字段），未做任何改动", body = crate::openapi::ApiError),
    ))]
async fn api_put(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<RecordsQuery>,
    body: axum::body::Bytes,
) -> Response {
    let agency = q.agency.clone().unwrap_or_default();
    let (c, given) = match api_json_writer(
        &s,
        &headers,
        Action::RecordFigures,
        Scope::Agency(&agency),
        &body,
    )
    .await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    let parsed = match &given {
        Value::Array(all) => all
            .iter()
            .enumerate()
            .map(|(i, v)| {
                Record::from_json(v)
                    .map(|r| (i + 1, r))
                    .map_err(|e| DomainError::invalid(format!("记录 #{}", i + 1), e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>(),
        v => Record::from_json(v).map(|r| vec![(1, r)]),
    };
    let records = match parsed {
        Ok(r) => r,
        Err(e) => return api_error(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
    };
    let entry = c
        .audit("登记表二与渠道数据")
        .object(agency.clone())
        .detail(format!("{} 条", records.len()));
    match s
        .db
        .write(&entry, async |tx| {
            tx.put_records(&c.principal, &agency, &records).await
        })
        .await
    {
        Ok(sum) => Json(sum).into_response(),
        Err(e) => crate::items::item_error(e),
    }
}
