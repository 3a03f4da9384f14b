//! The command line as a user runs it: the real binary, a real database (SQLite, or PostgreSQL
//! when `GONGKAI_TEST_DB` is set), real files.

#![allow(clippy::unwrap_used, clippy::field_reassign_with_default)]

use std::io::Read;
use std::process::{Command, Output};

use gongkai_db::testing::fresh_url;

mod bombs;
mod crash;
mod nodes;
mod ops;
mod search;

fn gongkai(db: &str, args: &[&str]) -> Output {
    // A data directory of its own (the search index `demo` builds), removed afterwards.
    let data = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("GONGKAI_DB")
        .env("GONGKAI_DATA_DIR", data.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run gongkai: {e}"))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Creates the agency `c` (某中心, established 2020-01-01) through the command line.
fn add_center(db: &str) -> Output {
    gongkai(
        db,
        &[
            "agency",
            "add",
            "c",
            "--name",
            "某中心",
            "--established",
            "2020-01-01",
        ],
    )
}

async fn demo_db() -> String {
    let url = fresh_url().await;
    let o = gongkai(&url, &["demo", "--no-serve"]);
    assert!(o.status.success(), "{}", stderr(&o));
    url
}

/// `gongkai report --agency wuzhong-ggzy --year 2024 --format json`.
fn demo_report_2024_json(db: &str) -> Output {
    gongkai(
        db,
        &[
            "report",
            "--agency",
            "wuzhong-ggzy",
            "--year",
            "2024",
            "--format",
            "json",
        ],
    )
}

#[tokio::test]
async fn demo_then_report_json_prints_the_reference_figures() {
    let db = demo_db().await;
    let o = demo_report_2024_json(&db);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    assert_eq!(v["valid"], true);
    assert_eq!(v["period"]["from"], "2024-05-29");
    assert_eq!(v["period"]["to"], "2024-12-31");
    let f = &v["figures"];
    let n = |k: &str| f[k].as_i64().unwrap_or(-1);
    assert!((5800..5900).contains(&n("trading_notices")));
    assert_eq!(n("sections_full_process"), 977);
    assert!((1500..1600).contains(&n("plans_and_intentions")));
    assert!((7400..7500).contains(&n("bidders")));
    assert_eq!(
        (n("portal_posts"), n("wechat_posts"), n("wechat_reads")),
        (6, 49, 4565)
    );
    assert_eq!((n("policy_pushes"), n("policy_loans")), (294, 60));
    assert_eq!(f["policy_loan_amount_wan_yuan"], "4437");
    assert_eq!(n("requests_received"), 0);
    assert_eq!(v["requests"].as_object().map(|o| o.len()), Some(25));
    assert!(
        v["requests"]
            .as_object()
            .into_iter()
            .flatten()
            .all(|(_, row)| row.as_object().into_iter().flatten().all(|(_, x)| x == 0))
    );
    assert_eq!(v["appeals"]["reconsideration"]["total"], 0);
    let checks = v["checks"].as_array().cloned().unwrap_or_default();
    for rule in ["R1", "R2", "R3", "R4", "T4"] {
        assert!(
            checks.iter().any(|c| c["rule"] == rule && c["ok"] == true),
            "{rule}"
        );
    }
    // A second demo on the same database is refused; --reset reloads it.
    let o = gongkai(&db, &["demo", "--no-serve"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--reset"));
    let o = gongkai(&db, &["demo", "--no-serve", "--reset"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[tokio::test]
async fn every_format_renders_to_a_file() {
    let db = demo_db().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for fmt in ["md", "html", "docx", "xlsx", "json", "pdf"] {
        let path = dir.path().join(format!("r.{fmt}"));
        let p = path.to_string_lossy().to_string();
        let o = gongkai(
            &db,
            &[
                "report",
                "--agency",
                "wuzhong-ggzy",
                "--year",
                "2024",
                "--format",
                fmt,
                "-o",
                &p,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{fmt}: {}", stderr(&o));
        let bytes = std::fs::read(&path).unwrap_or_default();
        let text = match fmt {
            "docx" => entry(&bytes, "word/document.xml"),
            "xlsx" => entry(&bytes, "xl/sharedStrings.xml"),
            "pdf" => pdf_text(&path),
            _ => String::from_utf8(bytes).unwrap_or_default(),
        };
        if fmt != "json" {
            assert!(
                text.contains("吴忠市公共资源交易服务中心2024年政府信息公开工作年度报告"),
                "{fmt}"
            );
            assert!(text.contains("三、收到和处理政府信息公开申请情况"), "{fmt}");
            assert!(text.contains("（七）总计"), "{fmt}");
        }
        if fmt != "json" && fmt != "xlsx" {
            assert!(
                text.contains("5800余条") && text.contains("4437万元"),
                "{fmt}"
            );
        }
    }
    // Default: Markdown on standard output.
    let o = gongkai(
        &db,
        &["report", "--agency", "wuzhong-ggzy", "--year", "2024"],
    );
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("# 吴忠市公共资源交易服务中心2024年"));
}

/// A PDF's text as poppler's `pdftotext` reads it (poppler-utils is required), white space
/// taken out: the PDF wraps lines where the page ends.
fn pdf_text(path: &std::path::Path) -> String {
    let o = Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("pdftotext (poppler-utils) is required: {e}"));
    assert!(o.status.success(), "{}", stderr(&o));
    String::from_utf8_lossy(&o.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn entry(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"));
    let mut s = String::new();
    z.by_name(name)
        .unwrap_or_else(|e| panic!("{e}"))
        .read_to_string(&mut s)
        .unwrap_or_default();
    s
}

#[tokio::test]
async fn bad_input_exits_2_with_a_named_field_and_writes_nothing() {
    let db = demo_db().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("x.json");
    let o_arg = out.to_string_lossy().to_string();
    let cases: &[(&[&str], &str)] = &[
        (&["report", "--agency", "nope", "--year", "2024"], "nope"),
        (
            &[
                "report",
                "--agency",
                "wuzhong-ggzy",
                "--year",
                "2024",
                "--format",
                "odt",
            ],
            "--format",
        ),
        (
            &[
                "report",
                "--agency",
                "wuzhong-ggzy",
                "--from",
                "2024-06-01",
                "--to",
                "2024-05-01",
            ],
            "晚于",
        ),
        (
            &[
                "report",
                "--agency",
                "wuzhong-ggzy",
                "--from",
                "2024-02-30",
                "--to",
                "2024-05-01",
            ],
            "--from",
        ),
        (
            &["report", "--agency", "wuzhong-ggzy", "--year", "2023"],
            "2024-05-29",
        ),
        (&["report", "--agency", "wuzhong-ggzy"], "--year"),
        (&["agency", "add", "x y", "--name", "某局"], "机构代码"),
        (
            &[
                "agency",
                "add",
                "x",
                "--name",
                "某局",
                "--established",
                "2024/01/01",
            ],
            "--established",
        ),
        (
            &["agency", "add", "x", "--name", "某局", "--parent", "nope"],
            "nope",
        ),
    ];
    for (args, needle) in cases {
        let mut a: Vec<&str> = args.to_vec();
        if a[0] == "report" {
            a.extend(["-o", &o_arg]);
        }
        let o = gongkai(&db, &a);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!out.exists(), "{args:?} wrote a file");
    }
    // The failed `agency add`s created nothing.
    let o = gongkai(&db, &["agency", "list"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1);
    // Unreachable or unusable databases; a read on a missing SQLite file creates nothing.
    let o = gongkai(
        "sqlite:/nonexistent-dir/a/b.db",
        &["agency", "add", "x", "--name", "某局"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("无法打开数据库"));
    let missing = dir.path().join("missing.db");
    let url = format!("sqlite:{}", missing.display());
    let o = gongkai(
        &url,
        &["report", "--agency", "wuzhong-ggzy", "--year", "2024"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("不存在"), "{}", stderr(&o));
    let o = gongkai(&url, &["calendar", "add-workdays", "2025-12-31", "7"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "2026-01-12");
    assert!(!missing.exists(), "a read created the database");
    let o = gongkai("postgres://nobody@127.0.0.1:1/x", &["agency", "list"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("无法打开数据库"));
    let o = gongkai("mysql://x", &["agency", "list"]);
    assert_eq!(o.status.code(), Some(2));
    // Unwritable output.
    let o = gongkai(
        &db,
        &[
            "report",
            "--agency",
            "wuzhong-ggzy",
            "--year",
            "2024",
            "-o",
            "/nonexistent-dir/r.md",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("无法写入"));
}

#[tokio::test]
async fn a_report_that_does_not_balance_exits_1() {
    let url = fresh_url().await;
    let o = add_center(&url);
    assert!(o.status.success(), "{}", stderr(&o));
    let db = gongkai_db::Db::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let a = db.agency("c").await.unwrap_or_else(|e| panic!("{e}"));
    db.set_tally(
        a.id,
        &gongkai_domain::ledger::Tally::new(2024, 3, "new_received", "natural_person", 2),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    db.close().await;
    let o = gongkai(
        &url,
        &[
            "report", "--agency", "c", "--year", "2024", "--format", "json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    assert_eq!(v["valid"], false);
    assert!(stderr(&o).contains("R1"));
}

#[tokio::test]
async fn narrative_templates_are_stored_per_agency() {
    let db = demo_db().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let good = dir.path().join("t.toml");
    std::fs::write(
        &good,
        "problems = \"一是宣传不够。共有{{ figures.bidders | approx }}家企业。\"\n",
    )
    .unwrap_or_default();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "problems = \"{% for %}\"\n").unwrap_or_default();
    let o = gongkai(
        &db,
        &[
            "template",
            "set",
            "--agency",
            "wuzhong-ggzy",
            &bad.to_string_lossy(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("problems"), "{}", stderr(&o));
    let o = gongkai(
        &db,
        &[
            "template",
            "set",
            "--agency",
            "wuzhong-ggzy",
            &good.to_string_lossy(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = gongkai(
        &db,
        &["report", "--agency", "wuzhong-ggzy", "--year", "2024"],
    );
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(md.contains("一是宣传不够。共有7400余家企业。"), "{md}");
    let o = gongkai(&db, &["template", "show", "--agency", "wuzhong-ggzy"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("一是宣传不够"));
}

#[tokio::test]
async fn gen_builds_a_parent_with_children_that_aggregates() {
    let url = fresh_url().await;
    let o = gongkai(
        &url,
        &[
            "gen",
            "--agencies",
            "3",
            "--years",
            "2",
            "--seed",
            "5",
            "--last-year",
            "2025",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = gongkai(
        &url,
        &[
            "report",
            "--agency",
            "gen-province",
            "--year",
            "2025",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let parent: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    let mut sum = 0;
    for c in ["gen-0001", "gen-0002", "gen-0003"] {
        let o = gongkai(
            &url,
            &[
                "report", "--agency", c, "--year", "2025", "--format", "json",
            ],
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
        assert_eq!(v["valid"], true, "{c}");
        sum += v["requests"]["new_received"]["total"].as_i64().unwrap_or(0);
    }
    assert_eq!(
        parent["requests"]["new_received"]["total"].as_i64(),
        Some(sum)
    );
    assert_eq!(sum, 300);
    assert!(parent["figures"]["trading_notices"].as_i64().unwrap_or(0) > 2500);
    // The 2025 report has a previous year in the ledger: R6 is checked.
    assert!(
        parent["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["rule"] == "R6")
    );
}

#[tokio::test]
async fn calendar_commands_follow_the_regulation_vectors() {
    let db = fresh_url().await;
    for (anchor, n, want) in [
        ("2025-12-31", "7", "2026-01-12"),
        ("2026-02-13", "7", "2026-03-02"),
        ("2026-01-30", "20", "2026-03-05"),
        ("2026-09-18", "20", "2026-10-22"),
        ("2026-09-24", "15", "2026-10-22"),
    ] {
        let o = gongkai(&db, &["calendar", "add-workdays", anchor, n]);
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).trim(),
            want,
            "{anchor} + {n}"
        );
        assert!(!stderr(&o).contains("暂定"));
    }
    let o = gongkai(&db, &["calendar", "workdays", "2026-09-18", "2026-10-22"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "20");
    // 2026-12-31 depends on the 2027 notice: provisional until it is imported.
    let o = gongkai(&db, &["calendar", "add-workdays", "2026-12-30", "1"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "2026-12-31");
    assert!(stderr(&o).contains("暂定"));
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("2027.json");
    std::fs::write(
        &f,
        r#"{"year": 2027, "papers": ["https://www.gov.cn/x"], "days": [
            {"name": "元旦", "date": "2026-12-31", "isOffDay": true},
            {"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#,
    )
    .unwrap();
    let o = gongkai(&db, &["calendar", "import", &f.to_string_lossy()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = gongkai(&db, &["calendar", "add-workdays", "2026-12-30", "1"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "2027-01-04");
    assert!(!stderr(&o).contains("暂定"));
    // Bad input.
    std::fs::write(
        &f,
        r#"{"year": 2027, "days": [{"date": "2027-02-30", "isOffDay": true}]}"#,
    )
    .unwrap();
    let o = gongkai(&db, &["calendar", "import", &f.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("days[0].date"), "{}", stderr(&o));
    let o = gongkai(&db, &["calendar", "add-workdays", "2026-13-01", "3"]);
    assert_eq!(o.status.code(), Some(2));
    let o = gongkai(&db, &["calendar", "add-workdays", "2026-01-01", "-3"]);
    assert_eq!(o.status.code(), Some(2));
}

#[tokio::test]
async fn requests_import_list_and_report() {
    let db = fresh_url().await;
    let o = add_center(&db);
    assert!(o.status.success());
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("cases.jsonl");
    std::fs::write(
        &f,
        [
            r#"{"type":"received","request":"Q1","date":"2026-09-18","channel":"letter","applicant_type":"commercial","extra":"kept"}"#,
            r#"{"type":"consultation_started","request":"Q1","date":"2026-09-25","party":"third_party"}"#,
            r#"{"type":"consultation_ended","request":"Q1","date":"2026-10-12","party":"third_party"}"#,
            r#"{"type":"extended","request":"Q1","date":"2026-10-20","workdays":5}"#,
            r#"{"type":"received","request":"Q2","date":"2026-11-02","channel":"online","applicant_type":"natural_person"}"#,
            r#"{"type":"correction_requested","request":"Q2","date":"2026-11-04"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let o = gongkai(
        &db,
        &["requests", "import", &f.to_string_lossy(), "--agency", "c"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = gongkai(
        &db,
        &[
            "requests",
            "list",
            "--agency",
            "c",
            "--as-of",
            "2026-11-20",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let q1 = &v[0];
    assert_eq!(q1["request"], "Q1");
    assert_eq!(q1["paused_workdays"], 7);
    assert_eq!(q1["extension_workdays"], 5);
    assert_eq!(q1["due"], "2026-11-09");
    assert_eq!(q1["status"], "open");
    assert_eq!(q1["overdue"], true);
    assert_eq!(q1["outcome"], serde_json::Value::Null);
    for key in [
        "applicant_type",
        "channel",
        "received",
        "clock_start",
        "closed_on",
        "correction_notice_late",
    ] {
        assert!(q1.get(key).is_some(), "{key}");
    }
    assert_eq!(v[1]["status"], "awaiting_correction");
    let o = gongkai(
        &db,
        &["requests", "list", "--agency", "c", "--as-of", "2026-11-20"],
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("待补正"));
    // The report counts them.
    let o = gongkai(
        &db,
        &[
            "report", "--agency", "c", "--year", "2026", "--format", "json",
        ],
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["requests"]["new_received"]["total"], 2);
    assert_eq!(r["requests"]["carried_forward"]["total"], 2);
    // Bad files: exit 2, the line named, nothing imported.
    std::fs::write(
        &f,
        r#"{"type":"replied","request":"Q1","date":"2026-11-10","outcome":"granted_maybe"}"#,
    )
    .unwrap();
    let o = gongkai(
        &db,
        &["requests", "import", &f.to_string_lossy(), "--agency", "c"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("第 1 行") && stderr(&o).contains("outcome"),
        "{}",
        stderr(&o)
    );
    let o = gongkai(
        &db,
        &["requests", "import", "/nonexistent.jsonl", "--agency", "c"],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = gongkai(
        &db,
        &["requests", "list", "--agency", "c", "--format", "xml"],
    );
    assert_eq!(o.status.code(), Some(2));
}

fn gongkai_stdin(db: &str, args: &[&str], input: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("GONGKAI_DB")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses its arguments exits before it reads stdin: the
    // pipe is then closed under the writer, which is not the test's failure.
    match child.stdin.take().unwrap().write_all(input.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        r => r.unwrap(),
    }
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn users_grants_and_tokens() {
    let db = fresh_url().await;
    const PW: &str = "黄河 晨雾 7 盏灯 orbit\n";
    // Without an agency there is nothing to grant in.
    let o = gongkai_stdin(&db, &["user", "add", "li", "--role", "handler"], PW);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--agency"), "{}", stderr(&o));
    for (code, parent) in [("prov", None), ("city", Some("prov"))] {
        let mut args = vec!["agency", "add", code, "--name", "某公共资源交易中心"];
        if let Some(p) = parent {
            args.extend(["--parent", p]);
        }
        assert!(gongkai(&db, &args).status.success());
    }
    let o = gongkai_stdin(
        &db,
        &[
            "user", "add", "li", "--agency", "city", "--role", "handler", "head",
        ],
        PW,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("负责人"));
    // The password is stored as an Argon2id hash, never in clear.
    let d = gongkai_db::Db::connect(&db).await.unwrap();
    let now = time::OffsetDateTime::now_utc();
    let gongkai_db::LoginGate::Check { password_hash, .. } = d.login_gate("li", now).await.unwrap()
    else {
        panic!("li can log in");
    };
    assert!(password_hash.starts_with("$argon2id$") && !password_hash.contains("晨雾"));
    let u = d.user("li").await.unwrap().unwrap();
    assert_eq!(
        u.grants,
        vec![
            ("city".to_string(), gongkai_domain::auth::Role::Handler),
            ("city".to_string(), gongkai_domain::auth::Role::Head)
        ]
    );
    // Refusals name the field and change nothing.
    let o = gongkai_stdin(
        &db,
        &["user", "add", "li", "--agency", "city", "--role", "handler"],
        PW,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("已存在"));
    let o = gongkai_stdin(
        &db,
        &["user", "add", "wang", "--agency", "city", "--role", "boss"],
        PW,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--role") && stderr(&o).contains("boss"),
        "{}",
        stderr(&o)
    );
    for weak in ["short\n", "1234567890\n", "wangwangwang1\n"] {
        let o = gongkai_stdin(
            &db,
            &[
                "user", "add", "wang", "--agency", "city", "--role", "editor",
            ],
            weak,
        );
        assert_eq!(o.status.code(), Some(2), "{weak}");
        assert!(stderr(&o).contains("密码"), "{}", stderr(&o));
    }
    assert!(d.user("wang").await.unwrap().is_none());
    // Grants, revocations, disabling.
    assert!(
        gongkai(
            &db,
            &["user", "grant", "li", "--agency", "prov", "--role", "admin"]
        )
        .status
        .success()
    );
    assert!(
        gongkai(
            &db,
            &["user", "revoke", "li", "--agency", "city", "--role", "head"]
        )
        .status
        .success()
    );
    let o = gongkai(
        &db,
        &["user", "revoke", "li", "--agency", "city", "--role", "head"],
    );
    assert_eq!(o.status.code(), Some(2));
    let u = d.user("li").await.unwrap().unwrap();
    assert_eq!(u.grants.len(), 2);
    // Tokens carry the user's grants; they expire and can be revoked.
    let o = gongkai(&db, &["token", "create", "--user", "li"]);
    let token = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert_eq!(token.len(), 64);
    let hash = gongkai_web::auth::token_hash(&token);
    let p = d.token_principal(&hash, now).await.unwrap().unwrap();
    assert_eq!(p.grants.len(), 2);
    let err = stderr(&o);
    let id = err
        .split("令牌编号 ")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .unwrap();
    assert!(gongkai(&db, &["token", "revoke", id]).status.success());
    assert!(d.token_principal(&hash, now).await.unwrap().is_none());
    let o = gongkai(
        &db,
        &["token", "create", "--user", "li", "--expires", "2020-01-01"],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = gongkai(
        &db,
        &["token", "create", "--user", "li", "--expires", "2099-12-31"],
    );
    let token = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let hash = gongkai_web::auth::token_hash(&token);
    assert!(d.token_principal(&hash, now).await.unwrap().is_some());
    let later = time::macros::datetime!(2100-01-01 0:00 UTC);
    assert!(d.token_principal(&hash, later).await.unwrap().is_none());
    // A disabled user's tokens stop working; enabling restores them.
    assert!(gongkai(&db, &["user", "disable", "li"]).status.success());
    assert!(d.token_principal(&hash, now).await.unwrap().is_none());
    assert!(gongkai(&db, &["user", "enable", "li"]).status.success());
    assert!(d.token_principal(&hash, now).await.unwrap().is_some());
    let o = gongkai(&db, &["token", "create", "--user", "nobody"]);
    assert_eq!(o.status.code(), Some(2));
    // Every change is in the audit log.
    let log = d.audit_log(&Default::default()).await.unwrap();
    for action in [
        "创建用户",
        "授予角色",
        "撤销角色",
        "创建 API 令牌",
        "撤销 API 令牌",
        "停用用户",
        "启用用户",
    ] {
        assert!(log.iter().any(|r| r.action == action), "{action}: {log:?}");
    }
}

fn shared(rel: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/reference")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

fn audit_json(files: &[String]) -> (Option<i32>, Vec<serde_json::Value>, String) {
    let mut args = vec!["audit", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let o = gongkai("sqlite::memory:", &args);
    let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap_or_default();
    (o.status.code(), v, stderr(&o))
}

fn codes(a: &serde_json::Value) -> Vec<String> {
    a["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["code"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn audit_reads_the_reference_reports_with_their_known_findings() {
    let files: Vec<String> = [
        "wuzhong-ggzy-2024-annual-report.txt",
        "real-reports/02-pingtan-zonghe-shiyanqu-2019.html",
        "real-reports/03-pingtan-zonghe-shiyanqu-2020.html",
        "real-reports/04-pingtan-zonghe-shiyanqu-2021.html",
        "real-reports/07-hongze-quzhengfu-2023.txt",
        "real-reports/09-huaian-shizhengfu-2024.txt",
        "real-reports/10-hongze-quzhengfu-2024.txt",
    ]
    .iter()
    .map(|f| shared(f))
    .collect();
    let (code, v, err) = audit_json(&files);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(v.len(), 7);
    // The reference: all zero, the period clipped, label variants, and table 四's data row with
    // 16 values under 15 headers, which is a TABLE_SHAPE (contracts.md §5), not a guess.
    let r = &v[0];
    assert_eq!(
        (r["year"].as_i64(), r["period"]["from"].as_str()),
        (Some(2024), Some("2024-05-29"))
    );
    assert_eq!(r["sections"].as_array().map(|s| s.len()), Some(6));
    let variants = codes(r).iter().filter(|c| *c == "LABEL_VARIANT").count();
    assert!(variants >= 3, "{:?}", codes(r));
    let shapes: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["code"] != "LABEL_VARIANT")
        .collect();
    assert_eq!(shapes.len(), 1, "{shapes:?}");
    assert_eq!(
        (shapes[0]["code"].as_str(), shapes[0]["where"].as_str()),
        (Some("TABLE_SHAPE"), Some("表四"))
    );
    assert_eq!(r["appeals"], serde_json::json!({}));
    assert_eq!(r["requests"]["new_received"]["total"], 0);
    assert_eq!(r["readings"]["requests"]["method"], "grid");
    // 平潭 2020: the real R3 error; 2021: clean, with its values.
    assert!(codes(&v[2]).contains(&"T3_OUTCOME_TOTAL".to_string()));
    assert_eq!(v[1]["format"], "2019");
    let p21 = &v[3];
    assert!(
        !codes(p21)
            .iter()
            .any(|c| c.starts_with("T3") || c.starts_with("T4")),
        "{:?}",
        codes(p21)
    );
    assert_eq!(p21["requests"]["new_received"]["natural_person"], 64);
    assert_eq!(p21["requests"]["carried_forward"]["total"], 1);
    assert_eq!(p21["appeals"]["reconsideration"]["total"], 3);
    assert_eq!(p21["appeals"]["litigation_direct"]["total"], 12);
    assert_eq!(p21["proactive"]["fees_wan_yuan"], "24252.311082");
    // 洪泽 2023: table 四 wrong; 淮安 2024: clean; 洪泽 2024: the narrative conflict.
    assert_eq!(codes(&v[4]).iter().filter(|c| *c == "T4_TOTAL").count(), 2);
    assert!(
        v[4]["requests"]["other_processing"].is_object(),
        "single （六） row"
    );
    let h = &v[5];
    assert!(codes(h).is_empty(), "{:?}", codes(h));
    assert_eq!(
        (
            h["requests"]["new_received"]["total"].as_i64(),
            h["requests"]["carried_over"]["total"].as_i64(),
            h["requests"]["total_processed"]["total"].as_i64(),
            h["requests"]["carried_forward"]["total"].as_i64()
        ),
        (Some(3119), Some(34), Some(3050), Some(103))
    );
    assert_eq!(
        (
            h["appeals"]["reconsideration"]["total"].as_i64(),
            h["appeals"]["litigation_direct"]["total"].as_i64(),
            h["appeals"]["litigation_after_reconsideration"]["total"].as_i64()
        ),
        (Some(351), Some(26), Some(20))
    );
    assert!(codes(&v[6]).contains(&"NARRATIVE_CONFLICT".to_string()));
    assert!(
        !codes(&v[6])
            .iter()
            .any(|c| c.starts_with("T3") || c.starts_with("T4"))
    );
}

#[test]
fn audit_reads_pdfs_as_their_text() {
    for n in [
        "07-hongze-quzhengfu-2023",
        "09-huaian-shizhengfu-2024",
        "10-hongze-quzhengfu-2024",
    ] {
        let (_, v, err) = audit_json(&[
            shared(&format!("real-reports/{n}.pdf")),
            shared(&format!("real-reports/{n}.txt")),
        ]);
        assert_eq!(v.len(), 2, "{err}");
        for key in ["requests", "appeals", "proactive", "year"] {
            assert_eq!(v[0][key], v[1][key], "{n} {key}");
        }
        assert_eq!(codes(&v[0]), codes(&v[1]), "{n}");
    }
}

#[tokio::test]
async fn our_own_reports_audit_clean_in_every_format() {
    let db = demo_db().await;
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (year, fmt) in [
        (2024, "md"),
        (2024, "html"),
        (2024, "docx"),
        (2025, "md"),
        (2025, "html"),
        (2025, "docx"),
    ] {
        let path = dir.path().join(format!("r{year}.{fmt}"));
        let p = path.to_string_lossy().to_string();
        let o = gongkai(
            &db,
            &[
                "report",
                "--agency",
                "wuzhong-ggzy",
                "--year",
                &year.to_string(),
                "--format",
                fmt,
                "-o",
                &p,
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        files.push(p);
    }
    let o = gongkai(
        &db,
        &[
            "report",
            "--agency",
            "wuzhong-ggzy",
            "--year",
            "2025",
            "--format",
            "json",
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let (code, v, err) = audit_json(&files);
    assert_eq!(code, Some(0), "{err}");
    for a in &v {
        assert!(codes(a).is_empty(), "{}: {:?}", a["file"], a["findings"]);
        assert_eq!(a["agency"], "吴忠市公共资源交易服务中心");
    }
    for a in &v[3..] {
        assert_eq!(a["requests"], report["requests"], "{}", a["file"]);
        assert_eq!(a["appeals"], report["appeals"], "{}", a["file"]);
    }
    // A report broken once per rule is caught.
    let md = std::fs::read_to_string(&files[3]).unwrap();
    let broken = md.replacen(
        "| 四、结转下年度继续办理 | 1 |",
        "| 四、结转下年度继续办理 | 9 |",
        1,
    );
    assert_ne!(broken, md);
    let bad = dir.path().join("bad.md");
    std::fs::write(&bad, broken).unwrap();
    let (code, v, _) = audit_json(&[bad.to_string_lossy().into_owned()]);
    assert_eq!(code, Some(1));
    let c = codes(&v[0]);
    assert!(
        c.contains(&"T3_BALANCE".to_string()) && c.contains(&"T3_ROW_TOTAL".to_string()),
        "{c:?}"
    );
}

#[test]
fn audit_refuses_what_is_not_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let binary = dir.path().join("x.bin");
    std::fs::write(
        &binary,
        (0..4000u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    let prose = dir.path().join("note.txt");
    std::fs::write(&prose, "今天天气很好。\n明天也不错。\n").unwrap();
    for f in [&empty, &binary, &prose] {
        let o = gongkai("sqlite::memory:", &["audit", &f.to_string_lossy()]);
        assert_eq!(o.status.code(), Some(2), "{}", f.display());
        assert!(!stderr(&o).is_empty() && !stderr(&o).contains("panicked"));
    }
    let o = gongkai("sqlite::memory:", &["audit", "/nonexistent.pdf"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn audit_a_folder_into_an_xlsx_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("summary.xlsx");
    let o = gongkai(
        "sqlite::memory:",
        &[
            "audit",
            &shared("real-reports"),
            "--format",
            "xlsx",
            "-o",
            &out.to_string_lossy(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let bytes = std::fs::read(&out).unwrap();
    let strings = entry(&bytes, "xl/sharedStrings.xml");
    for s in [
        "汇总",
        "机构",
        "平潭综合实验区",
        "淮安市人民政府",
        "T4_TOTAL",
        "NARRATIVE_CONFLICT",
    ] {
        assert!(
            strings.contains(s) || entry(&bytes, "xl/workbook.xml").contains(s),
            "{s}"
        );
    }
    let o = gongkai(
        "sqlite::memory:",
        &["audit", &shared("real-reports"), "--format", "xlsx"],
    );
    assert_eq!(o.status.code(), Some(2));
    // Text: one summary line per file, then its findings.
    let o = gongkai(
        "sqlite::memory:",
        &[
            "audit",
            &shared("real-reports/09-huaian-shizhengfu-2024.txt"),
            &shared("real-reports/10-hongze-quzhengfu-2024.txt"),
        ],
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("淮安市人民政府 2024 年（2021 格式），错误 0 项，提示 0 项"),
        "{text}"
    );
    assert!(text.contains("[提示] NARRATIVE_CONFLICT"));
}

/// Our own 2025 report broken once per rule: each finding code appears.
#[tokio::test]
async fn audit_catches_each_rule_broken_once() {
    let db = demo_db().await;
    let o = gongkai(
        &db,
        &["report", "--agency", "wuzhong-ggzy", "--year", "2025"],
    );
    let md = String::from_utf8(o.stdout).unwrap();
    let o = gongkai(
        &db,
        &["report", "--agency", "wuzhong-ggzy", "--year", "2024"],
    );
    let md24 = String::from_utf8(o.stdout).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let line_of = |needle: &str| md.lines().find(|l| l.contains(needle)).unwrap().to_string();
    let total = line_of("（七）总计");
    let t4 = md
        .lines()
        .skip_while(|l| !l.contains("行政复议 结果维持"))
        .nth(2)
        .unwrap()
        .to_string();
    let fee = line_of("信息处理费收取情况");
    let bump_first = |line: &str| {
        let cells: Vec<&str> = line.split(" | ").collect();
        let v: i64 = cells[1].trim().parse().unwrap();
        let mut c: Vec<String> = cells.iter().map(|s| s.to_string()).collect();
        c[1] = (v + 1).to_string();
        c.join(" | ")
    };
    let t4_first = {
        let mut c: Vec<String> = t4.split(" | ").map(String::from).collect();
        c[0] = format!(
            "| {}",
            c[0].trim_start_matches("| ").parse::<i64>().unwrap() + 5
        );
        c.join(" | ")
    };
    let cases: Vec<(&str, String)> = vec![
        (
            "SECTION_MISSING",
            md.replace("## 五、存在的主要问题及改进情况", ""),
        ),
        (
            "TABLE_SHAPE",
            md.replace(&total, &total.replacen(" | 35 |", " |", 1)),
        ),
        ("T3_OUTCOME_TOTAL", md.replace(&total, &bump_first(&total))),
        ("T4_TOTAL", md.replace(&t4, &t4_first)),
        (
            "BAD_NUMBER",
            md.replace(&total, &total.replacen("| 4 |", "| -4 |", 1)),
        ),
        ("LABEL_VARIANT", md.replace("商业企业", "商业机构")),
        (
            "NARRATIVE_CONFLICT",
            md.replace("共收到政府信息公开申请37件", "共收到政府信息公开申请12件"),
        ),
        (
            "PERIOD_UNCLEAR",
            md.replace("本报告统计数据从2025年1月1日至2025年12月31日。", "")
                .replace(
                    "所列政府信息公开数据统计期限为2025年1月1日至2025年12月31日。",
                    "",
                ),
        ),
        (
            "FEE_STATEMENT_MISSING",
            md.replace(&fee, "（一）无其他事项。"),
        ),
    ];
    for (code, text) in cases {
        assert_ne!(text, md, "{code}: the mutation changed nothing");
        let f = dir.path().join(format!("{code}.md"));
        std::fs::write(&f, &text).unwrap();
        let (_, v, err) = audit_json(&[f.to_string_lossy().into_owned()]);
        assert!(
            codes(&v[0]).contains(&code.to_string()),
            "{code}: {:?} {err}",
            codes(&v[0])
        );
    }
    // Two consecutive years whose carry-over disagrees.
    let f24 = dir.path().join("2024.md");
    std::fs::write(
        &f24,
        md24.replace(
            "| 四、结转下年度继续办理 | 0 |",
            "| 四、结转下年度继续办理 | 3 |",
        )
        .replace(
            "| 0 | 0 | 0 | 0 | 0 | 0 |\n\n## 四",
            "| 0 | 0 | 0 | 0 | 0 | 3 |\n\n## 四",
        ),
    )
    .unwrap();
    let f25 = dir.path().join("2025.md");
    std::fs::write(&f25, &md).unwrap();
    let (_, v, _) = audit_json(&[
        f24.to_string_lossy().into_owned(),
        f25.to_string_lossy().into_owned(),
    ]);
    assert!(
        codes(&v[1]).contains(&"CARRYOVER_MISMATCH".to_string()),
        "{:?}",
        codes(&v[1])
    );
}

/// `notices import` then `notices check`: a tender whose bid period is one day short is the
/// one violation (exit 1, JSON of contracts.md §3.3); importing again changes nothing; a bad
/// line exits 2 naming line and field.
#[tokio::test]
async fn notices_import_and_check() {
    let url = fresh_url().await;
    assert!(add_center(&url).status.success());
    let dir = tempfile::tempdir().unwrap();
    let tender = |id: &str, deadline: &str| {
        serde_json::json!({
            "notice": id, "project": "P-1", "project_name": "某工程", "section": id,
            "section_name": "一标段", "category": "engineering", "type": "tender_notice",
            "title": "招标公告", "published": "2025-03-03T10:00:00+08:00",
            "dates": {"docs_from": "2025-03-03", "docs_to": "2025-03-10", "bid_deadline": deadline},
        })
        .to_string()
    };
    let file = dir.path().join("n.jsonl");
    std::fs::write(
        &file,
        format!(
            "{}\n{}\n",
            tender("S-1", "2025-03-22"),
            tender("S-2", "2025-03-23")
        ),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let o = gongkai(&url, &["notices", "import", f, "--agency", "c"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("新增 2 条"));
    let o = gongkai(&url, &["notices", "import", f, "--agency", "c"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("未变 2 条"));
    let o = gongkai(
        &url,
        &["notices", "check", "--agency", "c", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let bid: Vec<&serde_json::Value> = v.iter().filter(|x| x["code"] == "BID_PERIOD_20D").collect();
    assert_eq!(bid.len(), 1, "{v:?}");
    assert_eq!(bid[0]["notice"], "S-1");
    for key in ["notice", "section", "code", "message", "expected", "actual"] {
        assert!(bid[0].get(key).is_some(), "{key}");
    }
    std::fs::write(
        &file,
        format!("{}\n{{\"notice\": 1}}\n", tender("S-3", "2025-04-30")),
    )
    .unwrap();
    let o = gongkai(&url, &["notices", "import", f, "--agency", "c"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("第 2 行"), "{}", stderr(&o));
    let o = gongkai(
        &url,
        &["notices", "check", "--agency", "c", "--format", "json"],
    );
    let after: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        !after.iter().any(|x| x["notice"] == "S-3"),
        "nothing of the bad file"
    );
}

/// `notices rules`: the agency's configuration as JSON; `--set FILE` replaces it (then `notices
/// check` and `notices import` use it); a bad file exits 2 naming the field and changes nothing.
/// A large import shows no progress bar when stderr is not a terminal.
#[tokio::test]
async fn notices_rules_show_and_replace_the_agencys_configuration() {
    let url = fresh_url().await;
    assert!(add_center(&url).status.success());
    let o = gongkai(&url, &["notices", "rules", "--agency", "c"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let shown: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(shown["disabled"], serde_json::json!([]));
    assert_eq!(shown["unverified_elements"], true);
    let dir = tempfile::tempdir().unwrap();
    // A tender whose bid period is one day short, padded with many plans to a large file.
    let mut text = serde_json::json!({
        "notice": "T-1", "project": "P-1", "project_name": "某工程", "section": "S-1",
        "section_name": "一标段", "category": "engineering", "type": "tender_notice",
        "title": "招标公告", "published": "2025-03-03T10:00:00+08:00",
        "dates": {"docs_from": "2025-03-03", "docs_to": "2025-03-10", "bid_deadline": "2025-03-22"},
    })
    .to_string();
    text.push('\n');
    for i in 0..6000 {
        text.push_str(
            &serde_json::json!({
                "notice": format!("PL-{i}"), "project": format!("Q-{i}"),
                "project_name": "某采购计划（为使文件足够大而写得较长的项目名称）",
                "category": "other", "type": "tender_plan", "title": "招标计划",
                "published": "2025-01-03T10:00:00+08:00",
            })
            .to_string(),
        );
        text.push('\n');
    }
    assert!(text.len() > 1024 * 1024);
    let notices = dir.path().join("n.jsonl");
    std::fs::write(&notices, &text).unwrap();
    let o = gongkai(
        &url,
        &[
            "notices",
            "import",
            notices.to_str().unwrap(),
            "--agency",
            "c",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("读取公告") && !stderr(&o).contains('\r'),
        "no progress bar off a terminal: {}",
        stderr(&o)
    );
    let check = |url: &str| {
        let o = gongkai(
            url,
            &["notices", "check", "--agency", "c", "--format", "json"],
        );
        let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap_or_default();
        (
            o.status.code(),
            v.iter().filter(|x| x["code"] == "BID_PERIOD_20D").count(),
        )
    };
    assert_eq!(check(&url), (Some(1), 1));
    // Bad files: exit 2, the field named, nothing changed.
    for (content, needle) in [
        (r#"{"disabled": ["BID_PERIOD_21D"]}"#, "disabled[0]"),
        (r#"{"full_process": {"roads": []}}"#, "full_process.roads"),
        (r#"{"disabled": "#, "JSON"),
    ] {
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, content).unwrap();
        let o = gongkai(
            &url,
            &[
                "notices",
                "rules",
                "--agency",
                "c",
                "--set",
                bad.to_str().unwrap(),
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{content}");
        assert!(stderr(&o).contains(needle), "{needle}: {}", stderr(&o));
        assert!(stderr(&o).contains("未做任何改动"), "{}", stderr(&o));
        let o = gongkai(&url, &["notices", "rules", "--agency", "c"]);
        let now: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(now, shown);
    }
    // A good one: printed back, used by `notices check`, in the audit log.
    let good = dir.path().join("rules.json");
    std::fs::write(&good, r#"{"disabled": ["BID_PERIOD_20D"]}"#).unwrap();
    let o = gongkai(
        &url,
        &[
            "notices",
            "rules",
            "--agency",
            "c",
            "--set",
            good.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let set: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(set["disabled"], serde_json::json!(["BID_PERIOD_20D"]));
    assert_eq!(check(&url).1, 0);
    let db = gongkai_db::Db::connect(&url).await.unwrap();
    let log = db.audit_log(&Default::default()).await.unwrap();
    assert!(
        log.iter()
            .any(|r| r.action == "修改交易规则配置" && r.agency == "c"),
        "{log:?}"
    );
    let o = gongkai(&url, &["notices", "rules", "--agency", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope"));
}

/// `gongkai log verify`: 0 while the chain is intact, 1 naming the first broken entry once an
/// entry is changed, 2 for an unknown agency.
#[tokio::test]
async fn log_verify_exits_1_naming_the_first_tampered_entry() {
    use gongkai_domain::auth::{Role, Stage, Via};
    use gongkai_domain::publishing::{ItemFields, Verdict};
    let url = fresh_url().await;
    assert!(add_center(&url).status.success());
    let o = gongkai(&url, &["log", "verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("为空"));

    let db = gongkai_db::Db::connect(&url).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let roles = [
        ("ed", Role::Editor),
        ("a1", Role::Reviewer1),
        ("a2", Role::Reviewer2),
        ("a3", Role::Reviewer3),
        ("pr", Role::Proofreader),
        ("se", Role::Secrecy),
        ("hd", Role::Head),
    ];
    for (n, r) in roles {
        tx.add_user(n, "x", &[("c".into(), r)]).await.unwrap();
    }
    tx.commit().await.unwrap();
    let p = async |n: &str| db.principal_of(n, Via::Session).await.unwrap();
    let now = time::OffsetDateTime::now_utc();
    for title in ["办事指南", "收费标准"] {
        let f: ItemFields = serde_json::from_value(serde_json::json!({
            "title": title, "publisher": "某中心", "formed_on": "2024-06-03",
            "attr": "proactive", "doc_kind": "other", "column": "functions"
        }))
        .unwrap();
        let mut tx = db.begin().await.unwrap();
        let (id, _) = tx.create_item(&p("ed").await, "c", f, now).await.unwrap();
        tx.submit_item(&p("ed").await, id, now).await.unwrap();
        for (n, s) in [
            ("a1", Stage::First),
            ("a2", Stage::Second),
            ("pr", Stage::Proofread),
            ("pr", Stage::Proofread),
            ("pr", Stage::Proofread),
            ("se", Stage::Secrecy),
            ("a3", Stage::Final),
        ] {
            tx.review_item(&p(n).await, id, s, Verdict::Pass, "", now)
                .await
                .unwrap();
        }
        tx.publish_item(Some(&p("hd").await), id, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let o = gongkai(&url, &["log", "verify", "--agency", "c"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("共 2 条，链完整"));
    let o = gongkai(&url, &["log", "verify", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true);

    gongkai_db::testing::forge_log_entry(&db, "c", 1)
        .await
        .unwrap();
    let o = gongkai(&url, &["log", "verify"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("第 1 条") && out.contains("改动"), "{out}");
    let o = gongkai(&url, &["log", "verify", "--agency", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}
