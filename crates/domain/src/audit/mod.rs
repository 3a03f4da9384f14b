//! Reading a published annual report (text already extracted from its file) and checking it
//! (contracts.md §5).
//!
//! Each table is read twice. By structure (`structured`): the grids of its region — from the
//! file's table markup, or its lines cut at their separators (`grid`) — with every row
//! identified by its label and every value column by its header. By position (`tables`): the
//! numbers of the region in reading order, placed in the template's fixed layout. Where both
//! readings exist they must agree; a disagreement, a row with more values than the template has
//! columns, or a row found twice is `TABLE_SHAPE` rather than a guess. `Audit::readings` says how
//! each table was read.
//!
//! By concern: `grid` holds grids and their transport inside text; `markup` extracts text from
//! HTML and DOCX markup without a tree (the fallback for very large files); `sections` finds the
//! six sections, the title's agency and year and the statistics period; `structured` and
//! `tables` read tables 二, 三 and 四; `checks` turns what was read into the remaining findings
//! (balances, period, fee statement, narrative, consecutive years). This module holds the public
//! types and the order in which `audit_text` runs them.

mod checks;
pub mod grid;
mod markup;
mod sections;
mod structured;
mod tables;

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::report::{T3_COLS, T3Row};

pub use checks::compare_years;
pub use grid::Extracted;
pub use markup::{Markup, markup_to_text};
pub use tables::Reading;

use grid::Grid;
use sections::Sections;
use tables::Decided;

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
    /// How each table that could be read was read (`proactive`, `requests`, `appeals`): the
    /// method (`grid`, `layout`, `text`) and a confidence.
    pub readings: BTreeMap<&'static str, Reading>,
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

/// The grids of a section's region: those the file's markup gave (their first row inside the
/// region), else the region's lines cut into cells.
fn region_grids<'a>(s: &Sections, grids: &'a [Grid], i: usize) -> Cow<'a, [Grid]> {
    let Some((from, to)) = s.range(i) else {
        return Cow::Owned(Vec::new());
    };
    // The grids come in the order of their lines, so those inside the region
    // are a run of the list.
    let start = grids.partition_point(|g| g.line < from);
    let end = start + grids[start..].partition_point(|g| g.line < to);
    if end > start {
        return Cow::Borrowed(&grids[start..end]);
    }
    Cow::Owned(vec![grid::text_rows(
        s.lines.get(from..to).unwrap_or(&[]),
        from,
    )])
}

/// Reads and checks one report's text (as `gongkai_export::read::report_text` gives it: plain
/// text, with the grids of its tables inside when the file had table markup or a layout).
pub fn audit_text(file: &str, text: &str) -> Audit {
    audit_report(file, Extracted::from_text(text.to_string()))
}

