//! The report reader fuzzed from a corpus of real reports (`../shared/reference`): random cuts,
//! duplications and swaps of their lines never make it panic, and what it reads always
//! serialises.

#![allow(clippy::unwrap_used)]

mod authz;
mod publishing;
mod trading;

use gongkai_domain::audit::{Markup, audit_text, markup_to_text};
use proptest::prelude::*;

fn corpus() -> Vec<String> {
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/reference");
    let mut out = Vec::new();
    for rel in [
        "wuzhong-ggzy-2024-annual-report.txt",
        "real-reports/07-hongze-quzhengfu-2023.txt",
        "real-reports/09-huaian-shizhengfu-2024.txt",
        "real-reports/10-hongze-quzhengfu-2024.txt",
        "real-reports/02-pingtan-zonghe-shiyanqu-2019.html",
        "real-reports/04-pingtan-zonghe-shiyanqu-2021.html",
    ] {
        let t = std::fs::read_to_string(base.join(rel))
            .unwrap_or_else(|e| panic!("the fuzz corpus needs testdata/reference/{rel}: {e}"));
        out.push(if rel.ends_with(".html") {
            markup_to_text(&t, Markup::Html)
        } else {
            t
        });
    }
    out
}

#[derive(Debug, Clone)]
enum Edit {
    Cut(usize, usize),
    Dup(usize),
    Swap(usize, usize),
    Garble(usize, String),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    proptest::collection::vec(
        prop_oneof![
            (0usize..400, 0usize..40).prop_map(|(a, n)| Edit::Cut(a, n)),
            (0usize..400).prop_map(Edit::Dup),
            (0usize..400, 0usize..400).prop_map(|(a, b)| Edit::Swap(a, b)),
            (0usize..400, "[0-9 \\-.一二三四（）]{0,10}").prop_map(|(a, s)| Edit::Garble(a, s)),
        ],
        0..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn mangled_reports_never_panic(which in 0usize..6, edits in edits()) {
        let corpus = corpus();
        prop_assume!(!corpus.is_empty());
        let mut lines: Vec<String> = corpus[which % corpus.len()].lines().map(String::from).collect();
        for e in edits {
            let n = lines.len().max(1);
            match e {
                Edit::Cut(a, k) => { let a = a % n; let b = (a + k).min(lines.len()); lines.drain(a.min(lines.len())..b); }
                Edit::Dup(a) => { if let Some(l) = lines.get(a % n).cloned() { lines.insert(a % n, l); } }
                Edit::Swap(a, b) => { if !lines.is_empty() { let (a, b) = (a % lines.len(), b % lines.len()); lines.swap(a, b); } }
                Edit::Garble(a, s) => { if let Some(l) = lines.get_mut(a % n) { l.push_str(&s); } }
            }
        }
        let a = audit_text("mangled", &lines.join("\n"));
        prop_assert!(serde_json::to_string(&a).is_ok());
    }
}

#[test]
fn the_corpus_is_there() {
    assert_eq!(corpus().len(), 6);
}
