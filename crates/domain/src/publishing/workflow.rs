//! The life of one version of an item — draft → 初审 → 复审 → 三校 and 保密审查 → 终审 → approved
//! → scheduled → published — and the item's state (contracts.md §7) derived from its versions.

use crate::auth::Stage;

crate::codes::code_enum_pub!(
    /// The state of an item (contracts.md §7). Only `published` and `corrected` items are public.
    ItemState, "state" {
        Draft => "draft", "草稿";
        InReview => "in_review", "审核中";
        Returned => "returned", "已退回";
        Approved => "approved", "已批准";
        Scheduled => "scheduled", "定时发布";
        Published => "published", "已发布";
        Corrected => "corrected", "已更正";
        Withdrawn => "withdrawn", "已撤回";
    }
);

impl ItemState {
    /// Whether the item's latest published version is public.
    pub fn is_public(self) -> bool {
        matches!(self, ItemState::Published | ItemState::Corrected)
    }
}

crate::codes::code_enum_pub!(
    /// The state of one version.
    VersionState, "version_state" {
        Draft => "draft", "草稿";
        InReview => "in_review", "审核中";
        Returned => "returned", "已退回";
        Approved => "approved", "已批准";
        Scheduled => "scheduled", "定时发布";
        Published => "published", "已发布";
        Superseded => "superseded", "已被更正";
    }
);

crate::codes::code_enum_pub!(
    /// A reviewer's verdict on a stage.
    Verdict, "verdict" {
        Pass => "pass", "通过";
        Return => "return", "退回";
    }
);

/// The number of proofreading passes (三校) before 终审.
pub const PROOFREADS: usize = 3;

/// One stage performed on a version in its current review round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRecord {
    pub stage: Stage,
    pub user: i64,
    pub verdict: Verdict,
}

/// What is done to a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The author changes the fields (a draft or a returned version).
    Edit,
    /// The author sends the version to review.
    Submit,
    /// A reviewer performs a stage.
    Review { stage: Stage, verdict: Verdict },
    /// An approved version is set to go out at a later time.
    Schedule,
    /// A scheduled version goes back to approved.
    Unschedule,
    /// The version goes out (by an editor, or by the scheduler when its time comes).
    Publish,
}

fn passed(round: &[ReviewRecord], stage: Stage) -> usize {
    round
        .iter()
        .filter(|r| r.stage == stage && r.verdict == Verdict::Pass)
        .count()
}

/// The state a version moves to when `step` is done to it, given the stages passed in its
/// current review round and the number of findings of the pre-publication checks still
/// blocking it; the error (in Chinese) says why the step does not fit.
pub fn next_state(
    state: VersionState,
    step: Step,
    round: &[ReviewRecord],
    blocking_findings: usize,
) -> Result<VersionState, String> {
    use VersionState as V;
    let wrong = |what: &str| Err(format!("{}状态的稿件不能{what}", state.label()));
    match step {
        Step::Edit => match state {
            V::Draft | V::Returned => Ok(state),
            _ => wrong("修改"),
        },
        Step::Submit => match state {
            V::Draft | V::Returned => Ok(V::InReview),
            _ => wrong("提交审核"),
        },
        Step::Review { stage, verdict } => {
            if state != V::InReview {
                return wrong(stage.label());
            }
            if verdict == Verdict::Return {
                return Ok(V::Returned);
            }
            let need = |s: Stage, n: usize| passed(round, s) >= n;
            match stage {
                Stage::First | Stage::Second | Stage::Secrecy if need(stage, 1) => {
                    Err(format!("本轮{}已完成", stage.label()))
                }
                Stage::Second if !need(Stage::First, 1) => Err("须先完成初审".into()),
                Stage::Proofread if need(Stage::Proofread, PROOFREADS) => {
                    Err(format!("本轮已完成 {PROOFREADS} 次校对"))
                }
                Stage::Final => {
                    let mut missing = Vec::new();
                    for s in [Stage::First, Stage::Second, Stage::Secrecy] {
                        if !need(s, 1) {
                            missing.push(s.label().to_string());
                        }
                    }
                    let proofs = passed(round, Stage::Proofread);
                    if proofs < PROOFREADS {
                        missing.push(format!("校对（已 {proofs} 次，须 {PROOFREADS} 次）"));
                    }
                    if !missing.is_empty() {
                        return Err(format!("终审前须完成：{}", missing.join("、")));
                    }
                    if blocking_findings > 0 {
                        return Err(format!(
                            "发布前检查还有 {blocking_findings} 项问题未处理：须修改，或由保密审查员说明理由后放行"
                        ));
                    }
                    Ok(V::Approved)
                }
                _ => Ok(V::InReview),
            }
        }
        Step::Schedule => match state {
            V::Approved => Ok(V::Scheduled),
            _ => wrong("定时发布"),
        },
        Step::Unschedule => match state {
            V::Scheduled => Ok(V::Approved),
            _ => wrong("取消定时"),
        },
        Step::Publish => match state {
            V::Approved | V::Scheduled => Ok(V::Published),
            _ => wrong("发布"),
        },
    }
}

