//! The records behind table 二 and the report's figures (issue 10 item 6): decisions, fees,
//! policy pushes and loans, channels and their posts (`gongkai_domain::records`), written into
//! the ledger tables the report reads (`admin_decision`, `fee_income`, `policy_push`,
//! `policy_loan`, `channel`, `channel_post`). [`Tx::put_records`] asks `authorize`
//! (`RecordFigures` on the agency) and writes a whole batch in the caller's transaction, by
//! each record's natural key: a record already there with the same values is unchanged, one
//! with other values (a fee's amount, a post's reads, a decision's date) is updated, anything
//! else is added. A post names a channel of the agency: defined earlier or in the same batch.

use gongkai_domain::auth::{Action, Principal, Resource, authorize};
use gongkai_domain::records::Record;
use serde::Serialize;
use time::Date;

use crate::{Db, DbError, Tx, on_db, on_tx};

/// What a batch of records did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecordSummary {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// What writing one record did.
enum Outcome {
    Added,
    Updated,
    Unchanged,
}

/// One stored record, for the back office's list: (type, date, what, amount in 分 or reads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordRow {
    pub kind: String,
    pub date: Date,
    pub what: String,
    pub detail: String,
    pub value: i64,
}

impl Tx {
    /// Writes `records` (with their line numbers, for errors) into agency `agency_code`.
    pub async fn put_records(
        &mut self,
        p: &Principal,
        agency_code: &str,
        records: &[(usize, Record)],
    ) -> Result<RecordSummary, DbError> {
        let agency = self.lock_agency(agency_code).await?;
        let path = self.path_of(agency.id).await?;
        authorize(p, Action::RecordFigures, Resource::Agency(&path))?;
        let mut sum = RecordSummary::default();
        for (line, r) in records {
            let outcome = self.put_record(agency.id, r).await.map_err(|e| match e {
                DbError::Domain(gongkai_domain::DomainError::Invalid { field, message }) => {
                    gongkai_domain::DomainError::invalid(format!("记录 #{line} {field}"), message)
                        .into()
                }
                e => e,
            })?;
            match outcome {
                Outcome::Added => sum.added += 1,
                Outcome::Updated => sum.updated += 1,
                Outcome::Unchanged => sum.unchanged += 1,
            }
        }
        Ok(sum)
    }

