//! Trading notices: import with versions (idempotent; corrections kept as new versions), errors
//! naming line and field with nothing written, violations on arrival, section completion and
//! the change feed paging through every version exactly once.

use crate::agency;
use gongkai_db::testing::{fail_at, fresh_db};
use gongkai_db::{Db, DbError};
use gongkai_domain::ledger::NewAgency;
use gongkai_domain::trading::{FeedCursor, RuleCode, RuleConfig, SampleNotice};
use serde_json::{Value, json};
use time::macros::date;

/// A notice of section `section` of project P-1 with every required element filled in.
fn notice(id: &str, ty: &str, section: &str, published: &str, dates: Value) -> Value {
    SampleNotice::new(id, ty, "procurement", published)
        .section(Some((section, &format!("{section} 标段"))))
        .dates(dates)
        .json()
}

fn tender(id: &str, section: &str, published: &str, deadline: &str) -> Value {
    notice(
        id,
        "tender_notice",
        section,
        published,
        json!({"docs_from": published, "docs_to": "2025-03-20", "bid_deadline": deadline}),
    )
}

fn lines(vs: &[Value]) -> String {
    vs.iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

async fn feed_all(db: &Db) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = FeedCursor::default();
    loop {
        let (page, next) = db.notice_feed(cursor, 100).await.unwrap();
        out.extend(page.into_iter().map(|e| e.item));
        match next {
            Some(c) => cursor = c,
            None => return out,
        }
    }
}

