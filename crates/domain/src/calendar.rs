//! The working-day calendar (regulations.md §2.7, §5): official rest days and 调休 make-up
//! working days, and working-day arithmetic over them.
//!
//! A date listed in the data is a rest day (`isOffDay: true`) or a make-up working day
//! (`false`); any other date follows Monday–Friday. A date is *confirmed* when the notice of its
//! year has been published (its title-year file has days), and for dates from 12-25 on also the
//! next year's (that notice can move late-December days); otherwise results that depend on it
//! are *provisional* and say so.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use time::{Date, Month, Weekday};

use crate::DomainError;

#[path = "holidays_data.rs"]
mod holidays_data;

/// One listed date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialDay {
    pub date: Date,
    pub off: bool,
    pub name: String,
    /// The year in the title of the State Council notice that set it.
    pub title_year: i32,
}

/// A year of holiday data in the holiday-cn format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayYear {
    pub year: i32,
    pub papers: Vec<String>,
    pub days: Vec<SpecialDay>,
}

#[derive(Deserialize)]
struct RawYear {
    year: Option<i64>,
    #[serde(default)]
    papers: Vec<String>,
    days: Option<Vec<RawDay>>,
}

#[derive(Deserialize)]
struct RawDay {
    name: Option<String>,
    date: Option<String>,
    #[serde(rename = "isOffDay")]
    is_off_day: Option<bool>,
}

impl HolidayYear {
    /// Parses and checks a holiday-cn `YYYY.json`; errors name the field (and the entry).
    pub fn parse(json: &str) -> Result<HolidayYear, DomainError> {
        let raw: RawYear = serde_json::from_str(json)
            .map_err(|e| DomainError::invalid("JSON", format!("不是有效的节假日数据：{e}")))?;
        let year = raw
            .year
            .ok_or_else(|| DomainError::invalid("year", "缺少年份"))?;
        let year = i32::try_from(year)
            .ok()
            .filter(|y| (1949..=2200).contains(y))
            .ok_or_else(|| DomainError::invalid("year", format!("年份 {year} 无效")))?;
        let raw_days = raw
            .days
            .ok_or_else(|| DomainError::invalid("days", "缺少 days 列表"))?;
        let mut days = Vec::with_capacity(raw_days.len());
        let mut seen = BTreeSet::new();
        for (i, d) in raw_days.into_iter().enumerate() {
            let field = |f: &str| format!("days[{i}].{f}");
            let date_s = d
                .date
                .ok_or_else(|| DomainError::invalid(field("date"), "缺少日期"))?;
            let date = crate::period::parse_date(&date_s, &field("date"))?;
            if (date.year() - year).abs() > 1 {
                return Err(DomainError::invalid(
                    field("date"),
                    format!("{date_s} 不属于 {year} 年的节假日安排"),
                ));
            }
            if !seen.insert(date) {
                return Err(DomainError::invalid(
                    field("date"),
                    format!("{date_s} 重复"),
                ));
            }
            let off = d
                .is_off_day
                .ok_or_else(|| DomainError::invalid(field("isOffDay"), "缺少 isOffDay"))?;
            days.push(SpecialDay {
                date,
                off,
                name: d.name.unwrap_or_default(),
                title_year: year,
            });
        }
        Ok(HolidayYear {
            year,
            papers: raw.papers,
            days,
        })
    }

    /// The years shipped with the program.
    pub fn builtin() -> Vec<HolidayYear> {
        holidays_data::BUILTIN
            .iter()
            .filter_map(|(_, json)| HolidayYear::parse(json).ok())
            .collect()
    }
}

/// A computed date with its confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalDate {
    pub date: Date,
    /// False when the holiday notice of a year it depends on is not yet published.
    pub confirmed: bool,
}

/// The working-day calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    special: BTreeMap<Date, bool>,
    /// Title years whose notice is known (non-empty data).
    published: BTreeSet<i32>,
}

impl Calendar {
    /// A calendar from years of data (later years replace earlier entries of the same title year).
    pub fn new(years: impl IntoIterator<Item = HolidayYear>) -> Calendar {
        let mut c = Calendar::default();
        for y in years {
            c.add_year(&y);
        }
        c
    }

    /// The calendar of the shipped data.
    pub fn builtin() -> Calendar {
        Calendar::new(HolidayYear::builtin())
    }

    pub fn add_year(&mut self, y: &HolidayYear) {
        for d in &y.days {
            self.special.insert(d.date, d.off);
        }
        if !y.days.is_empty() {
            self.published.insert(y.year);
        }
    }

