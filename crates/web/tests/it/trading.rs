//! Trading disclosure in the back office: the violations queue, a section's timeline with its
//! corrections and stages, the bidder lookup, and the agency scope of all three.

use axum::http::StatusCode;
use gongkai_db::{AuditEntry, Db};
use gongkai_domain::auth::Role;
use gongkai_domain::ledger::NewAgency;
use gongkai_domain::trading::{RuleCode, RuleConfig, SampleNotice, sample_uscc};
use serde_json::{Value, json};

use crate::admin::{PASSWORD, send, session};

/// A procurement notice of project P-1, section `section`, with every required element.
fn notice(id: &str, ty: &str, section: &str, published: &str, dates: Value) -> Value {
    SampleNotice::new(id, ty, "procurement", published)
        .section(Some((section, &format!("{section} 标段"))))
        .dates(dates)
        .bidders(vec![
            ("甲建设有限公司".into(), acme()),
            ("乙工程有限公司".into(), sample_uscc(2)),
        ])
        .json()
}

fn acme() -> String {
    sample_uscc(1)
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

const RULES_API: &str = "/api/v1/admin/notices/rules?agency=a";

#[tokio::test]
async fn an_agencys_rule_configuration_is_read_and_replaced_over_the_api() {
    let (app, db) = world().await;
    let (cookie, csrf) = session(&app, "admin-a").await;
    let get = send(&app, "GET", RULES_API, &cookie, &[], None).await;
    assert_eq!(get.status, StatusCode::OK, "{}", get.body);
    let default: Value = serde_json::from_str(&get.body).unwrap();
    assert_eq!(default, RuleConfig::default().to_json());
    // RESULT_2WD turned off: the late result leaves the queue and `notices check`.
    let put = send(
        &app,
        "PUT",
        RULES_API,
        &cookie,
        &[("x-csrf-token", csrf.as_str())],
        Some((
            "application/json",
            json!({"disabled": ["RESULT_2WD"]}).to_string(),
        )),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let saved: Value = serde_json::from_str(&put.body).unwrap();
    assert_eq!(saved["disabled"], json!(["RESULT_2WD"]));
    let again: Value =
        serde_json::from_str(&send(&app, "GET", RULES_API, &cookie, &[], None).await.body).unwrap();
    assert_eq!(again, saved);
    assert!(
        !db.check_notices("a")
            .await
            .unwrap()
            .iter()
            .any(|v| v.code == RuleCode::Result2wd)
    );
    let queue = send(&app, "GET", "/admin/trading?agency=a", &cookie, &[], None).await;
    assert!(!queue.body.contains("RESULT_2WD"), "{}", queue.body);
    // The other agency keeps the defaults.
    assert_eq!(db.rule_config("b").await.unwrap(), RuleConfig::default());
    // Bad input: 422 naming the field, nothing changed.
    for (body, field) in [
        (json!({"disabled": ["NOPE"]}), "disabled[0]"),
        (json!({"roll_deadlines": "yes"}), "roll_deadlines"),
        (
            json!({"full_process": {"engineering": [[]]}}),
            "full_process.engineering[0]",
        ),
        (json!({"colour": 1}), "colour"),
    ] {
        let res = send(
            &app,
            "PUT",
            RULES_API,
            &cookie,
            &[("x-csrf-token", csrf.as_str())],
            Some(("application/json", body.to_string())),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(res.body.contains(field), "{field}: {}", res.body);
        assert_eq!(db.rule_config("a").await.unwrap().to_json(), saved);
    }
    // The change is in the audit log, with the configuration.
    let log = db.audit_log(&Default::default()).await.unwrap();
    assert!(
        log.iter().any(|r| r.action == "修改交易规则配置"
            && r.agency == "a"
            && r.user_name == "admin-a"
            && r.detail.contains("RESULT_2WD")),
        "{log:?}"
    );
    // An editor may view trading but not read or change the configuration over the API; an
    // admin of another agency neither.
    for user in ["editor-a", "admin-b"] {
        let (c, x) = session(&app, user).await;
        assert_eq!(
            send(&app, "GET", RULES_API, &c, &[], None).await.status,
            StatusCode::FORBIDDEN
        );
        let res = send(
            &app,
            "PUT",
            RULES_API,
            &c,
            &[("x-csrf-token", x.as_str())],
            Some(("application/json", "{}".into())),
        )
        .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{user}");
    }
    assert_eq!(db.rule_config("a").await.unwrap().to_json(), saved);
}

#[tokio::test]
async fn the_rules_page_lists_every_rule_and_marks_what_is_from_memory() {
    let (app, db) = world().await;
    let (cookie, _) = session(&app, "admin-a").await;
    let page = send(&app, "GET", "/admin/trading/a/rules", &cookie, &[], None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    for r in RuleCode::ALL {
        assert!(body.contains(r.code()), "{}", r.code());
        assert!(body.contains(r.basis()), "{}", r.basis());
        assert!(
            body.contains(&format!("name=\"rule\" value=\"{}\" checked", r.code())),
            "{} on by default",
            r.code()
        );
    }
    assert!(body.contains("凭记忆，待核实 [M]"), "{body}");
    assert!(body.contains("保存配置"));
    let csrf = crate::admin::hidden_csrf(body);
    // Everything on but RESULT_2WD, and one element from memory waived.
    // An element from memory, shown as such.
    use gongkai_domain::trading::{Basis, Category, NoticeType, builtin_elements};
    let memory = NoticeType::ALL
        .iter()
        .flat_map(|t| Category::ALL.iter().map(move |c| (t, c)))
        .find_map(|(t, c)| {
            builtin_elements(*t, *c)
                .iter()
                .find(|e| e.basis == Basis::Memory)
                .map(|e| format!("{}|elements.{}", t.code(), e.key))
        })
        .unwrap_or_default();
    assert!(
        body.contains(&format!(
            "<strong>凭记忆，待核实 [M]</strong></td>\n<td><label><input type=\"checkbox\" name=\"element\" value=\"{memory}\" checked"
        )),
        "{memory}: {body}"
    );
    let mut fields: Vec<(&str, &str)> = vec![("csrf", &csrf), ("unverified_elements", "1")];
    let codes: Vec<&str> = RuleCode::ALL
        .iter()
        .filter(|r| **r != RuleCode::Result2wd)
        .map(|r| r.code())
        .collect();
    fields.extend(codes.iter().map(|c| ("rule", *c)));
    let values: Vec<String> = body
        .split("name=\"element\" value=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .filter(|v| *v != memory)
        .collect();
    fields.extend(values.iter().map(|v| ("element", v.as_str())));
    let saved = send(
        &app,
        "POST",
        "/admin/trading/a/rules",
        &cookie,
        &[],
        crate::admin::form(&fields),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let cfg = db.rule_config("a").await.unwrap();
    assert_eq!(
        cfg.disabled.iter().copied().collect::<Vec<_>>(),
        vec![RuleCode::Result2wd]
    );
    let (t, path) = memory.split_once('|').unwrap();
    assert_eq!(
        cfg.waived_elements.iter().collect::<Vec<_>>(),
        vec![&(
            gongkai_domain::codes::NoticeType::from_code(t).unwrap(),
            path.to_string()
        )]
    );
    let after = send(
        &app,
        "GET",
        "/admin/trading/a/rules?saved=1",
        &cookie,
        &[],
        None,
    )
    .await;
    assert!(after.body.contains("已保存"));
    assert!(
        after.body.contains("name=\"rule\" value=\"RESULT_2WD\">"),
        "off now"
    );
    // An unknown rule: refused naming the field, nothing changed.
    let bad = send(
        &app,
        "POST",
        "/admin/trading/a/rules",
        &cookie,
        &[],
        crate::admin::form(&[("csrf", &csrf), ("rule", "NOPE")]),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("rule"), "{}", bad.body);
    assert_eq!(db.rule_config("a").await.unwrap(), cfg);
    // An editor sees the page read-only and cannot save.
    let (editor, _) = session(&app, "editor-a").await;
    let ro = send(&app, "GET", "/admin/trading/a/rules", &editor, &[], None).await;
    assert_eq!(ro.status, StatusCode::OK);
    assert!(ro.body.contains("仅供查看") && !ro.body.contains("保存配置"));
    let csrf_e = crate::admin::hidden_csrf(&ro.body);
    let refused = send(
        &app,
        "POST",
        "/admin/trading/a/rules",
        &editor,
        &[],
        crate::admin::form(&[("csrf", &csrf_e)]),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(db.rule_config("a").await.unwrap(), cfg);
}

/// The `<entry>` elements of an Atom document, as (id, title, updated, link href, category).
fn atom_entries(xml: &str) -> Vec<[String; 5]> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let mut cur: Option<[String; 5]> = None;
    let mut field: Option<usize> = None;
    let mut root = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).to_string();
                if root.is_empty() {
                    root = name.clone();
                    let ns = e
                        .try_get_attribute("xmlns")
                        .ok()
                        .flatten()
                        .map(|a| String::from_utf8_lossy(&a.value).to_string());
                    assert_eq!(ns.as_deref(), Some("http://www.w3.org/2005/Atom"));
                }
                let attr = |k: &str| {
                    e.try_get_attribute(k)
                        .ok()
                        .flatten()
                        .and_then(|a| {
                            quick_xml::escape::unescape(&String::from_utf8_lossy(&a.value))
                                .ok()
                                .map(|v| v.to_string())
                        })
                        .unwrap_or_default()
                };
                match (name.as_str(), cur.as_mut()) {
                    ("entry", _) => cur = Some(Default::default()),
                    ("id", Some(_)) => field = Some(0),
                    ("title", Some(_)) => field = Some(1),
                    ("updated", Some(_)) => field = Some(2),
                    ("link", Some(c)) => c[3] = attr("href"),
                    ("category", Some(c)) => c[4] = attr("term"),
                    _ => field = None,
                }
            }
            Ok(Event::Text(t)) => {
                if let (Some(i), Some(c)) = (field, cur.as_mut()) {
                    c[i].push_str(&t.decode().unwrap_or_default());
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let (Some(i), Some(c)) = (field, cur.as_mut()) {
                    let name = String::from_utf8_lossy(&r).to_string();
                    c[i].push_str(match name.as_str() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        _ => "'",
                    });
                }
            }
            Ok(Event::End(e)) => {
                field = None;
                if e.name().as_ref() == b"entry" {
                    out.extend(cur.take());
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => panic!("not well-formed XML: {e}\n{xml}"),
            _ => {}
        }
    }
    assert_eq!(root, "feed");
    out
}

#[tokio::test]
async fn atom_feeds_list_each_categorys_published_versions_newest_first() {
    let (app, db) = world().await;
    // An engineering project in agency b, with a title that needs escaping.
    let eng = SampleNotice::new("E-1", "tender_notice", "engineering", "2025-03-03")
        .project("P-9", "某道路 <改造> & 养护工程")
        .dates(json!({"docs_from": "2025-03-03", "docs_to": "2025-03-10", "bid_deadline": "2025-03-31"}))
        .json();
    db.import_notices("b", &lines(&[eng])).await.unwrap();
    let res = send(
        &app,
        "GET",
        "/feed/notices.atom?category=procurement",
        "",
        &[],
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let entries = atom_entries(&res.body);
    assert!(
        res.body.contains("<title>交易公告 · 政府采购</title>"),
        "{}",
        res.body
    );
    assert!(res.body.contains("xml:lang=\"zh-CN\""));
    // Agency a's procurement versions: T-1 v1, O-1, R-1, T-1 v2 — newest first.
    let ids: Vec<&str> = entries.iter().map(|e| e[0].as_str()).collect();
    assert_eq!(
        ids,
        [
            "urn:gongkai:notice:a:T-1:v2",
            "urn:gongkai:notice:a:R-1:v1",
            "urn:gongkai:notice:a:O-1:v1",
            "urn:gongkai:notice:a:T-1:v1",
        ]
    );
    assert!(
        entries[0][1].contains("S-1 招标公告（更正）（更正 第 2 版）"),
        "{:?}",
        entries[0]
    );
    assert!(
        entries
            .iter()
            .all(|e| e[4] == "procurement" && !e[2].is_empty())
    );
    // Each entry links to the version as public JSON.
    for e in &entries {
        let json = send(&app, "GET", &e[3], "", &[], None).await;
        assert_eq!(json.status, StatusCode::OK, "{}", e[3]);
        let v: Value = serde_json::from_str(&json.body).unwrap();
        assert!(e[0].contains(&format!(
            ":{}:v{}",
            v["notice"].as_str().unwrap(),
            v["version"]
        )));
    }
    // The engineering feed has only agency b's notice, its title escaped and read back whole.
    let eng = atom_entries(
        &send(
            &app,
            "GET",
            "/feed/notices.atom?category=engineering",
            "",
            &[],
            None,
        )
        .await
        .body,
    );
    assert_eq!(eng.len(), 1);
    assert_eq!(eng[0][0], "urn:gongkai:notice:b:E-1:v1");
    // Without a category: all of them; an unknown category: 400 naming the field.
    let all = send(&app, "GET", "/feed/notices.atom", "", &[], None).await;
    assert_eq!(atom_entries(&all.body).len(), 5);
    let bad = send(
        &app,
        "GET",
        "/feed/notices.atom?category=roads",
        "",
        &[],
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("category"), "{}", bad.body);
    let missing = send(&app, "GET", "/api/v1/feed/notices/999999", "", &[], None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// The `href` of the feed-level `<link rel="REL">` of an Atom document (`None`: no such link).
fn atom_link(xml: &str, rel: &str) -> Option<String> {
    let head = xml.split("<entry>").next().unwrap_or_default();
    let marker = format!("<link rel=\"{rel}\"");
    let tag = head.split(&marker).nth(1)?.split("/>").next()?;
    let href = tag.split("href=\"").nth(1)?.split('"').next()?;
    Some(href.replace("&amp;", "&"))
}

#[tokio::test]
async fn atom_feeds_page_through_every_version_once_while_notices_arrive() {
    let (app, db) = world().await;
    // 120 more procurement notices in agency b (the world has 4 versions in this category).
    let batch = |from: usize, to: usize| {
        let vs: Vec<Value> = (from..to)
            .map(|i| {
                SampleNotice::new(
                    &format!("Q-{i}"),
                    "procurement_intention",
                    "procurement",
                    "2025-02-03",
                )
                .project(&format!("PQ-{i}"), &format!("采购项目 {i}"))
                .json()
            })
            .collect();
        lines(&vs)
    };
    db.import_notices("b", &batch(0, 100)).await.unwrap();
    let mut seen: Vec<String> = Vec::new();
    let mut href = "/feed/notices.atom?category=procurement".to_string();
    let mut pages = 0;
    loop {
        let res = send(&app, "GET", &href, "", &[], None).await;
        assert_eq!(res.status, StatusCode::OK, "{href}: {}", res.body);
        assert_eq!(
            atom_link(&res.body, "first").as_deref(),
            Some("/feed/notices.atom?category=procurement")
        );
        let entries = atom_entries(&res.body);
        assert!(entries.len() <= 50, "{href}: {} entries", entries.len());
        seen.extend(entries.into_iter().map(|e| e[0].clone()));
        pages += 1;
        if pages == 1 {
            // New notices arrive while a reader pages back: they go on top, not into the pages.
            db.import_notices("b", &batch(100, 120)).await.unwrap();
        }
        match atom_link(&res.body, "next") {
            Some(next) => {
                assert!(next.contains("category=procurement&before="), "{next}");
                href = next;
            }
            None => break,
        }
    }
    // 104 versions when paging began: three pages, every version once, newest first.
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 104, "{seen:?}");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 104);
    assert_eq!(seen[0], "urn:gongkai:notice:b:Q-99:v1");
    assert_eq!(seen[103], "urn:gongkai:notice:a:T-1:v1");
    // The first page now starts with the newest arrivals: at once for a new reader, or, where
    // an earlier reader's page was kept (the public pages' cache), as soon as the server reads
    // the public change log (within its check interval; polled here for at most 10 s).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let newest = loop {
        let first = send(
            &app,
            "GET",
            "/feed/notices.atom?category=procurement",
            "",
            &[],
            None,
        )
        .await;
        let newest = atom_entries(&first.body)[0][0].clone();
        if newest != "urn:gongkai:notice:b:Q-99:v1" || std::time::Instant::now() > deadline {
            break newest;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(newest, "urn:gongkai:notice:b:Q-119:v1");
    // A cursor that is not a positive integer is refused, naming the parameter.
    for bad in ["abc", "-5", "0"] {
        let res = send(
            &app,
            "GET",
            &format!("/feed/notices.atom?before={bad}"),
            "",
            &[],
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(res.body.contains("before"), "{}", res.body);
    }
}

/// The portal's trading information: anonymous, newest first, narrowed by category, phase,
/// type and dates with a Chinese message naming a bad field; paged; each notice links to its
/// section's whole timeline (corrections marked, bidders named); nothing published after today
/// shows; a title is text, never markup.
#[tokio::test]
async fn the_portal_lists_trading_notices_by_phase_and_category_and_shows_a_sections_timeline() {
    let (app, db) = world().await;
    let mut eng = SampleNotice::new("E-1", "tender_notice", "engineering", "2025-05-06")
        .project("P-2", "城区道路改造工程")
        .section(Some(("S-9", "施工")))
        .dates(json!({"docs_from": "2025-05-06", "docs_to": "2025-05-26", "bid_deadline": "2025-05-27"}))
        .json();
    eng["title"] = json!("<script>alert(1)</script>道路改造招标公告");
    let later = SampleNotice::new("F-1", "procurement_intention", "procurement", "2099-01-05")
        .project("P-3", "未来项目")
        .json();
    db.import_notices("a", &lines(&[eng, later])).await.unwrap();
    let get = async |uri: &str| send(&app, "GET", uri, "", &[], None).await;

    let all = get("/agencies/a/trading").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert!(all.body.contains("共 4 条"), "{}", all.body);
    assert!(!all.body.contains("未来项目"), "published after today");
    assert!(!all.body.contains("<script>alert"), "a title is text");
    assert!(
        all.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;道路改造招标公告")
            || all.body.contains("&lt;script&gt;"),
        "{}",
        all.body
    );
    // Newest first: the engineering tender of May, then the result of 18 April.
    let rows = &all.body[all.body.find("<tbody>").unwrap()..];
    let e = rows.find("道路改造招标公告").unwrap();
    let r = rows.find("中标（成交）结果公告").unwrap();
    assert!(e < r);
    assert!(all.body.contains("S-1 招标公告（更正）") && all.body.contains("（已更正）"));

    let after = get("/agencies/a/trading?stage=after").await;
    assert!(after.body.contains("共 1 条"), "{}", after.body);
    assert!(after.body.contains("事后公开"));
    let eng = get("/agencies/a/trading?category=engineering").await;
    assert!(eng.body.contains("共 1 条") && eng.body.contains("城区道路改造工程"));
    let dated = get("/agencies/a/trading?from=2025-04-01&to=2025-04-30").await;
    assert!(dated.body.contains("共 1 条"), "{}", dated.body);
    let bad = get("/agencies/a/trading?category=bogus&from=2025-13-01&page=0").await;
    assert_eq!(bad.status, StatusCode::OK);
    for field in ["交易类别", "from", "页码"] {
        assert!(bad.body.contains(field), "{field}: {}", bad.body);
    }
    assert!(bad.body.contains("共 4 条"), "bad fields are left out");

    // Paged: 25 more intentions, 20 a page, the next link keeps the filter.
    let many: Vec<Value> = (0..25)
        .map(|i| {
            SampleNotice::new(
                &format!("I-{i}"),
                "procurement_intention",
                "procurement",
                "2025-02-03",
            )
            .project(&format!("PI-{i}"), &format!("意向项目 {i}"))
            .json()
        })
        .collect();
    db.import_notices("a", &lines(&many)).await.unwrap();
    let before = get("/agencies/a/trading?stage=before").await;
    assert!(
        before.body.contains("共 25 条，第 1 / 2 页"),
        "{}",
        before.body
    );
    assert!(
        before
            .body
            .contains("/agencies/a/trading?stage=before&#38;page=2")
            || before.body.contains("stage=before&amp;page=2"),
        "{}",
        before.body
    );
    let second = get("/agencies/a/trading?stage=before&page=2").await;
    assert_eq!(second.body.matches("意向项目").count(), 5);

    // The section's timeline, linked from the list.
    assert!(
        all.body.contains("href=\"/agencies/a/trading/P-1/S-1\""),
        "{}",
        all.body
    );
    let tl = get("/agencies/a/trading/P-1/S-1").await;
    assert_eq!(tl.status, StatusCode::OK, "{}", tl.body);
    for want in [
        "S-1 招标公告（更正）",
        "第 2 版，更正",
        "已被更正",
        "开标记录",
        "中标（成交）结果公告",
        "甲建设有限公司",
        "事中公开",
        "事后公开",
    ] {
        assert!(tl.body.contains(want), "{want}: {}", tl.body);
    }
    assert_eq!(
        get("/agencies/a/trading/P-1/NOPE").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get("/agencies/a/trading/P-3/x").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get("/agencies/nobody/trading").await.status,
        StatusCode::NOT_FOUND
    );
}
