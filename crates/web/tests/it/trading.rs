//! Trading disclosure in the back office: the violations queue, a section's timeline with its
//! corrections and stages, the bidder lookup, and the agency scope of all three.

use axum::http::StatusCode;
use gongkai_db::{AuditEntry, Db};
use gongkai_domain::auth::Role;
use gongkai_domain::codes::{NoticeType, TradingCategory};
use gongkai_domain::ledger::NewAgency;
use gongkai_domain::trading::{Place, RuleCode, RuleConfig, required};
use gongkai_domain::uscc;
use serde_json::{Value, json};

use crate::admin::{PASSWORD, send, session};

/// A procurement notice of project P-1, section `section`, with every required element.
fn notice(id: &str, ty: &str, section: &str, published: &str, dates: Value) -> Value {
    let t = NoticeType::from_code(ty).unwrap();
    let mut v = json!({
        "notice": id, "project": "P-1", "project_name": "某道路改造工程",
        "section": section, "section_name": format!("{section} 标段"),
        "category": "procurement", "type": ty, "title": format!("{id} 公告"),
        "published": format!("{published}T10:00:00+08:00"), "dates": dates,
    });
    let mut elements = serde_json::Map::new();
    for r in required(t, TradingCategory::Procurement, &RuleConfig::default()) {
        match r.place {
            Place::Element(k) => {
                elements.insert(k, json!("已载明"));
            }
            Place::Bidders => {
                v["bidders"] = json!([
                    {"name": "甲建设有限公司", "uscc": acme()},
                    {"name": "乙工程有限公司", "uscc": uscc::make_enterprise("640302", "00000002").unwrap()},
                ]);
            }
            Place::Date(_) => {}
        }
    }
    v["elements"] = Value::Object(elements);
    v
}

fn acme() -> String {
    uscc::make_enterprise("640302", "00000001").unwrap()
}

fn tender(id: &str, section: &str, title: &str) -> Value {
    let mut v = notice(
        id,
        "tender_notice",
        section,
        "2025-03-03",
        json!({"docs_from": "2025-03-03", "docs_to": "2025-03-20", "bid_deadline": "2025-03-31"}),
    );
    v["title"] = json!(title);
    v
}

