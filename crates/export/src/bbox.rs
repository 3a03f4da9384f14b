//! A PDF's tables rebuilt from the positions of its words: poppler's `pdftotext -bbox-layout`
//! gives every word with its box (XHTML, parsed here with `quick-xml` under size limits), and
//! this module turns the pages into the text the auditor reads, with each table as a grid of
//! [`Source::Layout`] (`gongkai_domain::audit::grid`), so that the domain reads its rows by label
//! and its columns by header as it does for HTML and DOCX.
//!
//! How a table is found, by the structure of the page rather than by any file's wording:
//! * **Lines** — the words of a page grouped by the vertical centre of their boxes (within half
//!   a line's height), then cut into **segments** where the gap between two words is wider than
//!   a third of their height (two numbers are never one segment).
//! * **Running headers and footers** — lines in the top or bottom tenth of a page that recur
//!   (digits aside) on other pages are left out (dates, URLs, page numbers a browser prints).
//! * **Data lines** hold a segment that is a number and no prose (no segment longer than
//!   [`PROSE_CHARS`]). Consecutive data lines form one table across page breaks, unless a
//!   section heading ([`gongkai_domain::audit::is_section_heading`]), more than
//!   [`MAX_GAP_LINES`] lines without numbers (or [`MAX_LABEL_LINES`] lines of the label columns
//!   alone: rows left blank) or a vertical gap of more than [`GAP_FACTOR`] line heights
//!   separate them.
//! * **Value columns** — the horizontal extents of the numbers of the table's data lines,
//!   overlapping extents joined, and the header texts over no number (a column left blank all
//!   the way down); **label columns** — the left edges of the text left of them.
//! * **Header rows** — the lines above the first data line (across a page break) that have text
//!   over the value columns; a header text wider than one column is copied into each column it
//!   covers (a merged header). Lines at the top of a continuation page that repeat header lines
//!   are a repeated header and are dropped: the table goes on as one.
//! * Label lines between data lines stay as rows of their own; the domain rejoins labels
//!   wrapped around their numbers.
//!
//! Every other line is text, its segments separated by two spaces.

use gongkai_domain::audit::grid::{self, Cell, Source};
use quick_xml::events::Event;

/// Largest `-bbox-layout` output parsed, in bytes.
pub const MAX_XHTML: usize = 64 * 1024 * 1024;
/// Most words kept (the rest of the document is left out).
pub const MAX_WORDS: usize = 500_000;
/// Most pages kept.
pub const MAX_PAGES: usize = 5_000;
/// A segment longer than this (characters) is prose, not a table cell.
pub const PROSE_CHARS: usize = 40;
/// Most lines without numbers between two data lines of one table (lines of the label
/// columns alone aside).
pub const MAX_GAP_LINES: usize = 6;
/// Most lines of the label columns alone between two data lines of one table (the rows of
/// table 三 whose values are all left blank, each label wrapped over two lines).
pub const MAX_LABEL_LINES: usize = 48;
/// A vertical gap of more than this many line heights between two lines of a page ends a table.
pub const GAP_FACTOR: f64 = 5.0;
/// Most header lines above a table's first data line.
const MAX_HEADER_LINES: usize = 8;

/// One word and its box (points, origin top left).
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
    pub text: String,
}

/// One page: its size and words.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub width: f64,
    pub height: f64,
    pub words: Vec<Word>,
}

/// Why the XHTML could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BboxError {
    #[error("pdftotext 输出的版面信息超过 {} MB 上限，已拒绝读取", MAX_XHTML / (1024 * 1024))]
    TooLarge,
}

fn attr_f64(e: &quick_xml::events::BytesStart<'_>, key: &[u8]) -> f64 {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| {
            std::str::from_utf8(&a.value)
                .ok()?
                .trim()
                .parse::<f64>()
                .ok()
        })
        .filter(|v| v.is_finite())
        .unwrap_or(0.0)
}

