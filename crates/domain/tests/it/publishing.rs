//! Properties of the publishing rules: the detectors recognise exactly the numbers whose check
//! digits hold, wherever they sit in a text; and no sequence of steps by any people approves a
//! version without every stage, separation of duties and the agency's minimum of people.

use gongkai_domain::auth::{AgencyPath, ReviewContext, Stage, separation_of_duties};
use gongkai_domain::publishing::{
    Detectors, FindingKind, PROOFREADS, ReviewRecord, Step, Verdict, VersionState, id_card_valid,
    luhn_valid, next_state,
};
use proptest::prelude::*;

/// A 17-digit identity-number body: a region code not starting with 0 or 9, a real birth date,
/// three sequence digits.
fn id_body() -> impl Strategy<Value = String> {
    (
        1u32..9,
        0u32..100_000,
        1900i32..2020,
        1u8..13,
        1u8..29,
        0u32..1000,
    )
        .prop_map(|(r0, r, y, m, d, s)| format!("{r0}{r:05}{y:04}{m:02}{d:02}{s:03}"))
}

fn id_check(body: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

fn luhn_check(body: &str) -> char {
    // The digit that makes body + digit Luhn-valid.
    (0..10u8)
        .map(|d| (b'0' + d) as char)
        .find(|c| luhn_valid(&format!("{body}{c}")))
        .unwrap_or('0')
}

/// Chinese text without digits or Latin letters, to embed numbers in.
fn filler() -> impl Strategy<Value = String> {
    "[本单位申请人联系，。：、的信息公开事项]{0,12}"
}

proptest! {
    #[test]
    fn identity_numbers_are_found_exactly_when_their_check_digit_holds(
        body in id_body(), before in filler(), after in filler(), wrong in 0u8..10,
    ) {
        let good = format!("{body}{}", id_check(&body));
        prop_assert!(id_card_valid(&good));
        let d = Detectors::new(&[], &[]);
        let found = d.scan("正文", &format!("{before}{good}{after}"));
        prop_assert_eq!(found.iter().filter(|f| f.kind == FindingKind::IdCard).count(), 1);
        let bad_check = (b'0' + wrong) as char;
        if bad_check != id_check(&body) {
            let bad = format!("{body}{bad_check}");
            prop_assert!(!id_card_valid(&bad));
            let found = d.scan("正文", &format!("{before}{bad}{after}"));
            prop_assert!(found.iter().all(|f| f.kind != FindingKind::IdCard));
        }
    }

    #[test]
    fn card_numbers_are_found_exactly_when_luhn_holds(
        first in prop::sample::select(vec!['3', '4', '5', '6', '9']),
        rest in "[0-9]{14,17}", before in filler(), after in filler(), bump in 1u8..10,
    ) {
        let body = format!("{first}{rest}");
        let good = format!("{body}{}", luhn_check(&body));
        let d = Detectors::new(&[], &[]);
        let kinds: Vec<FindingKind> = d.scan("正文", &format!("{before}{good}{after}")).into_iter().map(|f| f.kind).collect();
        // An 18-digit Luhn-valid number may also be a valid identity number: then it is one.
        let expect = if good.len() == 18 && id_card_valid(&good) { FindingKind::IdCard } else { FindingKind::BankCard };
        prop_assert_eq!(kinds, vec![expect]);
        // Changing one digit breaks Luhn.
        let last = good.as_bytes()[good.len() - 1] - b'0';
        let bad = format!("{body}{}", (last + bump) % 10);
        prop_assert!(!luhn_valid(&bad));
        let found = d.scan("正文", &format!("{before}{bad}{after}"));
        prop_assert!(found.iter().all(|f| f.kind != FindingKind::BankCard));
    }

    /// Reviewers 1..6 try stages in any order, each attempt checked by separation of duties and
    /// by the workflow: whenever the version ends approved, every stage was passed in the round,
    /// by people other than the author, nobody holding two of 初审/复审/终审/保密审查, and at least
    /// `min` people handled it.
    #[test]
    fn nothing_is_approved_without_every_stage_and_enough_people(
        steps in prop::collection::vec(
            (prop::sample::select(Stage::ALL.to_vec()), 0i64..6, prop::bool::weighted(0.97)), 0..60),
        min in 1usize..6,
    ) {
        let author = 0i64;
        let path = AgencyPath(vec![1]);
        let mut state = VersionState::InReview;
        let mut round: Vec<ReviewRecord> = vec![];
        let mut all: Vec<(Stage, i64)> = vec![];
        for (stage, user, pass) in steps {
            let verdict = if pass { Verdict::Pass } else { Verdict::Return };
            let ctx = ReviewContext { agency: &path, author, done: &all, min_people: min };
            if separation_of_duties(user, stage, &ctx).is_err() {
                continue;
            }
            let Ok(next) = next_state(state, Step::Review { stage, verdict }, &round, 0) else {
                continue;
            };
            all.push((stage, user));
            if next == VersionState::Returned {
                // The author resubmits; a new round starts.
                state = VersionState::InReview;
                round.clear();
                continue;
            }
            round.push(ReviewRecord { stage, user, verdict });
            state = next;
            if state == VersionState::Approved {
                break;
            }
        }
        if state == VersionState::Approved {
            let passed = |s: Stage| round.iter().filter(|r| r.stage == s).count();
            prop_assert!(passed(Stage::First) == 1 && passed(Stage::Second) == 1);
            prop_assert!(passed(Stage::Secrecy) == 1 && passed(Stage::Final) == 1);
            prop_assert_eq!(passed(Stage::Proofread), PROOFREADS);
            prop_assert!(round.iter().all(|r| r.user != author));
            let mut people: Vec<i64> = all.iter().map(|(_, u)| *u).collect();
            people.push(author);
            people.sort_unstable();
            people.dedup();
            prop_assert!(people.len() >= min);
        }
    }
}
