//! The checks run on what is about to be published, before 终审 may approve it (product.md
//! module 2): personal data (居民身份证号码 with its check digit, mobile numbers, bank card
//! numbers with the Luhn check, e-mail addresses), classification marks (绝密/机密/秘密★), an
//! agency's sensitive words (Aho–Corasick), internal links that lead nowhere and empty
//! attachments. A finding shows the value masked; its [`finding_key`] identifies it for an
//! override without storing the value.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

crate::codes::code_enum_pub!(
    /// What a pre-publication check found.
    FindingKind, "finding" {
        IdCard => "id_card", "居民身份证号码";
        Mobile => "mobile", "手机号码";
        BankCard => "bank_card", "银行卡号";
        Email => "email", "电子邮箱";
        Classified => "classified", "密级标志";
        SensitiveWord => "sensitive_word", "敏感词";
        BrokenLink => "broken_link", "失效的站内链接";
        EmptyAttachment => "empty_attachment", "空附件";
        UnreadableAttachment => "unreadable_attachment", "未能检查文字的附件";
    }
);

/// One finding: what, where (标题 / 正文 / 附件：名称), the value masked, and a key that
/// identifies it (kind, place and the unmasked value, hashed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub place: String,
    pub excerpt: String,
    pub key: String,
}

impl Finding {
    fn new(kind: FindingKind, place: &str, raw: &str, excerpt: String) -> Finding {
        Finding {
            kind,
            place: place.to_string(),
            excerpt,
            key: finding_key(kind, place, raw),
        }
    }

    /// An internal link of `place` that leads to nothing on this site.
    pub fn broken_link(place: &str, url: &str) -> Finding {
        Finding::new(FindingKind::BrokenLink, place, url, url.to_string())
    }

    /// An attachment with no content.
    pub fn empty_attachment(name: &str) -> Finding {
        let place = format!("附件：{name}");
        Finding::new(FindingKind::EmptyAttachment, &place, name, name.to_string())
    }

    /// An attachment that should have text but whose text could not be read (damaged, over
    /// the reader's limits, a scan without a text layer, no PDF reader installed): the checks
    /// could not look at it, so a person must.
    pub fn unreadable_attachment(name: &str) -> Finding {
        let place = format!("附件：{name}");
        Finding::new(
            FindingKind::UnreadableAttachment,
            &place,
            name,
            format!("{name}（文字无法读取，请人工检查）"),
        )
    }

    /// The finding as one line for a reviewer.
    pub fn describe(&self) -> String {
        format!("{}（{}）：{}", self.kind.label(), self.place, self.excerpt)
    }
}

/// The key of a finding: a hash of its kind, place and unmasked value (so an override follows
/// the value, and the value is not stored with it).
pub fn finding_key(kind: FindingKind, place: &str, raw: &str) -> String {
    let mut h = Sha256::new();
    h.update(kind.code().as_bytes());
    h.update([0]);
    h.update(place.as_bytes());
    h.update([0]);
    h.update(raw.as_bytes());
    let d = h.finalize();
    d.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// The findings that still block approval: those not overridden (by key).
pub fn blocking<'a>(findings: &'a [Finding], overridden: &[String]) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| !overridden.contains(&f.key))
        .collect()
}

/// The detectors of one agency: its sensitive words and the contact details it publishes on
/// purpose (the office's own telephone and e-mail, which are not personal data).
pub struct Detectors {
    words: Option<AhoCorasick>,
    word_list: Vec<String>,
    allowed: Vec<String>,
}

static EMAIL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@[A-Za-z0-9][A-Za-z0-9\-]{0,62}(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,24}").ok()
});
static MARK: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?:绝密|机密|秘密)\s*[★☆＊*]|密\s*级\s*[:：]?\s*(?:绝密|机密|秘密)").ok()
});
static HREF: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))"#).ok()
});

