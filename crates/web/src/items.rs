//! Proactive-disclosure items over the back-office API (contracts.md §7): the list of an
//! agency's items, the item with its versions, reviews, findings and log, and every step of the
//! workflow. The steps are `gongkai_db::publishing`'s `Tx` methods, which ask the domain's
//! `authorize` inside the transaction (separation of duties needs what it reads); a refusal is
//! 403, a step that does not fit the item's state 409, a bad field 422.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gongkai_db::DbError;
use gongkai_db::publishing::{ItemDetail, ItemRow, parse_stage};
use gongkai_domain::auth::Action;
use gongkai_domain::publishing::{ItemFields, ItemState, Verdict};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::AppState;
use crate::guard::{Scope, api_error, api_json_writer, api_user, api_write_user};

/// The API of disclosure items (documented from these handlers, see `openapi`).
pub(crate) fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(list, create))
        .routes(utoipa_axum::routes!(detail, edit))
        .routes(utoipa_axum::routes!(step))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// 机构代码
    agency: Option<String>,
    /// 只列出该状态：draft、in_review、returned、approved、scheduled、published、corrected、withdrawn
    state: Option<String>,
}

/// Maps a storage error of an item operation to its API answer.
pub(crate) fn item_error(e: DbError) -> Response {
    match e {
        DbError::UnknownAgency(a) => api_error(StatusCode::NOT_FOUND, &format!("未找到机构“{a}”")),
        e @ DbError::Denied(_) => api_error(StatusCode::FORBIDDEN, &e.to_string()),
        e @ DbError::NotFound(_) => api_error(StatusCode::NOT_FOUND, &e.to_string()),
        e @ DbError::Conflict(_) => api_error(StatusCode::CONFLICT, &e.to_string()),
        e @ DbError::Domain(_) => api_error(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
        e => crate::WebError::from(e).into_api_response(),
    }
}

/// An agency's items, newest first (contracts.md §7).
#[utoipa::path(get, path = "/api/v1/admin/items", tag = "主动公开",
    summary = "机构的主动公开信息目录（可按状态筛选）",
    security(("bearer" = []), ("session" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "[{id, index_no, title, doc_no, state, column, published_at, versions}]", body = Vec<Object>),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有查看该机构目录的权限", body = crate::openapi::ApiError),
        (status = 404, description = "未找到机构", body = crate::openapi::ApiError),
        (status = 422, description = "未知状态", body = crate::openapi::ApiError),
    ))]
async fn list(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let agency = q.agency.unwrap_or_default();
    if let Err(r) = api_user(&s, &headers, Action::ViewItems, Scope::Agency(&agency)).await {
        return r;
    }
    let state = match q
        .state
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(ItemState::from_code)
    {
        None => None,
        Some(Ok(st)) => Some(st),
        Some(Err(e)) => return api_error(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
    };
    match s.db.items(&agency, state).await {
        Ok(rows) => Json::<Vec<ItemRow>>(rows).into_response(),
        Err(e) => item_error(e),
    }
}

/// What a creation returns.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
    pub index_no: String,
}

/// Creates a draft item in an agency (version 1, with a new 索引号).
#[utoipa::path(post, path = "/api/v1/admin/items", tag = "主动公开",
    summary = "新建主动公开信息（草稿）",
    description = "请求体字段：title 名称、summary 内容概述、body 正文（HTML，经清洗）、doc_no 文号、publisher 发布机构、formed_on 生成日期、attr 公开属性（proactive/on_request/not_public）、legal_ground 不公开的法律依据、art20_item 条例第二十条事项（1–15）、doc_kind（rule/normative_document/other）、repealed_on 废止日期、column 栏目代码。",
    security(("bearer" = []), ("session" = [])),
    params(ListQuery, crate::openapi::Csrf),
    request_body(content = Object, description = "ItemFields（见说明）"),
    responses(
        (status = 201, description = "已创建", body = Created),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有起草权限", body = crate::openapi::ApiError),
        (status = 404, description = "未找到机构", body = crate::openapi::ApiError),
        (status = 422, description = "字段有误（指明字段），未做任何改动", body = crate::openapi::ApiError),
    ))]
async fn create(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
    body: axum::body::Bytes,
) -> Response {
    let agency = q.agency.unwrap_or_default();
    let (c, given) = match api_json_writer(
        &s,
        &headers,
        Action::DraftItems,
        Scope::Agency(&agency),
        &body,
    )
    .await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    let fields = match fields_of(given) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let entry = c
        .audit("新建主动公开信息")
        .agency(&agency)
        .detail(fields.title.clone());
    let now = OffsetDateTime::now_utc();
    match s
        .db
        .write(&entry, async |tx| {
            tx.create_item(&c.principal, &agency, fields, now).await
        })
        .await
    {
        Ok((id, index_no)) => (StatusCode::CREATED, Json(Created { id, index_no })).into_response(),
        Err(e) => item_error(e),
    }
}

