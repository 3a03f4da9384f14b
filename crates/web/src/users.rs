//! Users and their roles in the back office (`/admin/users`, admins): the users an admin
//! administers, with their grants, state and API tokens; creating a user, granting and revoking
//! a role in an agency, disabling and enabling, resetting a password, creating (shown once) and
//! revoking tokens; and the same as JSON (`/api/v1/admin/users`).
//!
//! Who may do what is `gongkai_domain::auth::authorize`'s decision for `Action::ManageUsers`:
//! granting or revoking in agency X needs it on X; acting on a user as a whole (disable, enable,
//! password, tokens — a token carries all the user's grants) needs it on *every* agency the
//! user holds a grant in, so that no admin can take over an account that reaches beyond their
//! own subtree; an admin of a top-level agency may act on every user. The list shows the users
//! holding a grant in an agency the admin administers (a top-level admin: everyone).
//!
//! Every change is one transaction with its audit row; the user is read inside it. No admin
//! disables themselves, revokes their own last admin grant or resets their own password here
//! (that is `/admin/password`, which asks for the current one). Bad input gets a Chinese
//! message naming the field and 422, with nothing changed.

use std::collections::{HashMap, HashSet};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use gongkai_db::{AgencyRow, AuditOutcome, DbError, TokenInfo, User};
use gongkai_domain::auth::{Action, Resource, Role, authorize, check_password};
use gongkai_domain::period::{BEIJING, parse_date};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::audit_log::beijing_time;
use crate::auth;
use crate::chrome::Chrome;
use crate::guard::{
    Caller, Scope, agencies_for, api_error, api_user, api_write_user, audit_quietly, field,
    form_user, page_user, require,
};
use crate::openapi::{ApiError, Csrf};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list).post(create))
        .route("/admin/users/{id}", get(detail))
        .route("/admin/users/{id}/grant", post(grant))
        .route("/admin/users/{id}/revoke", post(revoke))
        .route("/admin/users/{id}/disable", post(disable))
        .route("/admin/users/{id}/enable", post(enable))
        .route("/admin/users/{id}/password", post(reset_password))
        .route("/admin/users/{id}/tokens", post(create_token))
        .route(
            "/admin/users/{id}/tokens/{token}/revoke",
            post(revoke_token),
        )
}

/// The API of users (documented from these handlers, see `openapi`).
pub(crate) fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api_list, api_create))
        .routes(routes!(api_grant))
        .routes(routes!(api_revoke))
        .routes(routes!(api_disable))
        .routes(routes!(api_enable))
        .routes(routes!(api_password))
        .routes(routes!(api_create_token))
        .routes(routes!(api_revoke_token))
}

/// Where the caller may manage users.
struct Reach {
    /// An admin of a top-level agency: every user.
    all: bool,
    /// The agencies in which the caller holds `ManageUsers`, parents first.
    agencies: Vec<AgencyRow>,
    codes: HashSet<String>,
}

impl Reach {
    async fn of(s: &AppState, c: &Caller) -> Result<Reach, DbError> {
        let agencies = agencies_for(s, c, Action::ManageUsers).await?;
        Ok(Reach {
            all: authorize(&c.principal, Action::ManageUsers, Resource::Deployment).is_ok(),
            codes: agencies.iter().map(|a| a.code.clone()).collect(),
            agencies,
        })
    }

    /// The user holds a grant in an agency the caller administers (shown in the list).
    fn sees(&self, u: &User) -> bool {
        self.all || u.grants.iter().any(|(a, _)| self.codes.contains(a))
    }

    /// The caller may act on the user as a whole: every agency the user holds a grant in is
    /// one the caller administers.
    fn covers(&self, u: &User) -> bool {
        self.all || (!u.grants.is_empty() && u.grants.iter().all(|(a, _)| self.codes.contains(a)))
    }

    fn manages(&self, agency: &str) -> bool {
        self.codes.contains(agency)
    }
}

/// A refused or failed change.
enum Fail {
    /// 403: not allowed (already written to the audit log).
    Denied(String),
    /// 422: bad input or a rule; nothing changed.
    Invalid(String),
    /// 404: no such user.
    NotFound,
    Web(WebError),
}

impl From<DbError> for Fail {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Conflict(_)
            | DbError::NotFound(_)
            | DbError::Domain(_)
            | DbError::UnknownAgency(_)
            | DbError::Import(_) => Fail::Invalid(e.to_string()),
            other => Fail::Web(WebError::from(other)),
        }
    }
}

impl From<WebError> for Fail {
    fn from(e: WebError) -> Self {
        Fail::Web(e)
    }
}

const NOT_FOUND: &str = "用户不存在";

fn outside_reach() -> String {
    "该用户在您管辖范围以外的机构也有角色（或没有任何角色），只能由上级机构的管理员办理".into()
}

// ---------------------------------------------------------------------------------------------
// Pages

