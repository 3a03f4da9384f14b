//! The annual report (政府信息公开工作年度报告) in the format of 国办公开办函〔2021〕30号:
//! its four tables, the figures the narrative quotes, and the consistency checks
//! (勾稽关系, regulations.md §1.5 R1–R4, R6 and §1.7).
//!
//! The tables hold signed integers so that a bad ledger (for example hand-entered tallies of a
//! migrating office) can be represented and *reported* as failing R4 instead of being hidden.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::codes::{AppealKind, AppealResult, ApplicantType, Outcome};
use crate::numfmt::fen_to_wan_yuan;
use crate::period::Period;

/// Number of columns of table 三: six applicant types and 总计.
pub const T3_COLS: usize = 7;
/// Number of data rows of table 三.
pub const T3_ROWS: usize = 25;
/// Index of the 总计 column.
pub const TOTAL_COL: usize = 6;

/// A data row of table 三.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum T3Row {
    NewReceived,
    CarriedOver,
    Outcome(Outcome),
    TotalProcessed,
    CarriedForward,
}

impl T3Row {
    /// The 25 data rows in the official order.
    pub fn all() -> Vec<T3Row> {
        let mut v = vec![T3Row::NewReceived, T3Row::CarriedOver];
        v.extend(Outcome::ALL.iter().map(|o| T3Row::Outcome(*o)));
        v.push(T3Row::TotalProcessed);
        v.push(T3Row::CarriedForward);
        v
    }

    pub fn index(self) -> usize {
        match self {
            T3Row::NewReceived => 0,
            T3Row::CarriedOver => 1,
            T3Row::Outcome(o) => 2 + o.index(),
            T3Row::TotalProcessed => 23,
            T3Row::CarriedForward => 24,
        }
    }

    /// The JSON key (contracts.md §4).
    pub fn code(self) -> &'static str {
        match self {
            T3Row::NewReceived => "new_received",
            T3Row::CarriedOver => "carried_over",
            T3Row::Outcome(o) => o.code(),
            T3Row::TotalProcessed => "total_processed",
            T3Row::CarriedForward => "carried_forward",
        }
    }

    /// The exact official label of the row (its innermost cell).
    pub fn label(self) -> &'static str {
        match self {
            T3Row::NewReceived => "一、本年新收政府信息公开申请数量",
            T3Row::CarriedOver => "二、上年结转政府信息公开申请数量",
            T3Row::Outcome(o) => o.label(),
            T3Row::TotalProcessed => "（七）总计",
            T3Row::CarriedForward => "四、结转下年度继续办理",
        }
    }

    /// A label that identifies the row on its own, e.g. "（三）不予公开 1.属于国家秘密".
    pub fn full_label(self) -> String {
        match self {
            T3Row::Outcome(o) => match o.group().label() {
                Some(g) => format!("{g} {}", o.label()),
                None => o.label().to_string(),
            },
            r => r.label().to_string(),
        }
    }
}

/// Column keys of table 三 in order.
pub fn t3_column_code(col: usize) -> &'static str {
    ApplicantType::ALL
        .get(col)
        .map(|a| a.code())
        .unwrap_or("total")
}

/// Column labels of table 三 in order (the innermost header).
pub fn t3_column_label(col: usize) -> &'static str {
    ApplicantType::ALL
        .get(col)
        .map(|a| a.label())
        .unwrap_or("总计")
}

/// 件数 triple of table 二 block (一).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DocCounts {
    pub issued: i64,
    pub repealed: i64,
    pub in_force: i64,
}

/// The six official section titles (regulations.md §1.2), numbered.
pub const SECTION_TITLES: [&str; 6] = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
];

/// A section's official title without its numeral (`总体情况`).
pub fn section_name(i: usize) -> &'static str {
    let t = SECTION_TITLES[i.min(5)];
    t.split_once('、').map(|(_, n)| n).unwrap_or(t)
}

/// Table 二: 主动公开政府信息情况.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table2 {
    pub rules: DocCounts,
    pub normative_documents: DocCounts,
    pub licensing_decisions: i64,
    pub penalty_decisions: i64,
    pub enforcement_decisions: i64,
    /// 行政事业性收费, in 分.
    pub fees_fen: i64,
}

