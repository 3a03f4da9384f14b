//! `gongkai agency add|list`.

use anyhow::Result;
use clap::Subcommand;
use gongkai_db::Db;
use gongkai_domain::ledger::NewAgency;
use gongkai_domain::period::parse_date;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 新建机构
    Add {
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        parent: Option<String>,
        /// 成立日期 YYYY-MM-DD
        #[arg(long)]
        established: Option<String>,
    },
    /// 列出机构
    List,
}

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    match args.command {
        Command::Add {
            code,
            name,
            parent,
            established,
        } => {
            let established = established
                .map(|d| parse_date(&d, "--established"))
                .transpose()?;
            let db = Db::connect(db_url).await?;
            let a = db
                .add_agency(&NewAgency {
                    code,
                    name,
                    parent,
                    established,
                })
                .await?;
            println!("已创建机构 {}（{}）", a.name, a.code);
        }
        Command::List => {
            let db = Db::connect(db_url).await?;
            let all = db.agencies().await?;
            for a in &all {
                let parent = a
                    .parent_id
                    .and_then(|p| all.iter().find(|x| x.id == p))
                    .map(|p| p.code.as_str())
                    .unwrap_or("-");
                let est = a
                    .established
                    .map(gongkai_domain::period::iso)
                    .unwrap_or_else(|| "-".into());
                println!("{}\t{}\t上级：{}\t成立：{}", a.code, a.name, parent, est);
            }
        }
    }
    Ok(0)
}
