//! Trading notices (contracts.md §3): parsing and its errors, content identity, every
//! time-limit rule at its exact boundary (across holidays, make-up working days and late-evening
//! UTC times), required elements, a section's full-process status and the figures of §3.4.

use gongkai_domain::calendar::Calendar;
use gongkai_domain::period::{Period, iso};
use gongkai_domain::trading::{
    Category, Change, FeedCursor, Notice, NoticeType, RuleCode, RuleConfig, SampleNotice,
    StageState, TradingFigures, Violation, check_all, check_notice, ocid, section_status,
    trading_figures,
};
use gongkai_domain::uscc;
use proptest::prelude::*;
use serde_json::{Value, json};
use time::macros::date;
use time::{Date, Duration};

fn cal() -> Calendar {
    Calendar::builtin()
}

fn usccs(n: u32) -> Vec<String> {
    (1..=n)
        .map(|i| uscc::make_enterprise("640302", &format!("{i:08}")).unwrap_or_default())
        .collect()
}

/// The JSON of a notice with every required element filled in.
fn line(id: &str, ty: &str, cat: &str, published: &str, dates: Value) -> Value {
    SampleNotice::new(id, ty, cat, published)
        .project("WZ2026-001", "吴忠市某道路改造工程")
        .section(Some(("WZ2026-001-01", "一标段")))
        .dates(dates)
        .bidders(
            usccs(3)
                .into_iter()
                .enumerate()
                .map(|(i, u)| (format!("投标人{i}"), u))
                .collect(),
        )
        .json()
}

fn notice(id: &str, ty: &str, cat: &str, published: &str, dates: Value) -> Notice {
    let v = line(id, ty, cat, published, dates);
    Notice::from_json(&v).unwrap_or_else(|e| panic!("{v}: {e}"))
}

fn of(vs: &[Violation], code: RuleCode) -> Vec<&Violation> {
    vs.iter().filter(|v| v.code == code).collect()
}

fn flags(ns: &[Notice], code: RuleCode) -> bool {
    !of(&check_all(ns, &cal(), &RuleConfig::default()), code).is_empty()
}

// ---------------------------------------------------------------------------------------------
// Parsing

#[test]
fn a_full_line_parses_and_round_trips() {
    let l = line(
        "T1",
        "tender_notice",
        "engineering",
        "2026-03-02T09:00:00+08:00",
        json!({"docs_from": "2026-03-02", "docs_to": "2026-03-09", "bid_deadline": "2026-03-23T09:30:00+08:00"}),
    );
    let n = Notice::from_json(&l).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n.ntype, NoticeType::TenderNotice);
    assert_eq!(n.section.as_deref(), Some("WZ2026-001-01"));
    assert_eq!(n.published_date(), date!(2026 - 03 - 02));
    let again = Notice::from_json(&n.to_json()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, n);
    assert_eq!(again.content_hash(), n.content_hash());
    assert_eq!(n.content_hash().len(), 64);
    // Plans and intentions have no section.
    let p = notice(
        "I1",
        "procurement_intention",
        "procurement",
        "2026-03-02",
        json!({"activity_start": "2026-05-01"}),
    );
    assert_eq!(p.section, None);
    assert_eq!(p.key().section, None);
}

type Mutation = Box<dyn Fn(&mut Value)>;

#[test]
fn bad_lines_name_the_field() {
    let good = line(
        "T1",
        "tender_notice",
        "engineering",
        "2026-03-02",
        json!({"docs_from": "2026-03-02", "docs_to": "2026-03-09", "bid_deadline": "2026-03-23"}),
    );
    let cases: Vec<(&str, Mutation)> = vec![
        ("type", Box::new(|v| v["type"] = json!("auction"))),
        ("category", Box::new(|v| v["category"] = json!("mining"))),
        ("notice", Box::new(|v| v["notice"] = json!(""))),
        ("project", Box::new(|v| v["project"] = Value::Null)),
        ("project_name", Box::new(|v| v["project_name"] = json!(3))),
        ("title", Box::new(|v| v["title"] = json!("  "))),
        ("section", Box::new(|v| v["section"] = Value::Null)),
        ("section_name", Box::new(|v| v["section_name"] = json!(""))),
        (
            "published",
            Box::new(|v| v["published"] = json!("2026-03-02")),
        ),
        (
            "published",
            Box::new(|v| v["published"] = json!("2026-02-30T10:00:00+08:00")),
        ),
        (
            "published",
            Box::new(|v| v["published"] = json!("9999-03-02T10:00:00+08:00")),
        ),
        (
            "dates.docs_to",
            Box::new(|v| v["dates"]["docs_to"] = json!("2026-03-01")),
        ),
        (
            "dates.bid_deadline",
            Box::new(|v| v["dates"]["bid_deadline"] = json!("2026-03-01")),
        ),
        (
            "dates.bid_deadline",
            Box::new(|v| v["dates"]["bid_deadline"] = json!("2026-03-02T09:00:00+08:00")),
        ),
        (
            "dates.bid_deadline",
            Box::new(|v| v["dates"]["bid_deadline"] = json!("soon")),
        ),
        (
            "dates.bid_deadline",
            Box::new(|v| v["dates"]["bid_deadline"] = json!(20260323)),
        ),
        (
            "dates.bid_dealine",
            Box::new(|v| v["dates"]["bid_dealine"] = json!("2026-03-23")),
        ),
        ("dates", Box::new(|v| v["dates"] = json!(["2026-03-23"]))),
        ("elements", Box::new(|v| v["elements"] = json!("全部"))),
        ("body", Box::new(|v| v["body"] = json!({"html": "<p>"}))),
        (
            "bidders",
            Box::new(|v| v["bidders"] = json!([{"name": "甲", "uscc": "914403001922038216"}])),
        ),
        ("JSON", Box::new(|v| *v = json!([1, 2]))),
    ];
    for (field, mutate) in cases {
        let mut v = good.clone();
        mutate(&mut v);
        let e = Notice::from_json(&v)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains(&format!("“{field}”")), "{field}: {v} gave “{e}”");
    }
    let e = Notice::parse("{not json")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("JSON"), "{e}");
}

