//! Reply letters (告知书) from editable templates per decision family, as printable HTML, DOCX
//! and PDF.

use gongkai_domain::codes::{Outcome, OutcomeGroup};
use gongkai_domain::numfmt::date_cn;
use serde_json::json;
use time::Date;

use crate::{Document, ExportError, Format};

/// The default letter templates (TOML; see the file for the variables).
pub const DEFAULT_LETTERS: &str = include_str!("default_letters.toml");

const KEYS: [&str; 9] = [
    "title", "opening", "granted", "partial", "deny", "unable", "noproc", "other", "closing",
];

/// What a letter says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterData {
    pub agency: String,
    pub case_no: String,
    pub applicant: String,
    pub received: Date,
    pub subject: String,
    pub outcome: Outcome,
    pub reply_date: Date,
}

fn family(o: Outcome) -> &'static str {
    match o.group() {
        OutcomeGroup::Granted => "granted",
        OutcomeGroup::Partial => "partial",
        OutcomeGroup::Deny => "deny",
        OutcomeGroup::Unable => "unable",
        OutcomeGroup::NoProcess => "noproc",
        OutcomeGroup::Other => "other",
    }
}

fn parse(t: &str) -> Result<toml::Table, ExportError> {
    let table: toml::Table = toml::from_str(t).map_err(|e| ExportError::Template {
        key: "TOML".into(),
        message: e.message().to_string(),
    })?;
    if let Some(k) = table.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(ExportError::Template {
            key: k.clone(),
            message: format!("未知的模板项，可用：{}", KEYS.join("、")),
        });
    }
    Ok(table)
}

/// Checks a letter template (TOML shape and template syntax).
pub fn validate(template: &str) -> Result<(), ExportError> {
    let t = parse(template)?;
    let env = minijinja::Environment::new();
    for (k, v) in &t {
        let src = v.as_str().ok_or_else(|| ExportError::Template {
            key: k.clone(),
            message: "应为字符串".into(),
        })?;
        env.template_from_str(src)
            .map_err(|e| ExportError::Template {
                key: k.clone(),
                message: e.to_string(),
            })?;
    }
    Ok(())
}

/// Lays out the letter for a case; keys missing from `template` come from the default.
pub fn letter(template: &str, d: &LetterData) -> Result<Document, ExportError> {
    let own = parse(template)?;
    let default = parse(DEFAULT_LETTERS)?;
    let env = minijinja::Environment::new();
    // The outcome as the letter names it: the row label without its list number.
    let outcome = d
        .outcome
        .label()
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    let ctx = json!({
        "agency": d.agency, "case_no": d.case_no, "applicant": d.applicant, "subject": d.subject,
        "received_cn": date_cn(d.received), "reply_date_cn": date_cn(d.reply_date), "outcome": outcome,
    });
    let get = |key: &str| -> Result<String, ExportError> {
        let src = own
            .get(key)
            .or_else(|| default.get(key))
            .and_then(|v| v.as_str())
            .unwrap_or("");
        env.render_str(src, &ctx)
            .map_err(|e| ExportError::Template {
                key: key.into(),
                message: e.to_string(),
            })
    };
    let mut paras = Vec::new();
    for key in ["opening", family(d.outcome), "closing"] {
        paras.extend(
            get(key)?
                .split("\n\n")
                .map(|p| p.lines().map(str::trim).collect::<String>())
                .filter(|p| !p.is_empty()),
        );
    }
    Ok(Document {
        title: get("title")?.trim().to_string(),
        preamble: paras,
        sections: vec![],
    })
}

/// The letter as HTML, DOCX or PDF (any other format: HTML).
pub fn render_letter(
    template: &str,
    d: &LetterData,
    format: Format,
) -> Result<Vec<u8>, ExportError> {
    let doc = letter(template, d)?;
    match format {
        Format::Docx => crate::docx::render(&doc),
        Format::Pdf => crate::typeset::render(&doc, &crate::typeset::fonts_dir()),
        _ => Ok(crate::html::render(&doc).into_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn data(o: Outcome) -> LetterData {
        LetterData {
            agency: "某市公共资源交易中心".into(),
            case_no: "A-1".into(),
            applicant: "张三".into(),
            received: date!(2025 - 03 - 03),
            subject: "某项目中标结果".into(),
            outcome: o,
            reply_date: date!(2025 - 03 - 20),
        }
    }

    #[test]
    fn each_family_gets_its_wording_and_remedies() {
        for o in Outcome::ALL {
            let d = letter("", &data(*o)).unwrap_or_else(|e| panic!("{e}"));
            let text = d.preamble.join("\n");
            assert!(text.starts_with("张三："), "{text}");
            assert!(
                text.contains("2025年3月3日") && text.contains("A-1") && text.contains("六个月内")
            );
            assert!(text.contains("2025年3月20日"));
        }
        let deny = letter("", &data(Outcome::DenyStateSecret))
            .unwrap_or_else(|e| panic!("{e}"))
            .preamble
            .join("");
        assert!(deny.contains("属于国家秘密") && deny.contains("第十四条"));
        let own = "granted = \"同意公开。\"";
        assert!(
            letter(own, &data(Outcome::Granted))
                .unwrap_or_else(|e| panic!("{e}"))
                .preamble
                .join("")
                .contains("同意公开。")
        );
        assert!(validate("bogus = \"x\"").is_err());
        assert!(
            validate("granted = \"{% if %}\"")
                .unwrap_err()
                .to_string()
                .contains("granted")
        );
    }
}
