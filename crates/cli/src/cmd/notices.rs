//! `gongkai notices import|check|rules`: trading notices (contracts.md §3), their time-limit
//! rules (§3.3) and an agency's configuration of those rules.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use gongkai_db::Db;
use gongkai_db::trading::parse_notices_with;
use gongkai_domain::trading::{RuleConfig, Violation};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cmd::user::cli_audit;

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
    /// 显示机构的交易规则配置（JSON）；--set FILE 以文件中的配置替换之（先校验，记入审计日志）
    Rules {
        #[arg(long)]
        agency: String,
        /// 新配置（JSON 文件，与显示的格式相同；省略的项取默认值）
        #[arg(long)]
        set: Option<PathBuf>,
    },
}

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    match args.command {
        Command::Import { file, agency } => import(db_url, &file, &agency).await,
        Command::Check { agency, format } => check(db_url, &agency, &format).await,
        Command::Rules { agency, set } => rules(db_url, &agency, set.as_ref()).await,
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

/// Files smaller than this import without a progress bar.
const BAR_FROM_BYTES: usize = 1024 * 1024;

/// A progress bar on stderr for a large file, hidden when stderr is not a terminal.
fn bar(len: usize) -> ProgressBar {
    if len < BAR_FROM_BYTES || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes}（约剩 {eta}）")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message("读取公告");
    bar
}

async fn import(db_url: &str, file: &PathBuf, agency: &str) -> Result<u8> {
    let text = read_bounded(file)?;
    let db = Db::connect_existing(db_url).await?;
    let context = || format!("文件 {}（未导入任何公告）", file.display());
    let bar = bar(text.len());
    let notices = parse_notices_with(&text, &mut |n| bar.inc(n as u64)).with_context(context)?;
    // The write is one transaction: a spinner while it runs.
    bar.set_style(ProgressStyle::default_spinner());
    bar.set_message(format!("写入数据库（{} 条公告，一个事务）", notices.len()));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let done = db.import_parsed(agency, &notices).await;
    bar.finish_and_clear();
    let done = done.with_context(context)?;
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

/// The largest rule configuration read.
const MAX_RULES_BYTES: u64 = 1024 * 1024;

async fn rules(db_url: &str, agency: &str, set: Option<&PathBuf>) -> Result<u8> {
    let db = Db::connect_existing(db_url).await?;
    let cfg = match set {
        None => db.rule_config(agency).await?,
        Some(file) => {
            let f = std::fs::File::open(file)
                .with_context(|| format!("无法读取 {}", file.display()))?;
            let mut text = String::new();
            f.take(MAX_RULES_BYTES + 1)
                .read_to_string(&mut text)
                .with_context(|| {
                    format!("无法读取 {}（应为 UTF-8 编码的 JSON）", file.display())
                })?;
            if text.len() as u64 > MAX_RULES_BYTES {
                bail!("文件 {} 超过 1 MB，不像规则配置", file.display());
            }
            let v: serde_json::Value = serde_json::from_str(&text).with_context(|| {
                format!("文件 {} 不是有效的 JSON（未做任何改动）", file.display())
            })?;
            let cfg = RuleConfig::from_json(&v).with_context(|| {
                format!("文件 {} 的规则配置无效（未做任何改动）", file.display())
            })?;
            let entry = cli_audit("修改交易规则配置")
                .agency(agency)
                .detail(cfg.to_json().to_string());
            db.write(&entry, async |tx| tx.set_rule_config(agency, &cfg).await)
                .await?;
            eprintln!("已保存机构“{agency}”的交易规则配置");
            cfg
        }
    };
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &cfg.to_json())?;
    writeln!(out)?;
    Ok(0)
}
