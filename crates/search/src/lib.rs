//! gongkai-search: Chinese full-text search over what the public site shows (issue 11 part 2).
//!
//! It knows nothing of SQL or HTTP: it is fed [`SearchDoc`]s (built by `gongkai-db` from the
//! published versions only) and answers [`SearchQuery`]s with [`Results`].
//!
//! * Text is cut by jieba: fine-grained ("search mode", every dictionary word inside a longer
//!   one as well) when indexing, coarse when querying, so 农业 finds 中国农业发展银行 and a
//!   query word is one term, not a bag of its parts. Every query word must match (in the title,
//!   the body or the agency's name). Matching and ranking use one field holding the title
//!   twice, the agency's name and the body (BM25F-style: a title word counts double), so that a
//!   query is a flat conjunction of terms and tantivy's block-max pruning finds the first page
//!   without scoring every match; filters are terms of zero weight in the same conjunction.
//! * Work per query is bounded. The matches are counted (without scoring) up to
//!   [`COUNT_BOUND`]; up to there the ranking is exact (block-max pruned). A query matching
//!   more — a word in nearly every document, such as an agency name shared by all of them —
//!   says 「超过」 that many ([`Results::total_exact`]) and is ranked over the first
//!   [`COUNT_BOUND`] matches met, the most recently indexed segments first, instead of
//!   scoring a million documents.
//! * The exact keys (文号, 索引号, 项目编号, 统一社会信用代码) are indexed whole after
//!   [`normalize_key`]; a query that is or contains one ([`query_keys`]) matches it exactly and
//!   ranks it before every text match.
//! * Filters (agency, kind, category/stage/column, published date from/to) and pages; the
//!   result window is bounded ([`MAX_WINDOW`]) and so is the query ([`MAX_QUERY_CHARS`]).
//! * Snippets and titles come back as HTML: the text escaped, the matched words in `<mark>`,
//!   nothing else — a `<script>` in a title is text.
//! * The index remembers the last change-log sequence number applied to it in its commit
//!   payload ([`SearchIndex::applied_seq`]); a missing, unreadable or older-schema index is
//!   recreated empty ([`Opened::Created`]) for the caller to rebuild.

mod keys;

use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{LowerCaser, TextAnalyzer, TokenStream};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use time::OffsetDateTime;

pub use keys::{normalize_key, query_keys};

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;
/// The deepest result reachable by paging (offset + page size).
pub const MAX_WINDOW: usize = 1000;
/// The largest page.
pub const MAX_PAGE_SIZE: usize = 50;
/// The most query words used (the rest of a long query is ignored).
const MAX_QUERY_WORDS: usize = 24;
/// Characters of body text in a snippet.
const SNIPPET_CHARS: usize = 160;
/// Memory the index writer buffers before it writes a segment.
const WRITER_MEMORY: usize = 50_000_000;
/// Bumped whenever the schema or the tokenisation changes: an index of another version is
/// rebuilt.
const SCHEMA_VERSION: u32 = 2;
/// Matches counted exactly and ranked exactly; a query matching more reports this many with
/// `total_exact: false`, ranked over this many of its matches.
pub const COUNT_BOUND: usize = 100_000;
/// Score given to an exact key match (above any text score).
const EXACT_SCORE: f32 = 1_000_000.0;

const FINE: &str = "jieba_fine";
const COARSE: &str = "jieba_coarse";

/// The tokenizers, built once: jieba's dictionary loads on first use.
static FINE_ANALYZER: LazyLock<TextAnalyzer> = LazyLock::new(|| {
    TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::with_search_mode(true))
        .filter(LowerCaser)
        .build()
});
static COARSE_ANALYZER: LazyLock<TextAnalyzer> = LazyLock::new(|| {
    TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::with_search_mode(false))
        .filter(LowerCaser)
        .build()
});

/// What went wrong with the index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("搜索索引出错：{0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("搜索索引目录出错：{0}")]
    Io(#[from] std::io::Error),
    #[error("搜索索引正被另一个进程使用（{0}）")]
    Busy(String),
    #[error("搜索词（q）过长：最多 {MAX_QUERY_CHARS} 个字，收到 {0} 个")]
    QueryTooLong(usize),
    #[error("页码（page）超出范围：最多可查看前 {MAX_WINDOW} 条结果")]
    PageTooDeep,
}

