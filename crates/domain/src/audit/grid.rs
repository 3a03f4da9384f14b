//! Tables as grids of cells, whatever the file they came from.
//!
//! A grid is a table with its merged cells expanded: every slot a merged cell covers holds a
//! copy of its text marked `spanned`, so a column's header is the text above it in every header
//! row and a row's label is the text to its left, while a value is counted once (only the
//! top-left slot of a merged cell is a value).
//!
//! The readers of `gongkai-export` (HTML, DOCX) hand the auditor an [`Extracted`]: the text of
//! the report with its grids as values, standing between its lines. The auditor reads the grids
//! as they are and gives every other reader the text with each grid replaced by its rows' lines:
//! each row one line, its own cells only, separated by tabs, and an empty cell of a row that holds
//! numbers written `0` (as the positional reading expects).
//!
//! Where a `String` must be passed along (the PDF reader's child process writes its result to a
//! pipe), grids travel inside the text: a line [`GRID_START`], one line per row with cells
//! separated by tabs and spanned copies prefixed with [`SPANNED`], then [`GRID_END`]
//! ([`Extracted::to_text`]); [`Extracted::from_text`] and [`split_grids`] take them out again.
//!
//! A PDF's tables come as grids rebuilt from the positions of their words (`gongkai-export`'s
//! `bbox`), marked by [`GRID_START_LAYOUT`] and read back as [`Source::Layout`]: every row has
//! every column, merged headers are copies, and a row's line for the positional reading is what
//! is printed on it ([`row_line_of`]).
//!
//! Plain text and Markdown have no markup; [`text_rows`] cuts their lines into cells by their
//! separators (tabs, pipes, runs of two or more spaces, or number tokens after a label).

/// First line of a grid inside text.
pub const GRID_START: &str = "\u{1e}grid";
/// First line of a grid built from the positions of words on a page (a PDF's layout).
pub const GRID_START_LAYOUT: &str = "\u{1e}grid layout";
/// Last line of a grid inside text.
pub const GRID_END: &str = "\u{1e}end";
/// Prefix of a cell that is a copy of a merged cell's text.
pub const SPANNED: char = '\u{1f}';

/// Widest grid kept (columns); wider merged cells are cut.
pub const MAX_COLS: usize = 256;
/// Most slots a grid keeps (rows past it are left out), so that merged cells in a hostile file
/// cannot multiply into a huge grid.
pub const MAX_SLOTS: usize = 200_000;
/// Most rows a merged cell covers.
pub const MAX_ROWSPAN: usize = 1000;
/// Longest text a merged cell's copy keeps (labels and headers are far shorter).
pub const MAX_COPY_CHARS: usize = 120;

/// The text a copy of a merged cell keeps.
pub fn copy_text(t: &str) -> String {
    t.chars().take(MAX_COPY_CHARS).collect()
}

/// One slot of a grid.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cell {
    pub text: String,
    /// A copy of a merged cell's text (the merged cell starts left of or above this slot).
    pub spanned: bool,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            spanned: false,
        }
    }
    pub fn copy(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            spanned: true,
        }
    }
}

/// A cell as written in markup: its text and how many columns and rows it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCell {
    pub text: String,
    pub colspan: usize,
    pub rowspan: usize,
}

/// Where a grid's cells came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Table markup (HTML, DOCX): cells and merges as the author made them.
    Markup,
    /// Text cut at explicit separators (tabs, Markdown pipes).
    Separated,
    /// Words placed by their positions on the page (a PDF read with coordinates): rows from
    /// their heights, columns from the positions of the numbers below the headers. Every row
    /// has every column; an empty slot is a blank cell.
    Layout,
    /// Text cut at spaces (text extracted from a PDF, or typed).
    Spaces,
}

/// A grid and the line of the text (as [`split_grids`] returns it) where its first row is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub rows: Vec<Vec<Cell>>,
    pub line: usize,
    pub source: Source,
}

/// Places HTML-style rows (each holding the cells that start in it) into a grid, expanding
/// `colspan` and `rowspan` into spanned copies. Spans are capped so that no input can make the
/// grid wider than [`MAX_COLS`] or longer than the rows given.
pub fn place(rows: &[Vec<RawCell>]) -> Vec<Vec<Cell>> {
    place_owned(rows.to_vec())
}