impl Serialize for Table2 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(6))?;
        m.serialize_entry("rules", &self.rules)?;
        m.serialize_entry("normative_documents", &self.normative_documents)?;
        m.serialize_entry("licensing_decisions", &self.licensing_decisions)?;
        m.serialize_entry("penalty_decisions", &self.penalty_decisions)?;
        m.serialize_entry("enforcement_decisions", &self.enforcement_decisions)?;
        m.serialize_entry("fees_wan_yuan", &fen_to_wan_yuan(self.fees_fen))?;
        m.end()
    }
}

/// Table 三: 收到和处理政府信息公开申请情况, 25 rows × 7 columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table3 {
    pub cells: [[i64; T3_COLS]; T3_ROWS],
}

impl Default for Table3 {
    fn default() -> Self {
        Table3 {
            cells: [[0; T3_COLS]; T3_ROWS],
        }
    }
}

impl Table3 {
    pub fn get(&self, row: T3Row, col: usize) -> i64 {
        self.cells[row.index()][col]
    }

    pub fn set(&mut self, row: T3Row, col: usize, v: i64) {
        self.cells[row.index()][col] = v;
    }

    /// Counts `n` cases of one applicant type in a row, in its column and in 总计.
    pub fn add_cases(&mut self, row: T3Row, applicant: ApplicantType, n: i64) {
        self.cells[row.index()][applicant.index()] += n;
        self.cells[row.index()][TOTAL_COL] += n;
    }

    /// Sets （七）总计 to the sum of the outcome rows, column by column.
    pub fn fill_total_processed(&mut self) {
        for c in 0..T3_COLS {
            let s: i64 = Outcome::ALL
                .iter()
                .map(|o| self.get(T3Row::Outcome(*o), c))
                .sum();
            self.set(T3Row::TotalProcessed, c, s);
        }
    }
}

impl Serialize for Table3 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Row<'a>(&'a [i64; T3_COLS]);
        impl Serialize for Row<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(T3_COLS))?;
                for (c, v) in self.0.iter().enumerate() {
                    m.serialize_entry(t3_column_code(c), v)?;
                }
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(T3_ROWS))?;
        for row in T3Row::all() {
            m.serialize_entry(row.code(), &Row(&self.cells[row.index()]))?;
        }
        m.end()
    }
}

/// Table 四: 政府信息公开行政复议、行政诉讼情况; per group the four results and 总计.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table4 {
    pub cells: [[i64; 5]; 3],
}

impl Table4 {
    /// Counts one appeal under its result, and in 总计.
    pub fn add(&mut self, kind: AppealKind, result: AppealResult, n: i64) {
        self.cells[kind.index()][result.index()] += n;
        self.cells[kind.index()][4] += n;
    }
}

impl Serialize for Table4 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Group<'a>(&'a [i64; 5]);
        impl Serialize for Group<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(5))?;
                for r in AppealResult::ALL {
                    m.serialize_entry(r.code(), &self.0[r.index()])?;
                }
                m.serialize_entry("total", &self.0[4])?;
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(3))?;
        for k in AppealKind::ALL {
            m.serialize_entry(k.code(), &Group(&self.cells[k.index()]))?;
        }
        m.end()
    }
}

fn wan<S: Serializer>(fen: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fen_to_wan_yuan(*fen))
}

fn yuan<S: Serializer>(fen: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::numfmt::fen_to_yuan(*fen))
}

/// The numbers the narrative sections quote (contracts.md §4 `figures`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub trading_notices: i64,
    pub sections_full_process: i64,
    pub plans_and_intentions: i64,
    pub bidders: i64,
    pub portal_posts: i64,
    pub wechat_posts: i64,
    pub wechat_reads: i64,
    pub policy_pushes: i64,
    pub policy_loans: i64,
    #[serde(rename = "policy_loan_amount_wan_yuan", serialize_with = "wan")]
    pub policy_loan_amount_fen: i64,
    pub requests_received: i64,
    #[serde(rename = "fees_collected_yuan", serialize_with = "yuan")]
    pub fees_collected_fen: i64,
    /// Requests answered after their statutory due date in the period, or still unanswered
    /// at its end past their due date (from each case's clock). `None` when not computed:
    /// the narrative then says nothing about timeliness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests_late: Option<i64>,
}

/// A publication channel as the narrative names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelFigure {
    pub kind: crate::codes::ChannelKind,
    pub name: String,
    pub posts: i64,
    pub reads: i64,
}

