//! A notice's HTML body, from a trading system and so untrusted: refused when it carries
//! active content (scripts, event handlers, `javascript:` links, frames, objects), otherwise
//! sanitised with `ammonia` (a maintained allow-list sanitiser) before it is stored, so that
//! the portal can show it as it is.

use crate::DomainError;

/// Markup that makes a body refused rather than silently cleaned: a trading system that sends
/// it is broken or compromised, and the office must see that.
const ACTIVE: &[&str] = &[
    "<script",
    "<iframe",
    "<object",
    "<embed",
    "<frame",
    "<form",
    "javascript:",
    "vbscript:",
];

/// The body as it will be stored and shown; errors name the field `body`.
pub fn sanitize_body(html: &str) -> Result<String, DomainError> {
    let lower = html.to_lowercase();
    if let Some(found) = ACTIVE.iter().find(|a| lower.contains(*a)) {
        return Err(DomainError::invalid(
            "body",
            format!("正文含有不允许的活动内容“{found}”（脚本、框架、表单等）"),
        ));
    }
    if has_event_handler(&lower) {
        return Err(DomainError::invalid(
            "body",
            "正文含有不允许的事件属性（如 onclick、onerror）",
        ));
    }
    Ok(ammonia::Builder::default()
        .add_allowed_classes("article", ALLOWED_CLASSES)
        .add_allowed_classes("table", ALLOWED_CLASSES)
        .add_allowed_classes("td", ALLOWED_CLASSES)
        .add_allowed_classes("th", ALLOWED_CLASSES)
        .clean(html)
        .to_string())
}

/// The classes a body may keep: those of the site stylesheet for an annual report's layout
/// (`export::html`), so that a published report reads as the official tables. Any other class
/// is removed.
const ALLOWED_CLASSES: &[&str] = &["report", "official", "label", "num"];

/// An `on…=` attribute inside a tag.
fn has_event_handler(lower: &str) -> bool {
    let mut in_tag = false;
    let bytes = lower.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'<' => in_tag = true,
            b'>' => in_tag = false,
            b'o' if in_tag
                && i > 0
                && (bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b'/')
                && bytes.get(i + 1) == Some(&b'n') =>
            {
                let rest = &bytes[i + 2..];
                let name_len = rest.iter().take_while(|c| c.is_ascii_alphabetic()).count();
                let after = rest[name_len..].iter().find(|c| !c.is_ascii_whitespace());
                if name_len > 0 && after == Some(&b'=') {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_report_layout_classes_are_kept() {
        let out = sanitize_body(
            "<table class=\"official evil\"><tr><td class=\"label\">甲</td><td class=\"x\">1</td></tr></table><p class=\"label\">乙</p>",
        )
        .unwrap_or_default();
        assert!(out.contains("<table class=\"official\">"), "{out}");
        assert!(out.contains("<td class=\"label\">"), "{out}");
        assert!(!out.contains("evil") && !out.contains("\"x\""), "{out}");
        assert!(out.contains("<p>乙</p>"), "{out}");
    }

    #[test]
    fn active_content_is_refused_and_the_rest_is_cleaned() {
        for bad in [
            "<p>x</p><script>alert(1)</script>",
            "<SCRIPT src=x>",
            "<a href=\"JavaScript:alert(1)\">x</a>",
            "<img src=x onerror=alert(1)>",
            "<div onclick = 'x'>y</div>",
            "<iframe src=//evil>",
        ] {
            let e = sanitize_body(bad).unwrap_err().to_string();
            assert!(e.contains("body"), "{bad}: {e}");
        }
        assert_eq!(
            sanitize_body("<p>项目<b>概况</b></p>").unwrap(),
            "<p>项目<b>概况</b></p>"
        );
        // Words that merely begin with "on" are not handlers.
        assert!(sanitize_body("<p class=x>online 报名</p>").is_ok());
        assert!(
            !sanitize_body("<p style=\"x\">a</p>")
                .unwrap()
                .contains("style")
        );
    }
}
