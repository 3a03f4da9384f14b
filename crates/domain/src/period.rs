//! Statistics periods: a calendar year clipped to the agency's establishment date.

use serde::Serialize;
use time::{Date, Month};

use crate::DomainError;

/// A closed interval of dates `[from, to]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    #[serde(with = "crate::period::iso_date")]
    pub from: Date,
    #[serde(with = "crate::period::iso_date")]
    pub to: Date,
}

impl Period {
    /// A period from explicit dates; `from` must not be after `to`.
    pub fn new(from: Date, to: Date) -> Result<Self, DomainError> {
        if from > to {
            return Err(DomainError::Period(format!(
                "开始日期 {} 晚于结束日期 {}",
                iso(from),
                iso(to)
            )));
        }
        Ok(Period { from, to })
    }

    /// The calendar year, clipped to the establishment date (as the reference report does:
    /// 2024-05-29 to 2024-12-31 for a centre set up on 2024-05-29).
    pub fn year(year: i32, established: Option<Date>) -> Result<Self, DomainError> {
        let bad = || DomainError::Period(format!("年份 {year} 无效"));
        let first = Date::from_calendar_date(year, Month::January, 1).map_err(|_| bad())?;
        let last = Date::from_calendar_date(year, Month::December, 31).map_err(|_| bad())?;
        let from = match established {
            Some(e) if e > last => {
                return Err(DomainError::Period(format!(
                    "机构成立于 {}，{year} 年不在其存续期间",
                    iso(e)
                )));
            }
            Some(e) if e > first => e,
            _ => first,
        };
        Ok(Period { from, to: last })
    }

    /// Clips an explicit period to the establishment date.
    pub fn clipped(self, established: Option<Date>) -> Result<Self, DomainError> {
        match established {
            Some(e) if e > self.to => Err(DomainError::Period(format!(
                "机构成立于 {}，晚于统计期间结束日 {}",
                iso(e),
                iso(self.to)
            ))),
            Some(e) if e > self.from => Ok(Period {
                from: e,
                to: self.to,
            }),
            _ => Ok(self),
        }
    }

    /// The year the period ends in (the report's year).
    pub fn year_of(&self) -> i32 {
        self.to.year()
    }

    /// True when the period is exactly one whole calendar year, 1 January to 31 December.
    pub fn is_calendar_year(&self) -> bool {
        self.from.year() == self.to.year()
            && (self.from.month(), self.from.day()) == (Month::January, 1)
            && (self.to.month(), self.to.day()) == (Month::December, 31)
    }

    pub fn contains(&self, d: Date) -> bool {
        self.from <= d && d <= self.to
    }
}

/// `YYYY-MM-DD`.
pub fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Parses `YYYY-MM-DD`; the error names the field.
pub fn parse_date(s: &str, field: &str) -> Result<Date, DomainError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt)
        .map_err(|_| DomainError::invalid(field, format!("“{s}”不是有效日期（应为 YYYY-MM-DD）")))
}

pub mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::iso(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_date(&s, "date").map_err(serde::de::Error::custom)
    }
}

/// `Option<Date>` as `YYYY-MM-DD` or null (an empty string reads as null).
pub mod iso_date_opt {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&super::iso(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => super::parse_date(&s, "date")
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// A time as RFC 3339 in Beijing time, to the second (`2024-06-03T10:00:00+08:00`).
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    // Whole seconds: what people read and what the publication log hashes.
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.to_offset(BEIJING)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| iso(beijing_date(t)))
}

/// A time serialised as RFC 3339 in Beijing time.
pub mod rfc3339_beijing {
    use serde::Serializer;
    use time::OffsetDateTime;

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(*t))
    }
}

/// An optional time serialised as RFC 3339 in Beijing time, or null.
pub mod rfc3339_beijing_opt {
    use serde::Serializer;
    use time::OffsetDateTime;

    pub fn serialize<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&super::rfc3339(*t)),
            None => s.serialize_none(),
        }
    }
}

/// Beijing time (UTC+8), the default offset of every time without one.
pub const BEIJING: time::UtcOffset = time::macros::offset!(+8);

/// The calendar date of a time in Beijing (contracts.md §1).
pub fn beijing_date(t: time::OffsetDateTime) -> Date {
    t.to_offset(BEIJING).date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn only_a_whole_calendar_year_is_one() {
        let y = Period::year(2024, None).unwrap_or_else(|e| panic!("{e}"));
        assert!(y.is_calendar_year());
        let clipped =
            Period::year(2024, Some(date!(2024 - 05 - 29))).unwrap_or_else(|e| panic!("{e}"));
        assert!(!clipped.is_calendar_year());
        let across = Period::new(date!(2024 - 01 - 01), date!(2025 - 12 - 31))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!across.is_calendar_year());
        let short = Period::new(date!(2024 - 01 - 01), date!(2024 - 12 - 30))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!short.is_calendar_year());
    }

    #[test]
    fn year_is_clipped_to_establishment() {
        let p = Period::year(2024, Some(date!(2024 - 05 - 29))).unwrap();
        assert_eq!(
            (p.from, p.to),
            (date!(2024 - 05 - 29), date!(2024 - 12 - 31))
        );
        let p = Period::year(2025, Some(date!(2024 - 05 - 29))).unwrap();
        assert_eq!(p.from, date!(2025 - 01 - 01));
        assert!(Period::year(2023, Some(date!(2024 - 05 - 29))).is_err());
    }

    #[test]
    fn from_after_to_is_refused() {
        assert!(Period::new(date!(2024 - 02 - 01), date!(2024 - 01 - 01)).is_err());
        assert!(
            parse_date("2024-13-01", "--from")
                .unwrap_err()
                .to_string()
                .contains("--from")
        );
    }
}
