//! Accounts and the audit log: login under a burst of guesses, user enumeration, sessions'
//! idle and absolute lifetimes, password changes, disabling users and revoking or expiring
//! tokens; the users page (agency-scoped, one transaction with its audit row); the audit-log
//! viewer, its scope and its XLSX export.

use std::io::Read;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, StatusCode as S, header};
use gongkai_db::{Applicant, AuditEntry, AuditQuery, Db};
use gongkai_domain::auth::{LOCKOUT_AFTER, Role, SessionPolicy};
use gongkai_domain::ledger::NewAgency;
use http_body_util::BodyExt;
use time::{Duration, OffsetDateTime};
use tower::ServiceExt;

use crate::admin::{PASSWORD, Res, add_token, cookie_value, form, hidden_csrf, send};

/// A password that passes the policy.
const STRONG: &str = "黄河 晨雾 7 盏灯 orbit";
/// The client address every request of these tests comes from (a proxy header is configured).
const CLIENT: &str = "198.51.100.23";

fn config() -> gongkai_web::WebConfig {
    gongkai_web::WebConfig {
        login_attempts_per_minute: 1000,
        proxy_header: Some("x-forwarded-for".into()),
        ..Default::default()
    }
}

/// A province with two cities; users `admin-prov`, `admin-a`, `admin-b`, `handler-a`,
/// `head-a`, `editor-a` (role-place); case A-1 in city-a.
async fn world_with(config: gongkai_web::WebConfig) -> (axum::Router, Db) {
    let db = gongkai_db::testing::fresh_db().await;
    for (code, parent) in [
        ("prov", None),
        ("city-a", Some("prov")),
        ("city-b", Some("prov")),
    ] {
        db.add_agency(&NewAgency {
            code: code.into(),
            name: format!("{code} 交易中心"),
            parent: parent.map(String::from),
            established: None,
        })
        .await
        .unwrap();
    }
    db.import_requests(
        "city-a",
        r#"{"type":"received","request":"A-1","date":"2025-03-03","channel":"online","applicant_type":"natural_person"}"#,
    )
    .await
    .unwrap();
    let hash = gongkai_web::auth::hash_password(PASSWORD).unwrap();
    for (name, agency, role) in [
        ("admin-prov", "prov", Role::Admin),
        ("admin-a", "city-a", Role::Admin),
        ("admin-b", "city-b", Role::Admin),
        ("handler-a", "city-a", Role::Handler),
        ("head-a", "city-a", Role::Head),
        ("editor-a", "city-a", Role::Editor),
    ] {
        db.add_user(
            name,
            &hash,
            &[(agency.to_string(), role)],
            AuditEntry::new(None, "测试"),
        )
        .await
        .unwrap();
    }
    (gongkai_web::router_with(db.clone(), config), db)
}

async fn world() -> (axum::Router, Db) {
    world_with(config()).await
}

const FROM: [(&str, &str); 1] = [("x-forwarded-for", CLIENT)];

/// A login attempt from [`CLIENT`].
async fn login(app: &axum::Router, name: &str, password: &str) -> Res {
    let page = send(app, "GET", "/admin/login", "", &FROM, None).await;
    let form_cookie = cookie_value(&page, "gk_form").unwrap();
    let csrf = hidden_csrf(&page.body);
    send(
        app,
        "POST",
        "/admin/login",
        &format!("gk_form={form_cookie}"),
        &FROM,
        form(&[("name", name), ("password", password), ("csrf", &csrf)]),
    )
    .await
}

/// A session of `name` (password `password`): (cookie header, CSRF token).
async fn session_with(app: &axum::Router, name: &str, password: &str) -> (String, String) {
    let res = login(app, name, password).await;
    assert_eq!(res.status, S::SEE_OTHER, "{name}: {}", res.body);
    let cookie = format!("gk_session={}", cookie_value(&res, "gk_session").unwrap());
    let page = send(app, "GET", "/admin/password", &cookie, &FROM, None).await;
    (cookie, hidden_csrf(&page.body))
}

async fn session(app: &axum::Router, name: &str) -> (String, String) {
    session_with(app, name, PASSWORD).await
}

async fn get(app: &axum::Router, uri: &str, cookie: &str) -> Res {
    send(app, "GET", uri, cookie, &FROM, None).await
}

async fn post(app: &axum::Router, uri: &str, cookie: &str, fields: &[(&str, &str)]) -> Res {
    send(app, "POST", uri, cookie, &FROM, form(fields)).await
}

