//! The statutory time limits of contracts.md §3.3 and the required elements, checked per notice
//! within its section.
//!
//! Every rule compares dates: a notice's "published date" is the Beijing date of `published`, and
//! a `dates` value given as a time counts by its Beijing date. Calendar-day periods exclude the
//! anchor day (`anchor + n`); working-day periods use [`Calendar::add_workdays`]. A rule whose
//! inputs are missing is not evaluated (`ELEMENT_MISSING` reports the missing input).
//!
//! Action deadlines counted in calendar days (`CANDIDATE_PUBLISH_3D`: publish *within* 3 days;
//! `CONTRACT_30D`: sign *within* 30 days) end, when their last day is a rest day, on the next
//! working day (民法典 art. 203, regulations.md §2.7 `roll_if_rest_day`, default on for
//! deadlines); minimum periods (不少于 N 日) never move. [`RuleConfig::roll_deadlines`] turns the
//! roll off for the literal formulas of contracts.md §3.3.

use std::collections::BTreeSet;

use serde::Serialize;
use time::{Date, Duration};

use crate::calendar::{CalDate, Calendar};
use crate::codes::{NoticeType, TradingCategory};
use crate::ledger::FullProcessRule;
use crate::period::iso;

use super::elements::missing;
use super::notice::{DateField, Notice};

crate::codes::code_enum_pub!(
    /// The rules of contracts.md §3.3, in its order.
    RuleCode, "code" {
        Intention30d => "INTENTION_30D", "采购意向应不晚于采购活动开始前30日公开";
        BidPeriod20d => "BID_PERIOD_20D", "自招标文件开始发出之日起至投标截止之日止不少于20日";
        DocsPeriod => "DOCS_PERIOD", "招标（采购）文件发售期不少于5日（政府采购：5个工作日）";
        Clarification15d => "CLARIFICATION_15D", "澄清或者修改应在投标截止时间至少15日前发出";
        CandidatePublish3d => "CANDIDATE_PUBLISH_3D", "收到评标报告之日起3日内公示中标候选人";
        CandidatePublicity3d => "CANDIDATE_PUBLICITY_3D", "中标候选人公示期不少于3日";
        Result2wd => "RESULT_2WD", "确定中标（成交）供应商之日起2个工作日内公告结果";
        Contract2wd => "CONTRACT_2WD", "政府采购合同自签订之日起2个工作日内公告";
        Contract30d => "CONTRACT_30D", "自中标通知书发出之日起30日内订立合同";
        SingleSource5wd => "SINGLE_SOURCE_5WD", "单一来源采购公示期不少于5个工作日";
        ElementMissing => "ELEMENT_MISSING", "缺少法定公开要素";
    }
);

impl RuleCode {
    /// The legal basis, as contracts.md §3.3 names it.
    pub fn basis(self) -> &'static str {
        match self {
            RuleCode::Intention30d => "财库〔2020〕10号",
            RuleCode::BidPeriod20d => "招标投标法第二十四条；政府采购法第三十五条",
            RuleCode::DocsPeriod => "招标投标法实施条例第十六条；政府采购法实施条例第三十一条",
            RuleCode::Clarification15d => "招标投标法第二十三条；政府采购法实施条例第三十一条",
            RuleCode::CandidatePublish3d | RuleCode::CandidatePublicity3d => {
                "招标投标法实施条例第五十四条"
            }
            RuleCode::Result2wd => "政府采购法实施条例第四十三条",
            RuleCode::Contract2wd => "政府采购法实施条例第五十条",
            RuleCode::Contract30d => "招标投标法第四十六条；政府采购法第四十六条",
            RuleCode::SingleSource5wd => "政府采购法实施条例第三十八条",
            RuleCode::ElementMissing => "发改委令第10号第五条、第六条等",
        }
    }
}

/// An element an agency requires beyond the built-in list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraElement {
    pub ntype: NoticeType,
    /// `None`: every category.
    pub category: Option<TradingCategory>,
    pub key: String,
    pub label: String,
}

