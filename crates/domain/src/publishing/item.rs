//! A catalogue item's editable fields (条例 art. 12 metadata, 公开属性, art. 20 item, column),
//! their validation, the 索引号, the standard column tree and the art. 26 clock.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::DomainError;
use crate::calendar::Calendar;
use crate::codes::{DisclosureAttr, DocKind};

/// The fields an editor writes (one version of an item). Field names in errors are the
/// catalogue's Chinese names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFields {
    /// 名称
    pub title: String,
    /// 内容概述
    #[serde(default)]
    pub summary: String,
    /// 正文 (HTML; sanitised before it is stored)
    #[serde(default)]
    pub body: String,
    /// 文号, e.g. 吴公管发〔2024〕3号
    #[serde(default)]
    pub doc_no: Option<String>,
    /// 发布机构
    pub publisher: String,
    /// 生成日期: the day the information was formed or changed (starts the art. 26 clock)
    #[serde(with = "crate::period::iso_date")]
    pub formed_on: Date,
    /// 公开属性
    pub attr: DisclosureAttr,
    /// The legal ground when not 主动公开 (e.g. 《条例》第十五条)
    #[serde(default)]
    pub legal_ground: Option<String>,
    /// The item of 条例 art. 20 (1–15) it falls under
    #[serde(default)]
    pub art20_item: Option<i32>,
    /// 规章 / 行政规范性文件 / 其他 (table 二)
    pub doc_kind: DocKind,
    /// 废止日期 of a 规章 or 规范性文件
    #[serde(default, with = "crate::period::iso_date_opt")]
    pub repealed_on: Option<Date>,
    /// The column (栏目) code it appears in
    pub column: String,
    /// 更正说明: what changed and why (required for every version after the first)
    #[serde(default)]
    pub change_note: Option<String>,
    /// For a 解读 (policy interpretation): the id of the item of the same agency whose policy
    /// it interprets; the two pages link each other once public.
    #[serde(default)]
    pub interprets: Option<i64>,
    /// 发布渠道: the codes of the agency's channels (门户网站, 微信公众号…) the item also goes out
    /// on. Reviewed with the content; publishing the first version records a post on each, which
    /// the annual report counts (its reads are entered later, per channel).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
}

/// The most channels one item can go out on.
pub const CHANNELS_MAX: usize = 20;

const TITLE_MAX: usize = 200;
const SUMMARY_MAX: usize = 2000;
const BODY_MAX_BYTES: usize = 2 * 1024 * 1024;

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

impl ItemFields {
    /// Checks every field and returns the fields as they will be stored: trimmed, the body
    /// sanitised, the 文号's year brackets normalised. `today` bounds the 生成日期; `version` is
    /// the number this version will get (a 更正说明 is required from the second on).
    pub fn validated(mut self, today: Date, version: i32) -> Result<ItemFields, DomainError> {
        self.title = self.title.trim().to_string();
        if blank(&self.title) {
            return Err(DomainError::invalid("名称", "不能为空"));
        }
        if self.title.chars().count() > TITLE_MAX {
            return Err(DomainError::invalid(
                "名称",
                format!("不能超过 {TITLE_MAX} 个字符"),
            ));
        }
        self.summary = self.summary.trim().to_string();
        if self.summary.chars().count() > SUMMARY_MAX {
            return Err(DomainError::invalid(
                "内容概述",
                format!("不能超过 {SUMMARY_MAX} 个字符"),
            ));
        }
        if self.body.len() > BODY_MAX_BYTES {
            return Err(DomainError::invalid(
                "正文",
                "超过 2 MB，请将长文作为附件上传",
            ));
        }
        self.body =
            crate::trading::sanitize_body(&self.body).map_err(|e| rename_field(e, "正文"))?;
        self.publisher = self.publisher.trim().to_string();
        if blank(&self.publisher) {
            return Err(DomainError::invalid("发布机构", "不能为空"));
        }
        if self.formed_on > today {
            return Err(DomainError::invalid(
                "生成日期",
                format!("{} 晚于今天", crate::period::iso(self.formed_on)),
            ));
        }
        self.doc_no = match self.doc_no.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(normalize_doc_no(d)?),
        };
        if matches!(self.doc_kind, DocKind::Rule | DocKind::NormativeDocument)
            && self.doc_no.is_none()
        {
            return Err(DomainError::invalid(
                "文号",
                format!("{}须填写文号", self.doc_kind.label()),
            ));
        }
        if self.interprets.is_some_and(|id| id <= 0) {
            return Err(DomainError::invalid(
                "所解读的政策",
                "应为本机构一条主动公开信息的编号（正整数）",
            ));
        }
        self.legal_ground = self
            .legal_ground
            .map(|g| g.trim().to_string())
            .filter(|g| !g.is_empty());
        if self.attr != DisclosureAttr::Proactive && self.legal_ground.is_none() {
            return Err(DomainError::invalid(
                "公开属性依据",
                format!(
                    "{}须写明法律依据（如《条例》第十四条至第十六条）",
                    self.attr.label()
                ),
            ));
        }
        if let Some(n) = self.art20_item
            && !(1..=15).contains(&n)
        {
            return Err(DomainError::invalid(
                "条例第二十条事项",
                format!("应为 1 至 15，现为 {n}"),
            ));
        }
        if let Some(r) = self.repealed_on {
            if !matches!(self.doc_kind, DocKind::Rule | DocKind::NormativeDocument) {
                return Err(DomainError::invalid(
                    "废止日期",
                    "只有规章和行政规范性文件有废止日期",
                ));
            }
            if r < self.formed_on {
                return Err(DomainError::invalid("废止日期", "早于生成日期"));
            }
            if r > today {
                return Err(DomainError::invalid("废止日期", "晚于今天"));
            }
        }
        self.column = self.column.trim().to_string();
        if blank(&self.column) {
            return Err(DomainError::invalid("栏目", "不能为空"));
        }
        let mut channels: Vec<String> = Vec::with_capacity(self.channels.len());
        for c in self
            .channels
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
        {
            if !channels.iter().any(|k| k == c) {
                channels.push(c.to_string());
            }
        }
        if channels.len() > CHANNELS_MAX {
            return Err(DomainError::invalid(
                "发布渠道",
                format!("最多选择 {CHANNELS_MAX} 个"),
            ));
        }
        self.channels = channels;
        self.change_note = self
            .change_note
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
        if version > 1 && self.change_note.is_none() {
            return Err(DomainError::invalid(
                "更正说明",
                "更正已发布的信息须写明改了什么、为什么改",
            ));
        }
        Ok(self)
    }
}

