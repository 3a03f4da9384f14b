//! Fresh databases for tests, on the backend chosen by the environment.
//!
//! `GONGKAI_TEST_DB` unset: a new SQLite file in the temp directory. Set to a PostgreSQL URL
//! (of any database on the server): a new database `gk_test_…` is created on that server.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;

static SEQ: AtomicU32 = AtomicU32::new(0);

/// The PostgreSQL server URL tests run against, if any.
pub fn postgres_server() -> Option<String> {
    std::env::var("GONGKAI_TEST_DB")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "gk_test_{}_{}_{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// A URL of a new, empty database on the test backend.
pub async fn fresh_url() -> String {
    match postgres_server() {
        Some(server) => fresh_postgres(&server).await,
        None => fresh_sqlite_url(),
    }
}

/// A URL of a new SQLite file.
pub fn fresh_sqlite_url() -> String {
    let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
    format!("sqlite:{}", path.display())
}

/// Creates a new database on the PostgreSQL server and returns its URL.
pub async fn fresh_postgres(server: &str) -> String {
    let name = unique_name();
    let mut conn = match sqlx::PgConnection::connect(server).await {
        Ok(c) => c,
        Err(e) => panic!("cannot reach the test PostgreSQL at {server}: {e}"),
    };
    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
    {
        panic!("cannot create test database: {e}");
    }
    let _ = conn.close().await;
    match server.rfind('/') {
        Some(i) if i > "postgres://".len() => format!("{}/{name}", &server[..i]),
        _ => format!("{server}/{name}"),
    }
}

/// A migrated, empty database on the test backend.
pub async fn fresh_db() -> crate::Db {
    let url = fresh_url().await;
    match crate::Db::connect(&url).await {
        Ok(db) => db,
        Err(e) => panic!("cannot open {url}: {e}"),
    }
}

/// Arms a failpoint of a multi-step write on this thread (`None` disarms): the write fails at
/// that point and must leave the database as it was.
pub fn fail_at(name: Option<&str>) {
    crate::tx::FAILPOINT.set(name.map(str::to_string));
}

/// The lower bound of a notice import, for benchmarks: the notices' rows (the columns
/// `Tx::import_notices` writes to `notice`, content included) in multi-row INSERTs of 1000
/// rows, in one transaction, under one project of the agency. No versions, change log,
/// sections, bidders or rules.
pub async fn plain_notice_insert(
    db: &crate::Db,
    agency: &str,
    notices: &[gongkai_domain::trading::Notice],
) -> Result<(), crate::DbError> {
    use sqlx::types::Json;
    let a = db.agency(agency).await?;
    let mut tx = db.begin().await?;
    let pid: i64 = crate::on_tx!(&mut tx, c => sqlx::query_scalar(
        "INSERT INTO project (agency_id, code, name, category) VALUES ($1, 'plain', 'plain', 'procurement') RETURNING id")
        .bind(a.id).fetch_one(&mut *c).await?);
    for chunk in notices.chunks(1000) {
        crate::on_tx!(&mut tx, c => {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO notice (agency_id, project_id, notice_no, type, title, published_at, \
                 published_on, dates, elements, body, version, content, content_hash) ");
            q.push_values(chunk, |mut b, n| {
                let dates = crate::trading::dates_of(n);
                b.push_bind(a.id).push_bind(pid).push_bind(n.id.clone()).push_bind(n.ntype.code())
                    .push_bind(n.title.clone()).push_bind(n.published)
                    .push_bind(gongkai_domain::period::beijing_date(n.published))
                    .push_bind(Json(dates)).push_bind(Json(n.elements.clone()))
                    .push_bind(n.body.clone()).push_bind(1_i64).push_bind(Json(n.to_json()))
                    .push_bind(n.content_hash());
            });
            q.build().execute(&mut *c).await?;
        });
    }
    tx.commit().await
}

/// Every row of the distinct-bidder summary (agency, year, company, sections), for tests of
/// its invariants.
pub async fn bidder_year_rows(db: &crate::Db) -> Vec<(i64, i32, i64, i64)> {
    const SQL: &str = "SELECT agency_id, year, company_id, CAST(sections AS BIGINT) FROM bidder_year \
                       ORDER BY agency_id, year, company_id";
    let rows: Result<Vec<(i64, i32, i64, i64)>, crate::DbError> =
        async { Ok(crate::on_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await?)) }.await;
    rows.unwrap_or_else(|e| panic!("bidder_year: {e}"))
}

