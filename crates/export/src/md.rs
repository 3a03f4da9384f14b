//! Markdown: GFM tables with the official labels; merged headers are flattened into the
//! row labels, and the header note stands above the table.

use crate::layout::Grid;
use crate::{Block, Document};

pub fn render(doc: &Document) -> String {
    let mut s = format!("# {}\n\n", doc.title);
    for p in &doc.preamble {
        s.push_str(p);
        s.push_str("\n\n");
    }
    for (title, blocks) in &doc.sections {
        s.push_str(&format!("## {title}\n\n"));
        for b in blocks {
            match b {
                Block::Paragraph(p) => {
                    s.push_str(p);
                    s.push_str("\n\n");
                }
                Block::Table(g) => {
                    s.push_str(&table(g));
                    s.push('\n');
                }
            }
        }
    }
    s
}

fn esc(t: &str) -> String {
    t.replace('|', "\\|")
}

/// Flattens a grid: each data row becomes `label | values…`, the label joining the texts of
/// the label cells covering the row; header rows become one header line.
fn table(g: &Grid) -> String {
    let placed = g.placed();
    let covering = |r: usize| -> Vec<&crate::layout::Cell> {
        let mut v: Vec<(usize, &crate::layout::Cell)> = placed
            .iter()
            .filter(|(rr, _, c)| !c.number && *rr <= r && r < rr + c.rowspan)
            .map(|(_, cc, c)| (*cc, *c))
            .collect();
        v.sort_by_key(|(c, _)| *c);
        v.into_iter().map(|(_, c)| c).collect()
    };
    let mut out = String::new();
    if g.name == "表二" {
        // Four blocks, each a small table under its 第二十条 heading.
        for (r, row) in g.rows.iter().enumerate() {
            let texts: Vec<String> = row.iter().map(|c| esc(&c.text)).collect();
            if row.len() == 1 {
                out.push_str(&format!("\n**{}**\n\n", texts[0]));
            } else if row.iter().all(|c| c.header) {
                out.push_str(&format!(
                    "| {} |\n|{}\n",
                    texts.join(" | "),
                    " --- |".repeat(row.len())
                ));
            } else {
                out.push_str(&format!("| {} |\n", texts.join(" | ")));
            }
            let _ = r;
        }
        return out;
    }
    if g.header_rows == 0 {
        return out;
    }
    let value_cols: Vec<usize> = {
        let mut v: Vec<usize> = placed
            .iter()
            .filter(|(_, _, c)| c.number)
            .map(|(_, c, _)| *c)
            .collect();
        v.sort();
        v.dedup();
        v
    };
    // Column headers: the innermost header text above each value column, joined with its parents
    // for table 四 (where the same words repeat under each group).
    let header_of = |col: usize| -> String {
        let mut parts: Vec<&str> = placed
            .iter()
            .filter(|(r, c, cell)| {
                *r < g.header_rows && cell.header && *c <= col && col < c + cell.colspan
            })
            .map(|(_, _, cell)| cell.text.as_str())
            .collect();
        if g.name == "表三" {
            parts.retain(|t| *t != "申请人情况" && *t != "法人或其他组织" && !t.starts_with('（'));
        }
        parts.join(" ")
    };
    let label_head = if g.name == "表三" {
        "申请人情况"
    } else {
        ""
    };
    if g.name == "表三" {
        out.push_str(&format!("{}\n\n", crate::layout::T3_NOTE));
        out.push_str("申请人情况：自然人；法人或其他组织（商业企业、科研机构、社会公益组织、法律服务机构、其他）；总计\n\n");
    }
    let heads: Vec<String> = value_cols.iter().map(|c| esc(&header_of(*c))).collect();
    if g.name == "表四" {
        out.push_str(&format!(
            "| {} |\n|{}\n",
            heads.join(" | "),
            " --- |".repeat(heads.len())
        ));
    } else {
        out.push_str(&format!(
            "| {label_head} | {} |\n|{}\n",
            heads.join(" | "),
            " --- |".repeat(heads.len() + 1)
        ));
    }
    for r in g.header_rows..g.rows.len() {
        let label: Vec<String> = covering(r).iter().map(|c| c.text.clone()).collect();
        let mut vals: Vec<(usize, &str)> = placed
            .iter()
            .filter(|(rr, _, c)| *rr == r && c.number)
            .map(|(_, c, cell)| (*c, cell.text.as_str()))
            .collect();
        vals.sort_by_key(|(c, _)| *c);
        let vals: Vec<&str> = vals.into_iter().map(|(_, t)| t).collect();
        if g.name == "表四" {
            out.push_str(&format!("| {} |\n", vals.join(" | ")));
        } else {
            out.push_str(&format!(
                "| {} | {} |\n",
                esc(&label.join(" ")),
                vals.join(" | ")
            ));
        }
    }
    out
}