fn rename_field(e: DomainError, field: &str) -> DomainError {
    match e {
        DomainError::Invalid { message, .. } => DomainError::invalid(field, message),
        other => other,
    }
}

/// A 文号 with its year in the official brackets 〔〕 (`[2024]`, `(2024)`, `（2024）`, `【2024】`
/// are accepted and rewritten); it must read 机关代字〔年份〕序号号.
pub fn normalize_doc_no(s: &str) -> Result<String, DomainError> {
    let bad = || {
        DomainError::invalid(
            "文号",
            format!("“{s}”不是“机关代字〔年份〕序号号”的形式（如 吴公管发〔2024〕3号）"),
        )
    };
    let s = s.trim();
    let open = s.find(['〔', '[', '(', '（', '【', '［']).ok_or_else(bad)?;
    let prefix = &s[..open];
    let rest = &s[open..];
    let mut chars = rest.chars();
    chars.next();
    let rest = chars.as_str();
    let close = rest
        .find(['〕', ']', ')', '）', '】', '］'])
        .ok_or_else(bad)?;
    let year = &rest[..close];
    let mut tail = rest[close..].chars();
    tail.next();
    let tail = tail.as_str();
    let number = tail.strip_suffix('号').ok_or_else(bad)?;
    let year_ok = year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && (1949..=2200).contains(&year.parse::<i32>().unwrap_or(0));
    let number_ok = !number.is_empty()
        && number.len() <= 6
        && number.bytes().all(|b| b.is_ascii_digit())
        && !number.starts_with('0');
    if prefix.trim().is_empty() || !year_ok || !number_ok {
        return Err(bad());
    }
    Ok(format!("{}〔{year}〕{number}号", prefix.trim()))
}

/// The 索引号 of the `seq`-th item of `year` in an agency whose catalogue prefix is `prefix`
/// (its 统一社会信用代码 or organisation code, the agency code by default):
/// `prefix/YYYY-NNNNN`.
pub fn index_no(prefix: &str, year: i32, seq: u32) -> String {
    format!("{prefix}/{year}-{seq:05}")
}

/// A column (栏目) of the 政府信息公开 column tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnDef {
    pub code: &'static str,
    pub name: &'static str,
    pub parent: Option<&'static str>,
}