/// The pages and words of `pdftotext -bbox-layout` output. Malformed XML ends the reading where
/// it breaks (what was read so far is kept); past [`MAX_WORDS`] or [`MAX_PAGES`] the rest is
/// left out.
pub fn parse(xhtml: &[u8]) -> Result<Vec<Page>, BboxError> {
    if xhtml.len() > MAX_XHTML {
        return Err(BboxError::TooLarge);
    }
    let mut reader = quick_xml::Reader::from_reader(xhtml);
    let mut buf = Vec::new();
    let mut pages: Vec<Page> = Vec::new();
    let mut word: Option<Word> = None;
    let mut words = 0usize;
    loop {
        let ev = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) | Err(_) => break,
            Ok(ev) => ev,
        };
        match ev {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"page" => {
                    if pages.len() >= MAX_PAGES {
                        break;
                    }
                    pages.push(Page {
                        width: attr_f64(&e, b"width"),
                        height: attr_f64(&e, b"height"),
                        words: Vec::new(),
                    });
                }
                b"word" => {
                    word = Some(Word {
                        x0: attr_f64(&e, b"xMin"),
                        y0: attr_f64(&e, b"yMin"),
                        x1: attr_f64(&e, b"xMax"),
                        y1: attr_f64(&e, b"yMax"),
                        text: String::new(),
                    });
                }
                _ => {}
            },
            Event::Text(t) => {
                if let Some(w) = word.as_mut() {
                    w.text.push_str(&String::from_utf8_lossy(t.as_ref()));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(w) = word.as_mut() {
                    let raw = String::from_utf8_lossy(r.as_ref()).into_owned();
                    w.text.push_str(&match raw.as_str() {
                        "amp" => "&".to_string(),
                        "lt" => "<".to_string(),
                        "gt" => ">".to_string(),
                        "quot" => "\"".to_string(),
                        "apos" => "'".to_string(),
                        _ => gongkai_domain::audit::markup_to_text(
                            &format!("&{raw};"),
                            gongkai_domain::audit::Markup::Html,
                        )
                        .trim_end_matches('\n')
                        .to_string(),
                    });
                }
            }
            Event::End(e) if e.name().as_ref() == b"word" => {
                if let (Some(w), Some(p)) = (word.take(), pages.last_mut()) {
                    let w = Word {
                        text: w.text.trim().to_string(),
                        ..w
                    };
                    if !w.text.is_empty() && w.x1 >= w.x0 && w.y1 >= w.y0 {
                        p.words.push(w);
                        words += 1;
                    }
                }
                if words >= MAX_WORDS {
                    break;
                }
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(pages)
}

/// Whether a text is one number (an integer or decimal, thousands separators, 元/万元, full
/// width digits), as the auditor reads values.
fn is_number(t: &str) -> bool {
    let t = grid::halfwidth(t);
    let t = t.trim();
    let t = t
        .strip_suffix("万元")
        .or_else(|| t.strip_suffix('元'))
        .unwrap_or(t);
    !t.is_empty()
        && t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'))
        && !t.ends_with('.')
        && !t.ends_with(',')
        && !t.starts_with('.')
        && t.trim_start_matches('-').chars().all(|c| c != '-')
}

/// A run of words on one line that belong together.
#[derive(Debug, Clone)]
struct Seg {
    x0: f64,
    x1: f64,
    text: String,
    number: bool,
}

impl Seg {
    fn center(&self) -> f64 {
        (self.x0 + self.x1) / 2.0
    }
}

/// One line of a page.
#[derive(Debug, Clone)]
struct Line {
    page: usize,
    y: f64,
    height: f64,
    segs: Vec<Seg>,
    /// The words as printed (touching words glued, others two spaces apart).
    plain: String,
}

impl Line {
    fn text(&self, sep: &str) -> String {
        self.segs
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(sep)
    }
    fn has_number(&self) -> bool {
        self.segs.iter().any(|s| s.number)
    }
    fn prose(&self) -> bool {
        self.segs
            .iter()
            .any(|s| s.text.chars().count() > PROSE_CHARS)
    }
}

/// A word's height for line grouping: CJK fonts report boxes far taller than the glyphs, so
/// the smaller of the word's height and the page's typical number height is used.
fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// Whether two texts join without a space (either side is not ASCII).
fn glue(a: &str, b: &str) -> &'static str {
    let l = a.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
    let r = b.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if l && r { " " } else { "" }
}

