//! The auditor on the reference reports, read the way `gongkai audit` reads them: both readings
//! of every table (by labels and headers, and by position) agree, and the JSON says how each
//! table was read.

use gongkai_domain::audit::{Audit, audit_text};
use gongkai_export::read::report_text;

fn audit(rel: &str) -> Audit {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/reference")
        .join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let text = report_text(rel, &bytes).unwrap_or_else(|e| panic!("{e}"));
    audit_text(rel, &text)
}

#[test]
fn reference_tables_are_read_twice_and_agree() {
    for (rel, method, tables) in [
        ("wuzhong-ggzy-2024-annual-report.txt", "grid", 2),
        (
            "real-reports/02-pingtan-zonghe-shiyanqu-2019.html",
            "grid",
            3,
        ),
        (
            "real-reports/03-pingtan-zonghe-shiyanqu-2020.html",
            "grid",
            3,
        ),
        (
            "real-reports/04-pingtan-zonghe-shiyanqu-2021.html",
            "grid",
            3,
        ),
        ("real-reports/07-hongze-quzhengfu-2023.txt", "text", 3),
        ("real-reports/09-huaian-shizhengfu-2024.txt", "text", 3),
        ("real-reports/10-hongze-quzhengfu-2024.txt", "text", 3),
    ] {
        let a = audit(rel);
        assert_eq!(a.readings.len(), tables, "{rel}: {:?}", a.findings);
        for (table, r) in &a.readings {
            assert_eq!(r.method, method, "{rel} {table}");
            assert!(r.confidence >= 0.9, "{rel} {table}: {r:?}");
        }
        let json = serde_json::to_value(&a).unwrap_or_default();
        assert!(json["readings"].is_object(), "{rel}");
    }
    // The reference's table 四 data row has 16 values under 15 headers: not read, reported.
    let r = audit("wuzhong-ggzy-2024-annual-report.txt");
    assert!(
        r.findings
            .iter()
            .any(|f| f.code == "TABLE_SHAPE" && f.place == "表四" && f.message.contains("16")),
        "{:?}",
        r.findings
    );
    // Its label variants, each found in its cell.
    for found in ["本年接收", "不在处理", "商业机构", "申请行政复议"] {
        assert!(
            r.findings
                .iter()
                .any(|f| f.code == "LABEL_VARIANT" && f.message.contains(found)),
            "{found}: {:?}",
            r.findings
        );
    }
}

#[test]
fn the_pdfs_built_in_text_reads_as_the_extracted_text() {
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/reference/real-reports");
    for n in [
        "07-hongze-quzhengfu-2023",
        "09-huaian-shizhengfu-2024",
        "10-hongze-quzhengfu-2024",
    ] {
        let bytes = std::fs::read(base.join(format!("{n}.pdf"))).unwrap_or_default();
        let direct = pdf_extract::extract_text_from_mem(&bytes).unwrap_or_default();
        let a = audit_text(n, &direct);
        let b = audit(&format!("real-reports/{n}.txt"));
        assert_eq!((&a.requests, &a.appeals), (&b.requests, &b.appeals), "{n}");
        assert!(
            !a.findings.iter().any(|f| f.code == "TABLE_SHAPE"),
            "{n}: {:?}",
            a.findings
        );
    }
}

/// The real HTML reports printed to PDF by a browser (page header and footer, tables broken
/// over pages) read, through the layout of the PDF, as the HTML does. Needs Chromium and
/// poppler-utils (fails without them).
#[test]
fn reference_html_reports_printed_by_a_browser_read_as_the_html() {
    gongkai_export::testing::use_built_reader();
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/reference/real-reports");
    let names = [
        "02-pingtan-zonghe-shiyanqu-2019",
        "03-pingtan-zonghe-shiyanqu-2020",
        "04-pingtan-zonghe-shiyanqu-2021",
    ];
    let pages: Vec<String> = names
        .iter()
        .map(|n| {
            std::fs::read_to_string(base.join(format!("{n}.html")))
                .unwrap_or_else(|e| panic!("{n}: {e}"))
        })
        .collect();
    let pdfs = gongkai_export::testing::print_to_pdf(&pages).unwrap_or_else(|e| panic!("{e}"));
    for (n, pdf) in names.iter().zip(&pdfs) {
        let text = report_text(&format!("{n}.pdf"), pdf).unwrap_or_else(|e| panic!("{e}"));
        let a = audit_text(n, &text);
        let h = audit(&format!("real-reports/{n}.html"));
        // Every table read by its layout, to the values and findings of the HTML.
        assert_eq!(
            (&a.proactive, &a.requests, &a.appeals),
            (&h.proactive, &h.requests, &h.appeals),
            "{n}: {:?}",
            a.findings
        );
        assert_eq!(a.readings.len(), 3, "{n}: {:?}", a.findings);
        assert!(
            a.readings.values().all(|r| r.method == "layout"),
            "{n}: {:?}",
            a.readings
        );
        let codes = |x: &Audit| {
            let mut c: Vec<&str> = x.findings.iter().map(|f| f.code).collect();
            c.sort();
            c
        };
        assert_eq!(codes(&a), codes(&h), "{n}: {:?}", a.findings);
    }
}
