//! A section's full-process status (全流程公开): for each required stage of its category
//! (contracts.md §3.4, [`super::RuleConfig::full_process`]) whether it is published, due, late,
//! waiting for an earlier stage, or moot because the section was terminated.

use serde::{Serialize, Serializer};
use time::{Date, Duration};

use crate::calendar::Calendar;
use crate::codes::{NoticeType, TradingCategory};
use crate::period::iso;

use super::figures::{completed_on, section_category};
use super::notice::Notice;
use super::rules::{RuleCode, RuleConfig, Violation, check_all, roll};

fn date<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&iso(*d))
}

fn opt_date<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&iso(*d)),
        None => s.serialize_none(),
    }
}

/// Where a stage stands on the day asked about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StageState {
    /// Published on `on` (the first notice of the stage); `on_time` is false when a time-limit
    /// rule (not `ELEMENT_MISSING`) fails on that notice.
    Published {
        #[serde(serialize_with = "date")]
        on: Date,
        notice: String,
        on_time: bool,
    },
    /// The next stage expected; `by` is its statutory last day where one can be computed (a
    /// procurement contract notice: 30 days from the award result to sign, then 2 working days).
    Due {
        #[serde(serialize_with = "opt_date")]
        by: Option<Date>,
    },
    /// Due and not published by its last day.
    Late {
        #[serde(serialize_with = "date")]
        due: Date,
    },
    /// An earlier stage is not yet published.
    Waiting,
    /// Not published, and the section was terminated.
    Terminated,
}

impl StageState {
    pub fn label(&self) -> &'static str {
        match self {
            StageState::Published { on_time: true, .. } => "已公开",
            StageState::Published { on_time: false, .. } => "已公开（超期）",
            StageState::Due { .. } => "待公开",
            StageState::Late { .. } => "逾期未公开",
            StageState::Waiting => "未到此阶段",
            StageState::Terminated => "已终止",
        }
    }
}

/// One required stage: any of `types` satisfies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    pub types: Vec<NoticeType>,
    /// The stage's name: its types' labels joined by "或".
    pub label: String,
    #[serde(flatten)]
    pub state: StageState,
}

/// A section's full-process status as of a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionStatus {
    pub project: String,
    pub section: Option<String>,
    pub category: TradingCategory,
    pub stages: Vec<Stage>,
    /// The day the last required stage was published (the section counts in
    /// `sections_full_process` for the period holding it); `null` while incomplete.
    #[serde(serialize_with = "opt_date")]
    pub completed_on: Option<Date>,
    #[serde(serialize_with = "opt_date")]
    pub terminated_on: Option<Date>,
    /// The violations of the section's notices published by then.
    pub violations: Vec<Violation>,
}

/// The status of one section from its notices (current versions; those published after `as_of`
/// are not yet known). `None` when no notice of it is published by `as_of`.
pub fn section_status(
    notices: &[Notice],
    cal: &Calendar,
    cfg: &RuleConfig,
    as_of: Date,
) -> Option<SectionStatus> {
    let known: Vec<Notice> = notices
        .iter()
        .filter(|n| n.published_date() <= as_of)
        .cloned()
        .collect();
    let refs: Vec<&Notice> = known.iter().collect();
    let category = section_category(&refs)?;
    let first = refs.first()?;
    let violations = check_all(&known, cal, cfg);
    let terminated_on = known
        .iter()
        .filter(|n| n.ntype == NoticeType::Termination)
        .map(Notice::published_date)
        .min();
    let groups: &[Vec<NoticeType>] = cfg
        .full_process
        .stages
        .iter()
        .find(|(c, _)| *c == category)
        .map(|(_, g)| g.as_slice())
        .unwrap_or(&[]);
    let mut stages = Vec::with_capacity(groups.len());
    let mut previous_published = true;
    for g in groups {
        let first_of = known
            .iter()
            .filter(|n| g.contains(&n.ntype))
            .min_by(|a, b| a.published.cmp(&b.published).then_with(|| a.id.cmp(&b.id)));
        let state = match first_of {
            Some(n) => StageState::Published {
                on: n.published_date(),
                notice: n.id.clone(),
                on_time: !violations
                    .iter()
                    .any(|v| v.notice == n.id && v.code != RuleCode::ElementMissing),
            },
            None if terminated_on.is_some() => StageState::Terminated,
            None if previous_published => match due_by(g, category, &known, cal, cfg) {
                Some(by) if as_of > by => StageState::Late { due: by },
                by => StageState::Due { by },
            },
            None => StageState::Waiting,
        };
        previous_published = matches!(state, StageState::Published { .. });
        stages.push(Stage {
            types: g.clone(),
            label: g.iter().map(|t| t.label()).collect::<Vec<_>>().join("或"),
            state,
        });
    }
    Some(SectionStatus {
        project: first.project.clone(),
        section: first.section.clone(),
        category,
        stages,
        completed_on: completed_on(&refs, &cfg.full_process),
        terminated_on,
        violations,
    })
}

/// The statutory last day of an unpublished stage, where the law gives one: a procurement
/// contract notice is due 2 working days after the last day to sign (30 days from the latest
/// award result, rolled past rest days as `CONTRACT_30D` rolls it).
fn due_by(
    g: &[NoticeType],
    category: TradingCategory,
    known: &[Notice],
    cal: &Calendar,
    cfg: &RuleConfig,
) -> Option<Date> {
    if category != TradingCategory::Procurement || !g.contains(&NoticeType::Contract) {
        return None;
    }
    let award = known
        .iter()
        .filter(|n| n.ntype == NoticeType::AwardResult)
        .map(Notice::published_date)
        .max()?;
    let last = award.checked_add(Duration::days(30))?;
    let sign_by = if cfg.roll_deadlines {
        roll(cal, last).date
    } else {
        last
    };
    Some(cal.add_workdays(sign_by, 2).date)
}
