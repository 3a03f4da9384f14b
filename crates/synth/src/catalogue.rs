//! The demo agency's catalogue of proactive disclosure: items that go through the publishing
//! workflow when the demo is loaded, ending in every state an office meets — published,
//! corrected, withdrawn, scheduled, approved, in review (one with a finding of the
//! pre-publication checks), returned and draft.

use gongkai_domain::codes::{DisclosureAttr, DocKind};
use gongkai_domain::publishing::ItemFields;
use time::macros::{date, datetime};
use time::{Date, Duration, OffsetDateTime};

use crate::DEMO_NAME;

/// Where an item's workflow stops.
#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    Draft,
    /// Submitted; the stages passed so far: 初审 and 复审.
    InReview,
    /// Returned by 复审 with these reasons.
    Returned(&'static str),
    /// Approved by 终审, not yet published.
    Approved,
    /// Approved and set to go out at this time.
    Scheduled(OffsetDateTime),
    Published(OffsetDateTime),
    /// Published, then corrected: (published, corrected, what changed, the new body).
    Corrected(OffsetDateTime, OffsetDateTime, &'static str, &'static str),
    /// Published, then withdrawn: (published, withdrawn, why).
    Withdrawn(OffsetDateTime, OffsetDateTime, &'static str),
}

/// One item of the demo catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoItem {
    pub fields: ItemFields,
    pub fate: Fate,
    /// For a 解读: the position in the catalogue of the item it interprets (published before it).
    pub interprets: Option<usize>,
}

/// The contact details the demo agency publishes on purpose (its 政府信息公开指南 lists them).
pub const DEMO_CONTACTS: &[&str] = &["0953-2031234", "wzggzy@wuzhong.gov.cn"];

/// The contacts of the demo agency's 政府信息公开工作机构 for its guide (demonstration data).
pub fn demo_guide() -> gongkai_domain::publishing::GuideContacts {
    gongkai_domain::publishing::GuideContacts {
        office: "吴忠市公共资源交易服务中心办公室".into(),
        address: "宁夏回族自治区吴忠市利通区（演示数据）".into(),
        hours: "法定工作日 上午 8:30—12:00，下午 14:30—18:00".into(),
        phone: DEMO_CONTACTS[0].into(),
        fax: DEMO_CONTACTS[0].into(),
        postal: "吴忠市公共资源交易服务中心办公室（收），邮编 751100（演示数据）".into(),
        email: DEMO_CONTACTS[1].into(),
    }
}

/// The demo agency's sensitive-word list.
pub const DEMO_WORDS: &[&str] = &["内部资料", "请勿外传"];

#[allow(clippy::too_many_arguments)]
fn item(
    title: &str,
    summary: &str,
    body: &str,
    doc_no: Option<&str>,
    formed_on: Date,
    art20: Option<i32>,
    column: &str,
    fate: Fate,
) -> DemoItem {
    DemoItem {
        fields: ItemFields {
            title: title.into(),
            summary: summary.into(),
            body: body.into(),
            doc_no: doc_no.map(str::to_string),
            publisher: DEMO_NAME.into(),
            formed_on,
            attr: DisclosureAttr::Proactive,
            legal_ground: None,
            art20_item: art20,
            doc_kind: DocKind::Other,
            repealed_on: None,
            column: column.into(),
            change_note: None,
            interprets: None,
            channels: Vec::new(),
        },
        fate,
        interprets: None,
    }
}

impl DemoItem {
    /// The item, also going out on these channels of the demo agency (`portal`, `wechat`).
    fn on(mut self, channels: &[&str]) -> DemoItem {
        self.fields.channels = channels.iter().map(|c| (*c).to_string()).collect();
        self
    }
}

