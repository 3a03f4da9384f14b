//! Trading notices (contracts.md §3): import with versions and a change log, the check of the
//! time-limit rules, and the public feed.
//!
//! A notice is stored once per agency and id (`notice`, holding its current version and its
//! canonical JSON), every version it ever had in `notice_version`, and every change — a new
//! notice or a correction (更正) — in `notice_change`, whose `seq` only grows: the feed pages
//! through it. An import is one transaction that locks the agency (and, on PostgreSQL, the
//! change log, so that sequence numbers commit in order and a reader paging through the feed
//! never skips one that commits later). The rules themselves are `gongkai_domain::trading`'s.

use std::collections::{HashMap, HashSet};

use gongkai_domain::calendar::Calendar;
use gongkai_domain::ledger::FullProcessRule;
use gongkai_domain::period::beijing_date;
use gongkai_domain::trading::{
    Change, FeedCursor, Notice, RuleConfig, Violation, check_all, check_correction, feed_item,
    ocid, sanitize_body,
};
use serde_json::Value;
use sqlx::types::Json;
use time::Date;

use crate::tx::failpoint;
use crate::{Db, DbError, Tx, on_db, on_tx};

/// The `ocid` prefix of this deployment's OCDS identifiers (contracts.md §3; configurable on
/// export).
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
    pub item: Value,
}

/// Parses JSON Lines of notices; an error names the line and the field. Bodies are sanitised.
pub fn parse_notices(text: &str) -> Result<Vec<(usize, Notice)>, DbError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |e: gongkai_domain::DomainError| DbError::Import(format!("第 {} 行：{e}", i + 1));
        let mut n = Notice::parse(line).map_err(at)?;
        if let Some(b) = &n.body {
            n.body = Some(sanitize_body(b).map_err(at)?);
        }
        out.push((i + 1, n));
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
        let notices = parse_notices(text)?;
        let cal = self.calendar().await?;
        let mut tx = self.begin().await?;
        let done = tx
            .import_notices(agency_code, &notices, &cal, &RuleConfig::default())
            .await?;
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
        Ok(check_all(&notices, &cal, &RuleConfig::default()))
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
            "SELECT v.content, CAST(v.version AS BIGINT), v.recorded_at FROM notice_version v \
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

    /// One page of the public feed after `cursor`: every notice version of every agency, in
    /// the order the changes were recorded, and the cursor of the next page (`None` at the end).
    pub async fn notice_feed(
        &self,
        cursor: FeedCursor,
        limit: i64,
    ) -> Result<(Vec<FeedEntry>, Option<FeedCursor>), DbError> {
        type Row = (i64, String, i64, String, Json<Value>);
        let rows: Vec<Row> = on_db!(self, p => sqlx::query_as(
            "SELECT c.seq, a.code, CAST(c.version AS BIGINT), c.change, v.content \
             FROM notice_change c JOIN agency a ON a.id = c.agency_id \
             JOIN notice_version v ON v.notice_id = c.notice_id AND v.version = c.version \
             WHERE c.seq > $1 ORDER BY c.seq LIMIT $2")
            .bind(cursor.after).bind(limit.clamp(1, FEED_PAGE) + 1).fetch_all(p).await?);
        let more = rows.len() as i64 > limit.clamp(1, FEED_PAGE);
        let mut out = Vec::with_capacity(rows.len());
        for (seq, agency, version, change, Json(content)) in
            rows.into_iter().take(limit.clamp(1, FEED_PAGE) as usize)
        {
            let n = Notice::from_json(&content)?;
            let id = ocid(
                DEFAULT_OCID_PREFIX,
                &agency,
                &n.project,
                n.section.as_deref(),
            );
            let kind = if change == "correction" {
                Change::Correction
            } else {
                Change::New
            };
            let mut item = feed_item(seq, &n, &id, u32::try_from(version).unwrap_or(0), kind);
            if let Value::Object(o) = &mut item {
                o.insert("agency".into(), Value::String(agency));
            }
            out.push(FeedEntry { seq, item });
        }
        let next = match out.last() {
            Some(last) if more => Some(FeedCursor { after: last.seq }),
            _ => None,
        };
        Ok((out, next))
    }
}

