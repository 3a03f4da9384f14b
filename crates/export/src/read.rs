//! The text of a published report file, whatever its kind (PDF, DOCX, HTML, Markdown, text).
//!
//! The files are untrusted (they come from other agencies' websites), so every reading is
//! bounded: at most [`MAX_BYTES`] per file; a DOCX's `word/document.xml` inflated to at most
//! [`MAX_DOCX_PART`] bytes (its declared size is checked and the inflation itself is cut off) and
//! at most [`MAX_ZIP_ENTRIES`] entries considered; a PDF read only in a child process under time,
//! memory and output limits ([`crate::sandbox`]).

use std::io::Read;

use gongkai_domain::audit::Extracted;

use crate::sandbox::Reader;

/// What kind of refusal a [`ReadError`] is (the web layer picks its status from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadErrorKind {
    /// Larger than [`MAX_BYTES`] (HTTP 413).
    TooLarge,
    /// A likely decompression bomb, or reading it passed a time, memory or output limit
    /// (HTTP 422).
    Refused,
    /// Not a report that can be read: empty, binary, damaged, scanned (HTTP 422).
    Unreadable,
    /// This installation cannot read it: no PDF reader program, it could not be started
    /// (HTTP 500).
    Unavailable,
}

/// Why a file could not be read; the message names the file.
#[derive(Debug, thiserror::Error)]
#[error("{file}：{message}")]
pub struct ReadError {
    pub file: String,
    pub message: String,
    pub kind: ReadErrorKind,
}

impl ReadError {
    pub fn new(file: &str, kind: ReadErrorKind, message: impl Into<String>) -> Self {
        ReadError {
            file: file.to_string(),
            message: message.into(),
            kind,
        }
    }
}

fn unreadable(file: &str, message: impl Into<String>) -> ReadError {
    ReadError::new(file, ReadErrorKind::Unreadable, message)
}

fn refused(file: &str, message: impl Into<String>) -> ReadError {
    ReadError::new(file, ReadErrorKind::Refused, message)
}

/// Largest report read, in MB.
pub const MAX_MB: usize = 50;
/// Largest report read, in bytes (also the web layer's body limit for audit uploads).
pub const MAX_BYTES: usize = MAX_MB * 1024 * 1024;
/// Most bytes a DOCX's `word/document.xml` may inflate to.
pub const MAX_DOCX_PART: u64 = 64 * 1024 * 1024;
/// Most entries a DOCX (zip) may have.
pub const MAX_ZIP_ENTRIES: u64 = 10_000;

/// The refusal of a file of `len` bytes over [`MAX_BYTES`], for callers that know the length
/// before reading the file.
pub fn check_size(file: &str, len: u64) -> Result<(), ReadError> {
    if len > MAX_BYTES as u64 {
        return Err(ReadError::new(
            file,
            ReadErrorKind::TooLarge,
            format!("文件过大（{len} 字节，上限 {MAX_MB} MB）"),
        ));
    }
    Ok(())
}

/// Reads a report for the auditor (`gongkai_domain::audit::audit_report`): its text and the
/// grids of its tables; `name` is the file name (its extension helps decide the kind). PDFs are
/// read by this process's PDF reader ([`Reader::current`]).
pub fn report(name: &str, bytes: &[u8]) -> Result<Extracted, ReadError> {
    read(name, bytes, None).map(Reading::into_extracted)
}

/// [`report`], reading PDFs with `reader`.
pub fn report_with(reader: &Reader, name: &str, bytes: &[u8]) -> Result<Extracted, ReadError> {
    read(name, bytes, Some(reader)).map(Reading::into_extracted)
}

/// Extracts the text of a report, the grids of its tables inside it (the text form of
/// [`report`], as `gongkai_domain::audit::audit_text` reads it).
pub fn report_text(name: &str, bytes: &[u8]) -> Result<String, ReadError> {
    read(name, bytes, None).map(Reading::into_text)
}

/// [`report_text`], reading PDFs with `reader`.
pub fn report_text_with(reader: &Reader, name: &str, bytes: &[u8]) -> Result<String, ReadError> {
    read(name, bytes, Some(reader)).map(Reading::into_text)
}

/// What a file gave: text (a text file, or a PDF's text from the reader child, grids inside
/// it), or text and grids from table markup (HTML, DOCX).
enum Reading {
    Text(String),
    Extracted(Extracted),
}