    async fn put_record(&mut self, agency_id: i64, r: &Record) -> Result<Outcome, DbError> {
        match r {
            Record::Decision {
                kind,
                decided_on,
                doc_no,
            } => {
                let found: Option<(i64, Date)> = on_tx!(self, c => sqlx::query_as(
                    "SELECT id, decided_on FROM admin_decision WHERE agency_id = $1 AND kind = $2 AND doc_no = $3")
                    .bind(agency_id).bind(kind.code()).bind(doc_no).fetch_optional(&mut *c).await?);
                match found {
                    Some((_, d)) if d == *decided_on => Ok(Outcome::Unchanged),
                    Some((id, _)) => {
                        on_tx!(self, c => sqlx::query("UPDATE admin_decision SET decided_on = $1 WHERE id = $2")
                            .bind(decided_on).bind(id).execute(&mut *c).await.map(|_| ())?);
                        Ok(Outcome::Updated)
                    }
                    None => {
                        on_tx!(self, c => sqlx::query(
                            "INSERT INTO admin_decision (agency_id, kind, decided_on, doc_no) VALUES ($1, $2, $3, $4)")
                            .bind(agency_id).bind(kind.code()).bind(decided_on).bind(doc_no)
                            .execute(&mut *c).await.map(|_| ())?);
                        Ok(Outcome::Added)
                    }
                }
            }
            Record::Fee {
                item,
                received_on,
                amount_fen,
            } => {
                let found: Option<(i64, i64)> = on_tx!(self, c => sqlx::query_as(
                    "SELECT id, amount_fen FROM fee_income WHERE agency_id = $1 AND item = $2 AND received_on = $3")
                    .bind(agency_id).bind(item).bind(received_on).fetch_optional(&mut *c).await?);
                match found {
                    Some((_, a)) if a == *amount_fen => Ok(Outcome::Unchanged),
                    Some((id, _)) => {
                        on_tx!(self, c => sqlx::query("UPDATE fee_income SET amount_fen = $1 WHERE id = $2")
                            .bind(amount_fen).bind(id).execute(&mut *c).await.map(|_| ())?);
                        Ok(Outcome::Updated)
                    }
                    None => {
                        on_tx!(self, c => sqlx::query(
                            "INSERT INTO fee_income (agency_id, item, received_on, amount_fen) VALUES ($1, $2, $3, $4)")
                            .bind(agency_id).bind(item).bind(received_on).bind(amount_fen)
                            .execute(&mut *c).await.map(|_| ())?);
                        Ok(Outcome::Added)
                    }
                }
            }
            Record::Push {
                policy,
                pushed_on,
                recipient,
            } => {
                let n: i64 = on_tx!(self, c => sqlx::query_scalar(
                    "SELECT COUNT(*) FROM policy_push WHERE agency_id = $1 AND policy = $2 AND pushed_on = $3 AND recipient = $4")
                    .bind(agency_id).bind(policy).bind(pushed_on).bind(recipient).fetch_one(&mut *c).await?);
                if n > 0 {
                    return Ok(Outcome::Unchanged);
                }
                on_tx!(self, c => sqlx::query(
                    "INSERT INTO policy_push (agency_id, policy, pushed_on, recipient) VALUES ($1, $2, $3, $4)")
                    .bind(agency_id).bind(policy).bind(pushed_on).bind(recipient)
                    .execute(&mut *c).await.map(|_| ())?);
                Ok(Outcome::Added)
            }
            Record::Loan {
                policy,
                granted_on,
                borrower,
                amount_fen,
            } => {
                let found: Option<(i64, i64)> = on_tx!(self, c => sqlx::query_as(
                    "SELECT id, amount_fen FROM policy_loan WHERE agency_id = $1 AND policy = $2 AND granted_on = $3 AND borrower = $4")
                    .bind(agency_id).bind(policy).bind(granted_on).bind(borrower).fetch_optional(&mut *c).await?);
                match found {
                    Some((_, a)) if a == *amount_fen => Ok(Outcome::Unchanged),
                    Some((id, _)) => {
                        on_tx!(self, c => sqlx::query("UPDATE policy_loan SET amount_fen = $1 WHERE id = $2")
                            .bind(amount_fen).bind(id).execute(&mut *c).await.map(|_| ())?);
                        Ok(Outcome::Updated)
                    }
                    None => {
                        on_tx!(self, c => sqlx::query(
                            "INSERT INTO policy_loan (agency_id, policy, granted_on, borrower, amount_fen) VALUES ($1, $2, $3, $4, $5)")
                            .bind(agency_id).bind(policy).bind(granted_on).bind(borrower).bind(amount_fen)
                            .execute(&mut *c).await.map(|_| ())?);
                        Ok(Outcome::Added)
                    }
                }
            }
            Record::Channel { code, name, kind } => {
                let found: Option<(i64, String, String)> = on_tx!(self, c => sqlx::query_as(
                    "SELECT id, name, kind FROM channel WHERE agency_id = $1 AND code = $2")
                    .bind(agency_id).bind(code).fetch_optional(&mut *c).await?);
                match found {
                    Some((_, n, k)) if n == *name && k == kind.code() => Ok(Outcome::Unchanged),
                    Some((id, _, _)) => {
                        on_tx!(self, c => sqlx::query("UPDATE channel SET name = $1, kind = $2 WHERE id = $3")
                            .bind(name).bind(kind.code()).bind(id).execute(&mut *c).await.map(|_| ())?);
                        Ok(Outcome::Updated)
                    }
                    None => {
                        on_tx!(self, c => sqlx::query(
                            "INSERT INTO channel (agency_id, code, name, kind) VALUES ($1, $2, $3, $4)")
                            .bind(agency_id).bind(code).bind(name).bind(kind.code())
                            .execute(&mut *c).await.map(|_| ())?);
                        Ok(Outcome::Added)
                    }
                }
            }
            Record::Post {
                channel,
                title,
                published_on,
                reads,
            } => {
                let channel_id: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
                    "SELECT id FROM channel WHERE agency_id = $1 AND code = $2")
                    .bind(agency_id).bind(channel).fetch_optional(&mut *c).await?);
                let Some(channel_id) = channel_id else {
                    return Err(gongkai_domain::DomainError::invalid(
                        "channel（渠道代码）",
                        format!(
                            "本机构没有代码为“{channel}”的发布渠道：请先登记渠道（type 为 channel）"
                        ),
                    )
                    .into());
                };
                let found: Option<(i64, i64)> = on_tx!(self, c => sqlx::query_as(
                    "SELECT id, reads FROM channel_post WHERE channel_id = $1 AND title = $2 AND published_on = $3")
                    .bind(channel_id).bind(title).bind(published_on).fetch_optional(&mut *c).await?);
                match found {
                    Some((_, n)) if n == *reads => Ok(Outcome::Unchanged),
                    Some((id, _)) => {
                        on_tx!(self, c => sqlx::query("UPDATE channel_post SET reads = $1 WHERE id = $2")
                            .bind(reads).bind(id).execute(&mut *c).await.map(|_| ())?);
                        Ok(Outcome::Updated)
                    }
                    None => {
                        on_tx!(self, c => sqlx::query(
                            "INSERT INTO channel_post (channel_id, title, published_on, reads) VALUES ($1, $2, $3, $4)")
                            .bind(channel_id).bind(title).bind(published_on).bind(reads)
                            .execute(&mut *c).await.map(|_| ())?);
                        Ok(Outcome::Added)
                    }
                }
            }
        }
    }
}