/// An agency's configuration of the rules (product.md: what regulations.md marks [M] is
/// configurable). The default is every rule of contracts.md §3.3 on, every built-in element
/// required, deadlines rolled past rest days, and the required stages of contracts.md §3.4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleConfig {
    /// Rules not checked.
    pub disabled: BTreeSet<RuleCode>,
    /// Require the elements whose list is only [V~] or [M] (see [`super::elements`]).
    pub unverified_elements: bool,
    /// Required content waived per notice type, by path: `elements.agent`, `dates.signed`,
    /// `bidders`.
    pub waived_elements: BTreeSet<(NoticeType, String)>,
    pub extra_elements: Vec<ExtraElement>,
    /// Move the last day of `CANDIDATE_PUBLISH_3D` and `CONTRACT_30D` past rest days.
    pub roll_deadlines: bool,
    /// The stages a section needs for 全流程公开 (contracts.md §3.4).
    pub full_process: FullProcessRule,
}

impl Default for RuleConfig {
    fn default() -> Self {
        RuleConfig {
            disabled: BTreeSet::new(),
            unverified_elements: true,
            waived_elements: BTreeSet::new(),
            extra_elements: Vec::new(),
            roll_deadlines: true,
            full_process: FullProcessRule::default(),
        }
    }
}

impl RuleConfig {
    pub fn enabled(&self, code: RuleCode) -> bool {
        !self.disabled.contains(&code)
    }
}

/// One broken rule, in the JSON of contracts.md §3.3 (plus `provisional`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub notice: String,
    pub section: Option<String>,
    pub code: RuleCode,
    /// What is wrong, in Chinese, with the dates and the legal basis.
    pub message: String,
    /// The limit (`YYYY-MM-DD`), or for `ELEMENT_MISSING` the missing path (`elements.winner`).
    pub expected: String,
    /// The date found; `null` for `ELEMENT_MISSING`.
    pub actual: Option<String>,
    /// True when the limit depends on a year whose holiday notice is not yet published.
    pub provisional: bool,
}

fn plus(d: Date, days: i64) -> Option<Date> {
    d.checked_add(Duration::days(days))
}

/// `d`, or when it is a rest day the next working day (民法典 art. 203).
pub(super) fn roll(cal: &Calendar, d: Date) -> CalDate {
    let mut x = d;
    let mut confirmed = cal.is_confirmed(x);
    // No run of rest days is anywhere near a year long; the bound only guards bad data.
    for _ in 0..366 {
        if cal.is_working_day(x) {
            break;
        }
        match x.next_day() {
            Some(n) => x = n,
            None => break,
        }
        confirmed &= cal.is_confirmed(x);
    }
    CalDate { date: x, confirmed }
}

struct Ctx<'a> {
    n: &'a Notice,
    out: &'a mut Vec<Violation>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        code: RuleCode,
        message: String,
        expected: Date,
        actual: Date,
        provisional: bool,
    ) {
        self.out.push(Violation {
            notice: self.n.id.clone(),
            section: self.n.section.clone(),
            code,
            message: format!("{message}（{}）", code.basis()),
            expected: iso(expected),
            actual: Some(iso(actual)),
            provisional,
        });
    }
}

/// The violations of one notice, given the notices of its section (other versions of the same
/// notice in `section` are ignored in favour of `n`; notices of other sections are ignored).
/// This is the check run when a notice is created or imported.
pub fn check_notice(
    n: &Notice,
    section: &[Notice],
    cal: &Calendar,
    cfg: &RuleConfig,
) -> Vec<Violation> {
    let key = n.key();
    let ctx: Vec<&Notice> = section
        .iter()
        .filter(|x| x.id != n.id && x.key() == key)
        .chain(std::iter::once(n))
        .collect();
    let mut out = Vec::new();
    check_in(n, &ctx, cal, cfg, &mut out);
    out
}

/// The violations of every notice of one section (`notices` are its current versions), in the
/// order of the notices, each notice's in the order of [`RuleCode::ALL`].
pub fn check_section(notices: &[Notice], cal: &Calendar, cfg: &RuleConfig) -> Vec<Violation> {
    check_all(notices, cal, cfg)
}

