//! Crash safety (issue 12 part 2): `kill -9` at points spread over an import, and over the
//! scheduled publication of items and of an annual report by a running server, many times.
//! After each kill the agency holds either none or all of the file's notices — the import is one
//! transaction — and every publication is either whole (version published, log entry appended,
//! public version switched) or not begun; at the end the database is whole (SQLite's integrity
//! check), the publication log verifies, and the database takes more work.

use std::process::Command;
use std::time::Instant;

use crate::{gongkai, stderr};
use gongkai_db::testing::fresh_url;

/// Notices per import file, and kills.
const NOTICES: usize = 400;
const KILLS: u32 = 100;

fn import_file(dir: &std::path::Path) -> std::path::PathBuf {
    let mut text = String::new();
    for i in 0..NOTICES {
        let line = serde_json::json!({
            "notice": format!("K-{i}"), "project": format!("P-{}", i / 4),
            "project_name": format!("第{}号道路改造工程", i / 4), "section": format!("K-{i}"),
            "section_name": "一标段", "category": "engineering", "type": "tender_notice",
            "title": format!("第{i}号招标公告"), "published": "2025-03-03T10:00:00+08:00",
            "dates": {"docs_from": "2025-03-03", "docs_to": "2025-03-10", "bid_deadline": "2025-03-24"},
        });
        text.push_str(&line.to_string());
        text.push('\n');
    }
    let f = dir.join("notices.jsonl");
    std::fs::write(&f, text).unwrap();
    f
}

