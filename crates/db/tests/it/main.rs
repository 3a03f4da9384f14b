//! Storage and report tests. One binary; the backend is chosen by `GONGKAI_TEST_DB`
//! (unset: SQLite; a postgres:// URL: a fresh database per test on that server).

#![allow(clippy::unwrap_used, clippy::field_reassign_with_default)]

mod cases;
mod ledger;
mod notices;
mod publishing;
mod report;
mod schema;
mod trading_views;
mod tx;

use gongkai_db::Db;
use gongkai_domain::ledger::NewAgency;
use time::macros::date;

/// Adds a top-level agency `code`, established 2020-01-01; its row id.
pub(crate) async fn agency(db: &Db, code: &str) -> i64 {
    db.add_agency(&NewAgency {
        code: code.into(),
        name: format!("{code} 公共资源交易中心"),
        parent: None,
        established: Some(date!(2020 - 01 - 01)),
    })
    .await
    .unwrap();
    db.agency(code).await.unwrap().id
}
