//! `gongkai user add|grant|revoke|disable|enable|passwd|list`: back-office users and the roles
//! they hold, agency by agency (a grant on a parent covers its subtree). Every change is one
//! transaction together with its audit-log row (the actor is the operating-system user).

use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;
use gongkai_db::{AuditEntry, Db, Tx};
use gongkai_domain::auth::Role;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 新建后台用户，在指定机构授予角色；密码从标准输入读取
    Add {
        name: String,
        /// 机构代码（角色覆盖该机构及其下级机构）；只有一个顶级机构时可省略
        #[arg(long)]
        agency: Option<String>,
        /// 角色：admin editor reviewer1 reviewer2 reviewer3 proofreader secrecy handler head system
        #[arg(long, num_args = 1.., required = true)]
        role: Vec<String>,
    },
    /// 在机构授予角色
    Grant {
        name: String,
        #[arg(long)]
        agency: String,
        #[arg(long, num_args = 1.., required = true)]
        role: Vec<String>,
    },
    /// 撤销在机构的角色
    Revoke {
        name: String,
        #[arg(long)]
        agency: String,
        #[arg(long, num_args = 1.., required = true)]
        role: Vec<String>,
    },
    /// 停用用户（立即结束其会话，令牌失效）
    Disable { name: String },
    /// 重新启用用户
    Enable { name: String },
    /// 重设密码（从标准输入读取），结束其全部会话
    Passwd { name: String },
    /// 列出用户及其角色
    List,
}

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    match args.command {
        Command::Add { name, agency, role } => add(db_url, &name, agency, &role).await,
        Command::Grant { name, agency, role } => {
            let parsed = roles(&role)?;
            change(db_url, &name, "授予角色", |tx, id| {
                Box::pin(async move {
                    for r in parsed {
                        tx.grant(id, &agency, r).await?;
                    }
                    Ok(format!("{agency}: {}", role.join(" ")))
                })
            })
            .await
        }
        Command::Revoke { name, agency, role } => {
            let parsed = roles(&role)?;
            change(db_url, &name, "撤销角色", |tx, id| {
                Box::pin(async move {
                    for r in parsed {
                        tx.revoke(id, &agency, r).await?;
                    }
                    Ok(format!("{agency}: {}", role.join(" ")))
                })
            })
            .await
        }
        Command::Disable { name } => {
            change(db_url, &name, "停用用户", |tx, id| {
                Box::pin(async move {
                    tx.set_disabled(id, true).await?;
                    Ok(String::new())
                })
            })
            .await
        }
        Command::Enable { name } => {
            change(db_url, &name, "启用用户", |tx, id| {
                Box::pin(async move {
                    tx.set_disabled(id, false).await?;
                    Ok(String::new())
                })
            })
            .await
        }
        Command::Passwd { name } => {
            let hash = read_password(&name)?;
            change(db_url, &name, "重设密码", |tx, id| {
                Box::pin(async move {
                    tx.set_password(id, &hash).await?;
                    Ok(String::new())
                })
            })
            .await
        }
        Command::List => list(db_url).await,
    }
}

/// The audit entry of a command-line action: the actor is the operating-system user.
pub fn cli_audit(action: &str) -> AuditEntry {
    let who = std::env::var("USER").unwrap_or_else(|_| "?".into());
    AuditEntry::new(None, action)
        .user(&format!("命令行:{who}"))
        .client("local")
}

fn roles(codes: &[String]) -> Result<Vec<Role>> {
    codes
        .iter()
        .map(|r| Role::from_code(r).map_err(|e| anyhow!("--role：{e}")))
        .collect()
}

/// Reads a new password from standard input and checks it against the policy.
fn read_password(name: &str) -> Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("无法从标准输入读取密码")?;
    let password = password.trim_end_matches(['\r', '\n']);
    gongkai_domain::auth::check_password(password, name)?;
    gongkai_web::auth::hash_password(password).map_err(|e| anyhow!("无法计算密码散列：{e}"))
}

type Step<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<String, gongkai_db::DbError>> + Send + 'a>,
>;

/// One change of a user: the step and its audit row in one transaction.
async fn change<F>(db_url: &str, name: &str, action: &str, step: F) -> Result<u8>
where
    F: for<'a> FnOnce(&'a mut Tx, i64) -> Step<'a>,
{
    let db = Db::connect_existing(db_url).await?;
    let mut tx = db.begin().await?;
    let id = tx.user_id(name).await?;
    let detail = step(&mut tx, id).await?;
    tx.audit(&cli_audit(action).object(name).detail(detail.clone()))
        .await?;
    tx.commit().await?;
    println!("{action}：{name} {detail}");
    Ok(0)
}

async fn add(db_url: &str, name: &str, agency: Option<String>, role: &[String]) -> Result<u8> {
    let roles = roles(role)?;
    let hash = read_password(name)?;
    let db = Db::connect(db_url).await?;
    let agency = match agency {
        Some(a) => a,
        None => {
            let tops: Vec<_> = db
                .agencies()
                .await?
                .into_iter()
                .filter(|a| a.parent_id.is_none())
                .collect();
            match tops.as_slice() {
                [one] => one.code.clone(),
                [] => {
                    bail!("--agency：尚未建立任何机构（先运行 gongkai demo 或 gongkai agency add）")
                }
                _ => bail!("--agency：有多个顶级机构，请指定用户所属机构"),
            }
        }
    };
    let grants: Vec<(String, Role)> = roles.iter().map(|r| (agency.clone(), *r)).collect();
    let u = db
        .add_user(
            name,
            &hash,
            &grants,
            cli_audit("创建用户")
                .object(name)
                .agency(&agency)
                .detail(role.join(" ")),
        )
        .await?;
    println!(
        "已创建用户 {}（{}：{}）",
        u.name,
        agency,
        u.roles()
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join("、")
    );
    Ok(0)
}

async fn list(db_url: &str) -> Result<u8> {
    let db = Db::connect_existing(db_url).await?;
    for u in db.users(None).await? {
        let grants = u
            .grants
            .iter()
            .map(|(a, r)| format!("{a}:{}", r.code()))
            .collect::<Vec<_>>()
            .join(" ");
        let state = if u.disabled { "（已停用）" } else { "" };
        println!("{}{state}\t{grants}", u.name);
    }
    Ok(0)
}
