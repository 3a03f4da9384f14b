//! `gongkai log verify [--agency CODE] [--format text|json]`: checks the tamper-evident
//! publication log (contracts.md §7). Exit 0 when every chain is intact; 1 naming the first
//! entry whose content, order or predecessor does not match.

use anyhow::Result;
use clap::Subcommand;
use gongkai_db::Db;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 校验发布日志的哈希链（逐条核对内容、顺序和前一条记录）
    Verify {
        /// 只校验该机构的日志
        #[arg(long)]
        agency: Option<String>,
        /// 输出格式：text 或 json
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
}

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    match args.command {
        Command::Verify { agency, format } => {
            let db = Db::connect(db_url).await?;
            let reports = db.verify_log(agency.as_deref()).await?;
            let ok = reports.iter().all(|r| r.broken.is_none());
            if format == "json" {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "ok": ok,
                        "chains": reports,
                    }))?
                );
            } else {
                if reports.is_empty() {
                    println!("发布日志为空，无需校验");
                }
                for r in &reports {
                    match (&r.broken, &r.head) {
                        (Some(b), _) => println!("✗ {}：共 {} 条，{b}", r.agency, r.entries),
                        (None, Some(head)) => {
                            println!(
                                "✓ {}：共 {} 条，链完整，最新哈希 {head}",
                                r.agency, r.entries
                            )
                        }
                        (None, None) => println!("✓ {}：共 {} 条", r.agency, r.entries),
                    }
                }
            }
            Ok(if ok { 0 } else { 1 })
        }
    }
}
