//! Disclosure items through the back-office API: a draft taken through 三审三校 and 保密审查 to
//! publication by the people of the office, each with their own token; another agency's token
//! and the author's own review refused; the list of contracts.md §7.

use axum::http::StatusCode;
use gongkai_db::{AuditEntry, Db};
use gongkai_domain::auth::Role;
use gongkai_domain::ledger::NewAgency;
use serde_json::{Value, json};

use crate::admin::{PASSWORD, add_token, form, hidden_csrf, send, session};

/// Agencies `a` and `b`; in `a` one user per workflow role (`editor`, `r1`, `r2`, `r3`,
/// `proof`, `secrecy`, `head`), in `b` an editor `editor-b`; each with the token `t-NAME`.
pub(crate) async fn world() -> (axum::Router, Db) {
    world_on(gongkai_db::testing::fresh_db().await).await
}

/// [`world`] in the given (empty, migrated) database.
pub(crate) async fn world_on(db: Db) -> (axum::Router, Db) {
    let hash = gongkai_web::auth::hash_password(PASSWORD).unwrap();
    gongkai_db::testing::office(&db, "a", &hash).await.unwrap();
    db.add_agency(&NewAgency {
        code: "b".into(),
        name: "b 公共资源交易中心".into(),
        parent: None,
        established: None,
    })
    .await
    .unwrap();
    db.add_user(
        "editor-b",
        &hash,
        &[("b".to_string(), Role::Editor)],
        AuditEntry::new(None, "测试"),
    )
    .await
    .unwrap();
    let staff = gongkai_db::testing::OFFICE_STAFF.iter().map(|(n, _)| *n);
    for name in staff.chain(["editor-b"]) {
        add_token(&db, name, &format!("t-{name}")).await;
    }
    let config = gongkai_web::WebConfig {
        login_attempts_per_minute: 1000,
        ..Default::default()
    };
    (gongkai_web::router_with(db.clone(), config), db)
}

