//! `gongkai demo`: loads the demo agency and serves it.

use anyhow::Result;
use gongkai_db::Db;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    settings: super::serve::Settings,
    /// 只载入数据，不启动服务
    #[arg(long)]
    no_serve: bool,
    /// 清空数据库后重新载入
    #[arg(long)]
    reset: bool,
}

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    let Args {
        settings,
        no_serve,
        reset,
    } = args;
    let config = settings.resolve()?;
    let db = Db::connect(db_url).await?;
    let a = gongkai_web::annual::load_demo(&db, reset).await?;
    eprintln!("已载入演示机构 {}（{}）", a.name, a.code);
    // The index is the data directory's; a failure here is repaired by `serve` on start.
    match super::reindex::rebuild(&db, &config.web.data_dir).await {
        Ok(n) => eprintln!(
            "搜索索引已建立：{n} 篇公开文档（{}）",
            config.web.data_dir.join("index").display()
        ),
        Err(e) => eprintln!("警告：{e:#}；启动服务时将重建搜索索引"),
    }
    if !no_serve {
        eprintln!("打开 http://{}/ 查看年度报告", config.bind);
        super::serve::serve(db, config).await?;
    }
    Ok(0)
}
