//! `gongkai backup -o FILE` and `gongkai restore FILE` (contracts.md §1): one file holding the
//! whole database — attachments and frozen report files included — taken while the server
//! runs, and restored into an empty database of the same backend (`gongkai_db::backup`).

use std::path::PathBuf;

use anyhow::Result;
use gongkai_db::backup::{BackupKind, BackupSummary};

#[derive(clap::Args)]
pub struct BackupArgs {
    /// 备份文件（不可已存在）
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// gongkai backup 生成的备份文件
    file: PathBuf,
}

fn describe(s: &BackupSummary) -> String {
    format!(
        "{}，{:.1} MB：机构 {} 个，公开事项 {} 条（附件及年报文件 {} 个），交易公告 {} 条，依申请公开 {} 件",
        match s.kind {
            BackupKind::Sqlite => "SQLite 数据库",
            BackupKind::PgDump => "PostgreSQL 归档（pg_dump）",
        },
        s.bytes as f64 / 1e6,
        s.agencies,
        s.items,
        s.files,
        s.notices,
        s.requests
    )
}

pub async fn backup(db_url: &str, args: BackupArgs) -> Result<u8> {
    let s = gongkai_db::backup::backup(db_url, &args.output).await?;
    println!("已备份到 {}（{}）", args.output.display(), describe(&s));
    Ok(0)
}

pub async fn restore(db_url: &str, args: RestoreArgs) -> Result<u8> {
    let s = gongkai_db::backup::restore(db_url, &args.file).await?;
    println!(
        "已从 {} 恢复（{}）。搜索索引在服务启动时重建；请用 gongkai log verify 核对发布日志。",
        args.file.display(),
        describe(&s)
    );
    Ok(0)
}
