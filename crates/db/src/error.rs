use thiserror::Error;

/// Errors of the storage layer, with Chinese messages for the user.
#[derive(Debug, Error)]
pub enum DbError {
    #[error("无法打开数据库“{url}”：{source}")]
    Connect { url: String, source: sqlx::Error },
    #[error(
        "数据库文件“{0}”不存在（先运行 gongkai demo 或 gongkai agency add，或用 --db 指定数据库）"
    )]
    Missing(String),
    #[error("数据库地址“{0}”无效：应为 sqlite:路径 或 postgres://…")]
    BadUrl(String),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("数据库操作失败：{0}")]
    Sql(#[from] sqlx::Error),
    #[error("未找到机构“{0}”")]
    UnknownAgency(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    /// A report could not be rendered (its snapshot for publication).
    #[error("报告生成失败：{0}")]
    Render(String),
    #[error("导入失败，未导入任何内容：{0}")]
    Import(String),
    #[error(transparent)]
    Domain(#[from] gongkai_domain::DomainError),
    /// The domain's `authorize` refused the action (decided inside the write, where the
    /// decision needs what the transaction reads, e.g. separation of duties).
    #[error(transparent)]
    Denied(#[from] gongkai_domain::auth::Denied),
}
