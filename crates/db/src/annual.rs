//! The annual report as a publication (issue 10, contracts.md §7).
//!
//! A year's report is a catalogue item of its agency (`annual_report` names it) whose versions
//! each carry the snapshot they were drafted with (`item_file`: one file per format, with its
//! SHA-256). The caller computes the report from the ledger and has it rendered (the export
//! crate; this crate renders nothing); [`Tx::draft_report`] stores it; the review steps,
//! publication, correction and withdrawal are the items' own (`publishing`), so the log entry
//! of a publication hashes the snapshot's files. The public site serves only the snapshot of
//! the public version: [`Db::public_report`] is `None` for any year not published.

use gongkai_domain::auth::{Action, Principal, Resource, authorize};
use gongkai_domain::period::beijing_date;
use gongkai_domain::publishing::{
    DEFAULT_REPORT_DUE, ItemState, ReportSnapshot, VersionState, parse_report_due, report_due,
    report_fields, sha256_hex,
};
use gongkai_domain::report::AnnualReport;
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::publishing::FileRow;
use crate::{Db, DbError, PeriodSpec, Tx, on_db, on_tx};

/// The agency setting with the day a year's report is due in the next year (a JSON string
/// `MM-DD`; `01-31` when unset).
pub const REPORT_DUE_KEY: &str = "publishing.report_due";

/// What drafting did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DraftedReport {
    pub item_id: i64,
    pub index_no: String,
    /// The version now in work.
    pub version: i32,
}

/// Where a year's report stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportStatus {
    pub year: i32,
    /// The catalogue item, once a draft exists.
    pub item_id: Option<i64>,
    /// The item's state (`None`: not drafted).
    pub state: Option<ItemState>,
    /// The public version, once published.
    pub public_version: Option<i32>,
    #[serde(serialize_with = "gongkai_domain::period::rfc3339_beijing_opt::serialize")]
    pub published_at: Option<OffsetDateTime>,
    /// The statutory due date (1 月 31 日 of the next year unless the agency set another).
    #[serde(serialize_with = "gongkai_domain::period::iso_date_opt::serialize")]
    pub due: Option<Date>,
    /// Not public by its due date (or not yet, and the date has passed).
    pub overdue: bool,
}

/// A published report: its public version's snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicReport {
    pub item_id: i64,
    pub version: i32,
    pub title: String,
    pub body: String,
    pub published_at: Option<OffsetDateTime>,
    pub content_hash: Option<String>,
    pub files: Vec<FileRow>,
    /// Every published version, oldest first: (version, published at, 更正说明, content hash).
    pub history: Vec<Published>,
}

/// A published version: (version, published at, 更正说明, content hash).
pub type Published = (i32, Option<OffsetDateTime>, Option<String>, Option<String>);

type StatusTuple = (i32, i64, String, Option<i32>, Option<OffsetDateTime>);

impl Tx {
    async fn report_due_of(&mut self, agency_id: i64) -> Result<(u8, u8), DbError> {
        let v: Option<(sqlx::types::Json<serde_json::Value>,)> = on_tx!(self, c => sqlx::query_as(
            "SELECT value FROM agency_setting WHERE agency_id = $1 AND key = $2")
            .bind(agency_id).bind(REPORT_DUE_KEY).fetch_optional(&mut *c).await?);
        Ok(match v.as_ref().and_then(|(v,)| v.0.as_str()) {
            Some(s) => parse_report_due(s)?,
            None => DEFAULT_REPORT_DUE,
        })
    }

