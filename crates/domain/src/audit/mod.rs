//! Reading a published annual report (text already extracted from its file) and checking it
//! (contracts.md §5).
//!
//! Tables are read by structure and position rather than by exact labels: each table is the
//! region between two section titles, and its values are the numbers of that region in reading
//! order — table 三 has 7 per row in the fixed row order of the template (25 rows, or 23 where
//! （六）其他处理 is a single row as in the 2019 template), table 四 ends with its 15 values.
//! Labels only decide the template and raise `LABEL_VARIANT` warnings. When the numbers do not
//! fit the template the table is reported as `TABLE_SHAPE` rather than guessed.
//!
//! By concern: `markup` extracts text from HTML and DOCX markup; `sections` finds the six
//! sections, the title's agency and year and the statistics period; `tables` reads tables 二, 三
//! and 四 by position and notes label variants; `checks` turns what was read into the
//! remaining findings (balances, period, fee statement, narrative, consecutive years). This
//! module holds the public types and the order in which `audit_text` runs them.

mod checks;
mod markup;
mod sections;
mod tables;

use serde::Serialize;
use serde_json::{Value, json};

use crate::report::{T3_COLS, T3Row};

pub use checks::compare_years;
pub use markup::{Markup, markup_to_text};

use sections::{Sections, joined};

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: &'static str,
    #[serde(rename = "where")]
    pub place: String,
    pub message: String,
}

impl Finding {
    fn error(code: &'static str, place: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: "error",
            place: place.into(),
            message: message.into(),
        }
    }
    fn warning(
        code: &'static str,
        place: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            code,
            severity: "warning",
            place: place.into(),
            message: message.into(),
        }
    }
}

/// What was read from one report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Audit {
    pub file: String,
    pub format: String,
    pub agency: String,
    pub year: Option<i32>,
    pub period: Option<Value>,
    pub sections: Vec<&'static str>,
    pub proactive: Value,
    pub requests: Value,
    pub appeals: Value,
    pub findings: Vec<Finding>,
    /// The carried-forward row (for comparing consecutive years); not in the JSON.
    #[serde(skip)]
    pub carried_forward: Option<[i64; T3_COLS]>,
    #[serde(skip)]
    pub carried_over: Option<[i64; T3_COLS]>,
}

impl Audit {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == "error")
    }
}

/// Reads and checks one report's text.
pub fn audit_text(file: &str, text: &str) -> Audit {
    let mut findings = Vec::new();
    // Sections: the first heading line of each, in order.
    let s = Sections::find(text);
    let numerals = s.numerals();
    s.missing(&mut findings);
    let all = joined(&s.lines);
    // Agency and year from the title.
    let (year, agency) = sections::year_and_agency(&s.lines);
    // Format: the 2019 trial template has these labels.
    let t2 = s.region(1).unwrap_or(&[]);
    let is_2019 = tables::is_2019(t2);
    let t3 = s.region(2).unwrap_or(&[]);
    let single_other = tables::single_other(t3);
    let format = if is_2019 { "2019" } else { "2021" };

    let proactive = tables::read_table2(t2, s.has(1), is_2019, &mut findings);
    let t3_table = tables::read_table3(t3, s.has(2), single_other, &mut findings);
    let t4_table = s
        .region(3)
        .and_then(|r4| tables::read_table4(r4, &mut findings));
    // The consistency rules on what was read.
    checks::balances(t3_table.as_ref(), t4_table.as_ref(), &mut findings);
    // Labels that differ from the official wording.
    tables::label_variants(&all, t3, t3_table.is_some(), single_other, &mut findings);
    s.title_variant(&mut findings);
    // Period.
    let period = sections::period(&all);
    let period_json =
        period.map(|(f, t)| json!({"from": crate::period::iso(f), "to": crate::period::iso(t)}));
    checks::period(period, year, &mut findings);
    checks::fee_statement(s.region(5), &mut findings);
    checks::narrative(t3_table.as_ref(), s.region(0), &mut findings);
    let requests = t3_table
        .as_ref()
        .map(|t| tables::t3_json(t, single_other))
        .unwrap_or_else(|| json!({}));
    let appeals = t4_table
        .as_ref()
        .and_then(|t| serde_json::to_value(t).ok())
        .unwrap_or_else(|| json!({}));
    Audit {
        file: file.to_string(),
        format: format.to_string(),
        agency,
        year,
        period: period_json,
        sections: numerals,
        proactive,
        requests,
        appeals,
        findings,
        carried_forward: t3_table
            .as_ref()
            .map(|t| t.cells[T3Row::CarriedForward.index()]),
        carried_over: t3_table
            .as_ref()
            .map(|t| t.cells[T3Row::CarriedOver.index()]),
    }
}

/// A finding as one line of the text format.
pub fn finding_line(f: &Finding) -> String {
    let sev = if f.severity == "error" {
        "错误"
    } else {
        "提示"
    };
    format!("[{sev}] {} {}：{}", f.code, f.place, f.message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The reader never panics, whatever it is given (report-like fragments included).
        #[test]
        fn reading_never_panics(parts in proptest::collection::vec(prop_oneof![
            Just("三、收到和处理政府信息公开申请情况\n".to_string()),
            Just("四、政府信息公开行政复议、行政诉讼情况\n".to_string()),
            Just("二、主动公开政府信息情况\n".to_string()),
            Just("六、其他需要报告的事项\n".to_string()),
            Just("<tr><td>".to_string()),
            Just("</td></tr>".to_string()),
            Just("&#x;&#99999999;&".to_string()),
            "[0-9 .\\-]{0,12}",
            "\\PC{0,20}",
        ], 0..60)) {
            let text = parts.concat();
            let a = audit_text("f", &text);
            let _ = serde_json::to_string(&a);
            let _ = markup_to_text(&text, Markup::Html);
            let _ = markup_to_text(&text, Markup::Docx);
        }
    }
}