/// The fields of a request body, or the 422 that says which is wrong.
fn fields_of(v: Value) -> Result<ItemFields, Box<Response>> {
    serde_json::from_value(v).map_err(|e| {
        Box::new(api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("字段有误：{e}"),
        ))
    })
}

/// The item with everything about it, if the caller may see the item's agency.
async fn visible_item(
    s: &AppState,
    c: &crate::guard::Caller,
    id: i64,
) -> Result<ItemDetail, Response> {
    let d = s.db.item(id).await.map_err(item_error)?;
    let path = s.db.agency_path(&d.agency).await.map_err(item_error)?;
    if !c.may(Action::ViewItems, &path) {
        return Err(api_error(
            StatusCode::FORBIDDEN,
            &Action::ViewItems.refusal(),
        ));
    }
    Ok(d)
}

/// One item: its versions, reviews, pre-publication findings and publication log.
#[utoipa::path(get, path = "/api/v1/admin/items/{id}", tag = "主动公开",
    summary = "一条主动公开信息：各版本、审核记录、发布前检查结果、发布日志",
    security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "信息 id")),
    responses(
        (status = 200, description = "信息详情", body = Object),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有查看该机构目录的权限", body = crate::openapi::ApiError),
        (status = 404, description = "未找到", body = crate::openapi::ApiError),
    ))]
async fn detail(State(s): State<AppState>, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    let c = match api_user(&s, &headers, Action::ViewItems, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match visible_item(&s, &c, id).await {
        Ok(d) => Json(d).into_response(),
        Err(r) => r,
    }
}

/// Replaces the fields of the version in work (a draft or a returned version).
#[utoipa::path(put, path = "/api/v1/admin/items/{id}", tag = "主动公开",
    summary = "修改草稿或被退回的稿件（更正稿须写 change_note 更正说明）",
    security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "信息 id"), crate::openapi::Csrf),
    request_body(content = Object, description = "ItemFields，同新建"),
    responses(
        (status = 200, description = "已修改", body = Object),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有起草权限", body = crate::openapi::ApiError),
        (status = 404, description = "未找到", body = crate::openapi::ApiError),
        (status = 409, description = "该状态的稿件不能修改", body = crate::openapi::ApiError),
        (status = 422, description = "字段有误（指明字段），未做任何改动", body = crate::openapi::ApiError),
    ))]
async fn edit(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Response {
    let (c, given) =
        match api_json_writer(&s, &headers, Action::ViewItems, Scope::Anywhere, &body).await {
            Ok(v) => v,
            Err(r) => return r,
        };
    let fields = match fields_of(given) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let entry = c.audit("修改主动公开信息").object(format!("item {id}"));
    let now = OffsetDateTime::now_utc();
    match s
        .db
        .write(&entry, async |tx| {
            tx.edit_item(&c.principal, id, fields, now).await
        })
        .await
    {
        Ok(()) => Json(serde_json::json!({"id": id})).into_response(),
        Err(e) => item_error(e),
    }
}

/// The body of a workflow step (only the fields the step uses).
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct StepBody {
    /// review：first 初审、second 复审、final 终审、proofread 校对、secrecy 保密审查
    pub stage: Option<String>,
    /// review：pass 通过 或 return 退回
    pub verdict: Option<String>,
    /// review：意见（退回时必填）
    pub comment: Option<String>,
    /// override：检查问题的 key
    pub key: Option<String>,
    /// override、withdraw：理由
    pub reason: Option<String>,
    /// schedule：发布时间（RFC 3339）
    pub at: Option<String>,
}

/// One step of the workflow on an item.
#[utoipa::path(post, path = "/api/v1/admin/items/{id}/{op}", tag = "主动公开",
    summary = "流程操作：submit 提交审核、review 审核（三审三校、保密审查）、override 放行检查问题、schedule 定时发布、unschedule 取消定时、publish 发布、correct 开始更正、withdraw 撤回",
    description = "每一步都经领域授权（含职责分离：不能审核本人稿件，同一稿件的初审、复审、终审、保密审查不能由同一人承担，至少经机构设定的人数）。终审通过须完成初审、复审、三次校对和保密审查，且发布前检查（身份证号、手机号、银行卡号、电子邮箱、密级标志、敏感词）没有未处理的问题。",
    security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "信息 id"), ("op" = String, Path, description = "操作"), crate::openapi::Csrf),
    request_body(content = StepBody, description = "该操作用到的字段"),
    responses(
        (status = 200, description = "已完成；返回信息详情", body = Object),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有该操作的权限，或违反职责分离", body = crate::openapi::ApiError),
        (status = 404, description = "未找到信息或操作", body = crate::openapi::ApiError),
        (status = 409, description = "该状态的稿件不能做此操作（如终审前环节未完成）", body = crate::openapi::ApiError),
        (status = 422, description = "字段有误，未做任何改动", body = crate::openapi::ApiError),
    ))]
