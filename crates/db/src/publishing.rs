//! Proactive disclosure items (issue 10, contracts.md §7): the catalogue, the workflow of each
//! version, the pre-publication checks and the hash-chained publication log.
//!
//! Every step is a method of [`Tx`] that takes the acting [`Principal`] and asks the domain's
//! `authorize` inside the transaction, because some decisions (separation of duties) need
//! what the transaction reads; the state change itself is `publishing::next_state`'s. A
//! publication, correction or withdrawal appends its log entry in the same transaction.
//!
//! Storage: `disclosure_item` is the catalogue row (its metadata columns mirror the public
//! version once there is one, the working version before); `item_version` holds every
//! version's fields as JSON with its own state; `item_review` every stage performed;
//! `item_override` the findings let through; `publication_log` the chain.

use gongkai_domain::auth::{
    Action, AgencyPath, Principal, Resource, ReviewContext, Stage, authorize,
};
use gongkai_domain::codes::DisclosureAttr;
use gongkai_domain::period::beijing_date;
use gongkai_domain::publishing::{
    AttachmentText, Broken, Detectors, Finding, ItemFields, ItemState, LogAction, LogEntry,
    PublishedContent, ReviewRecord, Step, Verdict, VersionState, attachment_findings, blocking,
    content_hash, default_columns, entry_hash, html_text, index_no, item_state, next_state,
    report_subject,
};
use serde::Serialize;
use sqlx::types::Json;
use time::OffsetDateTime;

use crate::changes::ChangeKind;
use crate::{Db, DbError, Tx, on_db, on_tx};

/// Benchmark switches (`testing::publishing_without`): the workflow without the publication
/// log or without the pre-publication checks, to measure what each costs. Never off in use.
pub(crate) static CHAIN_OFF: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);
pub(crate) static DETECTORS_OFF: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

fn off(flag: &std::sync::atomic::AtomicBool) -> bool {
    flag.load(std::sync::atomic::Ordering::Relaxed)
}

/// The agency setting with the sensitive-word list (a JSON array of strings).
pub const WORDS_KEY: &str = "publishing.sensitive_words";
/// The agency setting with the contact details it publishes on purpose (JSON array).
pub const CONTACTS_KEY: &str = "publishing.public_contacts";
/// The agency setting with the 索引号 prefix (a JSON string; the agency code by default).
pub const INDEX_PREFIX_KEY: &str = "publishing.index_prefix";
/// The agency setting with the least number of distinct people per item (a JSON number).
pub const MIN_PEOPLE_KEY: &str = "publishing.min_people";
/// The least number of distinct people an item passes through when the agency sets none:
/// the author, 初审, 复审, 保密审查 and 终审 are five stages, three people is the floor most
/// offices set.
pub const DEFAULT_MIN_PEOPLE: usize = 3;

/// An item in the list of contracts.md §7.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRow {
    pub id: i64,
    pub index_no: String,
    pub title: String,
    pub doc_no: Option<String>,
    pub state: ItemState,
    pub column: String,
    #[serde(serialize_with = "gongkai_domain::period::rfc3339_beijing_opt::serialize")]
    pub published_at: Option<OffsetDateTime>,
    pub versions: i64,
    /// 生成日期: starts the art. 26 clock.
    #[serde(serialize_with = "gongkai_domain::period::iso_date::serialize")]
    pub formed_on: time::Date,
    /// 公开属性: only 主动公开 items run the art. 26 clock.
    pub attr: gongkai_domain::codes::DisclosureAttr,
}

/// An item waiting on someone, for the back office's work queues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItem {
    pub id: i64,
    /// The agency's code.
    pub agency: String,
    pub title: String,
    /// The state of the version in work (草稿, 已退回 or 审核中).
    pub state: VersionState,
    /// For an item to review: the stages the principal may perform on it now.
    pub stages: Vec<Stage>,
}

/// What waits on one principal (see [`Db::work_queues`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkQueues {
    /// The versions the principal drafted that are still in work (草稿, 已退回), returned first.
    pub my_drafts: Vec<WorkItem>,
    /// The versions in review on which the principal may perform a stage now.
    pub to_review: Vec<WorkItem>,
}

/// One version of an item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionRow {
    pub version: i32,
    pub state: VersionState,
    pub fields: ItemFields,
    pub author_id: i64,
    pub author: String,
    pub round: i32,
    #[serde(serialize_with = "gongkai_domain::period::rfc3339_beijing_opt::serialize")]
    pub scheduled_at: Option<OffsetDateTime>,
    #[serde(serialize_with = "gongkai_domain::period::rfc3339_beijing_opt::serialize")]
    pub published_at: Option<OffsetDateTime>,
    pub content_hash: Option<String>,
}

/// A stage performed on a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewRow {
    pub version: i32,
    pub round: i32,
    pub stage: String,
    pub stage_label: String,
    pub user: String,
    pub verdict: Verdict,
    pub comment: String,
    #[serde(serialize_with = "gongkai_domain::period::rfc3339_beijing::serialize")]
    pub at: OffsetDateTime,
}

/// An item with all its versions, reviews, overrides and log entries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemDetail {
    pub id: i64,
    pub agency: String,
    pub index_no: String,
    pub state: ItemState,
    pub public_version: Option<i32>,
    #[serde(serialize_with = "gongkai_domain::period::rfc3339_beijing_opt::serialize")]
    pub withdrawn_at: Option<OffsetDateTime>,
    pub withdraw_reason: Option<String>,
    /// Oldest first; the last is the version in work (or the public one).
    pub versions: Vec<VersionRow>,
    pub reviews: Vec<ReviewRow>,
    /// The findings of the pre-publication checks on the latest version, and whether each is
    /// let through (with the reason).
    pub findings: Vec<(Finding, Option<String>)>,
    pub log: Vec<LogEntry>,
    /// The files of every version (a report's snapshot), in stored order.
    pub files: Vec<FileRow>,
    /// The year, when the item is an agency's annual report.
    pub report_year: Option<i32>,
    /// Its posts on the agency's channels (their reads in the back office's view only: 0
    /// on public pages).
    pub posts: Vec<PostRow>,
}

/// A post of an item on one of the agency's channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostRow {
    /// The channel's code and name.
    pub channel: String,
    pub channel_name: String,
    pub title: String,
    #[serde(serialize_with = "gongkai_domain::period::iso_date::serialize")]
    pub published_on: time::Date,
    pub reads: i64,
}

/// An item's posts: channel code and name, title, day, reads (in the channels' order).
const POSTS_SQL: &str = "SELECT ch.code, ch.name, p.title, p.published_on, p.reads FROM channel_post p \
     JOIN channel ch ON ch.id = p.channel_id WHERE p.item_id = $1 ORDER BY ch.id";

type PostTuple = (String, String, String, time::Date, i64);

fn post_row(p: PostTuple) -> PostRow {
    PostRow {
        channel: p.0,
        channel_name: p.1,
        title: p.2,
        published_on: p.3,
        reads: p.4,
    }
}

impl ItemDetail {
    /// The version in work (the latest).
    pub fn latest(&self) -> Option<&VersionRow> {
        self.versions.last()
    }

    /// The public version, if the item is public.
    pub fn public(&self) -> Option<&VersionRow> {
        if !self.state.is_public() {
            return None;
        }
        let v = self.public_version?;
        self.versions.iter().find(|r| r.version == v)
    }
}

/// What `log verify` found for one agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub agency: String,
    pub entries: usize,
    /// The head hash when intact.
    pub head: Option<String>,
    pub broken: Option<Broken>,
}

/// The most items one page of [`Db::public_items`] holds.
pub const PUBLIC_ITEMS_PAGE_MAX: i64 = 100;

type PublicTuple = (
    i64,
    String,
    String,
    Option<String>,
    String,
    Option<OffsetDateTime>,
    String,
);
/// A published version as verified: item, version, 索引号, fields, report year.
type StoredVersion = (i64, i32, String, Json<ItemFields>, Option<i32>);
type ItemHead = (i64, i64, String, String, i32, Option<i32>);
type VersionTuple = (
    i32,
    String,
    Json<ItemFields>,
    i64,
    String,
    i32,
    Option<OffsetDateTime>,
    Option<OffsetDateTime>,
    Option<String>,
);

fn version_of(r: VersionTuple) -> Result<VersionRow, DbError> {
    Ok(VersionRow {
        version: r.0,
        state: VersionState::from_code(&r.1)?,
        fields: r.2.0,
        author_id: r.3,
        author: r.4,
        round: r.5,
        scheduled_at: r.6,
        published_at: r.7,
        content_hash: r.8,
    })
}
type ItemTuple = (
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<OffsetDateTime>,
    i64,
    time::Date,
    String,
);

fn now_text(t: OffsetDateTime) -> String {
    gongkai_domain::period::rfc3339(t)
}

fn content_of<'a>(
    index: &'a str,
    version: i32,
    f: &'a ItemFields,
    formed: &'a str,
    files: &'a [(String, String)],
) -> PublishedContent<'a> {
    PublishedContent {
        index_no: index,
        version,
        title: &f.title,
        summary: &f.summary,
        body: &f.body,
        doc_no: f.doc_no.as_deref(),
        publisher: &f.publisher,
        formed_on: formed,
        column: &f.column,
        change_note: f.change_note.as_deref(),
        attachments: files
            .iter()
            .map(|(n, h)| (n.as_str(), h.as_str()))
            .collect(),
    }
}

/// The hash of what version `version` of item `index` makes public: its fields and its files
/// (name and SHA-256, in the order they were stored).
pub fn version_hash(
    index: &str,
    version: i32,
    f: &ItemFields,
    files: &[(String, String)],
) -> String {
    let formed = gongkai_domain::period::iso(f.formed_on);
    content_hash(&content_of(index, version, f, &formed, files))
}

/// A file of an item's version, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRow {
    pub version: i32,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

