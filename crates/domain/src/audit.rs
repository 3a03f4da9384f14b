//! Reading a published annual report (text already extracted from its file) and checking it
//! (contracts.md §5).
//!
//! Tables are read by structure and position rather than by exact labels: each table is the
//! region between two section titles, and its values are the numbers of that region in reading
//! order — table 三 has 7 per row in the fixed row order of the template (25 rows, or 23 where
//! （六）其他处理 is a single row as in the 2019 template), table 四 ends with its 15 values.
//! Labels only decide the template and raise `LABEL_VARIANT` warnings. When the numbers do not
//! fit the template the table is reported as `TABLE_SHAPE` rather than guessed.

use regex::Regex;
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::Date;

use crate::codes::Outcome;
use crate::report::{T3_COLS, T3Row, Table2, Table3, Table4, check_tables, t3_column_code};

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: &'static str,
    #[serde(rename = "where")]
    pub place: String,
    pub message: String,
}

impl Finding {
    fn error(code: &'static str, place: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: "error",
            place: place.into(),
            message: message.into(),
        }
    }
    fn warning(
        code: &'static str,
        place: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            code,
            severity: "warning",
            place: place.into(),
            message: message.into(),
        }
    }
}

/// What was read from one report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Audit {
    pub file: String,
    pub format: String,
    pub agency: String,
    pub year: Option<i32>,
    pub period: Option<Value>,
    pub sections: Vec<&'static str>,
    pub proactive: Value,
    pub requests: Value,
    pub appeals: Value,
    pub findings: Vec<Finding>,
    /// The carried-forward row (for comparing consecutive years); not in the JSON.
    #[serde(skip)]
    pub carried_forward: Option<[i64; T3_COLS]>,
    #[serde(skip)]
    pub carried_over: Option<[i64; T3_COLS]>,
}

impl Audit {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == "error")
    }
}

/// The patterns the reader uses, compiled once.
struct Patterns {
    page: Option<Regex>,
    year: Option<Regex>,
    period: Option<Regex>,
    received: Option<Regex>,
}

static PATTERNS: std::sync::LazyLock<Patterns> = std::sync::LazyLock::new(|| {
    Patterns {
    page: Regex::new(r"^\s*[-—－]\s*\d+\s*[-—－]\s*$").ok(),
    year: Regex::new(r"(20\d{2}|19\d{2})年").ok(),
    period: Regex::new(r"(\d{4})年(\d{1,2})月(\d{1,2})日(?:起)?(?:至|到|—|-|~)(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日").ok(),
    received: Regex::new(r"(?:受理|收到|新收)[^。，；]{0,16}?申请(?:共)?(\d+)件").ok(),
}
});

const NUMERALS: [&str; 6] = ["一", "二", "三", "四", "五", "六"];

/// Which heading line starts each section: the line contains all of its words.
fn section_words(i: usize) -> Vec<&'static str> {
    match i {
        // Sections 三, 四 and 五 are matched by some of their words (real reports vary them);
        // the others by their official name (`report::section_name`).
        2 => vec!["收到和处理政府信息公开申请"],
        3 => vec!["行政复议", "行政诉讼", "情况"],
        4 => vec!["存在的主要问题"],
        _ => vec![crate::report::section_name(i)],
    }
}

/// Drops page numbers ("- 3 -") and joins nothing else.
fn clean_lines(text: &str) -> Vec<String> {
    let page = PATTERNS.page.as_ref();
    text.lines()
        .map(|l| l.replace(['\u{3000}', '\u{a0}'], " "))
        .filter(|l| !page.is_some_and(|re| re.is_match(l)))
        .collect()
}

