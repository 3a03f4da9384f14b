//! Decompression bombs given to `gongkai audit`: refused with exit 2 and a Chinese message
//! naming the file, within the 5 s issue 7 allows; PDFs are only read by the sandboxed child.
//! Scanned (no text layer) and encrypted PDFs: refused the same way.

use std::process::Command;
use std::time::{Duration, Instant};

use gongkai_export::testing::{docx_bomb, pdf_bomb, text_free_pdf};

use super::{gongkai, shared, stderr};

const DOCX_BOMB: &str = "DOCX 中 word/document.xml 解压后超过 64 MB 上限，疑为压缩炸弹，已拒绝读取";
const PDF_BOMB: &str = "PDF 中有数据流解压后超过 64 MB 上限，疑为压缩炸弹，已拒绝读取";
const SCANNED: &str = "此 PDF 中没有可读取的文字（可能是扫描件，没有文字层），无法读取其中的表格";
const ENCRYPTED: &str = "此 PDF 已加密（需要密码才能打开），无法读取其中的表格；请提供未加密的文件";

#[test]
fn audit_refuses_docx_and_pdf_bombs_within_5_s() {
    let dir = tempfile::tempdir().unwrap();
    // Each inflates to 1.5 GiB from about 1.5 MB.
    for (name, bytes, message) in [
        ("bomb.docx", docx_bomb(1536, None), DOCX_BOMB),
        ("lying.docx", docx_bomb(1536, Some(4096)), DOCX_BOMB),
        ("bomb.pdf", pdf_bomb(1536), PDF_BOMB),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let p = path.to_string_lossy().to_string();
        let t = Instant::now();
        let o = gongkai("sqlite::memory:", &["audit", &p]);
        let took = t.elapsed();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(&format!("{p}：{message}")), "{name}: {err}");
        assert!(took < Duration::from_secs(5), "{name}: {took:?}");
    }
}

#[test]
fn audit_never_reads_a_pdf_outside_the_sandbox() {
    // With the reader program pointed elsewhere, the PDF is not read in the auditing process.
    let o = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(["--db", "sqlite::memory:", "audit"])
        .arg(shared("real-reports/10-hongze-quzhengfu-2024.pdf"))
        .env_remove("GONGKAI_DB")
        .env("GONGKAI_READER", "/nonexistent/reader")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("找不到 PDF 读取程序 /nonexistent/reader"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn audit_refuses_scanned_and_encrypted_pdfs_with_exit_2() {
    // A PDF without a text layer (a scan) and one that needs a password: refused, naming the
    // file and saying why, exit 2 (the file cannot be read; not a report with errors).
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, message) in [
        ("scan.pdf", text_free_pdf(false), SCANNED),
        ("locked.pdf", text_free_pdf(true), ENCRYPTED),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let p = path.to_string_lossy().to_string();
        let o = gongkai("sqlite::memory:", &["audit", &p]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(&format!("{p}：{message}")), "{name}: {err}");
        assert!(
            o.stdout.is_empty(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
}
