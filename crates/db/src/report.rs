//! Computing the annual report from the ledger (contracts.md §2.4, §3.4, §4).
//!
//! Every query is restricted to the agency and its descendants (a [`Subtree`], read once per
//! report), so a parent's report aggregates its children.

use gongkai_domain::codes::{
    AppealKind, AppealResult, ApplicantType, ChannelKind, DecisionKind, DocKind, NoticeType,
    Outcome,
};
use gongkai_domain::ledger::FullProcessRule;
use gongkai_domain::period::Period;
use gongkai_domain::report::{
    AgencyRef, AnnualReport, ChannelFigure, DocCounts, Figures, ReportInputs, T3_COLS, T3Row,
    Table2, Table3, Table4, t3_column_code,
};
use sqlx::FromRow;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use time::{Date, Duration};

use crate::{AgencyRow, Db, DbError, on_db};

/// The agency ($1) and all its descendants.
const TREE: &str = "WITH RECURSIVE tree(id) AS (SELECT id FROM agency WHERE id = $1 \
                    UNION ALL SELECT a.id FROM agency a JOIN tree t ON a.parent_id = t.id) SELECT id FROM tree ORDER BY id";

/// An agency and all its descendants, as the literal SQL list of their ids ("3, 17, 18").
///
/// The list is read once per report and inlined into each query (ids are integers from the
/// database, so inlining is safe): with the ids known, both planners pick the index range
/// scans that a recursive CTE's unknown size hides from PostgreSQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subtree(String);

impl Subtree {
    /// The ids as a literal SQL list.
    pub fn ids(&self) -> &str {
        &self.0
    }
}

/// Rows a period query may return: decodable from both backends.
trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

/// How the period of a report is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodSpec {
    Year(i32),
    Range(Date, Date),
}

impl Db {
    /// The period a spec means for an agency (clipped to its establishment date).
    pub fn resolve_period(agency: &AgencyRow, spec: PeriodSpec) -> Result<Period, DbError> {
        Ok(match spec {
            PeriodSpec::Year(y) => Period::year(y, agency.established)?,
            PeriodSpec::Range(f, t) => Period::new(f, t)?.clipped(agency.established)?,
        })
    }

