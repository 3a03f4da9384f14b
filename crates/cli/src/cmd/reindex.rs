//! `gongkai reindex`: rebuilds the search index (`DATA_DIR/index`) from the database, with a
//! progress bar on a terminal. A running `serve` holds its index: stop it first (or give
//! another data directory); it rebuilds or catches up by itself when it starts.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result};
use gongkai_db::Db;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(clap::Args)]
pub struct Args {
    /// 数据目录（索引在其下的 index 目录）[默认 ./data]
    #[arg(long, env = "GONGKAI_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

/// Rebuilds the index of `data_dir`; the number of documents (shared with `gongkai demo`).
pub async fn rebuild(db: &Db, data_dir: &std::path::Path) -> Result<u64> {
    let dir = data_dir.join("index");
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}（约剩 {eta}）")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message("建立搜索索引");
        bar
    } else {
        ProgressBar::hidden()
    };
    let done = gongkai_web::search::reindex(db, &dir, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await;
    bar.finish_and_clear();
    done.with_context(|| format!("无法重建搜索索引 {}", dir.display()))
}

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    let db = Db::connect(db_url).await?;
    let data_dir = args.data_dir.unwrap_or_else(|| PathBuf::from("data"));
    let n = rebuild(&db, &data_dir).await?;
    println!(
        "搜索索引已重建：{n} 篇公开文档（{}）",
        data_dir.join("index").display()
    );
    Ok(0)
}
