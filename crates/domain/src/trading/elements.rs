//! Required elements (公开要素) per notice type, from regulations.md §3.3 (工程建设) and §3.4
//! (政府采购). A notice's `elements` object carries them under the keys below; a required
//! element that is absent, `null`, an empty or blank string, an empty array or an empty object
//! is `ELEMENT_MISSING`. So are the notice type's `dates` (contracts.md §3: the inputs of the
//! time-limit rules) and, on bid openings and candidate publicities, the `bidders` list.
//!
//! Basis: **V** checked against the legal text, **V~** against a secondary source, **M** from
//! memory (regulations.md §0). An agency can waive any element, drop every V~/M element at once
//! ([`super::RuleConfig::unverified_elements`]) or add its own ([`super::RuleConfig::extra_elements`]).
//!
//! | type | category | key | 要素 | basis |
//! | --- | --- | --- | --- | --- |
//! | prequalification_notice | engineering | `project_content` | 招标项目的内容、范围、规模 | V |
//! | prequalification_notice | engineering | `fund_source` | 资金来源 | V |
//! | prequalification_notice | engineering | `qualification` | 申请人资格要求 | V |
//! | prequalification_notice | engineering | `consortium` | 是否接受联合体申请 | V |
//! | prequalification_notice | engineering | `docs_obtain` | 获取资格预审文件的时间和方式 | V |
//! | prequalification_notice | engineering | `submission` | 递交资格预审申请文件的截止时间和方式 | V |
//! | prequalification_notice | engineering | `tenderer` | 招标人名称、地址、联系人及联系方式 | V |
//! | tender_notice | engineering | `tenderer` | 招标人名称、地址、联系人及联系方式 | V |
//! | tender_notice | engineering | `project_content` | 招标项目的性质、数量、内容、范围、规模 | V |
//! | tender_notice | engineering | `location_and_period` | 招标项目的实施地点和时间 | V |
//! | tender_notice | engineering | `fund_source` | 资金来源 | V |
//! | tender_notice | engineering | `qualification` | 投标人资格要求 | V |
//! | tender_notice | engineering | `consortium` | 是否接受联合体投标 | V |
//! | tender_notice | engineering | `docs_obtain` | 获取招标文件的时间和方式 | V |
//! | tender_notice | engineering | `submission` | 递交投标文件的截止时间和方式 | V |
//! | candidate_publicity | engineering | `candidates` | 中标候选人排序及名称 | V~ |
//! | candidate_publicity | engineering | `bid_prices` | 投标报价 | V~ |
//! | candidate_publicity | engineering | `quality` | 质量 | V~ |
//! | candidate_publicity | engineering | `duration` | 工期（交货期） | V~ |
//! | candidate_publicity | engineering | `evaluation` | 评标情况 | V~ |
//! | candidate_publicity | engineering | `project_managers` | 项目负责人姓名及其证书名称和编号 | V~ |
//! | candidate_publicity | engineering | `qualifications_response` | 响应招标文件要求的资格能力条件 | V~ |
//! | candidate_publicity | engineering | `objection_channel` | 提出异议的渠道和方式 | V~ |
//! | award_result | engineering | `winner` | 中标人名称 | V~ |
//! | procurement_intention | any | `requirements` | 采购需求概况 | V |
//! | procurement_intention | any | `budget` | 预算金额 | V |
//! | procurement_intention | any | `disclaimer` | 具体采购项目情况以采购公告和采购文件为准的说明 | V |
//! | prequalification_notice | procurement | `purchaser` | 采购人名称 | V |
//! | prequalification_notice | procurement | `requirements` | 采购需求 | V |
//! | prequalification_notice | procurement | `qualification` | 供应商资格条件 | V |
//! | prequalification_notice | procurement | `submission` | 提交资格预审申请文件的时间和地点 | V |
//! | tender_notice | procurement | `purchaser` | 采购人名称、地址和联系方式 | M |
//! | tender_notice | procurement | `agent` | 采购代理机构名称、地址和联系方式 | M |
//! | tender_notice | procurement | `budget` | 预算金额（设定最高限价的，还有最高限价） | M |
//! | tender_notice | procurement | `requirements` | 采购需求 | M |
//! | tender_notice | procurement | `qualification` | 供应商资格要求 | M |
//! | tender_notice | procurement | `docs_obtain` | 获取采购文件的时间、地点、方式及售价 | M |
//! | tender_notice | procurement | `notice_period` | 公告期限 | M |
//! | tender_notice | procurement | `submission` | 投标截止时间、开标时间及地点 | M |
//! | tender_notice | procurement | `contact` | 项目联系人姓名和电话 | M |
//! | single_source | any | `project_content` | 采购项目信息 | V |
//! | single_source | any | `sole_supplier` | 拟定的唯一供应商名称 | V |
//! | award_result | procurement | `purchaser` | 采购人名称、地址和联系方式 | V |
//! | award_result | procurement | `agent` | 采购代理机构名称、地址和联系方式 | V |
//! | award_result | procurement | `winner` | 中标（成交）供应商名称 | V |
//! | award_result | procurement | `winner_address` | 中标（成交）供应商地址 | V |
//! | award_result | procurement | `amount` | 中标（成交）金额 | V |
//! | award_result | procurement | `main_items` | 主要标的的名称、规格型号、数量、单价、服务要求 | V |
//! | award_result | procurement | `experts` | 评审专家名单 | V |
//! | award_result | procurement | `tender_documents` | 招标文件（随中标结果同时公告） | V |
//! | award_result | procurement | `notice_period` | 公告期限 | V~ |
//! | contract | procurement | `contract_text` | 合同文本（国家秘密、商业秘密除外） | V |
//! | acceptance | procurement | `acceptance_result` | 验收结果 | V |
//!
//! Conditional elements are not required (a rule cannot tell when they apply): the 招标代理机构
//! of an engineering tender (`agent`), the e-tendering platform's address (`e_platform`), a
//! procurement's 最高限价 when none is set (`max_price`). Types without rows (tender_plan,
//! clarification, bid_opening, termination; land, state_asset and other apart from `dates` and
//! `bidders`) have no national list of elements (regulations.md §3.5 is unconfirmed).