struct UserRow {
    id: i64,
    name: String,
    disabled: bool,
    grants: String,
    live_tokens: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
struct UsersPage {
    chrome: Chrome,
    message: Option<String>,
    users: Vec<UserRow>,
    agencies: Vec<(String, String)>,
    roles: Vec<(&'static str, &'static str)>,
}

fn roles() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.code(), r.label())).collect()
}

async fn agency_names(s: &AppState) -> Result<HashMap<String, String>, DbError> {
    Ok(s.db
        .agencies()
        .await?
        .into_iter()
        .map(|a| (a.code, a.name))
        .collect())
}

fn grants_text(u: &User, names: &HashMap<String, String>) -> String {
    if u.grants.is_empty() {
        return "（无）".into();
    }
    u.grants
        .iter()
        .map(|(a, r)| {
            format!(
                "{}：{}",
                names.get(a).map_or(a.as_str(), String::as_str),
                r.label()
            )
        })
        .collect::<Vec<_>>()
        .join("；")
}

fn live(t: &TokenInfo, now: OffsetDateTime) -> bool {
    t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > now)
}

/// The users the caller sees, by name.
async fn visible_users(s: &AppState, reach: &Reach) -> Result<Vec<User>, DbError> {
    let ids: Vec<i64> = reach.agencies.iter().map(|a| a.id).collect();
    let users =
        s.db.users(if reach.all { None } else { Some(&ids) })
            .await?;
    Ok(users.into_iter().filter(|u| reach.sees(u)).collect())
}

async fn users_page(
    s: &AppState,
    c: &Caller,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    let built = async {
        let reach = Reach::of(s, c).await?;
        let names = agency_names(s).await?;
        let users = visible_users(s, &reach).await?;
        let tokens = s.db.tokens(None).await?;
        let now = OffsetDateTime::now_utc();
        Ok::<_, DbError>(UsersPage {
            chrome: Chrome::of(c),
            message,
            users: users
                .iter()
                .map(|u| UserRow {
                    id: u.id,
                    name: u.name.clone(),
                    disabled: u.disabled,
                    grants: grants_text(u, &names),
                    live_tokens: tokens
                        .iter()
                        .filter(|t| t.user == u.name && live(t, now))
                        .count(),
                })
                .collect(),
            agencies: reach
                .agencies
                .iter()
                .map(|a| (a.code.clone(), a.name.clone()))
                .collect(),
            roles: roles(),
        })
    }
    .await;
    match built {
        Ok(p) => (status, p).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

async fn list(State(s): State<AppState>, headers: HeaderMap) -> Response {
    match page_user(&s, &headers, Action::ManageUsers, Scope::Anywhere).await {
        Ok(c) => users_page(&s, &c, None, StatusCode::OK).await,
        Err(r) => r,
    }
}

struct GrantView {
    agency: String,
    agency_name: String,
    role: &'static str,
    role_label: &'static str,
    /// The caller may revoke it.
    revocable: bool,
}

struct TokenView {
    id: i64,
    created: String,
    expires: String,
    state: String,
    live: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_user.html")]
struct UserPage {
    chrome: Chrome,
    message: Option<String>,
    id: i64,
    name: String,
    disabled: bool,
    is_self: bool,
    /// The caller may act on the user as a whole.
    covers: bool,
    grants: Vec<GrantView>,
    tokens: Vec<TokenView>,
    agencies: Vec<(String, String)>,
    roles: Vec<(&'static str, &'static str)>,
}

async fn user_page(
    s: &AppState,
    c: &Caller,
    id: i64,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    let built = async {
        let reach = Reach::of(s, c).await?;
        let u = s.db.user_by_id(id).await?.ok_or(Fail::NotFound)?;
        if !reach.sees(&u) && u.id != c.principal.user_id {
            return Err(deny(s, c, "查看用户", &u.name, Action::ManageUsers.refusal()).await);
        }
        let names = agency_names(s).await?;
        let now = OffsetDateTime::now_utc();
        Ok::<_, Fail>(UserPage {
            chrome: Chrome::of(c),
            message,
            id: u.id,
            is_self: u.id == c.principal.user_id,
            covers: reach.covers(&u),
            grants: u
                .grants
                .iter()
                .map(|(a, r)| GrantView {
                    agency: a.clone(),
                    agency_name: names.get(a).cloned().unwrap_or_else(|| a.clone()),
                    role: r.code(),
                    role_label: r.label(),
                    revocable: reach.manages(a),
                })
                .collect(),
            tokens: s
                .db
                .tokens(Some(&u.name))
                .await?
                .iter()
                .map(|t| TokenView {
                    id: t.id,
                    created: beijing_time(t.created_at),
                    expires: t
                        .expires_at
                        .map(beijing_time)
                        .unwrap_or_else(|| "长期有效".into()),
                    state: match (t.revoked_at, t.expires_at) {
                        (Some(r), _) => format!("已撤销（{}）", beijing_time(r)),
                        (None, Some(e)) if e <= now => "已过期".into(),
                        _ => "有效".into(),
                    },
                    live: live(t, now),
                })
                .collect(),
            name: u.name,
            disabled: u.disabled,
            agencies: reach
                .agencies
                .iter()
                .map(|a| (a.code.clone(), a.name.clone()))
                .collect(),
            roles: roles(),
        })
    }
    .await;
    match built {
        Ok(p) => (status, p).into_response(),
        Err(f) => fail_response(f, false),
    }
}

fn fail_response(f: Fail, api: bool) -> Response {
    let (status, message) = match f {
        Fail::Denied(m) => (StatusCode::FORBIDDEN, m),
        Fail::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
        Fail::NotFound => (StatusCode::NOT_FOUND, NOT_FOUND.to_string()),
        Fail::Web(e) => (e.0, e.1),
    };
    if api {
        api_error(status, &message)
    } else {
        WebError(status, message).into_response()
    }
}

async fn detail(State(s): State<AppState>, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    match page_user(&s, &headers, Action::ManageUsers, Scope::Anywhere).await {
        Ok(c) => user_page(&s, &c, id, None, StatusCode::OK).await,
        Err(r) => r,
    }
}

/// Writes the refusal to the audit log and returns it.
async fn deny(s: &AppState, c: &Caller, action: &str, user: &str, message: String) -> Fail {
    audit_quietly(
        s,
        c.audit(action)
            .object(user)
            .outcome(AuditOutcome::Denied)
            .detail(message.clone()),
    )
    .await;
    Fail::Denied(message)
}

// ---------------------------------------------------------------------------------------------
// Creating a user

/// A new user: name, initial password, the agency and the roles granted there.
struct NewUser {
    name: String,
    password: String,
    agency: String,
    roles: Vec<Role>,
}

fn invalid(field: &str, message: &str) -> Fail {
    Fail::Invalid(format!("字段“{field}”无效：{message}"))
}

fn check_user_name(name: &str) -> Result<String, Fail> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("用户名", "不能为空"));
    }
    if name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(invalid("用户名", "应为 1–64 个字符，不含控制字符"));
    }
    Ok(name.to_string())
}

