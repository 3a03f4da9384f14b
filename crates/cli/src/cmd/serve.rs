//! `gongkai serve`: the portal, the back office and the API.
//!
//! Configuration, in order of precedence: command-line flags, environment variables
//! (`GONGKAI_*`), the TOML file given by `--config` (or `GONGKAI_CONFIG`), built-in defaults.
//! The database URL is the global `--db` / `GONGKAI_DB` (or `db` in the file).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use gongkai_db::Db;
use gongkai_web::WebConfig;
use serde::Deserialize;

/// The server's settings.
#[derive(clap::Args, Debug, Default)]
pub struct Settings {
    /// 配置文件（TOML，键名同下列选项，用下划线，如 session_idle_minutes = 30）
    #[arg(long, env = "GONGKAI_CONFIG")]
    config: Option<PathBuf>,
    /// 监听地址 [默认 127.0.0.1:8080]
    #[arg(long, env = "GONGKAI_BIND")]
    bind: Option<SocketAddr>,
    /// 数据目录（附件、搜索索引）[默认 ./data]
    #[arg(long, env = "GONGKAI_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// 会话空闲超时（分钟）[默认 30]
    #[arg(long, env = "GONGKAI_SESSION_IDLE_MINUTES")]
    session_idle_minutes: Option<i64>,
    /// 会话最长有效期（分钟，自登录起）[默认 720]
    #[arg(long, env = "GONGKAI_SESSION_ABSOLUTE_MINUTES")]
    session_absolute_minutes: Option<i64>,
    /// Cookie 加 Secure 标记（经 HTTPS 提供服务时开启，直接或在反向代理之后）
    #[arg(long, env = "GONGKAI_SECURE_COOKIES")]
    secure_cookies: Option<bool>,
    /// 反向代理传递客户端地址的请求头（如 x-forwarded-for、x-real-ip）；不设则用 TCP 对端地址
    #[arg(long, env = "GONGKAI_PROXY_HEADER")]
    proxy_header: Option<String>,
    /// 审计日志保存天数（不少于 180）[默认 180]
    #[arg(long, env = "GONGKAI_AUDIT_RETENTION_DAYS")]
    audit_retention_days: Option<i64>,
    /// 每个客户端地址、每个账户每分钟允许的登录尝试次数（0 表示不限流，账户锁定仍然有效）[默认 30]
    #[arg(long, env = "GONGKAI_LOGIN_ATTEMPTS_PER_MINUTE")]
    login_attempts_per_minute: Option<u32>,
    /// 每个客户端地址每分钟允许的站内搜索次数（0 表示不限流）[默认 120]
    #[arg(long, env = "GONGKAI_SEARCHES_PER_MINUTE")]
    searches_per_minute: Option<u32>,
    /// 只读节点：连接数据库从库，只提供公开页面、订阅和搜索，不写数据库、不运行后台任务
    #[arg(long, env = "GONGKAI_READ_ONLY")]
    read_only: bool,
    /// Prometheus 指标的监听地址（GET /metrics；另设地址，只在内网开放）[默认不开启]
    #[arg(long, env = "GONGKAI_METRICS_BIND")]
    metrics_bind: Option<SocketAddr>,
    /// 本部署登记的 OCDS 前缀（ocds- 加 6 位小写字母或数字）；新标段的 ocid 用它生成，已有标段不变 [默认 ocds-gkdemo，仅供演示]
    #[arg(long, env = "GONGKAI_OCID_PREFIX")]
    ocid_prefix: Option<String>,
}

/// The same settings as read from the file.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    db: Option<String>,
    bind: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    session_idle_minutes: Option<i64>,
    session_absolute_minutes: Option<i64>,
    secure_cookies: Option<bool>,
    proxy_header: Option<String>,
    audit_retention_days: Option<i64>,
    login_attempts_per_minute: Option<u32>,
    searches_per_minute: Option<u32>,
    metrics_bind: Option<SocketAddr>,
    read_only: Option<bool>,
    ocid_prefix: Option<String>,
}

/// The resolved configuration.
#[derive(Debug)]
pub struct Config {
    pub db: Option<String>,
    pub bind: SocketAddr,
    pub web: WebConfig,
    /// The deployment's OCDS prefix, stored in the database when the server starts; `None`:
    /// keep the stored one.
    pub ocid_prefix: Option<String>,
}