/// A number token: an integer or decimal standing alone.
fn number(tok: &str) -> Option<f64> {
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

fn joined(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| l.trim())
        .collect::<String>()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Reads and checks one report's text.
pub fn audit_text(file: &str, text: &str) -> Audit {
    let lines = clean_lines(text);
    let mut findings = Vec::new();
    // Sections: the first heading line of each, in order.
    let mut starts: [Option<usize>; 6] = [None; 6];
    let mut from = 0;
    for (i, start) in starts.iter_mut().enumerate() {
        let words = section_words(i);
        let found = lines.iter().enumerate().skip(from).find(|(_, l)| {
            let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
            l.chars().count() < 60
                && words.iter().all(|w| l.contains(w))
                && (i != 1 || !l.contains("第二十条"))
        });
        if let Some((n, _)) = found {
            *start = Some(n);
            from = n + 1;
        }
    }
    let sections: Vec<&'static str> = (0..6)
        .filter(|i| starts[*i].is_some())
        .map(|i| NUMERALS[i])
        .collect();
    for i in 0..6 {
        if starts[i].is_none() {
            findings.push(Finding::error(
                "SECTION_MISSING",
                format!("第{}部分", NUMERALS[i]),
                format!("缺少“{}”部分", crate::report::section_name(i)),
            ));
        }
    }
    let region = |i: usize| -> Option<&[String]> {
        let s = starts[i]? + 1;
        let e = (i + 1..6).find_map(|j| starts[j]).unwrap_or(lines.len());
        lines.get(s..e.max(s))
    };
    let all = joined(&lines);
    let head: String = joined(&lines[..lines.len().min(8)]);
    // Agency and year from the title.
    let year_re = PATTERNS.year.as_ref();
    let year = year_re
        .as_ref()
        .and_then(|re| re.captures(&head))
        .and_then(|c| c[1].parse().ok());
    let agency = match (year, head.find("年")) {
        (Some(y), _) => head
            .split(&format!("{y}年"))
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| !"《》#*".contains(*c))
            .collect::<String>(),
        _ => String::new(),
    };
    // Format: the 2019 trial template has these labels.
    let t2 = region(1).unwrap_or(&[]);
    let t2_text = joined(t2);
    let is_2019 = t2_text.contains("本年新制作数量")
        || t2_text.contains("第二十条第（九）项")
        || t2_text.contains("第二十条第(九)项");
    let t3 = region(2).unwrap_or(&[]);
    let t3_text = joined(t3);
    let single_other = !(t3_text.contains("逾期不补") || t3_text.contains("不补正"))
        || !t3_text.contains("收费通知");
    let format = if is_2019 { "2019" } else { "2021" };

    // Table 二.
    let mut proactive = json!({});
    let t2_nums = numbers(t2);
    if starts[1].is_some() && !is_2019 {
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

    // Table 三.
    let mut t3_table: Option<Table3> = None;
    let nums = numbers(t3);
    let rows = if single_other { 23 } else { 25 };
    if starts[2].is_some() {
        if nums.is_empty() {
            findings.push(Finding::error("TABLE_MISSING", "表三", "未找到表三的数据"));
        } else if nums.len() != rows * T3_COLS {
            findings.push(Finding::error(
                "TABLE_SHAPE",
                "表三",
                format!(
                    "表三应有 {rows} 行 × 7 列 = {} 个数值，读到 {} 个，无法可靠读取",
                    rows * T3_COLS,
                    nums.len()
                ),
            ));
        } else {
            let mut t = Table3::default();
            let order: Vec<T3Row> = if single_other {
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
            };
            for (k, row) in order.iter().enumerate() {
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
            t3_table = Some(t);
        }
    }
    // Table 四: its last 15 numbers.
    let mut t4_table: Option<Table4> = None;
    if let Some(r4) = region(3) {
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
        } else {
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
            t4_table = Some(t);
        }
    }
    // The consistency rules on what was read.
    let checks = check_tables(
        &Table2::default(),
        t3_table.as_ref().unwrap_or(&Table3::default()),
        t4_table.as_ref().unwrap_or(&Table4::default()),
        None,
    );
    for c in checks.iter().filter(|c| !c.ok) {
        let code = match c.rule {
            "R1" if t3_table.is_some() => "T3_BALANCE",
            "R2" if t3_table.is_some() => "T3_ROW_TOTAL",
            "R3" if t3_table.is_some() => "T3_OUTCOME_TOTAL",
            "T4" if t4_table.is_some() => "T4_TOTAL",
            _ => continue,
        };
        findings.push(Finding::error(code, c.place.clone(), c.message.clone()));
    }
    // Labels that differ from the official wording.
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
    if t3_table.is_some() {
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
            let core =
                normalized(label.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.'));
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
    if let Some(i) = starts[3] {
        let title: String = lines[i].chars().filter(|c| !c.is_whitespace()).collect();
        if !title.contains(crate::report::section_name(3)) {
            findings.push(Finding::warning(
                "LABEL_VARIANT",
                "第四部分标题",
                format!("“{title}”应为“{}”", crate::report::SECTION_TITLES[3]),
            ));
        }
    }
    // Period.
    let period_re = PATTERNS.period.as_ref();
    let period = period_re
        .as_ref()
        .and_then(|re| re.captures(&all))
        .and_then(|c| {
            let y1: i32 = c[1].parse().ok()?;
            let y2: i32 = c.get(4).and_then(|m| m.as_str().parse().ok()).unwrap_or(y1);
            let d = |y: i32, m: &str, d: &str| {
                Date::from_calendar_date(
                    y,
                    time::Month::try_from(m.parse::<u8>().ok()?).ok()?,
                    d.parse().ok()?,
                )
                .ok()
            };
            Some((d(y1, &c[2], &c[3])?, d(y2, &c[5], &c[6])?))
        });
    let period_json =
        period.map(|(f, t)| json!({"from": crate::period::iso(f), "to": crate::period::iso(t)}));
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
    // Section 六 must say something about 信息处理费.
    if let Some(r6) = region(5)
        && !joined(r6).contains("信息处理费")
    {
        findings.push(Finding::warning(
            "FEE_STATEMENT_MISSING",
            "第六部分",
            "未说明信息处理费收取情况",
        ));
    }
    // The narrative against table 三.
    if let (Some(t), Some(r1)) = (&t3_table, region(0)) {
        let text = joined(r1);
        let received = t.get(T3Row::NewReceived, crate::report::TOTAL_COL);
        if received > 0
            && (text.contains("未收到依申请") || text.contains("未收到政府信息公开申请"))
        {
            findings.push(Finding::warning(
                "NARRATIVE_CONFLICT",
                "第一部分",
                format!("正文称未收到申请，但表三新收申请 {received} 件"),
            ));
        }
        if let Some(re) = PATTERNS.received.as_ref() {
            for c in re.captures_iter(&text) {
                if let Ok(n) = c[1].parse::<i64>()
                    && n != received
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
    let requests = t3_table
        .as_ref()
        .map(|t| t3_json(t, single_other))
        .unwrap_or_else(|| json!({}));
    let appeals = t4_table
        .as_ref()
        .and_then(|t| serde_json::to_value(t).ok())
        .unwrap_or_else(|| json!({}));
    Audit {
        file: file.to_string(),
        format: format.to_string(),
        agency,
        year,
        period: period_json,
        sections,
        proactive,
        requests,
        appeals,
        findings,
        carried_forward: t3_table
            .as_ref()
            .map(|t| t.cells[T3Row::CarriedForward.index()]),
        carried_over: t3_table
            .as_ref()
            .map(|t| t.cells[T3Row::CarriedOver.index()]),
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

fn t3_json(t: &Table3, single_other: bool) -> Value {
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

/// A finding as one line of the text format.
pub fn finding_line(f: &Finding) -> String {
    let sev = if f.severity == "error" {
        "错误"
    } else {
        "提示"
    };
    format!("[{sev}] {} {}：{}", f.code, f.place, f.message)
}

/// Markup dialects whose text [`markup_to_text`] extracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    Html,
    /// WordprocessingML (`word/document.xml` of a DOCX).
    Docx,
}

/// Decodes the character references of HTML/XML text (`&amp;`, `&#x4E00;`, `&#19968;`, …) in one
/// pass: a reference is at most [`MAX_ENTITY`] bytes long, so each `&` costs a bounded look-ahead
/// and text full of `&` decodes in linear time. Anything that is not a known reference is kept as
/// written.
fn decode_entities(s: &str) -> String {
    /// Longest reference between `&` and `;` (`#x10FFFF` and `#1114111` are 8 bytes).
    const MAX_ENTITY: usize = 9;
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        // The `;` closing the reference, looked for only within the bounded window.
        let end = tail
            .bytes()
            .skip(1)
            .take(MAX_ENTITY + 1)
            .position(|b| b == b';')
            .map(|p| p + 1);
        let ch = end.and_then(|end| {
            let ent = &tail[1..end];
            match ent {
                "nbsp" => Some(' '),
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                    .ok()
                    .and_then(char::from_u32),
                e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            }
            .map(|c| (c, end))
        });
        match ch {
            Some((c, end)) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text of an HTML page or a DOCX body: paragraphs on their own lines, each table row on
/// one line with its cells separated by tabs; in a row holding numbers, an empty cell is 0.
pub fn markup_to_text(src: &str, dialect: Markup) -> String {
    let (row_tag, cell_tags, para_tags): (&str, &[&str], &[&str]) = match dialect {
        Markup::Html => (
            "tr",
            &["td", "th"],
            &[
                "p", "br", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "title", "caption",
            ],
        ),
        Markup::Docx => ("w:tr", &["w:tc"], &["w:p", "w:br"]),
    };
    let mut out = String::new();
    let mut text = String::new();
    let mut row: Option<Vec<String>> = None;
    let mut skip = 0usize; // inside <script>/<style>
    let mut continuation = false; // a DOCX cell continuing a vertical merge: not a cell of its own
    let mut rest = src;
    let flush_row = |row: Vec<String>, out: &mut String| {
        let has_number = row.iter().any(|c| number(c.trim()).is_some());
        let cells: Vec<String> = row
            .into_iter()
            .map(|c| {
                if has_number && c.trim().is_empty() {
                    "0".into()
                } else {
                    c.trim().to_string()
                }
            })
            .collect();
        out.push_str(&cells.join("\t"));
        out.push('\n');
    };
    while let Some(i) = rest.find('<') {
        if skip == 0 {
            text.push_str(&rest[..i]);
        }
        let Some(j) = rest[i..].find('>') else { break };
        let tag = &rest[i + 1..i + j];
        rest = &rest[i + j + 1..];
        let closing = tag.starts_with('/');
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if dialect == Markup::Html && (name == "script" || name == "style") {
            skip = if closing {
                skip.saturating_sub(1)
            } else {
                skip + 1
            };
            continue;
        }
        if dialect == Markup::Docx && name == "w:tab" {
            text.push(' ');
            continue;
        }
        if dialect == Markup::Docx && name == "w:vmerge" && !tag.contains("restart") {
            continuation = true;
            continue;
        }
        if name == row_tag {
            if closing {
                if let Some(r) = row.take() {
                    flush_row(r, &mut out);
                }
            } else {
                row = Some(Vec::new());
            }
            text.clear();
        } else if cell_tags.contains(&name.as_str()) {
            if closing {
                let cell = decode_entities(&text)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                if let Some(r) = row.as_mut()
                    && !continuation
                {
                    r.push(cell);
                }
            }
            continuation = false;
            text.clear();
        } else if para_tags.contains(&name.as_str())
            && (closing || tag.ends_with('/') || name == "br" || name == "w:br")
        {
            if row.is_some() {
                text.push(' ');
            } else {
                let line = decode_entities(&text);
                let line = line.trim();
                if !line.is_empty() {
                    out.push_str(line);
                    out.push('\n');
                }
                text.clear();
            }
        }
    }
    if skip == 0 {
        text.push_str(rest);
    }
    let tail = decode_entities(&text);
    if !tail.trim().is_empty() {
        out.push_str(tail.trim());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The reader never panics, whatever it is given (report-like fragments included).
        #[test]
        fn reading_never_panics(parts in proptest::collection::vec(prop_oneof![
            Just("三、收到和处理政府信息公开申请情况\n".to_string()),
            Just("四、政府信息公开行政复议、行政诉讼情况\n".to_string()),
            Just("二、主动公开政府信息情况\n".to_string()),
            Just("六、其他需要报告的事项\n".to_string()),
            Just("<tr><td>".to_string()),
            Just("</td></tr>".to_string()),
            Just("&#x;&#99999999;&".to_string()),
            "[0-9 .\\-]{0,12}",
            "\\PC{0,20}",
        ], 0..60)) {
            let text = parts.concat();
            let a = audit_text("f", &text);
            let _ = serde_json::to_string(&a);
            let _ = markup_to_text(&text, Markup::Html);
            let _ = markup_to_text(&text, Markup::Docx);
        }
    }

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

    #[test]
    fn markup_cells_and_blanks() {
        let t = markup_to_text(
            "<p>标题&amp;说明</p><table><tr><td>规章</td><td></td><td>3</td></tr></table>",
            Markup::Html,
        );
        assert_eq!(t, "标题&说明\n规章\t0\t3\n");
        let d = markup_to_text(
            "<w:p><w:r><w:t>一</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>5</w:t></w:r></w:p></w:tc></w:tr></w:tbl>",
            Markup::Docx,
        );
        assert_eq!(d, "一\n5\n");
        assert_eq!(number("1."), None);
        assert_eq!(number("20.3"), Some(20.3));
    }

    #[test]
    fn decode_entities_is_linear_and_exact_on_text_full_of_ampersands() {
        let n = 1 << 20;
        let amps = "&".repeat(n);
        assert_eq!(decode_entities(&amps), amps);
        // An unterminated reference before a far `;`: each `&` must not look ahead to it.
        let open = format!("{};", "&#x".repeat(n / 3));
        assert_eq!(decode_entities(&open), open);
        let hex = "&#x4E00;&#x41;".repeat(n / 14);
        assert_eq!(decode_entities(&hex), "一A".repeat(n / 14));
        let mixed = "&amp;&lt;&#20013;&nbsp;&bogus;&".repeat(1000);
        assert_eq!(decode_entities(&mixed), "&<中 &bogus;&".repeat(1000));
        assert_eq!(
            decode_entities("a&#x10FFFF;b&#1114111;c"),
            "a\u{10FFFF}b\u{10FFFF}c"
        );
        assert_eq!(
            decode_entities("&#x110000;&#;&#x;&中;"),
            "&#x110000;&#;&#x;&中;"
        );
    }
}