impl Detectors {
    /// Detectors with an agency's sensitive words (blank ones ignored, matched without regard
    /// to ASCII case) and the contact details it publishes on purpose.
    pub fn new(words: &[String], allowed: &[String]) -> Detectors {
        let word_list: Vec<String> = words
            .iter()
            .map(|w| w.trim().to_string())
            .filter(|w| !w.is_empty())
            .collect();
        let words = if word_list.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(true)
                .build(&word_list)
                .ok()
        };
        Detectors {
            words,
            word_list,
            allowed: allowed
                .iter()
                .map(|a| digits_or_lower(a))
                .filter(|a| !a.is_empty())
                .collect(),
        }
    }

    /// The sensitive words, as configured.
    pub fn words(&self) -> &[String] {
        &self.word_list
    }

    /// Every finding in a text (plain text; see [`html_text`] for a body), `place` naming
    /// where it is.
    pub fn scan(&self, place: &str, text: &str) -> Vec<Finding> {
        let norm = halfwidth(text);
        let mut out = Vec::new();
        self.numbers(place, &norm, &mut out);
        if let Some(re) = EMAIL.as_ref() {
            for m in re.find_iter(&norm) {
                let raw = m.as_str();
                if self.allowed.iter().any(|a| *a == raw.to_lowercase()) {
                    continue;
                }
                out.push(Finding::new(
                    FindingKind::Email,
                    place,
                    raw,
                    mask_email(raw),
                ));
            }
        }
        if let Some(re) = MARK.as_ref() {
            for m in re.find_iter(&norm) {
                out.push(Finding::new(
                    FindingKind::Classified,
                    place,
                    m.as_str(),
                    m.as_str().to_string(),
                ));
            }
        }
        if let Some(ac) = &self.words {
            for m in ac.find_iter(&norm) {
                let w = &norm[m.start()..m.end()];
                out.push(Finding::new(
                    FindingKind::SensitiveWord,
                    place,
                    w,
                    context(&norm, m.start(), m.end()),
                ));
            }
        }
        dedup(out)
    }

    /// Runs of digits (with single spaces or hyphens between groups) that are an identity card,
    /// a mobile or a bank card number.
    fn numbers(&self, place: &str, s: &str, out: &mut Vec<Finding>) {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if !b[i].is_ascii_digit() || (i > 0 && is_word_byte(b[i - 1])) {
                i += 1;
                continue;
            }
            // The span: digits, single separators between digit groups, and a final X.
            let start = i;
            let mut digits = String::new();
            let mut groups = vec![0usize];
            let mut j = i;
            while j < b.len() {
                let c = b[j];
                if c.is_ascii_digit() {
                    digits.push(c as char);
                    if let Some(g) = groups.last_mut() {
                        *g += 1;
                    }
                    j += 1;
                } else if (c == b' ' || c == b'-') && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
                    groups.push(0);
                    j += 1;
                } else {
                    break;
                }
            }
            let mut end = j;
            let x_end =
                groups.len() == 1 && digits.len() == 17 && matches!(b.get(j), Some(b'X' | b'x'));
            if x_end {
                digits.push('X');
                end = j + 1;
            }
            let bounded = !b.get(end).is_some_and(|c| is_word_byte(*c));
            i = end.max(start + 1);
            if !bounded {
                continue;
            }
            if self.allowed.contains(&digits) {
                continue;
            }
            if let Some(f) = classify(place, &digits, &groups) {
                out.push(f);
            }
        }
    }
}

