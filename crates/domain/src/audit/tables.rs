//! Tables 二, 三 and 四 read by position (the numbers of each table's region in reading order,
//! placed in the template's fixed layout), the two readings weighed against each other
//! (`decide`), and what was read turned into the JSON and the report types.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Finding;
use super::grid::Source;
use super::structured::{Structured, t3_order};
use crate::codes::Outcome;
use crate::report::{T3_COLS, T3Row, Table3, Table4, t3_column_code};

/// A number token as plain digits: an integer or decimal standing alone, without emphasis
/// marks, its unit (元, 万元) or thousands separators ("3,985,758").
#[cfg(test)]
pub(super) fn value_token(tok: &str) -> Option<String> {
    plain_digits(tok).map(Cow::into_owned)
}

/// [`value_token`] without copying the token when it has no thousands separators.
pub(super) fn plain_digits(tok: &str) -> Option<Cow<'_, str>> {
    let t = tok.trim().trim_matches(|c: char| c == '|' || c == '*');
    let t = t
        .strip_suffix("万元")
        .or_else(|| t.strip_suffix('元'))
        .unwrap_or(t);
    // A number starts with a digit, a point or a minus (with thousands separators too: a
    // leading comma leaves an empty first group), so other tokens stop here.
    if !t.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '-') {
        return None;
    }
    let t = if t.contains(',') {
        // Only well-formed groups of three: 1,234 or 12,345.6.
        let (int, frac) = t.split_once('.').map_or((t, None), |(i, f)| (i, Some(f)));
        let digits = int.trim_start_matches('-');
        let mut groups = digits.split(',');
        let first = groups.next().unwrap_or("");
        let mut more = 0;
        let ok = (1..=3).contains(&first.len())
            && groups.all(|g| {
                more += 1;
                g.len() == 3
            })
            && more > 0;
        if !ok {
            return None;
        }
        let mut s = int.replace(',', "");
        if let Some(f) = frac {
            s.push('.');
            s.push_str(f);
        }
        Cow::Owned(s)
    } else {
        Cow::Borrowed(t)
    };
    if t.is_empty()
        || t.ends_with('.')
        || t == "-"
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    decimal(&t).then_some(t)
}

/// Whether a text of ASCII digits, points and minus signs is what `f64`'s parser accepts of
/// them: an optional leading minus, then digits with at most one point, at least one digit.
fn decimal(t: &str) -> bool {
    let body = t.strip_prefix('-').unwrap_or(t);
    let (mut digits, mut points) = (0, 0);
    for b in body.bytes() {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' => points += 1,
            _ => return false,
        }
    }
    digits > 0 && points <= 1
}

/// Whether a token is a number ([`number`] without computing its value).
pub(super) fn is_number(tok: &str) -> bool {
    plain_digits(tok).is_some()
}

/// The value of a number token ([`value_token`]).
pub(super) fn number(tok: &str) -> Option<f64> {
    plain_digits(tok).and_then(|t| t.parse().ok())
}

/// The tokens of a line: its text cut at whitespace and pipes.
fn tokens(l: &str) -> impl Iterator<Item = &str> + Clone {
    l.split(|c: char| c.is_whitespace() || c == '|')
}

/// The number tokens of some lines, in reading order, as plain digits.
fn numbers(lines: &[String]) -> Vec<Cow<'_, str>> {
    lines
        .iter()
        .flat_map(|l| tokens(l))
        .filter_map(plain_digits)
        .collect()
}

/// Whether table 二 has the labels of the 2019 trial template (`t2_text`: its region joined
/// without whitespace).
pub(super) fn is_2019(t2_text: &str) -> bool {
    t2_text.contains("本年新制作数量")
        || t2_text.contains("第二十条第（九）项")
        || t2_text.contains("第二十条第(九)项")
}

/// Whether table 三 has （六）其他处理 as a single row (no 逾期不补正 / 收费通知 rows);
/// `t3_text` is its region joined without whitespace.
pub(super) fn single_other(t3_text: &str) -> bool {
    !(t3_text.contains("逾期不补") || t3_text.contains("不补正")) || !t3_text.contains("收费通知")
}

/// How a table was read, for the JSON (`readings`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    /// `grid` (cells from table markup, tabs or Markdown pipes), `layout` (positions on the
    /// page) or `text` (lines of text cut at spaces, or only the positional reading).
    pub method: &'static str,
    /// 0–1: 1 when the reading by labels and headers and the positional reading agree.
    pub confidence: f64,
}

