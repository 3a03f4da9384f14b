//! Tables 二, 三 and 四 read by structure: each row identified by its label (tolerant of the
//! wording of the 2019 and 2021 templates and of common variants), each value column by its
//! header, so that an extra cell, a missing blank, a merged group label or unnamed headers
//! (「数据1…数据6」) do not move a value. Rows that cannot be told apart or that hold more
//! values than the template has columns are reported, never guessed.
//!
//! What is read is a list of value tokens in the template's order (the order the positional
//! reading of `tables` produces), so that the two readings can be compared slot by slot; the
//! tokens are borrowed from the grids' cells where they need no rewriting.
//!
//! Each grid's cells are tested for a number once ([`Flagged`]), and table 三's data rows are
//! named by their labels once ([`T3Grids`]) for every use.

use std::borrow::Cow;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use super::grid::{Cell, Grid, Source};
use super::tables::{is_number, plain_digits};
use crate::codes::Outcome;
use crate::report::{T3_COLS, T3Row};

/// What the structured reading of one table found.
#[derive(Debug, Clone, Default)]
pub(super) struct Structured<'a> {
    /// The value of each slot of the template (in its order), when its row was found.
    pub slots: Vec<Option<Cow<'a, str>>>,
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

impl<'a> Structured<'a> {
    fn new(slots: usize) -> Structured<'a> {
        Structured {
            slots: vec![None; slots],
            ..Structured::default()
        }
    }

    /// Every slot, when every row was found and nothing else was in the way.
    pub fn complete(&self) -> Option<Vec<Cow<'a, str>>> {
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

/// The characters of [`norm`] of a text, without building it.
fn norm_chars(s: &str) -> impl Iterator<Item = char> + Clone + '_ {
    s.chars().filter_map(|c| {
        // (Most characters of a label are CJK ideographs, which are kept as they are.)
        if ('\u{4e00}'..='\u{9fff}').contains(&c) {
            return Some(c);
        }
        let c = super::grid::halfwidth_char(c);
        (!c.is_whitespace() && !norm_punct(c)).then_some(c)
    })
}

/// A label without spaces, punctuation, quotes and brackets, digits half width.
pub(super) fn norm(s: &str) -> String {
    norm_chars(s).collect()
}

/// The leading numbering [`core`] leaves out.
fn numbering(c: char) -> bool {
    c.is_ascii_digit() || "一二三四五六七八九十".contains(c)
}

/// The characters of a normalised label without its leading numbering (一 / 1 / 七 …).
fn core(s: &str) -> impl Iterator<Item = char> + '_ {
    norm_chars(s).skip_while(|c| numbering(*c))
}