#[test]
fn bidders_are_verified() {
    let ok = usccs(2);
    let base = line("B1", "bid_opening", "engineering", "2026-03-23", json!({}));
    let with = |bidders: Value| {
        let mut v = base.clone();
        v["bidders"] = bidders;
        Notice::from_json(&v).map_err(|e| e.to_string())
    };
    let n = with(json!([{"name": " 甲公司 ", "uscc": ok[0].to_lowercase()}, {"name": "乙公司", "uscc": ok[1]}]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n.bidders[0].uscc, ok[0], "upper-cased");
    assert_eq!(n.bidders[0].name, "甲公司", "trimmed");
    let mut wrong = ok[1].clone();
    let last = if wrong.ends_with('0') { '1' } else { '0' };
    wrong.pop();
    wrong.push(last);
    for (bidders, field, what) in [
        (
            json!([{"name": "甲", "uscc": ok[0]}, {"name": "乙", "uscc": wrong}]),
            "bidders[1].uscc",
            "校验位",
        ),
        (
            json!([{"name": "甲", "uscc": "12345"}]),
            "bidders[0].uscc",
            "18位",
        ),
        (
            json!([{"name": "甲", "uscc": "91640302000000O1X1"}]),
            "bidders[0].uscc",
            "非法字符",
        ),
        (
            json!([{"name": "", "uscc": ok[0]}]),
            "bidders[0].name",
            "名称",
        ),
        (json!([{"name": "甲"}]), "bidders[0].uscc", "缺少"),
        (
            json!([{"name": "甲", "uscc": ok[0]}, {"name": "甲'", "uscc": ok[0]}]),
            "bidders[1].uscc",
            "重复",
        ),
        (json!(["甲"]), "bidders[0]", "对象"),
        (json!({"name": "甲"}), "bidders", "数组"),
    ] {
        let e = with(bidders.clone()).err().unwrap_or_default();
        assert!(
            e.contains(&format!("“{field}”")) && e.contains(what),
            "{bidders}: {e}"
        );
    }
}

#[test]
fn impossible_dates_are_refused() {
    for (ty, cat, published, dates, field) in [
        (
            "candidate_publicity",
            "engineering",
            "2026-03-05",
            json!({"report_received": "2026-03-06", "publicity_end": "2026-03-09"}),
            "dates.report_received",
        ),
        (
            "candidate_publicity",
            "engineering",
            "2026-03-05",
            json!({"report_received": "2026-03-04", "publicity_end": "2026-03-04"}),
            "dates.publicity_end",
        ),
        (
            "award_result",
            "procurement",
            "2026-03-05",
            json!({"determined": "2026-03-06"}),
            "dates.determined",
        ),
        (
            "contract",
            "procurement",
            "2026-03-05",
            json!({"signed": "2026-03-06"}),
            "dates.signed",
        ),
        (
            "single_source",
            "procurement",
            "2026-03-05",
            json!({"publicity_end": "2026-03-04"}),
            "dates.publicity_end",
        ),
        (
            "clarification",
            "engineering",
            "2026-03-05",
            json!({"bid_deadline": "2026-03-04"}),
            "dates.bid_deadline",
        ),
        (
            "procurement_intention",
            "procurement",
            "2026-03-05",
            json!({"activity_start": "1900-01-01"}),
            "dates.activity_start",
        ),
    ] {
        let e = Notice::from_json(&line("X", ty, cat, published, dates))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains(&format!("“{field}”")), "{ty}: {e}");
    }
    // A time without offset is Beijing time; a deadline on the publication day is possible.
    let n = notice(
        "C",
        "clarification",
        "engineering",
        "2026-03-05T08:00:00",
        json!({"bid_deadline": "2026-03-05"}),
    );
    assert_eq!(n.published.offset().whole_hours(), 8);
}