/// What a document is: a proactive-disclosure item, a trading notice, or an annual report (an
/// item too, shown as a report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Item,
    Notice,
    Report,
}

impl DocKind {
    pub const ALL: [DocKind; 3] = [DocKind::Item, DocKind::Notice, DocKind::Report];

    pub fn code(self) -> &'static str {
        match self {
            DocKind::Item => "item",
            DocKind::Notice => "notice",
            DocKind::Report => "report",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DocKind::Item => "政府信息",
            DocKind::Notice => "交易公告",
            DocKind::Report => "年度报告",
        }
    }

    pub fn from_code(code: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The source row a document comes from: items and reports are both `disclosure_item`.
    pub fn source(self) -> Source {
        match self {
            DocKind::Item | DocKind::Report => Source::Item,
            DocKind::Notice => Source::Notice,
        }
    }
}

/// The table a document's id is a row of (what the change log names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// `disclosure_item.id` (reports included).
    Item,
    /// `notice.id`.
    Notice,
}

impl Source {
    fn key(self, id: i64) -> String {
        match self {
            Source::Item => format!("item:{id}"),
            Source::Notice => format!("notice:{id}"),
        }
    }
}

/// A public document, as the database hands it over.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDoc {
    pub kind: DocKind,
    /// The row id (`disclosure_item.id` or `notice.id`).
    pub id: i64,
    pub agency: String,
    pub agency_name: String,
    pub title: String,
    /// Plain text (no markup).
    pub body: String,
    pub published: OffsetDateTime,
    /// The public page's path.
    pub url: String,
    /// Filter codes: an item's column, a notice's trading category and notice type.
    pub categories: Vec<String>,
    /// Exact keys: 文号, 索引号, 项目编号, 统一社会信用代码 (as written; normalised here).
    pub keys: Vec<String>,
}

impl SearchDoc {
    pub fn source(&self) -> Source {
        self.kind.source()
    }
}

/// A search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    pub q: String,
    pub agency: Option<String>,
    pub kind: Option<DocKind>,
    /// A column, trading category or notice type code.
    pub category: Option<String>,
    /// Published on or after / on or before these dates (Beijing).
    pub from: Option<time::Date>,
    pub to: Option<time::Date>,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub kind: DocKind,
    pub id: i64,
    pub title: String,
    /// The title as HTML: escaped, matched words in `<mark>`.
    pub title_html: String,
    pub url: String,
    /// A piece of the body as HTML: escaped, matched words in `<mark>`.
    pub snippet: String,
    /// RFC 3339, Beijing time.
    pub published: String,
    pub agency: String,
    pub agency_name: String,
    /// True when an exact key (文号, 索引号, 项目编号, USCC) matched.
    pub exact: bool,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    /// The matching documents (not only the reachable ones), counted up to [`COUNT_BOUND`].
    pub total: usize,
    /// False when there are more than `total` (the count stopped at [`COUNT_BOUND`]).
    pub total_exact: bool,
    pub hits: Vec<Hit>,
    pub page: usize,
    pub per_page: usize,
}

impl Results {
    /// The last page a visitor can reach.
    pub fn last_page(&self) -> usize {
        let reachable = self.total.min(MAX_WINDOW);
        reachable.div_ceil(self.per_page.max(1)).max(1)
    }
}

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    kind: Field,
    id: Field,
    agency: Field,
    agency_name: Field,
    title: Field,
    body: Field,
    /// Title (twice), agency name and body: what words match and rank on.
    all: Field,
    url: Field,
    published: Field,
    day: Field,
    category: Field,
    exact: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(FINE)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    // Filter fields keep term frequencies so that a filter joins the words' conjunction as a
    // term scorer (of weight zero) and block-max pruning still applies.
    let filter = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        key: b.add_text_field("key", STRING | STORED),
        kind: b.add_text_field("kind", filter.clone().set_stored()),
        id: b.add_i64_field("id", STORED),
        agency: b.add_text_field("agency", filter.clone().set_stored()),
        agency_name: b.add_text_field("agency_name", STORED),
        title: b.add_text_field("title", STORED),
        body: b.add_text_field("body", STORED),
        all: b.add_text_field("all", words),
        url: b.add_text_field("url", STORED),
        published: b.add_text_field("published", STORED),
        day: b.add_i64_field("day", INDEXED | FAST),
        category: b.add_text_field("category", filter),
        exact: b.add_text_field("exact", STRING),
    };
    (b.build(), fields)
}