#[tokio::test]
async fn import_is_idempotent_and_a_correction_is_a_new_version() {
    let db = fresh_db().await;
    agency(&db, "a").await;
    let file = lines(&[
        tender("T-1", "S-1", "2025-03-03", "2025-03-31"),
        tender("T-2", "S-2", "2025-03-03", "2025-03-31"),
    ]);
    let head = db.public_change_head().await.unwrap();
    let first = db.import_notices("a", &file).await.unwrap();
    assert_eq!((first.new, first.corrected, first.unchanged), (2, 0, 0));
    let again = db.import_notices("a", &file).await.unwrap();
    assert_eq!((again.new, again.corrected, again.unchanged), (0, 0, 2));
    let changes = db.public_changes_since(head, 100).await.unwrap();
    assert_eq!(
        changes.iter().map(|c| c.kind).collect::<Vec<_>>(),
        [gongkai_db::ChangeKind::Notice; 2],
        "the public change log names each notice written once, and an unchanged one not again"
    );
    assert_eq!(
        feed_all(&db).await.len(),
        2,
        "an unchanged notice is no change"
    );
    let mut corrected = tender("T-2", "S-2", "2025-03-03", "2025-04-01");
    corrected["title"] = json!("T-2 更正公告");
    let third = db.import_notices("a", &lines(&[corrected])).await.unwrap();
    assert_eq!((third.new, third.corrected), (0, 1));
    let notices = db.notices("a").await.unwrap();
    assert_eq!(notices.len(), 2);
    assert!(notices.iter().any(|n| n.title == "T-2 更正公告"));
    let feed = feed_all(&db).await;
    assert_eq!(feed.len(), 3);
    assert_eq!(feed[2]["notice"], "T-2");
    assert_eq!(feed[2]["version"], 2);
    assert_eq!(feed[2]["change"], "correction");
    assert_eq!(
        feed[1]["title"], "T-2 公告",
        "the old version stays in the feed"
    );
    assert_eq!(feed[0]["ocid"], feed[0]["ocid"].as_str().unwrap());
    assert_ne!(feed[0]["ocid"], feed[1]["ocid"], "one ocid per section");
    // A file may correct its own earlier line; a repeated identical line changes nothing.
    let t5 = tender("T-5", "S-5", "2025-03-03", "2025-03-31");
    let mut t5b = t5.clone();
    t5b["title"] = json!("T-5 更正公告");
    let own = db
        .import_notices("a", &lines(&[t5.clone(), t5, t5b]))
        .await
        .unwrap();
    assert_eq!((own.new, own.corrected, own.unchanged), (1, 1, 1));
    let feed = feed_all(&db).await;
    let t5: Vec<(i64, String)> = feed
        .iter()
        .filter(|i| i["notice"] == "T-5")
        .map(|i| {
            (
                i["version"].as_i64().unwrap(),
                i["title"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        t5,
        [(1, "T-5 公告".to_string()), (2, "T-5 更正公告".to_string())]
    );
}

#[tokio::test]
async fn a_bad_line_names_line_and_field_and_writes_nothing() {
    let db = fresh_db().await;
    agency(&db, "a").await;
    let mut bad_uscc = notice("B-1", "bid_opening", "S-1", "2025-03-31", json!({}));
    bad_uscc["bidders"][1]["uscc"] = json!("91640302000000001X");
    let mut script = tender("T-3", "S-3", "2025-03-03", "2025-03-31");
    script["body"] = json!("<p>公告</p><script>alert(1)</script>");
    let mut unknown = tender("T-4", "S-4", "2025-03-03", "2025-03-31");
    unknown["type"] = json!("lottery");
    for (line2, field) in [
        (bad_uscc, "bidders[1].uscc"),
        (script, "body"),
        (unknown, "type"),
    ] {
        let file = lines(&[tender("T-1", "S-1", "2025-03-03", "2025-03-31"), line2]);
        let err = db.import_notices("a", &file).await.unwrap_err().to_string();
        assert!(err.contains("第 2 行") && err.contains(field), "{err}");
        assert!(db.notices("a").await.unwrap().is_empty(), "{err}");
        assert!(feed_all(&db).await.is_empty());
    }
    // A correction may not move a notice to another type or section.
    db.import_notices(
        "a",
        &lines(&[tender("T-1", "S-1", "2025-03-03", "2025-03-31")]),
    )
    .await
    .unwrap();
    let moved = tender("T-1", "S-9", "2025-03-03", "2025-03-31");
    let err = db
        .import_notices("a", &lines(&[moved]))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("第 1 行") && err.contains("section"), "{err}");
    assert!(matches!(
        db.import_notices("nobody", "").await,
        Err(DbError::UnknownAgency(_))
    ));
}

#[tokio::test]
async fn a_failure_after_the_first_notice_leaves_nothing() {
    let db = fresh_db().await;
    agency(&db, "a").await;
    fail_at(Some("notices.after_first_notice"));
    let r = db
        .import_notices(
            "a",
            &lines(&[tender("T-1", "S-1", "2025-03-03", "2025-03-31")]),
        )
        .await;
    fail_at(None);
    assert!(r.is_err());
    assert!(db.notices("a").await.unwrap().is_empty());
    assert!(feed_all(&db).await.is_empty());
}

#[tokio::test]
async fn violations_are_reported_on_arrival_and_by_check() {
    let db = fresh_db().await;
    agency(&db, "a").await;
    // Published 2025-03-03: the bid deadline must be on or after 2025-03-23.
    let done = db
        .import_notices(
            "a",
            &lines(&[
                tender("T-1", "S-1", "2025-03-03", "2025-03-22"),
                tender("T-2", "S-2", "2025-03-03", "2025-03-23"),
            ]),
        )
        .await
        .unwrap();
    let codes: Vec<(&str, RuleCode)> = done
        .violations
        .iter()
        .map(|v| (v.notice.as_str(), v.code))
        .collect();
    assert!(
        codes.contains(&("T-1", RuleCode::BidPeriod20d)),
        "{codes:?}"
    );
    assert!(!codes.iter().any(|(n, _)| *n == "T-2"), "{codes:?}");
    let checked = db.check_notices("a").await.unwrap();
    assert_eq!(checked, done.violations);
}

#[tokio::test]
async fn a_section_is_complete_when_its_last_required_stage_is_published() {
    let db = fresh_db().await;
    agency(&db, "a").await;
    let stages = [
        tender("T-1", "S-1", "2025-03-03", "2025-03-31"),
        notice(
            "R-1",
            "award_result",
            "S-1",
            "2025-04-08",
            json!({"determined": "2025-04-07"}),
        ),
    ];
    db.import_notices("a", &lines(&stages)).await.unwrap();
    let complete = db.sections_completed("a").await.unwrap();
    assert_eq!(complete, vec![]);
    db.import_notices(
        "a",
        &lines(&[notice(
            "C-1",
            "contract",
            "S-1",
            "2025-04-10",
            json!({"signed": "2025-04-09"}),
        )]),
    )
    .await
    .unwrap();
    let complete = db.sections_completed("a").await.unwrap();
    assert_eq!(complete, vec![("S-1".to_string(), date!(2025 - 04 - 10))]);
}

#[tokio::test]
async fn the_feed_pages_through_every_version_exactly_once_while_notices_arrive() {
    let db = fresh_db().await;
    agency(&db, "a").await;
    agency(&db, "b").await;
    let batch = |from: usize, n: usize| {
        lines(
            &(from..from + n)
                .map(|i| {
                    tender(
                        &format!("T-{i}"),
                        &format!("S-{i}"),
                        "2025-03-03",
                        "2025-03-31",
                    )
                })
                .collect::<Vec<_>>(),
        )
    };
    db.import_notices("a", &batch(0, 150)).await.unwrap();
    let mut seen = Vec::new();
    let mut cursor = FeedCursor::default();
    let mut added = 0;
    loop {
        let (page, next) = db.notice_feed(cursor, 100).await.unwrap();
        assert!(page.len() <= 100);
        seen.extend(
            page.iter()
                .map(|e| (e.item["agency"].clone(), e.item["notice"].clone(), e.seq)),
        );
        // Notices keep arriving, in another agency too, between the pages.
        let arrived = added < 3;
        if arrived {
            db.import_notices(
                if added % 2 == 0 { "b" } else { "a" },
                &batch(1000 + added * 60, 60),
            )
            .await
            .unwrap();
            added += 1;
        }
        match next {
            Some(c) => cursor = c,
            // At the end a reader polls again later from the last entry it saw.
            None if arrived => {
                cursor = FeedCursor {
                    after: seen.last().map_or(0, |s| s.2),
                }
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 150 + 3 * 60);
    let mut keys: Vec<_> = seen
        .iter()
        .map(|(a, n, _)| (a.to_string(), n.to_string()))
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), seen.len(), "each version exactly once");
    assert!(seen.windows(2).all(|w| w[0].2 < w[1].2), "in change order");
    assert!(FeedCursor::decode(Some("not-a-cursor")).is_err());
}

/// Random imports into a parent and its child: notices of every stage of a few procurement
/// sections, the bidders of openings and publicities drawn from a pool and re-published as corrections with other
/// bidders and dates (some late in the evening UTC, on the next Beijing day and year).
fn bidder_imports() -> impl proptest::strategy::Strategy<Value = Vec<Vec<(bool, u8, u8, u8)>>> {
    use proptest::prelude::*;
    // (into the child?, notice id 0..10 (its section: id mod 2, its type: id mod 5), publication instant, bidders bitmask)
    proptest::collection::vec(
        proptest::collection::vec((any::<bool>(), 0u8..10, 0u8..6, any::<u8>()), 1..8),
        1..5,
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 6, ..Default::default() })]
    /// The distinct-bidder summary kept on write gives, for the parent and the child and every
    /// whole year, exactly the `bidders` figure of contracts.md §3.4 computed from the notices
    /// themselves (and the report's other trading figures are those of `trading_figures` too),
    /// after every import; no summary row is ever zero or negative.
    #[test]
    fn the_bidder_summary_is_the_exact_count_through_corrections(steps in bidder_imports()) {
        const INSTANTS: [&str; 6] = [
            "2024-03-01T10:00:00+08:00", "2024-12-31T15:59:00Z", "2024-12-31T16:00:00Z",
            "2025-06-30T23:30:00Z", "2025-12-31T20:00:00Z", "2026-02-01T09:00:00+08:00",
        ];
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = fresh_db().await;
            agency(&db, "p").await;
            db.add_agency(&NewAgency {
                code: "c".into(), name: "某县公共资源交易中心".into(),
                parent: Some("p".into()), established: Some(date!(2020 - 01 - 01)),
            }).await.unwrap();
            for step in &steps {
                let mut by_agency: [Vec<Value>; 2] = [vec![], vec![]];
                for (child, id, at, mask) in step {
                    let who = if *child { "c" } else { "p" };
                    // A notice id keeps its type, section and agency: corrections change only
                    // the date and the bidders.
                    let ty = ["bid_opening", "candidate_publicity", "tender_notice", "award_result", "contract"][usize::from(id % 5)];
                    let section = id % 2;
                    let mut v = notice(&format!("{who}-N{id}"), ty, &format!("S{section}"), "2024-01-01", json!({}));
                    v["project"] = json!(format!("P-{who}"));
                    v["published"] = json!(INSTANTS[usize::from(*at)]);
                    let bidders: Vec<Value> = (0..5u32)
                        .filter(|b| mask & (1 << b) != 0)
                        .map(|b| json!({"name": format!("公司{b}"),
                            "uscc": gongkai_domain::trading::sample_uscc(b + 1)}))
                        .collect();
                    if v.get("bidders").is_some() {
                        v["bidders"] = json!(bidders);
                    }
                    by_agency[usize::from(*child)].push(v);
                }
                for (who, vs) in ["p", "c"].iter().zip(&by_agency) {
                    if !vs.is_empty() {
                        db.import_notices(who, &lines(vs)).await.unwrap();
                    }
                }
                let child = db.notices("c").await.unwrap();
                let mut all = db.notices("p").await.unwrap();
                all.extend(child.iter().cloned());
                for year in 2024..=2026 {
                    let period = gongkai_domain::period::Period::year(year, None).unwrap();
                    let rule = gongkai_domain::ledger::FullProcessRule::default();
                    for (who, ns) in [("p", &all), ("c", &child)] {
                        let exact = gongkai_domain::trading::trading_figures(ns, period, &rule);
                        let f = db.report(who, gongkai_db::PeriodSpec::Year(year)).await.unwrap().figures;
                        let read = gongkai_domain::trading::TradingFigures {
                            trading_notices: f.trading_notices,
                            plans_and_intentions: f.plans_and_intentions,
                            sections_full_process: f.sections_full_process,
                            bidders: f.bidders,
                        };
                        assert_eq!(read, exact, "{who} {year}");
                    }
                }
                let rows = gongkai_db::testing::bidder_year_rows(&db).await;
                assert!(rows.iter().all(|r| r.3 > 0), "{rows:?}");
            }
        });
    }
}