use serde_json::Value;

use crate::codes::{NoticeType, TradingCategory};

use super::notice::{DateField, Notice};
use super::rules::RuleConfig;

/// How sure the specification is of a requirement (regulations.md §0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// [V]: checked against the legal text.
    Verified,
    /// [V~]: checked against a secondary source.
    Secondary,
    /// [M]: from memory; configurable.
    Memory,
    /// Added by the agency's configuration.
    Agency,
}

/// One element of the built-in table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element {
    pub key: &'static str,
    pub label: &'static str,
    pub basis: Basis,
}

const fn e(key: &'static str, label: &'static str, basis: Basis) -> Element {
    Element { key, label, basis }
}

use Basis::{Memory as M, Secondary as S, Verified as V};

const ENG_PREQUALIFICATION: &[Element] = &[
    e("project_content", "招标项目的内容、范围、规模", V),
    e("fund_source", "资金来源", V),
    e("qualification", "申请人资格要求", V),
    e("consortium", "是否接受联合体申请", V),
    e("docs_obtain", "获取资格预审文件的时间和方式", V),
    e("submission", "递交资格预审申请文件的截止时间和方式", V),
    e("tenderer", "招标人名称、地址、联系人及联系方式", V),
];

const ENG_TENDER: &[Element] = &[
    e("tenderer", "招标人名称、地址、联系人及联系方式", V),
    e(
        "project_content",
        "招标项目的性质、数量、内容、范围、规模",
        V,
    ),
    e("location_and_period", "招标项目的实施地点和时间", V),
    e("fund_source", "资金来源", V),
    e("qualification", "投标人资格要求", V),
    e("consortium", "是否接受联合体投标", V),
    e("docs_obtain", "获取招标文件的时间和方式", V),
    e("submission", "递交投标文件的截止时间和方式", V),
];

const ENG_CANDIDATES: &[Element] = &[
    e("candidates", "中标候选人排序及名称", S),
    e("bid_prices", "投标报价", S),
    e("quality", "质量", S),
    e("duration", "工期（交货期）", S),
    e("evaluation", "评标情况", S),
    e("project_managers", "项目负责人姓名及其证书名称和编号", S),
    e(
        "qualifications_response",
        "响应招标文件要求的资格能力条件",
        S,
    ),
    e("objection_channel", "提出异议的渠道和方式", S),
];

const ENG_AWARD: &[Element] = &[e("winner", "中标人名称", S)];

const INTENTION: &[Element] = &[
    e("requirements", "采购需求概况", V),
    e("budget", "预算金额", V),
    e(
        "disclaimer",
        "具体采购项目情况以采购公告和采购文件为准的说明",
        V,
    ),
];

const PROC_PREQUALIFICATION: &[Element] = &[
    e("purchaser", "采购人名称", V),
    e("requirements", "采购需求", V),
    e("qualification", "供应商资格条件", V),
    e("submission", "提交资格预审申请文件的时间和地点", V),
];

const PROC_TENDER: &[Element] = &[
    e("purchaser", "采购人名称、地址和联系方式", M),
    e("agent", "采购代理机构名称、地址和联系方式", M),
    e("budget", "预算金额（设定最高限价的，还有最高限价）", M),
    e("requirements", "采购需求", M),
    e("qualification", "供应商资格要求", M),
    e("docs_obtain", "获取采购文件的时间、地点、方式及售价", M),
    e("notice_period", "公告期限", M),
    e("submission", "投标截止时间、开标时间及地点", M),
    e("contact", "项目联系人姓名和电话", M),
];