    /// Stores a version's snapshot files (replacing any it had).
    async fn put_files(
        &mut self,
        item_id: i64,
        version: i32,
        snapshot: &ReportSnapshot,
    ) -> Result<(), DbError> {
        on_tx!(self, c => sqlx::query("DELETE FROM item_file WHERE item_id = $1 AND version = $2")
            .bind(item_id).bind(version).execute(&mut *c).await.map(|_| ())?);
        for f in &snapshot.files {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO item_file (item_id, version, name, content_type, size, sha256, content) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(item_id).bind(version).bind(&f.name).bind(&f.content_type)
                .bind(f.bytes.len() as i64).bind(sha256_hex(&f.bytes)).bind(&f.bytes)
                .execute(&mut *c).await.map(|_| ())?);
        }
        Ok(())
    }

    /// Drafts (or redrafts) the report of `year` from `snapshot`: a new catalogue item the
    /// first time; the version in work refreshed while it is a draft or returned; a
    /// correction (a new version, `change_note` required) once it is published or withdrawn. A version in
    /// review, approved or scheduled is not touched: it is returned first.
    pub async fn draft_report(
        &mut self,
        p: &Principal,
        agency_code: &str,
        year: i32,
        snapshot: &ReportSnapshot,
        change_note: Option<String>,
        now: OffsetDateTime,
    ) -> Result<DraftedReport, DbError> {
        let agency = self.lock_agency(agency_code).await?;
        let path = self.path_of(agency.id).await?;
        authorize(p, Action::DraftItems, Resource::Agency(&path))?;
        let today = beijing_date(now);
        if year >= today.year() {
            return Err(DbError::Conflict(format!(
                "{year} 年尚未结束，年度报告须在年度结束后起草"
            )));
        }
        if !snapshot.failures.is_empty() {
            return Err(DbError::Conflict(format!(
                "{year} 年度报告的表格不平衡，不能起草发布：{}",
                snapshot.failures.join("；")
            )));
        }
        let existing: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT item_id FROM annual_report WHERE agency_id = $1 AND year = $2")
            .bind(agency.id).bind(year).fetch_optional(&mut *c).await?);
        let Some(item_id) = existing else {
            let fields = report_fields(year, snapshot, &agency.name, today, None);
            let (item_id, index_no) = self.create_item(p, agency_code, fields, now).await?;
            on_tx!(self, c => sqlx::query(
                "INSERT INTO annual_report (agency_id, year, item_id) VALUES ($1, $2, $3)")
                .bind(agency.id).bind(year).bind(item_id).execute(&mut *c).await.map(|_| ())?);
            self.put_files(item_id, 1, snapshot).await?;
            return Ok(DraftedReport {
                item_id,
                index_no,
                version: 1,
            });
        };
        let ((_, _, _, index_no, version, _), _) = self.item_head(item_id).await?;
        let state = self.refresh_item_state(item_id).await?;
        let working = self.version_row(item_id, version).await?;
        let version = match (state, working.state) {
            (_, VersionState::Draft | VersionState::Returned) => version,
            // A withdrawn report is reissued as a correction would be: the law wants a
            // report published, so a withdrawn one gets a new version through the workflow.
            (
                ItemState::Published | ItemState::Corrected | ItemState::Withdrawn,
                VersionState::Published,
            ) => self.correct_item(p, item_id, now).await?,
            (_, s) => {
                return Err(DbError::Conflict(format!(
                    "{year} 年度报告第 {version} 版{}，不能按最新数据重新起草；请先退回",
                    s.label()
                )));
            }
        };
        let fields = report_fields(year, snapshot, &agency.name, today, change_note);
        self.edit_fields(p, item_id, fields, now).await?;
        self.put_files(item_id, version, snapshot).await?;
        Ok(DraftedReport {
            item_id,
            index_no,
            version,
        })
    }
}

/// Renders a computed report for publication (the export crate's `snapshot`), given the
/// agency's narrative template (`None`: the default one).
pub type Render<'a> =
    &'a (dyn Fn(&AnnualReport, Option<&str>) -> Result<ReportSnapshot, String> + Sync);

