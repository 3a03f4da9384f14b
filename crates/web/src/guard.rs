//! Guards: who is asking, and may they. Every back-office page, form and API handler starts
//! with one of `page_user`, `form_user`, `api_user` or `api_write_user`, naming the action and
//! the agency it acts in ([`Scope`]); the decision is `gongkai_domain::auth::authorize`'s, never
//! the handler's. The anonymous forms (login, public request) check `anonymous_form_ok`.
//! Nothing else in the crate resolves credentials, checks a CSRF token or decides access.
//!
//! Refusals are written to the audit log (who, grants, agency, action, client address) and
//! answered: pages send anonymous users to the login page and others get a 403 page; the API
//! answers 401/403 as JSON (`api_error`). A request for another agency's case gets the same
//! 403 as any other refusal.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use gongkai_db::{AuditEntry, AuditOutcome, DbError};
use gongkai_domain::auth::{Action, AgencyPath, Denied, Principal, Resource, authorize};
use serde_json::json;
use time::OffsetDateTime;

use crate::auth::{self, FORM_COOKIE, SESSION_COOKIE};
use crate::{AppState, WebError};

/// Where an action is performed.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// In one agency (by code), e.g. a case, a report, a calendar of the agency's settings.
    Agency(&'a str),
    /// Deployment-wide settings (the holiday calendar): the role in a top-level agency.
    Deployment,
    /// A page or tool not tied to one agency (the dashboard, the report auditor): allowed when
    /// some grant allows the action somewhere; what the page then lists is scoped again.
    Anywhere,
}

/// Who is asking: an authenticated principal, how (session or token) and from where.
pub struct Caller {
    pub principal: Principal,
    /// The session id and its CSRF token; `None` for an API token.
    pub session: Option<(String, String)>,
    /// The client address (from the configured proxy header when behind one).
    pub client: String,
}

impl Caller {
    /// The session's CSRF token for the forms of a page; empty for an API token.
    pub fn csrf(&self) -> String {
        self.session
            .as_ref()
            .map(|s| s.1.clone())
            .unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        &self.principal.name
    }

    /// Whether `action` is allowed on `path` (to show or hide a control; the handler that acts
    /// asks again through a guard).
    pub fn may(&self, action: Action, path: &AgencyPath) -> bool {
        authorize(&self.principal, action, Resource::Agency(path)).is_ok()
    }

    /// An audit entry for an action of this caller.
    pub fn audit(&self, action: &str) -> AuditEntry {
        AuditEntry::new(Some(&self.principal), action).client(&self.client)
    }
}

/// The client address of a request: the configured proxy header's first address when set and
/// present, else the peer address that the server recorded in `x-gongkai-peer`.
pub fn client_addr(s: &AppState, headers: &HeaderMap) -> String {
    let from = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or("").trim().to_string())
            .filter(|v| !v.is_empty())
    };
    s.config
        .proxy_header
        .as_deref()
        .and_then(from)
        .or_else(|| from(crate::PEER_HEADER))
        .unwrap_or_default()
}

/// The caller of a request, if any: a bearer token first, else the session cookie.
async fn caller(s: &AppState, headers: &HeaderMap) -> Result<Option<Caller>, DbError> {
    let now = OffsetDateTime::now_utc();
    let client = client_addr(s, headers);
    if let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Ok(s
            .db
            .token_principal(&auth::token_hash(token.trim()), now)
            .await?
            .map(|principal| Caller {
                principal,
                session: None,
                client,
            }));
    }
    match auth::cookie(cookie_header(headers), SESSION_COOKIE) {
        Some(id) => Ok(s
            .db
            .session(id, now, s.config.session)
            .await?
            .map(|session| Caller {
                principal: session.principal,
                session: Some((session.id, session.csrf_token)),
                client,
            })),
        None => Ok(None),
    }
}

