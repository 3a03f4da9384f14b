//! The records behind table 二 and the report's figures (issue 10 item 6): administrative
//! decisions (行政许可/处罚/强制), fee income (行政事业性收费), policy-promotion pushes and the
//! loans they led to, an agency's publication channels and the posts on them with their reads.
//! Entered in the back office or imported as JSON (one object per record; a JSON Lines file or
//! an array), each record is judged here (errors name the field) and has a natural key, so that
//! importing the same file twice changes nothing and importing updated figures (a post's reads
//! a month later) updates the record instead of counting it twice.
//!
//! | `type` | fields | key |
//! | --- | --- | --- |
//! | `decision` | `kind` (licensing/penalty/enforcement), `date`, `doc_no` | kind, doc_no |
//! | `fee` | `item`, `date`, `amount` (元, decimal string) | item, date |
//! | `push` | `policy`, `date`, `recipient` | policy, date, recipient |
//! | `loan` | `policy`, `date`, `borrower`, `amount` (元) | policy, date, borrower |
//! | `channel` | `code`, `name`, `kind` (portal/wechat/weibo/app/other) | code |
//! | `post` | `channel` (a channel's code), `title`, `date`, `reads` | channel, title, date |

use serde_json::Value;
use time::Date;

use crate::DomainError;
use crate::codes::{ChannelKind, DecisionKind};
use crate::numfmt::parse_money;
use crate::period::parse_date;

/// One record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Decision {
        kind: DecisionKind,
        decided_on: Date,
        doc_no: String,
    },
    Fee {
        item: String,
        received_on: Date,
        amount_fen: i64,
    },
    Push {
        policy: String,
        pushed_on: Date,
        recipient: String,
    },
    Loan {
        policy: String,
        granted_on: Date,
        borrower: String,
        amount_fen: i64,
    },
    Channel {
        code: String,
        name: String,
        kind: ChannelKind,
    },
    Post {
        channel: String,
        title: String,
        published_on: Date,
        reads: i64,
    },
}

/// The record types, as written in `type`.
pub const RECORD_TYPES: [&str; 6] = ["decision", "fee", "push", "loan", "channel", "post"];

/// The longest text field kept, in characters.
const MAX_TEXT: usize = 200;

fn text(v: &Value, key: &str, label: &str, required: bool) -> Result<String, DomainError> {
    let field = format!("{key}（{label}）");
    let s = match v.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(_) => return Err(DomainError::invalid(field, "应为字符串")),
    };
    if required && s.is_empty() {
        return Err(DomainError::invalid(field, "不能为空"));
    }
    if s.chars().count() > MAX_TEXT || s.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            format!("不能超过 {MAX_TEXT} 个字符，也不能含控制字符"),
        ));
    }
    Ok(s)
}

fn date(v: &Value) -> Result<Date, DomainError> {
    let s = text(v, "date", "日期", true)?;
    parse_date(&s, "date（日期）")
}

fn amount(v: &Value) -> Result<i64, DomainError> {
    let field = "amount（金额，元）";
    match v.get("amount") {
        Some(Value::String(s)) => parse_money(s, 1, field),
        Some(Value::Number(_)) => Err(DomainError::invalid(
            field,
            "金额应写成字符串（如 \"4437\" 或 \"20.3\"），不用数字",
        )),
        _ => Err(DomainError::invalid(field, "不能为空")),
    }
}

