//! Read-only views of trading disclosure for the back office (product.md module 3, issue 9
//! item 7): an agency's notices with the change sequence of their latest version (the
//! violations queue shows new violations first), one section's every notice version (its
//! timeline), and where a bidder appears (lookup by name or 统一社会信用代码).
//!
//! The rules and the status are `gongkai_domain::trading`'s; these queries only read what
//! `trading.rs` stored.

use gongkai_domain::trading::Notice;
use serde_json::Value;
use sqlx::types::Json;
use time::Date;

use crate::{Db, DbError, on_db};

/// A current notice of an agency with where it lives and when it last changed.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentNotice {
    pub notice: Notice,
    /// Its current version (1, or more after corrections).
    pub version: i64,
    /// The change-log sequence number of its current version (0 when none was logged).
    pub seq: i64,
}

/// One version of a notice of a section.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeVersion {
    pub notice: Notice,
    pub version: i64,
    /// True for the notice's current version.
    pub current: bool,
}

/// A section (标段/包) with every version of its notices.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionTimeline {
    pub project: String,
    pub project_name: String,
    pub section: String,
    pub section_name: String,
    pub ocid: String,
    pub completed_on: Option<Date>,
    /// Every version of every notice of the section, in publication order (each version's
    /// `published`, then the notice id and version).
    pub versions: Vec<NoticeVersion>,
    /// The project's own notices (plans and intentions, no section), current versions.
    pub project_notices: Vec<Notice>,
}

impl SectionTimeline {
    /// The current version of each notice of the section, in publication order.
    pub fn current(&self) -> Vec<Notice> {
        self.versions
            .iter()
            .filter(|v| v.current)
            .map(|v| v.notice.clone())
            .collect()
    }
}

/// What a bidder lookup matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BidderQuery {
    /// A substring of the name written in the notice.
    Name(String),
    /// A 统一社会信用代码, exactly (validated by the caller).
    Uscc(String),
}

/// One appearance of a bidder: in a (current) notice of a section.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BidderHit {
    pub agency: String,
    pub agency_name: String,
    pub project: String,
    pub project_name: String,
    /// `None` for a notice without section.
    pub section: Option<String>,
    pub section_name: Option<String>,
    pub notice: String,
    pub notice_type: String,
    pub title: String,
    pub published_on: Date,
    pub name: String,
    pub uscc: String,
}

/// The most appearances a lookup returns.
pub const BIDDER_HITS: i64 = 500;

impl Db {
    /// The current version of every notice of an agency (stored as JSON), with its version and
    /// the sequence number of the change that made it current, in publication order.
    pub async fn current_notices(&self, agency_code: &str) -> Result<Vec<CurrentNotice>, DbError> {
        let agency = self.agency(agency_code).await?;
        type Row = (Json<Value>, i64, Option<i64>);
        let rows: Vec<Row> = on_db!(self, p => sqlx::query_as(
            "SELECT n.content, CAST(n.version AS BIGINT), CAST(c.seq AS BIGINT) FROM notice n \
             LEFT JOIN (SELECT notice_id, version, MAX(seq) AS seq FROM notice_change \
                        WHERE agency_id = $1 GROUP BY notice_id, version) c \
               ON c.notice_id = n.id AND c.version = n.version \
             WHERE n.agency_id = $2 AND n.content IS NOT NULL \
             ORDER BY n.published_at, n.id")
            .bind(agency.id).bind(agency.id).fetch_all(p).await?);
        rows.into_iter()
            .map(|(Json(v), version, seq)| {
                Ok(CurrentNotice {
                    notice: Notice::from_json(&v)?,
                    version,
                    seq: seq.unwrap_or(0),
                })
            })
            .collect()
    }

