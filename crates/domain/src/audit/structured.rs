//! Tables 二, 三 and 四 read by structure: each row identified by its label (tolerant of the
//! wording of the 2019 and 2021 templates and of common variants), each value column by its
//! header, so that an extra cell, a missing blank, a merged group label or unnamed headers
//! (「数据1…数据6」) do not move a value. Rows that cannot be told apart or that hold more
//! values than the template has columns are reported, never guessed.
//!
//! What is read is a list of value tokens in the template's order (the order the positional
//! reading of `tables` produces), so that the two readings can be compared slot by slot.

use super::grid::{Cell, Grid, Source};
use super::tables::{is_number, value_token};
use crate::codes::Outcome;
use crate::report::{T3_COLS, T3Row};

/// What the structured reading of one table found.
#[derive(Debug, Clone, Default)]
pub(super) struct Structured {
    /// The value of each slot of the template (in its order), when its row was found.
    pub slots: Vec<Option<String>>,
    /// Why the table does not fit the template (a `TABLE_SHAPE`).
    pub problem: Option<String>,
    /// Labels found that differ from the official wording: (found, official, place).
    pub variants: Vec<(String, String, &'static str)>,
    /// Rows holding numbers whose label matched no row of the template.
    pub unplaced: usize,
    /// Whether any row of the template was found.
    pub any: bool,
    /// Where the cells came from (the least structured of the grids used).
    pub source: Option<Source>,
}

impl Structured {
    fn new(slots: usize) -> Structured {
        Structured {
            slots: vec![None; slots],
            ..Structured::default()
        }
    }

    /// Every slot, when every row was found and nothing else was in the way.
    pub fn complete(&self) -> Option<Vec<String>> {
        if self.problem.is_some() || self.unplaced > 0 {
            return None;
        }
        self.slots.iter().cloned().collect()
    }

    fn note_source(&mut self, s: Source) {
        let rank = |s: Source| match s {
            Source::Markup => 0,
            Source::Separated => 1,
            Source::Layout => 2,
            Source::Spaces => 3,
        };
        if self.source.is_none_or(|cur| rank(s) > rank(cur)) {
            self.source = Some(s);
        }
    }

