//! Deterministic ledgers: the demo agency whose 2024 report reproduces the reference report,
//! and synthetic agencies at province scale for benchmarks (`gongkai gen`).
//!
//! Everything is drawn from a seeded ChaCha8 generator, so the same seed gives the same ledger
//! on every machine.

mod applicants;
mod catalogue;
mod sample;

pub use applicants::demo_applicant;
pub use catalogue::{DEMO_CONTACTS, DEMO_WORDS, DemoItem, Fate, demo_catalogue, demo_guide};
pub use sample::sample_report;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use time::macros::{date, time as hms};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Weekday};

use gongkai_domain::codes::{
    AppealKind, AppealResult, ApplicantType, ChannelKind, DisclosureAttr, DocKind, NoticeType as N,
    Outcome, RequestChannel, TradingCategory as Cat,
};
use gongkai_domain::ledger::*;
use gongkai_domain::period::{BEIJING, Period, beijing_date};
use gongkai_domain::uscc;

/// The demo agency's code.
pub const DEMO_CODE: &str = "wuzhong-ggzy";
/// The demo agency's name.
pub const DEMO_NAME: &str = "吴忠市公共资源交易服务中心";
/// The demo agency's establishment date.
pub const DEMO_ESTABLISHED: Date = date!(2024 - 05 - 29);

/// The seed of the demo agency's generated ledger.
const DEMO_SEED: u64 = 0x5775_2024_0529;

/// The figures the demo's 2024 report must show (the reference report says "余" for the first,
/// third and fourth; these are the exact counts the demo ledger is built to).
pub mod demo_targets {
    pub const TRADING_NOTICES: i64 = 5836;
    pub const SECTIONS_FULL_PROCESS: i64 = 977;
    pub const PLANS_AND_INTENTIONS: i64 = 1517;
    pub const BIDDERS: i64 = 7432;
    pub const PORTAL_POSTS: i64 = 6;
    pub const WECHAT_POSTS: i64 = 49;
    pub const WECHAT_READS: i64 = 4565;
    pub const POLICY_PUSHES: i64 = 294;
    pub const POLICY_LOANS: i64 = 60;
    /// 4437 万元 in 分.
    pub const POLICY_LOAN_FEN: i64 = 4_437_000_000;
}

/// The places of 吴忠市 with their administrative division codes.
const WUZHONG: &[(&str, &str, &[&str])] = &[
    (
        "吴忠市本级",
        "640300",
        &["市区", "滨河新区", "金积工业园区"],
    ),
    (
        "利通区",
        "640302",
        &[
            "金积镇",
            "金银滩镇",
            "高闸镇",
            "扁担沟镇",
            "上桥镇",
            "古城镇",
            "东塔寺乡",
            "板桥乡",
            "马莲渠乡",
            "郭家桥乡",
        ],
    ),
    (
        "红寺堡区",
        "640303",
        &[
            "红寺堡镇",
            "太阳山镇",
            "大河乡",
            "新庄集乡",
            "柳泉乡",
            "南川乡",
        ],
    ),
    (
        "盐池县",
        "640323",
        &[
            "花马池镇",
            "大水坑镇",
            "惠安堡镇",
            "高沙窝镇",
            "王乐井乡",
            "冯记沟乡",
            "青山乡",
            "麻黄山乡",
        ],
    ),
    (
        "同心县",
        "640324",
        &[
            "豫海镇",
            "河西镇",
            "韦州镇",
            "下马关镇",
            "预旺镇",
            "王团镇",
            "丁塘镇",
            "田老庄乡",
            "马高庄乡",
            "张家塬乡",
            "兴隆乡",
        ],
    ),
    (
        "青铜峡市",
        "640381",
        &[
            "小坝镇",
            "大坝镇",
            "青铜峡镇",
            "叶盛镇",
            "瞿靖镇",
            "峡口镇",
            "邵岗镇",
            "陈袁滩镇",
        ],
    ),
];

const ENGINEERING_WORKS: &[&str] = &[
    "农村道路提升改造工程",
    "高标准农田建设项目",
    "老旧小区改造工程",
    "供水管网改造工程",
    "污水处理厂提标改造工程",
    "中小学校舍维修改造工程",
    "卫生院业务用房建设项目",
    "黄河堤防加固工程",
    "灌区渠道砌护工程",
    "街道雨污分流改造工程",
    "集中供热管网改造工程",
    "美丽乡村建设项目",
    "人居环境整治项目",
    "冷链物流园建设项目",
    "文化活动中心建设项目",
    "养老服务中心建设项目",
    "公共厕所改造工程",
    "防洪排涝工程",
    "光伏发电配套工程",
    "生态修复治理项目",
    "移民安置区基础设施配套工程",
    "设施农业大棚建设项目",
    "畜牧养殖园区基础设施项目",
    "城市道路照明改造工程",
];
const ENGINEERING_LOTS: &[&str] = &[
    "施工",
    "监理",
    "勘察设计",
    "施工一标段",
    "施工二标段",
    "全过程造价咨询",
];
const PROCUREMENT_GOODS: &[&str] = &[
    "医疗设备采购项目",
    "教学设备采购项目",
    "办公家具采购项目",
    "信息化系统建设项目",
    "物业管理服务采购项目",
    "食堂食材配送服务项目",
    "环卫保洁服务采购项目",
    "公务用车采购项目",
    "图书采购项目",
    "校服采购项目",
    "农机具采购项目",
    "监控设备采购项目",
    "绿化养护服务项目",
    "课桌椅采购项目",
    "消防器材采购项目",
    "体检服务采购项目",
    "法律顾问服务采购项目",
    "审计服务采购项目",
    "网络安全等级保护测评服务项目",
    "救护车采购项目",
];
const PROCUREMENT_BUYERS: &[&str] = &[
    "人民医院",
    "中医医院",
    "第一中学",
    "第二中学",
    "实验小学",
    "教育局",
    "卫生健康局",
    "农业农村局",
    "自然资源局",
    "住房和城乡建设局",
    "市场监督管理局",
    "公安局",
    "民政局",
    "文化旅游广电局",
    "水务局",
    "城市管理局",
    "妇幼保健院",
];
const LAND_ITEMS: &[&str] = &[
    "国有建设用地使用权挂牌出让",
    "采矿权挂牌出让",
    "国有建设用地使用权拍卖出让",
];
const ASSET_ITEMS: &[&str] = &[
    "国有资产公开拍卖",
    "商铺租赁权公开招租",
    "报废车辆公开处置",
    "国有企业股权转让",
];

const NAME_A: &[&str] = &[
    "宁", "塞", "黄河", "贺兰", "六盘", "朔", "银", "吴", "青", "盐", "红", "金", "鑫", "瑞", "泰",
    "华", "恒", "盛", "丰", "安", "康", "润", "嘉", "博", "中", "同", "利", "兴", "宏", "远", "正",
    "德", "信", "通", "达", "隆",
];
const NAME_B: &[&str] = &[
    "源", "泽", "川", "峰", "原", "城", "发", "晟", "昌", "宇", "森", "禾", "辰", "弘", "锦", "耀",
    "裕", "诚", "润", "邦", "新", "天", "和", "鼎", "凯", "越", "盈", "旭", "创", "建",
];
const TRADES: &[&str] = &[
    "建设工程",
    "建筑安装工程",
    "市政工程",
    "路桥工程",
    "水利水电工程",
    "园林绿化工程",
    "工程监理",
    "工程咨询",
    "勘察设计",
    "电力工程",
    "科技",
    "信息技术",
    "医疗器械",
    "商贸",
    "教育装备",
    "物业服务",
    "环保科技",
    "农业科技",
    "家具制造",
    "电子科技",
];
const PROVINCES: &[(&str, &str)] = &[
    ("宁夏", "640100"),
    ("宁夏", "640300"),
    ("宁夏", "640200"),
    ("宁夏", "640400"),
    ("宁夏", "640500"),
    ("甘肃", "620100"),
    ("陕西", "610100"),
    ("内蒙古", "150100"),
    ("山东", "370100"),
    ("河南", "410100"),
];