/// [`place`], taking the rows (each cell's text moves into its first slot).
pub fn place_owned(rows: Vec<Vec<RawCell>>) -> Vec<Vec<Cell>> {
    let n = rows.len();
    let mut out: Vec<Vec<Option<Cell>>> = vec![Vec::new(); n];
    let mut slots = 0usize;
    for (r, row) in rows.into_iter().enumerate() {
        if slots > MAX_SLOTS {
            out.truncate(r);
            break;
        }
        let mut c = 0;
        for mut cell in row {
            while out[r].get(c).is_some_and(|s| s.is_some()) {
                c += 1;
            }
            if c >= MAX_COLS {
                break;
            }
            let cs = cell.colspan.clamp(1, MAX_COLS - c);
            let rs = cell.rowspan.clamp(1, n - r).min(MAX_ROWSPAN);
            // (Only slots other than the first take the copy.)
            let copy = if cs > 1 || rs > 1 {
                copy_text(&cell.text)
            } else {
                String::new()
            };
            for (dr, row_slots) in out.iter_mut().skip(r).take(rs).enumerate() {
                if row_slots.len() < c + cs {
                    row_slots.resize(c + cs, None);
                }
                for dc in 0..cs {
                    let first = dr == 0 && dc == 0;
                    if row_slots[c + dc].is_none() {
                        row_slots[c + dc] = Some(Cell {
                            text: if first {
                                // (The first slot is the only one that takes the text.)
                                std::mem::take(&mut cell.text)
                            } else {
                                copy.clone()
                            },
                            spanned: !first,
                        });
                    }
                }
            }
            c += cs;
        }
        slots += out[r].len();
    }
    out.into_iter()
        .map(|row| row.into_iter().map(Option::unwrap_or_default).collect())
        .collect()
}

/// Cell text with whitespace collapsed and the characters that would break the line format
/// (tabs, line breaks, the markers) turned into spaces, appended to `out`.
fn push_clean_cell(out: &mut String, t: &str) {
    let mut first = true;
    for part in t
        .split(|c: char| c.is_whitespace() || c == SPANNED || c == '\u{1e}')
        .filter(|s| !s.is_empty())
    {
        if !first {
            out.push(' ');
        }
        out.push_str(part);
        first = false;
    }
}

/// The text lines of a grid, to be placed on their own lines inside a report's text.
pub fn encode(rows: &[Vec<Cell>]) -> String {
    encode_as(rows, Source::Markup)
}

/// [`encode`] for a grid of the given source ([`Source::Layout`] gets its own first line;
/// any other source is read back as markup).
pub fn encode_as(rows: &[Vec<Cell>], source: Source) -> String {
    let mut s = String::new();
    encode_into(&mut s, rows, source);
    s
}

/// [`encode_as`], appended to `s`.
pub fn encode_into(s: &mut String, rows: &[Vec<Cell>], source: Source) {
    s.push_str(if source == Source::Layout {
        GRID_START_LAYOUT
    } else {
        GRID_START
    });
    s.push('\n');
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            if i > 0 {
                s.push('\t');
            }
            if c.spanned {
                s.push(SPANNED);
            }
            push_clean_cell(s, &c.text);
        }
        s.push('\n');
    }
    s.push_str(GRID_END);
    s.push('\n');
}

/// The line of a row for the readers that read lines: its own cells separated by tabs, an empty
/// cell written `0` when the row holds a number. A layout row is given as printed: its
/// non-empty cells only, so that the positional reading counts what is on the page and not
/// where the columns were placed.
pub fn row_line_of(row: &[Cell], source: Source) -> String {
    let mut s = String::new();
    push_row_line(&mut s, row, source);
    s
}

/// [`row_line_of`], appended to `out`.
fn push_row_line(out: &mut String, row: &[Cell], source: Source) {
    let own = row.iter().filter(|c| !c.spanned).map(|c| c.text.trim());
    let mut first = true;
    if source == Source::Layout {
        for t in own.filter(|t| !t.is_empty()) {
            if !first {
                out.push('\t');
            }
            out.push_str(t);
            first = false;
        }
        return;
    }
    let has_number = own.clone().any(super::tables::is_number);
    for t in own {
        if !first {
            out.push('\t');
        }
        out.push_str(if has_number && t.is_empty() { "0" } else { t });
        first = false;
    }
}

/// The line of a row of a markup grid (see [`row_line_of`]).
pub fn row_line(row: &[Cell]) -> String {
    row_line_of(row, Source::Markup)
}