async fn step(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((id, op)): Path<(i64, String)>,
    body: axum::body::Bytes,
) -> Response {
    let c = match api_write_user(&s, &headers, Action::ViewItems, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let b: StepBody = if body.iter().all(u8::is_ascii_whitespace) {
        StepBody::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(b) => b,
            Err(e) => {
                return api_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &format!("请求内容不是有效的 JSON：{e}"),
                );
            }
        }
    };
    let now = OffsetDateTime::now_utc();
    let p = &c.principal;
    let Some(label) = step_label(&op) else {
        return api_error(StatusCode::NOT_FOUND, &format!("未知操作“{op}”"));
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let args = StepArgs {
        stage: text(&b.stage),
        verdict: b.verdict.clone().unwrap_or_else(|| "pass".into()),
        comment: text(&b.comment),
        key: text(&b.key),
        reason: text(&b.reason),
        at: text(&b.at),
    };
    let entry = c
        .audit(label)
        .object(format!("item {id}"))
        .detail(args.reason.clone());
    let result =
        s.db.write(&entry, async |tx| {
            run_step(tx, p, id, &op, &args, "at", now).await
        })
        .await;
    match result {
        Ok(()) => match visible_item(&s, &c, id).await {
            Ok(d) => Json(d).into_response(),
            Err(r) => r,
        },
        Err(e) => item_error(e),
    }
}

/// The audit label of a workflow step, `None` for an unknown one.
pub(crate) fn step_label(op: &str) -> Option<&'static str> {
    Some(match op {
        "submit" => "提交审核",
        "review" => "审核主动公开信息",
        "override" => "放行发布前检查问题",
        "schedule" => "定时发布",
        "unschedule" => "取消定时发布",
        "publish" => "发布主动公开信息",
        "correct" => "更正主动公开信息",
        "withdraw" => "撤回主动公开信息",
        _ => return None,
    })
}

/// What a workflow step may use, as given (an API body or a form).
pub(crate) struct StepArgs {
    pub stage: String,
    pub verdict: String,
    pub comment: String,
    pub key: String,
    pub reason: String,
    pub at: String,
}

/// Performs workflow step `op` (one `step_label` knows) on an item inside `tx`, the API's and
/// the back office's one dispatch; `at_field` names the time field in errors.
pub(crate) async fn run_step(
    tx: &mut gongkai_db::Tx,
    p: &gongkai_domain::auth::Principal,
    id: i64,
    op: &str,
    a: &StepArgs,
    at_field: &str,
    now: OffsetDateTime,
) -> Result<(), DbError> {
    match op {
        "submit" => tx.submit_item(p, id, now).await,
        "review" => {
            let stage = parse_stage(&a.stage)?;
            let verdict = Verdict::from_code(&a.verdict)?;
            tx.review_item(p, id, stage, verdict, &a.comment, now)
                .await
                .map(|_| ())
        }
        "override" => tx.override_finding(p, id, &a.key, &a.reason, now).await,
        "schedule" => {
            let at = gongkai_domain::trading::parse_time(&a.at, at_field)?;
            tx.schedule_item(p, id, at, now).await
        }
        "unschedule" => tx.unschedule_item(p, id, now).await,
        "publish" => tx.publish_item(Some(p), id, now).await.map(|_| ()),
        "correct" => tx.correct_item(p, id, now).await.map(|_| ()),
        "withdraw" => tx.withdraw_item(p, id, &a.reason, now).await.map(|_| ()),
        other => Err(DbError::NotFound(format!("未知操作“{other}”"))),
    }
}

/// The job runner of scheduled publication: every 30 seconds, publishes the versions whose
/// time has come. Safe with several `serve` processes on one database: each version is
/// published in its own transaction under the item's row lock and only while it is still
/// scheduled, so a second process finds it published and skips it.
pub(crate) async fn publish_due_loop(db: gongkai_db::Db) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match db.publish_due(OffsetDateTime::now_utc()).await {
            Ok(0) => crate::metrics::job_run("publish_due", true),
            Ok(n) => {
                crate::metrics::job_run("publish_due", true);
                tracing::info!("scheduled publication: {n} item(s) published");
            }
            Err(e) => {
                crate::metrics::job_run("publish_due", false);
                tracing::error!("scheduled publication failed: {e}");
            }
        }
    }
}
