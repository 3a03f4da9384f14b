//! Signing in and out of the back office (`/admin/login`, `/admin/logout`), changing one's own
//! password (`/admin/password`) and the API's "who am I" (`/api/v1/admin/me`).
//!
//! Login (等保 2.0 / ASVS L2): attempts are throttled per client address and per account name
//! (`governor`); the account lockout is counted atomically *before* the password is checked, so
//! a burst of parallel guesses cannot get more than `LOCKOUT_AFTER` checks; an unknown or
//! disabled name costs the same Argon2 work as a known one; every failure, lockout, login and
//! logout is written to the audit log with the client address.

use std::num::NonZeroU32;
use std::sync::{Arc, OnceLock};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use gongkai_db::{AuditEntry, AuditOutcome, LoginGate};
use gongkai_domain::auth::{Action, PASSWORD_MAX_CHARS};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::auth::{self, FORM_COOKIE, SESSION_COOKIE};
use crate::chrome::Chrome;
use crate::guard::{self, Caller, Scope, audit_quietly, form_user, page_user};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/login", get(login_form).post(login))
        .route("/admin/logout", post(logout))
        .route("/admin/password", get(password_form).post(change_password))
}

/// Login throttles: per client address and per account name (`None`: off).
pub struct Throttle(Option<Limiters>);

struct Limiters {
    by_client: DefaultKeyedRateLimiter<String>,
    by_account: DefaultKeyedRateLimiter<String>,
}

impl Throttle {
    /// `per_minute` attempts per client address and per account name (bursts up to the same);
    /// 0 turns throttling off (the account lockout still applies).
    pub fn new(per_minute: u32) -> Throttle {
        Throttle(NonZeroU32::new(per_minute).map(|n| Limiters {
            by_client: RateLimiter::keyed(Quota::per_minute(n)),
            by_account: RateLimiter::keyed(Quota::per_minute(n)),
        }))
    }

    /// True when this attempt may go ahead.
    fn allow(&self, client: &str, account: &str) -> bool {
        match &self.0 {
            Some(l) => l.allow(client, account),
            None => true,
        }
    }
}

impl Limiters {
    fn allow(&self, client: &str, account: &str) -> bool {
        // Both buckets are charged so that spreading guesses over names or addresses does not help.
        let c = self.by_client.check_key(&client.to_string()).is_ok();
        let a = self.by_account.check_key(&account.to_string()).is_ok();
        if self.by_client.len() > 100_000 {
            self.by_client.retain_recent();
        }
        if self.by_account.len() > 100_000 {
            self.by_account.retain_recent();
        }
        c && a
    }
}

/// A hash to check when the name is unknown or disabled, so that the answer takes as long.
fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| auth::hash_password("gongkai-dummy-password").unwrap_or_default())
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    message: Option<String>,
}

fn login_page(s: &AppState, message: Option<String>, status: StatusCode) -> Response {
    let csrf = auth::random_token();
    let cookie = auth::cookie_with(FORM_COOKIE, &csrf, 3600, s.config.secure_cookies);
    (
        status,
        [(header::SET_COOKIE, cookie)],
        LoginPage { csrf, message },
    )
        .into_response()
}