/// Takes the grids out of a text: the text with each grid replaced by its rows' lines
/// ([`row_line`]), and the grids with the line of their first row.
pub fn split_grids(text: &str) -> (String, Vec<Grid>) {
    if !text.contains(GRID_START) {
        return (text.to_string(), Vec::new());
    }
    let mut out = String::with_capacity(text.len());
    let mut grids = Vec::new();
    let mut line_no = 0usize;
    let mut current: Option<Grid> = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line == GRID_START || line == GRID_START_LAYOUT {
            if let Some(g) = current.take() {
                grids.push(g);
            }
            current = Some(Grid {
                rows: Vec::new(),
                line: line_no,
                source: if line == GRID_START {
                    Source::Markup
                } else {
                    Source::Layout
                },
            });
            continue;
        }
        if line == GRID_END {
            if let Some(g) = current.take() {
                grids.push(g);
            }
            continue;
        }
        match current.as_mut() {
            Some(g) => {
                let row: Vec<Cell> = line
                    .split('\t')
                    .map(|c| match c.strip_prefix(SPANNED) {
                        Some(t) => Cell::copy(t),
                        None => Cell::new(c),
                    })
                    .collect();
                push_row_line(&mut out, &row, g.source);
                g.rows.push(row);
            }
            None => out.push_str(line),
        }
        out.push('\n');
        line_no += 1;
    }
    if let Some(g) = current.take() {
        grids.push(g);
    }
    (out, grids)
}

/// A report as a reader gives it, the grids of its tables kept as values: the lines outside the
/// grids, and each grid with the place among those lines where it stands. Handed to
/// [`super::audit`] as it is, the grids are neither written into the text nor parsed back out of
/// it; [`Extracted::to_text`] writes the text form (grids between [`GRID_START`] and
/// [`GRID_END`]) for callers that pass a `String` along (the PDF reader's child process), and
/// [`Extracted::from_text`] reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    /// The lines outside the grids.
    text: String,
    /// Each grid: the byte offset in `text` where it stands, its source, its rows.
    grids: Vec<(usize, Source, Vec<Vec<Cell>>)>,
    /// Whether `text` holds the character that starts the text form's marker lines (a file
    /// carrying that control character): it is then read as its text form would be.
    markers: bool,
}

impl Extracted {
    pub fn new() -> Extracted {
        Extracted::default()
    }

    /// Appends text (whole lines: a grid pushed next starts a line of its own only after a line
    /// break).
    pub fn push_str(&mut self, s: &str) {
        self.markers |= s.contains('\u{1e}');
        self.text.push_str(s);
    }

    /// Appends a line (a line break is added after it).
    pub fn push_line(&mut self, line: &str) {
        self.push_str(line);
        self.text.push('\n');
    }

    /// Appends a grid of the given source ([`Source::Layout`], or any other, which is read as
    /// [`Source::Markup`]). Each cell's text is cleaned as [`encode`] writes it: whitespace
    /// collapsed, the characters of the text form's markers turned into spaces; a row without
    /// cells holds one empty cell.
    pub fn push_grid(&mut self, mut rows: Vec<Vec<Cell>>, source: Source) {
        for row in &mut rows {
            if row.is_empty() {
                row.push(Cell::default());
            }
            for c in row.iter_mut() {
                if !is_clean(&c.text) {
                    let mut s = String::with_capacity(c.text.len());
                    push_clean_cell(&mut s, &c.text);
                    c.text = s;
                }
            }
        }
        let source = if source == Source::Layout {
            Source::Layout
        } else {
            Source::Markup
        };
        self.grids.push((self.text.len(), source, rows));
    }

    /// Appends another reading (its text after this one's, its grids with it).
    pub fn append(&mut self, other: Extracted) {
        let base = self.text.len();
        self.markers |= other.markers;
        self.text.push_str(&other.text);
        self.grids.extend(
            other
                .grids
                .into_iter()
                .map(|(at, source, rows)| (base + at, source, rows)),
        );
    }

