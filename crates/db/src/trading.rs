//! Trading notices (contracts.md §3): import with versions and a change log, the check of the
//! time-limit rules, and the public feed.
//!
//! A notice is stored once per agency and id (`notice`, holding its current version and its
//! canonical JSON), every version it ever had in `notice_version` (with its canonical JSON once
//! superseded: a current version's is its notice row's, migration 0009), and every change — a new
//! notice or a correction (更正) — in `notice_change`, whose `seq` only grows: the feed pages
//! through it. An import is one transaction that locks the agency (and, on PostgreSQL, the
//! change log, so that sequence numbers commit in order and a reader paging through the feed
//! never skips one that commits later). The rules themselves are `gongkai_domain::trading`'s.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use gongkai_domain::calendar::Calendar;
use gongkai_domain::codes::{NoticeType, TradingCategory};
use gongkai_domain::ledger::FullProcessRule;
use gongkai_domain::period::beijing_date;
use gongkai_domain::trading::{
    Change, FeedCursor, Notice, RuleConfig, Violation, check_all, check_correction, feed_item,
    notice_years, ocid, sanitize_body,
};
use serde_json::Value;
use sqlx::types::Json;
use time::Date;

use crate::summaries::summary_of;
use crate::tx::failpoint;
use crate::{Db, DbError, Tx, on_db, on_tx};

/// The `ocid` prefix of a deployment that has not set its own (`gongkai serve --ocid-prefix`,
/// stored by [`Db::set_ocid_prefix`]); for demonstrations only.
pub const DEFAULT_OCID_PREFIX: &str = "ocds-gkdemo";

/// Page size of the public feed (contracts.md §6).
pub const FEED_PAGE: i64 = 100;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NoticeImport {
    pub new: usize,
    pub corrected: usize,
    pub unchanged: usize,
    /// The violations of the rules that the imported notices have, in their sections as they
    /// now stand (contracts.md §3.3).
    pub violations: Vec<Violation>,
}

/// One entry of the public feed: a notice version, in change order.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    pub seq: i64,
    /// The feed item (`gongkai_domain::trading::feed_item`, plus `agency`).
    pub item: Value,
    pub notice: Notice,
    pub version: u32,
    pub agency_name: String,
    /// When this version was recorded.
    pub recorded_at: time::OffsetDateTime,
}

/// The entries of an Atom feed's page ([`Db::latest_notices`]).
pub const LATEST_PAGE: i64 = 50;

/// The columns of a feed entry; the statements add their `WHERE` and order.
macro_rules! feed_select {
    () => {
        "SELECT c.seq, a.code, CAST(c.version AS BIGINT), c.change, COALESCE(v.content, n.content), \
         s.ocid, a.name, \
         c.recorded_at FROM notice_change c JOIN agency a ON a.id = c.agency_id \
         JOIN notice_version v ON v.notice_id = c.notice_id AND v.version = c.version \
         JOIN notice n ON n.id = c.notice_id JOIN project p ON p.id = n.project_id \
         LEFT JOIN section s ON s.id = n.section_id "
    };
}

type FeedRow = (
    i64,
    String,
    i64,
    String,
    Json<Value>,
    Option<String>,
    String,
    time::OffsetDateTime,
);

/// A feed row as an entry: a section's `ocid` as stored when it was created; a project's plans
/// and intentions (no section) get the project's, with the deployment's `prefix`.
fn feed_entry(row: FeedRow, prefix: &str) -> Result<FeedEntry, DbError> {
    let (seq, agency, version, change, Json(content), stored, agency_name, recorded_at) = row;
    let n = Notice::from_json(&content)?;
    let id = stored.unwrap_or_else(|| ocid(prefix, &agency, &n.project, None));
    let kind = if change == "correction" {
        Change::Correction
    } else {
        Change::New
    };
    let version = u32::try_from(version).unwrap_or(0);
    let mut item = feed_item(seq, &n, &id, version, kind);
    if let Value::Object(o) = &mut item {
        o.insert("agency".into(), Value::String(agency));
    }
    Ok(FeedEntry {
        seq,
        item,
        notice: n,
        version,
        agency_name,
        recorded_at,
    })
}

/// Parses JSON Lines of notices; an error names the line and the field. Bodies are sanitised.
pub fn parse_notices(text: &str) -> Result<Vec<(usize, Notice)>, DbError> {
    parse_notices_with(text, &mut |_| {})
}

