//! `gongkai serve`: the portal, the back office and the API.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use gongkai_db::Db;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
}

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    let db = Db::connect(db_url).await?;
    serve(db, args.bind).await?;
    Ok(0)
}

/// Serves until the process is stopped (shared with `gongkai demo`).
pub async fn serve(db: Db, bind: SocketAddr) -> Result<()> {
    gongkai_web::serve(db, bind, gongkai_web::WebConfig::default())
        .await
        .with_context(|| format!("无法在 {bind} 上启动服务"))
}