/// Whether a row label is the official one, punctuation, numbering and the group labels
/// flattened in front of it (「三、本年度办理结果 （三）不予公开 1.属于国家秘密」) aside.
fn same_label(own: &str, official: &str) -> bool {
    if own == official || core(own).eq(core(official)) {
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

/// A grid with each cell tested for a number once: whether its text, trimmed, is a number
/// token ([`is_number`]). A cell is a value when it is a number and not a merged cell's copy.
pub(super) struct Flagged<'a> {
    g: &'a Grid,
    /// Where each row's flags start in `num`, and (last) the end of `num`.
    at: Vec<usize>,
    num: Vec<bool>,
}

impl<'a> Flagged<'a> {
    pub(super) fn new(g: &'a Grid) -> Flagged<'a> {
        let mut at = Vec::with_capacity(g.rows.len() + 1);
        let mut num = Vec::with_capacity(g.rows.iter().map(Vec::len).sum());
        for row in &g.rows {
            at.push(num.len());
            num.extend(row.iter().map(|c| is_number(c.text.trim())));
        }
        at.push(num.len());
        Flagged { g, at, num }
    }

    /// Row `r` with its flags (empty past the last row).
    fn row(&self, r: usize) -> Row<'a, '_> {
        let g: &'a Grid = self.g;
        let cells = g.rows.get(r).map_or(&[][..], Vec::as_slice);
        let num = match (self.at.get(r), self.at.get(r + 1)) {
            (Some(from), Some(to)) => self.num.get(*from..*to).unwrap_or(&[]),
            _ => &[],
        };
        Row { cells, num }
    }

    /// The rows with their flags.
    fn rows(&self) -> impl Iterator<Item = Row<'a, '_>> {
        (0..self.g.rows.len()).map(|r| self.row(r))
    }

    /// The first column holding a value in any row (a layout's label columns are left of it).
    /// A layout whose values are all left blank holds none: its header line is its first row,
    /// a label column's header and then the value columns' (`bbox`), so its value columns
    /// start at the first row's second text.
    fn first_value(&self) -> usize {
        let first = self.rows().filter_map(|r| r.first_number()).min();
        match first {
            Some(c) => c,
            None if self.g.source == Source::Layout => self
                .g
                .rows
                .first()
                .and_then(|r| {
                    r.iter()
                        .enumerate()
                        .filter(|(_, c)| !c.text.trim().is_empty())
                        .nth(1)
                })
                .map_or(0, |(c, _)| c),
            None => 0,
        }
    }

    /// The header rows: those before the first row holding numbers.
    fn header_rows(&self) -> usize {
        self.rows()
            .position(|r| r.has_numbers())
            .unwrap_or(self.g.rows.len())
    }
}

/// A row of a [`Flagged`] grid: its cells and their number flags.
#[derive(Clone, Copy)]
struct Row<'a, 'f> {
    cells: &'a [Cell],
    num: &'f [bool],
}

impl<'a, 'f> Row<'a, 'f> {
    /// Each cell with whether it is a value (a number, not a merged cell's copy).
    fn values(self) -> impl Iterator<Item = (&'a Cell, bool)> + use<'a, 'f> {
        self.cells
            .iter()
            .zip(self.num)
            .map(|(c, n)| (c, *n && !c.spanned))
    }

    fn has_numbers(self) -> bool {
        self.values().any(|(_, v)| v)
    }

    fn count_numbers(self) -> usize {
        self.values().filter(|(_, v)| *v).count()
    }

    /// The position of the first value.
    fn first_number(self) -> Option<usize> {
        self.values().position(|(_, v)| v)
    }

    /// The values' texts, trimmed.
    fn number_texts(self) -> impl Iterator<Item = &'a str> + use<'a, 'f> {
        self.values()
            .filter(|(_, v)| *v)
            .map(|(c, _)| c.text.trim())
    }

    /// The label of the row: its non-empty text cells left of its first value (merged copies
    /// included, repeated texts once).
    fn label_parts(self) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = Vec::new();
        self.each_label_part(|t| out.push(t));
        out
    }

    /// Calls `f` with each part of [`Self::label_parts`].
    fn each_label_part(self, mut f: impl FnMut(&'a str)) {
        let mut last: Option<&str> = None;
        for (c, n) in self.cells.iter().zip(self.num) {
            if *n && !c.spanned {
                break;
            }
            let t = c.text.trim();
            if t.is_empty() || *n {
                continue;
            }
            if last != Some(t) {
                f(t);
                last = Some(t);
            }
        }
    }

    /// [`norm`] of the row's label (its parts joined), appended to `out`.
    fn push_norm_label(self, out: &mut String) {
        self.each_label_part(|t| out.extend(norm_chars(t)));
    }

    /// Whether the row holds text and no numbers (a label wrapped onto its own line).
    fn is_label_only(self) -> bool {
        !self.has_numbers() && self.cells.iter().any(|c| !c.text.trim().is_empty())
    }

    /// The text of a text-only row (no numbers), its non-empty cells joined.
    fn label_only(self) -> Option<String> {
        if self.has_numbers() {
            return None;
        }
        let t: Vec<&str> = self
            .cells
            .iter()
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
            .collect();
        (!t.is_empty()).then(|| t.join(""))
    }
}

/// A data row of a grid as [`identify`] names it: its index, the template row its label names,
/// and the label that named it when that is not the row's own (a label wrapped onto the lines
/// around its numbers).
type Identified<R> = (usize, Option<R>, Option<String>);

/// Identifies the data rows of a grid: for each row holding numbers, the template row its label
/// names (`matcher`, given the label normalised by [`norm`]). In grids cut from text, a label
/// wrapped onto the lines before or after its numbers is joined to them (each such line used
/// once).
fn identify<R: Copy + PartialEq>(
    f: &Flagged<'_>,
    matcher: &dyn Fn(&str) -> Option<R>,
) -> Vec<Identified<R>> {
    let g = f.g;
    let mut used = vec![false; g.rows.len()];
    let mut out = Vec::new();
    let mut own_norm = String::new();
    for (r, row) in f.rows().enumerate() {
        if !row.has_numbers() {
            continue;
        }
        own_norm.clear();
        row.push_norm_label(&mut own_norm);
        // The row's own label first: when it names a row, the other candidates are not needed
        // (the first that names a row wins, and none of them is built from a used line).
        if let Some(m) = matcher(&own_norm) {
            out.push((r, Some(m), None));
            continue;
        }
        let mut found = (None, None);
        if g.source != Source::Markup {
            let own = row.label_parts().concat();
            let mut candidates: Vec<(String, Vec<usize>)> = Vec::new();
            // Up to three unused text-only lines right before the numbers (nearest first).
            let mut before: Vec<(usize, String)> = Vec::new();
            let mut p = r;
            while before.len() < 3 && p > 0 {
                p -= 1;
                match f.row(p).label_only().filter(|_| !used[p]) {
                    Some(t) => before.push((p, t)),
                    None => break,
                }
            }
            let next = (r + 1 < g.rows.len() && !used[r + 1])
                .then(|| f.row(r + 1).label_only().map(|t| (r + 1, t)))
                .flatten();
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
            // In a layout, the lines of a label wrapped in its cell interleave with those of
            // the merged group label beside it (the group's text may even sit on the line of
            // the numbers): the label is also read column by column, each column's lines in
            // order, from up to three lines before the numbers to up to two after.
            // A line that starts a numbered label ("2.", "（四）") begins another row's label:
            // it is the first line of this one at most (above), never its continuation (below).
            if g.source == Source::Layout {
                let numbered = |i: usize| f.row(i).cells.iter().any(|c| starts_numbered(&c.text));
                let mut after: Vec<usize> = Vec::new();
                let mut n = r + 1;
                while after.len() < 2
                    && n < g.rows.len()
                    && !used[n]
                    && f.row(n).is_label_only()
                    && !numbered(n)
                {
                    after.push(n);
                    n += 1;
                }
                let above = before
                    .iter()
                    .position(|(i, _)| numbered(*i))
                    .map_or(before.len(), |p| p + 1);
                for total in 1..=above + after.len() {
                    for k in 0..=above.min(total) {
                        let Some(j) = total.checked_sub(k).filter(|j| *j <= after.len()) else {
                            continue;
                        };
                        let mut lines: Vec<usize> = before[..k].iter().map(|(i, _)| *i).collect();
                        lines.extend_from_slice(&after[..j]);
                        lines.sort_unstable();
                        candidates.push((columnwise(f, r, &lines), lines));
                    }
                }
            }
            for (text, lines) in candidates {
                if let Some(m) = matcher(&norm(&text)) {
                    for i in lines {
                        used[i] = true;
                    }
                    found = (Some(m), Some(text));
                    break;
                }
            }
        }
        out.push((r, found.0, found.1));
    }
    // Rows of zeros left blank: in grids whose cells are explicit (markup, tabs, pipes, a
    // layout's columns), a row that holds its label and then only empty cells is a data row of
    // zeros, when its label names a row not found yet (a label line used for a wrapped label is
    // not one).
    if g.source != Source::Spaces {
        let mut named: Vec<R> = out.iter().filter_map(|(_, m, _)| *m).collect();
        let before = out.len();
        let first_value = f.first_value();
        let blank = |r: usize, used: &[bool]| {
            let row = f.row(r);
            if used.get(r).is_none_or(|u| *u) || row.has_numbers() {
                return None;
            }
            if g.source == Source::Layout {
                blank_layout_label(row, first_value)
            } else {
                blank_row_label(row)
            }
        };
        let mut r = 0;
        while r < g.rows.len() {
            let Some(label) = blank(r, &used) else {
                r += 1;
                continue;
            };
            // In a layout, a label wrapped onto the next line of the label columns is joined
            // to it when it names no row alone.
            let mut found = matcher(&label).map(|m| (m, 1));
            if found.is_none() && g.source == Source::Layout {
                found = blank(r + 1, &used)
                    .and_then(|next| matcher(&format!("{label}{next}")))
                    .map(|m| (m, 2));
            }
            match found {
                Some((m, lines)) if !named.contains(&m) => {
                    named.push(m);
                    // (A layout's label may be wrapped anywhere: its wording is not compared.)
                    let wording = (g.source == Source::Layout).then(String::new);
                    out.push((r, Some(m), wording));
                    for u in used.iter_mut().skip(r).take(lines) {
                        *u = true;
                    }
                    r += lines;
                }
                _ => r += 1,
            }
        }
        if out.len() > before {
            out.sort_by_key(|(r, _, _)| *r);
        }
    }
    out
}

/// Whether a cell's text starts a numbered label: "2." "２．" "3、" or "（四）".
fn starts_numbered(t: &str) -> bool {
    let mut cs = t.trim().chars();
    match cs.next() {
        Some(c) if c.is_ascii_digit() || ('０'..='９').contains(&c) => {
            matches!(cs.next(), Some('.' | '．' | '、'))
        }
        Some('（' | '(') => cs
            .next()
            .is_some_and(|c| "一二三四五六七八九十".contains(c)),
        _ => false,
    }
}

/// The label text of data row `r` with the text-only `lines` around it (ascending), read column
/// by column (each column's texts top to bottom, the columns left to right), the data row's
/// cells only left of its first value.
fn columnwise<'a>(f: &Flagged<'a>, r: usize, lines: &[usize]) -> String {
    let row = f.row(r);
    let first_value = row.first_number().unwrap_or(row.cells.len());
    let width = lines
        .iter()
        .map(|i| f.row(*i).cells.len())
        .chain([first_value])
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for c in 0..width {
        let mut last: Option<&'a str> = None;
        let mut push = |t: &'a str| {
            let t = t.trim();
            if !t.is_empty() && last != Some(t) {
                out.push_str(t);
                last = Some(t);
            }
        };
        for i in lines.iter().copied().filter(|i| *i < r) {
            push(f.row(i).cells.get(c).map_or("", |x| x.text.as_str()));
        }
        if c < first_value {
            push(row.cells.get(c).map_or("", |x| x.text.as_str()));
        }
        for i in lines.iter().copied().filter(|i| *i > r) {
            push(f.row(i).cells.get(c).map_or("", |x| x.text.as_str()));
        }
    }
    out
}

