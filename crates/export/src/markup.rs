//! The text of HTML pages and DOCX bodies for the auditor, tables kept as grids.
//!
//! HTML is parsed by `scraper` (html5ever: the browsers' parsing algorithm, so unclosed cells,
//! implied `<tbody>` and stray tags come out as a browser shows them); DOCX's
//! `word/document.xml` by `quick-xml`, streaming. Paragraphs become lines; each data table becomes
//! a grid ([`gongkai_domain::audit::grid`]) with `colspan`/`rowspan` (HTML) or
//! `w:gridSpan`/`w:vMerge` (DOCX) expanded, kept as a value where the table stands in the text
//! ([`Extracted`]; [`html_text`] and [`docx_text`] give its text form). A table whose cells hold
//! other tables is a layout table: its cells are read as paragraphs and the tables inside them as
//! grids.

use gongkai_domain::audit::Extracted;
use gongkai_domain::audit::grid::{self, Cell, RawCell};
use quick_xml::events::{BytesStart, Event};
use scraper::{ElementRef, Html, Node};

/// HTML larger than this is read by the streaming text extractor of the domain crate instead of
/// being parsed into a tree (bounded memory for hostile files).
pub const MAX_HTML_TREE: usize = 8 * 1024 * 1024;

/// Deepest element nesting walked recursively; deeper content is taken as plain text.
const MAX_DEPTH: usize = 200;

/// Output under construction: finished lines and grids, and the line being filled.
#[derive(Default)]
struct Out {
    text: Extracted,
    line: String,
}

impl Out {
    fn push_text(&mut self, t: &str) {
        for (i, part) in t.split_whitespace().enumerate() {
            if (i > 0 || t.starts_with(char::is_whitespace)) && !self.line.is_empty() {
                self.line.push(' ');
            }
            self.line.push_str(part);
        }
        if t.ends_with(char::is_whitespace) && !self.line.is_empty() && !self.line.ends_with(' ') {
            self.line.push(' ');
        }
    }
    fn flush(&mut self) {
        let l = self.line.trim();
        if !l.is_empty() {
            self.text.push_line(l);
        }
        self.line.clear();
    }
    fn grid(&mut self, rows: Vec<Vec<Cell>>) {
        self.flush();
        if !rows.is_empty() {
            self.text.push_grid(rows, grid::Source::Markup);
        }
    }
}

/// Elements that start and end a line (`is_block`).
#[cfg(test)]
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "title",
    "caption",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "center",
    "tr",
    "td",
    "th",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "form",
    "hr",
    "address",
    "main",
    "nav",
    "aside",
];
/// Elements whose content is not text (`is_skipped`).
#[cfg(test)]
const SKIPPED: &[&str] = &["script", "style", "noscript", "template", "svg", "object"];

/// Whether an element starts and ends a line (a block, a table part, a rule).
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "ul"
            | "ol"
            | "title"
            | "caption"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "blockquote"
            | "pre"
            | "dd"
            | "dt"
            | "dl"
            | "center"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "tbody"
            | "thead"
            | "tfoot"
            | "form"
            | "hr"
            | "address"
            | "main"
            | "nav"
            | "aside"
    )
}

/// Whether an element's content is not text (scripts, styles, templates, objects).
fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        "script" | "style" | "noscript" | "template" | "svg" | "object"
    )
}

/// The text of an HTML page, its data tables as grids inside it (the text form of [`html`]).
pub fn html_text(src: &str) -> String {
    html(src).to_text()
}

/// The text of an HTML page and its data tables as grids.
pub fn html(src: &str) -> Extracted {
    if src.len() > MAX_HTML_TREE {
        return Extracted::from_text(gongkai_domain::audit::markup_to_text(
            src,
            gongkai_domain::audit::Markup::Html,
        ));
    }
    let doc = Html::parse_document(src);
    let mut out = Out::default();
    walk(doc.root_element(), &mut out, 0);
    out.flush();
    out.text
}

fn walk(el: ElementRef<'_>, out: &mut Out, depth: usize) {
    let name = el.value().name();
    if is_skipped(name) {
        return;
    }
    if depth > MAX_DEPTH {
        for t in el.text() {
            out.push_text(t);
        }
        return;
    }
    if name == "table" && !is_layout_table(el) {
        let rows = table_rows(el);
        out.grid(grid::place_owned(rows));
        return;
    }
    let block = is_block(name);
    if block || name == "br" {
        out.flush();
    }
    for child in el.children() {
        match child.value() {
            Node::Text(t) => out.push_text(t),
            Node::Element(_) => {
                if let Some(e) = ElementRef::wrap(child) {
                    walk(e, out, depth + 1);
                }
            }
            _ => {}
        }
    }
    if block {
        out.flush();
    }
}

