//! Atom 1.0 feeds (RFC 4287), public. An agency's public items: `/agencies/{code}/items.atom`
//! (the newest [`ITEM_FEED_LEN`], each linking to its page). Trading notices: `/feed/notices.atom[?category=CODE]`
//! lists the newest published notice versions (`gongkai_db::trading::LATEST_PAGE` a page,
//! newest first) of one category of contracts.md §3 (all without `category`), with zh-CN
//! titles. Older versions are reached page by page (RFC 5005 §3, paged feeds): each page but
//! the last links `rel="next"` to `?before=SEQ`, the sequence number of its oldest entry, and
//! every page links `rel="first"` to the newest; a page below a sequence number never changes. Each entry is one version; its id is stable (`urn:gongkai:notice:{agency}:{notice}:v{n}`)
//! and it links to the version as JSON on the public API (`/api/v1/feed/notices/{seq}`), there
//! being no public section page yet.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongkai_db::trading::{FeedEntry, LATEST_PAGE};
use gongkai_domain::period::BEIJING;
use gongkai_domain::trading::Category;
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::urlenc::enc;
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/feed/notices.atom", get(feed))
        .route("/agencies/{code}/items.atom", get(item_feed))
}

/// Entries of an agency's feed of public items.
pub const ITEM_FEED_LEN: i64 = 50;

/// The Atom feed of an agency's public items (published or corrected through the workflow),
/// the newest [`ITEM_FEED_LEN`], newest first; a withdrawn item leaves it.
async fn item_feed(
    State(s): State<AppState>,
    path: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    let result = async {
        let Ok(axum::extract::Path(code)) = path else {
            return Err(WebError(StatusCode::NOT_FOUND, "页面不存在".into()));
        };
        if !crate::security::plausible_key(&code, 64) {
            return Err(WebError(StatusCode::NOT_FOUND, "页面不存在".into()));
        }
        let a = s.db.agency(&code).await?;
        let (_, items) = s.db.public_items(a.id, &[], 0, ITEM_FEED_LEN).await?;
        let now = OffsetDateTime::now_utc();
        let updated = items.iter().filter_map(|i| i.published_at).max().unwrap_or(now);
        let code = enc(&a.code);
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n\
             <id>urn:gongkai:feed:items:{code}</id>\n<title>{title}</title>\n\
             <subtitle>主动公开的政府信息，最新的 {ITEM_FEED_LEN} 条在前</subtitle>\n\
             <updated>{updated}</updated>\n\
             <link rel=\"self\" type=\"application/atom+xml\" href=\"/agencies/{code}/items.atom\"/>\n\
             <link rel=\"alternate\" type=\"text/html\" href=\"/agencies/{code}\"/>\n\
             <author><name>{author}</name></author>\n<generator>gongkai</generator>\n",
            title = esc(&format!("政府信息公开 · {}", a.name)),
            updated = rfc3339(updated),
            author = esc(&a.name),
        );
        for i in &items {
            let at = rfc3339(i.published_at.unwrap_or(now));
            let mut summary = format!("索引号 {}", i.index_no);
            if let Some(d) = i.doc_no.as_deref().filter(|d| !d.is_empty()) {
                summary.push_str(&format!("；文号 {d}"));
            }
            if i.corrected {
                summary.push_str("；已更正");
            }
            out.push_str(&format!(
                "<entry>\n<id>urn:gongkai:item:{code}:{id}</id>\n<title>{title}</title>\n\
                 <updated>{at}</updated>\n\
                 <link rel=\"alternate\" type=\"text/html\" href=\"/agencies/{code}/items/{id}\"/>\n\
                 <summary>{summary}</summary>\n</entry>\n",
                id = i.id,
                title = esc(&i.title),
                summary = esc(&summary),
            ));
        }
        out.push_str("</feed>\n");
        Ok::<_, WebError>(out)
    }
    .await;
    match result {
        Ok(xml) => atom_response(xml),
        Err(e) => e.into_response(),
    }
}

fn atom_response(xml: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/atom+xml; charset=utf-8"),
        )],
        xml,
    )
        .into_response()
}

#[derive(Deserialize)]
struct AtomQuery {
    category: Option<String>,
    before: Option<String>,
}

