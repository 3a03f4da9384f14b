//! PDF output: a [`Document`] (an annual report or a reply letter) typeset by typst into an A4
//! PDF with the official tables' merged headers, the CJK fonts embedded and page numbers.
//!
//! The template (`typeset/document.typ`) is fixed and compiled into the binary; the document
//! goes in as one JSON string (`sys.inputs.data`), so no user text is ever read as typst
//! markup. Fonts are read at run time from a directory ([`fonts_dir`]: `GONGKAI_FONTS_DIR`,
//! default Debian's fonts-noto-cjk), once per process: the engine built with them is cached
//! and shared by every render.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use typst::foundations::{Dict, IntoValue};
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;

use crate::layout::Grid;
use crate::{Block, Document, ExportError, runs};

/// The typst template every document is typeset with.
const TEMPLATE: &str = include_str!("typeset/document.typ");

/// The environment variable naming the font directory.
pub const FONTS_DIR_ENV: &str = "GONGKAI_FONTS_DIR";

/// Where Debian's fonts-noto-cjk puts its fonts.
pub const DEFAULT_FONTS_DIR: &str = "/usr/share/fonts/opentype/noto";

/// The font files read from the font directory (fonts-noto-cjk's names). The body is set in
/// Noto Serif CJK SC, the section headings in Noto Sans CJK SC bold.
pub const FONT_FILES: [&str; 4] = [
    "NotoSerifCJK-Regular.ttc",
    "NotoSerifCJK-Bold.ttc",
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJK-Bold.ttc",
];

/// The families the template asks for; a font directory without them is refused.
const FAMILIES: [&str; 2] = ["Noto Serif CJK SC", "Noto Sans CJK SC"];

/// The largest font file read (fonts-noto-cjk's largest is 27 MB).
const FONT_FILE_LIMIT: u64 = 64 * 1024 * 1024;

/// The font directory: `GONGKAI_FONTS_DIR` when set and not empty, else [`DEFAULT_FONTS_DIR`].
pub fn fonts_dir() -> PathBuf {
    match std::env::var_os(FONTS_DIR_ENV) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => PathBuf::from(DEFAULT_FONTS_DIR),
    }
}

type Engine = TypstEngine<TypstTemplateMainFile>;

/// The engine built with the fonts of the directory it names; the first render loads it.
static ENGINE: Mutex<Option<(PathBuf, Arc<Engine>)>> = Mutex::new(None);

fn font_error(path: &Path, message: impl Into<String>) -> ExportError {
    ExportError::Fonts {
        path: path.display().to_string(),
        message: message.into(),
    }
}

/// Reads one font file, at most [`FONT_FILE_LIMIT`] bytes.
fn read_font(path: &Path) -> Result<Vec<u8>, ExportError> {
    let file = std::fs::File::open(path).map_err(|e| {
        font_error(
            path,
            if e.kind() == std::io::ErrorKind::NotFound {
                "字体文件不存在（Debian/Ubuntu 可安装 fonts-noto-cjk）".to_string()
            } else {
                format!("无法读取字体文件：{e}")
            },
        )
    })?;
    let mut bytes = Vec::new();
    file.take(FONT_FILE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| font_error(path, format!("无法读取字体文件：{e}")))?;
    if bytes.len() as u64 > FONT_FILE_LIMIT {
        return Err(font_error(
            path,
            format!("字体文件超过 {} MB", FONT_FILE_LIMIT / (1024 * 1024)),
        ));
    }
    Ok(bytes)
}

/// Whether the font directory and its [`FONT_FILES`] are there, without reading them (a server
/// warns at start; the files are read on the first PDF).
pub fn check_font_files(dir: &Path) -> Result<(), ExportError> {
    if !dir.is_dir() {
        return Err(font_error(
            dir,
            format!(
                "PDF 字体目录不存在（可用环境变量 {FONTS_DIR_ENV} 指定；Debian/Ubuntu 可安装 fonts-noto-cjk）"
            ),
        ));
    }
    for name in FONT_FILES {
        let path = dir.join(name);
        if !path.is_file() {
            return Err(font_error(
                &path,
                "字体文件不存在（Debian/Ubuntu 可安装 fonts-noto-cjk）",
            ));
        }
    }
    Ok(())
}

