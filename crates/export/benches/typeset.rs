//! Time to render an annual report as PDF (typst) against the DOCX writer on the same report in
//! the same run: the first PDF (which loads the Noto CJK fonts) apart, then the mean of `N`
//! renders of each format.
//!
//! Run: `cargo bench -p gongkai-export --bench typeset` (see BENCHMARKS.md).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use gongkai_domain::codes::{ApplicantType, Outcome};
use gongkai_domain::period::Period;
use gongkai_domain::report::*;
use gongkai_export::{DEFAULT_TEMPLATE, Format, render};
use time::macros::date;

const N: u32 = 20;

fn report() -> AnnualReport {
    let mut t3 = Table3::default();
    for (i, o) in Outcome::ALL.iter().enumerate() {
        let a = ApplicantType::ALL[i % ApplicantType::ALL.len()];
        t3.add_cases(T3Row::NewReceived, a, i as i64 + 1);
        t3.add_cases(T3Row::Outcome(*o), a, i as i64 + 1);
    }
    t3.fill_total_processed();
    AnnualReport::new(ReportInputs {
        agency: AgencyRef {
            code: "bench".into(),
            name: "某市公共资源交易中心".into(),
        },
        period: Period {
            from: date!(2025 - 01 - 01),
            to: date!(2025 - 12 - 31),
        },
        proactive: Table2 {
            licensing_decisions: 1234,
            fees_fen: 20_300_000,
            ..Table2::default()
        },
        requests: t3,
        appeals: Table4::default(),
        figures: Figures {
            trading_notices: 5836,
            sections_full_process: 977,
            ..Figures::default()
        },
        channels: vec![],
        previous_carried_forward: None,
    })
}

fn time(f: Format, r: &AnnualReport) -> Result<(Duration, usize), String> {
    let start = Instant::now();
    let bytes = render(r, DEFAULT_TEMPLATE, f).map_err(|e| e.to_string())?;
    Ok((start.elapsed(), bytes.len()))
}

fn mean(f: Format, r: &AnnualReport) -> Result<(Duration, usize), String> {
    let mut total = Duration::ZERO;
    let mut size = 0;
    for _ in 0..N {
        let (d, s) = time(f, r)?;
        total += d;
        size = s;
    }
    Ok((total / N, size))
}

fn main() -> ExitCode {
    let r = report();
    let run = || -> Result<(), String> {
        let (first, _) = time(Format::Pdf, &r)?;
        let (docx, docx_size) = mean(Format::Docx, &r)?;
        let (pdf, pdf_size) = mean(Format::Pdf, &r)?;
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!("report render, mean of {N} (same report, same run):");
        println!(
            "  DOCX (baseline)   {:>9.2} ms  {docx_size} bytes",
            ms(docx)
        );
        println!(
            "  PDF               {:>9.2} ms  {pdf_size} bytes  = {:.1}x DOCX",
            ms(pdf),
            pdf.as_secs_f64() / docx.as_secs_f64()
        );
        println!(
            "  first PDF, fonts loaded {:>6.2} ms  = {:.1}x DOCX",
            ms(first),
            first.as_secs_f64() / docx.as_secs_f64()
        );
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
