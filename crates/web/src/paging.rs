//! Page numbers of the public lists (the trading notices, a column's items): `page` from the
//! query, checked and named in Chinese when bad, and the links to the pages either side.
//! Template `pager.html` shows them.

/// The last page number accepted (deeper pages: narrow the filter).
pub const MAX_PAGE: i64 = 500;

/// The page asked for in `raw` (the `page` field): 1 when not given; a value that is not a
/// number from 1 to [`MAX_PAGE`] is named in `messages` and page 1 is shown.
pub(crate) fn requested(raw: Option<&str>, messages: &mut Vec<String>) -> i64 {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => 1,
        Some(p) => match p.parse::<i64>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                messages.push(format!("字段“页码”（page）须为 1 至 {MAX_PAGE} 的整数"));
                1
            }
        },
    }
}

/// Where a list stands: page `page` of `pages`, with the links either side.
pub(crate) struct Pager {
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// Page `page` of `total` rows, `per_page` a page; `href(n)` is the address of page `n`.
    pub(crate) fn new(total: i64, per_page: i64, page: i64, href: impl Fn(i64) -> String) -> Pager {
        let per_page = per_page.max(1);
        let pages = ((total.max(0) + per_page - 1) / per_page).clamp(1, MAX_PAGE);
        Pager {
            total,
            page,
            pages,
            prev: (page > 1).then(|| href(page.min(pages + 1) - 1)),
            next: (page < pages).then(|| href(page + 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_links() {
        let p = Pager::new(41, 20, 2, |n| format!("?page={n}"));
        assert_eq!(
            (p.pages, p.prev.as_deref(), p.next.as_deref()),
            (3, Some("?page=1"), Some("?page=3"))
        );
        let p = Pager::new(0, 20, 1, |n| format!("?page={n}"));
        assert_eq!((p.pages, p.prev, p.next), (1, None, None));
        // Past the end: a link back to the last page.
        let p = Pager::new(10, 20, 7, |n| format!("?page={n}"));
        assert_eq!((p.prev.as_deref(), p.next), (Some("?page=1"), None));
    }

    #[test]
    fn a_bad_page_is_named_and_page_one_shown() {
        let mut m = Vec::new();
        assert_eq!(requested(Some("3"), &mut m), 3);
        assert_eq!(requested(None, &mut m), 1);
        assert_eq!(requested(Some(" "), &mut m), 1);
        assert!(m.is_empty());
        for bad in ["0", "-1", "x", "501", "99999999999999999999"] {
            assert_eq!(requested(Some(bad), &mut m), 1);
        }
        assert_eq!(m.len(), 5);
        assert!(m[0].contains("page"));
    }
}