/// The lines of a page, top to bottom, each cut into segments.
fn page_lines(page: &Page, index: usize) -> Vec<Line> {
    let mut words: Vec<&Word> = page.words.iter().collect();
    // The type size: CJK glyphs are square, so a CJK word's width per character is its size
    // (its box's height is the font's line height, often twice that); else the height of
    // numbers, else of all words.
    let cjk = median(
        words
            .iter()
            .filter(|w| w.text.chars().all(|c| !c.is_ascii()))
            .map(|w| (w.x1 - w.x0) / w.text.chars().count().max(1) as f64)
            .collect(),
    );
    let number_h = median(
        words
            .iter()
            .filter(|w| is_number(&w.text))
            .map(|w| w.y1 - w.y0)
            .collect(),
    );
    let all_h = median(words.iter().map(|w| w.y1 - w.y0).collect()).unwrap_or(10.0);
    let em = cjk.or(number_h).unwrap_or(all_h).clamp(4.0, 40.0);
    let tol = (em * 0.5).clamp(2.0, 9.0);
    let center = |w: &Word| (w.y0 + w.y1) / 2.0;
    words.sort_by(|a, b| center(a).total_cmp(&center(b)));
    let mut groups: Vec<(f64, usize, Vec<&Word>)> = Vec::new();
    for w in words {
        let c = center(w);
        match groups.last_mut() {
            Some((sum, n, g)) if c - *sum / *n as f64 <= tol => {
                *sum += c;
                *n += 1;
                g.push(w);
            }
            _ => groups.push((c, 1, vec![w])),
        }
    }
    groups
        .into_iter()
        .map(|(sum, n, mut g)| {
            g.sort_by(|a, b| a.x0.total_cmp(&b.x0));
            let mut segs: Vec<Seg> = Vec::new();
            let mut plain = String::new();
            let mut prev_x1: Option<f64> = None;
            for w in g {
                let number = is_number(&w.text);
                // The text as printed: words that touch glued, farther ones two spaces apart.
                if let Some(x1) = prev_x1 {
                    plain.push_str(if w.x0 - x1 <= em * 0.35 {
                        glue(&plain, &w.text)
                    } else {
                        "  "
                    });
                }
                plain.push_str(&w.text);
                prev_x1 = Some(prev_x1.map_or(w.x1, |x| x.max(w.x1)));
                // Cells: text runs within a quarter of the type size; a number stands apart
                // from whatever is not touching it (cells have padding).
                match segs.last_mut() {
                    Some(s)
                        if !(s.number && number)
                            && w.x0 - s.x1
                                <= if s.number || number {
                                    em * 0.05
                                } else {
                                    em * 0.25
                                } =>
                    {
                        let sep = glue(&s.text, &w.text);
                        s.text.push_str(sep);
                        s.text.push_str(&w.text);
                        s.x1 = s.x1.max(w.x1);
                        s.number = is_number(&s.text);
                    }
                    _ => segs.push(Seg {
                        x0: w.x0,
                        x1: w.x1,
                        text: w.text.clone(),
                        number,
                    }),
                }
            }
            Line {
                page: index,
                y: sum / n as f64,
                height: em,
                segs,
                plain,
            }
        })
        .collect()
}