/// The label of a layout's row of zeros left blank, normalised by [`norm`]: the text of its
/// label columns (left of `first_value`, where the lines of labels of neighbouring columns
/// interleave), when every cell from `first_value` on is empty.
fn blank_layout_label(row: Row<'_, '_>, first_value: usize) -> Option<String> {
    let (labels, values) = row.cells.split_at(first_value.min(row.cells.len()));
    if values.is_empty()
        || values
            .iter()
            .any(|c| !(c.text.trim().is_empty() || nil(c.text.trim())))
    {
        return None;
    }
    let mut label = String::new();
    for c in labels {
        label.extend(norm_chars(c.text.trim()));
    }
    (!label.is_empty()).then_some(label)
}

/// The label of a row of zeros left blank, normalised by [`norm`]: its text cells, then at
/// least one cell and nothing but empty cells (or cells that say "nothing", [`nil`]).
fn blank_row_label(row: Row<'_, '_>) -> Option<String> {
    let mut label = String::new();
    let mut blanks = 0;
    let mut last: Option<&str> = None;
    for c in row.cells {
        let t = c.text.trim();
        if t.is_empty() || nil(t) {
            // (Empty cells before the label are label columns the row does not use.)
            if !label.is_empty() {
                blanks += 1;
            }
        } else if blanks > 0 {
            return None;
        } else if last != Some(t) {
            label.extend(norm_chars(t));
            last = Some(t);
        }
    }
    (blanks > 0 && !label.is_empty()).then_some(label)
}

/// Whether the wording of a layout row's label cannot be told whole: it was put together from
/// the lines around its numbers (`label`, when not the row's own), or a line next to it holds
/// only text in the column of its label (a label wrapped in its cell, whose lines interleave on
/// the page with those of the merged group label beside it).
fn wrapped(f: &Flagged<'_>, r: usize, label: Option<&str>) -> bool {
    let g = f.g;
    if g.source != Source::Layout {
        return false;
    }
    let row = f.row(r);
    if let Some(label) = label
        && norm(&row.label_parts().concat()) != norm(label)
    {
        return true;
    }
    let first_value = row.first_number().unwrap_or(row.cells.len());
    let Some(col) = row
        .cells
        .get(..first_value)
        .unwrap_or(&[])
        .iter()
        .rposition(|c| !c.text.trim().is_empty())
    else {
        return false;
    };
    // (Header lines above the first data line are not a label's lines.)
    let header = f.header_rows();
    let continues = |i: usize| {
        i >= header && i < g.rows.len() && {
            let row = f.row(i);
            row.is_label_only()
                && row
                    .cells
                    .get(col)
                    .is_some_and(|c| !c.text.trim().is_empty())
        }
    };
    // (Up to two lines away: a line of the group label beside it may come between.)
    let text_only = |i: usize| i < g.rows.len() && f.row(i).is_label_only();
    (r + 1..(r + 3).min(g.rows.len()))
        .take_while(|i| text_only(*i))
        .any(continues)
        || (r.saturating_sub(2)..r)
            .rev()
            .take_while(|i| text_only(*i))
            .any(continues)
}

/// Whether any text a row's own label may be satisfies `pred`: its last label part, and in a
/// layout (where a label broken at a space lands in two cells) the last two or three joined.
fn any_own_label(source: Source, parts: &[&str], pred: impl Fn(&str) -> bool) -> bool {
    let n = if source == Source::Layout { 3 } else { 1 };
    (1..=n.min(parts.len())).any(|k| match &parts[parts.len() - k..] {
        [one] => pred(one),
        tail => pred(&tail.concat()),
    })
}

// ---------------------------------------------------------------------------------------------
// Table 三

