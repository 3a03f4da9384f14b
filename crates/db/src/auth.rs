//! Users, their grants (roles per agency), sessions, API tokens and the audit log.
//!
//! Decisions about access are not made here: this module stores and loads the facts
//! (`gongkai_domain::auth::Principal`, `AgencyPath`) that `gongkai_domain::auth::authorize`
//! decides on.

use gongkai_domain::DomainError;
use gongkai_domain::auth::{
    AgencyPath, Grant, LOCKOUT_AFTER, LOCKOUT_MINUTES, Principal, Role, SessionPolicy, Via,
};
use time::{Duration, OffsetDateTime};

use crate::tx::failpoint;
use crate::{Db, DbError, Tx, on_db, on_tx};

/// A back-office user with the roles they hold, agency by agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub disabled: bool,
    /// (agency code, role), sorted.
    pub grants: Vec<(String, Role)>,
}

impl User {
    /// The distinct roles held anywhere.
    pub fn roles(&self) -> Vec<Role> {
        let mut r: Vec<Role> = self.grants.iter().map(|g| g.1).collect();
        r.sort();
        r.dedup();
        r
    }
}

/// What a login attempt may do, decided (and counted) before the password is checked.
#[derive(Debug, Clone)]
pub enum LoginGate {
    /// Check this hash; the attempt is already counted as a failure until
    /// [`Db::login_succeeded`] clears it.
    Check {
        user_id: i64,
        password_hash: String,
        /// This attempt used the last try before the lock.
        last_try: bool,
    },
    /// The account is locked (or became locked by this burst of attempts).
    Locked,
    /// The account is disabled.
    Disabled,
    /// No such user.
    Unknown,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub csrf_token: String,
    pub principal: Principal,
}

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: i64,
    pub user: String,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditOutcome {
    /// Done.
    Ok,
    /// Refused by authorization (or CSRF, or lockout).
    Denied,
    /// Attempted and failed (bad input, bad password).
    Failed,
}

impl AuditOutcome {
    pub fn code(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Denied => "denied",
            AuditOutcome::Failed => "failed",
        }
    }

    pub fn label(code: &str) -> &'static str {
        match code {
            "ok" => "成功",
            "denied" => "拒绝",
            "failed" => "失败",
            _ => "其他",
        }
    }
}

/// One row of the audit log (安全审计): who, with which grants, in which agency, did what to
/// which object, how it ended, from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub user: String,
    pub grants: String,
    pub agency: String,
    pub action: String,
    pub object: String,
    pub outcome: AuditOutcome,
    pub client_addr: String,
    pub detail: String,
}

impl AuditEntry {
    /// An entry for `action` by `principal` (anonymous when `None`), outcome ok.
    pub fn new(principal: Option<&Principal>, action: &str) -> AuditEntry {
        AuditEntry {
            user: principal.map(|p| p.name.clone()).unwrap_or_default(),
            grants: principal.map(Principal::grants_text).unwrap_or_default(),
            agency: String::new(),
            action: action.to_string(),
            object: String::new(),
            outcome: AuditOutcome::Ok,
            client_addr: String::new(),
            detail: String::new(),
        }
    }

    pub fn user(mut self, name: &str) -> Self {
        self.user = name.to_string();
        self
    }
    pub fn agency(mut self, code: &str) -> Self {
        self.agency = code.to_string();
        self
    }
    pub fn object(mut self, o: impl Into<String>) -> Self {
        self.object = o.into();
        self
    }
    pub fn outcome(mut self, o: AuditOutcome) -> Self {
        self.outcome = o;
        self
    }
    pub fn client(mut self, addr: &str) -> Self {
        self.client_addr = addr.to_string();
        self
    }
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = d.into();
        self
    }
}

/// A stored audit row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: OffsetDateTime,
    pub user_name: String,
    pub grants: String,
    pub agency: String,
    pub action: String,
    pub object: String,
    pub outcome: String,
    pub client_addr: String,
    pub detail: String,
}

/// A search of the audit log; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub user: String,
    pub action: String,
    pub outcome: String,
    /// Only rows about these agencies (codes); `None`: all.
    pub agencies: Option<Vec<String>>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub limit: i64,
}

