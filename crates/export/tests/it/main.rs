//! Every format carries the six official section titles and the official labels in the official
//! layout; DOCX and XLSX are read back from their zip containers.

#![allow(clippy::unwrap_used, clippy::field_reassign_with_default)]

mod audit;
mod bombs;
mod ocds;
mod sandbox;
mod typeset;

use std::io::Read;

use gongkai_domain::codes::Outcome;
use gongkai_domain::report::*;
use gongkai_export::{DEFAULT_TEMPLATE, Format, SECTION_TITLES, render};
use gongkai_synth::sample_report as sample;

/// A row of table 三 as printed: the six applicant columns, then the total.
fn t3_cells(r: &AnnualReport, row: T3Row) -> Vec<String> {
    (0..=TOTAL_COL)
        .map(|k| r.requests.get(row, k).to_string())
        .collect()
}

/// The default narrative's sentence on the requests received.
fn received_sentence(r: &AnnualReport) -> String {
    format!(
        "共收到政府信息公开申请{}件",
        r.requests.get(T3Row::NewReceived, TOTAL_COL)
    )
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .unwrap_or_else(|e| panic!("not a zip: {e}"));
    let mut f = z.by_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap_or_else(|e| panic!("{e}"));
    s
}

const LABELS: &[&str] = &[
    "第二十条第（一）项",
    "行政规范性文件",
    "本年收费金额（单位：万元）",
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    "法人或其他组织",
    "商业企业",
    "一、本年新收政府信息公开申请数量",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "3.危及“三安全一稳定”",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "四、结转下年度继续办理",
    "未经复议直接起诉",
    "复议后起诉",
    "尚未审结",
];

fn assert_official(text: &str, what: &str) {
    for t in SECTION_TITLES {
        assert!(text.contains(t), "{what}: missing section title {t}");
    }
    for l in LABELS {
        assert!(text.contains(l), "{what}: missing label {l}");
    }
    assert!(!text.contains("商业机构"), "{what}: variant label exported");
}

