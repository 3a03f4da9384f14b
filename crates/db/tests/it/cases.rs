//! 依申请公开 cases imported as events: their clocks and tables 三/四 (contracts.md §2).

use crate::agency;
use gongkai_db::testing::fresh_db;
use gongkai_db::{DbError, PeriodSpec};
use gongkai_domain::cases::Status;
use gongkai_domain::codes::Outcome;
use gongkai_domain::report::{T3Row, TOTAL_COL};
use proptest::prelude::*;
use time::macros::date;

fn received(no: &str, date: &str, who: &str) -> String {
    format!(
        r#"{{"type":"received","request":"{no}","date":"{date}","channel":"online","applicant_type":"{who}"}}"#
    )
}

fn replied(no: &str, date: &str, outcome: &str) -> String {
    format!(r#"{{"type":"replied","request":"{no}","date":"{date}","outcome":"{outcome}"}}"#)
}

#[tokio::test]
async fn a_case_crossing_new_year_is_carried_with_its_clock() {
    let db = fresh_db().await;
    agency(&db, "c").await;
    let text = [
        received("N1", "2025-12-31", "natural_person"),
        replied("N1", "2026-01-12", "granted"),
    ]
    .join("\n");
    db.import_requests("c", &text).await.unwrap();
    let r25 = db.report("c", PeriodSpec::Year(2025)).await.unwrap();
    let r26 = db.report("c", PeriodSpec::Year(2026)).await.unwrap();
    assert_eq!(r25.requests.get(T3Row::NewReceived, 0), 1);
    assert_eq!(r25.requests.get(T3Row::CarriedForward, 0), 1);
    assert_eq!(r26.requests.get(T3Row::CarriedOver, 0), 1);
    assert_eq!(r26.requests.get(T3Row::Outcome(Outcome::Granted), 0), 1);
    assert_eq!(r26.requests.get(T3Row::NewReceived, TOTAL_COL), 0);
    assert!(r25.valid && r26.valid);
    assert!(r26.checks.iter().any(|c| c.rule == "R6" && c.ok));
    // As of 2025-12-31 it is open with its due date in 2026 (20 WD after 12-31, 01-04 a make-up day).
    let k = &db.request_clocks("c", date!(2025 - 12 - 31)).await.unwrap()[0];
    assert_eq!((k.status, k.due), (Status::Open, date!(2026 - 01 - 29)));
    let k = &db.request_clocks("c", date!(2026 - 02 - 01)).await.unwrap()[0];
    assert_eq!((k.status, k.overdue), (Status::Replied, false));
}

#[tokio::test]
async fn every_outcome_lands_in_its_row_and_appeals_in_table_four() {
    let db = fresh_db().await;
    agency(&db, "c").await;
    let mut lines = Vec::new();
    for (i, o) in Outcome::ALL.iter().enumerate() {
        let no = format!("R{i}");
        lines.push(received(&no, "2026-03-02", "research"));
        if *o == Outcome::OtherOther {
            lines.push(format!(
                r#"{{"type":"withdrawn","request":"{no}","date":"2026-03-05"}}"#
            ));
        } else {
            lines.push(replied(&no, "2026-03-10", o.code()));
        }
    }
    lines.push(r#"{"type":"appeal_filed","request":"R0","appeal":"A1","kind":"reconsideration","date":"2026-04-01"}"#.into());
    lines.push(
        r#"{"type":"appeal_decided","appeal":"A1","result":"corrected","date":"2026-05-01"}"#
            .into(),
    );
    lines.push(r#"{"type":"appeal_filed","request":"R1","appeal":"A2","kind":"litigation_after_reconsideration","date":"2026-06-01"}"#.into());
    let s = db.import_requests("c", &lines.join("\n")).await.unwrap();
    assert_eq!((s.cases, s.appeals), (21, 2));
    let r = db.report("c", PeriodSpec::Year(2026)).await.unwrap();
    for o in Outcome::ALL {
        assert_eq!(r.requests.get(T3Row::Outcome(*o), 2), 1, "{}", o.code());
        assert_eq!(
            r.requests.get(T3Row::Outcome(*o), TOTAL_COL),
            1,
            "{}",
            o.code()
        );
    }
    assert_eq!(r.requests.get(T3Row::TotalProcessed, TOTAL_COL), 21);
    assert_eq!(r.appeals.cells[0], [0, 1, 0, 0, 1]);
    assert_eq!(r.appeals.cells[2], [0, 0, 0, 1, 1]);
    assert!(r.valid);
}

#[tokio::test]
async fn bad_files_import_nothing_and_name_the_line() {
    let db = fresh_db().await;
    agency(&db, "c").await;
    let ok = received("B1", "2026-03-02", "natural_person");
    let cases: Vec<(String, &str)> = vec![
        (
            format!(
                "{ok}\n{{\"type\":\"replied\",\"request\":\"B1\",\"date\":\"2026-03-03\",\"outcome\":\"nope\"}}"
            ),
            "第 2 行",
        ),
        (format!("{ok}\n{ok}"), "第二个 received"),
        (
            format!(
                "{ok}\n{}\n{{\"type\":\"extended\",\"request\":\"B1\",\"date\":\"2026-03-05\",\"workdays\":5}}",
                replied("B1", "2026-03-04", "granted")
            ),
            "已答复",
        ),
        (
            format!(
                "{ok}\n{{\"type\":\"extended\",\"request\":\"B1\",\"date\":\"2026-03-05\",\"workdays\":15}}\n{{\"type\":\"extended\",\"request\":\"B1\",\"date\":\"2026-03-06\",\"workdays\":6}}"
            ),
            "超过 20",
        ),
        (
            format!(
                "{ok}\n{{\"type\":\"appeal_decided\",\"appeal\":\"X\",\"result\":\"upheld\",\"date\":\"2026-03-06\"}}"
            ),
            "X",
        ),
        (
            format!(
                "{ok}\n\n{{\"type\":\"received\",\"request\":\"B2\",\"date\":\"2026-03-02\",\"channel\":\"online\"}}"
            ),
            "第 3 行",
        ),
    ];
    for (text, needle) in cases {
        let e = db.import_requests("c", &text).await.unwrap_err();
        assert!(matches!(e, DbError::Import(_)), "{e}");
        assert!(e.to_string().contains(needle), "{needle}: {e}");
        assert!(
            db.request_clocks("c", date!(2026 - 12 - 31))
                .await
                .unwrap()
                .is_empty(),
            "nothing imported"
        );
    }
    // A later file continues a stored case; a second `received` for it is refused.
    db.import_requests("c", &ok).await.unwrap();
    db.import_requests("c", &replied("B1", "2026-03-09", "partial"))
        .await
        .unwrap();
    let k = &db.request_clocks("c", date!(2026 - 12 - 31)).await.unwrap()[0];
    assert_eq!(
        (k.status, k.outcome),
        (Status::Replied, Some(Outcome::Partial))
    );
    assert!(db.import_requests("c", &ok).await.is_err());
}

#[tokio::test]
async fn demo_has_a_realistic_2025() {
    let db = fresh_db().await;
    db.load_demo(false).await.unwrap();
    let r = db
        .report("wuzhong-ggzy", PeriodSpec::Year(2025))
        .await
        .unwrap();
    assert!(r.valid, "{:?}", r.failures().collect::<Vec<_>>());
    for o in Outcome::ALL {
        assert!(
            r.requests.get(T3Row::Outcome(*o), TOTAL_COL) > 0,
            "{}",
            o.code()
        );
    }
    assert_eq!(r.requests.get(T3Row::CarriedForward, TOTAL_COL), 2);
    assert!(r.appeals.cells.iter().all(|g| g[4] > 0));
    let clocks = db
        .request_clocks("wuzhong-ggzy", date!(2025 - 12 - 31))
        .await
        .unwrap();
    assert!(clocks.iter().all(|c| !c.overdue));
    let r24 = db
        .report("wuzhong-ggzy", PeriodSpec::Year(2024))
        .await
        .unwrap();
    assert_eq!(r24.figures.requests_received, 0);
}

/// Random case histories: the report's tables always balance, and each case is counted where
/// its clock says.
fn history() -> impl Strategy<Value = Vec<(u8, u16, u8, u8, bool)>> {
    // (applicant, received day offset in 2025–2026, outcome, reply after n WD, replied?)
    proptest::collection::vec((0u8..6, 0u16..700, 0u8..21, 1u8..30, any::<bool>()), 1..25)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]
    #[test]
    fn random_histories_balance(h in history()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = fresh_db().await;
            agency(&db, "c").await;
            let cal = db.calendar().await.unwrap();
            let mut lines = Vec::new();
            for (i, (who, day, o, wd, done)) in h.iter().enumerate() {
                let no = format!("P{i}");
                let rec = date!(2025 - 01 - 01) + time::Duration::days(i64::from(*day));
                lines.push(received(&no, &gongkai_domain::period::iso(rec), gongkai_domain::codes::ApplicantType::ALL[*who as usize].code()));
                if *done {
                    let d = cal.add_workdays(rec, u32::from(*wd)).date;
                    lines.push(replied(&no, &gongkai_domain::period::iso(d), Outcome::ALL[*o as usize].code()));
                }
            }
            db.import_requests("c", &lines.join("\n")).await.unwrap();
            let mut open_at_end_2025 = 0;
            for k in db.request_clocks("c", date!(2025 - 12 - 31)).await.unwrap() {
                if k.closed_on.is_none() { open_at_end_2025 += 1; }
            }
            for y in [2025, 2026] {
                let r = db.report("c", PeriodSpec::Year(y)).await.unwrap();
                assert!(r.valid, "{:?}", r.failures().collect::<Vec<_>>());
            }
            let r = db.report("c", PeriodSpec::Year(2025)).await.unwrap();
            assert_eq!(r.requests.get(T3Row::CarriedForward, TOTAL_COL), open_at_end_2025);
        });
    }
}
