//! One trading notice as read from a JSON Lines record (contracts.md §3), its content identity
//! and the identifier of the section it belongs to.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use crate::DomainError;
use crate::codes::{NoticeType, TradingCategory};
use crate::period::{BEIJING, beijing_date, iso};

crate::codes::code_enum_pub!(
    /// The keys of a notice's `dates` object (contracts.md §3).
    DateField, "dates" {
        DocsFrom => "docs_from", "招标（采购）文件发售开始日";
        DocsTo => "docs_to", "招标（采购）文件发售截止日";
        BidDeadline => "bid_deadline", "投标截止时间";
        ReportReceived => "report_received", "收到评标报告之日";
        PublicityEnd => "publicity_end", "公示截止日";
        Determined => "determined", "确定中标（成交）人之日";
        Signed => "signed", "合同签订日";
        ActivityStart => "activity_start", "预计采购活动开始日";
    }
);

impl DateField {
    /// The dates a notice of type `t` carries (contracts.md §3); every rule input is one of them.
    pub fn for_type(t: NoticeType) -> &'static [DateField] {
        use DateField as D;
        match t {
            NoticeType::TenderNotice => &[D::DocsFrom, D::DocsTo, D::BidDeadline],
            NoticeType::Clarification => &[D::BidDeadline],
            NoticeType::CandidatePublicity => &[D::ReportReceived, D::PublicityEnd],
            NoticeType::AwardResult => &[D::Determined],
            NoticeType::Contract => &[D::Signed],
            NoticeType::SingleSource => &[D::PublicityEnd],
            NoticeType::ProcurementIntention => &[D::ActivityStart],
            _ => &[],
        }
    }

    /// The field name in messages: `dates.bid_deadline`.
    pub fn path(self) -> String {
        format!("dates.{}", self.code())
    }
}

/// A value of `dates`: a date (`YYYY-MM-DD`), or a time (RFC 3339; Beijing time when it has no
/// offset) whose date is its Beijing date. Rules compare dates only; the time is kept so that a
/// corrected time is a changed notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateValue {
    pub date: Date,
    pub time: Option<OffsetDateTime>,
}

impl DateValue {
    pub fn day(date: Date) -> DateValue {
        DateValue { date, time: None }
    }

    /// The value as written back: `YYYY-MM-DD` or RFC 3339 in Beijing time.
    pub fn to_wire(self) -> String {
        match self.time {
            Some(t) => rfc3339(t),
            None => iso(self.date),
        }
    }
}

/// A bidder (投标人) named on a bid opening or a candidate publicity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bidder {
    pub name: String,
    /// The 统一社会信用代码, upper case, check character verified.
    pub uscc: String,
}

/// A trading notice (交易公告/公示), validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// The notice's id (`notice`), unique within the agency.
    pub id: String,
    pub project: String,
    pub project_name: String,
    /// The 标段/包 code; `None` only for `tender_plan` and `procurement_intention`.
    pub section: Option<String>,
    pub section_name: Option<String>,
    pub category: TradingCategory,
    pub ntype: NoticeType,
    pub title: String,
    /// When it became public, in Beijing time.
    pub published: OffsetDateTime,
    pub dates: BTreeMap<DateField, DateValue>,
    /// The 公开要素: any JSON values, keyed as in [`super::elements`].
    pub elements: BTreeMap<String, Value>,
    pub bidders: Vec<Bidder>,
    /// The HTML body as given (sanitising is the importer's business).
    pub body: Option<String>,
}

/// Earliest and latest year accepted in any date or time of a notice.
const YEARS: std::ops::RangeInclusive<i32> = 1949..=2200;

use crate::period::rfc3339;

