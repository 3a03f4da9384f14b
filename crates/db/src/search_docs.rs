//! What the public site shows, as documents for the search index (`gongkai-search`).
//!
//! The rules of what is public are the portal's and the feed's, not new ones:
//! * an item (reports included) is public when it is `published` or `corrected` with a public
//!   version (`Db::public_items`); its document is that version's fields;
//! * a trading notice is public once imported (the feed and the Atom feeds show every notice
//!   version; the current one is the notice row); its document is the current version.
//!
//! [`Db::search_documents`] pages through all of them by id (bounded memory for any number of
//! notices); [`Db::search_document`] reads one again after a change, `None` when it is not
//! public (any more): the index then drops it.

use std::collections::BTreeMap;

use gongkai_domain::codes::{NoticeType, TradingCategory};
use gongkai_domain::publishing::{ItemFields, html_text};
use gongkai_search::{DocKind, SearchDoc, Source};
use serde_json::Value;
use sqlx::types::Json;
use time::OffsetDateTime;

use crate::{Db, DbError, on_db};

/// The largest page [`Db::search_documents`] reads at once.
pub const SEARCH_PAGE: i64 = 1000;

/// The URL path of a public item's page.
pub fn item_url(agency: &str, id: i64) -> String {
    format!("/agencies/{agency}/items/{id}")
}

/// The URL path of a public notice's page.
pub fn notice_url(agency: &str, notice_no: &str) -> String {
    format!(
        "/agencies/{agency}/notices/{}",
        notice_no
            .bytes()
            .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            })
            .collect::<String>()
    )
}

type ItemTuple = (
    i64,
    String,
    String,
    String,
    String,
    Option<OffsetDateTime>,
    Json<Value>,
    Option<i32>,
);

const ITEM_SELECT: &str = "SELECT i.id, a.code, a.name, i.index_no, i.column_code, i.published_at, v.fields, \
     CAST(r.year AS INTEGER) FROM disclosure_item i JOIN agency a ON a.id = i.agency_id \
     JOIN item_version v ON v.item_id = i.id AND v.version = i.public_version \
     LEFT JOIN annual_report r ON r.item_id = i.id \
     WHERE i.state IN ('published', 'corrected') AND i.public_version IS NOT NULL ";

type NoticeTuple = (
    i64,
    String,
    String,
    String,
    String,
    String,
    OffsetDateTime,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Json<Value>,
    Option<String>,
);

const NOTICE_SELECT: &str = "SELECT n.id, a.code, a.name, n.notice_no, n.type, n.title, n.published_at, \
     p.code, p.name, p.category, s.code, s.name, n.elements, n.body FROM notice n \
     JOIN agency a ON a.id = n.agency_id JOIN project p ON p.id = n.project_id \
     LEFT JOIN section s ON s.id = n.section_id ";

fn item_doc(r: ItemTuple) -> Option<SearchDoc> {
    let (id, code, agency_name, index_no, column, published_at, Json(fields), year) = r;
    let f: ItemFields = match serde_json::from_value(fields) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!("item {id}: stored fields unreadable, not indexed: {e}");
            return None;
        }
    };
    let text = html_text(&f.body);
    let mut body = String::new();
    for part in [f.summary.as_str(), text.as_str(), f.publisher.as_str()] {
        let part = part.trim();
        if !part.is_empty() {
            if !body.is_empty() {
                body.push('\n');
            }
            body.push_str(part);
        }
    }
    let mut keys = vec![index_no];
    keys.extend(f.doc_no.clone());
    Some(SearchDoc {
        kind: if year.is_some() {
            DocKind::Report
        } else {
            DocKind::Item
        },
        id,
        url: item_url(&code, id),
        agency: code,
        agency_name,
        title: f.title,
        body,
        published: published_at.unwrap_or(OffsetDateTime::UNIX_EPOCH),
        categories: vec![if column.is_empty() { f.column } else { column }],
        keys,
    })
}

/// Text of the 公开要素 values (strings and numbers; the keys are codes).
fn elements_text(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            let s = s.trim();
            if !s.is_empty() {
                out.push_str(s);
                out.push('\n');
            }
        }
        Value::Number(n) => {
            out.push_str(&n.to_string());
            out.push('\n');
        }
        Value::Array(a) => a.iter().for_each(|x| elements_text(x, out)),
        Value::Object(o) => o.values().for_each(|x| elements_text(x, out)),
        _ => {}
    }
}

fn notice_doc(r: NoticeTuple, bidders: &[(String, String)]) -> SearchDoc {
    let (
        id,
        code,
        agency_name,
        notice_no,
        ntype,
        title,
        published,
        project,
        project_name,
        category,
        section,
        section_name,
        Json(elements),
        html,
    ) = r;
    let type_label = NoticeType::from_code(&ntype).map_or("", |t| t.label());
    let category_label = TradingCategory::from_code(&category).map_or("", |c| c.label());
    let mut body = format!("{category_label}{type_label}：{project_name}");
    if let Some(s) = section_name.as_deref().or(section.as_deref()) {
        body.push_str(" · ");
        body.push_str(s);
    }
    body.push('\n');
    elements_text(&elements, &mut body);
    for (name, _) in bidders {
        body.push_str(name);
        body.push('\n');
    }
    if let Some(h) = html.as_deref() {
        body.push_str(&html_text(h));
    }
    let mut keys = vec![project.clone(), notice_no.clone()];
    if let Some(s) = section {
        keys.push(s);
    }
    keys.extend(bidders.iter().map(|(_, uscc)| uscc.clone()));
    SearchDoc {
        kind: DocKind::Notice,
        id,
        url: notice_url(&code, &notice_no),
        agency: code,
        agency_name,
        title,
        body: body.trim().to_string(),
        published,
        categories: vec![category, ntype],
        keys,
    }
}