impl Settings {
    /// Flags and environment over the file over the defaults; every value checked.
    pub fn resolve(self) -> Result<Config> {
        let file: FileSettings = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("无法读取配置文件 {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("配置文件 {} 格式错误", path.display()))?
            }
            None => FileSettings::default(),
        };
        let d = WebConfig::default();
        let idle = self
            .session_idle_minutes
            .or(file.session_idle_minutes)
            .unwrap_or(d.session.idle_minutes);
        let absolute = self
            .session_absolute_minutes
            .or(file.session_absolute_minutes)
            .unwrap_or(d.session.absolute_minutes);
        if !(1..=24 * 60).contains(&idle) {
            bail!("session_idle_minutes：应为 1–1440 分钟（现为 {idle}）");
        }
        if !(idle..=7 * 24 * 60).contains(&absolute) {
            bail!("session_absolute_minutes：应不短于空闲超时且不超过 7 天（现为 {absolute}）");
        }
        let retention = self
            .audit_retention_days
            .or(file.audit_retention_days)
            .unwrap_or(d.audit_retention_days);
        if retention < 180 {
            bail!(
                "audit_retention_days：审计日志至少保存 180 天（网络安全法第二十一条），现为 {retention}"
            );
        }
        let proxy_header = self
            .proxy_header
            .or(file.proxy_header)
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty());
        if let Some(h) = &proxy_header
            && axum::http::HeaderName::from_bytes(h.as_bytes()).is_err()
        {
            bail!("proxy_header：“{h}”不是有效的请求头名称");
        }
        let ocid_prefix = self.ocid_prefix.or(file.ocid_prefix);
        if let Some(p) = &ocid_prefix {
            gongkai_domain::trading::check_ocid_prefix(p, "ocid_prefix")?;
        }
        Ok(Config {
            db: file.db,
            ocid_prefix,
            bind: self
                .bind
                .or(file.bind)
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080))),
            web: WebConfig {
                data_dir: self
                    .data_dir
                    .or(file.data_dir)
                    .unwrap_or_else(|| PathBuf::from("data")),
                session: gongkai_domain::auth::SessionPolicy {
                    idle_minutes: idle,
                    absolute_minutes: absolute,
                },
                secure_cookies: self
                    .secure_cookies
                    .or(file.secure_cookies)
                    .unwrap_or(d.secure_cookies),
                proxy_header,
                audit_retention_days: retention,
                login_attempts_per_minute: self
                    .login_attempts_per_minute
                    .or(file.login_attempts_per_minute)
                    .unwrap_or(d.login_attempts_per_minute),
                searches_per_minute: self
                    .searches_per_minute
                    .or(file.searches_per_minute)
                    .unwrap_or(d.searches_per_minute),
                cache: d.cache.clone(),
                metrics_bind: self.metrics_bind.or(file.metrics_bind),
                read_only: self.read_only || file.read_only.unwrap_or(false),
            },
        })
    }
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    settings: Settings,
}

pub async fn run(db_url: &str, db_given: bool, args: Args) -> Result<u8> {
    let config = args.settings.resolve()?;
    let url = match (&config.db, db_given) {
        (Some(file_db), false) => file_db.clone(),
        _ => db_url.to_string(),
    };
    let db = if config.web.read_only {
        let db = Db::open_read_only(&url).await?;
        db.check_schema_current().await?;
        db
    } else {
        Db::connect(&url).await?
    };
    serve(db, config).await?;
    Ok(0)
}

/// Serves until the process is stopped (shared with `gongkai demo`).
pub async fn serve(db: Db, config: Config) -> Result<()> {
    let bind = config.bind;
    if let Some(p) = config.ocid_prefix.as_ref().filter(|_| config.web.read_only) {
        eprintln!("警告：只读节点不保存 OCID 前缀（{p}）；请在主站点设置");
    } else if let Some(p) = &config.ocid_prefix {
        let entry = crate::cmd::user::cli_audit("设置 OCID 前缀");
        if db.set_ocid_prefix(p, "ocid_prefix", &entry).await? {
            eprintln!("OCID 前缀已设为 {p}（此后新建的标段使用它；已有标段的 ocid 不变）");
        }
    }
    // Cheap: only looks for the files (they are read on the first PDF).
    if let Err(e) = gongkai_export::typeset::check_font_files(&gongkai_export::typeset::fonts_dir())
    {
        eprintln!("警告：{e}；年度报告的起草与 PDF 下载、答复告知书的 PDF 将无法生成");
    }
    gongkai_web::serve(db, bind, config.web)
        .await
        .with_context(|| format!("无法在 {bind} 上启动服务"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_values_are_checked() {
        let dir = std::env::temp_dir().join(format!("gk-config-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("gongkai.toml");
        let _ = std::fs::write(
            &path,
            "session_idle_minutes = 15\naudit_retention_days = 365\nproxy_header = \"X-Real-IP\"\n",
        );
        let s = Settings {
            config: Some(path.clone()),
            session_idle_minutes: Some(20),
            ..Default::default()
        };
        let c = s.resolve().ok();
        assert_eq!(c.as_ref().map(|c| c.web.session.idle_minutes), Some(20));
        assert_eq!(c.as_ref().map(|c| c.web.audit_retention_days), Some(365));
        assert_eq!(
            c.as_ref()
                .and_then(|c| c.web.proxy_header.clone())
                .as_deref(),
            Some("x-real-ip")
        );
        let short = Settings {
            audit_retention_days: Some(30),
            ..Default::default()
        };
        assert!(short.resolve().is_err());
        let bad_prefix = Settings {
            ocid_prefix: Some("ocds-ABC".into()),
            ..Default::default()
        };
        let e = bad_prefix.resolve().err().map(|e| e.to_string());
        assert!(
            e.as_deref().is_some_and(|e| e.contains("ocid_prefix")),
            "{e:?}"
        );
        let prefix = Settings {
            ocid_prefix: Some("ocds-a1b2c3".into()),
            ..Default::default()
        };
        assert_eq!(
            prefix.resolve().ok().and_then(|c| c.ocid_prefix).as_deref(),
            Some("ocds-a1b2c3")
        );
        let _ = std::fs::write(&path, "sesion_idle = 1\n");
        let typo = Settings {
            config: Some(path),
            ..Default::default()
        };
        assert!(typo.resolve().is_err());
    }
}