/// Parses an RFC 3339 time, or one without offset (Beijing time, contracts.md §1).
pub fn parse_time(s: &str, field: &str) -> Result<OffsetDateTime, DomainError> {
    let s = s.trim();
    let bad = || {
        DomainError::invalid(
            field,
            format!("“{s}”不是有效时间（应为 RFC 3339，如 2026-03-02T09:30:00+08:00）"),
        )
    };
    let t = match OffsetDateTime::parse(s, &Rfc3339) {
        Ok(t) => t,
        Err(_) => {
            let with_secs =
                time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
            let no_secs = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
            PrimitiveDateTime::parse(s, &with_secs)
                .or_else(|_| PrimitiveDateTime::parse(s, &no_secs))
                .map_err(|_| bad())?
                .assume_offset(BEIJING)
        }
    };
    if !YEARS.contains(&t.to_offset(BEIJING).year()) {
        return Err(DomainError::invalid(
            field,
            format!("“{s}”的年份超出 1949–2200"),
        ));
    }
    Ok(t.to_offset(BEIJING))
}

fn parse_date_value(s: &str, field: &str) -> Result<DateValue, DomainError> {
    let s = s.trim();
    if s.len() == 10 {
        let d = crate::period::parse_date(s, field)?;
        if !YEARS.contains(&d.year()) {
            return Err(DomainError::invalid(
                field,
                format!("“{s}”的年份超出 1949–2200"),
            ));
        }
        return Ok(DateValue::day(d));
    }
    let t = parse_time(s, field).map_err(|_| {
        DomainError::invalid(
            field,
            format!("“{s}”不是有效日期或时间（应为 YYYY-MM-DD 或 RFC 3339）"),
        )
    })?;
    Ok(DateValue {
        date: beijing_date(t),
        time: Some(t),
    })
}

fn text<'a>(o: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, DomainError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(DomainError::invalid(key, "应为字符串")),
    }
}

fn required<'a>(o: &'a Map<String, Value>, key: &str) -> Result<&'a str, DomainError> {
    text(o, key)?.ok_or_else(|| DomainError::invalid(key, "缺少此字段"))
}

fn parse_bidders(o: &Map<String, Value>, ntype: NoticeType) -> Result<Vec<Bidder>, DomainError> {
    let list = match o.get("bidders") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(DomainError::invalid(
                "bidders",
                "应为数组：[{\"name\", \"uscc\"}]",
            ));
        }
    };
    if !list.is_empty() && !ntype.names_bidders() {
        return Err(DomainError::invalid(
            "bidders",
            format!(
                "只有开标记录和中标候选人公示列出投标人，{}不应有投标人",
                ntype.label()
            ),
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    let mut seen = BTreeSet::new();
    for (i, b) in list.iter().enumerate() {
        let o = b.as_object().ok_or_else(|| {
            DomainError::invalid(format!("bidders[{i}]"), "应为对象：{\"name\", \"uscc\"}")
        })?;
        let name_field = format!("bidders[{i}].name");
        let uscc_field = format!("bidders[{i}].uscc");
        let name = match o.get("name") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                return Err(DomainError::invalid(name_field, "缺少投标人名称"));
            }
            Some(_) => return Err(DomainError::invalid(name_field, "应为字符串")),
        };
        let uscc = match o.get("uscc") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_uppercase(),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                return Err(DomainError::invalid(uscc_field, "缺少统一社会信用代码"));
            }
            Some(_) => return Err(DomainError::invalid(uscc_field, "应为字符串")),
        };
        crate::uscc::validate(&uscc, &uscc_field)?;
        if !seen.insert(uscc.clone()) {
            return Err(DomainError::invalid(
                uscc_field,
                format!("统一社会信用代码“{uscc}”在本公告中重复"),
            ));
        }
        out.push(Bidder { name, uscc });
    }
    Ok(out)
}

impl Notice {
    /// Parses one JSON Lines record (contracts.md §3). Errors name the field; the caller adds the
    /// line number. Unknown top-level fields are ignored.
    pub fn parse(line: &str) -> Result<Notice, DomainError> {
        let raw: Value = serde_json::from_str(line)
            .map_err(|e| DomainError::invalid("JSON", format!("无法解析：{e}")))?;
        Notice::from_json(&raw)
    }

