//! The public side of proactive disclosure: a column's listing of public items
//! (`/agencies/{code}/columns/{column}`) and an item's page with its metadata (条例 art. 12),
//! its body, what a correction changed and when, and its publication history with hashes
//! (`/agencies/{code}/items/{id}`). Only published and corrected items are shown
//! (`Db::public_items`, `Db::public_item`); anything else answers the same 404 as an item
//! that does not exist.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongkai_domain::period::{iso, rfc3339};

use serde::Deserialize;

use crate::paging::{self, Pager};
use crate::urlenc::enc;
use crate::{AppState, WebError, security};

const CODE_LIMIT: usize = 64;

fn not_found() -> WebError {
    WebError(StatusCode::NOT_FOUND, "页面不存在".into())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agencies/{code}/columns/{column}", get(column))
        .route("/agencies/{code}/items/{id}", get(item))
}

pub(crate) struct Row {
    pub id: i64,
    pub index_no: String,
    pub title: String,
    pub doc_no: String,
    pub published: String,
    pub corrected: bool,
}

/// The column that holds the 政府信息公开指南 in the standard tree.
pub const GUIDE_COLUMN: &str = "guide";

/// The generated guide (条例 art. 12): the agency's contacts and its column tree; the rest of
/// the text follows from the law (template `column.html`).
struct Guide {
    /// (field, value) of the contacts that are set.
    contacts: Vec<(&'static str, String)>,
    /// (column name, is a sub-column), in the tree's order.
    tree: Vec<(String, bool)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "column.html")]
struct ColumnPage {
    code: String,
    agency_name: String,
    column_code: String,
    column_name: String,
    /// On the guide's column: the generated 政府信息公开指南.
    guide: Option<Guide>,
    items: Vec<Row>,
    messages: Vec<String>,
    pager: Pager,
}

/// Items per page of a column.
pub const PER_PAGE: i64 = 20;

#[derive(Deserialize, Default)]
struct ColumnQuery {
    page: Option<String>,
}

async fn column(
    State(s): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<ColumnQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let Ok(Path((code, column))) = path else {
        return Err(not_found());
    };
    if !security::plausible_key(&code, CODE_LIMIT) || !security::plausible_key(&column, CODE_LIMIT)
    {
        return Err(not_found());
    }
    let a = s.db.agency(&code).await?;
    let cols = s.db.columns(a.id).await?;
    let Some((_, name, _)) = cols.iter().find(|(c, _, _)| *c == column) else {
        return Err(not_found());
    };
    // A parent column lists its children's items too.
    let mut wanted: Vec<&str> = vec![column.as_str()];
    wanted.extend(
        cols.iter()
            .filter(|(_, _, p)| p.as_deref() == Some(column.as_str()))
            .map(|(c, _, _)| c.as_str()),
    );
    let mut messages = Vec::new();
    let page = match &query {
        Ok(Query(q)) => paging::requested(q.page.as_deref(), &mut messages),
        Err(_) => {
            messages.push("查询参数无法识别，已显示第 1 页".into());
            1
        }
    };
    let (total, items) =
        s.db.public_items(a.id, &wanted, (page - 1) * PER_PAGE, PER_PAGE)
            .await?;
    let items = items
        .into_iter()
        .map(|i| Row {
            id: i.id,
            index_no: i.index_no,
            title: i.title,
            doc_no: i.doc_no.unwrap_or_default(),
            published: i
                .published_at
                .map(|t| iso(gongkai_domain::period::beijing_date(t)))
                .unwrap_or_default(),
            corrected: i.corrected,
        })
        .collect();
    let pager = Pager::new(total, PER_PAGE, page, |n| {
        format!(
            "/agencies/{}/columns/{}?page={n}",
            enc(&a.code),
            enc(&column)
        )
    });
    let guide = if column == GUIDE_COLUMN {
        let contacts = s.db.guide_contacts(a.id).await?;
        Some(Guide {
            contacts: contacts
                .fields()
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (*k, v.to_string()))
                .collect(),
            tree: cols
                .iter()
                .map(|(_, name, parent)| (name.clone(), parent.is_some()))
                .collect(),
        })
    } else {
        None
    };
    Ok(ColumnPage {
        code: a.code,
        agency_name: a.name,
        column_name: name.clone(),
        column_code: column,
        guide,
        items,
        messages,
        pager,
    }
    .into_response())
}

