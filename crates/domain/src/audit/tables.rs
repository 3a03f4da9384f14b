//! Tables 二, 三 and 四 read by position: the numbers of each table's region in reading order,
//! placed in the template's fixed layout; labels only decide the template and raise
//! `LABEL_VARIANT` warnings.

use serde_json::{Map, Value, json};

use super::Finding;
use super::sections::joined;
use crate::codes::Outcome;
use crate::report::{T3_COLS, T3Row, Table3, Table4, t3_column_code};

/// A number token: an integer or decimal standing alone.
pub(super) fn number(tok: &str) -> Option<f64> {
    let t = tok.trim_matches(|c: char| c == '|' || c == '*');
    let t = t
        .strip_suffix("万元")
        .or_else(|| t.strip_suffix('元'))
        .unwrap_or(t);
    if t.is_empty()
        || t.ends_with('.')
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    if t.starts_with('-') && t.len() == 1 {
        return None;
    }
    t.parse().ok()
}

/// The number tokens of some lines, in reading order, without their units.
fn numbers(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .flat_map(|l| l.split(|c: char| c.is_whitespace() || c == '|'))
        .filter(|t| number(t).is_some())
        .map(|t| {
            t.trim_matches(|c: char| c == '*')
                .trim_end_matches('元')
                .trim_end_matches('万')
                .to_string()
        })
        .collect()
}

/// Whether table 二 has the labels of the 2019 trial template.
pub(super) fn is_2019(t2: &[String]) -> bool {
    let t2_text = joined(t2);
    t2_text.contains("本年新制作数量")
        || t2_text.contains("第二十条第（九）项")
        || t2_text.contains("第二十条第(九)项")
}

/// Whether table 三 has （六）其他处理 as a single row (no 逾期不补正 / 收费通知 rows).
pub(super) fn single_other(t3: &[String]) -> bool {
    let t3_text = joined(t3);
    !(t3_text.contains("逾期不补") || t3_text.contains("不补正")) || !t3_text.contains("收费通知")
}

/// Table 二 as JSON (`{}` when it cannot be read): 10 values, or 22 in the 2019 template.
pub(super) fn read_table2(
    t2: &[String],
    found: bool,
    is_2019: bool,
    findings: &mut Vec<Finding>,
) -> Value {
    let mut proactive = json!({});
    let t2_nums = numbers(t2);
    if found && !is_2019 {
        if t2_nums.len() == 10 {
            let n = |i: usize| t2_nums[i].parse::<i64>().unwrap_or(-1);
            proactive = json!({
                "rules": {"issued": n(0), "repealed": n(1), "in_force": n(2)},
                "normative_documents": {"issued": n(3), "repealed": n(4), "in_force": n(5)},
                "licensing_decisions": n(6), "penalty_decisions": n(7), "enforcement_decisions": n(8),
                "fees_wan_yuan": t2_nums[9],
            });
            for (i, v) in t2_nums.iter().enumerate() {
                let ok = if i == 9 {
                    number(v).is_some_and(|x| x >= 0.0)
                } else {
                    v.parse::<i64>().is_ok_and(|x| x >= 0)
                };
                if !ok {
                    findings.push(Finding::error(
                        "BAD_NUMBER",
                        "表二",
                        format!("“{v}”不是非负数"),
                    ));
                }
            }
        } else if t2_nums.is_empty() {
            findings.push(Finding::error("TABLE_MISSING", "表二", "未找到表二的数据"));
        } else {
            findings.push(Finding::error(
                "TABLE_SHAPE",
                "表二",
                format!("表二应有 10 个数值，读到 {} 个", t2_nums.len()),
            ));
        }
    } else if is_2019 {
        // 2019 trial template: 22 values in its own layout (regulations.md §1.4); 增/减 may be negative.
        if t2_nums.len() == 22 {
            let i = |k: usize| t2_nums[k].parse::<i64>().unwrap_or(0);
            let trio =
                |k: usize, a: &str, b: &str, c: &str| json!({a: i(k), b: i(k + 1), c: i(k + 2)});
            proactive = json!({
                "rules": trio(0, "made", "published", "total_published"),
                "normative_documents": trio(3, "made", "published", "total_published"),
                "licensing": trio(6, "previous_items", "change", "decisions"),
                "other_services": trio(9, "previous_items", "change", "decisions"),
                "penalty": trio(12, "previous_items", "change", "decisions"),
                "enforcement": trio(15, "previous_items", "change", "decisions"),
                "fees": {"previous_items": i(18), "change": i(19)},
                "central_procurement": {"projects": i(20), "amount_yuan": t2_nums[21]},
            });
        } else {
            findings.push(Finding::error(
                "TABLE_SHAPE",
                "表二",
                format!("2019 年格式的表二应有 22 个数值，读到 {} 个", t2_nums.len()),
            ));
        }
    }
    proactive
}

