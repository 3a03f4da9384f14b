//! Users, roles, sessions, API tokens and the audit log.

use gongkai_domain::auth::{LOCKOUT_AFTER, LOCKOUT_MINUTES, Role, SESSION_HOURS};
use time::{Duration, OffsetDateTime};

use crate::{Db, DbError, on_db};

/// A back-office user with the roles they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub roles: Vec<Role>,
}

/// A stored credential for a login attempt.
#[derive(Debug, Clone)]
pub struct Credential {
    pub user: User,
    pub password_hash: String,
    pub locked_until: Option<OffsetDateTime>,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub user: User,
    pub csrf_token: String,
}

impl Db {
    /// Creates a user with an Argon2id hash (computed by the caller) and roles.
    pub async fn add_user(
        &self,
        name: &str,
        password_hash: &str,
        roles: &[Role],
    ) -> Result<User, DbError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(
                gongkai_domain::DomainError::invalid("NAME", "用户名应为 1–64 个字符").into(),
            );
        }
        if roles.is_empty() {
            return Err(gongkai_domain::DomainError::invalid("--role", "至少指定一个角色").into());
        }
        if self.user(name).await?.is_some() {
            return Err(DbError::Conflict(format!("用户“{name}”已存在")));
        }
        on_db!(self, p => {
            let mut tx = p.begin().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO app_user (name, password_hash) VALUES ($1, $2) RETURNING id")
                .bind(name).bind(password_hash).fetch_one(&mut *tx).await?;
            for r in roles {
                sqlx::query("INSERT INTO user_role (user_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id).bind(r.code()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        self.audit(
            name,
            "创建用户",
            &roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join("、"),
        )
        .await?;
        self.user(name)
            .await?
            .ok_or_else(|| DbError::Conflict(format!("用户“{name}”创建失败")))
    }

    /// A user by name.
    pub async fn user(&self, name: &str) -> Result<Option<User>, DbError> {
        Ok(self.credential(name).await?.map(|c| c.user))
    }

    /// The stored credential of a user (for checking a password).
    pub async fn credential(&self, name: &str) -> Result<Option<Credential>, DbError> {
        let row: Option<(i64, String, String, Option<OffsetDateTime>)> = on_db!(self, p => sqlx::query_as(
            "SELECT id, name, password_hash, locked_until FROM app_user WHERE name = $1").bind(name).fetch_optional(p).await?);
        let Some((id, name, password_hash, locked_until)) = row else {
            return Ok(None);
        };
        let roles = self.roles(id).await?;
        Ok(Some(Credential {
            user: User { id, name, roles },
            password_hash,
            locked_until,
        }))
    }

    async fn roles(&self, user_id: i64) -> Result<Vec<Role>, DbError> {
        let codes: Vec<String> = on_db!(self, p => sqlx::query_scalar("SELECT role FROM user_role WHERE user_id = $1 ORDER BY role")
            .bind(user_id).fetch_all(p).await?);
        Ok(codes
            .iter()
            .filter_map(|c| Role::from_code(c).ok())
            .collect())
    }

    /// Counts a failed login; the account locks after `LOCKOUT_AFTER` in a row.
    pub async fn login_failed(&self, user_id: i64, now: OffsetDateTime) -> Result<bool, DbError> {
        let n: i64 = on_db!(self, p => sqlx::query_scalar(
            "UPDATE app_user SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING CAST(failed_logins AS BIGINT)")
            .bind(user_id).fetch_one(p).await?);
        if n >= LOCKOUT_AFTER {
            let until = now + Duration::minutes(LOCKOUT_MINUTES);
            on_db!(self, p => sqlx::query("UPDATE app_user SET locked_until = $1, failed_logins = 0 WHERE id = $2")
                .bind(until).bind(user_id).execute(p).await.map(|_| ())?);
            return Ok(true);
        }
        Ok(false)
    }

    /// Opens a session after a successful login.
    pub async fn open_session(
        &self,
        user: &User,
        id: &str,
        csrf: &str,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let expires = now + Duration::hours(SESSION_HOURS);
        on_db!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = $1").bind(user.id).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO user_session (id, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(id).bind(user.id).bind(csrf).bind(expires).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        self.audit(&user.name, "登录", "").await
    }

    /// The live session with this id, its expiry pushed forward; `None` when unknown or expired.
    pub async fn session(&self, id: &str, now: OffsetDateTime) -> Result<Option<Session>, DbError> {
        let row: Option<(i64, String, String, OffsetDateTime)> = on_db!(self, p => sqlx::query_as(
            "SELECT u.id, u.name, s.csrf_token, s.expires_at FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE s.id = $1")
            .bind(id).fetch_optional(p).await?);
        let Some((user_id, name, csrf_token, expires)) = row else {
            return Ok(None);
        };
        if expires <= now {
            self.close_session(id).await?;
            return Ok(None);
        }
        on_db!(self, p => sqlx::query("UPDATE user_session SET expires_at = $1 WHERE id = $2")
            .bind(now + Duration::hours(SESSION_HOURS)).bind(id).execute(p).await.map(|_| ())?);
        let roles = self.roles(user_id).await?;
        Ok(Some(Session {
            id: id.to_string(),
            user: User {
                id: user_id,
                name,
                roles,
            },
            csrf_token,
        }))
    }

    pub async fn close_session(&self, id: &str) -> Result<(), DbError> {
        on_db!(self, p => sqlx::query("DELETE FROM user_session WHERE id = $1").bind(id).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// Stores the hash of a new API token for a user.
    pub async fn add_token(&self, user: &User, token_hash: &str) -> Result<(), DbError> {
        on_db!(self, p => sqlx::query("INSERT INTO api_token (user_id, token_hash) VALUES ($1, $2)")
            .bind(user.id).bind(token_hash).execute(p).await.map(|_| ())?);
        self.audit(&user.name, "创建 API 令牌", "").await
    }

    /// The user of an API token (by its hash).
    pub async fn token_user(&self, token_hash: &str) -> Result<Option<User>, DbError> {
        let row: Option<(i64, String)> = on_db!(self, p => sqlx::query_as(
            "SELECT u.id, u.name FROM api_token t JOIN app_user u ON u.id = t.user_id WHERE t.token_hash = $1")
            .bind(token_hash).fetch_optional(p).await?);
        let Some((id, name)) = row else {
            return Ok(None);
        };
        let roles = self.roles(id).await?;
        Ok(Some(User { id, name, roles }))
    }

    /// Appends to the audit log (网络安全法 art. 21: kept at least six months).
    pub async fn audit(&self, user: &str, action: &str, detail: &str) -> Result<(), DbError> {
        on_db!(self, p => sqlx::query("INSERT INTO audit_log (user_name, action, detail) VALUES ($1, $2, $3)")
            .bind(user).bind(action).bind(detail).execute(p).await.map(|_| ())?);
        Ok(())
    }
}
