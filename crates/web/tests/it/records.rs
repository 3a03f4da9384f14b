//! The records behind table 二 and the channel figures: entered over the API and the page,
//! idempotent by their natural keys, all-or-nothing per batch, scoped to the agency, and what
//! the report counts.

use axum::http::StatusCode;
use gongkai_db::PeriodSpec;
use gongkai_domain::codes::ChannelKind;
use serde_json::{Value, json};

use crate::admin::{hidden_csrf, send, session};
use crate::items::{call, world};

fn batch() -> Value {
    json!([
        {"type": "channel", "code": "wechat", "name": "a 中心微信公众号", "kind": "wechat"},
        {"type": "post", "channel": "wechat", "title": "开标场地预约须知", "date": "2025-03-03", "reads": 120},
        {"type": "post", "channel": "wechat", "title": "政采贷政策解读", "date": "2025-04-01", "reads": 80},
        {"type": "decision", "kind": "licensing", "date": "2025-05-06", "doc_no": "a许〔2025〕1号"},
        {"type": "decision", "kind": "penalty", "date": "2025-06-06", "doc_no": "a罚〔2025〕1号"},
        {"type": "fee", "item": "场地服务费", "date": "2025-06-30", "amount": "1250.5"},
        {"type": "push", "policy": "政采贷", "date": "2025-07-01", "recipient": "甲公司"},
        {"type": "push", "policy": "政采贷", "date": "2025-07-01", "recipient": "乙公司"},
        {"type": "loan", "policy": "政采贷", "date": "2025-08-01", "borrower": "甲公司", "amount": "300000"},
        // Another year: not in 2025's report.
        {"type": "fee", "item": "场地服务费", "date": "2024-12-31", "amount": "99"}
    ])
}