impl Tx {
    /// The agency and its path to the root, read inside the transaction.
    pub(crate) async fn path_of(&mut self, agency_id: i64) -> Result<AgencyPath, DbError> {
        let ids: Vec<i64> = on_tx!(self, c => sqlx::query_scalar(
            "WITH RECURSIVE up(id, parent_id, depth) AS ( \
               SELECT id, parent_id, 0 FROM agency WHERE id = $1 \
               UNION ALL SELECT a.id, a.parent_id, up.depth + 1 FROM agency a JOIN up ON a.id = up.parent_id \
                 WHERE up.depth < 64) \
             SELECT id FROM up ORDER BY depth").bind(agency_id).fetch_all(&mut *c).await?);
        Ok(AgencyPath(ids))
    }

    async fn setting(
        &mut self,
        agency_id: i64,
        key: &str,
    ) -> Result<Option<serde_json::Value>, DbError> {
        let row: Option<(Json<serde_json::Value>,)> = on_tx!(self, c => sqlx::query_as(
            "SELECT value FROM agency_setting WHERE agency_id = $1 AND key = $2")
            .bind(agency_id).bind(key).fetch_optional(&mut *c).await?);
        Ok(row.map(|(Json(v),)| v))
    }

    async fn strings_setting(&mut self, agency_id: i64, key: &str) -> Result<Vec<String>, DbError> {
        Ok(match self.setting(agency_id, key).await? {
            Some(serde_json::Value::Array(a)) => a
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        })
    }

