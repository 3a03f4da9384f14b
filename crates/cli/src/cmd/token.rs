//! `gongkai token create|revoke|list`: API tokens. A token belongs to a user and carries the
//! user's grants; it can expire and be revoked. Only its SHA-256 is stored.

use anyhow::{Result, anyhow};
use clap::Subcommand;
use gongkai_db::Db;

use super::user::cli_audit;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 为用户生成新的 API 令牌并打印（只显示这一次）；令牌编号打印到标准错误
    Create {
        #[arg(long)]
        user: String,
        /// 有效期至（YYYY-MM-DD，北京时间当日结束时失效）；省略则长期有效，直至撤销
        #[arg(long)]
        expires: Option<String>,
    },
    /// 撤销令牌（按编号）
    Revoke { id: i64 },
    /// 列出令牌（不显示令牌本身）
    List {
        #[arg(long)]
        user: Option<String>,
    },
}

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    match args.command {
        Command::Create { user, expires } => create(db_url, &user, expires.as_deref()).await,
        Command::Revoke { id } => {
            let db = Db::connect_existing(db_url).await?;
            let mut tx = db.begin().await?;
            let user = tx.revoke_token(id).await?;
            tx.audit(&cli_audit("撤销 API 令牌").object(format!("{user} #{id}")))
                .await?;
            tx.commit().await?;
            println!("已撤销令牌 {id}（{user}）");
            Ok(0)
        }
        Command::List { user } => {
            let db = Db::connect_existing(db_url).await?;
            for t in db.tokens(user.as_deref()).await? {
                let state = match (t.revoked_at, t.expires_at) {
                    (Some(r), _) => format!("已撤销 {}", r.date()),
                    (None, Some(e)) => format!("有效期至 {e}"),
                    (None, None) => "长期有效".into(),
                };
                println!("{}\t{}\t{}\t{state}", t.id, t.user, t.created_at.date());
            }
            Ok(0)
        }
    }
}

async fn create(db_url: &str, user: &str, expires: Option<&str>) -> Result<u8> {
    let expires = match expires {
        Some(d) => {
            let date = gongkai_domain::period::parse_date(d, "--expires")?;
            // The end of that day in Beijing.
            let end = date
                .next_day()
                .ok_or_else(|| anyhow!("--expires：日期无效"))?
                .midnight()
                .assume_offset(time::UtcOffset::from_hms(8, 0, 0).map_err(|e| anyhow!("{e}"))?);
            if end <= time::OffsetDateTime::now_utc() {
                return Err(anyhow!("--expires：有效期已过"));
            }
            Some(end)
        }
        None => None,
    };
    let db = Db::connect_existing(db_url).await?;
    let token = gongkai_web::auth::random_token();
    let mut tx = db.begin().await?;
    let id = tx.user_id(user).await?;
    let token_id = tx
        .add_token(id, &gongkai_web::auth::token_hash(&token), expires)
        .await?;
    tx.audit(&cli_audit("创建 API 令牌").object(format!("{user} #{token_id}")))
        .await?;
    tx.commit().await?;
    eprintln!("令牌编号 {token_id}（撤销：gongkai token revoke {token_id}）");
    println!("{token}");
    Ok(0)
}