impl Db {
    /// The report as it is published (the snapshot, the live page, `gongkai report`): the
    /// report with the number of requests answered late in the period computed from each
    /// case's clock (`figures.requests_late`), which the narrative needs to say whether every
    /// request was answered within the statutory time.
    pub async fn report_for_publication(
        &self,
        code: &str,
        spec: PeriodSpec,
    ) -> Result<AnnualReport, DbError> {
        let mut r = self.report(code, spec).await?;
        let (from, to) = (r.period.from, r.period.to);
        let late = self
            .request_clocks(code, to)
            .await?
            .iter()
            .filter(|c| {
                c.overdue
                    && match c.closed_on {
                        Some(d) if d <= to => d >= from,
                        _ => c.due < to,
                    }
            })
            .count();
        r.figures.requests_late = Some(late as i64);
        Ok(r)
    }

    /// Where each year's report of an agency stands, from its first year to the last one
    /// ended before `today`, newest first.
    pub async fn report_statuses(
        &self,
        agency_code: &str,
        today: Date,
    ) -> Result<Vec<ReportStatus>, DbError> {
        let agency = self.agency(agency_code).await?;
        // The due date and the reports in one consistent view.
        let mut tx = self.begin_read().await?;
        let due = tx.report_due_of(agency.id).await?;
        let rows: Vec<StatusTuple> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT r.year, i.id, i.state, i.public_version, \
                    (SELECT MIN(v.published_at) FROM item_version v WHERE v.item_id = i.id) \
             FROM annual_report r JOIN disclosure_item i ON i.id = r.item_id WHERE r.agency_id = $1")
            .bind(agency.id).fetch_all(&mut *c).await?);
        tx.rollback().await?;
        let first = match agency.established {
            Some(e) => e.year(),
            None => self
                .first_activity_year(agency.id)
                .await?
                .unwrap_or(today.year()),
        };
        // Every year ended since the first, and any year drafted before that.
        let first = rows.iter().map(|r| r.0).fold(first, i32::min);
        let mut out = Vec::new();
        for year in (first.max(1949)..today.year()).rev() {
            let row = rows.iter().find(|r| r.0 == year);
            let state = row.map(|r| ItemState::from_code(&r.2)).transpose()?;
            let published_at = row.and_then(|r| r.4);
            let due_on = report_due(year, due);
            let published_on = published_at.map(beijing_date);
            let overdue = match (due_on, published_on) {
                (Some(d), Some(p)) => p > d,
                (Some(d), None) => today > d,
                (None, _) => false,
            };
            out.push(ReportStatus {
                year,
                item_id: row.map(|r| r.1),
                state,
                public_version: row.and_then(|r| r.3),
                published_at,
                due: due_on,
                overdue,
            });
        }
        Ok(out)
    }

    /// The published report of an agency's year (its public version), or `None` when that
    /// year has none: never drafted, in work, or withdrawn.
    pub async fn public_report(
        &self,
        agency_code: &str,
        year: i32,
    ) -> Result<Option<PublicReport>, DbError> {
        let row: Option<(i64, Option<i32>)> = on_db!(self, p => sqlx::query_as(
            "SELECT i.id, i.public_version FROM annual_report r JOIN agency a ON a.id = r.agency_id \
             JOIN disclosure_item i ON i.id = r.item_id \
             WHERE a.code = $1 AND r.year = $2 AND i.state IN ('published', 'corrected')")
            .bind(agency_code).bind(year).fetch_optional(p).await?);
        let Some((item_id, Some(version))) = row else {
            return Ok(None);
        };
        let d = self.item_for(item_id, true).await?;
        let Some(v) = d.public() else {
            return Ok(None);
        };
        Ok(Some(PublicReport {
            item_id,
            version,
            title: v.fields.title.clone(),
            body: v.fields.body.clone(),
            published_at: v.published_at,
            content_hash: v.content_hash.clone(),
            history: d
                .versions
                .iter()
                .map(|v| {
                    (
                        v.version,
                        v.published_at,
                        v.fields.change_note.clone(),
                        v.content_hash.clone(),
                    )
                })
                .collect(),
            files: d
                .files
                .into_iter()
                .filter(|f| f.version == version)
                .collect(),
        }))
    }

    /// The bytes and content type of one file of an item's version.
    pub async fn item_file(
        &self,
        item_id: i64,
        version: i32,
        name: &str,
    ) -> Result<Option<(String, Vec<u8>)>, DbError> {
        Ok(on_db!(self, p => sqlx::query_as(
            "SELECT content_type, content FROM item_file WHERE item_id = $1 AND version = $2 AND name = $3")
            .bind(item_id).bind(version).bind(name).fetch_optional(p).await?))
    }
}