/// Each notice's project code, its section's project code and its section code (empty
/// without a section), by notice number: what ties the rows together.
pub async fn notice_links(db: &crate::Db) -> Vec<(String, String, String, String)> {
    const SQL: &str = "SELECT n.notice_no, p.code, COALESCE(sp.code, ''), COALESCE(s.code, '') \
                       FROM notice n JOIN project p ON p.id = n.project_id \
                       LEFT JOIN section s ON s.id = n.section_id \
                       LEFT JOIN project sp ON sp.id = s.project_id ORDER BY n.notice_no";
    let rows: Result<Vec<(String, String, String, String)>, crate::DbError> =
        async { Ok(crate::on_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await?)) }.await;
    rows.unwrap_or_else(|e| panic!("notice links: {e}"))
}

/// Whether the planner is ready for the `notice` table after a bulk load: statistics gathered
/// (SQLite: `sqlite_stat1` rows; PostgreSQL: `reltuples` known) and, on PostgreSQL, pages
/// marked all-visible by `VACUUM`.
pub async fn notice_planner_ready(db: &crate::Db) -> bool {
    let r: Result<bool, crate::DbError> = async {
        Ok(match db {
            crate::Db::Sqlite(p) => {
                let n: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'notice'")
                        .fetch_one(p)
                        .await?;
                n > 0
            }
            crate::Db::Pg(p) => {
                let (tuples, visible): (f32, i32) = sqlx::query_as(
                    "SELECT reltuples, relallvisible FROM pg_class WHERE relname = 'notice' \
                     AND relnamespace = 'public'::regnamespace",
                )
                .fetch_one(p)
                .await?;
                tuples > 0.0 && visible > 0
            }
        })
    }
    .await;
    r.unwrap_or_else(|e| panic!("planner state: {e}"))
}

/// Forges the content hash of entry `seq` of an agency's publication log, as someone editing
/// the database by hand would, for tests of `log verify`.
pub async fn forge_log_entry(db: &crate::Db, agency: &str, seq: i64) -> Result<(), crate::DbError> {
    let a = db.agency(agency).await?;
    crate::on_db!(db, p => sqlx::query(
        "UPDATE publication_log SET content_hash = 'forged' WHERE agency_id = $1 AND seq = $2")
        .bind(a.id).bind(seq).execute(p).await.map(|_| ())?);
    Ok(())
}

/// Renames an agency and notes the site change in the same transaction, as a rename of the
/// agency (机构更名) would: for tests of what follows the public change log.
pub async fn rename_agency(db: &crate::Db, code: &str, name: &str) -> Result<(), crate::DbError> {
    let mut tx = db.begin().await?;
    let a = tx.agency(code).await?;
    crate::on_tx!(&mut tx, c => sqlx::query("UPDATE agency SET name = $1 WHERE id = $2")
        .bind(name).bind(a.id).execute(&mut *c).await.map(|_| ())?);
    tx.note_public_change(a.id, crate::ChangeKind::Site, a.id)
        .await?;
    tx.commit().await
}

/// Replaces the bytes of a stored file of an item's version and its stored SHA-256 to match,
/// as a careful tamperer would, for tests of `log verify`.
pub async fn tamper_file(
    db: &crate::Db,
    item_id: i64,
    version: i32,
    name: &str,
    bytes: &[u8],
) -> Result<(), crate::DbError> {
    let sha = gongkai_domain::publishing::sha256_hex(bytes);
    crate::on_db!(db, p => sqlx::query(
        "UPDATE item_file SET content = $1, sha256 = $2, size = $3 WHERE item_id = $4 AND version = $5 AND name = $6")
        .bind(bytes).bind(&sha).bind(bytes.len() as i64).bind(item_id).bind(version).bind(name)
        .execute(p).await.map(|_| ())?);
    Ok(())
}

/// SQLite's `PRAGMA integrity_check` answer (`ok` when the file is whole); PostgreSQL is
/// taken as whole (`ok`): its own recovery is not ours to test.
pub async fn integrity(db: &crate::Db) -> String {
    match db {
        crate::Db::Sqlite(p) => sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(p)
            .await
            .unwrap_or_else(|e| format!("{e}")),
        crate::Db::Pg(_) => "ok".into(),
    }
}

/// Every stored file (attachments, frozen report files) as `(item, version, name, SHA-256 of
/// the bytes as read back)`, in order: what a restore drill compares.
pub async fn file_digests(db: &crate::Db) -> Vec<(i64, i64, String, String)> {
    type Row = (i64, i64, String, Vec<u8>);
    let rows: Result<Vec<Row>, sqlx::Error> = crate::on_db!(db, p => sqlx::query_as(
        "SELECT item_id, CAST(version AS BIGINT), name, content FROM item_file ORDER BY item_id, version, name")
        .fetch_all(p).await);
    rows.unwrap_or_else(|e| panic!("item files: {e}"))
        .into_iter()
        .map(|(i, v, n, c)| (i, v, n, gongkai_domain::publishing::sha256_hex(&c)))
        .collect()
}