fn parse_role(code: &str) -> Result<Role, Fail> {
    Role::from_code(code.trim()).map_err(|_| invalid("角色", &format!("未知角色“{}”", code.trim())))
}

/// Checks the fields of a new user (names every field at fault); the agency must exist.
async fn check_new_user(s: &AppState, u: &NewUser) -> Result<NewUser, Fail> {
    let name = check_user_name(&u.name)?;
    let agency = u.agency.trim().to_string();
    if agency.is_empty() {
        return Err(invalid("机构", "请选择机构"));
    }
    match s.db.agency(&agency).await {
        Ok(_) => {}
        Err(DbError::UnknownAgency(_)) => {
            return Err(invalid("机构", &format!("未找到机构“{agency}”")));
        }
        Err(e) => return Err(e.into()),
    }
    if u.roles.is_empty() {
        return Err(invalid("角色", "至少选择一个角色"));
    }
    check_password(&u.password, &name).map_err(|e| Fail::Invalid(e.to_string()))?;
    Ok(NewUser {
        name,
        password: u.password.clone(),
        agency,
        roles: u.roles.clone(),
    })
}

async fn hash(password: String) -> Result<String, Fail> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
        .map_err(|e| {
            tracing::error!("password hash failed: {e}");
            Fail::Web(WebError(
                StatusCode::INTERNAL_SERVER_ERROR,
                "服务器内部错误，请稍后再试".into(),
            ))
        })
}

/// Creates the user: the fields are checked, the caller must manage users in the agency, and
/// the user, the grants and the audit row are one transaction.
async fn add_user(s: &AppState, c: &Caller, given: NewUser) -> Result<User, Fail> {
    let entry = |u: &NewUser| {
        c.audit("创建用户")
            .agency(u.agency.trim())
            .object(u.name.trim())
            .detail(
                u.roles
                    .iter()
                    .map(|r| r.code())
                    .collect::<Vec<_>>()
                    .join(" "),
            )
    };
    let u = match check_new_user(s, &given).await {
        Ok(u) => u,
        Err(f) => {
            if let Fail::Invalid(m) = &f {
                audit_quietly(
                    s,
                    entry(&given)
                        .outcome(AuditOutcome::Failed)
                        .detail(m.clone()),
                )
                .await;
            }
            return Err(f);
        }
    };
    require(s, c, Action::ManageUsers, Scope::Agency(&u.agency))
        .await
        .map_err(|e| Fail::Denied(e.1))?;
    let hashed = hash(u.password.clone()).await?;
    let grants: Vec<(String, Role)> = u.roles.iter().map(|r| (u.agency.clone(), *r)).collect();
    match s.db.add_user(&u.name, &hashed, &grants, entry(&u)).await {
        Ok(user) => Ok(user),
        Err(e) => {
            let f = Fail::from(e);
            if let Fail::Invalid(m) = &f {
                audit_quietly(s, entry(&u).outcome(AuditOutcome::Failed).detail(m.clone())).await;
            }
            Err(f)
        }
    }
}