    /// True on a working day.
    pub fn is_working_day(&self, d: Date) -> bool {
        match self.special.get(&d) {
            Some(off) => !off,
            None => !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday),
        }
    }

    /// True when the data that decide `d` are published.
    pub fn is_confirmed(&self, d: Date) -> bool {
        let late_december = d.month() == Month::December && d.day() >= 25;
        self.published.contains(&d.year())
            && (!late_december || self.published.contains(&(d.year() + 1)))
    }

    /// The `n`-th working day after `anchor` (the anchor itself not counted); `n = 0` is the anchor.
    pub fn add_workdays(&self, anchor: Date, n: u32) -> CalDate {
        let mut d = anchor;
        let mut left = n;
        let mut confirmed = true;
        while left > 0 {
            d = d.next_day().unwrap_or(d);
            confirmed &= self.is_confirmed(d);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        CalDate { date: d, confirmed }
    }

    /// The number of working days d with `from < d ≤ to` (0 when `to ≤ from`), and whether
    /// every date counted is confirmed.
    pub fn workdays(&self, from: Date, to: Date) -> (i64, bool) {
        let mut n = 0;
        let mut confirmed = true;
        let mut d = from;
        while d < to {
            d = d.next_day().unwrap_or(to);
            confirmed &= self.is_confirmed(d);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        (n, confirmed)
    }

    /// Like [`Calendar::workdays`], as a plain count.
    pub fn count_workdays(&self, from: Date, to: Date) -> i64 {
        self.workdays(from, to).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::date;

    fn cal() -> Calendar {
        Calendar::builtin()
    }

    #[test]
    fn regulation_vectors() {
        let c = cal();
        let v = [
            (date!(2025 - 12 - 31), 7, date!(2026 - 01 - 12), true),
            (date!(2026 - 02 - 13), 7, date!(2026 - 03 - 02), true),
            (date!(2026 - 01 - 30), 20, date!(2026 - 03 - 05), true),
            (date!(2026 - 09 - 18), 20, date!(2026 - 10 - 22), true),
            (date!(2026 - 09 - 24), 15, date!(2026 - 10 - 22), true),
            (date!(2026 - 12 - 30), 1, date!(2026 - 12 - 31), false),
        ];
        for (anchor, n, want, confirmed) in v {
            let got = c.add_workdays(anchor, n);
            assert_eq!(
                (got.date, got.confirmed),
                (want, confirmed),
                "{anchor} + {n}"
            );
        }
        assert_eq!(
            c.count_workdays(date!(2026 - 09 - 18), date!(2026 - 10 - 22)),
            20
        );
        assert!(c.is_working_day(date!(2026 - 01 - 04)), "make-up Sunday");
        assert!(!c.is_working_day(date!(2026 - 10 - 05)), "国庆");
        assert_eq!(
            HolidayYear::builtin()
                .iter()
                .filter(|y| !y.days.is_empty())
                .count(),
            20,
            "2007–2026 with data, 2027 empty"
        );
    }

    #[test]
    fn bad_files_are_named() {
        assert!(
            HolidayYear::parse("{")
                .unwrap_err()
                .to_string()
                .contains("JSON")
        );
        let e = HolidayYear::parse(
            r#"{"year": 2027, "days": [{"date": "2027-02-30", "isOffDay": true}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("days[0].date"), "{e}");
        let e =
            HolidayYear::parse(r#"{"year": 2027, "days": [{"date": "2027-02-03"}]}"#).unwrap_err();
        assert!(e.to_string().contains("isOffDay"), "{e}");
        let e = HolidayYear::parse(
            r#"{"year": 2027, "days": [{"date": "2031-02-03", "isOffDay": true}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("days[0].date"), "{e}");
        let y = HolidayYear::parse(r#"{"year": 2027, "papers": [], "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#).unwrap();
        let mut c = cal();
        assert!(!c.is_confirmed(date!(2027 - 03 - 01)));
        c.add_year(&y);
        assert!(c.is_confirmed(date!(2027 - 03 - 01)));
        assert!(c.add_workdays(date!(2026 - 12 - 30), 1).confirmed);
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (0i64..7300).prop_map(|n| date!(2007 - 01 - 01) + Duration::days(n))
    }

    proptest! {
        #[test]
        fn adding_workdays_lands_on_a_workday(anchor in any_date(), n in 1u32..60) {
            let c = cal();
            let d = c.add_workdays(anchor, n).date;
            prop_assert!(c.is_working_day(d));
            prop_assert!(d > anchor);
            prop_assert_eq!(c.count_workdays(anchor, d), i64::from(n));
        }

        #[test]
        fn adding_workdays_is_monotone(anchor in any_date(), n in 0u32..40, k in 0u32..40, shift in 0i64..30) {
            let c = cal();
            prop_assert!(c.add_workdays(anchor, n).date <= c.add_workdays(anchor, n + k).date);
            prop_assert!(c.add_workdays(anchor, n).date <= c.add_workdays(anchor + Duration::days(shift), n).date);
        }

        #[test]
        fn workdays_are_additive(a in any_date(), x in 0i64..60, y in 0i64..60) {
            let c = cal();
            let b = a + Duration::days(x);
            let e = b + Duration::days(y);
            prop_assert_eq!(c.count_workdays(a, b) + c.count_workdays(b, e), c.count_workdays(a, e));
        }
    }
}
