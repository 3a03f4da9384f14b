//! A plain table as an XLSX workbook: one sheet, a bold header row that stays in view and
//! carries filters, every cell text (never a formula, whatever it starts with). For the lists
//! the back office exports, such as the audit log.

use rust_xlsxwriter::{Format, Workbook};

use crate::ExportError;

/// The widest a column is made (in characters); longer text wraps in the cell.
const MAX_WIDTH: usize = 60;

/// An XLSX file with one sheet named `sheet`: `headers`, then `rows`.
pub fn xlsx(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_font_name("宋体");
    let plain = Format::new().set_font_name("宋体");
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, col(c)?, *h, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| too_many())?;
        for (c, text) in row.iter().enumerate() {
            ws.write_string_with_format(r, col(c)?, text, &plain)?;
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(width(text));
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(col(c)?, (*w).clamp(6, MAX_WIDTH) as f64 + 1.0)?;
    }
    ws.set_freeze_panes(1, 0)?;
    if !headers.is_empty() {
        let last_row = u32::try_from(rows.len()).map_err(|_| too_many())?;
        ws.autofilter(0, 0, last_row, col(headers.len() - 1)?)?;
    }
    Ok(wb.save_to_buffer()?)
}

fn col(c: usize) -> Result<u16, ExportError> {
    u16::try_from(c).map_err(|_| too_many())
}

fn too_many() -> ExportError {
    ExportError::Xlsx(rust_xlsxwriter::XlsxError::RowColumnLimitError)
}

/// Display width: CJK characters count double.
fn width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_table_is_a_workbook() {
        let rows = vec![vec!["张三".to_string(), "=1+1".to_string()]];
        let bytes = super::xlsx("日志", &["用户", "操作"], &rows).unwrap_or_default();
        assert!(bytes.starts_with(b"PK"));
    }
}