#[tokio::test]
async fn an_agencys_rule_configuration_governs_import_check_and_completion() {
    let db = fresh_db().await;
    agency(&db, "a").await;
    agency(&db, "b").await;
    assert_eq!(db.rule_config("a").await.unwrap(), RuleConfig::default());
    // Agency a does not check BID_PERIOD_20D and needs only the tender notice and the result.
    let cfg = RuleConfig::from_json(&json!({
        "disabled": ["BID_PERIOD_20D"],
        "full_process": {"procurement": [["tender_notice"], ["award_result"]]},
    }))
    .unwrap();
    let entry = gongkai_db::AuditEntry::new(None, "修改交易规则配置").agency("a");
    db.write(&entry, async |tx| tx.set_rule_config("a", &cfg).await)
        .await
        .unwrap();
    assert_eq!(db.rule_config("a").await.unwrap(), cfg);
    assert_eq!(db.rule_config("b").await.unwrap(), RuleConfig::default());
    let file = lines(&[
        tender("T-1", "S-1", "2025-03-03", "2025-03-22"),
        notice(
            "R-1",
            "award_result",
            "S-1",
            "2025-04-08",
            json!({"determined": "2025-04-07"}),
        ),
    ]);
    for code in ["a", "b"] {
        let done = db.import_notices(code, &file).await.unwrap();
        let late = done
            .violations
            .iter()
            .any(|v| v.code == RuleCode::BidPeriod20d);
        assert_eq!(late, code == "b", "{code}: {:?}", done.violations);
        let checked = db.check_notices(code).await.unwrap();
        assert_eq!(checked, done.violations, "{code}");
    }
    assert_eq!(
        db.sections_completed("a").await.unwrap(),
        vec![("S-1".to_string(), date!(2025 - 04 - 08))],
        "complete under a's stages"
    );
    assert_eq!(db.sections_completed("b").await.unwrap(), vec![]);
    // Back to the defaults: the section needs its contract again, at once.
    db.write(&entry, async |tx| {
        tx.set_rule_config("a", &RuleConfig::default()).await
    })
    .await
    .unwrap();
    assert_eq!(db.sections_completed("a").await.unwrap(), vec![]);
    assert!(
        db.check_notices("a")
            .await
            .unwrap()
            .iter()
            .any(|v| v.code == RuleCode::BidPeriod20d)
    );
    // An unknown agency is refused.
    let unknown = db
        .write(&entry, async |tx| tx.set_rule_config("nope", &cfg).await)
        .await;
    assert!(matches!(unknown, Err(DbError::UnknownAgency(_))));
}

