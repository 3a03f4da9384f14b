//! `gongkai report`: the annual report of an agency, in one of the export formats.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use gongkai_db::{Db, PeriodSpec};
use gongkai_domain::period::parse_date;
use gongkai_export::Format;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    agency: String,
    #[arg(long, conflicts_with_all = ["from", "to"])]
    year: Option<i32>,
    #[arg(long, requires = "to")]
    from: Option<String>,
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// json | md | html | docx | xlsx | pdf（PDF 的字体目录见环境变量 GONGKAI_FONTS_DIR）
    #[arg(long, default_value = "md")]
    format: String,
    /// 输出文件（默认标准输出）
    #[arg(short = 'o', long)]
    output: Option<PathBuf>,
    /// 使用此模板文件代替机构模板
    #[arg(long)]
    template: Option<PathBuf>,
}

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    let format = Format::from_code(&args.format).ok_or_else(|| {
        anyhow!(
            "--format 的取值“{}”无效，可选：json、md、html、docx、xlsx、pdf",
            args.format
        )
    })?;
    let spec = match (args.year, &args.from, &args.to) {
        (Some(y), None, None) => PeriodSpec::Year(y),
        (None, Some(f), Some(t)) => {
            PeriodSpec::Range(parse_date(f, "--from")?, parse_date(t, "--to")?)
        }
        _ => bail!("请用 --year YYYY 或 --from DATE --to DATE 指定统计期间"),
    };
    let template_override = match &args.template {
        Some(p) => {
            let t = std::fs::read_to_string(p)
                .with_context(|| format!("无法读取模板文件 {}", p.display()))?;
            gongkai_export::narrative::validate(&t)
                .with_context(|| format!("模板文件 {}", p.display()))?;
            Some(t)
        }
        None => None,
    };
    let db = Db::connect_existing(db_url).await?;
    let agency = db.agency(&args.agency).await?;
    let report = db.report_for_publication(&args.agency, spec).await?;
    let template = match template_override {
        Some(t) => t,
        None => db
            .narrative_template(agency.id)
            .await?
            .unwrap_or_else(|| gongkai_export::DEFAULT_TEMPLATE.to_string()),
    };
    let bytes = gongkai_export::render(&report, &template, format)?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("无法写入 {}", path.display()))?
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes).context("无法写到标准输出")?;
            out.flush().ok();
        }
    }
    if report.valid {
        Ok(0)
    } else {
        for c in report.failures() {
            eprintln!("校验未通过 {} {}：{}", c.rule, c.place, c.message);
        }
        Ok(1)
    }
}
