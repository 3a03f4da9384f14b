//! PDF output read back as a reader would: poppler's `pdftotext` (the text, and with `-layout`
//! the table rows) and `pdffonts` (the fonts embedded). poppler-utils is required
//! (`scripts/deps`): a missing tool fails these tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use gongkai_domain::codes::Outcome;
use gongkai_export::letters::{LetterData, render_letter};
use gongkai_export::typeset::{self, DEFAULT_FONTS_DIR};
use gongkai_export::{Block, DEFAULT_TEMPLATE, Document, Format, SECTION_TITLES, render};
use time::macros::date;

use gongkai_domain::report::T3Row;

use crate::{LABELS, sample, t3_cells};

fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("d.pdf");
    std::fs::write(&path, pdf).unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(tool)
        .args(args)
        .arg(&path)
        .args(if tool == "pdftotext" { &["-"][..] } else { &[] })
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils) is required: {e}"));
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text with all white space taken out (the PDF wraps lines where the page ends).
fn squeezed(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The numbers printed after `label` on its line of `pdftotext -layout`.
fn row_values(layout: &str, label: &str) -> Vec<String> {
    let line = layout
        .lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no line with {label}:\n{layout}"));
    line.split_once(label)
        .map(|(_, rest)| rest.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

fn fonts_dir() -> PathBuf {
    PathBuf::from(DEFAULT_FONTS_DIR)
}

#[test]
fn report_pdf_has_the_title_the_official_tables_and_embedded_cjk_fonts() {
    let r = sample();
    let pdf = render(&r, DEFAULT_TEMPLATE, Format::Pdf).unwrap_or_else(|e| panic!("{e}"));
    assert!(pdf.starts_with(b"%PDF-"));
    let text = squeezed(&poppler("pdftotext", &[], &pdf));
    assert!(
        text.contains("某市公共资源交易中心2024年政府信息公开工作年度报告"),
        "{text}"
    );
    for t in SECTION_TITLES {
        assert!(text.contains(&squeezed(t)), "missing section title {t}");
    }
    for l in LABELS {
        assert!(text.contains(&squeezed(l)), "missing label {l}");
    }
    assert!(
        text.contains("5800余条") && text.contains("4437万元"),
        "{text}"
    );
    // Table 三's rows with their seven values (natural person … total), as printed.
    let layout = poppler("pdftotext", &["-layout"], &pdf);
    let v = |label| row_values(&layout, label);
    assert_eq!(
        v("一、本年新收政府信息公开申请数量"),
        t3_cells(&r, T3Row::NewReceived)
    );
    assert_eq!(v("（七）总计"), t3_cells(&r, T3Row::TotalProcessed));
    assert_eq!(
        v("四、结转下年度继续办理"),
        t3_cells(&r, T3Row::CarriedForward)
    );
    assert_eq!(v("行政事业性收费"), ["20.3"]);
    // Page numbers in the footer.
    // Page numbers in the footer: "— 1 —" (how wide the gaps come out is the reader's guess).
    let pages = squeezed(&layout);
    assert!(pages.contains("—1—") && pages.contains("—2—"), "{layout}");
    let fonts = poppler("pdffonts", &[], &pdf);
    for family in ["NotoSerifCJKsc", "NotoSansCJKsc"] {
        assert!(
            fonts
                .lines()
                .any(|l| l.contains(family)
                    && l.split_whitespace().filter(|w| *w == "yes").count() >= 2),
            "{family} not embedded as a subset:\n{fonts}"
        );
    }
    // The same data gives the same bytes (a redraft of an unchanged report hashes the same).
    let again = render(&sample(), DEFAULT_TEMPLATE, Format::Pdf).unwrap_or_else(|e| panic!("{e}"));
    assert!(again == pdf, "PDF output is not deterministic");
}

#[test]
fn text_that_looks_like_typst_markup_prints_literally() {
    let nasty =
        r#"#set page(paper: "a6") ] $x^2$ \ <script>alert(1)</script> *粗* _斜_ @ref // 注释"#;
    let doc = Document {
        title: format!("标题{nasty}"),
        preamble: vec![format!("正文{nasty}"), format!("部分**加粗{nasty}**结束")],
        sections: vec![("一、总体情况".into(), vec![Block::Paragraph(nasty.into())])],
    };
    let pdf = typeset::render(&doc, &fonts_dir()).unwrap_or_else(|e| panic!("{e}"));
    let text = squeezed(&poppler("pdftotext", &[], &pdf));
    let want = squeezed(nasty);
    assert!(text.contains(&format!("标题{want}")), "{text}");
    assert!(text.contains(&format!("正文{want}")), "{text}");
    assert!(text.contains(&format!("部分加粗{want}结束")), "{text}");
    assert!(!text.contains("**"), "{text}");
    // Still A4 (595 × 842 pt): the `#set page` in the text did nothing.
    let info = poppler("pdfinfo", &[], &pdf);
    assert!(info.contains("595.276 x 841.89"), "{info}");
}

#[test]
fn letter_pdf_says_what_the_html_letter_says() {
    let d = LetterData {
        agency: "某市公共资源交易中心".into(),
        case_no: "2025-007".into(),
        applicant: "张三".into(),
        received: date!(2025 - 03 - 03),
        subject: "某项目中标结果".into(),
        outcome: Outcome::DenyStateSecret,
        reply_date: date!(2025 - 03 - 20),
    };
    let pdf = render_letter("", &d, Format::Pdf).unwrap_or_else(|e| panic!("{e}"));
    let text = squeezed(&poppler("pdftotext", &[], &pdf));
    let doc = gongkai_export::letters::letter("", &d).unwrap_or_else(|e| panic!("{e}"));
    assert!(text.contains(&squeezed(&doc.title)), "{text}");
    for p in &doc.preamble {
        assert!(
            text.contains(&squeezed(&p.replace("**", ""))),
            "{p}\n{text}"
        );
    }
    assert!(
        text.contains("张三") && text.contains("属于国家秘密"),
        "{text}"
    );
}

#[test]
fn a_missing_font_directory_is_a_chinese_error_naming_it() {
    let dir = Path::new("/nonexistent/gongkai-fonts");
    let e = typeset::render(
        &Document::build(&sample(), DEFAULT_TEMPLATE).unwrap_or_else(|e| panic!("{e}")),
        dir,
    )
    .err()
    .unwrap_or_else(|| panic!("rendered without fonts"))
    .to_string();
    assert!(
        e.contains("/nonexistent/gongkai-fonts") && e.contains("字体"),
        "{e}"
    );
    // A directory without the Noto CJK files names the file it misses.
    let empty = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let e = typeset::check_fonts(empty.path())
        .err()
        .unwrap_or_else(|| panic!("loaded fonts from an empty directory"))
        .to_string();
    assert!(
        e.contains("NotoSerifCJK-Regular.ttc") && e.contains("fonts-noto-cjk"),
        "{e}"
    );
}
