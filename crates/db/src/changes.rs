//! The public change log: one row per change of what the public site shows, written in the
//! transaction of the change (an item or report published, corrected or withdrawn; trading
//! notices written by an import; an agency's columns or settings changed). Page caches and the
//! search index of every `serve` process follow it by sequence number, so several processes —
//! on one database or on its replicas — stay current without talking to each other.
//!
//! Sequence numbers commit in order: SQLite serializes writers; on PostgreSQL every writer takes
//! one advisory lock just before its rows, held to its commit, so a reader that has seen `seq`
//! never later meets a smaller one.

use crate::{Db, DbError, Tx, on_db, on_tx};

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// A proactive-disclosure item (reports included): `id` is `disclosure_item.id`.
    Item,
    /// A trading notice: `id` is `notice.id`.
    Notice,
    /// The agency's site (columns, settings, the agency itself): `id` is the agency's id.
    Site,
}

impl ChangeKind {
    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::Item => "item",
            ChangeKind::Notice => "notice",
            ChangeKind::Site => "site",
        }
    }

    pub fn from_code(s: &str) -> Option<ChangeKind> {
        Some(match s {
            "item" => ChangeKind::Item,
            "notice" => ChangeKind::Notice,
            "site" => ChangeKind::Site,
            _ => return None,
        })
    }
}

/// One entry of the public change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicChange {
    pub seq: i64,
    /// The agency's code.
    pub agency: String,
    pub kind: ChangeKind,
    pub id: i64,
}

/// The advisory lock that orders the log's writers on PostgreSQL.
const ORDER_LOCK: i64 = 7_002;

impl Tx {
    async fn order_public_changes(&mut self) -> Result<(), DbError> {
        if let Tx::Pg(t) = self {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(ORDER_LOCK)
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }

    /// Records that something the public sees changed. Call it as the last write of the
    /// transaction (on PostgreSQL it takes the log's order lock until commit).
    pub async fn note_public_change(
        &mut self,
        agency_id: i64,
        kind: ChangeKind,
        id: i64,
    ) -> Result<(), DbError> {
        self.order_public_changes().await?;
        on_tx!(self, c => sqlx::query(
            "INSERT INTO public_change (agency_id, kind, ref_id) VALUES ($1, $2, $3)")
            .bind(agency_id).bind(kind.code()).bind(id)
            .execute(&mut *c).await.map(|_| ())?);
        Ok(())
    }

    /// The last sequence number of the trading change log (`notice_change`), read before an
    /// import writes, for [`Tx::note_notice_changes`].
    pub(crate) async fn notice_change_head(&mut self) -> Result<i64, DbError> {
        let (head,): (Option<i64>,) = on_tx!(self, c => sqlx::query_as(
            "SELECT MAX(seq) FROM notice_change").fetch_one(&mut *c).await?);
        Ok(head.unwrap_or(0))
    }

    /// Records every notice an import wrote after `after` (the trading change log's head
    /// before it), one entry per notice, in one statement.
    pub(crate) async fn note_notice_changes(
        &mut self,
        agency_id: i64,
        after: i64,
    ) -> Result<(), DbError> {
        self.order_public_changes().await?;
        on_tx!(self, c => sqlx::query(
            "INSERT INTO public_change (agency_id, kind, ref_id) \
             SELECT agency_id, 'notice', notice_id FROM notice_change \
             WHERE agency_id = $1 AND seq > $2 GROUP BY agency_id, notice_id ORDER BY MIN(seq)")
            .bind(agency_id).bind(after)
            .execute(&mut *c).await.map(|_| ())?);
        Ok(())
    }
}

impl Db {
    /// The entries after `after`, oldest first, at most `limit` (1..=10 000).
    pub async fn public_changes_since(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<PublicChange>, DbError> {
        let limit = limit.clamp(1, 10_000);
        let rows: Vec<(i64, String, String, i64)> = on_db!(self, p => sqlx::query_as(
            "SELECT c.seq, a.code, c.kind, c.ref_id FROM public_change c \
             JOIN agency a ON a.id = c.agency_id WHERE c.seq > $1 ORDER BY c.seq LIMIT $2")
            .bind(after).bind(limit).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .filter_map(|(seq, agency, kind, id)| {
                Some(PublicChange {
                    seq,
                    agency,
                    kind: ChangeKind::from_code(&kind)?,
                    id,
                })
            })
            .collect())
    }

    /// The last sequence number of the log (0 when empty).
    pub async fn public_change_head(&self) -> Result<i64, DbError> {
        let (head,): (Option<i64>,) = on_db!(self, p => sqlx::query_as(
            "SELECT MAX(seq) FROM public_change").fetch_one(p).await?);
        Ok(head.unwrap_or(0))
    }

    /// The first sequence number of the change log (0 while it is empty). Rows are never
    /// deleted but by a reset of the whole database (`gongkai demo --reset`), and numbers are
    /// never reused, so a follower that remembers it tells a reset database from its own.
    pub async fn public_change_origin(&self) -> Result<i64, DbError> {
        let (first,): (Option<i64>,) = on_db!(self, p => sqlx::query_as(
            "SELECT MIN(seq) FROM public_change").fetch_one(p).await?);
        Ok(first.unwrap_or(0))
    }
}
