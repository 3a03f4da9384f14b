//! Several `serve` processes on one database (issue 12 part 6): the background jobs run on every
//! writing node, yet each scheduled version is published once — one log entry, one public
//! version — whichever node gets to it first.

use std::time::{Duration, Instant};

use crate::crash::{schedule_round, serve};
use crate::{gongkai, stderr};
use gongkai_db::testing::{fresh_url, publication_inconsistencies, versions_in_state};

#[tokio::test]
async fn two_servers_publish_each_scheduled_version_once() {
    let url = fresh_url().await;
    let db = gongkai_db::Db::connect(&url).await.unwrap();
    gongkai_db::testing::office(&db, "pub", "!").await.unwrap();
    let mut total = 0;
    for round in 0..8 {
        total += schedule_round(&db, round).await;
    }
    // Two nodes, each with its own data directory, started together: both schedulers find the
    // same due versions at once.
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut nodes = [serve(&url, a.path()), serve(&url, b.path())];
    let t = Instant::now();
    while versions_in_state(&db, "scheduled").await.unwrap() > 0 {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "nothing published in a minute"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Both nodes keep running their jobs a little longer: nothing is published again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for n in &mut nodes {
        let _ = n.kill();
        let _ = n.wait();
    }
    assert_eq!(
        publication_inconsistencies(&db).await.unwrap(),
        Vec::<String>::new()
    );
    let published = versions_in_state(&db, "published").await.unwrap()
        + versions_in_state(&db, "superseded").await.unwrap();
    assert_eq!(published, total);
    let o = gongkai(&url, &["log", "verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