    /// Like [`Notice::parse`], from a parsed JSON value.
    pub fn from_json(raw: &Value) -> Result<Notice, DomainError> {
        let o = raw
            .as_object()
            .ok_or_else(|| DomainError::invalid("JSON", "每行应为一个 JSON 对象"))?;
        let id = required(o, "notice")?.trim().to_string();
        let ntype = NoticeType::from_code(required(o, "type")?)?;
        let category = TradingCategory::from_code(required(o, "category")?)?;
        let project = required(o, "project")?.trim().to_string();
        let project_name = required(o, "project_name")?.trim().to_string();
        let title = required(o, "title")?.trim().to_string();
        let published = parse_time(required(o, "published")?, "published")?;
        let (section, section_name) = if ntype.is_plan() {
            if text(o, "section")?.is_some() {
                return Err(DomainError::invalid(
                    "section",
                    format!("{}属于项目而非标段，应省略 section", ntype.label()),
                ));
            }
            (None, None)
        } else {
            let s = required(o, "section")?.trim().to_string();
            let n = required(o, "section_name")?.trim().to_string();
            (Some(s), Some(n))
        };
        let mut dates = BTreeMap::new();
        match o.get("dates") {
            None | Some(Value::Null) => {}
            Some(Value::Object(d)) => {
                for (k, v) in d {
                    let field = DateField::from_code(k).map_err(|_| {
                        DomainError::invalid(
                            format!("dates.{k}"),
                            format!(
                                "未知日期字段，可选：{}",
                                DateField::ALL
                                    .iter()
                                    .map(|f| f.code())
                                    .collect::<Vec<_>>()
                                    .join("、")
                            ),
                        )
                    })?;
                    let path = field.path();
                    match v {
                        Value::Null => {}
                        Value::String(s) if s.trim().is_empty() => {}
                        Value::String(s) => {
                            dates.insert(field, parse_date_value(s, &path)?);
                        }
                        _ => return Err(DomainError::invalid(path, "应为日期字符串")),
                    }
                }
            }
            Some(_) => return Err(DomainError::invalid("dates", "应为对象")),
        }
        let elements = match o.get("elements") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Object(e)) => e.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Some(_) => return Err(DomainError::invalid("elements", "应为对象")),
        };
        let bidders = parse_bidders(o, ntype)?;
        let body = match o.get("body") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(DomainError::invalid("body", "应为字符串（HTML）")),
        };
        let n = Notice {
            id,
            project,
            project_name,
            section,
            section_name,
            category,
            ntype,
            title,
            published,
            dates,
            elements,
            bidders,
            body,
        };
        n.check_dates()?;
        Ok(n)
    }

    /// Refuses dates that cannot be true of one notice: documents sold until before they are
    /// sold, a deadline before the notice announcing it, a result before its determination, a
    /// contract notice before the signing, a publicity that ends before it starts.
    fn check_dates(&self) -> Result<(), DomainError> {
        use DateField as D;
        let p = self.published_date();
        let when = |f: D| self.dates.get(&f).map(|v| v.date);
        let err = |f: D, what: &str| {
            let v = self.dates.get(&f).map(|v| v.to_wire()).unwrap_or_default();
            Err(DomainError::invalid(f.path(), format!("{v} {what}")))
        };
        if let (Some(from), Some(to)) = (when(D::DocsFrom), when(D::DocsTo))
            && to < from
        {
            return err(D::DocsTo, &format!("早于文件发售开始日 {}", iso(from)));
        }
        let published = || format!("公告发布日 {}", iso(p));
        match self.ntype {
            NoticeType::TenderNotice | NoticeType::Clarification => {
                if let Some(v) = self.dates.get(&D::BidDeadline) {
                    let before = match v.time {
                        Some(t) => t < self.published,
                        None => v.date < p,
                    };
                    if before {
                        return err(D::BidDeadline, &format!("早于{}", published()));
                    }
                }
            }
            NoticeType::CandidatePublicity => {
                if let Some(d) = when(D::ReportReceived)
                    && d > p
                {
                    return err(
                        D::ReportReceived,
                        &format!("晚于{}（公示不能早于收到评标报告）", published()),
                    );
                }
                if let Some(d) = when(D::PublicityEnd)
                    && d < p
                {
                    return err(D::PublicityEnd, &format!("早于{}", published()));
                }
            }
            NoticeType::SingleSource => {
                if let Some(d) = when(D::PublicityEnd)
                    && d < p
                {
                    return err(D::PublicityEnd, &format!("早于{}", published()));
                }
            }
            NoticeType::AwardResult => {
                if let Some(d) = when(D::Determined)
                    && d > p
                {
                    return err(
                        D::Determined,
                        &format!("晚于{}（结果公告不能早于确定中标人）", published()),
                    );
                }
            }
            NoticeType::Contract => {
                if let Some(d) = when(D::Signed)
                    && d > p
                {
                    return err(
                        D::Signed,
                        &format!("晚于{}（合同公告不能早于签订合同）", published()),
                    );
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The "published date" of the rules: the Beijing date of `published`.
    pub fn published_date(&self) -> Date {
        beijing_date(self.published)
    }

    /// The date of a `dates` entry, if given.
    pub fn date(&self, f: DateField) -> Option<Date> {
        self.dates.get(&f).map(|v| v.date)
    }

    /// The section this notice belongs to (the project alone for plans and intentions).
    pub fn key(&self) -> SectionKey {
        SectionKey {
            project: self.project.clone(),
            section: self.section.clone(),
        }
    }

    /// The notice in the wire form of contracts.md §3 (times in Beijing time, empty optional
    /// parts left out). Parsing it gives the same notice.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        let s = |v: &str| Value::String(v.to_string());
        o.insert("notice".into(), s(&self.id));
        o.insert("project".into(), s(&self.project));
        o.insert("project_name".into(), s(&self.project_name));
        if let Some(v) = &self.section {
            o.insert("section".into(), s(v));
        }
        if let Some(v) = &self.section_name {
            o.insert("section_name".into(), s(v));
        }
        o.insert("category".into(), s(self.category.code()));
        o.insert("type".into(), s(self.ntype.code()));
        o.insert("title".into(), s(&self.title));
        o.insert("published".into(), Value::String(rfc3339(self.published)));
        if !self.dates.is_empty() {
            o.insert(
                "dates".into(),
                Value::Object(
                    self.dates
                        .iter()
                        .map(|(k, v)| (k.code().to_string(), Value::String(v.to_wire())))
                        .collect(),
                ),
            );
        }
        if !self.elements.is_empty() {
            o.insert(
                "elements".into(),
                Value::Object(
                    self.elements
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ),
            );
        }
        if !self.bidders.is_empty() {
            o.insert(
                "bidders".into(),
                Value::Array(
                    self.bidders
                        .iter()
                        .map(|b| serde_json::json!({"name": b.name, "uscc": b.uscc}))
                        .collect(),
                ),
            );
        }
        if let Some(b) = &self.body {
            o.insert("body".into(), s(b));
        }
        Value::Object(o)
    }

    /// A stable hash of everything the notice says (SHA-256, lower-case hex, of its canonical
    /// JSON: [`Notice::to_json`] with object keys sorted). Two parses of the same content — keys
    /// in any order, the same instant in any offset — hash alike; any change of a value,
    /// including an element or a bidder, changes it.
    pub fn content_hash(&self) -> String {
        let mut canon = String::new();
        canonical(&self.to_json(), &mut canon);
        let digest = Sha256::digest(canon.as_bytes());
        let mut hex = String::with_capacity(64);
        for b in digest {
            let _ = write!(hex, "{b:02x}");
        }
        hex
    }

    /// True when the two say the same (the identity behind [`Notice::content_hash`]).
    pub fn same_content(&self, other: &Notice) -> bool {
        let (mut a, mut b) = (String::new(), String::new());
        canonical(&self.to_json(), &mut a);
        canonical(&other.to_json(), &mut b);
        a == b
    }
}

/// JSON with object keys sorted at every level and no insignificant whitespace.
fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(x) = o.get(k) {
                    canonical(x, out);
                }
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// What importing a notice does, given the stored version with the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// No notice with this id yet.
    New,
    /// Same id, same content: nothing to do (imports are idempotent).
    Unchanged,
    /// Same id, different content: a new version (更正) of the notice.
    Correction,
}

/// A correction (更正) is a new version of the same notice: it may change anything but what
/// identifies the notice's place in the process — its type, project, section and category.
/// A notice id sent again with another of these is an error, not a correction.
pub fn check_correction(stored: &Notice, incoming: &Notice) -> Result<(), DomainError> {
    let fixed = [
        ("type", stored.ntype.code() == incoming.ntype.code()),
        ("project", stored.project == incoming.project),
        ("section", stored.section == incoming.section),
        ("category", stored.category == incoming.category),
    ];
    match fixed.iter().find(|(_, same)| !same) {
        Some((field, _)) => Err(DomainError::invalid(
            *field,
            format!(
                "公告“{}”已存在，更正不能改变其公告类型、项目、标段或类别；如确属另一公告，请使用新的公告编号",
                incoming.id
            ),
        )),
        None => Ok(()),
    }
}

impl Change {
    pub fn of(stored: Option<&Notice>, incoming: &Notice) -> Change {
        match stored {
            None => Change::New,
            Some(s) if s.same_content(incoming) => Change::Unchanged,
            Some(_) => Change::Correction,
        }
    }
}

/// The identity of a section (标段/包) across all its notices: the project code and the section
/// code (`section` is `None` for a project's plans and intentions).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SectionKey {
    pub project: String,
    pub section: Option<String>,
}

