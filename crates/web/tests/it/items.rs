//! Disclosure items through the back-office API: a draft taken through 三审三校 and 保密审查 to
//! publication by the people of the office, each with their own token; another agency's token
//! and the author's own review refused; the list of contracts.md §7.

use axum::http::StatusCode;
use gongkai_db::{AuditEntry, Db};
use gongkai_domain::auth::Role;
use gongkai_domain::ledger::NewAgency;
use serde_json::{Value, json};

use crate::admin::{add_token, send};

/// Agencies `a` and `b`; in `a` one user per workflow role (`editor`, `r1`, `r2`, `r3`,
/// `proof`, `secrecy`, `head`), in `b` an editor `editor-b`; each with the token `t-NAME`.
async fn world() -> (axum::Router, Db) {
    let db = gongkai_db::testing::fresh_db().await;
    for code in ["a", "b"] {
        db.add_agency(&NewAgency {
            code: code.into(),
            name: format!("{code} 公共资源交易中心"),
            parent: None,
            established: None,
        })
        .await
        .unwrap();
    }
    for (name, agency, role) in [
        ("editor", "a", Role::Editor),
        ("r1", "a", Role::Reviewer1),
        ("r2", "a", Role::Reviewer2),
        ("r3", "a", Role::Reviewer3),
        ("proof", "a", Role::Proofreader),
        ("secrecy", "a", Role::Secrecy),
        ("head", "a", Role::Head),
        ("editor-b", "b", Role::Editor),
    ] {
        db.add_user(
            name,
            "x",
            &[(agency.to_string(), role)],
            AuditEntry::new(None, "测试"),
        )
        .await
        .unwrap();
        add_token(&db, name, &format!("t-{name}")).await;
    }
    (gongkai_web::router_with(db.clone(), Default::default()), db)
}

async fn call(
    app: &axum::Router,
    who: &str,
    method: &str,
    uri: &str,
    body: Value,
) -> (StatusCode, Value) {
    let auth = format!("Bearer t-{who}");
    let body = (!body.is_null()).then(|| ("application/json", body.to_string()));
    let res = send(
        app,
        method,
        uri,
        "",
        &[("authorization", auth.as_str())],
        body,
    )
    .await;
    let v = serde_json::from_str(&res.body).unwrap_or(Value::Null);
    (res.status, v)
}

fn draft(title: &str) -> Value {
    json!({
        "title": title,
        "summary": "交易服务收费标准",
        "body": "<p>自2024年7月1日起执行。</p>",
        "doc_no": "a公管发[2024]3号",
        "publisher": "a 公共资源交易中心",
        "formed_on": "2024-06-03",
        "attr": "proactive",
        "art20_item": 8,
        "doc_kind": "normative_document",
        "column": "fees"
    })
}

