//! Site search (issue 11 part 2, contracts.md §6): `/search?q=…` (the results page, works
//! without JavaScript) and `/api/v1/search?q=…` (the same as JSON), over the process's own
//! `gongkai-search` index in `data_dir/index`.
//!
//! * [`open`] opens the index when `serve` starts: a missing, unreadable or foreign index
//!   (its change sequence number ahead of the database's log) is rebuilt from the database
//!   ([`rebuild`]); otherwise it catches up from the public change log. Then a follower task
//!   applies each new change every [`FOLLOW_EVERY`]: the changed item or notice is read again
//!   (`Db::search_document`) and replaced, or removed when it is not public any more.
//! * Only what the portal shows is indexed: `gongkai_db::search_docs` applies the portal's rules.
//! * Each query's work is bounded: its length ([`gongkai_search::MAX_QUERY_CHARS`]), the result
//!   window ([`gongkai_search::MAX_WINDOW`]), a fixed page size, and at most [`CONCURRENT`]
//!   searches at once (the rest wait); the router's rate limit applies per client address.

use std::path::Path;
use std::sync::{Arc, Weak};
use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use gongkai_db::{Db, DbError};
use gongkai_search::{
    DocKind, MAX_QUERY_CHARS, MAX_WINDOW, Opened, Results, SearchError, SearchIndex, SearchQuery,
    Source,
};
use serde::{Deserialize, Serialize};

use crate::urlenc::enc;
use crate::{AppState, WebError, security};

/// Results per page.
pub const PER_PAGE: usize = 10;
/// Searches run at once per process (each on a blocking thread); others wait their turn.
pub const CONCURRENT: usize = 4;
/// How often the follower looks for new changes.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(250);
/// Changes read from the log at once.
const CHANGES_PAGE: i64 = 500;

/// What can go wrong opening, rebuilding or following the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("搜索索引任务中断：{0}")]
    Task(String),
}

/// The public change log as the index follows it (`gongkai_db::PublicChange`).
mod log {
    use gongkai_db::{ChangeKind, Db, DbError};
    use gongkai_search::Source;

    /// A change: its sequence number and what it touched.
    pub(super) struct Change {
        pub seq: i64,
        pub what: Touched,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) enum Touched {
        /// One document.
        Doc(Source, i64),
        /// An agency's site (its name, columns, settings): every document of the agency.
        Agency { id: i64, code: String },
    }

    pub(super) async fn head(db: &Db) -> Result<i64, DbError> {
        db.public_change_head().await
    }

    pub(super) async fn origin(db: &Db) -> Result<i64, DbError> {
        db.public_change_origin().await
    }

    pub(super) async fn since(db: &Db, after: i64, limit: i64) -> Result<Vec<Change>, DbError> {
        Ok(db
            .public_changes_since(after, limit)
            .await?
            .into_iter()
            .map(|c| Change {
                seq: c.seq,
                what: match c.kind {
                    ChangeKind::Item => Touched::Doc(Source::Item, c.id),
                    ChangeKind::Notice => Touched::Doc(Source::Notice, c.id),
                    ChangeKind::Site => Touched::Agency {
                        id: c.id,
                        code: c.agency,
                    },
                },
            })
            .collect())
    }
}

/// The process's search: an index and its follower, or nothing (a router built without
/// [`open`]: the search pages answer 503).
#[derive(Clone, Default)]
pub struct Search {
    live: Option<Arc<Live>>,
}

struct Live {
    index: Arc<SearchIndex>,
    permits: tokio::sync::Semaphore,
}

impl Search {
    /// The index, when search is on.
    pub fn index(&self) -> Option<&Arc<SearchIndex>> {
        self.live.as_ref().map(|l| &l.index)
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SearchError> + Send + 'static,
) -> Result<T, IndexError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| IndexError::Task(e.to_string()))?
        .map_err(IndexError::from)
}