    /// The lines outside the grids.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether nothing was read (no text, no grid).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.grids.is_empty()
    }

    /// The text form: the lines, each grid written where it stands ([`encode_as`]).
    pub fn to_text(&self) -> String {
        let mut s = String::with_capacity(self.text.len() * 2);
        let mut from = 0;
        for (at, source, rows) in &self.grids {
            s.push_str(self.text.get(from..*at).unwrap_or(""));
            encode_into(&mut s, rows, *source);
            from = *at;
        }
        s.push_str(self.text.get(from..).unwrap_or(""));
        s
    }

    /// Reads the text form: the grids between their marker lines taken out as values (as
    /// [`split_grids`] does, cells as written).
    pub fn from_text(text: String) -> Extracted {
        if !text.contains(GRID_START) {
            return Extracted {
                text,
                ..Extracted::default()
            };
        }
        let mut ex = Extracted::default();
        let mut current: Option<(usize, Source, Vec<Vec<Cell>>)> = None;
        for line in text.lines() {
            let line = line.trim_end_matches('\r');
            if line == GRID_START || line == GRID_START_LAYOUT {
                ex.grids.extend(current.take());
                let source = if line == GRID_START {
                    Source::Markup
                } else {
                    Source::Layout
                };
                current = Some((ex.text.len(), source, Vec::new()));
                continue;
            }
            if line == GRID_END {
                ex.grids.extend(current.take());
                continue;
            }
            match current.as_mut() {
                Some((_, _, rows)) => rows.push(
                    line.split('\t')
                        .map(|c| match c.strip_prefix(SPANNED) {
                            Some(t) => Cell::copy(t),
                            None => Cell::new(c),
                        })
                        .collect(),
                ),
                None => {
                    ex.text.push_str(line);
                    ex.text.push('\n');
                }
            }
        }
        ex.grids.extend(current.take());
        ex
    }

    /// What the auditor reads: the lines every line reader sees (digits half width, each grid
    /// replaced by its rows' lines, [`row_line_of`]) and the grids (half width) with the line of
    /// their first row: the `str::lines` of the text of [`Self::into_plain`], built without
    /// writing that text and splitting it again.
    pub(super) fn into_lines(self) -> (Vec<String>, Vec<Grid>) {
        if self.markers || !self.grids_at_line_starts() {
            // Text that the text form would read differently: read it that way.
            return Extracted::from_text(self.to_text()).into_lines_form();
        }
        self.into_lines_form()
    }

    /// Whether every grid stands at the start of a line of the text.
    fn grids_at_line_starts(&self) -> bool {
        self.grids
            .iter()
            .all(|(at, _, _)| *at == 0 || self.text.as_bytes().get(at - 1) == Some(&b'\n'))
    }

    /// [`Self::into_lines`] of a reading whose text holds no marker line and whose grids start
    /// lines.
    fn into_lines_form(self) -> (Vec<String>, Vec<Grid>) {
        let Extracted { text, grids, .. } = self;
        let rows: usize = grids.iter().map(|(_, _, r)| r.len()).sum();
        let mut lines = Vec::with_capacity(text.len() / 24 + rows + 1);
        if grids.is_empty() {
            // The text as it is (`str::lines` keeps a carriage return that ends no line).
            push_halfwidth_lines(&mut lines, &text, false);
            return (lines, Vec::new());
        }
        let mut from = 0;
        let mut placed = Vec::with_capacity(grids.len());
        for (at, source, mut rows) in grids {
            push_halfwidth_lines(&mut lines, text.get(from..at).unwrap_or(""), true);
            from = at;
            let line = lines.len();
            for row in &mut rows {
                for c in row.iter_mut() {
                    if let std::borrow::Cow::Owned(t) = halfwidth_cow(&c.text) {
                        c.text = t;
                    }
                }
                let mut s = String::new();
                push_row_line(&mut s, row, source);
                lines.push(s);
            }
            placed.push(Grid { line, source, rows });
        }
        push_halfwidth_lines(&mut lines, text.get(from..).unwrap_or(""), true);
        (lines, placed)
    }

    /// What the auditor reads, as one text: see [`Self::into_lines`]. The same as
    /// [`split_grids`] of the [`halfwidth`] of [`Self::to_text`].
    #[cfg(test)]
    pub(super) fn into_plain(self) -> (String, Vec<Grid>) {
        let at_line_starts = self
            .grids
            .iter()
            .all(|(at, _, _)| *at == 0 || self.text.as_bytes().get(at - 1) == Some(&b'\n'));
        if self.markers || !at_line_starts {
            // Text that the text form would read differently: read it that way.
            return Extracted::from_text(self.to_text()).into_plain_form();
        }
        self.into_plain_form()
    }

    /// [`Self::into_plain`] of a reading whose text holds no marker line and whose grids start
    /// lines.
    #[cfg(test)]
    fn into_plain_form(self) -> (String, Vec<Grid>) {
        let Extracted { text, grids, .. } = self;
        if grids.is_empty() {
            let text = match halfwidth_cow(&text) {
                std::borrow::Cow::Owned(t) => t,
                std::borrow::Cow::Borrowed(_) => text,
            };
            return (text, Vec::new());
        }
        let mut out = String::with_capacity(text.len() * 2);
        let mut line_no = 0usize;
        let mut from = 0;
        let mut placed = Vec::with_capacity(grids.len());
        for (at, source, mut rows) in grids {
            line_no += push_lines(&mut out, text.get(from..at).unwrap_or(""));
            from = at;
            for row in &mut rows {
                for c in row.iter_mut() {
                    if let std::borrow::Cow::Owned(t) = halfwidth_cow(&c.text) {
                        c.text = t;
                    }
                }
                push_row_line(&mut out, row, source);
                out.push('\n');
            }
            placed.push(Grid {
                line: line_no,
                source,
                rows,
            });
            line_no += placed.last().map_or(0, |g| g.rows.len());
        }
        push_lines(&mut out, text.get(from..).unwrap_or(""));
        (out, placed)
    }
}