    /// The agency's column tree, seeded with the standard tree the first time.
    pub async fn columns(
        &mut self,
        agency_id: i64,
    ) -> Result<Vec<(String, String, Option<String>)>, DbError> {
        let sql = "SELECT code, name, parent_code FROM catalogue_column WHERE agency_id = $1 ORDER BY position, id";
        let rows: Vec<(String, String, Option<String>)> =
            on_tx!(self, c => sqlx::query_as(sql).bind(agency_id).fetch_all(&mut *c).await?);
        if !rows.is_empty() {
            return Ok(rows);
        }
        for (i, col) in default_columns().iter().enumerate() {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO catalogue_column (agency_id, code, name, parent_code, position) VALUES ($1, $2, $3, $4, $5)")
                .bind(agency_id).bind(col.code).bind(col.name).bind(col.parent)
                .bind(i as i32).execute(&mut *c).await.map(|_| ())?);
        }
        Ok(on_tx!(self, c => sqlx::query_as(sql).bind(agency_id).fetch_all(&mut *c).await?))
    }

    /// Adds a column to an agency's tree or renames / moves one (an agency admin's setting:
    /// `Administer`). The tree is seeded with the standard one first; a new column goes last.
    pub async fn put_column(
        &mut self,
        p: &Principal,
        agency_code: &str,
        code: &str,
        name: &str,
        parent: Option<&str>,
    ) -> Result<(), DbError> {
        let agency = self.lock_agency(agency_code).await?;
        let path = self.path_of(agency.id).await?;
        authorize(p, Action::Administer, Resource::Agency(&path))?;
        let cols = self.columns(agency.id).await?;
        let existing: Vec<(String, Option<String>)> = cols
            .iter()
            .map(|(c, _, p)| (c.clone(), p.clone()))
            .collect();
        let (code, name, parent) =
            gongkai_domain::publishing::checked_column(code, name, parent, &existing)?;
        if code == gongkai_domain::publishing::REPORT_COLUMN && parent.is_some() {
            return Err(
                gongkai_domain::DomainError::invalid("上级栏目", "年报栏目须为一级栏目").into(),
            );
        }
        if existing.iter().any(|(c, _)| *c == code) {
            on_tx!(self, c => sqlx::query(
                "UPDATE catalogue_column SET name = $1, parent_code = $2 WHERE agency_id = $3 AND code = $4")
                .bind(&name).bind(&parent).bind(agency.id).bind(&code).execute(&mut *c).await.map(|_| ())?);
        } else {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO catalogue_column (agency_id, code, name, parent_code, position) VALUES ($1, $2, $3, $4, $5)")
                .bind(agency.id).bind(&code).bind(&name).bind(&parent).bind(cols.len() as i32)
                .execute(&mut *c).await.map(|_| ())?);
        }
        self.note_public_change(agency.id, ChangeKind::Site, agency.id)
            .await?;
        Ok(())
    }

    /// Removes a column from an agency's tree: refused while any item (in any state) is in it,
    /// while it has children, and for the annual reports' column.
    pub async fn delete_column(
        &mut self,
        p: &Principal,
        agency_code: &str,
        code: &str,
    ) -> Result<(), DbError> {
        let agency = self.lock_agency(agency_code).await?;
        let path = self.path_of(agency.id).await?;
        authorize(p, Action::Administer, Resource::Agency(&path))?;
        let cols = self.columns(agency.id).await?;
        if !cols.iter().any(|(c, _, _)| c == code) {
            return Err(DbError::NotFound(format!("没有代码为“{code}”的栏目")));
        }
        if code == gongkai_domain::publishing::REPORT_COLUMN {
            return Err(DbError::Conflict("年报栏目不能删除".into()));
        }
        if cols.iter().any(|(_, _, p)| p.as_deref() == Some(code)) {
            return Err(DbError::Conflict(format!(
                "栏目“{code}”还有下级栏目，请先删除或移走下级栏目"
            )));
        }
        let used: i64 = on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM disclosure_item WHERE agency_id = $1 AND column_code = $2")
            .bind(agency.id).bind(code).fetch_one(&mut *c).await?);
        if used > 0 {
            return Err(DbError::Conflict(format!(
                "栏目“{code}”中还有 {used} 条信息，不能删除"
            )));
        }
        on_tx!(self, c => sqlx::query(
            "DELETE FROM catalogue_column WHERE agency_id = $1 AND code = $2")
            .bind(agency.id).bind(code).execute(&mut *c).await.map(|_| ())?);
        self.note_public_change(agency.id, ChangeKind::Site, agency.id)
            .await?;
        Ok(())
    }

    async fn next_index_no(
        &mut self,
        agency_id: i64,
        agency_code: &str,
        year: i32,
    ) -> Result<String, DbError> {
        let prefix = match self.setting(agency_id, INDEX_PREFIX_KEY).await? {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            _ => agency_code.to_string(),
        };
        let like = format!("{prefix}/{year}-%");
        let taken: Vec<String> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT index_no FROM disclosure_item WHERE agency_id = $1 AND index_no LIKE $2")
            .bind(agency_id).bind(&like).fetch_all(&mut *c).await?);
        let head = format!("{prefix}/{year}-");
        let last = taken
            .iter()
            .filter_map(|t| t.strip_prefix(&head)?.parse::<u32>().ok())
            .max()
            .unwrap_or(0);
        Ok(index_no(&prefix, year, last + 1))
    }

    async fn check_column(&mut self, agency_id: i64, code: &str) -> Result<(), DbError> {
        let cols = self.columns(agency_id).await?;
        if cols.iter().any(|(c, _, _)| c == code) {
            Ok(())
        } else {
            let known: Vec<&str> = cols.iter().map(|(c, _, _)| c.as_str()).collect();
            Err(gongkai_domain::DomainError::invalid(
                "栏目",
                format!("未知栏目“{code}”，可选：{}", known.join("、")),
            )
            .into())
        }
    }

    /// Checks that a 解读 names an item of the same agency other than itself.
    async fn check_interprets(
        &mut self,
        agency_id: i64,
        item_id: Option<i64>,
        target: Option<i64>,
    ) -> Result<(), DbError> {
        let Some(target) = target else {
            return Ok(());
        };
        let found: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT id FROM disclosure_item WHERE id = $1 AND agency_id = $2")
            .bind(target).bind(agency_id).fetch_optional(&mut *c).await?);
        if found.is_none() || item_id == Some(target) {
            return Err(gongkai_domain::DomainError::invalid(
                "所解读的政策",
                format!("本机构没有编号为 {target} 的另一条主动公开信息"),
            )
            .into());
        }
        Ok(())
    }

    /// Checks that every chosen 发布渠道 is a channel of the agency.
    async fn check_channels(&mut self, agency_id: i64, codes: &[String]) -> Result<(), DbError> {
        if codes.is_empty() {
            return Ok(());
        }
        let known: Vec<String> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT code FROM channel WHERE agency_id = $1 ORDER BY id")
            .bind(agency_id).fetch_all(&mut *c).await?);
        if let Some(bad) = codes.iter().find(|c| !known.contains(c)) {
            let hint = if known.is_empty() {
                "本机构尚未登记发布渠道（在“记录”页以 channel 记录登记）".to_string()
            } else {
                format!("可选：{}", known.join("、"))
            };
            return Err(gongkai_domain::DomainError::invalid(
                "发布渠道",
                format!("本机构没有代码为“{bad}”的发布渠道，{hint}"),
            )
            .into());
        }
        Ok(())
    }

    /// Records the posts of a publication: one on each chosen channel the item has not gone
    /// out on yet (a correction updates the content, it is not a new post), titled as the
    /// item and dated the Beijing day of publication. A post entered earlier as a record with
    /// the same channel, title and date is taken over, not counted twice.
    async fn post_to_channels(
        &mut self,
        agency_id: i64,
        item_id: i64,
        f: &ItemFields,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let day = beijing_date(now);
        for code in &f.channels {
            let channel_id: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
                "SELECT id FROM channel WHERE agency_id = $1 AND code = $2")
                .bind(agency_id).bind(code).fetch_optional(&mut *c).await?);
            // A channel removed since the version was reviewed: nothing to post on.
            let Some(channel_id) = channel_id else {
                continue;
            };
            let posted: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
                "SELECT id FROM channel_post WHERE channel_id = $1 AND item_id = $2")
                .bind(channel_id).bind(item_id).fetch_optional(&mut *c).await?);
            if posted.is_some() {
                continue;
            }
            let entered: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
                "SELECT id FROM channel_post WHERE channel_id = $1 AND title = $2 AND published_on = $3 \
                 AND item_id IS NULL")
                .bind(channel_id).bind(&f.title).bind(day).fetch_optional(&mut *c).await?);
            match entered {
                Some(id) => {
                    on_tx!(self, c => sqlx::query("UPDATE channel_post SET item_id = $1 WHERE id = $2")
                    .bind(item_id).bind(id).execute(&mut *c).await.map(|_| ())?)
                }
                None => on_tx!(self, c => sqlx::query(
                    "INSERT INTO channel_post (channel_id, title, published_on, reads, item_id) VALUES ($1, $2, $3, 0, $4)")
                    .bind(channel_id).bind(&f.title).bind(day).bind(item_id)
                    .execute(&mut *c).await.map(|_| ())?),
            }
        }
        Ok(())
    }

    /// Creates a draft item (version 1) in an agency's catalogue with a new 索引号; returns its
    /// id and 索引号.
    pub async fn create_item(
        &mut self,
        p: &Principal,
        agency_code: &str,
        fields: ItemFields,
        now: OffsetDateTime,
    ) -> Result<(i64, String), DbError> {
        let agency = self.lock_agency(agency_code).await?;
        let path = self.path_of(agency.id).await?;
        authorize(p, Action::DraftItems, Resource::Agency(&path))?;
        let f = fields.validated(beijing_date(now), 1)?;
        self.check_column(agency.id, &f.column).await?;
        self.check_interprets(agency.id, None, f.interprets).await?;
        self.check_channels(agency.id, &f.channels).await?;
        let index = self
            .next_index_no(agency.id, &agency.code, f.formed_on.year())
            .await?;
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO disclosure_item (agency_id, index_no, title, summary, doc_no, publisher, \
             generated_on, attr, art20_item, doc_kind, repealed_on, catalogue, state, version, \
             column_code, legal_ground, interprets_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'draft', 1, $12, $13, $14) RETURNING id")
            .bind(agency.id).bind(&index).bind(&f.title).bind(&f.summary).bind(&f.doc_no)
            .bind(&f.publisher).bind(f.formed_on).bind(f.attr.code()).bind(f.art20_item)
            .bind(f.doc_kind.code()).bind(f.repealed_on).bind(&f.column).bind(&f.legal_ground)
            .bind(f.interprets).fetch_one(&mut *c).await?);
        on_tx!(self, c => sqlx::query(
            "INSERT INTO item_version (item_id, version, state, fields, author_id, round, created_at, updated_at) \
             VALUES ($1, 1, 'draft', $2, $3, 1, $4, $4)")
            .bind(id).bind(Json(&f)).bind(p.user_id).bind(now).execute(&mut *c).await.map(|_| ())?);
        Ok((id, index))
    }

    /// The item's agency, path and head row, locked for the rest of the transaction.
    pub(crate) async fn item_head(
        &mut self,
        item_id: i64,
    ) -> Result<(ItemHead, AgencyPath), DbError> {
        self.item_head_with(item_id, true).await
    }

    async fn item_head_with(
        &mut self,
        item_id: i64,
        lock: bool,
    ) -> Result<(ItemHead, AgencyPath), DbError> {
        let sql = "SELECT i.id, i.agency_id, a.code, i.index_no, i.version, i.public_version \
                   FROM disclosure_item i JOIN agency a ON a.id = i.agency_id WHERE i.id = $1";
        let row: Option<ItemHead> = match self {
            Tx::Sqlite(t) => {
                sqlx::query_as(sql)
                    .bind(item_id)
                    .fetch_optional(&mut **t)
                    .await?
            }
            Tx::Pg(t) if !lock => {
                sqlx::query_as(sql)
                    .bind(item_id)
                    .fetch_optional(&mut **t)
                    .await?
            }
            Tx::Pg(t) => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{sql} FOR UPDATE OF i")))
                    .bind(item_id)
                    .fetch_optional(&mut **t)
                    .await?
            }
        };
        let row = row.ok_or_else(|| DbError::NotFound(format!("未找到主动公开信息 {item_id}")))?;
        let path = self.path_of(row.1).await?;
        Ok((row, path))
    }

    pub(crate) async fn version_row(
        &mut self,
        item_id: i64,
        version: i32,
    ) -> Result<VersionRow, DbError> {
        let row: Option<VersionTuple> = on_tx!(self, c => sqlx::query_as(
                "SELECT v.version, v.state, v.fields, v.author_id, u.name, v.round, v.scheduled_at, v.published_at, v.content_hash \
                 FROM item_version v JOIN app_user u ON u.id = v.author_id WHERE v.item_id = $1 AND v.version = $2")
                .bind(item_id).bind(version).fetch_optional(&mut *c).await?);
        let r = row.ok_or_else(|| {
            DbError::NotFound(format!("主动公开信息 {item_id} 没有第 {version} 版"))
        })?;
        version_of(r)
    }

    /// Every version of an item (or only those ever published), oldest first, in one read.
    async fn version_rows(
        &mut self,
        item_id: i64,
        published_only: bool,
    ) -> Result<Vec<VersionRow>, DbError> {
        let rows: Vec<VersionTuple> = on_tx!(self, c => sqlx::query_as(
                "SELECT v.version, v.state, v.fields, v.author_id, u.name, v.round, v.scheduled_at, v.published_at, v.content_hash \
                 FROM item_version v JOIN app_user u ON u.id = v.author_id \
                 WHERE v.item_id = $1 AND ($2 = 0 OR v.published_at IS NOT NULL) ORDER BY v.version")
                .bind(item_id).bind(i32::from(published_only)).fetch_all(&mut *c).await?);
        rows.into_iter().map(version_of).collect()
    }

    /// The (name, SHA-256) of a version's files, in the order they were stored.
    pub(crate) async fn files_of(
        &mut self,
        item_id: i64,
        version: i32,
    ) -> Result<Vec<(String, String)>, DbError> {
        Ok(on_tx!(self, c => sqlx::query_as(
            "SELECT name, sha256 FROM item_file WHERE item_id = $1 AND version = $2 ORDER BY id")
            .bind(item_id).bind(version).fetch_all(&mut *c).await?))
    }

    /// The log subject of an item (its 索引号, or `annual-report/YEAR` for a year's report)
    /// and whether it is a report.
    pub(crate) async fn subject_of(
        &mut self,
        item_id: i64,
        index: &str,
    ) -> Result<(String, bool), DbError> {
        let year: Option<i32> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT year FROM annual_report WHERE item_id = $1")
            .bind(item_id).fetch_optional(&mut *c).await?);
        Ok(match year {
            Some(y) => (report_subject(y), true),
            None => (index.to_string(), false),
        })
    }

    /// Every stage performed on a version (all rounds), and those of its current round.
    async fn reviews_of(
        &mut self,
        item_id: i64,
        v: &VersionRow,
    ) -> Result<(Vec<(Stage, i64)>, Vec<ReviewRecord>), DbError> {
        let rows: Vec<(i32, String, i64, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT round, stage, user_id, verdict FROM item_review WHERE item_id = $1 AND version = $2 ORDER BY id")
            .bind(item_id).bind(v.version).fetch_all(&mut *c).await?);
        let mut all = Vec::new();
        let mut round = Vec::new();
        for (r, stage, user, verdict) in rows {
            let stage = stage_of(&stage)?;
            all.push((stage, user));
            if r == v.round {
                round.push(ReviewRecord {
                    stage,
                    user,
                    verdict: Verdict::from_code(&verdict)?,
                });
            }
        }
        Ok((all, round))
    }

    /// The items waiting on `p` ([`Db::work_queues`]).
    pub async fn work_queues(&mut self, p: &Principal) -> Result<WorkQueues, DbError> {
        let rows: Vec<(i64, i32, String, String, i64)> = on_tx!(self, c => sqlx::query_as(
            "SELECT v.item_id, v.version, v.state, i.title, v.author_id FROM item_version v \
             JOIN disclosure_item i ON i.id = v.item_id \
             WHERE v.state IN ('draft', 'returned', 'in_review') ORDER BY v.updated_at DESC, v.id DESC")
            .fetch_all(&mut *c).await?);
        let mut q = WorkQueues::default();
        for (item_id, version, state, title, author) in rows {
            let state = VersionState::from_code(&state)?;
            let ((_, agency_id, agency, _, _, _), path) =
                self.item_head_with(item_id, false).await?;
            if authorize(p, Action::ViewItems, Resource::Agency(&path)).is_err() {
                continue;
            }
            let mut item = WorkItem {
                id: item_id,
                agency,
                title,
                state,
                stages: Vec::new(),
            };
            if state != VersionState::InReview {
                if author == p.user_id {
                    q.my_drafts.push(item);
                }
                continue;
            }
            let v = self.version_row(item_id, version).await?;
            let (all, round) = self.reviews_of(item_id, &v).await?;
            let ctx = ReviewContext {
                agency: &path,
                author: v.author_id,
                done: &all,
                min_people: self.min_people(agency_id).await?,
            };
            // The same three questions `review_item` asks: the stage's role, whether the
            // stage fits the round, separation of duties.
            item.stages = Stage::ALL
                .iter()
                .copied()
                .filter(|&stage| {
                    authorize(p, Action::Review(stage), Resource::Agency(&path)).is_ok()
                        && next_state(
                            VersionState::InReview,
                            Step::Review {
                                stage,
                                verdict: Verdict::Pass,
                            },
                            &round,
                            0,
                        )
                        .is_ok()
                        && authorize(p, Action::Review(stage), Resource::ReviewOf(&ctx)).is_ok()
                })
                .collect();
            if !item.stages.is_empty() {
                q.to_review.push(item);
            }
        }
        // Returned versions first: someone is waiting for the fix.
        q.my_drafts
            .sort_by_key(|i| i.state != VersionState::Returned);
        Ok(q)
    }

    async fn min_people(&mut self, agency_id: i64) -> Result<usize, DbError> {
        Ok(match self.setting(agency_id, MIN_PEOPLE_KEY).await? {
            Some(v) => v
                .as_u64()
                .map_or(DEFAULT_MIN_PEOPLE, |n| n.clamp(1, 10) as usize),
            None => DEFAULT_MIN_PEOPLE,
        })
    }

    /// Whether an internal link of a body leads to a public page now: a fixed page, an existing
    /// agency or column, a published item, a published report.
    async fn link_leads_somewhere(&mut self, url: &str) -> Result<bool, DbError> {
        use gongkai_domain::publishing::LinkTarget as T;
        let one = |n: Option<i64>| n.is_some();
        Ok(match gongkai_domain::publishing::link_target(url) {
            T::Fixed => true,
            T::Unknown => false,
            T::Agency(code) => one(on_tx!(self, c => sqlx::query_scalar(
                "SELECT id FROM agency WHERE code = $1").bind(&code).fetch_optional(&mut *c).await?)),
            T::Column(code, col) => {
                let id: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
                    "SELECT id FROM agency WHERE code = $1").bind(&code).fetch_optional(&mut *c).await?);
                match id {
                    Some(id) => self.columns(id).await?.iter().any(|(c, _, _)| *c == col),
                    None => false,
                }
            }
            T::Item(code, id) => one(on_tx!(self, c => sqlx::query_scalar(
                "SELECT i.id FROM disclosure_item i JOIN agency a ON a.id = i.agency_id \
                 WHERE a.code = $1 AND i.id = $2 AND i.state IN ('published', 'corrected') \
                 AND i.public_version IS NOT NULL")
                .bind(&code).bind(id).fetch_optional(&mut *c).await?)),
            T::Report(code, year) => one(on_tx!(self, c => sqlx::query_scalar(
                "SELECT i.id FROM annual_report r JOIN agency a ON a.id = r.agency_id \
                 JOIN disclosure_item i ON i.id = r.item_id \
                 WHERE a.code = $1 AND r.year = $2 AND i.state IN ('published', 'corrected')")
                .bind(&code).bind(year).fetch_optional(&mut *c).await?)),
        })
    }

    /// The findings of the pre-publication checks on a version, and the keys let through.
    async fn findings_of(
        &mut self,
        agency_id: i64,
        item_id: i64,
        v: &VersionRow,
    ) -> Result<(Vec<Finding>, Vec<(String, String)>), DbError> {
        let words = self.strings_setting(agency_id, WORDS_KEY).await?;
        let contacts = self.strings_setting(agency_id, CONTACTS_KEY).await?;
        let detectors = Detectors::new(&words, &contacts);
        let mut findings = scan_fields(&detectors, &v.fields);
        for url in gongkai_domain::publishing::internal_links(&v.fields.body) {
            if !self.link_leads_somewhere(&url).await? {
                findings.push(Finding::broken_link("正文", &url));
            }
        }
        // Attachments (a report's snapshot files carry no extracted text: nothing to read).
        for (name, size, text, unreadable) in self.attachment_texts(item_id, v.version).await? {
            let text = match (&text, unreadable) {
                (_, true) => AttachmentText::Unreadable,
                (Some(t), false) => AttachmentText::Read(t),
                (None, false) => AttachmentText::NotRead,
            };
            findings.extend(attachment_findings(&detectors, &name, size, text));
        }
        let overrides: Vec<(String, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT finding_key, reason FROM item_override WHERE item_id = $1 AND version = $2")
            .bind(item_id).bind(v.version).fetch_all(&mut *c).await?);
        Ok((findings, overrides))
    }

    async fn set_version_state(
        &mut self,
        item_id: i64,
        version: i32,
        state: VersionState,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        on_tx!(self, c => sqlx::query(
            "UPDATE item_version SET state = $1, updated_at = $2 WHERE item_id = $3 AND version = $4")
            .bind(state.code()).bind(now).bind(item_id).bind(version).execute(&mut *c).await.map(|_| ())?);
        Ok(())
    }

    /// Recomputes and stores the item's contract state from its versions.
    pub(crate) async fn refresh_item_state(&mut self, item_id: i64) -> Result<ItemState, DbError> {
        let (published, withdrawn, latest): (i64, Option<OffsetDateTime>, String) = on_tx!(self, c => sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM item_version WHERE item_id = i.id AND published_at IS NOT NULL), \
                    i.withdrawn_at, \
                    (SELECT state FROM item_version WHERE item_id = i.id ORDER BY version DESC LIMIT 1) \
             FROM disclosure_item i WHERE i.id = $1")
            .bind(item_id).fetch_one(&mut *c).await?);
        let state = item_state(
            published as usize,
            withdrawn.is_some(),
            VersionState::from_code(&latest)?,
        );
        on_tx!(self, c => sqlx::query("UPDATE disclosure_item SET state = $1 WHERE id = $2")
            .bind(state.code()).bind(item_id).execute(&mut *c).await.map(|_| ())?);
        Ok(state)
    }

    /// Mirrors a version's fields into the catalogue row.
    async fn mirror(&mut self, item_id: i64, f: &ItemFields) -> Result<(), DbError> {
        on_tx!(self, c => sqlx::query(
            "UPDATE disclosure_item SET title = $1, summary = $2, doc_no = $3, publisher = $4, generated_on = $5, \
             attr = $6, art20_item = $7, doc_kind = $8, repealed_on = $9, catalogue = $10, column_code = $10, \
             legal_ground = $11, interprets_id = $13 WHERE id = $12")
            .bind(&f.title).bind(&f.summary).bind(&f.doc_no).bind(&f.publisher).bind(f.formed_on)
            .bind(f.attr.code()).bind(f.art20_item).bind(f.doc_kind.code()).bind(f.repealed_on)
            .bind(&f.column).bind(&f.legal_ground).bind(item_id).bind(f.interprets)
            .execute(&mut *c).await.map(|_| ())?);
        Ok(())
    }

    /// Replaces the fields of the version in work (a draft or a returned version); the editor
    /// becomes its author for separation of duties.
    /// A year's annual report is not edited here: its fields and files are one snapshot of
    /// the ledger, redrafted with `draft_report`.
    pub async fn edit_item(
        &mut self,
        p: &Principal,
        item_id: i64,
        fields: ItemFields,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let ((_, _, _, index, _, _), _) = self.item_head(item_id).await?;
        if self.subject_of(item_id, &index).await?.1 {
            return Err(DbError::Conflict(
                "年度报告发布稿由台账数据生成，不能直接修改；请在“年度报告”页按最新数据重新起草"
                    .into(),
            ));
        }
        self.edit_fields(p, item_id, fields, now).await
    }

    /// Replaces the fields of the version in work (checked as [`Tx::edit_item`] does).
    pub(crate) async fn edit_fields(
        &mut self,
        p: &Principal,
        item_id: i64,
        fields: ItemFields,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let ((_, agency_id, _, _, version, public), path) = self.item_head(item_id).await?;
        authorize(p, Action::DraftItems, Resource::Agency(&path))?;
        let v = self.version_row(item_id, version).await?;
        next_state(v.state, Step::Edit, &[], 0).map_err(DbError::Conflict)?;
        let f = fields.validated(beijing_date(now), version)?;
        self.check_column(agency_id, &f.column).await?;
        self.check_interprets(agency_id, Some(item_id), f.interprets)
            .await?;
        self.check_channels(agency_id, &f.channels).await?;
        on_tx!(self, c => sqlx::query(
            "UPDATE item_version SET fields = $1, author_id = $2, updated_at = $3 WHERE item_id = $4 AND version = $5")
            .bind(Json(&f)).bind(p.user_id).bind(now).bind(item_id).bind(version)
            .execute(&mut *c).await.map(|_| ())?);
        if public.is_none() {
            self.mirror(item_id, &f).await?;
        }
        Ok(())
    }

    /// Sends the version in work to review (a returned version starts a new round).
    pub async fn submit_item(
        &mut self,
        p: &Principal,
        item_id: i64,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let ((_, _, _, _, version, _), path) = self.item_head(item_id).await?;
        authorize(p, Action::DraftItems, Resource::Agency(&path))?;
        let v = self.version_row(item_id, version).await?;
        let next = next_state(v.state, Step::Submit, &[], 0).map_err(DbError::Conflict)?;
        let round = if v.state == VersionState::Returned {
            v.round + 1
        } else {
            v.round
        };
        on_tx!(self, c => sqlx::query(
            "UPDATE item_version SET state = $1, round = $2, updated_at = $3 WHERE item_id = $4 AND version = $5")
            .bind(next.code()).bind(round).bind(now).bind(item_id).bind(version)
            .execute(&mut *c).await.map(|_| ())?);
        self.refresh_item_state(item_id).await?;
        Ok(())
    }

    /// Performs one stage of the review of the version in work. A return needs a comment (the
    /// reasons); 终审's approval needs every other stage and no blocking finding.
    pub async fn review_item(
        &mut self,
        p: &Principal,
        item_id: i64,
        stage: Stage,
        verdict: Verdict,
        comment: &str,
        now: OffsetDateTime,
    ) -> Result<VersionState, DbError> {
        let ((_, agency_id, _, _, version, _), path) = self.item_head(item_id).await?;
        let v = self.version_row(item_id, version).await?;
        let (all, round) = self.reviews_of(item_id, &v).await?;
        let min_people = self.min_people(agency_id).await?;
        let ctx = ReviewContext {
            agency: &path,
            author: v.author_id,
            done: &all,
            min_people,
        };
        // The stage's role first, then whether the step fits the version (so that a reviewer
        // learns what is missing before who may do it), then separation of duties.
        authorize(p, Action::Review(stage), Resource::Agency(&path))?;
        if verdict == Verdict::Pass {
            next_state(v.state, Step::Review { stage, verdict }, &round, 0)
                .map_err(DbError::Conflict)?;
        }
        authorize(p, Action::Review(stage), Resource::ReviewOf(&ctx))?;
        let comment = comment.trim();
        if verdict == Verdict::Return && comment.is_empty() {
            return Err(gongkai_domain::DomainError::invalid("意见", "退回须写明理由").into());
        }
        let blocking_n =
            if stage == Stage::Final && verdict == Verdict::Pass && !off(&DETECTORS_OFF) {
                let (findings, overrides) = self.findings_of(agency_id, item_id, &v).await?;
                let keys: Vec<String> = overrides.into_iter().map(|(k, _)| k).collect();
                blocking(&findings, &keys).len()
            } else {
                0
            };
        let next = next_state(v.state, Step::Review { stage, verdict }, &round, blocking_n)
            .map_err(DbError::Conflict)?;
        on_tx!(self, c => sqlx::query(
            "INSERT INTO item_review (item_id, version, round, stage, user_id, verdict, comment, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(item_id).bind(version).bind(v.round).bind(stage_code(stage)).bind(p.user_id)
            .bind(verdict.code()).bind(comment).bind(now).execute(&mut *c).await.map(|_| ())?);
        if next != v.state {
            self.set_version_state(item_id, version, next, now).await?;
            self.refresh_item_state(item_id).await?;
        }
        Ok(next)
    }

    /// Lets a finding of the pre-publication checks through, with the reason: the
    /// confidentiality reviewer's decision (保密审查), under separation of duties.
    pub async fn override_finding(
        &mut self,
        p: &Principal,
        item_id: i64,
        key: &str,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let ((_, agency_id, _, _, version, _), path) = self.item_head(item_id).await?;
        let v = self.version_row(item_id, version).await?;
        let (all, _) = self.reviews_of(item_id, &v).await?;
        let min_people = self.min_people(agency_id).await?;
        let ctx = ReviewContext {
            agency: &path,
            author: v.author_id,
            done: &all,
            min_people,
        };
        authorize(p, Action::Review(Stage::Secrecy), Resource::ReviewOf(&ctx))?;
        if v.state != VersionState::InReview {
            return Err(DbError::Conflict(format!(
                "{}状态的稿件不能放行检查问题",
                v.state.label()
            )));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(gongkai_domain::DomainError::invalid("放行理由", "不能为空").into());
        }
        let (findings, _) = self.findings_of(agency_id, item_id, &v).await?;
        let f = findings
            .iter()
            .find(|f| f.key == key)
            .ok_or_else(|| DbError::NotFound(format!("本稿没有编号为 {key} 的检查问题")))?;
        on_tx!(self, c => sqlx::query(
            "INSERT INTO item_override (item_id, version, finding_key, kind, place, reason, user_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (item_id, version, finding_key) DO NOTHING")
            .bind(item_id).bind(version).bind(key).bind(f.kind.code()).bind(&f.place).bind(reason)
            .bind(p.user_id).bind(now).execute(&mut *c).await.map(|_| ())?);
        Ok(())
    }

    /// Sets an approved version to go out at `at` (later than `now`).
    pub async fn schedule_item(
        &mut self,
        p: &Principal,
        item_id: i64,
        at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let ((_, _, _, _, version, _), path) = self.item_head(item_id).await?;
        authorize(p, Action::PublishItems, Resource::Agency(&path))?;
        if at <= now {
            return Err(gongkai_domain::DomainError::invalid("定时发布时间", "须晚于现在").into());
        }
        let v = self.version_row(item_id, version).await?;
        let next = next_state(v.state, Step::Schedule, &[], 0).map_err(DbError::Conflict)?;
        on_tx!(self, c => sqlx::query(
            "UPDATE item_version SET state = $1, scheduled_at = $2, updated_at = $3 WHERE item_id = $4 AND version = $5")
            .bind(next.code()).bind(at).bind(now).bind(item_id).bind(version)
            .execute(&mut *c).await.map(|_| ())?);
        self.refresh_item_state(item_id).await?;
        Ok(())
    }

    /// Takes a scheduled version back to approved (it will not go out by itself).
    pub async fn unschedule_item(
        &mut self,
        p: &Principal,
        item_id: i64,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let ((_, _, _, _, version, _), path) = self.item_head(item_id).await?;
        authorize(p, Action::PublishItems, Resource::Agency(&path))?;
        let v = self.version_row(item_id, version).await?;
        let next = next_state(v.state, Step::Unschedule, &[], 0).map_err(DbError::Conflict)?;
        on_tx!(self, c => sqlx::query(
            "UPDATE item_version SET state = $1, scheduled_at = NULL, updated_at = $2 WHERE item_id = $3 AND version = $4")
            .bind(next.code()).bind(now).bind(item_id).bind(version)
            .execute(&mut *c).await.map(|_| ())?);
        self.refresh_item_state(item_id).await?;
        Ok(())
    }

    /// Publishes the approved (or scheduled) version in work: by a person (`Some`, who needs
    /// the right) or by the scheduler (`None`, only a scheduled version whose time has come).
    /// The previous public version is superseded; the log entry is appended.
    pub async fn publish_item(
        &mut self,
        p: Option<&Principal>,
        item_id: i64,
        now: OffsetDateTime,
    ) -> Result<LogEntry, DbError> {
        let ((_, agency_id, agency_code, index, version, public), path) =
            self.item_head(item_id).await?;
        let v = self.version_row(item_id, version).await?;
        match p {
            Some(p) => authorize(p, Action::PublishItems, Resource::Agency(&path))?,
            None => {
                if v.state != VersionState::Scheduled || v.scheduled_at.is_none_or(|t| t > now) {
                    return Err(DbError::Conflict("未到定时发布时间".into()));
                }
            }
        }
        let next = next_state(v.state, Step::Publish, &[], 0).map_err(DbError::Conflict)?;
        if v.fields.attr != DisclosureAttr::Proactive {
            return Err(DbError::Conflict(format!(
                "公开属性为“{}”的信息不能主动发布",
                v.fields.attr.label()
            )));
        }
        let files = self.files_of(item_id, version).await?;
        let hash = version_hash(&index, version, &v.fields, &files);
        on_tx!(self, c => sqlx::query(
            "UPDATE item_version SET state = $1, published_at = $2, content_hash = $3, updated_at = $2 \
             WHERE item_id = $4 AND version = $5")
            .bind(next.code()).bind(now).bind(&hash).bind(item_id).bind(version)
            .execute(&mut *c).await.map(|_| ())?);
        if let Some(old) = public {
            self.set_version_state(item_id, old, VersionState::Superseded, now)
                .await?;
        }
        on_tx!(self, c => sqlx::query(
            "UPDATE disclosure_item SET public_version = $1, published_at = COALESCE(published_at, $2), \
             published_on = COALESCE(published_on, $3) WHERE id = $4")
            .bind(version).bind(now).bind(beijing_date(now)).bind(item_id)
            .execute(&mut *c).await.map(|_| ())?);
        // A withdrawn item reissued by a new version is public again; the withdrawal stays in
        // the log and the history.
        on_tx!(self, c => sqlx::query(
            "UPDATE disclosure_item SET withdrawn_at = NULL, withdraw_reason = NULL WHERE id = $1")
            .bind(item_id).execute(&mut *c).await.map(|_| ())?);
        self.mirror(item_id, &v.fields).await?;
        self.post_to_channels(agency_id, item_id, &v.fields, now)
            .await?;
        self.refresh_item_state(item_id).await?;
        let (subject, report) = self.subject_of(item_id, &index).await?;
        if off(&CHAIN_OFF) {
            self.note_public_change(agency_id, ChangeKind::Item, item_id)
                .await?;
            return Ok(LogEntry {
                seq: 0,
                at: now_text(now),
                agency: agency_code,
                subject,
                version,
                action: LogAction::Publish,
                content_hash: hash,
                prev_hash: String::new(),
                entry_hash: String::new(),
            });
        }
        let action = match (public.is_some(), report) {
            (true, false) => LogAction::Correct,
            (false, false) => LogAction::Publish,
            (true, true) => LogAction::CorrectReport,
            (false, true) => LogAction::PublishReport,
        };
        self.append_log(
            agency_id,
            &agency_code,
            &subject,
            Some(item_id),
            version,
            action,
            &hash,
            now,
        )
        .await
    }

    /// Starts a correction of a published item: a new version in draft with the public
    /// version's fields (its 更正说明 to be written). The public version stays public until the
    /// correction is published.
    pub async fn correct_item(
        &mut self,
        p: &Principal,
        item_id: i64,
        now: OffsetDateTime,
    ) -> Result<i32, DbError> {
        let ((_, _, _, _, version, public), path) = self.item_head(item_id).await?;
        authorize(p, Action::DraftItems, Resource::Agency(&path))?;
        let state = self.refresh_item_state(item_id).await?;
        let v = self.version_row(item_id, version).await?;
        // A withdrawn item is reissued the same way: a new version, reviewed and published.
        let reissue = state == ItemState::Withdrawn;
        if !(state.is_public() || reissue)
            || public != Some(version)
            || v.state != VersionState::Published
        {
            return Err(DbError::Conflict(format!(
                "{}状态的信息不能更正（只能更正已发布或已撤回、且没有待审更正稿的信息）",
                state.label()
            )));
        }
        let mut f = v.fields;
        f.change_note = None;
        let next = version + 1;
        on_tx!(self, c => sqlx::query(
            "INSERT INTO item_version (item_id, version, state, fields, author_id, round, created_at, updated_at) \
             VALUES ($1, $2, 'draft', $3, $4, 1, $5, $5)")
            .bind(item_id).bind(next).bind(Json(&f)).bind(p.user_id).bind(now)
            .execute(&mut *c).await.map(|_| ())?);
        on_tx!(self, c => sqlx::query("UPDATE disclosure_item SET version = $1 WHERE id = $2")
            .bind(next).bind(item_id).execute(&mut *c).await.map(|_| ())?);
        self.copy_files(item_id, version, next).await?;
        // A withdrawn item being reissued is in work again.
        self.refresh_item_state(item_id).await?;
        Ok(next)
    }

    /// Withdraws a public item (负责人), with the reason; appends the log entry.
    pub async fn withdraw_item(
        &mut self,
        p: &Principal,
        item_id: i64,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<LogEntry, DbError> {
        let ((_, agency_id, agency_code, index, _, public), path) = self.item_head(item_id).await?;
        authorize(p, Action::WithdrawItems, Resource::Agency(&path))?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(gongkai_domain::DomainError::invalid("撤回理由", "不能为空").into());
        }
        let state = self.refresh_item_state(item_id).await?;
        let Some(public) = public.filter(|_| state.is_public()) else {
            return Err(DbError::Conflict(format!(
                "{}状态的信息不能撤回",
                state.label()
            )));
        };
        let v = self.version_row(item_id, public).await?;
        let files = self.files_of(item_id, public).await?;
        let hash = version_hash(&index, public, &v.fields, &files);
        let (subject, _) = self.subject_of(item_id, &index).await?;
        on_tx!(self, c => sqlx::query(
            "UPDATE disclosure_item SET withdrawn_at = $1, withdraw_reason = $2 WHERE id = $3")
            .bind(now).bind(reason).bind(item_id).execute(&mut *c).await.map(|_| ())?);
        self.refresh_item_state(item_id).await?;
        self.append_log(
            agency_id,
            &agency_code,
            &subject,
            Some(item_id),
            public,
            LogAction::Withdraw,
            &hash,
            now,
        )
        .await
    }

    /// Appends an entry to an agency's publication log (the caller holds the agency's or the
    /// item's lock, so entries of one agency are numbered one after the other).
    #[allow(clippy::too_many_arguments)]
    pub async fn append_log(
        &mut self,
        agency_id: i64,
        agency_code: &str,
        subject: &str,
        item_id: Option<i64>,
        version: i32,
        action: LogAction,
        content_hash: &str,
        now: OffsetDateTime,
    ) -> Result<LogEntry, DbError> {
        if let Tx::Pg(t) = self {
            // One appender per agency at a time, whatever row the caller locked.
            sqlx::query("SELECT pg_advisory_xact_lock(7001, CAST($1 AS INTEGER))")
                .bind(agency_id)
                .execute(&mut **t)
                .await?;
        }
        let last: Option<(i64, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT seq, entry_hash FROM publication_log WHERE agency_id = $1 ORDER BY seq DESC LIMIT 1")
            .bind(agency_id).fetch_optional(&mut *c).await?);
        let (seq, prev) = match last {
            Some((s, h)) => (s + 1, h),
            None => (1, gongkai_domain::publishing::GENESIS.to_string()),
        };
        let at = now_text(now);
        let hash = entry_hash(
            seq,
            &at,
            agency_code,
            subject,
            version,
            action,
            content_hash,
            &prev,
        );
        on_tx!(self, c => sqlx::query(
            "INSERT INTO publication_log (agency_id, seq, at, subject, item_id, version, action, content_hash, prev_hash, entry_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(agency_id).bind(seq).bind(&at).bind(subject).bind(item_id).bind(version)
            .bind(action.code()).bind(content_hash).bind(&prev).bind(&hash)
            .execute(&mut *c).await.map(|_| ())?);
        if let Some(item) = item_id {
            self.note_public_change(agency_id, ChangeKind::Item, item)
                .await?;
        }
        Ok(LogEntry {
            seq,
            at,
            agency: agency_code.to_string(),
            subject: subject.to_string(),
            version,
            action,
            content_hash: content_hash.to_string(),
            prev_hash: prev,
            entry_hash: hash,
        })
    }
}

/// The pre-publication findings of a version's fields (title, summary, 文号, body).
pub fn scan_fields(d: &Detectors, f: &ItemFields) -> Vec<Finding> {
    let mut out = d.scan("名称", &f.title);
    out.extend(d.scan("内容概述", &f.summary));
    out.extend(d.scan("正文", &html_text(&f.body)));
    out
}

/// The machine code of a review stage (forms, API bodies, the `item_review` table).
pub fn stage_code(s: Stage) -> &'static str {
    match s {
        Stage::First => "first",
        Stage::Second => "second",
        Stage::Final => "final",
        Stage::Proofread => "proofread",
        Stage::Secrecy => "secrecy",
    }
}

