//! 信息处理费 on a case (`/admin/requests/{agency}/{case}/fee`): the fee notice (per case or per
//! page), the payment, and the lapse after the payment period (recorded as the reply
//! `other_fee_unpaid`, table 三 （六）2); and the fee line of the case page.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use gongkai_db::{DbError, FeeNotice};
use gongkai_domain::auth::Action;
use gongkai_domain::fees::FeeMethod;
use gongkai_domain::period::iso;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::cases::{Refusal, back_to_case, record, refusal_of};
use crate::guard::{Scope, form_user};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/requests/{agency}/{case}/fee", post(fee))
}

/// The case page's line about its fee notice and payment.
pub fn notice_line(f: &FeeNotice) -> String {
    let paid = match f.paid_on {
        Some(d) => format!("已于 {} 缴费", iso(d)),
        None => format!("应于 {} 前缴费，尚未缴费", iso(f.pay_by)),
    };
    format!(
        "{} 发出收费通知：{}，{} {}，金额 {} 元；{paid}",
        iso(f.notice_on),
        f.method.label(),
        if f.method == FeeMethod::PerCase {
            "本月第"
        } else {
            "共"
        },
        if f.method == FeeMethod::PerCase {
            format!("{}件", f.quantity)
        } else {
            format!("{}页", f.quantity)
        },
        gongkai_domain::numfmt::fen_to_yuan(f.amount_fen)
    )
}

#[derive(Deserialize)]
struct FeeForm {
    csrf: String,
    action: String,
    method: Option<String>,
    pages: Option<String>,
    date: String,
}

/// Fee notice, payment, or lapse (→ table 三 （六）2) of a case.
async fn fee(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, case_no)): Path<(String, String)>,
    Form(f): Form<FeeForm>,
) -> Response {
    let pr = match form_user(
        &s,
        &headers,
        Action::HandleRequests,
        Scope::Agency(&agency),
        &f.csrf,
    )
    .await
    {
        Ok(p) => p,
        Err(r) => return r,
    };
    let invalid = |m: String| Refusal::Invalid(m);
    let written = |e: DbError| refusal_of(e).map_or_else(|r| r, Refusal::Invalid);
    let result: Result<(), Refusal> = async {
        let date = gongkai_domain::period::parse_date(&f.date, "日期").map_err(|e| invalid(e.to_string()))?;
        match f.action.as_str() {
            "notice" => {
                let method = FeeMethod::from_code(f.method.as_deref().unwrap_or("")).map_err(|e| invalid(e.to_string()))?;
                let quantity = match method {
                    FeeMethod::PerCase => s.db.monthly_ordinal(&agency, &case_no).await.map_err(written)?,
                    FeeMethod::PerPage => f
                        .pages
                        .as_deref()
                        .unwrap_or("")
                        .trim()
                        .parse::<i64>()
                        .ok()
                        .filter(|p| *p > 0)
                        .ok_or_else(|| invalid("字段“页数”应为正整数".into()))?,
                };
                let entry = pr.audit("发出收费通知").agency(&agency).object(case_no.as_str()).detail(method.code());
                s.db.write(&entry, async |tx| tx.issue_fee_notice(&agency, &case_no, method, quantity, date).await)
                    .await
                    .map_err(written)?;
            }
            "paid" => {
                let entry = pr.audit("登记缴费").agency(&agency).object(case_no.as_str());
                s.db.write(&entry, async |tx| tx.fee_paid(&agency, &case_no, date).await)
                    .await
                    .map_err(written)?;
            }
            "lapsed" => {
                let notice = s.db.fee_notice(&agency, &case_no).await.map_err(written)?.ok_or_else(|| invalid("该案件没有收费通知".into()))?;
                if notice.paid_on.is_some() {
                    return Err(invalid("申请人已缴费".into()));
                }
                if date <= notice.pay_by {
                    return Err(invalid(format!("缴费期限至 {}，期满后才能按逾期未缴费处理", iso(notice.pay_by))));
                }
                let line = json!({"type": "replied", "request": case_no, "date": iso(date), "outcome": "other_fee_unpaid"});
                // A refusal of the reply (only the 负责人 signs one) stays a refusal: 403.
                record(&s, &pr, &agency, line).await?;
            }
            other => return Err(invalid(format!("未知操作“{other}”"))),
        }
        Ok(())
    }
    .await;
    back_to_case(&s, &pr, &agency, &case_no, result).await
}
