//! Site search over HTTP: only what is public is found (a draft is not; a published item is,
//! through the change-log follower, within seconds; a withdrawn one is gone again); Chinese
//! words inside longer words; 文号 in every bracket form, 项目编号 and 统一社会信用代码
//! exactly and first; a script tag in a title comes back as text; the JSON shape of
//! contracts.md §6; Chinese messages for an empty or too long query.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use gongkai_domain::trading::{SampleNotice, sample_uscc};
use serde_json::{Value, json};

use crate::get;
use crate::items::{approve, call, draft};
use gongkai_web::urlenc;

/// Imports, for agency `a`, the bid-opening notice of a project whose name holds
/// 中国农业发展银行 (项目编号 WZ-GC-2025-001, two bidders).
pub(crate) async fn import_bank_notice(db: &gongkai_db::Db) {
    let mut n = SampleNotice::new("O-1", "bid_opening", "engineering", "2025-03-31")
        .project("WZ-GC-2025-001", "中国农业发展银行吴忠分行办公楼维修工程")
        .bidders(vec![
            ("甲建设有限公司".into(), sample_uscc(1)),
            ("乙工程有限公司".into(), sample_uscc(2)),
        ])
        .json();
    n["title"] = json!("中国农业发展银行吴忠分行办公楼维修工程开标记录");
    db.import_notices("a", &n.to_string()).await.unwrap();
}

/// A router over `db` with a search index in `dir` (searches not rate-limited: the tests ask
/// again and again until the follower has applied a change).
pub(crate) async fn with_search(db: &gongkai_db::Db, dir: &std::path::Path) -> axum::Router {
    let search = gongkai_web::search::open(db, dir).await.unwrap();
    router_over(db, dir, search, 0)
}

/// A router over `db` with the opened `search` in `dir`, allowing `searches_per_minute`.
fn router_over(
    db: &gongkai_db::Db,
    dir: &std::path::Path,
    search: gongkai_web::search::Search,
    searches_per_minute: u32,
) -> axum::Router {
    gongkai_web::router_with_search(
        db.clone(),
        gongkai_web::WebConfig {
            login_attempts_per_minute: 1000,
            searches_per_minute,
            data_dir: dir.to_path_buf(),
            ..Default::default()
        },
        search,
    )
}

/// The items world (agency `a` with its office, agency `b`) with the bank notice
/// ([`import_bank_notice`]) and a draft item, and a router with a search index in `dir`.
async fn world(dir: &std::path::Path) -> (axum::Router, gongkai_db::Db, i64) {
    let (app, db) = crate::items::world().await;
    import_bank_notice(&db).await;
    let mut d = draft("<script>alert(1)</script>关于交易服务收费标准的通知");
    d["doc_no"] = json!("a公管发[2024]3号");
    let (st, v) = call(&app, "editor", "POST", "/api/v1/admin/items?agency=a", d).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    (with_search(&db, dir).await, db, id)
}