impl SectionKey {
    /// The OCDS `ocid` of the section: see [`ocid`].
    pub fn ocid(&self, prefix: &str, agency_code: &str) -> String {
        ocid(prefix, agency_code, &self.project, self.section.as_deref())
    }
}

/// Checks an OCID prefix: `ocds-` and 6 lower-case letters or digits (anchors.md §4a; OCDS
/// validators read the prefix as the first 11 characters of every `ocid`). `field` names the
/// setting in the error (`--ocid-prefix`, `ocid_prefix`).
pub fn check_ocid_prefix(prefix: &str, field: &str) -> Result<(), DomainError> {
    let ok = prefix.strip_prefix("ocds-").is_some_and(|rest| {
        rest.len() == 6
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            field,
            format!(
                "OCID 前缀“{prefix}”无效：应为 ocds- 加 6 位小写字母或数字（在开放缔约伙伴关系登记的前缀，如 ocds-a1b2c3）"
            ),
        ))
    }
}

/// The OCDS `ocid` of a section (one contracting process = one 标段/包; a project's plans and
/// intentions get the project's own id): `{prefix}-{agency}-{project}[-{section}]`.
///
/// The prefix is taken as given, without a trailing `-` (e.g. `ocds-gongkai` or a registered
/// `ocds-xxxxxx`). Each of the other parts keeps ASCII letters, digits, `.` and `_` and
/// percent-encodes every other byte of its UTF-8 (including `-`), so the id is ASCII, stable,
/// URL-safe and never the same for two different (agency, project, section).
pub fn ocid(prefix: &str, agency_code: &str, project: &str, section: Option<&str>) -> String {
    let mut out = String::from(prefix.trim().trim_end_matches('-'));
    for part in [Some(agency_code), Some(project), section]
        .into_iter()
        .flatten()
    {
        out.push('-');
        for b in part.trim().bytes() {
            if b.is_ascii_alphanumeric() || b == b'.' || b == b'_' {
                out.push(char::from(b));
            } else {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}
