//! Reports computed from hand-built ledgers: every table cell from its records, and every check
//! failing once.

use gongkai_db::testing::fresh_db;
use gongkai_db::{Db, PeriodSpec};
use gongkai_domain::codes::*;
use gongkai_domain::ledger::*;
use gongkai_domain::report::{T3Row, TOTAL_COL};
use time::Date;
use time::macros::date;

fn req(no: &str, received: Date, a: ApplicantType, closed: Option<(Date, Outcome)>) -> Request {
    Request {
        case_no: no.into(),
        received_on: received,
        channel: RequestChannel::Online,
        applicant_type: a,
        subject: "某项目招标文件".into(),
        closed_on: closed.map(|c| c.0),
        outcome: closed.map(|c| c.1),
        withdrawn: false,
        fee_fen: 0,
    }
}

fn item(no: &str, kind: DocKind, generated: Date, repealed: Option<Date>) -> DisclosureItem {
    DisclosureItem {
        index_no: no.into(),
        title: "某办法".into(),
        summary: String::new(),
        doc_no: Some("吴政规发〔2024〕1号".into()),
        publisher: "某局".into(),
        generated_on: generated,
        published_on: Some(generated),
        attr: DisclosureAttr::Proactive,
        art20_item: Some(1),
        doc_kind: kind,
        repealed_on: repealed,
        catalogue: "政策文件".into(),
    }
}