/// A notice as stored: its row id, version and (for notices imported as JSON) content.
struct Stored {
    id: i64,
    version: i64,
    notice: Option<Notice>,
}

impl Tx {
    /// Imports parsed notices (with their line numbers) into an agency: see
    /// [`Db::import_notices`]. Violations are those of the imported notices within their
    /// sections as they stand after the import.
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
        let at =
            |no: usize, e: gongkai_domain::DomainError| DbError::Import(format!("第 {no} 行：{e}"));
        let mut stored: HashMap<String, Stored> = HashMap::new();
        let mut wanted: Vec<&str> = notices.iter().map(|(_, n)| n.id.as_str()).collect();
        wanted.sort_unstable();
        wanted.dedup();
        type Row = (i64, String, i64, Option<Json<Value>>);
        let mut rows: Vec<Row> = Vec::new();
        on_tx!(self, c => {
            for chunk in wanted.chunks(500) {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT id, notice_no, CAST(version AS BIGINT), content FROM notice WHERE agency_id = ",
                );
                q.push_bind(agency.id).push(" AND notice_no IN (");
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                sep.push_unseparated(")");
                rows.extend(q.build_query_as::<Row>().fetch_all(&mut *c).await?);
            }
        });
        for (id, no, version, content) in rows {
            let notice = match content {
                Some(Json(v)) => Some(Notice::from_json(&v)?),
                None => None,
            };
            stored.insert(
                no,
                Stored {
                    id,
                    version,
                    notice,
                },
            );
        }
        let mut done = NoticeImport::default();
        let mut touched: HashSet<(String, Option<String>)> = HashSet::new();
        let mut imported: HashSet<String> = HashSet::new();
        let mut projects: HashMap<String, i64> = HashMap::new();
        let mut sections: HashMap<(i64, String), i64> = HashMap::new();
        for (no, n) in notices {
            let before = stored.get(&n.id);
            let change = match before {
                Some(Stored { notice: None, .. }) => Change::Correction,
                Some(Stored {
                    notice: Some(s), ..
                }) => Change::of(Some(s), n),
                None => Change::New,
            };
            if let Some(Stored {
                notice: Some(s), ..
            }) = before
                && change == Change::Correction
            {
                check_correction(s, n).map_err(|e| at(*no, e))?;
            }
            if change == Change::Unchanged {
                done.unchanged += 1;
                continue;
            }
            let project_id = match projects.get(&n.project) {
                Some(id) => *id,
                None => {
                    let id = self.project_id(agency.id, n).await.map_err(|e| match e {
                        DbError::Domain(d) => at(*no, d),
                        other => other,
                    })?;
                    projects.insert(n.project.clone(), id);
                    id
                }
            };
            let section_id = match &n.section {
                None => None,
                Some(code) => match sections.get(&(project_id, code.clone())) {
                    Some(id) => Some(*id),
                    None => {
                        let id = self
                            .section_id(agency.id, &agency.code, project_id, n, code)
                            .await?;
                        sections.insert((project_id, code.clone()), id);
                        Some(id)
                    }
                },
            };
            let content = n.to_json();
            let hash = n.content_hash();
            let published_on = beijing_date(n.published);
            let dates: serde_json::Map<String, Value> = n
                .dates
                .iter()
                .map(|(k, v)| (k.code().to_string(), Value::String(v.to_wire())))
                .collect();
            let (notice_id, version) = match before {
                None => {
                    let id: i64 = on_tx!(self, c => sqlx::query_scalar(
                        "INSERT INTO notice (agency_id, project_id, section_id, notice_no, type, title, \
                         published_at, published_on, dates, elements, body, version, content, content_hash) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13) RETURNING id")
                        .bind(agency.id).bind(project_id).bind(section_id).bind(&n.id)
                        .bind(n.ntype.code()).bind(&n.title).bind(n.published).bind(published_on)
                        .bind(Json(&dates)).bind(Json(&n.elements)).bind(&n.body)
                        .bind(Json(&content)).bind(&hash)
                        .fetch_one(&mut *c).await?);
                    done.new += 1;
                    (id, 1)
                }
                Some(s) => {
                    let version = s.version + 1;
                    on_tx!(self, c => {
                        sqlx::query(
                            "UPDATE notice SET project_id = $1, section_id = $2, type = $3, title = $4, \
                             published_at = $5, published_on = $6, dates = $7, elements = $8, body = $9, \
                             version = $10, content = $11, content_hash = $12 WHERE id = $13")
                            .bind(project_id).bind(section_id).bind(n.ntype.code()).bind(&n.title)
                            .bind(n.published).bind(published_on).bind(Json(&dates))
                            .bind(Json(&n.elements)).bind(&n.body).bind(version)
                            .bind(Json(&content)).bind(&hash).bind(s.id)
                            .execute(&mut *c).await?;
                        sqlx::query("DELETE FROM bidder WHERE notice_id = $1")
                            .bind(s.id).execute(&mut *c).await?;
                    });
                    done.corrected += 1;
                    (s.id, version)
                }
            };
            failpoint("notices.after_first_notice")?;
            for b in &n.bidders {
                on_tx!(self, c => {
                    let company: i64 = sqlx::query_scalar(
                        "INSERT INTO company (uscc, name) VALUES ($1, $2) \
                         ON CONFLICT (uscc) DO UPDATE SET uscc = excluded.uscc RETURNING id")
                        .bind(&b.uscc).bind(&b.name).fetch_one(&mut *c).await?;
                    sqlx::query(
                        "INSERT INTO bidder (notice_id, section_id, company_id, name, uscc) \
                         VALUES ($1, $2, $3, $4, $5)")
                        .bind(notice_id).bind(section_id).bind(company).bind(&b.name).bind(&b.uscc)
                        .execute(&mut *c).await?;
                });
            }
            let kind = if change == Change::New {
                "new"
            } else {
                "correction"
            };
            on_tx!(self, c => {
                sqlx::query(
                    "INSERT INTO notice_version (notice_id, version, content, content_hash) \
                     VALUES ($1, $2, $3, $4)")
                    .bind(notice_id).bind(version).bind(Json(&content)).bind(&hash)
                    .execute(&mut *c).await?;
                sqlx::query(
                    "INSERT INTO notice_change (agency_id, notice_id, version, change) \
                     VALUES ($1, $2, $3, $4)")
                    .bind(agency.id).bind(notice_id).bind(version).bind(kind)
                    .execute(&mut *c).await?;
            });
            stored.insert(
                n.id.clone(),
                Stored {
                    id: notice_id,
                    version,
                    notice: Some(n.clone()),
                },
            );
            touched.insert((n.project.clone(), n.section.clone()));
            imported.insert(n.id.clone());
        }
        for (project, section) in &touched {
            if section.is_some() {
                self.update_completion(agency.id, project, section.as_deref())
                    .await?;
            }
        }
        // The rules, on the touched sections as they now stand.
        let mut around: Vec<Notice> = Vec::new();
        for (project, section) in &touched {
            around.extend(
                self.section_notices(agency.id, project, section.as_deref())
                    .await?,
            );
        }
        done.violations = check_all(&around, cal, cfg)
            .into_iter()
            .filter(|v| imported.contains(&v.notice))
            .collect();
        Ok(done)
    }

    /// The project's id, created on first sight; its category cannot change.
    async fn project_id(&mut self, agency_id: i64, n: &Notice) -> Result<i64, DbError> {
        let found: Option<(i64, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT id, category FROM project WHERE agency_id = $1 AND code = $2")
            .bind(agency_id).bind(&n.project).fetch_optional(&mut *c).await?);
        match found {
            Some((id, category)) if category == n.category.code() => Ok(id),
            Some((_, category)) => Err(gongkai_domain::DomainError::invalid(
                "category",
                format!(
                    "项目“{}”已登记为“{category}”，同一项目的公告类别应一致",
                    n.project
                ),
            )
            .into()),
            None => Ok(on_tx!(self, c => sqlx::query_scalar(
                "INSERT INTO project (agency_id, code, name, category) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(agency_id).bind(&n.project).bind(&n.project_name).bind(n.category.code())
                .fetch_one(&mut *c).await?)),
        }
    }

    /// The section's id, created on first sight with its `ocid`.
    async fn section_id(
        &mut self,
        agency_id: i64,
        agency_code: &str,
        project_id: i64,
        n: &Notice,
        code: &str,
    ) -> Result<i64, DbError> {
        let found: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT id FROM section WHERE agency_id = $1 AND project_id = $2 AND code = $3")
            .bind(agency_id).bind(project_id).bind(code).fetch_optional(&mut *c).await?);
        if let Some(id) = found {
            return Ok(id);
        }
        let id = ocid(DEFAULT_OCID_PREFIX, agency_code, &n.project, Some(code));
        let name = n.section_name.clone().unwrap_or_else(|| code.to_string());
        Ok(on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO section (agency_id, project_id, code, name, ocid) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(agency_id).bind(project_id).bind(code).bind(&name).bind(&id)
            .fetch_one(&mut *c).await?))
    }

    /// The current notices of one section (or a project's section-less notices).
    async fn section_notices(
        &mut self,
        agency_id: i64,
        project: &str,
        section: Option<&str>,
    ) -> Result<Vec<Notice>, DbError> {
        let rows: Vec<(Json<Value>,)> = match section {
            Some(code) => on_tx!(self, c => sqlx::query_as(
                "SELECT n.content FROM notice n JOIN section s ON s.id = n.section_id \
                 JOIN project p ON p.id = s.project_id \
                 WHERE n.agency_id = $1 AND p.code = $2 AND s.code = $3 AND n.content IS NOT NULL")
                .bind(agency_id).bind(project).bind(code).fetch_all(&mut *c).await?),
            None => on_tx!(self, c => sqlx::query_as(
                "SELECT n.content FROM notice n JOIN project p ON p.id = n.project_id \
                 WHERE n.agency_id = $1 AND p.code = $2 AND n.section_id IS NULL AND n.content IS NOT NULL")
                .bind(agency_id).bind(project).fetch_all(&mut *c).await?),
        };
        rows.into_iter()
            .map(|(Json(v),)| Notice::from_json(&v).map_err(DbError::from))
            .collect()
    }

    /// Keeps `section.completed_on` (contracts.md §3.4) true after a write of its notices.
    async fn update_completion(
        &mut self,
        agency_id: i64,
        project: &str,
        section: Option<&str>,
    ) -> Result<(), DbError> {
        let Some(code) = section else {
            return Ok(());
        };
        type Row = (i64, String, String, Date);
        let rows: Vec<Row> = on_tx!(self, c => sqlx::query_as(
            "SELECT s.id, p.category, n.type, n.published_on FROM section s \
             JOIN project p ON p.id = s.project_id JOIN notice n ON n.section_id = s.id \
             WHERE s.agency_id = $1 AND p.code = $2 AND s.code = $3")
            .bind(agency_id).bind(project).bind(code).fetch_all(&mut *c).await?);
        let Some((section_id, category, _, _)) = rows.first().cloned() else {
            return Ok(());
        };
        let category = gongkai_domain::codes::TradingCategory::from_code(&category)?;
        let stages: Vec<_> = rows
            .iter()
            .filter_map(|(_, _, t, d)| {
                gongkai_domain::codes::NoticeType::from_code(t)
                    .ok()
                    .map(|t| (t, *d))
            })
            .collect();
        let completed = FullProcessRule::default().completed_on(category, &stages);
        on_tx!(self, c => {
            sqlx::query("UPDATE section SET completed_on = $1 WHERE id = $2")
                .bind(completed).bind(section_id).execute(&mut *c).await?;
        });
        Ok(())
    }
}
