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
        let opened = group.iter().any(|n| {
            matches!(
                n.ntype,
                NoticeType::BidOpening | NoticeType::CandidatePublicity
            ) && period.contains(n.published_date())
        });
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
