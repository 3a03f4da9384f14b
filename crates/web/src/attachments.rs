//! Attachments (附件) of catalogue items: uploading to and removing from the version in work in
//! the back office (a multipart form on the item's page) and over the API (`PUT`/`DELETE
//! /api/v1/admin/items/{id}/attachments/{name}`, the body being the file), and serving the
//! files of published versions on the public item page
//! (`/agencies/{code}/items/{id}/files/{version}/{name}`).
//!
//! An upload is judged before anything is read from it: the caller must be allowed to draft in
//! the item's agency, the name and the type (extension and first bytes) must pass the domain's
//! `attachment_name`/`attachment_type`, the body is bounded by `security::body_limit`. Then the
//! text of a PDF, DOCX or plain-text file is extracted by the export crate's bounded readers
//! (PDFs in the sandboxed reader child) on a blocking thread, for the pre-publication checks; a
//! file the reader refuses (a decompression bomb, over a limit) is refused, one it cannot read
//! is stored and reported by the checks as unreadable. The write is `Tx::attach`, which asks
//! `authorize` again inside the transaction with its audit row.

use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json};
use gongkai_db::{DbError, NewAttachment};
use gongkai_domain::auth::Action;
use gongkai_domain::publishing::{attachment_name, attachment_type};
use gongkai_export::read::ReadErrorKind;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::guard::{self, Caller, Scope, api_error, field, form_user};
use crate::items_pages::{item_form_user, page_error};
use crate::portal::file_response;
use crate::{AppState, WebError, security};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/items/{id}/attachments", post(upload))
        .route("/admin/items/{id}/attachments/remove", post(remove))
        .route(
            "/agencies/{code}/items/{id}/files/{version}/{name}",
            get(public_file),
        )
}

/// The API of attachments (documented from these handlers, see `openapi`).
pub(crate) fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(api_put, api_delete))
}

/// Whether `path` takes an attachment upload (its body limit is the attachment's).
pub fn is_upload(path: &str) -> bool {
    let rest = path
        .strip_prefix("/api/v1/admin/items/")
        .or_else(|| path.strip_prefix("/admin/items/"));
    rest.and_then(|r| r.split_once('/'))
        .is_some_and(|(id, tail)| {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && (tail == "attachments" || tail.starts_with("attachments/"))
        })
}

/// Why an upload is refused, as a status and a message naming the field.
type Refusal = (StatusCode, String);

/// Refuses before reading an upload when the caller may not draft in the item's agency.
async fn may_attach(s: &AppState, c: &Caller, id: i64) -> Result<(), Refusal> {
    let agency = s.db.item_agency(id).await.map_err(|e| match e {
        e @ DbError::NotFound(_) => (StatusCode::NOT_FOUND, e.to_string()),
        e => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    })?;
    guard::require(s, c, Action::DraftItems, Scope::Agency(&agency))
        .await
        .map_err(|e| (e.0, e.1))
}

/// An uploaded file made ready to attach: its name and type checked, and its text extracted by
/// the bounded readers when its type carries text the checks read.
pub(crate) async fn prepare(name: &str, bytes: Vec<u8>) -> Result<NewAttachment, Refusal> {
    let unprocessable =
        |e: gongkai_domain::DomainError| (StatusCode::UNPROCESSABLE_ENTITY, e.to_string());
    let name = attachment_name(name).map_err(unprocessable)?;
    let t = attachment_type(&name, &bytes).map_err(unprocessable)?;
    if !t.has_text || bytes.is_empty() {
        return Ok(NewAttachment {
            name,
            bytes,
            text: None,
            unreadable: false,
        });
    }
    let read = tokio::task::spawn_blocking(move || {
        let text = gongkai_export::read::report_text(&name, &bytes);
        (name, bytes, text)
    })
    .await;
    let Ok((name, bytes, text)) = read else {
        return Err((
            StatusCode::INTERNAL_SERVER_ERROR,
            "读取附件失败".to_string(),
        ));
    };
    match text {
        Ok(text) => Ok(NewAttachment {
            name,
            bytes,
            text: Some(text),
            unreadable: false,
        }),
        Err(e) if matches!(e.kind, ReadErrorKind::Refused | ReadErrorKind::TooLarge) => Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("附件无法读取，未上传：{e}"),
        )),
        // Damaged, scanned, or no PDF reader here: stored, and the checks say a person must
        // look at it.
        Err(_) => Ok(NewAttachment {
            name,
            bytes,
            text: None,
            unreadable: true,
        }),
    }
}