/// For benchmarks: runs the publishing workflow without the publication log (`chain`) and/or
/// without the pre-publication checks (`detectors`), to measure what each costs against the
/// same workflow with them. Process-wide; never used outside benchmarks.
pub fn publishing_without(chain: bool, detectors: bool) {
    use std::sync::atomic::Ordering;
    crate::publishing::CHAIN_OFF.store(chain, Ordering::Relaxed);
    crate::publishing::DETECTORS_OFF.store(detectors, Ordering::Relaxed);
}

/// The staff of a publishing office in tests and benchmarks: (user name, role), one person per
/// stage of the workflow (the proofreader does all three 校对 passes).
pub const OFFICE_STAFF: &[(&str, gongkai_domain::auth::Role)] = {
    use gongkai_domain::auth::Role as R;
    &[
        ("editor", R::Editor),
        ("r1", R::Reviewer1),
        ("r2", R::Reviewer2),
        ("r3", R::Reviewer3),
        ("proof", R::Proofreader),
        ("secrecy", R::Secrecy),
        ("head", R::Head),
    ]
};

/// A publishing office for tests and benchmarks: top-level agency `code` (named `{code}
/// 公共资源交易中心`), then in one transaction the users of [`OFFICE_STAFF`] granted on it with
/// `password_hash`; their ids, in that order.
pub async fn office(
    db: &crate::Db,
    code: &str,
    password_hash: &str,
) -> Result<Vec<i64>, crate::DbError> {
    db.add_agency(&gongkai_domain::ledger::NewAgency {
        code: code.into(),
        name: format!("{code} 公共资源交易中心"),
        parent: None,
        established: None,
    })
    .await?;
    office_staff(db, code, password_hash).await
}

/// The users of [`OFFICE_STAFF`], granted on the existing agency `code` with `password_hash`
/// (one transaction); their ids, in that order.
pub async fn office_staff(
    db: &crate::Db,
    code: &str,
    password_hash: &str,
) -> Result<Vec<i64>, crate::DbError> {
    let mut tx = db.begin().await?;
    let mut ids = Vec::with_capacity(OFFICE_STAFF.len());
    for (name, role) in OFFICE_STAFF {
        ids.push(
            tx.add_user(name, password_hash, &[(code.to_string(), *role)])
                .await?,
        );
    }
    tx.commit().await?;
    Ok(ids)
}

/// Takes the version in work of item `id` through submission, every review stage and
/// publication at `at`, each step by its own person of [`OFFICE_STAFF`] (one transaction).
pub async fn publish_by_office(
    db: &crate::Db,
    id: i64,
    at: time::OffsetDateTime,
) -> Result<(), crate::DbError> {
    let staff = office_principals(db).await?;
    let mut tx = db.begin().await?;
    approve_by_office(&mut tx, &staff, id, at).await?;
    tx.publish_item(Some(&staff[6]), id, at).await?;
    tx.commit().await
}

/// Takes the version in work of item `id` through submission and every review stage at `now`,
/// then schedules it to go out at `at` (one transaction): the scheduler publishes it.
pub async fn schedule_by_office(
    db: &crate::Db,
    id: i64,
    at: time::OffsetDateTime,
    now: time::OffsetDateTime,
) -> Result<(), crate::DbError> {
    let staff = office_principals(db).await?;
    let mut tx = db.begin().await?;
    approve_by_office(&mut tx, &staff, id, now).await?;
    tx.schedule_item(&staff[6], id, at, now).await?;
    tx.commit().await
}

/// The principals of [`OFFICE_STAFF`], in that order.
async fn office_principals(
    db: &crate::Db,
) -> Result<Vec<gongkai_domain::auth::Principal>, crate::DbError> {
    let mut staff = Vec::with_capacity(OFFICE_STAFF.len());
    for (name, _) in OFFICE_STAFF {
        staff.push(
            db.principal_of(name, gongkai_domain::auth::Via::Session)
                .await?,
        );
    }
    Ok(staff)
}

