//! The six sections of a report, found by their heading lines after page numbers are dropped;
//! the agency and year from the title; the statistics period.

use regex::Regex;
use time::Date;

use super::Finding;

/// The patterns this module reads with, compiled once.
struct Patterns {
    page: Option<Regex>,
    year: Option<Regex>,
    period: Option<Regex>,
}

static PATTERNS: std::sync::LazyLock<Patterns> = std::sync::LazyLock::new(|| {
    Patterns {
    page: Regex::new(r"^\s*[-—－]\s*\d+\s*[-—－]\s*$").ok(),
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

/// Whether `line` is a heading of section `i` (whose words are `words`).
fn heads(line: &str, i: usize, words: &[&str]) -> bool {
    // A line that lacks the first character of a word cannot hold the word once its spaces
    // are removed (most lines are not headings).
    if !words
        .iter()
        .all(|w| w.chars().next().is_none_or(|c| line.contains(c)))
    {
        return false;
    }
    let l: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    l.chars().count() < 60
        && words.iter().all(|w| l.contains(w))
        && (i != 1 || !l.contains("第二十条"))
}

/// Whether a line reads as the heading of one of the six sections (as [`Sections::find`]
/// looks for them).
pub(super) fn is_heading(line: &str) -> bool {
    (0..6).any(|i| heads(line, i, &section_words(i)))
}

/// Blanks page numbers ("- 3 -") and joins nothing (a line keeps its number, so that grids
/// found in the text stay where they are).
fn clean_lines(text: &str) -> Vec<String> {
    let page = PATTERNS.page.as_ref();
    text.lines()
        .map(|l| l.replace(['\u{3000}', '\u{a0}'], " "))
        .map(|l| {
            // (A page number has a dash on each side.)
            if l.contains(['-', '—', '－']) && page.is_some_and(|re| re.is_match(&l)) {
                String::new()
            } else {
                l
            }
        })
        .collect()
}

/// The lines joined with all whitespace removed.
pub(super) fn joined(lines: &[String]) -> String {
    let mut s = String::with_capacity(lines.iter().map(String::len).sum());
    for l in lines {
        for part in l.split(char::is_whitespace) {
            s.push_str(part);
        }
    }
    s
}

/// A report's lines and where each of its six sections starts.
pub(super) struct Sections {
    /// The lines of the text without page numbers.
    pub(super) lines: Vec<String>,
    /// The heading line of each section, when found.
    starts: [Option<usize>; 6],
}

impl Sections {
    /// Finds the first heading line of each section, in order.
    pub(super) fn find(text: &str) -> Sections {
        let lines = clean_lines(text);
        let mut starts: [Option<usize>; 6] = [None; 6];
        let mut from = 0;
        for (i, start) in starts.iter_mut().enumerate() {
            let words = section_words(i);
            let found = lines
                .iter()
                .enumerate()
                .skip(from)
                .find(|(_, l)| heads(l, i, &words));
            if let Some((n, _)) = found {
                *start = Some(n);
                from = n + 1;
            }
        }
        Sections { lines, starts }
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
        let s = self.starts[i]? + 1;
        let e = (i + 1..6)
            .find_map(|j| self.starts[j])
            .unwrap_or(self.lines.len());
        self.lines.get(s..e.max(s))
    }

    /// The line range of section `i`'s region (after its heading, up to the next section).
    pub(super) fn range(&self, i: usize) -> Option<(usize, usize)> {
        let s = self.starts[i]? + 1;
        let e = (i + 1..6)
            .find_map(|j| self.starts[j])
            .unwrap_or(self.lines.len());
        Some((s, e.max(s)))
    }

    /// `LABEL_VARIANT` for each section heading that is not the official title (punctuation,
    /// brackets and spaces aside).
    pub(super) fn title_variants(&self, findings: &mut Vec<Finding>) {
        for (i, numeral) in NUMERALS.iter().enumerate() {
            let Some(line) = self.starts[i] else { continue };
            let title: String = self.lines[line]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let name = crate::report::section_name(i);
            if !super::structured::norm(&title).contains(&super::structured::norm(name)) {
                findings.push(Finding::warning(
                    "LABEL_VARIANT",
                    format!("第{numeral}部分标题"),
                    format!("“{title}”应为“{}”", crate::report::SECTION_TITLES[i]),
                ));
            }
        }
    }
}

/// The report year and the agency from the title (the first 8 lines): the agency is what
/// precedes "YYYY年".
pub(super) fn year_and_agency(lines: &[String]) -> (Option<i32>, String) {
    let head: String = joined(&lines[..lines.len().min(8)]);
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
    (year, agency)
}

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