#[test]
fn a_plan_with_a_section_is_refused() {
    let mut v = line("P", "tender_plan", "engineering", "2026-03-05", json!({}));
    v["section"] = json!("S1");
    let e = Notice::from_json(&v)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("“section”"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Content identity and the section's identifier

#[test]
fn same_content_is_unchanged_and_a_change_is_a_correction() {
    let a = Notice::parse(
        r#"{"notice":"A1","project":"P","project_name":"项目","section":"S","section_name":"一标段","category":"procurement","type":"award_result","title":"结果","published":"2026-03-05T10:00:00+08:00","dates":{"determined":"2026-03-04"},"elements":{"winner":"甲","amount":"100.5"}}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // The same content: keys reordered, the same instant in UTC, unknown fields.
    let b = Notice::parse(
        r#"{"extra":1,"elements":{"amount":"100.5","winner":"甲"},"dates":{"determined":"2026-03-04"},"published":"2026-03-05T02:00:00Z","title":"结果","type":"award_result","category":"procurement","section_name":"一标段","section":"S","project_name":"项目","project":"P","notice":"A1"}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.content_hash(), b.content_hash());
    assert_eq!(Change::of(Some(&a), &b), Change::Unchanged);
    assert_eq!(Change::of(None, &b), Change::New);
    let mut c = b.clone();
    c.elements.insert("amount".into(), json!("100.50"));
    assert_ne!(a.content_hash(), c.content_hash());
    assert_eq!(Change::of(Some(&a), &c), Change::Correction);
    let mut d = b.clone();
    d.body = Some("<p>更正</p>".into());
    assert_eq!(Change::of(Some(&a), &d), Change::Correction);
}

#[test]
fn ocids_are_stable_ascii_and_distinct() {
    assert_eq!(
        ocid("ocds-gongkai-", "wzggzy", "WZ2026_001", Some("01")),
        "ocds-gongkai-wzggzy-WZ2026_001-01"
    );
    assert_eq!(
        ocid("ocds-gongkai", "wzggzy", "WZ2026-001", Some("一标段")),
        "ocds-gongkai-wzggzy-WZ2026%2D001-%E4%B8%80%E6%A0%87%E6%AE%B5"
    );
    assert_ne!(
        ocid("ocds-x", "a", "P-1", Some("2")),
        ocid("ocds-x", "a", "P", Some("1-2"))
    );
    assert_ne!(
        ocid("ocds-x", "a", "P", None),
        ocid("ocds-x", "a", "P", Some(""))
    );
    let n = notice("T", "tender_notice", "engineering", "2026-03-02", json!({}));
    assert_eq!(
        n.key().ocid("ocds-x", "a"),
        ocid("ocds-x", "a", "WZ2026-001", Some("WZ2026-001-01"))
    );
}

// ---------------------------------------------------------------------------------------------
// Rules at their boundaries

#[test]
fn intention_30d() {
    let i = |p: &str| {
        notice(
            "I",
            "procurement_intention",
            "procurement",
            p,
            json!({"activity_start": "2026-06-01"}),
        )
    };
    assert!(!flags(&[i("2026-05-02")], RuleCode::Intention30d));
    assert!(flags(&[i("2026-05-03")], RuleCode::Intention30d));
    // 23:59 Beijing on 05-02 is still 05-02; 16:00 UTC on 05-02 is 05-03 in Beijing.
    assert!(!flags(&[i("2026-05-02T15:59:59Z")], RuleCode::Intention30d));
    assert!(flags(&[i("2026-05-02T16:00:00Z")], RuleCode::Intention30d));
    let vs = check_all(&[i("2026-05-03")], &cal(), &RuleConfig::default());
    let v = of(&vs, RuleCode::Intention30d)[0];
    assert_eq!(
        (v.expected.as_str(), v.actual.as_deref()),
        ("2026-05-02", Some("2026-05-03"))
    );
    assert_eq!(v.section, None);
    assert!(v.message.contains("财库〔2020〕10号"), "{}", v.message);
}

fn tender(id: &str, cat: &str, published: &str, deadline: &str) -> Notice {
    notice(
        id,
        "tender_notice",
        cat,
        published,
        json!({"docs_from": "2026-03-02", "docs_to": "2026-03-12", "bid_deadline": deadline}),
    )
}

#[test]
fn bid_period_20d_counts_from_the_first_tender_notice_of_the_section() {
    for cat in ["engineering", "procurement"] {
        assert!(!flags(
            &[tender("T1", cat, "2026-03-02", "2026-03-22")],
            RuleCode::BidPeriod20d
        ));
        assert!(flags(
            &[tender("T1", cat, "2026-03-02", "2026-03-21")],
            RuleCode::BidPeriod20d
        ));
    }
    // Not a rule for land, state assets or others.
    assert!(!flags(
        &[tender("T1", "land", "2026-03-02", "2026-03-05")],
        RuleCode::BidPeriod20d
    ));
    // A second tender notice counts from the first one's publication.
    let first = tender("T1", "engineering", "2026-03-02", "2026-03-22");
    let second = tender("T2", "engineering", "2026-03-05", "2026-03-22");
    assert!(!flags(
        &[first.clone(), second.clone()],
        RuleCode::BidPeriod20d
    ));
    let vs = check_notice(
        &second,
        std::slice::from_ref(&first),
        &cal(),
        &RuleConfig::default(),
    );
    assert!(of(&vs, RuleCode::BidPeriod20d).is_empty(), "{vs:?}");
    // Alone, the second would be late.
    assert!(flags(&[second], RuleCode::BidPeriod20d));
    // Published 00:30 Beijing on 03-02 (16:30 UTC on 03-01): counts from 03-02.
    let evening = tender("T1", "engineering", "2026-03-01T16:30:00Z", "2026-03-21");
    let vs = check_all(&[evening], &cal(), &RuleConfig::default());
    assert_eq!(of(&vs, RuleCode::BidPeriod20d)[0].expected, "2026-03-22");
}

#[test]
fn docs_period_in_calendar_days_and_in_working_days() {
    let t = |cat: &str, to: &str| {
        notice(
            "T",
            "tender_notice",
            cat,
            "2026-04-29",
            json!({"docs_from": "2026-04-30", "docs_to": to, "bid_deadline": "2026-06-30"}),
        )
    };
    // Engineering: 04-30 through 05-04 are five calendar days, holidays or not.
    assert!(!flags(
        &[t("engineering", "2026-05-04")],
        RuleCode::DocsPeriod
    ));
    assert!(flags(
        &[t("engineering", "2026-05-03")],
        RuleCode::DocsPeriod
    ));
    // Procurement: 04-30, then 05-01..05 劳动节, 05-06, 05-07, 05-08, and the make-up
    // Saturday 05-09 is the fifth working day.
    assert!(!flags(
        &[t("procurement", "2026-05-09")],
        RuleCode::DocsPeriod
    ));
    assert!(flags(
        &[t("procurement", "2026-05-08")],
        RuleCode::DocsPeriod
    ));
    let vs = check_all(
        &[t("procurement", "2026-05-08")],
        &cal(),
        &RuleConfig::default(),
    );
    assert_eq!(of(&vs, RuleCode::DocsPeriod)[0].expected, "2026-05-09");
}

#[test]
fn clarification_15d() {
    let c = |p: &str, d: &str| {
        notice(
            "C",
            "clarification",
            "engineering",
            p,
            json!({"bid_deadline": d}),
        )
    };
    assert!(!flags(
        &[c("2026-03-06", "2026-03-21")],
        RuleCode::Clarification15d
    ));
    assert!(flags(
        &[c("2026-03-06", "2026-03-20")],
        RuleCode::Clarification15d
    ));
    // 15:59 UTC on 03-06 is still 03-06 in Beijing; 16:00 UTC is 03-07.
    assert!(!flags(
        &[c("2026-03-06T15:59:00Z", "2026-03-21")],
        RuleCode::Clarification15d
    ));
    assert!(flags(
        &[c("2026-03-06T16:00:00Z", "2026-03-21")],
        RuleCode::Clarification15d
    ));
    // The deadline is a time: its Beijing date counts.
    assert!(!flags(
        &[c("2026-03-06", "2026-03-21T09:00:00+08:00")],
        RuleCode::Clarification15d
    ));
    assert!(flags(
        &[c("2026-03-06", "2026-03-20T23:00:00+08:00")],
        RuleCode::Clarification15d
    ));
}

fn candidates(published: &str, received: &str, end: &str) -> Notice {
    notice(
        "K",
        "candidate_publicity",
        "engineering",
        published,
        json!({"report_received": received, "publicity_end": end}),
    )
}

#[test]
fn candidate_publish_3d_rolls_past_rest_days() {
    // 03-02 (Mon) + 3 = 03-05 (Thu).
    assert!(!flags(
        &[candidates("2026-03-05", "2026-03-02", "2026-03-09")],
        RuleCode::CandidatePublish3d
    ));
    assert!(flags(
        &[candidates("2026-03-06", "2026-03-02", "2026-03-09")],
        RuleCode::CandidatePublish3d
    ));
    // 09-29 + 3 = 10-02, inside 国庆 (10-01..07): the last day is 10-08.
    let k = |p: &str| candidates(p, "2026-09-29", "2026-10-20");
    assert!(!flags(&[k("2026-10-08")], RuleCode::CandidatePublish3d));
    assert!(flags(&[k("2026-10-09")], RuleCode::CandidatePublish3d));
    // With the literal formula of contracts.md §3.3 the last day stays 10-02.
    let literal = RuleConfig {
        roll_deadlines: false,
        ..RuleConfig::default()
    };
    let vs = check_all(&[k("2026-10-08")], &cal(), &literal);
    assert_eq!(
        of(&vs, RuleCode::CandidatePublish3d)[0].expected,
        "2026-10-02"
    );
    // 02-11 + 3 = 02-14, a make-up working Saturday: no roll.
    let vs = check_all(
        &[candidates("2026-02-15", "2026-02-11", "2026-02-26")],
        &cal(),
        &RuleConfig::default(),
    );
    assert_eq!(
        of(&vs, RuleCode::CandidatePublish3d)[0].expected,
        "2026-02-14"
    );
}

#[test]
fn candidate_publicity_3d() {
    assert!(!flags(
        &[candidates("2026-03-05", "2026-03-04", "2026-03-08")],
        RuleCode::CandidatePublicity3d
    ));
    assert!(flags(
        &[candidates("2026-03-05", "2026-03-04", "2026-03-07")],
        RuleCode::CandidatePublicity3d
    ));
    // Published 23:30 Beijing on 03-04 = 15:30 UTC: the period runs from 03-04.
    assert!(!flags(
        &[candidates(
            "2026-03-04T15:30:00Z",
            "2026-03-04",
            "2026-03-07"
        )],
        RuleCode::CandidatePublicity3d
    ));
    // 16:30 UTC is already 03-05 in Beijing.
    assert!(flags(
        &[candidates(
            "2026-03-04T16:30:00Z",
            "2026-03-04",
            "2026-03-07"
        )],
        RuleCode::CandidatePublicity3d
    ));
}

#[test]
fn result_2wd_across_the_spring_festival() {
    // Determined Fri 02-13: Sat 02-14 is a make-up working day (1), 02-15..23 春节, Tue 02-24 (2).
    let r = |cat: &str, p: &str| {
        notice(
            "R",
            "award_result",
            cat,
            p,
            json!({"determined": "2026-02-13"}),
        )
    };
    assert!(!flags(
        &[r("procurement", "2026-02-24")],
        RuleCode::Result2wd
    ));
    assert!(flags(
        &[r("procurement", "2026-02-25")],
        RuleCode::Result2wd
    ));
    assert!(!flags(
        &[r("procurement", "2026-02-24T15:59:00Z")],
        RuleCode::Result2wd
    ));
    assert!(flags(
        &[r("procurement", "2026-02-24T16:00:00Z")],
        RuleCode::Result2wd
    ));
    // Engineering results have no national deadline.
    assert!(!flags(
        &[r("engineering", "2026-03-30")],
        RuleCode::Result2wd
    ));
}

#[test]
fn contract_2wd_across_national_day() {
    // Signed Wed 09-30: 10-01..07 国庆, Thu 10-08 (1), Fri 10-09 (2); Sat 10-10 is a
    // make-up working day but already the third.
    let c = |cat: &str, p: &str| notice("H", "contract", cat, p, json!({"signed": "2026-09-30"}));
    assert!(!flags(
        &[c("procurement", "2026-10-09")],
        RuleCode::Contract2wd
    ));
    assert!(flags(
        &[c("procurement", "2026-10-10")],
        RuleCode::Contract2wd
    ));
    assert!(!flags(
        &[c("engineering", "2026-10-30")],
        RuleCode::Contract2wd
    ));
}

#[test]
fn contract_30d_from_the_award_result() {
    let award = |p: &str| {
        notice(
            "R",
            "award_result",
            "engineering",
            p,
            json!({"determined": p}),
        )
    };
    let contract = |signed: &str| {
        notice(
            "H",
            "contract",
            "engineering",
            "2026-03-02",
            json!({"signed": signed}),
        )
    };
    // 01-05 + 30 = 02-04 (Wed).
    assert!(!flags(
        &[award("2026-01-05"), contract("2026-02-04")],
        RuleCode::Contract30d
    ));
    assert!(flags(
        &[award("2026-01-05"), contract("2026-02-05")],
        RuleCode::Contract30d
    ));
    // 01-16 + 30 = 02-15, inside 春节 (02-15..23): the last day is Tue 02-24.
    assert!(!flags(
        &[award("2026-01-16"), contract("2026-02-24")],
        RuleCode::Contract30d
    ));
    assert!(flags(
        &[award("2026-01-16"), contract("2026-02-25")],
        RuleCode::Contract30d
    ));
    let literal = RuleConfig {
        roll_deadlines: false,
        ..RuleConfig::default()
    };
    let vs = check_all(
        &[award("2026-01-16"), contract("2026-02-24")],
        &cal(),
        &literal,
    );
    assert_eq!(of(&vs, RuleCode::Contract30d)[0].expected, "2026-02-15");
    // Without an award result in the section the rule is not evaluated.
    assert!(!flags(&[contract("2026-02-25")], RuleCode::Contract30d));
    // On arrival, the section's stored award result is used.
    let vs = check_notice(
        &contract("2026-02-05"),
        &[award("2026-01-05")],
        &cal(),
        &RuleConfig::default(),
    );
    assert_eq!(of(&vs, RuleCode::Contract30d).len(), 1);
}

#[test]
fn single_source_5wd_counts_a_make_up_sunday() {
    // Published Fri 09-18: Sun 09-20 is a make-up working day (1), 09-21..24 (2..5).
    let s = |end: &str| {
        notice(
            "S",
            "single_source",
            "procurement",
            "2026-09-18",
            json!({"publicity_end": end}),
        )
    };
    assert!(!flags(&[s("2026-09-24")], RuleCode::SingleSource5wd));
    assert!(flags(&[s("2026-09-23")], RuleCode::SingleSource5wd));
}

#[test]
fn a_rule_with_missing_inputs_is_not_evaluated_but_the_input_is_missing() {
    let n = notice("H", "contract", "procurement", "2026-03-02", json!({}));
    let vs = check_all(&[n], &cal(), &RuleConfig::default());
    assert!(of(&vs, RuleCode::Contract2wd).is_empty());
    let m = of(&vs, RuleCode::ElementMissing);
    assert_eq!(m.len(), 1, "{vs:?}");
    assert_eq!(
        (m[0].expected.as_str(), m[0].actual.as_deref()),
        ("dates.signed", None)
    );
}

#[test]
fn required_elements_and_their_configuration() {
    let mut v = line(
        "R",
        "award_result",
        "procurement",
        "2026-03-05",
        json!({"determined": "2026-03-04"}),
    );
    v["elements"]["experts"] = json!([]);
    v["elements"]["winner"] = json!("  ");
    v["elements"]["amount"] = json!(0);
    if let Some(o) = v["elements"].as_object_mut() {
        o.remove("notice_period");
    }
    let n = Notice::from_json(&v).unwrap_or_else(|e| panic!("{e}"));
    let run = |cfg: &RuleConfig| -> Vec<String> {
        check_all(std::slice::from_ref(&n), &cal(), cfg)
            .into_iter()
            .filter(|v| v.code == RuleCode::ElementMissing)
            .map(|v| v.expected)
            .collect()
    };
    assert_eq!(
        run(&RuleConfig::default()),
        [
            "elements.winner",
            "elements.experts",
            "elements.notice_period"
        ]
    );
    // V~ and M elements can be dropped at once; single ones waived; new ones added.
    let cfg = RuleConfig {
        unverified_elements: false,
        ..RuleConfig::default()
    };
    assert_eq!(run(&cfg), ["elements.winner", "elements.experts"]);
    let mut cfg = RuleConfig::default();
    cfg.waived_elements
        .insert((NoticeType::AwardResult, "elements.experts".into()));
    cfg.extra_elements
        .push(gongkai_domain::trading::ExtraElement {
            ntype: NoticeType::AwardResult,
            category: None,
            key: "objection_channel".into(),
            label: "质疑渠道".into(),
        });
    assert_eq!(
        run(&cfg),
        [
            "elements.winner",
            "elements.notice_period",
            "elements.objection_channel"
        ]
    );
    cfg.disabled.insert(RuleCode::ElementMissing);
    assert!(run(&cfg).is_empty());
    // Bid openings need their bidders.
    let mut o = line("B", "bid_opening", "engineering", "2026-03-23", json!({}));
    o["bidders"] = json!([]);
    let b = Notice::from_json(&o).unwrap_or_else(|e| panic!("{e}"));
    let vs = check_all(&[b], &cal(), &RuleConfig::default());
    assert_eq!(of(&vs, RuleCode::ElementMissing)[0].expected, "bidders");
}

#[test]
fn disabled_rules_are_not_checked_and_violations_serialise() {
    let c = notice(
        "C",
        "clarification",
        "engineering",
        "2026-03-06",
        json!({"bid_deadline": "2026-03-20"}),
    );
    let mut cfg = RuleConfig::default();
    let vs = check_all(std::slice::from_ref(&c), &cal(), &cfg);
    let j = serde_json::to_value(&vs).unwrap_or_default();
    assert_eq!(
        j,
        json!([{
            "notice": "C", "section": "WZ2026-001-01", "code": "CLARIFICATION_15D",
            "message": "澄清（更正）公告发布日 2026-03-06 距投标截止日 2026-03-20 不足15日（投标截止日最早应为 2026-03-21）（招标投标法第二十三条；政府采购法实施条例第三十一条）",
            "expected": "2026-03-21", "actual": "2026-03-20", "provisional": false
        }])
    );
    cfg.disabled.insert(RuleCode::Clarification15d);
    assert!(check_all(&[c], &cal(), &cfg).is_empty());
}

#[test]
fn limits_in_unpublished_holiday_years_are_provisional() {
    // The 2027 holiday notice is not in the data: a limit in January 2027 is provisional.
    let r = notice(
        "R",
        "award_result",
        "procurement",
        "2027-01-08",
        json!({"determined": "2026-12-30"}),
    );
    let vs = check_all(&[r], &cal(), &RuleConfig::default());
    let v = of(&vs, RuleCode::Result2wd);
    assert_eq!(v.len(), 1);
    assert!(v[0].provisional);
}

// ---------------------------------------------------------------------------------------------
// Rule boundaries, as properties

/// The n-th working day after `a`, counted by hand.
fn nth_workday(c: &Calendar, a: Date, n: u32) -> Date {
    let mut d = a;
    let mut k = 0;
    while k < n {
        d += Duration::days(1);
        if c.is_working_day(d) {
            k += 1;
        }
    }
    d
}

fn rolled(c: &Calendar, mut d: Date) -> Date {
    while !c.is_working_day(d) {
        d += Duration::days(1);
    }
    d
}

/// A time on Beijing date `d`: 10:00 Beijing, or late in the evening of the day before in UTC.
fn time_on(d: Date, evening_utc: bool) -> String {
    if evening_utc {
        format!("{}T17:45:00Z", iso(d - Duration::days(1)))
    } else {
        format!("{}T10:00:00+08:00", iso(d))
    }
}

/// For a rule, an anchor `a` and a variable date `x`: the notices, the limit and whether a
/// date at `x` passes (`x ≤ limit` or `x ≥ limit`).
fn scenario(rule: RuleCode, a: Date, x: Date, ev: bool) -> (Vec<Notice>, bool) {
    let c = cal();
    let d = iso;
    let one = |ty: &str, cat: &str, p: String, dates: Value| vec![notice("N", ty, cat, &p, dates)];
    match rule {
        RuleCode::Intention30d => (
            one(
                "procurement_intention",
                "procurement",
                time_on(x, ev),
                json!({"activity_start": d(a)}),
            ),
            x <= a - Duration::days(30),
        ),
        RuleCode::BidPeriod20d => (
            one(
                "tender_notice",
                "engineering",
                time_on(a, ev),
                json!({"docs_from": d(a), "docs_to": d(a + Duration::days(9)), "bid_deadline": d(x)}),
            ),
            x >= a + Duration::days(20),
        ),
        RuleCode::DocsPeriod => {
            let fifth = nth_workday(&c, a - Duration::days(1), 5);
            (
                one(
                    "tender_notice",
                    "procurement",
                    time_on(a, ev),
                    json!({"docs_from": d(a), "docs_to": d(x), "bid_deadline": d(a + Duration::days(90))}),
                ),
                x >= fifth,
            )
        }
        RuleCode::Clarification15d => (
            one(
                "clarification",
                "procurement",
                time_on(a, ev),
                json!({"bid_deadline": d(x)}),
            ),
            x >= a + Duration::days(15),
        ),
        RuleCode::CandidatePublish3d => (
            one(
                "candidate_publicity",
                "engineering",
                time_on(x, ev),
                json!({"report_received": d(a), "publicity_end": d(x + Duration::days(5))}),
            ),
            x <= rolled(&c, a + Duration::days(3)),
        ),
        RuleCode::CandidatePublicity3d => (
            one(
                "candidate_publicity",
                "engineering",
                time_on(a, ev),
                json!({"report_received": d(a), "publicity_end": d(x)}),
            ),
            x >= a + Duration::days(3),
        ),
        RuleCode::Result2wd => (
            one(
                "award_result",
                "procurement",
                time_on(x, ev),
                json!({"determined": d(a)}),
            ),
            x <= nth_workday(&c, a, 2),
        ),
        RuleCode::Contract2wd => (
            one(
                "contract",
                "procurement",
                time_on(x, ev),
                json!({"signed": d(a)}),
            ),
            x <= nth_workday(&c, a, 2),
        ),
        RuleCode::Contract30d => (
            vec![
                notice(
                    "R",
                    "award_result",
                    "engineering",
                    &time_on(a, ev),
                    json!({"determined": d(a)}),
                ),
                notice(
                    "H",
                    "contract",
                    "engineering",
                    &time_on(x.max(a) + Duration::days(1), ev),
                    json!({"signed": d(x)}),
                ),
            ],
            x <= rolled(&c, a + Duration::days(30)),
        ),
        RuleCode::SingleSource5wd => (
            one(
                "single_source",
                "procurement",
                time_on(a, ev),
                json!({"publicity_end": d(x)}),
            ),
            x >= nth_workday(&c, a, 5),
        ),
        RuleCode::ElementMissing => (Vec::new(), true),
    }
}

/// The limit of a rule for anchor `a` (the date where `x` passes and a day further fails).
fn limit(rule: RuleCode, a: Date) -> Date {
    let c = cal();
    match rule {
        RuleCode::Intention30d => a - Duration::days(30),
        RuleCode::BidPeriod20d => a + Duration::days(20),
        RuleCode::DocsPeriod => nth_workday(&c, a - Duration::days(1), 5),
        RuleCode::Clarification15d => a + Duration::days(15),
        RuleCode::CandidatePublish3d => rolled(&c, a + Duration::days(3)),
        RuleCode::CandidatePublicity3d => a + Duration::days(3),
        RuleCode::Result2wd | RuleCode::Contract2wd => nth_workday(&c, a, 2),
        RuleCode::Contract30d => rolled(&c, a + Duration::days(30)),
        RuleCode::SingleSource5wd => nth_workday(&c, a, 5),
        RuleCode::ElementMissing => a,
    }
}

fn time_rule() -> impl Strategy<Value = RuleCode> {
    prop::sample::select(
        RuleCode::ALL
            .iter()
            .copied()
            .filter(|r| *r != RuleCode::ElementMissing)
            .collect::<Vec<_>>(),
    )
}

fn any_day() -> impl Strategy<Value = Date> {
    (0i64..7000).prop_map(|n| date!(2007 - 06 - 01) + Duration::days(n))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Every rule passes exactly on its limit, fails one day beyond it, and agrees with its
    /// formula for any date near it; a late-evening UTC time counts by its Beijing date.
    #[test]
    fn every_rule_holds_exactly_at_its_boundary(rule in time_rule(), a in any_day(), k in -2i64..=12, ev in any::<bool>()) {
        let l = limit(rule, a);
        let later = matches!(rule, RuleCode::Intention30d | RuleCode::CandidatePublish3d | RuleCode::Result2wd | RuleCode::Contract2wd | RuleCode::Contract30d);
        // The failing side is after the limit for "at the latest" rules, before it otherwise.
        let beyond = if later { l + Duration::days(1) } else { l - Duration::days(1) };
        let (ns, pass) = scenario(rule, a, l, ev);
        prop_assert!(pass);
        prop_assert!(!flags(&ns, rule), "{} at the limit {}", rule, iso(l));
        let (ns, pass) = scenario(rule, a, beyond, ev);
        prop_assert!(!pass);
        let vs = check_all(&ns, &cal(), &RuleConfig::default());
        let v = of(&vs, rule);
        prop_assert_eq!(v.len(), 1, "{} one day beyond {}", rule, iso(l));
        prop_assert_eq!(&v[0].expected, &iso(l));
        let x = if later { l + Duration::days(k) } else { l - Duration::days(k) };
        // Dates before the anchor would be impossible notices (refused when parsed).
        let x = if matches!(rule, RuleCode::Intention30d | RuleCode::Contract30d) { x } else { x.max(a) };
        let (ns, pass) = scenario(rule, a, x, ev);
        prop_assert_eq!(flags(&ns, rule), !pass, "{} at {}", rule, iso(x));
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing never panics

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?)?"
            .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "notice",
                    "project",
                    "project_name",
                    "section",
                    "section_name",
                    "category",
                    "type",
                    "title",
                    "published",
                    "dates",
                    "elements",
                    "bidders",
                    "body",
                    "name",
                    "uscc",
                    "docs_from",
                    "docs_to",
                    "bid_deadline",
                    "signed",
                    "x",
                ])
                .prop_map(String::from),
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn valid_line() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(NoticeType::ALL.to_vec()),
        prop::sample::select(Category::ALL.to_vec()),
        any_day(),
        0i64..40,
    )
        .prop_map(|(t, c, d, k)| {
            let later = iso(d + Duration::days(k));
            let dates = json!({
                "docs_from": iso(d), "docs_to": later, "bid_deadline": later,
                "report_received": iso(d), "publicity_end": later, "determined": iso(d),
                "signed": iso(d), "activity_start": later,
            });
            line("V", t.code(), c.code(), &iso(d), dates)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parsing_arbitrary_json_never_panics(v in json_value(), s in ".{0,40}") {
        let _ = Notice::from_json(&v);
        let _ = Notice::parse(&s);
        let _ = Notice::parse(&v.to_string());
    }

    /// A valid notice with one field replaced by any JSON value parses or names a field; what
    /// parses round-trips, checks without panicking, and hashes stably.
    #[test]
    fn mutated_notices_parse_or_name_the_field(
        base in valid_line(),
        field in prop::sample::select(vec![
            "notice", "project", "project_name", "section", "section_name", "category", "type",
            "title", "published", "dates", "elements", "bidders", "body",
        ]),
        v in json_value(),
    ) {
        let mut l = base;
        l[field] = v;
        match Notice::from_json(&l) {
            Ok(n) => {
                let again = Notice::from_json(&n.to_json());
                prop_assert_eq!(again.as_ref().ok(), Some(&n));
                prop_assert_eq!(again.map(|a| a.content_hash()).ok(), Some(n.content_hash()));
                let _ = check_all(std::slice::from_ref(&n), &cal(), &RuleConfig::default());
            }
            Err(e) => {
                let e = e.to_string();
                prop_assert!(e.starts_with("字段“"), "{}", e);
            }
        }
    }

    /// A field given a value of the wrong JSON type is the field named.
    #[test]
    fn a_wrongly_typed_field_is_named(
        base in valid_line(),
        field in prop::sample::select(vec![
            "notice", "project", "project_name", "category", "type", "title", "published",
            "dates", "elements", "bidders", "body",
        ]),
        n in any::<i64>(),
    ) {
        let mut l = base;
        l[field] = json!(n);
        let e = Notice::from_json(&l).err().map(|e| e.to_string()).unwrap_or_default();
        prop_assert!(e.contains(&format!("“{field}”")), "{}: {}", field, e);
    }
}

// ---------------------------------------------------------------------------------------------
// Section status and figures

fn sec(n: Notice, project: &str, section: &str) -> Notice {
    Notice {
        project: project.into(),
        section: Some(section.into()),
        ..n
    }
}

#[test]
fn a_procurement_section_goes_from_due_to_late_to_complete() {
    let t = tender("T", "procurement", "2026-03-02", "2026-03-23");
    let r = notice(
        "R",
        "award_result",
        "procurement",
        "2026-04-01",
        json!({"determined": "2026-03-31"}),
    );
    let ns = vec![t.clone(), r.clone()];
    let c = cal();
    let cfg = RuleConfig::default();
    let s =
        section_status(&ns, &c, &cfg, date!(2026 - 03 - 10)).unwrap_or_else(|| panic!("status"));
    assert!(matches!(
        s.stages[0].state,
        StageState::Published { on_time: true, .. }
    ));
    assert_eq!(s.stages[1].state, StageState::Due { by: None });
    assert_eq!(s.stages[2].state, StageState::Waiting);
    // Award 04-01 + 30 = 05-01 (劳动节, rest to 05-05) → sign by 05-06, notice by 05-08.
    let s =
        section_status(&ns, &c, &cfg, date!(2026 - 05 - 08)).unwrap_or_else(|| panic!("status"));
    assert_eq!(
        s.stages[2].state,
        StageState::Due {
            by: Some(date!(2026 - 05 - 08))
        }
    );
    let s =
        section_status(&ns, &c, &cfg, date!(2026 - 05 - 09)).unwrap_or_else(|| panic!("status"));
    assert_eq!(
        s.stages[2].state,
        StageState::Late {
            due: date!(2026 - 05 - 08)
        }
    );
    assert_eq!(s.completed_on, None);
    let h = notice(
        "H",
        "contract",
        "procurement",
        "2026-05-12",
        json!({"signed": "2026-05-07"}),
    );
    let mut all = ns.clone();
    all.push(h);
    let s =
        section_status(&all, &c, &cfg, date!(2026 - 06 - 01)).unwrap_or_else(|| panic!("status"));
    assert_eq!(s.completed_on, Some(date!(2026 - 05 - 12)));
    // Signed 05-07, 2 WD → 05-09 (make-up Saturday): published 05-12 is late, and so marked.
    assert!(
        matches!(
            s.stages[2].state,
            StageState::Published { on_time: false, .. }
        ),
        "{:?}",
        s.stages[2]
    );
    assert!(s.violations.iter().any(|v| v.code == RuleCode::Contract2wd));
    let j = serde_json::to_value(&s).unwrap_or_default();
    assert_eq!(
        j["stages"][0],
        json!({"types": ["tender_notice"], "label": "招标（采购）公告", "state": "published", "on": "2026-03-02", "notice": "T", "on_time": true})
    );
    assert_eq!(j["completed_on"], "2026-05-12");
    assert_eq!(j["category"], "procurement");
    // A terminated section waits for nothing.
    let x = notice("X", "termination", "procurement", "2026-03-20", json!({}));
    let s = section_status(&[t, x], &c, &cfg, date!(2026 - 06 - 01))
        .unwrap_or_else(|| panic!("status"));
    assert_eq!(s.stages[1].state, StageState::Terminated);
    assert_eq!(s.terminated_on, Some(date!(2026 - 03 - 20)));
    assert!(section_status(&[r], &c, &cfg, date!(2026 - 01 - 01)).is_none());
}

#[test]
fn figures_of_a_period() {
    let y2025 =
        Period::new(date!(2025 - 01 - 01), date!(2025 - 12 - 31)).unwrap_or_else(|e| panic!("{e}"));
    let y2026 =
        Period::new(date!(2026 - 01 - 01), date!(2026 - 12 - 31)).unwrap_or_else(|e| panic!("{e}"));
    let ids = usccs(5);
    let opening = |id: &str, p: &str, who: &[usize]| {
        let mut v = line(id, "bid_opening", "engineering", p, json!({}));
        v["bidders"] = json!(
            who.iter()
                .map(|i| json!({"name": format!("投标人{i}"), "uscc": ids[*i]}))
                .collect::<Vec<_>>()
        );
        Notice::from_json(&v).unwrap_or_else(|e| panic!("{e}"))
    };
    let mut ns = vec![
        // Section A: engineering, opened in 2025, complete in 2026: its award result was
        // published at 16:30 UTC on 2025-12-31, which is 2026-01-01 00:30 in Beijing.
        sec(
            tender("A1", "engineering", "2025-11-03", "2025-11-24"),
            "P",
            "A",
        ),
        sec(opening("A2", "2025-11-24", &[0, 1, 2]), "P", "A"),
        sec(
            candidates("2025-11-26", "2025-11-25", "2025-11-29"),
            "P",
            "A",
        ),
        sec(
            notice(
                "A4",
                "award_result",
                "engineering",
                "2025-12-31T16:30:00Z",
                json!({"determined": "2025-12-31"}),
            ),
            "P",
            "A",
        ),
        // Section B: engineering, opened in 2026, shares bidder 2 with A.
        sec(
            tender("B1", "engineering", "2025-12-01", "2026-01-05"),
            "P",
            "B",
        ),
        sec(opening("B2", "2026-01-05", &[2, 3]), "P", "B"),
        // Section C: procurement, complete in 2025 (tender, award, contract).
        sec(
            tender("C1", "procurement", "2025-03-03", "2025-03-24"),
            "Q",
            "C",
        ),
        sec(
            notice(
                "C2",
                "award_result",
                "procurement",
                "2025-04-01",
                json!({"determined": "2025-03-31"}),
            ),
            "Q",
            "C",
        ),
        sec(
            notice(
                "C3",
                "contract",
                "procurement",
                "2025-04-10",
                json!({"signed": "2025-04-09"}),
            ),
            "Q",
            "C",
        ),
        // Plans and intentions.
        notice(
            "I1",
            "procurement_intention",
            "procurement",
            "2025-02-01",
            json!({"activity_start": "2025-04-01"}),
        ),
        notice("I2", "tender_plan", "engineering", "2026-01-10", json!({})),
    ];
    ns[2].id = "A3".into();
    let rule = RuleConfig::default().full_process;
    assert_eq!(
        trading_figures(&ns, y2025, &rule),
        TradingFigures {
            trading_notices: 7,
            plans_and_intentions: 1,
            sections_full_process: 1,
            bidders: 3
        }
    );
    assert_eq!(
        trading_figures(&ns, y2026, &rule),
        TradingFigures {
            trading_notices: 2,
            plans_and_intentions: 1,
            sections_full_process: 1,
            bidders: 2
        }
    );
    // A section whose stages are configured away never completes.
    let mut only_procurement = rule.clone();
    only_procurement
        .stages
        .retain(|(c, _)| *c == Category::Procurement);
    assert_eq!(
        trading_figures(&ns, y2026, &only_procurement).sections_full_process,
        0
    );
}

// ---------------------------------------------------------------------------------------------
// Configuration, arrival checks, properties of the figures

#[test]
fn rule_configuration_reads_writes_and_names_bad_fields() {
    assert_eq!(
        RuleConfig::from_json(&json!({})).ok(),
        Some(RuleConfig::default())
    );
    let v = json!({
        "disabled": ["INTENTION_30D", "ELEMENT_MISSING"],
        "unverified_elements": false,
        "waived_elements": {"award_result": ["elements.agent", "dates.determined"]},
        "extra_elements": [{"type": "contract", "category": null, "key": "amount", "label": "合同金额"}],
        "roll_deadlines": false,
        "full_process": {"land": [["tender_notice"], ["award_result"]]},
    });
    let cfg = RuleConfig::from_json(&v).unwrap_or_else(|e| panic!("{e}"));
    assert!(!cfg.enabled(RuleCode::Intention30d) && cfg.enabled(RuleCode::Result2wd));
    assert!(!cfg.unverified_elements && !cfg.roll_deadlines);
    assert_eq!(
        cfg.full_process.stages.len(),
        3,
        "engineering and procurement kept, land added"
    );
    assert_eq!(
        RuleConfig::from_json(&cfg.to_json()).ok(),
        Some(cfg.clone())
    );
    // Land sections now complete.
    let ns = vec![
        tender("L1", "land", "2026-03-02", "2026-03-25"),
        notice(
            "L2",
            "award_result",
            "land",
            "2026-03-30",
            json!({"determined": "2026-03-30"}),
        ),
    ];
    let y =
        Period::new(date!(2026 - 01 - 01), date!(2026 - 12 - 31)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        trading_figures(&ns, y, &cfg.full_process).sections_full_process,
        1
    );
    assert_eq!(
        trading_figures(&ns, y, &RuleConfig::default().full_process).sections_full_process,
        0
    );
    for (bad, field) in [
        (json!({"disabled": ["NOPE"]}), "disabled[0]"),
        (json!({"disabled": "INTENTION_30D"}), "disabled"),
        (json!({"roll_deadlines": "yes"}), "roll_deadlines"),
        (
            json!({"waived_elements": {"auction": ["elements.x"]}}),
            "waived_elements.auction",
        ),
        (
            json!({"waived_elements": {"award_result": ["agent"]}}),
            "waived_elements.award_result[0]",
        ),
        (
            json!({"extra_elements": [{"type": "contract", "key": "x"}]}),
            "extra_elements[0].label",
        ),
        (
            json!({"extra_elements": [{"type": "contract", "category": "mine", "key": "x", "label": "y"}]}),
            "extra_elements[0].category",
        ),
        (
            json!({"full_process": {"engineering": [["tender_notice"], ["bid"]]}}),
            "full_process.engineering[1][0]",
        ),
        (
            json!({"full_process": {"engineering": [[]]}}),
            "full_process.engineering[0]",
        ),
        (json!({"rolldeadlines": true}), "rolldeadlines"),
    ] {
        let e = RuleConfig::from_json(&bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains(&format!("“{field}”")), "{bad}: {e}");
    }
}

#[test]
fn on_arrival_a_correction_replaces_its_stored_version() {
    // The stored version was published late; its correction (same id) carries the real date.
    let stored = tender("T1", "engineering", "2026-02-20", "2026-03-22");
    let corrected = tender("T1", "engineering", "2026-03-02", "2026-03-22");
    let vs = check_notice(&corrected, &[stored], &cal(), &RuleConfig::default());
    assert!(vs.is_empty(), "{vs:?}");
    // Notices of other sections are no context.
    let other = sec(
        tender("T0", "engineering", "2026-02-20", "2026-03-22"),
        "X",
        "Y",
    );
    assert!(check_notice(&corrected, &[other], &cal(), &RuleConfig::default()).is_empty());
}

fn any_section() -> impl Strategy<Value = Vec<Notice>> {
    let one = (
        prop::sample::select(vec![
            "tender_notice",
            "prequalification_notice",
            "bid_opening",
            "candidate_publicity",
            "award_result",
            "contract",
            "termination",
            "tender_plan",
        ]),
        0i64..400,
        0usize..3,
        0i64..40,
    );
    (
        prop::sample::select(vec!["engineering", "procurement", "land"]),
        prop::collection::vec(one, 0..12),
    )
        .prop_map(|(cat, items)| {
            items
                .into_iter()
                .enumerate()
                .map(|(i, (ty, day, s, k))| {
                    let d = date!(2025 - 06 - 01) + Duration::days(day);
                    let (before, after) = (iso(d - Duration::days(k)), iso(d + Duration::days(k)));
                    let dates = match ty {
                        "tender_notice" => {
                            json!({"docs_from": iso(d), "docs_to": after, "bid_deadline": after})
                        }
                        "candidate_publicity" => {
                            json!({"report_received": before, "publicity_end": after})
                        }
                        "award_result" => json!({"determined": before}),
                        "contract" => json!({"signed": before}),
                        _ => json!({}),
                    };
                    let n = notice(&format!("N{i}"), ty, cat, &iso(d), dates);
                    if n.section.is_some() {
                        sec(n, "P", &format!("S{s}"))
                    } else {
                        n
                    }
                })
                .collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Counted figures split over two adjacent periods add up to the whole period's: every
    /// notice and every completed section lands in exactly one period. Bidders never exceed the
    /// distinct codes named anywhere; a notice checked on arrival gets the batch check's
    /// violations.
    #[test]
    fn figures_are_additive_over_periods(ns in any_section(), cut in 0i64..400) {
        let rule = RuleConfig::default().full_process;
        let from = date!(2025 - 06 - 01);
        let to = date!(2026 - 07 - 31);
        let mid = from + Duration::days(cut);
        let whole = trading_figures(&ns, Period { from, to }, &rule);
        let a = trading_figures(&ns, Period { from, to: mid }, &rule);
        let b = trading_figures(&ns, Period { from: mid + Duration::days(1), to }, &rule);
        prop_assert_eq!(whole.trading_notices + whole.plans_and_intentions, ns.len() as i64);
        prop_assert_eq!(a.trading_notices + b.trading_notices, whole.trading_notices);
        prop_assert_eq!(a.plans_and_intentions + b.plans_and_intentions, whole.plans_and_intentions);
        prop_assert_eq!(a.sections_full_process + b.sections_full_process, whole.sections_full_process);
        prop_assert!(whole.sections_full_process <= 3);
        prop_assert!(a.bidders <= whole.bidders && b.bidders <= whole.bidders && whole.bidders <= 3);
        let all = check_all(&ns, &cal(), &RuleConfig::default());
        // Checking a notice on arrival among the others gives what the batch check gives it.
        for n in &ns {
            let on_arrival = check_notice(n, &ns, &cal(), &RuleConfig::default());
            let batch: Vec<Violation> = all.iter().filter(|v| v.notice == n.id).cloned().collect();
            prop_assert_eq!(on_arrival, batch);
        }
        let _ = section_status(&ns, &cal(), &RuleConfig::default(), mid);
    }
}

#[test]
fn feed_cursors_and_items() {
    use gongkai_domain::trading::feed_item;
    assert_eq!(FeedCursor::decode(None).ok(), Some(FeedCursor { after: 0 }));
    assert_eq!(
        FeedCursor::decode(Some("")).ok(),
        Some(FeedCursor { after: 0 })
    );
    let c = FeedCursor { after: 1234 };
    assert_eq!(c.encode(), "c1234");
    assert_eq!(FeedCursor::decode(Some(&c.encode())).ok(), Some(c));
    for bad in ["1234", "c", "c-1", "c12a", "c99999999999999999999", "c１"] {
        let e = FeedCursor::decode(Some(bad))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("“cursor”"), "{bad}: {e}");
    }
    let n = tender("T1", "engineering", "2026-03-02", "2026-03-22");
    let item = feed_item(7, &n, "ocds-x-a-P-S", 2, Change::Correction);
    assert_eq!(item["seq"], 7);
    assert_eq!(item["version"], 2);
    assert_eq!(item["change"], "correction");
    assert_eq!(item["content_hash"], n.content_hash());
    assert_eq!(item["notice"], "T1");
    // An item is still a notice line.
    assert_eq!(Notice::from_json(&item).ok(), Some(n));
}

proptest! {
    #[test]
    fn any_cursor_decodes_or_is_refused(s in ".{0,30}") {
        if let Ok(c) = FeedCursor::decode(Some(&s)) {
            prop_assert!(c.after >= 0);
        }
    }
}
