//! `gongkai notices import|check`: trading notices (contracts.md §3) and their time-limit rules
//! (§3.3).

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use gongkai_db::Db;
use gongkai_domain::trading::Violation;

/// The largest notice file read (JSON Lines of a trading system's year fit well within it).
const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 导入交易公告（JSON Lines，一个事务；同一编号内容相同不变，内容不同为更正版本）
    Import {
        file: PathBuf,
        #[arg(long)]
        agency: String,
    },
    /// 检查交易公告的法定时限与公开要素（有违规时退出码为 1）
    Check {
        #[arg(long)]
        agency: String,
        /// json | table
        #[arg(long, default_value = "table")]
        format: String,
    },
}

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    match args.command {
        Command::Import { file, agency } => import(db_url, &file, &agency).await,
        Command::Check { agency, format } => check(db_url, &agency, &format).await,
    }
}

fn read_bounded(file: &PathBuf) -> Result<String> {
    let f = std::fs::File::open(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let mut text = String::new();
    f.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| {
            format!(
                "无法读取 {}（应为 UTF-8 编码的 JSON Lines）",
                file.display()
            )
        })?;
    if text.len() as u64 > MAX_FILE_BYTES {
        bail!("文件 {} 超过 2 GB，请分批导入", file.display());
    }
    Ok(text)
}

async fn import(db_url: &str, file: &PathBuf, agency: &str) -> Result<u8> {
    let text = read_bounded(file)?;
    let db = Db::connect_existing(db_url).await?;
    let done = db
        .import_notices(agency, &text)
        .await
        .with_context(|| format!("文件 {}（未导入任何公告）", file.display()))?;
    println!(
        "已导入：新增 {} 条，更正 {} 条，未变 {} 条；本次公告的时限与要素违规 {} 项",
        done.new,
        done.corrected,
        done.unchanged,
        done.violations.len()
    );
    for v in &done.violations {
        println!("  {}", line_of(v));
    }
    Ok(0)
}

fn line_of(v: &Violation) -> String {
    format!(
        "{}\t{}\t{}\t{}\t应为 {}\t实为 {}",
        v.notice,
        v.section.as_deref().unwrap_or("-"),
        v.code.code(),
        v.message,
        v.expected,
        v.actual.as_deref().unwrap_or("-")
    )
}

async fn check(db_url: &str, agency: &str, format: &str) -> Result<u8> {
    if format != "json" && format != "table" {
        bail!("--format 的取值“{format}”无效，可选：json、table");
    }
    let db = Db::connect_existing(db_url).await?;
    let violations = db.check_notices(agency).await?;
    let mut out = std::io::stdout().lock();
    if format == "json" {
        serde_json::to_writer_pretty(&mut out, &violations)?;
        writeln!(out)?;
    } else {
        writeln!(out, "公告编号\t标段\t规则\t说明\t应为\t实为")?;
        for v in &violations {
            writeln!(out, "{}", line_of(v))?;
        }
        writeln!(out, "共 {} 项违规", violations.len())?;
    }
    Ok(u8::from(!violations.is_empty()))
}