/// A column as an agency edits it: its code, name and parent among `existing` (code, parent)
/// columns. Checked: the code is a short machine code, the name is given, the parent exists,
/// is not the column itself and is top-level (the tree has two levels), and a column that has
/// children does not become a child itself. Returns the trimmed (code, name, parent).
pub fn checked_column(
    code: &str,
    name: &str,
    parent: Option<&str>,
    existing: &[(String, Option<String>)],
) -> Result<(String, String, Option<String>), DomainError> {
    let code = code.trim();
    if code.is_empty()
        || code.len() > 32
        || !code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        return Err(DomainError::invalid(
            "栏目代码",
            "须为 1 至 32 个小写字母、数字、_ 或 -",
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "栏目名称",
            "不能为空，不能超过 40 个字符",
        ));
    }
    let parent = parent.map(str::trim).filter(|p| !p.is_empty());
    if let Some(p) = parent {
        if p == code {
            return Err(DomainError::invalid("上级栏目", "不能是栏目本身"));
        }
        match existing.iter().find(|(c, _)| c == p) {
            None => {
                return Err(DomainError::invalid(
                    "上级栏目",
                    format!("没有代码为“{p}”的栏目"),
                ));
            }
            Some((_, Some(_))) => {
                return Err(DomainError::invalid(
                    "上级栏目",
                    format!("“{p}”本身是下级栏目（栏目只有两级）"),
                ));
            }
            Some(_) => {}
        }
        if existing.iter().any(|(_, q)| q.as_deref() == Some(code)) {
            return Err(DomainError::invalid(
                "上级栏目",
                format!("“{code}”有下级栏目，不能再作为下级栏目"),
            ));
        }
    }
    Ok((
        code.to_string(),
        name.to_string(),
        parent.map(str::to_string),
    ))
}

/// The standard column tree for a 公共资源交易中心 (regulations.md §4.2), which an agency may
/// edit.
pub fn default_columns() -> Vec<ColumnDef> {
    let c = |code, name, parent| ColumnDef { code, name, parent };
    vec![
        c("guide", "政府信息公开指南", None),
        c("system", "政府信息公开制度", None),
        c("statutory", "法定主动公开内容", None),
        c("functions", "机构职能", Some("statutory")),
        c("documents", "法规文件", Some("statutory")),
        c("budget", "财政预决算", Some("statutory")),
        c("fees", "行政事业性收费", Some("statutory")),
        c("procurement", "政府采购", Some("statutory")),
        c("trading", "交易信息", Some("statutory")),
        c("other", "其他", Some("statutory")),
        c("annual", "政府信息公开年报", None),
        c("on_request", "依申请公开", None),
    ]
}

/// The last day to publish information formed or changed on `formed_on` (条例 art. 26: within
/// 20 working days, the formation day not counted).
pub fn publish_by(cal: &Calendar, formed_on: Date) -> Date {
    cal.add_workdays(formed_on, 20).date
}

/// Where an item stands against its art. 26 deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Timeliness {
    /// Published on or before the deadline.
    OnTime {
        #[serde(with = "crate::period::iso_date")]
        due: Date,
    },
    /// Published after the deadline.
    Late {
        #[serde(with = "crate::period::iso_date")]
        due: Date,
    },
    /// Not yet published, deadline not passed.
    Due {
        #[serde(with = "crate::period::iso_date")]
        due: Date,
    },
    /// Not yet published, deadline passed.
    Overdue {
        #[serde(with = "crate::period::iso_date")]
        due: Date,
    },
}

impl Timeliness {
    pub fn label(self) -> &'static str {
        match self {
            Timeliness::OnTime { .. } => "按时公开",
            Timeliness::Late { .. } => "超期公开",
            Timeliness::Due { .. } => "待公开",
            Timeliness::Overdue { .. } => "已超期未公开",
        }
    }
}

/// The art. 26 status of an item formed on `formed_on`, first published on `published_on`
/// (Beijing date), as of `today`.
pub fn timeliness(
    cal: &Calendar,
    formed_on: Date,
    published_on: Option<Date>,
    today: Date,
) -> Timeliness {
    let due = publish_by(cal, formed_on);
    match published_on {
        Some(p) if p <= due => Timeliness::OnTime { due },
        Some(_) => Timeliness::Late { due },
        None if today <= due => Timeliness::Due { due },
        None => Timeliness::Overdue { due },
    }
}

#[cfg(test)]
mod column_tests {
    use super::checked_column;

