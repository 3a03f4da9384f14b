//! 年报体检: auditing a published annual report file (`/admin/audit`, upload form and findings
//! next to table 三 as read; `POST /api/v1/admin/audit`, the file as the body, the findings as
//! JSON). The text is read by `gongkai_export::read`, the findings by `gongkai_domain::audit`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use gongkai_domain::auth::Action;
use serde::Deserialize;

use crate::AppState;
use crate::chrome::Chrome;
use crate::guard::{Scope, api_error, api_write_user, form_user, page_user};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/audit", get(audit_form).post(audit_upload))
}

struct AuditView {
    title: String,
    format: String,
    period: String,
    sections: String,
    findings: Vec<String>,
    rows: Vec<(String, Vec<i64>)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    chrome: Chrome,
    message: Option<String>,
    result: Option<AuditView>,
}

fn audit_view(a: &gongkai_domain::audit::Audit) -> AuditView {
    use gongkai_domain::report::{T3Row, t3_column_code};
    let rows = a
        .requests
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let label = T3Row::all()
                        .into_iter()
                        .find(|r| r.code() == k)
                        .map(|r| r.full_label())
                        .unwrap_or_else(|| "（六）其他处理".into());
                    (
                        label,
                        (0..7)
                            .map(|c| v[t3_column_code(c)].as_i64().unwrap_or(0))
                            .collect(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut rows: Vec<(String, Vec<i64>)> = rows;
    let order = |l: &str| {
        T3Row::all()
            .iter()
            .position(|r| r.full_label() == l)
            .unwrap_or(22)
    };
    rows.sort_by_key(|(l, _)| order(l));
    AuditView {
        title: format!(
            "{} {}",
            if a.agency.is_empty() {
                "（未识别机构）"
            } else {
                &a.agency
            },
            a.year.map(|y| format!("{y}年")).unwrap_or_default()
        ),
        format: a.format.clone(),
        period: a
            .period
            .as_ref()
            .map(|p| {
                format!(
                    "{} 至 {}",
                    p["from"].as_str().unwrap_or(""),
                    p["to"].as_str().unwrap_or("")
                )
            })
            .unwrap_or_else(|| "未写明".into()),
        sections: a.sections.join("、"),
        findings: a
            .findings
            .iter()
            .map(gongkai_domain::audit::finding_line)
            .collect(),
        rows,
    }
}

async fn audit_form(State(s): State<AppState>, headers: HeaderMap) -> Response {
    match page_user(&s, &headers, Action::AuditReports, Scope::Anywhere).await {
        Ok(pr) => AuditPage {
            chrome: Chrome::of(&pr),
            message: None,
            result: None,
        }
        .into_response(),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct CsrfQuery {
    csrf: Option<String>,
}

/// Audits an uploaded report and shows the findings next to the table as read. The CSRF token
/// is in the query string (the body is multipart).
async fn audit_upload(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CsrfQuery>,
    mut multipart: Multipart,
) -> Response {
    let csrf = q.csrf.as_deref().unwrap_or("");
    let pr = match form_user(&s, &headers, Action::AuditReports, Scope::Anywhere, csrf).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let page = |message: Option<String>, result: Option<AuditView>, status: StatusCode| {
        (
            status,
            AuditPage {
                chrome: Chrome::of(&pr),
                message,
                result,
            },
        )
            .into_response()
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("report.txt").to_string();
            match field.bytes().await {
                Ok(b) => file = Some((name, b.to_vec())),
                Err(e) => {
                    return page(
                        Some(format!("上传失败：{e}")),
                        None,
                        StatusCode::BAD_REQUEST,
                    );
                }
            }
        }
    }
    let Some((name, bytes)) = file else {
        return page(
            Some("字段“报告文件”不能为空".into()),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let text = match tokio::task::spawn_blocking(move || {
        gongkai_export::read::report(&name, &bytes).map(|t| (name, t))
    })
    .await
    {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => return page(Some(e.to_string()), None, read_status(&e)),
        Err(_) => {
            return page(
                Some("读取文件失败".into()),
                None,
                StatusCode::INTERNAL_SERVER_ERROR,
            );
        }
    };
    let a = gongkai_domain::audit::audit_report(&text.0, text.1);
    page(None, Some(audit_view(&a)), StatusCode::OK)
}

/// The status of a file that could not be read: too large 413, refused or unreadable 422, this
/// installation unable to read it 500.
fn read_status(e: &gongkai_export::read::ReadError) -> StatusCode {
    use gongkai_export::read::ReadErrorKind as K;
    match e.kind {
        K::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        K::Refused | K::Unreadable => StatusCode::UNPROCESSABLE_ENTITY,
        K::Unavailable => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The API of the report audit (documented from these handlers, see `openapi`).
pub(crate) fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(api_audit))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct NameQuery {
    /// 文件名（扩展名帮助判断格式：.pdf、.docx、.html、.md、.txt）
    name: Option<String>,
}

/// The audit API: the request body is the file; `?name=` its file name.
#[utoipa::path(post, path = "/api/v1/admin/audit", tag = "年报体检",
    summary = "年报体检：请求体为报告文件，返回读出的表格与发现的问题",
    security(("bearer" = []), ("session" = [])),
    params(NameQuery, crate::openapi::Csrf),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "报告文件（不超过 50 MB）"),
    responses(
        (status = 200, description = "读出的报告与发现的问题（contracts.md §5 的结构）", body = Object),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有年报体检权限", body = crate::openapi::ApiError),
        (status = 413, description = "文件或其解压内容超过上限", body = crate::openapi::ApiError),
        (status = 422, description = "文件无法读取（空、二进制、无法识别的 PDF 等）", body = crate::openapi::ApiError),
    ))]
async fn api_audit(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NameQuery>,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = api_write_user(&s, &headers, Action::AuditReports, Scope::Anywhere).await {
        return r;
    }
    let name = q.name.unwrap_or_else(|| "report.txt".into());
    let bytes = body.to_vec();
    match tokio::task::spawn_blocking(move || {
        gongkai_export::read::report(&name, &bytes).map(|t| (name, t))
    })
    .await
    {
        Ok(Ok((name, report))) => {
            Json(gongkai_domain::audit::audit_report(&name, report)).into_response()
        }
        Ok(Err(e)) => api_error(read_status(&e), &e.to_string()),
        Err(_) => api_error(StatusCode::INTERNAL_SERVER_ERROR, "读取文件失败"),
    }
}
