//! What was read turned into findings: the tables' balances, the statistics period, the fee
//! statement of section 六, the narrative of section 一 against table 三, and consecutive years
//! against each other.

use regex::Regex;
use time::Date;

use super::{Audit, Finding};
use crate::report::{T3_COLS, T3Row, Table2, Table3, Table4, failed_checks};

/// "受理…申请共N件" and the like in the narrative.
static RECEIVED: std::sync::LazyLock<Option<Regex>> = std::sync::LazyLock::new(|| {
    Regex::new(r"(?:受理|收到|新收)[^。，；]{0,16}?申请(?:共)?(\d+)件").ok()
});

/// A statement about fees for disclosure: 信息处理费 by name, or any charging of a fee
/// (「未收取政府信息公开费用」, 「没有产生信息公开处理费」, 「不收费」).
static FEES: std::sync::LazyLock<Option<Regex>> = std::sync::LazyLock::new(|| {
    Regex::new(r"处理费|收费|收取[^。；]{0,24}?费|费[^。；]{0,12}?收取").ok()
});

/// The consistency rules (`check_tables`) on the tables that were read.
pub(super) fn balances(t3: Option<&Table3>, t4: Option<&Table4>, findings: &mut Vec<Finding>) {
    let checks = failed_checks(
        &Table2::default(),
        t3.unwrap_or(&Table3::default()),
        t4.unwrap_or(&Table4::default()),
        None,
    );
    for c in checks.iter().filter(|c| !c.ok) {
        let code = match c.rule {
            "R1" if t3.is_some() => "T3_BALANCE",
            "R2" if t3.is_some() => "T3_ROW_TOTAL",
            "R3" if t3.is_some() => "T3_OUTCOME_TOTAL",
            "T4" if t4.is_some() => "T4_TOTAL",
            _ => continue,
        };
        findings.push(Finding::error(code, c.place.clone(), c.message.clone()));
    }
}

/// `PERIOD_UNCLEAR` when no period is written, or it does not lie in the report year.
pub(super) fn period(period: Option<(Date, Date)>, year: Option<i32>, findings: &mut Vec<Finding>) {
    match (period, year) {
        (None, _) => findings.push(Finding::warning("PERIOD_UNCLEAR", "总体", "未写明统计期限")),
        (Some((f, t)), Some(y)) if f.year() != y || t.year() != y || f > t => {
            findings.push(Finding::warning(
                "PERIOD_UNCLEAR",
                "总体",
                format!("统计期限与报告年度 {y} 不符"),
            ))
        }
        _ => {}
    }
}

/// Section 六 (`r6`: its region joined without whitespace) must say something about 信息处理费
/// (in whatever words: [`FEES`]):
/// a requirement of the 2021 format (国办公开办函〔2021〕30号, first used for the reports of
/// 2021), not asked of the reports of earlier years.
pub(super) fn fee_statement(r6: Option<&str>, year: Option<i32>, findings: &mut Vec<Finding>) {
    if let Some(r6) = r6
        && year.is_none_or(|y| y >= 2021)
        && !FEES.as_ref().is_some_and(|re| re.is_match(r6))
    {
        findings.push(Finding::warning(
            "FEE_STATEMENT_MISSING",
            "第六部分",
            "未说明信息处理费收取情况",
        ));
    }
}

/// The narrative of section 一 (`r1`: its region joined without whitespace) against table 三's
/// newly received requests.
pub(super) fn narrative(t3: Option<&Table3>, r1: Option<&str>, findings: &mut Vec<Finding>) {
    let (Some(t), Some(text)) = (t3, r1) else {
        return;
    };
    let received = t.get(T3Row::NewReceived, crate::report::TOTAL_COL);
    if received > 0 && (text.contains("未收到依申请") || text.contains("未收到政府信息公开申请"))
    {
        findings.push(Finding::warning(
            "NARRATIVE_CONFLICT",
            "第一部分",
            format!("正文称未收到申请，但表三新收申请 {received} 件"),
        ));
    }
    // A total the narrative may fairly call "received": newly received (一), with those carried
    // over (一 + 二), processed (三(七)) or carried forward (四).
    let total = |r: T3Row| t.get(r, crate::report::TOTAL_COL);
    let fair = [
        received,
        received + total(T3Row::CarriedOver),
        total(T3Row::TotalProcessed),
        total(T3Row::CarriedForward),
    ];
    if let Some(re) = RECEIVED.as_ref() {
        for c in re.captures_iter(text) {
            if let Ok(n) = c[1].parse::<i64>()
                && !fair.contains(&n)
            {
                findings.push(Finding::warning(
                    "NARRATIVE_CONFLICT",
                    "第一部分",
                    format!("正文称申请 {n} 件，表三新收申请为 {received} 件"),
                ));
            }
        }
    }
}