fn register(index: &Index) {
    index.tokenizers().register(FINE, FINE_ANALYZER.clone());
    index.tokenizers().register(COARSE, COARSE_ANALYZER.clone());
}

/// The date as the number `yyyymmdd`.
fn day_number(d: time::Date) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(u8::from(d.month())) * 100 + i64::from(d.day())
}

fn beijing(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(time::macros::offset!(+8))
}

/// The commit payload: the last change applied, the schema it was written with, and the
/// origin of the change log it follows (see [`SearchIndex::set_origin`]).
#[derive(Serialize, Deserialize)]
struct Payload {
    seq: i64,
    schema: u32,
    #[serde(default)]
    origin: i64,
}

/// How [`SearchIndex::open`] found the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// An index of this version; changes after `seq` are still to apply, from the change log
    /// whose origin was `origin` when the index was built.
    Existing { seq: i64, origin: i64 },
    /// Created empty (there was none, it could not be read, or it was of an older version):
    /// to be rebuilt from the database.
    Created { reason: String },
}

/// The index: one writer (serialised by a mutex), one reader reloaded at each commit.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
    dir: Option<PathBuf>,
    /// Recorded with every commit ([`SearchIndex::set_origin`]).
    origin: std::sync::atomic::AtomicI64,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, fm: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fm.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .finish()
    }
}

impl SearchIndex {
    /// An index in memory (tests, benchmarks).
    pub fn in_ram() -> Result<SearchIndex, SearchError> {
        let (schema, f) = schema();
        let index = Index::create_in_ram(schema);
        Self::with(index, f, None)
    }

    /// The index in `dir`: opened when it is there, readable and of this version; else the
    /// directory's contents are removed and an empty index is created there.
    pub fn open(dir: &Path) -> Result<(SearchIndex, Opened), SearchError> {
        let existing = if dir.join("meta.json").exists() {
            match Self::try_open(dir) {
                Ok((ix, Some((seq, origin)))) => {
                    return Ok((ix, Opened::Existing { seq, origin }));
                }
                Ok((_, None)) => "索引版本不同或从未提交".to_string(),
                Err(SearchError::Busy(m)) => return Err(SearchError::Busy(m)),
                Err(e) => e.to_string(),
            }
        } else {
            "索引不存在".to_string()
        };
        let ix = Self::create(dir)?;
        Ok((ix, Opened::Created { reason: existing }))
    }

