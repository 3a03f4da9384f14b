//! Large-text mode (大字版, GB/T 37668): `?text=large` on any page. No JavaScript and no cookie:
//! the mode lives in the address, so the page cache (keyed by path and query) keeps the two
//! modes apart and a shared or bookmarked link keeps its size.
//!
//! Every page carries the switch `<a class="text-size" href="?text=large">大字版</a>` (in
//! `base.html`). This middleware, inside the page cache, fills in its address — the current
//! path and query with `text=large` added, or removed in large mode (then labelled 标准字号) —
//! and in large mode marks `<html>` with the class `large-text` (site.css enlarges the root font
//! size), adds `text=large` to every link within the site (not to stylesheets and downloads) and
//! a hidden `text=large` field to every GET form, so that the mode follows the visitor.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The switch as `base.html` writes it.
const SWITCH: &str = "<a class=\"text-size\" href=\"?text=large\">大字版</a>";
/// The query pair of the mode.
const PAIR: &str = "text=large";
/// Pages larger than this pass unchanged.
const MAX_PAGE: usize = 8 << 20;

/// Whether the query holds `text=large`.
pub fn is_large(query: Option<&str>) -> bool {
    query.is_some_and(|q| q.split('&').any(|p| p == PAIR))
}

/// The switch for the page at `path?query`.
fn switch(path: &str, query: Option<&str>) -> String {
    let others: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && *p != PAIR)
        .collect();
    let (href, label) = if is_large(query) {
        let href = if others.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{}", others.join("&"))
        };
        (href, "标准字号")
    } else {
        let mut all = others;
        all.push(PAIR);
        (format!("{path}?{}", all.join("&")), "大字版")
    };
    format!(
        "<a class=\"text-size\" href=\"{}\">{label}</a>",
        gongkai_export::escape_html(&href)
    )
}

/// Whether a link within the site keeps the mode (pages, not files).
fn keeps_mode(href: &str) -> bool {
    let path = href.split(['?', '#']).next().unwrap_or("");
    !path.starts_with("/static/")
        && !path.starts_with("/api/")
        && !path.starts_with("//")
        && ![
            ".docx", ".xlsx", ".json", ".pdf", ".atom", ".xml", ".csv", ".png", ".txt",
        ]
        .iter()
        .any(|ext| path.ends_with(ext))
}

/// `html` in large mode: the root class, the mode on links and GET forms.
fn large(html: &str) -> String {
    let html = html.replacen(
        "<html lang=\"zh-CN\">",
        "<html lang=\"zh-CN\" class=\"large-text\">",
        1,
    );
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut rest = html.as_str();
    while let Some(i) = rest.find(" href=\"/") {
        let start = i + " href=\"".len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find('"').unwrap_or(rest.len());
        let href = &rest[..end];
        if keeps_mode(href) && !href.contains(PAIR) {
            let (before, fragment) = match href.find('#') {
                Some(h) => href.split_at(h),
                None => (href, ""),
            };
            let sep = if before.contains('?') { "&amp;" } else { "?" };
            out.push_str(before);
            out.push_str(sep);
            out.push_str(PAIR);
            out.push_str(fragment);
        } else {
            out.push_str(href);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    // GET forms carry the mode as a hidden field.
    let mut forms = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(i) = rest.find("<form ") {
        let Some(close) = rest[i..].find('>') else {
            break;
        };
        let tag_end = i + close + 1;
        forms.push_str(&rest[..tag_end]);
        let tag = &rest[i..tag_end];
        if tag.contains("method=\"get\"") {
            forms.push_str("<input type=\"hidden\" name=\"text\" value=\"large\">");
        }
        rest = &rest[tag_end..];
    }
    forms.push_str(rest);
    forms
}

/// The page at `path?query` with its switch filled in (and large mode applied).
pub fn rewrite(html: &str, path: &str, query: Option<&str>) -> String {
    // The switch is filled in last: in large mode it is the one link without the mode.
    let html = if is_large(query) {
        large(html)
    } else {
        html.to_string()
    };
    html.replacen(SWITCH, &switch(path, query), 1)
}

/// The middleware (inside the page cache, which keeps the rewritten page).
pub async fn layer(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if !html {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let known = axum::body::HttpBody::size_hint(&body)
        .exact()
        .is_some_and(|n| n <= MAX_PAGE as u64);
    if !known {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE).await else {
        return crate::WebError(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "服务器内部错误，请稍后再试".into(),
        )
        .into_response();
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let page = rewrite(text, &path, query.as_deref());
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<html lang=\"zh-CN\"><a class=\"text-size\" href=\"?text=large\">大字版</a>\
        <a href=\"/agencies/a\">a</a><a href=\"/search?q=x&amp;page=2#r\">p</a>\
        <a href=\"/agencies/a/reports/2024.docx\">w</a><link href=\"/static/site.css\">\
        <form class=\"s\" action=\"/search\" method=\"get\"><input name=\"q\"></form>\
        <form method=\"post\" action=\"/requests\"></form>";

    #[test]
    fn the_switch_keeps_the_query_and_large_mode_follows_links_and_forms() {
        let normal = rewrite(PAGE, "/search", Some("q=%E5%B7%A5"));
        assert!(normal.contains("href=\"/search?q=%E5%B7%A5&amp;text=large\">大字版<"));
        assert!(normal.contains("<html lang=\"zh-CN\"><a"));
        assert!(normal.contains("<a href=\"/agencies/a\">"));

        let big = rewrite(PAGE, "/search", Some("q=%E5%B7%A5&text=large"));
        assert!(big.contains("<html lang=\"zh-CN\" class=\"large-text\">"));
        assert!(
            big.contains("href=\"/search?q=%E5%B7%A5\">标准字号<"),
            "{big}"
        );
        assert!(big.contains("href=\"/agencies/a?text=large\""));
        assert!(big.contains("href=\"/search?q=x&amp;page=2&amp;text=large#r\""));
        assert!(big.contains("href=\"/agencies/a/reports/2024.docx\""));
        assert!(big.contains("href=\"/static/site.css\""));
        assert!(big.contains(
            "method=\"get\"><input type=\"hidden\" name=\"text\" value=\"large\"><input name=\"q\">"
        ));
        assert!(big.contains("<form method=\"post\" action=\"/requests\"></form>"));

        let home = rewrite(PAGE, "/", Some("text=large"));
        assert!(home.contains("href=\"/\">标准字号<"));
        assert!(rewrite(PAGE, "/", None).contains("href=\"/?text=large\">大字版<"));
        assert!(is_large(Some("a=1&text=large")) && !is_large(Some("text=larger")));
    }
}
