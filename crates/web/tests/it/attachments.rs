//! Attachments of catalogue items: uploaded to the version in work (API and form), judged by
//! type and content, their text checked before 终审 may approve, frozen with the version, served
//! publicly only once published, carried into a correction.

use axum::http::StatusCode;
use gongkai_domain::publishing::sha256_hex;
use gongkai_export::testing::docx_with_text;
use serde_json::{Value, json};

use crate::admin::{Res, send, send_bytes, session};
use crate::items::{approve, call, drafted, world};

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// `PUT`s `bytes` as attachment `name` of item `id`, with `who`'s token.
async fn put(app: &axum::Router, who: &str, id: i64, name: &str, bytes: Vec<u8>) -> Res {
    let auth = format!("Bearer t-{who}");
    let uri = format!(
        "/api/v1/admin/items/{id}/attachments/{}",
        gongkai_web::urlenc::enc(name)
    );
    send_bytes(
        app,
        "PUT",
        &uri,
        "",
        &[("authorization", auth.as_str())],
        Some(("application/octet-stream", bytes)),
    )
    .await
}

fn json_of(res: &Res) -> Value {
    serde_json::from_str(&res.body).unwrap_or(Value::Null)
}

/// The kinds and places of the findings on an item's latest version.
async fn findings(app: &axum::Router, id: i64) -> Vec<(String, String)> {
    let (st, v) = call(
        app,
        "editor",
        "GET",
        &format!("/api/v1/admin/items/{id}"),
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f[0]["kind"].as_str().unwrap().to_string(),
                f[0]["place"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn attachments_are_checked_frozen_and_served_only_once_published() {
    let (app, db) = world().await;
    let id = drafted(&app, "关于开标场地预约的通知").await;

    // A DOCX whose text holds a mobile number, and an empty text file.
    let leaky = docx_with_text(&["报名须知", "联系人：王某，手机 13800138000"]);
    let res = put(&app, "editor", id, "报名须知.docx", leaky.clone()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let row = json_of(&res);
    assert_eq!(row["content_type"], DOCX);
    assert_eq!(row["size"], leaky.len());
    assert_eq!(row["sha256"], sha256_hex(&leaky));
    let res = put(&app, "editor", id, "说明.txt", Vec::new()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

    // Refused, naming the field, and nothing written: a type not allowed, content that is not
    // what the extension says, another agency's editor.
    let res = put(&app, "editor", id, "页面.html", b"<script>".to_vec()).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("附件") && res.body.contains("类型不允许"));
    let res = put(&app, "editor", id, "图.png", b"<html>".to_vec()).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("与扩展名不符"), "{}", res.body);
    let res = put(&app, "editor-b", id, "b.txt", b"b".to_vec()).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let (_, v) = call(
        &app,
        "editor",
        "GET",
        &format!("/api/v1/admin/items/{id}"),
        Value::Null,
    )
    .await;
    let names: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["报名须知.docx", "说明.txt"]);

    // The checks read the attachment's text.
    let found = findings(&app, id).await;
    assert!(
        found.contains(&("mobile".into(), "附件：报名须知.docx".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("empty_attachment".into(), "附件：说明.txt".into())),
        "{found:?}"
    );

    // 终审 cannot approve while they stand.
    let op = |o: &str| format!("/api/v1/admin/items/{id}/{o}");
    let (st, v) = call(&app, "editor", "POST", &op("submit"), Value::Null).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // A version in review takes no attachment.
    let res = put(&app, "editor", id, "迟到.txt", b"x".to_vec()).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    for (who, stage) in [
        ("r1", "first"),
        ("r2", "second"),
        ("proof", "proofread"),
        ("proof", "proofread"),
        ("proof", "proofread"),
        ("secrecy", "secrecy"),
    ] {
        let (st, v) = call(
            &app,
            who,
            "POST",
            &op("review"),
            json!({"stage": stage, "verdict": "pass"}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    let (st, v) = call(
        &app,
        "r3",
        "POST",
        &op("review"),
        json!({"stage": "final", "verdict": "pass"}),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("2 项问题未处理"),
        "{v}"
    );
    let (st, v) = call(
        &app,
        "r3",
        "POST",
        &op("review"),
        json!({"stage": "final", "verdict": "return", "comment": "附件含个人手机号，空附件请删除"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");

    // Fixed: the empty file removed, the DOCX replaced under the same name.
    let del = send(
        &app,
        "DELETE",
        &format!(
            "/api/v1/admin/items/{id}/attachments/{}",
            gongkai_web::urlenc::enc("说明.txt")
        ),
        "",
        &[("authorization", "Bearer t-editor")],
        None,
    )
    .await;
    assert_eq!(del.status, StatusCode::OK, "{}", del.body);
    let clean = docx_with_text(&["报名须知", "咨询电话见本中心网站"]);
    let res = put(&app, "editor", id, "报名须知.docx", clean.clone()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert!(findings(&app, id).await.is_empty());

    // Not public before publication.
    let href = format!(
        "/agencies/a/items/{id}/files/1/{}",
        gongkai_web::urlenc::enc("报名须知.docx")
    );
    assert_eq!(
        send(&app, "GET", &href, "", &[], None).await.status,
        StatusCode::NOT_FOUND
    );
    approve(&app, id).await;
    let (st, v) = call(&app, "head", "POST", &op("publish"), Value::Null).await;
    assert_eq!(st, StatusCode::OK, "{v}");

    // The public page links the file; the file is the bytes uploaded, with its type.
    let page = send(
        &app,
        "GET",
        &format!("/agencies/a/items/{id}"),
        "",
        &[],
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&href), "{}", page.body);
    assert!(page.body.contains(&sha256_hex(&clean)));
    let file = send(&app, "GET", &href, "", &[], None).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.raw, clean);
    let header = |k: &str| {
        file.headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(header("content-type"), DOCX);
    assert!(
        header("content-disposition").contains("filename*=UTF-8''"),
        "{}",
        header("content-disposition")
    );
    // The log hashes the attachment: the chain verifies.
    let chains = db.verify_log(Some("a")).await.unwrap();
    assert!(chains.iter().all(|c| c.broken.is_none()), "{chains:?}");

    // A correction starts with the public version's attachments; its own are not public.
    let (st, v) = call(&app, "editor", "POST", &op("correct"), Value::Null).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (_, v) = call(
        &app,
        "editor",
        "GET",
        &format!("/api/v1/admin/items/{id}"),
        Value::Null,
    )
    .await;
    let v2: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["version"] == 2)
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(v2, ["报名须知.docx"]);
    let res = put(
        &app,
        "editor",
        id,
        "补充.txt",
        "补充说明".as_bytes().to_vec(),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let v2_href = format!(
        "/agencies/a/items/{id}/files/2/{}",
        gongkai_web::urlenc::enc("补充.txt")
    );
    assert_eq!(
        send(&app, "GET", &v2_href, "", &[], None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&app, "GET", &href, "", &[], None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_item_page_uploads_and_removes_attachments_with_its_csrf_token() {
    let (app, _db) = world().await;
    let id = drafted(&app, "关于交易服务的通知").await;
    let (cookie, _) = session(&app, "editor").await;
    let page = send(
        &app,
        "GET",
        &format!("/admin/items/{id}"),
        &cookie,
        &[],
        None,
    )
    .await;
    let csrf = crate::admin::hidden_csrf(&page.body);
    let boundary = "gkboundary7MA4YWxk";
    let multipart = |name: &str, content: &[u8]| {
        let mut b = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        b.extend_from_slice(content);
        b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        b
    };
    let ct = format!("multipart/form-data; boundary={boundary}");
    // Without the CSRF token: refused.
    let res = send_bytes(
        &app,
        "POST",
        &format!("/admin/items/{id}/attachments"),
        &cookie,
        &[],
        Some((ct.as_str(), multipart("a.txt", b"x"))),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let res = send_bytes(
        &app,
        "POST",
        &format!("/admin/items/{id}/attachments?csrf={csrf}"),
        &cookie,
        &[],
        Some((
            ct.as_str(),
            multipart("办事指南.txt", "办事指南全文".as_bytes()),
        )),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = send(
        &app,
        "GET",
        &format!("/admin/items/{id}"),
        &cookie,
        &[],
        None,
    )
    .await;
    assert!(page.body.contains("办事指南.txt"), "{}", page.body);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    // A wrong type from the form: 422 naming the field.
    let res = send_bytes(
        &app,
        "POST",
        &format!("/admin/items/{id}/attachments?csrf={csrf}"),
        &cookie,
        &[],
        Some((ct.as_str(), multipart("a.exe", b"MZ"))),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("附件"), "{}", res.body);
    let res = send(
        &app,
        "POST",
        &format!("/admin/items/{id}/attachments/remove"),
        &cookie,
        &[],
        Some((
            "application/x-www-form-urlencoded",
            format!(
                "csrf={csrf}&name={}",
                gongkai_web::urlenc::enc("办事指南.txt")
            ),
        )),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = send(
        &app,
        "GET",
        &format!("/admin/items/{id}"),
        &cookie,
        &[],
        None,
    )
    .await;
    assert!(page.body.contains("没有附件"), "{}", page.body);
}