    /// An empty index in `dir` (whatever was there is removed).
    pub fn create(dir: &Path) -> Result<SearchIndex, SearchError> {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir)?;
        let (schema, f) = schema();
        let index = Index::create_in_dir(dir, schema)?;
        Self::with(index, f, Some(dir.to_path_buf()))
    }

    fn try_open(dir: &Path) -> Result<(SearchIndex, Option<(i64, i64)>), SearchError> {
        let index = Index::open_in_dir(dir)?;
        let (expected, f) = schema();
        if index.schema() != expected {
            return Err(SearchError::Index(tantivy::TantivyError::SchemaError(
                "schema differs".into(),
            )));
        }
        let seq = index
            .load_metas()?
            .payload
            .and_then(|p| serde_json::from_str::<Payload>(&p).ok())
            .filter(|p| p.schema == SCHEMA_VERSION)
            .map(|p| (p.seq, p.origin));
        let ix = Self::with(index, f, Some(dir.to_path_buf()))?;
        if let Some((_, origin)) = seq {
            ix.set_origin(origin);
        }
        Ok((ix, seq))
    }

    fn with(index: Index, f: Fields, dir: Option<PathBuf>) -> Result<SearchIndex, SearchError> {
        register(&index);
        let writer = index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(_, _) => SearchError::Busy(
                    dir.as_ref()
                        .map_or_else(String::new, |d| d.display().to_string()),
                ),
                e => SearchError::Index(e),
            })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            f,
            dir,
            origin: std::sync::atomic::AtomicI64::new(0),
        })
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        // A panic while holding the lock leaves the writer usable (uncommitted work is lost).
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The last change-log sequence number committed to the index (`None`: never committed).
    pub fn applied_seq(&self) -> Option<i64> {
        self.index
            .load_metas()
            .ok()?
            .payload
            .and_then(|p| serde_json::from_str::<Payload>(&p).ok())
            .filter(|p| p.schema == SCHEMA_VERSION)
            .map(|p| p.seq)
    }

    /// Adds or replaces a document (visible after the next [`commit`](Self::commit)).
    pub fn upsert(&self, d: &SearchDoc) -> Result<(), SearchError> {
        let key = d.source().key(d.id);
        let doc = self.document(d, &key);
        let w = self.writer();
        w.delete_term(Term::from_field_text(self.f.key, &key));
        w.add_document(doc)?;
        Ok(())
    }

    /// Adds a document known not to be in the index — a rebuild after [`clear`](Self::clear)
    /// or [`create`](Self::create) — without queueing the delete an [`upsert`](Self::upsert)
    /// does (a million queued deletes hold memory until the commit and then cost a lookup each).
    pub fn add_new(&self, d: &SearchDoc) -> Result<(), SearchError> {
        let doc = self.document(d, &d.source().key(d.id));
        self.writer().add_document(doc)?;
        Ok(())
    }

    fn document(&self, d: &SearchDoc, key: &str) -> TantivyDocument {
        let f = self.f;
        let mut doc = TantivyDocument::new();
        doc.add_text(f.key, key);
        doc.add_text(f.kind, d.kind.code());
        doc.add_i64(f.id, d.id);
        doc.add_text(f.agency, &d.agency);
        doc.add_text(f.agency_name, &d.agency_name);
        doc.add_text(f.title, &d.title);
        doc.add_text(f.body, &d.body);
        doc.add_text(
            f.all,
            format!("{}\n{}\n{}\n{}", d.title, d.title, d.agency_name, d.body),
        );
        doc.add_text(f.url, &d.url);
        let t = beijing(d.published);
        doc.add_text(
            f.published,
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        );
        doc.add_i64(f.day, day_number(t.date()));
        for c in &d.categories {
            doc.add_text(f.category, c);
        }
        let mut seen = Vec::new();
        for k in &d.keys {
            let k = normalize_key(k);
            if !k.is_empty() && !seen.contains(&k) {
                doc.add_text(f.exact, &k);
                seen.push(k);
            }
        }
        doc
    }

    /// Removes a document (after the next commit).
    pub fn remove(&self, source: Source, id: i64) {
        let w = self.writer();
        w.delete_term(Term::from_field_text(self.f.key, &source.key(id)));
    }

    /// Removes every document of an agency (after the next commit): the start of re-indexing
    /// an agency whose name or columns changed. Documents added after this call stay.
    pub fn remove_agency(&self, agency: &str) {
        self.writer()
            .delete_term(Term::from_field_text(self.f.agency, agency));
    }

    /// Removes every document (after the next commit): the start of a rebuild.
    pub fn clear(&self) -> Result<(), SearchError> {
        self.writer().delete_all_documents()?;
        Ok(())
    }

    /// Sets the origin recorded with every later commit: an identity of the change log the
    /// index follows (the caller's choice, e.g. the log's first sequence number), so that an
    /// index left from another incarnation of the database — reset and refilled — is told
    /// apart from one that is merely behind.
    pub fn set_origin(&self, origin: i64) {
        self.origin
            .store(origin, std::sync::atomic::Ordering::Relaxed);
    }

    /// Makes the changes so far visible and durable, recording `seq` as applied.
    pub fn commit(&self, seq: i64) -> Result<(), SearchError> {
        let payload = serde_json::to_string(&Payload {
            seq,
            schema: SCHEMA_VERSION,
            origin: self.origin.load(std::sync::atomic::Ordering::Relaxed),
        })
        .unwrap_or_default();
        {
            let mut w = self.writer();
            let mut prepared = w.prepare_commit()?;
            prepared.set_payload(&payload);
            prepared.commit()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Documents in the index (committed).
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the index takes on disk (0 in memory).
    pub fn disk_bytes(&self) -> u64 {
        fn walk(p: &Path) -> u64 {
            std::fs::read_dir(p).map_or(0, |rd| {
                rd.flatten()
                    .map(|e| match e.metadata() {
                        Ok(m) if m.is_dir() => walk(&e.path()),
                        Ok(m) => m.len(),
                        Err(_) => 0,
                    })
                    .sum()
            })
        }
        self.dir.as_deref().map_or(0, walk)
    }

    /// Searches. An empty query (no word and no key) finds nothing.
    pub fn search(&self, sq: &SearchQuery) -> Result<Results, SearchError> {
        let chars = sq.q.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(SearchError::QueryTooLong(chars));
        }
        let per_page = sq.per_page.clamp(1, MAX_PAGE_SIZE);
        let page = sq.page.max(1);
        let offset = (page - 1).saturating_mul(per_page);
        if offset >= MAX_WINDOW {
            return Err(SearchError::PageTooDeep);
        }
        let limit = per_page.min(MAX_WINDOW - offset);
        let empty = Results {
            total: 0,
            total_exact: true,
            hits: Vec::new(),
            page,
            per_page,
        };
        let f = self.f;
        let term = |field: Field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, v),
                IndexRecordOption::WithFreqs,
            ))
        };

        // Exact keys.
        let exact_terms: Vec<Box<dyn Query>> = query_keys(&sq.q)
            .into_iter()
            .map(|k| {
                Box::new(TermQuery::new(
                    Term::from_field_text(f.exact, &k),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>
            })
            .collect();
        // Words: each must match (title, agency name or body: the `all` field).
        let words = query_words(&sq.q);
        let word_clauses = || -> Vec<(Occur, Box<dyn Query>)> {
            words
                .iter()
                .map(|w| (Occur::Must, term(f.all, w)))
                .collect()
        };
        // Filters: terms of weight zero (they narrow, they do not rank).
        let mut filters: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut filter = |field: Field, v: &str| {
            filters.push((
                Occur::Must,
                Box::new(BoostQuery::new(term(field, v), 0.0)) as Box<dyn Query>,
            ));
        };
        if let Some(a) = sq.agency.as_deref() {
            filter(f.agency, a);
        }
        if let Some(k) = sq.kind {
            filter(f.kind, k.code());
        }
        if let Some(c) = sq.category.as_deref() {
            filter(f.category, c);
        }
        if sq.from.is_some() || sq.to.is_some() {
            let bound = |d: Option<time::Date>| match d {
                Some(d) => Bound::Included(Term::from_field_i64(f.day, day_number(d))),
                None => Bound::Unbounded,
            };
            filters.push((
                Occur::Must,
                Box::new(RangeQuery::new(bound(sq.from), bound(sq.to))),
            ));
        }

        let text_query = (!words.is_empty()).then(|| BooleanQuery::new(word_clauses()));
        let exact_query = (!exact_terms.is_empty()).then(|| BooleanQuery::union(exact_terms));
        let query: Box<dyn Query> = match &exact_query {
            // Words only: one flat conjunction of term queries (words and filters), which
            // tantivy prunes block by block; a single term is given as itself for the same reason.
            None => {
                let mut clauses = word_clauses();
                if clauses.is_empty() {
                    return Ok(empty);
                }
                clauses.extend(filters);
                if clauses.len() == 1 {
                    clauses.remove(0).1
                } else {
                    Box::new(BooleanQuery::new(clauses))
                }
            }
            // An exact key ranks before every text match.
            Some(e) => {
                let mut main: Vec<(Occur, Box<dyn Query>)> = vec![(
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(Box::new(e.clone()), EXACT_SCORE)),
                )];
                if let Some(t) = &text_query {
                    main.push((Occur::Should, Box::new(t.clone())));
                }
                let mut clauses: Vec<(Occur, Box<dyn Query>)> =
                    vec![(Occur::Must, Box::new(BooleanQuery::new(main)))];
                clauses.extend(filters);
                Box::new(BooleanQuery::new(clauses))
            }
        };

        let searcher = self.reader.searcher();
        let (total, total_exact) = count_upto(&searcher, &*query, COUNT_BOUND)?;
        let top = if total_exact {
            searcher.search(
                &*query,
                &TopDocs::with_limit(limit)
                    .and_offset(offset)
                    .order_by_score(),
            )?
        } else {
            top_within(&searcher, &*query, offset, limit, COUNT_BOUND)?
        };
        // Snippets from the text part of the query only (exact keys are not words).
        let text_for_snippets: Box<dyn Query> = match &text_query {
            Some(t) => Box::new(t.clone()),
            None => Box::new(BooleanQuery::new(Vec::new())),
        };
        let mut title_gen = SnippetGenerator::create(&searcher, &*text_for_snippets, f.all)?;
        title_gen.set_max_num_chars(usize::MAX / 2);
        let mut body_gen = SnippetGenerator::create(&searcher, &*text_for_snippets, f.all)?;
        body_gen.set_max_num_chars(SNIPPET_CHARS);
        let exact_weight = exact_query.as_ref();

        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let title = text(f.title);
            let body = text(f.body);
            let ts = title_gen.snippet(&title);
            let title_html = if ts.highlighted().is_empty() {
                escape(&title)
            } else {
                marked(ts.fragment(), ts.highlighted())
            };
            let bs = body_gen.snippet(&body);
            let snippet = if bs.highlighted().is_empty() {
                escape(&first_chars(&body, SNIPPET_CHARS))
            } else {
                marked(bs.fragment(), bs.highlighted())
            };
            let kind = DocKind::from_code(&text(f.kind)).unwrap_or(DocKind::Item);
            hits.push(Hit {
                kind,
                id: doc.get_first(f.id).and_then(|v| v.as_i64()).unwrap_or(0),
                title,
                title_html,
                url: text(f.url),
                snippet,
                published: text(f.published),
                agency: text(f.agency),
                agency_name: text(f.agency_name),
                exact: exact_weight.is_some() && score >= EXACT_SCORE,
            });
        }
        Ok(Results {
            total,
            total_exact,
            hits,
            page,
            per_page,
        })
    }
}

