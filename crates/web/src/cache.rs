//! The public pages' cache: a busy portal answers from memory and recomputes nothing per
//! request; what it answers is never older than the public change log.
//!
//! * Only `GET` requests of the public site's read-only pages are kept ([`cacheable`]): the
//!   portal, its columns, items, trading lists and sections, published reports and their files,
//!   the feeds and the stylesheet. Never the back office, the API of the back office, the public
//!   request form or status lookups (personal), search, or a response that sets a cookie.
//! * Each page is stored with the change-log head it was computed under. At most every
//!   [`CacheConfig::check_every`] one request reads the head of the public change log
//!   (`Db::public_change_head`, one indexed query); when it moved, every stored page is dropped.
//!   A page whose computation began before the head moved is not stored. After every request
//!   that is not a `GET` (a write through this process), the head is read at once, so a
//!   change made here is seen by the next request; a change made by another process (or
//!   `gongkai notices import`) within `check_every`.
//! * Pages also expire after [`CacheConfig::max_age`] (what depends on today's date), and the
//!   memory held is bounded ([`CacheConfig::max_bytes`], [`CacheConfig::max_page`]).
//! * A page missing from the cache is computed once however many requests ask for it at the
//!   same moment: the first computes it, the others wait for it (at most [`FLIGHT_WAIT`]) and
//!   answer from the cache — after a publication empties the cache, a busy portal recomputes
//!   each page once, not once per waiting request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// How the public pages are cached (`WebConfig::cache`).
#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// Off: every request is computed (for measuring the uncached server).
    pub enabled: bool,
    /// How often, at most, the change log's head is read.
    pub check_every: Duration,
    /// The longest a page is kept, whatever the change log says.
    pub max_age: Duration,
    /// The memory all stored pages may take.
    pub max_bytes: usize,
    /// The largest page kept (larger ones are computed every time).
    pub max_page: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            enabled: true,
            check_every: Duration::from_millis(500),
            max_age: Duration::from_secs(60),
            max_bytes: 64 * 1024 * 1024,
            max_page: 4 * 1024 * 1024,
        }
    }
}

/// A stored page.
struct Page {
    /// The change-log head it was computed under.
    head: i64,
    at: Instant,
    status: StatusCode,
    /// The handler's headers (content type, disposition, a page's own CSP, …).
    headers: HeaderMap,
    body: Bytes,
    /// The route that computed it (the metrics count a kept page under it).
    route: Option<crate::metrics::RouteLabel>,
}

/// The cache (one per process, shared by the handlers).
pub struct PageCache {
    config: CacheConfig,
    pages: RwLock<HashMap<String, Arc<Page>>>,
    bytes: Mutex<usize>,
    /// The change-log head last read (-1: not read yet).
    head: AtomicI64,
    checked: Mutex<Option<Instant>>,
    checking: AtomicBool,
    /// The pages being computed: one lock per key, held by the request computing it.
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// The longest a request waits for another one computing the same page before computing it
/// itself.
pub const FLIGHT_WAIT: Duration = Duration::from_secs(5);

/// A request's turn at computing a page; the key's entry is dropped with it.
struct Flight<'a> {
    cache: &'a PageCache,
    key: String,
    lock: Arc<tokio::sync::Mutex<()>>,
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        if let Ok(mut flights) = self.cache.flights.lock()
            && flights
                .get(&self.key)
                .is_some_and(|l| Arc::ptr_eq(l, &self.lock))
        {
            flights.remove(&self.key);
        }
    }
}

/// The longest path and query kept (longer ones are computed every time).
const KEY_LIMIT: usize = 512;

/// Whether a path's `GET` answer may be kept: the public site's read-only pages.
pub fn cacheable(path: &str) -> bool {
    path == "/"
        || path == "/static/site.css"
        || path.starts_with("/agencies/")
        || path.starts_with("/feed/")
        || path.starts_with("/api/v1/feed/")
}

impl PageCache {
    pub fn new(config: CacheConfig) -> Self {
        PageCache {
            config,
            pages: RwLock::new(HashMap::new()),
            bytes: Mutex::new(0),
            head: AtomicI64::new(-1),
            checked: Mutex::new(None),
            checking: AtomicBool::new(false),
            flights: Mutex::new(HashMap::new()),
        }
    }

    fn clear(&self) {
        if let (Ok(mut pages), Ok(mut bytes)) = (self.pages.write(), self.bytes.lock()) {
            pages.clear();
            *bytes = 0;
        }
    }