fn at(d: Date, h: u8, m: u8) -> OffsetDateTime {
    let t = time::Time::from_hms(h, m, 0).unwrap_or(hms!(9:00));
    PrimitiveDateTime::new(d, t).assume_offset(BEIJING)
}

/// Moves a Saturday or Sunday to the next Monday (offices publish on working days).
fn weekday(d: Date) -> Date {
    match d.weekday() {
        Weekday::Saturday => d + Duration::days(2),
        Weekday::Sunday => d + Duration::days(1),
        _ => d,
    }
}

fn iso(d: Date) -> String {
    gongkai_domain::period::iso(d)
}

/// A pool of bidding companies with unique names and valid 统一社会信用代码.
pub fn company_pool(rng: &mut ChaCha8Rng, n: usize) -> Vec<Bidder> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(n);
    let mut serial: u32 = rng.random_range(10_000_000..20_000_000);
    while out.len() < n {
        let (prov, div) = PROVINCES[if rng.random_bool(0.7) {
            rng.random_range(0..5)
        } else {
            rng.random_range(0..PROVINCES.len())
        }];
        let a = NAME_A[rng.random_range(0..NAME_A.len())];
        let b = NAME_B[rng.random_range(0..NAME_B.len())];
        let c = NAME_B[rng.random_range(0..NAME_B.len())];
        let trade = TRADES[rng.random_range(0..TRADES.len())];
        let form = if rng.random_bool(0.85) {
            "有限公司"
        } else {
            "有限责任公司"
        };
        let name = format!("{prov}{a}{b}{c}{trade}{form}");
        if !seen.insert(name.clone()) {
            continue;
        }
        serial += rng.random_range(1..5000);
        let body = format!("MA{:06}", serial % 1_000_000);
        let body = if rng.random_bool(0.5) {
            format!("{:08}", serial)
        } else {
            body
        };
        if let Some(code) = uscc::make_enterprise(div, &body) {
            out.push(Bidder { name, uscc: code });
        }
    }
    out
}

/// Builds the notices of one section following a realistic, lawful timeline.
struct SectionPlan {
    category: Cat,
    start: Date,
    bidders: usize,
    clarification: bool,
    acceptance: bool,
    /// `Some(n)`: the section is terminated after `n` bidders came to the opening (0: before it).
    terminated: Option<usize>,
}

struct Builder<'a> {
    rng: &'a mut ChaCha8Rng,
    prefix: String,
    notice_seq: u32,
}

impl Builder<'_> {
    fn notice(
        &mut self,
        ntype: N,
        title: String,
        day: Date,
        dates: serde_json::Value,
        elements: serde_json::Value,
    ) -> Notice {
        self.notice_seq += 1;
        let h = self.rng.random_range(8..18);
        let m = self.rng.random_range(0..60);
        Notice {
            no: format!("{}{:07}", self.prefix, self.notice_seq),
            ntype,
            title,
            published: at(day, h, m),
            dates,
            elements,
            bidders: vec![],
        }
    }

    fn section(&mut self, project: &str, section_name: &str, plan: &SectionPlan) -> Vec<Notice> {
        let mut v = Vec::new();
        let full = format!("{project}{section_name}");
        let d0 = weekday(plan.start);
        let engineering = plan.category == Cat::Engineering;
        let deadline = weekday(d0 + Duration::days(self.rng.random_range(21..29)));
        let docs_from = weekday(d0 + Duration::days(1));
        let docs_to = docs_from + Duration::days(if engineering { 6 } else { 9 });
        let (kind, tender_title) = match plan.category {
            Cat::Engineering => ("招标公告", format!("{full}招标公告")),
            Cat::Procurement => ("公开招标公告", format!("{full}公开招标公告")),
            Cat::Land => ("出让公告", format!("{full}出让公告")),
            _ => ("交易公告", format!("{full}交易公告")),
        };
        v.push(self.notice(
            N::TenderNotice,
            tender_title,
            d0,
            json!({"docs_from": iso(docs_from), "docs_to": iso(docs_to), "bid_deadline": iso(deadline)}),
            json!({"kind": kind, "project_name": project, "bid_deadline": iso(deadline), "place": "吴忠市公共资源交易中心开标室"}),
        ));
        if plan.clarification {
            let d = weekday(d0 + Duration::days(self.rng.random_range(3..6)));
            v.push(self.notice(
                N::Clarification,
                format!("{full}澄清（答疑）公告"),
                d,
                json!({"bid_deadline": iso(deadline)}),
                json!({"original_notice": "招标公告", "content": "招标文件澄清及答疑"}),
            ));
        }
        if matches!(plan.category, Cat::Land | Cat::StateAsset | Cat::Other) {
            let d = weekday(deadline + Duration::days(self.rng.random_range(1..4)));
            v.push(self.notice(
                N::AwardResult,
                format!("{full}成交结果公示"),
                d,
                json!({"determined": iso(d)}),
                json!({"result": "成交"}),
            ));
            return v;
        }
        if plan.terminated == Some(0) {
            let d = weekday(d0 + Duration::days(self.rng.random_range(7..18)));
            v.push(self.notice(
                N::Termination,
                format!("{full}终止公告"),
                d,
                json!({}),
                json!({"reason": "采购需求调整"}),
            ));
            return v;
        }
        let mut opening = self.notice(
            N::BidOpening,
            format!("{full}开标记录"),
            deadline,
            json!({}),
            json!({"opened_at": iso(deadline)}),
        );
        opening.bidders = vec![
            Bidder {
                name: String::new(),
                uscc: String::new()
            };
            plan.terminated.unwrap_or(plan.bidders)
        ];
        v.push(opening);
        if plan.terminated.is_some() {
            let d = weekday(deadline + Duration::days(self.rng.random_range(1..4)));
            v.push(self.notice(
                N::Termination,
                format!("{full}流标公告"),
                d,
                json!({}),
                json!({"reason": "递交投标文件的投标人不足三家"}),
            ));
            return v;
        }
        let determined;
        if engineering {
            let report = deadline + Duration::days(self.rng.random_range(1..3));
            let published = weekday(report + Duration::days(1));
            let end = published + Duration::days(3);
            let mut c = self.notice(
                N::CandidatePublicity,
                format!("{full}中标候选人公示"),
                published,
                json!({"report_received": iso(report), "publicity_end": iso(end)}),
                json!({"candidates": 3}),
            );
            c.bidders = vec![
                Bidder {
                    name: String::new(),
                    uscc: String::new()
                };
                3.min(plan.bidders)
            ];
            v.push(c);
            determined = weekday(end + Duration::days(1));
        } else {
            determined = weekday(deadline + Duration::days(self.rng.random_range(1..5)));
        }
        v.push(self.notice(
            N::AwardResult,
            format!("{full}中标（成交）结果公告"),
            determined,
            json!({"determined": iso(determined)}),
            json!({"winner_rank": 1}),
        ));
        if engineering && self.rng.random_bool(0.1) {
            return v;
        }
        let signed = weekday(determined + Duration::days(self.rng.random_range(5..21)));
        v.push(self.notice(
            N::Contract,
            format!("{full}合同公告"),
            signed,
            json!({"signed": iso(signed)}),
            json!({}),
        ));
        if plan.acceptance {
            let d = weekday(signed + Duration::days(self.rng.random_range(20..70)));
            v.push(self.notice(
                N::Acceptance,
                format!("{full}履约验收公告"),
                d,
                json!({}),
                json!({"result": "合格"}),
            ));
        }
        v
    }
}

