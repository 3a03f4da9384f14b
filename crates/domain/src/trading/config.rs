//! An agency's [`RuleConfig`] as JSON, for storing it as a setting and editing it over the API.
//!
//! ```json
//! {
//!   "disabled": ["INTENTION_30D"],
//!   "unverified_elements": true,
//!   "waived_elements": {"award_result": ["elements.agent"]},
//!   "extra_elements": [{"type": "award_result", "category": "procurement", "key": "objection_channel", "label": "质疑渠道"}],
//!   "roll_deadlines": true,
//!   "full_process": {
//!     "engineering": [["tender_notice", "prequalification_notice"], ["candidate_publicity"], ["award_result"]],
//!     "procurement": [["tender_notice"], ["award_result"], ["contract"]]
//!   }
//! }
//! ```
//!
//! Every key is optional and falls back to [`RuleConfig::default`]; `full_process`, when given,
//! replaces the default stages of the categories it names and keeps the others. Errors name the
//! field (`full_process.engineering[1][0]`).

use serde_json::{Map, Value, json};

use crate::DomainError;
use crate::codes::{NoticeType, TradingCategory};

use super::rules::{ExtraElement, RuleCode, RuleConfig};

fn list<'a>(v: &'a Value, field: &str) -> Result<&'a Vec<Value>, DomainError> {
    v.as_array()
        .ok_or_else(|| DomainError::invalid(field, "应为数组"))
}

fn string<'a>(v: &'a Value, field: &str) -> Result<&'a str, DomainError> {
    v.as_str()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| DomainError::invalid(field, "应为非空字符串"))
}

fn boolean(v: &Value, field: &str) -> Result<bool, DomainError> {
    v.as_bool()
        .ok_or_else(|| DomainError::invalid(field, "应为 true 或 false"))
}

/// Parses a code with the error naming `field` rather than the enum's own field name.
fn code<T>(
    parse: impl Fn(&str) -> Result<T, DomainError>,
    v: &Value,
    field: &str,
) -> Result<T, DomainError> {
    let s = string(v, field)?;
    parse(s).map_err(|e| match e {
        DomainError::Invalid { message, .. } => DomainError::invalid(field, message),
        other => other,
    })
}

impl RuleConfig {
    /// Reads a configuration (see the module documentation); unknown keys are refused.
    pub fn from_json(v: &Value) -> Result<RuleConfig, DomainError> {
        let o = v
            .as_object()
            .ok_or_else(|| DomainError::invalid("规则配置", "应为 JSON 对象"))?;
        let mut cfg = RuleConfig::default();
        for (k, v) in o {
            match k.as_str() {
                "disabled" => {
                    for (i, x) in list(v, "disabled")?.iter().enumerate() {
                        cfg.disabled.insert(code(
                            RuleCode::from_code,
                            x,
                            &format!("disabled[{i}]"),
                        )?);
                    }
                }
                "unverified_elements" => cfg.unverified_elements = boolean(v, k)?,
                "roll_deadlines" => cfg.roll_deadlines = boolean(v, k)?,
                "waived_elements" => {
                    let m = v
                        .as_object()
                        .ok_or_else(|| DomainError::invalid(k, "应为对象：{类型: [路径]}"))?;
                    for (t, paths) in m {
                        let field = format!("waived_elements.{t}");
                        let ntype = code(NoticeType::from_code, &Value::String(t.clone()), &field)?;
                        for (i, p) in list(paths, &field)?.iter().enumerate() {
                            let f = format!("{field}[{i}]");
                            let p = string(p, &f)?;
                            if !(p.starts_with("elements.")
                                || p.starts_with("dates.")
                                || p == "bidders")
                            {
                                return Err(DomainError::invalid(
                                    f,
                                    format!("“{p}”应为 elements.键名、dates.键名 或 bidders"),
                                ));
                            }
                            cfg.waived_elements.insert((ntype, p.to_string()));
                        }
                    }
                }
                "extra_elements" => {
                    for (i, x) in list(v, k)?.iter().enumerate() {
                        let f = |n: &str| format!("extra_elements[{i}].{n}");
                        let e = x.as_object().ok_or_else(|| {
                            DomainError::invalid(format!("extra_elements[{i}]"), "应为对象")
                        })?;
                        let get = |n: &str| e.get(n).unwrap_or(&Value::Null);
                        let category = match get("category") {
                            Value::Null => None,
                            c => Some(code(TradingCategory::from_code, c, &f("category"))?),
                        };
                        cfg.extra_elements.push(ExtraElement {
                            ntype: code(NoticeType::from_code, get("type"), &f("type"))?,
                            category,
                            key: string(get("key"), &f("key"))?.trim().to_string(),
                            label: string(get("label"), &f("label"))?.trim().to_string(),
                        });
                    }
                }
                "full_process" => {
                    let m = v
                        .as_object()
                        .ok_or_else(|| DomainError::invalid(k, "应为对象：{类别: [[类型]]}"))?;
                    for (c, groups) in m {
                        let field = format!("full_process.{c}");
                        let category = code(
                            TradingCategory::from_code,
                            &Value::String(c.clone()),
                            &field,
                        )?;
                        let mut stages = Vec::new();
                        for (i, g) in list(groups, &field)?.iter().enumerate() {
                            let gf = format!("{field}[{i}]");
                            let mut types = Vec::new();
                            for (j, t) in list(g, &gf)?.iter().enumerate() {
                                types.push(code(NoticeType::from_code, t, &format!("{gf}[{j}]"))?);
                            }
                            if types.is_empty() {
                                return Err(DomainError::invalid(
                                    gf,
                                    "每个阶段至少要有一种公告类型",
                                ));
                            }
                            stages.push(types);
                        }
                        cfg.full_process.stages.retain(|(x, _)| *x != category);
                        cfg.full_process.stages.push((category, stages));
                    }
                    cfg.full_process.stages.sort_by_key(|(c, _)| c.index());
                }
                other => {
                    return Err(DomainError::invalid(
                        other,
                        "未知配置项，可选：disabled、unverified_elements、waived_elements、extra_elements、roll_deadlines、full_process",
                    ));
                }
            }
        }
        Ok(cfg)
    }

    /// The configuration in the form [`RuleConfig::from_json`] reads.
    pub fn to_json(&self) -> Value {
        let mut waived: Map<String, Value> = Map::new();
        for (t, p) in &self.waived_elements {
            if let Value::Array(a) = waived
                .entry(t.code().to_string())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                a.push(Value::String(p.clone()));
            }
        }
        let full: Map<String, Value> = self
            .full_process
            .stages
            .iter()
            .map(|(c, groups)| (c.code().to_string(), json!(groups)))
            .collect();
        json!({
            "disabled": self.disabled.iter().map(|c| c.code()).collect::<Vec<_>>(),
            "unverified_elements": self.unverified_elements,
            "waived_elements": waived,
            "extra_elements": self.extra_elements.iter().map(|e| json!({
                "type": e.ntype, "category": e.category, "key": e.key, "label": e.label,
            })).collect::<Vec<_>>(),
            "roll_deadlines": self.roll_deadlines,
            "full_process": full,
        })
    }
}