#[test]
fn markdown_and_html_carry_the_official_layout_and_narrative() {
    let r = sample();
    let md = String::from_utf8(render(&r, DEFAULT_TEMPLATE, Format::Md).unwrap_or_default())
        .unwrap_or_default();
    assert_official(&md, "md");
    assert!(
        md.contains("5800余条")
            && md.contains("977个标段")
            && md.contains("1500余条")
            && md.contains("7400余家"),
        "{md}"
    );
    assert!(md.contains(&received_sentence(&r)), "{md}");
    assert!(md.contains("助力贷款60笔4437万元"));
    assert!(md.contains("统计数据从2024年5月29日至2024年12月31日"));
    assert!(
        md.contains(&format!(
            "| 一、本年新收政府信息公开申请数量 | {} |",
            t3_cells(&r, T3Row::NewReceived).join(" | ")
        )),
        "{md}"
    );
    assert!(md.contains("| 行政事业性收费 | 20.3 |"));

    let html = String::from_utf8(render(&r, DEFAULT_TEMPLATE, Format::Html).unwrap_or_default())
        .unwrap_or_default();
    assert_official(&html, "html");
    assert!(
        html.contains("<th colspan=\"3\" rowspan=\"3\" scope=\"col\">（本列数据的勾稽关系为"),
        "merged note cell"
    );
    assert!(
        html.contains("rowspan=\"22\" class=\"label\">三、本年度办理结果"),
        "rowspan of the outcome block"
    );
    assert!(html.contains("<th colspan=\"10\" scope=\"col\">行政诉讼</th>"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external assets"
    );
}

#[test]
fn docx_reads_back_with_titles_labels_and_merges() {
    let bytes = render(&sample(), DEFAULT_TEMPLATE, Format::Docx).unwrap_or_else(|e| panic!("{e}"));
    let xml = zip_entry(&bytes, "word/document.xml");
    assert_official(&xml, "docx");
    assert!(
        xml.contains("w:gridSpan w:val=\"10\""),
        "行政诉讼 spans ten columns"
    );
    assert!(xml.contains("w:vMerge w:val=\"restart\""));
    assert!(xml.contains("w:vMerge w:val=\"continue\""));
    assert!(xml.contains("5800余条"));
}

#[test]
fn xlsx_reads_back_with_labels_and_merged_headers() {
    let bytes = render(&sample(), DEFAULT_TEMPLATE, Format::Xlsx).unwrap_or_else(|e| panic!("{e}"));
    let strings = zip_entry(&bytes, "xl/sharedStrings.xml");
    for l in LABELS {
        assert!(strings.contains(l), "xlsx: missing label {l}");
    }
    let sheet = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<mergeCell ref="), "merged cells");
    // 三、本年度办理结果 spans 22 rows in column A.
    let merges: Vec<&str> = sheet
        .split("<mergeCell ref=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap_or(""))
        .collect();
    assert!(
        merges.iter().any(|m| {
            let (a, b) = m.split_once(':').unwrap_or(("", ""));
            a.starts_with('A') && b.starts_with('A') && {
                let r0: u32 = a[1..].parse().unwrap_or(0);
                let r1: u32 = b[1..].parse().unwrap_or(0);
                r1 - r0 == 21
            }
        }),
        "{merges:?}"
    );
    let text = zip_entry(&bytes, "xl/sharedStrings.xml");
    for t in SECTION_TITLES {
        assert!(text.contains(t), "xlsx: {t}");
    }
}

#[test]
fn json_is_the_contract_shape() {
    let r = sample();
    let v: serde_json::Value =
        serde_json::from_slice(&render(&r, "", Format::Json).unwrap_or_default())
            .unwrap_or_default();
    assert_eq!(v["format"], "2021");
    assert_eq!(v["period"]["from"], "2024-05-29");
    assert_eq!(
        v["requests"]["granted"]["natural_person"],
        r.requests.get(T3Row::Outcome(Outcome::Granted), 0)
    );
    assert_eq!(v["figures"]["policy_loan_amount_wan_yuan"], "4437");
    assert_eq!(v["valid"], true);
}

#[test]
fn templates_are_editable_and_bad_ones_are_named() {
    let own = "overview = \"本年公开交易信息{{ figures.trading_notices }}条。\"\nother = \"本年未收取信息处理费。\"\n";
    let md = String::from_utf8(render(&sample(), own, Format::Md).unwrap_or_default())
        .unwrap_or_default();
    assert!(md.contains("本年公开交易信息5836条。"));
    assert!(md.contains("本年未收取信息处理费。"));
    // Keys not in the agency's template come from the default.
    assert!(md.contains("国办公开办函〔2021〕30号"));
    let e = render(&sample(), "overview = \"{% if %}\"", Format::Md)
        .unwrap_err()
        .to_string();
    assert!(e.contains("overview"), "{e}");
    let e = render(&sample(), "bogus = \"x\"", Format::Md)
        .unwrap_err()
        .to_string();
    assert!(e.contains("bogus"), "{e}");
    let e = render(&sample(), "title = [", Format::Md)
        .unwrap_err()
        .to_string();
    assert!(e.contains("TOML"), "{e}");
}

fn markdown(r: &AnnualReport) -> String {
    String::from_utf8(render(r, DEFAULT_TEMPLATE, Format::Md).unwrap_or_default())
        .unwrap_or_default()
}

/// Issue 10: every statement of fact in the default narrative comes from the figures; a
/// sentence whose figure is zero is left out (never printed as “0条” or as an empty heading),
/// and the paragraphs are numbered without gaps.
#[test]
fn the_narrative_states_only_what_the_figures_say() {
    let mut r = sample();
    r.figures = Figures::default();
    r.channels.clear();
    let md = markdown(&r);
    for hollow in ["0条", "0家", "0个标段", "平台建设方面", "均在法定期限内"] {
        assert!(!md.contains(hollow), "{hollow} printed: {md}");
    }
    // 主动公开, 依申请公开, 信息管理, 监督保障: the platform paragraph left out, no gap.
    assert!(md.contains("（四）监督保障情况"), "{md}");
    assert!(!md.contains("（五）监督保障"), "{md}");
    assert!(md.contains(&received_sentence(&r)), "{md}");

    // Timeliness is said only as the clocks found it.
    r.figures.requests_late = Some(0);
    assert!(markdown(&r).contains("均在法定期限内依法答复"));
    r.figures.requests_late = Some(2);
    let md = markdown(&r);
    assert!(md.contains("其中2件未在法定期限内答复"), "{md}");
    assert!(!md.contains("均在法定期限内"));

    // With the figures, the sentences come back and the platform paragraph is （四）.
    let full = markdown(&sample());
    assert!(full.contains("（四）平台建设方面") && full.contains("（五）监督保障情况"));
}
