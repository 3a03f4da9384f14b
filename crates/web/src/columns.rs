//! An agency's column tree (栏目) of the 政府信息公开 catalogue, edited by its admins: the page
//! `/admin/columns?agency=CODE` shows the tree (with how many items each column holds) and adds,
//! renames, moves or removes a column; the API does the same (`GET`/`PUT
//! /api/v1/admin/columns?agency=CODE`, `DELETE /api/v1/admin/columns/{code}?agency=CODE`). The
//! writes are `Tx::put_column`/`Tx::delete_column` (`authorize`: `Administer` on the agency)
//! with their audit rows; the domain's `checked_column` judges codes, names and parents.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use gongkai_domain::auth::Action;
use gongkai_domain::publishing::GuideContacts;
use serde::{Deserialize, Serialize};

use crate::chrome::Chrome;
use crate::guard::{
    Caller, Scope, agencies_for, api_json_writer, api_user, api_write_user, field, form_user,
    page_user,
};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/columns", get(page).post(submit))
}

/// The API of the column tree (documented from these handlers, see `openapi`).
pub(crate) fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(api_list, api_put))
        .routes(utoipa_axum::routes!(api_delete))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AgencyQuery {
    /// 机构代码
    agency: Option<String>,
}

/// A column as the API gives and takes it.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct ColumnBody {
    /// 栏目代码（小写字母、数字、_、-）
    pub code: String,
    /// 栏目名称
    pub name: String,
    /// 上级栏目代码（一级栏目为 null）
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_columns.html")]
struct ColumnsPage {
    chrome: Chrome,
    agencies: Vec<(String, String)>,
    agency: String,
    message: Option<String>,
    /// (code, name, parent code, items in it, is a child)
    columns: Vec<(String, String, String, i64, bool)>,
    top: Vec<(String, String)>,
    /// The guide's contacts: (form field, label, value).
    guide: Vec<(&'static str, &'static str, String)>,
}

async fn render(
    s: &AppState,
    c: &Caller,
    agency: Option<String>,
    message: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let agencies = agencies_for(s, c, Action::Administer).await?;
    let agency = match agency.filter(|a| !a.is_empty()) {
        Some(a) => a,
        None => agencies.first().map(|a| a.code.clone()).unwrap_or_default(),
    };
    crate::guard::require(s, c, Action::Administer, Scope::Agency(&agency)).await?;
    let a = s.db.agency(&agency).await?;
    let cols = s.db.columns(a.id).await?;
    let items = s.db.items(&agency, None).await?;
    let count = |code: &str| items.iter().filter(|i| i.column == code).count() as i64;
    // Children under their parent, in the tree's order.
    let mut columns = Vec::new();
    for (code, name, _) in cols.iter().filter(|c| c.2.is_none()) {
        columns.push((
            code.clone(),
            name.clone(),
            String::new(),
            count(code),
            false,
        ));
        for (cc, cn, cp) in cols.iter().filter(|c| c.2.as_deref() == Some(code)) {
            columns.push((
                cc.clone(),
                cn.clone(),
                cp.clone().unwrap_or_default(),
                count(cc),
                true,
            ));
        }
    }
    let top = cols
        .iter()
        .filter(|c| c.2.is_none())
        .map(|c| (c.0.clone(), c.1.clone()))
        .collect();
    let g = s.db.guide_contacts(a.id).await?;
    let guide = GUIDE_FIELDS
        .iter()
        .zip(g.fields())
        .map(|(name, (label, value))| (*name, label, value.to_string()))
        .collect();
    Ok((
        status,
        ColumnsPage {
            chrome: Chrome::of(c),
            agencies: agencies.into_iter().map(|a| (a.code, a.name)).collect(),
            agency,
            message,
            columns,
            top,
            guide,
        },
    )
        .into_response())
}

/// The form fields of the guide's contacts, in `GuideContacts::fields` order.
const GUIDE_FIELDS: [&str; 7] = [
    "office", "address", "hours", "phone", "fax", "postal", "email",
];

fn guide_of(pairs: &[(String, String)]) -> GuideContacts {
    let f = |k: &str| field(pairs, k).to_string();
    GuideContacts {
        office: f("office"),
        address: f("address"),
        hours: f("hours"),
        phone: f("phone"),
        fax: f("fax"),
        postal: f("postal"),
        email: f("email"),
    }
}

