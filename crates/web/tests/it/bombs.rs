//! Decompression bombs uploaded to the report auditor are refused within 5 s with a Chinese
//! message, and the server keeps answering `/healthz` while they are being refused.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use gongkai_export::testing::{docx_bomb, pdf_bomb, use_built_reader};

use crate::admin::{add_token, send};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bombs_are_refused_while_the_server_keeps_answering() {
    use_built_reader();
    let db = gongkai_db::testing::fresh_db().await;
    db.add_agency(&gongkai_domain::ledger::NewAgency {
        code: "a".into(),
        name: "某中心".into(),
        parent: None,
        established: None,
    })
    .await
    .unwrap();
    let hash = gongkai_web::auth::hash_password(crate::admin::PASSWORD).unwrap();
    db.add_user(
        "sys",
        &hash,
        &[("a".into(), gongkai_domain::auth::Role::System)],
        gongkai_db::AuditEntry::new(None, "测试"),
    )
    .await
    .unwrap();
    let token = gongkai_web::auth::random_token();
    add_token(&db, "sys", &token).await;
    let bearer = format!("Bearer {token}");
    let app = gongkai_web::router(db);
    for (name, bytes) in [
        ("bomb.pdf", pdf_bomb(1536)),
        ("bomb.docx", docx_bomb(1536, None)),
    ] {
        let upload = {
            let app = app.clone();
            let bearer = bearer.clone();
            let body = bytes.clone();
            tokio::spawn(async move {
                let t = Instant::now();
                let uri = format!("/api/v1/admin/audit?name={name}");
                let auth = [("authorization", bearer.as_str())];
                // The body is binary: send it as lossless bytes through the helper's string.
                let res = send_bytes(&app, &uri, &auth, body).await;
                (res, t.elapsed())
            })
        };
        // Meanwhile the server answers (at least once, even when the bomb is refused
        // before the first health check could start).
        let mut answered = 0;
        loop {
            let h = send(&app, "GET", "/healthz", "", &[], None).await;
            assert_eq!(h.status, StatusCode::OK);
            answered += 1;
            if upload.is_finished() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let ((status, body), took) = upload.await.unwrap();
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::PAYLOAD_TOO_LARGE,
            "{name}: {status} {body}"
        );
        assert!(
            body.contains("上限") || body.contains("炸弹") || body.contains("超过"),
            "{name}: {body}"
        );
        assert!(took < Duration::from_secs(5), "{name} took {took:?}");
        assert!(answered > 0);
    }
}

async fn send_bytes(
    app: &axum::Router,
    uri: &str,
    extra: &[(&str, &str)],
    body: Vec<u8>,
) -> (StatusCode, String) {
    let res = crate::admin::send_bytes(
        app,
        "POST",
        uri,
        "",
        extra,
        Some(("application/octet-stream", body)),
    )
    .await;
    (res.status, res.body)
}