/// The elements under `el` whose nearest enclosing table is `table` (not inside a nested one).
fn own_descendants<'a>(
    table: ElementRef<'a>,
    el: ElementRef<'a>,
    name: &str,
) -> Vec<ElementRef<'a>> {
    let mut found = Vec::new();
    let mut stack: Vec<ElementRef<'a>> = el.children().filter_map(ElementRef::wrap).collect();
    stack.reverse();
    while let Some(e) = stack.pop() {
        let n = e.value().name();
        if n == name {
            found.push(e);
            continue;
        }
        if n == "table" && e.id() != table.id() {
            continue;
        }
        let mut kids: Vec<ElementRef<'a>> = e.children().filter_map(ElementRef::wrap).collect();
        kids.reverse();
        stack.extend(kids);
    }
    found
}

/// Whether a table's cells hold other tables (a table used for page layout).
fn is_layout_table(table: ElementRef<'_>) -> bool {
    own_descendants(table, table, "td")
        .into_iter()
        .chain(own_descendants(table, table, "th"))
        .any(|cell| {
            cell.descendants()
                .skip(1)
                .any(|d| d.value().as_element().is_some_and(|e| e.name() == "table"))
        })
}

/// A table's rows of cells as written, with their spans.
fn table_rows(table: ElementRef<'_>) -> Vec<Vec<RawCell>> {
    let span = |e: &ElementRef<'_>, attr: &str| -> usize {
        e.value()
            .attr(attr)
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n >= 1)
            .unwrap_or(1)
    };
    own_descendants(table, table, "tr")
        .into_iter()
        .map(|tr| {
            tr.children()
                .filter_map(ElementRef::wrap)
                .filter(|c| matches!(c.value().name(), "td" | "th"))
                .map(|c| RawCell {
                    text: cell_text(c),
                    colspan: span(&c, "colspan"),
                    rowspan: span(&c, "rowspan"),
                })
                .collect()
        })
        .collect()
}

/// A cell's text: its paragraphs and line breaks as spaces, scripts left out.
fn cell_text(cell: ElementRef<'_>) -> String {
    let mut out = Out::default();
    walk_inline(cell, &mut out, 0);
    let t = if out.text.is_empty() {
        out.line
    } else {
        let mut t = out.text.to_text().replace('\n', " ");
        t.push_str(&out.line);
        t
    };
    let mut s = String::with_capacity(t.len());
    for (i, part) in t.split_whitespace().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(part);
    }
    s
}