async fn page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AgencyQuery>,
) -> Response {
    let c = match page_user(&s, &headers, Action::Administer, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    render(&s, &c, q.agency, None, StatusCode::OK)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// Saves (op=put) or removes (op=delete) a column from the page.
async fn submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AgencyQuery>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let c = match form_user(
        &s,
        &headers,
        Action::Administer,
        Scope::Anywhere,
        field(&pairs, "csrf"),
    )
    .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    let agency = q.agency.clone().unwrap_or_default();
    let code = field(&pairs, "code").to_string();
    let delete = field(&pairs, "op") == "delete";
    if field(&pairs, "op") == "guide" {
        let entry = c.audit("保存公开指南联系信息").object(agency.clone());
        let result =
            s.db.write(&entry, async |tx| {
                tx.set_guide_contacts(&c.principal, &agency, guide_of(&pairs))
                    .await
            })
            .await;
        let (message, status) = match result {
            Ok(()) => (
                "已保存政府信息公开指南的联系信息".to_string(),
                StatusCode::OK,
            ),
            Err(e) => {
                let w = crate::items_pages::page_error(e);
                if w.0.is_server_error() {
                    return w.into_response();
                }
                (w.1, w.0)
            }
        };
        return render(&s, &c, q.agency, Some(message), status)
            .await
            .unwrap_or_else(IntoResponse::into_response);
    }
    let entry = c
        .audit(if delete {
            "删除栏目"
        } else {
            "保存栏目"
        })
        .object(format!("{agency}/{code}"));
    let result =
        s.db.write(&entry, async |tx| {
            if delete {
                tx.delete_column(&c.principal, &agency, &code).await
            } else {
                let parent = field(&pairs, "parent");
                tx.put_column(
                    &c.principal,
                    &agency,
                    &code,
                    field(&pairs, "name"),
                    (!parent.is_empty()).then_some(parent),
                )
                .await
            }
        })
        .await;
    let (message, status) = match result {
        Ok(()) => (
            if delete {
                format!("已删除栏目“{code}”")
            } else {
                format!("已保存栏目“{code}”")
            },
            StatusCode::OK,
        ),
        Err(e) => {
            let w = crate::items_pages::page_error(e);
            if w.0.is_server_error() {
                return w.into_response();
            }
            (w.1, w.0)
        }
    };
    render(&s, &c, q.agency, Some(message), status)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// An agency's column tree, in order.
#[utoipa::path(get, path = "/api/v1/admin/columns", tag = "主动公开",
    summary = "机构的政府信息公开栏目树",
    security(("bearer" = []), ("session" = [])),
    params(AgencyQuery),
    responses(
        (status = 200, description = "[{code, name, parent}]", body = Vec<ColumnBody>),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有查看该机构目录的权限", body = crate::openapi::ApiError),
        (status = 404, description = "未找到机构", body = crate::openapi::ApiError),
    ))]
async fn api_list(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AgencyQuery>,
) -> Response {
    let agency = q.agency.unwrap_or_default();
    if let Err(r) = api_user(&s, &headers, Action::ViewItems, Scope::Agency(&agency)).await {
        return r;
    }
    let result = async {
        let a = s.db.agency(&agency).await?;
        s.db.columns(a.id).await
    }
    .await;
    match result {
        Ok(cols) => Json(
            cols.into_iter()
                .map(|(code, name, parent)| ColumnBody { code, name, parent })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => crate::items::item_error(e),
    }
}

/// Adds a column, or renames or moves one (by its code).
#[utoipa::path(put, path = "/api/v1/admin/columns", tag = "主动公开",
    summary = "新增、改名或移动栏目（机构管理员）",
    security(("bearer" = []), ("session" = [])),
    params(AgencyQuery, crate::openapi::Csrf),
    request_body(content = ColumnBody),
    responses(
        (status = 200, description = "已保存：{code}", body = Object),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "不是该机构的管理员", body = crate::openapi::ApiError),
        (status = 404, description = "未找到机构", body = crate::openapi::ApiError),
        (status = 422, description = "字段有误（指明字段），未做任何改动", body = crate::openapi::ApiError),
    ))]
async fn api_put(
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
    let col: ColumnBody = match serde_json::from_value(given) {
        Ok(c) => c,
        Err(e) => {
            return crate::guard::api_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("栏目：{e}（应为 {{\"code\", \"name\", \"parent\"}}）"),
            );
        }
    };
    let entry = c.audit("保存栏目").object(format!("{agency}/{}", col.code));
    match s
        .db
        .write(&entry, async |tx| {
            tx.put_column(
                &c.principal,
                &agency,
                &col.code,
                &col.name,
                col.parent.as_deref(),
            )
            .await
        })
        .await
    {
        Ok(()) => Json(serde_json::json!({ "code": col.code.trim() })).into_response(),
        Err(e) => crate::items::item_error(e),
    }
}

/// Removes a column that holds no item and has no children.
#[utoipa::path(delete, path = "/api/v1/admin/columns/{code}", tag = "主动公开",
    summary = "删除没有信息、没有下级栏目的栏目（机构管理员）",
    security(("bearer" = []), ("session" = [])),
    params(("code" = String, Path, description = "栏目代码"), AgencyQuery, crate::openapi::Csrf),
    responses(
        (status = 200, description = "已删除：{removed}", body = Object),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "不是该机构的管理员", body = crate::openapi::ApiError),
        (status = 404, description = "没有该栏目", body = crate::openapi::ApiError),
        (status = 409, description = "栏目中还有信息或下级栏目，或为年报栏目", body = crate::openapi::ApiError),
    ))]
async fn api_delete(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<AgencyQuery>,
) -> Response {
    let agency = q.agency.unwrap_or_default();
    let c = match api_write_user(&s, &headers, Action::Administer, Scope::Agency(&agency)).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let entry = c.audit("删除栏目").object(format!("{agency}/{code}"));
    match s
        .db
        .write(&entry, async |tx| {
            tx.delete_column(&c.principal, &agency, &code).await
        })
        .await
    {
        Ok(()) => Json(serde_json::json!({ "removed": code })).into_response(),
        Err(e) => crate::items::item_error(e),
    }
}