async fn login_form(State(s): State<AppState>) -> Response {
    login_page(&s, None, StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    csrf: String,
}

const LOCKED: &str = "登录失败次数过多，账户已暂时锁定，请稍后再试";

async fn login(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let client = guard::client_addr(&s, &headers);
    let name: String = f.name.trim().chars().take(64).collect();
    let entry = |action: &str| AuditEntry::new(None, action).user(&name).client(&client);
    if !guard::anonymous_form_ok(&headers, &f.csrf) {
        audit_quietly(
            &s,
            entry("CSRF 校验失败")
                .outcome(AuditOutcome::Denied)
                .detail("登录"),
        )
        .await;
        return login_page(
            &s,
            Some("表单已过期，请重新登录".into()),
            StatusCode::FORBIDDEN,
        );
    }
    if !s.throttle.allow(&client, &name) {
        audit_quietly(&s, entry("登录限流").outcome(AuditOutcome::Denied)).await;
        let mut r = login_page(
            &s,
            Some("登录尝试过于频繁，请一分钟后再试".into()),
            StatusCode::TOO_MANY_REQUESTS,
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
        return r;
    }
    let bad =
        |s: &AppState| login_page(s, Some("用户名或密码错误".into()), StatusCode::UNAUTHORIZED);
    if name.is_empty() || f.password.chars().count() > PASSWORD_MAX_CHARS {
        return bad(&s);
    }
    let now = OffsetDateTime::now_utc();
    let gate = match s.db.login_gate(&name, now).await {
        Ok(g) => g,
        Err(e) => return WebError::from(e).into_response(),
    };
    let (hash, user_id, last_try, why) = match gate {
        LoginGate::Check {
            user_id,
            password_hash,
            last_try,
        } => (password_hash, Some(user_id), last_try, "密码错误"),
        LoginGate::Unknown => (dummy_hash().to_string(), None, false, "用户不存在"),
        LoginGate::Disabled => (dummy_hash().to_string(), None, false, "用户已停用"),
        LoginGate::Locked => {
            audit_quietly(
                &s,
                entry("登录失败")
                    .outcome(AuditOutcome::Denied)
                    .detail("账户已锁定"),
            )
            .await;
            return login_page(&s, Some(LOCKED.into()), StatusCode::TOO_MANY_REQUESTS);
        }
    };
    let pw = f.password.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&pw, &hash))
        .await
        .unwrap_or(false);
    let Some(user_id) = user_id.filter(|_| ok) else {
        audit_quietly(
            &s,
            entry("登录失败").outcome(AuditOutcome::Failed).detail(why),
        )
        .await;
        if last_try {
            audit_quietly(&s, entry("账户锁定").outcome(AuditOutcome::Denied)).await;
            return login_page(&s, Some(LOCKED.into()), StatusCode::TOO_MANY_REQUESTS);
        }
        return bad(&s);
    };
    let (id, csrf) = (auth::random_token(), auth::random_token());
    let policy = s.config.session;
    if let Err(e) =
        s.db.login_succeeded(user_id, &id, &csrf, now, policy, entry("登录"))
            .await
    {
        return WebError::from(e).into_response();
    }
    let cookie = auth::cookie_with(
        SESSION_COOKIE,
        &id,
        policy.absolute_minutes * 60,
        s.config.secure_cookies,
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to("/admin/")).into_response()
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    let c = match form_user(&s, &headers, Action::BackOffice, Scope::Anywhere, &f.csrf).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Some((id, _)) = &c.session
        && let Err(e) = s.db.logout(id, c.audit("退出登录")).await
    {
        return WebError::from(e).into_response();
    }
    (
        [(
            header::SET_COOKIE,
            auth::cookie_with(SESSION_COOKIE, "", 0, s.config.secure_cookies),
        )],
        Redirect::to("/admin/login"),
    )
        .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_password.html")]
struct PasswordPage {
    chrome: Chrome,
    message: Option<String>,
}

fn password_page(c: &Caller, message: Option<String>, status: StatusCode) -> Response {
    (
        status,
        PasswordPage {
            chrome: Chrome::of(c),
            message,
        },
    )
        .into_response()
}

async fn password_form(State(s): State<AppState>, headers: HeaderMap) -> Response {
    match page_user(&s, &headers, Action::BackOffice, Scope::Anywhere).await {
        Ok(c) => password_page(&c, None, StatusCode::OK),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    confirm: String,
}

/// A user changes their own password: the current one is checked, the new one must pass the
/// policy; every session of the user ends (they sign in again).
async fn change_password(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<PasswordForm>,
) -> Response {
    let c = match form_user(&s, &headers, Action::BackOffice, Scope::Anywhere, &f.csrf).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let refuse = |m: &str| password_page(&c, Some(m.to_string()), StatusCode::UNPROCESSABLE_ENTITY);
    if f.new != f.confirm {
        return refuse("字段“确认新密码”与新密码不一致");
    }
    if let Err(e) = gongkai_domain::auth::check_password(&f.new, c.name()) {
        return refuse(&e.to_string());
    }
    let gate = match s.db.login_gate(c.name(), OffsetDateTime::now_utc()).await {
        Ok(g) => g,
        Err(e) => return WebError::from(e).into_response(),
    };
    let LoginGate::Check { password_hash, .. } = gate else {
        return refuse("当前密码验证失败次数过多，账户已暂时锁定");
    };
    let (cur, new) = (f.current.clone(), f.new.clone());
    let checked = tokio::task::spawn_blocking(move || {
        auth::verify_password(&cur, &password_hash).then(|| auth::hash_password(&new))
    })
    .await
    .unwrap_or(None);
    let hash = match checked {
        None => {
            audit_quietly(
                &s,
                c.audit("修改密码")
                    .outcome(AuditOutcome::Failed)
                    .detail("当前密码错误"),
            )
            .await;
            return refuse("字段“当前密码”不正确");
        }
        Some(Err(e)) => return WebError(StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
        Some(Ok(h)) => h,
    };
    let written = async {
        let mut tx = s.db.begin().await?;
        tx.set_password(c.principal.user_id, &hash).await?;
        tx.audit(&c.audit("修改密码")).await?;
        tx.commit().await
    }
    .await;
    match written {
        Ok(()) => (
            [(
                header::SET_COOKIE,
                auth::cookie_with(SESSION_COOKIE, "", 0, s.config.secure_cookies),
            )],
            Redirect::to("/admin/login"),
        )
            .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub(crate) fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(me))
}

/// Who is calling: the user and the grants in force.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(description = "当前用户与其角色")]
pub struct Me {
    /// 用户名
    pub user: String,
    /// 用户在各机构所持角色的代码
    pub roles: Vec<String>,
    pub grants: Vec<MeGrant>,
}

/// One grant: a role in an agency (and its subtree).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(description = "在一个机构（及其下级）授予的角色")]
pub struct MeGrant {
    pub agency_id: i64,
    #[schema(schema_with = crate::openapi::roles)]
    pub role: String,
}

/// The caller's name and grants.
#[utoipa::path(get, path = "/api/v1/admin/me", tag = "账户",
    summary = "当前用户及其在各机构的角色",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "当前用户及其角色", body = Me),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
    ))]
async fn me(State(s): State<AppState>, headers: HeaderMap) -> Response {
    match guard::api_user(&s, &headers, Action::ViewReports, Scope::Anywhere).await {
        Ok(c) => Json(Me {
            user: c.name().to_string(),
            roles: c
                .principal
                .roles()
                .iter()
                .map(|r| r.code().to_string())
                .collect(),
            grants: c
                .principal
                .grants
                .iter()
                .map(|g| MeGrant {
                    agency_id: g.agency_id,
                    role: g.role.code().to_string(),
                })
                .collect(),
        })
        .into_response(),
        Err(r) => r,
    }
}

/// The throttle of a router, from its configuration.
pub fn throttle(per_minute: u32) -> Arc<Throttle> {
    Arc::new(Throttle::new(per_minute))
}