/// The rows of table 三 in the order they are printed.
fn t3_order(single_other: bool) -> Vec<T3Row> {
    if single_other {
        T3Row::all()
            .into_iter()
            .filter(|r| {
                !matches!(
                    r,
                    T3Row::Outcome(Outcome::OtherNoCorrection | Outcome::OtherFeeUnpaid)
                )
            })
            .collect()
    } else {
        T3Row::all()
    }
}

/// Table 三: 7 values per row, 25 rows (23 when （六）其他处理 is a single row).
pub(super) fn read_table3(
    t3: &[String],
    found: bool,
    single_other: bool,
    findings: &mut Vec<Finding>,
) -> Option<Table3> {
    let nums = numbers(t3);
    let rows = if single_other { 23 } else { 25 };
    if !found {
        return None;
    }
    if nums.is_empty() {
        findings.push(Finding::error("TABLE_MISSING", "表三", "未找到表三的数据"));
        return None;
    }
    if nums.len() != rows * T3_COLS {
        findings.push(Finding::error(
            "TABLE_SHAPE",
            "表三",
            format!(
                "表三应有 {rows} 行 × 7 列 = {} 个数值，读到 {} 个，无法可靠读取",
                rows * T3_COLS,
                nums.len()
            ),
        ));
        return None;
    }
    let mut t = Table3::default();
    for (k, row) in t3_order(single_other).iter().enumerate() {
        for c in 0..T3_COLS {
            let v = &nums[k * T3_COLS + c];
            match v.parse::<i64>() {
                Ok(x) if x >= 0 => t.cells[row.index()][c] = x,
                _ => findings.push(Finding::error(
                    "BAD_NUMBER",
                    format!(
                        "表三 {} {}",
                        row.full_label(),
                        crate::report::t3_column_label(c)
                    ),
                    format!("“{v}”不是非负整数"),
                )),
            }
        }
    }
    Some(t)
}

/// Table 四: the last 15 numbers of its region.
pub(super) fn read_table4(r4: &[String], findings: &mut Vec<Finding>) -> Option<Table4> {
    let n4 = numbers(r4);
    if n4.len() < 15 {
        findings.push(Finding::error(
            if n4.is_empty() {
                "TABLE_MISSING"
            } else {
                "TABLE_SHAPE"
            },
            "表四",
            format!("表四应有 15 个数值，读到 {} 个", n4.len()),
        ));
        return None;
    }
    let mut t = Table4::default();
    for (i, v) in n4[n4.len() - 15..].iter().enumerate() {
        match v.parse::<i64>() {
            Ok(x) if x >= 0 => t.cells[i / 5][i % 5] = x,
            _ => findings.push(Finding::error(
                "BAD_NUMBER",
                "表四",
                format!("“{v}”不是非负整数"),
            )),
        }
    }
    Some(t)
}