async fn api(app: &axum::Router, q: &str) -> (StatusCode, Value) {
    let (st, _, body) = get(app, &format!("/api/v1/search?q={}", urlenc::enc(q))).await;
    (st, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Asks until `want` holds of the answer to `q` (the follower applies changes every 250 ms);
/// fails after 20 s.
async fn eventually(app: &axum::Router, q: &str, want: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let (st, v) = api(app, q).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        if want(&v) {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "search for {q} still answers {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn search_finds_what_is_public_and_follows_publication_and_withdrawal() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db, id) = world(dir.path()).await;

    // 农业 finds 中国农业发展银行; the answer has the shape of contracts.md §6.
    let (st, v) = api(&app, "农业").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 1, "{v}");
    let hit = &v["hits"][0];
    for k in ["title", "url", "snippet", "published", "kind"] {
        assert!(hit[k].is_string(), "{k} in {hit}");
    }
    assert_eq!(hit["kind"], "notice");
    assert_eq!(
        hit["title"],
        "中国农业发展银行吴忠分行办公楼维修工程开标记录"
    );
    assert_eq!(hit["url"], "/agencies/a/notices/O-1");
    assert!(
        hit["published"]
            .as_str()
            .unwrap()
            .starts_with("2025-03-31T10:00:00+08:00")
    );
    assert!(
        hit["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>农业</mark>"),
        "{hit}"
    );

    // 项目编号 and 统一社会信用代码: exactly.
    let (_, v) = api(&app, "WZ-GC-2025-001").await;
    assert_eq!(
        (v["total"].as_i64(), v["hits"][0]["kind"].as_str()),
        (Some(1), Some("notice"))
    );
    let (_, v) = api(&app, &sample_uscc(2)).await;
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["hits"][0]["exact"], true);

    // A draft is not found, by word or by its 文号.
    assert_eq!(api(&app, "收费标准").await.1["total"], 0);
    assert_eq!(api(&app, "a公管发〔2024〕3号").await.1["total"], 0);

    // Published, it is found within seconds (the follower), under every bracket form of its
    // 文号, first.
    approve(&app, id).await;
    crate::items::publish(&app, id).await;
    let v = eventually(&app, "收费标准", |v| v["total"] == 1).await;
    assert_eq!(v["hits"][0]["url"], format!("/agencies/a/items/{id}"));
    assert_eq!(v["hits"][0]["kind"], "item");
    for form in [
        "a公管发〔2024〕3号",
        "a公管发[2024]3号",
        "a公管发(2024)3号",
        "a公管发（2024）3号",
        "a公管发【2024】3号",
    ] {
        let (_, v) = api(&app, form).await;
        assert_eq!(
            v["hits"][0]["url"],
            format!("/agencies/a/items/{id}"),
            "{form}: {v}"
        );
        assert_eq!(v["hits"][0]["exact"], true, "{form}");
    }

    // The title's script tag is text on the results page and in the JSON snippet fields.
    let (st, ct, body) = get(&app, &format!("/search?q={}", urlenc::enc("收费标准"))).await;
    let page = String::from_utf8_lossy(&body);
    assert_eq!(st, StatusCode::OK);
    assert!(ct.starts_with("text/html"));
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(
        page.contains("<mark>收费</mark>") || page.contains("<mark>收费标准</mark>"),
        "{page}"
    );
    assert!(page.contains("共找到 1 条结果"), "{page}");
    assert!(page.contains(&format!("href=\"/agencies/a/items/{id}\"")));

    // Withdrawn, it is gone.
    let (st, v) = call(
        &app,
        "head",
        "POST",
        &format!("/api/v1/admin/items/{id}/withdraw"),
        json!({"reason": "内容有误"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    eventually(&app, "收费标准", |v| v["total"] == 0).await;
}

#[tokio::test]
async fn empty_long_and_bad_queries_get_a_chinese_message() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db, _) = world(dir.path()).await;
    let (st, _, body) = get(&app, "/search").await;
    let page = String::from_utf8_lossy(&body);
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("请输入要搜索的词语"), "{page}");
    // The header of every portal page has the search box.
    assert!(page.contains("action=\"/search\""));

    let long = "农".repeat(101);
    let (st, _, body) = get(&app, &format!("/search?q={}", urlenc::enc(&long))).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("搜索词（q）过长"));

    let (st, v) = api(&app, "").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(
        v["error"].as_str().unwrap().contains("搜索词（q）不能为空"),
        "{v}"
    );
    let (st, v) = api(&app, &long).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(v["error"].as_str().unwrap().contains("过长"), "{v}");
    for (query, field) in [
        ("q=农业&page=0", "page"),
        ("q=农业&page=101", "page"),
        ("q=农业&kind=draft", "kind"),
        ("q=农业&from=2025-13-01", "from"),
    ] {
        let (st, _, body) = get(
            &app,
            &format!(
                "/api/v1/search?{}",
                query.replace("农业", &urlenc::enc("农业"))
            ),
        )
        .await;
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        assert_eq!(st, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            v["error"].as_str().unwrap_or_default().contains(field),
            "{query}: {v}"
        );
    }
    // Filters: the notice is not an item, and not of agency b.
    let (_, _, body) = get(
        &app,
        &format!("/api/v1/search?q={}&kind=item", urlenc::enc("农业")),
    )
    .await;
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["total"], 0);
    let (_, _, body) = get(
        &app,
        &format!("/api/v1/search?q={}&agency=b", urlenc::enc("农业")),
    )
    .await;
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["total"], 0);
    let (_, _, body) = get(&app, &format!("/api/v1/search?q={}&agency=a&kind=notice&category=engineering&from=2025-03-31&to=2025-03-31", urlenc::enc("农业"))).await;
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["total"], 1);
}

#[tokio::test]
async fn a_router_without_an_index_says_search_is_off() {
    let (app, _db) = crate::items::world().await;
    let (st, v) = api(&app, "农业").await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE);
    assert!(v["error"].as_str().unwrap().contains("搜索"), "{v}");
}