fn completed(rule: &FullProcessRule, cat: Cat, notices: &[Notice]) -> Option<Date> {
    let stages: Vec<(N, Date)> = notices
        .iter()
        .map(|n| (n.ntype, beijing_date(n.published)))
        .collect();
    rule.completed_on(cat, &stages)
}

fn random_date(rng: &mut ChaCha8Rng, from: Date, to: Date) -> Date {
    let span = (to - from).whole_days().max(0);
    from + Duration::days(rng.random_range(0..=span))
}

fn place(rng: &mut ChaCha8Rng) -> (&'static str, &'static str) {
    let (region, _, towns) = WUZHONG[rng.random_range(0..WUZHONG.len())];
    (region, towns[rng.random_range(0..towns.len())])
}

fn project_name(rng: &mut ChaCha8Rng, cat: Cat, year: i32) -> (String, String) {
    let (region, town) = place(rng);
    let name = match cat {
        Cat::Engineering => {
            let r = if region == "吴忠市本级" {
                "吴忠市"
            } else {
                region
            };
            format!(
                "{r}{year}年{town}{}",
                ENGINEERING_WORKS[rng.random_range(0..ENGINEERING_WORKS.len())]
            )
        }
        Cat::Procurement => {
            let r = if region == "吴忠市本级" {
                "吴忠市"
            } else {
                region
            };
            format!(
                "{r}{}{}",
                PROCUREMENT_BUYERS[rng.random_range(0..PROCUREMENT_BUYERS.len())],
                PROCUREMENT_GOODS[rng.random_range(0..PROCUREMENT_GOODS.len())]
            )
        }
        Cat::Land => format!(
            "{region}{town}{}",
            LAND_ITEMS[rng.random_range(0..LAND_ITEMS.len())]
        ),
        _ => format!(
            "{region}{}",
            ASSET_ITEMS[rng.random_range(0..ASSET_ITEMS.len())]
        ),
    };
    (name, region.to_string())
}

fn cat_code(c: Cat) -> &'static str {
    match c {
        Cat::Engineering => "GC",
        Cat::Procurement => "CG",
        Cat::Land => "TD",
        Cat::StateAsset => "CQ",
        Cat::Other => "QT",
    }
}

fn plan_notice(b: &mut Builder<'_>, cat: Cat, project: &str, day: Date) -> Notice {
    if cat == Cat::Engineering {
        b.notice(
            N::TenderPlan,
            format!("{project}招标计划"),
            day,
            json!({}),
            json!({"expected_month": iso(day)}),
        )
    } else {
        let start = day + Duration::days(40);
        b.notice(
            N::ProcurementIntention,
            format!("{project}政府采购意向"),
            day,
            json!({"activity_start": iso(start)}),
            json!({"budget_yuan": "1000000"}),
        )
    }
}

/// Parameters of one synthetic agency-year.
struct YearShape {
    complete: usize,
    partial: usize,
    terminated: usize,
    land: usize,
    plans: usize,
}

/// Generates the trading ledger of one agency for one period, returning the projects and the
/// number of bidder slots on openings inside the period.
fn trading(
    b: &mut Builder<'_>,
    shape: &YearShape,
    period: Period,
    code_prefix: &str,
    rule: &FullProcessRule,
) -> Vec<Project> {
    let year = period.to.year();
    let mut projects: Vec<Project> = Vec::new();
    let mut proj_seq = 0;
    let mut new_project = |b: &mut Builder<'_>, cat: Cat| {
        proj_seq += 1;
        let (name, region) = project_name(b.rng, cat, year);
        Project {
            code: format!("{code_prefix}-{}-{year}-{proj_seq:04}", cat_code(cat)),
            name,
            category: cat,
            region,
            notices: vec![],
            sections: vec![],
        }
    };
    let late_start = period.to - Duration::days(56);
    let mut add_sections = |b: &mut Builder<'_>,
                            projects: &mut Vec<Project>,
                            count: usize,
                            kind: u8| {
        let mut made = 0;
        while made < count {
            let cat = match kind {
                3 => {
                    if b.rng.random_bool(0.6) {
                        Cat::Land
                    } else {
                        Cat::StateAsset
                    }
                }
                _ => {
                    if b.rng.random_bool(0.57) {
                        Cat::Engineering
                    } else {
                        Cat::Procurement
                    }
                }
            };
            let mut p = new_project(b, cat);
            let lots = match cat {
                Cat::Engineering => *[1, 1, 1, 2, 2, 3]
                    .get(b.rng.random_range(0..6))
                    .unwrap_or(&1),
                Cat::Procurement => b.rng.random_range(1..4),
                _ => 1,
            }
            .min(count - made);
            for lot in 0..lots {
                let lot_name = match cat {
                    Cat::Engineering if lots > 1 => {
                        ENGINEERING_LOTS[lot % ENGINEERING_LOTS.len()].to_string()
                    }
                    Cat::Procurement if lots > 1 => format!("第{}包", lot + 1),
                    _ => String::new(),
                };
                // Draw timelines until the section lands where its kind needs it.
                for _attempt in 0..50 {
                    let start = match kind {
                        0 | 2 | 3 => random_date(b.rng, period.from, late_start.max(period.from)),
                        _ => random_date(
                            b.rng,
                            period.to - Duration::days(28),
                            period.to - Duration::days(3),
                        ),
                    };
                    let plan = SectionPlan {
                        category: cat,
                        start,
                        bidders: if cat == Cat::Engineering {
                            b.rng.random_range(6..17)
                        } else {
                            b.rng.random_range(3..9)
                        },
                        clarification: b.rng.random_bool(0.25),
                        acceptance: cat == Cat::Procurement && b.rng.random_bool(0.45),
                        terminated: if kind == 2 {
                            Some(if b.rng.random_bool(0.5) { 0 } else { 2 })
                        } else {
                            None
                        },
                    };
                    let saved = b.notice_seq;
                    let notices = b.section(&p.name, &lot_name, &plan);
                    let done = completed(rule, cat, &notices);
                    let ok = match kind {
                        0 => done.is_some_and(|d| period.contains(d)),
                        1 => done.is_none_or(|d| d > period.to),
                        _ => true,
                    };
                    if ok {
                        p.sections.push(Section {
                            code: format!("{}-{:02}", p.code, lot + 1),
                            name: if lot_name.is_empty() {
                                p.name.clone()
                            } else {
                                format!("{}{}", p.name, lot_name)
                            },
                            notices,
                        });
                        made += 1;
                        break;
                    }
                    b.notice_seq = saved;
                }
            }
            if !p.sections.is_empty() {
                projects.push(p);
            }
        }
    };
    add_sections(b, &mut projects, shape.complete, 0);
    add_sections(b, &mut projects, shape.partial, 1);
    add_sections(b, &mut projects, shape.terminated, 2);
    add_sections(b, &mut projects, shape.land, 3);

    // Plans and intentions: one per tendered project, then projects still at the planning stage.
    let mut plans = 0;
    for p in projects.iter_mut() {
        if plans >= shape.plans || !matches!(p.category, Cat::Engineering | Cat::Procurement) {
            continue;
        }
        let first = p
            .sections
            .iter()
            .flat_map(|s| &s.notices)
            .map(|n| beijing_date(n.published))
            .min();
        if let Some(first) = first {
            let earliest = period.from;
            if first - Duration::days(2) < earliest {
                continue;
            }
            let latest = first - Duration::days(2);
            let day = weekday(random_date(
                b.rng,
                (first - Duration::days(45)).max(earliest),
                latest,
            ));
            if day > latest {
                continue;
            }
            let n = plan_notice(b, p.category, &p.name, day);
            p.notices.push(n);
            plans += 1;
        }
    }
    while plans < shape.plans {
        let cat = if b.rng.random_bool(0.45) {
            Cat::Engineering
        } else {
            Cat::Procurement
        };
        let mut p = new_project(b, cat);
        let day = loop {
            let d = weekday(random_date(b.rng, period.from, period.to));
            if d <= period.to {
                break d;
            }
        };
        let n = plan_notice(b, cat, &p.name, day);
        p.notices.push(n);
        plans += 1;
        projects.push(p);
    }
    projects
}