/// Opens (or creates and rebuilds) the index in `dir`, catches up from the change log and
/// starts following it (the follower stops when the last clone of the [`Search`] is dropped).
pub async fn open(db: &Db, dir: &Path) -> Result<Search, IndexError> {
    let d = dir.to_path_buf();
    let (index, opened) = blocking(move || SearchIndex::open(&d)).await?;
    let index = Arc::new(index);
    let head = log::head(db).await?;
    let origin = log::origin(db).await?;
    match opened {
        // The same log (an index of an empty log has seen nothing to differ on), not ahead.
        Opened::Existing { seq, origin: o } if seq <= head && (o == origin || seq == 0) => {
            index.set_origin(origin);
            let n = catch_up(db, &index).await?;
            tracing::info!("search index {}: {n} changes applied", dir.display());
        }
        Opened::Existing { seq, origin: o } if o != origin && seq != 0 => {
            tracing::warn!(
                "search index {} follows another change log (origin {o}, the database's {origin}: the database was reset): rebuilding",
                dir.display()
            );
            rebuild(db, &index, |_, _| {}).await?;
        }
        Opened::Existing { seq, .. } => {
            tracing::warn!(
                "search index {} is ahead of the database's change log ({seq} > {head}): rebuilding",
                dir.display()
            );
            rebuild(db, &index, |_, _| {}).await?;
        }
        Opened::Created { reason } => {
            tracing::info!("search index {}: {reason}; building", dir.display());
            rebuild(db, &index, |_, _| {}).await?;
        }
    }
    let live = Arc::new(Live {
        index,
        permits: tokio::sync::Semaphore::new(CONCURRENT),
    });
    tokio::spawn(follow(Arc::downgrade(&live), db.clone()));
    Ok(Search { live: Some(live) })
}

/// Replaces the index's contents with every public document of the database, calling
/// `progress(done, total)` as it goes; the index then records the change log's head as read
/// before the scan (changes during the scan are applied again by the follower). Returns the
/// number of documents.
pub async fn rebuild(
    db: &Db,
    index: &Arc<SearchIndex>,
    progress: impl Fn(u64, u64),
) -> Result<u64, IndexError> {
    let head = log::head(db).await?;
    index.set_origin(log::origin(db).await?);
    let (items, notices) = db.search_document_counts().await?;
    let total = u64::try_from(items.max(0) + notices.max(0)).unwrap_or(0);
    index.clear()?;
    let mut done = 0u64;
    progress(done, total);
    add_documents(db, index, None, |n| {
        done += n;
        progress(done, total.max(done));
    })
    .await?;
    let ix = index.clone();
    blocking(move || ix.commit(head)).await?;
    Ok(done)
}

/// Adds every public document (of one agency, when given) to an index that does not hold them,
/// a page at a time, calling `on_page(documents)` after each.
async fn add_documents(
    db: &Db,
    index: &Arc<SearchIndex>,
    agency_id: Option<i64>,
    mut on_page: impl FnMut(u64),
) -> Result<(), IndexError> {
    use gongkai_db::search_docs::SEARCH_PAGE;
    for source in [Source::Item, Source::Notice] {
        let mut after = 0;
        loop {
            let docs = match agency_id {
                Some(a) => {
                    db.agency_search_documents(a, source, after, SEARCH_PAGE)
                        .await?
                }
                None => db.search_documents(source, after, SEARCH_PAGE).await?,
            };
            let Some(last) = docs.last() else { break };
            after = last.id;
            let n = docs.len() as u64;
            let ix = index.clone();
            blocking(move || {
                for d in &docs {
                    ix.add_new(d)?;
                }
                Ok(())
            })
            .await?;
            on_page(n);
        }
    }
    Ok(())
}

/// Rebuilds the index in `dir` from scratch (`gongkai reindex`; fails when a running server
/// holds it). Returns the number of documents.
pub async fn reindex(db: &Db, dir: &Path, progress: impl Fn(u64, u64)) -> Result<u64, IndexError> {
    let d = dir.to_path_buf();
    let index = Arc::new(blocking(move || SearchIndex::create(&d)).await?);
    rebuild(db, &index, progress).await
}