#[tokio::test]
async fn sections_keep_the_ocid_they_were_created_with_and_the_feed_shows_it() {
    let db = fresh_db().await;
    agency(&db, "a").await;
    let entry = gongkai_db::AuditEntry::new(None, "设置 OCID 前缀");
    assert_eq!(
        db.ocid_prefix().await.unwrap(),
        gongkai_db::trading::DEFAULT_OCID_PREFIX
    );
    for bad in ["ocds-ABCDEF", "ocds-abc", "ocid-a1b2c3", ""] {
        let err = db
            .set_ocid_prefix(bad, "ocid_prefix", &entry)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("ocid_prefix"), "{bad}: {err}");
    }
    assert!(
        db.set_ocid_prefix("ocds-a1b2c3", "ocid_prefix", &entry)
            .await
            .unwrap()
    );
    assert!(
        !db.set_ocid_prefix("ocds-a1b2c3", "ocid_prefix", &entry)
            .await
            .unwrap(),
        "unchanged"
    );
    db.import_notices(
        "a",
        &lines(&[tender("T-1", "S-1", "2025-03-03", "2025-03-31")]),
    )
    .await
    .unwrap();
    // The deployment's prefix changes: S-1 keeps its ocid, a new section gets the new prefix.
    db.set_ocid_prefix("ocds-zz9999", "ocid_prefix", &entry)
        .await
        .unwrap();
    let mut corrected = tender("T-1", "S-1", "2025-03-03", "2025-04-01");
    corrected["title"] = json!("T-1 更正公告");
    db.import_notices(
        "a",
        &lines(&[corrected, tender("T-2", "S-2", "2025-03-03", "2025-03-31")]),
    )
    .await
    .unwrap();
    let ocids: Vec<(String, String)> = feed_all(&db)
        .await
        .iter()
        .map(|i| {
            (
                i["notice"].to_string(),
                i["ocid"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        ocids,
        [
            (
                "\"T-1\"".to_string(),
                "ocds-a1b2c3-a-P%2D1-S%2D1".to_string()
            ),
            (
                "\"T-1\"".to_string(),
                "ocds-a1b2c3-a-P%2D1-S%2D1".to_string()
            ),
            (
                "\"T-2\"".to_string(),
                "ocds-zz9999-a-P%2D1-S%2D2".to_string()
            ),
        ]
    );
    // A plan has no section: the project's ocid with the deployment's prefix.
    let plan = SampleNotice::new("PL-1", "tender_plan", "procurement", "2025-01-03").json();
    db.import_notices("a", &lines(&[plan])).await.unwrap();
    let feed = feed_all(&db).await;
    assert_eq!(feed[3]["ocid"], "ocds-zz9999-a-P%2D1");
    let log = db.audit_log(&Default::default()).await.unwrap();
    assert_eq!(
        log.iter().filter(|r| r.action == "设置 OCID 前缀").count(),
        2,
        "{log:?}"
    );
}

#[tokio::test]
async fn generated_sections_get_their_ocid_as_imported_ones_do() {
    let db = fresh_db().await;
    let entry = gongkai_db::AuditEntry::new(None, "设置 OCID 前缀");
    db.set_ocid_prefix("ocds-a1b2c3", "ocid_prefix", &entry)
        .await
        .unwrap();
    // A section of `gongkai gen` (written by `insert_ledger`, as `demo` writes its ledger) ...
    db.add_agency(&gongkai_synth::gen_parent()).await.unwrap();
    let g = db.add_agency(&gongkai_synth::gen_agency(0)).await.unwrap();
    let spec = gongkai_synth::GenSpec {
        agencies: 1,
        years: 1,
        seed: 7,
        last_year: 2025,
    };
    db.insert_ledger(g.id, &gongkai_synth::gen_ledger(&spec, 0))
        .await
        .unwrap();
    let generated = db.section_ocids(&g.code).await.unwrap();
    assert!(!generated.is_empty());
    for ((project, section), id) in &generated {
        assert_eq!(
            id,
            &gongkai_domain::trading::ocid("ocds-a1b2c3", &g.code, project, Some(section)),
        );
    }
    // ... has the ocid an imported section of the same codes gets.
    let (project, section) = generated.keys().next().unwrap();
    agency(&db, "a").await;
    let v = SampleNotice::new("T-1", "tender_notice", "procurement", "2025-03-03")
        .project(project, "某项目")
        .section(Some((section, "包1")))
        .dates(json!({"docs_from": "2025-03-03", "docs_to": "2025-03-20", "bid_deadline": "2025-03-31"}))
        .json();
    db.import_notices("a", &lines(&[v])).await.unwrap();
    let imported = db.section_ocids("a").await.unwrap();
    assert_eq!(
        imported.get(&(project.clone(), section.clone())),
        Some(&gongkai_domain::trading::ocid(
            "ocds-a1b2c3",
            "a",
            project,
            Some(section)
        )),
    );
}

/// Section codes repeat across projects (each project's lots numbered 01, 02, …): every
/// notice written by `insert_ledger` stays with its own project's section.
#[tokio::test]
async fn a_generated_notice_keeps_its_own_projects_section_when_codes_repeat() {
    let db = fresh_db().await;
    db.add_agency(&gongkai_synth::gen_parent()).await.unwrap();
    let g = db.add_agency(&gongkai_synth::gen_agency(0)).await.unwrap();
    let spec = gongkai_synth::GenSpec {
        agencies: 1,
        years: 1,
        seed: 11,
        last_year: 2025,
    };
    let mut ledger = gongkai_synth::gen_ledger(&spec, 0);
    let mut expected = std::collections::BTreeMap::new();
    for p in &mut ledger.projects {
        for (i, s) in p.sections.iter_mut().enumerate() {
            s.code = format!("{:02}", i + 1);
            for n in &s.notices {
                expected.insert(n.no.clone(), (p.code.clone(), s.code.clone()));
            }
        }
    }
    assert!(
        ledger
            .projects
            .iter()
            .filter(|p| !p.sections.is_empty())
            .count()
            > 1
    );
    db.insert_ledger(g.id, &ledger).await.unwrap();
    let links = gongkai_db::testing::notice_links(&db).await;
    let mut checked = 0;
    for (no, project, section_project, section) in links {
        if let Some((p, s)) = expected.get(&no) {
            assert_eq!((&project, &section_project, &section), (p, p, s), "{no}");
            checked += 1;
        }
    }
    assert_eq!(checked, expected.len());
}

/// After `gen` the planner knows the new rows (and, on PostgreSQL, which pages are all
/// visible, so that the report's counts can come from covering indexes).
#[tokio::test]
async fn a_bulk_load_leaves_the_planner_ready() {
    let db = fresh_db().await;
    let spec = gongkai_synth::GenSpec {
        agencies: 2,
        years: 1,
        seed: 3,
        last_year: 2025,
    };
    db.load_gen(&spec, &|_, _| {}).await.unwrap();
    assert!(gongkai_db::testing::notice_planner_ready(&db).await);
}
