//! Trading notices over HTTP: a trading system pushes notices (`POST /api/v1/admin/notices`,
//! a token holding `PushNotices` in the agency), and anyone can follow every published notice
//! version in change order (`GET /api/v1/feed/notices`, contracts.md §6). Import and rules are
//! `gongkai_db::trading`'s and `gongkai_domain::trading`'s: the same as `gongkai notices import`.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gongkai_db::AuditEntry;
use gongkai_db::DbError;
use gongkai_db::trading::{FEED_PAGE, parse_notices};
use gongkai_domain::auth::Action;
use gongkai_domain::trading::{FeedCursor, RuleConfig, Violation};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AppState;
use crate::guard::{Scope, api_error, api_json_writer, api_user};

/// The API of trading notices (documented from these handlers, see `openapi`).
pub(crate) fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(push))
        .routes(utoipa_axum::routes!(rules, set_rules))
        .routes(utoipa_axum::routes!(feed))
        .routes(utoipa_axum::routes!(feed_entry))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AgencyQuery {
    /// 机构代码
    agency: Option<String>,
}

/// What a push did.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(description = "导入结果：新增、更正、未变的条数，以及这些公告在其标段中的时限与要素违规")]
pub struct Pushed {
    pub new: usize,
    pub corrected: usize,
    pub unchanged: usize,
    #[schema(value_type = Vec<Object>)]
    pub violations: Vec<Violation>,
}

/// The refusals of every agency-scoped operation here besides its own 403 (documentation
/// only: handlers answer with `ApiError` bodies).
#[derive(utoipa::IntoResponses)]
#[expect(dead_code, reason = "read by utoipa only")]
enum AgencyRefusals {
    /// 未登录且未提供 API 令牌
    #[response(status = 401)]
    Unauthenticated(crate::openapi::ApiError),
    /// 未找到机构
    #[response(status = 404)]
    UnknownAgency(crate::openapi::ApiError),
}

/// Imports one notice (a JSON object, contracts.md §3) or several (an array) into an agency.
#[utoipa::path(post, path = "/api/v1/admin/notices", tag = "交易公告",
    summary = "推送交易公告（一个 JSON 对象或数组，与 notices import 的一行相同）", description = "推送交易公告：同一编号内容相同不变，内容不同为更正版本；全部在一个事务中，任何一条有误则全部不导入。",
    security(("bearer" = []), ("session" = [])),
    params(AgencyQuery, crate::openapi::Csrf),
    request_body(content = Object, description = "一条公告或公告数组（contracts.md §3）"),
    responses(
        (status = 200, description = "已导入", body = Pushed),
        (status = 403, description = "没有该机构的推送权限", body = crate::openapi::ApiError),
        AgencyRefusals,
        (status = 422, description = "公告不合规则（第几条、哪个字段），未做任何改动", body = crate::openapi::ApiError),
    ))]
async fn push(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AgencyQuery>,
    body: axum::body::Bytes,
) -> Response {
    let agency = q.agency.unwrap_or_default();
    let (c, given) = match api_json_writer(
        &s,
        &headers,
        Action::PushNotices,
        Scope::Agency(&agency),
        &body,
    )
    .await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    let items = match given {
        Value::Array(a) => a,
        other => vec![other],
    };
    let text = items
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    let result = async {
        let notices = parse_notices(&text)?;
        let cal = s.db.calendar().await?;
        let entry = c
            .audit("推送交易公告")
            .agency(&agency)
            .detail(format!("{} 条", notices.len()));
        s.db.write(&entry, async |tx| {
            let a = tx.agency(&agency).await?;
            let cfg = tx.rule_config(a.id).await?;
            tx.import_notices(&agency, &notices, &cal, &cfg).await
        })
        .await
    }
    .await;
    match result {
        Ok(done) => Json(Pushed {
            new: done.new,
            corrected: done.corrected,
            unchanged: done.unchanged,
            violations: done.violations,
        })
        .into_response(),
        Err(DbError::UnknownAgency(a)) => {
            api_error(StatusCode::NOT_FOUND, &format!("未找到机构“{a}”"))
        }
        Err(e @ (DbError::Import(_) | DbError::Domain(_) | DbError::Conflict(_))) => {
            api_error(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string())
        }
        Err(e) => crate::WebError::from(e).into_api_response(),
    }
}

/// An agency's configuration of the trading rules as JSON (`RuleConfig`, see the README).
#[utoipa::path(get, path = "/api/v1/admin/notices/rules", tag = "交易公告",
    summary = "机构的交易规则配置（停用的规则、免除或增加的公开要素、全流程阶段）",
    security(("bearer" = []), ("session" = [])),
    params(AgencyQuery),
    responses(
        (status = 200, description = "当前配置（未设置过的为默认配置）", body = Object),
        (status = 403, description = "不是该机构的管理员", body = crate::openapi::ApiError),
        AgencyRefusals,
    ))]
