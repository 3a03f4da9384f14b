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

/// A PostgreSQL cluster of the test's own (started by `scripts/pg-start`, or a standby by
/// `scripts/pg-standby`), stopped and removed when dropped.
struct Cluster {
    url: String,
    dir: String,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::process::Command::new(script("pg-stop"))
            .env("GONGKAI_PG_DIR", &self.dir)
            .status();
    }
}

fn script(name: &str) -> String {
    format!("{}/../../scripts/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs a script that prints `export NAME=value` lines; the values of `url` and `dir`.
fn cluster(cmd: &mut std::process::Command, url: &str, dir: &str) -> Cluster {
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let get = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("export {name}=")))
            .map(str::to_string)
            .unwrap_or_else(|| {
                panic!(
                    "{cmd:?} gave no {name}: {text} {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })
    };
    Cluster {
        url: get(url),
        dir: get(dir),
    }
}

/// Waits up to 30 s for `check` to hold.
async fn within_seconds<F: std::future::Future<Output = bool>>(what: &str, check: impl Fn() -> F) {
    let start = std::time::Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "{what}: not within 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// A province on PostgreSQL streaming replication (issue 12 part 6): two writing nodes on the
/// primary, a read-only node on a hot standby. What one writing node drafts the other publishes;
/// the read-only node shows it, page and search, within seconds, writing nothing. The standby is
/// then promoted: the read-only node goes on serving, and a writing node on the promoted server
/// publishes again, which the read-only node shows too.
#[tokio::test]
async fn a_province_on_a_primary_and_a_hot_standby() {
    let primary = cluster(
        &mut std::process::Command::new(script("pg-start")),
        "GONGKAI_TEST_PG",
        "GONGKAI_PG_DIR",
    );
    let url = gongkai_db::testing::fresh_postgres(&primary.url).await;
    let name = url.rsplit('/').next().unwrap().to_string();
    let (node1, _db1) = crate::items::world_on(gongkai_db::Db::connect(&url).await.unwrap()).await;
    let db2 = gongkai_db::Db::connect(&url).await.unwrap();
    let writer_config = || gongkai_web::WebConfig {
        login_attempts_per_minute: 1000,
        ..Default::default()
    };
    let node2 = gongkai_web::router_with(db2.clone(), writer_config());

    let standby = cluster(
        std::process::Command::new(script("pg-standby")).arg(&primary.url),
        "GONGKAI_STANDBY_URL",
        "GONGKAI_STANDBY_DIR",
    );
    let standby_url = format!(
        "{}/{name}",
        standby
            .url
            .rsplit_once('/')
            .map_or("", |(server, _)| server)
    );
    let ro = gongkai_db::Db::open_read_only(&standby_url).await.unwrap();
    ro.check_schema_current().await.unwrap();
    let index = tempfile::tempdir().unwrap();
    let search = gongkai_web::search::open(&ro, index.path()).await.unwrap();
    let node3 = gongkai_web::router_with_search(
        ro.clone(),
        gongkai_web::WebConfig {
            read_only: true,
            data_dir: index.path().to_path_buf(),
            ..Default::default()
        },
        search,
    );

    // Drafted on one writing node, reviewed and published on the other.
    let id = drafted(&node1, "省级部署甲乙的通知").await;
    approve(&node2, id).await;
    publish(&node2, id).await;
    let shown = |id: i64, q: &'static str| {
        let node3 = node3.clone();
        async move {
            let (page, _, _) = crate::get(&node3, &format!("/agencies/a/items/{id}")).await;
            let (_, _, found) = crate::get(
                &node3,
                &format!("/api/v1/search?q={}", gongkai_web::urlenc::enc(q)),
            )
            .await;
            page == StatusCode::OK
                && String::from_utf8_lossy(&found).contains(&format!("/agencies/a/items/{id}"))
        }
    };
    within_seconds("the standby's node shows the publication", || {
        shown(id, "省级部署甲乙")
    })
    .await;
    // The node over the standby refuses to write, like any read-only node.
    let res = send(&node3, "GET", "/admin/", "", &[], None).await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE);

    // Failover: the standby is promoted; a writing node on it publishes; the node goes on.
    let st = std::process::Command::new(script("pg-promote"))
        .arg(&standby.dir)
        .status()
        .unwrap();
    assert!(st.success());
    within_seconds("the promoted server takes writes", || {
        let standby_url = standby_url.clone();
        async move { gongkai_db::Db::connect(&standby_url).await.is_ok() }
    })
    .await;
    let promoted = gongkai_db::Db::connect(&standby_url).await.unwrap();
    let node4 = gongkai_web::router_with(promoted, writer_config());
    let id2 = drafted(&node4, "故障切换丙丁的通知").await;
    approve(&node4, id2).await;
    publish(&node4, id2).await;
    within_seconds("the node shows what the promoted server published", || {
        shown(id2, "故障切换丙丁")
    })
    .await;
    assert_eq!(
        send(&node3, "GET", "/", "", &[], None).await.status,
        StatusCode::OK
    );
}