/// Reads and checks one report as a reader gave it (`gongkai_export::read::report`): its text
/// and the grids of its tables. The same audit as [`audit_text`] of its text form
/// ([`Extracted::to_text`]), without writing the grids into the text and parsing them back.
pub fn audit_report(file: &str, report: Extracted) -> Audit {
    let mut findings = Vec::new();
    let (lines, grids) = report.into_lines();
    // Sections: the first heading line of each, in order.
    let s = Sections::find(lines);
    let numerals = s.numerals();
    s.missing(&mut findings);
    let all = s.all();
    // Agency and year from the title.
    let (year, agency) = sections::year_and_agency(s.joined(0, 8));
    // Format: the 2019 trial template has these labels.
    let t2 = s.region(1).unwrap_or(&[]);
    let is_2019 = tables::is_2019(s.joined_region(1).unwrap_or(""));
    let t3 = s.region(2).unwrap_or(&[]);
    let t3_grids = region_grids(&s, &grids, 2);
    let t3_read = structured::T3Grids::new(&t3_grids);
    let single_other =
        tables::single_other(s.joined_region(2).unwrap_or("")) && !t3_read.has_split_other();
    let format = if is_2019 { "2019" } else { "2021" };
    let mut readings = BTreeMap::new();

    // Each table read twice: by labels and headers, and by position; `decide` weighs them.
    let mut proactive = json!({});
    let mut structured_variants = Vec::new();
    let mut grid_read = false;
    if s.has(1) {
        let t2_grids = region_grids(&s, &grids, 1);
        let st = structured::read_t2(&t2_grids, is_2019);
        grid_read |= st.source.is_some_and(|x| x != grid::Source::Spaces) && st.any;
        structured_variants.extend(st.variants.iter().cloned());
        let pos = tables::positional_t2(t2, is_2019);
        let name = |i: usize| tables::t2_slot_name(is_2019, i);
        match tables::decide("表二", &st, pos, &name, &mut findings) {
            Some(Decided::Whole(vals, r)) => {
                proactive = tables::t2_json(&vals, is_2019, &mut findings);
                readings.insert("proactive", r);
            }
            Some(Decided::Part(slots, r)) => {
                proactive = tables::part_json(&slots, &tables::t2_keys(is_2019), |v| {
                    tables::t2_json(v, is_2019, &mut findings)
                });
                readings.insert("proactive", r);
            }
            None => {}
        }
    }
    let mut t3_table = None;
    let mut t3_part = None;
    if s.range(2).is_some() {
        let st = t3_read.read(single_other);
        grid_read |= st.source.is_some_and(|x| x != grid::Source::Spaces) && st.any;
        structured_variants.extend(st.variants.iter().cloned());
        let pos = tables::positional_t3(t3, single_other);
        let name = |i: usize| tables::t3_slot_name(single_other, i);
        match tables::decide("表三", &st, pos, &name, &mut findings) {
            Some(Decided::Whole(vals, r)) => {
                t3_table = Some(tables::t3_table(&vals, single_other, &mut findings));
                readings.insert("requests", r);
            }
            Some(Decided::Part(slots, r)) => {
                t3_part = Some(tables::part_json(
                    &slots,
                    &tables::t3_keys(single_other),
                    |v| {
                        let t = tables::t3_table(v, single_other, &mut findings);
                        tables::t3_json(&t, single_other)
                    },
                ));
                readings.insert("requests", r);
            }
            None => {}
        }
    }
    let mut t4_table = None;
    let mut t4_part = None;
    if let Some(r4) = s.region(3) {
        let t4_grids = region_grids(&s, &grids, 3);
        let st = structured::read_t4(&t4_grids);
        let pos = tables::positional_t4(r4);
        match tables::decide("表四", &st, pos, &tables::t4_slot_name, &mut findings) {
            Some(Decided::Whole(vals, r)) => {
                t4_table = Some(tables::t4_table(&vals, &mut findings));
                readings.insert("appeals", r);
            }
            Some(Decided::Part(slots, r)) => {
                t4_part = Some(tables::part_json(&slots, &tables::t4_keys(), |v| {
                    let t = tables::t4_table(v, &mut findings);
                    serde_json::to_value(t).unwrap_or_else(|_| json!({}))
                }));
                readings.insert("appeals", r);
            }
            None => {}
        }
    }
    // The consistency rules on what was read.
    checks::balances(t3_table.as_ref(), t4_table.as_ref(), &mut findings);
    // Labels that differ from the official wording: compared cell by cell where the tables came
    // as cells, else looked for in the text.
    if grid_read {
        for (found, official, place) in structured_variants {
            let f = Finding::warning("LABEL_VARIANT", place, format!("“{found}”应为“{official}”"));
            if !findings.contains(&f) {
                findings.push(f);
            }
        }
    } else {
        tables::label_variants(all, t3, t3_table.is_some(), single_other, &mut findings);
    }
    s.title_variants(&mut findings);
    // Period.
    let period = sections::period(all);
    let period_json =
        period.map(|(f, t)| json!({"from": crate::period::iso(f), "to": crate::period::iso(t)}));
    checks::period(period, year, &mut findings);
    checks::fee_statement(s.joined_region(5), year, &mut findings);
    checks::narrative(t3_table.as_ref(), s.joined_region(0), &mut findings);
    let requests = t3_table
        .as_ref()
        .map(|t| tables::t3_json(t, single_other))
        .or(t3_part)
        .unwrap_or_else(|| json!({}));
    let appeals = t4_table
        .as_ref()
        .and_then(|t| serde_json::to_value(t).ok())
        .or(t4_part)
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
        readings,
        carried_forward: t3_table
            .as_ref()
            .map(|t| t.cells[T3Row::CarriedForward.index()]),
        carried_over: t3_table
            .as_ref()
            .map(|t| t.cells[T3Row::CarriedOver.index()]),
    }
}

/// Whether a line of text reads as the heading of one of the report's six sections (a table
/// never runs across one; readers that find tables by position use this).
pub fn is_section_heading(line: &str) -> bool {
    sections::is_heading(line)
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
            Just(format!("\n{}\n", grid::GRID_START)),
            Just(format!("\n{}\n", grid::GRID_END)),
            Just(format!("\t{}", grid::SPANNED)),
            Just("\n| 一、本年新收政府信息公开申请数量 | 1 | 0 |\n".to_string()),
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
