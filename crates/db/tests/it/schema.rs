use gongkai_db::Db;
use gongkai_db::testing::{fresh_postgres, fresh_sqlite_url, postgres_server};

#[tokio::test]
async fn sqlite_and_postgres_schemas_have_the_same_tables_and_columns() {
    let Some(server) = postgres_server() else {
        eprintln!(
            "GONGKAI_TEST_DB not set to PostgreSQL: schema parity is checked in the PostgreSQL run"
        );
        return;
    };
    let lite = Db::connect(&fresh_sqlite_url())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pg = Db::connect(&fresh_postgres(&server).await)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let a = lite.schema().await.unwrap_or_else(|e| panic!("{e}"));
    let b = pg.schema().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(a.len() >= 16, "{a:?}");
    assert_eq!(a, b);
}

#[tokio::test]
async fn migrations_are_idempotent_and_bad_urls_are_named() {
    let url = gongkai_db::testing::fresh_url().await;
    let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("{e}"));
    db.migrate().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(db.ping().await);
    let e = Db::connect("mysql://x").await.unwrap_err().to_string();
    assert!(e.contains("mysql://x"), "{e}");
    let e = Db::connect("sqlite:/nonexistent-dir/sub/x.db")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("无法打开数据库"), "{e}");
}