    /// A section of an agency by project and section code, with every version of its notices;
    /// `None` when the agency has no such section.
    pub async fn section_timeline(
        &self,
        agency_code: &str,
        project: &str,
        section: &str,
    ) -> Result<Option<SectionTimeline>, DbError> {
        let agency = self.agency(agency_code).await?;
        type Head = (i64, i64, String, String, String, Option<Date>);
        let head: Option<Head> = on_db!(self, p => sqlx::query_as(
            "SELECT s.id, p.id, p.name, s.name, s.ocid, s.completed_on FROM section s \
             JOIN project p ON p.id = s.project_id \
             WHERE s.agency_id = $1 AND p.code = $2 AND s.code = $3")
            .bind(agency.id).bind(project).bind(section).fetch_optional(p).await?);
        let Some((section_id, project_id, project_name, section_name, ocid, completed_on)) = head
        else {
            return Ok(None);
        };
        type Row = (Json<Value>, i64, i64);
        let rows: Vec<Row> = on_db!(self, p => sqlx::query_as(
            "SELECT COALESCE(v.content, n.content), CAST(v.version AS BIGINT), CAST(n.version AS BIGINT) \
             FROM notice n JOIN notice_version v ON v.notice_id = n.id \
             WHERE n.section_id = $1")
            .bind(section_id).fetch_all(p).await?);
        let mut versions = rows
            .into_iter()
            .map(|(Json(v), version, current)| {
                Ok(NoticeVersion {
                    notice: Notice::from_json(&v)?,
                    version,
                    current: version == current,
                })
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        versions.sort_by(|a, b| {
            a.notice
                .published
                .cmp(&b.notice.published)
                .then_with(|| a.notice.id.cmp(&b.notice.id))
                .then_with(|| a.version.cmp(&b.version))
        });
        let own: Vec<(Json<Value>,)> = on_db!(self, p => sqlx::query_as(
            "SELECT content FROM notice WHERE project_id = $1 AND section_id IS NULL \
             AND content IS NOT NULL ORDER BY published_at, id")
            .bind(project_id).fetch_all(p).await?);
        let project_notices = own
            .into_iter()
            .map(|(Json(v),)| Notice::from_json(&v).map_err(DbError::from))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(SectionTimeline {
            project: project.to_string(),
            project_name,
            section: section.to_string(),
            section_name,
            ocid,
            completed_on,
            versions,
            project_notices,
        }))
    }

    /// Where bidders matching `q` appear in the current notices of the agencies `agency_ids`:
    /// latest publication first, at most [`BIDDER_HITS`] appearances.
    pub async fn bidder_hits(
        &self,
        agency_ids: &[i64],
        q: &BidderQuery,
    ) -> Result<Vec<BidderHit>, DbError> {
        if agency_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (clause, value) = match q {
            BidderQuery::Uscc(code) => ("b.uscc = ", code.trim().to_string()),
            BidderQuery::Name(name) => ("b.name LIKE ", format!("%{}%", like_escape(name.trim()))),
        };
        let rows: Vec<BidderHit> = on_db!(self, p => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT a.code AS agency, a.name AS agency_name, pr.code AS project, \
                 pr.name AS project_name, s.code AS section, s.name AS section_name, \
                 n.notice_no AS notice, n.type AS notice_type, n.title, n.published_on, \
                 b.name, b.uscc FROM bidder b \
                 JOIN notice n ON n.id = b.notice_id JOIN agency a ON a.id = n.agency_id \
                 JOIN project pr ON pr.id = n.project_id \
                 LEFT JOIN section s ON s.id = n.section_id WHERE ",
            );
            qb.push(clause).push_bind(value);
            if matches!(q, BidderQuery::Name(_)) {
                qb.push(" ESCAPE '\\'");
            }
            qb.push(" AND n.agency_id IN (");
            let mut sep = qb.separated(", ");
            for id in agency_ids {
                sep.push_bind(*id);
            }
            sep.push_unseparated(")");
            qb.push(" ORDER BY n.published_at DESC, n.id, b.id LIMIT ")
                .push_bind(BIDDER_HITS);
            qb.build_query_as::<BidderHit>().fetch_all(p).await?
        });
        Ok(rows)
    }
}

/// `s` with the LIKE wildcards `%`, `_` and the escape character `\` escaped.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// What the public list of trading notices is narrowed to (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeFilter {
    pub category: Option<gongkai_domain::codes::TradingCategory>,
    /// Only these notice types (a phase's types); empty: every type.
    pub types: Vec<gongkai_domain::codes::NoticeType>,
    /// The project's region, exactly.
    pub region: Option<String>,
    /// Published on or after.
    pub from: Option<Date>,
    /// Published on or before.
    pub to: Option<Date>,
}

/// One notice of the public list: its current version's headline and where it belongs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NoticeListRow {
    pub notice: String,
    pub ntype: String,
    pub title: String,
    pub published_on: Date,
    pub version: i64,
    pub project: String,
    pub project_name: String,
    pub category: String,
    pub region: String,
    pub section: Option<String>,
    pub section_name: Option<String>,
}

/// The most rows one page of the public list holds.
pub const NOTICE_PAGE_MAX: i64 = 100;