/// The values a table's positional reading found, in the template's order, or the count it
/// found when that does not fit the template.
pub(super) type Positional<'a> = Result<Vec<Cow<'a, str>>, usize>;

/// Table 二 read by position: its 10 numbers (22 in the 2019 template) in reading order.
pub(super) fn positional_t2(t2: &[String], is_2019: bool) -> Positional<'_> {
    let nums = numbers(t2);
    let want = if is_2019 { 22 } else { 10 };
    if nums.len() == want {
        Ok(nums)
    } else {
        Err(nums.len())
    }
}

/// Table 三 read by position: 7 numbers per row, 25 rows (23 when （六） is a single row).
pub(super) fn positional_t3(t3: &[String], single_other: bool) -> Positional<'_> {
    let nums = numbers(t3);
    let rows = if single_other { 23 } else { 25 };
    if nums.len() == rows * T3_COLS {
        Ok(nums)
    } else {
        Err(nums.len())
    }
}

/// Table 四 read by position: the numbers of the region's lines that hold nothing but numbers
/// (prose around the table may quote numbers); exactly 15.
pub(super) fn positional_t4(r4: &[String]) -> Positional<'_> {
    let mut nums = Vec::new();
    for l in r4 {
        let mut toks = tokens(l).filter(|t| !t.is_empty()).peekable();
        if toks.peek().is_some() && toks.clone().all(is_number) {
            nums.extend(toks.filter_map(plain_digits));
        }
    }
    if nums.len() == 15 {
        Ok(nums)
    } else {
        Err(nums.len())
    }
}

/// Whether two value tokens are the same number (or the same text).
fn same(a: &str, b: &str) -> bool {
    // (Equal texts are the same number, or the same text.)
    if a == b {
        return true;
    }
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

/// The first slot where the structured reading found a value the positional one does not share.
fn disagreement(a: &[Option<Cow<'_, str>>], b: &[Cow<'_, str>]) -> Option<(usize, String, String)> {
    a.iter()
        .zip(b)
        .enumerate()
        .find(|(_, (x, y))| x.as_ref().is_some_and(|x| !same(x, y)))
        .map(|(i, (x, y))| {
            (
                i,
                x.as_deref().unwrap_or_default().to_string(),
                y.to_string(),
            )
        })
}

/// What [`decide`] made of a table's two readings.
pub(super) enum Decided<'a> {
    /// Every value, and how they were read.
    Whole(Vec<Cow<'a, str>>, Reading),
    /// A table whose shape differs from the template (`TABLE_SHAPE` reported) but whose cells
    /// came as cells and were read by their labels without a problem: the slots found (the
    /// others `None`), for the JSON only — no rule is checked on an incomplete table.
    Part(Vec<Option<Cow<'a, str>>>, Reading),
}

/// The two readings of one table weighed: the values to use and how they were read, or a
/// `TABLE_SHAPE` / `TABLE_MISSING` finding. `slot_name` names a slot of the template.
pub(super) fn decide<'a>(
    table: &'static str,
    structured: &Structured<'a>,
    positional: Positional<'a>,
    slot_name: &dyn Fn(usize) -> String,
    findings: &mut Vec<Finding>,
) -> Option<Decided<'a>> {
    let method = match structured.source {
        Some(Source::Markup | Source::Separated) => "grid",
        Some(Source::Layout) => "layout",
        _ => "text",
    };
    if let Some(p) = &structured.problem {
        findings.push(Finding::error("TABLE_SHAPE", table, p.clone()));
        return None;
    }
    let conflict = |i: usize, x: String, y: String, findings: &mut Vec<Finding>| {
        findings.push(Finding::error(
            "TABLE_SHAPE",
            table,
            format!(
                "按行标签和列标题读取与按位置读取的结果不同（{}：{x} 与 {y}），无法可靠读取",
                slot_name(i)
            ),
        ));
    };
    match (structured.complete(), positional) {
        (Some(a), Ok(b)) => {
            if let Some((i, x, y)) = disagreement(&structured.slots, &b) {
                conflict(i, x, y, findings);
                return None;
            }
            let confidence = if method == "text" { 0.9 } else { 1.0 };
            Some(Decided::Whole(a, Reading { method, confidence }))
        }
        (Some(a), Err(_)) => {
            let confidence = if method == "text" { 0.7 } else { 0.8 };
            Some(Decided::Whole(a, Reading { method, confidence }))
        }
        (None, Ok(b)) => {
            if let Some((i, x, y)) = disagreement(&structured.slots, &b) {
                conflict(i, x, y, findings);
                return None;
            }
            let confidence = if structured.any { 0.6 } else { 0.5 };
            Some(Decided::Whole(
                b,
                Reading {
                    method: "text",
                    confidence,
                },
            ))
        }
        (None, Err(n)) => {
            if n == 0 && !structured.any {
                findings.push(Finding::error(
                    "TABLE_MISSING",
                    table,
                    format!("未找到{table}的数据"),
                ));
            } else {
                let found = structured.slots.iter().filter(|s| s.is_some()).count();
                let missing: Vec<String> = structured
                    .slots
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.is_none())
                    .map(|(i, _)| slot_name(i))
                    .take(4)
                    .collect();
                // Rows read from cells by their labels are kept when the table's other rows are
                // missing from the file (no row with numbers was left unplaced).
                let part = found > 0 && method != "text" && structured.unplaced == 0;
                findings.push(Finding::error(
                    "TABLE_SHAPE",
                    table,
                    format!(
                        "{table}应有 {} 个数值，按位置读到 {n} 个，按行标签读到 {found} 个{}，{}",
                        structured.slots.len(),
                        if missing.is_empty() {
                            String::new()
                        } else {
                            let more = if missing.len() > 3 { " 等" } else { "" };
                            let shown = &missing[..missing.len().min(3)];
                            format!("（未找到：{}{more}）", shown.join("、"))
                        },
                        if part {
                            "只给出按行标签读到的各行，不做勾稽检查"
                        } else {
                            "无法可靠读取"
                        }
                    ),
                ));
                if part {
                    return Some(Decided::Part(
                        structured.slots.clone(),
                        Reading {
                            method,
                            confidence: 0.4,
                        },
                    ));
                }
            }
            None
        }
    }
}