fn check_name(name: &str) -> Result<&str, DbError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(DomainError::invalid("用户名", "应为 1–64 个字符，不含控制字符").into());
    }
    Ok(name)
}

impl Tx {
    /// Creates a user with an Argon2id hash (computed by the caller) and grants.
    pub async fn add_user(
        &mut self,
        name: &str,
        password_hash: &str,
        grants: &[(String, Role)],
    ) -> Result<i64, DbError> {
        let name = check_name(name)?;
        if grants.is_empty() {
            return Err(DomainError::invalid("--role", "至少指定一个角色").into());
        }
        let exists: Option<i64> = on_tx!(self, c => sqlx::query_scalar("SELECT id FROM app_user WHERE name = $1")
            .bind(name).fetch_optional(&mut *c).await?);
        if exists.is_some() {
            return Err(DbError::Conflict(format!("用户“{name}”已存在")));
        }
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO app_user (name, password_hash) VALUES ($1, $2) RETURNING id")
            .bind(name).bind(password_hash).fetch_one(&mut *c).await?);
        failpoint("add_user.after_user")?;
        for (agency, role) in grants {
            self.grant(id, agency, *role).await?;
        }
        Ok(id)
    }

    /// The id of a user by name.
    pub async fn user_id(&mut self, name: &str) -> Result<i64, DbError> {
        let id: Option<i64> = on_tx!(self, c => sqlx::query_scalar("SELECT id FROM app_user WHERE name = $1")
            .bind(name.trim()).fetch_optional(&mut *c).await?);
        id.ok_or_else(|| DbError::NotFound(format!("用户“{}”不存在", name.trim())))
    }

    /// Grants a role in an agency (idempotent).
    pub async fn grant(&mut self, user_id: i64, agency: &str, role: Role) -> Result<(), DbError> {
        let a = self.agency(agency).await?;
        on_tx!(self, c => sqlx::query(
            "INSERT INTO user_grant (user_id, agency_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(user_id).bind(a.id).bind(role.code()).execute(&mut *c).await.map(|_| ())?);
        Ok(())
    }

    /// Revokes a role in an agency; an error when the user did not hold it there.
    pub async fn revoke(&mut self, user_id: i64, agency: &str, role: Role) -> Result<(), DbError> {
        let a = self.agency(agency).await?;
        let n = on_tx!(self, c => sqlx::query(
            "DELETE FROM user_grant WHERE user_id = $1 AND agency_id = $2 AND role = $3")
            .bind(user_id).bind(a.id).bind(role.code()).execute(&mut *c).await?.rows_affected());
        if n == 0 {
            return Err(DbError::NotFound(format!(
                "该用户在“{agency}”没有“{}”角色",
                role.label()
            )));
        }
        Ok(())
    }

    /// Disables or enables a user; disabling ends their sessions and tokens at once.
    pub async fn set_disabled(&mut self, user_id: i64, disabled: bool) -> Result<(), DbError> {
        on_tx!(self, c => sqlx::query("UPDATE app_user SET disabled = $1 WHERE id = $2")
            .bind(disabled).bind(user_id).execute(&mut *c).await.map(|_| ())?);
        if disabled {
            self.end_sessions(user_id).await?;
        }
        Ok(())
    }

    /// Sets a new password hash; ends the user's sessions and clears the lockout.
    pub async fn set_password(&mut self, user_id: i64, password_hash: &str) -> Result<(), DbError> {
        on_tx!(self, c => sqlx::query(
            "UPDATE app_user SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE id = $2")
            .bind(password_hash).bind(user_id).execute(&mut *c).await.map(|_| ())?);
        self.end_sessions(user_id).await
    }

    async fn end_sessions(&mut self, user_id: i64) -> Result<(), DbError> {
        on_tx!(self, c => sqlx::query("DELETE FROM user_session WHERE user_id = $1")
            .bind(user_id).execute(&mut *c).await.map(|_| ())?);
        Ok(())
    }

    /// Stores the hash of a new API token; returns its id.
    pub async fn add_token(
        &mut self,
        user_id: i64,
        token_hash: &str,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<i64, DbError> {
        Ok(on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO api_token (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(user_id).bind(token_hash).bind(OffsetDateTime::now_utc()).bind(expires_at)
            .fetch_one(&mut *c).await?))
    }

    /// Revokes a token by id; returns the user it belonged to.
    pub async fn revoke_token(&mut self, id: i64) -> Result<String, DbError> {
        let user: Option<String> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT u.name FROM api_token t JOIN app_user u ON u.id = t.user_id WHERE t.id = $1 AND t.revoked_at IS NULL")
            .bind(id).fetch_optional(&mut *c).await?);
        let user = user.ok_or_else(|| DbError::NotFound(format!("令牌 {id} 不存在或已撤销")))?;
        on_tx!(self, c => sqlx::query("UPDATE api_token SET revoked_at = $1 WHERE id = $2")
            .bind(OffsetDateTime::now_utc()).bind(id).execute(&mut *c).await.map(|_| ())?);
        Ok(user)
    }

    /// Appends to the audit log, in the transaction of the action it records.
    pub async fn audit(&mut self, e: &AuditEntry) -> Result<(), DbError> {
        on_tx!(self, c => sqlx::query(
            "INSERT INTO audit_log (at, user_name, grants, agency, action, object, outcome, client_addr, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(OffsetDateTime::now_utc()).bind(clip(&e.user, 64)).bind(clip(&e.grants, 2000)).bind(clip(&e.agency, 64))
            .bind(clip(&e.action, 64)).bind(clip(&e.object, 200)).bind(e.outcome.code()).bind(clip(&e.client_addr, 64))
            .bind(clip(&e.detail, 2000))
            .execute(&mut *c).await.map(|_| ())?);
        Ok(())
    }
}

/// At most `n` characters (audit rows stay small whatever a caller sends).
fn clip(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

type UserRow = (i64, String, bool);

impl Db {
    /// Creates a user (and its audit row) in one transaction.
    pub async fn add_user(
        &self,
        name: &str,
        password_hash: &str,
        grants: &[(String, Role)],
        audit: AuditEntry,
    ) -> Result<User, DbError> {
        let mut tx = self.begin().await?;
        tx.add_user(name, password_hash, grants).await?;
        tx.audit(&audit).await?;
        tx.commit().await?;
        self.user(name.trim())
            .await?
            .ok_or_else(|| DbError::NotFound(format!("用户“{name}”不存在")))
    }

    /// A user by name, with grants.
    pub async fn user(&self, name: &str) -> Result<Option<User>, DbError> {
        let row: Option<UserRow> = on_db!(self, p => sqlx::query_as(
            "SELECT id, name, disabled FROM app_user WHERE name = $1").bind(name).fetch_optional(p).await?);
        match row {
            Some(r) => Ok(Some(self.user_of(r).await?)),
            None => Ok(None),
        }
    }

    async fn user_of(&self, (id, name, disabled): UserRow) -> Result<User, DbError> {
        let grants: Vec<(String, String)> = on_db!(self, p => sqlx::query_as(
            "SELECT a.code, g.role FROM user_grant g JOIN agency a ON a.id = g.agency_id WHERE g.user_id = $1 ORDER BY a.code, g.role")
            .bind(id).fetch_all(p).await?);
        Ok(User {
            id,
            name,
            disabled,
            grants: grants
                .into_iter()
                .filter_map(|(a, r)| Role::from_code(&r).ok().map(|r| (a, r)))
                .collect(),
        })
    }

    /// Every user, or those with a grant in one of `agencies` (ids), by name.
    pub async fn users(&self, agencies: Option<&[i64]>) -> Result<Vec<User>, DbError> {
        // Two statements whatever the number of users, grants and agencies.
        let rows: Vec<UserRow> = on_db!(self, p => sqlx::query_as(
            "SELECT id, name, disabled FROM app_user ORDER BY name").fetch_all(p).await?);
        let grants: Vec<(i64, i64, String, String)> = on_db!(self, p => sqlx::query_as(
            "SELECT g.user_id, a.id, a.code, g.role FROM user_grant g JOIN agency a ON a.id = g.agency_id \
             ORDER BY g.user_id, a.code, g.role").fetch_all(p).await?);
        let mut by_user: std::collections::HashMap<i64, Vec<(i64, String, Role)>> =
            std::collections::HashMap::new();
        for (user, agency_id, code, role) in grants {
            if let Ok(role) = Role::from_code(&role) {
                by_user
                    .entry(user)
                    .or_default()
                    .push((agency_id, code, role));
            }
        }
        Ok(rows
            .into_iter()
            .filter_map(|(id, name, disabled)| {
                let held = by_user.remove(&id).unwrap_or_default();
                let visible = agencies.is_none_or(|ids| held.iter().any(|g| ids.contains(&g.0)));
                visible.then(|| User {
                    id,
                    name,
                    disabled,
                    grants: held
                        .into_iter()
                        .map(|(_, code, role)| (code, role))
                        .collect(),
                })
            })
            .collect())
    }

    /// The agency and its path to the root (its own id first), for authorization.
    pub async fn agency_path(&self, code: &str) -> Result<AgencyPath, DbError> {
        let ids: Vec<i64> = on_db!(self, p => sqlx::query_scalar(
            "WITH RECURSIVE up(id, parent_id, depth) AS ( \
               SELECT id, parent_id, 0 FROM agency WHERE code = $1 \
               UNION ALL SELECT a.id, a.parent_id, up.depth + 1 FROM agency a JOIN up ON a.id = up.parent_id \
                 WHERE up.depth < 64) \
             SELECT id FROM up ORDER BY depth").bind(code).fetch_all(p).await?);
        if ids.is_empty() {
            return Err(DbError::UnknownAgency(code.to_string()));
        }
        Ok(AgencyPath(ids))
    }

    /// The principal of an enabled user by name (for commands that act as a user, and tests).
    pub async fn principal_of(&self, name: &str, via: Via) -> Result<Principal, DbError> {
        let row: Option<(i64, String)> = on_db!(self, p => sqlx::query_as(
            "SELECT id, name FROM app_user WHERE name = $1 AND NOT disabled")
            .bind(name.trim()).fetch_optional(p).await?);
        let (id, name) =
            row.ok_or_else(|| DbError::NotFound(format!("用户“{}”不存在或已停用", name.trim())))?;
        self.principal(id, name, via).await
    }

    async fn principal(&self, user_id: i64, name: String, via: Via) -> Result<Principal, DbError> {
        let rows: Vec<(i64, String, Option<i64>)> = on_db!(self, p => sqlx::query_as(
            "SELECT g.agency_id, g.role, a.parent_id FROM user_grant g JOIN agency a ON a.id = g.agency_id \
             WHERE g.user_id = $1 ORDER BY g.agency_id, g.role").bind(user_id).fetch_all(p).await?);
        Ok(Principal {
            user_id,
            name,
            grants: rows
                .into_iter()
                .filter_map(|(agency_id, role, parent)| {
                    Role::from_code(&role).ok().map(|role| Grant {
                        agency_id,
                        role,
                        top_level: parent.is_none(),
                    })
                })
                .collect(),
            via,
        })
    }

    /// Decides, atomically and before any password is checked, whether a login attempt for
    /// `name` may check its password, and counts it: `LOCKOUT_AFTER` attempts in a row without
    /// success lock the account for `LOCKOUT_MINUTES`, however many arrive at once.
    pub async fn login_gate(&self, name: &str, now: OffsetDateTime) -> Result<LoginGate, DbError> {
        let mut tx = self.begin().await?;
        type Row = (i64, String, i32, Option<OffsetDateTime>, bool);
        let row: Option<Row> = match &mut tx {
            Tx::Sqlite(t) => sqlx::query_as(
                "SELECT id, password_hash, failed_logins, locked_until, disabled FROM app_user WHERE name = $1")
                .bind(name).fetch_optional(&mut **t).await?,
            Tx::Pg(t) => sqlx::query_as(
                "SELECT id, password_hash, failed_logins, locked_until, disabled FROM app_user WHERE name = $1 FOR UPDATE")
                .bind(name).fetch_optional(&mut **t).await?,
        };
        let Some((id, hash, failed, locked_until, disabled)) = row else {
            return Ok(LoginGate::Unknown);
        };
        if disabled {
            return Ok(LoginGate::Disabled);
        }
        if locked_until.is_some_and(|t| t > now) {
            return Ok(LoginGate::Locked);
        }
        // A lock that has run out starts a new count.
        let failed = if locked_until.is_some() {
            0
        } else {
            i64::from(failed)
        } + 1;
        let lock = (failed >= LOCKOUT_AFTER).then(|| now + Duration::minutes(LOCKOUT_MINUTES));
        on_tx!(&mut tx, c => sqlx::query("UPDATE app_user SET failed_logins = $1, locked_until = $2 WHERE id = $3")
            .bind(i32::try_from(failed).unwrap_or(i32::MAX)).bind(lock).bind(id).execute(&mut *c).await.map(|_| ())?);
        tx.commit().await?;
        Ok(LoginGate::Check {
            user_id: id,
            password_hash: hash,
            last_try: lock.is_some(),
        })
    }

    /// After a correct password: clears the count, opens a session and writes the audit row, in
    /// one transaction.
    pub async fn login_succeeded(
        &self,
        user_id: i64,
        session_id: &str,
        csrf: &str,
        now: OffsetDateTime,
        policy: SessionPolicy,
        audit: AuditEntry,
    ) -> Result<(), DbError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(user_id).execute(&mut *c).await.map(|_| ())?);
        let absolute = now + Duration::minutes(policy.absolute_minutes);
        let idle = (now + Duration::minutes(policy.idle_minutes)).min(absolute);
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO user_session (id, user_id, csrf_token, expires_at, created_at, absolute_expires_at, client_addr) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(session_id).bind(user_id).bind(csrf).bind(idle).bind(now).bind(absolute).bind(clip(&audit.client_addr, 64))
            .execute(&mut *c).await.map(|_| ())?);
        tx.audit(&audit).await?;
        tx.commit().await
    }

    /// The live session with this id (its idle expiry pushed forward, never past its absolute
    /// lifetime); `None` when unknown, expired or the user is disabled.
    pub async fn session(
        &self,
        id: &str,
        now: OffsetDateTime,
        policy: SessionPolicy,
    ) -> Result<Option<Session>, DbError> {
        type Row = (i64, String, String, OffsetDateTime, OffsetDateTime, bool);
        let row: Option<Row> = on_db!(self, p => sqlx::query_as(
            "SELECT u.id, u.name, s.csrf_token, s.expires_at, s.absolute_expires_at, u.disabled \
             FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE s.id = $1")
            .bind(id).fetch_optional(p).await?);
        let Some((user_id, name, csrf_token, expires, absolute, disabled)) = row else {
            return Ok(None);
        };
        if expires <= now || absolute <= now || disabled {
            self.close_session(id).await?;
            return Ok(None);
        }
        let next = (now + Duration::minutes(policy.idle_minutes)).min(absolute);
        if next - expires > Duration::seconds(30) {
            on_db!(self, p => sqlx::query("UPDATE user_session SET expires_at = $1 WHERE id = $2")
                .bind(next).bind(id).execute(p).await.map(|_| ())?);
        }
        Ok(Some(Session {
            id: id.to_string(),
            csrf_token,
            principal: self.principal(user_id, name, Via::Session).await?,
        }))
    }

    /// Ends a session and writes the audit row, in one transaction.
    pub async fn logout(&self, session_id: &str, audit: AuditEntry) -> Result<(), DbError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM user_session WHERE id = $1").bind(session_id).execute(&mut *c).await.map(|_| ())?);
        tx.audit(&audit).await?;
        tx.commit().await
    }

    pub async fn close_session(&self, id: &str) -> Result<(), DbError> {
        on_db!(self, p => sqlx::query("DELETE FROM user_session WHERE id = $1").bind(id).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// The principal of a live API token (by its hash): not revoked, not expired, user enabled.
    pub async fn token_principal(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Principal>, DbError> {
        let row: Option<(i64, String, Option<OffsetDateTime>)> = on_db!(self, p => sqlx::query_as(
            "SELECT u.id, u.name, t.expires_at FROM api_token t JOIN app_user u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled")
            .bind(token_hash).fetch_optional(p).await?);
        match row {
            Some((id, name, expires)) if expires.is_none_or(|e| e > now) => {
                Ok(Some(self.principal(id, name, Via::Token).await?))
            }
            _ => Ok(None),
        }
    }

    /// The tokens of a user (or of everyone), newest first.
    pub async fn tokens(&self, user: Option<&str>) -> Result<Vec<TokenInfo>, DbError> {
        type Row = (
            i64,
            String,
            OffsetDateTime,
            Option<OffsetDateTime>,
            Option<OffsetDateTime>,
        );
        let rows: Vec<Row> = on_db!(self, p => sqlx::query_as(
            "SELECT t.id, u.name, t.created_at, t.expires_at, t.revoked_at FROM api_token t JOIN app_user u ON u.id = t.user_id \
             WHERE $1 = '' OR u.name = $1 ORDER BY t.id DESC")
            .bind(user.unwrap_or("")).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(id, user, created_at, expires_at, revoked_at)| TokenInfo {
                id,
                user,
                created_at,
                expires_at,
                revoked_at,
            })
            .collect())
    }

    /// Appends one audit row in its own transaction (for events with no other write: a failed
    /// login, a refusal, a view of applicant data).
    pub async fn audit(&self, e: &AuditEntry) -> Result<(), DbError> {
        let mut tx = self.begin().await?;
        tx.audit(e).await?;
        tx.commit().await
    }

    /// Searches the audit log, newest first.
    pub async fn audit_log(&self, q: &AuditQuery) -> Result<Vec<AuditRow>, DbError> {
        let far_past = OffsetDateTime::UNIX_EPOCH;
        let far_future = OffsetDateTime::UNIX_EPOCH + Duration::days(365 * 1000);
        let limit = if q.limit <= 0 {
            500
        } else {
            q.limit.min(100_000)
        };
        let sql = "SELECT id, at, user_name, grants, agency, action, object, outcome, client_addr, detail FROM audit_log \
                   WHERE ($1 = '' OR user_name = $1) AND ($2 = '' OR action LIKE $2) AND ($3 = '' OR outcome = $3) \
                   AND at >= $4 AND at <= $5 ORDER BY id DESC";
        let action_like = if q.action.is_empty() {
            String::new()
        } else {
            format!("%{}%", q.action.replace(['%', '_'], ""))
        };
        let rows: Vec<AuditRow> = on_db!(self, p => sqlx::query_as(sql)
            .bind(&q.user).bind(&action_like).bind(&q.outcome)
            .bind(q.from.unwrap_or(far_past)).bind(q.to.unwrap_or(far_future))
            .fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .filter(|r| {
                q.agencies
                    .as_ref()
                    .is_none_or(|a| r.agency.is_empty() || a.contains(&r.agency))
            })
            .take(usize::try_from(limit).unwrap_or(500))
            .collect())
    }

    /// Deletes audit rows older than `days` days (at least 180: 网络安全法 art. 21); returns how
    /// many went.
    pub async fn purge_audit(&self, days: i64, now: OffsetDateTime) -> Result<u64, DbError> {
        if days < 180 {
            return Err(
                DomainError::invalid("audit_retention_days", "审计日志至少保存 180 天").into(),
            );
        }
        let cutoff = now - Duration::days(days);
        let n = on_db!(self, p => sqlx::query("DELETE FROM audit_log WHERE at < $1").bind(cutoff).execute(p).await?.rows_affected());
        Ok(n)
    }
}

// The back office's users page and audit-log viewer (`gongkai-web` `users`, `audit_log`).
impl Tx {
    /// A user by id with their grants, read inside the transaction (what a change of the user
    /// is decided on); `None` when there is no such user.
    pub async fn user_by_id(&mut self, id: i64) -> Result<Option<User>, DbError> {
        let row: Option<UserRow> = on_tx!(self, c => sqlx::query_as(
            "SELECT id, name, disabled FROM app_user WHERE id = $1").bind(id).fetch_optional(&mut *c).await?);
        let Some((id, name, disabled)) = row else {
            return Ok(None);
        };
        let grants: Vec<(String, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT a.code, g.role FROM user_grant g JOIN agency a ON a.id = g.agency_id WHERE g.user_id = $1 ORDER BY a.code, g.role")
            .bind(id).fetch_all(&mut *c).await?);
        Ok(Some(User {
            id,
            name,
            disabled,
            grants: grants
                .into_iter()
                .filter_map(|(a, r)| Role::from_code(&r).ok().map(|r| (a, r)))
                .collect(),
        }))
    }
}

impl Db {
    /// A user by id, with grants.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, DbError> {
        let row: Option<UserRow> = on_db!(self, p => sqlx::query_as(
            "SELECT id, name, disabled FROM app_user WHERE id = $1").bind(id).fetch_optional(p).await?);
        match row {
            Some(r) => Ok(Some(self.user_of(r).await?)),
            None => Ok(None),
        }
    }

    /// One page of an audit-log search, newest first, and the number of rows the search
    /// matches. `user` and `outcome` match exactly, `action` is a substring of the action or
    /// the object, `from`/`to` bound the time (both inclusive), `agencies` (codes) keeps only
    /// rows about those agencies (`Some(empty)`: none); `limit` rows (1–100 000) from `offset`.
    pub async fn audit_page(
        &self,
        q: &AuditQuery,
        offset: i64,
    ) -> Result<(Vec<AuditRow>, i64), DbError> {
        // The agencies as a literal list of their ids (integers read from the database, so
        // inlining is safe); rows name their agency by code.
        let scope = match &q.agencies {
            None => String::new(),
            Some(codes) => {
                let all: Vec<(i64, String)> = on_db!(self, p => sqlx::query_as(
                    "SELECT id, code FROM agency ORDER BY id").fetch_all(p).await?);
                let ids: Vec<String> = all
                    .into_iter()
                    .filter(|(_, code)| codes.contains(code))
                    .map(|(id, _)| id.to_string())
                    .collect();
                if ids.is_empty() {
                    return Ok((Vec::new(), 0));
                }
                format!(
                    " AND agency IN (SELECT code FROM agency WHERE id IN ({}))",
                    ids.join(", ")
                )
            }
        };
        let filter = format!(
            "FROM audit_log WHERE ($1 = '' OR user_name = $1) AND ($2 = '' OR action LIKE $2 OR object LIKE $2) \
             AND ($3 = '' OR outcome = $3) AND at >= $4 AND at <= $5{scope}"
        );
        let far_past = OffsetDateTime::UNIX_EPOCH;
        let far_future = OffsetDateTime::UNIX_EPOCH + Duration::days(365 * 1000);
        let utc = |t: OffsetDateTime| t.to_offset(time::UtcOffset::UTC);
        let (from, to) = (
            utc(q.from.unwrap_or(far_past)),
            utc(q.to.unwrap_or(far_future)),
        );
        let action_like = if q.action.is_empty() {
            String::new()
        } else {
            format!("%{}%", q.action.replace(['%', '_', '\\'], ""))
        };
        let limit = q.limit.clamp(1, 100_000);
        let offset = offset.max(0);
        let count_sql = format!("SELECT COUNT(*) {filter}");
        let total: i64 = on_db!(self, p => sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.clone()))
            .bind(&q.user).bind(&action_like).bind(&q.outcome).bind(from).bind(to)
            .fetch_one(p).await?);
        let rows_sql = format!(
            "SELECT id, at, user_name, grants, agency, action, object, outcome, client_addr, detail {filter} \
             ORDER BY id DESC LIMIT $6 OFFSET $7"
        );
        let rows: Vec<AuditRow> = on_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(rows_sql.clone()))
            .bind(&q.user).bind(&action_like).bind(&q.outcome).bind(from).bind(to)
            .bind(limit).bind(offset)
            .fetch_all(p).await?);
        Ok((rows, total))
    }
}
