//! Crash safety (issue 12 part 2): `kill -9` at points spread over an import, many times. After
//! each kill the agency holds either none or all of the file's notices — the import is one
//! transaction — and at the end the database is whole (SQLite's integrity check), the
//! publication log verifies, and the database takes a full import.

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