/// The item's state from its versions: withdrawn when withdrawn (until a new version is in
/// work to reissue it: then, as before its first publication, the state of that version);
/// corrected once a second version has been published; published once one has; otherwise the
/// state of the version in work.
pub fn item_state(published_versions: usize, withdrawn: bool, working: VersionState) -> ItemState {
    if withdrawn {
        return match working {
            VersionState::Published | VersionState::Superseded => ItemState::Withdrawn,
            w => item_state(0, false, w),
        };
    }
    match published_versions {
        0 => match working {
            VersionState::Draft => ItemState::Draft,
            VersionState::InReview => ItemState::InReview,
            VersionState::Returned => ItemState::Returned,
            VersionState::Approved => ItemState::Approved,
            VersionState::Scheduled => ItemState::Scheduled,
            // A version published or superseded means one was published: not reachable with 0.
            VersionState::Published | VersionState::Superseded => ItemState::Published,
        },
        1 => ItemState::Published,
        _ => ItemState::Corrected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(stage: Stage, user: i64) -> ReviewRecord {
        ReviewRecord {
            stage,
            user,
            verdict: Verdict::Pass,
        }
    }

    #[test]
    fn final_review_needs_every_stage_and_no_blocking_finding() {
        let step = Step::Review {
            stage: Stage::Final,
            verdict: Verdict::Pass,
        };
        let mut round = vec![pass(Stage::First, 2), pass(Stage::Second, 3)];
        let e = next_state(VersionState::InReview, step, &round, 0).unwrap_err();
        assert!(e.contains("保密审查") && e.contains("校对（已 0 次"), "{e}");
        round.push(pass(Stage::Secrecy, 4));
        for _ in 0..PROOFREADS {
            round.push(pass(Stage::Proofread, 5));
        }
        assert!(next_state(VersionState::InReview, step, &round, 1).is_err());
        assert_eq!(
            next_state(VersionState::InReview, step, &round, 0),
            Ok(VersionState::Approved)
        );
    }

    #[test]
    fn stages_keep_their_order_and_a_return_ends_the_round() {
        let second = Step::Review {
            stage: Stage::Second,
            verdict: Verdict::Pass,
        };
        assert!(next_state(VersionState::InReview, second, &[], 0).is_err());
        let back = Step::Review {
            stage: Stage::Second,
            verdict: Verdict::Return,
        };
        assert_eq!(
            next_state(VersionState::InReview, back, &[], 0),
            Ok(VersionState::Returned)
        );
        assert_eq!(
            next_state(VersionState::Returned, Step::Submit, &[], 0),
            Ok(VersionState::InReview)
        );
        assert!(next_state(VersionState::Draft, Step::Publish, &[], 0).is_err());
        assert!(next_state(VersionState::Published, Step::Edit, &[], 0).is_err());
    }

    #[test]
    fn the_item_state_follows_its_versions() {
        assert_eq!(
            item_state(0, false, VersionState::Scheduled),
            ItemState::Scheduled
        );
        assert_eq!(
            item_state(1, false, VersionState::Draft),
            ItemState::Published
        );
        assert_eq!(
            item_state(2, false, VersionState::Published),
            ItemState::Corrected
        );
        assert_eq!(
            item_state(2, true, VersionState::Published),
            ItemState::Withdrawn
        );
        assert!(!ItemState::Withdrawn.is_public() && ItemState::Corrected.is_public());
        // A withdrawn item being reissued follows its new version, and is not public.
        for (working, state) in [
            (VersionState::Draft, ItemState::Draft),
            (VersionState::InReview, ItemState::InReview),
            (VersionState::Approved, ItemState::Approved),
            (VersionState::Superseded, ItemState::Withdrawn),
        ] {
            assert_eq!(item_state(1, true, working), state);
            assert!(!state.is_public());
        }
    }
}
