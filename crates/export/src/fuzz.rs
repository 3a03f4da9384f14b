//! The auditor's readers fuzzed from the generated corpus ([`crate::corpus`]): the HTML grid
//! reader, the DOCX grid reader (both writers' XML), the PDF layout reader (words placed as a
//! printed table, moved, dropped and doubled) and the plain-text separators (tabs, pipes, runs
//! of spaces, one cell per line), each fed the corpus report's files cut, doubled and spliced
//! with the tokens that matter to it. Whatever they are given, they never panic, and what the
//! auditor makes of it always serialises; the markup readers' hand-over and its text form audit
//! the same.
//!
//! A short run in the test suite (proptest, a few dozen cases per target; every input is a few
//! tens of kilobytes, read under the readers' own bounds).

use gongkai_domain::audit::{Audit, audit_report, audit_text};
use proptest::prelude::*;

use crate::corpus::{MUTATIONS, Mutation, lines_doc, mutated_doc, other_docx, report, text_doc};
use crate::{DEFAULT_TEMPLATE, Document};

/// Cases per target.
const CASES: u32 = 40;

fn doc(how: Mutation) -> Document {
    let base = Document::build(&report(), DEFAULT_TEMPLATE).unwrap_or_else(|e| panic!("{e}"));
    mutated_doc(&base, how)
}

/// One change to a text.
#[derive(Debug, Clone)]
enum Edit {
    /// Remove `len` characters from a position.
    Cut(usize, usize),
    /// Double `len` characters at a position.
    Dup(usize, usize),
    /// Put token `k` of the target's list at a position.
    Insert(usize, usize),
    /// Swap two lines.
    Swap(usize, usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    proptest::collection::vec(
        prop_oneof![
            (any::<usize>(), 0usize..200).prop_map(|(a, n)| Edit::Cut(a, n)),
            (any::<usize>(), 0usize..400).prop_map(|(a, n)| Edit::Dup(a, n)),
            (any::<usize>(), any::<usize>()).prop_map(|(a, k)| Edit::Insert(a, k)),
            (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Swap(a, b)),
        ],
        0..16,
    )
}

/// `text` with `edits` applied (positions taken modulo its length, on character boundaries).
fn apply(text: &str, edits: &[Edit], tokens: &[&str]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let n = chars.len().max(1);
        match *e {
            Edit::Cut(a, len) => {
                let a = a % n;
                let b = (a + len).min(chars.len());
                if a < b {
                    chars.drain(a..b);
                }
            }
            Edit::Dup(a, len) => {
                let a = a % n;
                let b = (a + len).min(chars.len());
                if a < b {
                    let part: Vec<char> = chars[a..b].to_vec();
                    chars.splice(b..b, part);
                }
            }
            Edit::Insert(a, k) => {
                let a = (a % n).min(chars.len());
                if let Some(t) = tokens.get(k % tokens.len().max(1)) {
                    chars.splice(a..a, t.chars());
                }
            }
            Edit::Swap(a, b) => {
                let s: String = chars.iter().collect();
                let mut lines: Vec<&str> = s.split('\n').collect();
                if lines.len() > 1 {
                    let (a, b) = (a % lines.len(), b % lines.len());
                    lines.swap(a, b);
                }
                chars = lines.join("\n").chars().collect();
            }
        }
    }
    chars.into_iter().collect()
}

fn serialises(a: &Audit) -> bool {
    serde_json::to_string(a).is_ok()
}

/// A file read as the command line reads it, and its text form, audited: the same audit, and
/// it serialises.
fn audit_file(name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let (Ok(report), Ok(text)) = (
        crate::read::report(name, bytes),
        crate::read::report_text(name, bytes),
    ) else {
        // A refusal (not a report, not UTF-8, a broken zip) is an answer too.
        return Ok(());
    };
    let a = audit_report("fuzz", report);
    let b = audit_text("fuzz", &text);
    prop_assert!(serialises(&a));
    prop_assert_eq!(a, b);
    Ok(())
}

const HTML_TOKENS: &[&str] = &[
    "<td>",
    "</td>",
    "<th>",
    "<tr>",
    "</tr>",
    "<table>",
    "</table>",
    "<td rowspan=\"9999\">",
    "<td colspan=\"0\">",
    "<td colspan=\"99999999999999999999\">",
    "<th colspan=\"-3\" rowspan=\"x\">",
    "<p>",
    "<br>",
    "<thead>",
    "<tbody>",
    "１２",
    "-",
    "\u{3000}",
    "&nbsp;",
    "&#0;",
    gongkai_domain::report::SECTION_TITLES[2],
    "（七）总计",
];