fn walk_inline(el: ElementRef<'_>, out: &mut Out, depth: usize) {
    if is_skipped(el.value().name()) {
        return;
    }
    for child in el.children() {
        match child.value() {
            Node::Text(t) => out.push_text(t),
            Node::Element(e) => {
                if is_block(e.name()) || e.name() == "br" {
                    out.line.push(' ');
                }
                if let Some(e) = ElementRef::wrap(child)
                    && depth < MAX_DEPTH
                {
                    walk_inline(e, out, depth + 1);
                }
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// DOCX

/// How a DOCX cell takes part in a vertical merge.
#[derive(Clone, Copy, PartialEq, Eq)]
enum VMerge {
    None,
    Restart,
    Continue,
}

struct DocxCell {
    text: String,
    span: usize,
    vmerge: VMerge,
}

/// A table being read: its rows, and what it would give as a layout table.
#[derive(Default)]
struct DocxTable {
    rows: Vec<(usize, Vec<DocxCell>)>,
    /// Lines and grids of its cells' content, in order (used when it holds tables).
    layout: Out,
    nested: bool,
}

impl DocxTable {
    /// The grid: cells placed at their grid columns, merges expanded.
    fn into_grid(self) -> Vec<Vec<Cell>> {
        let mut out: Vec<Vec<Cell>> = Vec::new();
        let mut slots = 0usize;
        for (before, row) in self.rows {
            slots += before + row.iter().map(|c| c.span.max(1)).sum::<usize>();
            if slots > grid::MAX_SLOTS {
                break;
            }
            let mut cells: Vec<Cell> = vec![Cell::default(); before.min(grid::MAX_COLS)];
            for c in row {
                let col = cells.len();
                if col >= grid::MAX_COLS {
                    break;
                }
                let span = c.span.clamp(1, grid::MAX_COLS - col);
                let (text, spanned) = if c.vmerge == VMerge::Continue {
                    let above = out
                        .last()
                        .and_then(|r| r.get(col))
                        .map(|x| grid::copy_text(&x.text))
                        .unwrap_or_default();
                    (above, true)
                } else {
                    (c.text, false)
                };
                let copy = (span > 1).then(|| grid::copy_text(&text));
                cells.push(Cell { text, spanned });
                for _ in 1..span {
                    cells.push(Cell {
                        text: copy.clone().unwrap_or_default(),
                        spanned: true,
                    });
                }
            }
            out.push(cells);
        }
        out
    }
}

fn attr_val(e: &BytesStart<'_>, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

/// The text of a DOCX body (`word/document.xml`), its tables as grids inside it (the text form
/// of [`docx`]).
pub fn docx_text(xml: &str) -> String {
    docx(xml).to_text()
}

/// The text of a DOCX body (`word/document.xml`) and its tables as grids. Malformed XML ends the
/// reading where it breaks (what was read so far is kept).
pub fn docx(xml: &str) -> Extracted {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Out::default();
    let mut tables: Vec<DocxTable> = Vec::new();
    // The paragraph being read, and the cell text being gathered (per open table).
    let mut para = String::new();
    let mut cell: Option<DocxCell> = None;
    let mut cell_stack: Vec<Option<DocxCell>> = Vec::new();
    let mut in_text = false;
    // Depth inside `mc:Fallback`: the older writers' copy of what `mc:Choice` holds (a text
    // box given twice), left out.
    let mut fallback = 0usize;
    loop {
        let ev = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(ev) => ev,
        };
        match &ev {
            Event::Start(e) if e.name().as_ref() == b"mc:Fallback" => {
                fallback += 1;
                continue;
            }
            Event::End(e) if e.name().as_ref() == b"mc:Fallback" => {
                fallback = fallback.saturating_sub(1);
                continue;
            }
            _ if fallback > 0 => continue,
            _ => {}
        }
        let self_closing = matches!(ev, Event::Empty(_));
        match ev {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"w:tbl" => {
                    cell_stack.push(cell.take());
                    tables.push(DocxTable::default());
                }
                b"w:tr" => {
                    if let Some(t) = tables.last_mut() {
                        t.rows.push((0, Vec::new()));
                    }
                }
                b"w:gridBefore" => {
                    if let Some(t) = tables.last_mut()
                        && let Some(r) = t.rows.last_mut()
                    {
                        r.0 = attr_val(&e, b"w:val")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0);
                    }
                }
                b"w:tc" => {
                    cell = Some(DocxCell {
                        text: String::new(),
                        span: 1,
                        vmerge: VMerge::None,
                    });
                }
                b"w:gridSpan" => {
                    if let Some(c) = cell.as_mut() {
                        c.span = attr_val(&e, b"w:val")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(1);
                    }
                }
                b"w:vMerge" => {
                    if let Some(c) = cell.as_mut() {
                        c.vmerge = match attr_val(&e, b"w:val").as_deref() {
                            Some("restart") => VMerge::Restart,
                            _ => VMerge::Continue,
                        };
                    }
                }
                b"w:t" => in_text = !self_closing,
                b"w:tab" | b"w:br" | b"w:cr" => para.push(' '),
                _ => {}
            },
            Event::Text(t) if in_text => {
                let raw = String::from_utf8_lossy(t.as_ref());
                if raw.contains('&') {
                    para.push_str(&unescape(&raw));
                } else {
                    para.push_str(&raw);
                }
            }
            Event::GeneralRef(r) if in_text => {
                let raw = String::from_utf8_lossy(r.as_ref()).into_owned();
                para.push_str(&unescape(&format!("&{raw};")));
            }
            Event::End(e) => match e.name().as_ref() {
                b"w:t" => in_text = false,
                b"w:p" => {
                    let p = std::mem::take(&mut para);
                    match (cell.as_mut(), tables.last_mut()) {
                        (Some(c), Some(t)) => {
                            if !c.text.is_empty() {
                                c.text.push(' ');
                            }
                            c.text.push_str(p.trim());
                            t.layout.push_text(&p);
                            t.layout.flush();
                        }
                        _ => {
                            out.push_text(&p);
                            out.flush();
                        }
                    }
                }
                b"w:tc" => {
                    if let (Some(c), Some(t)) = (cell.take(), tables.last_mut())
                        && let Some(r) = t.rows.last_mut()
                    {
                        r.1.push(c);
                    }
                }
                b"w:tbl" => {
                    let Some(t) = tables.pop() else { continue };
                    cell = cell_stack.pop().flatten();
                    let target = match tables.last_mut() {
                        Some(parent) => {
                            parent.nested = true;
                            &mut parent.layout
                        }
                        None => &mut out,
                    };
                    if t.nested {
                        target.flush();
                        let mut layout = t.layout;
                        layout.flush();
                        target.text.append(layout.text);
                    } else {
                        target.grid(t.into_grid());
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    out.push_text(&para);
    out.flush();
    out.text
}

/// XML character references and the five predefined entities.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    // The domain's HTML extractor decodes references linearly; a paragraph of text holds no
    // markup, so its output is the decoded text.
    gongkai_domain::audit::markup_to_text(s, gongkai_domain::audit::Markup::Html)
        .trim_end_matches('\n')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongkai_domain::audit::grid::split_grids;

    #[test]
    fn html_tables_become_grids_with_their_spans() {
        let (text, grids) = split_grids(&html_text(
            "<h1>标题</h1><p>一段<br>文字</p><table><tr><td rowspan=2>甲</td><td colspan=2>乙</td><tr><td>1<td><p>2</p><p>3</p></table><script>x=1</script>",
        ));
        assert_eq!(text, "标题\n一段\n文字\n甲\t乙\n1\t2 3\n");
        assert_eq!(grids.len(), 1);
        let g = &grids[0].rows;
        assert_eq!(g[0].len(), 3);
        assert!(g[1][0].spanned && g[1][0].text == "甲");
        assert_eq!(grids[0].line, 3);
    }

    #[test]
    fn layout_tables_are_read_as_paragraphs() {
        let (text, grids) = split_grids(&html_text(
            "<table><tr><td><p>一、总体情况</p><table><tr><td>规章</td><td>0</td></tr></table></td></tr></table>",
        ));
        assert_eq!(text, "一、总体情况\n规章\t0\n");
        assert_eq!(grids.len(), 1);
    }

    #[test]
    fn docx_tables_become_grids_with_their_merges() {
        let xml = r#"<w:document><w:body><w:p><w:r><w:t>标题 &amp; 说明</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>甲</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>乙</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>2</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"#;
        let (text, grids) = split_grids(&docx_text(xml));
        assert_eq!(text, "标题 & 说明\n甲\t乙\n1\t2\n");
        let g = &grids[0].rows;
        assert_eq!(g[0].len(), 3);
        assert!(g[0][2].spanned);
        assert!(g[1][0].spanned && g[1][0].text == "甲");
    }

    #[test]
    fn a_docx_text_box_given_twice_is_read_once() {
        let boxed = "<w:txbxContent><w:p><w:r><w:t>盖章</w:t></w:r></w:p></w:txbxContent>";
        let xml = format!(
            "<w:document><w:body><w:p><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\">{boxed}</mc:Choice><mc:Fallback><w:pict>{boxed}</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p><w:p><w:r><w:t>正文</w:t></w:r></w:p></w:body></w:document>"
        );
        assert_eq!(docx_text(&xml), "盖章\n正文\n");
    }

    #[test]
    fn element_kinds_match_their_lists() {
        for n in BLOCKS
            .iter()
            .chain(SKIPPED)
            .chain(&["span", "a", "br", "b", ""])
        {
            assert_eq!(is_block(n), BLOCKS.contains(n), "{n}");
            assert_eq!(is_skipped(n), SKIPPED.contains(n), "{n}");
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep = "<div>".repeat(20_000) + "文字" + &"</div>".repeat(20_000);
        assert!(html_text(&deep).contains("文字"));
        let tables = "<table><tr><td>".repeat(5_000) + "x";
        let _ = html_text(&tables);
        let docx = "<w:tbl><w:tr><w:tc>".repeat(5_000);
        let _ = docx_text(&docx);
    }
}
