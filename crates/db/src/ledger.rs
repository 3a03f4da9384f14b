//! Writing and reading the ledger.

use std::collections::HashMap;

use gongkai_domain::codes::TradingCategory;
use gongkai_domain::ledger::{AgencyLedger, FullProcessRule, NewAgency, Section};
use gongkai_domain::period::beijing_date;
use gongkai_domain::trading::ocid;
use sqlx::QueryBuilder;
use sqlx::types::Json;
use time::Date;

use crate::tx::failpoint;
use crate::{Db, DbError, Tx, on_db, on_tx};

/// An agency as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AgencyRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub established: Option<Date>,
}

/// Progress of a long load: called with (done, total) agencies.
pub type LoadProgress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// Rows per multi-row INSERT (well under SQLite's 32 766 bound parameters).
const CHUNK: usize = 1000;

/// Tables in an order that respects foreign keys when deleting.
const TABLES_CHILD_FIRST: &[&str] = &[
    "public_change",
    "bidder_year",
    "trading_year",
    "narrative_template",
    "letter_template",
    "report_tally",
    "appeal",
    "request_event",
    "request_tracking",
    "request_fee",
    "request_applicant",
    "request",
    "policy_loan",
    "policy_push",
    "channel_post",
    "channel",
    "notice_change",
    "notice_version",
    "bidder",
    "company",
    "notice",
    "section",
    "project",
    "fee_income",
    "admin_decision",
    "publication_log",
    "item_file",
    "annual_report",
    "item_override",
    "item_review",
    "item_version",
    "catalogue_column",
    "disclosure_item",
    "agency",
];

impl Db {
    /// All agencies, parents first.
    pub async fn agencies(&self) -> Result<Vec<AgencyRow>, DbError> {
        let sql = "SELECT id, code, name, parent_id, established FROM agency ORDER BY id";
        Ok(on_db!(self, p => sqlx::query_as::<_, AgencyRow>(sql).fetch_all(p).await?))
    }

    pub async fn agency(&self, code: &str) -> Result<AgencyRow, DbError> {
        let sql = "SELECT id, code, name, parent_id, established FROM agency WHERE code = $1";
        let row = on_db!(self, p => sqlx::query_as::<_, AgencyRow>(sql).bind(code).fetch_optional(p).await?);
        row.ok_or_else(|| DbError::UnknownAgency(code.to_string()))
    }

    /// True when the database holds any agency (so `demo` must not overwrite it).
    pub async fn has_data(&self) -> Result<bool, DbError> {
        let n: i64 = on_db!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM agency").fetch_one(p).await?);
        Ok(n > 0)
    }

    /// Deletes every ledger record (for `demo --reset`), in one transaction.
    pub async fn clear(&self) -> Result<(), DbError> {
        let mut tx = self.begin().await?;
        tx.clear().await?;
        tx.commit().await
    }