impl Reading {
    fn into_extracted(self) -> Extracted {
        match self {
            Reading::Text(t) => Extracted::from_text(t),
            Reading::Extracted(e) => e,
        }
    }
    fn into_text(self) -> String {
        match self {
            Reading::Text(t) => t,
            Reading::Extracted(e) => e.to_text(),
        }
    }
}

fn read(name: &str, bytes: &[u8], reader: Option<&Reader>) -> Result<Reading, ReadError> {
    if bytes.is_empty() {
        return Err(unreadable(name, "文件为空"));
    }
    check_size(name, bytes.len() as u64)?;
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    if bytes.starts_with(b"%PDF") || ext == "pdf" {
        return match reader {
            Some(r) => r.read_pdf(name, bytes).map(Reading::Text),
            None => match Reader::current() {
                Some(r) => r.read_pdf(name, bytes).map(Reading::Text),
                None => Err(ReadError::new(
                    name,
                    ReadErrorKind::Unavailable,
                    format!(
                        "未配置 PDF 读取程序，无法读取 PDF（PDF 只在受限的子进程中读取；可用环境变量 {} 指定）",
                        crate::sandbox::PROGRAM_ENV
                    ),
                )),
            },
        };
    }
    if bytes.starts_with(OLE2_MAGIC) {
        return Err(unreadable(
            name,
            "是旧版 Word（.doc）或其他 OLE 格式的文件，不能直接读取：请用 Word 或 WPS 另存为 DOCX 或 PDF 后再检查",
        ));
    }
    if bytes.starts_with(b"PK") || ext == "docx" {
        return docx(name, bytes).map(Reading::Extracted);
    }
    // (Borrowed when it is UTF-8: HTML is parsed from it without a copy.)
    let text = match decode(bytes) {
        Some(t) => t,
        None => {
            let lossy = String::from_utf8_lossy(bytes).into_owned();
            if lossy.chars().filter(|c| *c == '\u{fffd}').count() * 20 > lossy.chars().count() {
                return Err(unreadable(name, "不是文本文件（也不是 PDF、DOCX 或 HTML）"));
            }
            std::borrow::Cow::Owned(lossy)
        }
    };
    let looks_html = ext == "html" || ext == "htm" || text.trim_start().starts_with('<');
    Ok(if looks_html {
        Reading::Extracted(crate::markup::html(&text))
    } else {
        Reading::Text(text.into_owned())
    })
}

/// The first bytes of an OLE2 compound file (Word 97–2003 `.doc`, `.xls`, `.wps`).
const OLE2_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// A text file's or web page's characters, in the encodings Chinese government sites and
/// office software write: UTF-8 (with or without its byte order mark), UTF-16 with its byte
/// order mark (Notepad's "Unicode"), and GB 18030 — of which GBK and GB 2312 are subsets — when
/// a page declares it (`charset=gbk`) or the bytes are not UTF-8 but are valid GB 18030.
/// `None` when the bytes are none of these.
fn decode(bytes: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    use encoding_rs::{Encoding, GB18030, UTF_8};
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        let body = bytes.get(bom..).unwrap_or(&[]);
        return enc.decode_without_bom_handling_and_without_replacement(body);
    }
    if let Ok(t) = std::str::from_utf8(bytes) {
        return Some(std::borrow::Cow::Borrowed(t));
    }
    // A page's own declaration first (only where it names a Chinese encoding; a page that
    // claims UTF-8 but is not has been re-saved by something, and is tried as GB 18030).
    let head = bytes.get(..bytes.len().min(2048)).unwrap_or(bytes);
    let declared = declared_charset(head)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .filter(|e| *e != UTF_8);
    declared
        .and_then(|e| e.decode_without_bom_handling_and_without_replacement(bytes))
        .or_else(|| GB18030.decode_without_bom_handling_and_without_replacement(bytes))
}

/// The `charset=…` a page declares in its first bytes (ASCII), lower-cased.
fn declared_charset(head: &[u8]) -> Option<String> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let at = memchr::memmem::find(&lower, b"charset=")? + b"charset=".len();
    let label: String = lower
        .get(at..)?
        .iter()
        .skip_while(|b| matches!(b, b'"' | b'\'' | b' '))
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        .map(|b| char::from(*b))
        .collect();
    (!label.is_empty()).then_some(label)
}

