//! The demo's applicants: fictitious people and organisations, each marked （演示） so that nobody
//! takes them for real, drawn from the case number so the same case always has the same one.

use gongkai_domain::cases::Applicant;
use gongkai_domain::codes::ApplicantType;
use gongkai_domain::trading::sample_uscc;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
const GIVEN: &[&str] = &[
    "建国", "晓明", "丽娟", "志强", "秀英", "海燕", "文博", "雅静", "立新", "春梅", "国庆", "晓燕",
    "宏伟", "婷婷", "振华", "玉兰",
];
const FIRMS: &[&str] = &[
    "恒信", "塞上", "黄河", "宁盛", "鑫达", "金积", "利通", "嘉禾",
];

/// A stable number from the case number (FNV-1a), so each case keeps its applicant.
fn seed(case_no: &str) -> u64 {
    case_no.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The fictitious applicant of demo case `case_no`, of type `t`: a person whose ID number on file
/// is `DEMO-` and the case number (so that no two cases share an applicant in the monthly count
/// of 按件计收), or an organisation with a generated 统一社会信用代码; contact addresses are
/// under the reserved domain example.com.
pub fn demo_applicant(case_no: &str, t: ApplicantType) -> Applicant {
    let h = seed(case_no);
    let pick = |list: &[&'static str], k: u32| list[((h >> k) % list.len() as u64) as usize];
    let firm = pick(FIRMS, 8);
    let name = match t {
        ApplicantType::NaturalPerson => format!("{}{}（演示）", pick(SURNAMES, 0), pick(GIVEN, 16)),
        ApplicantType::Commercial => format!("吴忠市{firm}建设工程有限公司（演示）"),
        ApplicantType::Research => format!("宁夏{firm}工程技术研究院（演示）"),
        ApplicantType::PublicWelfare => format!("吴忠市{firm}公益服务中心（演示）"),
        ApplicantType::LegalService => format!("宁夏{firm}律师事务所（演示）"),
        ApplicantType::OtherOrg => format!("吴忠市{firm}行业协会（演示）"),
    };
    let id_number = match t {
        ApplicantType::NaturalPerson => format!("DEMO-{case_no}"),
        _ => sample_uscc(9_000_000 + (h % 1_000_000) as u32),
    };
    let delivery = ["email", "email", "post", "pickup"][((h >> 24) % 4) as usize];
    Applicant {
        name,
        id_number,
        contact: format!("applicant{:04}@example.com", h % 10_000),
        delivery: delivery.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_applicant_is_marked_fictitious_and_stable() {
        for (k, t) in ApplicantType::ALL.iter().enumerate() {
            let case = format!("WZGG-YSQ-2024-{k:03}");
            let a = demo_applicant(&case, *t);
            assert!(a.name.ends_with("（演示）"), "{}", a.name);
            assert!(a.contact.ends_with("@example.com"));
            assert_eq!(a, demo_applicant(&case, *t));
            if *t == ApplicantType::NaturalPerson {
                assert_eq!(a.id_number, format!("DEMO-{case}"));
            } else {
                assert!(
                    gongkai_domain::uscc::validate(&a.id_number, "id_number").is_ok(),
                    "{a:?}"
                );
            }
        }
    }
}