/// The best `limit` matches after the first `offset` among the first `budget` matches met,
/// the segments taken newest first (higher score first; equal scores in index order).
fn top_within(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    offset: usize,
    limit: usize,
    budget: usize,
) -> Result<Vec<(f32, tantivy::DocAddress)>, SearchError> {
    use std::cmp::{Ordering, Reverse};
    use std::collections::BinaryHeap;

    /// Ordered best first: higher score, then the earlier address.
    #[derive(PartialEq)]
    struct Ranked(f32, tantivy::DocAddress);
    impl Eq for Ranked {}
    impl PartialOrd for Ranked {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Ranked {
        fn cmp(&self, other: &Self) -> Ordering {
            self.0
                .total_cmp(&other.0)
                .then_with(|| other.1.cmp(&self.1))
        }
    }

    let keep = offset.saturating_add(limit);
    let weight = query.weight(tantivy::query::EnableScoring::enabled_from_searcher(
        searcher,
    ))?;
    // The `keep` best so far, the worst on top.
    let mut heap: BinaryHeap<Reverse<Ranked>> = BinaryHeap::with_capacity(keep + 1);
    let mut met = 0usize;
    for (ord, reader) in searcher.segment_readers().iter().enumerate().rev() {
        let alive = reader.alive_bitset();
        let mut scorer = weight.scorer(reader, 1.0)?;
        let mut doc = scorer.doc();
        while doc != tantivy::TERMINATED && met < budget {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                met += 1;
                let r = Ranked(
                    scorer.score(),
                    tantivy::DocAddress::new(u32::try_from(ord).unwrap_or(u32::MAX), doc),
                );
                if heap.len() < keep {
                    heap.push(Reverse(r));
                } else if heap.peek().is_some_and(|w| r > w.0) {
                    heap.pop();
                    heap.push(Reverse(r));
                }
            }
            doc = scorer.advance();
        }
    }
    let mut best: Vec<Ranked> = heap.into_iter().map(|Reverse(r)| r).collect();
    best.sort_by(|a, b| b.cmp(a));
    Ok(best
        .into_iter()
        .skip(offset)
        .map(|Ranked(s, a)| (s, a))
        .collect())
}

