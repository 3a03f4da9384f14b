//! The records of the ledger as plain values: what `gongkai-db` stores and what the
//! generators (`gongkai-synth`) produce. Identifiers are the agency's own codes, not database ids.

use time::{Date, OffsetDateTime};

use crate::codes::{
    AppealKind, AppealResult, ApplicantType, ChannelKind, DecisionKind, DisclosureAttr, DocKind,
    NoticeType, Outcome, RequestChannel, TradingCategory,
};

/// An agency (机关/单位) of the deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgency {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    pub established: Option<Date>,
}

/// A trading project (交易项目) with its sections and its project-level notices (plans, intentions).
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub code: String,
    pub name: String,
    pub category: TradingCategory,
    pub region: String,
    pub notices: Vec<Notice>,
    pub sections: Vec<Section>,
}

/// A 标段/包; `ocid` is the identifier that ties all its notices together.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub code: String,
    pub name: String,
    pub notices: Vec<Notice>,
}

/// A trading notice (交易公告/公示).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub no: String,
    pub ntype: NoticeType,
    pub title: String,
    pub published: OffsetDateTime,
    /// The type's dates (contracts.md §3: `docs_from`, `bid_deadline`, …) as a JSON object.
    pub dates: serde_json::Value,
    /// The notice's 公开要素 as a JSON object.
    pub elements: serde_json::Value,
    pub bidders: Vec<Bidder>,
}

/// A bidder named on a bid opening or candidate publicity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bidder {
    pub name: String,
    pub uscc: String,
}

/// A publication channel and what was published to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub code: String,
    pub name: String,
    pub kind: ChannelKind,
    pub posts: Vec<ChannelPost>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelPost {
    pub title: String,
    pub published_on: Date,
    pub reads: i64,
}

/// One push of a policy (e.g. 政采贷) to a supplier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyPush {
    pub policy: String,
    pub pushed_on: Date,
    pub recipient: String,
}

/// A loan the policy led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyLoan {
    pub policy: String,
    pub granted_on: Date,
    pub borrower: String,
    pub amount_fen: i64,
}

/// A proactive-disclosure item with its catalogue metadata (条例 art. 12, art. 20).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosureItem {
    pub index_no: String,
    pub title: String,
    pub summary: String,
    pub doc_no: Option<String>,
    pub publisher: String,
    pub generated_on: Date,
    pub published_on: Option<Date>,
    pub attr: DisclosureAttr,
    /// The item of 条例 art. 20 (1–15) it falls under, if any.
    pub art20_item: Option<i32>,
    pub doc_kind: DocKind,
    pub repealed_on: Option<Date>,
    pub catalogue: String,
}

/// An administrative decision counted in table 二.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub kind: DecisionKind,
    pub decided_on: Date,
    pub doc_no: String,
}

/// Fee income (行政事业性收费) counted in table 二.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeIncome {
    pub item: String,
    pub received_on: Date,
    pub amount_fen: i64,
}

/// A 依申请公开 case as far as the report needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub case_no: String,
    pub received_on: Date,
    pub channel: RequestChannel,
    pub applicant_type: ApplicantType,
    pub subject: String,
    pub closed_on: Option<Date>,
    /// The table 三 row the case is counted under once closed (withdrawn: `other_other`).
    pub outcome: Option<Outcome>,
    pub withdrawn: bool,
    /// 信息处理费 collected on this case, in 分.
    pub fee_fen: i64,
}

/// A 行政复议 or 行政诉讼 about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appeal {
    pub appeal_no: String,
    pub case_no: Option<String>,
    pub kind: AppealKind,
    pub filed_on: Date,
    pub decided_on: Option<Date>,
    pub result: Option<AppealResult>,
}

/// Everything one agency records, as loaded by `demo` and `gen`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AgencyLedger {
    pub projects: Vec<Project>,
    pub channels: Vec<Channel>,
    pub pushes: Vec<PolicyPush>,
    pub loans: Vec<PolicyLoan>,
    pub items: Vec<DisclosureItem>,
    pub decisions: Vec<Decision>,
    pub fees: Vec<FeeIncome>,
    pub requests: Vec<Request>,
    pub appeals: Vec<Appeal>,
}

impl AgencyLedger {
    /// Every notice with its project and section, in generation order.
    pub fn notices(&self) -> impl Iterator<Item = (&Project, Option<&Section>, &Notice)> {
        self.projects.iter().flat_map(|p| {
            p.notices.iter().map(move |n| (p, None, n)).chain(
                p.sections
                    .iter()
                    .flat_map(move |s| s.notices.iter().map(move |n| (p, Some(s), n))),
            )
        })
    }
}

/// The trading stages a section must have published to count as 全流程公开 (contracts.md §3.4):
/// per category, a list of stage groups, each satisfied by any one of its notice types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullProcessRule {
    pub stages: Vec<(TradingCategory, Vec<Vec<NoticeType>>)>,
}

impl Default for FullProcessRule {
    fn default() -> Self {
        use NoticeType as N;
        FullProcessRule {
            stages: vec![
                (
                    TradingCategory::Engineering,
                    vec![
                        vec![N::TenderNotice, N::PrequalificationNotice],
                        vec![N::CandidatePublicity],
                        vec![N::AwardResult],
                    ],
                ),
                (
                    TradingCategory::Procurement,
                    vec![
                        vec![N::TenderNotice],
                        vec![N::AwardResult],
                        vec![N::Contract],
                    ],
                ),
            ],
        }
    }
}

impl FullProcessRule {
    /// The date a section became fully disclosed: the latest of the first publication dates of
    /// its required stages, or `None` when a stage is missing or the category has no rule.
    pub fn completed_on(
        &self,
        category: TradingCategory,
        notices: &[(NoticeType, Date)],
    ) -> Option<Date> {
        let groups = &self.stages.iter().find(|(c, _)| *c == category)?.1;
        let mut last: Option<Date> = None;
        for g in groups {
            let first = notices
                .iter()
                .filter(|(t, _)| g.contains(t))
                .map(|(_, d)| *d)
                .min()?;
            last = Some(last.map_or(first, |l| l.max(first)));
        }
        last
    }
}

/// A count entered by hand for one cell of table 三 (`table_no` 3) or 四 (4) of a year, added
/// to what the records give (for an office migrating its past years from spreadsheets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub year: i32,
    pub table_no: i32,
    pub row: String,
    pub column: String,
    pub value: i64,
    pub note: String,
}

impl Tally {
    pub fn new(year: i32, table_no: i32, row: &str, column: &str, value: i64) -> Tally {
        Tally {
            year,
            table_no,
            row: row.into(),
            column: column.into(),
            value,
            note: String::new(),
        }
    }
}
