//! XLSX: one sheet with the three tables in the official layout (merged header cells), and a
//! sheet with the full text.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

use crate::layout::Grid;
use crate::{Block, Document, ExportError};

pub fn render(doc: &Document) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_font_name("宋体");
    let section = Format::new().set_bold().set_font_name("宋体");
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_font_name("宋体");
    let header = cell.clone().set_bold();
    let label = cell.clone().set_align(FormatAlign::Left);

    let ws = wb.add_worksheet();
    ws.set_name("表格")?;
    ws.write_string_with_format(0, 0, &doc.title, &title)?;
    let mut row: u32 = 2;
    let mut widest = 10;
    for (sec_title, blocks) in &doc.sections {
        for b in blocks {
            if let Block::Table(g) = b {
                ws.write_string_with_format(row, 0, sec_title, &section)?;
                row += 1;
                write_grid(ws, g, row, &header, &label, &cell)?;
                row += g.rows.len() as u32 + 1;
                widest = widest.max(g.cols);
            }
        }
    }
    for c in 0..widest as u16 {
        ws.set_column_width(c, if c < 3 { 16 } else { 10 })?;
    }

    let text = wb.add_worksheet();
    text.set_name("全文")?;
    text.set_column_width(0, 120)?;
    let wrap = Format::new().set_text_wrap().set_font_name("宋体");
    let mut r: u32 = 0;
    text.write_string_with_format(r, 0, &doc.title, &title)?;
    r += 1;
    for p in &doc.preamble {
        text.write_string_with_format(r, 0, p.replace("**", ""), &wrap)?;
        r += 1;
    }
    for (sec_title, blocks) in &doc.sections {
        text.write_string_with_format(r, 0, sec_title, &section)?;
        r += 1;
        for b in blocks {
            match b {
                Block::Paragraph(p) => {
                    text.write_string_with_format(r, 0, p.replace("**", ""), &wrap)?
                }
                Block::Table(g) => text.write_string_with_format(
                    r,
                    0,
                    format!("（见“表格”工作表{}）", g.name),
                    &wrap,
                )?,
            };
            r += 1;
        }
    }
    Ok(wb.save_to_buffer()?)
}

fn write_grid(
    ws: &mut rust_xlsxwriter::Worksheet,
    g: &Grid,
    top: u32,
    header: &Format,
    label: &Format,
    cell: &Format,
) -> Result<(), ExportError> {
    for (r, c, x) in g.placed() {
        let fmt = if x.header || (g.header_rows == 0 && x.colspan == g.cols) {
            header
        } else if x.number {
            cell
        } else {
            label
        };
        let (r0, c0) = (top + r as u32, c as u16);
        let (r1, c1) = (r0 + x.rowspan as u32 - 1, c0 + x.colspan as u16 - 1);
        if r1 > r0 || c1 > c0 {
            ws.merge_range(r0, c0, r1, c1, "", fmt)?;
        }
        match x.text.parse::<i64>() {
            Ok(n) if x.number => ws.write_number_with_format(r0, c0, n as f64, fmt)?,
            _ => ws.write_string_with_format(r0, c0, &x.text, fmt)?,
        };
    }
    Ok(())
}

/// The batch summary of `gongkai audit`: one row per file, and every finding on a second sheet.
pub fn audit_summary(audits: &[gongkai_domain::audit::Audit]) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_font_name("宋体");
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_font_name("宋体");
    let ws = wb.add_worksheet();
    ws.set_name("汇总")?;
    for (c, h) in ["文件", "机构", "年度", "格式", "错误", "提示"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &head)?;
    }
    for (i, a) in audits.iter().enumerate() {
        let r = i as u32 + 1;
        let errors = a.findings.iter().filter(|f| f.severity == "error").count();
        ws.write_string_with_format(r, 0, &a.file, &cell)?;
        ws.write_string_with_format(r, 1, &a.agency, &cell)?;
        match a.year {
            Some(y) => ws.write_number_with_format(r, 2, f64::from(y), &cell)?,
            None => ws.write_string_with_format(r, 2, "", &cell)?,
        };
        ws.write_string_with_format(r, 3, &a.format, &cell)?;
        ws.write_number_with_format(r, 4, errors as f64, &cell)?;
        ws.write_number_with_format(r, 5, (a.findings.len() - errors) as f64, &cell)?;
    }
    ws.set_column_width(0, 48)?;
    ws.set_column_width(1, 30)?;
    let fs = wb.add_worksheet();
    fs.set_name("问题明细")?;
    for (c, h) in ["文件", "代码", "级别", "位置", "说明"].iter().enumerate() {
        fs.write_string_with_format(0, c as u16, *h, &head)?;
    }
    let mut r = 1;
    for a in audits {
        for f in &a.findings {
            fs.write_string_with_format(r, 0, &a.file, &cell)?;
            fs.write_string_with_format(r, 1, f.code, &cell)?;
            fs.write_string_with_format(
                r,
                2,
                if f.severity == "error" {
                    "错误"
                } else {
                    "提示"
                },
                &cell,
            )?;
            fs.write_string_with_format(r, 3, &f.place, &cell)?;
            fs.write_string_with_format(r, 4, &f.message, &cell)?;
            r += 1;
        }
    }
    fs.set_column_width(0, 48)?;
    fs.set_column_width(4, 60)?;
    Ok(wb.save_to_buffer()?)
}
