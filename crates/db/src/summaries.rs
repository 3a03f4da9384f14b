//! The trading summaries of migration 0007, maintained in the transaction of every write of
//! notices or bidders, so that a whole calendar year's trading figures (contracts.md §3.4) are
//! read from a few rows instead of aggregated over every notice and bidder of a province.
//!
//! * `bidder_year`: for an agency and each of its ancestors, per calendar year and company, the
//!   number of the agency's sections that count the company among a year's bidders
//!   ([`gongkai_domain::trading::bidder_years`]); a year's `bidders` is the number of its rows.
//! * `trading_year`: for an agency and each of its ancestors, per calendar year, the trading
//!   notices and the plans and intentions ([`gongkai_domain::trading::notice_years`]), and the
//!   number of its `bidder_year` rows of the year (the year's distinct bidders).
//!
//! A writer computes the summaries of what it touches before and after its change and applies
//! the difference to the agency's rows and every ancestor's.

use std::collections::{BTreeMap, HashMap};

use gongkai_domain::codes::NoticeType;
use gongkai_domain::trading::{bidder_years, bidder_years_delta};
use time::Date;

use crate::{DbError, Tx, on_tx};

/// A summary of some sections: (year, company id) → sections.
pub(crate) type Summary = BTreeMap<(i32, i64), i64>;

/// The notice counts of some notices: year → (trading notices, plans and intentions).
pub(crate) type NoticeCounts = BTreeMap<i32, (i64, i64)>;

/// Distinct companies added (or, negative, removed) per (agency, year).
pub(crate) type Companies = BTreeMap<(i64, i32), i64>;

/// Rows per multi-row statement (4 binds a row, within both backends' limits).
const CHUNK: usize = 1000;

impl Tx {
    /// The agency and all its ancestors, the agency first.
    pub(crate) async fn lineage(&mut self, agency_id: i64) -> Result<Vec<i64>, DbError> {
        const UP: &str = "WITH RECURSIVE up(id, parent_id, depth) AS ( \
             SELECT id, parent_id, 0 FROM agency WHERE id = $1 \
             UNION ALL SELECT a.id, a.parent_id, up.depth + 1 FROM agency a JOIN up ON a.id = up.parent_id) \
             SELECT id FROM up ORDER BY depth";
        Ok(on_tx!(self, c => sqlx::query_scalar(UP).bind(agency_id).fetch_all(&mut *c).await?))
    }

