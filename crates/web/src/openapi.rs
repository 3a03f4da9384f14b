//! The OpenAPI 3 document of every API operation (`/api/openapi.json`). A test checks that every
//! `/api/` route of the router is described here.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(document))
}

/// Paths and methods of the API, as the router registers them (checked by a test).
pub const OPERATIONS: &[(&str, &str)] = &[
    ("get", "/api/v1/admin/me"),
    ("get", "/api/v1/admin/requests"),
    ("post", "/api/v1/admin/requests/{agency}/events"),
    (
        "get",
        "/api/v1/admin/reports/{agency}/{year}/cells/{row}/{col}",
    ),
    ("post", "/api/v1/admin/audit"),
    ("get", "/api/v1/admin/users"),
    ("post", "/api/v1/admin/users"),
    ("get", "/api/openapi.json"),
];

fn error_responses() -> Value {
    json!({
        "401": {"description": "未登录且未提供 API 令牌"},
        "403": {"description": "没有该操作的权限（会话调用写操作时还须提供 X-CSRF-Token）"}
    })
}

pub fn spec() -> Value {
    let mut paths = serde_json::Map::new();
    let p = |name: &str, inn: &str, desc: &str| json!({"name": name, "in": inn, "required": inn == "path", "description": desc, "schema": {"type": "string"}});
    paths.insert("/api/v1/admin/me".into(), json!({"get": {
        "summary": "当前用户及其角色", "security": [{"bearer": []}, {"session": []}],
        "responses": {"200": {"description": "用户名与角色代码"}, "401": {"description": "未登录"}}}}));
    let mut list_responses = error_responses();
    list_responses["200"] = json!({"description": "案件及其期限（contracts.md §2.3 的字段）",
        "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Clock"}}}}});
    paths.insert("/api/v1/admin/requests".into(), json!({"get": {
        "summary": "依申请公开案件及其法定期限", "security": [{"bearer": []}, {"session": []}],
        "parameters": [p("agency", "query", "机构代码（默认第一个机构）"), p("queue", "query", "open | due_soon | overdue"), p("as_of", "query", "截至日期 YYYY-MM-DD")],
        "responses": list_responses}}));
    let mut ev_responses = error_responses();
    ev_responses["201"] = json!({"description": "已记录"});
    ev_responses["422"] = json!({"description": "事件不合规则（字段、顺序、延期合计超过 20 个工作日等），未做任何改动"});
    paths.insert("/api/v1/admin/requests/{agency}/events".into(), json!({"post": {
        "summary": "记录一件案件事件（与 requests import 的一行相同；延期须负责人）", "security": [{"bearer": []}, {"session": []}],
        "parameters": [p("agency", "path", "机构代码"), {"name": "X-CSRF-Token", "in": "header", "required": false, "schema": {"type": "string"}}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["type", "date"]}}}},
        "responses": ev_responses}}));
    let mut cell_responses = error_responses();
    cell_responses["200"] = json!({"description": "该单元格所计的案件编号"});
    paths.insert("/api/v1/admin/reports/{agency}/{year}/cells/{row}/{col}".into(), json!({"get": {
        "summary": "表三某单元格背后的案件", "security": [{"bearer": []}, {"session": []}],
        "parameters": [p("agency", "path", "机构代码"), p("year", "path", "年度"), p("row", "path", "行代码，如 granted"), p("col", "path", "列代码，如 natural_person 或 total")],
        "responses": cell_responses}}));
    let mut audit_responses = error_responses();
    audit_responses["200"] =
        json!({"description": "读出的报告与发现的问题（contracts.md §5 的结构）"});
    audit_responses["422"] =
        json!({"description": "文件无法读取（空、二进制、无法识别的 PDF 等）"});
    paths.insert("/api/v1/admin/audit".into(), json!({"post": {
        "summary": "年报体检：请求体为报告文件", "security": [{"bearer": []}, {"session": []}],
        "parameters": [p("name", "query", "文件名（扩展名帮助判断格式）")],
        "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": audit_responses}}));
    let mut users_responses = error_responses();
    users_responses["200"] = json!({"description": "调用者管理的用户：编号、用户名、是否停用、角色（机构代码、角色代码）与令牌（编号、创建、有效期、撤销时间；从不含令牌本身）"});
    let mut create_responses = error_responses();
    create_responses["201"] = json!({"description": "已创建（用户、角色与审计记录在同一事务中）"});
    create_responses["422"] = json!({"description": "字段无效（用户名、密码强度、机构、角色）或用户已存在，未做任何改动"});
    paths.insert("/api/v1/admin/users".into(), json!({
        "get": {"summary": "用户及其角色与令牌（须有用户管理权限；顶级机构管理员可见全部）", "security": [{"bearer": []}, {"session": []}],
            "responses": users_responses},
        "post": {"summary": "新建用户并在一个机构授予角色（须有该机构的用户管理权限）", "security": [{"bearer": []}, {"session": []}],
            "parameters": [{"name": "X-CSRF-Token", "in": "header", "required": false, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
                "required": ["name", "password", "agency", "roles"],
                "properties": {"name": {"type": "string"}, "password": {"type": "string"}, "agency": {"type": "string"},
                    "roles": {"type": "array", "items": {"type": "string"}}}}}}},
            "responses": create_responses}}));
    paths.insert("/api/openapi.json".into(), json!({"get": {"summary": "本文档", "responses": {"200": {"description": "OpenAPI 3 文档"}}}}));
    json!({
        "openapi": "3.0.3",
        "info": {"title": "gongkai API", "version": env!("CARGO_PKG_VERSION"), "description": "政府信息公开平台的后台 API。"},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "gongkai token create 生成的令牌"},
                "session": {"type": "apiKey", "in": "cookie", "name": "gk_session"}
            },
            "schemas": {"Clock": {"type": "object", "properties": {
                "request": {"type": "string"}, "applicant_type": {"type": "string"}, "channel": {"type": "string"},
                "received": {"type": "string", "format": "date"}, "clock_start": {"type": "string", "format": "date"},
                "paused_workdays": {"type": "integer"}, "extension_workdays": {"type": "integer"},
                "due": {"type": "string", "format": "date"}, "due_confirmed": {"type": "boolean"},
                "status": {"type": "string", "enum": ["open", "awaiting_correction", "in_consultation", "replied", "withdrawn"]},
                "outcome": {"type": "string", "nullable": true}, "closed_on": {"type": "string", "format": "date", "nullable": true},
                "overdue": {"type": "boolean"}, "correction_notice_late": {"type": "boolean"}}}}
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}