impl Db {
    /// The records of an agency dated within `from..=to` (channels have no date and are not
    /// listed), by type then date.
    pub async fn records_of(
        &self,
        agency_id: i64,
        from: Date,
        to: Date,
    ) -> Result<Vec<RecordRow>, DbError> {
        let rows: Vec<(String, Date, String, String, i64)> = on_db!(self, p => sqlx::query_as(
            "SELECT 'decision', decided_on, kind, doc_no, CAST(0 AS BIGINT) FROM admin_decision \
               WHERE agency_id = $1 AND decided_on BETWEEN $2 AND $3 \
             UNION ALL SELECT 'fee', received_on, item, '', amount_fen FROM fee_income \
               WHERE agency_id = $1 AND received_on BETWEEN $2 AND $3 \
             UNION ALL SELECT 'push', pushed_on, policy, recipient, CAST(0 AS BIGINT) FROM policy_push \
               WHERE agency_id = $1 AND pushed_on BETWEEN $2 AND $3 \
             UNION ALL SELECT 'loan', granted_on, policy, borrower, amount_fen FROM policy_loan \
               WHERE agency_id = $1 AND granted_on BETWEEN $2 AND $3 \
             UNION ALL SELECT 'post', cp.published_on, c.name, cp.title, cp.reads FROM channel_post cp \
               JOIN channel c ON c.id = cp.channel_id \
               WHERE c.agency_id = $1 AND cp.published_on BETWEEN $2 AND $3 \
             ORDER BY 1, 2, 3, 4")
            .bind(agency_id).bind(from).bind(to).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(kind, date, what, detail, value)| RecordRow {
                kind,
                date,
                what,
                detail,
                value,
            })
            .collect())
    }

    /// An agency's channels: (code, name, kind code).
    pub async fn channels(&self, agency_id: i64) -> Result<Vec<(String, String, String)>, DbError> {
        Ok(on_db!(self, p => sqlx::query_as(
            "SELECT code, name, kind FROM channel WHERE agency_id = $1 ORDER BY id")
            .bind(agency_id).fetch_all(p).await?))
    }
}