    /// The section, type and Beijing publication date of the notices with the given row ids,
    /// as they stand in the database.
    pub(crate) async fn notice_rows(
        &mut self,
        notices: &[i64],
    ) -> Result<Vec<(Option<i64>, NoticeType, Date)>, DbError> {
        let mut out = Vec::new();
        for chunk in notices.chunks(CHUNK) {
            let ids = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let sql =
                format!("SELECT section_id, type, published_on FROM notice WHERE id IN ({ids})");
            let rows: Vec<(Option<i64>, String, Date)> = on_tx!(self, c =>
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *c).await?);
            for (s, t, d) in rows {
                out.push((s, NoticeType::from_code(&t)?, d));
            }
        }
        Ok(out)
    }

    /// Applies the change of notice counts from `before` to `after`, and the change in
    /// distinct companies that [`Tx::apply_bidder_summary`] returned, to the `trading_year`
    /// rows of every agency of `lineage`.
    pub(crate) async fn apply_trading_year(
        &mut self,
        lineage: &[i64],
        before: &NoticeCounts,
        after: &NoticeCounts,
        companies: &Companies,
    ) -> Result<(), DbError> {
        let mut delta: BTreeMap<(i64, i32), (i64, i64, i64)> = BTreeMap::new();
        for a in lineage {
            for (y, (t, p)) in after {
                let e = delta.entry((*a, *y)).or_default();
                e.0 += t;
                e.1 += p;
            }
            for (y, (t, p)) in before {
                let e = delta.entry((*a, *y)).or_default();
                e.0 -= t;
                e.1 -= p;
            }
        }
        for (k, n) in companies {
            delta.entry(*k).or_default().2 += n;
        }
        delta.retain(|_, v| *v != (0, 0, 0));
        let rows: Vec<_> = delta.iter().collect();
        for chunk in rows.chunks(CHUNK) {
            on_tx!(self, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO trading_year (agency_id, year, trading_notices, plans_and_intentions, bidders) ");
                q.push_values(chunk, |mut b, ((a, y), (t, p, n))| {
                    b.push_bind(*a).push_bind(*y).push_bind(*t).push_bind(*p).push_bind(*n);
                });
                q.push(" ON CONFLICT (agency_id, year) DO UPDATE SET \
                         trading_notices = trading_year.trading_notices + excluded.trading_notices, \
                         plans_and_intentions = trading_year.plans_and_intentions + excluded.plans_and_intentions, \
                         bidders = trading_year.bidders + excluded.bidders");
                q.build().execute(&mut *c).await?;
            });
        }
        Ok(())
    }

    /// The summary of `sections` as they stand in the database (in this transaction).
    pub(crate) async fn bidder_summary(&mut self, sections: &[i64]) -> Result<Summary, DbError> {
        let mut notices: Vec<(i64, NoticeType, Date)> = Vec::new();
        let mut named: Vec<(i64, i64)> = Vec::new();
        for chunk in sections.chunks(CHUNK) {
            // Section ids are integers from the database: inlined as a literal list.
            let ids = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let opened = format!(
                "SELECT section_id, type, published_on FROM notice \
                 WHERE section_id IN ({ids}) AND type IN ('bid_opening', 'candidate_publicity')"
            );
            let companies = format!(
                "SELECT DISTINCT section_id, company_id FROM bidder WHERE section_id IN ({ids})"
            );
            let rows: Vec<(i64, String, Date)> = on_tx!(self, c =>
                sqlx::query_as(sqlx::AssertSqlSafe(opened)).fetch_all(&mut *c).await?);
            for (s, t, d) in rows {
                notices.push((s, NoticeType::from_code(&t)?, d));
            }
            let rows: Vec<(i64, i64)> = on_tx!(self, c =>
                sqlx::query_as(sqlx::AssertSqlSafe(companies)).fetch_all(&mut *c).await?);
            named.extend(rows);
        }
        Ok(bidder_years(notices, named))
    }

    /// Applies the change from `before` to `after` to the summary rows of every agency of
    /// `lineage`; rows that reach 0 are deleted. Returns, per (agency, year), how many rows
    /// (distinct companies) were added less those deleted, for [`Tx::apply_trading_year`].
    pub(crate) async fn apply_bidder_summary(
        &mut self,
        lineage: &[i64],
        before: &Summary,
        after: &Summary,
    ) -> Result<Companies, DbError> {
        let delta = bidder_years_delta(before, after);
        let mut companies = Companies::new();
        if delta.is_empty() {
            return Ok(companies);
        }
        let rows: Vec<(i64, i32, i64, i64)> = lineage
            .iter()
            .flat_map(|a| delta.iter().map(move |((y, c), n)| (*a, *y, *c, *n)))
            .collect();
        for chunk in rows.chunks(CHUNK) {
            let changed: Vec<(i64, i32, i64, i64)> = on_tx!(self, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO bidder_year (agency_id, year, company_id, sections) ");
                q.push_values(chunk, |mut b, (a, y, co, n)| {
                    b.push_bind(*a).push_bind(*y).push_bind(*co).push_bind(*n);
                });
                q.push(" ON CONFLICT (agency_id, year, company_id) \
                         DO UPDATE SET sections = bidder_year.sections + excluded.sections \
                         RETURNING agency_id, year, company_id, CAST(sections AS BIGINT)");
                q.build_query_as().fetch_all(&mut *c).await?
            });
            // A row that existed has at least 1 section, so it now differs from the delta: a
            // row equal to its delta was inserted.
            for (a, y, co, n) in changed {
                if delta.get(&(y, co)) == Some(&n) {
                    *companies.entry((a, y)).or_default() += 1;
                }
            }
        }
        let gone: Vec<&(i64, i32, i64, i64)> = rows.iter().filter(|r| r.3 < 0).collect();
        for chunk in gone.chunks(CHUNK) {
            let deleted: Vec<(i64, i32)> = on_tx!(self, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "DELETE FROM bidder_year WHERE sections <= 0 AND (agency_id, year, company_id) IN (");
                let mut sep = q.separated(", ");
                for (a, y, co, _) in chunk {
                    sep.push("(");
                    sep.push_bind_unseparated(*a);
                    sep.push_unseparated(", ");
                    sep.push_bind_unseparated(*y);
                    sep.push_unseparated(", ");
                    sep.push_bind_unseparated(*co);
                    sep.push_unseparated(")");
                }
                q.push(") RETURNING agency_id, year");
                q.build_query_as().fetch_all(&mut *c).await?
            });
            for k in deleted {
                *companies.entry(k).or_default() -= 1;
            }
        }
        Ok(companies)
    }
}

/// The summary of sections known in memory: their bidder-naming notices and the companies of
/// their bidders, with company ids resolved through `company_ids` (by 统一社会信用代码).
pub(crate) fn summary_of<'a>(
    notices: impl IntoIterator<Item = (i64, NoticeType, Date)>,
    bidders: impl IntoIterator<Item = (i64, &'a str)>,
    company_ids: &HashMap<String, i64>,
) -> Summary {
    let named = bidders
        .into_iter()
        .filter_map(|(s, uscc)| company_ids.get(uscc).map(|c| (s, *c)));
    bidder_years(notices, named)
}
