//! HTML: a complete, printable page with the official layout (rowspan/colspan) and no external
//! assets.

use crate::layout::Grid;
use crate::{Block, Document, runs};

pub use gongkai_domain::html::escape;

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