pub(crate) async fn call(
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

pub(crate) fn draft(title: &str) -> Value {
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

/// Creates a draft item in agency `a` through the API, as its editor; its id.
pub(crate) async fn drafted(app: &axum::Router, title: &str) -> i64 {
    let (st, v) = call(
        app,
        "editor",
        "POST",
        "/api/v1/admin/items?agency=a",
        draft(title),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
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
    approve(app, id).await;
    id
}

/// Takes the version in work of item `id` through submission and every review stage, each by
/// its own role's token.
/// The head of office publishes item `id` (approved before); the answer's JSON.
pub(crate) async fn publish(app: &axum::Router, id: i64) -> Value {
    let (st, v) = call(
        app,
        "head",
        "POST",
        &format!("/api/v1/admin/items/{id}/publish"),
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v
}

pub(crate) async fn approve(app: &axum::Router, id: i64) {
    let op = format!("/api/v1/admin/items/{id}/");
    let (st, v) = call(app, "editor", "POST", &format!("{op}submit"), Value::Null).await;
    assert_eq!(st, StatusCode::OK, "{v}");
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
            json!({"stage": stage, "verdict": "pass"}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{who} {stage}: {v}");
    }
}

/// Every page reachable from the home page by following links (the back office and its API
/// excluded), with its status and body.
pub(crate) async fn crawl(
    app: &axum::Router,
    extra: &[String],
) -> Vec<(String, StatusCode, String)> {
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

#[tokio::test]
async fn an_item_goes_through_the_whole_workflow_in_the_back_office() {
    let (app, db) = world().await;
    let (cookie, _) = session(&app, "editor").await;
    let page = send(&app, "GET", "/admin/items/new?agency=a", &cookie, &[], None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = hidden_csrf(&page.body);
    assert!(page.body.contains("生成日期") && page.body.contains("法规文件"));
    let fields = [
        ("csrf", csrf.as_str()),
        ("title", "关于调整开标室预约方式的通知"),
        ("summary", ""),
        ("body", "<p>自即日起网上预约。</p>"),
        ("doc_no", ""),
        ("publisher", "a 公共资源交易中心"),
        ("formed_on", "2024-06-03"),
        ("repealed_on", ""),
        ("attr", "proactive"),
        ("legal_ground", ""),
        ("doc_kind", "other"),
        ("art20_item", ""),
        ("column", "functions"),
        ("change_note", ""),
    ];
    // A bad date is named and writes nothing.
    let mut bad = fields.to_vec();
    bad[6] = ("formed_on", "2024-13-01");
    let res = send(
        &app,
        "POST",
        "/admin/items/new?agency=a",
        &cookie,
        &[],
        form(&bad),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("生成日期"), "{}", res.body);
    assert!(db.items("a", None).await.unwrap().is_empty());
    let res = send(
        &app,
        "POST",
        "/admin/items/new?agency=a",
        &cookie,
        &[],
        form(&fields),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let href = res.location.clone();
    let step = format!("{href}/step");
    let res = send(
        &app,
        "POST",
        &step,
        &cookie,
        &[],
        form(&[("csrf", &csrf), ("op", "submit")]),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    for (who, stage) in [
        ("r1", "first"),
        ("r2", "second"),
        ("proof", "proofread"),
        ("proof", "proofread"),
        ("proof", "proofread"),
        ("secrecy", "secrecy"),
        ("r3", "final"),
    ] {
        let (cookie, _) = session(&app, who).await;
        let page = send(&app, "GET", &href, &cookie, &[], None).await;
        let csrf = hidden_csrf(&page.body);
        assert!(
            page.body.contains(&format!("value=\"{stage}\"")),
            "{who} sees no {stage} form"
        );
        let res = send(
            &app,
            "POST",
            &step,
            &cookie,
            &[],
            form(&[
                ("csrf", &csrf),
                ("op", "review"),
                ("stage", stage),
                ("verdict", "pass"),
                ("comment", ""),
            ]),
        )
        .await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "{who} {stage}: {}",
            res.body
        );
    }
    let (cookie, _) = session(&app, "head").await;
    let page = send(&app, "GET", &href, &cookie, &[], None).await;
    let csrf = hidden_csrf(&page.body);
    assert!(page.body.contains("立即发布"), "{}", page.body);
    let res = send(
        &app,
        "POST",
        &step,
        &cookie,
        &[],
        form(&[("csrf", &csrf), ("op", "publish")]),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = send(&app, "GET", &href, &cookie, &[], None).await;
    assert!(
        page.body.contains("已发布") && page.body.contains("发布日志"),
        "{}",
        page.body
    );
    let list = send(
        &app,
        "GET",
        "/admin/items?agency=a&state=published",
        &cookie,
        &[],
        None,
    )
    .await;
    assert!(list.body.contains("关于调整开标室预约方式的通知"));
    // Formed on 2024-06-03 and published only now: late against art. 26. A draft formed then is
    // in the overdue queue; the published item is not.
    assert!(
        list.body.contains("超期公开") && list.body.contains("2024-07-02"),
        "{}",
        list.body
    );
    call(
        &app,
        "editor",
        "POST",
        "/api/v1/admin/items?agency=a",
        draft("仍未公开的旧稿"),
    )
    .await;
    let queue = send(
        &app,
        "GET",
        "/admin/items?agency=a&queue=overdue",
        &cookie,
        &[],
        None,
    )
    .await;
    assert!(
        queue.body.contains("仍未公开的旧稿") && queue.body.contains("已超期未公开"),
        "{}",
        queue.body
    );
    assert!(!queue.body.contains("关于调整开标室预约方式的通知"));
    // Another agency's editor gets 403 on the page and on a step.
    let (cookie_b, _) = session(&app, "editor-b").await;
    let csrf_b = hidden_csrf(
        &send(&app, "GET", "/admin/items?agency=b", &cookie_b, &[], None)
            .await
            .body,
    );
    assert_eq!(
        send(&app, "GET", &href, &cookie_b, &[], None).await.status,
        StatusCode::FORBIDDEN
    );
    let res = send(
        &app,
        "POST",
        &step,
        &cookie_b,
        &[],
        form(&[("csrf", &csrf_b), ("op", "correct")]),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_jiedu_names_its_policy_and_each_public_page_links_the_other() {
    let (app, _db) = world().await;
    let policy = approved(&app, "关于交易服务收费的通知").await;
    let (st, v) = call(
        &app,
        "head",
        "POST",
        &format!("/api/v1/admin/items/{policy}/publish"),
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let jiedu = |interprets: Value| {
        let mut d = draft("《关于交易服务收费的通知》政策解读");
        d["doc_no"] = Value::Null;
        d["doc_kind"] = json!("other");
        d["interprets"] = interprets;
        d
    };
    // Another agency's item, a missing one, nonsense: 422 naming the field, nothing written.
    let (_, b) = call(&app, "editor-b", "POST", "/api/v1/admin/items?agency=b", {
        let mut d = draft("b 的通知");
        d["publisher"] = json!("b 公共资源交易中心");
        d
    })
    .await;
    for bad in [b["id"].clone(), json!(999_999), json!(-1)] {
        let (st, v) = call(
            &app,
            "editor",
            "POST",
            "/api/v1/admin/items?agency=a",
            jiedu(bad.clone()),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
        assert!(v["error"].as_str().unwrap().contains("所解读的政策"), "{v}");
    }
    let (st, v) = call(
        &app,
        "editor",
        "POST",
        "/api/v1/admin/items?agency=a",
        jiedu(json!(policy)),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    // Not public yet: the policy's page does not mention it.
    let page = send(
        &app,
        "GET",
        &format!("/agencies/a/items/{policy}"),
        "",
        &[],
        None,
    )
    .await;
    assert!(!page.body.contains("政策解读："), "{}", page.body);
    approve(&app, id).await;
    crate::items::publish(&app, id).await;
    let page = send(
        &app,
        "GET",
        &format!("/agencies/a/items/{policy}"),
        "",
        &[],
        None,
    )
    .await;
    assert!(
        page.body
            .contains(&format!("政策解读：<a href=\"/agencies/a/items/{id}\">")),
        "{}",
        page.body
    );
    let page = send(
        &app,
        "GET",
        &format!("/agencies/a/items/{id}"),
        "",
        &[],
        None,
    )
    .await;
    assert!(
        page.body.contains(&format!(
            "所解读的政策：<a href=\"/agencies/a/items/{policy}\">"
        )),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn an_agency_admin_edits_its_column_tree_and_nothing_in_use_is_removed() {
    let (app, db) = world().await;
    db.add_user(
        "admin-a",
        "!",
        &[("a".to_string(), Role::Admin)],
        AuditEntry::new(None, "测试"),
    )
    .await
    .unwrap();
    add_token(&db, "admin-a", "t-admin-a").await;
    let uri = "/api/v1/admin/columns?agency=a";
    let col = |code: &str, name: &str, parent: Option<&str>| json!({"code": code, "name": name, "parent": parent});
    let (st, v) = call(
        &app,
        "admin-a",
        "PUT",
        uri,
        col("policy", "政策文件", Some("statutory")),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, v) = call(&app, "admin-a", "GET", uri, Value::Null).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "policy" && c["parent"] == "statutory"),
        "{v}"
    );
    // Refused, naming the field: a child under a child, an unknown parent, a bad code.
    for bad in [
        col("x", "x", Some("fees")),
        col("x", "x", Some("nowhere")),
        col("政策", "x", None),
    ] {
        let (st, v) = call(&app, "admin-a", "PUT", uri, bad.clone()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
        assert!(v["error"].as_str().unwrap().contains("栏目"), "{v}");
    }
    // Only the agency's admin edits it.
    let (st, _) = call(&app, "editor", "PUT", uri, col("y", "y", None)).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // An item in the new column keeps it from being removed; the reports' column stays.
    let mut d = draft("关于政策文件的通知");
    d["column"] = json!("policy");
    let (st, v) = call(&app, "editor", "POST", "/api/v1/admin/items?agency=a", d).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    for code in ["policy", "annual", "statutory"] {
        let (st, v) = call(
            &app,
            "admin-a",
            "DELETE",
            &format!("/api/v1/admin/columns/{code}?agency=a"),
            Value::Null,
        )
        .await;
        assert_eq!(st, StatusCode::CONFLICT, "{code}: {v}");
    }
    let (st, v) = call(&app, "admin-a", "PUT", uri, col("empty", "空栏目", None)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, v) = call(
        &app,
        "admin-a",
        "DELETE",
        "/api/v1/admin/columns/empty?agency=a",
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (_, v) = call(&app, "admin-a", "GET", uri, Value::Null).await;
    assert!(!v.as_array().unwrap().iter().any(|c| c["code"] == "empty"));
}

/// The public pages' cache: a public page asked twice is answered from memory the second time;
/// a publication through this server shows on the next request; one made by another process
/// (straight into the database) shows once the server reads the public change log (within
/// its check interval, polled here for at most 10 s); private pages are never kept.
#[tokio::test]
async fn public_pages_are_kept_in_memory_and_follow_the_public_change_log() {
    let (app, db) = world().await;
    let column = "/agencies/a/columns/fees";
    let get = async |uri: &str| send(&app, "GET", uri, "", &[], None).await;
    let first = get(column).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.headers.get("x-cache").is_none());
    let again = get(column).await;
    assert_eq!(
        again.headers.get("x-cache").map(|v| v.as_bytes()),
        Some(&b"hit"[..])
    );
    assert_eq!(again.body, first.body);
    assert!(again.headers.get("content-security-policy").is_some());

    // Published through this server: the next request sees it.
    let id = drafted(&app, "关于调整交易服务收费标准的通知").await;
    approve(&app, id).await;
    publish(&app, id).await;
    assert!(
        get(column)
            .await
            .body
            .contains("关于调整交易服务收费标准的通知")
    );

    // Published by another process: seen within the check interval.
    let other = drafted(&app, "关于启用不见面开标系统的通知").await;
    let at = time::OffsetDateTime::now_utc();
    get(column).await;
    gongkai_db::testing::publish_by_office(&db, other, at)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let page = get(column).await;
        if page.body.contains("关于启用不见面开标系统的通知") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the change log was not followed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Never kept: the back office, the request pages, search-like personal lookups.
    for uri in ["/admin/login", "/requests/new", "/requests/status?code=X"] {
        get(uri).await;
        let r = get(uri).await;
        assert!(r.headers.get("x-cache").is_none(), "{uri} was kept");
    }
}

/// Many requests for a page that is not in the cache at the same moment (after a publication
/// emptied it): the page is computed once, every other request is answered from the cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_asked_for_many_times_at_once_is_computed_once() {
    let (app, _db) = world().await;
    let id = drafted(&app, "关于交易场所开放时间的通知").await;
    approve(&app, id).await;
    publish(&app, id).await;
    let uri = "/agencies/a/columns/fees";
    let asks = (0..24).map(|_| {
        let app = app.clone();
        tokio::spawn(async move { send(&app, "GET", uri, "", &[], None).await })
    });
    let mut computed = 0;
    for ask in asks {
        let res = ask.await.unwrap();
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("关于交易场所开放时间的通知"));
        if res.headers.get("x-cache").is_none() {
            computed += 1;
        }
    }
    assert_eq!(computed, 1);
}

/// A column lists its public items 20 a page, newest first, with links to the pages either
/// side; a bad page number is named in Chinese and the first page shown.
#[tokio::test]
async fn a_column_is_paged() {
    let (app, db) = world().await;
    let start = time::OffsetDateTime::now_utc() - time::Duration::days(30);
    for n in 1..=21 {
        let id = drafted(&app, &format!("第{n}号通知")).await;
        gongkai_db::testing::publish_by_office(&db, id, start + time::Duration::hours(n))
            .await
            .unwrap();
    }
    let get = async |uri: &str| send(&app, "GET", uri, "", &[], None).await.body;
    let titles = |page: &str| {
        (1..=21)
            .filter(|n| page.contains(&format!(">第{n}号通知<")))
            .collect::<Vec<_>>()
    };
    let first = get("/agencies/a/columns/fees").await;
    assert_eq!(titles(&first), (2..=21).collect::<Vec<_>>(), "{first}");
    assert!(first.contains("共 21 条，第 1 / 2 页"), "{first}");
    assert!(first.contains("href=\"/agencies/a/columns/fees?page=2\" rel=\"next\""));
    assert!(first.find(">第21号通知<") < first.find(">第2号通知<"));
    let second = get("/agencies/a/columns/fees?page=2").await;
    assert_eq!(titles(&second), [1]);
    assert!(second.contains("rel=\"prev\""));
    for bad in ["0", "abc", "9999"] {
        let page = get(&format!("/agencies/a/columns/fees?page={bad}")).await;
        assert!(page.contains("字段“页码”（page）须为"), "{bad}: {page}");
        assert_eq!(titles(&page).len(), 20);
    }
}

/// The 政府信息公开指南 is generated: the agency admin enters the working office's contacts in
/// the back office (a bad telephone is named and nothing is saved; an editor may not), and the
/// guide's column shows them with the column tree, the request form's link and the law's
/// time limits.
#[tokio::test]
async fn the_guide_is_generated_from_the_agencys_contacts_and_column_tree() {
    let (app, db) = world().await;
    let hash = gongkai_web::auth::hash_password(PASSWORD).unwrap();
    db.add_user(
        "admin-a",
        &hash,
        &[("a".to_string(), Role::Admin)],
        AuditEntry::new(None, "测试"),
    )
    .await
    .unwrap();
    let guide = "/agencies/a/columns/guide";
    let page = send(&app, "GET", guide, "", &[], None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("联系方式尚未设置"));
    assert!(page.body.contains("/requests/new?agency=a"));
    assert!(page.body.contains("20 个工作日") && page.body.contains("第五十一条"));
    assert!(page.body.contains("交易信息") && page.body.contains("政府信息公开年报"));

    let post = async |who: &str, phone: &str| {
        let (cookie, _) = session(&app, who).await;
        let form_page = send(&app, "GET", "/admin/columns?agency=a", &cookie, &[], None).await;
        let csrf = hidden_csrf(&form_page.body);
        send(
            &app,
            "POST",
            "/admin/columns?agency=a",
            &cookie,
            &[],
            form(&[
                ("csrf", &csrf),
                ("op", "guide"),
                ("office", "a 公共资源交易中心办公室"),
                ("address", "某市某路 1 号"),
                ("hours", "工作日 8:30-12:00，14:30-18:00"),
                ("phone", phone),
                ("email", "gk@example.gov.cn"),
            ]),
        )
        .await
    };
    let bad = post("admin-a", "请拨打总机").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("联系电话"), "{}", bad.body);
    let a = db.agency("a").await.unwrap();
    assert!(
        db.guide_contacts(a.id).await.unwrap().is_empty(),
        "nothing saved"
    );
    let denied = post("editor", "0953-1234567").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
    assert!(
        db.guide_contacts(a.id).await.unwrap().is_empty(),
        "nothing saved"
    );
    let ok = post("admin-a", "0953-1234567").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.body.contains("已保存政府信息公开指南的联系信息"));

    let page = send(&app, "GET", guide, "", &[], None).await;
    for want in [
        "a 公共资源交易中心办公室",
        "某市某路 1 号",
        "0953-1234567",
        "gk@example.gov.cn",
        "办公时间",
    ] {
        assert!(page.body.contains(want), "{want}: {}", page.body);
    }
    assert!(
        !page.body.contains("传真号码"),
        "an empty field is not shown"
    );
}