fn stage_of(code: &str) -> Result<Stage, DbError> {
    Stage::ALL
        .iter()
        .copied()
        .find(|s| stage_code(*s) == code)
        .ok_or_else(|| DbError::Conflict(format!("未知审核环节“{code}”")))
}

/// Parses a stage code (`first`, `second`, `final`, `proofread`, `secrecy`) of a form or API
/// body; the error names the field.
pub fn parse_stage(code: &str) -> Result<Stage, gongkai_domain::DomainError> {
    Stage::ALL
        .iter()
        .copied()
        .find(|s| stage_code(*s) == code)
        .ok_or_else(|| {
            gongkai_domain::DomainError::invalid(
                "stage",
                format!("未知审核环节“{code}”，可选：first、second、final、proofread、secrecy"),
            )
        })
}

type LogRow = (
    i64,
    String,
    String,
    i32,
    String,
    String,
    String,
    String,
    Option<i64>,
);

impl Db {
    /// The items waiting on `p`, in the agencies whose items `p` may view: the versions `p`
    /// drafted that are still in work, and the versions in review on which `p` may perform a
    /// stage now — as `authorize` decides it for the review itself (the stage's role, the
    /// stage fitting the round, separation of duties).
    pub async fn work_queues(&self, p: &Principal) -> Result<WorkQueues, DbError> {
        let mut tx = self.begin().await?;
        let q = tx.work_queues(p).await?;
        tx.commit().await?;
        Ok(q)
    }

