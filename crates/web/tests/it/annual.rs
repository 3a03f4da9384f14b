//! The annual report as a publication (contracts.md §7): a year's report is public only once
//! drafted and taken through the whole workflow; its frozen files are what the public gets; a
//! correction is a new version; the log records both and detects a changed file.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::admin::{form, hidden_csrf, send, session};
use crate::items::{approve, call, world};

fn last_year() -> i32 {
    gongkai_domain::period::beijing_date(time::OffsetDateTime::now_utc()).year() - 1
}

async fn public(app: &axum::Router, uri: &str) -> (StatusCode, String) {
    let r = send(app, "GET", uri, "", &[], None).await;
    (r.status, r.body)
}

#[tokio::test]
async fn a_report_is_public_only_once_published_and_a_correction_is_a_new_version() {
    let (app, db) = world().await;
    let year = last_year();
    let page = format!("/agencies/a/reports/{year}");
    let draft = format!("/api/v1/admin/reports/a/{year}/draft");
    // Nothing published: every form of the report is a 404, and the agency lists none.
    for ext in ["", ".json", ".docx", ".md", ".html", ".xlsx", ".pdf"] {
        let (st, body) = public(&app, &format!("{page}{ext}")).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{ext}");
        assert!(body.contains("尚未发布"), "{ext}: {body}");
    }
    assert!(
        public(&app, "/agencies/a")
            .await
            .1
            .contains("尚未发布年度报告")
    );

    // Another agency's editor may not draft it; nor may a reviewer; the year in progress
    // cannot be drafted.
    let (st, _) = call(&app, "editor-b", "POST", &draft, Value::Null).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = call(&app, "r1", "POST", &draft, Value::Null).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, v) = call(
        &app,
        "editor",
        "POST",
        &format!("/api/v1/admin/reports/a/{}/draft", year + 1),
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert!(v["error"].as_str().unwrap().contains("尚未结束"), "{v}");
    let (st, v) = call(&app, "editor", "POST", &draft, json!({"note": 1})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(db.items("a", None).await.unwrap().is_empty());

    // The editor drafts: a catalogue item in the annual-report column with six frozen files.
    let (st, v) = call(&app, "editor", "POST", &draft, Value::Null).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let id = v["item_id"].as_i64().unwrap();
    assert_eq!(v["version"], 1);
    let (_, item) = call(
        &app,
        "r1",
        "GET",
        &format!("/api/v1/admin/items/{id}"),
        Value::Null,
    )
    .await;
    assert_eq!(item["report_year"], year);
    assert_eq!(item["state"], "draft");
    assert_eq!(item["versions"][0]["fields"]["column"], "annual");
    let files = item["files"].as_array().unwrap();
    assert_eq!(files.len(), 6, "{item}");
    // Its fields are the ledger's: not edited by hand.
    let (st, v) = call(
        &app,
        "editor",
        "PUT",
        &format!("/api/v1/admin/items/{id}"),
        item["versions"][0]["fields"].clone(),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    // Redrafting a draft refreshes version 1.
    let (st, v) = call(&app, "editor", "POST", &draft, Value::Null).await;
    assert_eq!((st, v["version"].as_i64()), (StatusCode::CREATED, Some(1)));

    // In review and approved: still not public, anywhere.
    approve(&app, id).await;
    assert_eq!(public(&app, &page).await.0, StatusCode::NOT_FOUND);
    let item_page = format!("/agencies/a/items/{id}");
    assert_eq!(public(&app, &item_page).await.0, StatusCode::NOT_FOUND);
    assert!(
        !public(&app, "/agencies/a/columns/annual")
            .await
            .1
            .contains(&item_page)
    );
    assert!(!public(&app, "/agencies/a").await.1.contains(&page));
    let v = crate::items::publish(&app, id).await;
    assert_eq!(v["log"][0]["action"], "publish_report");
    assert_eq!(v["log"][0]["subject"], format!("annual-report/{year}"));

    // Public: the page, and each file exactly as frozen.
    let (st, body) = public(&app, &page).await;
    assert_eq!(st, StatusCode::OK);
    assert!(body.contains("三、收到和处理政府信息公开申请情况"));
    assert!(body.contains("首次发布"));
    let (st, ct, docx) = crate::get(&app, &format!("{page}.docx")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(ct.contains("wordprocessingml"), "{ct}");
    let frozen = db
        .item_file(id, 1, &format!("a-{year}-annual-report.docx"))
        .await
        .unwrap()
        .unwrap();
    assert!(docx == frozen.1, "the public file is the frozen one");
    // The files as published (the redraft above froze version 1 anew: an XLSX carries the
    // time it was written).
    let (_, item) = call(
        &app,
        "r1",
        "GET",
        &format!("/api/v1/admin/items/{id}"),
        Value::Null,
    )
    .await;
    for f in item["files"].as_array().unwrap() {
        assert!(body.contains(f["sha256"].as_str().unwrap()), "{f}");
    }
    assert!(public(&app, "/agencies/a").await.1.contains(&page));
    // The report is also an item of the 政府信息公开年报 column, linking its frozen files.
    let (st, body) = public(&app, "/agencies/a/columns/annual").await;
    assert_eq!(st, StatusCode::OK);
    assert!(body.contains(&format!("/agencies/a/items/{id}")), "{body}");
    let (_, body) = public(&app, &format!("/agencies/a/items/{id}")).await;
    assert!(body.contains(&format!("{page}.docx")), "{body}");
    let (_, statuses) = call(&app, "r1", "GET", "/api/v1/admin/reports/a", Value::Null).await;
    let st_year = statuses
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["year"] == year)
        .cloned()
        .unwrap_or_else(|| panic!("{statuses}"));
    assert_eq!(st_year["state"], "published");
    assert_eq!(st_year["due"], format!("{}-01-31", year + 1));

    // A correction needs its note, is a new version, and the public keeps version 1 until
    // version 2 is published.
    let (st, v) = call(&app, "editor", "POST", &draft, Value::Null).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"].as_str().unwrap().contains("更正说明"), "{v}");
    let (st, v) = call(
        &app,
        "editor",
        "POST",
        &draft,
        json!({"change_note": "补录一件申请后重新统计"}),
    )
    .await;
    assert_eq!(
        (st, v["version"].as_i64()),
        (StatusCode::CREATED, Some(2)),
        "{v}"
    );
    let (_, body) = public(&app, &page).await;
    assert!(!body.contains("补录一件申请"));
    approve(&app, id).await;
    let v = crate::items::publish(&app, id).await;
    assert_eq!(v["log"][1]["action"], "correct_report");
    let (_, body) = public(&app, &page).await;
    assert!(body.contains("第 2 版") && body.contains("补录一件申请后重新统计"));

    // Withdrawn, the report is gone from the public site; the law still wants one, so the
    // editor redrafts it (with its note) as a new version that goes through review again.
    let (st, v) = call(
        &app,
        "head",
        "POST",
        &format!("/api/v1/admin/items/{id}/withdraw"),
        json!({"reason": "发现统计口径错误"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(public(&app, &page).await.0, StatusCode::NOT_FOUND);
    let (st, v) = call(
        &app,
        "editor",
        "POST",
        &draft,
        json!({"change_note": "按正确口径重新统计后重新发布"}),
    )
    .await;
    assert_eq!(
        (st, v["version"].as_i64()),
        (StatusCode::CREATED, Some(3)),
        "{v}"
    );
    assert_eq!(public(&app, &page).await.0, StatusCode::NOT_FOUND);
    approve(&app, id).await;
    let v = crate::items::publish(&app, id).await;
    assert_eq!(v["log"][2]["action"], "withdraw");
    assert_eq!(v["log"][3]["action"], "correct_report");
    let (st, body) = public(&app, &page).await;
    assert_eq!(st, StatusCode::OK);
    assert!(body.contains("第 3 版") && body.contains("按正确口径重新统计后重新发布"));

    // The log verifies, and a file changed afterwards (with its stored hash) is named.
    let chains = db.verify_log(Some("a")).await.unwrap();
    assert!(chains[0].broken.is_none(), "{chains:?}");
    gongkai_db::testing::tamper_file(&db, id, 1, &format!("a-{year}-annual-report.json"), b"{}")
        .await
        .unwrap();
    let chains = db.verify_log(Some("a")).await.unwrap();
    let broken = chains[0]
        .broken
        .clone()
        .unwrap_or_else(|| panic!("{chains:?}"));
    assert_eq!(broken.seq, 1);
}

#[tokio::test]
async fn the_back_office_lists_reports_with_due_dates_and_drafts_from_the_live_page() {
    let (app, db) = world().await;
    let year = last_year();
    let mut tx = db.begin().await.unwrap();
    tx.set_agency_setting("a", gongkai_db::annual::REPORT_DUE_KEY, &json!("01-20"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (cookie, _) = session(&app, "editor").await;
    let live = format!("/admin/reports/a/{year}/live");
    let res = send(&app, "GET", &live, &cookie, &[], None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("未发布") && res.body.contains("起草发布稿"));
    let csrf = hidden_csrf(&res.body);
    let res = send(&app, "GET", &format!("{live}/docx"), &cookie, &[], None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.starts_with("PK"));
    // Someone of another agency sees neither.
    let (other, _) = session(&app, "editor-b").await;
    let res = send(&app, "GET", &live, &other, &[], None).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // A reviewer sees the live report but gets no drafting form.
    let (r1, _) = session(&app, "r1").await;
    let res = send(&app, "GET", &live, &r1, &[], None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.body.contains("起草发布稿"));

    // Drafting from the page leads to the item, whose page shows the files and no edit form.
    let res = send(
        &app,
        "POST",
        &format!("/admin/reports/a/{year}/draft"),
        &cookie,
        &[],
        form(&[("csrf", &csrf), ("change_note", "")]),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let item = send(&app, "GET", &res.location, &cookie, &[], None).await;
    assert!(item.body.contains(&format!("a-{year}-annual-report.docx")));
    assert!(!item.body.contains("修改稿件"));
    let file = format!(
        "{}/files/1/a-{year}-annual-report.md",
        res.location.trim_end_matches('/')
    );
    let md = send(&app, "GET", &file, &cookie, &[], None).await;
    assert_eq!(md.status, StatusCode::OK);
    assert!(md.body.contains("政府信息公开工作年度报告"));
    assert_eq!(
        send(&app, "GET", &file, &other, &[], None).await.status,
        StatusCode::FORBIDDEN
    );
    // The list: drafted, due on the agency's own date.
    let list = send(&app, "GET", "/admin/reports", &cookie, &[], None).await;
    assert!(list.body.contains("草稿"), "{}", list.body);
    assert!(
        list.body.contains(&format!("{}-01-20", year + 1)),
        "{}",
        list.body
    );
    // A bad CSRF token writes nothing.
    let res = send(
        &app,
        "POST",
        &format!("/admin/reports/a/{year}/draft"),
        &cookie,
        &[],
        form(&[("csrf", "nope")]),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(db.items("a", None).await.unwrap().len(), 1);
}
