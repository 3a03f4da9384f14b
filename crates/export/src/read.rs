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
        let mut child = std::process::Command::new("pdftotext")
            .args(["-layout", "-enc", "UTF-8", "-", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|_| {
                err(
                    name,
                    "无法读取 PDF（需要安装 poppler-utils 的 pdftotext），可先将其转为文本后再检查",
                )
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            let data = bytes.to_vec();
            std::thread::spawn(move || stdin.write_all(&data));
        }
        let out = child
            .wait_with_output()
            .map_err(|e| err(name, format!("pdftotext 运行失败：{e}")))?;
        if !out.status.success() {
            return Err(err(
                name,
                format!(
                    "pdftotext 无法读取此 PDF：{}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            ));
        }
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
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
