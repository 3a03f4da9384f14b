//! `gongkai reindex`: the search index rebuilt from the database, then searchable by a server
//! over the same data directory.

use std::process::Command;

use crate::{demo_db, stderr};

#[tokio::test]
async fn reindex_rebuilds_the_index_a_server_then_searches() {
    let db = demo_db().await;
    let data = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .arg("--db")
        .arg(&db)
        .args(["reindex", "--data-dir"])
        .arg(data.path())
        .env_remove("GONGKAI_DB")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("搜索索引已重建"), "{out}");
    let n: u64 = out
        .split("：")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    // The demo's notices and its published items and reports.
    assert!(n > 5000, "{out}");
    let index = data.path().join("index");
    assert!(index.join("meta.json").exists());

    // A server on that directory opens it as it is (no rebuild) and finds a notice.
    let db = gongkai_db::Db::connect(&db).await.unwrap();
    let search = gongkai_web::search::open(&db, &index).await.unwrap();
    let ix = search.index().unwrap();
    assert_eq!(ix.len(), n);
    let r = ix
        .search(&gongkai_search::SearchQuery {
            q: "招标公告".into(),
            page: 1,
            per_page: 10,
            ..Default::default()
        })
        .unwrap();
    assert!(r.total > 0);
}