#[derive(Deserialize)]
struct CsrfQuery {
    csrf: Option<String>,
}

/// Uploads an attachment from the item's page. The CSRF token is in the query string (the
/// body is multipart).
async fn upload(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<CsrfQuery>,
    mut multipart: Multipart,
) -> Response {
    let csrf = q.csrf.as_deref().unwrap_or("");
    let c = match form_user(&s, &headers, Action::ViewItems, Scope::Anywhere, csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        may_attach(&s, &c, id).await?;
        let mut file: Option<(String, Vec<u8>)> = None;
        loop {
            match multipart.next_field().await {
                Ok(Some(f)) if f.name() == Some("file") => {
                    let name = f.file_name().unwrap_or_default().to_string();
                    let bytes = f
                        .bytes()
                        .await
                        .map_err(|e| (StatusCode::BAD_REQUEST, format!("附件上传失败：{e}")))?;
                    file = Some((name, bytes.to_vec()));
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    return Err((e.status(), format!("附件上传失败：{}", e.body_text())));
                }
            }
        }
        let Some((name, bytes)) = file.filter(|(n, _)| !n.is_empty()) else {
            return Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                "字段“附件”不能为空：请选择文件".to_string(),
            ));
        };
        let file = prepare(&name, bytes).await?;
        let entry = c
            .audit("上传附件")
            .object(format!("item {id}"))
            .detail(file.name.clone());
        let now = OffsetDateTime::now_utc();
        s.db.write(&entry, async |tx| {
            tx.attach(&c.principal, id, file, now).await.map(|_| ())
        })
        .await
        .map_err(|e| {
            let w = page_error(e);
            (w.0, w.1)
        })
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/admin/items/{id}")).into_response(),
        Err((status, message)) => WebError(status, message).into_response(),
    }
}

/// Removes an attachment from the version in work, from the item's page.
async fn remove(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let c = match item_form_user(&s, &headers, &pairs).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let name = field(&pairs, "name").to_string();
    let entry = c
        .audit("删除附件")
        .object(format!("item {id}"))
        .detail(name.clone());
    let now = OffsetDateTime::now_utc();
    match s
        .db
        .write(&entry, async |tx| {
            tx.detach(&c.principal, id, &name, now).await
        })
        .await
    {
        Ok(()) => Redirect::to(&format!("/admin/items/{id}")).into_response(),
        Err(e) => page_error(e).into_response(),
    }
}

