//! `gongkai demo`: loads the demo agency and serves it.

use std::net::SocketAddr;

use anyhow::Result;
use gongkai_db::Db;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// 只载入数据，不启动服务
    #[arg(long)]
    no_serve: bool,
    /// 清空数据库后重新载入
    #[arg(long)]
    reset: bool,
}

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    let Args {
        bind,
        no_serve,
        reset,
    } = args;
    let db = Db::connect(db_url).await?;
    let a = db.load_demo(reset).await?;
    eprintln!("已载入演示机构 {}（{}）", a.name, a.code);
    if !no_serve {
        eprintln!("打开 http://{bind}/ 查看年度报告");
        super::serve::serve(db, bind).await?;
    }
    Ok(0)
}