/// The matches of `query`, counted without scoring up to `bound`: `(count, exact)`; when
/// there are more, `(bound, false)`.
fn count_upto(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    bound: usize,
) -> Result<(usize, bool), SearchError> {
    let weight = query.weight(tantivy::query::EnableScoring::disabled_from_searcher(
        searcher,
    ))?;
    let mut n = 0usize;
    for reader in searcher.segment_readers() {
        let alive = reader.alive_bitset();
        let mut scorer = weight.scorer(reader, 1.0)?;
        let mut doc = scorer.doc();
        while doc != tantivy::TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                if n == bound {
                    return Ok((bound, false));
                }
                n += 1;
            }
            doc = scorer.advance();
        }
    }
    Ok((n, true))
}

/// The words of a query, cut coarsely: tokens with at least one letter or digit, lower case,
/// at most [`MAX_QUERY_WORDS`], without repeats.
pub fn query_words(q: &str) -> Vec<String> {
    let mut analyzer = COARSE_ANALYZER.clone();
    let mut stream = analyzer.token_stream(q);
    let mut out: Vec<String> = Vec::new();
    while let Some(t) = stream.next() {
        if out.len() >= MAX_QUERY_WORDS {
            break;
        }
        if t.text.chars().any(char::is_alphanumeric) && !out.contains(&t.text) {
            out.push(t.text.clone());
        }
    }
    out
}