    /// The agency's items (contracts.md §7), newest first, optionally in one state.
    pub async fn items(
        &self,
        agency_code: &str,
        state: Option<ItemState>,
    ) -> Result<Vec<ItemRow>, DbError> {
        let agency = self.agency(agency_code).await?;
        let rows: Vec<ItemTuple> = on_db!(self, p => sqlx::query_as(
            "SELECT i.id, i.index_no, i.title, i.doc_no, i.state, i.column_code, i.published_at, \
                    (SELECT COUNT(*) FROM item_version v WHERE v.item_id = i.id), i.generated_on, i.attr \
             FROM disclosure_item i WHERE i.agency_id = $1 AND ($2 = '' OR i.state = $2) \
             ORDER BY i.id DESC")
            .bind(agency.id).bind(state.map_or("", |s| s.code())).fetch_all(p).await?);
        rows.into_iter()
            .map(|r| {
                Ok(ItemRow {
                    id: r.0,
                    index_no: r.1,
                    title: r.2,
                    doc_no: r.3,
                    state: ItemState::from_code(&r.4)?,
                    column: r.5,
                    published_at: r.6,
                    versions: r.7,
                    formed_on: r.8,
                    attr: gongkai_domain::codes::DisclosureAttr::from_code(&r.9)?,
                })
            })
            .collect()
    }