/// [`parse_notices`], telling `progress` the bytes of each line read (for a progress bar).
/// A large text is parsed on every available core, in as many runs of whole lines; the error
/// reported is that of the first bad line, as when parsing line by line.
pub fn parse_notices_with(
    text: &str,
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<(usize, Notice)>, DbError> {
    /// Below this many bytes a text is parsed on one thread.
    const PARALLEL_FROM: usize = 1 << 20;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if threads < 2 || text.len() < PARALLEL_FROM {
        return parse_lines(text, 0, progress);
    }
    // Runs of whole lines of about equal size, each with the number of lines before it.
    let mut runs: Vec<(&str, usize)> = Vec::with_capacity(threads);
    let mut rest = text;
    let mut before = 0;
    for k in (1..=threads).rev() {
        let want = rest.len() / k;
        // A newline byte is never inside a multi-byte character: the split is on a boundary.
        let newline = rest
            .as_bytes()
            .get(want..)
            .and_then(|t| t.iter().position(|b| *b == b'\n'));
        let end = match newline {
            Some(i) if k > 1 => want + i + 1,
            _ => rest.len(),
        };
        let (run, tail) = rest.split_at(end);
        runs.push((run, before));
        before += run.lines().count();
        rest = tail;
    }
    // The first run reports its lines as it goes; each other run, when it is joined.
    let progress = std::cell::RefCell::new(progress);
    let parsed = fan_out(
        &runs,
        |(run, before)| parse_lines(run, *before, &mut |_| {}),
        |(run, before)| parse_lines(run, *before, &mut **progress.borrow_mut()),
        |(run, _), joined| {
            (*progress.borrow_mut())(run.len());
            joined.unwrap_or_else(|_| Err(DbError::Import("解析公告的线程意外退出".into())))
        },
    );
    let mut out = Vec::with_capacity(parsed.iter().map(|r| r.as_ref().map_or(0, Vec::len)).sum());
    for run in parsed {
        out.extend(run?);
    }
    Ok(out)
}

/// The content hash of every notice, computed on every available core for a large import.
fn content_hashes(notices: &[(usize, Notice)]) -> Vec<String> {
    /// Below this many notices the hashes are computed on one thread.
    const PARALLEL_FROM: usize = 10_000;
    let one = |run: &[(usize, Notice)]| -> Vec<String> {
        run.iter().map(|(_, n)| n.content_hash()).collect()
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if threads < 2 || notices.len() < PARALLEL_FROM {
        return one(notices);
    }
    let runs: Vec<&[(usize, Notice)]> = notices.chunks(notices.len().div_ceil(threads)).collect();
    fan_out(
        &runs,
        |run| one(run),
        |run| one(run),
        // A thread that failed (it cannot: hashing does not panic) is done over here.
        |run, joined| joined.unwrap_or_else(|_| one(run)),
    )
    .into_iter()
    .flatten()
    .collect()
}

/// Work split into `runs` on every core: `work` on each run but the first, each on its own
/// scoped thread, while `first` does the first run on this thread; then each thread is joined
/// in order and handed, with its run, to `joined`. The results come in the order of the runs.
fn fan_out<'r, R: Sync, T: Send>(
    runs: &'r [R],
    work: impl Fn(&'r R) -> T + Sync,
    first: impl FnOnce(&'r R) -> T,
    mut joined: impl FnMut(&'r R, std::thread::Result<T>) -> T,
) -> Vec<T> {
    let Some((head, others)) = runs.split_first() else {
        return Vec::new();
    };
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = others
            .iter()
            .map(|run| (run, scope.spawn(move || work(run))))
            .collect();
        let mut out = Vec::with_capacity(runs.len());
        out.push(first(head));
        for (run, h) in handles {
            out.push(joined(run, h.join()));
        }
        out
    })
}

/// The notices of some lines of a text (`before` lines precede them), line by line.
fn parse_lines(
    text: &str,
    before: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<(usize, Notice)>, DbError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        progress(line.len() + 1);
        if line.trim().is_empty() {
            continue;
        }
        let no = before + i + 1;
        let at = |e: gongkai_domain::DomainError| DbError::Import(format!("第 {no} 行：{e}"));
        let mut n = Notice::parse(line).map_err(at)?;
        if let Some(b) = &n.body {
            n.body = Some(sanitize_body(b).map_err(at)?);
        }
        out.push((no, n));
    }
    Ok(out)
}

impl Db {
    /// Imports notices (JSON Lines) into an agency in one transaction: new ids are added,
    /// known ids with the same content change nothing, with other content become a new
    /// version. Any error (line and field named) leaves the database as it was.
    pub async fn import_notices(
        &self,
        agency_code: &str,
        text: &str,
    ) -> Result<NoticeImport, DbError> {
        self.import_parsed(agency_code, &parse_notices(text)?).await
    }

    /// [`Db::import_notices`] of notices already parsed (with their line numbers), under the
    /// agency's rule configuration.
    pub async fn import_parsed(
        &self,
        agency_code: &str,
        notices: &[(usize, Notice)],
    ) -> Result<NoticeImport, DbError> {
        let cal = self.calendar().await?;
        let mut tx = self.begin().await?;
        let agency = tx.agency(agency_code).await?;
        let cfg = tx.rule_config(agency.id).await?;
        let done = tx.import_notices(agency_code, notices, &cal, &cfg).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// The current version of every notice of an agency, in publication order.
    pub async fn notices(&self, agency_code: &str) -> Result<Vec<Notice>, DbError> {
        let agency = self.agency(agency_code).await?;
        let rows: Vec<(Option<Json<Value>>,)> = on_db!(self, p => sqlx::query_as(
            "SELECT content FROM notice WHERE agency_id = $1 AND content IS NOT NULL \
             ORDER BY published_at, id")
            .bind(agency.id).fetch_all(p).await?);
        rows.into_iter()
            .filter_map(|(c,)| c)
            .map(|Json(v)| Notice::from_json(&v).map_err(DbError::from))
            .collect()
    }

    /// The violations of the time-limit rules and required elements among an agency's notices
    /// (`gongkai notices check`).
    pub async fn check_notices(&self, agency_code: &str) -> Result<Vec<Violation>, DbError> {
        let notices = self.notices(agency_code).await?;
        let cal = self.calendar().await?;
        let cfg = self.rule_config(agency_code).await?;
        Ok(check_all(&notices, &cal, &cfg))
    }

    /// Every version of every notice of an agency published in `[from, to]` (Beijing dates;
    /// `None`: unbounded), with its version number and when it was recorded: what an OCDS
    /// export publishes.
    pub async fn notice_versions(
        &self,
        agency_code: &str,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<Vec<(Notice, u32, time::OffsetDateTime)>, DbError> {
        let agency = self.agency(agency_code).await?;
        type Row = (Json<Value>, i64, time::OffsetDateTime);
        let rows: Vec<Row> = on_db!(self, p => sqlx::query_as(
            "SELECT COALESCE(v.content, n.content), CAST(v.version AS BIGINT), v.recorded_at \
             FROM notice_version v \
             JOIN notice n ON n.id = v.notice_id WHERE n.agency_id = $1 ORDER BY v.id")
            .bind(agency.id).fetch_all(p).await?);
        let mut out = Vec::with_capacity(rows.len());
        for (Json(content), version, recorded) in rows {
            let n = Notice::from_json(&content)?;
            let day = n.published_date();
            if from.is_some_and(|f| day < f) || to.is_some_and(|t| day > t) {
                continue;
            }
            out.push((n, u32::try_from(version).unwrap_or(0), recorded));
        }
        Ok(out)
    }

    /// The agency's sections whose required stages are all published, with the date the last
    /// of them was (contracts.md §3.4), by section code.
    pub async fn sections_completed(
        &self,
        agency_code: &str,
    ) -> Result<Vec<(String, Date)>, DbError> {
        let agency = self.agency(agency_code).await?;
        Ok(on_db!(self, p => sqlx::query_as(
            "SELECT code, completed_on FROM section WHERE agency_id = $1 AND completed_on IS NOT NULL              ORDER BY completed_on, code")
            .bind(agency.id).fetch_all(p).await?))
    }

    /// The `ocid` each of the agency's sections was given when it was created, by (project
    /// code, section code).
    pub async fn section_ocids(
        &self,
        agency_code: &str,
    ) -> Result<std::collections::BTreeMap<(String, String), String>, DbError> {
        let agency = self.agency(agency_code).await?;
        let rows: Vec<(String, String, String)> = on_db!(self, p => sqlx::query_as(
            "SELECT p.code, s.code, s.ocid FROM section s JOIN project p ON p.id = s.project_id \
             WHERE s.agency_id = $1")
            .bind(agency.id).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(project, section, ocid)| ((project, section), ocid))
            .collect())
    }

    /// One page of the public feed after `cursor`: every notice version of every agency, in
    /// the order the changes were recorded, and the cursor of the next page (`None` at the end).
    pub async fn notice_feed(
        &self,
        cursor: FeedCursor,
        limit: i64,
    ) -> Result<(Vec<FeedEntry>, Option<FeedCursor>), DbError> {
        let limit = limit.clamp(1, FEED_PAGE);
        let rows: Vec<FeedRow> = on_db!(self, p => sqlx::query_as(
            concat!(feed_select!(), "WHERE c.seq > $1 ORDER BY c.seq LIMIT $2"))
            .bind(cursor.after).bind(limit + 1).fetch_all(p).await?);
        let more = rows.len() as i64 > limit;
        let prefix = self.ocid_prefix().await?;
        let out = rows
            .into_iter()
            .take(limit as usize)
            .map(|r| feed_entry(r, &prefix))
            .collect::<Result<Vec<_>, _>>()?;
        let next = match out.last() {
            Some(last) if more => Some(FeedCursor { after: last.seq }),
            _ => None,
        };
        Ok((out, next))
    }

    /// The newest published notice versions, newest first (at most `limit`, capped at
    /// [`LATEST_PAGE`] + 1 so that a caller can ask for one more to learn whether a next page
    /// exists), of one category or (`None`) of all, and (with `before`) only those changed before
    /// that sequence number: what the Atom feeds show, page by page (RFC 5005 §3). A page below
    /// a given sequence number never changes, the change log only growing at its end.
    pub async fn latest_notices(
        &self,
        category: Option<TradingCategory>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<FeedEntry>, DbError> {
        let code = category.map_or("", |c| c.code());
        let rows: Vec<FeedRow> = on_db!(self, p => sqlx::query_as(
            concat!(feed_select!(), "WHERE ($1 = '' OR p.category = $1) AND c.seq < $2 \
                ORDER BY c.seq DESC LIMIT $3"))
            .bind(code).bind(before.unwrap_or(i64::MAX))
            .bind(limit.clamp(1, LATEST_PAGE + 1)).fetch_all(p).await?);
        let prefix = self.ocid_prefix().await?;
        rows.into_iter().map(|r| feed_entry(r, &prefix)).collect()
    }

    /// One entry of the feed by its sequence number (`None`: no such change).
    pub async fn feed_entry(&self, seq: i64) -> Result<Option<FeedEntry>, DbError> {
        let row: Option<FeedRow> = on_db!(self, p => sqlx::query_as(
            concat!(feed_select!(), "WHERE c.seq = $1"))
            .bind(seq).fetch_optional(p).await?);
        let prefix = self.ocid_prefix().await?;
        row.map(|r| feed_entry(r, &prefix)).transpose()
    }
}

/// A notice as the import sees it: its row id (none yet for a notice new in this import), its
/// version and (for notices imported as JSON) content: as stored, or a line of the import.
struct Stored<'a> {
    id: Option<i64>,
    version: i64,
    notice: Option<Cow<'a, Notice>>,
}

/// One version written by an import, in file order (the change log's order).
struct Written<'a> {
    notice: &'a Notice,
    version: i64,
    kind: &'static str,
    hash: String,
}

/// Rows per multi-row statement (within both backends' bind-parameter limits).
const CHUNK: usize = 1000;

impl Tx {
    /// Imports parsed notices (with their line numbers) into an agency: see
    /// [`Db::import_notices`]. Decided in memory notice by notice (so a file may correct its
    /// own earlier lines), then written in multi-row statements. Violations are those of the
    /// imported notices within their sections as they stand after the import.
    pub async fn import_notices(
        &mut self,
        agency_code: &str,
        notices: &[(usize, Notice)],
        cal: &Calendar,
        cfg: &RuleConfig,
    ) -> Result<NoticeImport, DbError> {
        let agency = self.lock_agency(agency_code).await?;
        if let Tx::Pg(t) = self {
            // The change log is written in sequence order, one importer at a time.
            sqlx::query("SELECT pg_advisory_xact_lock(7300001)")
                .execute(&mut **t)
                .await?;
        }
        let change_head = self.notice_change_head().await?;
        let at =
            |no: usize, e: gongkai_domain::DomainError| DbError::Import(format!("第 {no} 行：{e}"));
        let mut state = self.stored(agency.id, notices).await?;

        // 1. Decide, line by line.
        let mut done = NoticeImport::default();
        let mut written: Vec<Written> = Vec::with_capacity(notices.len());
        let mut changed: Vec<&str> = Vec::with_capacity(notices.len());
        let mut changed_set: HashSet<&str> = HashSet::with_capacity(notices.len());
        let mut first_line: HashMap<&str, usize> = HashMap::new();
        let hashes = content_hashes(notices);
        for ((no, n), hash) in notices.iter().zip(hashes) {
            let before = state.get(&n.id);
            let change = match before {
                None => Change::New,
                Some(Stored { notice: None, .. }) => Change::Correction,
                Some(Stored {
                    notice: Some(s), ..
                }) => {
                    let c = Change::of(Some(&**s), n);
                    if c == Change::Correction {
                        check_correction(s, n).map_err(|e| at(*no, e))?;
                    }
                    c
                }
            };
            if change == Change::Unchanged {
                done.unchanged += 1;
                continue;
            }
            let (id, version) = match before {
                None => {
                    done.new += 1;
                    changed.push(&n.id);
                    changed_set.insert(&n.id);
                    (None, 1)
                }
                Some(s) => {
                    done.corrected += 1;
                    if changed_set.insert(&n.id) {
                        changed.push(&n.id);
                    }
                    (s.id, s.version + 1)
                }
            };
            first_line.entry(&n.project).or_insert(*no);
            written.push(Written {
                notice: n,
                version,
                kind: if version == 1 { "new" } else { "correction" },
                hash,
            });
            state.insert(
                n.id.clone(),
                Stored {
                    id,
                    version,
                    notice: Some(Cow::Borrowed(n)),
                },
            );
        }
        let finals: Vec<(&str, &Stored, &Notice)> = changed
            .iter()
            .filter_map(|id| {
                let s = state.get(*id)?;
                Some((*id, s, &**s.notice.as_ref()?))
            })
            .collect();

        // 2. Projects and sections, created on first sight.
        let (projects, new_projects) = self.projects(agency.id, &finals, &first_line).await?;
        // A section first seen in this import has no other notices: its completion is known.
        let rule = &cfg.full_process;
        type Stages = (TradingCategory, Vec<(NoticeType, Date)>);
        let mut stages: HashMap<(&str, &str), Stages> = HashMap::new();
        for (_, _, n) in &finals {
            if let Some(code) = &n.section {
                stages
                    .entry((n.project.as_str(), code.as_str()))
                    .or_insert_with(|| (n.category, Vec::new()))
                    .1
                    .push((n.ntype, beijing_date(n.published)));
            }
        }
        let completion: HashMap<(&str, &str), Option<Date>> = stages
            .iter()
            .map(|(k, (cat, st))| (*k, rule.completed_on(*cat, st)))
            .collect();
        let prefix = self.ocid_prefix().await?;
        let (sections, new_sections) = self
            .sections(
                (agency.id, &agency.code, &prefix),
                &finals,
                &projects,
                &completion,
            )
            .await?;
        let place = |n: &Notice| -> (i64, Option<i64>) {
            let pid = projects.get(&n.project).copied().unwrap_or_default();
            let sid = n
                .section
                .as_ref()
                .and_then(|c| sections.get(&(pid, c.clone())).copied());
            (pid, sid)
        };

        // The sections that existed before and that this import touches, with the summary of
        // distinct bidders they contribute before the change (a correction of a row without
        // stored content may move its notice: its previous section counts as touched).
        let mut old_sections: Vec<i64> = finals
            .iter()
            .filter_map(|(_, _, n)| place(n).1)
            .filter(|id| !new_sections.contains(id))
            .collect();
        let corrected: Vec<i64> = finals.iter().filter_map(|(_, s, _)| s.id).collect();
        let previous = self.notice_rows(&corrected).await?;
        old_sections.extend(previous.iter().filter_map(|(s, _, _)| *s));
        old_sections.sort_unstable();
        old_sections.dedup();
        let bidders_before = self.bidder_summary(&old_sections).await?;
        let notices_before = notice_years(previous.iter().map(|(_, t, d)| (*t, *d)));
        let notices_after = notice_years(
            finals
                .iter()
                .map(|(_, _, n)| (n.ntype, beijing_date(n.published))),
        );

        // 3. The notices' current rows, with the content of their current version (hash as
        // computed for the last version written).
        let latest: HashMap<&str, &str> = written
            .iter()
            .map(|w| (w.notice.id.as_str(), w.hash.as_str()))
            .collect();
        let content = |n: &Notice| -> (Value, String) {
            let hash = latest
                .get(n.id.as_str())
                .map_or_else(|| n.content_hash(), |h| (*h).to_string());
            (n.to_json(), hash)
        };
        let mut ids: HashMap<String, i64> = HashMap::with_capacity(finals.len());
        // A correction supersedes the stored current version: its content moves from the notice
        // row into its version row (NULL while current; migration 0009) before the row changes.
        let superseded: Vec<i64> = finals.iter().filter_map(|(_, s, _)| s.id).collect();
        for chunk in superseded.chunks(CHUNK) {
            on_tx!(self, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "UPDATE notice_version SET content = (SELECT n.content FROM notice n \
                     WHERE n.id = notice_version.notice_id) WHERE content IS NULL AND notice_id IN (");
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                sep.push_unseparated(")");
                q.build().execute(&mut *c).await?;
            });
        }
        let fresh: Vec<&(&str, &Stored, &Notice)> =
            finals.iter().filter(|(_, s, _)| s.id.is_none()).collect();
        // Each statement's rows are bound (the JSON serialised) while the database runs the
        // previous one.
        on_tx!(self, c => {
            let build = |chunk: &[&(&str, &Stored, &Notice)]| {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO notice (agency_id, project_id, section_id, notice_no, type, title, \
                     published_at, published_on, dates, elements, body, version, content, content_hash) ");
                q.push_values(chunk, |mut b, (_, st, n)| {
                    let (pid, sid) = place(n);
                    b.push_bind(agency.id).push_bind(pid).push_bind(sid).push_bind(n.id.clone())
                        .push_bind(n.ntype.code()).push_bind(n.title.clone()).push_bind(n.published)
                        .push_bind(beijing_date(n.published)).push_bind(Json(dates_of(n)))
                        .push_bind(Json(n.elements.clone())).push_bind(n.body.clone())
                        .push_bind(st.version);
                    let (c, h) = content(n);
                    b.push_bind(Json(c)).push_bind(h);
                });
                q.push(" RETURNING id, notice_no");
                q
            };
            let mut chunks = fresh.chunks(CHUNK);
            let mut next = chunks.next().map(build);
            while let Some(mut q) = next.take() {
                let (rows, following) = tokio::join!(
                    q.build_query_as::<(i64, String)>().fetch_all(&mut *c),
                    async { chunks.next().map(build) }
                );
                ids.extend(rows?.into_iter().map(|(id, no)| (no, id)));
                next = following;
            }
        });
        for (key, st, n) in finals.iter().filter(|(_, s, _)| s.id.is_some()) {
            let id = st.id.unwrap_or_default();
            let (pid, sid) = place(n);
            let (body, hash) = content(n);
            on_tx!(self, c => {
                sqlx::query(
                    "UPDATE notice SET project_id = $1, section_id = $2, type = $3, title = $4, \
                     published_at = $5, published_on = $6, dates = $7, elements = $8, body = $9, \
                     version = $10, content = $11, content_hash = $12 WHERE id = $13")
                    .bind(pid).bind(sid).bind(n.ntype.code()).bind(&n.title)
                    .bind(n.published).bind(beijing_date(n.published)).bind(Json(dates_of(n)))
                    .bind(Json(&n.elements)).bind(&n.body).bind(st.version)
                    .bind(Json(&body)).bind(&hash).bind(id)
                    .execute(&mut *c).await?;
                sqlx::query("DELETE FROM bidder WHERE notice_id = $1")
                    .bind(id).execute(&mut *c).await?;
            });
            ids.insert((*key).to_string(), id);
        }
        if !finals.is_empty() {
            failpoint("notices.after_first_notice")?;
        }

        // 4. Bidders, with one company row per 统一社会信用代码.
        let bidders: Vec<(i64, Option<i64>, &gongkai_domain::trading::Bidder)> = finals
            .iter()
            .flat_map(|(key, _, n)| {
                let nid = ids.get(*key).copied().unwrap_or_default();
                let sid = place(n).1;
                n.bidders.iter().map(move |b| (nid, sid, b))
            })
            .collect();
        let mut seen = HashSet::new();
        let companies: Vec<&gongkai_domain::trading::Bidder> = bidders
            .iter()
            .map(|(_, _, b)| *b)
            .filter(|b| seen.insert(b.uscc.as_str()))
            .collect();
        let mut company_ids: HashMap<String, i64> = HashMap::new();
        for chunk in companies.chunks(CHUNK) {
            let rows: Vec<(i64, String)> = on_tx!(self, c => {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO company (uscc, name) ");
                q.push_values(chunk, |mut b, x| {
                    b.push_bind(x.uscc.clone()).push_bind(x.name.clone());
                });
                q.push(" ON CONFLICT (uscc) DO UPDATE SET uscc = excluded.uscc RETURNING id, uscc");
                q.build_query_as().fetch_all(&mut *c).await?
            });
            company_ids.extend(rows.into_iter().map(|(id, u)| (u, id)));
        }
        on_tx!(self, c => {
            let build = |chunk: &[(i64, Option<i64>, &gongkai_domain::trading::Bidder)]| {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO bidder (notice_id, section_id, company_id, name, uscc) ");
                q.push_values(chunk, |mut b, (nid, sid, x)| {
                    let cid = company_ids.get(&x.uscc).copied().unwrap_or_default();
                    b.push_bind(*nid).push_bind(*sid).push_bind(cid).push_bind(x.name.clone())
                        .push_bind(x.uscc.clone());
                });
                q
            };
            let mut chunks = bidders.chunks(CHUNK);
            let mut next = chunks.next().map(build);
            while let Some(mut q) = next.take() {
                let (done, following) =
                    tokio::join!(q.build().execute(&mut *c), async { chunks.next().map(build) });
                done?;
                next = following;
            }
        });

        // The distinct-bidder summary of the touched sections after the change: new sections
        // from memory (they have no other notices), the others from the database.
        let mut bidders_after = self.bidder_summary(&old_sections).await?;
        let fresh_sections = finals
            .iter()
            .filter_map(|(_, _, n)| Some((place(n).1?, n)))
            .filter(|(sid, _)| new_sections.contains(sid));
        let (opened, named): (Vec<_>, Vec<_>) = fresh_sections
            .map(|(sid, n)| {
                let named: Vec<(i64, &str)> =
                    n.bidders.iter().map(|b| (sid, b.uscc.as_str())).collect();
                ((sid, n.ntype, beijing_date(n.published)), named)
            })
            .unzip();
        let fresh = summary_of(opened, named.into_iter().flatten(), &company_ids);
        for (k, v) in fresh {
            *bidders_after.entry(k).or_default() += v;
        }
        let lineage = self.lineage(agency.id).await?;
        let companies = self
            .apply_bidder_summary(&lineage, &bidders_before, &bidders_after)
            .await?;
        self.apply_trading_year(&lineage, &notices_before, &notices_after, &companies)
            .await?;

        // 5. Every version, and the change log in file order. A notice's current version keeps
        // its content in the notice row only; a version a later line of the file supersedes
        // has its own.
        let current = |w: &Written| {
            state
                .get(w.notice.id.as_str())
                .is_some_and(|s| s.version == w.version)
        };
        on_tx!(self, c => {
            // Per chunk, the versions, then the changes: the next statement is bound while the
            // database runs the current one.
            let build = |k: usize| {
                let chunk = written.get(k / 2 * CHUNK..).unwrap_or_default();
                let chunk = chunk.get(..CHUNK).unwrap_or(chunk);
                if chunk.is_empty() {
                    return None;
                }
                let q = if k.is_multiple_of(2) {
                    let mut q = sqlx::QueryBuilder::new(
                        "INSERT INTO notice_version (notice_id, version, content, content_hash) ");
                    q.push_values(chunk, |mut b, w| {
                        let content = (!current(w)).then(|| Json(w.notice.to_json()));
                        b.push_bind(ids.get(w.notice.id.as_str()).copied().unwrap_or_default())
                            .push_bind(w.version).push_bind(content).push_bind(w.hash.clone());
                    });
                    q
                } else {
                    let mut q = sqlx::QueryBuilder::new(
                        "INSERT INTO notice_change (agency_id, notice_id, version, change) ");
                    q.push_values(chunk, |mut b, w| {
                        b.push_bind(agency.id)
                            .push_bind(ids.get(w.notice.id.as_str()).copied().unwrap_or_default())
                            .push_bind(w.version).push_bind(w.kind);
                    });
                    q
                };
                Some(q)
            };
            let mut k = 0;
            let mut next = build(k);
            while let Some(mut q) = next.take() {
                k += 1;
                let (done, following) =
                    tokio::join!(q.build().execute(&mut *c), async { build(k) });
                done?;
                next = following;
            }
        });

        self.note_notice_changes(agency.id, change_head).await?;

        // 6. Sections' completion and the rules, on the touched sections as they now stand:
        // the imported notices from memory, the others of sections and projects that existed
        // before from the database.
        let mut old_projects: Vec<i64> = finals
            .iter()
            .filter(|(_, _, n)| n.section.is_none())
            .map(|(_, _, n)| place(n).0)
            .filter(|id| !new_projects.contains(id))
            .collect();
        old_projects.sort_unstable();
        old_projects.dedup();
        self.update_completion(&old_sections, &cfg.full_process)
            .await?;
        let imported = changed_set;
        let stored_around = self.around(&old_sections, &old_projects).await?;
        let mut around: Vec<&Notice> = stored_around
            .iter()
            .filter(|n| !imported.contains(n.id.as_str()))
            .collect();
        around.extend(finals.iter().map(|(_, _, n)| *n));
        done.violations = check_all(&around, cal, cfg)
            .into_iter()
            .filter(|v| imported.contains(v.notice.as_str()))
            .collect();
        Ok(done)
    }

    /// The stored rows of the notice ids an import names.
    async fn stored(
        &mut self,
        agency_id: i64,
        notices: &[(usize, Notice)],
    ) -> Result<HashMap<String, Stored<'static>>, DbError> {
        let mut wanted: Vec<&str> = notices.iter().map(|(_, n)| n.id.as_str()).collect();
        wanted.sort_unstable();
        wanted.dedup();
        type Row = (i64, String, i64, Option<Json<Value>>);
        let mut rows: Vec<Row> = Vec::new();
        on_tx!(self, c => {
            for chunk in wanted.chunks(CHUNK) {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT id, notice_no, CAST(version AS BIGINT), content FROM notice WHERE agency_id = ",
                );
                q.push_bind(agency_id).push(" AND notice_no IN (");
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                sep.push_unseparated(")");
                rows.extend(q.build_query_as::<Row>().fetch_all(&mut *c).await?);
            }
        });
        let mut out = HashMap::with_capacity(rows.len());
        for (id, no, version, content) in rows {
            let notice = match content {
                Some(Json(v)) => Some(Cow::Owned(Notice::from_json(&v)?)),
                None => None,
            };
            out.insert(
                no,
                Stored {
                    id: Some(id),
                    version,
                    notice,
                },
            );
        }
        Ok(out)
    }

    /// The ids of the projects of `finals` by code, created on first sight; a project's
    /// category cannot change.
    async fn projects(
        &mut self,
        agency_id: i64,
        finals: &[(&str, &Stored<'_>, &Notice)],
        first_line: &HashMap<&str, usize>,
    ) -> Result<(HashMap<String, i64>, HashSet<i64>), DbError> {
        let mut wanted: Vec<&Notice> = Vec::new();
        let mut seen = HashSet::new();
        for (_, _, n) in finals {
            if seen.insert(n.project.as_str()) {
                wanted.push(n);
            }
        }
        let mut out = HashMap::new();
        let mut created = HashSet::new();
        let mut missing = Vec::new();
        for chunk in wanted.chunks(CHUNK) {
            let rows: Vec<(i64, String, String)> = on_tx!(self, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT id, code, category FROM project WHERE agency_id = ");
                q.push_bind(agency_id).push(" AND code IN (");
                let mut sep = q.separated(", ");
                for n in chunk {
                    sep.push_bind(n.project.clone());
                }
                sep.push_unseparated(")");
                q.build_query_as().fetch_all(&mut *c).await?
            });
            let found: HashMap<String, (i64, String)> = rows
                .into_iter()
                .map(|(id, code, cat)| (code, (id, cat)))
                .collect();
            for n in chunk {
                match found.get(&n.project) {
                    Some((id, cat)) if cat == n.category.code() => {
                        out.insert(n.project.clone(), *id);
                    }
                    Some((_, cat)) => {
                        let no = first_line
                            .get(n.project.as_str())
                            .copied()
                            .unwrap_or_default();
                        return Err(DbError::Import(format!(
                            "第 {no} 行：{}",
                            gongkai_domain::DomainError::invalid(
                                "category",
                                format!(
                                    "项目“{}”已登记为“{cat}”，同一项目的公告类别应一致",
                                    n.project
                                ),
                            )
                        )));
                    }
                    None => missing.push(*n),
                }
            }
        }
        for chunk in missing.chunks(CHUNK) {
            let rows: Vec<(i64, String)> = on_tx!(self, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO project (agency_id, code, name, category) ");
                q.push_values(chunk, |mut b, n| {
                    b.push_bind(agency_id).push_bind(n.project.clone())
                        .push_bind(n.project_name.clone()).push_bind(n.category.code());
                });
                q.push(" RETURNING id, code");
                q.build_query_as().fetch_all(&mut *c).await?
            });
            created.extend(rows.iter().map(|(id, _)| *id));
            out.extend(rows.into_iter().map(|(id, code)| (code, id)));
        }
        Ok((out, created))
    }

    /// The ids of the sections of `finals` by (project id, code), created on first sight with
    /// their `ocid` (made with the deployment's prefix, then never changed).
    async fn sections(
        &mut self,
        (agency_id, agency_code, prefix): (i64, &str, &str),
        finals: &[(&str, &Stored<'_>, &Notice)],
        projects: &HashMap<String, i64>,
        completion: &HashMap<(&str, &str), Option<Date>>,
    ) -> Result<(HashMap<(i64, String), i64>, HashSet<i64>), DbError> {
        let mut wanted: Vec<(i64, &Notice, &String)> = Vec::new();
        let mut seen = HashSet::new();
        for (_, _, n) in finals {
            if let Some(code) = &n.section {
                let pid = projects.get(&n.project).copied().unwrap_or_default();
                if seen.insert((pid, code.as_str())) {
                    wanted.push((pid, n, code));
                }
            }
        }
        let mut pids: Vec<i64> = wanted.iter().map(|(p, _, _)| *p).collect();
        pids.sort_unstable();
        pids.dedup();
        let mut out: HashMap<(i64, String), i64> = HashMap::new();
        let mut created = HashSet::new();
        for chunk in pids.chunks(CHUNK) {
            let rows: Vec<(i64, i64, String)> = on_tx!(self, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT id, project_id, code FROM section WHERE agency_id = ");
                q.push_bind(agency_id).push(" AND project_id IN (");
                let mut sep = q.separated(", ");
                for p in chunk {
                    sep.push_bind(*p);
                }
                sep.push_unseparated(")");
                q.build_query_as().fetch_all(&mut *c).await?
            });
            out.extend(rows.into_iter().map(|(id, p, code)| ((p, code), id)));
        }
        let missing: Vec<&(i64, &Notice, &String)> = wanted
            .iter()
            .filter(|(p, _, code)| !out.contains_key(&(*p, (*code).clone())))
            .collect();
        for chunk in missing.chunks(CHUNK) {
            let rows: Vec<(i64, i64, String)> = on_tx!(self, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO section (agency_id, project_id, code, name, ocid, completed_on) ");
                q.push_values(chunk, |mut b, (pid, n, code)| {
                    let done = completion
                        .get(&(n.project.as_str(), code.as_str()))
                        .copied()
                        .flatten();
                    b.push_bind(agency_id).push_bind(*pid).push_bind((*code).clone())
                        .push_bind(n.section_name.clone().unwrap_or_else(|| (*code).clone()))
                        .push_bind(ocid(prefix, agency_code, &n.project, Some(code)))
                        .push_bind(done);
                });
                q.push(" RETURNING id, project_id, code");
                q.build_query_as().fetch_all(&mut *c).await?
            });
            created.extend(rows.iter().map(|(id, _, _)| *id));
            out.extend(rows.into_iter().map(|(id, p, code)| ((p, code), id)));
        }
        Ok((out, created))
    }

    /// The current notices of some sections and of some projects' section-less notices.
    async fn around(
        &mut self,
        sections: &[i64],
        plan_projects: &[i64],
    ) -> Result<Vec<Notice>, DbError> {
        let mut rows: Vec<(Json<Value>,)> = Vec::new();
        for (ids, sql) in [
            (
                sections,
                "SELECT content FROM notice WHERE content IS NOT NULL AND section_id IN (",
            ),
            (
                plan_projects,
                "SELECT content FROM notice WHERE content IS NOT NULL AND section_id IS NULL AND project_id IN (",
            ),
        ] {
            for chunk in ids.chunks(CHUNK) {
                on_tx!(self, c => {
                    let mut q = sqlx::QueryBuilder::new(sql);
                    let mut sep = q.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    sep.push_unseparated(")");
                    rows.extend(q.build_query_as::<(Json<Value>,)>().fetch_all(&mut *c).await?);
                });
            }
        }
        rows.into_iter()
            .map(|(Json(v),)| Notice::from_json(&v).map_err(DbError::from))
            .collect()
    }

    /// Keeps `section.completed_on` (contracts.md §3.4) true after a write of the sections'
    /// notices.
    pub(crate) async fn update_completion(
        &mut self,
        sections: &[i64],
        rule: &FullProcessRule,
    ) -> Result<(), DbError> {
        type Row = (i64, String, Option<Date>, String, Date);
        let mut rows: Vec<Row> = Vec::new();
        for chunk in sections.chunks(CHUNK) {
            on_tx!(self, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT s.id, p.category, s.completed_on, n.type, n.published_on FROM section s \
                     JOIN project p ON p.id = s.project_id JOIN notice n ON n.section_id = s.id \
                     WHERE s.id IN (");
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                sep.push_unseparated(")");
                rows.extend(q.build_query_as::<Row>().fetch_all(&mut *c).await?);
            });
        }
        type Stages = (String, Option<Date>, Vec<(NoticeType, Date)>);
        let mut by_section: HashMap<i64, Stages> = HashMap::new();
        for (id, category, before, t, day) in rows {
            let e = by_section
                .entry(id)
                .or_insert_with(|| (category, before, Vec::new()));
            if let Ok(t) = NoticeType::from_code(&t) {
                e.2.push((t, day));
            }
        }
        for (id, (category, before, stages)) in by_section {
            let category = TradingCategory::from_code(&category)?;
            let now = rule.completed_on(category, &stages);
            if now != before {
                on_tx!(self, c => {
                    sqlx::query("UPDATE section SET completed_on = $1 WHERE id = $2")
                        .bind(now).bind(id).execute(&mut *c).await?;
                });
            }
        }
        Ok(())
    }
}

/// A notice's `dates` as stored in the `dates` column (the wire form).
pub(crate) fn dates_of(n: &Notice) -> serde_json::Map<String, Value> {
    n.dates
        .iter()
        .map(|(k, v)| (k.code().to_string(), Value::String(v.to_wire())))
        .collect()
}
