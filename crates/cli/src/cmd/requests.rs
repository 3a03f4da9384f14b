//! `gongkai requests import|list`: 依申请公开 cases and their statutory clocks.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use gongkai_db::Db;
use gongkai_domain::period::parse_date;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 导入案件事件（JSON Lines，一个事务）
    Import {
        file: PathBuf,
        #[arg(long)]
        agency: String,
    },
    /// 列出案件及其法定期限
    List {
        #[arg(long)]
        agency: String,
        /// 截至日期（默认今天）
        #[arg(long)]
        as_of: Option<String>,
        /// json | table
        #[arg(long, default_value = "table")]
        format: String,
    },
}

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    match args.command {
        Command::Import { file, agency } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("无法读取 {}", file.display()))?;
            let db = Db::connect(db_url).await?;
            let s = db
                .import_requests(&agency, &text)
                .await
                .with_context(|| format!("文件 {}", file.display()))?;
            println!(
                "已导入 {} 条事件：{} 件申请，{} 件复议或诉讼",
                s.events, s.cases, s.appeals
            );
            Ok(0)
        }
        Command::List {
            agency,
            as_of,
            format,
        } => list(db_url, &agency, as_of.as_deref(), &format).await,
    }
}

async fn list(db_url: &str, agency: &str, as_of: Option<&str>, format: &str) -> Result<u8> {
    if format != "json" && format != "table" {
        bail!("--format 的取值“{format}”无效，可选：json、table");
    }
    let as_of = match as_of {
        Some(d) => parse_date(d, "--as-of")?,
        None => super::today(),
    };
    let db = Db::connect_existing(db_url).await?;
    let clocks = db.request_clocks(agency, as_of).await?;
    let mut out = std::io::stdout().lock();
    if format == "json" {
        serde_json::to_writer_pretty(&mut out, &clocks)?;
        writeln!(out)?;
        return Ok(0);
    }
    writeln!(
        out,
        "案件编号\t申请人类型\t收到日期\t计时起点\t暂停\t延期\t答复期限\t状态\t办理结果\t办结日期\t超期\t补正告知超期"
    )?;
    for c in &clocks {
        let iso = gongkai_domain::period::iso;
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}{}\t{}\t{}\t{}\t{}\t{}",
            c.request,
            c.applicant_type.label(),
            iso(c.received),
            iso(c.clock_start),
            c.paused_workdays,
            c.extension_workdays,
            iso(c.due),
            if c.due_confirmed { "" } else { "（暂定）" },
            c.status.label(),
            c.outcome.map(|o| o.code()).unwrap_or("-"),
            c.closed_on.map(iso).unwrap_or_else(|| "-".into()),
            if c.overdue { "是" } else { "否" },
            if c.correction_notice_late {
                "是"
            } else {
                "否"
            },
        )?;
    }
    Ok(0)
}