    /// Reads the change log's head when `force`d or when it was last read `check_every` ago
    /// (one request at a time reads it); drops every page when it moved.
    async fn follow(&self, s: &AppState, force: bool) {
        let due = self
            .checked
            .lock()
            .map(|c| c.is_none_or(|t| t.elapsed() >= self.config.check_every))
            .unwrap_or(true);
        if !(force || due) {
            return;
        }
        if !force
            && self
                .checking
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return;
        }
        match s.db.public_change_head().await {
            Ok(head) => {
                if self.head.swap(head, Ordering::AcqRel) != head {
                    self.clear();
                }
                if let Ok(mut c) = self.checked.lock() {
                    *c = Some(Instant::now());
                }
            }
            Err(e) => {
                // Unknown: keep nothing rather than serve what may be stale.
                tracing::warn!("public change log unreadable: {e}");
                self.head.store(-1, Ordering::Release);
                self.clear();
            }
        }
        if !force {
            self.checking.store(false, Ordering::Release);
        }
    }

    fn get(&self, key: &str, head: i64) -> Option<Arc<Page>> {
        let pages = self.pages.read().ok()?;
        let page = pages.get(key)?;
        (page.head == head && page.at.elapsed() < self.config.max_age).then(|| page.clone())
    }

    fn put(&self, key: String, page: Page) {
        let size = page.body.len() + key.len() + 64 * page.headers.len();
        let (Ok(mut pages), Ok(mut bytes)) = (self.pages.write(), self.bytes.lock()) else {
            return;
        };
        if *bytes + size > self.config.max_bytes {
            // Full: start again (the pages in demand come back at once).
            pages.clear();
            *bytes = 0;
        }
        if let Some(old) = pages.insert(key, Arc::new(page)) {
            *bytes = bytes.saturating_sub(old.body.len());
        }
        *bytes += size;
    }

    /// The number of pages held (for tests and metrics).
    pub fn len(&self) -> usize {
        self.pages.read().map(|p| p.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn answer(page: &Page) -> Response {
    let mut res = Response::new(Body::from(page.body.clone()));
    *res.status_mut() = page.status;
    *res.headers_mut() = page.headers.clone();
    res.headers_mut()
        .insert("x-cache", HeaderValue::from_static("hit"));
    if let Some(r) = &page.route {
        res.extensions_mut().insert(r.clone());
    }
    res
}

/// The middleware (innermost: rate limits and security headers still apply to a kept page).
pub async fn layer(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let cache = s.cache.clone();
    if !cache.config.enabled {
        return next.run(req).await;
    }
    if req.method() != Method::GET {
        let res = next.run(req).await;
        // A write through this process: seen by the next request.
        cache.follow(&s, true).await;
        return res;
    }
    let key = match req.uri().path_and_query() {
        Some(pq) if cacheable(req.uri().path()) && pq.as_str().len() <= KEY_LIMIT => {
            pq.as_str().to_string()
        }
        _ => return next.run(req).await,
    };
    cache.follow(&s, false).await;
    let head = cache.head.load(Ordering::Acquire);
    if head < 0 {
        return next.run(req).await;
    }
    if let Some(page) = cache.get(&key, head) {
        return answer(&page);
    }
    // One computation per page at a time: wait for the request already computing it, then
    // answer from the cache (or compute it, when it was not kept).
    let flight = cache.flights.lock().ok().map(|mut flights| Flight {
        cache: &cache,
        key: key.clone(),
        lock: flights.entry(key.clone()).or_default().clone(),
    });
    let _turn = match &flight {
        Some(f) => tokio::time::timeout(FLIGHT_WAIT, f.lock.clone().lock_owned())
            .await
            .ok(),
        None => None,
    };
    let head = cache.head.load(Ordering::Acquire);
    if head < 0 {
        return next.run(req).await;
    }
    if let Some(page) = cache.get(&key, head) {
        return answer(&page);
    }
    let res = next.run(req).await;
    let (parts, body) = res.into_parts();
    let keep = parts.status == StatusCode::OK
        && !parts.headers.contains_key(header::SET_COOKIE)
        && parts.headers.contains_key(header::CONTENT_TYPE);
    if !keep {
        return Response::from_parts(parts, body);
    }
    // Only a body of known size within the page limit is kept; others pass through as they are.
    let small = axum::body::HttpBody::size_hint(&body)
        .exact()
        .is_some_and(|n| n <= cache.config.max_page as u64);
    if !small {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, cache.config.max_page).await else {
        return crate::WebError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "服务器内部错误，请稍后再试".into(),
        )
        .into_response();
    };
    if cache.head.load(Ordering::Acquire) == head {
        cache.put(
            key,
            Page {
                head,
                at: Instant::now(),
                status: parts.status,
                headers: parts.headers.clone(),
                body: bytes.clone(),
                route: parts
                    .extensions
                    .get::<crate::metrics::RouteLabel>()
                    .cloned(),
            },
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}
