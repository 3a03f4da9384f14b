//! The read-only node (`serve --read-only`, issue 12 part 6): a portal process over a database
//! replica serves the public site, its feeds and search, and sends nothing to write. Its
//! database connection cannot write (`Db::open_read_only`); this layer keeps every request that
//! would try from reaching a handler — any method but GET and HEAD, the back office, the login,
//! the request form — and answers it with a Chinese 503 naming what to do; it also drops
//! cookies and credentials, so no session is looked up or touched. Its background jobs do not
//! run (`serve`).

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{AppState, WebError};

/// Paths a read-only node does not serve (prefixes).
const WRITING_PATHS: &[&str] = &[
    "/admin",
    "/api/v1/admin",
    "/login",
    "/logout",
    "/requests/new",
];

const MESSAGE: &str = "本站点为只读节点，只提供公开信息、年度报告、交易信息与站内搜索；在线申请、查询以外的办理和后台管理请访问本单位的主站点。";

/// The guard (outermost but the metrics): off unless the configuration says read-only.
pub(crate) async fn guard(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    if !s.config.read_only {
        return next.run(req).await;
    }
    let path = req.uri().path();
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD)
        || WRITING_PATHS
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}/")));
    if writes {
        let e = WebError(StatusCode::SERVICE_UNAVAILABLE, MESSAGE.into());
        return if path.starts_with("/api/") {
            e.into_api_response()
        } else {
            e.into_response()
        };
    }
    let h = req.headers_mut();
    h.remove(header::COOKIE);
    h.remove(header::AUTHORIZATION);
    next.run(req).await
}
