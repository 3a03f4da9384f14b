//! An agency's configuration of the trading rules in the back office:
//! `/admin/trading/{agency}/rules` lists every time-limit rule (code, what it requires, its legal
//! source, on or off for this agency) and every built-in required element with how sure the
//! specification is of it (核实 / 二手来源 / 凭记忆待核实, regulations.md §0), each of which can be
//! required or waived. Viewing needs `ViewTrading`, saving `Administer` in the agency; a save
//! is one audited write (`notices::save_rules`, the same as `PUT /api/v1/admin/notices/rules`).

use std::collections::BTreeSet;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use gongkai_domain::auth::Action;
use gongkai_domain::trading::{
    Basis, Category, NoticeType, RuleCode, RuleConfig, builtin_elements,
};
use serde::Deserialize;

use crate::chrome::Chrome;
use crate::guard::{Scope, agencies_for, field, form_user, page_user};
use crate::urlenc::enc;
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/trading/{agency}/rules", get(page).post(save))
}

/// How sure regulations.md is of a requirement, as the page shows it.
fn basis_label(b: Basis) -> &'static str {
    match b {
        Basis::Verified => "已核实法条",
        Basis::Secondary => "二手来源",
        Basis::Memory => "凭记忆，待核实 [M]",
        Basis::Agency => "本机构增加",
    }
}

/// One built-in element: a notice type's key, in the categories that require it.
struct ElementRow {
    ntype: &'static str,
    ntype_label: &'static str,
    categories: String,
    key: &'static str,
    label: &'static str,
    basis: &'static str,
    unverified: bool,
    memory: bool,
    required: bool,
    /// The form value: `type|elements.key`.
    value: String,
}

/// Every built-in element, one row per (type, key) (waivers are per type and path).
fn element_rows(cfg: &RuleConfig) -> Vec<ElementRow> {
    let mut out: Vec<ElementRow> = Vec::new();
    for t in NoticeType::ALL {
        for c in Category::ALL {
            for el in builtin_elements(*t, *c) {
                if let Some(r) = out
                    .iter_mut()
                    .find(|r| r.ntype == t.code() && r.key == el.key)
                {
                    r.categories = format!("{}、{}", r.categories, c.label());
                    continue;
                }
                let path = format!("elements.{}", el.key);
                out.push(ElementRow {
                    ntype: t.code(),
                    ntype_label: t.label(),
                    categories: c.label().to_string(),
                    key: el.key,
                    label: el.label,
                    basis: basis_label(el.basis),
                    unverified: el.basis != Basis::Verified,
                    memory: el.basis == Basis::Memory,
                    required: !cfg.waived_elements.contains(&(*t, path.clone())),
                    value: format!("{}|{path}", t.code()),
                });
            }
        }
    }
    out
}

struct RuleRow {
    code: &'static str,
    label: &'static str,
    basis: &'static str,
    on: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_trading_rules.html")]
struct RulesPage {
    chrome: Chrome,
    agency_name: String,
    queue_href: String,
    action: String,
    may_edit: bool,
    saved: bool,
    rules: Vec<RuleRow>,
    unverified_elements: bool,
    elements: Vec<ElementRow>,
    memory_count: usize,
}

#[derive(Deserialize)]
struct PageQuery {
    saved: Option<String>,
}

async fn page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(agency): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let c = match page_user(&s, &headers, Action::ViewTrading, Scope::Agency(&agency)).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let a = s.db.agency(&agency).await?;
        let cfg = s.db.rule_config(&agency).await?;
        // Asked without recording a refusal: viewers who may not edit see the page read-only.
        let may_edit = agencies_for(&s, &c, Action::Administer)
            .await?
            .iter()
            .any(|x| x.code == a.code);
        let elements = element_rows(&cfg);
        Ok::<_, WebError>(RulesPage {
            chrome: Chrome::of(&c),
            queue_href: format!("/admin/trading?agency={}", enc(&a.code)),
            action: format!("/admin/trading/{}/rules", enc(&a.code)),
            may_edit,
            saved: q.saved.is_some(),
            rules: RuleCode::ALL
                .iter()
                .map(|r| RuleRow {
                    code: r.code(),
                    label: r.label(),
                    basis: r.basis(),
                    on: cfg.enabled(*r),
                })
                .collect(),
            unverified_elements: cfg.unverified_elements,
            memory_count: elements.iter().filter(|e| e.memory).count(),
            elements,
            agency_name: a.name,
        })
    }
    .await;
    match result {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

/// The configuration a submitted form asks for, on top of the stored one (extra elements,
/// stages, rolls and waivers of dates or bidders are kept). Unknown values name the field.
fn from_form(before: &RuleConfig, pairs: &[(String, String)]) -> Result<RuleConfig, WebError> {
    let bad = |f: &str, m: String| WebError(StatusCode::UNPROCESSABLE_ENTITY, format!("{f}：{m}"));
    let mut cfg = before.clone();
    let mut on = BTreeSet::new();
    let mut kept = BTreeSet::new();
    for (k, v) in pairs {
        match k.as_str() {
            "rule" => {
                on.insert(RuleCode::from_code(v).map_err(|e| bad("rule", e.to_string()))?);
            }
            "element" => {
                let known = element_rows(before).into_iter().any(|r| r.value == *v);
                let (t, path) = v
                    .split_once('|')
                    .filter(|_| known)
                    .ok_or_else(|| bad("element", format!("“{v}”不是内置的公开要素")))?;
                let t = NoticeType::from_code(t).map_err(|e| bad("element", e.to_string()))?;
                kept.insert((t, path.to_string()));
            }
            _ => {}
        }
    }
    cfg.disabled = RuleCode::ALL
        .iter()
        .copied()
        .filter(|r| !on.contains(r))
        .collect();
    cfg.unverified_elements = field(pairs, "unverified_elements") == "1";
    for r in element_rows(before) {
        let key = match NoticeType::from_code(r.ntype) {
            Ok(t) => (t, format!("elements.{}", r.key)),
            Err(_) => continue,
        };
        if kept.contains(&key) {
            cfg.waived_elements.remove(&key);
        } else {
            cfg.waived_elements.insert(key);
        }
    }
    // What the stored form reads back is what was asked for.
    RuleConfig::from_json(&cfg.to_json())
        .map_err(|e| WebError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
}

async fn save(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(agency): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let c = match form_user(
        &s,
        &headers,
        Action::Administer,
        Scope::Agency(&agency),
        field(&pairs, "csrf"),
    )
    .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let before = s.db.rule_config(&agency).await?;
        let cfg = from_form(&before, &pairs)?;
        crate::notices::save_rules(&s, c.audit("修改交易规则配置"), &agency, &cfg).await?;
        Ok::<_, WebError>(())
    }
    .await;
    match result {
        Ok(()) => {
            Redirect::to(&format!("/admin/trading/{}/rules?saved=1", enc(&agency))).into_response()
        }
        Err(e) => e.into_response(),
    }
}