    fn problem(&mut self, p: String) {
        if self.problem.is_none() {
            self.problem = Some(p);
        }
    }
}

/// The punctuation, quotes and brackets [`norm`] leaves out.
#[cfg(test)]
const NORM_PUNCT: &str = "“”\"'‘’（）()、，,.．。：:；;【】[]「」《》〈〉<>·•*|/／\\—–-_~`!！?？";

/// Whether [`norm`] leaves a character out.
fn norm_punct(c: char) -> bool {
    matches!(
        c,
        '“' | '”'
            | '"'
            | '\''
            | '‘'
            | '’'
            | '（'
            | '）'
            | '('
            | ')'
            | '、'
            | '，'
            | ','
            | '.'
            | '．'
            | '。'
            | '：'
            | ':'
            | '；'
            | ';'
            | '【'
            | '】'
            | '['
            | ']'
            | '「'
            | '」'
            | '《'
            | '》'
            | '〈'
            | '〉'
            | '<'
            | '>'
            | '·'
            | '•'
            | '*'
            | '|'
            | '/'
            | '／'
            | '\\'
            | '—'
            | '–'
            | '-'
            | '_'
            | '~'
            | '`'
            | '!'
            | '！'
            | '?'
            | '？'
    )
}

/// A label without spaces, punctuation, quotes and brackets, digits half width.
pub(super) fn norm(s: &str) -> String {
    s.chars()
        .map(super::grid::halfwidth_char)
        .filter(|c| !c.is_whitespace() && !norm_punct(*c))
        .collect()
}

/// A normalised label without its leading numbering (一 / 1 / 七 …).
fn core(s: &str) -> String {
    norm(s)
        .trim_start_matches(|c: char| c.is_ascii_digit() || "一二三四五六七八九十".contains(c))
        .to_string()
}

/// Whether a row label is the official one, punctuation, numbering and the group labels
/// flattened in front of it (「三、本年度办理结果 （三）不予公开 1.属于国家秘密」) aside.
fn same_label(own: &str, official: &str) -> bool {
    if core(own) == core(official) {
        return true;
    }
    let (own, official) = (norm(own), norm(official));
    let Some(prefix) = own.strip_suffix(official.as_str()) else {
        return false;
    };
    let mut rest = prefix.to_string();
    for group in [
        "三本年度办理结果",
        "三不予公开",
        "四无法提供",
        "五不予处理",
        "六其他处理",
    ] {
        rest = rest.replacen(group, "", 1);
    }
    rest.is_empty()
}

/// A cell that says "nothing" in a value column: a dash, a slash or 无 (read as a blank, 0).
fn nil(t: &str) -> bool {
    matches!(t, "-" | "—" | "——" | "–" | "－" | "/" | "／" | "无")
}

fn is_number_cell(c: &Cell) -> bool {
    !c.spanned && is_number(c.text.trim())
}

fn row_has_numbers(row: &[Cell]) -> bool {
    row.iter().any(is_number_cell)
}

/// The label of a row: its non-empty text cells left of its first value (merged copies
/// included, repeated texts once).
fn row_label(row: &[Cell]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in row {
        if is_number_cell(c) {
            break;
        }
        let t = c.text.trim();
        if t.is_empty() || is_number(t) {
            continue;
        }
        if out.last().map(String::as_str) != Some(t) {
            out.push(t.to_string());
        }
    }
    out
}

/// Text-only rows (no numbers) around each row, for labels wrapped onto their own lines.
fn label_only(row: &[Cell]) -> Option<String> {
    if row_has_numbers(row) {
        return None;
    }
    let t: Vec<&str> = row
        .iter()
        .map(|c| c.text.trim())
        .filter(|t| !t.is_empty())
        .collect();
    (!t.is_empty()).then(|| t.join(""))
}

/// Identifies the data rows of a grid: for each row holding numbers, the template row its label
/// names (`matcher`). In grids cut from text, a label wrapped onto the lines before or after its
/// numbers is joined to them (each such line used once).
fn identify<R: Copy + PartialEq>(
    g: &Grid,
    matcher: &dyn Fn(&str) -> Option<R>,
) -> Vec<(usize, Option<R>, String)> {
    let mut used = vec![false; g.rows.len()];
    let mut out = Vec::new();
    for (r, row) in g.rows.iter().enumerate() {
        if !row_has_numbers(row) {
            continue;
        }
        let own = row_label(row).join("");
        // The row's own label first: when it names a row, the other candidates are not needed
        // (the first that names a row wins, and none of them is built from a used line).
        if let Some(m) = matcher(&own) {
            out.push((r, Some(m), own));
            continue;
        }
        let mut candidates: Vec<(String, Vec<usize>)> = Vec::new();
        if g.source != Source::Markup {
            // Up to three unused text-only lines right before the numbers (nearest first).
            let mut before: Vec<(usize, String)> = Vec::new();
            let mut p = r;
            while before.len() < 3 && p > 0 {
                p -= 1;
                match label_only(&g.rows[p]).filter(|_| !used[p]) {
                    Some(t) => before.push((p, t)),
                    None => break,
                }
            }
            let next = g
                .rows
                .get(r + 1)
                .filter(|_| !used[r + 1])
                .and_then(|n| label_only(n).map(|t| (r + 1, t)));
            for k in 1..=before.len() {
                let lines: Vec<usize> = before[..k].iter().map(|(i, _)| *i).collect();
                let text: String = before[..k].iter().rev().map(|(_, t)| t.as_str()).collect();
                candidates.push((format!("{text}{own}"), lines));
            }
            if let Some((n, t)) = &next {
                candidates.push((format!("{own}{t}"), vec![*n]));
                if let Some((p, tp)) = before.first() {
                    candidates.push((format!("{tp}{own}{t}"), vec![*p, *n]));
                }
            }
        }
        let mut found = (None, own.clone());
        for (text, lines) in candidates {
            if let Some(m) = matcher(&text) {
                for i in lines {
                    used[i] = true;
                }
                found = (Some(m), text);
                break;
            }
        }
        out.push((r, found.0, found.1));
    }
    out
}

/// Whether the wording of a layout row's label cannot be told whole: it was put together from
/// the lines around its numbers, or a line next to it holds only text in the column of its
/// label (a label wrapped in its cell, whose lines interleave on the page with those of the
/// merged group label beside it).
fn wrapped(g: &Grid, r: usize, label: &str) -> bool {
    if g.source != Source::Layout {
        return false;
    }
    let cells = &g.rows[r];
    if norm(&row_label(cells).join("")) != norm(label) {
        return true;
    }
    let first_value = cells.iter().position(is_number_cell).unwrap_or(cells.len());
    let Some(col) = cells[..first_value]
        .iter()
        .rposition(|c| !c.text.trim().is_empty())
    else {
        return false;
    };
    let continues = |i: usize| {
        g.rows.get(i).is_some_and(|row| {
            label_only(row).is_some() && row.get(col).is_some_and(|c| !c.text.trim().is_empty())
        })
    };
    continues(r + 1) || r.checked_sub(1).is_some_and(continues)
}

/// The texts a row's own label may be: its last label cell, and in a layout (where a label
/// broken at a space lands in two cells) the last two or three joined.
fn own_labels(g: &Grid, cells: &[Cell]) -> Vec<String> {
    let parts = row_label(cells);
    let n = if g.source == Source::Layout { 3 } else { 1 };
    (1..=n.min(parts.len()))
        .map(|k| parts[parts.len() - k..].concat())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Table 三

/// The template row a table 三 label names, if exactly one.
fn t3_row_of(label: &str) -> Option<T3Row> {
    use Outcome::*;
    let n = norm(label);
    let keys: &[(T3Row, &[&str])] = &[
        (
            T3Row::NewReceived,
            &["新收", "本年接收", "本年收到", "本年受理"],
        ),
        (T3Row::CarriedOver, &["上年结转"]),
        (T3Row::Outcome(Granted), &["予以公开"]),
        (T3Row::Outcome(Partial), &["部分公开"]),
        (T3Row::Outcome(DenyStateSecret), &["国家秘密"]),
        (T3Row::Outcome(DenyLawForbidden), &["法规禁止", "其他法律"]),
        (
            T3Row::Outcome(DenyThreeSecurityOneStability),
            &["三安全", "一稳定"],
        ),
        (T3Row::Outcome(DenyThirdParty), &["第三方"]),
        (T3Row::Outcome(DenyInternalAffairs), &["内部事务"]),
        (T3Row::Outcome(DenyProcessInfo), &["过程性"]),
        (T3Row::Outcome(DenyEnforcementFile), &["执法案卷"]),
        (T3Row::Outcome(DenyAdminQuery), &["行政查询", "查询事项"]),
        (T3Row::Outcome(UnableNotHeld), &["不掌握"]),
        (
            T3Row::Outcome(UnableNeedsCreation),
            &["另行制作", "现成信息"],
        ),
        (
            T3Row::Outcome(UnableUnclearAfterCorrection),
            &["仍不明确", "补正后"],
        ),
        (T3Row::Outcome(NoprocPetition), &["信访", "举报投诉"]),
        (T3Row::Outcome(NoprocRepeat), &["重复申请"]),
        (T3Row::Outcome(NoprocPublication), &["出版物"]),
        (T3Row::Outcome(NoprocMassRepeat), &["大量反复"]),
        (
            T3Row::Outcome(NoprocConfirmReissue),
            &["重新出具", "确认或重新"],
        ),
        (T3Row::Outcome(OtherNoCorrection), &["不补正"]),
        (T3Row::Outcome(OtherFeeUnpaid), &["收费通知", "缴纳费用"]),
        (T3Row::TotalProcessed, &["总计", "合计"]),
        (T3Row::CarriedForward, &["结转下年", "下年度继续"]),
    ];
    let hits: Vec<T3Row> = keys
        .iter()
        .filter(|(_, ks)| ks.iter().any(|k| n.contains(k)))
        .map(|(r, _)| *r)
        .collect();
    match hits.as_slice() {
        [one] => Some(*one),
        [] => {
            // （六）3.其他, or the single （六）其他处理 row of the 2019 template.
            let rest = n
                .replace("本年度办理结果", "")
                .replace("其他处理", "")
                .trim_start_matches(|c: char| {
                    c.is_ascii_digit() || "一二三四五六七八九十".contains(c)
                })
                .to_string();
            let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
            (rest.is_empty() && n.contains("其他处理") || rest == "其他")
                .then_some(T3Row::Outcome(OtherOther))
        }
        _ => None,
    }
}

/// Whether any grid has a row labelled as one of the two sub-rows of （六） that the 2019
/// template lacks (逾期不补正, 收费通知), found by label as the rows are (so also where the label
/// is wrapped around its numbers and the text of the region does not hold it in one piece).
pub(super) fn has_split_other(grids: &[Grid]) -> bool {
    grids.iter().any(|g| {
        identify(g, &t3_row_of).iter().any(|(_, r, _)| {
            matches!(
                r,
                Some(T3Row::Outcome(
                    Outcome::OtherNoCorrection | Outcome::OtherFeeUnpaid
                ))
            )
        })
    })
}

/// The column of table 三 a header names (0–6).
fn t3_col_of(header: &str) -> Option<usize> {
    let n = norm(header).replace("其他组织", "");
    let keys: [&[&str]; T3_COLS] = [
        &["自然人"],
        &["商业"],
        &["科研"],
        &["公益"],
        &["法律服务"],
        &["其他"],
        &["总计", "合计"],
    ];
    let hits: Vec<usize> = (0..T3_COLS)
        .filter(|c| keys[*c].iter().any(|k| n.contains(k)))
        .collect();
    match hits.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// The rows of table 三 in the template's order (23 when （六） is a single row).
pub(super) fn t3_order(single_other: bool) -> Vec<T3Row> {
    T3Row::all()
        .into_iter()
        .filter(|r| {
            !(single_other
                && matches!(
                    r,
                    T3Row::Outcome(Outcome::OtherNoCorrection | Outcome::OtherFeeUnpaid)
                ))
        })
        .collect()
}

/// The header rows of a grid: those before its first row holding numbers.
fn header_rows(g: &Grid) -> usize {
    g.rows
        .iter()
        .position(|r| row_has_numbers(r))
        .unwrap_or(g.rows.len())
}

/// The text above each column in the header rows: as written, and with merged group labels
/// filled in. In grids cut from text (no merges), an empty header cell of any but the last
/// header row takes the text to its left (a group label over several columns).
fn column_headers(g: &Grid) -> (Vec<String>, Vec<String>) {
    let h = header_rows(g);
    let width = g.rows.iter().take(h).map(Vec::len).max().unwrap_or(0);
    let mut filled = vec![String::new(); width];
    let mut written = vec![String::new(); width];
    for (i, row) in g.rows.iter().take(h).enumerate() {
        // In text, a line of one cell is a title or a note, not a header row.
        // (A layout's header lines are only those with text over the value columns: a header
        // line of one cell there is a header broken over lines, kept.)
        if !matches!(g.source, Source::Markup | Source::Layout) && row.len() < 2 {
            continue;
        }
        let mut left = String::new();
        for c in 0..width {
            let t = row
                .get(c)
                .map(|x| x.text.trim().to_string())
                .unwrap_or_default();
            written[c].push_str(&t);
            // (A layout carries merged headers as copies, as markup does.)
            if t.is_empty() && !matches!(g.source, Source::Markup | Source::Layout) && i + 1 < h {
                filled[c].push_str(&left);
            } else {
                if !t.is_empty() {
                    left = t.clone();
                }
                filled[c].push_str(&t);
            }
        }
    }
    (filled, written)
}

/// Column index → value column, when the headers name each of the `n` value columns exactly
/// once. Where a filled-in group label names a column twice, the column whose own header names
/// it wins.
fn header_map(
    headers: &(Vec<String>, Vec<String>),
    n: usize,
    of: &dyn Fn(&str) -> Option<usize>,
) -> Option<Vec<Option<usize>>> {
    let (filled, written) = headers;
    let mut map: Vec<Option<usize>> = filled.iter().map(|h| of(h)).collect();
    for k in 0..n {
        let cols: Vec<usize> = (0..map.len()).filter(|c| map[*c] == Some(k)).collect();
        if cols.len() > 1 {
            let own: Vec<usize> = cols
                .iter()
                .copied()
                .filter(|c| of(&written[*c]) == Some(k))
                .collect();
            if own.len() == 1 {
                for c in cols {
                    if c != own[0] {
                        map[c] = None;
                    }
                }
            }
        }
    }
    let ok = (0..n).all(|k| map.iter().filter(|m| **m == Some(k)).count() == 1);
    ok.then_some(map)
}

/// The values of one data row: by header when every number sits under a value header, else
/// in order when the row holds exactly `n` numbers (or, in markup, exactly `n` cells after its
/// label). `Err` with the count when it holds more than `n`.
fn row_values(
    g: &Grid,
    row: &[Cell],
    map: Option<&[Option<usize>]>,
    n: usize,
) -> Result<Option<Vec<String>>, usize> {
    let numbers: Vec<&str> = row
        .iter()
        .filter(|c| is_number_cell(c))
        .map(|c| c.text.trim())
        .collect();
    if numbers.len() > n {
        return Err(numbers.len());
    }
    if let Some(map) = map.filter(|_| g.source != Source::Spaces) {
        let mut vals: Vec<Option<String>> = vec![None; n];
        let mut ok = true;
        for (i, c) in row.iter().enumerate() {
            let t = c.text.trim();
            match map.get(i).copied().flatten() {
                Some(k) => {
                    if c.spanned && !t.is_empty() {
                        ok = false; // a merged cell across value columns, or a label run over
                    } else if t.is_empty() || nil(t) {
                        vals[k].get_or_insert_with(|| "0".into());
                    } else if let Some(v) = value_token(t) {
                        vals[k] = Some(v);
                    } else {
                        ok = false;
                    }
                }
                None => {
                    if is_number_cell(c) {
                        ok = false;
                    }
                }
            }
        }
        // A value column the row does not reach is missing, not zero (a broken row).
        if ok && vals.iter().all(Option::is_some) {
            return Ok(Some(vals.into_iter().flatten().collect()));
        }
    }
    if numbers.len() == n {
        return Ok(Some(
            numbers.iter().filter_map(|s| value_token(s)).collect(),
        ));
    }
    if matches!(g.source, Source::Markup | Source::Layout) {
        // Blank cells after the label (zeros left blank), when the row has exactly n of them.
        let start = row
            .iter()
            .rposition(|c| {
                let t = c.text.trim();
                !t.is_empty() && !is_number(t)
            })
            .map(|i| i + 1)
            .unwrap_or(0);
        let after: Vec<&Cell> = row[start.min(row.len())..]
            .iter()
            .filter(|c| !c.spanned)
            .collect();
        let vals: Option<Vec<String>> = after
            .iter()
            .map(|c| {
                let t = c.text.trim();
                if t.is_empty() || nil(t) {
                    Some("0".to_string())
                } else {
                    value_token(t)
                }
            })
            .collect();
        if after.len() == n
            && let Some(v) = vals
        {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// Table 三 read by labels and headers from the grids of its region.
pub(super) fn read_t3(grids: &[Grid], single_other: bool) -> Structured {
    let order = t3_order(single_other);
    let mut s = Structured::new(order.len() * T3_COLS);
    let mut inherited: Option<(usize, Vec<Option<usize>>)> = None;
    let mut best: Option<Structured> = None;
    for g in grids {
        let mut gs = Structured::new(order.len() * T3_COLS);
        gs.note_source(g.source);
        let headers = column_headers(g);
        let mut map = header_map(&headers, T3_COLS, &t3_col_of);
        let width = g.rows.iter().map(Vec::len).max().unwrap_or(0);
        match (&map, &inherited) {
            (Some(m), _) => inherited = Some((width, m.clone())),
            (None, Some((w, m))) if *w == width => map = Some(m.clone()),
            _ => {}
        }
        // Header variants.
        if let Some(m) = &map {
            for (c, k) in m.iter().enumerate() {
                if let Some(k) = k {
                    let official = crate::report::t3_column_label(*k);
                    let col = norm(&headers.0[c]);
                    if !col.contains(&norm(official)) {
                        let last = g
                            .rows
                            .iter()
                            .take(header_rows(g))
                            .filter_map(|r| r.get(c))
                            .map(|x| x.text.trim())
                            .rfind(|t| !t.is_empty())
                            .unwrap_or("");
                        if !last.is_empty() && g.source != Source::Spaces {
                            gs.variants
                                .push((last.to_string(), official.to_string(), "表三"));
                        }
                    }
                }
            }
        }
        for (r, row, label) in identify(g, &t3_row_of) {
            let cells = &g.rows[r];
            match row {
                Some(row) if order.contains(&row) => {
                    gs.any = true;
                    let k = order.iter().position(|x| *x == row).unwrap_or(0);
                    if gs.slots[k * T3_COLS].is_some() || s.slots[k * T3_COLS].is_some() {
                        gs.problem(format!("表三“{}”一行出现了两次", row.label()));
                        continue;
                    }
                    match row_values(g, cells, map.as_deref(), T3_COLS) {
                        Ok(Some(v)) => {
                            for (c, x) in v.into_iter().enumerate() {
                                gs.slots[k * T3_COLS + c] = Some(x);
                            }
                        }
                        Ok(None) => gs.problem(format!(
                            "表三“{}”一行的数值无法对应到 7 列（读到 {} 个数值）",
                            row.label(),
                            cells.iter().filter(|c| is_number_cell(c)).count()
                        )),
                        Err(n) => gs.problem(format!(
                            "表三“{}”一行有 {n} 个数值，模板只有 7 列",
                            row.label()
                        )),
                    }
                    if g.source != Source::Spaces && !wrapped(g, r, &label) {
                        let own = row_label(cells).last().cloned().unwrap_or_default();
                        let official = if single_other && row == T3Row::Outcome(Outcome::OtherOther)
                        {
                            "（六）其他处理"
                        } else {
                            row.label()
                        };
                        let acceptable = own.is_empty()
                            || own_labels(g, cells).iter().any(|own| {
                                same_label(own, official) || (single_other && core(own) == "其他")
                            });
                        if !acceptable {
                            gs.variants
                                .push((own.to_string(), official.to_string(), "表三"));
                        }
                    }
                }
                _ => {
                    let _ = label;
                    gs.unplaced += 1;
                }
            }
        }
        if !gs.any {
            // A grid with none of the table's rows (another table in the region): left out.
            if best.is_none() && gs.unplaced > 0 {
                best = Some(gs);
            }
            continue;
        }
        merge(&mut s, gs);
    }
    if !s.any
        && let Some(b) = best
    {
        s.unplaced = b.unplaced;
        s.source = b.source;
    }
    s
}

fn merge(s: &mut Structured, gs: Structured) {
    s.any = true;
    for (i, v) in gs.slots.into_iter().enumerate() {
        if v.is_some() {
            s.slots[i] = v;
        }
    }
    if let Some(p) = gs.problem {
        s.problem(p);
    }
    s.unplaced += gs.unplaced;
    s.variants.extend(gs.variants);
    if let Some(src) = gs.source {
        s.note_source(src);
    }
}

// ---------------------------------------------------------------------------------------------
// Table 四

/// The value column (group × result, 0–14) a table 四 header names.
fn t4_col_of(header: &str) -> Option<usize> {
    let n = norm(header);
    let group = if n.contains("复议后") {
        2
    } else if n.contains("直接起诉") || n.contains("未经复议") {
        1
    } else if n.contains("行政复议") {
        0
    } else {
        return None;
    };
    let result = if n.contains("维持") {
        0
    } else if n.contains("纠正") {
        1
    } else if n.contains("其他") {
        2
    } else if n.contains("尚未") || n.contains("审结") {
        3
    } else if n.contains("总计") || n.contains("合计") {
        4
    } else {
        return None;
    };
    Some(group * 5 + result)
}

/// Table 四 read by its headers (or in order) from the grids of its region. When its values
/// are spread over several grids (a table per cell), they are taken in reading order.
pub(super) fn read_t4(grids: &[Grid]) -> Structured {
    let mut s = Structured::new(15);
    let with_data: Vec<&Grid> = grids
        .iter()
        .filter(|g| g.rows.iter().any(|r| row_has_numbers(r)))
        .collect();
    if with_data.len() > 1 {
        let all: Vec<String> = with_data
            .iter()
            .flat_map(|g| g.rows.iter().flatten())
            .filter(|c| is_number_cell(c))
            .map(|c| c.text.trim().to_string())
            .collect();
        s.any = true;
        for g in &with_data {
            s.note_source(g.source);
        }
        if all.len() == 15 {
            for (i, x) in all.into_iter().enumerate() {
                s.slots[i] = Some(x);
            }
        } else {
            s.problem(format!("表四应有 15 个数值，读到 {} 个", all.len()));
        }
        return s;
    }
    for g in grids {
        let headers = column_headers(g);
        let map = header_map(&headers, 15, &t4_col_of);
        // Data rows: rows holding numbers (in text, only rows of nothing but numbers).
        let data: Vec<&Vec<Cell>> = g
            .rows
            .iter()
            .filter(|r| row_has_numbers(r))
            .filter(|r| {
                g.source == Source::Markup
                    || r.iter()
                        .all(|c| c.text.trim().is_empty() || is_number(c.text.trim()))
            })
            .collect();
        if data.is_empty() {
            continue;
        }
        s.note_source(g.source);
        s.any = true;
        for row in &data {
            let n = row.iter().filter(|c| is_number_cell(c)).count();
            if n > 15 {
                s.problem(format!("表四的数据行有 {n} 个数值，模板只有 15 列"));
            }
        }
        if s.problem.is_some() {
            return s;
        }
        let values = if data.len() == 1 {
            row_values(g, data[0], map.as_deref(), 15).ok().flatten()
        } else {
            let all: Vec<&str> = data
                .iter()
                .flat_map(|r| {
                    r.iter()
                        .filter(|c| is_number_cell(c))
                        .map(|c| c.text.trim())
                })
                .collect();
            (all.len() == 15).then(|| all.iter().map(|x| x.to_string()).collect())
        };
        match values {
            Some(v) => {
                for (i, x) in v.into_iter().enumerate() {
                    s.slots[i] = Some(x);
                }
                return s;
            }
            None => {
                let n: usize = data
                    .iter()
                    .map(|r| r.iter().filter(|c| is_number_cell(c)).count())
                    .sum();
                s.problem(format!("表四应有 15 个数值，读到 {n} 个"));
                return s;
            }
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Table 二

/// The rows of table 二 in the template's order: key words, values per row, official label.
fn t2_rows(is_2019: bool) -> Vec<(&'static [&'static str], usize, &'static str)> {
    if is_2019 {
        vec![
            (&["规章"][..], 3, "规章"),
            (&["规范性文件"], 3, "规范性文件"),
            (&["行政许可"], 3, "行政许可"),
            (&["其他对外管理", "对外管理服务"], 3, "其他对外管理服务事项"),
            (&["行政处罚"], 3, "行政处罚"),
            (&["行政强制"], 3, "行政强制"),
            (&["事业性收费"], 2, "行政事业性收费"),
            (&["集中采购"], 2, "政府集中采购"),
        ]
    } else {
        vec![
            (&["规章"][..], 3, "规章"),
            (&["规范性文件"], 3, "行政规范性文件"),
            (&["行政许可"], 1, "行政许可"),
            (&["行政处罚"], 1, "行政处罚"),
            (&["行政强制"], 1, "行政强制"),
            (&["事业性收费"], 1, "行政事业性收费"),
        ]
    }
}

/// Table 二 read by its row labels from the grids of its region.
pub(super) fn read_t2(grids: &[Grid], is_2019: bool) -> Structured {
    let rows = t2_rows(is_2019);
    let offsets: Vec<usize> = rows
        .iter()
        .scan(0, |acc, (_, n, _)| {
            let o = *acc;
            *acc += n;
            Some(o)
        })
        .collect();
    let total: usize = rows.iter().map(|r| r.1).sum();
    let mut s = Structured::new(total);
    let matcher = |label: &str| -> Option<usize> {
        let n = norm(label);
        let hits: Vec<usize> = (0..rows.len())
            .filter(|i| rows[*i].0.iter().any(|k| n.contains(k)))
            .collect();
        match hits.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    };
    for g in grids {
        let mut gs = Structured::new(total);
        gs.note_source(g.source);
        for (r, which, label) in identify(g, &matcher) {
            let Some(i) = which else {
                gs.unplaced += 1;
                continue;
            };
            gs.any = true;
            let (_, n, official) = rows[i];
            if gs.slots[offsets[i]].is_some() || s.slots[offsets[i]].is_some() {
                gs.problem(format!("表二“{official}”一行出现了两次"));
                continue;
            }
            let cells = &g.rows[r];
            match row_values(g, cells, None, n) {
                Ok(Some(v)) => {
                    for (c, x) in v.into_iter().enumerate() {
                        gs.slots[offsets[i] + c] = Some(x);
                    }
                }
                Ok(None) => gs.problem(format!(
                    "表二“{official}”一行应有 {n} 个数值，读到 {} 个",
                    cells.iter().filter(|c| is_number_cell(c)).count()
                )),
                Err(k) => gs.problem(format!(
                    "表二“{official}”一行有 {k} 个数值，模板只有 {n} 列"
                )),
            }
            if g.source != Source::Spaces && !wrapped(g, r, &label) {
                let own = row_label(cells).last().cloned().unwrap_or_default();
                let fits = own_labels(g, cells)
                    .iter()
                    .any(|o| norm(o) == norm(official));
                if !own.is_empty() && !fits {
                    gs.variants.push((own, official.to_string(), "表二"));
                }
            }
        }
        if gs.any {
            merge(&mut s, gs);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::T3Row;

    #[test]
    fn norm_leaves_out_exactly_its_punctuation() {
        for c in (0..=0x10ffff_u32).filter_map(char::from_u32) {
            assert_eq!(norm_punct(c), NORM_PUNCT.contains(c), "{c:?}");
        }
        assert_eq!(norm("（一）　１．規 章"), "一1規章");
    }

    #[test]
    fn labels_name_their_rows() {
        for row in T3Row::all() {
            let full = row.full_label();
            assert_eq!(t3_row_of(&full), Some(row), "{full}");
            assert_eq!(
                t3_row_of(&format!("三、本年度办理结果 {full}")),
                Some(row),
                "{full}"
            );
        }
        assert_eq!(
            t3_row_of("一、本年接收政府信息公开数量"),
            Some(T3Row::NewReceived)
        );
        assert_eq!(
            t3_row_of("（六）其他处理"),
            Some(T3Row::Outcome(Outcome::OtherOther))
        );
        assert_eq!(
            t3_row_of("3、其他"),
            Some(T3Row::Outcome(Outcome::OtherOther))
        );
        assert_eq!(t3_row_of("计其他情形）"), None);
        assert_eq!(t3_row_of("（四）无法提供"), None);
        assert_eq!(
            t3_row_of("三 2.其他法律行政止公开"),
            Some(T3Row::Outcome(Outcome::DenyLawForbidden))
        );
        for (c, h) in [
            "自然人",
            "商业 企业",
            "科研机构",
            "社会公益组织",
            "法律服务机构",
            "法人或其他组织其他",
            "总计",
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(t3_col_of(h), Some(c), "{h}");
        }
        assert_eq!(t3_col_of("法人或其他组织"), None);
        assert_eq!(t3_col_of("数据1"), None);
        assert_eq!(t4_col_of("行政诉讼 复议后起诉 尚未审结"), Some(13));
        assert_eq!(t4_col_of("行政复议结 果 维 持"), Some(0));
        assert_eq!(t4_col_of("行政诉讼未经复议直接起诉总 计"), Some(9));
    }
}

#[cfg(test)]
mod grid_tests {
    use super::*;
    use crate::audit::grid::{Cell, Grid, Source};

    fn row(cells: &[&str]) -> Vec<Cell> {
        cells.iter().map(|c| Cell::new(*c)).collect()
    }

    /// Table 三 as a markup grid: a header row, then each row's label and seven values from `v`.
    fn t3_grid(header: &[&str], v: &dyn Fn(usize, usize) -> String) -> Grid {
        let mut rows = vec![row(header)];
        for (k, r) in t3_order(false).iter().enumerate() {
            let mut cells = vec![Cell::new(r.full_label())];
            cells.extend((0..T3_COLS).map(|c| Cell::new(v(k, c))));
            rows.push(cells);
        }
        Grid {
            rows,
            line: 0,
            source: Source::Markup,
        }
    }

    #[test]
    fn unnamed_headers_read_in_order_and_separators_are_dropped() {
        let g = t3_grid(
            &[
                "项目", "数据1", "数据2", "数据3", "数据4", "数据5", "数据6", "数据7",
            ],
            &|k, c| {
                if c == 6 {
                    format!("1,{:03}", k)
                } else {
                    "—".into()
                }
            },
        );
        let s = read_t3(&[g], false);
        // Dashes are not numbers: in order, a row of one number does not fill seven columns.
        assert!(s.problem.is_some());
        let g = t3_grid(
            &[
                "项目", "数据1", "数据2", "数据3", "数据4", "数据5", "数据6", "数据7",
            ],
            &|k, c| (k + c).to_string(),
        );
        let v = read_t3(&[g], false).complete().unwrap_or_default();
        assert_eq!((v.len(), v[8].as_str()), (175, "2"));
        let g = t3_grid(
            &[
                "",
                "自然人",
                "商业企业",
                "科研机构",
                "社会公益组织",
                "法律服务机构",
                "其他",
                "总计",
            ],
            &|k, c| {
                if c == 6 {
                    format!("1,{:03}", k)
                } else {
                    "—".into()
                }
            },
        );
        let s = read_t3(&[g], false);
        let v = s.complete().unwrap_or_default();
        assert_eq!(v.len(), 175, "{:?}", s.problem);
        assert_eq!(
            (v[0].as_str(), v[6].as_str(), v[13].as_str()),
            ("0", "1000", "1001")
        );
    }

    #[test]
    fn columns_follow_their_headers_not_their_order() {
        // 总计 first: the headers place every value.
        let g = t3_grid(
            &[
                "",
                "总计",
                "自然人",
                "商业企业",
                "科研机构",
                "社会公益组织",
                "法律服务机构",
                "其他",
            ],
            &|k, c| ((k * 10 + c) % 97).to_string(),
        );
        let s = read_t3(&[g], false);
        let v = s.complete().unwrap_or_default();
        assert_eq!(v.len(), 175);
        // Row 0: cells 0..6 are 0,1,…,6 under 总计, 自然人, …: 总计 is 0, 自然人 1.
        assert_eq!((v[6].as_str(), v[0].as_str()), ("0", "1"));
        // A row with an eighth number is a shape problem, not a silent choice.
        let mut g = t3_grid(
            &[
                "",
                "自然人",
                "商业企业",
                "科研机构",
                "社会公益组织",
                "法律服务机构",
                "其他",
                "总计",
            ],
            &|_, _| "1".into(),
        );
        g.rows[3].push(Cell::new("9"));
        assert!(read_t3(&[g], false).problem.is_some());
    }
}