    #[test]
    fn columns_are_two_levels_with_machine_codes() {
        let existing = vec![
            ("statutory".to_string(), None),
            ("fees".to_string(), Some("statutory".to_string())),
        ];
        assert_eq!(
            checked_column(" policy ", " 政策文件 ", Some("statutory"), &existing).unwrap(),
            ("policy".into(), "政策文件".into(), Some("statutory".into()))
        );
        let err = |c: &str, n: &str, p: Option<&str>| {
            checked_column(c, n, p, &existing).unwrap_err().to_string()
        };
        assert!(err("政策", "政策", None).contains("栏目代码"));
        assert!(err("policy", " ", None).contains("栏目名称"));
        assert!(err("policy", "政策", Some("nowhere")).contains("上级栏目"));
        assert!(err("policy", "政策", Some("fees")).contains("两级"));
        assert!(err("policy", "政策", Some("policy")).contains("本身"));
        assert!(err("statutory", "法定", Some("fees")).contains("上级栏目"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn fields() -> ItemFields {
        ItemFields {
            title: "关于公布2024年度政府信息公开工作年度报告的通知".into(),
            summary: "".into(),
            body: "<p>正文</p>".into(),
            doc_no: Some("吴公管发[2024]3号".into()),
            publisher: "吴忠市公共资源交易服务中心".into(),
            formed_on: date!(2024 - 06 - 03),
            attr: DisclosureAttr::Proactive,
            legal_ground: None,
            art20_item: Some(1),
            doc_kind: DocKind::NormativeDocument,
            repealed_on: None,
            column: "documents".into(),
            change_note: None,
            interprets: None,
            channels: Vec::new(),
        }
    }

    fn field_of(e: DomainError) -> String {
        match e {
            DomainError::Invalid { field, .. } => field,
            other => panic!("{other}"),
        }
    }

    #[test]
    fn doc_numbers_are_normalised_or_refused() {
        assert_eq!(
            normalize_doc_no("吴公管发（2024）3号").ok(),
            Some("吴公管发〔2024〕3号".into())
        );
        for bad in [
            "吴公管发2024年3号",
            "〔2024〕3号",
            "吴公管发〔24〕3号",
            "吴公管发〔2024〕03号",
            "吴公管发〔2024〕号",
        ] {
            assert!(normalize_doc_no(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fields_are_checked_by_name() {
        let today = date!(2024 - 12 - 31);
        let ok = fields()
            .validated(today, 1)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.doc_no.as_deref(), Some("吴公管发〔2024〕3号"));
        let mut f = fields();
        f.channels = vec![
            " wechat".into(),
            "".into(),
            "portal".into(),
            "wechat".into(),
        ];
        let ok = f.validated(today, 1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.channels, ["wechat", "portal"]);
        let mut f = fields();
        f.channels = (0..=CHANNELS_MAX).map(|i| format!("c{i}")).collect();
        assert_eq!(field_of(f.validated(today, 1).unwrap_err()), "发布渠道");
        let mut f = fields();
        f.title = "  ".into();
        assert_eq!(field_of(f.validated(today, 1).unwrap_err()), "名称");
        let mut f = fields();
        f.attr = DisclosureAttr::NotPublic;
        assert_eq!(field_of(f.validated(today, 1).unwrap_err()), "公开属性依据");
        let mut f = fields();
        f.doc_no = None;
        assert_eq!(field_of(f.validated(today, 1).unwrap_err()), "文号");
        let mut f = fields();
        f.body = "<p onclick=\"x()\">a</p>".into();
        assert_eq!(field_of(f.validated(today, 1).unwrap_err()), "正文");
        let mut f = fields();
        f.formed_on = date!(2025 - 01 - 01);
        assert_eq!(field_of(f.validated(today, 1).unwrap_err()), "生成日期");
        assert_eq!(
            field_of(fields().validated(today, 2).unwrap_err()),
            "更正说明"
        );
        let mut f = fields();
        f.art20_item = Some(16);
        assert_eq!(
            field_of(f.validated(today, 1).unwrap_err()),
            "条例第二十条事项"
        );
    }

    #[test]
    fn the_art26_clock_counts_twenty_working_days() {
        let cal = Calendar::builtin();
        // 2024-09-27 (Fri): make-up workdays 09-29 (Sun) and 10-12 (Sat), National Day
        // holidays 10-01..10-07.
        let formed = date!(2024 - 09 - 27);
        let due = publish_by(&cal, formed);
        assert_eq!(due, date!(2024 - 10 - 30));
        assert_eq!(
            timeliness(&cal, formed, Some(due), due),
            Timeliness::OnTime { due }
        );
        assert_eq!(
            timeliness(&cal, formed, Some(date!(2024 - 10 - 31)), due),
            Timeliness::Late { due }
        );
        assert_eq!(timeliness(&cal, formed, None, due), Timeliness::Due { due });
        assert_eq!(
            timeliness(&cal, formed, None, date!(2024 - 10 - 31)),
            Timeliness::Overdue { due }
        );
    }

    #[test]
    fn index_numbers_are_per_agency_and_year() {
        assert_eq!(index_no("wuzhong-ggzy", 2024, 7), "wuzhong-ggzy/2024-00007");
    }
}
