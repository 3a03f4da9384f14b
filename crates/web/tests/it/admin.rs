//! The back office and its API tried anonymously and with each role; login, lockout, CSRF;
//! the public request form and status page without personal data.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use gongkai_db::testing::fresh_db;
use gongkai_domain::auth::Role;
use gongkai_web::urlenc::enc;
use http_body_util::BodyExt;
use tower::ServiceExt;

pub struct Res {
    pub status: StatusCode,
    pub cookies: Vec<String>,
    pub location: String,
    pub body: String,
    /// The body's bytes (files).
    pub raw: Vec<u8>,
    pub headers: axum::http::HeaderMap,
}

pub async fn send(
    app: &axum::Router,
    method: &str,
    uri: &str,
    cookie: &str,
    extra: &[(&str, &str)],
    body: Option<(&str, String)>,
) -> Res {
    let body = body.map(|(ct, text)| (ct, text.into_bytes()));
    send_bytes(app, method, uri, cookie, extra, body).await
}

/// [`send`] with a body of any bytes (files).
pub async fn send_bytes(
    app: &axum::Router,
    method: &str,
    uri: &str,
    cookie: &str,
    extra: &[(&str, &str)],
    body: Option<(&str, Vec<u8>)>,
) -> Res {
    let mut b = Request::builder().method(method).uri(uri);
    if !cookie.is_empty() {
        b = b.header(header::COOKIE, cookie);
    }
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    let req = match body {
        Some((ct, text)) => b
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(text))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let res = app
        .clone()
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let status = res.status();
    let cookies = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(String::from)
        .collect();
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let headers = res.headers().clone();
    let raw = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    let body = String::from_utf8_lossy(&raw).to_string();
    Res {
        status,
        cookies,
        location,
        body,
        raw,
        headers,
    }
}

pub fn cookie_value(res: &Res, name: &str) -> Option<String> {
    res.cookies.iter().find_map(|c| {
        c.strip_prefix(&format!("{name}="))
            .map(|v| v.split(';').next().unwrap_or("").to_string())
    })
}

pub fn hidden_csrf(body: &str) -> String {
    body.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_string()
}

pub fn form(fields: &[(&str, &str)]) -> Option<(&'static str, String)> {
    Some((
        "application/x-www-form-urlencoded",
        fields
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect::<Vec<_>>()
            .join("&"),
    ))
}

pub const PASSWORD: &str = "correct horse 1";

/// Logs in and returns (session cookie header, csrf token).
pub async fn login(app: &axum::Router, name: &str, password: &str) -> Res {
    let page = send(app, "GET", "/admin/login", "", &[], None).await;
    let form_cookie = cookie_value(&page, "gk_form").unwrap();
    let csrf = hidden_csrf(&page.body);
    send(
        app,
        "POST",
        "/admin/login",
        &format!("gk_form={form_cookie}"),
        &[],
        form(&[("name", name), ("password", password), ("csrf", &csrf)]),
    )
    .await
}