/// Any bytes in any parameter: never a server error, always the security headers.
#[test]
fn no_query_value_gives_a_server_error() {
    use proptest::prelude::*;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (app, _db, _) = rt.block_on(world(dir.path()));
    let value = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..160)
            .prop_map(|b| b.iter().map(|x| format!("%{x:02X}")).collect::<String>()),
        "[0-9-]{0,12}",
        Just(urlenc::enc("〔2024〕农业 OR AND \"* title:x")),
        Just(urlenc::enc(&"农业".repeat(50))),
    ];
    let names = prop_oneof![
        Just("q"),
        Just("page"),
        Just("kind"),
        Just("agency"),
        Just("category"),
        Just("from"),
        Just("to")
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = runner.run(&(value.clone(), names, value), |(q, name, v)| {
        for path in ["/search", "/api/v1/search"] {
            let uri = format!("{path}?q={q}&{name}={v}");
            let res = rt.block_on(tower::ServiceExt::oneshot(
                app.clone(),
                axum::http::Request::builder()
                    .uri(&uri)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            ));
            let res = res.unwrap_or_else(|e| match e {});
            prop_assert!(res.status().as_u16() < 500, "{uri}: {}", res.status());
            prop_assert!(
                res.headers().contains_key("content-security-policy"),
                "{uri}"
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A database reset and refilled under a kept index (`gongkai demo --reset` with the same data
/// directory): the change log's numbers go on, so the index is not "ahead" — but it follows
/// another log, and is rebuilt on the next start: nothing of the old data is found.
#[tokio::test]
async fn an_index_of_a_reset_database_is_rebuilt_on_start() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = crate::items::world().await;
    let id = crate::items::drafted(&app, "独有标题甲乙丙的通知").await;
    crate::items::approve(&app, id).await;
    crate::items::publish(&app, id).await;
    {
        let app = with_search(&db, dir.path()).await;
        eventually(&app, "独有标题甲乙丙", |v| v["total"] == 1).await;
    }
    gongkai_web::annual::load_demo(&db, true).await.unwrap();
    // The old index is closed once its last user is gone (its follower may hold it a moment).
    let start = Instant::now();
    let search = loop {
        match gongkai_web::search::open(&db, dir.path()).await {
            Ok(s) => break s,
            Err(e) => {
                assert!(start.elapsed() < Duration::from_secs(10), "{e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let app = router_over(&db, dir.path(), search, 0);
    let (st, v) = api(&app, "独有标题甲乙丙").await;
    assert_eq!((st, &v["total"]), (StatusCode::OK, &json!(0)), "{v}");
    let (_, v) = api(&app, "公共资源交易").await;
    assert!(v["total"].as_u64().unwrap_or(0) > 0, "{v}");
}

/// Searches from one address are limited (a burst, refilled evenly over the minute): past it,
/// 429 with Retry-After and a Chinese message, on the page and the API alike.
#[tokio::test]
async fn searches_from_one_address_are_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let (_, db) = crate::items::world().await;
    let search = gongkai_web::search::open(&db, dir.path()).await.unwrap();
    let app = router_over(&db, dir.path(), search, 3);
    for _ in 0..2 {
        let (st, v) = api(&app, "收费").await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    let (st, _, _) = get(&app, &format!("/search?q={}", urlenc::enc("收费"))).await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = api(&app, "收费").await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert!(
        v["error"].as_str().unwrap_or("").contains("搜索过于频繁"),
        "{v}"
    );
    let (st, _, body) = get(&app, &format!("/search?q={}", urlenc::enc("收费"))).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    assert!(String::from_utf8_lossy(&body).contains("每分钟最多 3 次"));
}

/// A change of an agency's site (here its name, as a 机构更名 would) re-indexes the agency's
/// documents from the change log: found under the new name, no longer under the old one, and
/// the other agencies' documents are untouched.
#[tokio::test]
async fn an_agency_renamed_is_found_under_its_new_name() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db, _) = world(dir.path()).await;
    let (_, v) = api(&app, "农业发展银行").await;
    assert_eq!(v["total"], 1, "{v}");
    let old = v["hits"][0]["agency_name"].as_str().unwrap().to_string();
    gongkai_db::testing::rename_agency(&db, "a", "甲乙丙市公共资源交易服务中心")
        .await
        .unwrap();
    let v = eventually(&app, "甲乙丙市", |v| v["total"] == 1).await;
    assert_eq!(
        v["hits"][0]["agency_name"], "甲乙丙市公共资源交易服务中心",
        "{v}"
    );
    assert_eq!(v["hits"][0]["url"], "/agencies/a/notices/O-1");
    let (_, v) = api(&app, "农业发展银行").await;
    assert_eq!(
        (&v["total"], &v["hits"][0]["agency_name"]),
        (&json!(1), &json!("甲乙丙市公共资源交易服务中心")),
        "{v} (was {old})"
    );
}