/// Builds the engine with the fonts of `dir`.
fn build_engine(dir: &Path) -> Result<Engine, ExportError> {
    check_font_files(dir)?;
    let mut fonts = Vec::new();
    for name in FONT_FILES {
        let path = dir.join(name);
        let bytes = read_font(&path)?;
        let before = fonts.len();
        fonts.extend(typst::text::Font::iter(typst::foundations::Bytes::new(
            bytes,
        )));
        if fonts.len() == before {
            return Err(font_error(&path, "不是可用的字体文件"));
        }
    }
    for family in FAMILIES {
        if !fonts.iter().any(|f| f.info().family == family) {
            return Err(font_error(dir, format!("字体目录中没有字体“{family}”")));
        }
    }
    Ok(TypstEngine::builder()
        .main_file(TEMPLATE)
        .fonts(fonts)
        .build())
}

/// The engine for `dir`, built on first use (a failure is not cached: installing the fonts
/// fixes the next render).
fn engine(dir: &Path) -> Result<Arc<Engine>, ExportError> {
    // A render that panicked cannot leave the cache half-written: recover the lock.
    let mut slot = ENGINE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((d, e)) = slot.as_ref()
        && d == dir
    {
        return Ok(e.clone());
    }
    let e = Arc::new(build_engine(dir)?);
    *slot = Some((dir.to_path_buf(), e.clone()));
    Ok(e)
}

/// Loads the fonts of `dir` now (a server checks them at start), or says what is wrong.
pub fn check_fonts(dir: &Path) -> Result<(), ExportError> {
    engine(dir).map(|_| ())
}

fn para(p: &str) -> Value {
    Value::Array(
        runs(p)
            .into_iter()
            .map(|(t, b)| json!({"text": t, "bold": b}))
            .collect(),
    )
}

/// Relative column widths of the official tables (the label columns wider, table 三's first
/// one narrow: it holds 三、本年度办理结果 down its 22 rows) and the type size.
fn widths(g: &Grid) -> (Vec<f64>, f64) {
    match (g.name.as_str(), g.cols) {
        ("表二", 4) => (vec![3.0, 2.0, 2.0, 2.0], 10.5),
        ("表三", 10) => {
            let mut w = vec![1.6, 4.6, 8.0];
            w.extend([3.0; 7]);
            (w, 8.5)
        }
        (_, n) => (vec![1.0; n], if n > 8 { 8.0 } else { 10.5 }),
    }
}

fn table(g: &Grid) -> Value {
    let (widths, size) = widths(g);
    let rows: Vec<Value> = g
        .rows
        .iter()
        .map(|row| {
            Value::Array(
                row.iter()
                    .map(|c| {
                        json!({
                            "text": c.text,
                            "colspan": c.colspan,
                            "rowspan": c.rowspan,
                            // As the HTML: table 二's one-cell block titles are headers too.
                            "header": c.header || (g.header_rows == 0 && row.len() == 1),
                            "number": c.number,
                        })
                    })
                    .collect(),
            )
        })
        .collect();
    json!({
        "kind": "table",
        "header_rows": g.header_rows,
        "widths": widths,
        "size": size,
        "rows": rows,
    })
}

/// The document as the template's JSON input.
fn data(doc: &Document) -> Value {
    let nonempty = |p: &&String| !p.trim().is_empty();
    json!({
        "title": doc.title,
        "preamble": doc.preamble.iter().filter(nonempty).map(|p| para(p)).collect::<Vec<_>>(),
        "sections": doc.sections.iter().map(|(title, blocks)| json!({
            "title": title,
            "blocks": blocks.iter().filter_map(|b| match b {
                Block::Paragraph(p) if p.trim().is_empty() => None,
                Block::Paragraph(p) => Some(json!({"kind": "p", "runs": para(p)})),
                Block::Table(g) => Some(table(g)),
            }).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Typesets a document with the fonts of `fonts_dir`.
pub fn render(doc: &Document, fonts_dir: &Path) -> Result<Vec<u8>, ExportError> {
    let engine = engine(fonts_dir)?;
    let mut inputs = Dict::new();
    inputs.insert("data".into(), data(doc).to_string().into_value());
    let compiled: PagedDocument = engine
        .compile_with_input(inputs)
        .output
        .map_err(|e| ExportError::Pdf(e.to_string()))?;
    typst_pdf::pdf(&compiled, &typst_pdf::PdfOptions::default()).map_err(|diags| {
        ExportError::Pdf(
            diags
                .iter()
                .map(|d| d.message.to_string())
                .collect::<Vec<_>>()
                .join("；"),
        )
    })
}
