//! A small Rust lexer: enough to tell code, string literals and comments apart (so that a rule
//! about code is not tripped by a comment, and a rule about SQL looks only at strings), and to
//! drop test-only items (`#[cfg(test)]`, `#[test]`).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ident,
    Punct,
    /// A string literal (plain, raw, byte or C); `text` is its content as written.
    Str,
    /// A character literal, a lifetime or a label.
    Quote,
    Num,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub kind: Kind,
    pub text: String,
    /// 1-based line where the token starts.
    pub line: usize,
}

impl Tok {
    pub fn is(&self, kind: Kind, text: &str) -> bool {
        self.kind == kind && self.text == text
    }
    pub fn ident(&self, text: &str) -> bool {
        self.is(Kind::Ident, text)
    }
    pub fn punct(&self, c: char) -> bool {
        self.kind == Kind::Punct && self.text.len() == c.len_utf8() && self.text.starts_with(c)
    }
}

/// The tokens of `src`; comments and whitespace are dropped.
pub fn lex(src: &str) -> Vec<Tok> {
    let s: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let count_lines = |from: usize, to: usize| s[from..to].iter().filter(|c| **c == '\n').count();
    while i < s.len() {
        let c = s[i];
        let start = i;
        let start_line = line;
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && s.get(i + 1) == Some(&'/') {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && s.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && s.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && s.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some((hashes, open)) = raw_string_start(&s, i) {
            // r"…", r#"…"#, br"…", cr#"…"#
            let body = open + 1;
            let mut j = body;
            loop {
                if j >= s.len() {
                    break;
                }
                if s[j] == '"' && (0..hashes).all(|k| s.get(j + 1 + k) == Some(&'#')) {
                    break;
                }
                j += 1;
            }
            let end = j.min(s.len());
            out.push(tok(Kind::Str, s[body..end].iter().collect(), start_line));
            i = (end + 1 + hashes).min(s.len());
        } else if c == '"' || ((c == 'b' || c == 'c') && s.get(i + 1) == Some(&'"')) {
            let body = if c == '"' { i + 1 } else { i + 2 };
            let mut j = body;
            while j < s.len() && s[j] != '"' {
                if s[j] == '\\' {
                    j += 1;
                }
                j += 1;
            }
            let end = j.min(s.len());
            out.push(tok(Kind::Str, s[body..end].iter().collect(), start_line));
            i = (end + 1).min(s.len());
        } else if c == '\'' {
            // A character literal ('a', '\n', '\u{1F600}') or a lifetime / label ('a, 'static).
            if s.get(i + 1) == Some(&'\\') {
                let mut j = i + 2;
                while j < s.len() && s[j] != '\'' {
                    j += 1;
                }
                i = (j + 1).min(s.len());
            } else if s.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
                while i < s.len() && is_ident_char(s[i]) {
                    i += 1;
                }
            }
            out.push(tok(Kind::Quote, s[start..i].iter().collect(), start_line));
        } else if c.is_ascii_digit() {
            while i < s.len() && is_ident_char(s[i]) {
                i += 1;
            }
            out.push(tok(Kind::Num, s[start..i].iter().collect(), start_line));
        } else if is_ident_char(c) {
            // Raw identifiers (r#type) are the identifier itself.
            if c == 'r'
                && s.get(i + 1) == Some(&'#')
                && s.get(i + 2).is_some_and(|c| is_ident_char(*c))
            {
                i += 2;
            }
            let from = i;
            while i < s.len() && is_ident_char(s[i]) {
                i += 1;
            }
            out.push(tok(Kind::Ident, s[from..i].iter().collect(), start_line));
        } else {
            i += 1;
            out.push(tok(Kind::Punct, c.to_string(), start_line));
        }
        line += count_lines(start, i.max(start + 1).min(s.len()));
    }
    out
}