/// Appends the lines of `s` (half width; with `trim_cr`, the carriage returns ending a line
/// dropped), as [`push_lines`] writes them.
fn push_halfwidth_lines(out: &mut Vec<String>, s: &str, trim_cr: bool) {
    let s = halfwidth_cow(s);
    for line in s.lines() {
        let line = if trim_cr {
            line.trim_end_matches('\r')
        } else {
            line
        };
        out.push(line.to_string());
    }
}

/// Appends the lines of `s` (half width, a carriage return before the line break dropped, each
/// ending in a line break) and says how many.
#[cfg(test)]
fn push_lines(out: &mut String, s: &str) -> usize {
    let s = halfwidth_cow(s);
    if s.ends_with('\n') && !s.contains('\r') {
        out.push_str(&s);
        return s.bytes().filter(|b| *b == b'\n').count();
    }
    let mut n = 0;
    for line in s.lines() {
        out.push_str(line.trim_end_matches('\r'));
        out.push('\n');
        n += 1;
    }
    n
}

/// Whether a cell's text is as [`push_clean_cell`] writes it.
fn is_clean(t: &str) -> bool {
    let mut prev_space = true;
    for c in t.chars() {
        if c == ' ' {
            if prev_space {
                return false;
            }
            prev_space = true;
        } else if c.is_whitespace() || c == SPANNED || c == '\u{1e}' {
            return false;
        } else {
            prev_space = false;
        }
    }
    !prev_space || t.is_empty()
}

/// Full-width digits, point, minus and spaces as ASCII (some reports type numbers full width).
pub fn halfwidth(s: &str) -> String {
    s.chars().map(halfwidth_char).collect()
}

/// [`halfwidth`], without copying a text that has nothing to convert.
pub fn halfwidth_cow(s: &str) -> std::borrow::Cow<'_, str> {
    if needs_halfwidth(s) {
        std::borrow::Cow::Owned(halfwidth(s))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Whether a text holds a character [`halfwidth`] changes (U+00A0, U+3000, U+FF0D, U+FF0E,
/// U+FF10–U+FF19), looked for by their UTF-8 bytes (a lead byte is never part of another
/// character).
fn needs_halfwidth(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, x)| match x {
        0xc2 => b.get(i + 1) == Some(&0xa0),
        0xe3 => b.get(i + 1) == Some(&0x80) && b.get(i + 2) == Some(&0x80),
        0xef => {
            b.get(i + 1) == Some(&0xbc)
                && b.get(i + 2)
                    .is_some_and(|y| matches!(y, 0x8d | 0x8e | 0x90..=0x99))
        }
        _ => false,
    })
}

/// One character as [`halfwidth`] writes it.
pub(super) fn halfwidth_char(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '．' => '.',
        '－' => '-',
        '\u{3000}' | '\u{a0}' => ' ',
        c => c,
    }
}

/// Whether a line is a Markdown table's separator row (`| --- | :-: |`).
fn md_separator(cells: &[&str]) -> bool {
    !cells.is_empty()
        && cells.iter().all(|c| {
            let c = c.trim();
            !c.is_empty() && c.chars().all(|x| matches!(x, '-' | ':' | ' '))
        })
}