const DOCX_TOKENS: &[&str] = &[
    "<w:tc>",
    "</w:tc>",
    "<w:tr>",
    "</w:tr>",
    "<w:tbl>",
    "</w:tbl>",
    "<w:p>",
    "</w:p>",
    "<w:gridSpan w:val=\"64000\"/>",
    "<w:gridSpan w:val=\"0\"/>",
    "<w:vMerge/>",
    "<w:vMerge w:val=\"restart\"/>",
    "<w:gridBefore w:val=\"99999\"/>",
    "<mc:Fallback>",
    "</mc:Fallback>",
    "<w:sdtContent>",
    "<w:t>7</w:t>",
    "<w:t>",
    "</w:t>",
    "&amp;",
    "&#x0;",
];

const TEXT_TOKENS: &[&str] = &[
    "\t",
    "|",
    " | ",
    "  ",
    "\n",
    "\n\n",
    "---",
    "0",
    "12",
    "１２",
    "P. 3\n",
    "第3页\n",
    "（七）总计",
    "行政复议",
    "规章",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn the_html_grid_reader_never_panics(how in 0usize..10, edits in edits()) {
        let html = crate::html::render(&doc(MUTATIONS[how % MUTATIONS.len()]));
        audit_file("r.html", apply(&html, &edits, HTML_TOKENS).as_bytes())?;
    }

    #[test]
    fn the_docx_grid_reader_never_panics(
        how in 0usize..10,
        other in any::<bool>(),
        edits in edits(),
    ) {
        let d = doc(MUTATIONS[how % MUTATIONS.len()]);
        let bytes = if other {
            other_docx(&d)
        } else {
            crate::docx::render(&d).unwrap_or_else(|e| panic!("{e}"))
        };
        let xml = document_xml(&bytes);
        let xml = apply(&xml, &edits, DOCX_TOKENS);
        let a = audit_report("fuzz", crate::markup::docx(&xml));
        prop_assert!(serialises(&a));
        prop_assert_eq!(a, audit_text("fuzz", &crate::markup::docx_text(&xml)));
    }

    #[test]
    fn the_text_separators_never_panic(
        how in 0usize..10,
        form in 0usize..5,
        edits in edits(),
    ) {
        let d = doc(MUTATIONS[how % MUTATIONS.len()]);
        let text = match form {
            0 => text_doc(&d, "\t"),
            1 => text_doc(&d, " "),
            2 => text_doc(&d, " | "),
            3 => crate::md::render(&d),
            _ => lines_doc(&d),
        };
        let a = audit_text("fuzz", &apply(&text, &edits, TEXT_TOKENS));
        prop_assert!(serialises(&a));
    }

    #[test]
    fn the_pdf_layout_reader_never_panics(
        how in 0usize..10,
        moves in proptest::collection::vec((any::<usize>(), -30.0f64..30.0, -12.0f64..12.0, 0u8..4), 0..40),
        scale in 0.5f64..2.0,
    ) {
        let d = doc(MUTATIONS[how % MUTATIONS.len()]);
        let xhtml = printed(&d, &moves, scale);
        let pages = crate::bbox::parse(xhtml.as_bytes()).unwrap_or_default();
        let text = crate::bbox::text(&pages);
        prop_assert!(serialises(&audit_text("fuzz", &text)));
    }
}

/// A DOCX's `word/document.xml`.
fn document_xml(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"));
    let mut xml = String::new();
    z.by_name("word/document.xml")
        .unwrap_or_else(|e| panic!("{e}"))
        .read_to_string(&mut xml)
        .unwrap_or_else(|e| panic!("{e}"));
    xml
}