/// A file of a published version of a public item; 404 for anything else.
async fn public_file(
    State(s): State<AppState>,
    path: Result<Path<(String, String, String, String)>, axum::extract::rejection::PathRejection>,
) -> Response {
    let not_found = || WebError(StatusCode::NOT_FOUND, "文件不存在".into()).into_response();
    let Ok(Path((code, id, version, name))) = path else {
        return not_found();
    };
    let (Ok(id), Ok(version)) = (id.parse::<i64>(), version.parse::<i32>()) else {
        return not_found();
    };
    if !security::plausible_key(&code, 64) || !security::plausible_key(&name, 200) {
        return not_found();
    }
    let result = async {
        let a = s.db.agency(&code).await?;
        s.db.public_file(a.id, id, version, &name).await
    }
    .await;
    match result {
        Ok(Some((ct, bytes))) => file_response(&name, &ct, bytes, false),
        Ok(None) | Err(DbError::UnknownAgency(_)) => not_found(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Attaches the request body to the version in work of an item, as file `name` (a file of
/// that name is replaced).
#[utoipa::path(put, path = "/api/v1/admin/items/{id}/attachments/{name}", tag = "主动公开",
    summary = "上传附件到草稿或被退回的稿件（请求体为文件；同名附件被替换）",
    security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "信息 id"),
           ("name" = String, Path, description = "附件文件名（扩展名决定类型）"),
           crate::openapi::Csrf),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "附件文件（不超过 20 MB）"),
    responses(
        (status = 201, description = "已上传：{version, name, content_type, size, sha256}", body = Object),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有起草权限", body = crate::openapi::ApiError),
        (status = 404, description = "未找到", body = crate::openapi::ApiError),
        (status = 409, description = "该状态的稿件不能改动附件", body = crate::openapi::ApiError),
        (status = 413, description = "文件超过上限", body = crate::openapi::ApiError),
        (status = 422, description = "文件名、类型或内容不符（指明字段），未做任何改动", body = crate::openapi::ApiError),
    ))]
async fn api_put(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((id, name)): Path<(i64, String)>,
    body: axum::body::Bytes,
) -> Response {
    let c = match guard::api_write_user(&s, &headers, Action::ViewItems, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err((status, m)) = may_attach(&s, &c, id).await {
        return api_error(status, &m);
    }
    let file = match prepare(&name, body.to_vec()).await {
        Ok(f) => f,
        Err((status, m)) => return api_error(status, &m),
    };
    let entry = c
        .audit("上传附件")
        .object(format!("item {id}"))
        .detail(file.name.clone());
    let now = OffsetDateTime::now_utc();
    match s
        .db
        .write(&entry, async |tx| {
            tx.attach(&c.principal, id, file, now).await
        })
        .await
    {
        Ok(row) => (StatusCode::CREATED, Json(row)).into_response(),
        Err(e) => crate::items::item_error(e),
    }
}

/// Removes an attachment from the version in work of an item.
#[utoipa::path(delete, path = "/api/v1/admin/items/{id}/attachments/{name}", tag = "主动公开",
    summary = "删除草稿或被退回稿件的附件",
    security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "信息 id"),
           ("name" = String, Path, description = "附件文件名"),
           crate::openapi::Csrf),
    responses(
        (status = 200, description = "已删除：{removed: 文件名}", body = Object),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有起草权限", body = crate::openapi::ApiError),
        (status = 404, description = "没有该附件", body = crate::openapi::ApiError),
        (status = 409, description = "该状态的稿件不能改动附件", body = crate::openapi::ApiError),
    ))]
async fn api_delete(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((id, name)): Path<(i64, String)>,
) -> Response {
    let c = match guard::api_write_user(&s, &headers, Action::ViewItems, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let entry = c
        .audit("删除附件")
        .object(format!("item {id}"))
        .detail(name.clone());
    let now = OffsetDateTime::now_utc();
    match s
        .db
        .write(&entry, async |tx| {
            tx.detach(&c.principal, id, &name, now).await
        })
        .await
    {
        Ok(()) => Json(serde_json::json!({ "removed": name })).into_response(),
        Err(e) => crate::items::item_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::is_upload;

    #[test]
    fn upload_paths_are_the_attachment_routes_only() {
        assert!(is_upload("/admin/items/12/attachments"));
        assert!(is_upload("/api/v1/admin/items/3/attachments/%E9%99%84.pdf"));
        assert!(!is_upload("/admin/items/12/attachments-x"));
        assert!(!is_upload("/admin/items/x/attachments"));
        assert!(!is_upload("/admin/items//attachments"));
        assert!(!is_upload("/admin/items/12/edit"));
        assert!(!is_upload("/agencies/a/items/12/attachments"));
    }
}