/// One evaluated consistency rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub rule: &'static str,
    #[serde(rename = "where")]
    pub place: String,
    pub ok: bool,
    pub message: String,
}

/// The agency a report is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyRef {
    pub code: String,
    pub name: String,
}

/// Everything computed from the ledger before the checks run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportInputs {
    pub agency: AgencyRef,
    pub period: Period,
    pub proactive: Table2,
    pub requests: Table3,
    pub appeals: Table4,
    pub figures: Figures,
    pub channels: Vec<ChannelFigure>,
    /// 四、结转下年度继续办理 of the previous period, when the agency existed then (for R6).
    pub previous_carried_forward: Option<[i64; T3_COLS]>,
}

/// The annual report as `gongkai report --format json` prints it (contracts.md §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnualReport {
    pub format: &'static str,
    pub agency: AgencyRef,
    pub period: Period,
    pub proactive: Table2,
    pub requests: Table3,
    pub appeals: Table4,
    pub figures: Figures,
    pub channels: Vec<ChannelFigure>,
    pub checks: Vec<Check>,
    pub valid: bool,
}

impl AnnualReport {
    /// Evaluates every check on the inputs.
    pub fn new(i: ReportInputs) -> Self {
        let checks = check_tables(
            &i.proactive,
            &i.requests,
            &i.appeals,
            i.previous_carried_forward.as_ref(),
        );
        let valid = checks.iter().all(|c| c.ok);
        AnnualReport {
            format: "2021",
            agency: i.agency,
            period: i.period,
            proactive: i.proactive,
            requests: i.requests,
            appeals: i.appeals,
            figures: i.figures,
            channels: i.channels,
            checks,
            valid,
        }
    }

    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.ok)
    }
}

/// Evaluates R1–R4, R6 (when the previous period is known) and the table 四 totals.
pub fn check_tables(
    t2: &Table2,
    t3: &Table3,
    t4: &Table4,
    prev_forward: Option<&[i64; T3_COLS]>,
) -> Vec<Check> {
    evaluate(t2, t3, t4, prev_forward, false)
}

/// The checks of [`check_tables`] that fail, in the same order (the messages of those that
/// pass are not written).
pub fn failed_checks(
    t2: &Table2,
    t3: &Table3,
    t4: &Table4,
    prev_forward: Option<&[i64; T3_COLS]>,
) -> Vec<Check> {
    evaluate(t2, t3, t4, prev_forward, true)
}

/// Checks being evaluated: all of them, or only those that fail.
struct Checks {
    out: Vec<Check>,
    failed_only: bool,
}

impl Checks {
    fn push(
        &mut self,
        rule: &'static str,
        ok: bool,
        place: impl FnOnce() -> String,
        message: impl FnOnce() -> String,
    ) {
        if !(ok && self.failed_only) {
            self.out.push(Check {
                rule,
                place: place(),
                ok,
                message: message(),
            });
        }
    }

    fn add(&mut self, c: Check) {
        if !(c.ok && self.failed_only) {
            self.out.push(c);
        }
    }
}

