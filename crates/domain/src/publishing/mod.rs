//! Proactive disclosure (主动公开, product.md modules 1, 2 and 9): catalogue items with the
//! art. 12 metadata, the publishing workflow (三审三校, 保密审查), the checks run before 终审, the
//! art. 26 clock, and the tamper-evident publication log.
//!
//! By concern: `item` is an item's editable fields and their validation (errors name the field),
//! the 索引号, the standard column tree of regulations.md §4.2 and the art. 26 clock;
//! `workflow` is the life of one version (draft → 初审 → 复审 → 三校 and 保密审查 → 终审 →
//! scheduled / published) and the item's contract state derived from its versions; `detect`
//! finds personal data, classification marks, sensitive words, broken links and empty
//! attachments in what is about to be published; `chain` hashes published content and links
//! publication-log entries into a chain that `verify` checks; `annual` makes a year's report
//! a catalogue item with a frozen snapshot; `attachment` decides which files may be attached
//! (type by extension and first bytes, size, name) and what the checks find in them.
//!
//! Who may perform a step is decided by `auth::authorize` (`Action::Review(stage)` on a
//! `Resource::ReviewOf`, separation of duties included); this module decides only whether the
//! step fits the item's state.

mod annual;
mod attachment;
mod chain;
mod detect;
mod guide;
mod item;
mod workflow;

pub use annual::{
    DEFAULT_REPORT_DUE, REPORT_COLUMN, ReportFile, ReportSnapshot, parse_report_due, report_due,
    report_fields, report_subject,
};
pub use attachment::{
    ATTACHMENT_TYPES, AttachmentText, AttachmentType, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_MB,
    MAX_ATTACHMENTS, allowed_extensions, attachment_findings, attachment_name, attachment_type,
};
pub use chain::{
    Broken, GENESIS, LogAction, LogEntry, PublishedContent, content_hash, entry_hash, sha256_hex,
    verify,
};
pub use detect::{
    Detectors, Finding, FindingKind, LinkTarget, blocking, finding_key, html_text, id_card_valid,
    internal_links, link_target, luhn_valid,
};
pub use guide::{GUIDE_FIELD_MAX, GUIDE_KEY, GuideContacts};
pub use item::{
    ColumnDef, ItemFields, Timeliness, checked_column, default_columns, index_no, normalize_doc_no,
    publish_by, timeliness,
};
pub use workflow::{
    ItemState, PROOFREADS, ReviewRecord, Step, Verdict, VersionState, item_state, next_state,
};