impl Db {
    /// Publishes the demo agency's reports of `years` through the workflow, as its staff would
    /// have: drafted on 10 January of the next year, reviewed, published on the 20th (never
    /// later than now). One transaction per report (each is computed from the committed
    /// ledger).
    pub async fn publish_demo_reports(
        &self,
        years: &[i32],
        render: Render<'_>,
    ) -> Result<(), DbError> {
        use time::macros::{offset, time};
        let now = OffsetDateTime::now_utc();
        for &year in years {
            let day = |d: u8| {
                Date::from_calendar_date(year + 1, time::Month::January, d)
                    .map(|d| {
                        d.with_time(time!(10:00))
                            .assume_offset(offset!(+8))
                            .min(now)
                    })
                    .map_err(|e| DbError::Conflict(e.to_string()))
            };
            self.publish_report_by_staff(
                gongkai_synth::DEMO_CODE,
                year,
                render,
                day(10)?,
                day(20)?,
            )
            .await?;
        }
        Ok(())
    }

    /// Drafts, reviews and publishes an agency's report of `year` by the demo staff (granted
    /// their roles in the agency), in one transaction: the demo's reports, and tests that need
    /// a published report.
    pub async fn publish_report_by_staff(
        &self,
        agency_code: &str,
        year: i32,
        render: Render<'_>,
        draft_at: OffsetDateTime,
        publish_at: OffsetDateTime,
    ) -> Result<(), DbError> {
        self.report_by_staff(
            agency_code,
            year,
            render,
            None,
            draft_at,
            Then::Publish(publish_at),
        )
        .await
    }

    /// Drafts (a correction, with `change_note`, once the report is published) and reviews an
    /// agency's report of `year` by the demo staff at `now`, then schedules it to go out at
    /// `at`, in one transaction: tests of the scheduler.
    pub async fn schedule_report_by_staff(
        &self,
        agency_code: &str,
        year: i32,
        render: Render<'_>,
        change_note: Option<String>,
        now: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<(), DbError> {
        self.report_by_staff(
            agency_code,
            year,
            render,
            change_note,
            now,
            Then::Schedule(at),
        )
        .await
    }

    async fn report_by_staff(
        &self,
        agency_code: &str,
        year: i32,
        render: Render<'_>,
        change_note: Option<String>,
        draft_at: OffsetDateTime,
        then: Then,
    ) -> Result<(), DbError> {
        let agency = self.agency(agency_code).await?;
        let template = self.narrative_template(agency.id).await?;
        let report = self
            .report_for_publication(agency_code, PeriodSpec::Year(year))
            .await?;
        let snapshot = render(&report, template.as_deref()).map_err(DbError::Render)?;
        let mut tx = self.begin().await?;
        let staff = tx.demo_staff(&agency).await?;
        let [editor, .., head] = staff.as_slice() else {
            return Err(DbError::Conflict("演示人员不全".into()));
        };
        let d = tx
            .draft_report(editor, agency_code, year, &snapshot, change_note, draft_at)
            .await?;
        tx.demo_approve(&staff, d.item_id, draft_at).await?;
        match then {
            Then::Publish(at) => {
                tx.publish_item(Some(head), d.item_id, at).await?;
            }
            Then::Schedule(at) => tx.schedule_item(head, d.item_id, at, draft_at).await?,
        }
        tx.commit().await
    }
}

/// What follows the review of a report drafted by the demo staff.
enum Then {
    Publish(OffsetDateTime),
    Schedule(OffsetDateTime),
}
