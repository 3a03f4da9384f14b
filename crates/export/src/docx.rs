//! DOCX (Office Open XML) with 宋体 text and the tables' merged cells (gridSpan, vMerge).

use docx_rs::{
    AlignmentType, Docx, Paragraph, Run, RunFonts, Table, TableCell, TableRow, VAlignType,
    VMergeType, WidthType,
};

use crate::layout::Grid;
use crate::{Block, Document, ExportError, runs};

fn fonts() -> RunFonts {
    RunFonts::new()
        .east_asia("宋体")
        .ascii("Times New Roman")
        .hi_ansi("Times New Roman")
}

fn text_para(p: &str, size: usize) -> Paragraph {
    let mut para = Paragraph::new();
    for (t, bold) in runs(p) {
        let mut run = Run::new().add_text(t).fonts(fonts()).size(size);
        if bold {
            run = run.bold();
        }
        para = para.add_run(run);
    }
    para
}

pub fn render(doc: &Document) -> Result<Vec<u8>, ExportError> {
    let mut d = Docx::new();
    d = d.add_paragraph(
        Paragraph::new()
            .add_run(
                Run::new()
                    .add_text(&doc.title)
                    .fonts(RunFonts::new().east_asia("方正小标宋简体"))
                    .size(36)
                    .bold(),
            )
            .align(AlignmentType::Center),
    );
    for p in &doc.preamble {
        d = d.add_paragraph(text_para(p, 28).indent(
            None,
            Some(docx_rs::SpecialIndentType::FirstLine(560)),
            None,
            None,
        ));
    }
    for (title, blocks) in &doc.sections {
        d = d.add_paragraph(
            Paragraph::new().add_run(
                Run::new()
                    .add_text(title)
                    .fonts(RunFonts::new().east_asia("黑体"))
                    .size(30)
                    .bold(),
            ),
        );
        for b in blocks {
            match b {
                Block::Paragraph(p) => {
                    d = d.add_paragraph(text_para(p, 28).indent(
                        None,
                        Some(docx_rs::SpecialIndentType::FirstLine(560)),
                        None,
                        None,
                    ))
                }
                Block::Table(g) => {
                    d = d.add_table(table(g));
                    d = d.add_paragraph(Paragraph::new());
                }
            }
        }
    }
    let mut buf = std::io::Cursor::new(Vec::new());
    d.build()
        .pack(&mut buf)
        .map_err(|e| ExportError::Docx(e.to_string()))?;
    Ok(buf.into_inner())
}

fn table(g: &Grid) -> Table {
    let placed = g.placed();
    // Total width about 9000 twips (A4 text width), split evenly with wider label columns.
    let widths: Vec<usize> = match g.name.as_str() {
        "表三" => {
            let mut w = vec![700, 1000, 2300];
            w.extend(std::iter::repeat_n(700, 7));
            w
        }
        "表二" => vec![2700, 2100, 2100, 2100],
        _ => std::iter::repeat_n(600, g.cols).collect(),
    };
    // Grids laid out differently (the auditor's test corpus) get default widths.
    let mut widths = widths;
    widths.resize(g.cols, 600);
    let mut rows = Vec::new();
    for r in 0..g.rows.len() {
        let mut cells = Vec::new();
        let mut c = 0;
        while c < g.cols {
            if let Some((_, _, cell)) = placed.iter().find(|(rr, cc, _)| *rr == r && *cc == c) {
                let width: usize = widths[c..(c + cell.colspan).min(g.cols)].iter().sum();
                let size = if cell.text.chars().count() > 20 {
                    18
                } else {
                    21
                };
                let mut para = Paragraph::new().add_run({
                    let run = Run::new().add_text(&cell.text).fonts(fonts()).size(size);
                    if cell.header { run.bold() } else { run }
                });
                if cell.header || cell.number {
                    para = para.align(AlignmentType::Center);
                }
                let mut tc = TableCell::new()
                    .add_paragraph(para)
                    .width(width, WidthType::Dxa)
                    .vertical_align(VAlignType::Center);
                if cell.colspan > 1 {
                    tc = tc.grid_span(cell.colspan);
                }
                if cell.rowspan > 1 {
                    tc = tc.vertical_merge(VMergeType::Restart);
                }
                cells.push(tc);
                c += cell.colspan;
            } else if let Some((_, _, cell)) = placed
                .iter()
                .find(|(rr, cc, cell)| *cc == c && *rr < r && r < rr + cell.rowspan)
            {
                let width: usize = widths[c..(c + cell.colspan).min(g.cols)].iter().sum();
                let mut tc = TableCell::new()
                    .add_paragraph(Paragraph::new())
                    .width(width, WidthType::Dxa)
                    .vertical_merge(VMergeType::Continue);
                if cell.colspan > 1 {
                    tc = tc.grid_span(cell.colspan);
                }
                cells.push(tc);
                c += cell.colspan;
            } else {
                cells.push(TableCell::new().add_paragraph(Paragraph::new()));
                c += 1;
            }
        }
        rows.push(TableRow::new(cells));
    }
    Table::new(rows).set_grid(widths)
}
