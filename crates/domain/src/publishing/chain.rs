//! The tamper-evident publication log: every publish, correction and withdrawal appends an
//! entry that carries the hash of what was published and the hash of the entry before it
//! (per agency, from [`GENESIS`]). [`verify`] walks a chain and names the first entry whose
//! content, order or predecessor does not match.

use serde::Serialize;
use sha2::{Digest, Sha256};

crate::codes::code_enum_pub!(
    /// What a log entry records.
    LogAction, "action" {
        Publish => "publish", "发布";
        Correct => "correct", "更正";
        Withdraw => "withdraw", "撤回";
        PublishReport => "publish_report", "发布年度报告";
        CorrectReport => "correct_report", "更正年度报告";
    }
);

/// The predecessor of an agency's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a publication makes public, as it is hashed: the version's public fields and the
/// hashes of its attachments (name and SHA-256 of the bytes), in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedContent<'a> {
    pub index_no: &'a str,
    pub version: i32,
    pub title: &'a str,
    pub summary: &'a str,
    pub body: &'a str,
    pub doc_no: Option<&'a str>,
    pub publisher: &'a str,
    pub formed_on: &'a str,
    pub column: &'a str,
    pub change_note: Option<&'a str>,
    pub attachments: Vec<(&'a str, &'a str)>,
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 (hex) of bytes (an attachment or a snapshot file).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The SHA-256 (hex) of published content, over its canonical JSON.
pub fn content_hash(c: &PublishedContent<'_>) -> String {
    let json = serde_json::to_string(c).unwrap_or_default();
    hex(&Sha256::digest(json.as_bytes()))
}

/// One entry of an agency's publication log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// 1, 2, 3… within the agency: a gap is a deleted entry.
    pub seq: i64,
    /// When (RFC 3339, as stored and hashed).
    pub at: String,
    /// The agency's code.
    pub agency: String,
    /// The item's 索引号 (or `annual-report/YEAR` for a report).
    pub subject: String,
    pub version: i32,
    pub action: LogAction,
    /// Hash of the content made public (or, for a withdrawal, of the version withdrawn).
    pub content_hash: String,
    pub prev_hash: String,
    pub entry_hash: String,
}

/// The hash of an entry: SHA-256 over its fields (everything but `entry_hash`), canonical JSON.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    seq: i64,
    at: &str,
    agency: &str,
    subject: &str,
    version: i32,
    action: LogAction,
    content_hash: &str,
    prev_hash: &str,
) -> String {
    let json = serde_json::to_string(&(
        seq,
        at,
        agency,
        subject,
        version,
        action.code(),
        content_hash,
        prev_hash,
    ))
    .unwrap_or_default();
    hex(&Sha256::digest(json.as_bytes()))
}

impl LogEntry {
    /// The hash this entry should carry.
    pub fn expected_hash(&self) -> String {
        entry_hash(
            self.seq,
            &self.at,
            &self.agency,
            &self.subject,
            self.version,
            self.action,
            &self.content_hash,
            &self.prev_hash,
        )
    }
}

/// The first entry at which a chain breaks, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("第 {seq} 条记录（{agency}）：{reason}")]
pub struct Broken {
    pub agency: String,
    pub seq: i64,
    pub reason: String,
}

/// Checks one agency's chain, given in `seq` order, and each entry's content hash against the
/// content it names (`recompute` gives the hash of what is stored now for an entry, or `None`
/// when the entry's content is gone). Returns the head hash.
pub fn verify(
    agency: &str,
    entries: &[LogEntry],
    recompute: impl Fn(&LogEntry) -> Option<String>,
) -> Result<String, Broken> {
    let mut prev = GENESIS.to_string();
    for (i, e) in entries.iter().enumerate() {
        let broken = |reason: String| Broken {
            agency: agency.to_string(),
            seq: e.seq,
            reason,
        };
        let want_seq = i as i64 + 1;
        if e.seq != want_seq {
            return Err(Broken {
                agency: agency.to_string(),
                seq: want_seq,
                reason: format!(
                    "序号不连续：应为 {want_seq}，实为 {}（记录被删除或调换）",
                    e.seq
                ),
            });
        }
        if e.prev_hash != prev {
            return Err(broken(
                "前一条记录的哈希不符（记录被删除、调换或改动）".into(),
            ));
        }
        if e.expected_hash() != e.entry_hash {
            return Err(broken("记录本身的哈希不符（记录被改动）".into()));
        }
        match recompute(e) {
            None => {
                return Err(broken(format!(
                    "{} 第 {} 版的内容已不存在",
                    e.subject, e.version
                )));
            }
            Some(h) if h != e.content_hash => {
                return Err(broken(format!(
                    "{} 第 {} 版的内容与发布时不符（内容被改动）",
                    e.subject, e.version
                )));
            }
            Some(_) => {}
        }
        prev = e.entry_hash.clone();
    }
    Ok(prev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<LogEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let content_hash = format!("c{seq}");
                let at = format!("2024-06-{seq:02}T10:00:00+08:00");
                let h = entry_hash(
                    seq,
                    &at,
                    "a",
                    "x/2024-00001",
                    1,
                    LogAction::Publish,
                    &content_hash,
                    &prev,
                );
                let e = LogEntry {
                    seq,
                    at,
                    agency: "a".into(),
                    subject: "x/2024-00001".into(),
                    version: 1,
                    action: LogAction::Publish,
                    content_hash,
                    prev_hash: prev.clone(),
                    entry_hash: h.clone(),
                };
                prev = h;
                e
            })
            .collect()
    }

    fn stored(e: &LogEntry) -> Option<String> {
        Some(e.content_hash.clone())
    }

    #[test]
    fn an_intact_chain_verifies_and_any_tampering_is_named() {
        let c = chain(5);
        assert_eq!(verify("a", &c, stored).ok(), Some(c[4].entry_hash.clone()));
        // A changed field.
        let mut t = c.clone();
        t[2].at = "2024-06-02T10:00:00+08:00".into();
        assert_eq!(verify("a", &t, stored).unwrap_err().seq, 3);
        // A deleted entry.
        let mut t = c.clone();
        t.remove(1);
        assert_eq!(verify("a", &t, stored).unwrap_err().seq, 2);
        // Two entries swapped (renumbered to hide it).
        let mut t = c.clone();
        t.swap(1, 2);
        t[1].seq = 2;
        t[2].seq = 3;
        assert_eq!(verify("a", &t, stored).unwrap_err().seq, 2);
        // Content changed after publication.
        let e = verify("a", &c, |e| {
            Some(if e.seq == 4 {
                "x".into()
            } else {
                e.content_hash.clone()
            })
        })
        .unwrap_err();
        assert_eq!(e.seq, 4);
        assert!(e.reason.contains("内容"));
    }
}
