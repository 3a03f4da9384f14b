//! The portal over HTTP (the router driven in-process), on the test backend.

#![allow(clippy::unwrap_used, clippy::field_reassign_with_default)]

mod accounts;
mod admin;
mod annual;
mod attachments;
mod bombs;
mod browser;
mod dashboard;
mod items;
mod load;
mod matrix;
mod metrics;
mod public;
mod records;
mod replica;
mod search;
mod trading;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use gongkai_db::testing::fresh_db;
use http_body_util::BodyExt;
use tower::ServiceExt;

pub(crate) async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, Vec<u8>) {
    let res = app
        .clone()
        .oneshot(
            Request::builder()
                .uri(uri)
                .body(Body::empty())
                .unwrap_or_default(),
        )
        .await
        .unwrap_or_else(|e| match e {});
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = res
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    (status, ct, body)
}

#[tokio::test]
async fn the_demo_portal_lists_and_serves_the_reports() {
    let db = fresh_db().await;
    gongkai_web::annual::load_demo(&db, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let app = gongkai_web::router(db);

    let (s, _, body) = get(&app, "/healthz").await;
    assert_eq!((s, body.as_slice()), (StatusCode::OK, b"ok".as_slice()));

    // One agency: the home page is its page, listing its reports with downloads.
    let (s, ct, body) = get(&app, "/").await;
    let home = String::from_utf8_lossy(&body);
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("text/html"));
    assert!(home.contains("吴忠市公共资源交易服务中心"));
    assert!(home.contains("href=\"/agencies/wuzhong-ggzy/reports/2024\""));
    assert!(home.contains("/agencies/wuzhong-ggzy/reports/2024.docx"));
    assert!(home.contains("/agencies/wuzhong-ggzy/reports/2024.xlsx"));
    assert!(home.contains("/agencies/wuzhong-ggzy/reports/2024.json"));
    assert!(home.contains("/agencies/wuzhong-ggzy/reports/2024.pdf"));
    // Published through the workflow on 20 January, as the demo's staff did.
    assert!(home.contains("2025-01-20 10:00"));
    assert!(home.contains("吴忠市公共资源交易服务中心2025年政府信息公开工作年度报告"));
    assert!(
        !home.contains("2023年"),
        "no report before the establishment year"
    );

    let (s, _, body) = get(&app, "/agencies/wuzhong-ggzy/reports/2024").await;
    let page = String::from_utf8_lossy(&body);
    assert_eq!(s, StatusCode::OK);
    for t in [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ] {
        assert!(page.contains(t), "{t}");
    }
    assert!(page.contains("5800余条"));
    assert!(!page.contains("报告未通过勾稽关系校验"));
    assert!(
        !page.contains("src=\"http") && !page.contains("href=\"http"),
        "no external assets"
    );

    let (s, ct, body) = get(&app, "/agencies/wuzhong-ggzy/reports/2024.docx").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.contains("wordprocessingml"));
    assert!(body.starts_with(b"PK"));
    let (_, ct, body) = get(&app, "/agencies/wuzhong-ggzy/reports/2024.xlsx").await;
    assert!(ct.contains("spreadsheetml") && body.starts_with(b"PK"));
    let (s, ct, body) = get(&app, "/agencies/wuzhong-ggzy/reports/2024.pdf").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        ct == "application/pdf" && body.starts_with(b"%PDF-"),
        "{ct}"
    );
    let (_, ct, body) = get(&app, "/agencies/wuzhong-ggzy/reports/2024.json").await;
    assert!(ct.starts_with("application/json"));
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    assert_eq!(v["figures"]["sections_full_process"], 977);

    // Errors are Chinese pages with the right status.
    let (s, _, body) = get(&app, "/agencies/nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&body).contains("未找到机构"));
    let (s, ct, body) = get(&app, "/agencies/wuzhong-ggzy/reports/2024.pdf").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ct, "application/pdf");
    assert!(body.starts_with(b"%PDF-"));
    // Only published reports are public (contracts.md §7): a year before the establishment
    // and the year in progress have none.
    for year in [2023, (time::OffsetDateTime::now_utc().year())] {
        let (s, _, body) = get(&app, &format!("/agencies/wuzhong-ggzy/reports/{year}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{year}");
        assert!(String::from_utf8_lossy(&body).contains("尚未发布"));
        let (s, _, _) = get(&app, &format!("/agencies/wuzhong-ggzy/reports/{year}.json")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{year}");
    }
    let (s, _, body) = get(&app, "/no/such/page").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&body).contains("页面不存在"));
}

#[tokio::test]
async fn several_agencies_get_a_list() {
    let db = fresh_db().await;
    for (c, n) in [("a", "甲中心"), ("b", "乙中心<script>")] {
        db.add_agency(&gongkai_domain::ledger::NewAgency {
            code: c.into(),
            name: n.into(),
            parent: None,
            established: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let app = gongkai_web::router(db);
    let (s, _, body) = get(&app, "/").await;
    let page = String::from_utf8_lossy(&body);
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("href=\"/agencies/a\"") && page.contains("甲中心"));
    assert!(
        page.contains("乙中心&#60;script&#62;") || page.contains("乙中心&lt;script&gt;"),
        "{page}"
    );
}

/// A report published before PDFs were frozen with the other files has none stored: its PDF
/// is a Chinese 404, like any format its version was not frozen with (typesetting it from the
/// frozen page lost the sections' tables on the demo report, so it is not offered).
#[tokio::test]
async fn a_report_frozen_without_a_pdf_has_no_pdf() {
    let db = fresh_db().await;
    let today = gongkai_domain::period::beijing_date(time::OffsetDateTime::now_utc());
    db.load_demo_as_of(false, today)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let without_pdf = |r: &gongkai_domain::report::AnnualReport, t: Option<&str>| {
        let mut s = gongkai_web::annual::render_snapshot(r, t)?;
        s.files.retain(|f| !f.name.ends_with(".pdf"));
        Ok(s)
    };
    db.publish_demo_reports(&[2024], &without_pdf)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let app = gongkai_web::router(db.clone());
    let (s, _, body) = get(&app, "/agencies/wuzhong-ggzy/reports/2024.pdf").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&body).contains("没有pdf格式的文件"));
    let (s, _, _) = get(&app, "/agencies/wuzhong-ggzy/reports/2024.docx").await;
    assert_eq!(s, StatusCode::OK);
}
