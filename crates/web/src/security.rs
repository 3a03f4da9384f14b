//! Protections that hold for every request and response, as middleware applied in
//! `router_with` (outermost first):
//!
//! * [`record_peer`]: the `x-gongkai-peer` header is always the server's own record of the TCP
//!   peer address (a client's copy is dropped), from `ConnectInfo` when serving.
//! * [`headers`]: security headers on every response — a Content-Security-Policy without inline
//!   script ([`CSP`]), `X-Content-Type-Options: nosniff`, `Referrer-Policy`, `X-Frame-Options` —
//!   and `Cache-Control: no-store` on the back office, the API of the back office, the public
//!   request pages and any response that sets a cookie.
//! * [`limits`]: per-client rate limits on the public request form and status lookup (429 with
//!   `Retry-After`), per-route body limits (forms [`FORM_LIMIT`]; the report auditor's uploads
//!   `gongkai_export::read::MAX_BYTES`; 413 before the handler runs), and Chinese messages in
//!   place of the framework's English extractor rejections (a JSON `{"error": …}` on `/api/`).

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};
use tower::{Layer, Service};

use crate::{AppState, PEER_HEADER, WebError, guard};

/// The Content-Security-Policy of every page: no inline script or style, nothing from another
/// origin, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                       img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; \
                       base-uri 'none'; object-src 'none'";

/// The body limit of every route but the audit uploads: forms and JSON (64 KiB).
pub const FORM_LIMIT: usize = 64 * 1024;

/// The routes that take a report file (the report auditor): body limit
/// `gongkai_export::read::MAX_BYTES`.
pub const UPLOAD_ROUTES: &[&str] = &[
    "/admin/audit",
    "/api/v1/admin/audit",
    "/api/v1/admin/notices",
];

/// Submissions of the public request form per client address: a burst of 5, then one more
/// every 2 minutes (5 per 10 minutes).
pub const SUBMISSIONS: (u32, Duration) = (5, Duration::from_secs(120));
/// Status lookups per client address: a burst of 30, then one more every 2 s (30 a minute).
pub const LOOKUPS: (u32, Duration) = (30, Duration::from_secs(2));

/// The body limit of a path.
pub fn body_limit(path: &str) -> usize {
    if UPLOAD_ROUTES.contains(&path) {
        gongkai_export::read::MAX_BYTES
    } else if crate::attachments::is_upload(path) {
        // The file and, in a multipart form, its envelope.
        gongkai_domain::publishing::MAX_ATTACHMENT_BYTES + FORM_LIMIT
    } else {
        FORM_LIMIT
    }
}

/// Whether `s` can be a key looked up in the database (an agency code, a tracking code): not
/// empty, at most `max` characters, no control character (PostgreSQL refuses NUL in text, so
/// such a value is answered "not found" without a query).
pub fn plausible_key(s: &str, max: usize) -> bool {
    !s.is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
}

/// Whether responses under `path` may carry personal data or belong to a session (never
/// stored by a browser or a proxy).
pub fn private_path(path: &str) -> bool {
    path == "/admin"
        || path.starts_with("/admin/")
        || path.starts_with("/api/v1/admin")
        || path == "/requests"
        || path.starts_with("/requests/")
}

/// Replaces any client-sent `x-gongkai-peer` with the TCP peer address (IP only) when the
/// server knows it; without `ConnectInfo` (the router driven in-process) the header is unset.
pub async fn record_peer(mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_string());
    let headers = req.headers_mut();
    headers.remove(PEER_HEADER);
    if let Some(v) = peer.and_then(|p| HeaderValue::from_str(&p).ok()) {
        headers.insert(PEER_HEADER, v);
    }
    next.run(req).await
}

