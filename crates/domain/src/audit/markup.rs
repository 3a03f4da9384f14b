//! Text from HTML pages and DOCX bodies (`word/document.xml`), for the reader: paragraphs on
//! their own lines, table rows on one line each.

use super::tables::is_number;

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
        let has_number = row.iter().any(|c| is_number(c.trim()));
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
    use crate::audit::tables::number;

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
