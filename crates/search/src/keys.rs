//! Exact-match keys: 文号 (document number), 索引号 (index number), 项目编号 (project code) and
//! 统一社会信用代码 (USCC). A key is compared after [`normalize_key`], so that the bracket
//! variants of a 文号's year — 〔2021〕, [2021], (2021), （2021）, 【2021】 — and full-width
//! letters and digits are the same key. [`query_keys`] finds the keys a query is or contains.

/// Opening brackets of every width and style, all read as `[`.
const OPEN: &[char] = &[
    '〔', '[', '(', '（', '【', '［', '﹝', '〖', '〘', '{', '｛', '⟦', '﹙',
];
/// Closing brackets of every width and style, all read as `]`.
const CLOSE: &[char] = &[
    '〕', ']', ')', '）', '】', '］', '﹞', '〗', '〙', '}', '｝', '⟧', '﹚',
];

/// The most key candidates taken from one query (bounds the work a query makes).
const MAX_CANDIDATES: usize = 48;
/// The longest issuer prefix (in characters) tried in front of a 文号's bracketed year.
const MAX_PREFIX: usize = 16;

/// A key in its compared form: brackets of every kind become `[`/`]`, full-width ASCII becomes
/// ASCII, letters upper case, white space dropped.
pub fn normalize_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if ch.is_whitespace() {
            continue;
        }
        // Full-width forms of ASCII (U+FF01..U+FF5E) first, so that （ and ［ become ( and [.
        let ch = match ch as u32 {
            0xFF01..=0xFF5E => char::from_u32(ch as u32 - 0xFEE0).unwrap_or(ch),
            _ => ch,
        };
        if OPEN.contains(&ch) {
            out.push('[');
        } else if CLOSE.contains(&ch) {
            out.push(']');
        } else {
            out.push(ch.to_ascii_uppercase());
        }
    }
    out
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2EBEF)
}

/// Separators between the parts of a query (besides white space).
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ',' | '，'
            | '、'
            | ';'
            | '；'
            | '。'
            | '：'
            | ':'
            | '“'
            | '”'
            | '"'
            | '\''
            | '‘'
            | '’'
            | '《'
            | '》'
    )
}

/// The exact keys a query may be or contain, normalised: the whole query, each of its parts,
/// every 文号 inside a part (`…[YYYY]N号` with each issuer prefix of up to 16 Han characters in
/// front, since where the issuer starts in running text is not known), and every run of ASCII
/// letters, digits and `-`/`_` of at least 4 characters (项目编号, 统一社会信用代码). At most 48.
pub fn query_keys(q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let push = |k: String, out: &mut Vec<String>| {
        if !k.is_empty() && out.len() < MAX_CANDIDATES && !out.contains(&k) {
            out.push(k);
        }
    };
    push(normalize_key(q), &mut out);
    for part in q.split(|c: char| c.is_whitespace() || is_separator(c)) {
        let part = normalize_key(part);
        if part.is_empty() {
            continue;
        }
        push(part.clone(), &mut out);
        let chars: Vec<char> = part.chars().collect();
        // 文号: `[` four digits `]` digits `号`.
        for (i, &c) in chars.iter().enumerate() {
            if c != '[' {
                continue;
            }
            let year_ok = chars
                .get(i + 1..i + 5)
                .is_some_and(|y| y.iter().all(char::is_ascii_digit))
                && chars.get(i + 5) == Some(&']');
            if !year_ok {
                continue;
            }
            let mut end = i + 6;
            while chars.get(end).is_some_and(char::is_ascii_digit) {
                end += 1;
            }
            if end == i + 6 || chars.get(end) != Some(&'号') {
                continue;
            }
            let tail: String = chars[i..=end].iter().collect();
            let mut start = i;
            while start > 0 && i - start < MAX_PREFIX && is_han(chars[start - 1]) {
                start -= 1;
                let prefix: String = chars[start..i].iter().collect();
                push(format!("{prefix}{tail}"), &mut out);
            }
        }
        // Codes: runs of ASCII letters, digits, '-' and '_'.
        let mut run = String::new();
        for c in chars.iter().copied().chain(std::iter::once(' ')) {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                run.push(c);
            } else {
                let t = run.trim_matches(|c| c == '-' || c == '_');
                if t.chars().count() >= 4 {
                    push(t.to_string(), &mut out);
                }
                run.clear();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracket_variants_are_one_key() {
        let forms = [
            "吴公管发〔2021〕3号",
            "吴公管发[2021]3号",
            "吴公管发(2021)3号",
            "吴公管发（2021）3号",
            "吴公管发【2021】3号",
            "吴公管发［２０２１］３号",
            " 吴公管发 〔2021〕 3号 ",
        ];
        for f in forms {
            assert_eq!(normalize_key(f), "吴公管发[2021]3号", "{f}");
        }
    }

    #[test]
    fn a_doc_number_inside_a_sentence_is_a_candidate() {
        let keys = query_keys("关于吴公管发（2021）3号的执行情况");
        assert!(keys.contains(&"吴公管发[2021]3号".to_string()), "{keys:?}");
        let keys = query_keys("项目 WZ-GC-2024-001 的中标人 91640300MA76ABCD1X");
        assert!(keys.contains(&"WZ-GC-2024-001".to_string()), "{keys:?}");
        assert!(keys.contains(&"91640300MA76ABCD1X".to_string()), "{keys:?}");
        assert!(query_keys(&"〔2021〕1号".repeat(500)).len() <= MAX_CANDIDATES);
    }
}