const SINGLE_SOURCE: &[Element] = &[
    e("project_content", "采购项目信息", V),
    e("sole_supplier", "拟定的唯一供应商名称", V),
];

const PROC_AWARD: &[Element] = &[
    e("purchaser", "采购人名称、地址和联系方式", V),
    e("agent", "采购代理机构名称、地址和联系方式", V),
    e("winner", "中标（成交）供应商名称", V),
    e("winner_address", "中标（成交）供应商地址", V),
    e("amount", "中标（成交）金额", V),
    e(
        "main_items",
        "主要标的的名称、规格型号、数量、单价、服务要求",
        V,
    ),
    e("experts", "评审专家名单", V),
    e("tender_documents", "招标文件（随中标结果同时公告）", V),
    e("notice_period", "公告期限", S),
];

const PROC_CONTRACT: &[Element] = &[e("contract_text", "合同文本（国家秘密、商业秘密除外）", V)];

const PROC_ACCEPTANCE: &[Element] = &[e("acceptance_result", "验收结果", V)];

/// The built-in element list of a notice type in a category.
pub fn builtin_elements(t: NoticeType, c: TradingCategory) -> &'static [Element] {
    use NoticeType as N;
    use TradingCategory as C;
    match (t, c) {
        (N::ProcurementIntention, _) => INTENTION,
        (N::SingleSource, _) => SINGLE_SOURCE,
        (N::PrequalificationNotice, C::Engineering) => ENG_PREQUALIFICATION,
        (N::TenderNotice, C::Engineering) => ENG_TENDER,
        (N::CandidatePublicity, C::Engineering) => ENG_CANDIDATES,
        (N::AwardResult, C::Engineering) => ENG_AWARD,
        (N::PrequalificationNotice, C::Procurement) => PROC_PREQUALIFICATION,
        (N::TenderNotice, C::Procurement) => PROC_TENDER,
        (N::AwardResult, C::Procurement) => PROC_AWARD,
        (N::Contract, C::Procurement) => PROC_CONTRACT,
        (N::Acceptance, C::Procurement) => PROC_ACCEPTANCE,
        _ => &[],
    }
}

/// Where a required piece of content lives in the notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A key of `elements`.
    Element(String),
    /// A key of `dates`.
    Date(DateField),
    /// The `bidders` list.
    Bidders,
}

/// A required piece of content of one notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Required {
    pub place: Place,
    pub label: String,
    pub basis: Basis,
}

impl Required {
    /// The path used in messages and in a violation's `expected`: `elements.winner`,
    /// `dates.signed`, `bidders`.
    pub fn path(&self) -> String {
        match &self.place {
            Place::Element(k) => format!("elements.{k}"),
            Place::Date(d) => d.path(),
            Place::Bidders => "bidders".to_string(),
        }
    }
}

/// Everything a notice of type `t` in category `c` must carry under the agency's configuration:
/// the type's dates, the bidders where they are named, then the elements.
pub fn required(t: NoticeType, c: TradingCategory, cfg: &RuleConfig) -> Vec<Required> {
    let mut out: Vec<Required> = DateField::for_type(t)
        .iter()
        .map(|d| Required {
            place: Place::Date(*d),
            label: d.label().to_string(),
            basis: Basis::Verified,
        })
        .collect();
    if t.names_bidders() {
        out.push(Required {
            place: Place::Bidders,
            label: if t == NoticeType::BidOpening {
                "投标人名单".to_string()
            } else {
                "中标候选人名单".to_string()
            },
            basis: Basis::Verified,
        });
    }
    for el in builtin_elements(t, c) {
        if !cfg.unverified_elements && el.basis != Basis::Verified {
            continue;
        }
        out.push(Required {
            place: Place::Element(el.key.to_string()),
            label: el.label.to_string(),
            basis: el.basis,
        });
    }
    for x in &cfg.extra_elements {
        if x.ntype == t
            && x.category.is_none_or(|xc| xc == c)
            && !out.iter().any(|r| r.place == Place::Element(x.key.clone()))
        {
            out.push(Required {
                place: Place::Element(x.key.clone()),
                label: x.label.clone(),
                basis: Basis::Agency,
            });
        }
    }
    out.retain(|r| !cfg.waived_elements.contains(&(t, r.path())));
    out
}

/// True when a JSON value counts as absent: `null`, a blank string, `[]` or `{}`.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

/// The required content a notice lacks, in the order of [`required`].
pub fn missing(n: &Notice, cfg: &RuleConfig) -> Vec<Required> {
    required(n.ntype, n.category, cfg)
        .into_iter()
        .filter(|r| match &r.place {
            Place::Element(k) => n.elements.get(k).is_none_or(is_empty),
            Place::Date(d) => !n.dates.contains_key(d),
            Place::Bidders => n.bidders.is_empty(),
        })
        .collect()
}
