//! The back office's home page: each user's own queues — their drafts and returned versions,
//! the versions waiting for a stage they may perform (as the review itself is authorized: the
//! stage's role, the order of stages, separation of duties) — time-limit problems and charts,
//! all only of the agencies they may see.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::admin::{send, session};
use crate::items::{call, drafted, world};

const TITLE: &str = "关于调整交易服务收费标准的通知";

async fn home(app: &axum::Router, who: &str) -> String {
    let (cookie, _) = session(app, who).await;
    let res = send(app, "GET", "/admin/", &cookie, &[], None).await;
    assert_eq!(res.status, StatusCode::OK, "{who}: {}", res.body);
    res.body
}

/// The part of the page from the heading with this id to the next heading.
fn section(body: &str, id: &str) -> String {
    let Some(start) = body.find(&format!("id=\"{id}\"")) else {
        return String::new();
    };
    let rest = &body[start..];
    let end = rest[1..].find("<h").map_or(rest.len(), |e| e + 1);
    rest[..end].to_string()
}

async fn review(app: &axum::Router, who: &str, id: i64, stage: &str, verdict: &str) {
    let (st, v) = call(
        app,
        who,
        "POST",
        &format!("/api/v1/admin/items/{id}/review"),
        json!({"stage": stage, "verdict": verdict, "comment": "请补充执行日期"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{who} {stage}: {v}");
}

#[tokio::test]
async fn the_home_page_shows_each_user_what_waits_on_them() {
    let (app, _db) = world().await;
    let id = drafted(&app, TITLE).await;
    // A draft waits on its author alone.
    let editor = home(&app, "editor").await;
    assert!(section(&editor, "my-drafts").contains(TITLE), "{editor}");
    assert!(!section(&home(&app, "r1").await, "to-review").contains(TITLE));

    // Submitted: 初审 waits on the first reviewer; 复审 not yet on the second (初审 comes
    // first); the author reviews nothing of their own.
    let (st, v) = call(
        &app,
        "editor",
        "POST",
        &format!("/api/v1/admin/items/{id}/submit"),
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let r1 = section(&home(&app, "r1").await, "to-review");
    assert!(r1.contains(TITLE) && r1.contains("初审"), "{r1}");
    assert!(!section(&home(&app, "r2").await, "to-review").contains(TITLE));
    let proof = section(&home(&app, "proof").await, "to-review");
    assert!(proof.contains(TITLE) && proof.contains("校对"), "{proof}");
    let editor = home(&app, "editor").await;
    assert!(!section(&editor, "my-drafts").contains(TITLE));
    assert!(!section(&editor, "to-review").contains(TITLE));

    // After 初审, 复审 waits on the second reviewer and nothing more on the first.
    review(&app, "r1", id, "first", "pass").await;
    let r2 = section(&home(&app, "r2").await, "to-review");
    assert!(r2.contains(TITLE) && r2.contains("复审"), "{r2}");
    assert!(!section(&home(&app, "r1").await, "to-review").contains(TITLE));

    // Returned: back with its author, marked 已退回, and off every reviewer's list.
    review(&app, "r2", id, "second", "return").await;
    let mine = section(&home(&app, "editor").await, "my-drafts");
    assert!(
        mine.contains(TITLE) && mine.contains("<strong>已退回</strong>"),
        "{mine}"
    );
    assert!(!section(&home(&app, "proof").await, "to-review").contains(TITLE));

    // Another agency's editor sees nothing of agency a: no item, no chart of it.
    let b = home(&app, "editor-b").await;
    assert!(
        !b.contains(TITLE) && !b.contains("a 公共资源交易中心"),
        "{b}"
    );

    // The charts, drawn on the server, with their figures as tables.
    let head = home(&app, "head").await;
    for caption in ["每月公开信息数", "主动公开时效"] {
        assert!(head.contains(caption), "{caption}: {head}");
    }
    assert!(head.contains("<svg viewBox=") && head.contains("role=\"img\""));
    assert!(head.contains("<details><summary>数据表</summary><table"));
    assert!(!head.contains("<script"));
}
