//! The public endpoints under bad input (issue 7, part 5): security headers on every kind of
//! response, `no-store` where there is personal data or a session, body and field limits that
//! write nothing, rate limits, a tracking code independent of the case number, no 5xx on any
//! path or query value, and no applicant field in any public response.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use gongkai_db::Db;
use gongkai_db::testing::fresh_db;
use gongkai_domain::ledger::NewAgency;
use gongkai_web::urlenc::enc;
use http_body_util::BodyExt;
use proptest::prelude::*;
use tower::ServiceExt;

const AGENCY: &str = "gk-public";
/// The peer address of the refused submissions (its own rate-limit bucket).
const BAD_PEER: &str = "192.0.2.10:40000";

struct Res {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Res {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn cookie(&self, name: &str) -> String {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix(&format!("{name}=")))
            .map(|v| v.split(';').next().unwrap_or("").to_string())
            .unwrap_or_default()
    }
}

/// Sends a request; `peer` plays the TCP peer address that `serve` records (`ConnectInfo`).
async fn send(
    app: &axum::Router,
    method: &str,
    uri: &str,
    extra: &[(&str, &str)],
    body: Option<String>,
    peer: Option<&str>,
) -> Res {
    let mut b = Request::builder().method(method).uri(uri);
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    let mut req = match body {
        Some(text) => b
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(text))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    if let Some(p) = peer {
        let addr: SocketAddr = p.parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
    }
    let res = app
        .clone()
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Res {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).to_string(),
    }
}

async fn get(app: &axum::Router, uri: &str) -> Res {
    send(app, "GET", uri, &[], None, None).await
}

fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn today() -> time::Date {
    gongkai_domain::period::beijing_date(time::OffsetDateTime::now_utc())
}

async fn app() -> (axum::Router, Db) {
    let db = fresh_db().await;
    db.add_agency(&NewAgency {
        code: AGENCY.into(),
        name: "公开测试中心".into(),
        parent: None,
        established: Some(time::macros::date!(2020 - 01 - 01)),
    })
    .await
    .unwrap();
    (gongkai_web::router(db.clone()), db)
}

/// The cases of the test agency received up to tomorrow.
async fn cases(db: &Db) -> Vec<String> {
    let tomorrow = today().next_day().unwrap();
    db.request_clocks(AGENCY, tomorrow)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.request)
        .collect()
}

/// The form cookie header and the CSRF token of a fresh request form.
async fn form_session(app: &axum::Router) -> (String, String) {
    let page = get(app, &format!("/requests/new?agency={AGENCY}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    (format!("gk_form={}", page.cookie("gk_form")), csrf)
}

fn fields<'a>(csrf: &'a str, name: &'a str, contact: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("agency", AGENCY),
        ("applicant_type", "natural_person"),
        ("name", name),
        ("id_number", "64030219800101771X"),
        ("contact", contact),
        ("subject", "某工程项目的中标候选人公示"),
        ("delivery", "email"),
    ]
}

/// Submits the form and returns the response and the tracking code shown (empty if none).
async fn submit(app: &axum::Router, fields: &[(&str, &str)]) -> (Res, String) {
    submit_from(app, fields, None).await
}

/// Submits the form from a TCP peer address (each has its own rate limit).
async fn submit_from(
    app: &axum::Router,
    fields: &[(&str, &str)],
    peer: Option<&str>,
) -> (Res, String) {
    let (cookie, csrf) = form_session(app).await;
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (*k, if *k == "csrf" { csrf.as_str() } else { *v }))
        .collect();
    let res = send(
        app,
        "POST",
        "/requests",
        &[("cookie", &cookie)],
        Some(form(&fields)),
        peer,
    )
    .await;
    let code = res
        .body
        .split("name=\"code\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_string();
    (res, code)
}

fn assert_security_headers(uri: &str, r: &Res) {
    let csp = r.header("content-security-policy");
    assert!(
        csp.contains("default-src") && csp.contains("frame-ancestors 'none'"),
        "{uri}: CSP {csp:?}"
    );
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{uri}: {csp}"
    );
    assert_eq!(r.header("x-content-type-options"), "nosniff", "{uri}");
    assert!(
        ["same-origin", "no-referrer"].contains(&r.header("referrer-policy")),
        "{uri}"
    );
    assert_eq!(r.header("x-frame-options"), "DENY", "{uri}");
}