/// Adds the security headers to every response (a CSP a handler set itself is kept, e.g. the
/// standalone HTML report's [`document_csp`]).
pub async fn headers(req: Request, next: Next) -> Response {
    let private = private_path(req.uri().path());
    let mut res = next.run(req).await;
    let sets_cookie = res.headers().contains_key(header::SET_COOKIE);
    let h = res.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if private || sets_cookie {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The CSP of a standalone HTML document served as a download (the report's `.html`, a reply
/// letter): no script at all, and exactly the document's own `<style>` blocks, allowed by hash.
pub fn document_csp(html: &[u8]) -> HeaderValue {
    let text = String::from_utf8_lossy(html);
    let mut hashes = String::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find("<style>") {
        let after = &rest[start + "<style>".len()..];
        let Some(end) = after.find("</style>") else {
            break;
        };
        hashes.push_str(&format!(
            " 'sha256-{}'",
            base64(&Sha256::digest(&after.as_bytes()[..end]))
        ));
        rest = &after[end..];
    }
    let style = if hashes.is_empty() {
        " 'none'".to_string()
    } else {
        hashes
    };
    HeaderValue::from_str(&format!(
        "default-src 'none'; style-src{style}; img-src data:; frame-ancestors 'none'; \
         form-action 'none'; base-uri 'none'"
    ))
    .unwrap_or(HeaderValue::from_static(CSP))
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

type Limiter = DefaultKeyedRateLimiter<String>;

/// The state of [`limits`]: the application state (to find the client address as the guards
/// do) and one keyed rate limiter per limited endpoint. Each router has its own.
#[derive(Clone)]
pub struct Limits {
    state: AppState,
    submissions: Arc<Limiter>,
    lookups: Arc<Limiter>,
    /// Searches (`/search`, `/api/v1/search`), with their refusal; `None`: not limited.
    searches: Option<(Arc<Limiter>, Arc<str>)>,
}

fn limiter((burst, every): (u32, Duration)) -> Arc<Limiter> {
    let quota = Quota::with_period(every)
        .unwrap_or(Quota::per_minute(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
    Arc::new(RateLimiter::keyed(quota))
}

impl Limits {
    pub fn new(state: &AppState) -> Self {
        Limits {
            state: state.clone(),
            submissions: limiter(SUBMISSIONS),
            lookups: limiter(LOOKUPS),
            searches: match state.config.searches_per_minute {
                0 => None,
                n => Some((
                    limiter((n, Duration::from_millis(60_000 / u64::from(n)))),
                    format!("搜索过于频繁，请稍后再试（每个网络地址每分钟最多 {n} 次）").into(),
                )),
            },
        }
    }

    /// The limiter and the refusal message for a request, if the endpoint is limited.
    fn for_request(&self, req: &Request) -> Option<(&Limiter, &str)> {
        match (req.method(), req.uri().path()) {
            (&Method::POST, "/requests") => Some((
                &self.submissions,
                "提交申请过于频繁，请稍后再试（每个网络地址每 10 分钟最多 5 次）",
            )),
            (&Method::GET, "/requests/status") => Some((
                &self.lookups,
                "查询过于频繁，请稍后再试（每个网络地址每分钟最多 30 次）",
            )),
            (&Method::GET, "/search" | "/api/v1/search") => self
                .searches
                .as_ref()
                .map(|(l, m)| (l.as_ref(), m.as_ref())),
            _ => None,
        }
    }
}

/// Checks `key` (a client address; empty when unknown: one shared bucket) against `limiter`:
/// `Err(seconds to wait)` when over the limit. Old keys are dropped as the map grows.
fn check(limiter: &Limiter, key: &str) -> Result<(), u64> {
    if limiter.len() > 10_000 {
        limiter.retain_recent();
        limiter.shrink_to_fit();
    }
    limiter.check_key(&key.to_string()).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
    })
}

/// Rate limits, body limits and Chinese rejections (see the module documentation).
pub async fn limits(State(l): State<Limits>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let api = path.starts_with("/api/");
    // A NUL character is never part of a code, a case number or a search: refuse it before it
    // reaches a handler (PostgreSQL rejects NUL in text, which would surface as a 500).
    if req.uri().path().contains("%00") {
        return refusal(api, StatusCode::NOT_FOUND, "页面不存在");
    }
    if req.uri().query().is_some_and(|q| q.contains("%00")) {
        return refusal(api, StatusCode::BAD_REQUEST, "查询参数中含有非法字符");
    }
    if let Some((limiter, message)) = l.for_request(&req) {
        let client = guard::client_addr(&l.state, req.headers());
        if let Err(wait) = check(limiter, &client) {
            tracing::warn!(client, path, "rate limit exceeded");
            let mut res = refusal(api, StatusCode::TOO_MANY_REQUESTS, message);
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait.max(1)));
            return res;
        }
    }
    let limit = body_limit(&path);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(api, limit);
    }
    let mut inner = DefaultBodyLimit::max(limit).layer(next);
    let res = match inner.call(req).await {
        Ok(res) => res,
        Err(never) => match never {},
    };
    chinese_rejection(res, api, limit).await
}

fn refusal(api: bool, status: StatusCode, message: &str) -> Response {
    if api {
        guard::api_error(status, message)
    } else {
        WebError(status, message.to_string()).into_response()
    }
}

fn too_large(api: bool, limit: usize) -> Response {
    let size = if limit >= 1024 * 1024 {
        format!("{} MB", limit / (1024 * 1024))
    } else {
        format!("{} KB", limit / 1024)
    };
    refusal(
        api,
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("提交的内容过大（此处上限为 {size}），未作任何处理"),
    )
}

/// The framework's extractor rejections are English plain text (e.g. "Failed to deserialize
/// form body: …", "Invalid URL: …"): they become the Chinese error page (or API JSON) with the
/// same status; the original text goes to the log only.
async fn chinese_rejection(res: Response, api: bool, limit: usize) -> Response {
    let status = res.status();
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/plain"));
    let empty = !res.headers().contains_key(header::CONTENT_TYPE);
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE if plain => return too_large(api, limit),
        StatusCode::BAD_REQUEST if plain => "请求无效：地址、参数或编码有误",
        StatusCode::UNPROCESSABLE_ENTITY if plain => "请求内容无效：缺少字段或字段格式有误",
        StatusCode::UNSUPPORTED_MEDIA_TYPE if plain => "不支持的内容类型",
        StatusCode::METHOD_NOT_ALLOWED if empty || plain => "不支持该请求方法",
        _ => return res,
    };
    let (parts, body) = res.into_parts();
    let original = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    if !original.is_ascii() {
        // Already a message of ours (Chinese): keep it.
        return Response::from_parts(parts, Body::from(original));
    }
    tracing::info!(
        status = status.as_u16(),
        detail = %String::from_utf8_lossy(&original),
        "request rejected"
    );
    let mut out = refusal(api, status, message);
    for name in [header::ALLOW, HeaderName::from_static("retry-after")] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_document_csp() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        let csp = document_csp(b"<html><style>p{}</style><style>b{}</style></html>");
        let csp = csp.to_str().unwrap_or("");
        assert_eq!(csp.matches("'sha256-").count(), 2, "{csp}");
        assert!(!csp.contains("script-src") && csp.starts_with("default-src 'none'"));
        let none = document_csp(b"<p>no style</p>");
        assert!(none.to_str().unwrap_or("").contains("style-src 'none'"));
    }

    #[test]
    fn body_limits_and_private_paths() {
        assert_eq!(body_limit("/requests"), FORM_LIMIT);
        assert_eq!(body_limit("/admin/login"), FORM_LIMIT);
        assert_eq!(
            body_limit("/api/v1/admin/audit"),
            gongkai_export::read::MAX_BYTES
        );
        assert!(private_path("/admin") && private_path("/admin/login"));
        assert!(private_path("/requests/status") && private_path("/api/v1/admin/me"));
        assert!(!private_path("/requestsx") && !private_path("/agencies/a"));
        assert!(!private_path("/static/site.css") && !private_path("/api/openapi.json"));
    }

    #[test]
    fn the_limiter_refuses_after_the_burst_with_a_wait() {
        let l = limiter((2, Duration::from_secs(60)));
        assert!(check(&l, "1.2.3.4").is_ok() && check(&l, "1.2.3.4").is_ok());
        let wait = check(&l, "1.2.3.4").err().unwrap_or(0);
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(
            check(&l, "5.6.7.8").is_ok(),
            "another address has its own bucket"
        );
    }
}