/// A line's text with its digits blanked, for recognising running headers and footers.
fn shape(l: &Line) -> String {
    l.text(" ")
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

/// Leaves out running headers and footers: of the two outermost lines at the top and at the
/// bottom of each page, those in the outer twelfth of the page whose shape (digits aside) recurs
/// on another page and holds more than digits (a row of numbers is never one).
fn drop_running(pages: &[Page], lines: Vec<Vec<Line>>) -> Vec<Vec<Line>> {
    let candidate = |ls: &[Line], k: usize| {
        let l = &ls[k];
        let h = pages.get(l.page).map_or(0.0, |p| p.height);
        let outer = k < 2 || k + 2 >= ls.len();
        let zone = h > 0.0 && (l.y < h / 12.0 || l.y > h * 11.0 / 12.0);
        let words = shape(l).chars().any(|c| c != '#' && !c.is_whitespace());
        outer && zone && words
    };
    let mut seen: std::collections::HashMap<String, std::collections::BTreeSet<usize>> =
        std::collections::HashMap::new();
    for ls in &lines {
        for k in (0..ls.len()).filter(|k| candidate(ls, *k)) {
            seen.entry(shape(&ls[k])).or_default().insert(ls[k].page);
        }
    }
    lines
        .into_iter()
        .map(|ls| {
            let keep: Vec<bool> = (0..ls.len())
                .map(|k| {
                    !(candidate(&ls, k) && seen.get(&shape(&ls[k])).is_some_and(|p| p.len() > 1))
                })
                .collect();
            ls.into_iter()
                .zip(keep)
                .filter_map(|(l, k)| k.then_some(l))
                .collect()
        })
        .collect()
}

/// A table found on the pages: its lines (indices into the document's lines), the first being
/// its first header line.
struct Table {
    header: Vec<usize>,
    body: Vec<usize>,
    /// Where the value columns start when no line holds a number (a table whose values are
    /// all left blank): the left edge of the header's second text; else infinity.
    blank_from: f64,
}

/// The columns of a table: value columns (x extents) and label columns (left edges).
struct Columns {
    labels: Vec<f64>,
    values: Vec<(f64, f64)>,
}

fn columns(lines: &[Line], t: &Table) -> Columns {
    let mut spans: Vec<(f64, f64)> = t
        .body
        .iter()
        .flat_map(|i| lines[*i].segs.iter().filter(|s| s.number))
        .map(|s| (s.x0, s.x1))
        .collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut values: Vec<(f64, f64)> = Vec::new();
    for (a, b) in spans {
        match values.last_mut() {
            Some(v) if a <= v.1 + 0.5 => v.1 = v.1.max(b),
            _ => values.push((a, b)),
        }
    }
    let first = values.first().map_or(t.blank_from, |v| v.0);
    // Columns left blank all the way down (zeros not printed) hold no number: the header
    // segments right of the first value column that overlap no value column are taken as
    // columns too, the innermost header line first (a group label over several columns
    // overlaps the columns found under it).
    let overlaps = |s: &Seg, v: &(f64, f64)| s.x0 < v.1 + 0.5 && v.0 < s.x1 + 0.5;
    let mut blank: Vec<(f64, f64)> = Vec::new();
    for i in t.header.iter().rev() {
        for seg in lines[*i].segs.iter() {
            if !seg.number
                && seg.x0 >= first
                && !values.iter().chain(&blank).any(|v| overlaps(seg, v))
            {
                blank.push((seg.x0, seg.x1));
            }
        }
    }
    if !blank.is_empty() {
        values.extend(blank);
        values.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let mut edges: Vec<f64> = t
        .header
        .iter()
        .chain(&t.body)
        .flat_map(|i| lines[*i].segs.iter())
        .filter(|s| !s.number && s.center() < first)
        .map(|s| s.x0)
        .collect();
    edges.sort_by(f64::total_cmp);
    let mut labels: Vec<f64> = Vec::new();
    for x in edges {
        match labels.last() {
            Some(l) if x - *l <= 3.0 => {}
            _ => labels.push(x),
        }
    }
    if labels.is_empty() {
        labels.push(0.0);
    }
    Columns { labels, values }
}

/// The grid rows of a table.
fn grid_rows(lines: &[Line], t: &Table, cols: &Columns) -> Vec<Vec<Cell>> {
    let nl = cols.labels.len();
    let width = nl + cols.values.len();
    let first = cols.values.first().map_or(f64::INFINITY, |v| v.0);
    let mut rows = Vec::new();
    for (k, i) in t.header.iter().chain(&t.body).enumerate() {
        let is_header = k < t.header.len();
        let mut row: Vec<Cell> = vec![Cell::new(""); width];
        for s in &lines[*i].segs {
            let targets: Vec<usize> = if !s.number && s.center() < first {
                let c = cols
                    .labels
                    .iter()
                    .rposition(|x| *x <= s.x0 + 3.0)
                    .unwrap_or(0);
                vec![c]
            } else {
                // The value columns whose centre the segment covers (a merged header covers
                // several), else the one it overlaps most, else the nearest.
                let covered: Vec<usize> = cols
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| {
                        let c = (v.0 + v.1) / 2.0;
                        s.x0 <= c && c <= s.x1
                    })
                    .map(|(j, _)| nl + j)
                    .collect();
                if !covered.is_empty() && (is_header || covered.len() == 1) {
                    covered
                } else {
                    let best = cols
                        .values
                        .iter()
                        .enumerate()
                        .map(|(j, v)| {
                            let overlap = s.x1.min(v.1) - s.x0.max(v.0);
                            let dist = (s.center() - (v.0 + v.1) / 2.0).abs();
                            (j, overlap, dist)
                        })
                        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.2.total_cmp(&a.2)))
                        .map_or(0, |(j, _, _)| j);
                    vec![nl + best]
                }
            };
            for (n, c) in targets.into_iter().enumerate() {
                let Some(cell) = row.get_mut(c) else { continue };
                if n == 0 {
                    if !cell.text.is_empty() {
                        // Two numbers in one column stay apart (the row is then not read).
                        let sep = if s.number {
                            " "
                        } else {
                            glue(&cell.text, &s.text)
                        };
                        cell.text.push_str(sep);
                    }
                    cell.text.push_str(&s.text);
                    cell.spanned = false;
                } else if cell.text.is_empty() {
                    *cell = Cell::copy(grid::copy_text(&s.text));
                }
            }
        }
        rows.push(row);
    }
    join_split_rows(&mut rows, t.header.len(), nl);
    rows
}

