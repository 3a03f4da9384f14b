use gongkai_db::Db;
use gongkai_db::schema::Schema;
use gongkai_db::testing::{fresh_postgres, fresh_sqlite_url};

/// The PostgreSQL server every test pass has (`GONGKAI_TEST_PG`, set by `scripts/test` and
/// `scripts/pg-start` whichever backend `GONGKAI_TEST_DB` selects). A missing server fails the
/// test: parity is an invariant, not an optional extra.
fn required_postgres() -> String {
    let found = match std::env::var("GONGKAI_TEST_PG") {
        Ok(url) if url.starts_with("postgres") => return url,
        Ok(other) => format!("is {other:?}, not a postgres:// URL"),
        Err(_) => "is not set".to_string(),
    };
    panic!(
        "GONGKAI_TEST_PG {found}: the schema-parity test needs a PostgreSQL server. Run the \
         suite with `scripts/test` (it starts a throwaway PostgreSQL and sets GONGKAI_TEST_PG \
         for every pass), or first `eval \"$(scripts/pg-start)\"` (and `scripts/pg-stop` \
         afterwards)."
    )
}

async fn sqlite() -> Db {
    Db::connect(&fresh_sqlite_url())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn schema(db: &Db) -> Schema {
    db.schema().await.unwrap_or_else(|e| panic!("{e}"))
}

async fn exec(db: &Db, sql: &str) {
    let Db::Sqlite(p) = db else {
        panic!("a SQLite database was expected")
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(p)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Both migration sets give the same tables, columns (type family, NOT NULL, default), primary
/// keys, UNIQUE constraints, indexes and foreign keys.
#[tokio::test]
async fn sqlite_and_postgres_schemas_match() {
    let server = required_postgres();
    let lite = sqlite().await;
    let pg = Db::connect(&fresh_postgres(&server).await)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let a = schema(&lite).await;
    let b = schema(&pg).await;
    for (name, s) in [("sqlite", &a), ("postgres", &b)] {
        let unmapped = s.unmapped();
        assert!(
            unmapped.is_empty(),
            "column types in neither normalization table of crates/db/src/schema.rs \
             ({name}): {unmapped:#?}"
        );
    }
    // The reader sees what the migrations say (so that equality is not of two empty readings).
    assert!(a.tables.len() >= 16, "{:?}", a.tables.keys());
    let agency = &a.tables["agency"];
    assert_eq!(agency.primary_key, ["id"]);
    assert!(agency.columns["id"].not_null, "a rowid alias is NOT NULL");
    assert!(agency.unique.contains(&vec!["code".to_string()]));
    assert!(
        agency
            .foreign_keys
            .iter()
            .any(|f| f.columns == ["parent_id"] && f.references == "agency")
    );
    assert_eq!(a.tables["notice"].indexes.len(), 3);
    assert!(!a.tables["request"].unique.is_empty());

    let diff = a.diff("sqlite", &b, "postgres");
    assert!(
        diff.is_empty(),
        "the SQLite and PostgreSQL migrations differ ({} differences); add a migration pair \
         that brings them together:\n  {}",
        diff.len(),
        diff.join("\n  ")
    );
    assert_eq!(a, b);
}

/// Every kind of drift the parity test can meet is found and named: a table or column on one
/// side only, a type family, NOT NULL, a default, the primary key, UNIQUE, an index, a foreign
/// key.
#[tokio::test]
async fn schema_diff_names_each_kind_of_drift() {
    let x = sqlite().await;
    let y = sqlite().await;
    exec(
        &x,
        "CREATE TABLE drift (id INTEGER PRIMARY KEY, at TEXT, n INTEGER NOT NULL DEFAULT 0, \
         code TEXT NOT NULL, agency_id INTEGER REFERENCES agency(id), UNIQUE (code)); \
         CREATE INDEX drift_at ON drift(at); \
         CREATE TABLE only_x (id INTEGER PRIMARY KEY); \
         ALTER TABLE agency ADD COLUMN extra TEXT",
    )
    .await;
    exec(
        &y,
        "CREATE TABLE drift (id TEXT NOT NULL, at TIMESTAMPTZ NOT NULL, n INTEGER NOT NULL DEFAULT 1, \
         code TEXT NOT NULL, agency_id INTEGER REFERENCES agency(id) ON DELETE CASCADE, \
         PRIMARY KEY (id, code)); \
         CREATE UNIQUE INDEX drift_at ON drift(at, n); \
         CREATE INDEX drift_code ON drift(code) WHERE code <> ''",
    )
    .await;
    let (a, b) = (schema(&x).await, schema(&y).await);
    let diff = a.diff("x", &b, "y");
    let expected = [
        "agency.extra: only on x (text (declared TEXT))",
        "drift.at: type text (declared TEXT) on x, timestamptz (declared TIMESTAMPTZ) on y",
        "drift.at: nullable on x, NOT NULL on y",
        "drift.id: type integer (declared INTEGER) on x, text (declared TEXT) on y",
        "drift.n: DEFAULT 0 on x, DEFAULT 1 on y",
        "drift: PRIMARY KEY (id) on x, PRIMARY KEY (id, code) on y",
        "drift: UNIQUE (code) only on x",
        "drift: index drift_at is (at) on x, UNIQUE (at, n) on y",
        "drift: index drift_code (code) WHERE … only on y",
        "drift: FOREIGN KEY (agency_id) REFERENCES agency(id) ON DELETE NO ACTION ON UPDATE NO ACTION only on x",
        "drift: FOREIGN KEY (agency_id) REFERENCES agency(id) ON DELETE CASCADE ON UPDATE NO ACTION only on y",
        "table only_x: only on x",
    ];
    for line in expected {
        assert!(
            diff.iter().any(|d| d == line),
            "missing {line:?} in\n{}",
            diff.join("\n")
        );
    }
    assert!(
        !diff.iter().any(|d| d.starts_with("drift.code")),
        "{diff:#?}"
    );
    assert_eq!(diff.len(), expected.len(), "{}", diff.join("\n"));
    assert!(
        x.schema()
            .await
            .is_ok_and(|s| s.diff("x", &a, "x").is_empty())
    );
}

/// Every SQLite object (`type`, `name`, table, DDL) and every table's row count.
async fn sqlite_snapshot(db: &Db) -> (Vec<(String, String, String, String)>, Vec<(String, i64)>) {
    let Db::Sqlite(p) = db else {
        panic!("a SQLite database was expected")
    };
    let objects: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_schema ORDER BY type, name",
    )
    .fetch_all(p)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let mut counts = Vec::new();
    for (kind, name, _, _) in &objects {
        if kind == "table" && !name.starts_with("sqlite_") && !name.starts_with("_sqlx") {
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT count(*) FROM \"{name}\""
            )))
            .fetch_one(p)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            counts.push((name.clone(), n));
        }
    }
    (objects, counts)
}