    /// The posts of an item on its agency's channels, with the agency's code (the back
    /// office's reads form: lighter than [`Db::item`]).
    pub async fn item_posts(&self, item_id: i64) -> Result<(String, Vec<PostRow>), DbError> {
        let agency = self.item_agency(item_id).await?;
        let posts: Vec<PostTuple> = on_db!(self, p => sqlx::query_as(POSTS_SQL)
            .bind(item_id).fetch_all(p).await?);
        Ok((agency, posts.into_iter().map(post_row).collect()))
    }

    /// An item with everything about it (for the back office; public pages show only
    /// [`ItemDetail::public`]).
    pub async fn item(&self, item_id: i64) -> Result<ItemDetail, DbError> {
        self.item_for(item_id, false).await
    }

    /// An item as the back office sees it (`public`: false) or as the public does: then only
    /// the versions ever published and their files, no reviews, and no pre-publication checks
    /// run (they are the reviewers' business, and a public page must not pay for them).
    pub(crate) async fn item_for(&self, item_id: i64, public: bool) -> Result<ItemDetail, DbError> {
        let audience_public = public;
        // Read in a transaction for one consistent view (nothing is written).
        let mut tx = self.begin_read().await?;
        let ((id, agency_id, agency, index, _, public), _) =
            tx.item_head_with(item_id, false).await?;
        let (state, withdrawn_at, withdraw_reason): (
            String,
            Option<OffsetDateTime>,
            Option<String>,
        ) = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT state, withdrawn_at, withdraw_reason FROM disclosure_item WHERE id = $1")
            .bind(item_id).fetch_one(&mut *c).await?);
        let versions = tx.version_rows(item_id, audience_public).await?;
        let reviews: Vec<(i32, i32, String, String, String, String, OffsetDateTime)> =
            if audience_public {
                Vec::new()
            } else {
                on_tx!(&mut tx, c => sqlx::query_as(
                "SELECT r.version, r.round, r.stage, u.name, r.verdict, r.comment, r.at FROM item_review r \
                 JOIN app_user u ON u.id = r.user_id WHERE r.item_id = $1 ORDER BY r.id")
                .bind(item_id).fetch_all(&mut *c).await?)
            };
        let reviews = reviews
            .into_iter()
            .map(|r| {
                let stage = stage_of(&r.2)?;
                Ok(ReviewRow {
                    version: r.0,
                    round: r.1,
                    stage: r.2,
                    stage_label: stage.label().to_string(),
                    user: r.3,
                    verdict: Verdict::from_code(&r.4)?,
                    comment: r.5,
                    at: r.6,
                })
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        let findings = match versions.last().filter(|_| !audience_public) {
            Some(v) => {
                let (f, o) = tx.findings_of(agency_id, item_id, v).await?;
                f.into_iter()
                    .map(|f| {
                        let reason = o.iter().find(|(k, _)| *k == f.key).map(|(_, r)| r.clone());
                        (f, reason)
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        let log: Vec<LogRow> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT seq, at, subject, version, action, content_hash, prev_hash, entry_hash, item_id \
             FROM publication_log WHERE item_id = $1 ORDER BY seq")
            .bind(item_id).fetch_all(&mut *c).await?);
        let mut files: Vec<(i32, String, String, i64, String)> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT version, name, content_type, size, sha256 FROM item_file WHERE item_id = $1 ORDER BY id")
            .bind(item_id).fetch_all(&mut *c).await?);
        if audience_public {
            files.retain(|f| versions.iter().any(|v| v.version == f.0));
        }
        let report_year: Option<i32> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "SELECT year FROM annual_report WHERE item_id = $1")
            .bind(item_id).fetch_optional(&mut *c).await?);
        let mut posts: Vec<PostTuple> = on_tx!(&mut tx, c => sqlx::query_as(POSTS_SQL)
            .bind(item_id).fetch_all(&mut *c).await?);
        if audience_public {
            // The public sees where an item went out, not the office's reading figures.
            for p in &mut posts {
                p.4 = 0;
            }
        }
        tx.rollback().await?;
        Ok(ItemDetail {
            files: files
                .into_iter()
                .map(|f| FileRow {
                    version: f.0,
                    name: f.1,
                    content_type: f.2,
                    size: f.3,
                    sha256: f.4,
                })
                .collect(),
            report_year,
            posts: posts.into_iter().map(post_row).collect(),
            id,
            agency: agency.clone(),
            index_no: index,
            state: ItemState::from_code(&state)?,
            public_version: public,
            withdrawn_at,
            withdraw_reason,
            versions,
            reviews,
            findings,
            log: log
                .into_iter()
                .map(|r| log_entry(&agency, r))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Checks the publication log of one agency or of every agency: each chain's links and
    /// hashes, and each entry's content hash against the version it names as stored now.
    pub async fn verify_log(&self, agency_code: Option<&str>) -> Result<Vec<ChainReport>, DbError> {
        let agencies: Vec<(i64, String)> = match agency_code {
            Some(code) => {
                let a = self.agency(code).await?;
                vec![(a.id, a.code)]
            }
            None => on_db!(self, p => sqlx::query_as(
                "SELECT DISTINCT a.id, a.code FROM agency a JOIN publication_log l ON l.agency_id = a.id ORDER BY a.code")
                .fetch_all(p).await?),
        };
        let mut out = Vec::new();
        for (id, code) in agencies {
            let rows: Vec<LogRow> = on_db!(self, p => sqlx::query_as(
                "SELECT seq, at, subject, version, action, content_hash, prev_hash, entry_hash, item_id \
                 FROM publication_log WHERE agency_id = $1 ORDER BY seq")
                .bind(id).fetch_all(p).await?);
            let entries: Vec<LogEntry> = rows
                .into_iter()
                .map(|r| log_entry(&code, r))
                .collect::<Result<_, _>>()?;
            // The stored content of every version the log names.
            let stored: Vec<StoredVersion> = on_db!(self, p => sqlx::query_as(
                "SELECT v.item_id, v.version, i.index_no, v.fields, r.year FROM item_version v \
                 JOIN disclosure_item i ON i.id = v.item_id LEFT JOIN annual_report r ON r.item_id = i.id \
                 WHERE i.agency_id = $1 AND v.published_at IS NOT NULL")
                .bind(id).fetch_all(p).await?);
            // The files of those versions, hashed from their bytes as stored now (not from
            // the stored hash, which a tamperer would change too), in stored order.
            let file_rows: Vec<(i64, i32, String, Vec<u8>)> = on_db!(self, p => sqlx::query_as(
                "SELECT f.item_id, f.version, f.name, f.content FROM item_file f \
                 JOIN disclosure_item i ON i.id = f.item_id WHERE i.agency_id = $1 ORDER BY f.id")
                .bind(id).fetch_all(p).await?);
            let mut files: std::collections::HashMap<(i64, i32), Vec<(String, String)>> =
                std::collections::HashMap::new();
            for (item, v, name, bytes) in file_rows {
                files
                    .entry((item, v))
                    .or_default()
                    .push((name, gongkai_domain::publishing::sha256_hex(&bytes)));
            }
            let hashes: std::collections::HashMap<(String, i32), String> = stored
                .into_iter()
                .map(|(item, v, index, Json(f), year)| {
                    let h = version_hash(
                        &index,
                        v,
                        &f,
                        files.get(&(item, v)).map_or(&[][..], Vec::as_slice),
                    );
                    let subject = year.map_or(index, report_subject);
                    ((subject, v), h)
                })
                .collect();
            let n = entries.len();
            let result = gongkai_domain::publishing::verify(&code, &entries, |e| {
                hashes.get(&(e.subject.clone(), e.version)).cloned()
            });
            out.push(match result {
                Ok(head) => ChainReport {
                    agency: code,
                    entries: n,
                    head: Some(head),
                    broken: None,
                },
                Err(b) => ChainReport {
                    agency: code,
                    entries: n,
                    head: None,
                    broken: Some(b),
                },
            });
        }
        Ok(out)
    }

    /// The head hash of an agency's publication log (the genesis value when empty), for the
    /// portal.
    pub async fn log_head(&self, agency_code: &str) -> Result<(i64, String), DbError> {
        let a = self.agency(agency_code).await?;
        let row: Option<(i64, String)> = on_db!(self, p => sqlx::query_as(
            "SELECT seq, entry_hash FROM publication_log WHERE agency_id = $1 ORDER BY seq DESC LIMIT 1")
            .bind(a.id).fetch_optional(p).await?);
        Ok(row.unwrap_or((0, gongkai_domain::publishing::GENESIS.to_string())))
    }

    /// Publishes every scheduled version whose time has come (the job runner's step). Safe
    /// when several processes run it: each item is published in its own transaction under the
    /// item's lock, and a version already published by another process is skipped. Returns
    /// how many were published.
    pub async fn publish_due(&self, now: OffsetDateTime) -> Result<usize, DbError> {
        let due: Vec<(i64,)> = on_db!(self, p => sqlx::query_as(
            "SELECT DISTINCT item_id FROM item_version WHERE state = 'scheduled' AND scheduled_at <= $1 ORDER BY item_id")
            .bind(now).fetch_all(p).await?);
        let mut n = 0;
        for (item,) in due {
            let mut tx = self.begin().await?;
            match tx.publish_item(None, item, now).await {
                Ok(entry) => {
                    let audit = crate::AuditEntry::new(None, "定时发布")
                        .user("系统")
                        .agency(&entry.agency)
                        .object(format!("item {item}"))
                        .detail(format!("{} 第 {} 版", entry.subject, entry.version));
                    tx.audit(&audit).await?;
                    tx.commit().await?;
                    n += 1;
                }
                // Published meanwhile by another process, or rescheduled: nothing to do.
                Err(DbError::Conflict(_)) => tx.rollback().await?,
                Err(e) => return Err(e),
            }
        }
        Ok(n)
    }

    /// A read-only view: a transaction that is always rolled back (SQLite: a deferred one,
    /// so that reading takes no write lock).
    pub(crate) async fn begin_read(&self) -> Result<Tx, DbError> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Pg(p) => Tx::Pg(p.begin().await?),
        })
    }
}

fn log_entry(agency: &str, r: LogRow) -> Result<LogEntry, DbError> {
    Ok(LogEntry {
        seq: r.0,
        at: r.1,
        agency: agency.to_string(),
        subject: r.2,
        version: r.3,
        action: LogAction::from_code(&r.4)?,
        content_hash: r.5,
        prev_hash: r.6,
        entry_hash: r.7,
    })
}

/// A public item in a column listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicItem {
    pub id: i64,
    pub index_no: String,
    pub title: String,
    pub doc_no: Option<String>,
    pub column: String,
    #[serde(serialize_with = "gongkai_domain::period::rfc3339_beijing_opt::serialize")]
    pub published_at: Option<OffsetDateTime>,
    pub corrected: bool,
}