impl Db {
    /// Items (reports included) by workflow state: the review queues of the metrics.
    pub async fn item_state_counts(&self) -> Result<Vec<(String, i64)>, DbError> {
        Ok(on_db!(self, p => sqlx::query_as(
            "SELECT state, COUNT(*) FROM disclosure_item GROUP BY state ORDER BY state")
            .fetch_all(p).await?))
    }

    /// How many public items (reports included) and notices there are (a rebuild's progress).
    pub async fn search_document_counts(&self) -> Result<(i64, i64), DbError> {
        let (items, notices): (i64, i64) = on_db!(self, p => sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM disclosure_item WHERE state IN ('published', 'corrected') \
               AND public_version IS NOT NULL), (SELECT COUNT(*) FROM notice)")
            .fetch_one(p).await?);
        Ok((items, notices))
    }

    /// Up to `limit` (at most [`SEARCH_PAGE`]) public documents of one source with an id above
    /// `after`, in id order: a rebuild pages through everything with the last id it got.
    pub async fn search_documents(
        &self,
        source: Source,
        after: i64,
        limit: i64,
    ) -> Result<Vec<SearchDoc>, DbError> {
        self.search_documents_where(source, None, after, limit)
            .await
    }

    /// [`Db::search_documents`] of one agency (by id): what an agency's site change (its name,
    /// its columns) re-indexes.
    pub async fn agency_search_documents(
        &self,
        agency_id: i64,
        source: Source,
        after: i64,
        limit: i64,
    ) -> Result<Vec<SearchDoc>, DbError> {
        self.search_documents_where(source, Some(agency_id), after, limit)
            .await
    }

    async fn search_documents_where(
        &self,
        source: Source,
        agency_id: Option<i64>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<SearchDoc>, DbError> {
        let limit = limit.clamp(1, SEARCH_PAGE);
        // The agency, when given, is the third parameter.
        let of_agency = |col: &str| {
            if agency_id.is_some() {
                format!("AND {col} = $3 ")
            } else {
                String::new()
            }
        };
        match source {
            Source::Item => {
                let sql = format!(
                    "{ITEM_SELECT}AND i.id > $1 {}ORDER BY i.id LIMIT $2",
                    of_agency("i.agency_id")
                );
                let rows: Vec<ItemTuple> = on_db!(self, p => {
                    let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(after).bind(limit);
                    match agency_id { Some(a) => q.bind(a), None => q }.fetch_all(p).await?
                });
                Ok(rows.into_iter().filter_map(item_doc).collect())
            }
            Source::Notice => {
                let sql = format!(
                    "{NOTICE_SELECT}WHERE n.id > $1 {}ORDER BY n.id LIMIT $2",
                    of_agency("n.agency_id")
                );
                let rows: Vec<NoticeTuple> = on_db!(self, p => {
                    let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(after).bind(limit);
                    match agency_id { Some(a) => q.bind(a), None => q }.fetch_all(p).await?
                });
                let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
                    return Ok(Vec::new());
                };
                let mut bidders = self.bidders_between(first.0, last.0).await?;
                Ok(rows
                    .into_iter()
                    .map(|r| {
                        let b = bidders.remove(&r.0).unwrap_or_default();
                        notice_doc(r, &b)
                    })
                    .collect())
            }
        }
    }

    /// One public document again, `None` when it is not public (a withdrawn item, a draft, an
    /// unknown id).
    pub async fn search_document(
        &self,
        source: Source,
        id: i64,
    ) -> Result<Option<SearchDoc>, DbError> {
        match source {
            Source::Item => {
                let sql = format!("{ITEM_SELECT}AND i.id = $1");
                let row: Option<ItemTuple> = on_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(id).fetch_optional(p).await?);
                Ok(row.and_then(item_doc))
            }
            Source::Notice => {
                let sql = format!("{NOTICE_SELECT}WHERE n.id = $1");
                let row: Option<NoticeTuple> = on_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(id).fetch_optional(p).await?);
                let Some(row) = row else {
                    return Ok(None);
                };
                let mut bidders = self.bidders_between(id, id).await?;
                Ok(Some(notice_doc(
                    row,
                    &bidders.remove(&id).unwrap_or_default(),
                )))
            }
        }
    }

    /// The bidders (name, USCC) of the notices with ids in `from..=to`.
    async fn bidders_between(
        &self,
        from: i64,
        to: i64,
    ) -> Result<BTreeMap<i64, Vec<(String, String)>>, DbError> {
        let rows: Vec<(i64, String, String)> = on_db!(self, p => sqlx::query_as(
            "SELECT notice_id, name, uscc FROM bidder WHERE notice_id >= $1 AND notice_id <= $2 \
             ORDER BY notice_id, id")
            .bind(from).bind(to).fetch_all(p).await?);
        let mut out: BTreeMap<i64, Vec<(String, String)>> = BTreeMap::new();
        for (n, name, uscc) in rows {
            out.entry(n).or_default().push((name, uscc));
        }
        Ok(out)
    }
}