/// The words a text is indexed under (fine-grained): for tests and diagnostics.
pub fn index_words(text: &str) -> Vec<String> {
    let mut analyzer = FINE_ANALYZER.clone();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

/// Text escaped for HTML content and attribute values (the workspace's one escaper).
pub use gongkai_domain::html::escape;

/// `text` escaped, with the byte ranges `marks` (sorted or not, overlapping or not) in `<mark>`.
fn marked(text: &str, marks: &[std::ops::Range<usize>]) -> String {
    let mut ranges: Vec<std::ops::Range<usize>> = marks
        .iter()
        .filter(|r| {
            r.start < r.end
                && r.end <= text.len()
                && text.is_char_boundary(r.start)
                && text.is_char_boundary(r.end)
        })
        .cloned()
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for r in ranges {
        if r.end <= at {
            continue;
        }
        let start = r.start.max(at);
        out.push_str(&escape(&text[at..start]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[start..r.end]));
        out.push_str("</mark>");
        at = r.end;
    }
    out.push_str(&escape(&text[at..]));
    out
}

fn first_chars(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::Count;

    /// A corpus of `n` notices whose titles and bodies are drawn from a few words, in three
    /// agencies and two kinds, indexed in several segments.
    fn corpus(n: i64) -> SearchIndex {
        let words = [
            "招标", "公告", "工程", "采购", "道路", "改造", "学校", "医院", "结果", "公示",
        ];
        let ix = SearchIndex::in_ram().unwrap_or_else(|e| panic!("{e}"));
        for id in 0..n {
            let pick = |k: i64| words[((id * 7 + k * 13 + id / 3 * k) % 10) as usize];
            let title = format!("{}{}{}", pick(1), pick(2), pick(3));
            let body = (0..(id % 9 + 1))
                .map(|k| pick(k + 4))
                .collect::<Vec<_>>()
                .join("，");
            let d = SearchDoc {
                kind: if id % 4 == 0 {
                    DocKind::Item
                } else {
                    DocKind::Notice
                },
                id,
                agency: format!("g{}", id % 3),
                agency_name: format!("第{}交易中心", id % 3),
                title,
                body,
                published: time::macros::datetime!(2024-06-03 10:00 +8),
                url: format!("/n/{id}"),
                categories: vec![format!("c{}", id % 5)],
                keys: Vec::new(),
            };
            ix.upsert(&d).unwrap_or_else(|e| panic!("{e}"));
            if id % 500 == 499 {
                ix.commit(id).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        ix.commit(n).unwrap_or_else(|e| panic!("{e}"));
        ix
    }

    /// The first page found with block-max pruning (the query as `search` builds it, filters
    /// included) has the same scores as scoring every match, and the bounded count agrees
    /// with an exhaustive one below the bound.
    #[test]
    fn pruning_finds_the_same_first_page_as_scoring_everything() {
        let ix = corpus(2_000);
        let searcher = ix.reader.searcher();
        for (q, agency, kind) in [
            ("招标", None, None),
            ("招标 公告", None, None),
            ("道路改造 学校", None, None),
            ("采购", Some("g1"), None),
            ("工程 结果", Some("g2"), Some(DocKind::Notice)),
            ("医院", None, Some(DocKind::Item)),
        ] {
            let sq = SearchQuery {
                q: q.into(),
                agency: agency.map(str::to_string),
                kind,
                page: 1,
                per_page: 10,
                ..Default::default()
            };
            let r = ix.search(&sq).unwrap_or_else(|e| panic!("{e}"));
            // The same query, with a collector that cannot prune.
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = query_words(q)
                .iter()
                .map(|w| {
                    (
                        Occur::Must,
                        Box::new(TermQuery::new(
                            Term::from_field_text(ix.f.all, w),
                            IndexRecordOption::WithFreqs,
                        )) as Box<dyn Query>,
                    )
                })
                .collect();
            for (field, v) in [
                (ix.f.agency, agency.map(str::to_string)),
                (ix.f.kind, kind.map(|k| k.code().to_string())),
            ] {
                if let Some(v) = v {
                    clauses.push((
                        Occur::Must,
                        Box::new(TermQuery::new(
                            Term::from_field_text(field, &v),
                            IndexRecordOption::Basic,
                        )),
                    ));
                }
            }
            let full = BooleanQuery::new(clauses);
            let (top, count) = searcher
                .search(&full, &(TopDocs::with_limit(10).order_by_score(), Count))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!((r.total, r.total_exact), (count, true), "{q}");
            assert!(count > 10, "{q}: {count} matches, too few to test pruning");
            let ids: Vec<i64> = r.hits.iter().map(|h| h.id).collect();
            let full_ids: Vec<i64> = top
                .iter()
                .map(|(_, a)| {
                    let d: TantivyDocument = searcher.doc(*a).unwrap_or_else(|e| panic!("{e}"));
                    d.get_first(ix.f.id).and_then(|v| v.as_i64()).unwrap_or(-1)
                })
                .collect();
            // Equal scores may come in another order: compare the sets of the first page
            // when the last scores tie, else the order.
            let mut a = ids.clone();
            let mut b = full_ids.clone();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a.len(), b.len(), "{q}");
            if a != b {
                let last = top.last().map_or(0.0, |t| t.0);
                let ties = top.iter().filter(|t| (t.0 - last).abs() < 1e-4).count();
                assert!(ties > 1, "{q}: pruned {ids:?}, exhaustive {full_ids:?}");
            }
        }
    }

    /// Ranking within a budget is the exhaustive ranking when the budget covers every match,
    /// pages alike; with a smaller budget it still fills the page, best first.
    #[test]
    fn a_bounded_ranking_is_exact_within_its_budget() {
        let ix = corpus(2_000);
        let searcher = ix.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(ix.f.all, "招标"),
            IndexRecordOption::WithFreqs,
        );
        let ok = |r: Result<Vec<(f32, tantivy::DocAddress)>, SearchError>| {
            r.unwrap_or_else(|e| panic!("{e}"))
        };
        let (count, exact) =
            count_upto(&searcher, &query, usize::MAX).unwrap_or_else(|e| panic!("{e}"));
        assert!(exact && count > 100, "{count}");
        let full = searcher
            .search(&query, &TopDocs::with_limit(20).order_by_score())
            .unwrap_or_else(|e| panic!("{e}"));
        let within = ok(top_within(&searcher, &query, 0, 20, count));
        let scores =
            |v: &[(f32, tantivy::DocAddress)]| -> Vec<f32> { v.iter().map(|x| x.0).collect() };
        assert_eq!(scores(&within), scores(&full));
        let page2 = ok(top_within(&searcher, &query, 10, 10, count));
        assert_eq!(page2, within[10..].to_vec());
        let small = ok(top_within(&searcher, &query, 0, 20, 50));
        assert_eq!(small.len(), 20);
        assert!(small.windows(2).all(|w| w[0].0 >= w[1].0));
        assert!(small[0].0 <= full[0].0);
    }

    #[test]
    fn the_count_stops_at_its_bound_and_says_so() {
        let ix = corpus(600);
        let searcher = ix.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(ix.f.kind, "notice"),
            IndexRecordOption::Basic,
        );
        let all = searcher
            .search(&query, &Count)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(all, 450);
        let count = |b| count_upto(&searcher, &query, b).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(count(10_000), (450, true));
        assert_eq!(count(450), (450, true));
        assert_eq!(count(449), (449, false));
        assert_eq!(count(1), (1, false));
        // Deleted documents are not counted.
        ix.remove(Source::Notice, 1);
        ix.remove(Source::Notice, 2);
        ix.commit(601).unwrap_or_else(|e| panic!("{e}"));
        let searcher = ix.reader.searcher();
        assert_eq!(
            count_upto(&searcher, &query, 10_000).unwrap_or_else(|e| panic!("{e}")),
            (448, true)
        );
    }

    #[test]
    fn marks_are_the_only_markup() {
        assert_eq!(
            marked("<script>农业</script>", std::slice::from_ref(&(8..14))),
            "&lt;script&gt;<mark>农业</mark>&lt;/script&gt;"
        );
        assert_eq!(
            marked("ab", &[0..1, 0..2, 5..9]),
            "<mark>a</mark><mark>b</mark>"
        );
    }
}