    /// Runs `sql` with `{ids}` = the subtree's ids and `$1`/`$2` = the period, and returns its rows.
    async fn period_rows<T: Row>(
        &self,
        sql: &str,
        tree: &Subtree,
        p: Period,
    ) -> Result<Vec<T>, DbError> {
        let sql = sql.replace("{ids}", &tree.0);
        Ok(
            on_db!(self, pool => sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql))
            .bind(p.from).bind(p.to).fetch_all(pool).await?),
        )
    }

    /// Like [`Db::period_rows`] for a query that returns exactly one row.
    async fn period_row<T: Row>(&self, sql: &str, tree: &Subtree, p: Period) -> Result<T, DbError> {
        let sql = sql.replace("{ids}", &tree.0);
        Ok(
            on_db!(self, pool => sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql))
            .bind(p.from).bind(p.to).fetch_one(pool).await?),
        )
    }

    /// The agency and all its descendants.
    pub async fn subtree(&self, agency_id: i64) -> Result<Subtree, DbError> {
        let ids: Vec<i64> =
            on_db!(self, pool => sqlx::query_scalar(TREE).bind(agency_id).fetch_all(pool).await?);
        if ids.is_empty() {
            return Err(DbError::UnknownAgency(agency_id.to_string()));
        }
        Ok(Subtree(
            ids.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ))
    }

    /// The annual report of an agency (with its descendants) for a period, checks evaluated.
    pub async fn report(&self, code: &str, spec: PeriodSpec) -> Result<AnnualReport, DbError> {
        let agency = self.agency(code).await?;
        let period = Self::resolve_period(&agency, spec)?;
        let inputs = self.report_inputs(&agency, period).await?;
        Ok(AnnualReport::new(inputs))
    }

    async fn report_inputs(
        &self,
        agency: &AgencyRow,
        period: Period,
    ) -> Result<ReportInputs, DbError> {
        let tree = self.subtree(agency.id).await?;
        // R6 compares with the previous period when the agency existed then.
        let prev_to = period.from - Duration::days(1);
        let prev = match agency.established {
            Some(e) if e > prev_to => None,
            _ => {
                let year = Period::year(prev_to.year(), agency.established)?;
                Some(Period {
                    to: prev_to,
                    from: year.from.min(prev_to),
                })
            }
        };
        let previous = async {
            match prev {
                Some(p) => self
                    .table3(&tree, p)
                    .await
                    .map(|t| Some(t.cells[T3Row::CarriedForward.index()])),
                None => Ok(None),
            }
        };
        // The queries are independent: run them concurrently on the pool.
        let (requests, previous_carried_forward, proactive, appeals, (mut figures, channels)) = tokio::try_join!(
            self.table3(&tree, period),
            previous,
            self.table2(&tree, period),
            self.table4(&tree, period),
            self.figures(&tree, period),
        )?;
        figures.requests_received =
            requests.get(T3Row::NewReceived, gongkai_domain::report::TOTAL_COL);
        Ok(ReportInputs {
            agency: AgencyRef {
                code: agency.code.clone(),
                name: agency.name.clone(),
            },
            period,
            proactive,
            requests,
            appeals,
            figures,
            channels,
            previous_carried_forward,
        })
    }

    /// Table 二 from disclosure items, decisions and fee income.
    pub async fn table2(&self, tree: &Subtree, p: Period) -> Result<Table2, DbError> {
        const DOCS: &str = "SELECT doc_kind, \
             CAST(COALESCE(SUM(CASE WHEN generated_on BETWEEN $1 AND $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN repealed_on BETWEEN $1 AND $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN generated_on <= $2 AND (repealed_on IS NULL OR repealed_on > $2) THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM disclosure_item WHERE agency_id IN ({ids}) \
             AND doc_kind IN ('rule', 'normative_document') GROUP BY doc_kind";
        const DECISIONS: &str = "SELECT kind, COUNT(*) FROM admin_decision \
             WHERE agency_id IN ({ids}) AND decided_on BETWEEN $1 AND $2 GROUP BY kind";
        const FEES: &str = "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM fee_income \
             WHERE agency_id IN ({ids}) AND received_on BETWEEN $1 AND $2";
        let (docs, decisions, (fees_fen,)) = tokio::try_join!(
            self.period_rows::<(String, i64, i64, i64)>(DOCS, tree, p),
            self.period_rows::<(String, i64)>(DECISIONS, tree, p),
            self.period_row::<(i64,)>(FEES, tree, p),
        )?;
        let mut t = Table2 {
            fees_fen,
            ..Table2::default()
        };
        for (kind, issued, repealed, in_force) in docs {
            let c = DocCounts {
                issued,
                repealed,
                in_force,
            };
            match DocKind::from_code(&kind)? {
                DocKind::Rule => t.rules = c,
                _ => t.normative_documents = c,
            }
        }
        for (kind, n) in decisions {
            match DecisionKind::from_code(&kind)? {
                DecisionKind::Licensing => t.licensing_decisions = n,
                DecisionKind::Penalty => t.penalty_decisions = n,
                DecisionKind::Enforcement => t.enforcement_decisions = n,
            }
        }
        Ok(t)
    }

    /// Table 三 from the cases (contracts.md §2.4), plus hand-entered tallies of the year.
    pub async fn table3(&self, tree: &Subtree, p: Period) -> Result<Table3, DbError> {
        // Cases alive in the period: received by its end and not closed before its start.
        const FLOWS: &str = "SELECT applicant_type, \
             CAST(COALESCE(SUM(CASE WHEN received_on >= $1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN received_on < $1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN closed_on IS NULL OR closed_on > $2 THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM request WHERE agency_id IN ({ids}) AND received_on <= $2 \
             AND (closed_on IS NULL OR closed_on >= $1) GROUP BY applicant_type";
        const CLOSED: &str = "SELECT applicant_type, COALESCE(outcome, 'other_other'), COUNT(*) FROM request \
             WHERE agency_id IN ({ids}) AND closed_on BETWEEN $1 AND $2 GROUP BY applicant_type, outcome";
        let (flows, closed, tallies) = tokio::try_join!(
            self.period_rows::<(String, i64, i64, i64)>(FLOWS, tree, p),
            self.period_rows::<(String, String, i64)>(CLOSED, tree, p),
            self.tallies(tree, p, 3),
        )?;
        let mut t = Table3::default();
        for (applicant, new, carried, forward) in flows {
            let a = ApplicantType::from_code(&applicant)?;
            t.add_cases(T3Row::NewReceived, a, new);
            t.add_cases(T3Row::CarriedOver, a, carried);
            t.add_cases(T3Row::CarriedForward, a, forward);
        }
        for (applicant, outcome, n) in closed {
            t.add_cases(
                T3Row::Outcome(Outcome::from_code(&outcome)?),
                ApplicantType::from_code(&applicant)?,
                n,
            );
        }
        t.fill_total_processed();
        for (row, col, v) in tallies {
            let r = T3Row::all().into_iter().find(|r| r.code() == row);
            let c = (0..T3_COLS).find(|c| t3_column_code(*c) == col);
            if let (Some(r), Some(c)) = (r, c) {
                t.cells[r.index()][c] += v;
            }
        }
        Ok(t)
    }

    /// Hand-entered counts of table `table_no` for the period's year (only for periods within
    /// one calendar year).
    async fn tallies(
        &self,
        tree: &Subtree,
        p: Period,
        table_no: i32,
    ) -> Result<Vec<(String, String, i64)>, DbError> {
        if p.from.year() != p.to.year() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT row_code, column_code, CAST(SUM(value) AS BIGINT) FROM report_tally \
             WHERE agency_id IN ({ids}) AND year = $1 AND table_no = $2 GROUP BY row_code, column_code",
            ids = tree.0
        );
        Ok(
            on_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(p.to.year()).bind(table_no).fetch_all(pool).await?),
        )
    }

    /// Table 四: appeals filed in the period or still undecided at its start (contracts.md §2.4).
    pub async fn table4(&self, tree: &Subtree, p: Period) -> Result<Table4, DbError> {
        const APPEALS: &str = "SELECT kind, CASE WHEN decided_on IS NOT NULL AND decided_on <= $2 \
             THEN COALESCE(result, 'other') ELSE 'pending' END AS col, COUNT(*) FROM appeal \
             WHERE agency_id IN ({ids}) AND filed_on <= $2 \
             AND (filed_on >= $1 OR decided_on IS NULL OR decided_on >= $1) GROUP BY kind, col";
        let (rows, tallies) = tokio::try_join!(
            self.period_rows::<(String, String, i64)>(APPEALS, tree, p),
            self.tallies(tree, p, 4),
        )?;
        let mut t = Table4::default();
        for (kind, col, n) in rows {
            t.add(
                AppealKind::from_code(&kind)?,
                AppealResult::from_code(&col)?,
                n,
            );
        }
        for (row, col, v) in tallies {
            let k = AppealKind::ALL.iter().find(|k| k.code() == row);
            let c = AppealResult::ALL
                .iter()
                .map(|r| r.code())
                .chain(["total"])
                .position(|c| c == col);
            if let (Some(k), Some(c)) = (k, c) {
                t.cells[k.index()][c] += v;
            }
        }
        Ok(t)
    }

    /// The figures the narrative quotes (contracts.md §3.4, §4), without `requests_received`
    /// (which is table 三's 一 总计).
    pub async fn figures(
        &self,
        tree: &Subtree,
        p: Period,
    ) -> Result<(Figures, Vec<ChannelFigure>), DbError> {
        // Every scalar figure in one statement (one round trip); each is a subquery over the tree.
        const SCALARS: &str = "SELECT \
             (SELECT CAST(COALESCE(SUM(CASE WHEN type IN ('tender_plan', 'procurement_intention') THEN 0 ELSE 1 END), 0) AS BIGINT) \
                FROM notice WHERE agency_id IN ({ids}) AND published_on BETWEEN $1 AND $2), \
             (SELECT CAST(COALESCE(SUM(CASE WHEN type IN ('tender_plan', 'procurement_intention') THEN 1 ELSE 0 END), 0) AS BIGINT) \
                FROM notice WHERE agency_id IN ({ids}) AND published_on BETWEEN $1 AND $2), \
             (SELECT COUNT(*) FROM section WHERE agency_id IN ({ids}) AND completed_on BETWEEN $1 AND $2), \
             (SELECT COUNT(*) FROM policy_push WHERE agency_id IN ({ids}) AND pushed_on BETWEEN $1 AND $2), \
             (SELECT COUNT(*) FROM policy_loan WHERE agency_id IN ({ids}) AND granted_on BETWEEN $1 AND $2), \
             (SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM policy_loan \
                WHERE agency_id IN ({ids}) AND granted_on BETWEEN $1 AND $2), \
             (SELECT CAST(COALESCE(SUM(fee_fen), 0) AS BIGINT) FROM request \
                WHERE agency_id IN ({ids}) AND closed_on BETWEEN $1 AND $2)";
        // Bidders are only ever named on bid openings and candidate publicities (contracts.md §3).
        const BIDDERS: &str = "SELECT COUNT(DISTINCT company_id) FROM bidder WHERE section_id IN ( \
             SELECT section_id FROM notice WHERE agency_id IN ({ids}) \
             AND type IN ('bid_opening', 'candidate_publicity') AND published_on BETWEEN $1 AND $2)";
        const CHANNELS: &str = "SELECT c.kind, c.name, COUNT(cp.id), CAST(COALESCE(SUM(cp.reads), 0) AS BIGINT) \
             FROM channel c JOIN channel_post cp ON cp.channel_id = c.id WHERE c.agency_id IN ({ids}) \
             AND cp.published_on BETWEEN $1 AND $2 GROUP BY c.id, c.kind, c.name ORDER BY c.id";
        type Scalars = (i64, i64, i64, i64, i64, i64, i64);
        let (x, (bidders,), rows) = tokio::try_join!(
            self.period_row::<Scalars>(SCALARS, tree, p),
            self.period_row::<(i64,)>(BIDDERS, tree, p),
            self.period_rows::<(String, String, i64, i64)>(CHANNELS, tree, p),
        )?;
        let mut f = Figures {
            trading_notices: x.0,
            plans_and_intentions: x.1,
            sections_full_process: x.2,
            bidders,
            policy_pushes: x.3,
            policy_loans: x.4,
            policy_loan_amount_fen: x.5,
            fees_collected_fen: x.6,
            ..Figures::default()
        };
        let mut channels = Vec::new();
        for (kind, name, posts, reads) in rows {
            let kind = ChannelKind::from_code(&kind)?;
            match kind {
                ChannelKind::Portal => f.portal_posts += posts,
                ChannelKind::Wechat => {
                    f.wechat_posts += posts;
                    f.wechat_reads += reads;
                }
                _ => {}
            }
            channels.push(ChannelFigure {
                kind,
                name,
                posts,
                reads,
            });
        }
        Ok((f, channels))
    }

    /// Sections whose required stages all have a published notice, the last of them inside the
    /// period (contracts.md §3.4), computed from the notices themselves under `rule` (the report
    /// reads the stored `section.completed_on` instead; tests check the two agree). The stage
    /// groups are data; their notice-type codes are validated enum codes, so they are inlined.
    pub async fn sections_full_process_scan(
        &self,
        tree: &Subtree,
        p: Period,
        rule: &FullProcessRule,
    ) -> Result<i64, DbError> {
        let mut total = 0;
        for (category, groups) in &rule.stages {
            if groups.is_empty() {
                continue;
            }
            let lit = |ts: &Vec<NoticeType>| {
                ts.iter()
                    .map(|t| format!("'{}'", t.code()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let cols: Vec<String> = groups
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    format!(
                        "MIN(CASE WHEN n.type IN ({}) THEN n.published_on END) AS g{i}",
                        lit(g)
                    )
                })
                .collect();
            let all_present: Vec<String> = (0..groups.len())
                .map(|i| format!("g{i} IS NOT NULL"))
                .collect();
            let any_inside: Vec<String> =
                (0..groups.len()).map(|i| format!("g{i} >= $1")).collect();
            let sql = format!(
                "SELECT COUNT(*) FROM (SELECT {} FROM section s JOIN notice n ON n.section_id = s.id \
                 JOIN project pr ON pr.id = s.project_id WHERE s.agency_id IN ({ids}) \
                 AND pr.category = '{}' AND n.published_on <= $2 GROUP BY s.id) x WHERE {} AND ({})",
                cols.join(", "),
                category.code(),
                all_present.join(" AND "),
                any_inside.join(" OR "),
                ids = tree.0
            );
            let n: i64 = on_db!(self, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(p.from).bind(p.to).fetch_one(pool).await?);
            total += n;
        }
        Ok(total)
    }

    /// The benchmark's lower bound: table 三's counts in one hand-written aggregate query
    /// (no tallies, no report assembly). Returns (row code, applicant type, count) triples.
    pub async fn table3_baseline(
        &self,
        tree: &Subtree,
        p: Period,
    ) -> Result<Vec<(String, String, i64)>, DbError> {
        const SQL: &str = "SELECT CASE WHEN closed_on BETWEEN $1 AND $2 THEN COALESCE(outcome, 'other_other') \
             ELSE 'carried_forward' END AS r, applicant_type, \
             CAST(SUM(CASE WHEN received_on >= $1 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM request WHERE agency_id IN ({ids}) AND received_on <= $2 \
             AND (closed_on IS NULL OR closed_on >= $1) GROUP BY r, applicant_type";
        self.period_rows(SQL, tree, p).await
    }
}
