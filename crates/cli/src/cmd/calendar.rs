//! `gongkai calendar add-workdays|workdays|import`: the working-day calendar.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use gongkai_db::Db;
use gongkai_domain::calendar::{Calendar, HolidayYear};
use gongkai_domain::period::{iso, parse_date};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 打印 DATE 之后第 N 个工作日（DATE 当天不计）
    AddWorkdays { date: String, n: u32 },
    /// 打印 FROM 之后至 TO（含）之间的工作日数
    Workdays { from: String, to: String },
    /// 导入新的年度节假日数据（holiday-cn 格式的 YYYY.json）
    Import { file: PathBuf },
}

const PROVISIONAL: &str =
    "注意：结果为暂定，所涉年度的节假日安排尚未公布（可用 gongkai calendar import 导入）";

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    match args.command {
        Command::AddWorkdays { date, n } => {
            let anchor = parse_date(&date, "DATE")?;
            let cal = calendar_of(db_url).await?;
            let r = cal.add_workdays(anchor, n);
            println!("{}", iso(r.date));
            if !r.confirmed {
                eprintln!("{PROVISIONAL}");
            }
        }
        Command::Workdays { from, to } => {
            let (from, to) = (parse_date(&from, "FROM")?, parse_date(&to, "TO")?);
            let cal = calendar_of(db_url).await?;
            let (n, confirmed) = cal.workdays(from, to);
            println!("{n}");
            if !confirmed {
                eprintln!("{PROVISIONAL}");
            }
        }
        Command::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("无法读取 {}", file.display()))?;
            let year =
                HolidayYear::parse(&text).with_context(|| format!("文件 {}", file.display()))?;
            let db = Db::connect(db_url).await?;
            db.import_calendar(&year, &file.display().to_string())
                .await?;
            let off = year.days.iter().filter(|d| d.off).count();
            println!(
                "已导入 {} 年节假日安排：放假 {} 天，调休上班 {} 天",
                year.year,
                off,
                year.days.len() - off
            );
        }
    }
    Ok(0)
}

/// The calendar of the database, or the shipped one when the SQLite file does not exist yet.
async fn calendar_of(url: &str) -> Result<Calendar> {
    match Db::sqlite_path(url) {
        Some(path) if path != ":memory:" && !std::path::Path::new(path).exists() => {
            Ok(Calendar::builtin())
        }
        _ => Ok(Db::connect(url).await?.calendar().await?),
    }
}
