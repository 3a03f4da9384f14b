//! `gongkai migrate`: brings the database's schema up to date (forward only) and says which
//! version it is at. `serve` does the same on start; an upgrade runs `gongkai backup` first,
//! then this, then starts the new version (README, docs/deploy.md).

use anyhow::Result;
use gongkai_db::Db;

pub async fn run(db_url: &str) -> Result<u8> {
    let db = Db::open(db_url).await?;
    let before = db.schema_version().await?;
    db.migrate().await?;
    db.seed_calendar().await?;
    let after = db.schema_version().await?;
    db.close().await;
    match (before, after) {
        (Some(b), Some(a)) if a == b => println!("数据库结构已是最新（版本 {a}）"),
        (Some(b), Some(a)) => println!("数据库结构已从版本 {b} 升级到 {a}"),
        (None, Some(a)) => println!("已建立数据库结构（版本 {a}）"),
        (_, None) => println!("数据库结构版本未知"),
    }
    Ok(0)
}