async fn create(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let c = match form_user(
        &s,
        &headers,
        Action::ManageUsers,
        Scope::Anywhere,
        field(&pairs, "csrf"),
    )
    .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    let roles: Result<Vec<Role>, Fail> = pairs
        .iter()
        .filter(|(k, v)| k == "role" && !v.is_empty())
        .map(|(_, v)| parse_role(v))
        .collect();
    let result = match roles {
        Ok(roles) => {
            let given = NewUser {
                name: field(&pairs, "name").to_string(),
                password: field(&pairs, "password").to_string(),
                agency: field(&pairs, "agency").to_string(),
                roles,
            };
            add_user(&s, &c, given).await
        }
        Err(f) => Err(f),
    };
    match result {
        Ok(u) => Redirect::to(&format!("/admin/users/{}", u.id)).into_response(),
        Err(Fail::Invalid(m)) => {
            users_page(&s, &c, Some(m), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(f) => fail_response(f, false),
    }
}

// ---------------------------------------------------------------------------------------------
// Changing a user

/// A change of one user.
enum Op {
    Grant(String, Role),
    Revoke(String, Role),
    Disable,
    Enable,
    /// A new password's hash.
    Password(String),
    /// A new token's hash and expiry.
    Token(String, Option<OffsetDateTime>),
    RevokeToken(i64),
}

impl Op {
    fn label(&self) -> &'static str {
        match self {
            Op::Grant(..) => "授予角色",
            Op::Revoke(..) => "撤销角色",
            Op::Disable => "停用用户",
            Op::Enable => "启用用户",
            Op::Password(_) => "重设密码",
            Op::Token(..) => "创建 API 令牌",
            Op::RevokeToken(_) => "撤销 API 令牌",
        }
    }

    /// The agency a grant change is about.
    fn agency(&self) -> Option<&str> {
        match self {
            Op::Grant(a, _) | Op::Revoke(a, _) => Some(a),
            _ => None,
        }
    }

    fn detail(&self) -> String {
        match self {
            Op::Grant(a, r) | Op::Revoke(a, r) => format!("{a}: {}", r.code()),
            Op::Token(_, Some(e)) => format!("有效期至 {}", beijing_time(*e)),
            Op::RevokeToken(id) => format!("令牌 #{id}"),
            _ => String::new(),
        }
    }
}

/// Applies `op` to user `id` as `c`: decided by the domain (see the module documentation),
/// checked against the rules on one's own account, and written with its audit row in one
/// transaction. Returns the new token's id for `Op::Token`.
async fn change(s: &AppState, c: &Caller, id: i64, op: Op) -> Result<Option<i64>, Fail> {
    if let Some(agency) = op.agency() {
        match s.db.agency(agency).await {
            Ok(_) => {}
            Err(DbError::UnknownAgency(_)) => {
                return Err(invalid("机构", &format!("未找到机构“{agency}”")));
            }
            Err(e) => return Err(e.into()),
        }
        require(s, c, Action::ManageUsers, Scope::Agency(agency))
            .await
            .map_err(|e| Fail::Denied(e.1))?;
    }
    let reach = Reach::of(s, c).await?;
    let mut entry = c.audit(op.label()).detail(op.detail());
    if let Some(a) = op.agency() {
        entry = entry.agency(a);
    }
    let mut tx = s.db.begin().await?;
    let u = tx.user_by_id(id).await?.ok_or(Fail::NotFound)?;
    entry = entry.object(&u.name);
    if op.agency().is_none() && !reach.covers(&u) {
        drop(tx);
        return Err(deny(s, c, op.label(), &u.name, outside_reach()).await);
    }
    let own = u.id == c.principal.user_id;
    let refusal = match &op {
        Op::Disable if own => Some("不能停用本人的账户"),
        Op::Password(_) if own => {
            Some("不能在此重设本人的密码，请在“修改密码”页修改（须输入当前密码）")
        }
        Op::Revoke(_, Role::Admin)
            if own && u.grants.iter().filter(|(_, r)| *r == Role::Admin).count() <= 1 =>
        {
            Some("不能撤销本人最后一个管理员角色，请由其他管理员办理")
        }
        _ => None,
    };
    if let Some(m) = refusal {
        drop(tx);
        audit_quietly(s, entry.outcome(AuditOutcome::Failed).detail(m)).await;
        return Err(Fail::Invalid(m.to_string()));
    }
    let done = async {
        let token = match &op {
            Op::Grant(a, r) => tx.grant(u.id, a, *r).await.map(|_| None),
            Op::Revoke(a, r) => tx.revoke(u.id, a, *r).await.map(|_| None),
            Op::Disable => tx.set_disabled(u.id, true).await.map(|_| None),
            Op::Enable => tx.set_disabled(u.id, false).await.map(|_| None),
            Op::Password(h) => tx.set_password(u.id, h).await.map(|_| None),
            Op::Token(h, expires) => tx.add_token(u.id, h, *expires).await.map(Some),
            Op::RevokeToken(t) => match tx.revoke_token(*t).await {
                Ok(owner) if owner == u.name => Ok(None),
                Ok(_) => Err(DbError::NotFound(format!("令牌 {t} 不属于该用户"))),
                Err(e) => Err(e),
            },
        }?;
        let entry = match token {
            Some(t) => entry.clone().detail(format!("令牌 #{t} {}", op.detail())),
            None => entry.clone(),
        };
        tx.audit(&entry).await?;
        tx.commit().await?;
        Ok::<_, DbError>(token)
    }
    .await;
    match done {
        Ok(t) => Ok(t),
        Err(e) => {
            let f = Fail::from(e);
            if let Fail::Invalid(m) = &f {
                audit_quietly(s, entry.outcome(AuditOutcome::Failed).detail(m.clone())).await;
            }
            Err(f)
        }
    }
}

/// Runs a change from a form and answers: back to the user's page, or the page again with the
/// message and its status.
async fn change_from_form(
    s: &AppState,
    headers: &HeaderMap,
    id: i64,
    csrf: &str,
    op: impl AsyncFnOnce() -> Result<Op, Fail>,
) -> Response {
    let c = match form_user(s, headers, Action::ManageUsers, Scope::Anywhere, csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = match op().await {
        Ok(op) => change(s, &c, id, op).await,
        Err(f) => Err(f),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/admin/users/{id}")).into_response(),
        Err(Fail::Invalid(m)) => {
            user_page(s, &c, id, Some(m), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(f) => fail_response(f, false),
    }
}

#[derive(Deserialize)]
struct GrantForm {
    csrf: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    role: String,
}

fn grant_fields(f: &GrantForm) -> Result<(String, Role), Fail> {
    let agency = f.agency.trim();
    if agency.is_empty() {
        return Err(invalid("机构", "请选择机构"));
    }
    if f.role.trim().is_empty() {
        return Err(invalid("角色", "请选择角色"));
    }
    Ok((agency.to_string(), parse_role(&f.role)?))
}

async fn grant(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(UserPath { id }): Path<UserPath>,
    Form(f): Form<GrantForm>,
) -> Response {
    change_from_form(&s, &headers, id, &f.csrf, async || {
        grant_fields(&f).map(|(a, r)| Op::Grant(a, r))
    })
    .await
}

async fn revoke(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(UserPath { id }): Path<UserPath>,
    Form(f): Form<GrantForm>,
) -> Response {
    change_from_form(&s, &headers, id, &f.csrf, async || {
        grant_fields(&f).map(|(a, r)| Op::Revoke(a, r))
    })
    .await
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn disable(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(UserPath { id }): Path<UserPath>,
    Form(f): Form<CsrfForm>,
) -> Response {
    change_from_form(&s, &headers, id, &f.csrf, async || Ok(Op::Disable)).await
}

async fn enable(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(UserPath { id }): Path<UserPath>,
    Form(f): Form<CsrfForm>,
) -> Response {
    change_from_form(&s, &headers, id, &f.csrf, async || Ok(Op::Enable)).await
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf: String,
    #[serde(default)]
    password: String,
}

/// A new password for `id`, checked against the policy (with the user's name).
async fn password_op(s: &AppState, id: i64, password: &str) -> Result<Op, Fail> {
    let u = s.db.user_by_id(id).await?.ok_or(Fail::NotFound)?;
    check_password(password, &u.name).map_err(|e| Fail::Invalid(e.to_string()))?;
    Ok(Op::Password(hash(password.to_string()).await?))
}

async fn reset_password(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(UserPath { id }): Path<UserPath>,
    Form(f): Form<PasswordForm>,
) -> Response {
    let st = s.clone();
    change_from_form(&s, &headers, id, &f.csrf, async || {
        password_op(&st, id, &f.password).await
    })
    .await
}

#[derive(Deserialize)]
struct TokenForm {
    csrf: String,
    #[serde(default)]
    expires: String,
}

/// The end (in Beijing) of the day `given` (`YYYY-MM-DD`), which must be in the future; empty:
/// no expiry.
fn expiry(given: &str) -> Result<Option<OffsetDateTime>, Fail> {
    if given.trim().is_empty() {
        return Ok(None);
    }
    let date = parse_date(given, "有效期至").map_err(|e| Fail::Invalid(e.to_string()))?;
    let end = date
        .next_day()
        .ok_or_else(|| invalid("有效期至", "日期无效"))?
        .midnight()
        .assume_offset(BEIJING);
    if end <= OffsetDateTime::now_utc() {
        return Err(invalid("有效期至", "日期已过"));
    }
    Ok(Some(end))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_token.html")]
struct TokenPage {
    chrome: Chrome,
    id: i64,
    name: String,
    token_id: i64,
    token: String,
    expires: String,
}

async fn create_token(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(UserPath { id }): Path<UserPath>,
    Form(f): Form<TokenForm>,
) -> Response {
    let c = match form_user(&s, &headers, Action::ManageUsers, Scope::Anywhere, &f.csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let token = auth::random_token();
    let result = match expiry(&f.expires) {
        Ok(expires) => change(&s, &c, id, Op::Token(auth::token_hash(&token), expires))
            .await
            .map(|t| (t, expires)),
        Err(f) => Err(f),
    };
    match result {
        Ok((token_id, expires)) => {
            let name = match s.db.user_by_id(id).await {
                Ok(u) => u.map(|u| u.name).unwrap_or_default(),
                Err(e) => return WebError::from(e).into_response(),
            };
            TokenPage {
                chrome: Chrome::of(&c),
                id,
                name,
                token_id: token_id.unwrap_or_default(),
                token,
                expires: expires
                    .map(beijing_time)
                    .unwrap_or_else(|| "长期有效，直至撤销".into()),
            }
            .into_response()
        }
        Err(Fail::Invalid(m)) => {
            user_page(&s, &c, id, Some(m), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(f) => fail_response(f, false),
    }
}

async fn revoke_token(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(UserTokenPath { id, token }): Path<UserTokenPath>,
    Form(f): Form<CsrfForm>,
) -> Response {
    change_from_form(&s, &headers, id, &f.csrf, async || {
        Ok(Op::RevokeToken(token))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The JSON API

/// A user with grants and tokens (never a token itself).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(description = "用户及其角色与令牌（不含令牌本身）")]
pub struct UserJson {
    pub id: i64,
    pub name: String,
    pub disabled: bool,
    pub grants: Vec<GrantJson>,
    pub tokens: Vec<TokenJson>,
}

/// A role in an agency (and its subtree).
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(description = "一个机构（及其下级）的一个角色")]
pub struct GrantJson {
    /// 机构代码
    #[serde(default)]
    pub agency: String,
    #[serde(default)]
    #[schema(schema_with = crate::openapi::roles)]
    pub role: String,
}

/// An API token's record (the token itself is shown once, when created).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(description = "API 令牌的记录（令牌本身只在创建时显示一次）")]
pub struct TokenJson {
    pub id: i64,
    /// 创建时间（RFC 3339，北京时间）
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

fn user_json(u: &User, tokens: &[TokenInfo]) -> UserJson {
    let t = |x: OffsetDateTime| x.to_offset(BEIJING).to_string();
    UserJson {
        id: u.id,
        name: u.name.clone(),
        disabled: u.disabled,
        grants: u
            .grants
            .iter()
            .map(|(a, r)| GrantJson {
                agency: a.clone(),
                role: r.code().to_string(),
            })
            .collect(),
        tokens: tokens
            .iter()
            .filter(|x| x.user == u.name)
            .map(|x| TokenJson {
                id: x.id,
                created_at: t(x.created_at),
                expires_at: x.expires_at.map(t),
                revoked_at: x.revoked_at.map(t),
            })
            .collect(),
    }
}

/// The user an API operation changes (`/api/v1/admin/users/{id}/…`).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
struct UserPath {
    /// 用户编号
    id: i64,
}

/// One of a user's tokens (`/api/v1/admin/users/{id}/tokens/{token}/…`).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
struct UserTokenPath {
    /// 用户编号
    id: i64,
    /// 令牌编号
    token: i64,
}

/// The refusals of a change to one user decided by the user's grants (documentation only:
/// handlers answer with [`ApiError`] bodies).
#[derive(utoipa::IntoResponses)]
#[expect(dead_code, reason = "read by utoipa only")]
enum BeyondReach {
    /// 该用户的角色超出调用者管理的机构
    #[response(status = 403)]
    Forbidden(ApiError),
    /// 未找到用户
    #[response(status = 404)]
    NotFound(ApiError),
}

/// The refusals of a grant or revocation in one agency (documentation only).
#[derive(utoipa::IntoResponses)]
#[expect(dead_code, reason = "read by utoipa only")]
enum NotManagedHere {
    /// 没有该机构的用户管理权限
    #[response(status = 403)]
    Forbidden(ApiError),
    /// 未找到用户
    #[response(status = 404)]
    NotFound(ApiError),
}

/// The users the caller administers, with grants and tokens (never a token itself).
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "用户",
    summary = "调用者管理的用户及其角色与令牌（从不含令牌本身）",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "调用者管理的用户（顶级机构管理员可见全部）", body = Vec<UserJson>),
        (status = 401, description = "未登录且未提供 API 令牌", body = ApiError),
        (status = 403, description = "没有用户管理权限", body = ApiError),
    ))]
async fn api_list(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let c = match api_user(&s, &headers, Action::ManageUsers, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let listed = async {
        let reach = Reach::of(&s, &c).await?;
        let users = visible_users(&s, &reach).await?;
        let tokens = s.db.tokens(None).await?;
        Ok::<_, DbError>(
            users
                .iter()
                .map(|u| user_json(u, &tokens))
                .collect::<Vec<_>>(),
        )
    }
    .await;
    match listed {
        Ok(v) => Json(v).into_response(),
        Err(e) => WebError::from(e).into_api_response(),
    }
}

/// A new user: name, initial password, and the roles granted in one agency.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(description = "新用户：用户名、初始密码、机构与角色")]
struct ApiNewUser {
    /// 用户名（1–64 个字符）
    #[serde(default)]
    name: String,
    /// 初始密码（至少 10 个字符，且不能过于简单）
    #[serde(default)]
    password: String,
    /// 机构代码
    #[serde(default)]
    agency: String,
    #[serde(default)]
    #[schema(schema_with = crate::openapi::role_list)]
    roles: Vec<String>,
}

/// The JSON body of an API write, or a 422 naming the problem.
fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Fail> {
    serde_json::from_slice(body)
        .map_err(|e| Fail::Invalid(format!("请求内容不是有效的 JSON 对象：{e}")))
}

/// Creates a user: `{"name", "password", "agency", "roles": [...]}` → 201 with the user.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "用户",
    summary = "新建用户并在一个机构授予角色（用户、角色与审计记录在同一事务中）",
    security(("bearer" = []), ("session" = [])),
    params(Csrf),
    request_body = ApiNewUser,
    responses(
        (status = 201, description = "已创建（用户、角色与审计记录在同一事务中）", body = UserJson),
        (status = 401, description = "未登录且未提供 API 令牌", body = ApiError),
        (status = 403, description = "没有该机构的用户管理权限", body = ApiError),
        (status = 422, description = "字段无效（用户名、密码强度、机构、角色）或用户已存在，未做任何改动", body = ApiError),
    ))]
async fn api_create(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let c = match api_write_user(&s, &headers, Action::ManageUsers, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let given: ApiNewUser = json_body(&body)?;
        let roles = given
            .roles
            .iter()
            .map(|r| parse_role(r))
            .collect::<Result<Vec<Role>, Fail>>()?;
        add_user(
            &s,
            &c,
            NewUser {
                name: given.name,
                password: given.password,
                agency: given.agency,
                roles,
            },
        )
        .await
    }
    .await;
    match result {
        Ok(u) => (StatusCode::CREATED, Json(user_json(&u, &[]))).into_response(),
        Err(f) => fail_response(f, true),
    }
}

/// Runs a change from the API and answers with the user as it now is.
async fn change_from_api(
    s: &AppState,
    headers: &HeaderMap,
    id: i64,
    op: impl AsyncFnOnce() -> Result<Op, Fail>,
) -> Response {
    let c = match api_write_user(s, headers, Action::ManageUsers, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        change(s, &c, id, op().await?).await?;
        let u = s.db.user_by_id(id).await?.ok_or(Fail::NotFound)?;
        let tokens = s.db.tokens(Some(&u.name)).await?;
        Ok::<_, Fail>(user_json(&u, &tokens))
    }
    .await;
    match result {
        Ok(u) => Json(u).into_response(),
        Err(f) => fail_response(f, true),
    }
}

fn api_grant_fields(body: &[u8]) -> Result<(String, Role), Fail> {
    let g: GrantJson = json_body(body)?;
    if g.agency.trim().is_empty() {
        return Err(invalid("agency", "请给出机构代码"));
    }
    if g.role.trim().is_empty() {
        return Err(invalid("role", "请给出角色代码"));
    }
    Ok((g.agency.trim().to_string(), parse_role(&g.role)?))
}

/// Grants a role in an agency (needs user management there).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/grant", tag = "用户",
    summary = "在一个机构授予角色（须有该机构的用户管理权限）",
    security(("bearer" = []), ("session" = [])),
    params(UserPath, Csrf),
    request_body = GrantJson,
    responses(
        (status = 200, description = "已授予；返回用户现状", body = UserJson),
        NotManagedHere,
        (status = 422, description = "字段无效，未做任何改动", body = ApiError),
    ))]
async fn api_grant(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(UserPath { id }): Path<UserPath>,
    body: axum::body::Bytes,
) -> Response {
    change_from_api(&s, &headers, id, async || {
        api_grant_fields(&body).map(|(a, r)| Op::Grant(a, r))
    })
    .await
}

/// Revokes a role in an agency (needs user management there).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/revoke", tag = "用户",
    summary = "撤销一个机构的角色",
    security(("bearer" = []), ("session" = [])),
    params(UserPath, Csrf),
    request_body = GrantJson,
    responses(
        (status = 200, description = "已撤销；返回用户现状", body = UserJson),
        NotManagedHere,
        (status = 422, description = "字段无效、无此角色或不能撤销本人最后一个管理员角色，未做任何改动", body = ApiError),
    ))]
async fn api_revoke(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(UserPath { id }): Path<UserPath>,
    body: axum::body::Bytes,
) -> Response {
    change_from_api(&s, &headers, id, async || {
        api_grant_fields(&body).map(|(a, r)| Op::Revoke(a, r))
    })
    .await
}

/// Disables a user (sessions and tokens stop working at once).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/disable", tag = "用户",
    summary = "停用用户（其会话与令牌立即失效）",
    security(("bearer" = []), ("session" = [])),
    params(UserPath, Csrf),
    responses(
        (status = 200, description = "已停用；返回用户现状", body = UserJson),
        BeyondReach,
        (status = 422, description = "不能停用本人的账户", body = ApiError),
    ))]
async fn api_disable(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(UserPath { id }): Path<UserPath>,
) -> Response {
    change_from_api(&s, &headers, id, async || Ok(Op::Disable)).await
}

/// Enables a disabled user.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/enable", tag = "用户",
    summary = "启用用户",
    security(("bearer" = []), ("session" = [])),
    params(UserPath, Csrf),
    responses(
        (status = 200, description = "已启用；返回用户现状", body = UserJson),
        BeyondReach,
    ))]
