//! Reports audited per second over 10³ generated reports in mixed formats (md, html, docx),
//! against only reading the same files, in the same run.
//!
//! Run: `cargo bench -p gongkai-export --bench audit` (see BENCHMARKS.md).

use std::time::Instant;

use gongkai_domain::codes::{ApplicantType, Outcome};
use gongkai_domain::period::Period;
use gongkai_domain::report::*;
use gongkai_export::{DEFAULT_TEMPLATE, Format, render};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::macros::date;

fn report(rng: &mut ChaCha8Rng, i: usize) -> AnnualReport {
    let mut t3 = Table3::default();
    for _ in 0..rng.random_range(0..300) {
        let a = ApplicantType::ALL[rng.random_range(0..6)];
        if rng.random_bool(0.9) {
            t3.add_cases(T3Row::NewReceived, a, 1);
            t3.add_cases(T3Row::Outcome(Outcome::ALL[rng.random_range(0..21)]), a, 1);
        } else {
            t3.add_cases(T3Row::NewReceived, a, 1);
            t3.add_cases(T3Row::CarriedForward, a, 1);
        }
    }
    t3.fill_total_processed();
    AnnualReport::new(ReportInputs {
        agency: AgencyRef {
            code: format!("a{i}"),
            name: format!("合成第{i}局"),
        },
        period: Period {
            from: date!(2025 - 01 - 01),
            to: date!(2025 - 12 - 31),
        },
        proactive: Table2 {
            licensing_decisions: rng.random_range(0..5000),
            ..Table2::default()
        },
        requests: t3,
        appeals: Table4::default(),
        figures: Figures {
            trading_notices: rng.random_range(0..9000),
            ..Figures::default()
        },
        channels: vec![],
        previous_carried_forward: None,
    })
}

fn main() {
    let n: usize = std::env::var("GONGKAI_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut files = Vec::with_capacity(n);
    for i in 0..n {
        let fmt = [Format::Md, Format::Html, Format::Docx][i % 3];
        let bytes =
            render(&report(&mut rng, i), DEFAULT_TEMPLATE, fmt).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join(format!("r{i}.{}", fmt.extension()));
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
        files.push(path);
    }
    let read_only = || {
        let t = Instant::now();
        let mut total = 0;
        for f in &files {
            total += std::fs::read(f).map(|b| b.len()).unwrap_or(0);
        }
        (t.elapsed(), total)
    };
    let audit = || {
        let t = Instant::now();
        let mut errors = 0;
        for f in &files {
            let bytes = std::fs::read(f).unwrap_or_default();
            let name = f.display().to_string();
            let text =
                gongkai_export::read::report_text(&name, &bytes).unwrap_or_else(|e| panic!("{e}"));
            let a = gongkai_domain::audit::audit_text(&name, &text);
            errors += a.findings.len();
        }
        assert_eq!(errors, 0, "our own reports audit clean");
        t.elapsed()
    };
    read_only();
    let mut reads = Vec::new();
    let mut audits = Vec::new();
    for _ in 0..3 {
        reads.push(read_only().0);
        audits.push(audit());
    }
    reads.sort();
    audits.sort();
    let (r, a) = (reads[1], audits[1]);
    println!("{n} reports (md/html/docx in turn)");
    println!(
        "read only: {:.1} ms | read + extract + audit: {:.1} ms = {:.0} reports/s | ratio {:.1}×",
        r.as_secs_f64() * 1e3,
        a.as_secs_f64() * 1e3,
        n as f64 / a.as_secs_f64(),
        a.as_secs_f64() / r.as_secs_f64()
    );
}
