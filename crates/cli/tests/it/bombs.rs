//! Decompression bombs given to `gongkai audit`: refused with exit 2 and a Chinese message
//! naming the file, within the 5 s issue 7 allows; PDFs are only read by the sandboxed child.

use std::process::Command;
use std::time::{Duration, Instant};

use gongkai_export::testing::{docx_bomb, pdf_bomb};

use super::{gongkai, shared, stderr};

const DOCX_BOMB: &str = "DOCX 中 word/document.xml 解压后超过 64 MB 上限，疑为压缩炸弹，已拒绝读取";
const PDF_BOMB: &str = "PDF 中有数据流解压后超过 64 MB 上限，疑为压缩炸弹，已拒绝读取";

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