#[tokio::test]
async fn an_item_goes_through_the_whole_workflow_by_api() {
    let (app, _db) = world().await;
    let (st, v) = call(
        &app,
        "editor",
        "POST",
        "/api/v1/admin/items?agency=a",
        draft("关于交易服务收费的通知"),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["index_no"], "a/2024-00001");
    let op = |o: &str| format!("/api/v1/admin/items/{id}/{o}");

    // Another agency's editor neither sees nor touches it.
    let (st, _) = call(
        &app,
        "editor-b",
        "GET",
        &format!("/api/v1/admin/items/{id}"),
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = call(&app, "editor-b", "POST", &op("submit"), Value::Null).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = call(
        &app,
        "editor-b",
        "GET",
        "/api/v1/admin/items?agency=a",
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    let (st, v) = call(&app, "editor", "POST", &op("submit"), Value::Null).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // 终审 before the other stages: 409, and the reason names what is missing.
    let (st, v) = call(&app, "r3", "POST", &op("review"), json!({"stage": "final"})).await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert!(v["error"].as_str().unwrap().contains("初审"), "{v}");
    for (who, stage) in [
        ("r1", "first"),
        ("r2", "second"),
        ("proof", "proofread"),
        ("proof", "proofread"),
        ("proof", "proofread"),
        ("secrecy", "secrecy"),
        ("r3", "final"),
    ] {
        let (st, v) = call(
            &app,
            who,
            "POST",
            &op("review"),
            json!({"stage": stage, "verdict": "pass"}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{who} {stage}: {v}");
    }
    // The editor may not withdraw; the 负责人 publishes.
    let (st, v) = call(&app, "head", "POST", &op("publish"), Value::Null).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "published");
    assert_eq!(v["log"][0]["action"], "publish");
    let (st, _) = call(
        &app,
        "editor",
        "POST",
        &op("withdraw"),
        json!({"reason": "x"}),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // The list of contracts.md §7.
    let (st, v) = call(
        &app,
        "r1",
        "GET",
        "/api/v1/admin/items?agency=a&state=published",
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let row = &v[0];
    for key in [
        "id",
        "index_no",
        "title",
        "doc_no",
        "state",
        "column",
        "published_at",
        "versions",
    ] {
        assert!(row.get(key).is_some(), "{key} missing in {row}");
    }
    assert_eq!(row["doc_no"], "a公管发〔2024〕3号");
    assert_eq!(row["versions"], 1);
    assert!(
        row["published_at"].as_str().unwrap().ends_with("+08:00"),
        "{row}"
    );
    let (st, v) = call(
        &app,
        "r1",
        "GET",
        "/api/v1/admin/items?agency=a&state=draft",
        Value::Null,
    )
    .await;
    assert_eq!((st, v.as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
    let (st, _) = call(
        &app,
        "r1",
        "GET",
        "/api/v1/admin/items?agency=a&state=nope",
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn bad_fields_are_named_and_nothing_is_written() {
    let (app, db) = world().await;
    let mut d = draft("某通知");
    d["doc_no"] = json!("没有年份的文号");
    let (st, v) = call(&app, "editor", "POST", "/api/v1/admin/items?agency=a", d).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"].as_str().unwrap().contains("文号"), "{v}");
    let mut d = draft("某通知");
    d["column"] = json!("nowhere");
    let (st, v) = call(&app, "editor", "POST", "/api/v1/admin/items?agency=a", d).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"].as_str().unwrap().contains("栏目"), "{v}");
    let mut d = draft("某通知");
    d["body"] = json!("<script>alert(1)</script>");
    let (st, _) = call(&app, "editor", "POST", "/api/v1/admin/items?agency=a", d).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    // A reviewer cannot draft.
    let (st, _) = call(
        &app,
        "r1",
        "POST",
        "/api/v1/admin/items?agency=a",
        draft("某通知"),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert!(db.items("a", None).await.unwrap().is_empty());
}

/// Takes an item through the API up to 终审's approval.
async fn approved(app: &axum::Router, title: &str) -> i64 {
    let (st, v) = call(
        app,
        "editor",
        "POST",
        "/api/v1/admin/items?agency=a",
        draft(title),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let op = format!("/api/v1/admin/items/{id}/");
    call(app, "editor", "POST", &format!("{op}submit"), Value::Null).await;
    for (who, stage) in [
        ("r1", "first"),
        ("r2", "second"),
        ("proof", "proofread"),
        ("proof", "proofread"),
        ("proof", "proofread"),
        ("secrecy", "secrecy"),
        ("r3", "final"),
    ] {
        let (st, v) = call(
            app,
            who,
            "POST",
            &format!("{op}review"),
            json!({"stage": stage}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    id
}

/// Every page reachable from the home page by following links (the back office and its API
/// excluded), with its status and body.
async fn crawl(app: &axum::Router, extra: &[String]) -> Vec<(String, StatusCode, String)> {
    let mut todo: Vec<String> = vec!["/".into()];
    todo.extend(extra.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    while let Some(u) = todo.pop() {
        if !seen.insert(u.clone()) || seen.len() > 300 {
            continue;
        }
        let res = send(app, "GET", &u, "", &[], None).await;
        for part in res.body.split("href=\"").skip(1) {
            let link = part.split('"').next().unwrap_or("").replace("&amp;", "&");
            if link.starts_with('/')
                && !link.starts_with("/admin")
                && !link.starts_with("/api/v1/admin")
                && !link.starts_with("/static")
            {
                todo.push(link);
            }
        }
        out.push((u, res.status, res.body));
    }
    out
}

#[tokio::test]
async fn nothing_unpublished_scheduled_returned_or_withdrawn_is_reachable_anonymously() {
    let (app, _db) = world().await;
    // One item in each private state, each with a title found nowhere else.
    let (_, v) = call(
        &app,
        "editor",
        "POST",
        "/api/v1/admin/items?agency=a",
        draft("草稿甲秘"),
    )
    .await;
    let draft_id = v["id"].as_i64().unwrap();
    let (_, v) = call(
        &app,
        "editor",
        "POST",
        "/api/v1/admin/items?agency=a",
        draft("退回乙秘"),
    )
    .await;
    let returned_id = v["id"].as_i64().unwrap();
    call(
        &app,
        "editor",
        "POST",
        &format!("/api/v1/admin/items/{returned_id}/submit"),
        Value::Null,
    )
    .await;
    let (st, _) = call(
        &app,
        "r1",
        "POST",
        &format!("/api/v1/admin/items/{returned_id}/review"),
        json!({"stage": "first", "verdict": "return", "comment": "依据不全"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let approved_id = approved(&app, "待发丙秘").await;
    let scheduled_id = approved(&app, "定时丁秘").await;
    let (st, v) = call(
        &app,
        "head",
        "POST",
        &format!("/api/v1/admin/items/{scheduled_id}/schedule"),
        json!({"at": "2099-01-01T09:00:00+08:00"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let withdrawn_id = approved(&app, "撤回戊秘").await;
    call(
        &app,
        "head",
        "POST",
        &format!("/api/v1/admin/items/{withdrawn_id}/publish"),
        Value::Null,
    )
    .await;
    let (st, v) = call(
        &app,
        "head",
        "POST",
        &format!("/api/v1/admin/items/{withdrawn_id}/withdraw"),
        json!({"reason": "内容有误"}),
    )
    .await;
    assert_eq!(
        (st, v["state"].as_str()),
        (StatusCode::OK, Some("withdrawn"))
    );
    let public_id = approved(&app, "公开己文").await;
    call(
        &app,
        "head",
        "POST",
        &format!("/api/v1/admin/items/{public_id}/publish"),
        Value::Null,
    )
    .await;

    let ids = [
        draft_id,
        returned_id,
        approved_id,
        scheduled_id,
        withdrawn_id,
        public_id,
    ];
    let direct: Vec<String> = ids
        .iter()
        .map(|i| format!("/agencies/a/items/{i}"))
        .collect();
    let pages = crawl(&app, &direct).await;
    assert!(pages.len() > 10, "{}", pages.len());
    for (u, st, body) in &pages {
        for secret in ["草稿甲秘", "退回乙秘", "待发丙秘", "定时丁秘", "撤回戊秘"]
        {
            assert!(!body.contains(secret), "{secret} leaks on {u}");
        }
        if let Some(i) = ids[..5]
            .iter()
            .find(|i| *u == format!("/agencies/a/items/{i}"))
        {
            assert_eq!(*st, StatusCode::NOT_FOUND, "item {i}");
        }
    }
    // The published item is listed in its column and shows its publication history.
    let page = pages
        .iter()
        .find(|(u, _, _)| *u == format!("/agencies/a/items/{public_id}"))
        .unwrap();
    assert_eq!(page.1, StatusCode::OK);
    assert!(
        page.2.contains("公开己文") && page.2.contains("a/2024-0000"),
        "{}",
        page.2
    );
    assert!(page.2.contains("发布记录") && page.2.contains("a公管发〔2024〕3号"));
    let column = pages
        .iter()
        .find(|(u, _, _)| u == "/agencies/a/columns/fees")
        .unwrap();
    assert!(column.2.contains("公开己文"));
    // The home page of the agency shows the log's head.
    let home = pages.iter().find(|(u, _, _)| u == "/agencies/a").unwrap();
    assert!(home.2.contains("共 3 条"), "{}", home.2);
}