#[tokio::test]
async fn records_feed_the_report_once_whatever_is_entered_twice() {
    let (app, db) = world().await;
    let uri = "/api/v1/admin/records?agency=a";
    let (st, v) = call(&app, "editor", "POST", uri, batch()).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"added": 10, "updated": 0, "unchanged": 0}));
    let report =
        |db: gongkai_db::Db| async move { db.report("a", PeriodSpec::Year(2025)).await.unwrap() };
    let r = report(db.clone()).await;
    assert_eq!(r.proactive.licensing_decisions, 1);
    assert_eq!(r.proactive.penalty_decisions, 1);
    assert_eq!(r.proactive.enforcement_decisions, 0);
    assert_eq!(r.proactive.fees_fen, 125_050);
    assert_eq!(r.figures.policy_pushes, 2);
    assert_eq!(r.figures.policy_loans, 1);
    assert_eq!(r.figures.policy_loan_amount_fen, 30_000_000);
    assert_eq!(r.channels.len(), 1);
    assert_eq!(r.channels[0].kind, ChannelKind::Wechat);
    assert_eq!((r.channels[0].posts, r.channels[0].reads), (2, 200));

    // The same batch again changes nothing; newer reads update the post.
    let (_, v) = call(&app, "editor", "POST", uri, batch()).await;
    assert_eq!(v, json!({"added": 0, "updated": 0, "unchanged": 10}));
    let (_, v) = call(
        &app,
        "editor",
        "POST",
        uri,
        json!({"type": "post", "channel": "wechat", "title": "开标场地预约须知", "date": "2025-03-03", "reads": 500}),
    )
    .await;
    assert_eq!(v, json!({"added": 0, "updated": 1, "unchanged": 0}));
    let r = report(db.clone()).await;
    assert_eq!((r.channels[0].posts, r.channels[0].reads), (2, 580));

    // A bad record refuses the whole batch, naming the record and the field.
    let (st, v) = call(
        &app,
        "editor",
        "POST",
        uri,
        json!([
            {"type": "push", "policy": "政采贷", "date": "2025-09-01", "recipient": "丙公司"},
            {"type": "fee", "item": "x", "date": "2025-09-01", "amount": 12}
        ]),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let e = v["error"].as_str().unwrap();
    assert!(e.contains("#2") && e.contains("amount"), "{e}");
    let (st, v) = call(
        &app,
        "editor",
        "POST",
        uri,
        json!([
            {"type": "push", "policy": "政采贷", "date": "2025-09-01", "recipient": "丙公司"},
            {"type": "post", "channel": "weibo", "title": "t", "date": "2025-09-01"}
        ]),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"].as_str().unwrap().contains("channel"), "{v}");
    assert_eq!(report(db.clone()).await.figures.policy_pushes, 2);

    // Another agency's editor, and a reviewer, may not enter a's records.
    let (st, _) = call(&app, "editor-b", "POST", uri, batch()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = call(&app, "r1", "POST", uri, batch()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, v) = call(
        &app,
        "editor",
        "GET",
        "/api/v1/admin/records?agency=a&year=2025",
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 8, "{v}");
}

#[tokio::test]
async fn the_records_page_enters_one_record_and_shows_the_totals() {
    let (app, db) = world().await;
    let (cookie, _) = session(&app, "editor").await;
    let page = send(
        &app,
        "GET",
        "/admin/records?agency=a&year=2025",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("/admin/records\" aria-current=\"page\">表二与渠道数据"),
        "nav"
    );
    let csrf = hidden_csrf(&page.body);
    let form = |body: String| {
        let cookie = cookie.clone();
        let app = app.clone();
        async move {
            send(
                &app,
                "POST",
                "/admin/records?agency=a&year=2025",
                &cookie,
                &[],
                Some(("application/x-www-form-urlencoded", body)),
            )
            .await
        }
    };
    let enc = gongkai_web::urlenc::enc;
    let res = form(format!(
        "csrf={csrf}&type=decision&date=2025-05-06&kind=enforcement&doc_no={}&kind_channel=",
        enc("a强〔2025〕2号")
    ))
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("新增 1 条"), "{}", res.body);
    assert!(
        res.body.contains("行政强制（件）</th><td class=\"num\">1"),
        "{}",
        res.body
    );
    let res = form(format!(
        "csrf={csrf}&type=channel&code=portal&name={}&kind=&kind_channel=portal",
        enc("a 中心门户网站")
    ))
    .await;
    assert!(res.body.contains("新增 1 条"), "{}", res.body);
    // A bad date: 422 naming the field, nothing written.
    let res = form(format!(
        "csrf={csrf}&type=fee&date=2025-13-01&item=x&amount=1"
    ))
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("date"), "{}", res.body);
    let r = db.report("a", PeriodSpec::Year(2025)).await.unwrap();
    assert_eq!(r.proactive.enforcement_decisions, 1);
    assert_eq!(r.proactive.fees_fen, 0);
    // Without the CSRF token: refused.
    let res = form("type=push&date=2025-01-01&policy=p".into()).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

/// The item form offers the agency's channels (its portals ticked for a new item); the item
/// page says where it will go out, lists its posts once published, and takes each post's
/// reads with its CSRF token — which the report then counts.
#[tokio::test]
async fn an_item_goes_out_on_its_ticked_channels_and_its_page_takes_their_reads() {
    let (app, db) = world().await;
    let (st, v) = call(
        &app,
        "editor",
        "POST",
        "/api/v1/admin/records?agency=a",
        json!([
            {"type": "channel", "code": "portal", "name": "a 市政府门户网站", "kind": "portal"},
            {"type": "channel", "code": "wechat", "name": "a 中心微信公众号", "kind": "wechat"}
        ]),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (cookie, _) = session(&app, "editor").await;
    let get = async |uri: &str| send(&app, "GET", uri, &cookie, &[], None).await;
    let new = get("/admin/items/new?agency=a").await;
    assert!(
        new.body
            .contains(r#"name="channels" value="portal" checked"#),
        "{}",
        new.body
    );
    assert!(new.body.contains(r#"name="channels" value="wechat">"#));
    let csrf = hidden_csrf(&new.body);
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("title", "关于开评标场地网上预约的通知"),
        ("publisher", "a 公共资源交易中心"),
        ("formed_on", "2025-03-03"),
        ("attr", "proactive"),
        ("doc_kind", "other"),
        ("column", "fees"),
        ("channels", "portal"),
        ("channels", "wechat"),
    ];
    let res = send(
        &app,
        "POST",
        "/admin/items/new?agency=a",
        &cookie,
        &[],
        crate::admin::form(&fields),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id = db.items("a", None).await.unwrap()[0].id;
    let item = format!("/admin/items/{id}");
    let page = get(&item).await;
    assert!(
        page.body
            .contains("发布时将在以下渠道各记一条发布记录：a 市政府门户网站、a 中心微信公众号"),
        "{}",
        page.body
    );
    // A channel the agency does not have: refused, naming the field.
    fields.push(("channels", "weibo"));
    let res = send(
        &app,
        "POST",
        &format!("{item}/edit"),
        &cookie,
        &[],
        crate::admin::form(&fields),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("发布渠道"), "{}", res.body);

    crate::items::approve(&app, id).await;
    crate::items::publish(&app, id).await;
    let page = get(&item).await;
    assert!(!page.body.contains("发布时将在"));
    let csrf = hidden_csrf(&page.body);
    // Reads: a number, and the post must be the item's.
    for (channel, reads) in [("wechat", "很多"), ("weibo", "5")] {
        let res = send(
            &app,
            "POST",
            &format!("{item}/reads"),
            &cookie,
            &[],
            crate::admin::form(&[("csrf", &csrf), ("channel", channel), ("reads", reads)]),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    }
    let res = send(
        &app,
        "POST",
        &format!("{item}/reads"),
        &cookie,
        &[],
        crate::admin::form(&[("channel", "wechat"), ("reads", "88")]),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "without the token");
    let res = send(
        &app,
        "POST",
        &format!("{item}/reads"),
        &cookie,
        &[],
        crate::admin::form(&[("csrf", &csrf), ("channel", "wechat"), ("reads", "88")]),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = get(&item).await;
    assert!(
        page.body.contains(r#"name="reads" value="88""#),
        "{}",
        page.body
    );
    // The public item page names the channels it went out on, not the office's reads.
    let (st, _, public) = crate::get(&app, &format!("/agencies/a/items/{id}")).await;
    let public = String::from_utf8_lossy(&public);
    assert_eq!(st, StatusCode::OK);
    assert!(
        public.contains("同步发布渠道")
            && public.contains("a 市政府门户网站（")
            && public.contains("a 中心微信公众号（"),
        "{public}"
    );
    let li = public
        .split("<li>a 中心微信公众号（")
        .nth(1)
        .and_then(|r| r.split("）</li>").next())
        .unwrap_or_default();
    assert_eq!(li.len(), "2025-03-03".len(), "only the day: {li}");
    let year = gongkai_domain::period::beijing_date(time::OffsetDateTime::now_utc()).year();
    let r = db.report("a", PeriodSpec::Year(year)).await.unwrap();
    let figures: Vec<(ChannelKind, i64, i64)> = r
        .channels
        .iter()
        .map(|c| (c.kind, c.posts, c.reads))
        .collect();
    assert_eq!(
        figures,
        [(ChannelKind::Portal, 1, 0), (ChannelKind::Wechat, 1, 88)]
    );
}