/// Table 二 as JSON from its values in the template's order (10, or 22 in the 2019 template).
pub(super) fn t2_json(
    t2_nums: &[Cow<'_, str>],
    is_2019: bool,
    findings: &mut Vec<Finding>,
) -> Value {
    let get = |i: usize| t2_nums.get(i).map(|v| &**v).unwrap_or("");
    if !is_2019 {
        let n = |i: usize| get(i).trim().parse::<i64>().unwrap_or(-1);
        let proactive = json!({
            "rules": {"issued": n(0), "repealed": n(1), "in_force": n(2)},
            "normative_documents": {"issued": n(3), "repealed": n(4), "in_force": n(5)},
            "licensing_decisions": n(6), "penalty_decisions": n(7), "enforcement_decisions": n(8),
            "fees_wan_yuan": unit_free(get(9)),
        });
        for (i, v) in t2_nums.iter().enumerate() {
            let ok = if i == 9 {
                number(v).is_some_and(|x| x >= 0.0)
            } else {
                v.trim().parse::<i64>().is_ok_and(|x| x >= 0)
            };
            if !ok {
                findings.push(Finding::error(
                    "BAD_NUMBER",
                    "表二",
                    format!("“{v}”不是非负数"),
                ));
            }
        }
        proactive
    } else {
        // 2019 trial template: 22 values in its own layout (regulations.md §1.4); 增/减 may be negative.
        let i = |k: usize| get(k).trim().parse::<i64>().unwrap_or(0);
        let trio = |k: usize, a: &str, b: &str, c: &str| json!({a: i(k), b: i(k + 1), c: i(k + 2)});
        json!({
            "rules": trio(0, "made", "published", "total_published"),
            "normative_documents": trio(3, "made", "published", "total_published"),
            "licensing": trio(6, "previous_items", "change", "decisions"),
            "other_services": trio(9, "previous_items", "change", "decisions"),
            "penalty": trio(12, "previous_items", "change", "decisions"),
            "enforcement": trio(15, "previous_items", "change", "decisions"),
            "fees": {"previous_items": i(18), "change": i(19)},
            "central_procurement": {"projects": i(20), "amount_yuan": unit_free(get(21))},
        })
    }
}

/// The keys of table 二's JSON with the slots each holds.
pub(super) fn t2_keys(is_2019: bool) -> Vec<(&'static str, std::ops::Range<usize>)> {
    if is_2019 {
        vec![
            ("rules", 0..3),
            ("normative_documents", 3..6),
            ("licensing", 6..9),
            ("other_services", 9..12),
            ("penalty", 12..15),
            ("enforcement", 15..18),
            ("fees", 18..20),
            ("central_procurement", 20..22),
        ]
    } else {
        vec![
            ("rules", 0..3),
            ("normative_documents", 3..6),
            ("licensing_decisions", 6..7),
            ("penalty_decisions", 7..8),
            ("enforcement_decisions", 8..9),
            ("fees_wan_yuan", 9..10),
        ]
    }
}

/// The keys of table 三's JSON with the slots each holds.
pub(super) fn t3_keys(single_other: bool) -> Vec<(&'static str, std::ops::Range<usize>)> {
    t3_order(single_other)
        .iter()
        .enumerate()
        .map(|(k, r)| (t3_key(*r, single_other), k * T3_COLS..(k + 1) * T3_COLS))
        .collect()
}

/// The JSON key of a row of table 三 (`other_processing` for （六） as one row).
fn t3_key(row: T3Row, single_other: bool) -> &'static str {
    match row {
        T3Row::Outcome(Outcome::OtherOther) if single_other => "other_processing",
        r => r.code(),
    }
}