/// The demo catalogue as of `today` (the day the demo is loaded): the items in work are dated a
/// few days before it, the scheduled one goes out the next morning.
pub fn demo_catalogue(today: Date) -> Vec<DemoItem> {
    let recent = |days: i64| today - Duration::days(days);
    let tomorrow_nine = today
        .next_day()
        .unwrap_or(today)
        .with_hms(9, 0, 0)
        .map(|t| t.assume_offset(gongkai_domain::period::BEIJING))
        .unwrap_or(datetime!(2099-01-01 09:00 +08:00));
    vec![
        item(
            "吴忠市公共资源交易服务中心主要职责",
            "中心承担全市公共资源交易服务等职责。",
            "<p>负责全市公共资源交易平台的运行和维护，为工程建设项目招标投标、政府采购、国有产权交易等提供场所、设施和信息服务。</p>",
            None,
            date!(2024 - 06 - 03),
            Some(2),
            "functions",
            Fate::Published(datetime!(2024-06-05 10:00 +08:00)),
        ),
        item(
            "吴忠市公共资源交易服务中心内设机构",
            "中心内设综合科、交易服务科、信息技术科。",
            "<p>综合科、交易服务科、信息技术科。</p>",
            None,
            date!(2024 - 06 - 03),
            Some(2),
            "functions",
            Fate::Published(datetime!(2024-06-05 10:05 +08:00)),
        ),
        item(
            "吴忠市公共资源交易服务中心领导分工",
            "中心领导班子成员及分工。",
            "<p>主任主持全面工作；副主任分管交易服务科、信息技术科。</p>",
            None,
            date!(2024 - 06 - 10),
            Some(2),
            "functions",
            Fate::Corrected(
                datetime!(2024-06-12 15:00 +08:00),
                datetime!(2025-03-18 11:00 +08:00),
                "领导班子调整，更新分管科室",
                "<p>主任主持全面工作，分管综合科；副主任分管交易服务科、信息技术科。</p>",
            ),
        ),
        item(
            "吴忠市公共资源交易服务中心信息发布工作方案",
            "规范中心信息采编、审核、发布等工作，实行三审三校制度。",
            "<p>信息发布实行采编、初审、复审、终审和三校，发布前进行保密审查。</p>",
            Some("吴公管发〔2024〕3号"),
            date!(2024 - 06 - 20),
            None,
            "system",
            Fate::Published(datetime!(2024-07-01 09:30 +08:00)),
        ),
        DemoItem {
            interprets: Some(3),
            ..item(
                "《吴忠市公共资源交易服务中心信息发布工作方案》政策解读",
                "解读信息发布工作方案的制定背景、主要内容和三审三校要求。",
                "<p>一、制定背景：规范中心信息发布。二、主要内容：信息发布实行采编、初审、复审、终审，发布前三校并进行保密审查。三、实施时间：自印发之日起施行。</p>",
                None,
                date!(2024 - 06 - 25),
                None,
                "system",
                Fate::Published(datetime!(2024-07-02 10:00 +08:00)),
            )
        },
        item(
            "吴忠市公共资源交易服务中心政府信息公开指南",
            "说明主动公开范围、依申请公开的受理机构和程序。",
            "<p>受理机构：中心综合科；办公时间：工作日 8:30—12:00、14:30—18:00；电话：0953-2031234；电子邮箱：wzggzy@wuzhong.gov.cn。</p>",
            None,
            date!(2024 - 06 - 20),
            None,
            "guide",
            Fate::Published(datetime!(2024-07-01 09:40 +08:00)),
        ),
        item(
            "公共资源交易服务收费情况说明",
            "中心不向交易主体收取交易服务费。",
            "<p>按照有关规定，中心不向交易主体收取交易服务费用。</p>",
            None,
            date!(2024 - 07 - 15),
            Some(8),
            "fees",
            Fate::Published(datetime!(2024-07-22 16:00 +08:00)),
        ),
        item(
            "吴忠市公共资源交易服务中心2025年部门预算",
            "2025年收支预算总表、财政拨款收支预算表及说明。",
            "<p>2025年部门预算收支总额及说明见附表。</p>",
            Some("吴公管发〔2025〕1号"),
            date!(2025 - 02 - 10),
            Some(7),
            "budget",
            Fate::Published(datetime!(2025-02-20 10:00 +08:00)),
        )
        .on(&["portal"]),
        item(
            "关于暂停现场踏勘集中组织的通知",
            "自即日起暂停由中心集中组织现场踏勘。",
            "<p>自即日起暂停由中心集中组织现场踏勘，由招标人自行组织。</p>",
            Some("吴公管发〔2025〕6号"),
            date!(2025 - 04 - 01),
            Some(15),
            "other",
            Fate::Withdrawn(
                datetime!(2025-04-03 10:00 +08:00),
                datetime!(2025-04-10 17:00 +08:00),
                "该事项改由行业主管部门通知，本通知撤回",
            ),
        )
        .on(&["portal", "wechat"]),
        item(
            "关于元旦期间公共资源交易服务安排的通知",
            "元旦假期开评标场地安排。",
            "<p>元旦假期期间暂停开评标活动，已安排的项目顺延。</p>",
            None,
            recent(3),
            Some(15),
            "trading",
            Fate::Scheduled(tomorrow_nine),
        )
        .on(&["portal", "wechat"]),
        item(
            "关于启用远程异地评标系统的通知",
            "启用远程异地评标系统的时间和要求。",
            "<p>中心远程异地评标系统完成联调，即将启用。</p>",
            None,
            recent(5),
            Some(15),
            "trading",
            Fate::Approved,
        )
        .on(&["portal", "wechat"]),
        item(
            "关于调整开评标场地预约方式的通知",
            "开评标场地改为网上预约。",
            "<p>开评标场地改为网上预约。咨询联系人：交易服务科张工，手机 13995361234。</p>",
            None,
            recent(2),
            Some(15),
            "trading",
            Fate::InReview,
        )
        .on(&["portal"]),
        item(
            "吴忠市公共资源交易服务中心2025年政府信息公开工作总结",
            "2025年政府信息公开工作情况。",
            "<p>2025年，中心主动公开各类信息……</p>",
            None,
            recent(6),
            None,
            "other",
            Fate::Returned("数据未与台账核对，请按年报口径核实后再报"),
        ),
        item(
            "2027年公共资源交易便民服务措施",
            "",
            "<p>（草稿）</p>",
            None,
            recent(1),
            None,
            "other",
            Fate::Draft,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_is_valid_and_every_state_is_met() {
        let today = date!(2026 - 12 - 02);
        let all = demo_catalogue(today);
        for i in &all {
            let version = if matches!(i.fate, Fate::Corrected(..)) {
                2
            } else {
                1
            };
            let mut f = i.fields.clone();
            if version == 2 {
                f.change_note = Some("x".into());
            }
            assert!(f.validated(today, version).is_ok(), "{}", i.fields.title);
        }
        for fate in [
            "Draft",
            "InReview",
            "Returned",
            "Approved",
            "Scheduled",
            "Published",
            "Corrected",
            "Withdrawn",
        ] {
            assert!(
                all.iter()
                    .any(|i| format!("{:?}", i.fate).starts_with(fate)),
                "{fate}"
            );
        }
    }
}