fn lines(vs: &[Value]) -> String {
    vs.iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Agencies `a` and `b` (top level) and `a-sub` under `a`; users `{role}-{agency}`; section
/// S-1 of P-1 in `a` with a tender notice (then corrected), a bid opening and a late result.
async fn world() -> (axum::Router, Db) {
    let db = gongkai_db::testing::fresh_db().await;
    for (code, parent) in [("a", None), ("b", None), ("a-sub", Some("a"))] {
        db.add_agency(&NewAgency {
            code: code.into(),
            name: format!("{code} 公共资源交易中心"),
            parent: parent.map(String::from),
            established: None,
        })
        .await
        .unwrap();
    }
    let hash = gongkai_web::auth::hash_password(PASSWORD).unwrap();
    for role in [Role::Editor, Role::Handler, Role::System, Role::Admin] {
        for place in ["a", "b"] {
            db.add_user(
                &format!("{}-{place}", role.code()),
                &hash,
                &[(place.to_string(), role)],
                AuditEntry::new(None, "测试"),
            )
            .await
            .unwrap();
        }
    }
    db.import_notices(
        "a",
        &lines(&[
            tender("T-1", "S-1", "S-1 招标公告"),
            notice("O-1", "bid_opening", "S-1", "2025-03-31", json!({})),
        ]),
    )
    .await
    .unwrap();
    // Decided on Tuesday 1 April, due by 3 April, published on 18 April: RESULT_2WD.
    db.import_notices(
        "a",
        &lines(&[notice(
            "R-1",
            "award_result",
            "S-1",
            "2025-04-18",
            json!({"determined": "2025-04-01"}),
        )]),
    )
    .await
    .unwrap();
    // The tender notice corrected: version 2.
    db.import_notices("a", &lines(&[tender("T-1", "S-1", "S-1 招标公告（更正）")]))
        .await
        .unwrap();
    let config = gongkai_web::WebConfig {
        login_attempts_per_minute: 1000,
        ..Default::default()
    };
    (gongkai_web::router_with(db.clone(), config), db)
}

const TIMELINE: &str = "/admin/trading/a/sections/P-1/S-1";

#[tokio::test]
async fn a_late_result_is_in_the_queue_with_its_rule_and_a_link_to_its_section() {
    let (app, db) = world().await;
    let violations = db.check_notices("a").await.unwrap();
    assert!(
        violations
            .iter()
            .any(|v| v.notice == "R-1" && v.code == RuleCode::Result2wd),
        "{violations:?}"
    );
    let (cookie, _) = session(&app, "editor-a").await;
    let page = send(&app, "GET", "/admin/trading?agency=a", &cookie, &[], None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains(RuleCode::Result2wd.label()), "{body}");
    assert!(body.contains("RESULT_2WD") && body.contains("R-1"));
    assert!(body.contains("2025-04-03"), "the last day, expected");
    assert!(body.contains("2025-04-18"), "the published date, actual");
    assert!(body.contains(&format!("href=\"{TIMELINE}\"")), "{body}");
    // A count per rule, linking to the queue narrowed to it.
    assert!(
        body.contains("/admin/trading?agency=a&#38;code=RESULT_2WD"),
        "{body}"
    );
    let only = send(
        &app,
        "GET",
        "/admin/trading?agency=a&code=RESULT_2WD",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(only.status, StatusCode::OK);
    assert!(only.body.contains("仅显示") && only.body.contains("R-1"));
    let bad = send(
        &app,
        "GET",
        "/admin/trading?agency=a&code=NOPE",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // Without an agency: the first the user may view.
    let first = send(&app, "GET", "/admin/trading", &cookie, &[], None).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("R-1"));
    // The navigation links to the pages for those who may see them, and not for others.
    assert!(body.contains("href=\"/admin/trading\""));
    let (handler, _) = session(&app, "handler-a").await;
    let home = send(&app, "GET", "/admin/requests?agency=a", &handler, &[], None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.body.contains("href=\"/admin/trading\""));
}

#[tokio::test]
async fn the_newest_change_comes_first_in_the_queue() {
    let (app, db) = world().await;
    // A later import with a violation of its own (a result published late in S-2).
    db.import_notices(
        "a",
        &lines(&[notice(
            "R-2",
            "award_result",
            "S-2",
            "2025-05-20",
            json!({"determined": "2025-05-06"}),
        )]),
    )
    .await
    .unwrap();
    let (cookie, _) = session(&app, "admin-a").await;
    let body = send(&app, "GET", "/admin/trading?agency=a", &cookie, &[], None)
        .await
        .body;
    let r2 = body.find("R-2 公告").unwrap_or(usize::MAX);
    let r1 = body.find("R-1 公告").unwrap_or(0);
    assert!(r2 < r1, "R-2 changed last and is listed first: {body}");
}

#[tokio::test]
async fn the_timeline_shows_every_version_and_the_stages() {
    let (app, _db) = world().await;
    let (cookie, _) = session(&app, "editor-a").await;
    let page = send(
        &app,
        "GET",
        &format!("{TIMELINE}?as_of=2025-06-30"),
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    // Both versions of T-1, the correction marked with its number, the first superseded.
    assert!(body.contains("S-1 招标公告（更正）") && body.contains("S-1 招标公告<"));
    assert!(body.contains("<strong>更正</strong> 第 2 版"), "{body}");
    assert!(body.contains("第 1 版<br>（已被更正）"), "{body}");
    // Publication order: the tender notice, the bid opening, the result.
    let list = &body[body.find("公告（含更正").unwrap()..];
    let t = list.find("T-1").unwrap();
    let o = list.find("O-1").unwrap();
    let r = list.find("R-1").unwrap();
    assert!(t < o && o < r);
    // Bidders as listed in the bid opening.
    assert!(body.contains(&acme()));
    // Stages: the tender and the result published (the result late), the contract due.
    assert!(body.contains("各阶段状态"));
    assert!(body.contains("已公开（超期）"), "{body}");
    assert!(
        body.contains("逾期未公开") || body.contains("待公开"),
        "{body}"
    );
    // The section's violations.
    assert!(body.contains(RuleCode::Result2wd.label()));
    // An unknown section is 404; a bad date names the field.
    let none = send(
        &app,
        "GET",
        "/admin/trading/a/sections/P-1/S-9",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert!(none.body.contains("S-9"));
    let bad = send(
        &app,
        "GET",
        &format!("{TIMELINE}?as_of=2025-13-01"),
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("as_of"));
}

#[tokio::test]
async fn bidders_are_found_by_uscc_and_by_name_and_a_malformed_code_is_refused() {
    let (app, _db) = world().await;
    let (cookie, _) = session(&app, "editor-a").await;
    let page = send(
        &app,
        "GET",
        &format!("/admin/trading/bidders?agency=a&q={}", acme()),
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("甲建设有限公司"), "{}", page.body);
    assert!(page.body.contains(&format!("href=\"{TIMELINE}\"")));
    assert!(page.body.contains("O-1"));
    assert!(
        !page.body.contains("乙工程有限公司"),
        "only the company asked for"
    );
    // Lower case is the same code.
    let lower = send(
        &app,
        "GET",
        &format!("/admin/trading/bidders?q={}", acme().to_lowercase()),
        &cookie,
        &[],
        None,
    )
    .await;
    assert!(lower.body.contains("甲建设有限公司"));
    // A part of the name (percent-encoded 工程), across the agencies the user may view.
    let by_name = send(
        &app,
        "GET",
        "/admin/trading/bidders?q=%E5%B7%A5%E7%A8%8B",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(by_name.status, StatusCode::OK);
    assert!(by_name.body.contains("乙工程有限公司") && !by_name.body.contains("甲建设有限公司"));
    // A wildcard is matched literally.
    let pct = send(
        &app,
        "GET",
        "/admin/trading/bidders?q=%25",
        &cookie,
        &[],
        None,
    )
    .await;
    assert!(pct.body.contains("没有找到投标人"), "{}", pct.body);
    // A malformed code: 422 and a message naming the field.
    let mut wrong = acme();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    let bad = send(
        &app,
        "GET",
        &format!("/admin/trading/bidders?agency=a&q={wrong}"),
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("字段“统一社会信用代码”无效"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("校验位"));
    let short = send(
        &app,
        "GET",
        "/admin/trading/bidders?q=91640302000000",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(short.status, StatusCode::OK, "14 characters are a name");
    let seventeen = send(
        &app,
        "GET",
        "/admin/trading/bidders?q=91640302000000011",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(seventeen.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(seventeen.body.contains("应为18位"));
    // Another agency's user finds nothing of a's.
    let (other, _) = session(&app, "editor-b").await;
    let theirs = send(
        &app,
        "GET",
        &format!("/admin/trading/bidders?q={}", acme()),
        &other,
        &[],
        None,
    )
    .await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.body.contains("O-1") && theirs.body.contains("没有找到投标人"));
    let asked = send(
        &app,
        "GET",
        &format!("/admin/trading/bidders?agency=a&q={}", acme()),
        &other,
        &[],
        None,
    )
    .await;
    assert_eq!(asked.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn another_agencys_section_is_refused() {
    let (app, _db) = world().await;
    for user in ["editor-b", "admin-b", "handler-a", "system-a"] {
        let (cookie, _) = session(&app, user).await;
        for uri in [TIMELINE, "/admin/trading?agency=a"] {
            let page = send(&app, "GET", uri, &cookie, &[], None).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{user} {uri}");
            assert!(!page.body.contains("T-1"), "{user} {uri}");
        }
    }
    // An unknown agency is refused like a foreign one.
    let (cookie, _) = session(&app, "editor-a").await;
    let page = send(
        &app,
        "GET",
        "/admin/trading/nope/sections/P-1/S-1",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let anon = send(&app, "GET", TIMELINE, "", &[], None).await;
    assert_eq!(anon.location, "/admin/login");
}