/// The key words of each row of table 三: a label names the row whose key words it holds, if
/// exactly one.
const T3_KEYS: [(T3Row, &[&str]); 24] = [
    (
        T3Row::NewReceived,
        &["新收", "本年接收", "本年收到", "本年受理"],
    ),
    (T3Row::CarriedOver, &["上年结转"]),
    (T3Row::Outcome(Outcome::Granted), &["予以公开"]),
    (T3Row::Outcome(Outcome::Partial), &["部分公开"]),
    (T3Row::Outcome(Outcome::DenyStateSecret), &["国家秘密"]),
    (
        T3Row::Outcome(Outcome::DenyLawForbidden),
        &["法规禁止", "其他法律"],
    ),
    (
        T3Row::Outcome(Outcome::DenyThreeSecurityOneStability),
        &["三安全", "一稳定"],
    ),
    (T3Row::Outcome(Outcome::DenyThirdParty), &["第三方"]),
    (T3Row::Outcome(Outcome::DenyInternalAffairs), &["内部事务"]),
    (T3Row::Outcome(Outcome::DenyProcessInfo), &["过程性"]),
    (T3Row::Outcome(Outcome::DenyEnforcementFile), &["执法案卷"]),
    (
        T3Row::Outcome(Outcome::DenyAdminQuery),
        &["行政查询", "查询事项"],
    ),
    (T3Row::Outcome(Outcome::UnableNotHeld), &["不掌握"]),
    (
        T3Row::Outcome(Outcome::UnableNeedsCreation),
        &["另行制作", "现成信息"],
    ),
    (
        T3Row::Outcome(Outcome::UnableUnclearAfterCorrection),
        &["仍不明确", "补正后"],
    ),
    (
        T3Row::Outcome(Outcome::NoprocPetition),
        &["信访", "举报投诉"],
    ),
    (T3Row::Outcome(Outcome::NoprocRepeat), &["重复申请"]),
    (T3Row::Outcome(Outcome::NoprocPublication), &["出版物"]),
    (T3Row::Outcome(Outcome::NoprocMassRepeat), &["大量反复"]),
    (
        T3Row::Outcome(Outcome::NoprocConfirmReissue),
        &["重新出具", "确认或重新"],
    ),
    (T3Row::Outcome(Outcome::OtherNoCorrection), &["不补正"]),
    (
        T3Row::Outcome(Outcome::OtherFeeUnpaid),
        &["收费通知", "缴纳费用"],
    ),
    (T3Row::TotalProcessed, &["总计", "合计"]),
    (T3Row::CarriedForward, &["结转下年", "下年度继续"]),
];

/// Every key word of [`T3_KEYS`] in one automaton, with the index of its row.
static T3_MATCHER: LazyLock<Option<(AhoCorasick, Vec<usize>)>> = LazyLock::new(|| {
    let (keys, rows): (Vec<&str>, Vec<usize>) = T3_KEYS
        .iter()
        .enumerate()
        .flat_map(|(i, (_, ks))| ks.iter().map(move |k| (*k, i)))
        .unzip();
    AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::DFA))
        .build(keys)
        .ok()
        .map(|ac| (ac, rows))
});

/// The rows of [`T3_KEYS`] whose key words a normalised label holds, one bit each (once two
/// are found, no more are looked for).
fn t3_hits(n: &str) -> u32 {
    let mut hits = 0u32;
    if let Some((ac, rows)) = T3_MATCHER.as_ref()
        && let Ok(found) = ac.try_find_overlapping_iter(n)
    {
        for m in found {
            if let Some(row) = rows.get(m.pattern().as_usize()) {
                hits |= 1 << row;
            }
            if hits.count_ones() > 1 {
                break;
            }
        }
        return hits;
    }
    for (i, (_, ks)) in T3_KEYS.iter().enumerate() {
        if ks.iter().any(|k| n.contains(k)) {
            hits |= 1 << i;
        }
    }
    hits
}

/// The template row a table 三 label names, if exactly one.
#[cfg(test)]
fn t3_row_of(label: &str) -> Option<T3Row> {
    t3_row_of_norm(&norm(label))
}

/// [`t3_row_of`] of a label normalised by [`norm`].
fn t3_row_of_norm(n: &str) -> Option<T3Row> {
    let hits = t3_hits(n);
    match hits.count_ones() {
        1 => T3_KEYS
            .get(hits.trailing_zeros() as usize)
            .map(|(row, _)| *row),
        0 => {
            // （六）3.其他, or the single （六）其他处理 row of the 2019 template.
            let rest = n
                .replace("本年度办理结果", "")
                .replace("其他处理", "")
                .trim_start_matches(numbering)
                .to_string();
            let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
            (rest.is_empty() && n.contains("其他处理") || rest == "其他")
                .then_some(T3Row::Outcome(Outcome::OtherOther))
        }
        _ => None,
    }
}

/// An automaton finding every occurrence of each of `keys` (none if it cannot be built).
fn key_automaton(keys: &[&str]) -> Option<AhoCorasick> {
    AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::DFA))
        .build(keys)
        .ok()
}

/// Which of `keys` (at most 32; bit `i` for `keys[i]`) a text holds, found by `ac` (the
/// automaton of `keys`) or else one key at a time.
fn key_bits(ac: Option<&AhoCorasick>, keys: &[&str], n: &str) -> u32 {
    if let Some(ac) = ac
        && let Ok(found) = ac.try_find_overlapping_iter(n)
    {
        return found.fold(0, |bits, m| bits | 1 << m.pattern().as_usize());
    }
    keys.iter()
        .enumerate()
        .filter(|(_, k)| n.contains(**k))
        .fold(0, |bits, (i, _)| bits | 1 << i)
}

/// The key words of table 三's value columns, and the column each names.
const T3_COL_KEYS: [(&str, usize); 8] = [
    ("自然人", 0),
    ("商业", 1),
    ("科研", 2),
    ("公益", 3),
    ("法律服务", 4),
    ("其他", 5),
    ("总计", 6),
    ("合计", 6),
];

static T3_COL_MATCHER: LazyLock<Option<AhoCorasick>> =
    LazyLock::new(|| key_automaton(&T3_COL_KEYS.map(|(k, _)| k)));

