//! `gongkai template show|set`: an agency's narrative or reply-letter template.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use clap::Subcommand;
use gongkai_db::Db;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 打印机构当前使用的模板（未设置时为默认模板）
    Show {
        #[arg(long)]
        agency: String,
        /// narrative（年报文字部分）| letter（答复告知书）
        #[arg(long, default_value = "narrative")]
        kind: String,
    },
    /// 设置机构的模板（TOML 文件）
    Set {
        #[arg(long)]
        agency: String,
        file: PathBuf,
        /// narrative（年报文字部分）| letter（答复告知书）
        #[arg(long, default_value = "narrative")]
        kind: String,
    },
}

fn kind_ok(k: &str) -> Result<()> {
    if k == "narrative" || k == "letter" {
        Ok(())
    } else {
        Err(anyhow!("--kind 的取值“{k}”无效，可选：narrative、letter"))
    }
}

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    match args.command {
        Command::Show { agency, kind } => {
            kind_ok(&kind)?;
            let db = Db::connect(db_url).await?;
            let a = db.agency(&agency).await?;
            let t = if kind == "letter" {
                db.letter_template(a.id)
                    .await?
                    .unwrap_or_else(|| gongkai_export::letters::DEFAULT_LETTERS.to_string())
            } else {
                db.narrative_template(a.id)
                    .await?
                    .unwrap_or_else(|| gongkai_export::DEFAULT_TEMPLATE.to_string())
            };
            print!("{t}");
        }
        Command::Set { agency, file, kind } => {
            kind_ok(&kind)?;
            let body = std::fs::read_to_string(&file)
                .with_context(|| format!("无法读取模板文件 {}", file.display()))?;
            if kind == "letter" {
                gongkai_export::letters::validate(&body)
                    .with_context(|| format!("模板文件 {}", file.display()))?;
            } else {
                gongkai_export::narrative::validate(&body)
                    .with_context(|| format!("模板文件 {}", file.display()))?;
            }
            let db = Db::connect(db_url).await?;
            let a = db.agency(&agency).await?;
            if kind == "letter" {
                db.set_letter_template(a.id, &body).await?;
            } else {
                db.set_narrative_template(a.id, &body).await?;
            }
            println!(
                "已更新 {} 的{}模板",
                a.name,
                if kind == "letter" {
                    "答复告知书"
                } else {
                    "年度报告"
                }
            );
        }
    }
    Ok(0)
}