/// Submission and every review stage of item `id`'s version in work, each by its own person.
async fn approve_by_office(
    tx: &mut crate::Tx,
    staff: &[gongkai_domain::auth::Principal],
    id: i64,
    at: time::OffsetDateTime,
) -> Result<(), crate::DbError> {
    use gongkai_domain::auth::Stage;
    let [editor, r1, r2, r3, proof, secrecy, _head] = staff else {
        return Err(crate::DbError::Conflict("OFFICE_STAFF".into()));
    };
    tx.submit_item(editor, id, at).await?;
    for (who, stage) in [
        (r1, Stage::First),
        (r2, Stage::Second),
        (proof, Stage::Proofread),
        (proof, Stage::Proofread),
        (proof, Stage::Proofread),
        (secrecy, Stage::Secrecy),
        (r3, Stage::Final),
    ] {
        tx.review_item(
            who,
            id,
            stage,
            gongkai_domain::publishing::Verdict::Pass,
            "",
            at,
        )
        .await?;
    }
    Ok(())
}

/// Where the publication records disagree with each other, one line each (empty: they agree):
/// a version marked published without its log entry, a log entry of a publication whose
/// version is not marked published, a version published (logged) twice, an item whose public
/// version is not a published one.
/// What a publication killed half-way would leave behind.
pub async fn publication_inconsistencies(db: &crate::Db) -> Result<Vec<String>, crate::DbError> {
    let queries = [
        (
            "已发布但无日志",
            "SELECT CAST(v.item_id AS BIGINT), CAST(v.version AS BIGINT) FROM item_version v WHERE v.published_at IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM publication_log l WHERE l.item_id = v.item_id \
             AND l.version = v.version AND l.action <> 'withdraw')",
        ),
        (
            "有日志但未发布",
            "SELECT CAST(l.item_id AS BIGINT), CAST(l.version AS BIGINT) FROM publication_log l WHERE l.action <> 'withdraw' \
             AND NOT EXISTS (SELECT 1 FROM item_version v WHERE v.item_id = l.item_id \
             AND v.version = l.version AND v.published_at IS NOT NULL)",
        ),
        (
            "重复发布日志",
            "SELECT CAST(l.item_id AS BIGINT), CAST(l.version AS BIGINT) FROM publication_log l \
             WHERE l.action <> 'withdraw' GROUP BY l.item_id, l.version HAVING COUNT(*) > 1",
        ),
        (
            "公开版本未发布",
            "SELECT CAST(i.id AS BIGINT), CAST(i.public_version AS BIGINT) FROM disclosure_item i WHERE i.public_version IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM item_version v WHERE v.item_id = i.id \
             AND v.version = i.public_version AND v.state = 'published')",
        ),
    ];
    let mut out = Vec::new();
    for (what, sql) in queries {
        let rows: Vec<(Option<i64>, Option<i64>)> = match db {
            crate::Db::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await?,
            crate::Db::Pg(p) => sqlx::query_as(sql).fetch_all(p).await?,
        };
        out.extend(
            rows.into_iter()
                .map(|(id, v)| format!("{what}：信息 {id:?} 第 {v:?} 版")),
        );
    }
    Ok(out)
}

/// The settings the publishing benchmarks check against: a sensitive-word list and the
/// agency's own published contact numbers (which the detectors let through).
pub async fn bench_checks(db: &crate::Db, code: &str) -> Result<(), crate::DbError> {
    let mut tx = db.begin().await?;
    tx.set_agency_setting(
        code,
        crate::publishing::WORDS_KEY,
        &serde_json::json!(["内部资料", "请勿外传", "机密文件", "未定稿"]),
    )
    .await?;
    tx.set_agency_setting(
        code,
        crate::publishing::CONTACTS_KEY,
        &serde_json::json!(["0953-2031234"]),
    )
    .await?;
    tx.commit().await
}

/// The database a benchmark runs on: `GONGKAI_BENCH_DB` (a `postgres://` server URL gets a
/// fresh database on that server), else a fresh SQLite file in the temp directory.
pub async fn bench_url() -> String {
    match std::env::var("GONGKAI_BENCH_DB") {
        Ok(u) if u.starts_with("postgres") => fresh_postgres(&u).await,
        Ok(u) => u,
        Err(_) => fresh_sqlite_url(),
    }
}

/// How many item versions (reports included) are in `state` (`scheduled`, `published`, …).
pub async fn versions_in_state(db: &crate::Db, state: &str) -> Result<i64, crate::DbError> {
    let sql = "SELECT COUNT(*) FROM item_version WHERE state = $1";
    Ok(match db {
        crate::Db::Sqlite(p) => sqlx::query_scalar(sql).bind(state).fetch_one(p).await?,
        crate::Db::Pg(p) => sqlx::query_scalar(sql).bind(state).fetch_one(p).await?,
    })
}