/// The column of table 三 a header names (0–6).
fn t3_col_of(header: &str) -> Option<usize> {
    let mut n = norm(header);
    if n.contains("其他组织") {
        n = n.replace("其他组织", "");
    }
    let keys = T3_COL_KEYS.map(|(k, _)| k);
    let bits = key_bits(T3_COL_MATCHER.as_ref(), &keys, &n);
    let mut found = None;
    for (i, (_, c)) in T3_COL_KEYS.iter().enumerate() {
        if bits & (1 << i) != 0 {
            if found.is_some_and(|f| f != *c) {
                return None;
            }
            found = Some(*c);
        }
    }
    found
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

/// The text above each column in the header rows: as written, and with merged group labels
/// filled in. In grids cut from text (no merges), an empty header cell of any but the last
/// header row takes the text to its left (a group label over several columns).
fn column_headers(f: &Flagged<'_>) -> (Vec<String>, Vec<String>) {
    let g = f.g;
    let h = f.header_rows();
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
        let mut left = "";
        for (c, (filled, written)) in filled.iter_mut().zip(written.iter_mut()).enumerate() {
            let t = row.get(c).map_or("", |x| x.text.trim());
            written.push_str(t);
            // (A layout carries merged headers as copies, as markup does.)
            if t.is_empty() && !matches!(g.source, Source::Markup | Source::Layout) && i + 1 < h {
                filled.push_str(left);
            } else {
                if !t.is_empty() {
                    left = t;
                }
                filled.push_str(t);
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

/// The values of one data row (of a grid from `source`): by header when every number sits
/// under a value header, else in order when the row holds exactly `n` numbers (or, where the
/// cells are explicit — markup, a layout, tabs or pipes — exactly `n` cells after its label;
/// in a layout, from `first_value` on, the grid's first value column). `Err` with the count
/// when it holds more than `n`.
fn row_values<'a>(
    source: Source,
    row: Row<'a, '_>,
    map: Option<&[Option<usize>]>,
    n: usize,
    first_value: usize,
) -> Result<Option<Vec<Cow<'a, str>>>, usize> {
    let count = row.count_numbers();
    if count > n {
        return Err(count);
    }
    if let Some(map) = map.filter(|_| source != Source::Spaces) {
        let mut vals: Vec<Option<Cow<'a, str>>> = vec![None; n];
        let mut ok = true;
        for (i, (c, value)) in row.values().enumerate() {
            let t = c.text.trim();
            match map.get(i).copied().flatten() {
                Some(k) => {
                    if c.spanned && !t.is_empty() {
                        ok = false; // a merged cell across value columns, or a label run over
                    } else if t.is_empty() || nil(t) {
                        vals[k].get_or_insert(Cow::Borrowed("0"));
                    } else if let Some(v) = plain_digits(t) {
                        vals[k] = Some(v);
                    } else {
                        ok = false;
                    }
                }
                None => {
                    if value {
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
    if count == n {
        return Ok(Some(row.number_texts().filter_map(plain_digits).collect()));
    }
    if matches!(source, Source::Markup | Source::Layout | Source::Separated) {
        // Blank cells after the label (zeros left blank), when the row has exactly n of them.
        let start = row
            .cells
            .iter()
            .zip(row.num)
            .rposition(|(c, num)| !*num && !c.text.trim().is_empty())
            .map(|i| i + 1)
            .unwrap_or(0);
        // (A layout's label columns, left of its first value column, are never values.)
        let start = if source == Source::Layout {
            start.max(first_value)
        } else {
            start
        };
        let after = row.cells.get(start..).unwrap_or(&[]);
        if after.iter().filter(|c| !c.spanned).count() == n {
            let vals: Option<Vec<Cow<'a, str>>> = after
                .iter()
                .filter(|c| !c.spanned)
                .map(|c| {
                    let t = c.text.trim();
                    if t.is_empty() || nil(t) {
                        Some(Cow::Borrowed("0"))
                    } else {
                        plain_digits(t)
                    }
                })
                .collect();
            if let Some(v) = vals {
                return Ok(Some(v));
            }
        }
    }
    Ok(None)
}

/// Table 三's grids, each with its number flags and its data rows named by their labels (made
/// once for [`Self::has_split_other`] and [`Self::read`]).
pub(super) struct T3Grids<'a> {
    grids: Vec<(Flagged<'a>, Vec<Identified<T3Row>>)>,
}

impl<'a> T3Grids<'a> {
    pub(super) fn new(grids: &'a [Grid]) -> T3Grids<'a> {
        T3Grids {
            grids: grids
                .iter()
                .map(|g| {
                    let f = Flagged::new(g);
                    let rows = identify(&f, &t3_row_of_norm);
                    (f, rows)
                })
                .collect(),
        }
    }

    /// Whether any grid has a row labelled as one of the two sub-rows of （六） that the 2019
    /// template lacks (逾期不补正, 收费通知), found by label as the rows are (so also where the
    /// label is wrapped around its numbers and the text of the region does not hold it in one
    /// piece).
    pub(super) fn has_split_other(&self) -> bool {
        self.grids.iter().any(|(_, rows)| {
            rows.iter().any(|(_, r, _)| {
                matches!(
                    r,
                    Some(T3Row::Outcome(
                        Outcome::OtherNoCorrection | Outcome::OtherFeeUnpaid
                    ))
                )
            })
        })
    }

    /// Table 三 read by labels and headers from the grids of its region.
    pub(super) fn read(&self, single_other: bool) -> Structured<'a> {
        let order = t3_order(single_other);
        let mut s = Structured::new(order.len() * T3_COLS);
        let mut inherited: Option<(usize, Vec<Option<usize>>)> = None;
        let mut best: Option<Structured<'a>> = None;
        for (f, rows) in &self.grids {
            let g: &'a Grid = f.g;
            let mut gs = Structured::new(order.len() * T3_COLS);
            gs.note_source(g.source);
            let headers = column_headers(f);
            let first_value = f.first_value();
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
                        // (A map taken over from the grid before has columns this grid's
                        // headers may not have.)
                        let Some(col) = headers.0.get(c) else {
                            continue;
                        };
                        let col = norm(col);
                        if !col.contains(&norm(official)) {
                            let last = g
                                .rows
                                .iter()
                                .take(f.header_rows())
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
            for (r, row, label) in rows {
                let (r, row) = (*r, *row);
                let cells = f.row(r);
                match row {
                    Some(row) if order.contains(&row) => {
                        gs.any = true;
                        let k = order.iter().position(|x| *x == row).unwrap_or(0);
                        if gs.slots[k * T3_COLS].is_some() || s.slots[k * T3_COLS].is_some() {
                            gs.problem(format!("表三“{}”一行出现了两次", row.label()));
                            continue;
                        }
                        match row_values(g.source, cells, map.as_deref(), T3_COLS, first_value) {
                            Ok(Some(v)) => {
                                for (c, x) in v.into_iter().enumerate() {
                                    gs.slots[k * T3_COLS + c] = Some(x);
                                }
                            }
                            Ok(None) => gs.problem(format!(
                                "表三“{}”一行的数值无法对应到 7 列（读到 {} 个数值）",
                                row.label(),
                                cells.count_numbers()
                            )),
                            Err(n) => gs.problem(format!(
                                "表三“{}”一行有 {n} 个数值，模板只有 7 列",
                                row.label()
                            )),
                        }
                        if g.source != Source::Spaces && !wrapped(f, r, label.as_deref()) {
                            let parts = cells.label_parts();
                            let own = parts.last().copied().unwrap_or("");
                            let official =
                                if single_other && row == T3Row::Outcome(Outcome::OtherOther) {
                                    "（六）其他处理"
                                } else {
                                    row.label()
                                };
                            let acceptable = own.is_empty()
                                || any_own_label(g.source, &parts, |own| {
                                    same_label(own, official)
                                        || (single_other && core(own).eq("其他".chars()))
                                });
                            if !acceptable {
                                gs.variants
                                    .push((own.to_string(), official.to_string(), "表三"));
                            }
                        }
                    }
                    _ => {
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
}

/// Table 三 read by labels and headers from the grids of its region.
#[cfg(test)]
pub(super) fn read_t3(grids: &[Grid], single_other: bool) -> Structured<'_> {
    T3Grids::new(grids).read(single_other)
}

fn merge<'a>(s: &mut Structured<'a>, gs: Structured<'a>) {
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

/// The key words of table 四's headers ([`t4_col_of`]).
const T4_KEYS: [&str; 11] = [
    "复议后",
    "直接起诉",
    "未经复议",
    "行政复议",
    "维持",
    "纠正",
    "其他",
    "尚未",
    "审结",
    "总计",
    "合计",
];

static T4_MATCHER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| key_automaton(&T4_KEYS));

/// The value column (group × result, 0–14) a table 四 header names.
fn t4_col_of(header: &str) -> Option<usize> {
    let bits = key_bits(T4_MATCHER.as_ref(), &T4_KEYS, &norm(header));
    let has = |k: usize| bits & (1 << k) != 0;
    let group = if has(0) {
        2
    } else if has(1) || has(2) {
        1
    } else if has(3) {
        0
    } else {
        return None;
    };
    let result = if has(4) {
        0
    } else if has(5) {
        1
    } else if has(6) {
        2
    } else if has(7) || has(8) {
        3
    } else if has(9) || has(10) {
        4
    } else {
        return None;
    };
    Some(group * 5 + result)
}

/// Table 四 read by its headers (or in order) from the grids of its region. When its values
/// are spread over several grids (a table per cell), they are taken in reading order.
pub(super) fn read_t4(grids: &[Grid]) -> Structured<'_> {
    let mut s = Structured::new(15);
    let flagged: Vec<Flagged<'_>> = grids.iter().map(Flagged::new).collect();
    let with_data: Vec<&Flagged<'_>> = flagged
        .iter()
        .filter(|f| f.rows().any(|r| r.has_numbers()))
        .collect();
    if with_data.len() > 1 {
        let mut all: Vec<&str> = Vec::new();
        for f in &with_data {
            for row in f.rows() {
                all.extend(row.number_texts());
            }
        }
        s.any = true;
        for f in &with_data {
            s.note_source(f.g.source);
        }
        if all.len() == 15 {
            for (i, x) in all.into_iter().enumerate() {
                s.slots[i] = Some(Cow::Borrowed(x));
            }
        } else {
            s.problem(format!("表四应有 15 个数值，读到 {} 个", all.len()));
        }
        return s;
    }
    for f in &flagged {
        let g = f.g;
        // Data rows: rows holding numbers (in text, only rows of nothing but numbers).
        let data: Vec<Row<'_, '_>> = f
            .rows()
            .filter(|r| r.has_numbers())
            .filter(|r| {
                g.source == Source::Markup
                    || r.cells
                        .iter()
                        .zip(r.num)
                        .all(|(c, num)| *num || c.text.trim().is_empty())
            })
            .collect();
        if data.is_empty() {
            continue;
        }
        let headers = column_headers(f);
        let map = header_map(&headers, 15, &t4_col_of);
        s.note_source(g.source);
        s.any = true;
        for row in &data {
            let n = row.count_numbers();
            if n > 15 {
                s.problem(format!("表四的数据行有 {n} 个数值，模板只有 15 列"));
            }
        }
        if s.problem.is_some() {
            return s;
        }
        let values = match data.as_slice() {
            [one] => row_values(g.source, *one, map.as_deref(), 15, f.first_value())
                .ok()
                .flatten(),
            _ => by_columns(g.source, &data, map.as_deref()).or_else(|| {
                let all: Vec<&str> = data.iter().flat_map(|r| r.number_texts()).collect();
                (all.len() == 15).then(|| all.into_iter().map(Cow::Borrowed).collect())
            }),
        };
        match values {
            Some(v) => {
                for (i, x) in v.into_iter().enumerate() {
                    s.slots[i] = Some(x);
                }
                return s;
            }
            None => {
                let n: usize = data.iter().map(|r| r.count_numbers()).sum();
                s.problem(format!("表四应有 15 个数值，读到 {n} 个"));
                return s;
            }
        }
    }
    s
}

/// Table 四's data rows read as one row split over lines (a cell's padding set one number a
/// line lower): where the cells are explicit and the headers name the 15 columns, each number
/// goes to the column it stands under; in a layout without such headers, the columns holding
/// numbers are the 15 in their order on the page — when every column gets exactly one.
/// `None` otherwise (rows that repeat the columns, such as one row per group, are read in
/// order).
fn by_columns<'a>(
    source: Source,
    data: &[Row<'a, '_>],
    map: Option<&[Option<usize>]>,
) -> Option<Vec<Cow<'a, str>>> {
    let explicit = matches!(source, Source::Markup | Source::Layout | Source::Separated);
    let by_position: Vec<Option<usize>>;
    let map = match map {
        Some(m) if explicit => m,
        None if source == Source::Layout => {
            let mut used: Vec<usize> = data
                .iter()
                .flat_map(|r| {
                    r.values()
                        .enumerate()
                        .filter(|(_, (_, v))| *v)
                        .map(|(i, _)| i)
                })
                .collect();
            used.sort_unstable();
            used.dedup();
            if used.len() != 15 {
                return None;
            }
            let width = used.last().map_or(0, |x| x + 1);
            by_position = (0..width)
                .map(|i| used.iter().position(|u| *u == i))
                .collect();
            &by_position
        }
        _ => return None,
    };
    let mut vals: Vec<Option<Cow<'a, str>>> = vec![None; 15];
    for row in data {
        for (i, (c, value)) in row.values().enumerate() {
            if !value {
                continue;
            }
            let k = map.get(i).copied().flatten()?;
            let slot = vals.get_mut(k)?;
            if slot.is_some() {
                return None;
            }
            *slot = Some(plain_digits(c.text.trim())?);
        }
    }
    vals.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// Table 二

/// The rows of table 二 in the template's order: key words, values per row, official label.
pub(super) fn t2_rows(is_2019: bool) -> Vec<(&'static [&'static str], usize, &'static str)> {
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
pub(super) fn read_t2(grids: &[Grid], is_2019: bool) -> Structured<'_> {
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
    // The row whose key words a normalised label holds, if exactly one.
    let matcher = |n: &str| -> Option<usize> {
        let mut found = None;
        for (i, (keys, _, _)) in rows.iter().enumerate() {
            if keys.iter().any(|k| n.contains(k)) {
                if found.is_some() {
                    return None;
                }
                found = Some(i);
            }
        }
        found
    };
    for g in grids {
        let f = Flagged::new(g);
        let first_value = f.first_value();
        let mut gs = Structured::new(total);
        gs.note_source(g.source);
        for (r, which, label) in identify(&f, &matcher) {
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
            let cells = f.row(r);
            match row_values(g.source, cells, None, n, first_value) {
                Ok(Some(v)) => {
                    for (c, x) in v.into_iter().enumerate() {
                        gs.slots[offsets[i] + c] = Some(x);
                    }
                }
                Ok(None) => gs.problem(format!(
                    "表二“{official}”一行应有 {n} 个数值，读到 {} 个",
                    cells.count_numbers()
                )),
                Err(k) => gs.problem(format!(
                    "表二“{official}”一行有 {k} 个数值，模板只有 {n} 列"
                )),
            }
            if g.source != Source::Spaces && !wrapped(&f, r, label.as_deref()) {
                let parts = cells.label_parts();
                let own = parts.last().copied().unwrap_or("");
                let fits =
                    any_own_label(g.source, &parts, |o| norm_chars(o).eq(norm_chars(official)));
                if !own.is_empty() && !fits {
                    gs.variants
                        .push((own.to_string(), official.to_string(), "表二"));
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

    /// The rows of [`T3_KEYS`] a normalised label holds, looked for one key at a time.
    fn hits_one_by_one(n: &str) -> u32 {
        let mut hits = 0u32;
        for (i, (_, ks)) in T3_KEYS.iter().enumerate() {
            if ks.iter().any(|k| n.contains(k)) {
                hits |= 1 << i;
            }
        }
        hits
    }

    /// What a label's hits decide: the one row, none, or more than one.
    fn decision(hits: u32) -> Option<Option<u32>> {
        match hits.count_ones() {
            0 => Some(None),
            1 => Some(Some(hits)),
            _ => None,
        }
    }

    /// [`t3_col_of`] as first written (each key looked for on its own).
    fn t3_col_one_by_one(header: &str) -> Option<usize> {
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

    /// [`t4_col_of`] as first written.
    fn t4_col_one_by_one(header: &str) -> Option<usize> {
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

    proptest::proptest! {
        /// Headers name the columns the key words found one at a time name.
        #[test]
        fn headers_name_columns_as_each_key_does(
            h in "[自然人商业科研公益法律服务其他组织总计合复议后直接起诉未经行政维持纠正尚审结 （）]{0,14}"
        ) {
            proptest::prop_assert_eq!(t3_col_of(&h), t3_col_one_by_one(&h));
            proptest::prop_assert_eq!(t4_col_of(&h), t4_col_one_by_one(&h));
        }

        /// The automaton finds the rows that the key words found one at a time name.
        #[test]
        fn the_key_automaton_finds_what_each_key_finds(
            n in "[新收本年接受到理上结转予以部分公开国家秘密法规禁止其他律三安全一稳定第方内事务过程性执法案卷行政查询项不掌握另制作现成信息仍明确补正后访举报投诉重复申请出版物大量反确认或出具费通知缴纳用总计合下度继续处]{0,12}"
        ) {
            proptest::prop_assert_eq!(decision(t3_hits(&n)), decision(hits_one_by_one(&n)));
        }
    }

    #[test]
    fn labels_name_their_rows() {
        for (_, keys) in T3_KEYS {
            for k in keys {
                assert_eq!(decision(t3_hits(k)), decision(hits_one_by_one(k)), "{k}");
            }
        }
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

    /// Table 三 as grid rows of `source`: the group label only on a group's first row (as a
    /// page's text gives a merged cell), rows `blank` with every value cell empty.
    fn t3_rows_with_blanks(source: Source, blank: &[usize]) -> Grid {
        let mut rows = vec![row(&[
            "",
            "自然人",
            "商业企业",
            "科研机构",
            "社会公益组织",
            "法律服务机构",
            "其他",
            "总计",
        ])];
        for (k, r) in t3_order(false).iter().enumerate() {
            let mut cells = vec![Cell::new(r.label())];
            cells.extend((0..T3_COLS).map(|c| {
                Cell::new(if blank.contains(&k) || c == 2 {
                    String::new()
                } else {
                    (k + c).to_string()
                })
            }));
            rows.push(cells);
        }
        Grid {
            rows,
            line: 0,
            source,
        }
    }

    /// Table 三 as a layout: a group label column, the label column, the values.
    fn layout_with_group_column() -> Grid {
        let mut g = t3_rows_with_blanks(Source::Layout, &[]);
        for r in g.rows.iter_mut() {
            r.insert(0, Cell::new(""));
        }
        g
    }

    /// A line of a layout holding text in its two label columns only.
    fn text_line(texts: [&str; 2]) -> Vec<Cell> {
        let mut cells = vec![Cell::new(texts[0]), Cell::new(texts[1])];
        cells.extend((0..T3_COLS).map(|_| Cell::new("")));
        cells
    }

    #[test]
    fn rows_left_blank_read_as_zeros_where_cells_are_explicit() {
        for source in [Source::Markup, Source::Separated] {
            let g = t3_rows_with_blanks(source, &[4, 5, 17, 22]);
            let s = read_t3(std::slice::from_ref(&g), false);
            let v = s.complete().unwrap_or_default();
            assert_eq!(v.len(), 175, "{source:?}: {:?}", s.problem);
            assert_eq!(&v[4 * 7..5 * 7], ["0"; 7].map(Cow::Borrowed), "{source:?}");
            assert_eq!(
                (&*v[3 * 7], &*v[3 * 7 + 2], &*v[6 * 7 + 1]),
                ("3", "0", "7")
            );
        }
        // Text cut at spaces has no empty cells: a line of a label alone is not a row of zeros.
        let g = t3_rows_with_blanks(Source::Spaces, &[4]);
        assert!(
            read_t3(std::slice::from_ref(&g), false)
                .complete()
                .is_none()
        );
        // A row of zeros whose label names a row already read is not read twice.
        let mut g = t3_rows_with_blanks(Source::Markup, &[]);
        let mut again = vec![Cell::new("（一）予以公开")];
        again.extend((0..T3_COLS).map(|_| Cell::new("")));
        g.rows.push(again);
        let s = read_t3(std::slice::from_ref(&g), false);
        assert_eq!(s.problem, None);
        assert_eq!(s.complete().map(|v| v[2 * 7].to_string()), Some("2".into()));
    }

    #[test]
    fn a_layouts_row_left_blank_is_read_by_its_label_columns() {
        // A layout: the group label's characters interleave with the rows, a blank row's
        // label wraps onto the next line, label columns left of the values stay empty.
        let (mut g, blank) = (layout_with_group_column(), text_line);
        // Rows 5 (2.其他法律行政法规禁止公开) and 19 (5.要求行政机关确认或重新出具已获取信息).
        g.rows[6] = blank(["年", "2.其他法律行政法规禁止"]);
        g.rows.insert(7, blank(["", "公开"]));
        g.rows[21] = blank(["", "5.要求行政机关确认或重"]);
        g.rows.insert(22, blank(["", "新出具已获取信息"]));
        let s = read_t3(std::slice::from_ref(&g), false);
        let v = s.complete().unwrap_or_default();
        assert_eq!(v.len(), 175, "{:?} {:?}", s.problem, s.slots);
        assert_eq!((&*v[5 * 7], &*v[19 * 7 + 6], &*v[20 * 7]), ("0", "0", "20"));
        assert!(s.variants.is_empty(), "{:?}", s.variants);
    }

    #[test]
    fn a_layouts_label_interleaved_with_its_group_label_is_read_column_by_column() {
        // A word processor's PDF: a row's label wrapped in its cell, the merged group label's
        // characters on the lines between (even on the line of the numbers).
        let (mut g, text) = (layout_with_group_column(), text_line);
        // Row 17 (3.要求提供公开出版物): the group's "（五）" on the line of its numbers.
        g.rows[18][0] = Cell::new("（五）");
        g.rows[18][1] = Cell::new("");
        g.rows.insert(19, text(["", "物"]));
        g.rows.insert(18, text(["", "3.要求提供公开出版"]));
        // Row 5 (2.其他法律行政法规禁止公开): its label's end two lines down, past a line of
        // the group label.
        g.rows[6][1] = Cell::new("2.其他法律行政法规禁");
        g.rows.insert(7, text(["", "止公开"]));
        g.rows.insert(7, text(["开", ""]));
        let s = read_t3(std::slice::from_ref(&g), false);
        let v = s.complete().unwrap_or_default();
        assert_eq!(v.len(), 175, "{:?} {:?}", s.problem, s.slots);
        assert_eq!((&*v[5 * 7], &*v[17 * 7 + 6]), ("5", "23"));
        // The wrapped labels are not taken for variants of the official wording.
        assert!(s.variants.is_empty(), "{:?}", s.variants);
    }

    #[test]
    fn a_line_starting_the_next_rows_label_is_not_taken_for_a_continuation() {
        // A narrow page: every label wraps, its numbers between its lines, the group label's
        // characters beside them. The line after 「1.属于国家秘 / 密」 starts 「2.其他法律行」:
        // joined to row 4's lines it would name row 5 ("其他法律") and row 4 would take it.
        let (mut g, text) = (layout_with_group_column(), text_line);
        // Rows 4 and 5 (grid rows 5 and 6), their labels wrapped around the numbers.
        g.rows[6][1] = Cell::new("政法规禁止公");
        g.rows.insert(7, text(["", "开"]));
        g.rows.insert(6, text(["", "2.其他法律行"]));
        g.rows[5][1] = Cell::new("");
        g.rows.insert(6, text(["予公开", "密"]));
        g.rows.insert(5, text(["（三）不", "1.属于国家秘"]));
        let s = read_t3(std::slice::from_ref(&g), false);
        let v = s.complete().unwrap_or_default();
        assert_eq!(v.len(), 175, "{:?} {:?}", s.problem, s.slots);
        assert_eq!((&*v[4 * 7], &*v[5 * 7]), ("4", "5"));
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
        let s = read_t3(std::slice::from_ref(&g), false);
        // Dashes are not numbers: in order, a row of one number does not fill seven columns.
        assert!(s.problem.is_some());
        let g = t3_grid(
            &[
                "项目", "数据1", "数据2", "数据3", "数据4", "数据5", "数据6", "数据7",
            ],
            &|k, c| (k + c).to_string(),
        );
        let v = read_t3(std::slice::from_ref(&g), false)
            .complete()
            .unwrap_or_default();
        assert_eq!((v.len(), &*v[8]), (175, "2"));
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
        let s = read_t3(std::slice::from_ref(&g), false);
        let v = s.complete().unwrap_or_default();
        assert_eq!(v.len(), 175, "{:?}", s.problem);
        assert_eq!((&*v[0], &*v[6], &*v[13]), ("0", "1000", "1001"));
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
        let s = read_t3(std::slice::from_ref(&g), false);
        let v = s.complete().unwrap_or_default();
        assert_eq!(v.len(), 175);
        // Row 0: cells 0..6 are 0,1,…,6 under 总计, 自然人, …: 总计 is 0, 自然人 1.
        assert_eq!((&*v[6], &*v[0]), ("0", "1"));
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
        assert!(read_t3(std::slice::from_ref(&g), false).problem.is_some());
    }
}