fn evaluate(
    t2: &Table2,
    t3: &Table3,
    t4: &Table4,
    prev_forward: Option<&[i64; T3_COLS]>,
    failed_only: bool,
) -> Vec<Check> {
    let mut out = Checks {
        out: Vec::new(),
        failed_only,
    };
    let col_where = |c: usize| format!("表三 {}", t3_column_label(c));

    // R1: 一 + 二 = 三(七) + 四, per column.
    for c in 0..T3_COLS {
        let a = t3.get(T3Row::NewReceived, c);
        let b = t3.get(T3Row::CarriedOver, c);
        let p = t3.get(T3Row::TotalProcessed, c);
        let f = t3.get(T3Row::CarriedForward, c);
        let ok = a + b == p + f;
        out.push(
            "R1",
            ok,
            || col_where(c),
            || {
                if ok {
                    format!("一({a}) + 二({b}) = 三（七）({p}) + 四({f})")
                } else {
                    format!(
                        "不平衡：一({a}) + 二({b}) = {}，三（七）({p}) + 四({f}) = {}",
                        a + b,
                        p + f
                    )
                }
            },
        );
    }
    // R2: 总计 = sum of the six applicant columns, per row.
    for row in T3Row::all() {
        let cells = &t3.cells[row.index()];
        let sum: i64 = cells[..TOTAL_COL].iter().sum();
        let total = cells[TOTAL_COL];
        let ok = sum == total;
        out.push(
            "R2",
            ok,
            || format!("表三 {}", row.full_label()),
            || {
                if ok {
                    format!("总计({total}) = 各类申请人之和({sum})")
                } else {
                    format!("总计为 {total}，但六类申请人之和为 {sum}")
                }
            },
        );
    }
    // R3: （七）总计 = sum of the 21 outcome rows, per column.
    for c in 0..T3_COLS {
        let sum: i64 = Outcome::ALL
            .iter()
            .map(|o| t3.get(T3Row::Outcome(*o), c))
            .sum();
        let total = t3.get(T3Row::TotalProcessed, c);
        let ok = sum == total;
        out.push(
            "R3",
            ok,
            || col_where(c),
            || {
                if ok {
                    format!("（七）总计({total}) = 各办理结果之和({sum})")
                } else {
                    format!("（七）总计为 {total}，但各办理结果之和为 {sum}")
                }
            },
        );
    }
    // R4: every cell a non-negative number.
    let neg2: Vec<&str> = [
        ("规章 本年制发件数", t2.rules.issued),
        ("规章 本年废止件数", t2.rules.repealed),
        ("规章 现行有效件数", t2.rules.in_force),
        ("行政规范性文件 本年制发件数", t2.normative_documents.issued),
        (
            "行政规范性文件 本年废止件数",
            t2.normative_documents.repealed,
        ),
        (
            "行政规范性文件 现行有效件数",
            t2.normative_documents.in_force,
        ),
        ("行政许可", t2.licensing_decisions),
        ("行政处罚", t2.penalty_decisions),
        ("行政强制", t2.enforcement_decisions),
        ("行政事业性收费", t2.fees_fen),
    ]
    .into_iter()
    .filter(|(_, v)| *v < 0)
    .map(|(l, _)| l)
    .collect();
    out.add(r4("表二", &neg2));
    let mut neg3 = Vec::new();
    for row in T3Row::all() {
        for c in 0..T3_COLS {
            if t3.get(row, c) < 0 {
                neg3.push(format!("{} {}", row.full_label(), t3_column_label(c)));
            }
        }
    }
    out.add(r4(
        "表三",
        &neg3.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    let mut neg4 = Vec::new();
    for k in AppealKind::ALL {
        for (i, v) in t4.cells[k.index()].iter().enumerate() {
            if *v < 0 {
                let col = AppealResult::ALL
                    .get(i)
                    .map(|r| r.label())
                    .unwrap_or("总计");
                neg4.push(format!("{} {col}", k.label()));
            }
        }
    }
    out.add(r4(
        "表四",
        &neg4.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    // R6: 二 of this period = 四 of the previous one.
    if let Some(prev) = prev_forward {
        for (c, before) in prev.iter().enumerate() {
            let now = t3.get(T3Row::CarriedOver, c);
            let ok = now == *before;
            out.push(
                "R6",
                ok,
                || col_where(c),
                || {
                    if ok {
                        format!("上年结转({now}) = 上期结转下年度({before})")
                    } else {
                        format!("上年结转为 {now}，但上期“结转下年度继续办理”为 {before}")
                    }
                },
            );
        }
    }
    // Table 四: 总计 = the four results, per group.
    for k in AppealKind::ALL {
        let g = &t4.cells[k.index()];
        let sum = g[0] + g[1] + g[2] + g[3];
        let ok = sum == g[4];
        out.push(
            "T4",
            ok,
            || format!("表四 {}", k.label()),
            || {
                if ok {
                    format!("总计({}) = 维持 + 纠正 + 其他 + 尚未审结({sum})", g[4])
                } else {
                    format!("总计为 {}，但四项结果之和为 {sum}", g[4])
                }
            },
        );
    }
    out.out
}

fn r4(table: &str, negatives: &[&str]) -> Check {
    let ok = negatives.is_empty();
    Check {
        rule: "R4",
        place: table.to_string(),
        ok,
        message: if ok {
            "所有单元格均为非负数".to_string()
        } else {
            format!("以下单元格为负数：{}", negatives.join("、"))
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::ApplicantType as A;
    use proptest::prelude::*;

    fn balanced() -> Table3 {
        let mut t = Table3::default();
        t.add_cases(T3Row::NewReceived, A::NaturalPerson, 5);
        t.add_cases(T3Row::CarriedOver, A::Commercial, 2);
        t.add_cases(T3Row::Outcome(Outcome::Granted), A::NaturalPerson, 3);
        t.add_cases(T3Row::Outcome(Outcome::Partial), A::Commercial, 2);
        t.add_cases(T3Row::CarriedForward, A::NaturalPerson, 2);
        t.fill_total_processed();
        t
    }

    fn failing(
        t2: &Table2,
        t3: &Table3,
        t4: &Table4,
        prev: Option<&[i64; 7]>,
    ) -> Vec<(&'static str, String)> {
        check_tables(t2, t3, t4, prev)
            .into_iter()
            .filter(|c| !c.ok)
            .map(|c| (c.rule, c.place))
            .collect()
    }

    #[test]
    fn a_balanced_report_passes_every_check() {
        let checks = check_tables(
            &Table2::default(),
            &balanced(),
            &Table4::default(),
            Some(&[0, 2, 0, 0, 0, 0, 2]),
        );
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
        // 7 R1 + 25 R2 + 7 R3 + 3 R4 + 7 R6 + 3 T4
        assert_eq!(checks.len(), 52);
    }

    #[test]
    fn each_rule_fails_alone() {
        let t2 = Table2::default();
        let t4 = Table4::default();
        // R1: a case received but neither processed nor carried forward.
        let mut t = balanced();
        t.add_cases(T3Row::NewReceived, A::Research, 1);
        assert_eq!(
            failing(&t2, &t, &t4, None),
            vec![
                ("R1", "表三 科研机构".to_string()),
                ("R1", "表三 总计".to_string())
            ]
        );
        // R2: a total that is not the row sum.
        let mut t = balanced();
        t.cells[T3Row::CarriedForward.index()][TOTAL_COL] += 1;
        t.cells[T3Row::NewReceived.index()][TOTAL_COL] += 1;
        assert_eq!(
            failing(&t2, &t, &t4, None),
            vec![
                ("R2", "一、本年新收政府信息公开申请数量".to_string()),
                ("R2", "四、结转下年度继续办理".to_string()),
            ]
            .into_iter()
            .map(|(r, p)| (r, format!("表三 {p}")))
            .collect::<Vec<_>>()
        );
        // R3: （七）总计 not the sum of the outcomes (and so R1 too).
        let mut t = balanced();
        t.cells[T3Row::TotalProcessed.index()][0] -= 1;
        t.cells[T3Row::CarriedForward.index()][0] += 1;
        t.cells[T3Row::TotalProcessed.index()][TOTAL_COL] -= 1;
        t.cells[T3Row::CarriedForward.index()][TOTAL_COL] += 1;
        let f = failing(&t2, &t, &t4, None);
        assert_eq!(
            f,
            vec![
                ("R3", "表三 自然人".to_string()),
                ("R3", "表三 总计".to_string())
            ]
        );
        // R4: a negative cell in each table.
        let t2n = Table2 {
            penalty_decisions: -1,
            ..Table2::default()
        };
        assert_eq!(
            failing(&t2n, &balanced(), &t4, None),
            vec![("R4", "表二".to_string())]
        );
        let mut t4n = Table4::default();
        t4n.cells[1][0] = -1;
        t4n.cells[1][4] = -1;
        assert_eq!(
            failing(&t2, &balanced(), &t4n, None),
            vec![("R4", "表四".to_string())]
        );
        let mut t = balanced();
        t.cells[T3Row::Outcome(Outcome::Granted).index()][0] = 4;
        t.cells[T3Row::Outcome(Outcome::Granted).index()][1] = -1;
        t.cells[T3Row::Outcome(Outcome::Partial).index()][0] = -1;
        t.cells[T3Row::Outcome(Outcome::Partial).index()][1] = 3;
        assert_eq!(
            failing(&t2, &t, &t4, None),
            vec![("R4", "表三".to_string())]
        );
        // R6: carried over differs from last year's carried forward.
        assert_eq!(
            failing(&t2, &balanced(), &t4, Some(&[0, 3, 0, 0, 0, 0, 3])),
            vec![
                ("R6", "表三 商业企业".to_string()),
                ("R6", "表三 总计".to_string())
            ]
        );
        // T4: a group total that is not the sum of its results.
        let mut t4b = Table4::default();
        t4b.cells[0] = [10, 1, 0, 0, 0];
        assert_eq!(
            failing(&t2, &balanced(), &t4b, None),
            vec![("T4", "表四 行政复议".to_string())]
        );
    }

    #[test]
    fn json_has_every_row_and_column() {
        let r = AnnualReport::new(ReportInputs {
            agency: AgencyRef {
                code: "a".into(),
                name: "甲".into(),
            },
            period: Period::year(2024, None).unwrap_or_else(|e| panic!("{e}")),
            proactive: Table2::default(),
            requests: balanced(),
            appeals: Table4::default(),
            figures: Figures {
                policy_loan_amount_fen: 4_437_000_000,
                ..Figures::default()
            },
            channels: vec![],
            previous_carried_forward: None,
        });
        let v = serde_json::to_value(&r).unwrap_or_default();
        let rows = v["requests"].as_object().map(|o| o.len());
        assert_eq!(rows, Some(25));
        assert_eq!(v["requests"]["partial"]["commercial"], 2);
        assert_eq!(v["requests"]["total_processed"]["total"], 5);
        assert_eq!(v["appeals"]["litigation_after_reconsideration"]["total"], 0);
        assert_eq!(v["figures"]["policy_loan_amount_wan_yuan"], "4437");
        assert_eq!(v["proactive"]["fees_wan_yuan"], "0");
        assert_eq!(v["valid"], true);
        assert_eq!(v["period"]["from"], "2024-01-01");
    }

    proptest! {
        /// Whatever cases are counted through `add_cases`, R1–R4 hold when the carried-forward
        /// row is what remains, and breaking one cell always makes some check fail.
        #[test]
        fn case_counts_always_balance(
            cases in proptest::collection::vec((0usize..6, 0usize..3, 0usize..21), 0..200),
            bump in (0usize..25, 0usize..7),
        ) {
            let mut t = Table3::default();
            for (a, kind, o) in &cases {
                let a = A::ALL[*a];
                // kind 0: new and closed; 1: new and still open; 2: carried over and closed
                match kind {
                    0 => { t.add_cases(T3Row::NewReceived, a, 1); t.add_cases(T3Row::Outcome(Outcome::ALL[*o]), a, 1); }
                    1 => { t.add_cases(T3Row::NewReceived, a, 1); t.add_cases(T3Row::CarriedForward, a, 1); }
                    _ => { t.add_cases(T3Row::CarriedOver, a, 1); t.add_cases(T3Row::Outcome(Outcome::ALL[*o]), a, 1); }
                }
            }
            t.fill_total_processed();
            let checks = check_tables(&Table2::default(), &t, &Table4::default(), None);
            prop_assert!(checks.iter().all(|c| c.ok));
            let mut broken = t.clone();
            broken.cells[bump.0][bump.1] += 1;
            let checks = check_tables(&Table2::default(), &broken, &Table4::default(), None);
            prop_assert!(checks.iter().any(|c| !c.ok));
        }

        /// `failed_checks` is `check_tables` without the checks that pass.
        #[test]
        fn failed_checks_are_the_failing_ones(
            cells in proptest::collection::vec(-3i64..4, 25 * 7 + 15 + 7 + 9),
            with_prev in proptest::bool::ANY,
        ) {
            let mut t3 = Table3::default();
            let mut t4 = Table4::default();
            let mut it = cells.iter().copied();
            for row in t3.cells.iter_mut() {
                for c in row.iter_mut() {
                    *c = it.next().unwrap_or(0);
                }
            }
            for row in t4.cells.iter_mut() {
                for c in row.iter_mut() {
                    *c = it.next().unwrap_or(0);
                }
            }
            let mut prev = [0i64; T3_COLS];
            for p in prev.iter_mut() {
                *p = it.next().unwrap_or(0);
            }
            let t2 = Table2 {
                licensing_decisions: it.next().unwrap_or(0),
                fees_fen: it.next().unwrap_or(0),
                ..Table2::default()
            };
            let prev = with_prev.then_some(&prev);
            let all: Vec<Check> = check_tables(&t2, &t3, &t4, prev)
                .into_iter()
                .filter(|c| !c.ok)
                .collect();
            prop_assert_eq!(failed_checks(&t2, &t3, &t4, prev), all);
        }
    }
}
