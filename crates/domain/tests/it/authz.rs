//! Properties of the one access decision (`auth::authorize`): grants cover exactly their
//! subtree, and separation of duties holds whatever order reviewers act in.

use gongkai_domain::auth::{
    Action, AgencyPath, Grant, Principal, Resource, ReviewContext, Role, Stage, Via, authorize,
    role_allows, separation_of_duties,
};
use proptest::prelude::*;

fn role() -> impl Strategy<Value = Role> {
    prop::sample::select(Role::ALL.to_vec())
}

fn action() -> impl Strategy<Value = Action> {
    prop::sample::select(Action::all())
}

fn stage() -> impl Strategy<Value = Stage> {
    prop::sample::select(Stage::ALL.to_vec())
}

proptest! {
    /// A grant in agency g allows an action on agency a exactly when g is a or an ancestor of
    /// a, and the role allows the action.
    #[test]
    fn grants_cover_their_subtree_and_nothing_else(
        depth in 1usize..6,
        at in 0usize..6,
        r in role(),
        a in action(),
    ) {
        // A chain 1 ← 2 ← … ← depth; the resource is the deepest agency; a sibling is 100.
        let path = AgencyPath((1..=depth as i64).rev().collect());
        let sibling = AgencyPath(vec![100, 1]);
        let g = (at % depth) as i64 + 1;
        let p = Principal {
            user_id: 7,
            name: "u".into(),
            grants: vec![Grant { agency_id: g, role: r, top_level: g == 1 }],
            via: Via::Session,
        };
        if matches!(a, Action::Review(_)) {
            return Ok(());
        }
        let on_path = authorize(&p, a, Resource::Agency(&path)).is_ok();
        prop_assert_eq!(on_path, role_allows(r, a));
        let on_sibling = authorize(&p, a, Resource::Agency(&sibling)).is_ok();
        prop_assert_eq!(on_sibling, g == 1 && role_allows(r, a));
    }

    /// Whatever sequence of (stage, person) an item goes through, with every step checked by
    /// `separation_of_duties` before it is recorded: the author never performs a stage, nobody
    /// holds two of 初审/复审/终审/保密审查, and a 终审 only lands when at least `min` distinct
    /// people (author included) have handled the item.
    #[test]
    fn separation_of_duties_holds_for_any_sequence(
        steps in prop::collection::vec((stage(), 0i64..5), 0..20),
        min in 1usize..5,
    ) {
        let author = 0i64;
        let mut done: Vec<(Stage, i64)> = vec![];
        for (s, u) in steps {
            let ctx = ReviewContext { agency: &AgencyPath(vec![1]), author, done: &done, min_people: min };
            if separation_of_duties(u, s, &ctx).is_ok() {
                done.push((s, u));
            }
        }
        prop_assert!(done.iter().all(|(_, u)| *u != author));
        for (s, u) in &done {
            if *s == Stage::Proofread {
                continue;
            }
            let other = done.iter().any(|(s2, u2)| u2 == u && *s2 != *s && *s2 != Stage::Proofread);
            prop_assert!(!other, "{u} holds two stages: {done:?}");
        }
        if let Some(i) = done.iter().position(|(s, _)| *s == Stage::Final) {
            let mut people: Vec<i64> = done[..=i].iter().map(|(_, u)| *u).collect();
            people.push(author);
            people.sort_unstable();
            people.dedup();
            prop_assert!(people.len() >= min, "{done:?} min {min}");
        }
    }

    /// Review actions also need the stage's role in the item's agency.
    #[test]
    fn review_needs_the_stage_role(r in role(), s in stage()) {
        let path = AgencyPath(vec![3, 1]);
        let ctx = ReviewContext { agency: &path, author: 0, done: &[], min_people: 1 };
        let p = Principal {
            user_id: 9,
            name: "r".into(),
            grants: vec![Grant { agency_id: 3, role: r, top_level: false }],
            via: Via::Session,
        };
        let ok = authorize(&p, Action::Review(s), Resource::ReviewOf(&ctx)).is_ok();
        prop_assert_eq!(ok, r == s.role());
    }
}

/// Trading disclosure pages are the 采编's and the 负责人's work and the administrator's; the
/// trading system's account pushes notices but sees no page, and nobody else sees them.
#[test]
fn trading_pages_are_for_editors_heads_and_admins() {
    for r in Role::ALL {
        assert_eq!(
            role_allows(*r, Action::ViewTrading),
            matches!(r, Role::Admin | Role::Editor | Role::Head),
            "{r:?}"
        );
    }
    assert!(Action::all().contains(&Action::ViewTrading));
}