/// Applies every change after the index's sequence number; the number applied.
pub async fn catch_up(db: &Db, index: &Arc<SearchIndex>) -> Result<usize, IndexError> {
    let mut applied = 0;
    loop {
        let after = index.applied_seq().unwrap_or(0);
        let changes = log::since(db, after, CHANGES_PAGE).await?;
        let Some(last) = changes.last().map(|c| c.seq) else {
            return Ok(applied);
        };
        let mut touched: Vec<(Source, i64)> = Vec::new();
        let mut agencies: Vec<(i64, String)> = Vec::new();
        for c in &changes {
            match &c.what {
                log::Touched::Doc(source, id) => {
                    if !touched.contains(&(*source, *id)) {
                        touched.push((*source, *id));
                    }
                }
                log::Touched::Agency { id, code } => {
                    if !agencies.iter().any(|(a, _)| a == id) {
                        agencies.push((*id, code.clone()));
                    }
                }
            }
        }
        // An agency's documents again (its name or columns may have changed): removed, then
        // added back page by page; the single documents touched are applied after them.
        for (agency_id, code) in agencies {
            let ix = index.clone();
            blocking(move || {
                ix.remove_agency(&code);
                Ok(())
            })
            .await?;
            add_documents(db, index, Some(agency_id), |_| {}).await?;
        }
        let mut docs = Vec::with_capacity(touched.len());
        for (source, id) in touched {
            docs.push((source, id, db.search_document(source, id).await?));
        }
        let ix = index.clone();
        blocking(move || {
            for (source, id, doc) in &docs {
                match doc {
                    Some(d) => ix.upsert(d)?,
                    None => ix.remove(*source, *id),
                }
            }
            ix.commit(last)
        })
        .await?;
        applied += changes.len();
    }
}

async fn follow(live: Weak<Live>, db: Db) {
    loop {
        tokio::time::sleep(FOLLOW_EVERY).await;
        let Some(l) = live.upgrade() else { return };
        if let Err(e) = catch_up(&db, &l.index).await {
            tracing::warn!("search index: following the change log failed: {e}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Routes

pub fn routes() -> Router<AppState> {
    Router::new().route("/search", get(page))
}

pub(crate) fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(api_search))
}

/// The query parameters of both routes.
#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Params {
    /// 搜索词（最多 100 个字）；可为文号、索引号、项目编号或统一社会信用代码（精确匹配，排在最前）
    q: Option<String>,
    /// 页码（从 1 起，每页 10 条，最多可查看前 1000 条）
    page: Option<String>,
    /// 机构代码
    agency: Option<String>,
    /// 类型：item（政府信息）、notice（交易公告）、report（年度报告）
    kind: Option<String>,
    /// 栏目代码、交易类别代码或公告类型代码
    category: Option<String>,
    /// 发布日期起（YYYY-MM-DD，含）
    from: Option<String>,
    /// 发布日期止（YYYY-MM-DD，含）
    to: Option<String>,
}

fn bad(message: String) -> WebError {
    WebError(StatusCode::BAD_REQUEST, message)
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn date(v: &Option<String>, name: &str) -> Result<Option<time::Date>, WebError> {
    let Some(s) = given(v) else { return Ok(None) };
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, fmt).map(Some).map_err(|_| {
        bad(format!(
            "日期（{name}）应为 YYYY-MM-DD 形式，收到“{}”",
            clip(s)
        ))
    })
}

/// At most 20 characters of a value quoted back in a message.
fn clip(s: &str) -> String {
    match s.char_indices().nth(20) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The query, checked: `Ok(None)` when no search term was given.
fn query_of(p: &Params) -> Result<Option<SearchQuery>, WebError> {
    let max_page = MAX_WINDOW / PER_PAGE;
    let page = match given(&p.page) {
        None => 1,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max_page).contains(n))
            .ok_or_else(|| {
                bad(format!(
                    "页码（page）应为 1–{max_page} 的整数，收到“{}”",
                    clip(s)
                ))
            })?,
    };
    let kind = match given(&p.kind) {
        None => None,
        Some(k) => Some(DocKind::from_code(k).ok_or_else(|| {
            bad(format!(
                "类型（kind）应为 item、notice 或 report，收到“{}”",
                clip(k)
            ))
        })?),
    };
    let key = |v: &Option<String>, name: &str| -> Result<Option<String>, WebError> {
        match given(v) {
            None => Ok(None),
            Some(s) if security::plausible_key(s, 64) => Ok(Some(s.to_string())),
            Some(s) => Err(bad(format!("{name}无效：“{}”", clip(s)))),
        }
    };
    let agency = key(&p.agency, "机构代码（agency）")?;
    let category = key(&p.category, "类别代码（category）")?;
    let from = date(&p.from, "from")?;
    let to = date(&p.to, "to")?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(bad(
            "日期范围无效：起始日期（from）晚于截止日期（to）".into()
        ));
    }
    let q = p.q.as_deref().unwrap_or_default().trim();
    let chars = q.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(bad(format!(
            "搜索词（q）过长：最多 {MAX_QUERY_CHARS} 个字，收到 {chars} 个"
        )));
    }
    if q.chars().any(char::is_control) {
        return Err(bad("搜索词（q）含有控制字符".into()));
    }
    if q.is_empty() {
        return Ok(None);
    }
    Ok(Some(SearchQuery {
        q: q.to_string(),
        agency,
        kind,
        category,
        from,
        to,
        page,
        per_page: PER_PAGE,
    }))
}

