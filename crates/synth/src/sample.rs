//! One sample annual report for the export tests, the auditor's generated corpus and the
//! export benches: every cell of tables 二, 三 and 四 distinct where it can be and balancing, and
//! the narrative figures of a trading center that started on 2024-05-29 (so the partial-year
//! sentence is written).

use gongkai_domain::codes::{AppealKind, AppealResult, ApplicantType, ChannelKind, Outcome};
use gongkai_domain::period::Period;
use gongkai_domain::report::*;
use time::macros::date;

/// The sample report (it balances: `valid` is true).
pub fn sample_report() -> AnnualReport {
    let mut t3 = Table3::default();
    let types = ApplicantType::ALL;
    for (i, a) in types.iter().enumerate() {
        let i = i as i64;
        t3.add_cases(T3Row::NewReceived, *a, 10 + 3 * i);
        t3.add_cases(T3Row::CarriedOver, *a, 1 + i % 2);
    }
    // Spread the received and carried-over cases over the outcomes, leaving two of each
    // applicant type carried forward.
    for (k, a) in types.iter().enumerate() {
        let mut left = t3.get(T3Row::NewReceived, k) + t3.get(T3Row::CarriedOver, k) - 2;
        for (j, o) in Outcome::ALL.iter().enumerate() {
            let n = (((j + k) % 3) as i64).min(left);
            left -= n;
            t3.add_cases(T3Row::Outcome(*o), *a, n);
        }
        t3.add_cases(T3Row::Outcome(Outcome::Granted), *a, left);
        t3.add_cases(T3Row::CarriedForward, *a, 2);
    }
    t3.fill_total_processed();
    let mut t4 = Table4::default();
    for (g, kind) in AppealKind::ALL.iter().enumerate() {
        for (r, res) in AppealResult::ALL.iter().enumerate() {
            t4.add(*kind, *res, (g * 4 + r + 1) as i64);
        }
    }
    let proactive = Table2 {
        rules: DocCounts {
            issued: 1,
            repealed: 2,
            in_force: 13,
        },
        normative_documents: DocCounts {
            issued: 8,
            repealed: 26,
            in_force: 66,
        },
        licensing_decisions: 447,
        penalty_decisions: 39,
        enforcement_decisions: 5,
        fees_fen: 20_300_000,
    };
    let received = t3.get(T3Row::NewReceived, TOTAL_COL);
    AnnualReport::new(ReportInputs {
        agency: AgencyRef {
            code: "x".into(),
            name: "某市公共资源交易中心".into(),
        },
        period: Period {
            from: date!(2024 - 05 - 29),
            to: date!(2024 - 12 - 31),
        },
        proactive,
        requests: t3,
        appeals: t4,
        figures: Figures {
            trading_notices: 5836,
            sections_full_process: 977,
            plans_and_intentions: 1517,
            bidders: 7432,
            policy_pushes: 294,
            policy_loans: 60,
            policy_loan_amount_fen: 4_437_000_000,
            requests_received: received,
            ..Figures::default()
        },
        channels: vec![ChannelFigure {
            kind: ChannelKind::Wechat,
            name: "某交易".into(),
            posts: 49,
            reads: 4565,
        }],
        previous_carried_forward: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_balances_with_distinct_received_counts() {
        let r = sample_report();
        assert!(r.valid);
        let received: Vec<i64> = (0..TOTAL_COL)
            .map(|k| r.requests.get(T3Row::NewReceived, k))
            .collect();
        assert_eq!(received, [10, 13, 16, 19, 22, 25]);
        assert_eq!(r.figures.requests_received, 105);
    }
}
