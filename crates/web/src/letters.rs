//! Reply letters (告知书) of closed cases (`/admin/letters/{agency}/{case}[.html|.docx|.pdf]`),
//! rendered by `gongkai_export::letters` from the agency's letter template.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongkai_domain::auth::Action;

use crate::guard::{Scope, audit_quietly, page_user};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/letters/{agency}/{file}", get(letter))
}

/// The reply letter (告知书) of a closed case: printable HTML, DOCX with `.docx`, PDF with
/// `.pdf` (typeset off the async workers).
async fn letter(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, file)): Path<(String, String)>,
) -> Response {
    // The letter carries the applicant's name: it is a view of applicant data.
    let pr = match page_user(&s, &headers, Action::ViewApplicant, Scope::Agency(&agency)).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    use gongkai_export::Format;
    let (case_no, format) = if let Some(c) = file.strip_suffix(".docx") {
        (c.to_string(), Format::Docx)
    } else if let Some(c) = file.strip_suffix(".pdf") {
        (c.to_string(), Format::Pdf)
    } else {
        (
            file.strip_suffix(".html").unwrap_or(&file).to_string(),
            Format::Html,
        )
    };
    let result = async {
        let a = s.db.agency(&agency).await?;
        let c =
            s.db.request_clock(&agency, &case_no, (s.today)())
                .await?
                .ok_or_else(|| WebError(StatusCode::NOT_FOUND, format!("未找到案件“{case_no}”")))?;
        let (Some(outcome), Some(reply_date)) = (c.outcome, c.closed_on) else {
            return Err(WebError(
                StatusCode::CONFLICT,
                "案件尚未答复，没有告知书".into(),
            ));
        };
        let detail = s.db.request_detail(&agency, &case_no).await?;
        let template = s.db.letter_template(a.id).await?.unwrap_or_default();
        let data = gongkai_export::letters::LetterData {
            agency: a.name,
            case_no: case_no.clone(),
            applicant: detail.applicant_name.unwrap_or_else(|| "申请人".into()),
            received: c.received,
            subject: detail.subject,
            outcome,
            reply_date,
        };
        let render = move || gongkai_export::letters::render_letter(&template, &data, format);
        let bytes = if format == Format::Pdf {
            tokio::task::spawn_blocking(render)
                .await
                .map_err(|e| WebError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        } else {
            render()
        };
        bytes
            .map(|b| (b, format))
            .map_err(|e| WebError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
    }
    .await;
    match result {
        Ok((bytes, f)) => {
            audit_quietly(
                &s,
                pr.audit("查看告知书（含申请人信息）")
                    .agency(&agency)
                    .object(case_no.as_str()),
            )
            .await;
            // The printable letter carries its own <style>: allow exactly that by hash.
            let csp = (format == Format::Html).then(|| crate::security::document_csp(&bytes));
            let mut res = (
                [
                    (header::CONTENT_TYPE, f.content_type().to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("inline; filename=\"letter-{case_no}.{}\"", f.extension()),
                    ),
                ],
                bytes,
            )
                .into_response();
            if let Some(csp) = csp {
                res.headers_mut()
                    .insert(header::CONTENT_SECURITY_POLICY, csp);
            }
            res
        }
        Err(e) => e.into_response(),
    }
}