/// Fills bidder slots: every opening inside the period draws from `pool` round-robin so that
/// each company bids at least once when there are enough slots; candidates are the first three
/// bidders of their section's opening.
fn assign_bidders(rng: &mut ChaCha8Rng, projects: &mut [Project], pool: &[Bidder], period: Period) {
    let mut order: Vec<usize> = (0..pool.len()).collect();
    order.shuffle(rng);
    let mut next = 0usize;
    for p in projects.iter_mut() {
        for s in p.sections.iter_mut() {
            let mut opened: Vec<Bidder> = Vec::new();
            for n in s.notices.iter_mut() {
                if n.ntype == N::BidOpening {
                    let k = n.bidders.len();
                    let inside = period.contains(beijing_date(n.published));
                    n.bidders = (0..k)
                        .map(|_| {
                            let i = if inside {
                                next += 1;
                                order[(next - 1) % order.len()]
                            } else {
                                rng.random_range(0..pool.len())
                            };
                            pool[i].clone()
                        })
                        .collect();
                    opened = n.bidders.clone();
                } else if n.ntype == N::CandidatePublicity {
                    let k = n.bidders.len();
                    n.bidders = opened.iter().take(k).cloned().collect();
                }
            }
        }
    }
}

fn count_in(projects: &[Project], period: Period, pred: impl Fn(N) -> bool) -> usize {
    projects
        .iter()
        .flat_map(|p| {
            p.notices
                .iter()
                .chain(p.sections.iter().flat_map(|s| &s.notices))
        })
        .filter(|n| pred(n.ntype) && period.contains(beijing_date(n.published)))
        .count()
}

/// Adds or removes optional notices (clarifications, acceptance reports) inside the period until
/// the period holds exactly `target` trading notices.
fn calibrate_trading(b: &mut Builder<'_>, projects: &mut [Project], period: Period, target: usize) {
    let trading = |projects: &[Project]| count_in(projects, period, |t| !t.is_plan());
    let mut have = trading(projects);
    // Too many: drop clarifications inside the period (they are optional).
    'drop: for p in projects.iter_mut() {
        for s in p.sections.iter_mut() {
            if have <= target {
                break 'drop;
            }
            if let Some(i) = s.notices.iter().position(|n| {
                n.ntype == N::Clarification && period.contains(beijing_date(n.published))
            }) {
                s.notices.remove(i);
                have -= 1;
            }
        }
    }
    // Too few: procurement contracts get their acceptance report, then tenders a clarification.
    let mut round = 0;
    while have < target && round < 4 {
        for p in projects.iter_mut() {
            let project_name = p.name.clone();
            for s in p.sections.iter_mut() {
                if have >= target {
                    return;
                }
                let contract = s
                    .notices
                    .iter()
                    .find(|n| n.ntype == N::Contract)
                    .map(|n| beijing_date(n.published));
                let has_acceptance = s.notices.iter().any(|n| n.ntype == N::Acceptance);
                if round == 0
                    && p.category == Cat::Procurement
                    && !has_acceptance
                    && let Some(signed) = contract
                {
                    let d = weekday(signed + Duration::days(b.rng.random_range(15..40)));
                    if period.contains(d) {
                        let n = b.notice(
                            N::Acceptance,
                            format!("{}履约验收公告", s.name),
                            d,
                            json!({}),
                            json!({"result": "合格"}),
                        );
                        s.notices.push(n);
                        have += 1;
                    }
                }
                if round >= 1 {
                    let tender = s
                        .notices
                        .iter()
                        .find(|n| n.ntype == N::TenderNotice)
                        .cloned();
                    if let Some(t) = tender {
                        let d0 = beijing_date(t.published);
                        let d = weekday(d0 + Duration::days(round as i64 + 1));
                        if period.contains(d) && d0 < d {
                            let n = b.notice(
                                N::Clarification,
                                format!(
                                    "{project_name}{}补充公告",
                                    if round > 1 { "第二次" } else { "" }
                                ),
                                d,
                                json!({"bid_deadline": t.dates["bid_deadline"].clone()}),
                                json!({"content": "补充说明"}),
                            );
                            s.notices.push(n);
                            have += 1;
                        }
                    }
                }
            }
        }
        round += 1;
    }
}

/// Splits `total` into `n` positive parts with some spread.
fn split(rng: &mut ChaCha8Rng, total: i64, n: usize, unit: i64) -> Vec<i64> {
    let weights: Vec<i64> = (0..n).map(|_| rng.random_range(5..40)).collect();
    let wsum: i64 = weights.iter().sum();
    let units = total / unit;
    let mut parts: Vec<i64> = weights.iter().map(|w| (units * w / wsum).max(1)).collect();
    let assigned: i64 = parts.iter().sum();
    let diff = units - assigned;
    if let Some(last) = parts.last_mut() {
        *last += diff;
    }
    let mut out: Vec<i64> = parts.into_iter().map(|p| p * unit).collect();
    if let Some(last) = out.last_mut() {
        *last += total % unit;
    }
    out
}