    /// Creates an agency (one transaction).
    pub async fn add_agency(&self, a: &NewAgency) -> Result<AgencyRow, DbError> {
        let mut tx = self.begin().await?;
        let row = tx.add_agency(a).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Writes a whole agency ledger in one transaction.
    pub async fn insert_ledger(&self, agency_id: i64, l: &AgencyLedger) -> Result<(), DbError> {
        let mut tx = self.begin().await?;
        tx.insert_ledger(agency_id, l).await?;
        tx.commit().await
    }

    /// Adds (or replaces) a hand-entered count for one cell of table 三 or 四 of a year.
    pub async fn set_tally(
        &self,
        agency_id: i64,
        t: &gongkai_domain::ledger::Tally,
    ) -> Result<(), DbError> {
        let sql = "INSERT INTO report_tally (agency_id, year, table_no, row_code, column_code, value, note) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                   ON CONFLICT (agency_id, year, table_no, row_code, column_code) DO UPDATE SET value = excluded.value, note = excluded.note";
        on_db!(self, p => sqlx::query(sql).bind(agency_id).bind(t.year).bind(t.table_no).bind(&t.row).bind(&t.column).bind(t.value).bind(&t.note).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// The agency's own narrative template, if it has edited one.
    pub async fn narrative_template(&self, agency_id: i64) -> Result<Option<String>, DbError> {
        let sql = "SELECT body FROM narrative_template WHERE agency_id = $1";
        Ok(
            on_db!(self, p => sqlx::query_scalar::<_, String>(sql).bind(agency_id).fetch_optional(p).await?),
        )
    }

    pub async fn set_narrative_template(&self, agency_id: i64, body: &str) -> Result<(), DbError> {
        let sql = "INSERT INTO narrative_template (agency_id, body) VALUES ($1, $2) \
                   ON CONFLICT (agency_id) DO UPDATE SET body = excluded.body, updated_at = CURRENT_TIMESTAMP";
        on_db!(self, p => sqlx::query(sql).bind(agency_id).bind(body).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// Readies the planner after a bulk load: fresh statistics on both backends and, on
    /// PostgreSQL, the visibility map too (`VACUUM`), without which it cannot count from the
    /// covering indexes alone and plans the report's scans of the new rows as sequential scans.
    pub async fn analyze(&self) -> Result<(), DbError> {
        match self {
            Db::Sqlite(p) => sqlx::raw_sql("ANALYZE").execute(p).await.map(|_| ())?,
            Db::Pg(p) => {
                // VACUUM marks a page all-visible only once the inserts' commits are on disk
                // (it cannot set their hint bits before): with `synchronous_commit = off` they
                // may not be yet. A committed transaction with synchronous commit flushes the
                // WAL up to itself, so every earlier commit too.
                let mut tx = p.begin().await?;
                sqlx::query("SET LOCAL synchronous_commit TO on")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("SELECT txid_current()")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                // VACUUM cannot run in a transaction block: one simple-protocol statement.
                sqlx::raw_sql("VACUUM (ANALYZE)").execute(p).await?;
                // A hint bit also waits for the other commits of its commit-log group, which
                // other sessions may have made asynchronously just now; the WAL writer flushes
                // them within its delay (200 ms by default). So the notices, which the report
                // counts from the visibility map, are vacuumed again a few times if needed.
                for _ in 0..8 {
                    let ready: bool = sqlx::query_scalar(
                        "SELECT relallvisible > 0 OR reltuples <= 0 FROM pg_class \
                         WHERE oid = 'notice'::regclass",
                    )
                    .fetch_one(p)
                    .await?;
                    if ready {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                    sqlx::raw_sql("VACUUM notice").execute(p).await?;
                }
            }
        }
        Ok(())
    }

    /// The agency's own reply-letter template, if it has edited one.
    pub async fn letter_template(&self, agency_id: i64) -> Result<Option<String>, DbError> {
        let sql = "SELECT body FROM letter_template WHERE agency_id = $1";
        Ok(
            on_db!(self, p => sqlx::query_scalar::<_, String>(sql).bind(agency_id).fetch_optional(p).await?),
        )
    }

    pub async fn set_letter_template(&self, agency_id: i64, body: &str) -> Result<(), DbError> {
        let sql = "INSERT INTO letter_template (agency_id, body) VALUES ($1, $2) \
                   ON CONFLICT (agency_id) DO UPDATE SET body = excluded.body, updated_at = CURRENT_TIMESTAMP";
        on_db!(self, p => sqlx::query(sql).bind(agency_id).bind(body).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// Loads the demo agency `wuzhong-ggzy` with its ledger. Refuses on a database that holds
    /// data unless `reset`, which first deletes everything.
    pub async fn load_demo(&self, reset: bool) -> Result<AgencyRow, DbError> {
        let today = gongkai_domain::period::beijing_date(time::OffsetDateTime::now_utc());
        self.load_demo_as_of(reset, today).await
    }

    /// As [`Db::load_demo`], with the 依申请公开 cases as they stood on `day` (tests of the
    /// back office that work the cases open at the end of 2025).
    pub async fn load_demo_as_of(&self, reset: bool, day: Date) -> Result<AgencyRow, DbError> {
        use gongkai_synth as synth;
        let mut ledger = synth::demo_ledger();
        // The demo's catalogue items are loaded through the workflow below, not as bare rows.
        ledger.items.clear();
        let events = synth::demo_request_events_until(day);
        // The trading notices go through the notices model, as a trading system's pushes do
        // (contracts.md §3): versions, change log, completion and bidders all from there.
        // Its trading runs on after 2024 up to `day`, as a working center's does.
        ledger.projects.extend(synth::demo_trading_until(day));
        let notices = crate::trading::parse_notices(&synth::notice_lines(&ledger))?;
        ledger.projects.clear();
        // Table 二's decisions and fees, the policy records and the channels with their posts
        // are entered as records, as the office's 采编 enters them (`Tx::put_records`).
        let records: Vec<(usize, gongkai_domain::records::Record)> =
            gongkai_domain::records::ledger_records(&ledger)
                .into_iter()
                .enumerate()
                .map(|(i, r)| (i + 1, r))
                .collect();
        ledger.channels.clear();
        ledger.decisions.clear();
        ledger.fees.clear();
        ledger.pushes.clear();
        ledger.loans.clear();
        let cal = self.calendar().await?;
        // One transaction: a failure anywhere (also after the reset's deletes) leaves the
        // database as it was.
        let mut tx = self.begin().await?;
        let n: i64 = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM agency").fetch_one(&mut *c).await?);
        if n > 0 {
            if !reset {
                return Err(DbError::Conflict(
                    "数据库中已有数据，demo 不会覆盖；如需清空后重新载入演示数据，请加 --reset"
                        .into(),
                ));
            }
            tx.clear().await?;
            failpoint("demo.after_clear")?;
        }
        let agency = tx
            .add_agency(&NewAgency {
                code: synth::DEMO_CODE.into(),
                name: synth::DEMO_NAME.into(),
                parent: None,
                established: Some(synth::DEMO_ESTABLISHED),
            })
            .await?;
        tx.insert_ledger(agency.id, &ledger).await?;
        tx.import_notices(
            synth::DEMO_CODE,
            &notices,
            &cal,
            &gongkai_domain::trading::RuleConfig::default(),
        )
        .await?;
        tx.import_requests(synth::DEMO_CODE, &events).await?;
        // The cases' applicants: fictitious, so that case pages and reply letters look as
        // they will in use.
        tx.demo_applicants(agency.id).await?;
        // The records come first: the catalogue's items go out on the channels they define.
        let staff = tx.demo_staff(&agency).await?;
        let editor = staff
            .first()
            .ok_or_else(|| DbError::Conflict("演示人员不全".into()))?;
        tx.put_records(editor, synth::DEMO_CODE, &records).await?;
        // The catalogue goes through the publishing workflow, as the office's staff work it.
        let now = time::OffsetDateTime::now_utc();
        let today = gongkai_domain::period::beijing_date(now);
        tx.load_demo_catalogue(&agency, &synth::demo_catalogue(today), now)
            .await?;
        tx.commit().await?;
        self.analyze().await?;
        Ok(agency)
    }

    /// Writes the synthetic province of `gongkai gen`: a parent and `spec.agencies` children.
    pub async fn load_gen(
        &self,
        spec: &gongkai_synth::GenSpec,
        progress: LoadProgress<'_>,
    ) -> Result<(), DbError> {
        use gongkai_synth as synth;
        let parent = synth::gen_parent();
        if self.agency(&parent.code).await.is_ok() {
            return Err(DbError::Conflict(
                "数据库中已有合成数据（gen-province），请换一个空数据库".into(),
            ));
        }
        self.add_agency(&parent).await?;
        for i in 0..spec.agencies {
            let a = self.add_agency(&synth::gen_agency(i)).await?;
            let ledger = synth::gen_ledger(spec, i);
            self.insert_ledger(a.id, &ledger).await?;
            progress(i + 1, spec.agencies);
        }
        self.analyze().await
    }
}

/// The date a section became fully disclosed under the default rule (contracts.md §3.4).
fn completed_on(category: TradingCategory, s: &Section) -> Option<Date> {
    let stages: Vec<_> = s
        .notices
        .iter()
        .map(|n| (n.ntype, beijing_date(n.published)))
        .collect();
    FullProcessRule::default().completed_on(category, &stages)
}

fn validate_agency(a: &NewAgency) -> Result<(), DbError> {
    use gongkai_domain::DomainError as E;
    let code_ok = !a.code.is_empty()
        && a.code.len() <= 64
        && a.code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !code_ok {
        return Err(E::invalid(
            "CODE",
            format!(
                "机构代码“{}”只能由字母、数字、- 和 _ 组成（1–64 个字符）",
                a.code
            ),
        )
        .into());
    }
    if a.name.trim().is_empty() {
        return Err(E::invalid("--name", "机构名称不能为空").into());
    }
    Ok(())
}

impl Db {
    /// The year of the agency's earliest notice or request, if any.
    pub async fn first_activity_year(&self, agency_id: i64) -> Result<Option<i32>, DbError> {
        let sql = "SELECT MIN(d) FROM (SELECT MIN(published_on) AS d FROM notice WHERE agency_id = $1 \
                   UNION ALL SELECT MIN(received_on) FROM request WHERE agency_id = $1) x";
        let d: Option<Date> =
            on_db!(self, p => sqlx::query_scalar(sql).bind(agency_id).fetch_one(p).await?);
        Ok(d.map(|d| d.year()))
    }
}

impl Tx {
    /// Writes a whole agency ledger in the transaction.
    pub async fn insert_ledger(&mut self, agency_id: i64, l: &AgencyLedger) -> Result<(), DbError> {
        // The distinct-bidder summary of the new sections, applied after the rows are written.
        let bidders_summary: crate::summaries::Summary;
        let notice_counts: crate::summaries::NoticeCounts;
        // Sections get their `ocid` as an import gives it: the deployment's prefix, the agency,
        // the project and the section.
        let prefix = self.ocid_prefix().await?;
        let agency_code: String =
            on_tx!(self, c => sqlx::query_scalar("SELECT code FROM agency WHERE id = $1")
            .bind(agency_id).fetch_optional(&mut *c).await?)
            .ok_or_else(|| DbError::UnknownAgency(agency_id.to_string()))?;
        on_tx!(self, conn => {
            // Projects, then sections, then notices, then bidders: each in chunks, ids mapped back by code.
            let mut project_ids: HashMap<&str, i64> = HashMap::new();
            for chunk in l.projects.chunks(CHUNK) {
                let mut q = QueryBuilder::new("INSERT INTO project (agency_id, code, name, category, region) ");
                q.push_values(chunk, |mut b, pr| {
                    b.push_bind(agency_id).push_bind(&pr.code).push_bind(&pr.name).push_bind(pr.category.code()).push_bind(&pr.region);
                });
                q.push(" RETURNING id, code");
                for (id, code) in q.build_query_as::<(i64, String)>().fetch_all(&mut *conn).await? {
                    if let Some(pr) = chunk.iter().find(|pr| pr.code == code) {
                        project_ids.insert(pr.code.as_str(), id);
                    }
                }
            }
            let sections: Vec<(i64, &gongkai_domain::ledger::Project, &gongkai_domain::ledger::Section)> = l
                .projects
                .iter()
                .flat_map(|pr| pr.sections.iter().map(move |s| (pr, s)))
                .map(|(pr, s)| (project_ids.get(pr.code.as_str()).copied().unwrap_or_default(), pr, s))
                .collect();
            // Section codes are unique within their project only: ids are mapped back by both.
            let mut section_ids: HashMap<(i64, &str), i64> = HashMap::new();
            for chunk in sections.chunks(CHUNK) {
                let mut q = QueryBuilder::new("INSERT INTO section (agency_id, project_id, code, name, ocid, completed_on) ");
                q.push_values(chunk, |mut b, (pid, pr, s)| {
                    b.push_bind(agency_id).push_bind(*pid).push_bind(&s.code).push_bind(&s.name)
                        .push_bind(ocid(&prefix, &agency_code, &pr.code, Some(&s.code)))
                        .push_bind(completed_on(pr.category, s));
                });
                q.push(" RETURNING id, project_id, code");
                let by_code: HashMap<(i64, &str), &str> = chunk.iter().map(|(pid, _, s)| ((*pid, s.code.as_str()), s.code.as_str())).collect();
                for (id, pid, code) in q.build_query_as::<(i64, i64, String)>().fetch_all(&mut *conn).await? {
                    if let Some(k) = by_code.get(&(pid, code.as_str())) {
                        section_ids.insert((pid, k), id);
                    }
                }
            }
            let notices: Vec<(i64, Option<i64>, &gongkai_domain::ledger::Notice)> = l
                .notices()
                .map(|(pr, s, n)| {
                    let pid = project_ids.get(pr.code.as_str()).copied().unwrap_or_default();
                    (pid, s.and_then(|s| section_ids.get(&(pid, s.code.as_str())).copied()), n)
                })
                .collect();
            let mut bidders: Vec<(i64, Option<i64>, &gongkai_domain::ledger::Bidder)> = Vec::new();
            for chunk in notices.chunks(CHUNK) {
                let mut q = QueryBuilder::new(
                    "INSERT INTO notice (agency_id, project_id, section_id, notice_no, type, title, published_at, published_on, dates, elements) ",
                );
                q.push_values(chunk, |mut b, (pid, sid, n)| {
                    b.push_bind(agency_id)
                        .push_bind(*pid)
                        .push_bind(*sid)
                        .push_bind(&n.no)
                        .push_bind(n.ntype.code())
                        .push_bind(&n.title)
                        .push_bind(n.published)
                        .push_bind(beijing_date(n.published))
                        .push_bind(Json(&n.dates))
                        .push_bind(Json(&n.elements));
                });
                q.push(" RETURNING id, notice_no");
                let by_no: HashMap<&str, (Option<i64>, &gongkai_domain::ledger::Notice)> = chunk.iter().map(|(_, sid, n)| (n.no.as_str(), (*sid, *n))).collect();
                for (id, no) in q.build_query_as::<(i64, String)>().fetch_all(&mut *conn).await? {
                    if let Some((sid, n)) = by_no.get(no.as_str()) {
                        bidders.extend(n.bidders.iter().map(|b| (id, *sid, b)));
                    }
                }
            }
            // Companies: one row per 统一社会信用代码, ids looked up (or created) in bulk.
            let mut companies: Vec<&gongkai_domain::ledger::Bidder> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for (_, _, b) in &bidders {
                if seen.insert(b.uscc.as_str()) {
                    companies.push(b);
                }
            }
            let mut company_ids: HashMap<String, i64> = HashMap::with_capacity(companies.len());
            for chunk in companies.chunks(CHUNK * 4) {
                let mut q = QueryBuilder::new("INSERT INTO company (uscc, name) ");
                q.push_values(chunk, |mut b, c| {
                    b.push_bind(&c.uscc).push_bind(&c.name);
                });
                q.push(" ON CONFLICT (uscc) DO UPDATE SET uscc = excluded.uscc RETURNING id, uscc");
                for (id, uscc) in q.build_query_as::<(i64, String)>().fetch_all(&mut *conn).await? {
                    company_ids.insert(uscc, id);
                }
            }
            for chunk in bidders.chunks(CHUNK * 4) {
                let mut q = QueryBuilder::new("INSERT INTO bidder (notice_id, section_id, company_id, name, uscc) ");
                q.push_values(chunk, |mut b, (nid, sid, bd)| {
                    let cid = company_ids.get(&bd.uscc).copied().unwrap_or_default();
                    b.push_bind(*nid).push_bind(*sid).push_bind(cid).push_bind(&bd.name).push_bind(&bd.uscc);
                });
                q.build().execute(&mut *conn).await?;
            }
            let opened = notices.iter().filter_map(|(_, sid, n)| Some((((*sid)?), n.ntype, beijing_date(n.published))));
            let named = bidders.iter().filter_map(|(_, sid, b)| Some(((*sid)?, b.uscc.as_str())));
            bidders_summary = crate::summaries::summary_of(opened, named, &company_ids);
            notice_counts = gongkai_domain::trading::notice_years(notices.iter().map(|(_, _, n)| (n.ntype, beijing_date(n.published))));
            for c in &l.channels {
                let id: i64 = sqlx::query_scalar("INSERT INTO channel (agency_id, code, name, kind) VALUES ($1, $2, $3, $4) RETURNING id")
                    .bind(agency_id).bind(&c.code).bind(&c.name).bind(c.kind.code())
                    .fetch_one(&mut *conn).await?;
                for chunk in c.posts.chunks(CHUNK) {
                    let mut q = QueryBuilder::new("INSERT INTO channel_post (channel_id, title, published_on, reads) ");
                    q.push_values(chunk, |mut b, post| {
                        b.push_bind(id).push_bind(&post.title).push_bind(post.published_on).push_bind(post.reads);
                    });
                    q.build().execute(&mut *conn).await?;
                }
            }
            for chunk in l.pushes.chunks(CHUNK) {
                let mut q = QueryBuilder::new("INSERT INTO policy_push (agency_id, policy, pushed_on, recipient) ");
                q.push_values(chunk, |mut b, x| {
                    b.push_bind(agency_id).push_bind(&x.policy).push_bind(x.pushed_on).push_bind(&x.recipient);
                });
                q.build().execute(&mut *conn).await?;
            }
            for chunk in l.loans.chunks(CHUNK) {
                let mut q = QueryBuilder::new("INSERT INTO policy_loan (agency_id, policy, granted_on, borrower, amount_fen) ");
                q.push_values(chunk, |mut b, x| {
                    b.push_bind(agency_id).push_bind(&x.policy).push_bind(x.granted_on).push_bind(&x.borrower).push_bind(x.amount_fen);
                });
                q.build().execute(&mut *conn).await?;
            }
            for chunk in l.items.chunks(CHUNK) {
                let mut q = QueryBuilder::new(
                    "INSERT INTO disclosure_item (agency_id, index_no, title, summary, doc_no, publisher, generated_on, published_on, attr, art20_item, doc_kind, repealed_on, catalogue) ",
                );
                q.push_values(chunk, |mut b, x| {
                    b.push_bind(agency_id).push_bind(&x.index_no).push_bind(&x.title).push_bind(&x.summary).push_bind(&x.doc_no)
                        .push_bind(&x.publisher).push_bind(x.generated_on).push_bind(x.published_on).push_bind(x.attr.code())
                        .push_bind(x.art20_item).push_bind(x.doc_kind.code()).push_bind(x.repealed_on).push_bind(&x.catalogue);
                });
                q.build().execute(&mut *conn).await?;
            }
            for chunk in l.decisions.chunks(CHUNK) {
                let mut q = QueryBuilder::new("INSERT INTO admin_decision (agency_id, kind, decided_on, doc_no) ");
                q.push_values(chunk, |mut b, x| {
                    b.push_bind(agency_id).push_bind(x.kind.code()).push_bind(x.decided_on).push_bind(&x.doc_no);
                });
                q.build().execute(&mut *conn).await?;
            }
            for chunk in l.fees.chunks(CHUNK) {
                let mut q = QueryBuilder::new("INSERT INTO fee_income (agency_id, item, received_on, amount_fen) ");
                q.push_values(chunk, |mut b, x| {
                    b.push_bind(agency_id).push_bind(&x.item).push_bind(x.received_on).push_bind(x.amount_fen);
                });
                q.build().execute(&mut *conn).await?;
            }
            let mut request_ids: HashMap<String, i64> = HashMap::new();
            for chunk in l.requests.chunks(CHUNK) {
                let mut q = QueryBuilder::new(
                    "INSERT INTO request (agency_id, case_no, received_on, channel, applicant_type, subject, closed_on, outcome, withdrawn, fee_fen) ",
                );
                q.push_values(chunk, |mut b, x| {
                    b.push_bind(agency_id).push_bind(&x.case_no).push_bind(x.received_on).push_bind(x.channel.code())
                        .push_bind(x.applicant_type.code()).push_bind(&x.subject).push_bind(x.closed_on)
                        .push_bind(x.outcome.map(|o| o.code())).push_bind(x.withdrawn).push_bind(x.fee_fen);
                });
                q.push(" RETURNING id, case_no");
                for (id, no) in q.build_query_as::<(i64, String)>().fetch_all(&mut *conn).await? {
                    request_ids.insert(no, id);
                }
            }
            for chunk in l.appeals.chunks(CHUNK) {
                let mut q = QueryBuilder::new("INSERT INTO appeal (agency_id, request_id, appeal_no, kind, filed_on, decided_on, result) ");
                q.push_values(chunk, |mut b, x| {
                    let rid = x.case_no.as_ref().and_then(|c| request_ids.get(c).copied());
                    b.push_bind(agency_id).push_bind(rid).push_bind(&x.appeal_no).push_bind(x.kind.code())
                        .push_bind(x.filed_on).push_bind(x.decided_on).push_bind(x.result.map(|r| r.code()));
                });
                q.build().execute(&mut *conn).await?;
            }
        });
        let lineage = self.lineage(agency_id).await?;
        let companies = self
            .apply_bidder_summary(
                &lineage,
                &crate::summaries::Summary::new(),
                &bidders_summary,
            )
            .await?;
        self.apply_trading_year(&lineage, &Default::default(), &notice_counts, &companies)
            .await
    }

    /// Deletes every ledger record and every grant (for `demo --reset`). Users, sessions and the
    /// audit log stay (the audit log is append-only).
    pub async fn clear(&mut self) -> Result<(), DbError> {
        on_tx!(self, c => {
            sqlx::query("DELETE FROM user_grant").execute(&mut *c).await?;
            for t in TABLES_CHILD_FIRST {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t}"))).execute(&mut *c).await?;
                failpoint("clear.after_first_table")?;
            }
        });
        Ok(())
    }

    /// Creates an agency. The code must be new and the parent, if named, must exist.
    pub async fn add_agency(&mut self, a: &NewAgency) -> Result<AgencyRow, DbError> {
        validate_agency(a)?;
        if self.agency(&a.code).await.is_ok() {
            return Err(DbError::Conflict(format!("机构代码“{}”已存在", a.code)));
        }
        let parent_id = match &a.parent {
            Some(code) => Some(self.agency(code).await?.id),
            None => None,
        };
        let sql = "INSERT INTO agency (code, name, parent_id, established) VALUES ($1, $2, $3, $4)";
        on_tx!(self, c => { sqlx::query(sql).bind(&a.code).bind(&a.name).bind(parent_id).bind(a.established).execute(&mut *c).await?; });
        let row = self.agency(&a.code).await?;
        self.note_public_change(row.id, crate::ChangeKind::Site, row.id)
            .await?;
        Ok(row)
    }
}