/// The body text of a DOCX and its tables, its `word/document.xml` inflated under
/// [`MAX_DOCX_PART`].
fn docx(name: &str, bytes: &[u8]) -> Result<Extracted, ReadError> {
    const PART: &str = "word/document.xml";
    let too_many = || {
        refused(
            name,
            format!(
                "DOCX 中的文件条目超过 {MAX_ZIP_ENTRIES} 个上限，疑为恶意构造的文件，已拒绝读取"
            ),
        )
    };
    let bomb = || {
        refused(
            name,
            format!(
                "DOCX 中 {PART} 解压后超过 {} MB 上限，疑为压缩炸弹，已拒绝读取",
                MAX_DOCX_PART / (1024 * 1024)
            ),
        )
    };
    // Before the zip reader allocates a record per entry the file claims.
    if zip_claims_more_entries_than(bytes, MAX_ZIP_ENTRIES) {
        return Err(too_many());
    }
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|_| unreadable(name, "不是有效的 DOCX 文件"))?;
    if z.len() as u64 > MAX_ZIP_ENTRIES {
        return Err(too_many());
    }
    let part = z
        .by_name(PART)
        .map_err(|_| unreadable(name, format!("DOCX 中没有 {PART}")))?;
    // The declared size first, then the inflation itself, which may not stop where declared.
    if part.size() > MAX_DOCX_PART {
        return Err(bomb());
    }
    let mut xml = Vec::with_capacity(usize::try_from(part.size()).unwrap_or(0));
    part.take(MAX_DOCX_PART + 1)
        .read_to_end(&mut xml)
        .map_err(|_| unreadable(name, "DOCX 内容无法读取（文件已损坏）"))?;
    if xml.len() as u64 > MAX_DOCX_PART {
        return Err(bomb());
    }
    let xml =
        String::from_utf8(xml).map_err(|_| unreadable(name, "DOCX 内容无法读取（不是 UTF-8）"))?;
    Ok(crate::markup::docx(&xml))
}

/// Whether any end-of-central-directory record in the file (the zip reader may try each) claims
/// more than `max` entries, or is a ZIP64 one that does.
fn zip_claims_more_entries_than(bytes: &[u8], max: u64) -> bool {
    let u16_at = |i: usize| {
        bytes
            .get(i..i + 2)
            .map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let u64_at = |i: usize| {
        bytes
            .get(i..i + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_le_bytes)
    };
    // EOCD: total entries at offset 10.
    let eocd = |i: usize| u16_at(i + 10).is_some_and(|n| n > max);
    // ZIP64 EOCD: total entries at offset 32.
    let zip64 = |i: usize| u64_at(i + 32).is_some_and(|n| n > max);
    memchr::memmem::find_iter(bytes, b"PK\x05\x06").any(eocd)
        || memchr::memmem::find_iter(bytes, b"PK\x06\x06").any(zip64)
}

#[cfg(test)]
mod tests {
    use super::zip_claims_more_entries_than;

    /// The scan as it was first written (every 4-byte window), to compare with.
    fn by_windows(bytes: &[u8], max: u64) -> bool {
        let at = |i: usize, n: usize| {
            bytes.get(i..i + n).map(|b| {
                b.iter()
                    .rev()
                    .fold(0u64, |acc, x| (acc << 8) | u64::from(*x))
            })
        };
        bytes.windows(4).enumerate().any(|(i, w)| match w {
            b"PK\x05\x06" => at(i + 10, 2).is_some_and(|n| n > max),
            b"PK\x06\x06" => at(i + 32, 8).is_some_and(|n| n > max),
            _ => false,
        })
    }

    #[test]
    fn entry_claims_are_found_wherever_they_stand() {
        for len in [0usize, 3, 4, 11, 12, 13, 39, 40, 41, 90] {
            for at in 0..len {
                for (sig, off, width) in [(b"PK\x05\x06", 10, 2), (b"PK\x06\x06", 32, 8)] {
                    for claim in [9u64, 10, 11, 60_000] {
                        let mut b = vec![0u8; len];
                        for (k, s) in sig.iter().enumerate() {
                            if let Some(x) = b.get_mut(at + k) {
                                *x = *s;
                            }
                        }
                        for k in 0..width {
                            if let Some(x) = b.get_mut(at + off + k) {
                                *x = (claim >> (8 * k)) as u8;
                            }
                        }
                        assert_eq!(
                            zip_claims_more_entries_than(&b, 10),
                            by_windows(&b, 10),
                            "{len} {at} {claim}"
                        );
                    }
                }
            }
        }
    }
}