/// The violations of any set of notices (`notices check`): each notice is checked within the
/// notices of the same [`super::SectionKey`]. Output in the order of the notices. The notices
/// may be owned or borrowed (an import checks stored and incoming notices without copying).
pub fn check_all<N: std::borrow::Borrow<Notice>>(
    notices: &[N],
    cal: &Calendar,
    cfg: &RuleConfig,
) -> Vec<Violation> {
    let mut groups: std::collections::HashMap<super::SectionKey, Vec<&Notice>> =
        std::collections::HashMap::new();
    for n in notices {
        let n = n.borrow();
        groups.entry(n.key()).or_default().push(n);
    }
    let mut out = Vec::new();
    for n in notices {
        let n = n.borrow();
        let ctx = groups.get(&n.key()).map(Vec::as_slice).unwrap_or(&[]);
        check_in(n, ctx, cal, cfg, &mut out);
    }
    out
}

fn check_in(
    n: &Notice,
    section: &[&Notice],
    cal: &Calendar,
    cfg: &RuleConfig,
    out: &mut Vec<Violation>,
) {
    use DateField as D;
    use NoticeType as N;
    use RuleCode as R;
    let p = n.published_date();
    let on = |c: R| cfg.enabled(c);
    let procurement = n.category == TradingCategory::Procurement;
    let mut v = Ctx { n, out };
    match n.ntype {
        N::ProcurementIntention if on(R::Intention30d) => {
            if let Some(start) = n.date(D::ActivityStart)
                && let Some(latest) = plus(start, -30)
                && p > latest
            {
                v.push(
                    R::Intention30d,
                    format!(
                        "采购意向公开日 {} 晚于采购活动开始日 {} 前30日（{}）",
                        iso(p),
                        iso(start),
                        iso(latest)
                    ),
                    latest,
                    p,
                    false,
                );
            }
        }
        N::TenderNotice => {
            if on(R::BidPeriod20d)
                && matches!(
                    n.category,
                    TradingCategory::Engineering | TradingCategory::Procurement
                )
                && let Some(deadline) = n.date(D::BidDeadline)
            {
                let first = section
                    .iter()
                    .filter(|x| x.ntype == N::TenderNotice)
                    .map(|x| x.published_date())
                    .chain(std::iter::once(p))
                    .min()
                    .unwrap_or(p);
                if let Some(earliest) = plus(first, 20)
                    && deadline < earliest
                {
                    v.push(
                        R::BidPeriod20d,
                        format!(
                            "投标截止日 {} 早于招标公告首次发布之日 {} 后第20日（{}）",
                            iso(deadline),
                            iso(first),
                            iso(earliest)
                        ),
                        earliest,
                        deadline,
                        false,
                    );
                }
            }
            if on(R::DocsPeriod)
                && let (Some(from), Some(to)) = (n.date(D::DocsFrom), n.date(D::DocsTo))
            {
                let (earliest, unit) = if procurement {
                    let c = from
                        .previous_day()
                        .map(|before| cal.add_workdays(before, 5));
                    (c, "5个工作日")
                } else {
                    (
                        plus(from, 4).map(|date| CalDate {
                            date,
                            confirmed: true,
                        }),
                        "5日",
                    )
                };
                if let Some(e) = earliest
                    && to < e.date
                {
                    v.push(
                        R::DocsPeriod,
                        format!(
                            "文件发售期 {} 至 {} 不足{unit}（应至少至 {}）",
                            iso(from),
                            iso(to),
                            iso(e.date)
                        ),
                        e.date,
                        to,
                        !e.confirmed,
                    );
                }
            }
        }
        N::Clarification if on(R::Clarification15d) => {
            if let Some(deadline) = n.date(D::BidDeadline)
                && let Some(earliest) = plus(p, 15)
                && deadline < earliest
            {
                v.push(
                    R::Clarification15d,
                    format!(
                        "澄清（更正）公告发布日 {} 距投标截止日 {} 不足15日（投标截止日最早应为 {}）",
                        iso(p),
                        iso(deadline),
                        iso(earliest)
                    ),
                    earliest,
                    deadline,
                    false,
                );
            }
        }
        N::CandidatePublicity => {
            if on(R::CandidatePublish3d)
                && let Some(received) = n.date(D::ReportReceived)
                && let Some(last) = plus(received, 3)
            {
                let latest = if cfg.roll_deadlines {
                    roll(cal, last)
                } else {
                    CalDate {
                        date: last,
                        confirmed: true,
                    }
                };
                if p > latest.date {
                    v.push(
                        R::CandidatePublish3d,
                        format!(
                            "中标候选人公示发布日 {} 晚于收到评标报告之日 {} 起3日（{}）",
                            iso(p),
                            iso(received),
                            iso(latest.date)
                        ),
                        latest.date,
                        p,
                        !latest.confirmed,
                    );
                }
            }
            if on(R::CandidatePublicity3d)
                && let Some(end) = n.date(D::PublicityEnd)
                && let Some(earliest) = plus(p, 3)
                && end < earliest
            {
                v.push(
                    R::CandidatePublicity3d,
                    format!(
                        "公示截止日 {} 早于发布日 {} 后第3日（{}），公示期不足3日",
                        iso(end),
                        iso(p),
                        iso(earliest)
                    ),
                    earliest,
                    end,
                    false,
                );
            }
        }
        N::AwardResult if procurement && on(R::Result2wd) => {
            if let Some(determined) = n.date(D::Determined) {
                let latest = cal.add_workdays(determined, 2);
                if p > latest.date {
                    v.push(
                        R::Result2wd,
                        format!(
                            "中标（成交）结果公告发布日 {} 晚于确定中标（成交）供应商之日 {} 后2个工作日（{}）",
                            iso(p),
                            iso(determined),
                            iso(latest.date)
                        ),
                        latest.date,
                        p,
                        !latest.confirmed,
                    );
                }
            }
        }
        N::Contract => {
            if procurement
                && on(R::Contract2wd)
                && let Some(signed) = n.date(D::Signed)
            {
                let latest = cal.add_workdays(signed, 2);
                if p > latest.date {
                    v.push(
                        R::Contract2wd,
                        format!(
                            "合同公告发布日 {} 晚于合同签订之日 {} 后2个工作日（{}）",
                            iso(p),
                            iso(signed),
                            iso(latest.date)
                        ),
                        latest.date,
                        p,
                        !latest.confirmed,
                    );
                }
            }
            if on(R::Contract30d)
                && let Some(signed) = n.date(D::Signed)
                && let Some(award) = section
                    .iter()
                    .filter(|x| x.ntype == N::AwardResult && x.published <= n.published)
                    .map(|x| x.published_date())
                    .max()
                && let Some(last) = plus(award, 30)
            {
                let latest = if cfg.roll_deadlines {
                    roll(cal, last)
                } else {
                    CalDate {
                        date: last,
                        confirmed: true,
                    }
                };
                if signed > latest.date {
                    v.push(
                        R::Contract30d,
                        format!(
                            "合同签订日 {} 晚于中标（成交）结果公告发布之日 {} 起30日（{}）",
                            iso(signed),
                            iso(award),
                            iso(latest.date)
                        ),
                        latest.date,
                        signed,
                        !latest.confirmed,
                    );
                }
            }
        }
        N::SingleSource if on(R::SingleSource5wd) => {
            if let Some(end) = n.date(D::PublicityEnd) {
                let earliest = cal.add_workdays(p, 5);
                if end < earliest.date {
                    v.push(
                        R::SingleSource5wd,
                        format!(
                            "单一来源公示截止日 {} 早于发布日 {} 后第5个工作日（{}），公示期不足5个工作日",
                            iso(end),
                            iso(p),
                            iso(earliest.date)
                        ),
                        earliest.date,
                        end,
                        !earliest.confirmed,
                    );
                }
            }
        }
        _ => {}
    }
    if on(R::ElementMissing) {
        for r in missing(n, cfg) {
            let path = r.path();
            v.out.push(Violation {
                notice: n.id.clone(),
                section: n.section.clone(),
                code: R::ElementMissing,
                message: format!("{}缺少公开要素“{}”（{path}）", n.ntype.label(), r.label),
                expected: path,
                actual: None,
                provisional: false,
            });
        }
    }
}