/// Text escaped for XML content and attribute values (the HTML escaping, valid XML too), with
/// the characters XML 1.0 does not allow dropped.
fn esc(s: &str) -> String {
    let allowed = |c: &char| (*c as u32) >= 0x20 || matches!(c, '\t' | '\n' | '\r');
    if s.chars().all(|c| allowed(&c)) {
        gongkai_export::escape_html(s)
    } else {
        gongkai_export::escape_html(&s.chars().filter(allowed).collect::<String>())
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(BEIJING).format(&Rfc3339).unwrap_or_default()
}

/// One `<entry>`.
fn entry(e: &FeedEntry) -> String {
    let n = &e.notice;
    let title = if e.version > 1 {
        format!("{}（更正 第 {} 版）", n.title, e.version)
    } else {
        n.title.clone()
    };
    let place = match (&n.section_name, &n.section) {
        (Some(name), _) => format!("{} · {name}", n.project_name),
        (None, Some(code)) => format!("{} · {code}", n.project_name),
        (None, None) => n.project_name.clone(),
    };
    let summary = format!(
        "{}：{}（{}，项目编号 {}）",
        n.ntype.label(),
        place,
        e.agency_name,
        n.project
    );
    format!(
        "<entry>\n<id>urn:gongkai:notice:{agency}:{id}:v{version}</id>\n<title>{title}</title>\n\
         <updated>{updated}</updated>\n<published>{published}</published>\n\
         <link rel=\"alternate\" type=\"application/json\" href=\"/api/v1/feed/notices/{seq}\"/>\n\
         <author><name>{author}</name></author>\n\
         <category term=\"{cat}\" label=\"{cat_label}\"/>\n<summary>{summary}</summary>\n</entry>\n",
        agency = enc(e
            .item
            .get("agency")
            .and_then(|a| a.as_str())
            .unwrap_or_default()),
        id = enc(&n.id),
        version = e.version,
        title = esc(&title),
        updated = rfc3339(e.recorded_at.max(n.published)),
        published = rfc3339(n.published),
        seq = e.seq,
        author = esc(&e.agency_name),
        cat = n.category.code(),
        cat_label = esc(n.category.label()),
        summary = esc(&summary),
    )
}

/// One page of a feed: its entries, newest first, the cursor it was asked for and (when older
/// entries exist) the cursor of the next page.
struct Page<'a> {
    category: Option<Category>,
    before: Option<i64>,
    entries: &'a [FeedEntry],
    next: Option<i64>,
}

/// The address of a feed's page (`None`: the first).
fn page_href(category: Option<Category>, before: Option<i64>) -> String {
    let mut q = Vec::new();
    if let Some(c) = category {
        q.push(format!("category={}", c.code()));
    }
    if let Some(b) = before {
        q.push(format!("before={b}"));
    }
    if q.is_empty() {
        "/feed/notices.atom".to_string()
    } else {
        format!("/feed/notices.atom?{}", q.join("&"))
    }
}

/// The feed document.
fn document(page: &Page<'_>, now: OffsetDateTime) -> String {
    let Page {
        category,
        before,
        entries,
        next,
    } = *page;
    let (title, id) = match category {
        Some(c) => (
            format!("交易公告 · {}", c.label()),
            format!("urn:gongkai:feed:notices:{}", c.code()),
        ),
        None => (
            "交易公告 · 全部类别".to_string(),
            "urn:gongkai:feed:notices".to_string(),
        ),
    };
    let self_href = page_href(category, before);
    let mut links = format!(
        "<link rel=\"first\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        esc(&page_href(category, None))
    );
    if let Some(n) = next {
        links.push_str(&format!(
            "<link rel=\"next\" type=\"application/atom+xml\" href=\"{}\"/>\n",
            esc(&page_href(category, Some(n)))
        ));
    }
    // The feed changed when its newest entry did (an empty feed: now).
    let updated = entries
        .iter()
        .map(|e| e.recorded_at.max(e.notice.published))
        .max()
        .unwrap_or(now);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n\
         <id>{id}</id>\n<title>{title}</title>\n\
         <subtitle>已发布的交易公告版本（新增与更正），最新的在前，每页 {LATEST_PAGE} 条，更早的见“下一页”（rel=next）；完整变更见 /api/v1/feed/notices</subtitle>\n\
         <updated>{updated}</updated>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{self_href}\"/>\n{links}\
         <link rel=\"alternate\" type=\"application/json\" href=\"/api/v1/feed/notices\"/>\n\
         <author><name>gongkai</name></author>\n<generator>gongkai</generator>\n",
        title = esc(&title),
        updated = rfc3339(updated),
        self_href = esc(&self_href),
    );
    for e in entries {
        out.push_str(&entry(e));
    }
    out.push_str("</feed>\n");
    out
}

async fn feed(State(s): State<AppState>, Query(q): Query<AtomQuery>) -> Response {
    let result = async {
        let category = match q
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(c) => Some(
                Category::from_code(c)
                    .map_err(|e| WebError(StatusCode::BAD_REQUEST, e.to_string()))?,
            ),
            None => None,
        };
        let before = match q.before.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
            Some(b) => Some(b.parse::<i64>().ok().filter(|&n| n > 0).ok_or_else(|| {
                WebError(
                    StatusCode::BAD_REQUEST,
                    format!("参数 before 应为正整数（变更序号），收到“{b}”"),
                )
            })?),
            None => None,
        };
        let mut entries =
            s.db.latest_notices(category, before, LATEST_PAGE + 1)
                .await?;
        let page_len = usize::try_from(LATEST_PAGE).unwrap_or(usize::MAX);
        let next = if entries.len() > page_len {
            entries.truncate(page_len);
            entries.last().map(|e| e.seq)
        } else {
            None
        };
        let page = Page {
            category,
            before,
            entries: &entries,
            next,
        };
        Ok::<_, WebError>(document(&page, OffsetDateTime::now_utc()))
    }
    .await;
    match result {
        Ok(xml) => atom_response(xml),
        Err(e) => e.into_response(),
    }
}