fn classify(place: &str, digits: &str, groups: &[usize]) -> Option<Finding> {
    let plain = groups.len() == 1;
    if digits.len() == 18 && plain && id_card_valid(digits) {
        return Some(Finding::new(
            FindingKind::IdCard,
            place,
            digits,
            mask(digits, 6, 4),
        ));
    }
    let mobile_digits = digits
        .strip_prefix("86")
        .filter(|d| d.len() == 11)
        .unwrap_or(digits);
    let mobile_groups = plain || groups == [3, 4, 4] || groups == [2, 3, 4, 4];
    if mobile_digits.len() == 11
        && mobile_groups
        && mobile_digits.as_bytes()[0] == b'1'
        && (b'3'..=b'9').contains(&mobile_digits.as_bytes()[1])
    {
        return Some(Finding::new(
            FindingKind::Mobile,
            place,
            mobile_digits,
            mask(mobile_digits, 3, 4),
        ));
    }
    // Bank cards: 16–19 digits whose major industry identifier (ISO/IEC 7812) is a card
    // issuer's (3 travel and entertainment, 4–6 banking, 9 national use), Luhn-valid, written
    // plain or in groups of four.
    let grouped = groups.len() > 1
        && groups[..groups.len() - 1].iter().all(|g| *g == 4)
        && groups.last().is_some_and(|g| (1..=4).contains(g));
    if (16..=19).contains(&digits.len())
        && (plain || grouped)
        && matches!(digits.as_bytes()[0], b'3' | b'4' | b'5' | b'6' | b'9')
        && luhn_valid(digits)
    {
        return Some(Finding::new(
            FindingKind::BankCard,
            place,
            digits,
            mask(digits, 4, 4),
        ));
    }
    None
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

fn dedup(mut v: Vec<Finding>) -> Vec<Finding> {
    let mut seen = std::collections::HashSet::new();
    v.retain(|f| seen.insert(f.key.clone()));
    v
}

/// Whether an 18-character 居民身份证号码 is valid (GB 11643-1999): a region code that does not
/// start with 0 or 9, a real birth date from 1900 on, and the ISO 7064 MOD 11-2 check character.
pub fn id_card_valid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    if matches!(b[0], b'0' | b'9') {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<i32>().unwrap_or(0);
    let (y, m, d) = (num(6..10), num(10..12), num(12..14));
    let Ok(month) = time::Month::try_from(m as u8) else {
        return false;
    };
    if !(1900..=2100).contains(&y) || time::Date::from_calendar_date(y, month, d as u8).is_err() {
        return false;
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[..17]
        .iter()
        .zip(W)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    b[17].to_ascii_uppercase() == check
}

/// The Luhn check (ISO/IEC 7812-1) of a string of digits.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 1 {
                let dd = d * 2;
                if dd > 9 { dd - 9 } else { dd }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Full-width digits, letters and @ . - as ASCII (personal data typed in full width is still
/// personal data); everything else unchanged.
fn halfwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '＠' | '．' | '－' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

fn digits_or_lower(s: &str) -> String {
    let s = halfwidth(s.trim());
    if s.contains('@') {
        s.to_lowercase()
    } else {
        s.chars().filter(char::is_ascii_digit).collect()
    }
}

fn mask(s: &str, head: usize, tail: usize) -> String {
    let n = s.chars().count();
    if n <= head + tail {
        return "*".repeat(n);
    }
    s.chars()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { c } else { '*' })
        .collect()
}

fn mask_email(s: &str) -> String {
    match s.split_once('@') {
        Some((user, domain)) => {
            let first: String = user.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// A few characters around a match, for the reviewer to find it.
fn context(s: &str, start: usize, end: usize) -> String {
    let before: String = s[..start]
        .chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let after: String = s[end..].chars().take(8).collect();
    format!("…{before}【{}】{after}…", &s[start..end])
}

/// The text of an HTML body (tags dropped, the common entities decoded), for the detectors.
pub fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Where an internal link leads on the public site (its routes, see the web crate's `portal`,
/// `catalogue`, `requests_public`): the caller checks that the named thing is public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// A page that always exists (home, request form, status lookup, stylesheet, feed).
    Fixed,
    Agency(String),
    /// An agency's column (agency, column code).
    Column(String, String),
    /// A catalogue item (agency, id).
    Item(String, i64),
    /// A year's annual report, as a page or one of its files (agency, year).
    Report(String, i32),
    /// No such page.
    Unknown,
}

/// Classifies an internal link (a path from [`internal_links`], with or without a query).
pub fn link_target(url: &str) -> LinkTarget {
    let path = url.split('?').next().unwrap_or("");
    let path = path.strip_prefix('/').unwrap_or(path);
    let path = path.strip_suffix('/').unwrap_or(path);
    let segs: Vec<&str> = path.split('/').collect();
    let code = |c: &str| c.to_string();
    match segs.as_slice() {
        [""]
        | ["requests", "new"]
        | ["requests", "status"]
        | ["static", "site.css"]
        | ["feed", "notices.atom"] => LinkTarget::Fixed,
        ["agencies", c] if !c.is_empty() => LinkTarget::Agency(code(c)),
        ["agencies", c, "columns", col] if !col.is_empty() => {
            LinkTarget::Column(code(c), code(col))
        }
        ["agencies", c, "items", id] => id
            .parse()
            .map_or(LinkTarget::Unknown, |id| LinkTarget::Item(code(c), id)),
        ["agencies", c, "reports", file] => {
            let (year, ext) = file.split_once('.').unwrap_or((file, ""));
            match year.parse() {
                Ok(y) if matches!(ext, "" | "json" | "md" | "html" | "docx" | "xlsx") => {
                    LinkTarget::Report(code(c), y)
                }
                _ => LinkTarget::Unknown,
            }
        }
        _ => LinkTarget::Unknown,
    }
}

/// The links of an HTML body that point into this site (`/…`, not `//host/…`), without their
/// `#fragment` — the caller checks that each leads somewhere.
pub fn internal_links(html: &str) -> Vec<String> {
    let Some(re) = HREF.as_ref() else {
        return Vec::new();
    };
    let mut out: Vec<String> = re
        .captures_iter(html)
        .filter_map(|c| c.get(1).or(c.get(2)).or(c.get(3)))
        .map(|m| m.as_str().replace("&amp;", "&"))
        .filter(|u| u.starts_with('/') && !u.starts_with("//"))
        .map(|u| u.split('#').next().unwrap_or("").to_string())
        .filter(|u| !u.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod link_tests {
    use super::*;

    #[test]
    fn internal_links_are_classified_by_the_public_routes() {
        use LinkTarget as T;
        let cases = [
            ("/", T::Fixed),
            ("/requests/new?agency=a", T::Fixed),
            ("/agencies/a", T::Agency("a".into())),
            ("/agencies/a/", T::Agency("a".into())),
            (
                "/agencies/a/columns/fees",
                T::Column("a".into(), "fees".into()),
            ),
            ("/agencies/a/items/12", T::Item("a".into(), 12)),
            ("/agencies/a/items/x", T::Unknown),
            ("/agencies/a/reports/2024", T::Report("a".into(), 2024)),
            ("/agencies/a/reports/2024.docx", T::Report("a".into(), 2024)),
            ("/agencies/a/reports/2024.pdf", T::Unknown),
            ("/admin/items/3", T::Unknown),
            ("/no/such", T::Unknown),
        ];
        for (url, want) in cases {
            assert_eq!(link_target(url), want, "{url}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(d: &Detectors, text: &str) -> Vec<FindingKind> {
        d.scan("正文", text).into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn identity_numbers_need_their_check_digit() {
        // A valid number (check digit X) and the same with a wrong check digit.
        assert!(id_card_valid("11010519491231002X"));
        assert!(!id_card_valid("110105194912310021"));
        assert!(!id_card_valid("110105194913310028"));
        let d = Detectors::new(&[], &[]);
        let f = d.scan("正文", "申请人身份证号11010519491231002X，已核实");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FindingKind::IdCard);
        assert_eq!(f[0].excerpt, "110105********002X");
        assert!(kinds(&d, "编号110105194912310021").is_empty());
        // Inside a longer run it is not an identity number.
        assert!(kinds(&d, "11010519491231002X7").is_empty());
    }

    #[test]
    fn mobiles_and_bank_cards() {
        let d = Detectors::new(&[], &["0953-1234567".into()]);
        assert_eq!(
            kinds(&d, "联系电话：13912345678"),
            vec![FindingKind::Mobile]
        );
        assert_eq!(kinds(&d, "电话 139-1234-5678"), vec![FindingKind::Mobile]);
        assert_eq!(
            kinds(&d, "电话 １３９１２３４５６７８"),
            vec![FindingKind::Mobile]
        );
        assert!(kinds(&d, "项目编号 12912345678").is_empty());
        // 6222021234567890 fails Luhn; 6222021234567894 passes.
        assert!(!luhn_valid("6222021234567890"));
        assert!(luhn_valid("6222021234567894"));
        assert_eq!(
            kinds(&d, "卡号6222021234567894"),
            vec![FindingKind::BankCard]
        );
        assert_eq!(
            kinds(&d, "卡号 6222 0212 3456 7894"),
            vec![FindingKind::BankCard]
        );
        assert!(kinds(&d, "卡号6222021234567890").is_empty());
        // A project number starting with a year is not a card number even when Luhn-valid.
        assert!(luhn_valid("2024000100020005"));
        assert!(kinds(&d, "2024000100020005").is_empty());
        // The office's own published telephone is not personal data.
        assert!(kinds(&d, "咨询电话：0953-1234567").is_empty());
    }

    #[test]
    fn emails_marks_and_words() {
        let d = Detectors::new(
            &["内部资料".into(), "  ".into()],
            &["ggzy@wuzhong.gov.cn".into()],
        );
        assert_eq!(
            kinds(&d, "联系 zhang.san@example.com"),
            vec![FindingKind::Email]
        );
        assert!(kinds(&d, "邮箱 GGZY@wuzhong.gov.cn").is_empty());
        assert_eq!(kinds(&d, "机密★1年"), vec![FindingKind::Classified]);
        assert_eq!(kinds(&d, "密级：秘密"), vec![FindingKind::Classified]);
        assert!(kinds(&d, "保护商业秘密和个人隐私").is_empty());
        let f = d.scan("附件：a.docx", "本件为内部资料，注意保管");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FindingKind::SensitiveWord);
        assert!(f[0].excerpt.contains("【内部资料】"), "{}", f[0].excerpt);
    }

    #[test]
    fn overrides_are_by_key_and_links_are_found() {
        let d = Detectors::new(&[], &[]);
        let f = d.scan("正文", "13912345678 与 13812345678");
        assert_eq!(f.len(), 2);
        let b = blocking(&f, std::slice::from_ref(&f[0].key));
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].key, f[1].key);
        let links = internal_links(
            r#"<a href="/items/3#top">a</a><a href='https://x.cn/'>b</a><img src=/files/9><a href="//cdn/x">c</a>"#,
        );
        assert_eq!(links, vec!["/files/9".to_string(), "/items/3".to_string()]);
        assert_eq!(html_text("<p>a&amp;b</p><br>c"), " a&b  c");
    }
}
