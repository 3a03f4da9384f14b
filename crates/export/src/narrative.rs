//! The narrative sections, written from an editable template that quotes the figures.
//!
//! A template is a TOML document with the keys `title`, `preamble`, `overview` (section 一),
//! `problems` (五) and `other` (六); each value is a minijinja template. Blank lines separate
//! paragraphs.

use gongkai_domain::codes::ChannelKind;
use gongkai_domain::numfmt::{approx, date_cn};
use gongkai_domain::report::{AnnualReport, T3Row, TOTAL_COL};
use serde_json::json;

use crate::ExportError;

/// The default template of a public resource trading centre; it reads like the reference report.
pub const DEFAULT_TEMPLATE: &str = include_str!("default_template.toml");

const KEYS: [&str; 5] = ["title", "preamble", "overview", "problems", "other"];

/// The rendered narrative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Narrative {
    pub title: String,
    pub preamble: Vec<String>,
    pub overview: Vec<String>,
    pub problems: Vec<String>,
    pub other: Vec<String>,
}

/// The values a template can quote.
pub fn context(r: &AnnualReport) -> serde_json::Value {
    let channel = |k: ChannelKind| {
        r.channels
            .iter()
            .filter(|c| c.kind == k)
            .max_by_key(|c| c.posts)
            .map(|c| {
                let (posts, reads) = r
                    .channels
                    .iter()
                    .filter(|x| x.kind == k)
                    .fold((0, 0), |a, x| (a.0 + x.posts, a.1 + x.reads));
                json!({"name": c.name, "posts": posts, "reads": reads})
            })
    };
    let t = &r.requests;
    json!({
        "agency": r.agency,
        "year": r.period.to.year(),
        "period": {
            "from": gongkai_domain::period::iso(r.period.from),
            "to": gongkai_domain::period::iso(r.period.to),
            "from_cn": date_cn(r.period.from),
            "to_cn": date_cn(r.period.to),
        },
        "established_this_year": r.period.from.ordinal() > 1,
        "established_age": (r.period.from.ordinal() > 1).then(|| age_cn(r.period.from, r.period.to)),
        "figures": r.figures,
        "requests": {
            "received": t.get(T3Row::NewReceived, TOTAL_COL),
            "carried_over": t.get(T3Row::CarriedOver, TOTAL_COL),
            "processed": t.get(T3Row::TotalProcessed, TOTAL_COL),
            "carried_forward": t.get(T3Row::CarriedForward, TOTAL_COL),
            "late": r.figures.requests_late,
        },
        "portal": channel(ChannelKind::Portal),
        "wechat": channel(ChannelKind::Wechat),
    })
}

/// How long an agency established on `from` had existed by `to`, as a report says it:
/// “半年” for five to seven months, else the months (“不足一个月” under one).
fn age_cn(from: time::Date, to: time::Date) -> String {
    let months = (to.year() - from.year()) * 12 + i32::from(u8::from(to.month()))
        - i32::from(u8::from(from.month()));
    match months {
        ..=0 => "不足一个月".to_string(),
        5..=7 => "半年".to_string(),
        n => format!("{n}个月"),
    }
}

/// The paragraph marker a template writes for a numbered heading: numbered （一）（二）… in
/// the order the rendered text has them, so that a paragraph left out leaves no gap.
pub const AUTO_NUMBER: &str = "（#）";

/// Replaces each [`AUTO_NUMBER`] marker of a rendered section with the next Chinese ordinal.
fn number_headings(s: &str) -> String {
    const CN: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    let mut out = String::with_capacity(s.len());
    for (i, part) in s.split(AUTO_NUMBER).enumerate() {
        if i > 0 {
            let n = CN
                .get(i - 1)
                .map_or_else(|| i.to_string(), |c| (*c).to_string());
            out.push_str(&format!("（{n}）"));
        }
        out.push_str(part);
    }
    out
}

/// Checks a template without a report: TOML shape and template syntax.
pub fn validate(template: &str) -> Result<(), ExportError> {
    let table = parse(template)?;
    let env = environment();
    for key in KEYS {
        if let Some(src) = table.get(key).and_then(|v| v.as_str()) {
            env.template_from_str(src)
                .map_err(|e| ExportError::Template {
                    key: key.into(),
                    message: e.to_string(),
                })?;
        }
    }
    Ok(())
}

fn parse(template: &str) -> Result<toml::Table, ExportError> {
    let table: toml::Table = toml::from_str(template).map_err(|e| ExportError::Template {
        key: "TOML".into(),
        message: e.message().to_string(),
    })?;
    for (k, v) in &table {
        if !KEYS.contains(&k.as_str()) {
            return Err(ExportError::Template {
                key: k.clone(),
                message: format!("未知的模板项，可用：{}", KEYS.join("、")),
            });
        }
        if !v.is_str() {
            return Err(ExportError::Template {
                key: k.clone(),
                message: "应为字符串".into(),
            });
        }
    }
    Ok(table
        .into_iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k, toml::Value::String(s.to_string()))))
        .collect())
}

fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.add_filter("approx", |n: i64| approx(n));
    env
}

/// Renders the narrative of a report. Keys missing from `template` come from the default.
pub fn render(template: &str, r: &AnnualReport) -> Result<Narrative, ExportError> {
    let own = parse(template)?;
    let default = parse(DEFAULT_TEMPLATE)?;
    let env = environment();
    let ctx = context(r);
    let get = |key: &str| -> Result<String, ExportError> {
        let src = own
            .get(key)
            .or_else(|| default.get(key))
            .and_then(|v| v.as_str())
            .unwrap_or("");
        env.render_str(src, &ctx)
            .map(|s| number_headings(&s))
            .map_err(|e| ExportError::Template {
                key: key.into(),
                message: e.to_string(),
            })
    };
    let paras = |s: String| -> Vec<String> {
        s.split("\n\n")
            .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(""))
            .filter(|p| !p.is_empty())
            .collect()
    };
    Ok(Narrative {
        title: get("title")?.trim().to_string(),
        preamble: paras(get("preamble")?),
        overview: paras(get("overview")?),
        problems: paras(get("problems")?),
        other: paras(get("other")?),
    })
}

#[cfg(test)]
mod numbering_tests {
    use super::*;

    #[test]
    fn markers_are_numbered_in_order_and_ages_read_as_a_report_says_them() {
        assert_eq!(
            number_headings("（#）甲。\n\n（#）乙。（#）丙"),
            "（一）甲。\n\n（二）乙。（三）丙"
        );
        assert_eq!(number_headings("无标记"), "无标记");
        let d = |y, m: time::Month, day| time::Date::from_calendar_date(y, m, day).ok();
        use time::Month::*;
        let age = |a, b| match (a, b) {
            (Some(a), Some(b)) => age_cn(a, b),
            _ => String::new(),
        };
        assert_eq!(age(d(2024, May, 29), d(2024, December, 31)), "半年");
        assert_eq!(age(d(2024, November, 2), d(2024, December, 31)), "1个月");
        assert_eq!(
            age(d(2024, December, 2), d(2024, December, 31)),
            "不足一个月"
        );
        assert_eq!(age(d(2024, February, 1), d(2024, December, 31)), "10个月");
    }
}
