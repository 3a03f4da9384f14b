//! The trading figures of contracts.md §3.4 computed from the notices themselves: the reference
//! the database's aggregate queries are tested against.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use time::Date;

use crate::codes::{NoticeType, TradingCategory};
use crate::ledger::FullProcessRule;
use crate::period::Period;

use super::notice::{Notice, SectionKey};

/// The four trading figures of a period (contracts.md §3.4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TradingFigures {
    /// Published notices of every type except `tender_plan` and `procurement_intention`.
    pub trading_notices: i64,
    /// Published `tender_plan` and `procurement_intention`.
    pub plans_and_intentions: i64,
    /// Sections whose required stages all have a published notice, counted in the period in
    /// which the last of them was published.
    pub sections_full_process: i64,
    /// Distinct `uscc` among the bidders of the sections whose bid_opening or
    /// candidate_publicity was published in the period.
    pub bidders: i64,
}

/// The notices grouped by section (plans and intentions, which have none, left out).
pub fn sections(notices: &[Notice]) -> BTreeMap<SectionKey, Vec<&Notice>> {
    let mut m: BTreeMap<SectionKey, Vec<&Notice>> = BTreeMap::new();
    for n in notices.iter().filter(|n| n.section.is_some()) {
        m.entry(n.key()).or_default().push(n);
    }
    m
}

/// A section's category: that of its earliest notice (ties: the smallest id).
pub fn section_category(notices: &[&Notice]) -> Option<TradingCategory> {
    notices
        .iter()
        .min_by(|a, b| a.published.cmp(&b.published).then_with(|| a.id.cmp(&b.id)))
        .map(|n| n.category)
}

/// The date a section became 全流程公开 under `rule`: the latest of the first publication
/// dates (Beijing) of its required stages; `None` while one is missing.
pub fn completed_on(notices: &[&Notice], rule: &FullProcessRule) -> Option<Date> {
    let category = section_category(notices)?;
    let stages: Vec<(NoticeType, Date)> = notices
        .iter()
        .map(|n| (n.ntype, n.published_date()))
        .collect();
    rule.completed_on(category, &stages)
}

/// The figures of a period from the current version of every notice (one entry per notice id;
/// notices of several agencies may be mixed when their project codes do not collide).
pub fn trading_figures(
    notices: &[Notice],
    period: Period,
    rule: &FullProcessRule,
) -> TradingFigures {
    let mut f = TradingFigures::default();
    for n in notices {
        if period.contains(n.published_date()) {
            if n.ntype.is_plan() {
                f.plans_and_intentions += 1;
            } else {
                f.trading_notices += 1;
            }
        }
    }
    let mut uscc: BTreeSet<&str> = BTreeSet::new();
    for group in sections(notices).values() {
        if completed_on(group, rule).is_some_and(|d| period.contains(d)) {
            f.sections_full_process += 1;
        }
        let opened = group
            .iter()
            .any(|n| n.ntype.names_bidders() && period.contains(n.published_date()));
        if opened {
            uscc.extend(
                group
                    .iter()
                    .flat_map(|n| n.bidders.iter().map(|b| b.uscc.as_str())),
            );
        }
    }
    f.bidders = i64::try_from(uscc.len()).unwrap_or(i64::MAX);
    f
}

/// The yearly distinct-bidder summary of some sections: for each (year, company), how many of
/// the sections had a notice that names bidders (bid opening, candidate publicity) published in
/// that year and have the company among their bidders (on any of their notices).
///
/// Summed over all sections of an agency and its descendants, the keys of a year with a
/// positive count are exactly the companies that the `bidders` figure (contracts.md §3.4)
/// counts for that calendar year, so the database keeps these sums per agency-year in the
/// write transaction and the report reads one count instead of a DISTINCT over every bidder.
/// `notices` are (section, type, Beijing publication date); `bidders` are (section, company).
pub fn bidder_years<S: Ord + Copy, C: Ord + Copy>(
    notices: impl IntoIterator<Item = (S, NoticeType, Date)>,
    bidders: impl IntoIterator<Item = (S, C)>,
) -> BTreeMap<(i32, C), i64> {
    let mut years: BTreeMap<S, BTreeSet<i32>> = BTreeMap::new();
    for (s, t, d) in notices {
        if t.names_bidders() {
            years.entry(s).or_default().insert(d.year());
        }
    }
    let pairs: BTreeSet<(S, C)> = bidders.into_iter().collect();
    let mut out: BTreeMap<(i32, C), i64> = BTreeMap::new();
    for (s, c) in pairs {
        for y in years.get(&s).into_iter().flatten() {
            *out.entry((*y, c)).or_default() += 1;
        }
    }
    out
}

/// What changes in a summary of [`bidder_years`] when some sections go from `before` to
/// `after`: the non-zero differences, key by key.
pub fn bidder_years_delta<C: Ord + Copy>(
    before: &BTreeMap<(i32, C), i64>,
    after: &BTreeMap<(i32, C), i64>,
) -> BTreeMap<(i32, C), i64> {
    let mut out: BTreeMap<(i32, C), i64> = after.clone();
    for (k, v) in before {
        *out.entry(*k).or_default() -= v;
    }
    out.retain(|_, v| *v != 0);
    out
}

/// The yearly notice counts of some notices, as (trading notices, plans and intentions) per
/// year of their Beijing publication date (contracts.md §3.4), for the per-agency-year summary
/// the database keeps on write.
pub fn notice_years(
    notices: impl IntoIterator<Item = (NoticeType, Date)>,
) -> BTreeMap<i32, (i64, i64)> {
    let mut out: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    for (t, d) in notices {
        let e = out.entry(d.year()).or_default();
        if t.is_plan() {
            e.1 += 1;
        } else {
            e.0 += 1;
        }
    }
    out
}