/// `LABEL_VARIANT` for known misspellings anywhere in the text, then (when table 三 was read)
/// for each official row label of table 三 that cannot be found in its region.
pub(super) fn label_variants(
    all: &str,
    t3: &[String],
    t3_read: bool,
    single_other: bool,
    findings: &mut Vec<Finding>,
) {
    let mut known_officials: Vec<String> = Vec::new();
    for (variant, official) in [
        ("商业机构", "商业企业"),
        (
            "本年接收政府信息公开数量",
            "一、本年新收政府信息公开申请数量",
        ),
        ("不在处理", "不再处理"),
        ("其他法律行政止公开", "2.其他法律行政法规禁止公开"),
    ] {
        if all.contains(variant) {
            findings.push(Finding::warning(
                "LABEL_VARIANT",
                "表三",
                format!("“{variant}”应为“{official}”"),
            ));
            known_officials.push(normalized(official));
        }
    }
    // Any other official row label that cannot be found, allowing for line breaks, interleaved
    // vertical group labels and punctuation: a variant worth a look.
    if !t3_read {
        return;
    }
    let region_text = normalized(
        &t3.iter()
            .map(|l| {
                l.split(|c: char| c.is_whitespace() || c == '|')
                    .filter(|t| number(t).is_none())
                    .collect::<String>()
            })
            .collect::<String>(),
    );
    for row in T3Row::all() {
        if single_other
            && matches!(
                row,
                T3Row::Outcome(
                    Outcome::OtherNoCorrection | Outcome::OtherFeeUnpaid | Outcome::OtherOther
                )
            )
        {
            continue;
        }
        let label = row.label();
        let core = normalized(label.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.'));
        let core = core
            .trim_start_matches(|c: char| "一二三四五六七".contains(c))
            .to_string();
        let already = known_officials
            .iter()
            .any(|o| o.contains(core.as_str()) || core.contains(o.as_str()));
        if core.chars().count() < 4 || already {
            continue;
        }
        if !loosely_contains(&region_text, &core) {
            findings.push(Finding::warning(
                "LABEL_VARIANT",
                "表三",
                format!("未找到“{label}”，该行标签与法定写法不同"),
            ));
        }
    }
}

/// Text without spaces, quotes, brackets and punctuation (which labels may vary freely).
fn normalized(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !"“”\"'‘’（）()、，,.．。：:；;【】[]「」".contains(*c))
        .collect()
}

/// True when `needle`'s characters appear in order in `hay` with at most 10 other characters
/// inserted in all (line breaks and vertical group labels interleave with row labels).
fn loosely_contains(hay: &str, needle: &str) -> bool {
    let h: Vec<char> = hay.chars().collect();
    let n: Vec<char> = needle.chars().collect();
    let Some(first) = n.first() else { return true };
    for start in (0..h.len()).filter(|i| h[*i] == *first) {
        let (mut j, mut gaps, mut k) = (1, 0, start + 1);
        while j < n.len() && k < h.len() && gaps <= 10 {
            if h[k] == n[j] {
                j += 1;
            } else {
                gaps += 1;
            }
            k += 1;
        }
        if j == n.len() && gaps <= 10 {
            return true;
        }
    }
    false
}

/// Table 三 as JSON: rows by code (one `other_processing` row when （六） is a single row), each
/// with its 7 columns by code.
pub(super) fn t3_json(t: &Table3, single_other: bool) -> Value {
    let mut m = Map::new();
    for row in T3Row::all() {
        let key = match row {
            T3Row::Outcome(Outcome::OtherNoCorrection | Outcome::OtherFeeUnpaid)
                if single_other =>
            {
                continue;
            }
            T3Row::Outcome(Outcome::OtherOther) if single_other => "other_processing",
            r => r.code(),
        };
        let cols: Map<String, Value> = (0..T3_COLS)
            .map(|c| {
                (
                    t3_column_code(c).to_string(),
                    json!(t.cells[row.index()][c]),
                )
            })
            .collect();
        m.insert(key.to_string(), Value::Object(cols));
    }
    Value::Object(m)
}