async fn rules(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AgencyQuery>,
) -> Response {
    let agency = q.agency.unwrap_or_default();
    if let Err(r) = api_user(&s, &headers, Action::Administer, Scope::Agency(&agency)).await {
        return r;
    }
    match s.db.rule_config(&agency).await {
        Ok(cfg) => Json(cfg.to_json()).into_response(),
        Err(e) => rules_error(e),
    }
}

/// Replaces an agency's configuration of the trading rules (validated first; audited).
#[utoipa::path(put, path = "/api/v1/admin/notices/rules", tag = "交易公告",
    summary = "替换机构的交易规则配置",
    description = "请求体与 GET 返回的 JSON 相同，省略的项取默认值；有误时返回 422 并指明字段，不做任何改动。标段的全流程完成情况随即按新配置更新。",
    security(("bearer" = []), ("session" = [])),
    params(AgencyQuery, crate::openapi::Csrf),
    request_body(content = Object, description = "规则配置（RuleConfig 的 JSON）"),
    responses(
        (status = 200, description = "已保存；返回保存后的配置", body = Object),
        (status = 403, description = "不是该机构的管理员", body = crate::openapi::ApiError),
        AgencyRefusals,
        (status = 422, description = "配置无效（指明字段），未做任何改动", body = crate::openapi::ApiError),
    ))]
async fn set_rules(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AgencyQuery>,
    body: axum::body::Bytes,
) -> Response {
    let agency = q.agency.unwrap_or_default();
    let (c, given) = match api_json_writer(
        &s,
        &headers,
        Action::Administer,
        Scope::Agency(&agency),
        &body,
    )
    .await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    let cfg = match RuleConfig::from_json(&given) {
        Ok(c) => c,
        Err(e) => return api_error(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
    };
    match save_rules(&s, c.audit("修改交易规则配置"), &agency, &cfg).await {
        Ok(()) => Json(cfg.to_json()).into_response(),
        Err(e) => rules_error(e),
    }
}

/// Stores an agency's rule configuration with its audit row, in one transaction.
pub(crate) async fn save_rules(
    s: &AppState,
    entry: AuditEntry,
    agency: &str,
    cfg: &RuleConfig,
) -> Result<(), DbError> {
    let entry = entry.agency(agency).detail(cfg.to_json().to_string());
    s.db.write(&entry, async |tx| tx.set_rule_config(agency, cfg).await)
        .await
}

fn rules_error(e: DbError) -> Response {
    match e {
        DbError::UnknownAgency(a) => api_error(StatusCode::NOT_FOUND, &format!("未找到机构“{a}”")),
        e @ DbError::Domain(_) => api_error(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
        e => crate::WebError::from(e).into_api_response(),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct FeedQuery {
    /// 上一页返回的 next；省略则从头开始
    cursor: Option<String>,
}

/// A page of the feed.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(
    description = "一页变更：按变更顺序的公告版本（每页至多 100 条），next 为下一页的游标（已到末尾时为 null，稍后可用最后一条的 seq 继续）"
)]
pub struct FeedPage {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
    pub next: Option<String>,
}

/// The public changes feed of trading notices.
#[utoipa::path(get, path = "/api/v1/feed/notices", tag = "交易公告",
    summary = "交易公告变更订阅（公开）", description = "交易公告变更订阅：每个已发布的公告版本按变更顺序恰好出现一次；以 next 游标翻页。",
    params(FeedQuery),
    responses(
        (status = 200, description = "一页变更", body = FeedPage),
        (status = 400, description = "游标无效", body = crate::openapi::ApiError),
    ))]
async fn feed(State(s): State<AppState>, Query(q): Query<FeedQuery>) -> Response {
    let cursor = match FeedCursor::decode(q.cursor.as_deref()) {
        Ok(c) => c,
        Err(e) => return api_error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    match s.db.notice_feed(cursor, FEED_PAGE).await {
        Ok((entries, next)) => Json(FeedPage {
            items: entries.into_iter().map(|e| e.item).collect(),
            next: next.map(FeedCursor::encode),
        })
        .into_response(),
        Err(e) => crate::WebError::from(e).into_api_response(),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
struct SeqPath {
    /// 变更序号（订阅中的 seq）
    seq: i64,
}

/// One item of the public changes feed by its sequence number (what the Atom feeds link to).
#[utoipa::path(get, path = "/api/v1/feed/notices/{seq}", tag = "交易公告",
    summary = "交易公告的一个版本（公开，与订阅中的条目相同）",
    params(SeqPath),
    responses(
        (status = 200, description = "该变更的公告版本", body = Object),
        (status = 404, description = "没有这个变更序号", body = crate::openapi::ApiError),
    ))]
async fn feed_entry(
    State(s): State<AppState>,
    axum::extract::Path(SeqPath { seq }): axum::extract::Path<SeqPath>,
) -> Response {
    match s.db.feed_entry(seq).await {
        Ok(Some(e)) => Json(e.item).into_response(),
        Ok(None) => api_error(StatusCode::NOT_FOUND, &format!("没有变更序号 {seq}")),
        Err(e) => crate::WebError::from(e).into_api_response(),
    }
}
