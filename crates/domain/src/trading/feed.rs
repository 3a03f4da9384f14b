//! The public changes feed of trading notices (contracts.md §6,
//! `/api/v1/feed/notices?cursor=…` → `{"items": [...], "next": "<cursor>"}`): its cursor and the
//! shape of one item. Storage assigns each stored change a sequence number; the cursor is the
//! last number a reader has seen, so a mirror resumes where it stopped and sees every new notice
//! and every correction exactly once.

use serde_json::Value;

use crate::DomainError;

use super::notice::{Change, Notice};

/// A position in the feed: the changes after `after` come next (`0`: from the beginning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct FeedCursor {
    pub after: i64,
}

impl FeedCursor {
    /// The cursor as sent to clients: `c` and the sequence number in decimal (`c0`, `c1234`).
    pub fn encode(self) -> String {
        format!("c{}", self.after)
    }

    /// Reads a cursor from the query string; none (or an empty one) is the beginning. The error
    /// names the `cursor` parameter.
    pub fn decode(s: Option<&str>) -> Result<FeedCursor, DomainError> {
        let s = match s.map(str::trim) {
            None | Some("") => return Ok(FeedCursor::default()),
            Some(s) => s,
        };
        let bad = || DomainError::invalid("cursor", format!("“{s}”不是有效的游标"));
        let digits = s.strip_prefix('c').ok_or_else(bad)?;
        if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let after = digits.parse::<i64>().map_err(|_| bad())?;
        Ok(FeedCursor { after })
    }
}

/// One feed item: the notice in its wire form (contracts.md §3) plus `seq` (its place in the
/// feed), `ocid` (its section's), `version` (1 for the first, +1 per correction), `change`
/// (`new` or `correction`; an unchanged import adds no item, and is written as `new` if asked)
/// and `content_hash`.
pub fn feed_item(seq: i64, n: &Notice, ocid: &str, version: u32, change: Change) -> Value {
    let mut v = n.to_json();
    if let Value::Object(o) = &mut v {
        o.insert("seq".into(), Value::from(seq));
        o.insert("ocid".into(), Value::String(ocid.to_string()));
        o.insert("version".into(), Value::from(version));
        o.insert(
            "change".into(),
            Value::String(
                match change {
                    Change::Correction => "correction",
                    Change::New | Change::Unchanged => "new",
                }
                .to_string(),
            ),
        );
        o.insert("content_hash".into(), Value::String(n.content_hash()));
    }
    v
}
