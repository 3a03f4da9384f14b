//! The annual report as a publication (contracts.md §7): a year's report is drafted from the
//! ledger as a frozen [`ReportSnapshot`] (the page body and one file per format), goes through
//! the items' workflow and is public only once published. Its log entries name it
//! [`report_subject`]; its statutory due date is [`report_due`] (条例 art. 49: 1 月 31 日,
//! an agency setting where it differs).

use time::{Date, Month};

use super::item::ItemFields;
use crate::DomainError;
use crate::codes::{DisclosureAttr, DocKind};

/// The column annual reports appear in (the standard tree's 政府信息公开年报).
pub const REPORT_COLUMN: &str = "annual";

/// One file of a snapshot (`{agency}-{year}-annual-report.{ext}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A report frozen for review and publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSnapshot {
    /// The report's title (标题).
    pub title: String,
    /// The report as an HTML fragment (the item's 正文 and the public page).
    pub body: String,
    pub files: Vec<ReportFile>,
    /// The failed 勾稽 checks, one line each: a report that does not balance is not drafted.
    pub failures: Vec<String>,
}

/// The log subject of a year's report.
pub fn report_subject(year: i32) -> String {
    format!("annual-report/{year}")
}

/// The default publication date of a report, month and day of the next year (条例 art. 49:
/// 1 月 31 日 for 县级以上人民政府部门; a calendar date, not moved for holidays).
pub const DEFAULT_REPORT_DUE: (u8, u8) = (1, 31);

/// A due date written `MM-DD` (an agency setting: 3 月 31 日 for a local government's own
/// report, or an earlier internal date).
pub fn parse_report_due(s: &str) -> Result<(u8, u8), DomainError> {
    let bad = || DomainError::invalid("年报发布期限", format!("“{s}”应写作 MM-DD，如 01-31"));
    let (m, d) = s.trim().split_once('-').ok_or_else(bad)?;
    let (m, d): (u8, u8) = (m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    // Checked against a leap year so that 02-29 is accepted (and then clipped in other years).
    let month = Month::try_from(m).map_err(|_| bad())?;
    Date::from_calendar_date(2024, month, d).map_err(|_| bad())?;
    Ok((m, d))
}

/// The last day to publish the report of `year`: `due` (month, day) of the next year, the
/// last day of the month where the day does not exist that year.
pub fn report_due(year: i32, due: (u8, u8)) -> Option<Date> {
    let month = Month::try_from(due.0).ok()?;
    let next = year.checked_add(1)?;
    (1..=due.1)
        .rev()
        .find_map(|d| Date::from_calendar_date(next, month, d).ok())
}

/// The catalogue fields of a report drafted on `today` by `publisher`.
pub fn report_fields(
    year: i32,
    snapshot: &ReportSnapshot,
    publisher: &str,
    today: Date,
    change_note: Option<String>,
) -> ItemFields {
    ItemFields {
        title: snapshot.title.clone(),
        summary: format!(
            "{publisher}{year}年度政府信息公开工作年度报告（国办公开办函〔2021〕30号格式），附 Word、Excel、Markdown、HTML 与 JSON 版本。"
        ),
        body: snapshot.body.clone(),
        doc_no: None,
        publisher: publisher.to_string(),
        formed_on: today,
        attr: DisclosureAttr::Proactive,
        legal_ground: None,
        art20_item: None,
        doc_kind: DocKind::Other,
        repealed_on: None,
        column: REPORT_COLUMN.to_string(),
        change_note,
        interprets: None,
        channels: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_of_a_year_is_due_on_31_january_of_the_next() {
        assert_eq!(
            report_due(2024, DEFAULT_REPORT_DUE),
            Date::from_calendar_date(2025, Month::January, 31).ok()
        );
        assert_eq!(report_due(i32::MAX, DEFAULT_REPORT_DUE), None);
        // A local government's own report: 31 March.
        assert_eq!(
            report_due(2024, parse_report_due("03-31").unwrap()),
            Date::from_calendar_date(2025, Month::March, 31).ok()
        );
        // 29 February of a year without it is its last day.
        assert_eq!(
            report_due(2024, parse_report_due("02-29").unwrap()),
            Date::from_calendar_date(2025, Month::February, 28).ok()
        );
        for bad in ["", "1-32", "13-01", "0131", "02-30", "a-b"] {
            assert!(parse_report_due(bad).is_err(), "{bad}");
        }
        assert_eq!(report_subject(2025), "annual-report/2025");
    }
}