/// Runs a query on the index (503 when search is off).
async fn run(s: &AppState, q: SearchQuery) -> Result<Results, WebError> {
    let Some(live) = s.search.live.clone() else {
        return Err(WebError(
            StatusCode::SERVICE_UNAVAILABLE,
            "站内搜索暂不可用（本服务未启用搜索索引）".into(),
        ));
    };
    let _permit = live
        .permits
        .acquire()
        .await
        .map_err(|_| WebError(StatusCode::SERVICE_UNAVAILABLE, "站内搜索暂不可用".into()))?;
    let index = live.index.clone();
    let out = tokio::task::spawn_blocking(move || index.search(&q)).await;
    match out {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(SearchError::QueryTooLong(_) | SearchError::PageTooDeep)) => {
            Err(bad("搜索参数超出范围".into()))
        }
        Ok(Err(e)) => {
            tracing::error!("search: {e}");
            Err(WebError(
                StatusCode::INTERNAL_SERVER_ERROR,
                "搜索出错，请稍后再试".into(),
            ))
        }
        Err(e) => {
            tracing::error!("search task: {e}");
            Err(WebError(
                StatusCode::INTERNAL_SERVER_ERROR,
                "搜索出错，请稍后再试".into(),
            ))
        }
    }
}

/// One hit of the JSON answer.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ApiHit {
    /// 标题（纯文本）
    title: String,
    /// 页面地址（站内路径）
    url: String,
    /// 摘要：HTML，已转义，命中的词在 <mark> 中
    snippet: String,
    /// 发布时间（RFC 3339，北京时间）
    published: String,
    /// 类型：item、notice、report
    kind: String,
    /// 机构代码
    agency: String,
    /// 机构名称
    agency_name: String,
    /// 是否精确匹配了文号、索引号、项目编号或统一社会信用代码
    exact: bool,
}

/// The JSON answer.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ApiResults {
    /// 命中总数（超过 10000 条时为 10000，`total_exact` 为 false）
    total: usize,
    /// 命中总数是否精确
    total_exact: bool,
    hits: Vec<ApiHit>,
    /// 本页页码
    page: usize,
    /// 每页条数
    per_page: usize,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "搜索",
    summary = "站内搜索（公开）",
    description = "搜索已发布的政府信息、年度报告和交易公告。中文分词检索；文号（各种括号写法等同）、索引号、项目编号、统一社会信用代码精确匹配并排在最前。",
    params(Params),
    responses(
        (status = 200, description = "一页结果", body = ApiResults),
        (status = 400, description = "参数有误（指明参数）", body = crate::openapi::ApiError),
        (status = 503, description = "搜索索引未启用", body = crate::openapi::ApiError),
    ))]
