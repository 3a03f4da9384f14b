//! Trading full-process disclosure (交易信息全流程公开, product.md module 3): notices of
//! contracts.md §3 as validated values, the time-limit rules of §3.3 and the required elements,
//! a section's full-process status, and the figures of §3.4.
//!
//! By concern: `notice` parses a JSON Lines record into a [`Notice`] (errors name the field; the
//! caller adds the line), gives its content identity ([`Notice::content_hash`], [`Change`]) and
//! the section's identity ([`SectionKey`], [`ocid`]); `elements` is the table of required
//! elements per notice type; `rules` checks a notice within its section ([`check_notice`] on
//! arrival, [`check_all`] for `notices check`) under an agency's [`RuleConfig`]; `process` is a
//! section's stage-by-stage status; `figures` counts a period's notices, completed sections and
//! bidders — the reference the database's queries are tested against; `config` reads and writes
//! a [`RuleConfig`] as JSON; `feed` is the cursor and item shape of the public changes feed.
//!
//! Everything is a pure function of notices, the working-day calendar and the configuration.

mod body;
mod config;
mod elements;
mod feed;
mod figures;
mod notice;
mod process;
mod rules;
mod sample;

pub use crate::codes::{NoticeType, TradingCategory as Category};
pub use body::sanitize_body;
pub use elements::{
    Basis, Element, Place, Required, builtin_elements, is_empty, missing, required,
};
pub use feed::{FeedCursor, feed_item};
pub use figures::{
    TradingFigures, bidder_years, bidder_years_delta, completed_on, notice_years, section_category,
    sections, trading_figures,
};
pub use notice::{
    Bidder, Change, DateField, DateValue, Notice, SectionKey, check_correction, check_ocid_prefix,
    ocid, parse_time,
};
pub use process::{SectionStatus, Stage, StageState, section_status};
pub use rules::{
    ExtraElement, RuleCode, RuleConfig, Violation, check_all, check_notice, check_section,
};
pub use sample::{SampleNotice, sample_uscc};
