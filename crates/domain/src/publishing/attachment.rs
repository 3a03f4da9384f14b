//! Attachments (附件) of a catalogue item's version (issue 10 item 1): which files may be
//! attached — a closed list of document and image types, each recognised by its extension
//! *and* its first bytes, so that a renamed executable or an HTML page is not served under a
//! document's name —, how large, how many, what a stored file name may be, and what the
//! pre-publication checks find in an attachment (empty, its text unreadable, or what the
//! detectors find in its text). Reading an attachment's text is I/O and happens elsewhere
//! (the export crate's bounded readers); this module only judges.

use crate::error::DomainError;

use super::detect::{Detectors, Finding};

/// The largest attachment, in MB.
pub const MAX_ATTACHMENT_MB: usize = 20;
/// The largest attachment, in bytes.
pub const MAX_ATTACHMENT_BYTES: usize = MAX_ATTACHMENT_MB * 1024 * 1024;
/// The most attachments one version may carry.
pub const MAX_ATTACHMENTS: usize = 20;
/// The longest file name kept, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// A kind of file that may be attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentType {
    /// The extensions it is recognised by (lower case, without the dot).
    pub extensions: &'static [&'static str],
    /// The content type it is served with.
    pub content_type: &'static str,
    /// Its name in messages.
    pub label: &'static str,
    /// Its first bytes (empty: text, which must be UTF-8 without NUL).
    magic: &'static [&'static [u8]],
    /// Whether the checks read its text (PDF, DOCX, plain text): the others are images or
    /// formats the bounded readers do not open.
    pub has_text: bool,
}

const ZIP: &[&[u8]] = &[b"PK\x03\x04"];
const OLE: &[&[u8]] = &[b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"];

/// Every type that may be attached.
pub const ATTACHMENT_TYPES: &[AttachmentType] = &[
    AttachmentType {
        extensions: &["pdf"],
        content_type: "application/pdf",
        label: "PDF",
        magic: &[b"%PDF-"],
        has_text: true,
    },
    AttachmentType {
        extensions: &["docx"],
        content_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        label: "Word（.docx）",
        magic: ZIP,
        has_text: true,
    },
    AttachmentType {
        extensions: &["xlsx"],
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        label: "Excel（.xlsx）",
        magic: ZIP,
        has_text: false,
    },
    AttachmentType {
        extensions: &["doc", "wps"],
        content_type: "application/msword",
        label: "Word 97–2003 / WPS 文字",
        magic: OLE,
        has_text: false,
    },
    AttachmentType {
        extensions: &["xls", "et"],
        content_type: "application/vnd.ms-excel",
        label: "Excel 97–2003 / WPS 表格",
        magic: OLE,
        has_text: false,
    },
    AttachmentType {
        extensions: &["ofd"],
        content_type: "application/ofd",
        label: "OFD 版式文件",
        magic: ZIP,
        has_text: false,
    },
    AttachmentType {
        extensions: &["txt"],
        content_type: "text/plain; charset=utf-8",
        label: "纯文本",
        magic: &[],
        has_text: true,
    },
    AttachmentType {
        extensions: &["csv"],
        content_type: "text/csv; charset=utf-8",
        label: "CSV",
        magic: &[],
        has_text: true,
    },
    AttachmentType {
        extensions: &["jpg", "jpeg"],
        content_type: "image/jpeg",
        label: "JPEG 图片",
        magic: &[b"\xFF\xD8\xFF"],
        has_text: false,
    },
    AttachmentType {
        extensions: &["png"],
        content_type: "image/png",
        label: "PNG 图片",
        magic: &[b"\x89PNG\r\n\x1A\n"],
        has_text: false,
    },
];

/// The extensions that may be attached, for messages and the upload form.
pub fn allowed_extensions() -> String {
    ATTACHMENT_TYPES
        .iter()
        .flat_map(|t| t.extensions.iter().map(|e| format!(".{e}")))
        .collect::<Vec<_>>()
        .join("、")
}

/// The file name an attachment is stored under: the last part of what the browser sent (no
/// folders), trimmed, with no control character, no character that cannot be in a file name
/// on common systems, at most [`MAX_NAME_CHARS`] characters, with an extension.
pub fn attachment_name(raw: &str) -> Result<String, DomainError> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let bad = |c: char| c.is_control() || matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|');
    if base.is_empty() || base.starts_with('.') {
        return Err(DomainError::invalid(
            "附件文件名",
            "不能为空，也不能以“.”开头",
        ));
    }
    if base.chars().any(bad) {
        return Err(DomainError::invalid(
            "附件文件名",
            "不能含控制字符或 : * ? \" < > | 等字符",
        ));
    }
    if base.chars().count() > MAX_NAME_CHARS {
        return Err(DomainError::invalid(
            "附件文件名",
            format!("不能超过 {MAX_NAME_CHARS} 个字符"),
        ));
    }
    Ok(base.to_string())
}