/// Joins the values of one row printed on two lines: where each cell of a row centres its
/// content over its own padding (web pages saved from Word pad cells with empty paragraphs),
/// one number of a row may stand a line or two above or below the others. A body row holding
/// some of the value columns and, at most three lines further down past lines without
/// numbers, a row holding exactly the others — the two together every value column, and at
/// least one of them no label — are one row: the values move up and a row left empty is
/// dropped. (Where zeros are left blank no row holds every column, and nothing is joined.)
fn join_split_rows(rows: &mut Vec<Vec<Cell>>, header: usize, nl: usize) {
    let filled = |row: &[Cell]| -> Vec<bool> {
        row.iter()
            .skip(nl)
            .map(|c| is_number(c.text.trim()))
            .collect()
    };
    let no_label = |row: &[Cell]| row.iter().take(nl).all(|c| c.text.trim().is_empty());
    let mut r = header;
    while r < rows.len() {
        let mine = filled(&rows[r]);
        let count = mine.iter().filter(|f| **f).count();
        if count == 0 || count == mine.len() {
            r += 1;
            continue;
        }
        let other = (r + 1..rows.len().min(r + 4)).find(|q| filled(&rows[*q]).contains(&true));
        if let Some(q) = other {
            let theirs = filled(&rows[q]);
            let complement =
                mine.len() == theirs.len() && mine.iter().zip(&theirs).all(|(a, b)| a != b);
            if complement && (no_label(&rows[r]) || no_label(&rows[q])) {
                for (c, take) in theirs.iter().enumerate() {
                    if *take {
                        let moved = std::mem::replace(&mut rows[q][nl + c], Cell::new(""));
                        rows[r][nl + c] = moved;
                    }
                }
                if rows[q].iter().all(|c| c.text.trim().is_empty()) {
                    rows.remove(q);
                }
            }
        }
        r += 1;
    }
}

/// The tables of the document's lines.
fn find_tables(lines: &[Line]) -> Vec<Table> {
    let heading = |l: &Line| gongkai_domain::audit::is_section_heading(&l.plain);
    let data = |l: &Line| l.has_number() && !l.prose() && !heading(l);
    let far =
        |a: &Line, b: &Line| a.page == b.page && b.y - a.y > GAP_FACTOR * a.height.max(b.height);
    let mut tables: Vec<Table> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !data(&lines[i]) {
            if let Some(t) = blank_table(lines, i) {
                i = t.body.last().map_or(i, |x| x + 1).max(i + 1);
                tables.push(t);
            } else {
                i += 1;
            }
            continue;
        }
        // The header: lines above the first data line with text over its numbers, up to a
        // heading, prose, a gap, or the previous table.
        let floor = tables
            .last()
            .and_then(|t| t.body.last())
            .map_or(0, |x| x + 1);
        let nums = lines[i].segs.iter().filter(|s| s.number);
        let band0 = nums.clone().map(|s| s.x0).fold(f64::INFINITY, f64::min);
        let band1 = nums.map(|s| s.x1).fold(f64::NEG_INFINITY, f64::max);
        let mut header = Vec::new();
        // Lines of the label columns alone right above the first data line: rows whose values
        // are all left blank, kept as the body's first rows when a header stands above them.
        let mut blank_rows: Vec<usize> = Vec::new();
        let mut k = i;
        while k > floor && header.len() < MAX_HEADER_LINES {
            let l = &lines[k - 1];
            let below = &lines[k];
            let over_band = l.segs.iter().any(|s| s.x1 > band0 && s.x0 < band1);
            // (Headers of columns right of the first data line's last number, when its last
            // values are left blank, stand right of the band.)
            let right_of_band = !l.segs.is_empty() && l.segs.iter().all(|s| s.x0 >= band1);
            if heading(l) || l.prose() || data(l) || far(l, below) {
                break;
            }
            if !(over_band || right_of_band) {
                let label_only = !l.segs.is_empty() && l.segs.iter().all(|s| s.x1 <= band0);
                if header.is_empty() && label_only && blank_rows.len() < MAX_GAP_LINES {
                    blank_rows.push(k - 1);
                    k -= 1;
                    continue;
                }
                break;
            }
            header.push(k - 1);
            k -= 1;
        }
        header.reverse();
        // Without a header above them, those lines are not the table's.
        let blank_rows: Vec<usize> = if header.is_empty() {
            Vec::new()
        } else {
            blank_rows.into_iter().rev().collect()
        };
        let head_text: Vec<String> = header.iter().map(|h| lines[*h].text("")).collect();
        // The body: data lines and the lines between them. Lines at the top of a continuation
        // page that repeat header lines are a repeated header: left out, the table goes on.
        let mut body = blank_rows;
        body.push(i);
        let mut last = i;
        let mut j = i + 1;
        let mut between = Vec::new();
        let mut other = 0;
        let mut at_top = false;
        let mut band = (band0, band1);
        while j < lines.len() {
            let l = &lines[j];
            if l.page != lines[j - 1].page {
                at_top = true;
            }
            if heading(l) || l.prose() {
                break;
            }
            // A wide gap ends the table, unless the table's rows go on after it: cells padded
            // with empty paragraphs (web pages saved from Word) make rows far taller than a
            // line.
            if far(&lines[j - 1], l) && !goes_on(lines, j, band) {
                break;
            }
            if data(l) {
                at_top = false;
                other = 0;
                body.append(&mut between);
                body.push(j);
                last = j;
                for n in l.segs.iter().filter(|s| s.number) {
                    band.0 = band.0.min(n.x0);
                    band.1 = band.1.max(n.x1);
                }
            } else if at_top && head_text.contains(&l.text("")) {
                // A repeated header: left out.
            } else if l.segs.iter().any(|s| s.x1 > band.0 + 2.0 && s.x0 < band.1) {
                // Text over the value columns after data: the header of the next table.
                break;
            } else {
                // Lines of the label columns alone (rows whose values are all left blank, and
                // their wrapped labels) may run longer than other lines without numbers.
                if !l.segs.iter().all(|s| s.x1 <= band.0 + 2.0) {
                    other += 1;
                }
                between.push(j);
                if other > MAX_GAP_LINES || between.len() > MAX_LABEL_LINES {
                    break;
                }
            }
            j += 1;
        }
        let kept = body;
        tables.push(Table {
            header,
            body: kept,
            blank_from: f64::INFINITY,
        });
        i = last + 1;
    }
    tables
}