/// The message of a page's alert (the reason a form was refused).
fn alert(body: &str) -> String {
    body.split("role=\"alert\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or("")
        .to_string()
}

async fn user_id(db: &Db, name: &str) -> i64 {
    db.user(name).await.unwrap().unwrap().id
}

async fn grants(db: &Db, name: &str) -> Vec<(String, Role)> {
    db.user(name).await.unwrap().unwrap().grants
}

async fn log(db: &Db, user: &str, action: &str, outcome: &str) -> usize {
    db.audit_log(&AuditQuery {
        user: user.into(),
        action: action.into(),
        outcome: outcome.into(),
        ..Default::default()
    })
    .await
    .unwrap()
    .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_parallel_wrong_passwords_lock_the_account_after_at_most_five_checks() {
    let (app, db) = world().await;
    let page = send(&app, "GET", "/admin/login", "", &FROM, None).await;
    let form_cookie = format!("gk_form={}", cookie_value(&page, "gk_form").unwrap());
    let csrf = hidden_csrf(&page.body);
    let mut set = tokio::task::JoinSet::new();
    for i in 0..40 {
        let (app, form_cookie, csrf) = (app.clone(), form_cookie.clone(), csrf.clone());
        set.spawn(async move {
            let body = form(&[
                ("name", "handler-a"),
                ("password", &format!("wrong guess {i}")),
                ("csrf", &csrf),
            ]);
            send(&app, "POST", "/admin/login", &form_cookie, &FROM, body)
                .await
                .status
        });
    }
    let mut statuses = Vec::new();
    while let Some(s) = set.join_next().await {
        statuses.push(s.unwrap());
    }
    assert!(
        statuses
            .iter()
            .all(|s| *s == S::UNAUTHORIZED || *s == S::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    assert!(statuses.contains(&S::TOO_MANY_REQUESTS));
    // The right password now: still locked.
    let res = login(&app, "handler-a", PASSWORD).await;
    assert_eq!(res.status, S::TOO_MANY_REQUESTS);
    assert!(res.body.contains("锁定"));
    // At most LOCKOUT_AFTER attempts reached the password check (each wrote a failed row);
    // the others were refused before it.
    let checked = log(&db, "handler-a", "登录失败", "failed").await;
    assert!(
        (1..=LOCKOUT_AFTER as usize).contains(&checked),
        "{checked} password checks"
    );
    assert!(log(&db, "handler-a", "登录失败", "denied").await >= 40 - checked);
    assert_eq!(log(&db, "handler-a", "账户锁定", "denied").await, 1);
    assert_eq!(log(&db, "handler-a", "登录", "ok").await, 0);
}

#[tokio::test]
async fn an_unknown_name_is_answered_like_a_wrong_password() {
    let (app, db) = world().await;
    let mut disabled_tx = db.begin().await.unwrap();
    let id = disabled_tx.user_id("editor-a").await.unwrap();
    disabled_tx.set_disabled(id, true).await.unwrap();
    disabled_tx.commit().await.unwrap();
    let message = |r: &Res| alert(&r.body);
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let a = login(&app, "handler-a", "wrong password").await;
        known.push(t.elapsed());
        let t = Instant::now();
        let b = login(&app, "no-such-user", "wrong password").await;
        unknown.push(t.elapsed());
        let c = login(&app, "editor-a", PASSWORD).await;
        assert_eq!(
            (a.status, b.status, c.status),
            (S::UNAUTHORIZED, S::UNAUTHORIZED, S::UNAUTHORIZED)
        );
        assert_eq!(message(&a), "用户名或密码错误");
        assert_eq!(message(&b), message(&a));
        assert_eq!(message(&c), message(&a));
    }
    // The same Argon2 work for an unknown name (the bug answered ~30× faster).
    known.sort();
    unknown.sort();
    assert!(
        unknown[1] * 5 >= known[1],
        "unknown {unknown:?} vs known {known:?}"
    );
}

#[tokio::test]
async fn a_disabled_users_session_and_token_stop_working_at_once() {
    let (app, db) = world().await;
    let (handler, _) = session(&app, "handler-a").await;
    let token = gongkai_web::auth::random_token();
    add_token(&db, "handler-a", &token).await;
    let bearer = format!("Bearer {token}");
    let api = |app: axum::Router, bearer: String| async move {
        send(
            &app,
            "GET",
            "/api/v1/admin/requests?agency=city-a",
            "",
            &[("authorization", &bearer)],
            None,
        )
        .await
        .status
    };
    assert_eq!(
        get(&app, "/admin/requests?agency=city-a", &handler)
            .await
            .status,
        S::OK
    );
    assert_eq!(api(app.clone(), bearer.clone()).await, S::OK);

    let (admin, csrf) = session(&app, "admin-a").await;
    let id = user_id(&db, "handler-a").await;
    let res = post(
        &app,
        &format!("/admin/users/{id}/disable"),
        &admin,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(res.status, S::SEE_OTHER, "{}", res.body);
    let res = get(&app, "/admin/requests?agency=city-a", &handler).await;
    assert_eq!(
        (res.status, res.location.as_str()),
        (S::SEE_OTHER, "/admin/login")
    );
    assert_eq!(api(app.clone(), bearer.clone()).await, S::UNAUTHORIZED);
    assert_eq!(
        login(&app, "handler-a", PASSWORD).await.status,
        S::UNAUTHORIZED
    );
    assert!(db.user("handler-a").await.unwrap().unwrap().disabled);
    assert_eq!(log(&db, "admin-a", "停用用户", "ok").await, 1);

    // Enabled again: the token works again; the session ended for good.
    let res = post(
        &app,
        &format!("/admin/users/{id}/enable"),
        &admin,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(res.status, S::SEE_OTHER);
    assert_eq!(api(app.clone(), bearer.clone()).await, S::OK);
    assert_eq!(
        get(&app, "/admin/requests?agency=city-a", &handler)
            .await
            .status,
        S::SEE_OTHER
    );

    // Nobody disables themselves; a city's admin cannot disable the province's.
    let me = user_id(&db, "admin-a").await;
    let res = post(
        &app,
        &format!("/admin/users/{me}/disable"),
        &admin,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(res.status, S::UNPROCESSABLE_ENTITY);
    assert!(alert(&res.body).contains("不能停用本人"), "{}", res.body);
    let boss = user_id(&db, "admin-prov").await;
    let res = post(
        &app,
        &format!("/admin/users/{boss}/disable"),
        &admin,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(res.status, S::FORBIDDEN);
    assert!(!db.user("admin-prov").await.unwrap().unwrap().disabled);
    assert!(!db.user("admin-a").await.unwrap().unwrap().disabled);
    // A form without the session's CSRF token changes nothing.
    let res = post(
        &app,
        &format!("/admin/users/{id}/disable"),
        &admin,
        &[("csrf", "forged")],
    )
    .await;
    assert_eq!(res.status, S::FORBIDDEN);
    assert!(!db.user("handler-a").await.unwrap().unwrap().disabled);
}

/// The token shown once on the result page.
fn shown_token(body: &str) -> String {
    body.split("<code id=\"token\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn revoked_and_expired_tokens_get_401() {
    let (app, db) = world().await;
    let (admin, csrf) = session(&app, "admin-a").await;
    let id = user_id(&db, "handler-a").await;
    let api = |bearer: String| {
        let app = app.clone();
        async move {
            send(
                &app,
                "GET",
                "/api/v1/admin/requests?agency=city-a",
                "",
                &[("authorization", &bearer)],
                None,
            )
            .await
            .status
        }
    };
    // Created on the users page, shown once.
    let res = post(
        &app,
        &format!("/admin/users/{id}/tokens"),
        &admin,
        &[("csrf", &csrf), ("expires", "")],
    )
    .await;
    assert_eq!(res.status, S::OK, "{}", res.body);
    let token = shown_token(&res.body);
    assert_eq!(token.len(), 64);
    assert_eq!(api(format!("Bearer {token}")).await, S::OK);
    let page = get(&app, &format!("/admin/users/{id}"), &admin).await;
    assert_eq!(page.status, S::OK);
    assert!(!page.body.contains(&token), "the token is never listed");
    assert!(page.body.contains("长期有效") && page.body.contains("有效"));
    let token_id = db.tokens(Some("handler-a")).await.unwrap()[0].id;

    // Revoking another user's token through this user's page is refused.
    let other = user_id(&db, "head-a").await;
    let res = post(
        &app,
        &format!("/admin/users/{other}/tokens/{token_id}/revoke"),
        &admin,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(res.status, S::UNPROCESSABLE_ENTITY);
    assert_eq!(api(format!("Bearer {token}")).await, S::OK);
    // Revoked: 401 at once.
    let res = post(
        &app,
        &format!("/admin/users/{id}/tokens/{token_id}/revoke"),
        &admin,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(res.status, S::SEE_OTHER, "{}", res.body);
    assert_eq!(api(format!("Bearer {token}")).await, S::UNAUTHORIZED);
    assert!(
        get(&app, &format!("/admin/users/{id}"), &admin)
            .await
            .body
            .contains("已撤销")
    );
    assert_eq!(log(&db, "admin-a", "撤销 API 令牌", "ok").await, 1);
    assert_eq!(log(&db, "admin-a", "创建 API 令牌", "ok").await, 1);

    // An expiry date: in the past is refused (422, no token); in the future works.
    let before = db.tokens(Some("handler-a")).await.unwrap().len();
    let res = post(
        &app,
        &format!("/admin/users/{id}/tokens"),
        &admin,
        &[("csrf", &csrf), ("expires", "2020-01-01")],
    )
    .await;
    assert_eq!(res.status, S::UNPROCESSABLE_ENTITY);
    assert!(alert(&res.body).contains("有效期至"), "{}", res.body);
    let res = post(
        &app,
        &format!("/admin/users/{id}/tokens"),
        &admin,
        &[("csrf", &csrf), ("expires", "2025-02-30")],
    )
    .await;
    assert_eq!(res.status, S::UNPROCESSABLE_ENTITY);
    assert_eq!(db.tokens(Some("handler-a")).await.unwrap().len(), before);
    let res = post(
        &app,
        &format!("/admin/users/{id}/tokens"),
        &admin,
        &[("csrf", &csrf), ("expires", "2099-12-31")],
    )
    .await;
    assert_eq!(res.status, S::OK);
    assert!(
        res.body.contains("2100-01-01 00:00:00"),
        "the end of the day in Beijing"
    );
    assert_eq!(
        api(format!("Bearer {}", shown_token(&res.body))).await,
        S::OK
    );
    // Expired (stored with an expiry a minute ago): 401.
    let expired = gongkai_web::auth::random_token();
    let mut tx = db.begin().await.unwrap();
    let uid = tx.user_id("handler-a").await.unwrap();
    tx.add_token(
        uid,
        &gongkai_web::auth::token_hash(&expired),
        Some(OffsetDateTime::now_utc() - Duration::minutes(1)),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(api(format!("Bearer {expired}")).await, S::UNAUTHORIZED);
    assert!(
        get(&app, &format!("/admin/users/{id}"), &admin)
            .await
            .body
            .contains("已过期")
    );
}

#[tokio::test]
async fn sessions_end_after_the_idle_time_and_the_absolute_lifetime() {
    // Idle time 0: the session is over by the next request.
    let (app, _db) = world_with(gongkai_web::WebConfig {
        session: SessionPolicy {
            idle_minutes: 0,
            ..Default::default()
        },
        ..config()
    })
    .await;
    let res = login(&app, "handler-a", PASSWORD).await;
    assert_eq!(res.status, S::SEE_OTHER);
    let cookie = format!("gk_session={}", cookie_value(&res, "gk_session").unwrap());
    let res = get(&app, "/admin/", &cookie).await;
    assert_eq!(
        (res.status, res.location.as_str()),
        (S::SEE_OTHER, "/admin/login")
    );

    // The default policy: activity keeps a session alive only until its absolute lifetime.
    let (app, db) = world().await;
    let policy = SessionPolicy::default();
    let res = login(&app, "handler-a", PASSWORD).await;
    let id = cookie_value(&res, "gk_session").unwrap();
    let start = OffsetDateTime::now_utc();
    assert!(db.session(&id, start, policy).await.unwrap().is_some());
    // Idle longer than the idle time: over (on a second session).
    let res2 = login(&app, "handler-a", PASSWORD).await;
    let id2 = cookie_value(&res2, "gk_session").unwrap();
    assert!(
        db.session(
            &id2,
            start + Duration::minutes(policy.idle_minutes + 1),
            policy
        )
        .await
        .unwrap()
        .is_none()
    );
    // A request every 25 minutes for 11 h 40 min keeps it; at 12 h it ends.
    let mut t = start;
    while t + Duration::minutes(25) < start + Duration::minutes(policy.absolute_minutes) {
        t += Duration::minutes(25);
        assert!(
            db.session(&id, t, policy).await.unwrap().is_some(),
            "alive at {}",
            t - start
        );
    }
    let end = start + Duration::minutes(policy.absolute_minutes) + Duration::seconds(1);
    assert!(
        end - t < Duration::minutes(policy.idle_minutes),
        "still within the idle time"
    );
    assert!(db.session(&id, end, policy).await.unwrap().is_none());
    // Ended for good.
    assert!(db.session(&id, start, policy).await.unwrap().is_none());
    assert_eq!(
        get(&app, "/admin/", &format!("gk_session={id}"))
            .await
            .status,
        S::SEE_OTHER
    );
}

#[tokio::test]
async fn users_change_their_own_password() {
    let (app, db) = world().await;
    let (cookie, csrf) = session(&app, "handler-a").await;
    let change = |current: &str, new: &str, confirm: &str| {
        let fields = [
            ("csrf", csrf.as_str()),
            ("current", current),
            ("new", new),
            ("confirm", confirm),
        ]
        .map(|(k, v)| (k, v.to_string()));
        let (app, cookie) = (app.clone(), cookie.clone());
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(&app, "/admin/password", &cookie, &f).await
        }
    };
    let res = change("not my password", STRONG, STRONG).await;
    assert_eq!(res.status, S::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("当前密码"), "{}", res.body);
    let res = change(PASSWORD, "password123", "password123").await;
    assert_eq!(res.status, S::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("字段“密码”无效：强度不足"),
        "{}",
        res.body
    );
    let res = change(PASSWORD, "short", "short").await;
    assert_eq!(res.status, S::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("至少 10 个字符"), "{}", res.body);
    // Still the old password, still signed in.
    assert_eq!(get(&app, "/admin/", &cookie).await.status, S::OK);
    let res = change(PASSWORD, STRONG, STRONG).await;
    assert_eq!(
        (res.status, res.location.as_str()),
        (S::SEE_OTHER, "/admin/login")
    );
    // The session has ended; the new password works, the old one no longer.
    assert_eq!(get(&app, "/admin/", &cookie).await.status, S::SEE_OTHER);
    assert_eq!(
        login(&app, "handler-a", PASSWORD).await.status,
        S::UNAUTHORIZED
    );
    assert_eq!(login(&app, "handler-a", STRONG).await.status, S::SEE_OTHER);
    assert_eq!(log(&db, "handler-a", "修改密码", "ok").await, 1);
    assert_eq!(log(&db, "handler-a", "修改密码", "failed").await, 1);
}

#[tokio::test]
async fn admins_manage_users_in_their_own_subtree_only() {
    let (app, db) = world().await;
    let (admin_a, csrf_a) = session(&app, "admin-a").await;
    let users_before = db.users(None).await.unwrap().len();

    // Bad input: 422 naming the field, nothing created.
    for (fields, says) in [
        (
            vec![
                ("name", ""),
                ("password", STRONG),
                ("agency", "city-a"),
                ("role", "handler"),
            ],
            "用户名",
        ),
        (
            vec![
                ("name", "clerk"),
                ("password", "1234567890"),
                ("agency", "city-a"),
                ("role", "handler"),
            ],
            "密码",
        ),
        (
            vec![
                ("name", "clerk"),
                ("password", STRONG),
                ("agency", "city-a"),
            ],
            "角色",
        ),
        (
            vec![
                ("name", "clerk"),
                ("password", STRONG),
                ("agency", "city-a"),
                ("role", "boss"),
            ],
            "角色",
        ),
        (
            vec![
                ("name", "clerk"),
                ("password", STRONG),
                ("agency", "nowhere"),
                ("role", "handler"),
            ],
            "机构",
        ),
        (
            vec![
                ("name", "handler-a"),
                ("password", STRONG),
                ("agency", "city-a"),
                ("role", "handler"),
            ],
            "已存在",
        ),
    ] {
        let mut f = fields.clone();
        f.push(("csrf", &csrf_a));
        let res = post(&app, "/admin/users", &admin_a, &f).await;
        assert_eq!(res.status, S::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(
            alert(&res.body).contains(says),
            "{says}: {}",
            alert(&res.body)
        );
    }
    // In a sibling agency: 403.
    let res = post(
        &app,
        "/admin/users",
        &admin_a,
        &[
            ("csrf", &csrf_a),
            ("name", "clerk"),
            ("password", STRONG),
            ("agency", "city-b"),
            ("role", "handler"),
        ],
    )
    .await;
    assert_eq!(res.status, S::FORBIDDEN);
    assert_eq!(db.users(None).await.unwrap().len(), users_before);

    // Created in the admin's own agency, in one step with its audit row.
    let res = post(
        &app,
        "/admin/users",
        &admin_a,
        &[
            ("csrf", &csrf_a),
            ("name", "clerk"),
            ("password", STRONG),
            ("agency", "city-a"),
            ("role", "handler"),
            ("role", "editor"),
        ],
    )
    .await;
    assert_eq!(res.status, S::SEE_OTHER, "{}", res.body);
    let clerk = user_id(&db, "clerk").await;
    assert_eq!(res.location, format!("/admin/users/{clerk}"));
    assert_eq!(
        grants(&db, "clerk").await,
        vec![
            ("city-a".to_string(), Role::Editor),
            ("city-a".to_string(), Role::Handler)
        ]
    );
    assert_eq!(log(&db, "admin-a", "创建用户", "ok").await, 1);
    assert_eq!(login(&app, "clerk", STRONG).await.status, S::SEE_OTHER);

    // Granted in the admin's agency; refused in the sibling with nothing written.
    let res = post(
        &app,
        &format!("/admin/users/{clerk}/grant"),
        &admin_a,
        &[("csrf", &csrf_a), ("agency", "city-a"), ("role", "head")],
    )
    .await;
    assert_eq!(res.status, S::SEE_OTHER, "{}", res.body);
    let res = post(
        &app,
        &format!("/admin/users/{clerk}/grant"),
        &admin_a,
        &[("csrf", &csrf_a), ("agency", "city-b"), ("role", "head")],
    )
    .await;
    assert_eq!(res.status, S::FORBIDDEN);
    assert_eq!(grants(&db, "clerk").await.len(), 3);
    assert!(
        grants(&db, "clerk")
            .await
            .iter()
            .all(|(a, _)| a == "city-a")
    );
    let log_rows = db
        .audit_log(&AuditQuery {
            user: "admin-a".into(),
            action: "授予角色".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(log_rows.iter().filter(|r| r.outcome == "ok").count(), 1);
    assert!(
        log_rows
            .iter()
            .all(|r| r.outcome == "ok" && r.agency == "city-a")
    );
    let refused = db
        .audit_log(&AuditQuery {
            user: "admin-a".into(),
            outcome: "denied".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        refused.iter().filter(|r| r.agency == "city-b").count(),
        2,
        "{refused:?}"
    );
    // The province's admin grants in the other city.
    let (admin_p, csrf_p) = session(&app, "admin-prov").await;
    let res = post(
        &app,
        &format!("/admin/users/{clerk}/grant"),
        &admin_p,
        &[("csrf", &csrf_p), ("agency", "city-b"), ("role", "handler")],
    )
    .await;
    assert_eq!(res.status, S::SEE_OTHER);
    // Now the clerk reaches beyond city-a: its admin may still revoke city-a's grants, but no
    // longer act on the account as a whole.
    let res = post(
        &app,
        &format!("/admin/users/{clerk}/revoke"),
        &admin_a,
        &[("csrf", &csrf_a), ("agency", "city-a"), ("role", "head")],
    )
    .await;
    assert_eq!(res.status, S::SEE_OTHER);
    let res = post(
        &app,
        &format!("/admin/users/{clerk}/revoke"),
        &admin_a,
        &[("csrf", &csrf_a), ("agency", "city-a"), ("role", "head")],
    )
    .await;
    assert_eq!(res.status, S::UNPROCESSABLE_ENTITY, "not held any more");
    let res = post(
        &app,
        &format!("/admin/users/{clerk}/password"),
        &admin_a,
        &[("csrf", &csrf_a), ("password", "另一个 长江 9 号 river")],
    )
    .await;
    assert_eq!(res.status, S::FORBIDDEN);
    let res = post(
        &app,
        &format!("/admin/users/{clerk}/tokens"),
        &admin_a,
        &[("csrf", &csrf_a), ("expires", "")],
    )
    .await;
    assert_eq!(res.status, S::FORBIDDEN);
    assert!(db.tokens(Some("clerk")).await.unwrap().is_empty());
    // The province's admin resets the password: weak refused, strong done.
    let res = post(
        &app,
        &format!("/admin/users/{clerk}/password"),
        &admin_p,
        &[("csrf", &csrf_p), ("password", "clerk")],
    )
    .await;
    assert_eq!(res.status, S::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("字段“密码”无效"));
    let res = post(
        &app,
        &format!("/admin/users/{clerk}/password"),
        &admin_p,
        &[("csrf", &csrf_p), ("password", "另一个 长江 9 号 river")],
    )
    .await;
    assert_eq!(res.status, S::SEE_OTHER);
    assert_eq!(
        login(&app, "clerk", "另一个 长江 9 号 river").await.status,
        S::SEE_OTHER
    );

    // Lists: each admin sees the users of their subtree; the province's admin everyone.
    let list_a = get(&app, "/admin/users", &admin_a).await;
    assert_eq!(list_a.status, S::OK);
    for (name, shown) in [
        ("clerk", true),
        ("handler-a", true),
        ("admin-a", true),
        ("admin-b", false),
        ("admin-prov", false),
    ] {
        assert_eq!(
            list_a.body.contains(&format!(">{name}</a>")),
            shown,
            "{name}"
        );
    }
    let list_p = get(&app, "/admin/users", &admin_p).await;
    for name in ["clerk", "admin-b", "admin-prov", "editor-a"] {
        assert!(list_p.body.contains(&format!(">{name}</a>")), "{name}");
    }
    let b = user_id(&db, "admin-b").await;
    assert_eq!(
        get(&app, &format!("/admin/users/{b}"), &admin_a)
            .await
            .status,
        S::FORBIDDEN
    );
    assert_eq!(
        get(&app, "/admin/users/999999", &admin_a).await.status,
        S::NOT_FOUND
    );

    // Nobody revokes their own last admin grant (with a second one they may).
    let me = user_id(&db, "admin-a").await;
    let res = post(
        &app,
        &format!("/admin/users/{me}/revoke"),
        &admin_a,
        &[("csrf", &csrf_a), ("agency", "city-a"), ("role", "admin")],
    )
    .await;
    assert_eq!(res.status, S::UNPROCESSABLE_ENTITY);
    assert!(
        alert(&res.body).contains("不能撤销本人最后一个管理员角色"),
        "{}",
        res.body
    );
    assert_eq!(
        grants(&db, "admin-a").await,
        vec![("city-a".to_string(), Role::Admin)]
    );
    // Nor resets their own password here.
    let res = post(
        &app,
        &format!("/admin/users/{me}/password"),
        &admin_a,
        &[("csrf", &csrf_a), ("password", STRONG)],
    )
    .await;
    assert_eq!(res.status, S::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_users_api_lists_and_creates() {
    let (app, db) = world().await;
    let token = gongkai_web::auth::random_token();
    add_token(&db, "admin-a", &token).await;
    let bearer = format!("Bearer {token}");
    let auth = [("authorization", bearer.as_str())];
    let res = send(&app, "GET", "/api/v1/admin/users", "", &auth, None).await;
    assert_eq!(res.status, S::OK);
    let v: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["name"].as_str())
        .collect();
    assert!(
        names.contains(&"handler-a") && !names.contains(&"admin-b"),
        "{names:?}"
    );
    assert!(!res.body.contains(&token));
    let body = serde_json::json!({"name": "robot", "password": STRONG, "agency": "city-a", "roles": ["system"]}).to_string();
    let res = send(
        &app,
        "POST",
        "/api/v1/admin/users",
        "",
        &auth,
        Some(("application/json", body)),
    )
    .await;
    assert_eq!(res.status, S::CREATED, "{}", res.body);
    assert_eq!(
        grants(&db, "robot").await,
        vec![("city-a".to_string(), Role::System)]
    );
    let body = serde_json::json!({"name": "robot2", "password": STRONG, "agency": "city-b", "roles": ["system"]}).to_string();
    let res = send(
        &app,
        "POST",
        "/api/v1/admin/users",
        "",
        &auth,
        Some(("application/json", body)),
    )
    .await;
    assert_eq!(res.status, S::FORBIDDEN);
    let body = serde_json::json!({"name": "robot3", "password": "x", "agency": "city-a", "roles": ["system"]}).to_string();
    let res = send(
        &app,
        "POST",
        "/api/v1/admin/users",
        "",
        &auth,
        Some(("application/json", body)),
    )
    .await;
    assert_eq!(res.status, S::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("密码"));
    assert!(
        db.user("robot2").await.unwrap().is_none() && db.user("robot3").await.unwrap().is_none()
    );
    let handler = gongkai_web::auth::random_token();
    add_token(&db, "handler-a", &handler).await;
    let res = send(
        &app,
        "GET",
        "/api/v1/admin/users",
        "",
        &[("authorization", &format!("Bearer {handler}"))],
        None,
    )
    .await;
    assert_eq!(res.status, S::FORBIDDEN);
    assert_eq!(
        send(&app, "GET", "/api/v1/admin/users", "", &[], None)
            .await
            .status,
        S::UNAUTHORIZED
    );
}

/// The cells of the audit-log table's rows.
fn rows(body: &str) -> Vec<Vec<String>> {
    body.split("<tr class=\"outcome-")
        .skip(1)
        .map(|r| {
            let r = r.split("</tr>").next().unwrap_or("");
            r.split("<td>")
                .skip(1)
                .map(|c| c.split("</td>").next().unwrap_or("").to_string())
                .collect()
        })
        .collect()
}

/// A row with this user, action and outcome (label), from [`CLIENT`].
fn has_row(rows: &[Vec<String>], user: &str, action: &str, outcome: &str) -> bool {
    // Columns: time, user, grants, agency, action, object, outcome, client, detail.
    rows.iter().any(|r| {
        r.len() == 9 && r[1] == user && r[4] == action && r[6] == outcome && r[7] == CLIENT
    })
}

#[tokio::test]
async fn the_audit_log_shows_who_did_what_from_where() {
    let (app, db) = world().await;
    // Failed logins up to the lockout, and one while locked.
    for _ in 0..LOCKOUT_AFTER {
        login(&app, "head-a", "wrong password").await;
    }
    assert_eq!(
        login(&app, "head-a", PASSWORD).await.status,
        S::TOO_MANY_REQUESTS
    );
    // A login and a logout.
    let (handler, csrf) = session(&app, "handler-a").await;
    // A CSRF failure.
    let res = post(
        &app,
        "/admin/requests/city-a/A-1/events",
        &handler,
        &[
            ("csrf", "forged"),
            ("type", "withdrawn"),
            ("date", "2025-03-05"),
        ],
    )
    .await;
    assert_eq!(res.status, S::FORBIDDEN);
    // A view of applicant data.
    let applicant = Applicant {
        name: "张小明".into(),
        contact: "13800000000".into(),
        ..Default::default()
    };
    let line = r#"{"type":"received","request":"A-9","date":"2025-03-04","channel":"online","applicant_type":"natural_person"}"#;
    db.register_request(
        "city-a",
        line,
        &applicant,
        &gongkai_web::auth::tracking_code(),
    )
    .await
    .unwrap();
    let case = get(&app, "/admin/requests/city-a/A-9", &handler).await;
    assert!(case.body.contains("张小明"));
    // Permission denials: the other city's cases; a role without cases.
    assert_eq!(
        get(&app, "/admin/requests?agency=city-b", &handler)
            .await
            .status,
        S::FORBIDDEN
    );
    assert_eq!(
        post(&app, "/admin/logout", &handler, &[("csrf", &csrf)])
            .await
            .status,
        S::SEE_OTHER
    );
    let (editor, _) = session(&app, "editor-a").await;
    assert_eq!(
        get(&app, "/admin/requests/city-a/A-1", &editor)
            .await
            .status,
        S::FORBIDDEN
    );

    let (boss, _) = session(&app, "admin-prov").await;
    let page = get(&app, "/admin/audit-log", &boss).await;
    assert_eq!(page.status, S::OK);
    let all = rows(&page.body);
    for (user, action, outcome) in [
        ("head-a", "登录失败", "失败"),
        ("head-a", "账户锁定", "拒绝"),
        ("head-a", "登录失败", "拒绝"),
        ("handler-a", "登录", "成功"),
        ("handler-a", "退出登录", "成功"),
        ("handler-a", "CSRF 校验失败", "拒绝"),
        ("handler-a", "查看申请人信息", "成功"),
        ("editor-a", "查看依申请公开案件", "拒绝"),
        ("handler-a", "查看依申请公开案件", "拒绝"),
        ("admin-prov", "查看审计日志", "成功"),
    ] {
        assert!(
            has_row(&all, user, action, outcome),
            "{user} {action} {outcome}: {all:?}"
        );
    }
    // Newest first.
    assert_eq!(all[0][4], "查看审计日志");
    let applicant_row = all.iter().find(|r| r[4] == "查看申请人信息").unwrap();
    assert_eq!(
        (applicant_row[3].as_str(), applicant_row[5].as_str()),
        ("city-a", "A-9")
    );
    assert!(
        !page.body.contains("13800000000"),
        "no personal data in the log"
    );

    // Searches.
    let res = get(&app, "/admin/audit-log?user=head-a&outcome=denied", &boss).await;
    let found = rows(&res.body);
    assert!(
        !found.is_empty() && found.iter().all(|r| r[1] == "head-a" && r[6] == "拒绝"),
        "{found:?}"
    );
    let res = get(
        &app,
        &format!(
            "/admin/audit-log?q={}",
            "%E7%99%BB%E5%BD%95%E5%A4%B1%E8%B4%A5"
        ),
        &boss,
    )
    .await;
    let found = rows(&res.body);
    assert_eq!(found.len(), LOCKOUT_AFTER as usize + 1, "{found:?}");
    let today = gongkai_domain::period::iso(gongkai_domain::period::beijing_date(
        OffsetDateTime::now_utc(),
    ));
    let res = get(
        &app,
        &format!("/admin/audit-log?from={today}&to={today}&agency=city-b"),
        &boss,
    )
    .await;
    let found = rows(&res.body);
    assert!(found.len() == 1 && found[0][1] == "handler-a", "{found:?}");
    let res = get(
        &app,
        "/admin/audit-log?from=2000-01-01&to=2000-01-02",
        &boss,
    )
    .await;
    assert!(res.body.contains("共 0 条"));
    let res = get(&app, "/admin/audit-log?from=2025-13-01", &boss).await;
    assert_eq!(res.status, S::UNPROCESSABLE_ENTITY);
    assert!(
        alert(&res.body).contains("字段“起始日期”无效"),
        "{}",
        res.body
    );
    let res = get(&app, "/admin/audit-log?outcome=maybe", &boss).await;
    assert_eq!(res.status, S::UNPROCESSABLE_ENTITY);

    // Paging: 50 a page, newest first.
    for i in 0..60 {
        db.audit(
            &AuditEntry::new(None, "测试分页")
                .user("robot")
                .object(format!("#{i}")),
        )
        .await
        .unwrap();
    }
    let res = get(&app, "/admin/audit-log?user=robot", &boss).await;
    assert!(res.body.contains("共 60 条，第 1 / 2 页"), "{}", res.body);
    assert_eq!(rows(&res.body).len(), 50);
    assert_eq!(rows(&res.body)[0][5], "#59");
    assert!(res.body.contains("/admin/audit-log?user=robot&amp;page=2"));
    let res = get(&app, "/admin/audit-log?user=robot&page=2", &boss).await;
    assert_eq!(rows(&res.body).len(), 10);
    assert_eq!(rows(&res.body)[9][5], "#0");

    // A city's admin sees the rows about their city only.
    let (admin_a, _) = session(&app, "admin-a").await;
    let res = get(&app, "/admin/audit-log", &admin_a).await;
    assert_eq!(res.status, S::OK);
    let mine = rows(&res.body);
    assert!(
        !mine.is_empty() && mine.iter().all(|r| r[3] == "city-a"),
        "{mine:?}"
    );
    assert!(has_row(&mine, "handler-a", "查看申请人信息", "成功"));
    let res = get(&app, "/admin/audit-log?agency=city-b", &admin_a).await;
    assert!(rows(&res.body).is_empty());

    // Each view was itself written to the log.
    assert!(log(&db, "admin-prov", "查看审计日志", "ok").await >= 7);
    assert!(log(&db, "admin-a", "查看审计日志", "ok").await >= 2);
}

async fn bytes(app: &axum::Router, uri: &str, cookie: &str) -> (S, String, Vec<u8>) {
    let req = Request::builder()
        .uri(uri)
        .header(header::COOKIE, cookie)
        .header("x-forwarded-for", CLIENT)
        .body(Body::empty())
        .unwrap();
    let res = app
        .clone()
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let status = res.status();
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (
        status,
        ct,
        res.into_body().collect().await.unwrap().to_bytes().to_vec(),
    )
}

#[tokio::test]
async fn the_audit_log_exports_the_search_as_xlsx() {
    let (app, db) = world().await;
    login(&app, "head-a", "wrong password").await;
    let (boss, _) = session(&app, "admin-prov").await;
    let (status, ct, body) = bytes(&app, "/admin/audit-log.xlsx?q=%E7%99%BB%E5%BD%95", &boss).await;
    assert_eq!(status, S::OK);
    assert!(ct.contains("spreadsheetml"), "{ct}");
    assert!(body.starts_with(b"PK"));
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(body)).unwrap();
    let mut text = String::new();
    z.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    for s in [
        "客户端地址",
        "登录失败",
        "head-a",
        "admin-prov",
        "登录",
        CLIENT,
        "失败",
        "成功",
    ] {
        assert!(text.contains(s), "{s}: {text}");
    }
    assert!(!text.contains("测试"), "only the rows of the search");
    assert_eq!(log(&db, "admin-prov", "导出审计日志", "ok").await, 1);
    // Bad search: 422, no file.
    let (status, _, _) = bytes(&app, "/admin/audit-log.xlsx?to=yesterday", &boss).await;
    assert_eq!(status, S::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn non_admins_are_refused_both_pages() {
    let (app, db) = world().await;
    let id = user_id(&db, "handler-a").await;
    let pages = [
        "/admin/users".to_string(),
        format!("/admin/users/{id}"),
        "/admin/audit-log".into(),
        "/admin/audit-log.xlsx".into(),
    ];
    for uri in &pages {
        let res = get(&app, uri, "").await;
        assert_eq!(
            (res.status, res.location.as_str()),
            (S::SEE_OTHER, "/admin/login"),
            "anonymous {uri}"
        );
    }
    for name in ["handler-a", "head-a", "editor-a"] {
        let (cookie, csrf) = session(&app, name).await;
        for uri in &pages {
            assert_eq!(
                get(&app, uri, &cookie).await.status,
                S::FORBIDDEN,
                "{name} {uri}"
            );
        }
        let res = post(
            &app,
            "/admin/users",
            &cookie,
            &[
                ("csrf", &csrf),
                ("name", "x"),
                ("password", STRONG),
                ("agency", "city-a"),
                ("role", "admin"),
            ],
        )
        .await;
        assert_eq!(res.status, S::FORBIDDEN, "{name}");
        let res = post(
            &app,
            &format!("/admin/users/{id}/grant"),
            &cookie,
            &[("csrf", &csrf), ("agency", "city-a"), ("role", "admin")],
        )
        .await;
        assert_eq!(res.status, S::FORBIDDEN, "{name}");
        let res = post(
            &app,
            &format!("/admin/users/{id}/disable"),
            &cookie,
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(res.status, S::FORBIDDEN, "{name}");
    }
    assert!(db.user("x").await.unwrap().is_none());
    assert_eq!(
        grants(&db, "handler-a").await,
        vec![("city-a".to_string(), Role::Handler)]
    );
    assert!(!db.user("handler-a").await.unwrap().unwrap().disabled);
    assert!(log(&db, "editor-a", "用户与角色管理", "denied").await >= 4);
}