async fn api_enable(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(UserPath { id }): Path<UserPath>,
) -> Response {
    change_from_api(&s, &headers, id, async || Ok(Op::Enable)).await
}

/// A new password for another user.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(description = "新密码")]
struct ApiPassword {
    /// 新密码（至少 10 个字符，且不能过于简单）
    #[serde(default)]
    password: String,
}

/// Resets another user's password (one's own is changed on `/admin/password`).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/password", tag = "用户",
    summary = "重设他人密码（本人密码在“修改密码”页修改）",
    security(("bearer" = []), ("session" = [])),
    params(UserPath, Csrf),
    request_body = ApiPassword,
    responses(
        (status = 200, description = "已重设；返回用户现状", body = UserJson),
        BeyondReach,
        (status = 422, description = "密码不合要求或为本人账户，未做任何改动", body = ApiError),
    ))]
async fn api_password(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(UserPath { id }): Path<UserPath>,
    body: axum::body::Bytes,
) -> Response {
    let st = s.clone();
    change_from_api(&s, &headers, id, async || {
        let p: ApiPassword = json_body(&body)?;
        password_op(&st, id, &p.password).await
    })
    .await
}

/// The expiry of a new token.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(description = "新令牌的有效期")]
struct ApiTokenRequest {
    /// 有效期至（YYYY-MM-DD，北京时间当日结束）；省略则长期有效，直至撤销
    #[serde(default)]
    expires: String,
}

