//! Real reports read through the sandboxed child: by their layout, to the values and findings of
//! the text extracted from them.

use gongkai_export::read::{ReadErrorKind, report_text};

#[test]
fn the_real_pdfs_read_through_the_sandbox_as_before() {
    gongkai_export::testing::use_built_reader();
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/reference/real-reports");
    for n in [
        "07-hongze-quzhengfu-2023",
        "09-huaian-shizhengfu-2024",
        "10-hongze-quzhengfu-2024",
    ] {
        let bytes =
            std::fs::read(base.join(format!("{n}.pdf"))).unwrap_or_else(|e| panic!("{n}.pdf: {e}"));
        let text = report_text(&format!("{n}.pdf"), &bytes).unwrap_or_else(|e| panic!("{e}"));
        // Read by their layout, every table of them.
        let a = gongkai_domain::audit::audit_text(n, &text);
        assert_eq!(a.readings.len(), 3, "{n}: {:?}", a.findings);
        assert!(
            a.readings.values().all(|r| r.method == "layout"),
            "{n}: {:?}",
            a.readings
        );
        let t = std::fs::read_to_string(base.join(format!("{n}.txt"))).unwrap_or_default();
        let b = gongkai_domain::audit::audit_text(n, &t);
        assert_eq!(a.requests, b.requests, "{n}");
        assert_eq!(a.appeals, b.appeals, "{n}");
        assert_eq!(a.proactive, b.proactive, "{n}");
        let codes = |x: &gongkai_domain::audit::Audit| {
            let mut c: Vec<&str> = x.findings.iter().map(|f| f.code).collect();
            c.sort();
            c
        };
        assert_eq!(
            codes(&a),
            codes(&b),
            "{n}: {:?}\n{:?}",
            a.findings,
            b.findings
        );
    }
}

#[test]
fn a_damaged_pdf_is_refused_with_a_chinese_message() {
    gongkai_export::testing::use_built_reader();
    let e = report_text("broken.pdf", b"%PDF-1.4\nnot a pdf at all")
        .err()
        .unwrap_or_else(|| panic!("a damaged PDF was read"));
    assert_eq!(e.kind, ReadErrorKind::Unreadable, "{e}");
    assert!(e.to_string().starts_with("broken.pdf："), "{e}");
    assert!(e.message.contains("无法读取"), "{e}");
}

#[test]
fn a_pdf_without_a_text_layer_is_refused_as_a_scan() {
    gongkai_export::testing::use_built_reader();
    let e = report_text("scan.pdf", &gongkai_export::testing::text_free_pdf(false))
        .err()
        .unwrap_or_else(|| panic!("a PDF without text was read"));
    assert_eq!(e.kind, ReadErrorKind::Unreadable, "{e}");
    assert!(e.to_string().starts_with("scan.pdf："), "{e}");
    assert!(e.message.contains("没有文字层"), "{e}");
}

#[test]
fn an_encrypted_pdf_is_refused_as_such() {
    gongkai_export::testing::use_built_reader();
    let e = report_text("locked.pdf", &gongkai_export::testing::text_free_pdf(true))
        .err()
        .unwrap_or_else(|| panic!("an encrypted PDF was read"));
    assert_eq!(e.kind, ReadErrorKind::Unreadable, "{e}");
    assert!(e.message.contains("已加密"), "{e}");
}

#[test]
fn without_poppler_a_pdf_the_built_in_reader_cannot_read_whole_is_refused_naming_it() {
    let program = gongkai_export::testing::built_reader()
        .unwrap_or_else(|| panic!("no PDF reader program built (cargo test -p gongkai-export)"));
    let mut child = std::process::Command::new(program)
        .arg(gongkai_export::sandbox::SUBCOMMAND)
        .env_clear()
        .env("PATH", "/nonexistent")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin
            .write_all(&gongkai_export::testing::text_free_pdf(false))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.stdout.is_empty(), "something was read");
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains("poppler-utils"), "{err}");
}