/// The words of a document as `pdftotext -bbox-layout` would give them for a printed page:
/// paragraphs at the left, each table's cells at the columns and rows of its grid (merged
/// cells centred over their area), pages of 50 lines; then word `i` of `moves` moved by
/// (dx, dy), dropped (kind 1), doubled (kind 2) or cut in two (kind 3).
fn printed(d: &Document, moves: &[(usize, f64, f64, u8)], scale: f64) -> String {
    let (line_h, col_w) = (14.0 * scale, 120.0 * scale);
    let mut words: Vec<(usize, f64, f64, f64, String)> = Vec::new();
    let mut line = 0usize;
    let put = |x: f64, text: &str, line: usize, words: &mut Vec<_>| {
        let w = 7.0 * scale * text.chars().count().max(1) as f64;
        words.push((
            line / 50,
            x,
            40.0 + (line % 50) as f64 * line_h,
            w,
            text.to_string(),
        ));
    };
    let para = |t: &str, line: &mut usize, words: &mut Vec<_>| {
        put(40.0, t, *line, words);
        *line += 1;
    };
    para(&d.title, &mut line, &mut words);
    for p in &d.preamble {
        para(p, &mut line, &mut words);
    }
    for (title, blocks) in &d.sections {
        para(title, &mut line, &mut words);
        for b in blocks {
            match b {
                crate::Block::Paragraph(p) => para(p, &mut line, &mut words),
                crate::Block::Table(g) => {
                    for (r, c, cell) in g.placed() {
                        for (k, part) in cell.text.split('\n').enumerate() {
                            if part.is_empty() {
                                continue;
                            }
                            let x = 30.0 + col_w * (c as f64 + (cell.colspan as f64 - 1.0) / 2.0);
                            let row = line + r + k + (cell.rowspan - 1) / 2;
                            put(x, part, row, &mut words);
                        }
                    }
                    line += g.rows.len() + 1;
                }
            }
        }
    }
    for (i, dx, dy, kind) in moves {
        let n = words.len();
        if n == 0 {
            break;
        }
        let i = i % n;
        match kind {
            0 => {
                words[i].1 += dx;
                words[i].2 += dy;
            }
            1 => {
                words.remove(i);
            }
            2 => {
                let w = words[i].clone();
                words.insert(i, w);
            }
            _ => {
                let w = words[i].clone();
                let chars: Vec<char> = w.4.chars().collect();
                if chars.len() > 1 {
                    let half = chars.len() / 2;
                    words[i].4 = chars[..half].iter().collect();
                    words[i].3 /= 2.0;
                    let right = (
                        w.0,
                        w.1 + w.3 / 2.0 + dx.abs(),
                        w.2,
                        w.3 / 2.0,
                        chars[half..].iter().collect(),
                    );
                    words.insert(i + 1, right);
                }
            }
        }
    }
    let pages = words.iter().map(|w| w.0).max().unwrap_or(0) + 1;
    let mut s = String::from("<html><body><doc>");
    for p in 0..pages {
        s.push_str("<page width=\"595\" height=\"842\"><flow><block><line>");
        for (_, x, y, w, text) in words.iter().filter(|w| w.0 == p) {
            let text = text.replace('&', "&amp;").replace('<', "&lt;");
            s.push_str(&format!(
                "<word xMin=\"{x:.3}\" yMin=\"{:.3}\" xMax=\"{:.3}\" yMax=\"{:.3}\">{text}</word>",
                y - 5.0 * scale,
                x + w,
                y + 5.0 * scale
            ));
        }
        s.push_str("</line></block></flow></page>");
    }
    s.push_str("</doc></body></html>");
    s
}

/// The printed layout without moves reads the corpus report's tables (so the fuzzer starts
/// from a page the layout reader understands).
#[test]
fn the_printed_layout_reads_the_tables() {
    let d = doc(Mutation::None);
    let text = crate::bbox::text(
        &crate::bbox::parse(printed(&d, &[], 1.0).as_bytes()).unwrap_or_default(),
    );
    let a = audit_text("printed", &text);
    let methods: Vec<&str> = a.readings.values().map(|r| r.method).collect();
    assert!(methods.contains(&"layout"), "{methods:?} {:?}", a.findings);
}

/// Table 二 printed with its first row (规章) and its last block (the fee) left blank: the
/// blank row stays under the header above it, the blank block is a table of its header, and
/// both read as zeros.
#[test]
fn the_printed_layout_reads_table_2s_blank_first_row_and_blank_last_block() {
    let mut d = doc(Mutation::None);
    for (_, blocks) in d.sections.iter_mut() {
        for b in blocks.iter_mut() {
            if let crate::Block::Table(g) = b
                && g.name == "表二"
            {
                for row in g.rows.iter_mut() {
                    let blank = row
                        .first()
                        .is_some_and(|c| c.text == "规章" || c.text == "行政事业性收费");
                    for c in row.iter_mut().filter(|c| blank && c.number) {
                        c.text.clear();
                    }
                }
            }
        }
    }
    let text = crate::bbox::text(
        &crate::bbox::parse(printed(&d, &[], 1.0).as_bytes()).unwrap_or_default(),
    );
    let a = audit_text("printed", &text);
    let json = serde_json::to_value(&a).unwrap_or_default();
    assert_eq!(
        json["proactive"]["rules"],
        serde_json::json!({"issued": 0, "repealed": 0, "in_force": 0}),
        "{:?}\n{text}",
        a.findings
    );
    assert_eq!(json["proactive"]["fees_wan_yuan"], "0", "{:?}", a.findings);
    assert_eq!(json["proactive"]["licensing_decisions"], 447);
    assert_eq!(a.readings["proactive"].method, "layout");
}