/// Publishes the test agency's report of `year` through the workflow (drafted and published
/// at `at`, which may be after the year so that this year's cases can be in it).
async fn publish_report(db: &Db, year: i32, at: time::OffsetDateTime) {
    db.publish_report_by_staff(AGENCY, year, &gongkai_web::annual::render_snapshot, at, at)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let (app, db) = app().await;
    let year = today().year() - 1;
    publish_report(&db, year, time::OffsetDateTime::now_utc()).await;
    let public = [
        "/".to_string(),
        format!("/agencies/{AGENCY}"),
        format!("/agencies/{AGENCY}/reports/{year}"),
        format!("/agencies/{AGENCY}/reports/{year}.json"),
        format!("/agencies/{AGENCY}/reports/{year}.md"),
        format!("/agencies/{AGENCY}/reports/{year}.html"),
        "/agencies/nope".to_string(),
        format!("/agencies/{AGENCY}/reports/-9999"),
        "/no/such/page".to_string(),
        "/static/site.css".to_string(),
        "/healthz".to_string(),
        "/api/openapi.json".to_string(),
    ];
    let private = [
        "/requests/new".to_string(),
        "/requests/status".to_string(),
        "/requests/status?code=NOPE".to_string(),
        "/admin/login".to_string(),
        "/admin/".to_string(),
        "/admin/requests".to_string(),
        "/api/v1/admin/me".to_string(),
        "/api/v1/admin/requests".to_string(),
    ];
    for uri in &public {
        let r = get(&app, uri).await;
        assert!(r.status.as_u16() < 500, "{uri}: {}", r.status);
        assert_security_headers(uri, &r);
        assert_ne!(r.header("cache-control"), "no-store", "{uri}");
        if r.header("content-type").starts_with("text/html") && !uri.ends_with(".html") {
            for inline in [
                "<script",
                "<style",
                "style=\"",
                "onclick=",
                "onload=",
                "javascript:",
            ] {
                assert!(!r.body.contains(inline), "{uri}: inline {inline}");
            }
        }
    }
    for uri in &private {
        let r = get(&app, uri).await;
        assert!(r.status.as_u16() < 500, "{uri}: {}", r.status);
        assert_security_headers(uri, &r);
        assert_eq!(r.header("cache-control"), "no-store", "{uri}");
    }
    // The page CSP allows no inline style; the standalone HTML report allows exactly its own
    // <style> by hash, and no script.
    let page = get(&app, &format!("/agencies/{AGENCY}/reports/{year}")).await;
    assert!(
        page.header("content-security-policy")
            .contains("style-src 'self';")
    );
    let html = get(&app, &format!("/agencies/{AGENCY}/reports/{year}.html")).await;
    assert_eq!(html.status, StatusCode::OK);
    let csp = html.header("content-security-policy");
    assert!(
        csp.contains("style-src 'sha256-") && !csp.contains("script-src"),
        "{csp}"
    );
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    // API errors (JSON) and a method that is not allowed.
    let me = get(&app, "/api/v1/admin/me").await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert!(me.header("content-type").starts_with("application/json"));
    let put = send(&app, "PUT", "/requests/status", &[], None, None).await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_security_headers("PUT /requests/status", &put);
    assert!(put.body.contains("不支持该请求方法"), "{}", put.body);
}