struct LogLine {
    seq: i64,
    at: String,
    action: String,
    version: i32,
    content_hash: String,
    entry_hash: String,
}

struct Correction {
    version: i32,
    at: String,
    note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "item.html")]
struct ItemPage {
    code: String,
    agency_name: String,
    column_code: String,
    column_name: String,
    index_no: String,
    title: String,
    summary: String,
    /// Sanitised when it was stored (`publishing::ItemFields::validated`, ammonia).
    body: String,
    doc_no: String,
    publisher: String,
    formed_on: String,
    attr: String,
    published: String,
    corrections: Vec<Correction>,
    log: Vec<LogLine>,
    /// The year, when the item is an annual report (its page and frozen files are linked).
    report_year: Option<i32>,
    /// The public version's attachments: (name, href, size in bytes, SHA-256).
    attachments: Vec<(String, String, i64, String)>,
    /// For a 解读: the public policy it interprets (id, title).
    policy: Option<(i64, String)>,
    /// For a policy: its public 解读 (id, title).
    interpretations: Vec<(i64, String)>,
    /// The channels it also went out on (新媒体, 政务公开栏 …): (channel name, day).
    channels: Vec<(String, String)>,
}

async fn item(
    State(s): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, WebError> {
    let Ok(Path((code, id))) = path else {
        return Err(not_found());
    };
    let Ok(id) = id.parse::<i64>() else {
        return Err(not_found());
    };
    if !security::plausible_key(&code, CODE_LIMIT) {
        return Err(not_found());
    }
    let a = s.db.agency(&code).await?;
    let Some(d) = s.db.public_item(a.id, id).await? else {
        return Err(not_found());
    };
    let Some(v) = d.public() else {
        return Err(not_found());
    };
    let f = &v.fields;
    let cols = s.db.columns(a.id).await?;
    let column_name = cols
        .iter()
        .find(|(c, _, _)| *c == f.column)
        .map_or_else(|| f.column.clone(), |(_, n, _)| n.clone());
    let first = d.versions.first().and_then(|v| v.published_at);
    let corrections = d
        .versions
        .iter()
        .filter(|v| v.version > 1)
        .map(|v| Correction {
            version: v.version,
            at: v.published_at.map(rfc3339).unwrap_or_default(),
            note: v.fields.change_note.clone().unwrap_or_default(),
        })
        .collect();
    let log = d
        .log
        .iter()
        .map(|e| LogLine {
            seq: e.seq,
            at: e.at.clone(),
            action: e.action.label().to_string(),
            version: e.version,
            content_hash: e.content_hash.clone(),
            entry_hash: e.entry_hash.clone(),
        })
        .collect();
    let (policy, interpretations) = s.db.interpretation_links(a.id, d.id).await?;
    Ok(ItemPage {
        policy,
        interpretations,
        code: a.code,
        agency_name: a.name,
        column_code: f.column.clone(),
        column_name,
        index_no: d.index_no.clone(),
        title: f.title.clone(),
        summary: f.summary.clone(),
        body: f.body.clone(),
        doc_no: f.doc_no.clone().unwrap_or_default(),
        publisher: f.publisher.clone(),
        formed_on: iso(f.formed_on),
        attr: f.attr.label().to_string(),
        published: first.map(rfc3339).unwrap_or_default(),
        corrections,
        log,
        report_year: d.report_year,
        channels: d
            .posts
            .iter()
            .map(|p| (p.channel_name.clone(), iso(p.published_on)))
            .collect(),
        attachments: if d.report_year.is_some() {
            Vec::new()
        } else {
            d.files
                .iter()
                .filter(|f| f.version == v.version)
                .map(|f| {
                    let href = format!(
                        "/agencies/{}/items/{}/files/{}/{}",
                        crate::urlenc::enc(&code),
                        d.id,
                        f.version,
                        crate::urlenc::enc(&f.name)
                    );
                    (f.name.clone(), href, f.size, f.sha256.clone())
                })
                .collect()
        },
    }
    .into_response())
}
