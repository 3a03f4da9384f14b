//! HTML: a complete, printable page with the official layout (rowspan/colspan) and no external
//! assets.

use crate::layout::Grid;
use crate::{Block, Document, runs};

/// Escapes text for HTML content and attributes.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn para(p: &str) -> String {
    let inner: String = runs(p)
        .into_iter()
        .map(|(t, b)| {
            if b {
                format!("<strong>{}</strong>", escape(t))
            } else {
                escape(t)
            }
        })
        .collect();
    format!("<p>{inner}</p>\n")
}

/// The report body (title, sections, tables) without `<html>`, for embedding in a page.
pub fn body(doc: &Document) -> String {
    let mut s = format!(
        "<article class=\"report\">\n<h1>{}</h1>\n",
        escape(&doc.title)
    );
    for p in &doc.preamble {
        s.push_str(&para(p));
    }
    for (title, blocks) in &doc.sections {
        s.push_str(&format!("<section>\n<h2>{}</h2>\n", escape(title)));
        for b in blocks {
            match b {
                Block::Paragraph(p) => s.push_str(&para(p)),
                Block::Table(g) => s.push_str(&table(g)),
            }
        }
        s.push_str("</section>\n");
    }
    s.push_str("</article>\n");
    s
}

pub const STYLE: &str = "body{font-family:\"Noto Serif CJK SC\",\"SimSun\",\"宋体\",serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.8;color:#111}\
h1{text-align:center;font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}p{text-indent:2em;margin:.5rem 0}\
table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.9rem}th,td{border:1px solid #333;padding:.25rem .4rem;text-align:center}\
td.label{text-align:left}td.num{font-variant-numeric:tabular-nums}caption{caption-side:top;font-weight:bold;text-align:left}\
@media print{body{margin:0;max-width:none}}";

pub fn render(doc: &Document) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
        escape(&doc.title),
        body(doc)
    )
}

fn table(g: &Grid) -> String {
    let mut s = format!(
        "<table class=\"official\" data-table=\"{}\">\n",
        escape(&g.name)
    );
    for (r, row) in g.rows.iter().enumerate() {
        s.push_str("<tr>");
        for c in row {
            let tag = if c.header || (g.header_rows == 0 && row.len() == 1) {
                "th"
            } else {
                "td"
            };
            let mut attrs = String::new();
            if c.colspan > 1 {
                attrs.push_str(&format!(" colspan=\"{}\"", c.colspan));
            }
            if c.rowspan > 1 {
                attrs.push_str(&format!(" rowspan=\"{}\"", c.rowspan));
            }
            if tag == "th" && r < g.header_rows {
                attrs.push_str(" scope=\"col\"");
            }
            if tag == "td" {
                attrs.push_str(if c.number {
                    " class=\"num\""
                } else {
                    " class=\"label\""
                });
            }
            s.push_str(&format!("<{tag}{attrs}>{}</{tag}>", escape(&c.text)));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n");
    s
}

/// A paragraph's text with its `<strong>` runs marked `**…**` again (as [`para`] read them).
fn para_text(e: scraper::ElementRef) -> String {
    let mut s = String::new();
    for n in e.children() {
        match n.value() {
            scraper::Node::Text(t) => s.push_str(t),
            scraper::Node::Element(el) => {
                let inner: String = scraper::ElementRef::wrap(n)
                    .map(|r| r.text().collect())
                    .unwrap_or_default();
                if el.name() == "strong" {
                    s.push_str(&format!("**{inner}**"));
                } else {
                    s.push_str(&inner);
                }
            }
            _ => {}
        }
    }
    s
}

fn span(e: &scraper::node::Element, name: &str) -> usize {
    e.attr(name)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n >= 1)
        .unwrap_or(1)
}

/// A table written by [`table`], read back into its grid.
fn table_grid(e: scraper::ElementRef) -> Grid {
    let mut rows = Vec::new();
    let mut header_rows = 0;
    let mut in_header = true;
    for tr in e
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
        .filter(|r| r.value().name() == "tr")
    {
        let mut row = Vec::new();
        let mut scoped = false;
        for c in tr.children().filter_map(scraper::ElementRef::wrap) {
            let v = c.value();
            if !matches!(v.name(), "th" | "td") {
                continue;
            }
            scoped |= v.attr("scope") == Some("col");
            row.push(crate::layout::Cell {
                text: c.text().collect(),
                colspan: span(v, "colspan"),
                rowspan: span(v, "rowspan"),
                header: v.name() == "th",
                number: v.classes().any(|k| k == "num"),
            });
        }
        if in_header && scoped {
            header_rows += 1;
        } else {
            in_header = false;
        }
        rows.push(row);
    }
    let cols = rows
        .first()
        .map_or(0, |r| r.iter().map(|c| c.colspan).sum());
    Grid {
        name: e.value().attr("data-table").unwrap_or_default().to_string(),
        cols,
        rows,
        header_rows,
    }
}

/// Reads back a report body written by [`body`] (a report's page as frozen at publication)
/// into the document it was written from: the title, the paragraphs with their bold runs and
/// the tables with their merged cells. Anything else in the markup is left out.
pub fn parse_body(html: &str) -> Document {
    let frag = scraper::Html::parse_fragment(html);
    let mut doc = Document {
        title: String::new(),
        preamble: Vec::new(),
        sections: Vec::new(),
    };
    let Some(article) = frag
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
        .find(|e| e.value().name() == "article")
    else {
        return doc;
    };
    for e in article.children().filter_map(scraper::ElementRef::wrap) {
        match e.value().name() {
            "h1" => doc.title = e.text().collect(),
            "p" => doc.preamble.push(para_text(e)),
            "section" => {
                let mut title = String::new();
                let mut blocks = Vec::new();
                for b in e.children().filter_map(scraper::ElementRef::wrap) {
                    match b.value().name() {
                        "h2" => title = b.text().collect(),
                        "p" => blocks.push(Block::Paragraph(para_text(b))),
                        "table" => blocks.push(Block::Table(table_grid(b))),
                        _ => {}
                    }
                }
                doc.sections.push((title, blocks));
            }
            _ => {}
        }
    }
    doc
}