/// Whether the lines from `j` on continue a table whose numbers lie in `band` (after a wide
/// gap): up to [`MAX_GAP_LINES`] lines of the label columns alone, then a line of two or more
/// numbers, every one of them within the band, before any heading, prose or other text.
fn goes_on(lines: &[Line], j: usize, band: (f64, f64)) -> bool {
    let in_band = |s: &Seg| s.x0 >= band.0 - 2.0 && s.x1 <= band.1 + 2.0;
    for l in lines.iter().skip(j).take(MAX_GAP_LINES + 1) {
        if gongkai_domain::audit::is_section_heading(&l.plain) || l.prose() {
            return false;
        }
        if l.has_number() {
            let numbers: Vec<&Seg> = l.segs.iter().filter(|s| s.number).collect();
            return numbers.len() >= 2 && numbers.iter().all(|s| in_band(s));
        }
        if !l.segs.iter().all(|s| s.x1 <= band.0 + 2.0) {
            return false;
        }
    }
    false
}

/// A table whose values are all left blank (zeros not printed), starting at line `i`: a header
/// line of two or more texts and no number, then one to [`MAX_GAP_LINES`] lines of one text
/// each, all left of the header's second text, up to a heading, a number, prose, a gap or
/// another line of the header's shape. Its columns come from the header alone.
fn blank_table(lines: &[Line], i: usize) -> Option<Table> {
    let head = &lines[i];
    let plain_line = |l: &Line| {
        !l.has_number() && !l.prose() && !gongkai_domain::audit::is_section_heading(&l.plain)
    };
    if head.segs.len() < 2 || !plain_line(head) {
        return None;
    }
    let from = head.segs.get(1).map(|s| s.x0)?;
    let far =
        |a: &Line, b: &Line| a.page != b.page || b.y - a.y > GAP_FACTOR * a.height.max(b.height);
    let mut body = Vec::new();
    let mut j = i + 1;
    while j < lines.len() && body.len() < MAX_GAP_LINES {
        let l = &lines[j];
        let label = l.segs.len() == 1 && l.segs.iter().all(|s| s.x1 < from);
        if !plain_line(l) || !label || far(&lines[j - 1], l) {
            break;
        }
        body.push(j);
        j += 1;
    }
    // It ends where the text goes on as text: a heading, the end, or a wide line.
    let ends = lines
        .get(j)
        .is_none_or(|l| gongkai_domain::audit::is_section_heading(&l.plain) || l.prose());
    (!body.is_empty() && ends).then_some(Table {
        header: vec![i],
        body,
        blank_from: from,
    })
}