pub async fn session(app: &axum::Router, name: &str) -> (String, String) {
    let res = login(app, name, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{name}: {}", res.body);
    let cookie = format!("gk_session={}", cookie_value(&res, "gk_session").unwrap());
    let home = send(app, "GET", "/admin/requests", &cookie, &[], None).await;
    (cookie, hidden_csrf(&home.body))
}

/// Stores `token` as an API token of user `name`.
pub async fn add_token(db: &gongkai_db::Db, name: &str, token: &str) {
    let mut tx = db.begin().await.unwrap();
    let id = tx.user_id(name).await.unwrap();
    tx.add_token(id, &gongkai_web::auth::token_hash(token), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn app_with_users() -> (axum::Router, gongkai_db::Db) {
    let db = fresh_db().await;
    // The cases as they stood at the end of 2025: two carried into 2026, still in hand.
    gongkai_web::annual::load_demo_as_of(&db, false, time::macros::date!(2025 - 12 - 31))
        .await
        .unwrap();
    let hash = gongkai_web::auth::hash_password(PASSWORD).unwrap();
    for r in [
        Role::Admin,
        Role::Handler,
        Role::Head,
        Role::Editor,
        Role::System,
    ] {
        db.add_user(
            r.code(),
            &hash,
            &[("wuzhong-ggzy".to_string(), r)],
            gongkai_db::AuditEntry::new(None, "测试"),
        )
        .await
        .unwrap();
    }
    (gongkai_web::router(db.clone()), db)
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_permission_table_says() {
    let (app, _db) = app_with_users().await;
    let case = "/admin/requests/wuzhong-ggzy/WZGG-YSQ-2025-001";
    // (route, anonymous, admin, handler, head, editor, system)
    use StatusCode as S;
    let table: &[(&str, S, [S; 5])] = &[
        (
            "/admin/",
            S::SEE_OTHER,
            [S::OK, S::OK, S::OK, S::OK, S::FORBIDDEN],
        ),
        (
            "/admin/requests?agency=wuzhong-ggzy",
            S::SEE_OTHER,
            [S::OK, S::OK, S::OK, S::FORBIDDEN, S::FORBIDDEN],
        ),
        (
            case,
            S::SEE_OTHER,
            [S::OK, S::OK, S::OK, S::FORBIDDEN, S::FORBIDDEN],
        ),
        (
            "/admin/requests/wuzhong-ggzy/new",
            S::SEE_OTHER,
            [S::FORBIDDEN, S::OK, S::OK, S::FORBIDDEN, S::FORBIDDEN],
        ),
        (
            "/api/v1/admin/requests?agency=wuzhong-ggzy",
            S::UNAUTHORIZED,
            [S::OK, S::OK, S::OK, S::FORBIDDEN, S::FORBIDDEN],
        ),
        (
            "/api/v1/admin/reports/wuzhong-ggzy/2025/cells/granted/total",
            S::UNAUTHORIZED,
            [S::OK, S::OK, S::OK, S::FORBIDDEN, S::FORBIDDEN],
        ),
        (
            "/api/v1/admin/me",
            S::UNAUTHORIZED,
            [S::OK, S::OK, S::OK, S::OK, S::OK],
        ),
    ];
    let mut sessions = Vec::new();
    for name in ["admin", "handler", "head", "editor", "system"] {
        sessions.push(session(&app, name).await.0);
    }
    for (route, anon, by_role) in table {
        let res = send(&app, "GET", route, "", &[], None).await;
        assert_eq!(res.status, *anon, "anonymous {route}");
        if *anon == S::SEE_OTHER {
            assert_eq!(res.location, "/admin/login");
        }
        for (cookie, want) in sessions.iter().zip(by_role) {
            let res = send(&app, "GET", route, cookie, &[], None).await;
            assert_eq!(
                res.status,
                *want,
                "{cookie} {route}: {}",
                &res.body[..res.body.len().min(300)]
            );
        }
    }
    // Every write route: anonymous callers are sent to login (pages) or get 401 (API); a role
    // without the permission gets 403; nothing changes.
    for (route, anon) in [
        (
            "/admin/requests/wuzhong-ggzy/WZGG-YSQ-2025-091/events",
            S::SEE_OTHER,
        ),
        (
            "/admin/requests/wuzhong-ggzy/WZGG-YSQ-2025-091/fee",
            S::SEE_OTHER,
        ),
        ("/admin/requests/wuzhong-ggzy/new", S::SEE_OTHER),
        ("/admin/calendar", S::SEE_OTHER),
        ("/admin/logout", S::SEE_OTHER),
    ] {
        let body = form(&[
            ("csrf", "x"),
            ("type", "withdrawn"),
            ("date", "2025-12-30"),
            ("action", "paid"),
            ("json", "{}"),
            ("request", "X"),
            ("channel", "online"),
            ("applicant_type", "other_org"),
            ("name", "某"),
            ("contact", "1"),
            ("subject", "s"),
        ]);
        assert_eq!(
            send(&app, "POST", route, "", &[], body.clone())
                .await
                .status,
            anon,
            "anonymous POST {route}"
        );
        if route != "/admin/logout" {
            assert_eq!(
                send(&app, "POST", route, &sessions[3], &[], body)
                    .await
                    .status,
                S::FORBIDDEN,
                "editor POST {route}"
            );
        }
    }
    // Writes: anonymous and unpermitted users change nothing.
    let ev = form(&[("csrf", "x"), ("type", "withdrawn"), ("date", "2025-12-30")]);
    let res = send(
        &app,
        "POST",
        "/admin/requests/wuzhong-ggzy/WZGG-YSQ-2025-091/events",
        "",
        &[],
        ev.clone(),
    )
    .await;
    assert_eq!(res.status, S::SEE_OTHER);
    let res = send(
        &app,
        "POST",
        "/admin/requests/wuzhong-ggzy/WZGG-YSQ-2025-091/events",
        &sessions[3],
        &[],
        ev.clone(),
    )
    .await;
    assert_eq!(res.status, S::FORBIDDEN);
    let res = send(
        &app,
        "POST",
        "/api/v1/admin/requests/wuzhong-ggzy/events",
        "",
        &[],
        Some(("application/json", "{}".into())),
    )
    .await;
    assert_eq!(res.status, S::UNAUTHORIZED);
}

#[tokio::test]
async fn handling_a_case_in_the_back_office() {
    let (app, db) = app_with_users().await;
    let (handler, csrf) = session(&app, "handler").await;
    let url = "/admin/requests/wuzhong-ggzy/WZGG-YSQ-2025-091/events";
    // The reply's outcomes are offered in their groups of table 三.
    let page = send(
        &app,
        "GET",
        "/admin/requests/wuzhong-ggzy/WZGG-YSQ-2025-091",
        &handler,
        &[],
        None,
    )
    .await;
    assert!(
        page.body.contains(
            "<optgroup label=\"（三）不予公开\"><option value=\"deny_state_secret\">1.属于国家秘密</option>"
        ),
        "{}",
        page.body
    );
    // The demo's cases carry fictitious applicants, marked as such, with a reserved address.
    assert!(
        page.body.contains("（演示）") && page.body.contains("@example.com"),
        "{}",
        page.body
    );
    // A form without the session's CSRF token is refused.
    let res = send(
        &app,
        "POST",
        url,
        &handler,
        &[],
        form(&[
            ("csrf", "forged"),
            ("type", "correction_requested"),
            ("date", "2025-12-24"),
        ]),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // Only the 负责人 approves an extension.
    let res = send(
        &app,
        "POST",
        url,
        &handler,
        &[],
        form(&[
            ("csrf", &csrf),
            ("type", "extended"),
            ("date", "2025-12-24"),
            ("workdays", "10"),
        ]),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("负责人"));
    let (head, head_csrf) = session(&app, "head").await;
    let res = send(
        &app,
        "POST",
        url,
        &head,
        &[],
        form(&[
            ("csrf", &head_csrf),
            ("type", "extended"),
            ("date", "2025-12-24"),
            ("workdays", "10"),
        ]),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // Beyond 20 working days in total: refused with the rule named, nothing changed.
    let res = send(
        &app,
        "POST",
        url,
        &head,
        &[],
        form(&[
            ("csrf", &head_csrf),
            ("type", "extended"),
            ("date", "2025-12-26"),
            ("workdays", "11"),
        ]),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("超过 20"));
    // Only the 负责人 signs the reply.
    let reply = [
        ("csrf", csrf.as_str()),
        ("type", "replied"),
        ("date", "2026-01-20"),
        ("outcome", "granted"),
    ];
    let res = send(&app, "POST", url, &handler, &[], form(&reply)).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("负责人签发"));
    let reply = [
        ("csrf", head_csrf.as_str()),
        ("type", "replied"),
        ("date", "2026-01-20"),
        ("outcome", "granted"),
    ];
    let res = send(&app, "POST", url, &head, &[], form(&reply)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // Its reply letter, printable and as DOCX.
    let letter = send(
        &app,
        "GET",
        "/admin/letters/wuzhong-ggzy/WZGG-YSQ-2025-091",
        &handler,
        &[],
        None,
    )
    .await;
    assert_eq!(letter.status, StatusCode::OK);
    assert!(
        letter.body.contains("政府信息公开申请答复告知书")
            && letter.body.contains("（演示）：")
            && letter.body.contains("第三十六条第（二）项")
            && letter.body.contains("2026年1月20日")
    );
    let docx = send(
        &app,
        "GET",
        "/admin/letters/wuzhong-ggzy/WZGG-YSQ-2025-091.docx",
        &handler,
        &[],
        None,
    )
    .await;
    assert!(docx.body.starts_with("PK"));
    let pdf = send(
        &app,
        "GET",
        "/admin/letters/wuzhong-ggzy/WZGG-YSQ-2025-091.pdf",
        &handler,
        &[],
        None,
    )
    .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF-"));
    assert_eq!(
        send(
            &app,
            "GET",
            "/admin/letters/wuzhong-ggzy/WZGG-YSQ-2025-092",
            &handler,
            &[],
            None
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        send(
            &app,
            "GET",
            "/admin/letters/wuzhong-ggzy/WZGG-YSQ-2025-091",
            "",
            &[],
            None
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let k = db
        .request_clocks("wuzhong-ggzy", time::macros::date!(2026 - 02 - 01))
        .await
        .unwrap();
    let k = k.iter().find(|c| c.request == "WZGG-YSQ-2025-091").unwrap();
    assert_eq!(
        (k.extension_workdays, k.outcome.map(|o| o.code())),
        (10, Some("granted"))
    );
    // After the reply nothing more can be recorded.
    let res = send(
        &app,
        "POST",
        url,
        &handler,
        &[],
        form(&[
            ("csrf", &csrf),
            ("type", "withdrawn"),
            ("date", "2026-01-21"),
        ]),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    // API with a token: handlers record, extensions need the head.
    let token = gongkai_web::auth::random_token();
    add_token(&db, "handler", &token).await;
    let bearer = format!("Bearer {token}");
    let auth = [("authorization", bearer.as_str())];
    let body =
        r#"{"type":"extended","request":"WZGG-YSQ-2025-092","date":"2025-12-31","workdays":5}"#;
    let res = send(
        &app,
        "POST",
        "/api/v1/admin/requests/wuzhong-ggzy/events",
        "",
        &auth,
        Some(("application/json", body.into())),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let body = r#"{"type":"consultation_started","request":"WZGG-YSQ-2025-092","date":"2025-12-31","party":"third_party"}"#;
    let res = send(
        &app,
        "POST",
        "/api/v1/admin/requests/wuzhong-ggzy/events",
        "",
        &auth,
        Some(("application/json", body.into())),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    // A session calling the API must show its CSRF token.
    let res = send(
        &app,
        "POST",
        "/api/v1/admin/requests/wuzhong-ggzy/events",
        &handler,
        &[],
        Some(("application/json", body.into())),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // Drill-down page: every cell links to its cases.
    let page = send(
        &app,
        "GET",
        "/admin/reports/wuzhong-ggzy/2025/cells/partial/total",
        &handler,
        &[],
        None,
    )
    .await;
    assert!(
        page.body
            .contains("/admin/reports/wuzhong-ggzy/2025/cells/granted/total")
    );
    assert!(
        page.body
            .contains("/admin/requests/wuzhong-ggzy/WZGG-YSQ-2025-090"),
        "the 国庆 case is partial"
    );
    // Drill-down: the cases behind a cell.
    let res = send(
        &app,
        "GET",
        "/api/v1/admin/reports/wuzhong-ggzy/2025/cells/other_other/total",
        "",
        &auth,
        None,
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(v["count"], 1);
    let res = send(
        &app,
        "GET",
        "/api/v1/admin/reports/wuzhong-ggzy/2025/cells/nope/total",
        "",
        &auth,
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    // Logout ends the session.
    let res = send(
        &app,
        "POST",
        "/admin/logout",
        &handler,
        &[],
        form(&[("csrf", &csrf)]),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        send(&app, "GET", "/admin/", &handler, &[], None)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn repeated_failed_logins_lock_the_account() {
    let (app, _db) = app_with_users().await;
    for i in 1..=5 {
        let res = login(&app, "handler", "wrong password").await;
        let want = if i < 5 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(res.status, want, "attempt {i}");
    }
    let res = login(&app, "handler", PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.body.contains("锁定"));
    // Unknown users get the same answer as wrong passwords.
    assert_eq!(
        login(&app, "nobody", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    // A login form without its cookie is refused.
    let res = send(
        &app,
        "POST",
        "/admin/login",
        "",
        &[],
        form(&[("name", "admin"), ("password", PASSWORD), ("csrf", "x")]),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_public_form_and_status_page_show_no_personal_data() {
    let (app, _db) = app_with_users().await;
    let page = send(&app, "GET", "/requests/new", "", &[], None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("<script"));
    let fc = format!("gk_form={}", cookie_value(&page, "gk_form").unwrap());
    let csrf = hidden_csrf(&page.body);
    let fields = [
        ("csrf", csrf.as_str()),
        ("agency", "wuzhong-ggzy"),
        ("applicant_type", "natural_person"),
        ("name", "张小明"),
        ("id_number", "11010519491231002X"),
        ("contact", "13912345678"),
        ("subject", "某道路工程的中标通知书"),
        ("delivery", "email"),
    ];
    let res = send(&app, "POST", "/requests", &fc, &[], form(&fields)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let code = res
        .body
        .split("name=\"code\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    assert_eq!(code.len(), 12);
    let status = send(
        &app,
        "GET",
        &format!("/requests/status?code={code}"),
        "",
        &[],
        None,
    )
    .await;
    assert_eq!(status.status, StatusCode::OK);
    assert!(status.body.contains("办理中") && status.body.contains("吴忠市公共资源交易服务中心"));
    for pii in ["张小明", "11010519491231002X", "13912345678"] {
        assert!(
            !res.body.contains(pii) && !status.body.contains(pii),
            "{pii} shown publicly"
        );
    }
    assert_eq!(
        send(&app, "GET", "/requests/status?code=NOPE", "", &[], None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Missing identity is refused, naming the field.
    let mut bad = fields;
    bad[4] = ("id_number", " ");
    let res = send(&app, "POST", "/requests", &fc, &[], form(&bad)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("身份证件号码"));
    // Staff see the applicant in the back office.
    let (head, _) = session(&app, "head").await;
    let list = send(
        &app,
        "GET",
        "/api/v1/admin/requests?agency=wuzhong-ggzy&queue=open",
        &head,
        &[],
        None,
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    let no = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["request"].as_str().is_some_and(|s| s.starts_with("WS-")))
        .unwrap()["request"]
        .as_str()
        .unwrap()
        .to_string();
    let detail = send(
        &app,
        "GET",
        &format!("/admin/requests/wuzhong-ggzy/{no}"),
        &head,
        &[],
        None,
    )
    .await;
    assert!(detail.body.contains("张小明"));
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let (app, db) = app_with_users().await;
    let token = gongkai_web::auth::random_token();
    add_token(&db, "admin", &token).await;
    let bearer = format!("Bearer {token}");
    let res = send(&app, "GET", "/api/openapi.json", "", &[], None).await;
    assert_eq!(res.status, StatusCode::OK);
    let spec: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(spec, gongkai_web::openapi::spec());
    let mut operations = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            operations += 1;
            // Every operation says who may call it and how each refusal looks.
            if path.starts_with("/api/v1/admin/") {
                assert!(op["security"].is_array(), "{method} {path}: no security");
                assert!(
                    op["responses"].as_object().unwrap().len() >= 2,
                    "{method} {path}: refusals undocumented"
                );
            }
            let concrete = path
                .replace("{agency}", "wuzhong-ggzy")
                .replace("{year}", "2025")
                .replace("{row}", "granted")
                .replace("{col}", "total")
                .replace("{id}", "999999")
                .replace("{token}", "999999");
            let res = send(
                &app,
                &method.to_uppercase(),
                &concrete,
                "",
                &[("authorization", &bearer)],
                Some(("application/json", "{}".into())),
            )
            .await;
            assert!(
                res.status != StatusCode::NOT_FOUND || res.body.contains("\"error\""),
                "{method} {path} not routed"
            );
            assert_ne!(
                res.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} not routed for {method}"
            );
        }
    }
    assert!(operations >= 17, "{operations} operations");
    // The JSON that the case list serves has exactly the fields its schema documents, with
    // the values of `requests list` (contracts.md §2.3).
    let listed = send(
        &app,
        "GET",
        "/api/v1/admin/requests?agency=wuzhong-ggzy&as_of=2025-12-31",
        "",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    let served: serde_json::Value = serde_json::from_str(&listed.body).unwrap();
    let clocks = db
        .request_clocks("wuzhong-ggzy", time::macros::date!(2025 - 12 - 31))
        .await
        .unwrap();
    assert!(!clocks.is_empty());
    assert_eq!(served, serde_json::to_value(&clocks).unwrap());
    let documented: std::collections::BTreeSet<&String> =
        spec["components"]["schemas"]["Clock"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
    let keys: std::collections::BTreeSet<&String> = served[0].as_object().unwrap().keys().collect();
    assert_eq!(documented, keys);
}

#[tokio::test]
async fn fees_notice_payment_and_lapse() {
    let (app, db) = app_with_users().await;
    let (handler, csrf) = session(&app, "handler").await;
    let (head, head_csrf) = session(&app, "head").await;
    let url = "/admin/requests/wuzhong-ggzy/WZGG-YSQ-2025-092/fee";
    let res = send(
        &app,
        "POST",
        url,
        &handler,
        &[],
        form(&[
            ("csrf", &csrf),
            ("action", "notice"),
            ("method", "per_page"),
            ("pages", "250"),
            ("date", "2025-12-30"),
        ]),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let n = db
        .fee_notice("wuzhong-ggzy", "WZGG-YSQ-2025-092")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((n.amount_fen, n.paid_on), (470_000, None));
    let page = send(
        &app,
        "GET",
        "/admin/requests/wuzhong-ggzy/WZGG-YSQ-2025-092",
        &handler,
        &[],
        None,
    )
    .await;
    assert!(page.body.contains("4700 元"), "{}", page.body);
    // A second notice is refused; lapse only after the 20 working days, by the 负责人.
    let res = send(
        &app,
        "POST",
        url,
        &handler,
        &[],
        form(&[
            ("csrf", &csrf),
            ("action", "notice"),
            ("method", "per_case"),
            ("date", "2025-12-31"),
        ]),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = send(
        &app,
        "POST",
        url,
        &head,
        &[],
        form(&[
            ("csrf", &head_csrf),
            ("action", "lapsed"),
            ("date", "2026-01-05"),
        ]),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("缴费期限至"));
    let late = gongkai_domain::period::iso(n.pay_by + time::Duration::days(1));
    let res = send(
        &app,
        "POST",
        url,
        &head,
        &[],
        form(&[("csrf", &head_csrf), ("action", "lapsed"), ("date", &late)]),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let r = db
        .report("wuzhong-ggzy", gongkai_db::PeriodSpec::Year(2026))
        .await
        .unwrap();
    assert_eq!(
        r.requests.get(
            gongkai_domain::report::T3Row::Outcome(gongkai_domain::codes::Outcome::OtherFeeUnpaid),
            4
        ),
        1
    );
    assert!(r.valid);
    // A paid fee is reported as collected.
    let url = "/admin/requests/wuzhong-ggzy/WZGG-YSQ-2025-091/fee";
    send(
        &app,
        "POST",
        url,
        &handler,
        &[],
        form(&[
            ("csrf", &csrf),
            ("action", "notice"),
            ("method", "per_case"),
            ("date", "2025-12-24"),
        ]),
    )
    .await;
    let n = db
        .fee_notice("wuzhong-ggzy", "WZGG-YSQ-2025-091")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (n.quantity, n.amount_fen),
        (1, 0),
        "the first application of the month is free"
    );
    let res = send(
        &app,
        "POST",
        url,
        &handler,
        &[],
        form(&[("csrf", &csrf), ("action", "paid"), ("date", "2025-12-26")]),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(
        db.fee_notice("wuzhong-ggzy", "WZGG-YSQ-2025-091")
            .await
            .unwrap()
            .unwrap()
            .paid_on
            .is_some()
    );
}

#[tokio::test]
async fn admins_import_a_new_holiday_year() {
    let (app, db) = app_with_users().await;
    let (admin, _) = session(&app, "admin").await;
    let page = send(&app, "GET", "/admin/calendar", &admin, &[], None).await;
    assert!(page.body.contains("2026") && page.body.contains("builtin"));
    let csrf = hidden_csrf(&page.body);
    let bad = r#"{"year": 2027, "days": [{"date": "2027-13-01", "isOffDay": true}]}"#;
    let res = send(
        &app,
        "POST",
        "/admin/calendar",
        &admin,
        &[],
        form(&[("csrf", &csrf), ("json", bad)]),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("days[0].date"));
    let good = r#"{"year": 2027, "papers": [], "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#;
    let res = send(
        &app,
        "POST",
        "/admin/calendar",
        &admin,
        &[],
        form(&[("csrf", &csrf), ("json", good)]),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        db.calendar()
            .await
            .unwrap()
            .is_confirmed(time::macros::date!(2027 - 03 - 01))
    );
}

#[tokio::test]
async fn appeals_and_agency_set_dates_in_the_back_office() {
    let (app, db) = app_with_users().await;
    let (handler, csrf) = session(&app, "handler").await;
    let (head, head_csrf) = session(&app, "head").await;
    let events = "/admin/requests/wuzhong-ggzy/WZGG-YSQ-2025-002/events";
    let res = send(
        &app,
        "POST",
        events,
        &handler,
        &[],
        form(&[
            ("csrf", &csrf),
            ("type", "appeal_filed"),
            ("appeal", "FY-9"),
            ("kind", "reconsideration"),
            ("date", "2025-07-01"),
        ]),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = send(
        &app,
        "POST",
        events,
        &handler,
        &[],
        form(&[
            ("csrf", &csrf),
            ("type", "appeal_decided"),
            ("appeal", "FY-9"),
            ("result", "other"),
            ("date", "2025-08-01"),
        ]),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = send(
        &app,
        "GET",
        "/admin/requests/wuzhong-ggzy/WZGG-YSQ-2025-002",
        &handler,
        &[],
        None,
    )
    .await;
    assert!(
        page.body
            .contains("FY-9：行政复议，2025-07-01 提起，2025-08-01 其他结果"),
        "{}",
        page.body
    );
    let r = db
        .report("wuzhong-ggzy", gongkai_db::PeriodSpec::Year(2025))
        .await
        .unwrap();
    assert_eq!(r.appeals.cells[0][2], 1);
    // Art. 35: only the 负责人 sets a later reply date.
    let open = "/admin/requests/wuzhong-ggzy/WZGG-YSQ-2025-092/events";
    let set = |c: &str| {
        vec![
            ("csrf", c.to_string()),
            ("type", "deadline_set".into()),
            ("date", "2025-12-31".into()),
            ("due", "2026-03-31".into()),
        ]
    };
    let f = set(&csrf);
    let res = send(
        &app,
        "POST",
        open,
        &handler,
        &[],
        form(&f.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let f = set(&head_csrf);
    let res = send(
        &app,
        "POST",
        open,
        &head,
        &[],
        form(&f.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let k = db
        .request_clocks("wuzhong-ggzy", time::macros::date!(2026 - 03 - 01))
        .await
        .unwrap();
    let k = k.iter().find(|c| c.request == "WZGG-YSQ-2025-092").unwrap();
    assert_eq!(
        (k.due, k.overdue),
        (time::macros::date!(2026 - 03 - 31), false)
    );
}

#[tokio::test]
async fn reports_are_audited_by_upload_and_api() {
    let (app, db) = app_with_users().await;
    let (editor, _) = session(&app, "editor").await;
    let page = send(&app, "GET", "/admin/audit", &editor, &[], None).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page
        .body
        .split("csrf=")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let report = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/reference/real-reports/07-hongze-quzhengfu-2023.txt"),
    )
    .unwrap();
    let boundary = "gkBoundary7";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"07.txt\"\r\nContent-Type: text/plain\r\n\r\n").into_bytes();
    body.extend_from_slice(&report);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    let res = send(
        &app,
        "POST",
        &format!("/admin/audit?csrf={csrf}"),
        &editor,
        &[],
        Some((ct.as_str(), String::from_utf8(body.clone()).unwrap())),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body.contains("T4_TOTAL")
            && res.body.contains("读出的表三")
            && res.body.contains("洪泽区人民政府"),
        "{}",
        res.body
    );
    // Without the session's token the upload is refused.
    let res = send(
        &app,
        "POST",
        "/admin/audit?csrf=forged",
        &editor,
        &[],
        Some((ct.as_str(), String::from_utf8(body).unwrap())),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // The API takes the file as the body.
    let token = gongkai_web::auth::random_token();
    add_token(&db, "system", &token).await;
    let bearer = format!("Bearer {token}");
    let res = send(
        &app,
        "POST",
        "/api/v1/admin/audit?name=07.txt",
        "",
        &[("authorization", bearer.as_str())],
        Some(("text/plain", String::from_utf8(report).unwrap())),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let v: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(v["year"], 2023);
    assert_eq!(v["appeals"]["reconsideration"]["upheld"], 10);
    let res = send(
        &app,
        "POST",
        "/api/v1/admin/audit?name=x.txt",
        "",
        &[("authorization", bearer.as_str())],
        Some(("text/plain", String::new())),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        send(
            &app,
            "POST",
            "/api/v1/admin/audit",
            "",
            &[],
            Some(("text/plain", "x".into()))
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
}

/// The API router and the document are generated together (`openapi::api`), so what remains
/// to check is that no API route bypasses it: no `/api/` path is registered with a plain
/// `.route(`, and every `#[utoipa::path]` in the source is in the served document (and, by
/// `the_openapi_document_describes_every_api_route`, answers): both directions.
#[test]
fn api_routes_and_the_openapi_document_match_in_both_directions() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut annotated = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for part in text.split(".route(").skip(1) {
            let route = part.trim_start().trim_start_matches('"');
            assert!(
                !route.starts_with("/api/"),
                "{}: an API route registered outside utoipa_axum::routes!: {}",
                path.display(),
                &route[..route.len().min(60)]
            );
        }
        for part in text.split("#[utoipa::path(").skip(1) {
            let method = part.split(',').next().unwrap().trim().to_string();
            let p = part
                .split("path = \"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap();
            annotated.insert((method, p.to_string()));
        }
    }
    let spec = gongkai_web::openapi::spec();
    let mut documented = std::collections::BTreeSet::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    assert_eq!(
        annotated, documented,
        "handlers (left) and the document (right) differ"
    );
}

/// The users API does what the users page does: create, grant, token (shown once, usable at
/// once), revoke, disable — each answered with the user as it now is, and audited.
#[tokio::test]
async fn users_api_creates_grants_issues_and_revokes() {
    let (app, db) = app_with_users().await;
    let token = gongkai_web::auth::random_token();
    add_token(&db, "admin", &token).await;
    let bearer = format!("Bearer {token}");
    let auth = [("authorization", bearer.as_str())];
    let json = |s: &str| Some(("application/json", s.to_string()));
    let created = send(
        &app,
        "POST",
        "/api/v1/admin/users",
        "",
        &auth,
        json(r#"{"name":"api-user","password":"violet tram 8 quarry","agency":"wuzhong-ggzy","roles":["editor"]}"#),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let user: serde_json::Value = serde_json::from_str(&created.body).unwrap();
    let id = user["id"].as_i64().unwrap();
    let base = format!("/api/v1/admin/users/{id}");
    let weak = send(
        &app,
        "POST",
        &format!("{base}/password"),
        "",
        &auth,
        json(r#"{"password":"123"}"#),
    )
    .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.body.contains("密码"), "{}", weak.body);
    let granted = send(
        &app,
        "POST",
        &format!("{base}/grant"),
        "",
        &auth,
        json(r#"{"agency":"wuzhong-ggzy","role":"handler"}"#),
    )
    .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    let now: serde_json::Value = serde_json::from_str(&granted.body).unwrap();
    assert_eq!(now["grants"].as_array().unwrap().len(), 2);
    let bad_role = send(
        &app,
        "POST",
        &format!("{base}/grant"),
        "",
        &auth,
        json(r#"{"agency":"wuzhong-ggzy","role":"king"}"#),
    )
    .await;
    assert_eq!(bad_role.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_role.body.contains("角色"), "{}", bad_role.body);
    let issued = send(&app, "POST", &format!("{base}/tokens"), "", &auth, None).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
    let issued: serde_json::Value = serde_json::from_str(&issued.body).unwrap();
    let theirs = format!("Bearer {}", issued["token"].as_str().unwrap());
    let me = send(
        &app,
        "GET",
        "/api/v1/admin/me",
        "",
        &[("authorization", &theirs)],
        None,
    )
    .await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(me.body.contains("api-user"));
    let revoked = send(
        &app,
        "POST",
        &format!("{base}/tokens/{}/revoke", issued["id"]),
        "",
        &auth,
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    let me = send(
        &app,
        "GET",
        "/api/v1/admin/me",
        "",
        &[("authorization", &theirs)],
        None,
    )
    .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let disabled = send(&app, "POST", &format!("{base}/disable"), "", &auth, None).await;
    let now: serde_json::Value = serde_json::from_str(&disabled.body).unwrap();
    assert_eq!(now["disabled"], true);
    // Nobody disables themselves, not even through the API.
    let admin_id = db.user("admin").await.unwrap().unwrap().id;
    let own = send(
        &app,
        "POST",
        &format!("/api/v1/admin/users/{admin_id}/disable"),
        "",
        &auth,
        None,
    )
    .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    let log = db.audit_log(&Default::default()).await.unwrap();
    for action in ["授予角色", "创建 API 令牌", "撤销 API 令牌", "停用用户"] {
        assert!(
            log.iter()
                .any(|r| r.action == action && r.object == "api-user"),
            "{action} not audited"
        );
    }
}

/// `docs/openapi.json` is the served document, for integrators who read it without a server.
/// After an API change: `GONGKAI_UPDATE_OPENAPI=1 cargo test -p gongkai-web openapi_snapshot`.
#[test]
fn openapi_snapshot_is_the_served_document() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let spec = serde_json::to_string_pretty(&gongkai_web::openapi::spec()).unwrap() + "\n";
    if std::env::var_os("GONGKAI_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &spec).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == spec,
        "docs/openapi.json is out of date: GONGKAI_UPDATE_OPENAPI=1 cargo test -p gongkai-web openapi_snapshot"
    );
}

/// A trading system pushes notices with a token scoped to its agency; the public feed shows
/// every version once, in order; another agency's token and a bad notice change nothing.
#[tokio::test]
async fn pushed_notices_appear_in_the_public_feed() {
    let (app, db) = app_with_users().await;
    let token = gongkai_web::auth::random_token();
    add_token(&db, "system", &token).await;
    let bearer = format!("Bearer {token}");
    let auth = [("authorization", bearer.as_str())];
    let notice = |id: &str, title: &str| {
        serde_json::json!({
            "notice": id, "project": "P-9", "project_name": "某工程", "category": "procurement",
            "type": "tender_plan", "title": title, "published": "2025-03-03T10:00:00+08:00",
        })
    };
    // The whole feed, page by page (the demo's own notices come first).
    let all = async |app: &axum::Router| {
        let mut items = Vec::new();
        let mut uri = "/api/v1/feed/notices".to_string();
        loop {
            let page = send(app, "GET", &uri, "", &[], None).await;
            assert_eq!(page.status, StatusCode::OK);
            let page: serde_json::Value = serde_json::from_str(&page.body).unwrap();
            let got = page["items"].as_array().unwrap();
            assert!(got.len() <= 100);
            items.extend(got.iter().cloned());
            match page["next"].as_str() {
                Some(c) => uri = format!("/api/v1/feed/notices?cursor={c}"),
                None => return items,
            }
        }
    };
    let seen = all(&app).await.len();
    assert!(seen > 8000, "the demo's notices are in the feed: {seen}");
    let body = serde_json::json!([notice("N-1", "一号"), notice("N-2", "二号")]).to_string();
    let pushed = send(
        &app,
        "POST",
        "/api/v1/admin/notices?agency=wuzhong-ggzy",
        "",
        &auth,
        Some(("application/json", body)),
    )
    .await;
    assert_eq!(pushed.status, StatusCode::OK, "{}", pushed.body);
    let done: serde_json::Value = serde_json::from_str(&pushed.body).unwrap();
    assert_eq!(done["new"], 2);
    let corrected = send(
        &app,
        "POST",
        "/api/v1/admin/notices?agency=wuzhong-ggzy",
        "",
        &auth,
        Some((
            "application/json",
            notice("N-2", "二号（更正）").to_string(),
        )),
    )
    .await;
    assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.body);
    let mut bad = notice("N-3", "三号");
    bad["category"] = serde_json::json!("lottery");
    let refused = send(
        &app,
        "POST",
        "/api/v1/admin/notices?agency=wuzhong-ggzy",
        "",
        &auth,
        Some(("application/json", bad.to_string())),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("category"), "{}", refused.body);
    let elsewhere = send(
        &app,
        "POST",
        "/api/v1/admin/notices?agency=somewhere-else",
        "",
        &auth,
        Some(("application/json", notice("N-4", "四号").to_string())),
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    let feed = all(&app).await;
    let items = &feed[seen..];
    let titles: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["一号", "二号", "二号（更正）"]);
    assert_eq!(items[2]["version"], 2);
    let bad_cursor = send(&app, "GET", "/api/v1/feed/notices?cursor=x", "", &[], None).await;
    assert_eq!(bad_cursor.status, StatusCode::BAD_REQUEST);
}