/// Compares two reports of one agency for consecutive years: 二 of the later = 四 of the earlier.
pub fn compare_years(earlier: &Audit, later: &mut Audit) {
    if let (Some(prev), Some(now)) = (earlier.carried_forward, later.carried_over) {
        for c in 0..T3_COLS {
            if prev[c] != now[c] {
                later.findings.push(Finding::warning(
                    "CARRYOVER_MISMATCH",
                    format!("表三 {}", crate::report::t3_column_label(c)),
                    format!(
                        "上年结转 {}，但 {} 年报告的结转下年度为 {}",
                        now[c],
                        earlier.year.unwrap_or(0),
                        prev[c]
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::audit_text;

    #[test]
    fn consecutive_years_are_compared() {
        let mut a = audit_text("a", "某局2023年政府信息公开工作年度报告");
        let mut b = audit_text("b", "某局2024年政府信息公开工作年度报告");
        a.carried_forward = Some([2, 0, 0, 0, 0, 0, 2]);
        b.carried_over = Some([1, 0, 0, 0, 0, 0, 1]);
        compare_years(&a, &mut b);
        let places: Vec<&str> = b
            .findings
            .iter()
            .filter(|f| f.code == "CARRYOVER_MISMATCH")
            .map(|f| f.place.as_str())
            .collect();
        assert_eq!(places, vec!["表三 自然人", "表三 总计"]);
        assert!(
            a.findings
                .iter()
                .filter(|f| f.code == "SECTION_MISSING")
                .count()
                == 6
        );
    }
}

#[cfg(test)]
mod fee_tests {
    use super::*;

    /// The fee statement is asked of the reports of 2021 on (the 2021 format), and of a report
    /// whose year could not be read; not of the reports of earlier years.
    #[test]
    fn the_fee_statement_is_asked_from_the_2021_format_on() {
        let asked = |year: Option<i32>, text: &str| {
            let mut f = Vec::new();
            fee_statement(Some(text), year, &mut f);
            f.iter().any(|f| f.code == "FEE_STATEMENT_MISSING")
        };
        assert!(asked(Some(2021), "无。"));
        assert!(asked(Some(2025), "无。"));
        assert!(asked(None, "无。"));
        assert!(!asked(Some(2020), "无。"));
        assert!(!asked(Some(2019), "无。"));
        assert!(!asked(Some(2024), "本年度未收取信息处理费。"));
    }

    /// A statement about fees counts in whatever words it is made; other text about money
    /// does not.
    #[test]
    fn the_fee_statement_is_found_in_other_words() {
        let missing = |text: &str| {
            let mut f = Vec::new();
            fee_statement(Some(text), Some(2025), &mut f);
            f.iter().any(|f| f.code == "FEE_STATEMENT_MISSING")
        };
        for said in [
            "2025年度我局无向申请人收取政府信息公开费用的情况，无因政府信息公开工作被追责问责的情况。",
            "本年度没有产生信息公开处理费。",
            "依申请公开不收费。",
            "本机关未向申请人收取任何费用。",
            "信息处理费：本年度未发生。",
            "相关费用均未向申请人收取。",
        ] {
            assert!(!missing(said), "{said}");
        }
        for silent in [
            "无其他需要报告的事项。",
            "本年度政府信息公开工作经费5万元。",
            "本年度未发生因政府信息公开工作被追责问责的情况。",
        ] {
            assert!(missing(silent), "{silent}");
        }
    }
}
