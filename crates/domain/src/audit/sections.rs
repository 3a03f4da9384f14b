//! The six sections of a report, found by their heading lines after page numbers are dropped;
//! the agency and year from the title; the statistics period.

use regex::Regex;
use time::Date;

use super::Finding;

/// The patterns this module reads with, compiled once.
struct Patterns {
    page: Option<Regex>,
    /// A page marker of a document viewer's text ("P. 3", "Page 3 - 标题", "第 3 页 共 8 页").
    marker: Option<Regex>,
    year: Option<Regex>,
    period: Option<Regex>,
}

static PATTERNS: std::sync::LazyLock<Patterns> = std::sync::LazyLock::new(|| {
    Patterns {
    page: Regex::new(r"^\s*[-—－]\s*\d+\s*[-—－]\s*$").ok(),
    marker: Regex::new(r"^\s*(?:P\.\s?\d+|Page\s+\d+(?:\s+of\s+\d+)?(?:\s+-\s.*)?|第\s*\d+\s*页(?:\s*[，,/]?\s*共\s*\d+\s*页)?)\s*$").ok(),
    year: Regex::new(r"(20\d{2}|19\d{2})年").ok(),
    period: Regex::new(r"(\d{4})年(\d{1,2})月(\d{1,2})日(?:起)?(?:至|到|—|-|~)(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日").ok(),
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

/// Whether `line` is a heading of section `i` (whose words are `words`); `joined` is the line
/// without its whitespace.
fn heads_joined(line: &str, joined: &str, i: usize, words: &[&str]) -> bool {
    // (`numbered_like` bounds the length itself.)
    // (A heading has no full stop: a line of prose that names a section is not its heading.)
    let short = || joined.chars().count() < 60 && !joined.contains('。');
    ((may_head(line, words) && short() && words.iter().all(|w| joined.contains(w)))
        || (i == 4 && short() && problems_heading(joined))
        || numbered_like(joined, i))
        && (i != 1 || !joined.contains("第二十条"))
}

/// Whether a line (without its whitespace) is section `i`'s heading written with a slip: it is
/// numbered as that section ("四、", "四．", "四.") and the rest holds, in order, at least 85 % of
/// the official name's characters and not many more ("政府信息公开行政法复议、行政诉讼情况").
fn numbered_like(joined: &str, i: usize) -> bool {
    let Some(rest) = after_numeral(joined, i) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix(['、', '．', '.', '，', ',']) else {
        return false;
    };
    let keep = |c: &char| !matches!(c, '、' | '，' | ',' | '*' | '#');
    let got: Vec<char> = rest.chars().filter(keep).collect();
    let want: Vec<char> = crate::report::section_name(i)
        .chars()
        .filter(keep)
        .collect();
    if got.len() > want.len() + want.len() / 3 {
        return false;
    }
    common_subsequence(&got, &want) * 100 >= want.len() * 85
}

/// What follows section `i`'s numeral at the start of a line (Markdown marks and spaces aside).
fn after_numeral(line: &str, i: usize) -> Option<&str> {
    line.trim_start_matches(['#', '*', ' ', '\u{3000}'])
        .strip_prefix(NUMERALS[i.min(5)])
}

/// The length of the longest common subsequence of two short sequences.
fn common_subsequence(a: &[char], b: &[char]) -> usize {
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        let mut diagonal = 0;
        for (j, y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y {
                diagonal + 1
            } else {
                above.max(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Whether a line (without its whitespace) is section 五's heading in a shorter wording
/// ("五、存在问题及改进情况", "五、主要问题和改进措施"): numbered 五, naming the problems and
/// their improvement.
fn problems_heading(joined: &str) -> bool {
    joined.trim_start_matches(['#', '*']).starts_with("五")
        && ["问题", "改进"].iter().all(|w| joined.contains(w))
}

/// Whether `line` holds the first character of each of `words`: a line that lacks one cannot
/// hold the word once its spaces are removed (most lines are not headings).
fn may_head(line: &str, words: &[&str]) -> bool {
    words
        .iter()
        .all(|w| w.chars().next().is_none_or(|c| line.contains(c)))
}

/// Whether a line reads as the heading of one of the six sections (as [`Sections::find`]
/// looks for them).
pub(super) fn is_heading(line: &str) -> bool {
    let mut joined: Option<String> = None;
    (0..6).any(|i| {
        let words = section_words(i);
        if !may_head(line, &words) && after_numeral(line, i).is_none() {
            return false;
        }
        let joined = joined.get_or_insert_with(|| {
            let mut s = String::with_capacity(line.len());
            push_joined(&mut s, line);
            s
        });
        heads_joined(line, joined, i, &words)
    })
}

/// Blanks page numbers ("- 3 -") and the page markers of document viewers ("P. 3",
/// "Page 3 - 标题"); a line keeps its number, so that grids found in the text stay where they
/// are.
fn blank_page_numbers(lines: &mut [String]) {
    let Some(page) = PATTERNS.page.as_ref() else {
        return;
    };
    for l in lines.iter_mut() {
        // (A page number has a dash on each side; a marker starts with P or 第.)
        let number = l.contains(['-', '—', '－']) && page.is_match(l);
        let marker = l.trim_start().starts_with(['P', '第'])
            && PATTERNS.marker.as_ref().is_some_and(|m| m.is_match(l));
        if number || marker {
            l.clear();
        }
    }
}

/// Appends `l` without its whitespace (`char::is_whitespace`).
fn push_joined(out: &mut String, l: &str) {
    let b = l.as_bytes();
    let (mut from, mut i) = (0, 0);
    while i < b.len() {
        // Whitespace is ASCII, or starts with one of these bytes (U+0085, U+00A0, U+1680,
        // U+2000–U+205F, U+3000); every other byte is copied as it is.
        let width = match b[i] {
            b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' => 1,
            0xc2 | 0xe1 | 0xe2 | 0xe3 => l
                .get(i..)
                .and_then(|rest| rest.chars().next())
                .filter(|c| c.is_whitespace())
                .map_or(0, char::len_utf8),
            _ => 0,
        };
        if width == 0 {
            i += 1;
            continue;
        }
        out.push_str(l.get(from..i).unwrap_or(""));
        i += width;
        from = i;
    }
    out.push_str(l.get(from..).unwrap_or(""));
}

/// The lines joined with all whitespace removed.
#[cfg(test)]
pub(super) fn joined(lines: &[String]) -> String {
    let mut s = String::with_capacity(lines.iter().map(String::len).sum());
    for l in lines {
        push_joined(&mut s, l);
    }
    s
}

/// A report's lines and where each of its six sections starts.
pub(super) struct Sections {
    /// The lines of the text without page numbers.
    pub(super) lines: Vec<String>,
    /// The lines joined with all whitespace removed.
    all: String,
    /// Where each line starts in `all`, and (last) the end of `all`.
    at: Vec<usize>,
    /// The heading line of each section, when found.
    starts: [Option<usize>; 6],
    /// Where table 四 begins inside section 三's region when section 四's heading was not
    /// found: section 三 ends there and table 四 is read from there.
    t4_from: Option<usize>,
    /// Where table 三 begins when section 三's heading was not found (a wording not
    /// recognised): the section before it ends there and table 三 is read from there.
    t3_from: Option<usize>,
}

/// The first line of a table among lines `from..to` (`joined`: a line without its whitespace):
/// the first line that `marks` it, with the header lines just above it (no digits, shorter than
/// `max_chars`, naming something `names` recognises).
fn table_start<'a>(
    joined: impl Fn(usize) -> &'a str,
    (from, to): (usize, usize),
    marks: impl Fn(&str) -> bool,
    names: impl Fn(&str) -> bool,
    max_chars: usize,
) -> Option<usize> {
    let mut start = (from..to).find(|&n| marks(joined(n)))?;
    while start > from {
        let j = joined(start - 1);
        if names(j) && j.chars().count() < max_chars && !j.chars().any(|c| c.is_ascii_digit()) {
            start -= 1;
        } else {
            break;
        }
    }
    Some(start)
}

/// Table 三 among lines `from..to`: its first row (本年新收…申请) or its header naming the
/// applicants (申请人情况), with the header lines above it naming 申请人, 自然人, 法人 or the
/// balance note.
fn table3_start<'a>(joined: impl Fn(usize) -> &'a str, from: usize, to: usize) -> Option<usize> {
    table_start(
        joined,
        (from, to),
        |j| j.contains("申请人情况") || (j.contains("新收") && j.contains("申请")),
        |j| {
            ["申请人", "自然人", "法人", "勾稽关系"]
                .iter()
                .any(|w| j.contains(w))
        },
        60,
    )
}

/// Table 四 among lines `from..to`: its header row of outcomes (结果维持 with 结果纠正 or 尚未审结,
/// which table 三 never has), with the header rows just above it naming 行政复议 or 行政诉讼.
fn table4_start<'a>(joined: impl Fn(usize) -> &'a str, from: usize, to: usize) -> Option<usize> {
    table_start(
        joined,
        (from, to),
        |j| j.contains("结果维持") && (j.contains("结果纠正") || j.contains("尚未审结")),
        |j| j.contains("行政复议") || j.contains("行政诉讼"),
        40,
    )
}

impl Sections {
    /// Finds the first heading line of each section, in order, among the lines of a text
    /// (page numbers are blanked first).
    pub(super) fn find(mut lines: Vec<String>) -> Sections {
        blank_page_numbers(&mut lines);
        let mut all = String::with_capacity(lines.iter().map(String::len).sum());
        let mut at = Vec::with_capacity(lines.len() + 1);
        for l in &lines {
            at.push(all.len());
            push_joined(&mut all, l);
        }
        at.push(all.len());
        let mut starts: [Option<usize>; 6] = [None; 6];
        let mut from = 0;
        for (i, start) in starts.iter_mut().enumerate() {
            let words = section_words(i);
            let heads = |n: &usize| {
                heads_joined(
                    &lines[*n],
                    all.get(at[*n]..at[*n + 1]).unwrap_or(""),
                    i,
                    &words,
                )
            };
            // A heading numbered as the section first: the preface's list of the sections,
            // wrapped into short lines in a PDF, names them too.
            let found = (from..lines.len())
                .find(|n| after_numeral(&lines[*n], i).is_some() && heads(n))
                .or_else(|| (from..lines.len()).find(heads));
            if let Some(n) = found {
                *start = Some(n);
                from = n + 1;
            }
        }
        let mut s = Sections {
            lines,
            all,
            at,
            starts,
            t4_from: None,
            t3_from: None,
        };
        if starts[2].is_none() {
            let from = starts[..2]
                .iter()
                .rev()
                .find_map(|x| *x)
                .map_or(0, |h| h + 1);
            let to = (3..6).find_map(|j| starts[j]).unwrap_or(s.lines.len());
            s.t3_from = table3_start(|n| s.joined(n, n + 1), from, to);
        }
        // (Table 三's region starts after its heading, or where the table was found.)
        let three = starts[2].map(|h| h + 1).or(s.t3_from);
        if let (Some(from), None) = (three, starts[3]) {
            let to = (4..6).find_map(|j| starts[j]).unwrap_or(s.lines.len());
            s.t4_from = table4_start(|n| s.joined(n, n + 1), from, to);
        }
        s
    }

    /// All the lines joined with their whitespace removed.
    pub(super) fn all(&self) -> &str {
        &self.all
    }

    /// Lines `from..to` joined with their whitespace removed.
    pub(super) fn joined(&self, from: usize, to: usize) -> &str {
        let end = self.at.len().saturating_sub(1);
        let (from, to) = (from.min(end), to.min(end));
        self.all
            .get(self.at[from]..self.at[to.max(from)])
            .unwrap_or("")
    }

    /// The region of section `i` ([`Self::region`]) joined with its whitespace removed.
    pub(super) fn joined_region(&self, i: usize) -> Option<&str> {
        self.range(i).map(|(from, to)| self.joined(from, to))
    }

    /// Whether section `i` (0-based) was found.
    pub(super) fn has(&self, i: usize) -> bool {
        self.starts[i].is_some()
    }

    /// The numerals of the sections found.
    pub(super) fn numerals(&self) -> Vec<&'static str> {
        (0..6)
            .filter(|i| self.starts[*i].is_some())
            .map(|i| NUMERALS[i])
            .collect()
    }

    /// `SECTION_MISSING` for each section not found.
    pub(super) fn missing(&self, findings: &mut Vec<Finding>) {
        for (i, numeral) in NUMERALS.iter().enumerate() {
            if self.starts[i].is_none() {
                findings.push(Finding::error(
                    "SECTION_MISSING",
                    format!("第{numeral}部分"),
                    format!("缺少“{}”部分", crate::report::section_name(i)),
                ));
            }
        }
    }

    /// The lines of section `i` after its heading, up to the next section found.
    pub(super) fn region(&self, i: usize) -> Option<&[String]> {
        let (s, e) = self.range(i)?;
        self.lines.get(s..e)
    }

    /// The line range of section `i`'s region (after its heading, up to the next section).
    /// Without a heading of section 四, table 四 found inside section 三 ends section 三 and
    /// is section 四's region.
    pub(super) fn range(&self, i: usize) -> Option<(usize, usize)> {
        let s = match (self.starts[i], i) {
            (Some(h), _) => h + 1,
            (None, 3) => self.t4_from?,
            (None, 2) => self.t3_from?,
            _ => return None,
        };
        let mut e = (i + 1..6)
            .find_map(|j| self.starts[j])
            .unwrap_or(self.lines.len());
        if i == 2
            && let Some(t) = self.t4_from
        {
            e = e.min(t);
        }
        // (The section before a table 三 found without its heading ends where the table starts.)
        if i < 2
            && self.starts[2].is_none()
            && let Some(t) = self.t3_from
            && t >= s
        {
            e = e.min(t);
        }
        Some((s, e.max(s)))
    }

    /// `LABEL_VARIANT` for each section heading that is not the official title (punctuation,
    /// brackets and spaces aside).
    pub(super) fn title_variants(&self, findings: &mut Vec<Finding>) {
        for (i, numeral) in NUMERALS.iter().enumerate() {
            let Some(line) = self.starts[i] else { continue };
            let name = crate::report::section_name(i);
            let official = super::structured::norm(name);
            let mut title = self.joined(line, line + 1);
            // A title wrapped onto the next line (a narrow page): its last characters there.
            let two = self.joined(line, line + 2);
            if !super::structured::norm(title).contains(&official)
                && two.chars().count() <= title.chars().count() + 4
                && super::structured::norm(two).contains(&official)
            {
                title = two;
            }
            if !super::structured::norm(title).contains(&official) {
                findings.push(Finding::warning(
                    "LABEL_VARIANT",
                    format!("第{numeral}部分标题"),
                    format!("“{title}”应为“{}”", crate::report::SECTION_TITLES[i]),
                ));
            }
        }
    }
}

/// The report year and the agency from the title (`head`: the first 8 lines, joined without
/// their whitespace): the agency is what precedes "YYYY年".
pub(super) fn year_and_agency(head: &str) -> (Option<i32>, String) {
    let year_re = PATTERNS.year.as_ref();
    let year = year_re
        .as_ref()
        .and_then(|re| re.captures(head))
        .and_then(|c| c[1].parse().ok());
    (year, title_agency(head).unwrap_or_default())
}

/// The agency a report's title names, from the start of the text (`head`: its first lines
/// joined without whitespace): after a short label ("标题：") and the marks around a title,
/// what stands before the report's year ("某局2024年…", "某局年度…2024…" where a PDF sets the
/// year apart) or, with the year first, what follows it up to the report's name. `None` when
/// the text does not start with a title (a preface, prose).
fn title_agency(head: &str) -> Option<String> {
    let mut t = head;
    if let Some((label, rest)) = t.split_once(['：', ':'])
        && label.chars().count() <= 4
    {
        t = rest;
    }
    let t: String = t.chars().filter(|c| !"《》#*".contains(*c)).collect();
    let year_at = |s: &str| {
        s.char_indices().find_map(|(i, _)| {
            let four = s.get(i..i + 4)?;
            (four.bytes().all(|b| b.is_ascii_digit())
                && (four.starts_with("19") || four.starts_with("20")))
            .then_some(i)
        })
    };
    let agency = match year_at(&t) {
        // The year first: the agency follows it, up to the report's name.
        Some(0) => t
            .get(4..)?
            .trim_start_matches(['年', '度'])
            .split("政府信息公开")
            .next()?
            .to_string(),
        _ => {
            let end = ["年度", "政府信息公开", "年政府"]
                .iter()
                .filter_map(|w| t.find(w))
                .chain(year_at(&t))
                .min()?;
            t.get(..end)?.to_string()
        }
    };
    // A title: the report's name follows soon, no sentence runs through it, the name is short.
    let after = t
        .find(agency.as_str())
        .and_then(|i| t.get(i + agency.len()..))
        .unwrap_or("");
    let titled = after.chars().take(40).collect::<String>().contains("报告");
    let sentence = agency.contains(['。', '，', '；', '、']);
    (titled && !sentence && (1..=MAX_AGENCY_CHARS).contains(&agency.chars().count()))
        .then_some(agency)
}

/// The longest agency name read from a title.
const MAX_AGENCY_CHARS: usize = 40;

/// The statistics period ("YYYY年M月D日至M月D日") in the joined text, when it names real dates.
pub(super) fn period(all: &str) -> Option<(Date, Date)> {
    let period_re = PATTERNS.period.as_ref();
    period_re
        .as_ref()
        .and_then(|re| re.captures(all))
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
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Joining drops exactly the characters `char::is_whitespace` names.
        #[test]
        fn joining_drops_exactly_the_whitespace(
            s in "[ a\t\r\n\u{3000}\u{a0}\u{85}\u{1680}\u{2000}-\u{2060}\u{2028}\u{3001}一－—¢€\u{e000}]{0,24}"
        ) {
            let want: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            let mut got = String::new();
            push_joined(&mut got, &s);
            prop_assert_eq!(&got, &want);
            prop_assert_eq!(joined(&[s.clone(), s.clone()]), format!("{want}{want}"));
        }
    }

    #[test]
    fn lines_are_joined_by_range() {
        let lines = [
            "一、 总体 情况",
            "",
            "- 3 -",
            "二、主动公开政府信息情况",
            "x y",
        ]
        .map(String::from)
        .to_vec();
        let s = Sections::find(lines);
        assert_eq!(s.lines[2], "");
        assert_eq!(s.all(), "一、总体情况二、主动公开政府信息情况xy");
        assert_eq!(s.joined(0, 1), "一、总体情况");
        assert_eq!(s.joined(3, 9), "二、主动公开政府信息情况xy");
        assert_eq!(s.joined(4, 2), "");
        assert_eq!(s.joined_region(0), Some(""));
        assert_eq!(s.joined_region(1), Some("xy"));
        assert!(is_heading("二、主动公开 政府信息情况") && !is_heading("x"));
    }

    #[test]
    fn a_preface_naming_the_sections_in_short_lines_is_not_their_heading() {
        // A PDF's preface wraps into short lines that name the sections; prose that names one
        // ends in a full stop.
        let lines = [
            "本报告包括",
            "总体情况、主动公开政府信息情况、",
            "收到和处理政府信息公开申请情况、",
            "政府信息公开行政复议、行政诉讼情况等六个部分。",
            "一、总体情况",
            "营、业绩考核等总体情况。",
            "二、主动公开政府信息情况",
            "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况",
            "五、政府信息公开工作存在的主要问题及改进情况",
            "六、其他需要报告的事项",
        ]
        .map(String::from)
        .to_vec();
        let s = Sections::find(lines.clone());
        assert_eq!(
            s.starts,
            [Some(4), Some(6), Some(7), Some(8), Some(9), Some(10)]
        );
        // Without the numbered heading of section 一, the line of prose is not taken for it.
        let mut without = lines;
        without[4] = "一、概述".into();
        let s = Sections::find(without);
        assert_eq!(
            s.starts[0],
            Some(1),
            "the preface's short line, not the prose"
        );
        assert!(!is_heading("营、业绩考核等总体情况。"));
    }

    #[test]
    fn viewer_page_markers_are_blanked_and_a_short_problems_heading_is_found() {
        let lines = [
            "Page 3 - 某局2022年政府信息公开工作年度报告",
            "P. 3",
            "第 3 页 共 8 页",
            "P. 3 号文件",
            "四、政府信息公开行政复议、行政诉讼情况",
            "问题存在于改进之中",
            "五、存在问题及改进情况",
            "六、其他需要报告的事项",
        ]
        .map(String::from)
        .to_vec();
        let s = Sections::find(lines);
        assert_eq!(&s.lines[..4], ["", "", "", "P. 3 号文件"]);
        assert_eq!(s.starts[4], Some(6));
        assert!(is_heading("## 五、存在问题及改进措施") && !is_heading("存在问题及改进"));
        assert!(is_heading("五、主要问题和改进措施") && !is_heading("主要问题和改进措施"));
    }

    #[test]
    fn a_numbered_heading_with_a_slip_is_its_section_and_other_lines_are_not() {
        // A character too many, one missing, one changed: still the section's heading.
        for (i, line) in [
            (3, "四、政府信息公开行政法复议、行政诉讼情况"),
            (3, "四．政府信息公开行政复议行政诉讼情况"),
            (5, "六、其它需要报告的事项"),
            (2, "三、收到和处理政府信息公开申请的情况"),
        ] {
            assert!(numbered_like(line, i), "{line}");
            assert!(is_heading(line), "{line}");
        }
        // Table rows, other numerals, unrelated or much longer lines are not.
        for (i, line) in [
            (3, "四、结转下年度继续办理"),
            (0, "一、本年新收政府信息公开申请数量"),
            (3, "三、政府信息公开行政复议、行政诉讼情况"),
            (
                3,
                "四、政府信息公开行政复议、行政诉讼情况及本机关对各项工作的总体说明与今后打算",
            ),
            (3, "政府信息公开行政法复议、行政诉讼情况"),
        ] {
            assert!(!numbered_like(line, i), "{line}");
        }
        assert_eq!(common_subsequence(&['a', 'b', 'c'], &['a', 'x', 'c']), 2);
    }

    #[test]
    fn without_the_heading_of_section_four_its_table_ends_section_three() {
        let lines = [
            "三、收到和处理政府信息公开申请情况",
            "（七）总计\t5\t0\t0\t0\t0\t0\t5",
            "本年度复议和诉讼见下表：",
            "行政复议\t行政诉讼",
            "结果维持\t结果纠正\t其他结果\t尚未审结\t总计",
            "0\t0\t0\t0\t0",
            "五、存在的主要问题及改进情况",
        ]
        .map(String::from)
        .to_vec();
        let s = Sections::find(lines.clone());
        assert!(!s.has(3));
        assert_eq!(s.range(2), Some((1, 3)));
        assert_eq!(s.range(3), Some((3, 6)));
        // With the heading, nothing changes.
        let mut with = lines;
        with[2] = "四、政府信息公开行政复议、行政诉讼情况".into();
        let s = Sections::find(with);
        assert!(s.has(3));
        assert_eq!(s.range(2), Some((1, 2)));
        assert_eq!(s.range(3), Some((3, 6)));
    }

    #[test]
    fn the_agency_is_read_before_or_after_the_year() {
        assert_eq!(
            year_and_agency("某市公共资源交易中心2023年政府信息公开工作年度报告"),
            (Some(2023), "某市公共资源交易中心".to_string())
        );
        assert_eq!(
            year_and_agency("2019年某市人民政府办公厅政府信息公开工作年度报告"),
            (Some(2019), "某市人民政府办公厅".to_string())
        );
        assert_eq!(
            year_and_agency("《2022年度某县交通运输局政府信息公开工作年度报告》"),
            (Some(2022), "某县交通运输局".to_string())
        );
        assert_eq!(
            year_and_agency("标题：某县财政局2022年度政府信息公开工作年度报告"),
            (Some(2022), "某县财政局".to_string())
        );
        // No title: a sentence that holds the period's year names no agency.
        assert_eq!(
            year_and_agency(&format!(
                "根据《条例》要求编制本报告，{}本报告所列数据的统计期限自2024年1月1日起",
                "报告包括总体情况等六个部分，".repeat(3)
            )),
            (Some(2024), String::new())
        );
    }
}
