//! The read-only node (issue 12 part 6, contracts.md §1 `serve --read-only`): over a database
//! connection that cannot write, it serves every public page the primary serves, search and
//! feeds included, and refuses — with a Chinese 503, nothing changed — whatever would write:
//! the back office and its API, the login, the request form and any POST.

use axum::http::StatusCode;
use gongkai_domain::ledger::NewAgency;
use serde_json::json;

use crate::admin::send;
use crate::items::{approve, crawl, drafted, publish};

#[tokio::test]
async fn a_read_only_node_serves_the_public_site_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = crate::items::world().await;
    let id = drafted(&app, "只读节点测试的通知").await;
    approve(&app, id).await;
    publish(&app, id).await;
    crate::search::import_bank_notice(&db).await;

    let ro = db.reopen_read_only().await.unwrap();
    // The connection itself cannot write.
    let refused = ro
        .add_agency(&NewAgency {
            code: "x".into(),
            name: "某中心".into(),
            parent: None,
            established: None,
        })
        .await;
    assert!(refused.is_err(), "a read-only connection wrote");
    let search = gongkai_web::search::open(&ro, dir.path()).await.unwrap();
    let node = gongkai_web::router_with_search(
        ro.clone(),
        gongkai_web::WebConfig {
            read_only: true,
            data_dir: dir.path().to_path_buf(),
            ..Default::default()
        },
        search,
    );

    // Every public page of the primary, the same on the node (the login and the request form
    // excepted: they would write).
    let extra = [
        "/search?q=只读节点".to_string(),
        "/api/v1/search?q=农业".to_string(),
        "/agencies/a/items.atom".to_string(),
    ];
    let pages = crawl(&app, &extra).await;
    assert!(pages.len() > 10, "{}", pages.len());
    let mut served = 0;
    for (path, st, _) in &pages {
        let res = send(&node, "GET", path, "", &[], None).await;
        if path.starts_with("/login") || path.starts_with("/requests/new") {
            assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
            assert!(res.body.contains("只读节点"), "{path}: {}", res.body);
        } else if path.starts_with("/search") || path.starts_with("/api/v1/search") {
            // The primary's router here has no index (503); the node's has.
            assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
        } else {
            assert_eq!(res.status, *st, "{path}: {}", res.body);
            served += 1;
        }
    }
    assert!(served > 10);
    let res = send(&node, "GET", "/api/v1/search?q=只读节点", "", &[], None).await;
    assert!(
        res.body.contains("\"title\":\"只读节点测试的通知\""),
        "{}",
        res.body
    );
    let res = send(&node, "GET", "/api/v1/search?q=农业", "", &[], None).await;
    assert!(res.body.contains("\"total\":1"), "{}", res.body);

    // What would write: refused, Chinese, nothing changed — even with valid credentials.
    let before = db.items("a", None).await.unwrap().len();
    let token = [("authorization", "Bearer t-editor")];
    for (method, path, body) in [
        ("GET", "/admin/", None),
        ("GET", "/login", None),
        (
            "POST",
            "/login",
            Some((
                "application/x-www-form-urlencoded",
                "user=editor&password=x".to_string(),
            )),
        ),
        (
            "POST",
            "/requests",
            Some(("application/x-www-form-urlencoded", "agency=a".to_string())),
        ),
        (
            "POST",
            "/api/v1/admin/items?agency=a",
            Some(("application/json", json!({"title": "不应写入"}).to_string())),
        ),
    ] {
        let res = send(&node, method, path, "", &token, body).await;
        assert_eq!(
            res.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{method} {path}"
        );
        assert!(
            res.body.contains("只读节点"),
            "{method} {path}: {}",
            res.body
        );
        assert!(
            res.headers.contains_key("content-security-policy"),
            "{path}"
        );
    }
    assert_eq!(db.items("a", None).await.unwrap().len(), before);
}