/// Upgrading a SQLite database full of data to migration 0005 (which rebuilds tables) keeps
/// every row, ids and foreign keys, and the audit log's triggers: a database migrated to 0004,
/// given the demo ledger, case events, users, sessions, tokens and audit rows, then opened by
/// the program, has the same objects and row counts and passes SQLite's integrity and
/// foreign-key checks.
#[tokio::test]
async fn the_sqlite_parity_rebuild_keeps_every_row() {
    // The migrations before 0005, as a database of the previous release has them.
    let dir = std::env::temp_dir().join(format!("gk-mig-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for entry in std::fs::read_dir(&src).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if let Some(name) = name.filter(|n| n.as_str() < "0005") {
            std::fs::copy(&path, dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let url = fresh_sqlite_url();
    let db = Db::open(&url).await.unwrap_or_else(|e| panic!("{e}"));
    let Db::Sqlite(p) = &db else {
        panic!("a SQLite database was expected")
    };
    let old = sqlx::migrate::Migrator::new(dir.as_path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    old.run(p).await.unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&dir);
    db.seed_calendar().await.unwrap_or_else(|e| panic!("{e}"));
    // Today's writer also keeps the trading summaries of 0007 and reads the OCID prefix of
    // 0008: given the tables for the load, the summaries' rows recorded, then dropped, so that
    // 0007's backfill must rebuild them.
    exec(
        &db,
        "CREATE TABLE deployment_setting (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL); \
         CREATE TABLE bidder_year (agency_id INTEGER NOT NULL, year INTEGER NOT NULL, \
         company_id INTEGER NOT NULL, sections INTEGER NOT NULL, \
         PRIMARY KEY (agency_id, year, company_id)); \
         CREATE TABLE trading_year (agency_id INTEGER NOT NULL, year INTEGER NOT NULL, \
         trading_notices INTEGER NOT NULL, plans_and_intentions INTEGER NOT NULL, \
         bidders INTEGER NOT NULL, \
         PRIMARY KEY (agency_id, year)); \
         CREATE TABLE public_change (seq INTEGER PRIMARY KEY AUTOINCREMENT, \
         agency_id INTEGER NOT NULL, kind TEXT NOT NULL, ref_id BIGINT NOT NULL)",
    )
    .await;
    // The demo's data as the previous release stored it (notices straight into the ledger
    // tables: the notices model's columns come with a later migration).
    let mut tx = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
    let a = tx
        .add_agency(&gongkai_domain::ledger::NewAgency {
            code: gongkai_synth::DEMO_CODE.into(),
            name: gongkai_synth::DEMO_NAME.into(),
            parent: None,
            established: Some(gongkai_synth::DEMO_ESTABLISHED),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tx.insert_ledger(a.id, &gongkai_synth::demo_ledger())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tx.import_requests(
        gongkai_synth::DEMO_CODE,
        &gongkai_synth::demo_request_events(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    exec(
        &db,
        "INSERT INTO app_user (id, name, password_hash, locked_until) \
           VALUES (1, 'u', 'h', '2026-01-01T00:00:00Z'); \
         INSERT INTO user_grant (user_id, agency_id, role) SELECT 1, id, 'admin' FROM agency; \
         INSERT INTO user_session (id, user_id, csrf_token, expires_at) \
           VALUES ('s', 1, 'c', '2026-12-31T00:00:00Z'); \
         INSERT INTO api_token (user_id, token_hash) VALUES (1, 'x'); \
         INSERT INTO audit_log (user_name, action) VALUES ('u', 'login'); \
         INSERT INTO request_tracking (code, request_id) SELECT 'T1', min(id) FROM request; \
         INSERT INTO narrative_template (agency_id, body) SELECT min(id), 'b' FROM agency; \
         INSERT INTO letter_template (agency_id, body) SELECT min(id), 'b' FROM agency",
    )
    .await;
    let summary: Vec<(i64, i64, i64, i64)> = sqlx::query_as(SUMMARY)
        .fetch_all(p)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(summary.len() > 100, "{}", summary.len());
    let counts: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(COUNTS)
        .fetch_all(p)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!counts.is_empty());
    exec(
        &db,
        "DROP TABLE bidder_year; DROP TABLE trading_year; DROP TABLE deployment_setting; \
         DROP TABLE public_change",
    )
    .await;
    let before = sqlite_snapshot(&db).await;
    for (table, n) in [
        ("notice", 1000),
        ("request_event", 10),
        ("calendar_day", 100),
    ] {
        assert!(
            before.1.iter().any(|(t, c)| t == table && *c >= n),
            "{table}: {:?}",
            before.1
        );
    }
    db.close().await;

    // The program opens it: 0005 (and any later migration) is applied.
    let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("{e}"));
    let Db::Sqlite(p) = &db else {
        panic!("a SQLite database was expected")
    };
    let backfilled: Vec<(i64, i64, i64, i64)> = sqlx::query_as(SUMMARY)
        .fetch_all(p)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        summary, backfilled,
        "0007's backfill equals the summary kept on write"
    );
    let mut after = sqlite_snapshot(&db).await;
    // Tables that later migrations add are not the rebuild's business.
    let existed: std::collections::HashSet<String> =
        before.1.iter().map(|(t, _)| t.clone()).collect();
    after.1.retain(|(t, _)| existed.contains(t));
    let had: std::collections::HashSet<String> =
        before.0.iter().map(|(_, _, t, _)| t.clone()).collect();
    after.0.retain(|(_, _, t, _)| had.contains(t));
    assert_eq!(before.1, after.1, "row counts");
    let names = |o: &[(String, String, String, String)]| {
        o.iter()
            .map(|(k, n, t, _)| format!("{k} {n} on {t}"))
            .collect::<Vec<_>>()
    };
    // Every object survives the rebuild (later migrations may add indexes to old tables).
    let kept: std::collections::HashSet<String> = names(&after.0).into_iter().collect();
    let lost: Vec<String> = names(&before.0)
        .into_iter()
        .filter(|o| !kept.contains(o))
        .collect();
    assert!(lost.is_empty(), "schema objects lost: {lost:?}");
    let notice = &db.schema().await.unwrap_or_else(|e| panic!("{e}")).tables["notice"];
    assert_eq!(notice.columns["published_at"].declared, "TIMESTAMPTZ");
    assert_eq!(notice.columns["dates"].declared, "JSON");
    let check: Vec<String> = sqlx::query_scalar("SELECT * FROM pragma_integrity_check")
        .fetch_all(p)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(check, ["ok"]);
    let fk: i64 = sqlx::query_scalar("SELECT count(*) FROM pragma_foreign_key_check")
        .fetch_one(p)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fk, 0);
    // Every connection of the pool (the one that ran the migration among them) enforces
    // foreign keys again.
    let mut conns = Vec::new();
    for _ in 0..4 {
        conns.push(p.acquire().await.unwrap_or_else(|e| panic!("{e}")));
    }
    for c in &mut conns {
        let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut **c)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(on, 1);
    }
    drop(conns);
    // The append-only trigger is back.
    let Err(e) = sqlx::query("UPDATE audit_log SET action = 'changed'")
        .execute(p)
        .await
    else {
        panic!("the audit log was updated")
    };
    assert!(e.to_string().contains("只能追加"), "{e}");
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

/// The notice counts per agency-year, ordered.
const COUNTS: &str = "SELECT agency_id, year, trading_notices, plans_and_intentions, bidders FROM trading_year \
                      ORDER BY agency_id, year";

/// The distinct-bidder summary, ordered.
const SUMMARY: &str = "SELECT agency_id, year, company_id, sections FROM bidder_year \
                       ORDER BY agency_id, year, company_id";

/// Migration 0009 stores each version's JSON once and keeps every version's content: a
/// database whose notices have it twice (current row and every version row) reads the same
/// after it — versions (OCDS export), feed — and a later correction keeps every version (both
/// backends).
#[tokio::test]
async fn migration_0009_keeps_every_versions_content() {
    use gongkai_domain::trading::{FeedCursor, Notice, SampleNotice};
    use sqlx::types::Json;
    let url = gongkai_db::testing::fresh_url().await;
    let db = Db::open(&url).await.unwrap_or_else(|e| panic!("{e}"));
    let (sub, tag) = match db.backend() {
        gongkai_db::Backend::Sqlite => ("migrations/sqlite", "sqlite"),
        gongkai_db::Backend::Postgres => ("migrations/postgres", "pg"),
    };
    let dir = std::env::temp_dir().join(format!("gk-mig9-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(sub);
    for entry in std::fs::read_dir(&src).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if let Some(name) = name.filter(|n| n.as_str() < "0009") {
            std::fs::copy(&path, dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let old = sqlx::migrate::Migrator::new(dir.as_path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    match &db {
        Db::Sqlite(p) => old.run(p).await,
        Db::Pg(p) => old.run(p).await,
    }
    .unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&dir);

    // A plan and its correction as the previous release stored them (today's writer notes the
    // new agency in the public change log of 0014: given that table, dropped before upgrading).
    let seq = match db.backend() {
        gongkai_db::Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        gongkai_db::Backend::Postgres => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    };
    let stub = format!(
        "CREATE TABLE public_change (seq {seq}, agency_id BIGINT NOT NULL, \
         kind TEXT NOT NULL, ref_id BIGINT NOT NULL)"
    );
    gongkai_db::on_db!(&db, p => sqlx::raw_sql(sqlx::AssertSqlSafe(stub)).execute(p).await
        .unwrap_or_else(|e| panic!("{e}")).rows_affected());
    let a = db
        .add_agency(&gongkai_domain::ledger::NewAgency {
            code: "a".into(),
            name: "某中心".into(),
            parent: None,
            established: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let v1 = SampleNotice::new("PL-1", "tender_plan", "procurement", "2025-01-03").json();
    let mut v2 = v1.clone();
    v2["title"] = serde_json::json!("PL-1 更正");
    let (n1, n2) = (
        Notice::from_json(&v1).unwrap_or_else(|e| panic!("{e}")),
        Notice::from_json(&v2).unwrap_or_else(|e| panic!("{e}")),
    );
    let dates = serde_json::Map::new();
    let elements = n2.elements.clone();
    gongkai_db::on_db!(&db, p => {
        let pid: i64 = sqlx::query_scalar(
            "INSERT INTO project (agency_id, code, name, category) \
             VALUES ($1, 'P-1', 'p', 'procurement') RETURNING id")
            .bind(a.id).fetch_one(p).await.unwrap_or_else(|e| panic!("{e}"));
        let nid: i64 = sqlx::query_scalar(
            "INSERT INTO notice (agency_id, project_id, notice_no, type, title, published_at, \
             published_on, dates, elements, version, content, content_hash) \
             VALUES ($1, $2, 'PL-1', 'tender_plan', $3, $4, $5, $6, $7, 2, $8, $9) RETURNING id")
            .bind(a.id).bind(pid).bind(&n2.title).bind(n2.published)
            .bind(n2.published_date()).bind(Json(&dates)).bind(Json(&elements))
            .bind(Json(n2.to_json())).bind(n2.content_hash())
            .fetch_one(p).await.unwrap_or_else(|e| panic!("{e}"));
        for (version, n, change) in [(1_i64, &n1, "new"), (2, &n2, "correction")] {
            sqlx::query(
                "INSERT INTO notice_version (notice_id, version, content, content_hash) \
                 VALUES ($1, $2, $3, $4)")
                .bind(nid).bind(version).bind(Json(n.to_json())).bind(n.content_hash())
                .execute(p).await.unwrap_or_else(|e| panic!("{e}"));
            sqlx::query(
                "INSERT INTO notice_change (agency_id, notice_id, version, change) \
                 VALUES ($1, $2, $3, $4)")
                .bind(a.id).bind(nid).bind(version).bind(change)
                .execute(p).await.unwrap_or_else(|e| panic!("{e}"));
        }
    });
    gongkai_db::on_db!(&db, p => sqlx::raw_sql("DROP TABLE public_change").execute(p).await
        .unwrap_or_else(|e| panic!("{e}")).rows_affected());
    db.close().await;

    let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("{e}"));
    let stored_once = async |db: &Db| -> Vec<i64> {
        gongkai_db::on_db!(db, p => sqlx::query_scalar(
            "SELECT CAST(version AS BIGINT) FROM notice_version WHERE content IS NULL ORDER BY version")
            .fetch_all(p).await.unwrap_or_else(|e| panic!("{e}")))
    };
    // (title, version) of every version as the OCDS export and the feed read them.
    type Titles = Vec<(String, i64)>;
    let titles = async |db: &Db| -> (Titles, Titles) {
        let versions = db
            .notice_versions("a", None, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|(n, v, _)| (n.title, i64::from(v)))
            .collect();
        let (feed, _) = db
            .notice_feed(FeedCursor::default(), 100)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let feed = feed
            .into_iter()
            .map(|e| (e.notice.title, i64::from(e.version)))
            .collect();
        (versions, feed)
    };
    assert_eq!(
        stored_once(&db).await,
        [2],
        "the current version's content is the row's"
    );
    let t1 = n1.title.clone();
    assert_eq!(
        titles(&db).await,
        (
            vec![(t1.clone(), 1), ("PL-1 更正".to_string(), 2)],
            vec![(t1.clone(), 1), ("PL-1 更正".to_string(), 2)]
        )
    );
    let mut v3 = v1.clone();
    v3["title"] = serde_json::json!("PL-1 再更正");
    db.import_notices("a", &v3.to_string())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored_once(&db).await, [3]);
    let (versions, feed) = titles(&db).await;
    let want: Titles = vec![
        (t1.clone(), 1),
        ("PL-1 更正".to_string(), 2),
        ("PL-1 再更正".to_string(), 3),
    ];
    assert_eq!(versions, want);
    assert_eq!(feed, want);
}
