//! Reports audited per second, per kind of file (PDF, DOCX, HTML, text), against the bare text
//! extraction of the same files in the same run: 10³ generated reports (Markdown, HTML, DOCX in
//! turn) and PDFs of generated reports printed by headless Chromium (needs Chromium and
//! poppler-utils).
//!
//! Run: `cargo bench -p gongkai-export --bench audit` (see BENCHMARKS.md).

use std::process::ExitCode;
use std::time::{Duration, Instant};

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

/// The bare text of a file, the cheapest way each kind is usually extracted: a text file's
/// bytes as UTF-8; HTML's text nodes (`scraper`); a DOCX's `w:t` runs (zip + `quick-xml`);
/// a PDF through poppler's `pdftotext -layout` (one process per file).
fn bare_text(path: &std::path::Path, bytes: &[u8]) -> usize {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => {
            let html = String::from_utf8_lossy(bytes);
            let doc = scraper::Html::parse_document(&html);
            doc.root_element().text().map(str::len).sum()
        }
        Some("docx") => {
            let mut z =
                zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"));
            let mut xml = String::new();
            {
                use std::io::Read;
                let _ = z
                    .by_name("word/document.xml")
                    .map(|mut f| f.read_to_string(&mut xml));
            }
            let mut r = quick_xml::Reader::from_str(&xml);
            let mut n = 0;
            loop {
                match r.read_event() {
                    Ok(quick_xml::events::Event::Text(t)) => n += t.len(),
                    Ok(quick_xml::events::Event::Eof) | Err(_) => break,
                    _ => {}
                }
            }
            n
        }
        Some("pdf") => {
            let out = std::process::Command::new("pdftotext")
                .args(["-layout", "-enc", "UTF-8"])
                .arg(path)
                .arg("-")
                .output()
                .unwrap_or_else(|e| panic!("pdftotext: {e}"));
            out.stdout.len()
        }
        _ => String::from_utf8_lossy(bytes).len(),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> ExitCode {
    // This binary is its own PDF reader child (as `gongkai` is), so PDFs are audited through
    // the sandbox exactly as the command line does.
    if let Some(code) = gongkai_export::sandbox::child_main() {
        return code;
    }
    let n: usize = std::env::var("GONGKAI_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let n_pdf: usize = std::env::var("GONGKAI_BENCH_PDFS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut files: Vec<(&str, std::path::PathBuf)> = Vec::new();
    for i in 0..n {
        let (kind, fmt) = [
            ("text", Format::Md),
            ("html", Format::Html),
            ("docx", Format::Docx),
        ][i % 3];
        let bytes =
            render(&report(&mut rng, i), DEFAULT_TEMPLATE, fmt).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join(format!("r{i}.{}", fmt.extension()));
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
        files.push((kind, path));
    }
    // PDFs: a few reports printed by headless Chromium, each file read several times over.
    let printed: Vec<String> = (0..6)
        .map(|i| {
            let html = render(&report(&mut rng, n + i), DEFAULT_TEMPLATE, Format::Html)
                .unwrap_or_else(|e| panic!("{e}"));
            String::from_utf8_lossy(&html).into_owned()
        })
        .collect();
    let pdfs = if n_pdf == 0 {
        Vec::new()
    } else {
        gongkai_export::testing::print_to_pdf(&printed).unwrap_or_else(|e| panic!("{e}"))
    };
    for i in 0..n_pdf {
        let path = dir.path().join(format!("p{i}.pdf"));
        std::fs::write(&path, &pdfs[i % pdfs.len()]).unwrap_or_else(|e| panic!("{e}"));
        files.push(("pdf", path));
    }
    let bare = |kind: &str| {
        let t = Instant::now();
        let mut total = 0;
        for (_, f) in files.iter().filter(|(k, _)| *k == kind) {
            let bytes = std::fs::read(f).unwrap_or_default();
            total += bare_text(f, &bytes);
        }
        assert!(total > 0);
        t.elapsed()
    };
    let audit = |kind: &str| {
        let t = Instant::now();
        let mut errors = Vec::new();
        let mut methods = std::collections::BTreeMap::new();
        for (_, f) in files.iter().filter(|(k, _)| *k == kind) {
            let bytes = std::fs::read(f).unwrap_or_default();
            let name = f.display().to_string();
            let report =
                gongkai_export::read::report(&name, &bytes).unwrap_or_else(|e| panic!("{e}"));
            let a = gongkai_domain::audit::audit_report(&name, report);
            for r in a.readings.values() {
                *methods.entry(r.method).or_insert(0) += 1;
            }
            errors.extend(a.findings.into_iter().filter(|f| f.severity == "error"));
        }
        assert!(
            errors.is_empty(),
            "our own {kind} reports audit clean: {errors:?}"
        );
        (t.elapsed(), methods)
    };
    println!(
        "{n} generated reports (text = Markdown, html, docx in turn), {n_pdf} PDF reads of 6 reports printed by Chromium"
    );
    println!(
        "| kind | files | bare extraction | extract + audit | audit reports/s | bare/audit speed | tables read as |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    // `GONGKAI_BENCH_KINDS=docx,html` measures only those kinds (default: all four).
    let kinds = std::env::var("GONGKAI_BENCH_KINDS").unwrap_or_default();
    for kind in ["pdf", "docx", "html", "text"] {
        let count = files.iter().filter(|(k, _)| *k == kind).count();
        if count == 0 || (!kinds.is_empty() && !kinds.split(',').any(|k| k.trim() == kind)) {
            continue;
        }
        bare(kind);
        audit(kind);
        let mut bs = Vec::new();
        let mut aus = Vec::new();
        let mut methods = Default::default();
        for _ in 0..3 {
            bs.push(bare(kind));
            let (t, m) = audit(kind);
            aus.push(t);
            methods = m;
        }
        let (b, a) = (median(bs), median(aus));
        println!(
            "| {kind} | {count} | {:.1} ms | {:.1} ms | {:.0} | {:.2} | {methods:?} |",
            b.as_secs_f64() * 1e3,
            a.as_secs_f64() * 1e3,
            count as f64 / a.as_secs_f64(),
            b.as_secs_f64() / a.as_secs_f64(),
        );
    }
    ExitCode::SUCCESS
}