#[tokio::test]
async fn oversized_bodies_and_fields_are_refused_and_nothing_is_written() {
    let (app, db) = app().await;
    let before = cases(&db).await.len();
    let (cookie, csrf) = form_session(&app).await;
    let big = "测".repeat(350_000); // ~1 MB of UTF-8, 9 MB form-encoded
    let mut f = fields(&csrf, "张三", "13912345678");
    f[3] = ("name", big.as_str());
    let res = send(
        &app,
        "POST",
        "/requests",
        &[("cookie", &cookie)],
        Some(form(&f)),
        Some(BAD_PEER),
    )
    .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.body.contains("过大"), "{}", res.body);
    assert_security_headers("413", &res);

    // Under the body limit but over a field's limit: 422 naming the field.
    let long_subject = "某".repeat(2001);
    let long_id = "1".repeat(33);
    let mut f = fields(&csrf, "张三", "13912345678");
    f[6] = ("subject", long_subject.as_str());
    let (res, code) = submit_from(&app, &f, Some(BAD_PEER)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("申请公开的政府信息") && res.body.contains("过长"));
    assert!(code.is_empty());
    let mut f = fields(&csrf, "张三", "13912345678");
    f[4] = ("id_number", long_id.as_str());
    let (res, _) = submit_from(&app, &f, Some(BAD_PEER)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("身份证件号码或统一社会信用代码"));
    // A control character (PostgreSQL refuses NUL in text) is refused naming the field.
    let mut f = fields(&csrf, "张\u{0}三", "13912345678");
    f[6] = ("subject", "第一行\n第二行");
    let (res, _) = submit_from(&app, &f, Some(BAD_PEER)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("姓名或名称") && res.body.contains("控制字符"));
    // A form with a field missing: a Chinese message, not the framework's text.
    let res = send(
        &app,
        "POST",
        "/requests",
        &[("cookie", &cookie)],
        Some(format!("csrf={csrf}&agency={AGENCY}")),
        Some(BAD_PEER),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !res.body.contains("Failed to deserialize") && res.body.contains("表单"),
        "{}",
        res.body
    );
    assert_eq!(cases(&db).await.len(), before, "nothing written");

    // Back-office forms are small too; only the audit uploads take large files.
    let login = send(
        &app,
        "POST",
        "/admin/login",
        &[],
        Some(format!("name=a&password={}", "x".repeat(100_000))),
        None,
    )
    .await;
    assert_eq!(login.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(login.body.contains("过大"));
    let upload = send(
        &app,
        "POST",
        "/api/v1/admin/audit?name=a.txt",
        &[],
        Some("x".repeat(200_000)),
        None,
    )
    .await;
    assert_eq!(
        upload.status,
        StatusCode::UNAUTHORIZED,
        "a 200 KB audit upload passes the body limit"
    );
    let api_big = send(
        &app,
        "POST",
        "/api/v1/admin/requests/x/events",
        &[("content-type", "application/json")],
        Some("x".repeat(100_000)),
        None,
    )
    .await;
    assert_eq!(api_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        api_big
            .header("content-type")
            .starts_with("application/json")
    );
    assert!(api_big.body.contains("过大"));

    // The server answers normally afterwards.
    let (res, code) = submit(&app, &fields(&csrf, "张三", "13912345678")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(code.len(), 12);
    assert_eq!(cases(&db).await.len(), before + 1);
}

#[tokio::test]
async fn the_form_and_the_status_lookup_are_rate_limited_per_address() {
    let (app, db) = app().await;
    // Lookups: 30 from one address, then 429 with Retry-After; a client's own
    // x-gongkai-peer is ignored, another TCP peer has its own bucket.
    for i in 0..30 {
        let r = send(
            &app,
            "GET",
            "/requests/status?code=NOPE",
            &[],
            None,
            Some("203.0.113.7:1000"),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "lookup {i}");
    }
    let r = send(
        &app,
        "GET",
        "/requests/status?code=NOPE",
        &[("x-gongkai-peer", "198.51.100.1")],
        None,
        Some("203.0.113.7:2000"),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("过于频繁"), "{}", r.body);
    let wait: u64 = r.header("retry-after").parse().unwrap_or(0);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert_security_headers("429", &r);
    assert_eq!(r.header("cache-control"), "no-store");
    let other = send(
        &app,
        "GET",
        "/requests/status?code=NOPE",
        &[],
        None,
        Some("203.0.113.8:1000"),
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // Submissions: 5 from an unknown address (one shared bucket), then 429 and nothing written.
    let before = cases(&db).await.len();
    for i in 0..5 {
        let (res, code) = submit(&app, &fields("", "李四", "13900000000")).await;
        assert_eq!(res.status, StatusCode::OK, "submission {i}: {}", res.body);
        assert_eq!(code.len(), 12);
    }
    let (res, code) = submit(&app, &fields("", "李四", "13900000000")).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(code.is_empty() && res.body.contains("过于频繁"));
    let wait: u64 = res.header("retry-after").parse().unwrap_or(0);
    assert!((1..=600).contains(&wait), "Retry-After {wait}");
    assert_eq!(cases(&db).await.len(), before + 5);
    // A spoofed x-gongkai-peer does not open a new bucket.
    let res = send(
        &app,
        "POST",
        "/requests",
        &[("x-gongkai-peer", "192.0.2.99")],
        Some("csrf=x".into()),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    // The rest of the site still answers.
    assert_eq!(get(&app, "/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_tracking_code_is_independent_of_the_case_number() {
    let (app, db) = app().await;
    let mut codes = Vec::new();
    for _ in 0..3 {
        let (res, code) = submit(&app, &fields("", "王五", "wang@example.org")).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        codes.push(code);
    }
    let numbers = cases(&db).await;
    assert_eq!(numbers.len(), 3);
    let stamp = format!(
        "WS-{}-",
        gongkai_domain::period::iso(today()).replace('-', "")
    );
    for n in &numbers {
        assert!(n.starts_with(&stamp), "{n}");
        for code in &codes {
            for w in code.as_bytes().windows(4) {
                let w = std::str::from_utf8(w).unwrap();
                assert!(
                    !n.contains(w),
                    "case number {n} contains {w} of code {code}"
                );
            }
        }
    }
    // Each code still finds its case.
    for code in &codes {
        let r = get(&app, &format!("/requests/status?code={code}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("公开测试中心"));
        // Codes are looked up case-insensitively, and a long value is just "not found".
        let lower = get(
            &app,
            &format!("/requests/status?code={}", code.to_lowercase()),
        )
        .await;
        assert_eq!(lower.status, StatusCode::OK);
    }
    let long = get(&app, &format!("/requests/status?code={}", "A".repeat(5000))).await;
    assert_eq!(long.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn absurd_years_and_path_values_are_404_never_500() {
    let (app, _db) = app().await;
    let a = AGENCY;
    for uri in [
        format!("/agencies/{a}/reports/-9999"),
        format!("/agencies/{a}/reports/-9999.json"),
        format!("/agencies/{a}/reports/99999999999.json"),
        format!("/agencies/{a}/reports/9223372036854775808"),
        format!("/agencies/{a}/reports/1948"),
        format!("/agencies/{a}/reports/2201.docx"),
        format!("/agencies/{a}/reports/0"),
        format!("/agencies/{a}/reports/%FF%FE"),
        format!("/agencies/{a}/reports/2024.%FF"),
        format!("/agencies/{a}/reports/{}", "9".repeat(5000)),
        "/agencies/%FF".to_string(),
        "/agencies/%00".to_string(),
        "/agencies/a%00b/reports/2024.json".to_string(),
        "/agencies/%C0%AF/reports/2024".to_string(),
        format!("/agencies/{}", "x".repeat(5000)),
    ] {
        let r = get(&app, &uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}: {}", r.body);
        assert!(r.body.contains("出错了"), "{uri}: Chinese error page");
    }
    let r = get(&app, &format!("/agencies/{a}/reports/-9999")).await;
    assert!(
        r.body.contains("1949") && r.body.contains("2200"),
        "{}",
        r.body
    );
    // Query values that are not UTF-8, repeated, or absurd.
    for uri in [
        "/?page=-1".to_string(),
        "/?page=99999999999999999999999".to_string(),
        format!("/agencies/{a}?page=%FF&page=-9999"),
        "/requests/status?code=%FF%FE%00".to_string(),
        "/requests/status?code=AB%00CD".to_string(),
        "/requests/new?agency=%00".to_string(),
        "/requests/status?code=1&code=2".to_string(),
        format!("/requests/new?agency={}", "%FF".repeat(100)),
        "/requests/new?agency=nope".to_string(),
    ] {
        let r = get(&app, &uri).await;
        assert!(r.status.as_u16() < 500, "{uri}: {}", r.status);
        assert!(!r.body.contains("Failed to"), "{uri}: {}", r.body);
    }
    // A year inside the range but before the agency existed is a clear 400, not a panic.
    let r = get(&app, &format!("/agencies/{a}/reports/1949.json")).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let r = get(&app, &format!("/agencies/{a}/reports/2200.json")).await;
    assert!(r.status.as_u16() < 500, "{}", r.status);
}

#[tokio::test]
async fn no_applicant_field_appears_in_any_public_response() {
    let (app, db) = app().await;
    let name = "欧阳测试甲";
    let phone = "13987654321";
    let email = "ouyang.ceshi@example.org";
    let id_number = "64030219800101771X";
    let (res1, code1) = submit(&app, &fields("", name, phone)).await;
    let (res2, code2) = submit(&app, &fields("", name, email)).await;
    assert_eq!((res1.status, res2.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(cases(&db).await.len(), 2);
    let year = today().year();
    // This year's report, published (as it will be in January) with both cases counted.
    publish_report(
        &db,
        year,
        time::OffsetDateTime::now_utc() + time::Duration::days(366),
    )
    .await;
    let mut uris = vec![
        "/".to_string(),
        format!("/agencies/{AGENCY}"),
        format!("/requests/status?code={code1}"),
        format!("/requests/status?code={code2}"),
        format!("/requests/new?agency={AGENCY}"),
        "/api/openapi.json".to_string(),
    ];
    for ext in ["", ".json", ".md", ".html"] {
        uris.push(format!("/agencies/{AGENCY}/reports/{year}{ext}"));
    }
    let mut bodies = vec![
        ("submit 1".to_string(), res1),
        ("submit 2".to_string(), res2),
    ];
    for uri in uris {
        let r = get(&app, &uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        bodies.push((uri, r));
    }
    for (uri, r) in &bodies {
        for pii in [name, phone, email, id_number, "ouyang"] {
            assert!(!r.body.contains(pii), "{uri} shows {pii}");
            for (k, v) in &r.headers {
                let v = v.to_str().unwrap_or("");
                assert!(!v.contains(pii), "{uri}: header {k} shows {pii}");
            }
        }
    }
    // The report counts the requests (the JSON is the report, not the cases).
    let json = get(&app, &format!("/agencies/{AGENCY}/reports/{year}.json")).await;
    let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert!(v.is_object());
}

/// A percent-encoded path segment or query value made of arbitrary bytes.
fn encoded(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (*b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn no_path_or_query_value_gives_a_server_error() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (app, _db) = rt.block_on(app());
    let segment = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..24).prop_map(|b| encoded(&b)),
        "-?[0-9]{1,22}",
        "[0-9]{4}\\.(json|md|html|docx|xlsx|pdf|)",
        Just(AGENCY.to_string()),
        Just("..".to_string()),
    ];
    let shape = 0usize..8;
    let strategy = (shape, segment.clone(), segment.clone(), segment);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = runner.run(&strategy, |(shape, a, b, q)| {
        let uri = match shape {
            0 => format!("/agencies/{a}"),
            1 => format!("/agencies/{a}/reports/{b}"),
            2 => format!("/agencies/{AGENCY}/reports/{b}"),
            3 => format!("/requests/status?code={a}&{b}={q}"),
            4 => format!("/requests/new?agency={a}&page={q}"),
            5 => format!("/?page={a}&{b}={q}"),
            6 => format!("/{a}/{b}?{q}"),
            _ => format!("/agencies/{AGENCY}?year={a}&page={q}"),
        };
        if uri.parse::<axum::http::Uri>().is_err() {
            return Ok(());
        }
        let r = rt.block_on(get(&app, &uri));
        prop_assert!(r.status.as_u16() < 500, "{} {}: {}", uri, r.status, r.body);
        prop_assert!(r.headers.contains_key("content-security-policy"), "{}", uri);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// With more than one agency, the home page is a directory that finds an agency by part of its
/// name or code; a query it cannot read shows everything with a message, never an error.
#[tokio::test]
async fn the_agency_directory_finds_an_agency_by_name_or_code() {
    let (app, _db) = crate::items::world().await;
    let page = |uri: String| {
        let app = app.clone();
        async move {
            let (st, _, body) = crate::get(&app, &uri).await;
            assert_eq!(st, StatusCode::OK, "{uri}");
            String::from_utf8_lossy(&body).into_owned()
        }
    };
    let all = page("/".into()).await;
    assert!(
        all.contains("共 2 个机构")
            && all.contains("/agencies/a\"")
            && all.contains("/agencies/b\""),
        "{all}"
    );
    let b = page(format!("/?q={}", enc("b 公共"))).await;
    assert!(
        b.contains("找到 1 个机构") && b.contains("/agencies/b\"") && !b.contains("/agencies/a\""),
        "{b}"
    );
    let none = page(format!("/?q={}", enc("<script>不存在"))).await;
    assert!(
        none.contains("没有名称或代码含“") && none.contains("不存在”的机构"),
        "{none}"
    );
    assert!(!none.contains("<script>"), "{none}");
    let bad = page("/?q=%FF%FE".into()).await;
    assert!(bad.contains("<h1>机构列表</h1>"), "{bad}");
    let long = page(format!("/?q={}", enc(&"长".repeat(80)))).await;
    assert!(long.contains("机构名称（q）过长"), "{long}");
}