async fn hand_built() -> Db {
    let db = fresh_db().await;
    let parent = db
        .add_agency(&NewAgency {
            code: "city".into(),
            name: "某市政府办公室".into(),
            parent: None,
            established: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let child = db
        .add_agency(&NewAgency {
            code: "center".into(),
            name: "某市公共资源交易中心".into(),
            parent: Some("city".into()),
            established: Some(date!(2023 - 03 - 01)),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    use ApplicantType as A;
    use Outcome as O;
    let mut l = AgencyLedger::default();
    l.requests = vec![
        // Received 2023, closed 2024: carried over into 2024.
        req(
            "2023-1",
            date!(2023 - 12 - 20),
            A::NaturalPerson,
            Some((date!(2024 - 01 - 15), O::Granted)),
        ),
        // Received and closed in 2023: not in the 2024 report at all.
        req(
            "2023-2",
            date!(2023 - 06 - 01),
            A::Commercial,
            Some((date!(2023 - 06 - 20), O::Partial)),
        ),
        // Received 2024, closed 2024.
        req(
            "2024-1",
            date!(2024 - 03 - 01),
            A::Commercial,
            Some((date!(2024 - 03 - 20), O::DenyThirdParty)),
        ),
        req(
            "2024-2",
            date!(2024 - 04 - 01),
            A::NaturalPerson,
            Some((date!(2024 - 04 - 10), O::UnableNotHeld)),
        ),
        // Received 2024, still open at year end: carried forward.
        req("2024-3", date!(2024 - 12 - 25), A::LegalService, None),
        // Received 2024, closed 2025: carried forward from 2024.
        req(
            "2024-4",
            date!(2024 - 12 - 30),
            A::Research,
            Some((date!(2025 - 01 - 20), O::Granted)),
        ),
    ];
    let mut w = req(
        "2024-5",
        date!(2024 - 05 - 01),
        A::OtherOrg,
        Some((date!(2024 - 05 - 03), O::OtherOther)),
    );
    w.withdrawn = true;
    w.fee_fen = 38_000;
    l.requests.push(w);
    l.appeals = vec![
        Appeal {
            appeal_no: "F1".into(),
            case_no: Some("2024-1".into()),
            kind: AppealKind::Reconsideration,
            filed_on: date!(2024 - 04 - 01),
            decided_on: Some(date!(2024 - 06 - 01)),
            result: Some(AppealResult::Upheld),
        },
        Appeal {
            appeal_no: "F2".into(),
            case_no: Some("2024-2".into()),
            kind: AppealKind::LitigationDirect,
            filed_on: date!(2024 - 05 - 01),
            decided_on: Some(date!(2025 - 02 - 01)),
            result: Some(AppealResult::Corrected),
        },
        // Filed 2023, still undecided at 2024-01-01: counted in 2024.
        Appeal {
            appeal_no: "F0".into(),
            case_no: None,
            kind: AppealKind::Reconsideration,
            filed_on: date!(2023 - 11 - 01),
            decided_on: Some(date!(2024 - 02 - 01)),
            result: Some(AppealResult::Other),
        },
    ];
    l.items = vec![
        item("1", DocKind::NormativeDocument, date!(2023 - 05 - 01), None),
        item("2", DocKind::NormativeDocument, date!(2024 - 05 - 01), None),
        item(
            "3",
            DocKind::NormativeDocument,
            date!(2022 - 05 - 01),
            Some(date!(2024 - 07 - 01)),
        ),
        item("4", DocKind::Other, date!(2024 - 05 - 01), None),
    ];
    l.decisions = vec![
        Decision {
            kind: DecisionKind::Penalty,
            decided_on: date!(2024 - 02 - 02),
            doc_no: "罚1".into(),
        },
        Decision {
            kind: DecisionKind::Penalty,
            decided_on: date!(2023 - 02 - 02),
            doc_no: "罚0".into(),
        },
    ];
    l.fees = vec![FeeIncome {
        item: "某收费".into(),
        received_on: date!(2024 - 08 - 01),
        amount_fen: 20_300_000,
    }];
    db.insert_ledger(child.id, &l)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = parent;
    db
}

#[tokio::test]
async fn tables_are_computed_from_the_records() {
    let db = hand_built().await;
    let r = db
        .report("center", PeriodSpec::Year(2024))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(r.valid, "{:?}", r.failures().collect::<Vec<_>>());
    let t = &r.requests;
    let row = |r: T3Row| t.cells[r.index()];
    assert_eq!(row(T3Row::NewReceived), [1, 1, 1, 0, 1, 1, 5]);
    assert_eq!(row(T3Row::CarriedOver), [1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(row(T3Row::Outcome(Outcome::Granted)), [1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(
        row(T3Row::Outcome(Outcome::DenyThirdParty)),
        [0, 1, 0, 0, 0, 0, 1]
    );
    assert_eq!(
        row(T3Row::Outcome(Outcome::UnableNotHeld)),
        [1, 0, 0, 0, 0, 0, 1]
    );
    assert_eq!(
        row(T3Row::Outcome(Outcome::OtherOther)),
        [0, 0, 0, 0, 0, 1, 1]
    );
    assert_eq!(row(T3Row::TotalProcessed), [2, 1, 0, 0, 0, 1, 4]);
    assert_eq!(row(T3Row::CarriedForward), [0, 0, 1, 0, 1, 0, 2]);
    // R6 ran against 2023 (the agency existed then) and holds.
    assert_eq!(
        r.checks.iter().filter(|c| c.rule == "R6" && c.ok).count(),
        7
    );
    // Table 四: F0 (undecided at from) other, F1 upheld, F2 pending at year end.
    assert_eq!(r.appeals.cells[0], [1, 0, 1, 0, 2]);
    assert_eq!(r.appeals.cells[1], [0, 0, 0, 1, 1]);
    // Table 二.
    assert_eq!(
        (
            r.proactive.normative_documents.issued,
            r.proactive.normative_documents.repealed,
            r.proactive.normative_documents.in_force
        ),
        (1, 1, 2)
    );
    assert_eq!(r.proactive.penalty_decisions, 1);
    assert_eq!(r.proactive.fees_fen, 20_300_000);
    let json = serde_json::to_value(&r).unwrap_or_default();
    assert_eq!(json["proactive"]["fees_wan_yuan"], "20.3");
    assert_eq!(json["figures"]["fees_collected_yuan"], "380");
    assert_eq!(r.figures.requests_received, 5);

    // 2025: the case carried forward is carried over and closed.
    let r25 = db
        .report("center", PeriodSpec::Year(2025))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r25.requests.cells[T3Row::CarriedOver.index()][TOTAL_COL], 2);
    assert_eq!(
        r25.requests.cells[T3Row::CarriedForward.index()][TOTAL_COL],
        1
    );
    assert!(r25.valid);

    // The parent aggregates its child.
    let rp = db
        .report("city", PeriodSpec::Year(2024))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rp.requests, r.requests);
    assert_eq!(rp.appeals, r.appeals);

    // An explicit range is clipped to the establishment date; before it there is nothing.
    let e = db
        .report("center", PeriodSpec::Year(2022))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("2023-03-01"), "{e}");
    let r = db
        .report(
            "center",
            PeriodSpec::Range(date!(2023 - 01 - 01), date!(2023 - 12 - 31)),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.period.from, date!(2023 - 03 - 01));
}

/// Hand-entered tallies can break each rule; the report then lists the failing check and is
/// not valid.
#[tokio::test]
async fn every_check_fails_once_on_bad_tallies() {
    let cases: &[(&str, i32, &str, &str, i64)] = &[
        ("R1", 3, "new_received", "natural_person", 1),
        ("R2", 3, "granted", "total", 1),
        ("R3", 3, "granted", "commercial", 1),
        ("R4", 4, "litigation_after_reconsideration", "upheld", -1),
        ("T4", 4, "litigation_direct", "total", 2),
    ];
    for (rule, table, row, col, v) in cases {
        let db = hand_built().await;
        let a = db.agency("center").await.unwrap_or_else(|e| panic!("{e}"));
        db.set_tally(a.id, &Tally::new(2024, *table, row, col, *v))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let r = db
            .report("center", PeriodSpec::Year(2024))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!r.valid, "{rule}");
        assert!(
            r.failures().any(|c| c.rule == *rule),
            "{rule}: {:?}",
            r.failures().collect::<Vec<_>>()
        );
    }
    // R6: last year's carried-forward tally no longer matches this year's carried-over.
    let db = hand_built().await;
    let a = db.agency("center").await.unwrap_or_else(|e| panic!("{e}"));
    db.set_tally(a.id, &Tally::new(2023, 3, "carried_forward", "research", 1))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    db.set_tally(a.id, &Tally::new(2023, 3, "carried_forward", "total", 1))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let r = db
        .report("center", PeriodSpec::Year(2024))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let failed: Vec<_> = r.failures().map(|c| (c.rule, c.place.clone())).collect();
    assert_eq!(
        failed,
        vec![
            ("R6", "表三 科研机构".to_string()),
            ("R6", "表三 总计".to_string())
        ]
    );
}

/// A childless agency's report takes one statement over its own rows; a parent's reads its
/// subtree first. With all the records on the only child, both read the same numbers; and a
/// childless agency's period is still clipped to its establishment date.
#[tokio::test]
async fn a_parent_of_one_child_reports_the_childs_numbers_and_periods_are_clipped() {
    let db = hand_built().await;
    let spec_2024 = [
        PeriodSpec::Year(2024),
        PeriodSpec::Range(date!(2024 - 02 - 01), date!(2024 - 06 - 30)),
        PeriodSpec::Range(date!(2023 - 11 - 01), date!(2024 - 05 - 31)),
    ];
    for spec in spec_2024 {
        let parent = db
            .report("city", spec)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let child = db
            .report("center", spec)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parent.period, child.period, "{spec:?}");
        assert_eq!(parent.requests, child.requests, "{spec:?}");
        assert_eq!(parent.proactive, child.proactive, "{spec:?}");
        assert_eq!(parent.appeals, child.appeals, "{spec:?}");
        assert_eq!(parent.figures, child.figures, "{spec:?}");
        assert_eq!(parent.channels, child.channels, "{spec:?}");
        assert_eq!(child.agency.name, "某市公共资源交易中心");
        assert_eq!(parent.agency.name, "某市政府办公室");
    }
    // The centre was set up on 2023-03-01: its 2023 leaves out the penalty of 2023-02-02,
    // which its parent (in existence all year) counts.
    let child = db
        .report("center", PeriodSpec::Year(2023))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (child.period.from, child.period.to),
        (date!(2023 - 03 - 01), date!(2023 - 12 - 31))
    );
    assert_eq!(child.proactive.penalty_decisions, 0);
    let parent = db
        .report("city", PeriodSpec::Year(2023))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parent.period.from, date!(2023 - 01 - 01));
    assert_eq!(parent.proactive.penalty_decisions, 1);
    // Before it existed, the centre has no report.
    assert!(db.report("center", PeriodSpec::Year(2022)).await.is_err());
}