fn add_agency(url: &str, code: &str) {
    let o = gongkai(
        url,
        &[
            "agency",
            "add",
            code,
            "--name",
            "某中心",
            "--established",
            "2020-01-01",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[tokio::test]
async fn an_import_killed_at_any_point_is_all_or_nothing() {
    let url = fresh_url().await;
    let dir = tempfile::tempdir().unwrap();
    let file = import_file(dir.path());
    let file = file.to_str().unwrap();
    let db = gongkai_db::Db::connect(&url).await.unwrap();

    // How long a whole import takes here.
    add_agency(&url, "full");
    let t = Instant::now();
    let o = gongkai(&url, &["notices", "import", file, "--agency", "full"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let whole = t.elapsed();
    assert_eq!(db.notices("full").await.unwrap().len(), NOTICES);

    let (mut none, mut all) = (0, 0);
    for k in 0..KILLS {
        let code = format!("k{k}");
        add_agency(&url, &code);
        // Kill points spread evenly from the start to a little past a whole import.
        let delay = whole.mul_f64(1.2 * f64::from(k) / f64::from(KILLS));
        let mut child = Command::new(env!("CARGO_BIN_EXE_gongkai"))
            .args(["--db", &url, "notices", "import", file, "--agency", &code])
            .env_remove("GONGKAI_DB")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        match db.notices(&code).await.unwrap().len() {
            0 => none += 1,
            NOTICES => all += 1,
            n => panic!("kill {k} after {delay:?}: {n} of {NOTICES} notices imported"),
        }
    }
    // The kills fell both before the commit and after it.
    assert!(
        none > 0 && all > 0,
        "none {none}, all {all} (whole import {whole:?})"
    );

    assert_eq!(gongkai_db::testing::integrity(&db).await, "ok");
    let o = gongkai(&url, &["log", "verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    add_agency(&url, "after");
    let o = gongkai(&url, &["notices", "import", file, "--agency", "after"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(db.notices("after").await.unwrap().len(), NOTICES);
}

/// New items scheduled per round (the report's next version is scheduled too).
pub(crate) const ITEMS_PER_ROUND: usize = 4;

fn item(title: String) -> gongkai_domain::publishing::ItemFields {
    use gongkai_domain::codes::{DisclosureAttr, DocKind};
    gongkai_domain::publishing::ItemFields {
        title,
        summary: String::new(),
        body: "为规范公共资源交易活动，现将有关事项通知如下。".into(),
        doc_no: None,
        publisher: "pub 公共资源交易中心".into(),
        formed_on: time::macros::date!(2024 - 12 - 30),
        attr: DisclosureAttr::Proactive,
        legal_ground: None,
        art20_item: Some(1),
        doc_kind: DocKind::Other,
        repealed_on: None,
        column: "documents".into(),
        change_note: None,
        interprets: None,
        channels: Vec::new(),
    }
}

fn render(
    r: &gongkai_domain::report::AnnualReport,
    template: Option<&str>,
) -> Result<gongkai_domain::publishing::ReportSnapshot, String> {
    use gongkai_export::Format;
    gongkai_export::snapshot_with(r, template, &[Format::Json, Format::Html, Format::Md])
        .map_err(|e| e.to_string())
}

/// Round `round`'s work, due before now: new items through review, scheduled; and the 2024
/// report's next version (a correction once published), unless a version of it is still
/// scheduled. Returns how many versions it scheduled.
pub(crate) async fn schedule_round(db: &gongkai_db::Db, round: i64) -> i64 {
    let now =
        time::macros::datetime!(2025-01-10 10:00 +08:00) + time::Duration::minutes(10 * round);
    let at = now + time::Duration::minutes(1);
    let editor = db
        .principal_of("editor", gongkai_domain::auth::Via::Session)
        .await
        .unwrap();
    for i in 0..ITEMS_PER_ROUND {
        let mut tx = db.begin().await.unwrap();
        let (id, _) = tx
            .create_item(&editor, "pub", item(format!("第{round}轮第{i}号通知")), now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        gongkai_db::testing::schedule_by_office(db, id, at, now)
            .await
            .unwrap();
    }
    let note = (round > 0).then(|| format!("第{round}轮更正"));
    match db
        .schedule_report_by_staff("pub", 2024, &render, note, now, at)
        .await
    {
        Ok(()) => ITEMS_PER_ROUND as i64 + 1,
        // The previous version was not published before the kill: it goes out this round.
        Err(gongkai_db::DbError::Conflict(_)) => ITEMS_PER_ROUND as i64,
        Err(e) => panic!("round {round}: {e}"),
    }
}

/// `gongkai serve` on a free port with its own data directory: its scheduler publishes what is
/// due as soon as it starts.
pub(crate) fn serve(url: &str, data: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(["--db", url, "serve", "--bind", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data)
        .env_remove("GONGKAI_DB")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Starts a server and lets it run until nothing is scheduled any more: how long that took.
async fn run_to_end(url: &str, data: &std::path::Path, db: &gongkai_db::Db) -> std::time::Duration {
    let t = Instant::now();
    let mut child = serve(url, data);
    while gongkai_db::testing::versions_in_state(db, "scheduled")
        .await
        .unwrap()
        > 0
    {
        assert!(
            t.elapsed() < std::time::Duration::from_secs(60),
            "the scheduler published nothing in a minute"
        );
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let elapsed = t.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    elapsed
}

#[tokio::test]
async fn publications_killed_at_any_point_are_whole() {
    use gongkai_db::testing::{publication_inconsistencies, versions_in_state};
    let url = fresh_url().await;
    let data = tempfile::tempdir().unwrap();
    let db = gongkai_db::Db::connect(&url).await.unwrap();
    gongkai_db::testing::office(&db, "pub", "!").await.unwrap();
    let scheduled = async || versions_in_state(&db, "scheduled").await.unwrap();

    // How long a server takes from its start to the last publication of a round, measured on
    // rounds left to finish: the first three (the first start also builds the search index),
    // then one before every ten kills, whose delays spread from 0 to 1.5 times the latest.
    let mut total = 0;
    let mut round = 0;
    let mut whole = std::time::Duration::ZERO;
    for _ in 0..3 {
        total += schedule_round(&db, round).await;
        round += 1;
        whole = whole.max(run_to_end(&url, data.path(), &db).await);
    }
    let (mut none, mut all, mut some) = (0, 0, 0);
    for k in 0..KILLS {
        if k % 10 == 0 {
            total += schedule_round(&db, round).await;
            round += 1;
            whole = run_to_end(&url, data.path(), &db).await;
        }
        total += schedule_round(&db, round).await;
        round += 1;
        let before = scheduled().await;
        let delay = whole.mul_f64(1.5 * f64::from(k % 10 + 1) / 10.0);
        let mut child = serve(&url, data.path());
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let left = scheduled().await;
        match left {
            0 => all += 1,
            l if l == before => none += 1,
            _ => some += 1,
        }
        let broken = publication_inconsistencies(&db).await.unwrap();
        assert!(broken.is_empty(), "kill {k} after {delay:?}: {broken:?}");
    }
    eprintln!(
        "kills: {none} before the first publication, {some} between two, {all} after the last (a round {whole:?})"
    );
    // The kills fell before the first publication, between two and after the last.
    assert!(
        none > 0 && some > 0 && all > 0,
        "none {none}, some {some}, all {all} (a whole round {whole:?})"
    );

    // A last start publishes what is left; everything verifies.
    run_to_end(&url, data.path(), &db).await;
    assert_eq!(
        publication_inconsistencies(&db).await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(gongkai_db::testing::integrity(&db).await, "ok");
    let o = gongkai(&url, &["log", "verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Every version scheduled went out (the report's earlier ones are superseded).
    let published = versions_in_state(&db, "published").await.unwrap()
        + versions_in_state(&db, "superseded").await.unwrap();
    assert_eq!(published, total);
}