fn tok(kind: Kind, text: String, line: usize) -> Tok {
    Tok { kind, text, line }
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// At a raw string literal: the number of `#` and the index of the opening quote.
fn raw_string_start(s: &[char], i: usize) -> Option<(usize, usize)> {
    if i > 0 && is_ident_char(s[i - 1]) {
        return None;
    }
    let mut j = i;
    if s[j] == 'b' || s[j] == 'c' {
        j += 1;
    }
    if s.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while s.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (s.get(j) == Some(&'"')).then_some((hashes, j))
}

/// What a file's code is outside tests: its tokens without `#[cfg(test)]` and `#[test]` items
/// (a whole file when it starts with `#![cfg(test)]`), and the names of the out-of-line modules
/// declared `#[cfg(test)] mod name;` (whose files are test code too).
pub struct NonTest {
    pub toks: Vec<Tok>,
    /// The tokens left out (the test code).
    pub test_toks: Vec<Tok>,
    pub test_modules: Vec<String>,
}

pub fn non_test(toks: &[Tok]) -> NonTest {
    let mut out = NonTest {
        toks: Vec::new(),
        test_toks: Vec::new(),
        test_modules: Vec::new(),
    };
    let mut i = 0;
    while i < toks.len() {
        if let Some(after) = test_attribute(toks, i) {
            if toks[i + 1].punct('!') {
                // `#![cfg(test)]`: the whole file (or module) is test code.
                out.toks.clear();
                out.test_toks = toks.to_vec();
                return out;
            }
            let (end, module) = item_end(toks, after);
            if let Some(m) = module {
                out.test_modules.push(m);
            }
            out.test_toks.extend_from_slice(&toks[i..end]);
            i = end;
        } else {
            out.toks.push(toks[i].clone());
            i += 1;
        }
    }
    out
}

/// At `#[cfg(test)]`, `#![cfg(test)]`, `#[test]` or `#[tokio::test]`: the index after it.
fn test_attribute(t: &[Tok], i: usize) -> Option<usize> {
    if !t[i].punct('#') {
        return None;
    }
    let mut j = i + 1;
    if t.get(j).is_some_and(|x| x.punct('!')) {
        j += 1;
    }
    if !t.get(j).is_some_and(|x| x.punct('[')) {
        return None;
    }
    let close = matching(t, j)?;
    let inner: Vec<&str> = t[j + 1..close].iter().map(|x| x.text.as_str()).collect();
    let is_test = matches!(
        inner.as_slice(),
        ["cfg", "(", "test", ")"] | ["test"] | ["tokio", ":", ":", "test"]
    ) || (inner.first() == Some(&"tokio")
        && inner.get(3) == Some(&"test")
        && inner.get(4) == Some(&"("));
    is_test.then_some(close + 1)
}

/// The index after the item starting at `i` (further attributes included), and its name when
/// it is an out-of-line module (`mod name;`).
fn item_end(t: &[Tok], mut i: usize) -> (usize, Option<String>) {
    while i < t.len() && t[i].punct('#') && t.get(i + 1).is_some_and(|x| x.punct('[')) {
        i = matching(t, i + 1).map_or(t.len(), |c| c + 1);
    }
    let start = i;
    let mut depth = 0i32;
    while i < t.len() {
        let x = &t[i];
        if x.punct('(') || x.punct('[') {
            depth += 1;
        } else if x.punct(')') || x.punct(']') {
            depth -= 1;
        } else if depth == 0 && x.punct(';') {
            let module = match &t[start..i] {
                [.., m, name] if m.ident("mod") && name.kind == Kind::Ident => {
                    Some(name.text.clone())
                }
                _ => None,
            };
            return (i + 1, module);
        } else if depth == 0 && x.punct('{') {
            return (matching(t, i).map_or(t.len(), |c| c + 1), None);
        }
        i += 1;
    }
    (t.len(), None)
}

/// The index of the bracket closing the one at `open` (`(`, `[` or `{`).
pub fn matching(t: &[Tok], open: usize) -> Option<usize> {
    let (o, c) = match t[open].text.as_str() {
        "(" => ('(', ')'),
        "[" => ('[', ']'),
        "{" => ('{', '}'),
        _ => return None,
    };
    let mut depth = 0;
    for (k, x) in t.iter().enumerate().skip(open) {
        if x.punct(o) {
            depth += 1;
        } else if x.punct(c) {
            depth -= 1;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

#[test]
fn the_lexer_tells_code_strings_and_comments_apart() {
    let src = r####"
// a comment with .unwrap() and "SELECT 1 FROM x"
/* block /* nested */ .expect( */
fn f<'a>(x: &'a str) -> char {
    let s = "a \"quoted\" .unwrap()";
    let r = r#"raw "with" quotes"#;
    let b = b"bytes";
    let c = '"';
    let e = '\'';
    let r#type = 1;
    x.unwrap()
}
"####;
    let toks = lex(src);
    let strs: Vec<&str> = toks
        .iter()
        .filter(|t| t.kind == Kind::Str)
        .map(|t| t.text.as_str())
        .collect();
    assert_eq!(
        strs,
        [r#"a \"quoted\" .unwrap()"#, r#"raw "with" quotes"#, "bytes"]
    );
    let idents: Vec<&str> = toks
        .iter()
        .filter(|t| t.kind == Kind::Ident)
        .map(|t| t.text.as_str())
        .collect();
    assert_eq!(idents.iter().filter(|i| **i == "unwrap").count(), 1);
    assert!(!idents.contains(&"expect"));
    assert!(idents.contains(&"type"));
    let unwrap = toks.iter().find(|t| t.ident("unwrap"));
    assert_eq!(unwrap.map(|t| t.line), Some(11));
}

#[test]
fn test_items_are_left_out() {
    let src = r#"
fn keep() { a.unwrap() }
#[cfg(test)]
mod tests {
    fn gone() { b.unwrap() }
}
#[test]
fn also_gone() { c.unwrap() }
#[tokio::test(flavor = "multi_thread")]
async fn gone_too() { d.unwrap() }
#[cfg(test)]
mod more_tests;
#[cfg(test)]
const X: [u8; 2] = [1, 2];
fn kept_too() { e.unwrap() }
"#;
    let nt = non_test(&lex(src));
    let idents: Vec<&str> = nt
        .toks
        .iter()
        .filter(|t| t.kind == Kind::Ident && t.text.len() == 1)
        .map(|t| t.text.as_str())
        .collect();
    assert_eq!(idents, ["a", "e"]);
    assert_eq!(nt.test_modules, ["more_tests"]);
    assert!(
        non_test(&lex("#![cfg(test)]\nfn f() { x.unwrap() }"))
            .toks
            .is_empty()
    );
}