impl Db {
    /// One page of an agency's published trading notices (current versions, published on or
    /// before `today`), newest first, with the number of all that match.
    pub async fn public_notices(
        &self,
        agency_id: i64,
        f: &NoticeFilter,
        today: Date,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<NoticeListRow>), DbError> {
        let limit = limit.clamp(1, NOTICE_PAGE_MAX);
        let offset = offset.max(0);
        let (total, rows): (i64, Vec<NoticeListRow>) = crate::pool::paged!(
            self,
            "SELECT n.notice_no AS notice, n.type AS ntype, n.title, n.published_on, \
             CAST(n.version AS BIGINT) AS version, pr.code AS project, \
             pr.name AS project_name, pr.category, pr.region, s.code AS section, \
             s.name AS section_name",
            "ORDER BY n.published_on DESC, n.published_at DESC, n.id DESC",
            offset,
            limit,
            |qb| {
                qb.push(
                    " FROM notice n JOIN project pr ON pr.id = n.project_id \
                     LEFT JOIN section s ON s.id = n.section_id WHERE n.agency_id = ",
                )
                .push_bind(agency_id)
                .push(" AND n.published_on <= ")
                .push_bind(today);
                if let Some(c) = f.category {
                    qb.push(" AND pr.category = ").push_bind(c.code());
                }
                if !f.types.is_empty() {
                    qb.push(" AND n.type IN (");
                    let mut sep = qb.separated(", ");
                    for t in &f.types {
                        sep.push_bind(t.code());
                    }
                    sep.push_unseparated(")");
                }
                if let Some(r) = &f.region {
                    qb.push(" AND pr.region = ").push_bind(r.clone());
                }
                if let Some(d) = f.from {
                    qb.push(" AND n.published_on >= ").push_bind(d);
                }
                if let Some(d) = f.to {
                    qb.push(" AND n.published_on <= ").push_bind(d);
                }
            }
        );
        Ok((total, rows))
    }

    /// How many of the agency's notices were published on each day of `from..=to`, by
    /// notice type code: (day, type, count), by day (the dashboard's charts).
    pub async fn notice_day_counts(
        &self,
        agency_id: i64,
        from: Date,
        to: Date,
    ) -> Result<Vec<(Date, String, i64)>, DbError> {
        Ok(on_db!(self, p => sqlx::query_as(
            "SELECT published_on, type, COUNT(*) FROM notice \
             WHERE agency_id = $1 AND published_on BETWEEN $2 AND $3 \
             GROUP BY published_on, type ORDER BY published_on, type")
            .bind(agency_id).bind(from).bind(to).fetch_all(p).await?))
    }

    /// The regions of an agency's projects (for the public list's filter), sorted.
    pub async fn notice_regions(&self, agency_id: i64) -> Result<Vec<String>, DbError> {
        let rows: Vec<(String,)> = on_db!(self, p => sqlx::query_as(
            "SELECT DISTINCT region FROM project WHERE agency_id = $1 AND region <> '' ORDER BY region")
            .bind(agency_id).fetch_all(p).await?);
        Ok(rows.into_iter().map(|(r,)| r).collect())
    }
}

impl Db {
    /// Where a published notice lives: its project, and its section — for a project's own
    /// notice (a plan or intention) the project's first section, if any. `None` when the
    /// agency has no such notice published by `today`.
    pub async fn notice_place(
        &self,
        agency_id: i64,
        notice_no: &str,
        today: Date,
    ) -> Result<Option<(String, Option<String>)>, DbError> {
        let row: Option<(String, Option<String>, i64)> = on_db!(self, p => sqlx::query_as(
            "SELECT pr.code, s.code, pr.id FROM notice n JOIN project pr ON pr.id = n.project_id \
             LEFT JOIN section s ON s.id = n.section_id \
             WHERE n.agency_id = $1 AND n.notice_no = $2 AND n.published_on <= $3")
            .bind(agency_id).bind(notice_no).bind(today).fetch_optional(p).await?);
        let Some((project, section, project_id)) = row else {
            return Ok(None);
        };
        if section.is_some() {
            return Ok(Some((project, section)));
        }
        let first: Option<(String,)> = on_db!(self, p => sqlx::query_as(
            "SELECT code FROM section WHERE project_id = $1 ORDER BY id LIMIT 1")
            .bind(project_id).fetch_optional(p).await?);
        Ok(Some((project, first.map(|(c,)| c))))
    }
}