/// The cells of a line of plain text or Markdown, and whether they were cut at explicit
/// separators. `None` for a Markdown separator row.
fn line_cells(line: &str) -> Option<(Vec<Cell>, Source)> {
    let t = line.trim();
    if t.starts_with('|') {
        // Markdown: split at unescaped pipes; drop the outer empty cells.
        let mut cells: Vec<std::borrow::Cow<'_, str>> = Vec::new();
        if t.contains("\\|") {
            let mut cur = String::new();
            let mut chars = t.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\\' if chars.peek() == Some(&'|') => {
                        cur.push('|');
                        chars.next();
                    }
                    '|' => cells.push(std::mem::take(&mut cur).into()),
                    c => cur.push(c),
                }
            }
            cells.push(cur.into());
        } else {
            // (No escaped pipe: every pipe separates.)
            cells.extend(t.split('|').map(std::borrow::Cow::Borrowed));
        }
        if cells.first().is_some_and(|c| c.trim().is_empty()) {
            cells.remove(0);
        }
        if cells.last().is_some_and(|c| c.trim().is_empty()) {
            cells.pop();
        }
        let refs: Vec<&str> = cells.iter().map(|c| &**c).collect();
        if md_separator(&refs) {
            return None;
        }
        return Some((
            cells
                .iter()
                .map(|c| Cell::new(c.trim().trim_matches('*').trim()))
                .collect(),
            Source::Separated,
        ));
    }
    if line.contains('\t') {
        return Some((
            line.split('\t').map(|c| Cell::new(c.trim())).collect(),
            Source::Separated,
        ));
    }
    if let Some(body) = t.strip_suffix('|') {
        // Cells each closed by a pipe ("规章 |", "2 ||": a page's table copied one cell per
        // line, a blank cell closed right after the one before it).
        return Some((
            body.split('|').map(|c| Cell::new(c.trim())).collect(),
            Source::Separated,
        ));
    }
    // Runs of two or more spaces separate cells; within a cell, single spaces separate number
    // tokens from the words before them ("行政许可 447228").
    let mut cells = Vec::new();
    for chunk in t.split("  ").map(str::trim).filter(|c| !c.is_empty()) {
        let mut words: Vec<&str> = Vec::new();
        for tok in chunk.split_whitespace() {
            if super::tables::is_number(tok) {
                if !words.is_empty() {
                    cells.push(Cell::new(words.join(" ")));
                    words.clear();
                }
                cells.push(Cell::new(tok));
            } else {
                words.push(tok);
            }
        }
        if !words.is_empty() {
            cells.push(Cell::new(words.join(" ")));
        }
    }
    Some((cells, Source::Spaces))
}

/// The lines of a region of plain text cut into cells: one grid row per non-empty line (the
/// first row's line is `first_line`), or, where the table was pasted one cell per line, one
/// row per line of text with the numbers of the lines after it. The grid's source is
/// `Separated` when most rows holding numbers were cut at tabs or pipes.
pub fn text_rows(lines: &[String], first_line: usize) -> Grid {
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let (mut separated, mut spaced) = (0, 0);
    for l in lines {
        if l.trim().is_empty() {
            continue;
        }
        if let Some((cells, src)) = line_cells(l) {
            if cells.iter().any(|c| super::tables::is_number(&c.text)) {
                if src == Source::Separated {
                    separated += 1;
                } else {
                    spaced += 1;
                }
            }
            rows.push(cells);
        }
    }
    if one_cell_per_line(&rows) {
        rows = join_cell_lines(rows);
    }
    Grid {
        rows,
        line: first_line,
        source: if separated > spaced {
            Source::Separated
        } else {
            Source::Spaces
        },
    }
}

/// Whether a region's lines hold one cell each (a table pasted as one line per cell, or with
/// a line of its own for each separator): most lines holding a number hold that one number
/// alone, and there are enough of them for a row of table 三.
fn one_cell_per_line(rows: &[Vec<Cell>]) -> bool {
    let (mut alone, mut more) = (0, 0);
    for r in rows {
        let nums = r
            .iter()
            .filter(|c| super::tables::is_number(&c.text))
            .count();
        if nums == 0 {
            continue;
        }
        if number_alone(r) {
            alone += 1;
        } else {
            more += 1;
        }
    }
    alone >= 7 && alone > 4 * more
}