impl Record {
    /// Reads one record from its JSON object.
    pub fn from_json(v: &Value) -> Result<Record, DomainError> {
        if !v.is_object() {
            return Err(DomainError::invalid("记录", "每条记录应为一个 JSON 对象"));
        }
        let ty = text(v, "type", "记录类型", true)?;
        Ok(match ty.as_str() {
            "decision" => Record::Decision {
                kind: DecisionKind::from_code(&text(v, "kind", "决定类别", true)?)?,
                decided_on: date(v)?,
                doc_no: text(v, "doc_no", "文号", true)?,
            },
            "fee" => Record::Fee {
                item: text(v, "item", "收费项目", true)?,
                received_on: date(v)?,
                amount_fen: amount(v)?,
            },
            "push" => Record::Push {
                policy: text(v, "policy", "政策", true)?,
                pushed_on: date(v)?,
                recipient: text(v, "recipient", "推送对象", false)?,
            },
            "loan" => Record::Loan {
                policy: text(v, "policy", "政策", true)?,
                granted_on: date(v)?,
                borrower: text(v, "borrower", "借款人", false)?,
                amount_fen: amount(v)?,
            },
            "channel" => {
                let code = text(v, "code", "渠道代码", true)?;
                if !code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    || code.len() > 64
                {
                    return Err(DomainError::invalid(
                        "code（渠道代码）",
                        "只能由字母、数字、- 和 _ 组成，至多 64 个字符",
                    ));
                }
                Record::Channel {
                    code,
                    name: text(v, "name", "渠道名称", true)?,
                    kind: ChannelKind::from_code(&text(v, "kind", "渠道类别", true)?)?,
                }
            }
            "post" => {
                let reads = match v.get("reads") {
                    None | Some(Value::Null) => 0,
                    Some(n) => n
                        .as_i64()
                        .filter(|n| *n >= 0)
                        .ok_or_else(|| DomainError::invalid("reads（阅读量）", "应为非负整数"))?,
                };
                Record::Post {
                    channel: text(v, "channel", "渠道代码", true)?,
                    title: text(v, "title", "标题", true)?,
                    published_on: date(v)?,
                    reads,
                }
            }
            other => {
                return Err(DomainError::invalid(
                    "type（记录类型）",
                    format!("未知取值“{other}”，可选：{}", RECORD_TYPES.join("、")),
                ));
            }
        })
    }

    /// The record's type code.
    pub fn type_code(&self) -> &'static str {
        match self {
            Record::Decision { .. } => "decision",
            Record::Fee { .. } => "fee",
            Record::Push { .. } => "push",
            Record::Loan { .. } => "loan",
            Record::Channel { .. } => "channel",
            Record::Post { .. } => "post",
        }
    }

    /// The type's zh-CN label.
    pub fn type_label(&self) -> &'static str {
        type_label(self.type_code())
    }
}

/// The zh-CN label of a record type code.
pub fn type_label(code: &str) -> &'static str {
    match code {
        "decision" => "行政决定（许可/处罚/强制）",
        "fee" => "行政事业性收费",
        "push" => "政策推送",
        "loan" => "政策性贷款",
        "channel" => "发布渠道",
        "post" => "渠道发布与阅读量",
        _ => "记录",
    }
}

/// Reads records from a JSON array or from JSON Lines (blank lines skipped); an error names
/// the record's line (JSON Lines) or position (array) and the field.
pub fn parse_records(text: &str) -> Result<Vec<(usize, Record)>, DomainError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let all: Vec<Value> = serde_json::from_str(trimmed)
            .map_err(|e| DomainError::invalid("记录", format!("不是有效的 JSON 数组：{e}")))?;
        return all
            .iter()
            .enumerate()
            .map(|(i, v)| {
                Record::from_json(v)
                    .map(|r| (i + 1, r))
                    .map_err(|e| at(&format!("第 {} 条", i + 1), e))
            })
            .collect();
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let where_ = format!("第 {} 行", i + 1);
        let v: Value = serde_json::from_str(line)
            .map_err(|e| DomainError::invalid(where_.clone(), format!("不是有效的 JSON：{e}")))?;
        out.push((i + 1, Record::from_json(&v).map_err(|e| at(&where_, e))?));
    }
    Ok(out)
}

fn at(where_: &str, e: DomainError) -> DomainError {
    match e {
        DomainError::Invalid { field, message } => DomainError::Invalid {
            field: format!("{where_} {field}"),
            message,
        },
        other => other,
    }
}

