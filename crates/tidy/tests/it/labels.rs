//! Official labels in one place: the six section titles of the annual report (国办公开办函
//! 〔2021〕30号) are spelled only in `crates/domain/src/report.rs` (`SECTION_TITLES`); every other
//! crate, template and page takes them from there.

use crate::check;
use crate::lexer::{Kind, lex, non_test};
use crate::workspace::{crates, files};

/// The official section titles without their numerals (spelled here, in a test, to check that
/// the code spells them only once).
const SECTION_NAMES: [&str; 6] = [
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议、行政诉讼情况",
    "存在的主要问题及改进情况",
    "其他需要报告的事项",
];

const HOME: &str = "crates/domain/src/report.rs";

#[test]
fn official_section_titles_are_spelled_only_in_the_domain_report_module() {
    let mut v = Vec::new();
    for c in crates().into_iter().filter(|c| c.name != "gongkai-tidy") {
        for f in files(&c.dir, ".rs").into_iter().filter(|f| f.in_src()) {
            if f.path == HOME {
                continue;
            }
            for t in non_test(&lex(&f.text)).toks {
                if t.kind != Kind::Str {
                    continue;
                }
                for name in SECTION_NAMES {
                    if t.text.contains(name) {
                        v.push(format!("{}:{}: spells “{name}”", f.path, t.line));
                    }
                }
            }
        }
        for f in files(&c.dir, ".html") {
            for (i, line) in f.text.lines().enumerate() {
                for name in SECTION_NAMES {
                    if line.contains(name) {
                        v.push(format!("{}:{}: spells “{name}”", f.path, i + 1));
                    }
                }
            }
        }
    }
    check(
        "official section titles in one place",
        "the official wording is the law's; spelled twice, one copy drifts (the auditor would \
         then flag our own reports, or a page would show a variant). Take it from \
         gongkai_domain::report::SECTION_TITLES / section_name.",
        v,
    );
}
