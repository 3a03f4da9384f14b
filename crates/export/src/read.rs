//! The text of a published report file, whatever its kind (PDF, DOCX, HTML, Markdown, text).

use std::io::{Read, Write};

use gongkai_domain::audit::{Markup, markup_to_text};

/// Why a file could not be read; the message names the file.
#[derive(Debug, thiserror::Error)]
#[error("{file}：{message}")]
pub struct ReadError {
    pub file: String,
    pub message: String,
}

fn err(file: &str, message: impl Into<String>) -> ReadError {
    ReadError {
        file: file.to_string(),
        message: message.into(),
    }
}

/// Largest report read.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Extracts the text of a report; `name` is the file name (its extension helps decide the kind).
/// PDFs are read with poppler's `pdftotext -layout` when it is installed.
pub fn report_text(name: &str, bytes: &[u8]) -> Result<String, ReadError> {
    if bytes.is_empty() {
        return Err(err(name, "文件为空"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(err(
            name,
            format!("文件过大（{} 字节，上限 64 MB）", bytes.len()),
        ));
    }
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    if bytes.starts_with(b"%PDF") || ext == "pdf" {
        return pdf_text(name, bytes);
    }
    if bytes.starts_with(b"PK") || ext == "docx" {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|_| err(name, "不是有效的 DOCX 文件"))?;
        let mut xml = String::new();
        z.by_name("word/document.xml")
            .map_err(|_| err(name, "DOCX 中没有 word/document.xml"))?
            .read_to_string(&mut xml)
            .map_err(|_| err(name, "DOCX 内容无法读取"))?;
        return Ok(markup_to_text(&xml, Markup::Docx));
    }
    let text = match String::from_utf8(bytes.to_vec()) {
        Ok(t) => t,
        Err(e) => {
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            if lossy.chars().filter(|c| *c == '\u{fffd}').count() * 20 > lossy.chars().count() {
                return Err(err(name, "不是文本文件（也不是 PDF、DOCX 或 HTML）"));
            }
            lossy
        }
    };
    let looks_html = ext == "html" || ext == "htm" || text.trim_start().starts_with('<');
    Ok(if looks_html {
        markup_to_text(&text, Markup::Html)
    } else {
        text
    })
}

/// A PDF's text, read directly with the `pdf-extract` crate; where that cannot cope (it fails,
/// finds no text, or its reading order leaves a table unreadable) poppler's `pdftotext -layout`
/// is used when installed.
fn pdf_text(name: &str, bytes: &[u8]) -> Result<String, ReadError> {
    let data = bytes.to_vec();
    // pdf-extract panics on some malformed files: contain it.
    let direct = std::panic::catch_unwind(move || pdf_extract::extract_text_from_mem(&data))
        .ok()
        .and_then(Result::ok)
        .filter(|t| !t.trim().is_empty());
    if let Some(t) = &direct {
        let a = gongkai_domain::audit::audit_text(name, t);
        if !a
            .findings
            .iter()
            .any(|f| f.code == "TABLE_SHAPE" || f.code == "TABLE_MISSING")
        {
            return Ok(direct.unwrap_or_default());
        }
    }
    match pdftotext(name, bytes) {
        Ok(t) => Ok(t),
        Err(Some(e)) => Err(e),
        Err(None) => direct.ok_or_else(|| {
            err(name, "无法读取此 PDF：内置读取器无法解析（可能是扫描件或已损坏），也未安装 poppler-utils 的 pdftotext")
        }),
    }
}

/// `Err(None)` when pdftotext is not installed.
fn pdftotext(name: &str, bytes: &[u8]) -> Result<String, Option<ReadError>> {
    let mut child = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|_| None)?;
    if let Some(mut stdin) = child.stdin.take() {
        let data = bytes.to_vec();
        std::thread::spawn(move || stdin.write_all(&data));
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Some(err(name, format!("pdftotext 运行失败：{e}"))))?;
    if !out.status.success() {
        return Err(Some(err(
            name,
            format!(
                "pdftotext 无法读取此 PDF：{}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_builtin_reader_reads_the_real_pdfs() {
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/reference/real-reports");
        for n in [
            "07-hongze-quzhengfu-2023",
            "09-huaian-shizhengfu-2024",
            "10-hongze-quzhengfu-2024",
        ] {
            let bytes = std::fs::read(base.join(format!("{n}.pdf")))
                .unwrap_or_else(|e| panic!("{n}.pdf: {e}"));
            let text = pdf_extract::extract_text_from_mem(&bytes).unwrap_or_default();
            let a = gongkai_domain::audit::audit_text(n, &text);
            let t = std::fs::read_to_string(base.join(format!("{n}.txt"))).unwrap_or_default();
            let b = gongkai_domain::audit::audit_text(n, &t);
            println!(
                "{n}: {:?}",
                a.findings.iter().map(|f| f.code).collect::<Vec<_>>()
            );
            assert_eq!(a.requests, b.requests, "{n}");
            assert_eq!(a.appeals, b.appeals, "{n}");
        }
    }
}
