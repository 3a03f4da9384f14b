//! `gongkai gen`: a deterministic synthetic province for benchmarks (`gongkai-synth`).

use anyhow::{Result, bail};
use gongkai_db::Db;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    agencies: usize,
    #[arg(long, default_value_t = 1)]
    years: i32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// 最后一个年度（默认去年）
    #[arg(long)]
    last_year: Option<i32>,
}

pub async fn run(db_url: &str, args: Args) -> Result<u8> {
    let Args {
        agencies,
        years,
        seed,
        last_year,
    } = args;
    if agencies == 0 || years < 1 {
        bail!("--agencies 和 --years 必须至少为 1");
    }
    let last_year = last_year.unwrap_or_else(|| {
        gongkai_domain::period::beijing_date(time::OffsetDateTime::now_utc()).year() - 1
    });
    let db = Db::connect(db_url).await?;
    let spec = gongkai_synth::GenSpec {
        agencies,
        years,
        seed,
        last_year,
    };
    let start = std::time::Instant::now();
    db.load_gen(&spec, &|done, total| {
        if done == total || done % 10 == 0 {
            eprint!("\r已生成 {done}/{total} 个机构");
        }
    })
    .await?;
    eprintln!(
        "\n完成：{agencies} 个机构 × {years} 年，用时 {:.1} 秒",
        start.elapsed().as_secs_f64()
    );
    Ok(0)
}