/// The text of a PDF's pages (as `parse` gives them), its tables as layout grids.
pub fn text(pages: &[Page]) -> String {
    let per_page: Vec<Vec<Line>> = pages
        .iter()
        .enumerate()
        .map(|(i, p)| page_lines(p, i))
        .collect();
    let lines: Vec<Line> = drop_running(pages, per_page)
        .into_iter()
        .flatten()
        .collect();
    let tables = find_tables(&lines);
    let mut out = String::new();
    let mut t = 0;
    let mut i = 0;
    while i < lines.len() {
        if let Some(table) = tables.get(t) {
            let start = table.header.first().or(table.body.first()).copied();
            if start == Some(i) {
                let cols = columns(&lines, table);
                out.push_str(&grid::encode_as(
                    &grid_rows(&lines, table, &cols),
                    Source::Layout,
                ));
                i = table.body.last().map_or(i, |x| x + 1).max(i + 1);
                t += 1;
                continue;
            }
        }
        out.push_str(&lines[i].plain);
        out.push('\n');
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(x0: f64, y: f64, text: &str) -> String {
        let x1 = x0 + 8.0 * text.chars().count() as f64;
        format!(
            "<word xMin=\"{x0}\" yMin=\"{}\" xMax=\"{x1}\" yMax=\"{}\">{text}</word>",
            y - 5.0,
            y + 5.0
        )
    }

    fn doc(pages: &[Vec<String>]) -> String {
        let mut s = String::from("<html><body><doc>");
        for p in pages {
            s.push_str("<page width=\"600\" height=\"800\"><flow><block><line>");
            s.push_str(&p.concat());
            s.push_str("</line></block></flow></page>");
        }
        s.push_str("</doc></body></html>");
        s
    }

    #[test]
    fn a_table_over_a_page_break_with_a_repeated_header_is_one_grid() {
        let header = |y: f64| {
            vec![
                w(200.0, y, "甲列"),
                w(300.0, y, "乙列"),
                w(400.0, y, "合计"),
            ]
        };
        let mut p1 = vec![
            w(40.0, 20.0, "某某报告"),
            w(40.0, 100.0, "三、收到和处理政府信息公开申请情况"),
        ];
        p1.extend(header(130.0));
        p1.extend([
            w(40.0, 150.0, "第一行"),
            w(200.0, 150.0, "1"),
            w(300.0, 150.0, "2"),
            w(400.0, 150.0, "3"),
        ]);
        p1.extend([
            w(40.0, 170.0, "第二行很长的标签"),
            w(200.0, 172.0, "4"),
            w(400.0, 172.0, "4"),
            w(40.0, 183.0, "续"),
        ]);
        let mut p2 = vec![w(40.0, 20.0, "某某报告")];
        p2.extend(header(60.0));
        p2.extend([
            w(40.0, 80.0, "第三行"),
            w(200.0, 80.0, "５"),
            w(300.0, 80.0, "6"),
            w(400.0, 80.0, "1,1"),
        ]);
        let pages = parse(doc(&[p1, p2]).as_bytes()).unwrap_or_default();
        assert_eq!(pages.len(), 2);
        let text = text(&pages);
        assert!(!text.contains("某某报告"), "running header kept:\n{text}");
        assert_eq!(text.matches(grid::GRID_START_LAYOUT).count(), 1, "{text}");
        let (_, grids) = grid::split_grids(&text);
        let rows: Vec<Vec<&str>> = grids[0]
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(grids[0].source, Source::Layout);
        assert_eq!(rows[0], vec!["", "甲列", "乙列", "合计"]);
        assert_eq!(rows[1], vec!["第一行", "1", "2", "3"]);
        assert_eq!(rows[2], vec!["第二行很长的标签", "4", "", "4"]);
        assert_eq!(rows[3], vec!["续", "", "", ""]);
        assert_eq!(rows[4], vec!["第三行", "５", "6", "1,1"]);
        assert_eq!(rows.len(), 5, "{rows:?}");
    }

    #[test]
    fn a_column_left_blank_and_rows_left_blank_stay_in_the_table() {
        // 乙列 holds no number on any row; ten rows between the first and the last are left
        // blank (their labels alone, some wrapped).
        let mut p = vec![
            w(40.0, 100.0, "三、收到和处理政府信息公开申请情况"),
            w(200.0, 130.0, "甲列"),
            w(300.0, 130.0, "乙列"),
            w(400.0, 130.0, "丙列"),
            w(40.0, 150.0, "第一行"),
            w(200.0, 150.0, "1"),
            w(400.0, 150.0, "3"),
        ];
        for k in 0..10 {
            p.push(w(40.0, 165.0 + 12.0 * k as f64, "空白行"));
        }
        p.extend([
            w(40.0, 300.0, "末行"),
            w(200.0, 300.0, "4"),
            w(400.0, 300.0, "6"),
        ]);
        let pages = parse(doc(&[p]).as_bytes()).unwrap_or_default();
        let text = text(&pages);
        assert_eq!(text.matches(grid::GRID_START_LAYOUT).count(), 1, "{text}");
        let (_, grids) = grid::split_grids(&text);
        let rows: Vec<Vec<&str>> = grids[0]
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(rows[0], vec!["", "甲列", "乙列", "丙列"]);
        assert_eq!(rows[1], vec!["第一行", "1", "", "3"]);
        assert_eq!(rows[2], vec!["空白行", "", "", ""]);
        assert_eq!(rows.last(), Some(&vec!["末行", "4", "", "6"]));
    }

    #[test]
    fn headers_over_columns_left_blank_right_of_the_values_are_kept() {
        // Only the first of three columns holds a value; the others' headers stand on a line
        // of their own, right of it, just above the data.
        let p = vec![
            w(40.0, 100.0, "四、政府信息公开行政复议、行政诉讼情况"),
            w(200.0, 120.0, "甲列"),
            w(300.0, 130.0, "乙列"),
            w(400.0, 130.0, "丙列"),
            w(200.0, 150.0, "7"),
        ];
        let pages = parse(doc(&[p]).as_bytes()).unwrap_or_default();
        let (_, grids) = grid::split_grids(&text(&pages));
        let rows: Vec<Vec<&str>> = grids[0]
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(rows.last(), Some(&vec!["", "7", "", ""]), "{rows:?}");
        assert!(rows.iter().any(|r| r.contains(&"丙列")), "{rows:?}");
    }

    #[test]
    fn rows_left_blank_between_the_header_and_the_first_number_stay_under_the_header() {
        // Table 二's first block: its first row (规章) wholly blank, so the header stands above
        // a line of the label column alone; the middle column holds no number.
        let p = vec![
            w(40.0, 100.0, "二、主动公开政府信息情况"),
            w(40.0, 130.0, "信息内容"),
            w(200.0, 130.0, "本年制发件数"),
            w(300.0, 130.0, "本年废止件数"),
            w(400.0, 130.0, "现行有效件数"),
            w(40.0, 150.0, "规章"),
            w(40.0, 170.0, "行政规范性文件"),
            w(220.0, 170.0, "2"),
            w(420.0, 170.0, "9"),
        ];
        let pages = parse(doc(&[p]).as_bytes()).unwrap_or_default();
        let (_, grids) = grid::split_grids(&text(&pages));
        let rows: Vec<Vec<&str>> = grids[0]
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(
            rows,
            vec![
                vec!["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                vec!["规章", "", "", ""],
                vec!["行政规范性文件", "2", "", "9"],
            ]
        );
    }

    #[test]
    fn a_block_whose_values_are_all_left_blank_is_a_table_of_its_header() {
        // Table 二's last block with its fee left blank: a header and a label, no number.
        let p = vec![
            w(40.0, 100.0, "信息内容"),
            w(200.0, 100.0, "本年收费金额（单位：万元）"),
            w(40.0, 120.0, "行政事业性收费"),
            w(40.0, 150.0, "三、收到和处理政府信息公开申请情况"),
        ];
        let pages = parse(doc(&[p]).as_bytes()).unwrap_or_default();
        let (plain, grids) = grid::split_grids(&text(&pages));
        let rows: Vec<Vec<&str>> = grids[0]
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(
            rows,
            vec![
                vec!["信息内容", "本年收费金额（单位：万元）"],
                vec!["行政事业性收费", ""],
            ]
        );
        assert!(
            plain.contains("三、收到和处理政府信息公开申请情况"),
            "{plain}"
        );
        // Lines of text that go on as such are not one.
        let p = vec![
            w(40.0, 100.0, "甲"),
            w(200.0, 100.0, "乙"),
            w(40.0, 120.0, "丙"),
            w(40.0, 140.0, "丁"),
            w(200.0, 140.0, "戊"),
        ];
        let pages = parse(doc(&[p]).as_bytes()).unwrap_or_default();
        assert!(grid::split_grids(&text(&pages)).1.is_empty());
    }

    #[test]
    fn a_merged_header_is_copied_over_its_columns() {
        let p = vec![
            w(200.0, 100.0, "法人或其他组织法人或其他组织法人或其"),
            w(200.0, 120.0, "商业"),
            w(300.0, 120.0, "科研"),
            w(40.0, 140.0, "新收"),
            w(200.0, 140.0, "7"),
            w(300.0, 140.0, "8"),
        ];
        let pages = parse(doc(&[p]).as_bytes()).unwrap_or_default();
        let (_, grids) = grid::split_grids(&text(&pages));
        let top = &grids[0].rows[0];
        assert!(!top[1].spanned && top[2].spanned, "{top:?}");
    }

    #[test]
    fn hostile_xhtml_is_bounded_and_never_panics() {
        assert_eq!(parse(&vec![b' '; MAX_XHTML + 1]), Err(BboxError::TooLarge));
        for s in [
            "",
            "<page",
            "<page width=\"NaN\"><word xMin=\"inf\" yMin=\"-1e308\" xMax=\"x\">1</word>",
            "<word>&#0;&bogus;</word><page><word xMin=\"5\" xMax=\"1\">9</word>",
        ] {
            let pages = parse(s.as_bytes()).unwrap_or_default();
            let _ = text(&pages);
        }
        let many: String = (0..MAX_WORDS + 10)
            .map(|i| {
                format!(
                    "<word xMin=\"{}\" yMin=\"1\" xMax=\"{}\" yMax=\"2\">1</word>",
                    i % 500,
                    i % 500 + 1
                )
            })
            .collect();
        let pages =
            parse(format!("<page height=\"800\">{many}</page>").as_bytes()).unwrap_or_default();
        assert_eq!(pages[0].words.len(), MAX_WORDS);
    }
}