/// The records of a ledger (its channels with their posts, decisions, fees, policy pushes and
/// loans), in the order a person would enter them: each channel before its posts.
pub fn ledger_records(l: &crate::ledger::AgencyLedger) -> Vec<Record> {
    let mut out = Vec::new();
    for c in &l.channels {
        out.push(Record::Channel {
            code: c.code.clone(),
            name: c.name.clone(),
            kind: c.kind,
        });
        out.extend(c.posts.iter().map(|p| Record::Post {
            channel: c.code.clone(),
            title: p.title.clone(),
            published_on: p.published_on,
            reads: p.reads,
        }));
    }
    out.extend(l.decisions.iter().map(|d| Record::Decision {
        kind: d.kind,
        decided_on: d.decided_on,
        doc_no: d.doc_no.clone(),
    }));
    out.extend(l.fees.iter().map(|f| Record::Fee {
        item: f.item.clone(),
        received_on: f.received_on,
        amount_fen: f.amount_fen,
    }));
    out.extend(l.pushes.iter().map(|p| Record::Push {
        policy: p.policy.clone(),
        pushed_on: p.pushed_on,
        recipient: p.recipient.clone(),
    }));
    out.extend(l.loans.iter().map(|p| Record::Loan {
        policy: p.policy.clone(),
        granted_on: p.granted_on,
        borrower: p.borrower.clone(),
        amount_fen: p.amount_fen,
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_type_reads_with_its_fields_and_errors_name_the_field() {
        let r = Record::from_json(
            &json!({"type": "fee", "item": "场地服务费", "date": "2025-03-03", "amount": "20.3"}),
        )
        .unwrap();
        assert_eq!(
            r,
            Record::Fee {
                item: "场地服务费".into(),
                received_on: time::macros::date!(2025 - 03 - 03),
                amount_fen: 2030
            }
        );
        assert!(matches!(
            Record::from_json(
                &json!({"type": "post", "channel": "wechat", "title": "t", "date": "2025-01-02", "reads": 7})
            ),
            Ok(Record::Post { reads: 7, .. })
        ));
        let err = |v: Value| Record::from_json(&v).unwrap_err().to_string();
        assert!(
            err(json!({"type": "decision", "kind": "fine", "date": "2025-01-01", "doc_no": "x"}))
                .contains("kind")
        );
        assert!(
            err(json!({"type": "fee", "item": "x", "date": "2025-02-30", "amount": "1"}))
                .contains("date")
        );
        assert!(
            err(json!({"type": "fee", "item": "x", "date": "2025-02-01", "amount": 1}))
                .contains("amount")
        );
        assert!(err(json!({"type": "post", "channel": "w", "title": "t", "date": "2025-02-01", "reads": -1})).contains("reads"));
        assert!(
            err(json!({"type": "channel", "code": "微信", "name": "n", "kind": "wechat"}))
                .contains("code")
        );
        assert!(err(json!({"type": "gift"})).contains("type"));
        assert!(err(json!([1])).contains("JSON 对象"));
    }

    #[test]
    fn files_are_json_lines_or_an_array_and_errors_name_the_line() {
        let lines = "{\"type\":\"push\",\"policy\":\"政采贷\",\"date\":\"2025-01-02\"}\n\n{\"type\":\"push\",\"policy\":\"政采贷\",\"date\":\"2025-01-03\",\"recipient\":\"甲公司\"}\n";
        let r = parse_records(lines).unwrap();
        assert_eq!(r.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [1, 3]);
        let arr = r#"[{"type":"channel","code":"wechat","name":"微信公众号","kind":"wechat"}]"#;
        assert_eq!(parse_records(arr).unwrap().len(), 1);
        let bad = "{\"type\":\"push\",\"policy\":\"p\",\"date\":\"2025-01-02\"}\n{\"type\":\"loan\",\"policy\":\"p\",\"date\":\"2025-01-02\"}";
        let e = parse_records(bad).unwrap_err().to_string();
        assert!(e.contains("第 2 行") && e.contains("amount"), "{e}");
        assert!(
            parse_records("not json")
                .unwrap_err()
                .to_string()
                .contains("第 1 行")
        );
    }
}