/// The type of an attachment named `name` with content `bytes`, or why it may not be attached:
/// an extension not in [`ATTACHMENT_TYPES`], content that is not what the extension says, or
/// a file over [`MAX_ATTACHMENT_BYTES`]. An empty file is accepted here (the checks report it
/// as an empty attachment, which blocks approval).
pub fn attachment_type(name: &str, bytes: &[u8]) -> Result<&'static AttachmentType, DomainError> {
    let field = "附件";
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(DomainError::invalid(
            field,
            format!(
                "“{name}”过大（{} 字节，上限 {MAX_ATTACHMENT_MB} MB）",
                bytes.len()
            ),
        ));
    }
    let ext = match name.rsplit_once('.') {
        Some((_, e)) => e.to_ascii_lowercase(),
        None => String::new(),
    };
    let Some(t) = ATTACHMENT_TYPES
        .iter()
        .find(|t| t.extensions.contains(&ext.as_str()))
    else {
        return Err(DomainError::invalid(
            field,
            format!("“{name}”的类型不允许上传；可上传 {}", allowed_extensions()),
        ));
    };
    if bytes.is_empty() {
        return Ok(t);
    }
    let fits = if t.magic.is_empty() {
        std::str::from_utf8(bytes).is_ok_and(|s| !s.contains('\0'))
    } else {
        t.magic.iter().any(|m| bytes.starts_with(m))
    };
    if !fits {
        return Err(DomainError::invalid(
            field,
            format!("“{name}”的内容不是{}文件（与扩展名不符）", t.label),
        ));
    }
    Ok(t)
}

/// What an attachment's text could be read as for the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentText<'a> {
    /// The type carries no text the checks read (an image, a spreadsheet, an old Office file).
    NotRead,
    /// Its text, as the bounded reader extracted it.
    Read(&'a str),
    /// It has text but it could not be read (damaged, refused by the reader's limits, no PDF
    /// reader installed): the checks could not look at it.
    Unreadable,
}

/// What the pre-publication checks find in one attachment of `size` bytes: an empty file, a
/// file whose text could not be checked, or the detectors' findings in its text (placed as
/// 附件：名称).
pub fn attachment_findings(
    d: &Detectors,
    name: &str,
    size: i64,
    text: AttachmentText<'_>,
) -> Vec<Finding> {
    if size == 0 {
        return vec![Finding::empty_attachment(name)];
    }
    match text {
        AttachmentText::NotRead => Vec::new(),
        AttachmentText::Unreadable => vec![Finding::unreadable_attachment(name)],
        AttachmentText::Read(t) if t.trim().is_empty() => {
            vec![Finding::unreadable_attachment(name)]
        }
        AttachmentText::Read(t) => d.scan(&format!("附件：{name}"), t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publishing::FindingKind;

    #[test]
    fn a_type_needs_its_extension_and_its_first_bytes() {
        assert_eq!(
            attachment_type("通知.PDF", b"%PDF-1.7 ...").map(|t| t.content_type),
            Ok("application/pdf")
        );
        assert!(attachment_type("附件.docx", b"PK\x03\x04rest").is_ok());
        assert!(attachment_type("说明.txt", "纯文本".as_bytes()).is_ok());
        // An HTML page or an executable renamed to a document's name is refused.
        let e = attachment_type("通知.pdf", b"<html><script>").unwrap_err();
        assert!(e.to_string().contains("附件") && e.to_string().contains("PDF"));
        assert!(attachment_type("a.docx", b"MZ\x90\x00").is_err());
        assert!(attachment_type("a.txt", b"a\0b").is_err());
        // Types not on the list, and names without an extension.
        for name in ["页面.html", "程序.exe", "脚本.js", "无扩展名"] {
            let e = attachment_type(name, b"x").unwrap_err().to_string();
            assert!(e.contains("类型不允许"), "{name}: {e}");
        }
        // Over the size limit.
        let big = vec![b'a'; MAX_ATTACHMENT_BYTES + 1];
        assert!(
            attachment_type("大.txt", &big)
                .unwrap_err()
                .to_string()
                .contains("过大")
        );
        // An empty file is accepted (the checks report it).
        assert!(attachment_type("空.pdf", b"").is_ok());
    }

    #[test]
    fn names_keep_their_last_part_and_refuse_what_cannot_be_a_file_name() {
        assert_eq!(attachment_name("C:\\文件\\附件1.pdf").unwrap(), "附件1.pdf");
        assert_eq!(
            attachment_name("../../etc/passwd.txt").unwrap(),
            "passwd.txt"
        );
        assert_eq!(attachment_name("  报名表.docx ").unwrap(), "报名表.docx");
        for bad in ["", "  ", ".hidden", "a\u{0}.pdf", "a<b>.pdf", "dir/"] {
            assert!(attachment_name(bad).is_err(), "{bad:?}");
        }
        let long = format!("{}.pdf", "长".repeat(MAX_NAME_CHARS));
        assert!(attachment_name(&long).is_err());
    }

    #[test]
    fn the_checks_find_empty_unreadable_and_personal_data_in_attachments() {
        let d = Detectors::new(&["内部资料".to_string()], &[]);
        let kinds = |f: Vec<Finding>| f.into_iter().map(|f| f.kind).collect::<Vec<_>>();
        assert_eq!(
            kinds(attachment_findings(
                &d,
                "a.pdf",
                0,
                AttachmentText::Read("")
            )),
            [FindingKind::EmptyAttachment]
        );
        assert_eq!(
            kinds(attachment_findings(
                &d,
                "a.pdf",
                10,
                AttachmentText::Unreadable
            )),
            [FindingKind::UnreadableAttachment]
        );
        assert_eq!(
            kinds(attachment_findings(
                &d,
                "a.pdf",
                10,
                AttachmentText::Read(" \n")
            )),
            [FindingKind::UnreadableAttachment]
        );
        assert!(attachment_findings(&d, "a.png", 10, AttachmentText::NotRead).is_empty());
        let found = attachment_findings(
            &d,
            "名单.docx",
            10,
            AttachmentText::Read("联系人 13800138000，内部资料"),
        );
        assert_eq!(
            kinds(found.clone()),
            [FindingKind::Mobile, FindingKind::SensitiveWord]
        );
        assert!(found.iter().all(|f| f.place == "附件：名单.docx"));
    }
}