impl Db {
    /// The agency's column tree (code, name, parent): the stored one, or the standard tree
    /// when the agency has not got one yet.
    pub async fn columns(
        &self,
        agency_id: i64,
    ) -> Result<Vec<(String, String, Option<String>)>, DbError> {
        let rows: Vec<(String, String, Option<String>)> = on_db!(self, p => sqlx::query_as(
            "SELECT code, name, parent_code FROM catalogue_column WHERE agency_id = $1 ORDER BY position, id")
            .bind(agency_id).fetch_all(p).await?);
        if !rows.is_empty() {
            return Ok(rows);
        }
        Ok(default_columns()
            .into_iter()
            .map(|c| {
                (
                    c.code.to_string(),
                    c.name.to_string(),
                    c.parent.map(str::to_string),
                )
            })
            .collect())
    }

    /// One page of the public items of an agency (published or corrected, through the
    /// workflow) in the columns `columns` (all columns when empty), newest first, with the
    /// number of all of them. Nothing else is ever returned here: this is what public pages
    /// list.
    pub async fn public_items(
        &self,
        agency_id: i64,
        columns: &[&str],
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<PublicItem>), DbError> {
        let limit = limit.clamp(1, PUBLIC_ITEMS_PAGE_MAX);
        let offset = offset.max(0);
        let (total, rows): (i64, Vec<PublicTuple>) = crate::pool::paged!(
            self,
            "SELECT id, index_no, title, doc_no, column_code, published_at, state",
            "ORDER BY published_at DESC, id DESC",
            offset,
            limit,
            |qb| {
                qb.push(
                    " FROM disclosure_item WHERE state IN ('published', 'corrected') \
                     AND public_version IS NOT NULL AND agency_id = ",
                )
                .push_bind(agency_id);
                if !columns.is_empty() {
                    qb.push(" AND column_code IN (");
                    let mut sep = qb.separated(", ");
                    for c in columns {
                        sep.push_bind(c.to_string());
                    }
                    sep.push_unseparated(")");
                }
            }
        );
        let items = rows
            .into_iter()
            .map(|r| PublicItem {
                id: r.0,
                index_no: r.1,
                title: r.2,
                doc_no: r.3,
                column: r.4,
                published_at: r.5,
                corrected: r.6 == "corrected",
            })
            .collect();
        Ok((total, items))
    }