fn demo_channels(rng: &mut ChaCha8Rng, period: Period) -> Vec<Channel> {
    use demo_targets::*;
    let portal_titles = [
        "吴忠市公共资源交易服务中心挂牌成立",
        "市公共资源交易服务中心开展“不见面开标”系统运行培训",
        "吴忠市公共资源交易服务中心召开政务公开工作推进会",
        "市公共资源交易服务中心推进远程异地评标工作",
        "吴忠市公共资源交易服务中心开展优化营商环境专项行动",
        "市公共资源交易服务中心2024年工作总结",
    ];
    let mut portal_days: Vec<Date> = (0..PORTAL_POSTS)
        .map(|_| weekday(random_date(rng, period.from, period.to - Duration::days(3))))
        .collect();
    portal_days.sort();
    let portal = Channel {
        code: "portal".into(),
        name: "吴忠市人民政府门户网站".into(),
        kind: ChannelKind::Portal,
        posts: portal_days
            .into_iter()
            .zip(portal_titles)
            .map(|(d, t)| ChannelPost {
                title: t.into(),
                published_on: d,
                reads: rng.random_range(80..400),
            })
            .collect(),
    };
    let topics = [
        "国家发展改革委发布《招标投标领域公平竞争审查规则》",
        "自治区公共资源交易平台上线电子保函服务",
        "政府采购信用融资（政采贷）政策解读",
        "中心开展“交易服务进企业”活动",
        "关于规范工程建设项目招标投标活动的通知",
        "远程异地评标常见问题解答",
        "政府采购支持中小企业发展政策解读",
        "中心业务动态",
    ];
    let mut days: Vec<Date> = (0..WECHAT_POSTS)
        .map(|_| random_date(rng, period.from, period.to))
        .collect();
    days.sort();
    let reads = split(rng, WECHAT_READS, WECHAT_POSTS as usize, 1);
    let wechat = Channel {
        code: "wechat".into(),
        name: "吴忠公共资源交易".into(),
        kind: ChannelKind::Wechat,
        posts: days
            .into_iter()
            .zip(reads)
            .enumerate()
            .map(|(i, (d, r))| ChannelPost {
                title: format!("{}（第{}期）", topics[i % topics.len()], i + 1),
                published_on: d,
                reads: r,
            })
            .collect(),
    };
    vec![portal, wechat]
}

fn demo_items(period: Period) -> Vec<DisclosureItem> {
    let items = [
        (
            "机构职能",
            "吴忠市公共资源交易服务中心主要职责",
            "中心承担全市公共资源交易服务等职责。",
            Some(1),
        ),
        (
            "机构职能",
            "吴忠市公共资源交易服务中心内设机构",
            "中心内设综合科、交易服务科、信息技术科。",
            Some(1),
        ),
        (
            "领导信息",
            "吴忠市公共资源交易服务中心领导分工",
            "中心领导班子成员及分工。",
            Some(1),
        ),
        (
            "政务公开制度",
            "吴忠市公共资源交易服务中心信息发布工作方案",
            "规范中心信息采编、审核、发布等工作，实行三审三校制度。",
            None,
        ),
        (
            "政府信息公开指南",
            "吴忠市公共资源交易服务中心政府信息公开指南",
            "说明主动公开范围、依申请公开的受理机构和程序。",
            None,
        ),
        (
            "服务事项",
            "公共资源交易服务事项清单",
            "中心提供的交易服务事项、办理流程和时限。",
            Some(9),
        ),
        (
            "收费标准",
            "公共资源交易服务收费情况说明",
            "中心不向交易主体收取交易服务费。",
            Some(8),
        ),
    ];
    items
        .iter()
        .enumerate()
        .map(|(i, (cat, title, summary, art20))| DisclosureItem {
            index_no: format!("640300-GGZY-{}-{:04}", period.to.year(), i + 1),
            title: (*title).into(),
            summary: (*summary).into(),
            doc_no: None,
            publisher: DEMO_NAME.into(),
            generated_on: period.from + Duration::days(i as i64 * 3),
            published_on: Some(period.from + Duration::days(i as i64 * 3 + 2)),
            attr: DisclosureAttr::Proactive,
            art20_item: *art20,
            doc_kind: DocKind::Other,
            repealed_on: None,
            catalogue: (*cat).into(),
        })
        .collect()
}