/// Whether a row is one number, with at most blank cells after it (cells closed by pipes:
/// "2 ||" is a 2 and a blank cell).
fn number_alone(r: &[Cell]) -> bool {
    r.first().is_some_and(|c| super::tables::is_number(&c.text))
        && r.iter().skip(1).all(|c| c.text.trim().is_empty())
}

/// Rows of one cell each joined into table rows: a line of text starts a row, the lines of a
/// number alone that follow it are its values (lines with no cell are skipped).
fn join_cell_lines(rows: Vec<Vec<Cell>>) -> Vec<Vec<Cell>> {
    let mut out: Vec<Vec<Cell>> = Vec::with_capacity(rows.len());
    let mut open = false;
    for r in rows {
        match out.last_mut() {
            Some(last) if open && number_alone(&r) => last.extend(r),
            _ if r.is_empty() => {}
            _ => {
                // A row opens to values after a line of text; lines of numbers before any
                // text (a table 四 without row labels) stay as they are.
                open = !r.iter().any(|c| super::tables::is_number(&c.text));
                out.push(r);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(t: &str, c: usize, r: usize) -> RawCell {
        RawCell {
            text: t.into(),
            colspan: c,
            rowspan: r,
        }
    }

    #[test]
    fn spans_expand_into_copies() {
        let g = place(&[
            vec![raw("a", 2, 2), raw("b", 1, 1)],
            vec![raw("c", 1, 1)],
            vec![raw("d", 1, 1), raw("e", 5000, 9)],
        ]);
        let texts: Vec<Vec<(&str, bool)>> = g
            .iter()
            .map(|r| r.iter().map(|c| (c.text.as_str(), c.spanned)).collect())
            .collect();
        assert_eq!(texts[0], vec![("a", false), ("a", true), ("b", false)]);
        assert_eq!(texts[1], vec![("a", true), ("a", true), ("c", false)]);
        assert_eq!(g[2].len(), MAX_COLS);
        assert!(!g[2][1].spanned && g[2][2].spanned);
    }

    #[test]
    fn grids_round_trip_through_text() {
        let rows = vec![
            vec![Cell::new("规章"), Cell::new(""), Cell::new("3")],
            vec![Cell::new("许可"), Cell::new("7"), Cell::copy("7")],
        ];
        let text = format!("标题\n{}尾\n", encode(&rows));
        let (plain, grids) = split_grids(&text);
        assert_eq!(plain, "标题\n规章\t0\t3\n许可\t7\n尾\n");
        assert_eq!(grids.len(), 1);
        assert_eq!(grids[0].rows, rows);
        assert_eq!(grids[0].line, 1);
        // A layout grid keeps its source, and its rows read as printed (blank cells left out).
        let text = format!("标题\n{}尾\n", encode_as(&rows, Source::Layout));
        let (plain, grids) = split_grids(&text);
        assert_eq!(plain, "标题\n规章\t3\n许可\t7\n尾\n");
        assert_eq!(grids[0].source, Source::Layout);
        assert_eq!(grids[0].rows, rows);
    }

    /// What the auditor takes from a hand-over is what it takes from its text form, whatever the
    /// text and the cells hold (markers, tabs, full-width digits, line breaks, empty rows).
    #[test]
    fn a_hand_over_reads_as_its_text_form() {
        let rows = || {
            vec![
                vec![Cell::new("  规\t章 "), Cell::new(""), Cell::new("３")],
                vec![],
                vec![
                    Cell::new("许可\u{1e}grid"),
                    Cell::new("7"),
                    Cell::copy(" 7\n"),
                ],
            ]
        };
        let mut cases = Vec::new();
        for text in [
            "标题\n",
            "",
            "标题\r\n正文",
            "标题\n\u{1e}grid\n",
            "半行",
            "全角１２\u{3000}\n",
        ] {
            let mut ex = Extracted::new();
            ex.push_str(text);
            ex.push_grid(rows(), Source::Markup);
            ex.push_line("中间");
            ex.push_grid(Vec::new(), Source::Layout);
            let mut inner = Extracted::new();
            inner.push_line("嵌套");
            inner.push_grid(rows(), Source::Layout);
            ex.append(inner);
            ex.push_str(text);
            cases.push(ex);
        }
        cases.push(Extracted::from_text(format!(
            "a\n{}b\r\n",
            encode(&rows()[..1])
        )));
        for ex in cases {
            let text = ex.to_text();
            let want = split_grids(&halfwidth(&text));
            assert_eq!(ex.clone().into_plain(), want, "{text:?}");
            let lines: Vec<String> = want.0.lines().map(str::to_string).collect();
            assert_eq!(
                ex.clone().into_lines(),
                (lines.clone(), want.1.clone()),
                "{text:?}"
            );
            assert_eq!(
                Extracted::from_text(text.clone()).into_lines(),
                (lines, want.1.clone()),
                "{text:?}"
            );
            assert_eq!(
                Extracted::from_text(text.clone()).into_plain(),
                want,
                "{text:?}"
            );
        }
    }

    proptest::proptest! {
        /// The byte test finds exactly the texts with a character to convert.
        #[test]
        fn texts_to_convert_are_found_by_their_bytes(
            s in "[a0９０．.－\\-\u{3000}\u{a0}\u{a1}\u{3001}\u{ff0c}\u{ff1a}\u{ff20}\u{ff0f}\u{feff}一]{0,12}"
        ) {
            proptest::prop_assert_eq!(needs_halfwidth(&s), s.chars().any(|c| halfwidth_char(c) != c));
        }
    }

    #[test]
    fn text_lines_are_cut_at_their_separators() {
        let lines: Vec<String> = [
            "| 标签 | 1 | 2 |",
            "| --- | --- | --- |",
            "规章\t\t0",
            "行政许可 447228",
            "结 果 维 持   其他  12",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let g = text_rows(&lines, 0);
        let t: Vec<Vec<&str>> = g
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(t[0], vec!["标签", "1", "2"]);
        assert_eq!(t[1], vec!["规章", "", "0"]);
        assert_eq!(t[2], vec!["行政许可", "447228"]);
        assert_eq!(t[3], vec!["结 果 维 持", "其他", "12"]);
        assert_eq!(halfwidth("１２．５"), "12.5");
    }

    #[test]
    fn cells_closed_by_pipes_are_cells() {
        let g = text_rows(
            &[
                "规章 ||||".to_string(),
                "行政规范性文件 |".to_string(),
                "2 ||".to_string(),
            ],
            0,
        );
        let rows: Vec<Vec<&str>> = g
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(
            rows,
            vec![
                vec!["规章", "", "", ""],
                vec!["行政规范性文件"],
                vec!["2", ""]
            ]
        );
        assert_eq!(g.source, Source::Separated);
    }

    #[test]
    fn a_table_pasted_one_cell_per_line_is_rejoined() {
        // Each cell its own line, some lines holding only a separator; the numbers after a
        // line of text are its values.
        let mut lines = vec!["信息内容".to_string(), "|".into(), "本年制发件数".into()];
        for (label, values) in [("甲行", ["3", "0", "12"]), ("乙行", ["0", "7", "1"])] {
            lines.push(label.into());
            lines.push("|".into());
            for v in values {
                lines.push(v.into());
                lines.push(String::new());
            }
        }
        lines.extend(["丙行", "4", "5", "6"].map(String::from));
        let t: Vec<Vec<String>> = text_rows(&lines, 0)
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.clone()).collect())
            .collect();
        assert_eq!(t[2], ["甲行", "3", "0", "12"]);
        assert_eq!(t[3], ["乙行", "0", "7", "1"]);
        assert_eq!(t[4], ["丙行", "4", "5", "6"]);
        // Rows of several cells are left as they are.
        let rows = ["甲行 1 2 3", "乙行 4 5 6", "7"].map(String::from);
        assert_eq!(text_rows(&rows, 0).rows.len(), 3);
    }
}

#[cfg(test)]
mod limits {
    use super::*;

    #[test]
    fn merged_cells_cannot_blow_a_grid_up() {
        let long = "字".repeat(500);
        let rows: Vec<Vec<RawCell>> = (0..600)
            .map(|_| {
                (0..20)
                    .map(|_| RawCell {
                        text: long.clone(),
                        colspan: 300,
                        rowspan: 100_000,
                    })
                    .collect()
            })
            .collect();
        let g = place(&rows);
        let slots: usize = g.iter().map(Vec::len).sum();
        assert!(slots <= MAX_SLOTS + MAX_COLS, "{slots}");
        assert!(
            g.iter()
                .flatten()
                .filter(|c| c.spanned)
                .all(|c| c.text.chars().count() <= MAX_COPY_CHARS)
        );
    }
}
