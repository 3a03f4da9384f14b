//! Time to render an annual report as PDF (typst) against the DOCX writer on the same report in
//! the same run: the first PDF (which loads the Noto CJK fonts) apart, then the mean of `N`
//! renders of each format.
//!
//! Run: `cargo bench -p gongkai-export --bench typeset` (see BENCHMARKS.md).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use gongkai_domain::report::AnnualReport;
use gongkai_export::{DEFAULT_TEMPLATE, Format, render};

const N: u32 = 20;

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
    let r = gongkai_synth::sample_report();
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