/// A new token: shown once, never stored in clear.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(description = "新令牌（只显示这一次）")]
pub struct NewToken {
    pub id: i64,
    /// 令牌本身（仅此一次）
    pub token: String,
    pub expires_at: Option<String>,
}

/// Creates an API token for a user; it carries all the user's grants.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/tokens", tag = "用户",
    summary = "为用户创建 API 令牌（令牌带有该用户的全部角色，只显示一次）",
    security(("bearer" = []), ("session" = [])),
    params(UserPath, Csrf),
    request_body = ApiTokenRequest,
    responses(
        (status = 201, description = "已创建；令牌只显示这一次", body = NewToken),
        BeyondReach,
        (status = 422, description = "有效期无效或已过，未做任何改动", body = ApiError),
    ))]
async fn api_create_token(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(UserPath { id }): Path<UserPath>,
    body: axum::body::Bytes,
) -> Response {
    let c = match api_write_user(&s, &headers, Action::ManageUsers, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let token = auth::random_token();
    let result = async {
        let given: ApiTokenRequest = if body.iter().all(u8::is_ascii_whitespace) {
            ApiTokenRequest {
                expires: String::new(),
            }
        } else {
            json_body(&body)?
        };
        let expires = expiry(&given.expires)?;
        let id = change(&s, &c, id, Op::Token(auth::token_hash(&token), expires)).await?;
        Ok::<_, Fail>(NewToken {
            id: id.unwrap_or_default(),
            token: token.clone(),
            expires_at: expires.map(|e| e.to_offset(BEIJING).to_string()),
        })
    }
    .await;
    match result {
        Ok(t) => (StatusCode::CREATED, Json(t)).into_response(),
        Err(f) => fail_response(f, true),
    }
}

/// Revokes one of a user's tokens.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/tokens/{token}/revoke", tag = "用户",
    summary = "撤销用户的一个 API 令牌",
    security(("bearer" = []), ("session" = [])),
    params(UserTokenPath, Csrf),
    responses(
        (status = 200, description = "已撤销；返回用户现状", body = UserJson),
        BeyondReach,
        (status = 422, description = "令牌不存在或不属于该用户", body = ApiError),
    ))]
async fn api_revoke_token(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(UserTokenPath { id, token }): Path<UserTokenPath>,
) -> Response {
    change_from_api(&s, &headers, id, async || Ok(Op::RevokeToken(token))).await
}