async fn api_search(State(s): State<AppState>, Query(p): Query<Params>) -> Response {
    let q = match query_of(&p) {
        Ok(Some(q)) => q,
        Ok(None) => {
            return bad("搜索词（q）不能为空".into()).into_api_response();
        }
        Err(e) => return e.into_api_response(),
    };
    match run(&s, q).await {
        Ok(r) => Json(ApiResults {
            total: r.total,
            total_exact: r.total_exact,
            page: r.page,
            per_page: r.per_page,
            hits: r
                .hits
                .into_iter()
                .map(|h| ApiHit {
                    title: h.title,
                    url: h.url,
                    snippet: h.snippet,
                    published: h.published,
                    kind: h.kind.code().to_string(),
                    agency: h.agency,
                    agency_name: h.agency_name,
                    exact: h.exact,
                })
                .collect(),
        })
        .into_response(),
        Err(e) => e.into_api_response(),
    }
}

struct HitView {
    title_html: String,
    url: String,
    snippet: String,
    kind: &'static str,
    agency_name: String,
    published: String,
    exact: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
struct SearchPage {
    q: String,
    kind: String,
    from: String,
    to: String,
    /// A message instead of results (empty or invalid query).
    message: Option<String>,
    total: usize,
    total_exact: bool,
    hits: Vec<HitView>,
    page: usize,
    last_page: usize,
    /// (page, href) of the pages linked around the current one.
    pages: Vec<(usize, String)>,
    prev: Option<String>,
    next: Option<String>,
    kinds: Vec<(&'static str, &'static str)>,
}

/// The link to page `n` of the same search.
fn href(p: &Params, n: usize) -> String {
    let mut parts = Vec::new();
    for (name, v) in [
        ("q", &p.q),
        ("agency", &p.agency),
        ("kind", &p.kind),
        ("category", &p.category),
        ("from", &p.from),
        ("to", &p.to),
    ] {
        if let Some(v) = given(v) {
            parts.push(format!("{name}={}", enc(v)));
        }
    }
    if n > 1 {
        parts.push(format!("page={n}"));
    }
    format!("/search?{}", parts.join("&"))
}

async fn page(State(s): State<AppState>, Query(p): Query<Params>) -> Response {
    let mut view = SearchPage {
        q: p.q.as_deref().unwrap_or_default().trim().to_string(),
        kind: given(&p.kind).unwrap_or_default().to_string(),
        from: given(&p.from).unwrap_or_default().to_string(),
        to: given(&p.to).unwrap_or_default().to_string(),
        message: None,
        total: 0,
        total_exact: true,
        hits: Vec::new(),
        page: 1,
        last_page: 1,
        pages: Vec::new(),
        prev: None,
        next: None,
        kinds: DocKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
    };
    let q = match query_of(&p) {
        Ok(Some(q)) => q,
        Ok(None) => {
            view.message = Some("请输入要搜索的词语，如“收费标准”或一个文号、项目编号。".into());
            return view.into_response();
        }
        Err(WebError(status, message)) => {
            if view.q.chars().count() > MAX_QUERY_CHARS {
                view.q = view.q.chars().take(MAX_QUERY_CHARS).collect();
            }
            view.message = Some(message);
            return (status, view).into_response();
        }
    };
    let r = match run(&s, q).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    view.total = r.total;
    view.total_exact = r.total_exact;
    view.page = r.page;
    view.last_page = r.last_page();
    let lo = view.page.saturating_sub(4).max(1);
    let hi = (view.page + 4).min(view.last_page);
    view.pages = (lo..=hi).map(|n| (n, href(&p, n))).collect();
    view.prev = (view.page > 1).then(|| href(&p, view.page - 1));
    view.next = (view.page < view.last_page).then(|| href(&p, view.page + 1));
    view.hits = r
        .hits
        .into_iter()
        .map(|h| HitView {
            title_html: h.title_html,
            url: h.url,
            snippet: h.snippet,
            kind: h.kind.label(),
            agency_name: h.agency_name,
            published: h.published.get(..10).unwrap_or_default().to_string(),
            exact: h.exact,
        })
        .collect();
    if view.total == 0 {
        view.message = Some(format!("没有找到与“{}”相关的公开信息。", view.q));
    }
    view.into_response()
}