/// The keys of table 四's JSON with the slots each holds.
pub(super) fn t4_keys() -> Vec<(&'static str, std::ops::Range<usize>)> {
    vec![
        ("reconsideration", 0..5),
        ("litigation_direct", 5..10),
        ("litigation_after_reconsideration", 10..15),
    ]
}

/// A partly read table ([`Decided::Part`]) as JSON: `whole` builds the JSON of all slots (the
/// missing ones given as 0), and only the keys whose slots were all found are kept.
pub(super) fn part_json<'a>(
    slots: &[Option<Cow<'a, str>>],
    keys: &[(&'static str, std::ops::Range<usize>)],
    whole: impl FnOnce(&[Cow<'a, str>]) -> Value,
) -> Value {
    let filled: Vec<Cow<'a, str>> = slots
        .iter()
        .map(|s| s.clone().unwrap_or(Cow::Borrowed("0")))
        .collect();
    let mut v = whole(&filled);
    if let Value::Object(m) = &mut v {
        for (key, range) in keys {
            if slots
                .get(range.clone())
                .is_none_or(|r| r.iter().any(Option::is_none))
            {
                m.remove(*key);
            }
        }
    }
    v
}

/// A value token without its unit (元, 万元) and emphasis.
fn unit_free(v: &str) -> String {
    v.trim()
        .trim_matches(|c: char| c == '*')
        .trim_end_matches('元')
        .trim_end_matches('万')
        .to_string()
}

/// The name of slot `i` of table 二 (its row's label and its column's header).
pub(super) fn t2_slot_name(is_2019: bool, i: usize) -> String {
    let mut start = 0;
    for (_, n, label) in super::structured::t2_rows(is_2019) {
        if i < start + n {
            let k = i - start;
            let column = match (is_2019, n) {
                (false, 3) => ["本年制发件数", "本年废止件数", "现行有效件数"].get(k),
                (false, _) if label == "行政事业性收费" => Some(&"金额"),
                (false, _) => Some(&"处理决定数量"),
                (true, 3) if start < 6 => {
                    ["本年新制作数量", "本年新公开数量", "对外公开总数量"].get(k)
                }
                (true, 3) => ["上一年项目数量", "本年增/减", "处理决定数量"].get(k),
                (true, _) if label == "政府集中采购" => ["采购项目数量", "采购总金额"].get(k),
                (true, _) => ["上一年项目数量", "本年增/减"].get(k),
            };
            return format!("{label} {}", column.unwrap_or(&""));
        }
        start += n;
    }
    format!("第 {} 个数值", i + 1)
}

/// The name of slot `i` of table 三 (row and column).
pub(super) fn t3_slot_name(single_other: bool, i: usize) -> String {
    let order = t3_order(single_other);
    match order.get(i / T3_COLS) {
        Some(r) => format!(
            "{} {}",
            r.full_label(),
            crate::report::t3_column_label(i % T3_COLS)
        ),
        None => format!("第 {} 个数值", i + 1),
    }
}

/// The name of slot `i` of table 四.
pub(super) fn t4_slot_name(i: usize) -> String {
    let group = ["行政复议", "未经复议直接起诉", "复议后起诉"];
    let result = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];
    format!(
        "{} {}",
        group.get(i / 5).unwrap_or(&""),
        result.get(i % 5).unwrap_or(&"")
    )
}

/// Table 三 from its values in the template's order (7 per row).
pub(super) fn t3_table(
    nums: &[Cow<'_, str>],
    single_other: bool,
    findings: &mut Vec<Finding>,
) -> Table3 {
    let mut t = Table3::default();
    for (k, row) in t3_order(single_other).iter().enumerate() {
        for c in 0..T3_COLS {
            let Some(v) = nums.get(k * T3_COLS + c) else {
                continue;
            };
            match v.trim().parse::<i64>() {
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
    t
}

/// Table 四 from its 15 values.
pub(super) fn t4_table(nums: &[Cow<'_, str>], findings: &mut Vec<Finding>) -> Table4 {
    let mut t = Table4::default();
    for (i, v) in nums.iter().take(15).enumerate() {
        match v.trim().parse::<i64>() {
            Ok(x) if x >= 0 => t.cells[i / 5][i % 5] = x,
            _ => findings.push(Finding::error(
                "BAD_NUMBER",
                "表四",
                format!("“{v}”不是非负整数"),
            )),
        }
    }
    t
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
    let mut region_text = String::new();
    for l in t3 {
        region_text.extend(tokens(l).filter(|t| !is_number(t)));
    }
    let region_text: Vec<char> = normalized(&region_text).chars().collect();
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

/// True when `needle`'s characters appear in order in `h` (a text's characters) with at most
/// 10 other characters inserted in all (line breaks and vertical group labels interleave with
/// row labels).
fn loosely_contains(h: &[char], needle: &str) -> bool {
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
    for row in t3_order(single_other) {
        let key = t3_key(row, single_other);
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `value_token` as first written (a copy of every token), to compare with.
    fn reference(tok: &str) -> Option<String> {
        let t = tok.trim().trim_matches(|c: char| c == '|' || c == '*');
        let t = t
            .strip_suffix("万元")
            .or_else(|| t.strip_suffix('元'))
            .unwrap_or(t);
        let t = if t.contains(',') {
            let (int, frac) = t.split_once('.').map_or((t, None), |(i, f)| (i, Some(f)));
            let digits = int.trim_start_matches('-');
            let groups: Vec<&str> = digits.split(',').collect();
            let ok = groups.len() > 1
                && (1..=3).contains(&groups[0].len())
                && groups[1..].iter().all(|g| g.len() == 3);
            if !ok {
                return None;
            }
            let mut s = int.replace(',', "");
            if let Some(f) = frac {
                s.push('.');
                s.push_str(f);
            }
            s
        } else {
            t.to_string()
        };
        if t.is_empty()
            || t.ends_with('.')
            || t == "-"
            || !t
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        {
            return None;
        }
        t.parse::<f64>().ok().map(|_| t)
    }

    proptest! {
        #[test]
        fn value_tokens_read_as_before(tok in "[ |*\\-.,0-9元万a一\t]{0,14}") {
            prop_assert_eq!(value_token(&tok), reference(&tok));
            prop_assert_eq!(number(&tok), reference(&tok).and_then(|t| t.parse::<f64>().ok()));
        }
    }

    #[test]
    fn value_tokens_read_as_before_on_examples() {
        for tok in [
            "1,234",
            "-1,234.5",
            ",123",
            "12,34",
            "1,234,567元",
            "3.5万元",
            "**7**",
            "|8|",
            "-",
            ".5",
            "5.",
            "1-2",
            "—",
            "１２",
            "",
            " 0 ",
            "-.5",
            "1,234.",
            "١٢",
        ] {
            assert_eq!(value_token(tok), reference(tok), "{tok}");
        }
    }
}

#[cfg(test)]
mod decimal_tests {
    /// `decimal` accepts exactly what `f64`'s parser accepts of digits, points and minus signs.
    #[test]
    fn decimal_is_the_float_parser_on_its_alphabet() {
        let alphabet = ['0', '7', '.', '-'];
        let mut words = vec![String::new()];
        for _ in 0..6 {
            let longer: Vec<String> = words
                .iter()
                .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                .collect();
            for w in &longer {
                assert_eq!(super::decimal(w), w.parse::<f64>().is_ok(), "{w:?}");
            }
            words = longer;
        }
    }
}
