//! `gongkai audit`: checks published annual reports (files or folders of them).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use gongkai_domain::audit::{Extracted, audit_report, compare_years, finding_line};

#[derive(clap::Args)]
pub struct Args {
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// text | json | xlsx（汇总表，须配合 -o）
    #[arg(long, default_value = "text")]
    format: String,
    /// 输出文件（xlsx 必需）
    #[arg(short = 'o', long)]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<u8> {
    let Args {
        files,
        format,
        output,
    } = args;
    let (format, output) = (format.as_str(), output.as_deref());
    if !["text", "json", "xlsx"].contains(&format) {
        bail!("--format 的取值“{format}”无效，可选：text、json、xlsx");
    }
    if format == "xlsx" && output.is_none() {
        bail!("--format xlsx 需要用 -o 指定输出文件");
    }
    let files = expand(&files)?;
    let mut audits = Vec::new();
    for (f, named) in &files {
        // A file found in a folder that is not a report is skipped with a note; a file named
        // on the command line must be one.
        let read = read_report(f).and_then(|report| {
            let a = audit_report(&f.display().to_string(), report);
            if a.sections.is_empty() && a.requests.as_object().is_none_or(|o| o.is_empty()) {
                bail!(
                    "{}：无法识别为政府信息公开工作年度报告（没有找到任何法定部分或表格）",
                    f.display()
                );
            }
            Ok(a)
        });
        match read {
            Ok(a) => audits.push(a),
            Err(e) if !named => eprintln!("跳过：{}", crate::message(&e)),
            Err(e) => return Err(e),
        }
    }
    if audits.is_empty() {
        bail!("没有找到可检查的报告文件");
    }
    // Consecutive years of one agency: carried over against carried forward.
    for i in 0..audits.len() {
        for j in 0..audits.len() {
            let (a, b) = (&audits[i], &audits[j]);
            if i != j
                && !a.agency.is_empty()
                && a.agency == b.agency
                && a.year.is_some()
                && a.year.map(|y| y + 1) == b.year
            {
                let earlier = a.clone();
                compare_years(&earlier, &mut audits[j]);
            }
        }
    }
    let mut out = std::io::stdout().lock();
    if format == "xlsx" {
        let bytes = gongkai_export::audit_summary_xlsx(&audits)?;
        if let Some(path) = output {
            std::fs::write(path, bytes).with_context(|| format!("无法写入 {}", path.display()))?;
        }
    } else if format == "json" {
        serde_json::to_writer_pretty(&mut out, &audits)?;
        writeln!(out)?;
    } else {
        for a in &audits {
            let errors = a.findings.iter().filter(|f| f.severity == "error").count();
            writeln!(
                out,
                "{}：{} {} 年（{} 格式），错误 {} 项，提示 {} 项",
                a.file,
                if a.agency.is_empty() {
                    "（未识别机构）"
                } else {
                    &a.agency
                },
                a.year.map(|y| y.to_string()).unwrap_or_else(|| "?".into()),
                a.format,
                errors,
                a.findings.len() - errors
            )?;
            for f in &a.findings {
                writeln!(out, "  {}", finding_line(f))?;
            }
        }
    }
    Ok(if audits.iter().any(|a| a.has_errors()) {
        1
    } else {
        0
    })
}

/// A report file read for the auditor (its text and tables), by its kind.
fn read_report(path: &Path) -> Result<Extracted> {
    let meta = std::fs::metadata(path).with_context(|| format!("无法读取 {}", path.display()))?;
    gongkai_export::read::check_size(&path.display().to_string(), meta.len())?;
    let bytes = std::fs::read(path).with_context(|| format!("无法读取 {}", path.display()))?;
    Ok(gongkai_export::read::report(
        &path.display().to_string(),
        &bytes,
    )?)
}

/// The files named (`true`: named explicitly), with folders expanded to the report files
/// inside them (sorted).
fn expand(paths: &[PathBuf]) -> Result<Vec<(PathBuf, bool)>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("无法读取文件夹 {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && f.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                            ["pdf", "html", "htm", "docx", "md", "txt"]
                                .contains(&e.to_ascii_lowercase().as_str())
                        })
                })
                .collect();
            inside.sort();
            out.extend(inside.into_iter().map(|f| (f, false)));
        } else {
            out.push((p.clone(), true));
        }
    }
    if out.is_empty() {
        bail!("没有找到可检查的报告文件");
    }
    Ok(out)
}
