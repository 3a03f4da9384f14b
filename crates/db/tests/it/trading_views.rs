//! The back office's reads of trading notices: current notices with the change that made them
//! current, a section's every version in publication order, bidders by name or code within
//! the agencies given.

use crate::agency;
use gongkai_db::testing::fresh_db;
use gongkai_db::trading_views::BidderQuery;
use serde_json::{Value, json};

const ACME: &str = "914403001922038216";
const OTHER: &str = "91440300708461136T";

fn notice(id: &str, ty: &str, project: &str, section: Option<&str>, published: &str) -> Value {
    let mut v = json!({
        "notice": id, "project": project, "project_name": "某工程",
        "category": "procurement", "type": ty, "title": format!("{id} 公告"),
        "published": format!("{published}T10:00:00+08:00"),
    });
    if let Some(s) = section {
        v["section"] = json!(s);
        v["section_name"] = json!(format!("{s} 名称"));
    }
    if ty == "bid_opening" {
        v["bidders"] = json!([
            {"name": "甲_公司", "uscc": ACME},
            {"name": "乙公司", "uscc": OTHER},
        ]);
    }
    v
}

fn lines(vs: &[Value]) -> String {
    vs.iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn current_notices_carry_the_sequence_of_their_latest_change() {
    let db = fresh_db().await;
    agency(&db, "a").await;
    db.import_notices(
        "a",
        &lines(&[
            notice("T-1", "tender_notice", "P-1", Some("S-1"), "2025-03-03"),
            notice("T-2", "tender_notice", "P-1", Some("S-2"), "2025-03-04"),
        ]),
    )
    .await
    .unwrap();
    let mut fixed = notice("T-1", "tender_notice", "P-1", Some("S-1"), "2025-03-03");
    fixed["title"] = json!("T-1 更正");
    db.import_notices("a", &lines(&[fixed])).await.unwrap();
    let current = db.current_notices("a").await.unwrap();
    assert_eq!(current.len(), 2);
    assert_eq!(current[0].notice.id, "T-1", "publication order");
    assert_eq!(
        (current[0].version, current[0].notice.title.as_str()),
        (2, "T-1 更正")
    );
    assert!(current[0].seq > current[1].seq, "T-1 changed last");
    assert_eq!(current[1].version, 1);
}

#[tokio::test]
async fn a_section_timeline_has_every_version_in_publication_order() {
    let db = fresh_db().await;
    agency(&db, "a").await;
    db.import_notices(
        "a",
        &lines(&[
            notice("PLAN-1", "tender_plan", "P-1", None, "2025-02-01"),
            notice("O-1", "bid_opening", "P-1", Some("S-1"), "2025-03-31"),
            notice("T-1", "tender_notice", "P-1", Some("S-1"), "2025-03-03"),
            notice("T-9", "tender_notice", "P-1", Some("S-2"), "2025-03-03"),
        ]),
    )
    .await
    .unwrap();
    let mut fixed = notice("T-1", "tender_notice", "P-1", Some("S-1"), "2025-03-05");
    fixed["title"] = json!("T-1 更正");
    db.import_notices("a", &lines(&[fixed])).await.unwrap();
    let tl = db
        .section_timeline("a", "P-1", "S-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (tl.section_name.as_str(), tl.project_name.as_str()),
        ("S-1 名称", "某工程")
    );
    let seen: Vec<(String, i64, bool)> = tl
        .versions
        .iter()
        .map(|v| (v.notice.id.clone(), v.version, v.current))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("T-1".to_string(), 1, false),
            ("T-1".to_string(), 2, true),
            ("O-1".to_string(), 1, true),
        ]
    );
    assert_eq!(tl.current().len(), 2);
    assert_eq!(tl.project_notices.len(), 1);
    assert_eq!(tl.project_notices[0].id, "PLAN-1");
    assert!(
        db.section_timeline("a", "P-1", "S-3")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        db.section_timeline("a", "P-2", "S-1")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn bidders_are_found_by_code_or_literal_name_part_in_the_agencies_given() {
    let db = fresh_db().await;
    let a = agency(&db, "a").await;
    let b = agency(&db, "b").await;
    db.import_notices(
        "a",
        &lines(&[notice(
            "O-1",
            "bid_opening",
            "P-1",
            Some("S-1"),
            "2025-03-31",
        )]),
    )
    .await
    .unwrap();
    db.import_notices(
        "b",
        &lines(&[notice(
            "O-2",
            "bid_opening",
            "Q-1",
            Some("S-1"),
            "2025-04-30",
        )]),
    )
    .await
    .unwrap();
    let by_code = db
        .bidder_hits(&[a, b], &BidderQuery::Uscc(ACME.into()))
        .await
        .unwrap();
    assert_eq!(by_code.len(), 2);
    assert_eq!(by_code[0].notice, "O-2", "latest first");
    assert_eq!(by_code[1].section.as_deref(), Some("S-1"));
    assert_eq!(by_code[1].project, "P-1");
    let only_a = db
        .bidder_hits(&[a], &BidderQuery::Uscc(ACME.into()))
        .await
        .unwrap();
    assert_eq!(only_a.len(), 1);
    assert_eq!(only_a[0].agency, "a");
    let literal = db
        .bidder_hits(&[a, b], &BidderQuery::Name("_".into()))
        .await
        .unwrap();
    assert!(literal.iter().all(|h| h.name == "甲_公司") && literal.len() == 2);
    let pct = db
        .bidder_hits(&[a, b], &BidderQuery::Name("%".into()))
        .await
        .unwrap();
    assert!(pct.is_empty());
    let part = db
        .bidder_hits(&[a], &BidderQuery::Name("乙".into()))
        .await
        .unwrap();
    assert_eq!(part.len(), 1);
    assert_eq!(part[0].uscc, OTHER);
    assert!(
        db.bidder_hits(&[], &BidderQuery::Name("乙".into()))
            .await
            .unwrap()
            .is_empty()
    );
}
