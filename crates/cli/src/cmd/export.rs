//! `gongkai export ocds`: the agency's trading notices as an OCDS 1.1 release package (or
//! record package), every version of every notice published in the period.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use gongkai_db::Db;
use gongkai_domain::period::parse_date;
use gongkai_export::ocds::{
    OcdsOptions, StoredNotice, check_prefix, record_package, release_package,
};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// OCDS 1.1 发布包（或 --records 记录包）
    Ocds {
        #[arg(long)]
        agency: String,
        /// 起始日期（含），按公告发布日期（北京时间）
        #[arg(long)]
        from: Option<String>,
        /// 截止日期（含）
        #[arg(long)]
        to: Option<String>,
        /// 输出记录包（每个标段一条记录，含合并后的 compiledRelease）
        #[arg(long)]
        records: bool,
        /// 输出文件（默认标准输出）
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// OCID 前缀（ocds- 加 6 位小写字母或数字）[默认：本部署的设置，见 serve --ocid-prefix]
        #[arg(long, env = "GONGKAI_OCID_PREFIX")]
        ocid_prefix: Option<String>,
        /// 发布包的 uri（默认 urn:gongkai:ocds:机构代码）
        #[arg(long)]
        uri: Option<String>,
    },
}

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    let Command::Ocds {
        agency,
        from,
        to,
        records,
        output,
        ocid_prefix,
        uri,
    } = args.command;
    if let Some(p) = &ocid_prefix {
        check_prefix(p)?;
    }
    let from = from.map(|d| parse_date(&d, "--from")).transpose()?;
    let to = to.map(|d| parse_date(&d, "--to")).transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        bail!("--from 晚于 --to");
    }
    let db = Db::connect_existing(db_url).await?;
    let ocid_prefix = match ocid_prefix {
        Some(p) => p,
        None => db.ocid_prefix().await?,
    };
    let a = db.agency(&agency).await?;
    let notices: Vec<StoredNotice> = db
        .notice_versions(&agency, from, to)
        .await?
        .into_iter()
        .map(|(notice, version, recorded_at)| StoredNotice {
            notice,
            version,
            recorded_at,
        })
        .collect();
    if notices.is_empty() {
        bail!("机构“{agency}”在该期间没有交易公告，未生成 OCDS 文件");
    }
    let opts = OcdsOptions {
        ocid_prefix,
        section_ocids: db.section_ocids(&agency).await?,
        agency_code: a.code.clone(),
        uri: uri.unwrap_or_else(|| format!("urn:gongkai:ocds:{}", a.code)),
        agency_name: a.name.clone(),
        publisher_name: a.name,
        published_date: time::OffsetDateTime::now_utc(),
        license: None,
    };
    let package = if records {
        record_package(&notices, &opts)
    } else {
        release_package(&notices, &opts)
    };
    let text = serde_json::to_string_pretty(&package)? + "\n";
    match output {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("无法写入 {}", path.display()))?
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    eprintln!("已导出 {} 个公告版本", notices.len());
    Ok(0)
}