fn cookie_header(headers: &HeaderMap) -> &str {
    headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The domain's decision for `caller` doing `action` in `scope`.
async fn decide(s: &AppState, c: &Caller, action: Action, scope: Scope<'_>) -> Result<(), Refused> {
    let verdict = match scope {
        Scope::Agency(code) => match s.db.agency_path(code).await {
            Ok(path) => authorize(&c.principal, action, Resource::Agency(&path)),
            // An unknown agency is refused like a foreign one: nothing tells them apart.
            Err(DbError::UnknownAgency(_)) => Err(Denied {
                action,
                message: action.refusal(),
            }),
            Err(e) => return Err(Refused::Db(e)),
        },
        Scope::Deployment => authorize(&c.principal, action, Resource::Deployment),
        Scope::Anywhere => {
            if c.principal.may_somewhere(action) {
                Ok(())
            } else {
                Err(Denied {
                    action,
                    message: action.refusal(),
                })
            }
        }
    };
    match verdict {
        Ok(()) => Ok(()),
        Err(d) => {
            let agency = match scope {
                Scope::Agency(code) => code,
                _ => "",
            };
            audit_quietly(
                s,
                c.audit(action.label())
                    .agency(agency)
                    .outcome(AuditOutcome::Denied)
                    .detail(d.message.clone()),
            )
            .await;
            Err(Refused::Denied(d))
        }
    }
}

enum Refused {
    Denied(Denied),
    Db(DbError),
}

/// Writes an audit row for an event that has no transaction of its own (a refusal, a failed
/// login); a failure to write it is logged.
pub async fn audit_quietly(s: &AppState, e: AuditEntry) {
    if let Err(err) = s.db.audit(&e).await {
        tracing::error!("audit log write failed: {err}");
    }
}

/// A page for a session user allowed `action` in `scope`: anonymous users (and API tokens) go
/// to the login page, others get 403.
pub async fn page_user(
    s: &AppState,
    headers: &HeaderMap,
    action: Action,
    scope: Scope<'_>,
) -> Result<Caller, Response> {
    let c = match caller(s, headers).await {
        Ok(Some(c)) if c.session.is_some() => c,
        Ok(_) => return Err(Redirect::to("/admin/login").into_response()),
        Err(e) => return Err(WebError::from(e).into_response()),
    };
    match decide(s, &c, action, scope).await {
        Ok(()) => Ok(c),
        Err(Refused::Denied(d)) => Err(WebError(StatusCode::FORBIDDEN, d.message).into_response()),
        Err(Refused::Db(e)) => Err(WebError::from(e).into_response()),
    }
}

/// A form post by a session user allowed `action` in `scope`, carrying the session's CSRF
/// token `csrf`.
pub async fn form_user(
    s: &AppState,
    headers: &HeaderMap,
    action: Action,
    scope: Scope<'_>,
    csrf: &str,
) -> Result<Caller, Response> {
    let c = page_user(s, headers, action, scope).await?;
    check_csrf(s, &c, csrf, action)
        .await
        .map_err(|m| WebError(StatusCode::FORBIDDEN, m).into_response())?;
    Ok(c)
}

async fn check_csrf(s: &AppState, c: &Caller, given: &str, action: Action) -> Result<(), String> {
    match &c.session {
        Some((_, token)) if !auth::same(token, given) => {
            audit_quietly(
                s,
                c.audit("CSRF 校验失败")
                    .outcome(AuditOutcome::Denied)
                    .detail(action.label()),
            )
            .await;
            Err("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试".into())
        }
        _ => Ok(()),
    }
}

/// A further action on a page already allowed (e.g. drilling down to cases): 403 page.
pub async fn require(
    s: &AppState,
    c: &Caller,
    action: Action,
    scope: Scope<'_>,
) -> Result<(), WebError> {
    match decide(s, c, action, scope).await {
        Ok(()) => Ok(()),
        Err(Refused::Denied(d)) => Err(WebError(StatusCode::FORBIDDEN, d.message)),
        Err(Refused::Db(e)) => Err(WebError::from(e)),
    }
}

/// An API caller (session or token) allowed `action` in `scope`: 401 without credentials, 403
/// when refused.
pub async fn api_user(
    s: &AppState,
    headers: &HeaderMap,
    action: Action,
    scope: Scope<'_>,
) -> Result<Caller, Response> {
    let c = match caller(s, headers).await {
        Ok(Some(c)) => c,
        Ok(None) => return Err(api_error(StatusCode::UNAUTHORIZED, "需要登录或 API 令牌")),
        Err(e) => return Err(WebError::from(e).into_api_response()),
    };
    match decide(s, &c, action, scope).await {
        Ok(()) => Ok(c),
        Err(Refused::Denied(d)) => Err(api_error(StatusCode::FORBIDDEN, &d.message)),
        Err(Refused::Db(e)) => Err(WebError::from(e).into_api_response()),
    }
}

/// An API writer: as `api_user`, and a session (not a token) must send its CSRF token in
/// `X-CSRF-Token`.
pub async fn api_write_user(
    s: &AppState,
    headers: &HeaderMap,
    action: Action,
    scope: Scope<'_>,
) -> Result<Caller, Response> {
    let c = api_user(s, headers, action, scope).await?;
    let given = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    check_csrf(s, &c, given, action)
        .await
        .map_err(|_| api_error(StatusCode::FORBIDDEN, "缺少或错误的 X-CSRF-Token"))?;
    Ok(c)
}

/// An API writer whose request body is JSON: as `api_write_user`, then the body parsed, or
/// the 422 that says why it is not JSON. Nothing is read from the body before the caller is
/// known to be allowed.
pub async fn api_json_writer(
    s: &AppState,
    headers: &HeaderMap,
    action: Action,
    scope: Scope<'_>,
    body: &[u8],
) -> Result<(Caller, serde_json::Value), Response> {
    let c = api_write_user(s, headers, action, scope).await?;
    let given = serde_json::from_slice(body).map_err(|e| {
        api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("请求内容不是有效的 JSON：{e}"),
        )
    })?;
    Ok((c, given))
}

/// The double-submit CSRF check of the anonymous forms: the form's token equals its cookie.
pub fn anonymous_form_ok(headers: &HeaderMap, csrf: &str) -> bool {
    auth::cookie(cookie_header(headers), FORM_COOKIE).is_some_and(|c| auth::same(c, csrf))
}

/// A JSON error of the API: `{"error": message}`.
pub fn api_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

/// The agencies in which `c` may perform `action`, parents first (what a list page offers).
pub async fn agencies_for(
    s: &AppState,
    c: &Caller,
    action: Action,
) -> Result<Vec<gongkai_db::AgencyRow>, DbError> {
    let all = s.db.agencies().await?;
    let parent: std::collections::HashMap<i64, Option<i64>> =
        all.iter().map(|a| (a.id, a.parent_id)).collect();
    Ok(all
        .into_iter()
        .filter(|a| {
            let mut path = vec![a.id];
            let mut at = a.parent_id;
            while let Some(p) = at {
                if path.contains(&p) || path.len() > 64 {
                    break;
                }
                path.push(p);
                at = parent.get(&p).copied().flatten();
            }
            c.may(action, &AgencyPath(path))
        })
        .collect())
}

/// The value of form field `key` in a form read as pairs (empty when absent).
pub fn field<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}
