//! Text for hand-written HTML and XML: the one escaper of the workspace (export's documents and
//! letters, the search crate's highlighted snippets, the portal's Atom feeds).

/// `s` escaped for HTML (or XML) content and attribute values: `&`, `<`, `>`, `"` and `'`.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::escape;
    use proptest::prelude::*;

    proptest! {
        /// Escaped text holds no markup character and unescapes to the text again.
        #[test]
        fn escaped_text_has_no_markup_and_reads_back(s in any::<String>()) {
            let e = escape(&s);
            prop_assert!(!e.contains(['<', '>', '"', '\'']));
            let back = e
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&");
            prop_assert_eq!(back, s);
        }
    }
}