    /// A public item of an agency with its public version and publication history, or `None`
    /// when there is no such public item (a draft, scheduled, returned or withdrawn item is
    /// `None` as well: public pages answer 404 for all of them alike).
    pub async fn public_item(
        &self,
        agency_id: i64,
        item_id: i64,
    ) -> Result<Option<ItemDetail>, DbError> {
        let found: Option<(i64,)> = on_db!(self, p => sqlx::query_as(
            "SELECT id FROM disclosure_item WHERE id = $1 AND agency_id = $2 \
             AND state IN ('published', 'corrected') AND public_version IS NOT NULL")
            .bind(item_id).bind(agency_id).fetch_optional(p).await?);
        if found.is_none() {
            return Ok(None);
        }
        let d = self.item_for(item_id, true).await?;
        Ok(d.public().is_some().then_some(d))
    }
}

impl Db {
    /// The public links of a public item as a 解读 and as a policy: the policy it interprets,
    /// when that is public, and its public 解读, oldest first; each (id, title).
    pub async fn interpretation_links(
        &self,
        agency_id: i64,
        item_id: i64,
    ) -> Result<(Option<(i64, String)>, Vec<(i64, String)>), DbError> {
        let rows: Vec<(String, i64, String)> = on_db!(self, p => sqlx::query_as(
            "SELECT 'policy', p.id, p.title FROM disclosure_item i JOIN disclosure_item p ON p.id = i.interprets_id \
               WHERE i.id = $1 AND p.agency_id = $2 AND p.state IN ('published', 'corrected') \
             UNION ALL SELECT 'jiedu', j.id, j.title FROM disclosure_item j \
               WHERE j.interprets_id = $1 AND j.agency_id = $2 AND j.state IN ('published', 'corrected') \
             ORDER BY 1 DESC, 2")
            .bind(item_id).bind(agency_id).fetch_all(p).await?);
        let policy = rows
            .iter()
            .find(|r| r.0 == "policy")
            .map(|r| (r.1, r.2.clone()));
        let jiedu = rows
            .into_iter()
            .filter(|r| r.0 == "jiedu")
            .map(|r| (r.1, r.2))
            .collect();
        Ok((policy, jiedu))
    }
}

/// The demo's staff (names and roles): the people whose steps the demo catalogue records.
/// Their accounts cannot log in (no password); real users are added with `gongkai user add`.
pub const DEMO_STAFF: &[(&str, gongkai_domain::auth::Role)] = {
    use gongkai_domain::auth::Role as R;
    &[
        ("采编-王芳", R::Editor),
        ("初审-李强", R::Reviewer1),
        ("复审-张敏", R::Reviewer2),
        ("终审-刘洋", R::Reviewer3),
        ("校对-陈静", R::Proofreader),
        ("保密审查-赵磊", R::Secrecy),
        ("负责人-马军", R::Head),
    ]
};

impl Tx {
    /// The demo staff's principals in an agency: their accounts created (or kept, after a
    /// reset) and granted their roles there.
    pub(crate) async fn demo_staff(
        &mut self,
        agency: &crate::AgencyRow,
    ) -> Result<Vec<Principal>, DbError> {
        let mut out = Vec::new();
        for (name, role) in DEMO_STAFF {
            let id = match self.user_id(name).await {
                Ok(id) => id,
                // "!" is no Argon2 hash: the account exists for the records, nobody logs in.
                Err(DbError::NotFound(_)) => {
                    self.add_user(name, "!", &[(agency.code.clone(), *role)])
                        .await?
                }
                Err(e) => return Err(e),
            };
            self.grant(id, &agency.code, *role).await?;
            out.push(Principal {
                user_id: id,
                name: (*name).to_string(),
                grants: vec![gongkai_domain::auth::Grant {
                    agency_id: agency.id,
                    role: *role,
                    top_level: agency.parent_id.is_none(),
                }],
                via: gongkai_domain::auth::Via::Session,
            });
        }
        Ok(out)
    }

    /// Takes a demo item's version in work through submission and every review stage to
    /// approval, by the demo staff (in [`DEMO_STAFF`] order).
    pub(crate) async fn demo_approve(
        &mut self,
        staff: &[Principal],
        id: i64,
        at: OffsetDateTime,
    ) -> Result<(), DbError> {
        let [editor, r1, r2, r3, proof, secrecy, _] = staff else {
            return Err(DbError::Conflict("演示人员不全".into()));
        };
        self.submit_item(editor, id, at).await?;
        for (who, stage) in [
            (r1, Stage::First),
            (r2, Stage::Second),
            (proof, Stage::Proofread),
            (proof, Stage::Proofread),
            (proof, Stage::Proofread),
            (secrecy, Stage::Secrecy),
            (r3, Stage::Final),
        ] {
            self.review_item(who, id, stage, Verdict::Pass, "", at)
                .await?;
        }
        Ok(())
    }

    /// Loads the demo catalogue through the workflow, as the demo staff would have worked it:
    /// first every publication in time order, then the corrections and withdrawals, then the
    /// items still in work (so the log's entries follow the calendar).
    pub async fn load_demo_catalogue(
        &mut self,
        agency: &crate::AgencyRow,
        items: &[gongkai_synth::DemoItem],
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        use gongkai_synth::Fate;
        let words: Vec<&str> = gongkai_synth::DEMO_WORDS.to_vec();
        let contacts: Vec<&str> = gongkai_synth::DEMO_CONTACTS.to_vec();
        self.set_agency_setting(&agency.code, WORDS_KEY, &serde_json::json!(words))
            .await?;
        self.set_agency_setting(&agency.code, CONTACTS_KEY, &serde_json::json!(contacts))
            .await?;
        let guide = serde_json::to_value(gongkai_synth::demo_guide())
            .map_err(|e| DbError::Conflict(e.to_string()))?;
        self.set_agency_setting(&agency.code, gongkai_domain::publishing::GUIDE_KEY, &guide)
            .await?;
        let staff = self.demo_staff(agency).await?;
        let [editor, r1, r2, _, _, _, head] = staff.as_slice() else {
            return Err(DbError::Conflict("演示人员不全".into()));
        };
        let approve = async |tx: &mut Tx, id: i64, at: OffsetDateTime| -> Result<(), DbError> {
            tx.demo_approve(&staff, id, at).await
        };
        let first_publication = |f: &Fate| match f {
            Fate::Published(t) | Fate::Corrected(t, ..) | Fate::Withdrawn(t, ..) => Some(*t),
            _ => None,
        };
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by_key(|i| first_publication(&items[*i].fate).map_or((1, now), |t| (0, t)));
        let mut ids = vec![0_i64; items.len()];
        for i in order {
            let it = &items[i];
            let start = first_publication(&it.fate).map_or(now, |t| t - time::Duration::days(1));
            let mut fields = it.fields.clone();
            // A 解读 names its policy, created before it (published earlier).
            fields.interprets = it
                .interprets
                .and_then(|j| ids.get(j).copied())
                .filter(|id| *id > 0);
            let (id, _) = self
                .create_item(editor, &agency.code, fields, start)
                .await?;
            ids[i] = id;
            match &it.fate {
                Fate::Draft => {}
                Fate::InReview => {
                    self.submit_item(editor, id, start).await?;
                    self.review_item(r1, id, Stage::First, Verdict::Pass, "", start)
                        .await?;
                    self.review_item(r2, id, Stage::Second, Verdict::Pass, "", start)
                        .await?;
                }
                Fate::Returned(reason) => {
                    self.submit_item(editor, id, start).await?;
                    self.review_item(r1, id, Stage::First, Verdict::Pass, "", start)
                        .await?;
                    self.review_item(r2, id, Stage::Second, Verdict::Return, reason, start)
                        .await?;
                }
                Fate::Approved => approve(self, id, start).await?,
                Fate::Scheduled(at) => {
                    approve(self, id, start).await?;
                    self.schedule_item(head, id, *at, now).await?;
                }
                Fate::Published(t) | Fate::Corrected(t, ..) | Fate::Withdrawn(t, ..) => {
                    approve(self, id, start).await?;
                    self.publish_item(Some(head), id, *t).await?;
                }
            }
        }
        let mut later: Vec<usize> = (0..items.len())
            .filter(|i| matches!(items[*i].fate, Fate::Corrected(..) | Fate::Withdrawn(..)))
            .collect();
        later.sort_by_key(|i| match items[*i].fate {
            Fate::Corrected(_, t, ..) | Fate::Withdrawn(_, t, _) => t,
            _ => now,
        });
        for i in later {
            let id = ids[i];
            match &items[i].fate {
                Fate::Corrected(_, t, note, body) => {
                    let start = *t - time::Duration::days(1);
                    self.correct_item(editor, id, start).await?;
                    let mut f = items[i].fields.clone();
                    f.change_note = Some((*note).to_string());
                    f.body = (*body).to_string();
                    self.edit_item(editor, id, f, start).await?;
                    approve(self, id, start).await?;
                    self.publish_item(Some(head), id, *t).await?;
                }
                Fate::Withdrawn(_, t, reason) => {
                    self.withdraw_item(head, id, reason, *t).await?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}
