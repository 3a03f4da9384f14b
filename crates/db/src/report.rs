//! Computing the annual report from the ledger (contracts.md §2.4, §3.4, §4).
//!
//! Every query is restricted to the agency and its descendants (a [`Subtree`], read in one
//! statement, or the agency alone when it has no children), so a parent's report aggregates
//! its children.

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

    /// Runs `sql` with `{ids}` = the subtree's ids and `$1`/`$2` = the period (inlined on
    /// SQLite, as for the report: see [`PeriodLiterals`]), and returns its rows.
    async fn period_rows<T: Row>(
        &self,
        sql: &str,
        tree: &Subtree,
        p: Period,
    ) -> Result<Vec<T>, DbError> {
        let mut sql = sql.replace("{ids}", &tree.0);
        if let Db::Sqlite(_) = self {
            sql = PeriodLiterals::new(p, p.from.year() - 1)?.inline(&sql);
        }
        Ok(
            on_db!(self, pool => sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql))
            .bind(p.from).bind(p.to).fetch_all(pool).await?),
        )
    }

    /// The annual report of an agency (with its descendants) for a period, checks evaluated.
    ///
    /// Most agencies have no children: their report is one statement ([`CASES`] and
    /// [`REPORT`] together, restricted to the agency itself), which also reads the agency and
    /// whether it has children. It is run for the period the agency has when it existed before
    /// the period (the usual case), and once more when its establishment date clips the
    /// period. A parent's report then reads its subtree in one statement and every number in
    /// two statements run concurrently with the subtree's ids inlined, so that both backends
    /// plan the scans for the subtree's real size.
    pub async fn report(&self, code: &str, spec: PeriodSpec) -> Result<AnnualReport, DbError> {
        let unclipped = match spec {
            PeriodSpec::Year(y) => Period::year(y, None)?,
            PeriodSpec::Range(f, t) => Period::new(f, t)?,
        };
        let rows = self.report_rows(code, unclipped, Agencies::Own).await?;
        let (agency, children) = agency_of(code, &rows)?;
        let (agency, period, rows) = if children == 0 {
            let period = Self::resolve_period(&agency, spec)?;
            let rows = if period == unclipped {
                rows
            } else {
                self.report_rows(code, period, Agencies::Own).await?
            };
            (agency, period, rows)
        } else {
            let (agency, tree) = self.agency_subtree(code).await?;
            let period = Self::resolve_period(&agency, spec)?;
            let rows = self
                .report_rows(code, period, Agencies::Subtree(&tree))
                .await?;
            (agency, period, rows)
        };
        Ok(AnnualReport::new(assemble(&agency, period, rows)?))
    }

    /// The rows of [`CASES`] and [`REPORT`] for the agency `code` and `period`.
    async fn report_rows(
        &self,
        code: &str,
        period: Period,
        agencies: Agencies<'_>,
    ) -> Result<Vec<Part>, DbError> {
        // A whole calendar year reads the distinct bidders from the summary kept on write;
        // any other period counts them exactly.
        let trading = if period.is_calendar_year() {
            TRADING_SUMMARY
        } else {
            TRADING_EXACT
        };
        let own = matches!(agencies, Agencies::Own);
        let agencies = match agencies {
            Agencies::Own => "= (SELECT id FROM ag)".to_string(),
            Agencies::Subtree(tree) => format!("IN ({})", tree.ids()),
        };
        let prev_year = (period.from - Duration::days(1)).year();
        let literals = match self {
            Db::Sqlite(_) => Some(PeriodLiterals::new(period, prev_year)?),
            Db::Pg(_) => None,
        };
        let sql = |body: &str| {
            let sql = format!("{AGENCY} {body}")
                .replace("{trading}", trading)
                .replace("{agencies}", &agencies);
            match &literals {
                Some(l) => l.inline(&sql),
                None => sql,
            }
        };
        let run = |sql: String| async move {
            let rows: Vec<Part> = on_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(period.from).bind(period.to)
                .bind(period.to.year()).bind(prev_year).bind(code)
                .fetch_all(pool).await?);
            Ok::<_, DbError>(rows)
        };
        Ok(if own {
            run(sql(&format!("{CASES} UNION ALL {REPORT}"))).await?
        } else {
            // The cases and the rest are independent scans, worth running concurrently.
            let (mut rows, more) = tokio::try_join!(run(sql(CASES)), run(sql(REPORT)))?;
            rows.extend(more);
            rows
        })
    }

    /// An agency and its subtree, read in one statement.
    pub async fn agency_subtree(&self, code: &str) -> Result<(AgencyRow, Subtree), DbError> {
        const SQL: &str = "WITH RECURSIVE tree(id, depth) AS ( \
             SELECT id, 0 FROM agency WHERE code = $1 \
             UNION ALL SELECT a.id, t.depth + 1 FROM agency a JOIN tree t ON a.parent_id = t.id) \
             SELECT a.id, a.code, a.name, a.parent_id, a.established FROM tree t \
             JOIN agency a ON a.id = t.id ORDER BY t.depth, a.id";
        let rows: Vec<AgencyRow> =
            on_db!(self, pool => sqlx::query_as(SQL).bind(code).fetch_all(pool).await?);
        let tree = Subtree(
            rows.iter()
                .map(|a| a.id.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        );
        let agency = rows
            .into_iter()
            .next()
            .ok_or_else(|| DbError::UnknownAgency(code.to_string()))?;
        Ok((agency, tree))
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

/// One row of [`CASES`] or [`REPORT`]: the part of the report it feeds, two keys, three values.
type Part = (String, String, String, i64, i64, i64);

/// Every number of the annual report comes from [`CASES`] and [`REPORT`] (contracts.md §2.4,
/// §3.4, §4): tables 二, 三, 四, the hand-entered tallies (with the previous year's for R6) and
/// the figures, as `(part, key, key, a, b, c)` rows; [`REPORT`] also gives the agency `$5`
/// itself (its name, establishment date, id, parent and number of children).
/// `{agencies}` restricts the rows to the agency or its subtree, `$1`/`$2` are the period,
/// `$3`/`$4` its year and the previous period's, `$5` the agency's code (its id is read once,
/// by [`AGENCY`], which every statement starts with); in [`REPORT`], `{trading}` reads the
/// summary of a whole calendar year ([`TRADING_SUMMARY`]) or counts exactly ([`TRADING_EXACT`]).
///
/// The cases are read once: those alive in the period, grouped by applicant type and outcome
/// (empty while still open at the end of the period), counted (b) with those received in the
/// period (a) and their fees (c). The others were carried over; the open ones are carried
/// forward; the cases carried over are exactly those the previous period carries forward.
const CASES: &str = "\
SELECT 'req' AS part, applicant_type AS k1, \
  CASE WHEN closed_on <= $2 THEN COALESCE(outcome, 'other_other') ELSE '' END AS k2, \
  CAST(COALESCE(SUM(CASE WHEN received_on >= $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS a, \
  COUNT(*) AS b, CAST(COALESCE(SUM(fee_fen), 0) AS BIGINT) AS c \
  FROM request WHERE agency_id {agencies} AND received_on <= $2 \
  AND (closed_on IS NULL OR closed_on >= $1) \
  GROUP BY applicant_type, CASE WHEN closed_on <= $2 THEN COALESCE(outcome, 'other_other') ELSE '' END";

/// The report's other numbers, in one statement: see [`CASES`] for the parameters.
const REPORT: &str = "\
SELECT 'agency', name, COALESCE(CAST(established AS TEXT), ''), id, COALESCE(parent_id, 0), \
  (SELECT COUNT(*) FROM agency c WHERE c.parent_id = a.id) FROM agency a WHERE code = $5 \
UNION ALL SELECT 'tally', row_code, column_code, CAST(SUM(value) AS BIGINT), table_no, 0 \
  FROM report_tally WHERE agency_id {agencies} AND year = $3 AND table_no IN (3, 4) \
  GROUP BY table_no, row_code, column_code \
UNION ALL SELECT 'prev_tally', row_code, column_code, CAST(SUM(value) AS BIGINT), 0, 0 \
  FROM report_tally WHERE agency_id {agencies} AND year = $4 AND table_no = 3 \
  GROUP BY row_code, column_code \
UNION ALL SELECT 'doc', doc_kind, '', \
  CAST(COALESCE(SUM(CASE WHEN generated_on BETWEEN $1 AND $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
  CAST(COALESCE(SUM(CASE WHEN repealed_on BETWEEN $1 AND $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
  CAST(COALESCE(SUM(CASE WHEN generated_on <= $2 AND (repealed_on IS NULL OR repealed_on > $2) THEN 1 ELSE 0 END), 0) AS BIGINT) \
  FROM disclosure_item WHERE agency_id {agencies} AND doc_kind IN ('rule', 'normative_document') \
  AND state IN ('published', 'corrected', 'withdrawn') \
  GROUP BY doc_kind \
UNION ALL SELECT 'decision', kind, '', COUNT(*), 0, 0 FROM admin_decision \
  WHERE agency_id {agencies} AND decided_on BETWEEN $1 AND $2 GROUP BY kind \
UNION ALL SELECT 'appeal', kind, \
  CASE WHEN decided_on IS NOT NULL AND decided_on <= $2 THEN COALESCE(result, 'other') ELSE 'pending' END, \
  COUNT(*), 0, 0 FROM appeal WHERE agency_id {agencies} AND filed_on <= $2 \
  AND (filed_on >= $1 OR decided_on IS NULL OR decided_on >= $1) \
  GROUP BY kind, CASE WHEN decided_on IS NOT NULL AND decided_on <= $2 THEN COALESCE(result, 'other') ELSE 'pending' END \
UNION ALL {trading} \
UNION ALL SELECT 'sections', '', '', COUNT(*), 0, 0 FROM section \
  WHERE agency_id {agencies} AND completed_on BETWEEN $1 AND $2 \
UNION ALL SELECT 'pushes', '', '', COUNT(*), 0, 0 FROM policy_push \
  WHERE agency_id {agencies} AND pushed_on BETWEEN $1 AND $2 \
UNION ALL SELECT 'loans', '', '', COUNT(*), CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT), 0 \
  FROM policy_loan WHERE agency_id {agencies} AND granted_on BETWEEN $1 AND $2 \
UNION ALL SELECT 'fees', '', '', CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT), 0, 0 \
  FROM fee_income WHERE agency_id {agencies} AND received_on BETWEEN $1 AND $2 \
UNION ALL SELECT 'channel', c.kind, c.name, COUNT(cp.id), CAST(COALESCE(SUM(cp.reads), 0) AS BIGINT), c.id \
  FROM channel c JOIN channel_post cp ON cp.channel_id = c.id WHERE c.agency_id {agencies} \
  AND cp.published_on BETWEEN $1 AND $2 GROUP BY c.id, c.kind, c.name";

/// The agency `$5`'s id, looked up once per statement: every part restricted to the agency
/// alone reads it from here (on PostgreSQL a CTE named more than once is computed once).
const AGENCY: &str = "WITH ag AS (SELECT id FROM agency WHERE code = $5)";

/// The trading figures of a whole calendar year from the summary kept on write (migration
/// 0007), in one row: the notices (a), the plans and intentions (b) and the distinct bidders (c).
const TRADING_SUMMARY: &str = "SELECT 'trading', '', '', \
  CAST(COALESCE(SUM(trading_notices), 0) AS BIGINT), CAST(COALESCE(SUM(plans_and_intentions), 0) AS BIGINT), \
  CAST(COALESCE(SUM(bidders), 0) AS BIGINT) \
  FROM trading_year WHERE agency_id = (SELECT id FROM ag) AND year = $3";

/// The trading figures of any period, counted exactly: the notices, and the distinct bidders.
/// Bidders are only ever named on bid openings and candidate publicities (contracts.md §3).
const TRADING_EXACT: &str = "SELECT 'notices', '', '', \
  CAST(COALESCE(SUM(CASE WHEN type IN ('tender_plan', 'procurement_intention') THEN 0 ELSE 1 END), 0) AS BIGINT), \
  CAST(COALESCE(SUM(CASE WHEN type IN ('tender_plan', 'procurement_intention') THEN 1 ELSE 0 END), 0) AS BIGINT), 0 \
  FROM notice WHERE agency_id {agencies} AND published_on BETWEEN $1 AND $2 \
UNION ALL SELECT 'bidders', '', '', COUNT(DISTINCT company_id), 0, 0 FROM bidder \
  WHERE section_id IN (SELECT section_id FROM notice WHERE agency_id {agencies} \
  AND type IN ('bid_opening', 'candidate_publicity') AND published_on BETWEEN $1 AND $2)";

/// The period of [`CASES`] and [`REPORT`] as SQLite literals, in place of `$1` to `$4`.
///
/// SQLite as bundled by `libsqlite3-sys` is built with `SQLITE_ENABLE_STAT4`: where a bound
/// parameter constrains an indexed column (`received_on <= $2`), the planner reads the value
/// from the samples of `ANALYZE`, and binding that parameter anew (sqlx clears and binds every
/// parameter on each run) makes SQLite compile the whole statement again on its next step.
/// For the one statement of an agency's report that compilation cost more than running it
/// (0.35–0.40 ms against 0.14–0.15 ms, timed from Python linked to the same SQLite build).
/// With the period inlined the statement is compiled once per connection and period (sqlx
/// keeps it prepared by its text), for the period's real dates; the agency's code stays a
/// parameter (an equality on a unique key, which does not recompile). The dates are written as
/// sqlx binds them and the years are integers, so inlining is safe. PostgreSQL keeps binding
/// the period: its plan cache moves the constant text to a generic plan.
struct PeriodLiterals([String; 4]);

impl PeriodLiterals {
    fn new(period: Period, prev_year: i32) -> Result<Self, DbError> {
        let date = |d: Date| {
            d.format(time::macros::format_description!("[year]-[month]-[day]"))
                .map(|s| format!("'{s}'"))
                // The error sqlx would give when binding the date.
                .map_err(|e| DbError::Sql(sqlx::Error::Encode(Box::new(e))))
        };
        Ok(Self([
            date(period.from)?,
            date(period.to)?,
            period.to.year().to_string(),
            prev_year.to_string(),
        ]))
    }

    /// `sql` with `$1` to `$4` replaced (there is no `$10` or above to confuse with `$1`).
    fn inline(&self, sql: &str) -> String {
        let mut sql = sql.to_string();
        for (i, lit) in self.0.iter().enumerate() {
            sql = sql.replace(&format!("${}", i + 1), lit);
        }
        sql
    }
}

/// Which agencies a report's statements count.
enum Agencies<'a> {
    /// The agency alone (it has no children).
    Own,
    /// The agency and its descendants, ids inlined.
    Subtree(&'a Subtree),
}

/// The agency `code` as [`REPORT`] gives it, with its number of children. PostgreSQL's dates
/// are cast to text in ISO form (sqlx sets `DateStyle` to ISO), as SQLite stores them.
fn agency_of(code: &str, rows: &[Part]) -> Result<(AgencyRow, i64), DbError> {
    let (_, name, established, id, parent, children) = rows
        .iter()
        .find(|r| r.0 == "agency")
        .ok_or_else(|| DbError::UnknownAgency(code.to_string()))?;
    let established = match established.as_str() {
        "" => None,
        d => Some(gongkai_domain::period::parse_date(d, "established")?),
    };
    let agency = AgencyRow {
        id: *id,
        code: code.to_string(),
        name: name.clone(),
        parent_id: (*parent != 0).then_some(*parent),
        established,
    };
    Ok((agency, *children))
}

/// The report's inputs from the rows of [`CASES`] and [`REPORT`].
fn assemble(agency: &AgencyRow, period: Period, rows: Vec<Part>) -> Result<ReportInputs, DbError> {
    // R6 compares with the previous period when the agency existed then.
    let prev_to = period.from - Duration::days(1);
    let existed_before = agency.established.is_none_or(|e| e <= prev_to);
    // Hand-entered tallies count only for periods within one calendar year.
    let tallies = period.from.year() == period.to.year();
    let mut requests = Table3::default();
    let mut previous = Table3::default();
    let mut proactive = Table2::default();
    let mut appeals = Table4::default();
    let mut f = Figures::default();
    let mut channels: Vec<(i64, ChannelFigure)> = Vec::new();
    let mut t3_tallies: Vec<(String, String, i64)> = Vec::new();
    for (part, k1, k2, a, b, c) in rows {
        match part.as_str() {
            "req" => {
                let t = ApplicantType::from_code(&k1)?;
                requests.add_cases(T3Row::NewReceived, t, a);
                requests.add_cases(T3Row::CarriedOver, t, b - a);
                previous.add_cases(T3Row::CarriedForward, t, b - a);
                if k2.is_empty() {
                    requests.add_cases(T3Row::CarriedForward, t, b);
                } else {
                    requests.add_cases(T3Row::Outcome(Outcome::from_code(&k2)?), t, b);
                    f.fees_collected_fen += c;
                }
            }
            // Tallies are added after （七）总计 is filled from the cases (below).
            "tally" if tallies && b == 3 => t3_tallies.push((k1, k2, a)),
            "tally" if tallies && b == 4 => add_t4_tally(&mut appeals, &k1, &k2, a),
            "prev_tally" => add_t3_tally(&mut previous, &k1, &k2, a),
            "doc" => {
                let counts = DocCounts {
                    issued: a,
                    repealed: b,
                    in_force: c,
                };
                match DocKind::from_code(&k1)? {
                    DocKind::Rule => proactive.rules = counts,
                    _ => proactive.normative_documents = counts,
                }
            }
            "decision" => match DecisionKind::from_code(&k1)? {
                DecisionKind::Licensing => proactive.licensing_decisions = a,
                DecisionKind::Penalty => proactive.penalty_decisions = a,
                DecisionKind::Enforcement => proactive.enforcement_decisions = a,
            },
            "appeal" => appeals.add(
                AppealKind::from_code(&k1)?,
                AppealResult::from_code(&k2)?,
                a,
            ),
            "notices" => {
                f.trading_notices = a;
                f.plans_and_intentions = b;
            }
            "trading" => {
                f.trading_notices = a;
                f.plans_and_intentions = b;
                f.bidders = c;
            }
            "sections" => f.sections_full_process = a,
            "pushes" => f.policy_pushes = a,
            "loans" => {
                f.policy_loans = a;
                f.policy_loan_amount_fen = b;
            }
            "fees" => proactive.fees_fen = a,
            "bidders" => f.bidders = a,
            "channel" => channels.push((
                c,
                ChannelFigure {
                    kind: ChannelKind::from_code(&k1)?,
                    name: k2,
                    posts: a,
                    reads: b,
                },
            )),
            _ => {}
        }
    }
    requests.fill_total_processed();
    for (row, col, v) in t3_tallies {
        add_t3_tally(&mut requests, &row, &col, v);
    }
    channels.sort_by_key(|(id, _)| *id);
    let channels: Vec<ChannelFigure> = channels.into_iter().map(|(_, c)| c).collect();
    for c in &channels {
        match c.kind {
            ChannelKind::Portal => f.portal_posts += c.posts,
            ChannelKind::Wechat => {
                f.wechat_posts += c.posts;
                f.wechat_reads += c.reads;
            }
            _ => {}
        }
    }
    f.requests_received = requests.get(T3Row::NewReceived, gongkai_domain::report::TOTAL_COL);
    Ok(ReportInputs {
        agency: AgencyRef {
            code: agency.code.clone(),
            name: agency.name.clone(),
        },
        period,
        proactive,
        requests,
        appeals,
        figures: f,
        channels,
        previous_carried_forward: existed_before
            .then(|| previous.cells[T3Row::CarriedForward.index()]),
    })
}

/// Adds a hand-entered count of table 三 (unknown row or column codes are ignored).
fn add_t3_tally(t: &mut Table3, row: &str, col: &str, v: i64) {
    let r = T3Row::all().into_iter().find(|r| r.code() == row);
    let c = (0..T3_COLS).find(|c| t3_column_code(*c) == col);
    if let (Some(r), Some(c)) = (r, c) {
        t.cells[r.index()][c] += v;
    }
}

/// Adds a hand-entered count of table 四 (unknown row or column codes are ignored).
fn add_t4_tally(t: &mut Table4, row: &str, col: &str, v: i64) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_literals_replace_the_four_period_parameters_only() {
        let d = |y, m, day| {
            Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap()
        };
        let p = Period::new(d(2025, 3, 1), d(2025, 12, 31)).unwrap();
        let sql = PeriodLiterals::new(p, 2025)
            .unwrap()
            .inline("a BETWEEN $1 AND $2 AND y = $3 AND py = $4 AND code = $5");
        assert_eq!(
            sql,
            "a BETWEEN '2025-03-01' AND '2025-12-31' AND y = 2025 AND py = 2025 AND code = $5"
        );
    }
}
