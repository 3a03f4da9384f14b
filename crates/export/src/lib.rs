//! gongkai-export: the annual report as documents — Markdown, HTML, DOCX, XLSX, PDF and JSON.
//!
//! Input is an [`AnnualReport`] (computed elsewhere) and the narrative template (TOML whose
//! values are minijinja templates quoting the figures). No database, no HTTP. Every format is
//! produced from the same [`Document`]: the six sections with their official titles, the
//! narrative paragraphs and the three tables laid out as [`layout::Grid`]s.
//!
//! [`ocds`] is apart: trading notices as Open Contracting Data Standard 1.1 packages.

pub mod bbox;
#[cfg(test)]
mod corpus;
mod docx;
#[cfg(test)]
mod fuzz;
mod html;
pub mod layout;
pub mod letters;
pub mod markup;
mod md;
pub mod narrative;
pub mod ocds;
mod pdf;
pub mod read;
pub mod sandbox;
pub mod table;
pub mod testing;
pub mod typeset;
mod xlsx;

use gongkai_domain::report::AnnualReport;
use thiserror::Error;

pub use narrative::{DEFAULT_TEMPLATE, Narrative};

/// Errors while producing a document.
#[derive(Debug, Error)]
pub enum ExportError {
    #[error("文字部分模板有误（{key}）：{message}")]
    Template { key: String, message: String },
    #[error("生成 DOCX 失败：{0}")]
    Docx(String),
    #[error("生成 XLSX 失败：{0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("生成 JSON 失败：{0}")]
    Json(#[from] serde_json::Error),
    #[error("生成 PDF 失败：{0}")]
    Pdf(String),
    #[error("无法加载 PDF 字体（{path}）：{message}")]
    Fonts { path: String, message: String },
}

/// Output formats of `gongkai report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Md,
    Html,
    Docx,
    Xlsx,
    Pdf,
}

impl Format {
    pub fn from_code(s: &str) -> Option<Format> {
        Some(match s {
            "json" => Format::Json,
            "md" | "markdown" => Format::Md,
            "html" => Format::Html,
            "docx" => Format::Docx,
            "xlsx" => Format::Xlsx,
            "pdf" => Format::Pdf,
            _ => return None,
        })
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Md => "md",
            Format::Html => "html",
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
            Format::Pdf => "pdf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Md => "text/markdown; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Pdf => "application/pdf",
        }
    }
}

/// The six official section titles (regulations.md §1.2), from the domain.
pub use gongkai_domain::report::SECTION_TITLES;

/// A block of a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Paragraph(String),
    Table(layout::Grid),
}

/// A report laid out for rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    pub preamble: Vec<String>,
    pub sections: Vec<(String, Vec<Block>)>,
}

impl Document {
    /// Lays out a report with the narrative produced from `template` (TOML; see
    /// [`DEFAULT_TEMPLATE`]).
    pub fn build(report: &AnnualReport, template: &str) -> Result<Document, ExportError> {
        let n = narrative::render(template, report)?;
        let para = |v: &[String]| v.iter().cloned().map(Block::Paragraph).collect::<Vec<_>>();
        let sections = vec![
            (SECTION_TITLES[0].to_string(), para(&n.overview)),
            (
                SECTION_TITLES[1].to_string(),
                vec![Block::Table(layout::table2(&report.proactive))],
            ),
            (
                SECTION_TITLES[2].to_string(),
                vec![Block::Table(layout::table3(&report.requests))],
            ),
            (
                SECTION_TITLES[3].to_string(),
                vec![Block::Table(layout::table4(&report.appeals))],
            ),
            (SECTION_TITLES[4].to_string(), para(&n.problems)),
            (SECTION_TITLES[5].to_string(), para(&n.other)),
        ];
        Ok(Document {
            title: n.title,
            preamble: n.preamble,
            sections,
        })
    }
}

/// Renders a report in a format. `template` is the narrative template (TOML).
pub fn render(
    report: &AnnualReport,
    template: &str,
    format: Format,
) -> Result<Vec<u8>, ExportError> {
    let doc = || Document::build(report, template);
    Ok(match format {
        Format::Json => {
            let mut v = serde_json::to_vec_pretty(report)?;
            v.push(b'\n');
            v
        }
        Format::Md => md::render(&doc()?).into_bytes(),
        Format::Html => html::render(&doc()?).into_bytes(),
        Format::Docx => docx::render(&doc()?)?,
        Format::Xlsx => xlsx::render(&doc()?)?,
        Format::Pdf => typeset::render(&doc()?, &typeset::fonts_dir())?,
    })
}

/// The formats of a published report's snapshot, in the order they are stored.
pub const SNAPSHOT_FORMATS: [Format; 6] = [
    Format::Html,
    Format::Docx,
    Format::Xlsx,
    Format::Md,
    Format::Json,
    Format::Pdf,
];

/// A report frozen for review and publication: its page body and one file per format of
/// [`SNAPSHOT_FORMATS`] (`{agency}-{year}-annual-report.{ext}`). `template` is the agency's
/// narrative template, `None` for [`DEFAULT_TEMPLATE`].
pub fn snapshot(
    report: &AnnualReport,
    template: Option<&str>,
) -> Result<gongkai_domain::publishing::ReportSnapshot, ExportError> {
    snapshot_with(report, template, &SNAPSHOT_FORMATS)
}

/// [`snapshot`] with the files of `formats` only (the back office's live view needs the page
/// and one file at most, and typesetting a PDF it does not show would cost a second).
pub fn snapshot_with(
    report: &AnnualReport,
    template: Option<&str>,
    formats: &[Format],
) -> Result<gongkai_domain::publishing::ReportSnapshot, ExportError> {
    let template = template.unwrap_or(DEFAULT_TEMPLATE);
    let doc = Document::build(report, template)?;
    let year = report.period.to.year();
    let files = formats
        .iter()
        .map(|&f| {
            Ok(gongkai_domain::publishing::ReportFile {
                name: snapshot_file_name(&report.agency.code, year, f),
                content_type: f.content_type().to_string(),
                bytes: render(report, template, f)?,
            })
        })
        .collect::<Result<Vec<_>, ExportError>>()?;
    Ok(gongkai_domain::publishing::ReportSnapshot {
        title: doc.title.clone(),
        body: html_body(&doc),
        files,
        failures: report
            .failures()
            .map(|c| format!("{} {}：{}", c.rule, c.place, c.message))
            .collect(),
    })
}

/// The name of a snapshot file (and of a report download).
pub fn snapshot_file_name(agency: &str, year: i32, f: Format) -> String {
    format!("{agency}-{year}-annual-report.{}", f.extension())
}

/// Splits a paragraph into (text, bold) runs on `**…**` markers.
pub(crate) fn runs(p: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut bold = false;
    for (i, part) in p.split("**").enumerate() {
        if i > 0 {
            bold = !bold;
        }
        if !part.is_empty() {
            out.push((part, bold));
        }
    }
    out
}

/// The XLSX batch summary of audited reports.
pub fn audit_summary_xlsx(audits: &[gongkai_domain::audit::Audit]) -> Result<Vec<u8>, ExportError> {
    xlsx::audit_summary(audits)
}

/// Text escaped for HTML content and attribute values (`&`, `<`, `>`, `"`, `'`): the one
/// escaper of the workspace's hand-written markup (also valid in XML).
pub use html::escape as escape_html;

/// The report's HTML body (no `<html>` wrapper), for embedding in a portal page.
pub fn html_body(doc: &Document) -> String {
    html::body(doc)
}