/// The demo agency's ledger: its 2024 report reproduces the reference report.
pub fn demo_ledger() -> AgencyLedger {
    use demo_targets::*;
    let mut rng = ChaCha8Rng::seed_from_u64(DEMO_SEED);
    let period = Period {
        from: DEMO_ESTABLISHED,
        to: date!(2024 - 12 - 31),
    };
    let rule = FullProcessRule::default();
    let pool = company_pool(&mut rng, BIDDERS as usize);
    let mut b = Builder {
        rng: &mut rng,
        prefix: "WZGG".into(),
        notice_seq: 0,
    };
    let shape = YearShape {
        complete: SECTIONS_FULL_PROCESS as usize,
        partial: 290,
        terminated: 46,
        land: 64,
        plans: PLANS_AND_INTENTIONS as usize,
    };
    let mut projects = trading(&mut b, &shape, period, "WZGGZY", &rule);
    calibrate_trading(&mut b, &mut projects, period, TRADING_NOTICES as usize);
    // Enough bidder slots inside the period for every pool company to bid at least once.
    let slots: usize = projects
        .iter()
        .flat_map(|p| p.sections.iter().flat_map(|s| &s.notices))
        .filter(|n| n.ntype == N::BidOpening && period.contains(beijing_date(n.published)))
        .map(|n| n.bidders.len())
        .sum();
    if slots < pool.len() {
        let mut missing = pool.len() - slots;
        'grow: loop {
            for p in projects
                .iter_mut()
                .filter(|p| p.category == Cat::Engineering)
            {
                for s in p.sections.iter_mut() {
                    for n in s.notices.iter_mut() {
                        if n.ntype == N::BidOpening && period.contains(beijing_date(n.published)) {
                            n.bidders.push(Bidder {
                                name: String::new(),
                                uscc: String::new(),
                            });
                            missing -= 1;
                            if missing == 0 {
                                break 'grow;
                            }
                        }
                    }
                }
            }
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(0x5775_2024_0530);
    assign_bidders(&mut rng, &mut projects, &pool, period);

    let mut pushes = Vec::new();
    let winners: Vec<&Bidder> = projects
        .iter()
        .filter(|p| p.category == Cat::Procurement)
        .flat_map(|p| p.sections.iter().flat_map(|s| &s.notices))
        .filter(|n| n.ntype == N::BidOpening && period.contains(beijing_date(n.published)))
        .filter_map(|n| n.bidders.first())
        .collect();
    for i in 0..POLICY_PUSHES as usize {
        let w = winners
            .get(i % winners.len().max(1))
            .map(|b| b.name.clone())
            .unwrap_or_default();
        pushes.push(PolicyPush {
            policy: "政府采购信用融资（政采贷）".into(),
            pushed_on: weekday(random_date(
                &mut rng,
                period.from,
                period.to - Duration::days(3),
            )),
            recipient: w,
        });
    }
    pushes.sort_by_key(|p| p.pushed_on);
    let amounts = split(&mut rng, POLICY_LOAN_FEN, POLICY_LOANS as usize, 1_000_000);
    let mut loans: Vec<PolicyLoan> = amounts
        .into_iter()
        .enumerate()
        .map(|(i, a)| PolicyLoan {
            policy: "政府采购信用融资（政采贷）".into(),
            granted_on: weekday(random_date(
                &mut rng,
                period.from + Duration::days(20),
                period.to - Duration::days(3),
            )),
            borrower: pushes
                .get(i * 4)
                .map(|p| p.recipient.clone())
                .unwrap_or_default(),
            amount_fen: a,
        })
        .collect();
    loans.sort_by_key(|l| l.granted_on);
    AgencyLedger {
        channels: demo_channels(&mut rng, period),
        items: demo_items(period),
        projects,
        pushes,
        loans,
        ..AgencyLedger::default()
    }
}

/// The demo agency's trading after its reference year, up to `day` (the day the demo stands
/// at), so that a newcomer finds a working center: each later year's notices at a steady pace
/// for the part of it gone by, from the same companies as 2024, nothing published on or after `day`
/// (sections still under way stop at the stage they have reached).
pub fn demo_trading_until(day: Date) -> Vec<Project> {
    use demo_targets::BIDDERS;
    let pool = company_pool(&mut ChaCha8Rng::seed_from_u64(DEMO_SEED), BIDDERS as usize);
    let rule = FullProcessRule::default();
    let mut out = Vec::new();
    for y in (DEMO_ESTABLISHED.year() + 1)..=day.year() {
        let (Ok(from), Ok(end)) = (
            Date::from_calendar_date(y, time::Month::January, 1),
            Date::from_calendar_date(y, time::Month::December, 31),
        ) else {
            continue;
        };
        let to = end.min(day);
        // A month at least, for the timelines to fit.
        if to - from < Duration::days(31) {
            continue;
        }
        let period = Period { from, to };
        let share = ((to - from).whole_days() + 1) as f64 / 365.0;
        let scaled = |n: f64| (n * share).round() as usize;
        let shape = YearShape {
            complete: scaled(150.0),
            partial: scaled(15.0),
            terminated: scaled(8.0),
            land: scaled(24.0),
            plans: scaled(110.0),
        };
        let mut rng = ChaCha8Rng::seed_from_u64(DEMO_SEED ^ (y as u64));
        let mut b = Builder {
            rng: &mut rng,
            prefix: format!("WZGG{y}"),
            notice_seq: 0,
        };
        let mut projects = trading(&mut b, &shape, period, "WZGGZY", &rule);
        assign_bidders(&mut rng, &mut projects, &pool, period);
        let published = |n: &Notice| beijing_date(n.published) < day;
        for p in &mut projects {
            p.notices.retain(published);
            for s in &mut p.sections {
                s.notices.retain(published);
            }
            p.sections.retain(|s| !s.notices.is_empty());
        }
        projects.retain(|p| !p.notices.is_empty() || !p.sections.is_empty());
        out.extend(projects);
    }
    out
}

/// Parameters of `gongkai gen`.
#[derive(Debug, Clone, Copy)]
pub struct GenSpec {
    pub agencies: usize,
    pub years: i32,
    pub seed: u64,
    /// The last generated year.
    pub last_year: i32,
}

/// The synthetic parent agency.
pub fn gen_parent() -> NewAgency {
    NewAgency {
        code: "gen-province".into(),
        name: "合成省公共资源交易监督管理局".into(),
        parent: None,
        established: Some(date!(2000 - 01 - 01)),
    }
}

/// The `i`-th synthetic child agency (0-based).
pub fn gen_agency(i: usize) -> NewAgency {
    NewAgency {
        code: format!("gen-{:04}", i + 1),
        name: format!("合成第{}公共资源交易中心", i + 1),
        parent: Some("gen-province".into()),
        established: Some(date!(2000 - 01 - 01)),
    }
}

/// The ledger of one synthetic agency: per year about 1000 trading notices and 100 requests,
/// so 10³ agencies over one year make a province (10⁶ notices, 10⁵ requests).
pub fn gen_ledger(spec: &GenSpec, index: usize) -> AgencyLedger {
    let mut rng = ChaCha8Rng::seed_from_u64(
        spec.seed ^ ((index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
    );
    let pool = company_pool(&mut rng, 400);
    let mut ledger = AgencyLedger::default();
    let mut case_seq = 0;
    for y in (spec.last_year - spec.years + 1)..=spec.last_year {
        let period = Period {
            from: Date::from_calendar_date(y, time::Month::January, 1)
                .unwrap_or(date!(2024 - 01 - 01)),
            to: Date::from_calendar_date(y, time::Month::December, 31)
                .unwrap_or(date!(2024 - 12 - 31)),
        };
        let shape = YearShape {
            complete: 150,
            partial: 20,
            terminated: 8,
            land: 10,
            plans: 120,
        };
        let prefix = format!("G{:04}{y}", index + 1);
        let mut b = Builder {
            rng: &mut rng,
            prefix,
            notice_seq: 0,
        };
        let mut projects = trading(
            &mut b,
            &shape,
            period,
            &format!("GEN{:04}", index + 1),
            &FullProcessRule::default(),
        );
        assign_bidders(&mut rng, &mut projects, &pool, period);
        ledger.projects.extend(projects);
        for _ in 0..100 {
            case_seq += 1;
            let received = random_date(&mut rng, period.from, period.to);
            let open = rng.random_bool(0.05);
            let withdrawn = !open && rng.random_bool(0.03);
            let closed = if open {
                None
            } else {
                Some(received + Duration::days(rng.random_range(1..35)))
            };
            let outcome = if open {
                None
            } else if withdrawn {
                Some(Outcome::OtherOther)
            } else {
                let r = rng.random_range(0..100);
                Some(if r < 55 {
                    Outcome::Granted
                } else if r < 65 {
                    Outcome::Partial
                } else {
                    Outcome::ALL[rng.random_range(2..21)]
                })
            };
            ledger.requests.push(Request {
                case_no: format!("YSQ-{y}-{case_seq:05}"),
                received_on: received,
                channel: RequestChannel::ALL[rng.random_range(0..RequestChannel::ALL.len())],
                applicant_type: ApplicantType::ALL[if rng.random_bool(0.7) {
                    0
                } else {
                    rng.random_range(1..6)
                }],
                subject: "申请公开某项目招标投标相关信息".into(),
                closed_on: closed,
                outcome,
                withdrawn,
                fee_fen: 0,
            });
            if !open && rng.random_bool(0.03) {
                let filed = closed.unwrap_or(received) + Duration::days(rng.random_range(10..60));
                let decided = if rng.random_bool(0.8) {
                    Some(filed + Duration::days(rng.random_range(30..90)))
                } else {
                    None
                };
                ledger.appeals.push(Appeal {
                    appeal_no: format!("FY-{y}-{case_seq:05}"),
                    case_no: Some(format!("YSQ-{y}-{case_seq:05}")),
                    kind: AppealKind::ALL[rng.random_range(0..3)],
                    filed_on: filed,
                    decided_on: decided,
                    result: decided.map(|_| AppealResult::ALL[rng.random_range(0..3)]),
                });
            }
        }
        let posts = (0..30)
            .map(|i| ChannelPost {
                title: format!("工作动态第{}期", i + 1),
                published_on: random_date(&mut rng, period.from, period.to),
                reads: rng.random_range(10..500),
            })
            .collect();
        ledger.channels.push(Channel {
            code: format!("wechat-{y}"),
            name: "公共资源交易微信公众号".into(),
            kind: ChannelKind::Wechat,
            posts,
        });
    }
    ledger
}

/// The demo agency's 依申请公开 cases of 2025, as event lines (contracts.md §2): every outcome
/// row of table 三 at least once, every applicant type and channel, a 补正, consultations
/// (one across the 国庆 holiday), an extension, a withdrawal, cases still open at year end and
/// appeals of each kind.
pub fn demo_request_events() -> String {
    use gongkai_domain::calendar::Calendar;
    let cal = Calendar::builtin();
    let mut rng = ChaCha8Rng::seed_from_u64(0x5775_2025_0101);
    let subjects = [
        "某道路提升改造工程招标文件及评标报告",
        "某医疗设备采购项目中标候选人资格审查资料",
        "本中心2024年度交易服务费收支情况",
        "某国有建设用地使用权挂牌出让成交确认书",
        "某工程项目合同及变更资料",
        "公共资源交易中心机构设置和人员编制情况",
        "政府采购意向公开情况统计",
    ];
    let mut out = Vec::new();
    let mut line = |v: serde_json::Value| out.push(v.to_string());
    let year_start = date!(2025 - 01 - 02);
    let mut n = 0;
    for (i, outcome) in Outcome::ALL.iter().enumerate() {
        let copies = match outcome {
            Outcome::Granted => 9,
            Outcome::Partial => 4,
            Outcome::UnableNotHeld => 3,
            _ => 1,
        };
        for c in 0..copies {
            n += 1;
            let no = format!("WZGG-YSQ-2025-{n:03}");
            let received = cal
                .add_workdays(
                    year_start,
                    (i as u32 * 9 + c * 5) % 220 + rng.random_range(0..5),
                )
                .date;
            let applicant = ApplicantType::ALL[(n as usize * 7 + c as usize) % 6];
            let channel = RequestChannel::ALL[n as usize % RequestChannel::ALL.len()];
            line(
                json!({"type": "received", "request": no, "date": iso(received), "channel": channel.code(),
                        "applicant_type": applicant.code(), "subject": subjects[n as usize % subjects.len()]}),
            );
            let mut clock = received;
            let mut last = received;
            if matches!(
                outcome,
                Outcome::UnableUnclearAfterCorrection | Outcome::OtherNoCorrection
            ) || n % 11 == 0
            {
                let asked = cal.add_workdays(received, 3).date;
                line(json!({"type": "correction_requested", "request": no, "date": iso(asked)}));
                if *outcome == Outcome::OtherNoCorrection {
                    let d = cal.add_workdays(asked, 16).date;
                    line(
                        json!({"type": "replied", "request": no, "date": iso(d), "outcome": outcome.code()}),
                    );
                    continue;
                }
                clock = cal.add_workdays(asked, 4).date;
                last = clock;
                line(json!({"type": "corrected", "request": no, "date": iso(clock)}));
            }
            if *outcome == Outcome::DenyThirdParty || n % 13 == 0 {
                let s = cal.add_workdays(clock, 4).date;
                let e = cal.add_workdays(s, 10).date;
                line(
                    json!({"type": "consultation_started", "request": no, "date": iso(s), "party": "third_party"}),
                );
                line(
                    json!({"type": "consultation_ended", "request": no, "date": iso(e), "party": "third_party"}),
                );
                last = e;
            }
            if *outcome == Outcome::UnableNeedsCreation {
                let d = cal.add_workdays(clock, 18).date;
                line(json!({"type": "extended", "request": no, "date": iso(d), "workdays": 15}));
                last = d;
            }
            let reply = cal.add_workdays(last, rng.random_range(1..10)).date;
            if *outcome == Outcome::OtherOther {
                line(json!({"type": "withdrawn", "request": no, "date": iso(reply)}));
            } else {
                line(
                    json!({"type": "replied", "request": no, "date": iso(reply), "outcome": outcome.code()}),
                );
            }
        }
    }
    // A consultation across the 国庆 holiday, replied in time.
    line(
        json!({"type": "received", "request": "WZGG-YSQ-2025-090", "date": "2025-09-22", "channel": "online",
                "applicant_type": "commercial", "subject": subjects[1]}),
    );
    line(
        json!({"type": "consultation_started", "request": "WZGG-YSQ-2025-090", "date": "2025-09-26", "party": "agency"}),
    );
    line(
        json!({"type": "consultation_ended", "request": "WZGG-YSQ-2025-090", "date": "2025-10-13", "party": "agency"}),
    );
    line(
        json!({"type": "replied", "request": "WZGG-YSQ-2025-090", "date": "2025-10-24", "outcome": "partial"}),
    );
    // Open at year end: carried into 2026 with their clock.
    line(
        json!({"type": "received", "request": "WZGG-YSQ-2025-091", "date": "2025-12-22", "channel": "post",
                "applicant_type": "natural_person", "subject": subjects[4]}),
    );
    line(
        json!({"type": "received", "request": "WZGG-YSQ-2025-092", "date": "2025-12-29", "channel": "online",
                "applicant_type": "legal_service", "subject": subjects[0]}),
    );
    // Appeals about 2025 decisions.
    line(
        json!({"type": "appeal_filed", "request": "WZGG-YSQ-2025-001", "appeal": "WZ-FY-2025-01", "kind": "reconsideration", "date": "2025-04-10"}),
    );
    line(
        json!({"type": "appeal_decided", "appeal": "WZ-FY-2025-01", "result": "upheld", "date": "2025-06-05"}),
    );
    line(
        json!({"type": "appeal_filed", "request": "WZGG-YSQ-2025-010", "appeal": "WZ-SS-2025-01", "kind": "litigation_direct", "date": "2025-08-01"}),
    );
    line(
        json!({"type": "appeal_filed", "request": "WZGG-YSQ-2025-012", "appeal": "WZ-FY-2025-02", "kind": "reconsideration", "date": "2025-09-01"}),
    );
    line(
        json!({"type": "appeal_decided", "appeal": "WZ-FY-2025-02", "result": "corrected", "date": "2025-10-20"}),
    );
    line(
        json!({"type": "appeal_filed", "request": "WZGG-YSQ-2025-012", "appeal": "WZ-SS-2025-02", "kind": "litigation_after_reconsideration", "date": "2025-11-03"}),
    );
    out.join("\n") + "\n"
}

/// The demo's cases up to the day it is loaded: those of 2025 ([`demo_request_events`]), the
/// two carried into 2026 replied in January, and from 2026 on a case every twelve working days,
/// replied within a few working days — the latest still open, within its time — so that the demo's queues look like a working office's on any load day.
pub fn demo_request_events_until(today: Date) -> String {
    use gongkai_domain::calendar::Calendar;
    let cal = Calendar::builtin();
    let mut out = demo_request_events();
    let mut line = |v: serde_json::Value| {
        out.push_str(&v.to_string());
        out.push('\n');
    };
    for (no, replied) in [
        ("WZGG-YSQ-2025-091", date!(2026 - 01 - 09)),
        ("WZGG-YSQ-2025-092", date!(2026 - 01 - 16)),
    ] {
        if replied <= today {
            line(
                json!({"type": "replied", "request": no, "date": iso(replied), "outcome": "granted"}),
            );
        }
    }
    let subjects = [
        "某学校食堂设备采购项目评标报告",
        "本中心交易场所预约使用情况",
        "某市政道路工程中标候选人业绩资料",
        "某国有产权转让项目成交公告附件",
    ];
    let outcomes = [
        Outcome::Granted,
        Outcome::Partial,
        Outcome::Granted,
        Outcome::UnableNotHeld,
    ];
    let mut received = cal.add_workdays(date!(2026 - 01 - 05), 0).date;
    let mut n = 0_usize;
    let mut year = received.year();
    while received <= today {
        if received.year() != year {
            year = received.year();
            n = 0;
        }
        n += 1;
        let no = format!("WZGG-YSQ-{year}-{n:03}");
        let applicant = ApplicantType::ALL[n % 3];
        let channel = RequestChannel::ALL[n % RequestChannel::ALL.len()];
        line(
            json!({"type": "received", "request": no, "date": iso(received), "channel": channel.code(),
                    "applicant_type": applicant.code(), "subject": subjects[n % subjects.len()]}),
        );
        let reply = cal.add_workdays(received, 3 + (n as u32 * 5) % 9).date;
        let next = cal.add_workdays(received, 12).date;
        // The latest case is still in hand (received at most 12 working days ago: in time).
        if reply <= today && next <= today {
            line(
                json!({"type": "replied", "request": no, "date": iso(reply), "outcome": outcomes[n % outcomes.len()].code()}),
            );
        }
        received = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period() -> Period {
        Period {
            from: DEMO_ESTABLISHED,
            to: date!(2024 - 12 - 31),
        }
    }

    #[test]
    fn demo_ledger_hits_the_reference_figures() {
        use demo_targets::*;
        let l = demo_ledger();
        let p = period();
        assert_eq!(
            count_in(&l.projects, p, |t| !t.is_plan()) as i64,
            TRADING_NOTICES
        );
        assert_eq!(
            count_in(&l.projects, p, |t| t.is_plan()) as i64,
            PLANS_AND_INTENTIONS
        );
        let rule = FullProcessRule::default();
        let full = l
            .projects
            .iter()
            .flat_map(|pr| pr.sections.iter().map(move |s| (pr.category, s)))
            .filter(|(c, s)| completed(&rule, *c, &s.notices).is_some_and(|d| p.contains(d)))
            .count() as i64;
        assert_eq!(full, SECTIONS_FULL_PROCESS);
        let bidders: std::collections::HashSet<&str> = l
            .notices()
            .filter(|(_, _, n)| {
                matches!(n.ntype, N::BidOpening | N::CandidatePublicity)
                    && p.contains(beijing_date(n.published))
            })
            .flat_map(|(_, _, n)| n.bidders.iter().map(|b| b.uscc.as_str()))
            .collect();
        assert_eq!(bidders.len() as i64, BIDDERS);
        for b in l.notices().flat_map(|(_, _, n)| &n.bidders) {
            assert!(uscc::validate(&b.uscc, "uscc").is_ok(), "{}", b.uscc);
        }
        assert_eq!(
            l.loans.iter().map(|x| x.amount_fen).sum::<i64>(),
            POLICY_LOAN_FEN
        );
        assert_eq!(l.loans.len() as i64, POLICY_LOANS);
        assert_eq!(l.pushes.len() as i64, POLICY_PUSHES);
        let wechat = l
            .channels
            .iter()
            .find(|c| c.kind == ChannelKind::Wechat)
            .map(|c| c.posts.iter().map(|p| p.reads).sum::<i64>());
        assert_eq!(wechat, Some(WECHAT_READS));
        // Notice ids are unique within the agency.
        let ids: std::collections::HashSet<&str> =
            l.notices().map(|(_, _, n)| n.no.as_str()).collect();
        assert_eq!(ids.len(), l.notices().count());
    }

    #[test]
    fn the_demo_runs_up_to_its_load_day_with_nothing_overdue() {
        use gongkai_domain::cases::{Case, CaseEvent};
        let cal = gongkai_domain::calendar::Calendar::builtin();
        for today in [
            date!(2026 - 01 - 03),
            date!(2026 - 12 - 02),
            date!(2027 - 03 - 15),
        ] {
            let text = demo_request_events_until(today);
            let mut by_case: std::collections::BTreeMap<String, Vec<CaseEvent>> =
                Default::default();
            for l in text.lines() {
                let e = CaseEvent::parse(l).unwrap_or_else(|e| panic!("{l}: {e}"));
                if !e.kind.code().starts_with("appeal_") {
                    by_case
                        .entry(e.request.clone().unwrap_or_default())
                        .or_default()
                        .push(e);
                }
            }
            let mut open = 0;
            for (no, ev) in by_case {
                let c = Case::from_events(&no, ev).unwrap_or_else(|e| panic!("{e}"));
                let k = c.clock(&cal, today);
                assert!(k.received <= today, "{no} received after {today}");
                assert!(!k.overdue, "{today}: {no} overdue: {k:?}");
                open += usize::from(k.closed_on.is_none());
            }
            // Some cases are always in hand, never the whole year's.
            assert!((1..=3).contains(&open), "{today}: {open} open");
        }
        // A later load day only adds.
        assert!(
            demo_request_events_until(date!(2026 - 12 - 02)).starts_with(
                &demo_request_events_until(date!(2026 - 06 - 01))[..demo_request_events().len()]
            )
        );
    }

    #[test]
    fn demo_requests_are_valid_histories() {
        use gongkai_domain::cases::{Case, CaseEvent};
        let text = demo_request_events();
        let events: Vec<CaseEvent> = text
            .lines()
            .map(|l| CaseEvent::parse(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect();
        let mut by_case: std::collections::BTreeMap<String, Vec<CaseEvent>> = Default::default();
        for e in events
            .iter()
            .filter(|e| !e.kind.code().starts_with("appeal_"))
        {
            by_case
                .entry(e.request.clone().unwrap_or_default())
                .or_default()
                .push(e.clone());
        }
        let cal = gongkai_domain::calendar::Calendar::builtin();
        let mut outcomes = std::collections::BTreeSet::new();
        for (no, ev) in by_case {
            let c = Case::from_events(&no, ev).unwrap_or_else(|e| panic!("{e}"));
            let k = c.clock(&cal, date!(2025 - 12 - 31));
            assert!(!k.overdue, "{no} overdue: {k:?}");
            if let Some(o) = k.outcome {
                outcomes.insert(o.code());
            }
        }
        assert_eq!(outcomes.len(), 21);
    }

    #[test]
    fn generation_is_deterministic() {
        let spec = GenSpec {
            agencies: 2,
            years: 1,
            seed: 7,
            last_year: 2025,
        };
        assert_eq!(gen_ledger(&spec, 1), gen_ledger(&spec, 1));
        assert_ne!(gen_ledger(&spec, 0).projects[0].name, String::new());
    }
}

/// The trading notices of a ledger as JSON Lines of contracts.md §3 (what a trading system
/// would push), in publication order: the demo loads its notices through `notices import`'s
/// model from these. Bidder slots not filled with a company are left out.
pub fn notice_lines(ledger: &AgencyLedger) -> String {
    let mut rows: Vec<(OffsetDateTime, String)> = ledger
        .notices()
        .map(|(p, s, n)| {
            let mut v = json!({
                "notice": n.no,
                "project": p.code,
                "project_name": p.name,
                "category": p.category.code(),
                "type": n.ntype.code(),
                "title": n.title,
                "published": n.published.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                "dates": n.dates,
                "elements": n.elements,
            });
            if let Some(s) = s {
                v["section"] = json!(s.code);
                v["section_name"] = json!(s.name);
            }
            let bidders: Vec<_> = n
                .bidders
                .iter()
                .filter(|b| !b.uscc.is_empty())
                .map(|b| json!({"name": b.name, "uscc": b.uscc}))
                .collect();
            if !bidders.is_empty() {
                v["bidders"] = json!(bidders);
            }
            (n.published, v.to_string())
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    rows.into_iter().map(|(_, l)| l + "\n").collect()
}

#[cfg(test)]
mod notice_lines_tests {
    use super::*;

    #[test]
    fn the_demo_notices_are_valid_notices() {
        let lines = notice_lines(&demo_ledger());
        let mut bad = Vec::new();
        let mut n = 0;
        for (i, l) in lines.lines().enumerate() {
            n += 1;
            if let Err(e) = gongkai_domain::trading::Notice::parse(l)
                && bad.len() < 10
            {
                bad.push(format!("line {}: {e}: {}", i + 1, &l[..l.len().min(300)]));
            }
        }
        assert!(n > 8000, "{n}");
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}
