//! `gongkai`: the command line (contracts.md §1). Thin: parse, call the library crates, print.
//! Exit status: 0 success, 1 the input was read but fails its checks, 2 the command could not run.
//!
//! This file holds the global options, the list of commands and the mapping of errors to exit
//! codes; each command lives in its own module under `cmd/`.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

mod cmd;

/// The database when neither `--db`, `GONGKAI_DB` nor a config file names one.
const DEFAULT_DB: &str = "sqlite:gongkai.db";

#[derive(Parser)]
#[command(
    name = "gongkai",
    version,
    about = "政府信息公开工作平台（公共资源交易中心）"
)]
struct Cli {
    /// 数据库：sqlite:路径 或 postgres://… [默认 sqlite:gongkai.db]
    #[arg(long, global = true, env = "GONGKAI_DB")]
    db: Option<String>,
    /// 日志格式：text（默认）或 json（每行一个 JSON 对象，便于日志系统收集）
    #[arg(
        long,
        global = true,
        env = "GONGKAI_LOG_FORMAT",
        default_value = "text"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 启动门户、后台和 API
    Serve(cmd::serve::Args),
    /// 载入演示机构 wuzhong-ggzy 并启动服务
    Demo(cmd::demo::Args),
    /// 机构管理
    Agency(cmd::agency::Args),
    /// 生成政府信息公开工作年度报告
    Report(cmd::report::Args),
    /// 年度报告文字部分模板
    Template(cmd::template::Args),
    /// 工作日计算与节假日数据
    Calendar(cmd::calendar::Args),
    /// 依申请公开案件
    Requests(cmd::requests::Args),
    /// 交易公告：导入与时限检查
    Notices(cmd::notices::Args),
    /// 导出开放数据（OCDS 1.1）
    Export(cmd::export::Args),
    /// 检查已发布的年度报告（PDF、HTML、DOCX、Markdown、纯文本）；可给文件夹
    Audit(cmd::audit::Args),
    /// 后台用户
    User(cmd::user::Args),
    /// API 令牌
    Token(cmd::token::Args),
    /// 生成确定性的合成数据（用于性能测试）
    Gen(cmd::r#gen::Args),
    /// 发布日志（防篡改哈希链）
    Log(cmd::log::Args),
    /// 从数据库重建搜索索引（带进度条）
    Reindex(cmd::reindex::Args),
    /// 备份整个数据库（含附件和年报文件），服务运行时也可
    Backup(cmd::backup::BackupArgs),
    /// 把备份恢复到一个空数据库
    Restore(cmd::backup::RestoreArgs),
    /// 升级数据库结构（只向前；升级前先备份）
    Migrate,
}

fn main() -> ExitCode {
    // `gongkai __read-pdf`: the sandboxed PDF reader child (gongkai_export::sandbox).
    if let Some(code) = gongkai_export::sandbox::child_main() {
        return code;
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    init_logging(cli.log_format);
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("错误：{}", message(&e));
            ExitCode::from(2)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Log lines go to standard error, filtered by `GONGKAI_LOG` (default `info`), as text or as
/// one JSON object per line.
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("GONGKAI_LOG")
        // PostgreSQL's notices ("relation … already exists, skipping" on every migration
        // check) are not for the user.
        .unwrap_or_else(|_| "info,sqlx::postgres::notice=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// The error chain joined with "：", skipping causes already quoted by the message above them.
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push('：');
            }
            out.push_str(&text);
        }
    }
    out
}

/// Runs one command: the exit code it chose (0 or 1), or the error that stopped it (exit 2).
async fn run(cli: Cli) -> Result<u8> {
    let db_given = cli.db.is_some();
    let db = cli.db.as_deref().unwrap_or(DEFAULT_DB);
    match cli.command {
        Command::Serve(args) => cmd::serve::run(db, db_given, args).await,
        Command::Demo(args) => cmd::demo::run(db, args).await,
        Command::Agency(args) => cmd::agency::run(db, args).await,
        Command::Report(args) => cmd::report::run(db, args).await,
        Command::Template(args) => cmd::template::run(db, args).await,
        Command::Calendar(args) => cmd::calendar::run(db, args).await,
        Command::Requests(args) => cmd::requests::run(db, args).await,
        Command::Notices(args) => cmd::notices::run(db, args).await,
        Command::Export(args) => cmd::export::run(db, args).await,
        Command::Audit(args) => cmd::audit::run(args),
        Command::User(args) => cmd::user::run(db, args).await,
        Command::Token(args) => cmd::token::run(db, args).await,
        Command::Gen(args) => cmd::r#gen::run(db, args).await,
        Command::Log(args) => cmd::log::run(db, args).await,
        Command::Reindex(args) => cmd::reindex::run(db, args).await,
        Command::Backup(args) => cmd::backup::backup(db, args).await,
        Command::Restore(args) => cmd::backup::restore(db, args).await,
        Command::Migrate => cmd::migrate::run(db).await,
    }
}
