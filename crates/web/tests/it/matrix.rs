//! The permission matrix, generated from the domain's table: every back-office route and API
//! operation × every role × own agency / other agency / parent agency, by session and by API
//! token, and anonymously. The expected answer of each cell is what
//! `gongkai_domain::auth::authorize` decides for the route's action and agency; the test checks
//! that the web layer asks exactly that (and refuses with 403, or login / 401 when anonymous).

use axum::http::StatusCode as S;
use gongkai_db::{AuditEntry, Db};
use gongkai_domain::auth::{Action, AgencyPath, Grant, Principal, Resource, Role, Via, authorize};
use gongkai_domain::ledger::NewAgency;

use crate::admin::{PASSWORD, add_token, form, hidden_csrf, send, session};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Page,
    Form,
    Api,
    ApiWrite,
    /// A multipart form (a file upload); the CSRF token goes in the query.
    Upload,
}

#[derive(Clone, Copy)]
enum Where {
    CityA,
    Deployment,
    Anywhere,
}

struct Route {
    method: &'static str,
    uri: &'static str,
    kind: Kind,
    /// Every action the route needs, where.
    needs: &'static [(Action, Where)],
    body: &'static [(&'static str, &'static str)],
    json: &'static str,
}

const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        uri: "/admin/",
        kind: Kind::Page,
        needs: &[(Action::BackOffice, Where::Anywhere)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/requests?agency=city-a",
        kind: Kind::Page,
        needs: &[(Action::ViewRequests, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/requests/city-a/A-1",
        kind: Kind::Page,
        needs: &[(Action::ViewRequests, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/requests/city-a/new",
        kind: Kind::Page,
        needs: &[(Action::HandleRequests, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/admin/requests/city-a/A-1/events",
        kind: Kind::Form,
        needs: &[(Action::HandleRequests, Where::CityA)],
        body: &[
            ("type", "consultation_started"),
            ("date", "2025-03-05"),
            ("party", "third_party"),
        ],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/admin/requests/city-a/A-2/events",
        kind: Kind::Form,
        needs: &[
            (Action::HandleRequests, Where::CityA),
            (Action::ApproveExtension, Where::CityA),
        ],
        body: &[
            ("type", "extended"),
            ("date", "2025-03-05"),
            ("workdays", "1"),
        ],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/admin/requests/city-a/A-3/events",
        kind: Kind::Form,
        needs: &[
            (Action::HandleRequests, Where::CityA),
            (Action::SignReply, Where::CityA),
        ],
        body: &[
            ("type", "replied"),
            ("date", "2025-03-06"),
            ("outcome", "granted"),
        ],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/admin/requests/city-a/A-1/fee",
        kind: Kind::Form,
        needs: &[(Action::HandleRequests, Where::CityA)],
        body: &[("action", "paid"), ("date", "2025-03-05")],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/letters/city-a/A-1",
        kind: Kind::Page,
        needs: &[(Action::ViewApplicant, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/reports/city-a/2025",
        kind: Kind::Page,
        needs: &[(Action::ViewReports, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/reports/city-a/2025/cells/new_received/total",
        kind: Kind::Page,
        needs: &[
            (Action::ViewReports, Where::CityA),
            (Action::ViewRequests, Where::CityA),
        ],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/calendar",
        kind: Kind::Page,
        needs: &[(Action::Administer, Where::Anywhere)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/admin/calendar",
        kind: Kind::Form,
        needs: &[(Action::AdministerDeployment, Where::Deployment)],
        body: &[("json", "{}")],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/audit",
        kind: Kind::Page,
        needs: &[(Action::AuditReports, Where::Anywhere)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/api/v1/admin/requests?agency=city-a",
        kind: Kind::Api,
        needs: &[(Action::ViewRequests, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/requests/city-a/events",
        kind: Kind::ApiWrite,
        needs: &[(Action::HandleRequests, Where::CityA)],
        body: &[],
        json: r#"{"type":"consultation_ended","request":"A-1","date":"2025-03-07","party":"third_party"}"#,
    },
    Route {
        method: "GET",
        uri: "/api/v1/admin/reports/city-a/2025/cells/new_received/total",
        kind: Kind::Api,
        needs: &[(Action::ViewRequests, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/api/v1/admin/me",
        kind: Kind::Api,
        needs: &[(Action::ViewReports, Where::Anywhere)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/audit-log",
        kind: Kind::Page,
        needs: &[(Action::ViewAuditLog, Where::Anywhere)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/audit-log.xlsx",
        kind: Kind::Page,
        needs: &[(Action::ViewAuditLog, Where::Anywhere)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/admin/audit",
        kind: Kind::Upload,
        needs: &[(Action::AuditReports, Where::Anywhere)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/items?agency=city-a",
        kind: Kind::Page,
        needs: &[(Action::ViewItems, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/items/new?agency=city-a",
        kind: Kind::Page,
        needs: &[(Action::DraftItems, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/admin/items/new?agency=city-a",
        kind: Kind::Form,
        needs: &[(Action::DraftItems, Where::CityA)],
        body: &[
            ("title", "关于交易场所开放时间的通知"),
            ("publisher", "某市公共资源交易中心"),
            ("formed_on", "2025-03-03"),
            ("attr", "proactive"),
            ("doc_kind", "other"),
            ("column", "functions"),
        ],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/api/v1/admin/items?agency=city-a",
        kind: Kind::Api,
        needs: &[(Action::ViewItems, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/items?agency=city-a",
        kind: Kind::ApiWrite,
        needs: &[(Action::DraftItems, Where::CityA)],
        body: &[],
        json: r#"{"title":"关于交易场所开放时间的通知","publisher":"某市公共资源交易中心","formed_on":"2025-03-03","attr":"proactive","doc_kind":"other","column":"functions"}"#,
    },
    Route {
        method: "GET",
        uri: "/admin/columns?agency=city-a",
        kind: Kind::Page,
        needs: &[(Action::Administer, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/admin/columns?agency=city-a",
        kind: Kind::Form,
        needs: &[(Action::Administer, Where::CityA)],
        body: &[("op", "put"), ("code", "policy"), ("name", "政策文件")],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/api/v1/admin/columns?agency=city-a",
        kind: Kind::Api,
        needs: &[(Action::ViewItems, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "PUT",
        uri: "/api/v1/admin/columns?agency=city-a",
        kind: Kind::ApiWrite,
        needs: &[(Action::Administer, Where::CityA)],
        body: &[],
        json: r#"{"code":"policy","name":"政策文件","parent":"statutory"}"#,
    },
    Route {
        method: "GET",
        uri: "/admin/records?agency=city-a&year=2025",
        kind: Kind::Page,
        needs: &[(Action::RecordFigures, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/admin/records?agency=city-a&year=2025",
        kind: Kind::Form,
        needs: &[(Action::RecordFigures, Where::CityA)],
        body: &[
            ("type", "push"),
            ("policy", "政采贷"),
            ("date", "2025-03-03"),
        ],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/api/v1/admin/records?agency=city-a&year=2025",
        kind: Kind::Api,
        needs: &[(Action::RecordFigures, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/records?agency=city-a",
        kind: Kind::ApiWrite,
        needs: &[(Action::RecordFigures, Where::CityA)],
        body: &[],
        json: r#"{"type":"push","policy":"政采贷","date":"2025-03-03","recipient":"甲公司"}"#,
    },
    Route {
        method: "GET",
        uri: "/admin/reports",
        kind: Kind::Page,
        needs: &[(Action::ViewReports, Where::Anywhere)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/reports/city-a/2025/live",
        kind: Kind::Page,
        needs: &[(Action::ViewReports, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/reports/city-a/2025/live/json",
        kind: Kind::Page,
        needs: &[(Action::ViewReports, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/admin/reports/city-a/2025/draft",
        kind: Kind::Form,
        needs: &[(Action::DraftItems, Where::CityA)],
        body: &[("change_note", "")],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/api/v1/admin/reports/city-a",
        kind: Kind::Api,
        needs: &[(Action::ViewReports, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/reports/city-a/2025/draft",
        kind: Kind::ApiWrite,
        needs: &[(Action::DraftItems, Where::CityA)],
        body: &[],
        json: "{}",
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/audit?name=report.txt",
        kind: Kind::ApiWrite,
        needs: &[(Action::AuditReports, Where::Anywhere)],
        body: &[],
        json: "二、主动公开政府信息情况",
    },
    Route {
        method: "POST",
        uri: "/admin/requests/city-a/A-4/fee",
        kind: Kind::Form,
        // Recording the lapse is the reply 其他处理（逾期未缴费）: the 负责人 signs it.
        needs: &[
            (Action::HandleRequests, Where::CityA),
            (Action::SignReply, Where::CityA),
        ],
        body: &[("action", "lapsed"), ("date", "2025-06-02")],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/users",
        kind: Kind::Page,
        needs: &[(Action::ManageUsers, Where::Anywhere)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/users/1",
        kind: Kind::Page,
        needs: &[(Action::ManageUsers, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/admin/users/1/grant",
        kind: Kind::Form,
        needs: &[(Action::ManageUsers, Where::CityA)],
        body: &[("agency", "city-a"), ("role", "editor")],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/admin/users/1/disable",
        kind: Kind::Form,
        needs: &[(Action::ManageUsers, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/api/v1/admin/users",
        kind: Kind::Api,
        needs: &[(Action::ManageUsers, Where::Anywhere)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/users",
        kind: Kind::ApiWrite,
        needs: &[(Action::ManageUsers, Where::CityA)],
        body: &[],
        json: r#"{"name":"new-a","password":"violet tram 8 quarry","agency":"city-a","roles":["editor"]}"#,
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/users/1/grant",
        kind: Kind::ApiWrite,
        needs: &[(Action::ManageUsers, Where::CityA)],
        body: &[],
        json: r#"{"agency":"city-a","role":"reviewer3"}"#,
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/users/1/revoke",
        kind: Kind::ApiWrite,
        needs: &[(Action::ManageUsers, Where::CityA)],
        body: &[],
        json: r#"{"agency":"city-a","role":"reviewer3"}"#,
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/users/1/disable",
        kind: Kind::ApiWrite,
        needs: &[(Action::ManageUsers, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/users/1/enable",
        kind: Kind::ApiWrite,
        needs: &[(Action::ManageUsers, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/users/1/password",
        kind: Kind::ApiWrite,
        needs: &[(Action::ManageUsers, Where::CityA)],
        body: &[],
        json: r#"{"password":"amber kettle 42 orbit"}"#,
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/users/1/tokens",
        kind: Kind::ApiWrite,
        needs: &[(Action::ManageUsers, Where::CityA)],
        body: &[],
        json: "{}",
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/users/1/tokens/1/revoke",
        kind: Kind::ApiWrite,
        needs: &[(Action::ManageUsers, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/notices?agency=city-a",
        kind: Kind::ApiWrite,
        needs: &[(Action::PushNotices, Where::CityA)],
        body: &[],
        json: r#"{"notice":"N-1","project":"P-1","project_name":"某工程","category":"procurement","type":"tender_plan","title":"采购计划","published":"2025-03-03T10:00:00+08:00"}"#,
    },
    Route {
        method: "GET",
        uri: "/admin/trading?agency=city-a",
        kind: Kind::Page,
        needs: &[(Action::ViewTrading, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/trading/city-a/sections/P-1/S-1",
        kind: Kind::Page,
        needs: &[(Action::ViewTrading, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/trading/bidders?agency=city-a&q=%E5%85%AC%E5%8F%B8",
        kind: Kind::Page,
        needs: &[(Action::ViewTrading, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/trading/bidders",
        kind: Kind::Page,
        needs: &[(Action::ViewTrading, Where::Anywhere)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/api/v1/admin/notices/rules?agency=city-a",
        kind: Kind::Api,
        needs: &[(Action::Administer, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "PUT",
        uri: "/api/v1/admin/notices/rules?agency=city-a",
        kind: Kind::ApiWrite,
        needs: &[(Action::Administer, Where::CityA)],
        body: &[],
        json: r#"{"disabled":["INTENTION_30D"]}"#,
    },
    Route {
        method: "GET",
        uri: "/admin/trading/city-a/rules",
        kind: Kind::Page,
        needs: &[(Action::ViewTrading, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/admin/trading/city-a/rules",
        kind: Kind::Form,
        needs: &[(Action::Administer, Where::CityA)],
        body: &[("rule", "INTENTION_30D"), ("unverified_elements", "1")],
        json: "",
    },
    // One item's routes: item 1 is a draft of city-a with attachment r.txt, item 2 is
    // published on channel `portal`. Steps that do not fit the item's state answer 409 after
    // the right is checked, so they change nothing for the cells that follow.
    Route {
        method: "GET",
        uri: "/admin/items/1",
        kind: Kind::Page,
        needs: &[(Action::ViewItems, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/api/v1/admin/items/1",
        kind: Kind::Api,
        needs: &[(Action::ViewItems, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "GET",
        uri: "/admin/items/1/files/1/r.txt",
        kind: Kind::Page,
        needs: &[(Action::ViewItems, Where::CityA)],
        body: &[],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/admin/items/1/edit",
        kind: Kind::Form,
        needs: &[
            (Action::ViewItems, Where::Anywhere),
            (Action::DraftItems, Where::CityA),
        ],
        body: &[
            ("title", "关于开评标场地网上预约的通知"),
            ("publisher", "city-a 公共资源交易中心"),
            ("formed_on", "2025-03-03"),
            ("attr", "proactive"),
            ("doc_kind", "other"),
            ("column", "other"),
            ("channels", "portal"),
        ],
        json: "",
    },
    Route {
        method: "PUT",
        uri: "/api/v1/admin/items/1",
        kind: Kind::ApiWrite,
        needs: &[
            (Action::ViewItems, Where::Anywhere),
            (Action::DraftItems, Where::CityA),
        ],
        body: &[],
        json: r#"{"title":"关于开评标场地网上预约的通知","publisher":"city-a 公共资源交易中心","formed_on":"2025-03-03","attr":"proactive","doc_kind":"other","column":"other","channels":["portal"]}"#,
    },
    Route {
        method: "POST",
        uri: "/admin/items/1/attachments",
        kind: Kind::Upload,
        needs: &[
            (Action::ViewItems, Where::Anywhere),
            (Action::DraftItems, Where::CityA),
        ],
        body: &[],
        json: "",
    },
    Route {
        method: "PUT",
        uri: "/api/v1/admin/items/1/attachments/r.txt",
        kind: Kind::ApiWrite,
        needs: &[
            (Action::ViewItems, Where::Anywhere),
            (Action::DraftItems, Where::CityA),
        ],
        body: &[],
        json: "通知全文",
    },
    Route {
        method: "POST",
        uri: "/admin/items/1/step",
        kind: Kind::Form,
        needs: &[
            (Action::ViewItems, Where::Anywhere),
            (Action::DraftItems, Where::CityA),
        ],
        body: &[("op", "correct")],
        json: "",
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/items/1/publish",
        kind: Kind::ApiWrite,
        needs: &[
            (Action::ViewItems, Where::Anywhere),
            (Action::PublishItems, Where::CityA),
        ],
        body: &[],
        json: "{}",
    },
    Route {
        method: "POST",
        uri: "/api/v1/admin/items/1/withdraw",
        kind: Kind::ApiWrite,
        needs: &[
            (Action::ViewItems, Where::Anywhere),
            (Action::WithdrawItems, Where::CityA),
        ],
        body: &[],
        json: r#"{"reason":"测试"}"#,
    },
    Route {
        method: "POST",
        uri: "/admin/items/2/reads",
        kind: Kind::Form,
        needs: &[
            (Action::ViewItems, Where::CityA),
            (Action::RecordFigures, Where::CityA),
        ],
        body: &[("channel", "portal"), ("reads", "5")],
        json: "",
    },
];

/// The roles tried, and where each user holds its role.
const ROLES: &[Role] = &[
    Role::Admin,
    Role::Handler,
    Role::Head,
    Role::Editor,
    Role::Reviewer3,
    Role::Secrecy,
    Role::System,
];
const PLACES: &[&str] = &["city-a", "city-b", "prov"];

async fn world() -> (axum::Router, Db) {
    let db = gongkai_db::testing::fresh_db().await;
    for (code, parent) in [
        ("prov", None),
        ("city-a", Some("prov")),
        ("city-b", Some("prov")),
    ] {
        db.add_agency(&NewAgency {
            code: code.into(),
            name: format!("{code} 公共资源交易中心"),
            parent: parent.map(String::from),
            established: None,
        })
        .await
        .unwrap();
    }
    // User 1, holding one role in city-a only, is what the users routes act on; token 1 is
    // theirs.
    let target = db
        .add_user(
            "target-a",
            "x",
            &[("city-a".to_string(), Role::Handler)],
            AuditEntry::new(None, "测试"),
        )
        .await
        .unwrap();
    assert_eq!(target.id, 1);
    let mut tx = db.begin().await.unwrap();
    assert_eq!(tx.add_token(1, "hash", None).await.unwrap(), 1);
    tx.commit().await.unwrap();
    let events: String = (1..=4)
        .map(|i| format!(r#"{{"type":"received","request":"A-{i}","date":"2025-03-03","channel":"online","applicant_type":"natural_person"}}"#))
        .collect::<Vec<_>>()
        .join("\n");
    db.import_requests("city-a", &events).await.unwrap();
    db.issue_fee_notice(
        "city-a",
        "A-4",
        gongkai_domain::fees::FeeMethod::PerPage,
        200,
        time::macros::date!(2025 - 03 - 04),
    )
    .await
    .unwrap();
    // Section S-1 of P-1 in city-a, with a bidder, for the trading pages.
    db.import_notices(
        "city-a",
        r#"{"notice":"O-1","project":"P-1","project_name":"某工程","section":"S-1","section_name":"一标段","category":"procurement","type":"bid_opening","title":"开标记录","published":"2025-03-31T10:00:00+08:00","bidders":[{"name":"甲公司","uscc":"914403001922038216"}]}"#,
    )
    .await
    .unwrap();
    // Item 1 of city-a, a draft with an attachment, and item 2, published on channel
    // `portal` by city-a's own staff, for the routes of one item.
    gongkai_db::testing::office_staff(&db, "city-a", "x")
        .await
        .unwrap();
    let editor = db.principal_of("editor", Via::Session).await.unwrap();
    let now = time::OffsetDateTime::now_utc();
    let fields = gongkai_domain::publishing::ItemFields {
        title: "关于开评标场地网上预约的通知".into(),
        summary: String::new(),
        body: "<p>正文</p>".into(),
        doc_no: None,
        publisher: "city-a 公共资源交易中心".into(),
        formed_on: time::macros::date!(2025 - 03 - 03),
        attr: gongkai_domain::codes::DisclosureAttr::Proactive,
        legal_ground: None,
        art20_item: None,
        doc_kind: gongkai_domain::codes::DocKind::Other,
        repealed_on: None,
        column: "other".into(),
        change_note: None,
        interprets: None,
        channels: vec!["portal".into()],
    };
    let mut tx = db.begin().await.unwrap();
    let portal = gongkai_domain::records::Record::from_json(&serde_json::json!(
        {"type": "channel", "code": "portal", "name": "门户网站", "kind": "portal"}))
    .unwrap();
    tx.put_records(&editor, "city-a", &[(1, portal)])
        .await
        .unwrap();
    for expected in [1, 2] {
        let (id, _) = tx
            .create_item(&editor, "city-a", fields.clone(), now)
            .await
            .unwrap();
        assert_eq!(id, expected);
    }
    let file = gongkai_db::NewAttachment {
        name: "r.txt".into(),
        bytes: "通知全文".as_bytes().to_vec(),
        text: Some("通知全文".into()),
        unreadable: false,
    };
    tx.attach(&editor, 1, file, now).await.unwrap();
    tx.commit().await.unwrap();
    gongkai_db::testing::publish_by_office(&db, 2, now)
        .await
        .unwrap();
    let hash = gongkai_web::auth::hash_password(PASSWORD).unwrap();
    for r in ROLES {
        for p in PLACES {
            db.add_user(
                &format!("{}-{p}", r.code()),
                &hash,
                &[(p.to_string(), *r)],
                AuditEntry::new(None, "测试"),
            )
            .await
            .unwrap();
        }
    }
    let config = gongkai_web::WebConfig {
        login_attempts_per_minute: 1000,
        ..Default::default()
    };
    (gongkai_web::router_with(db.clone(), config), db)
}

async fn principal(db: &Db, role: Role, place: &str, via: Via) -> Principal {
    let a = db.agency(place).await.unwrap();
    Principal {
        user_id: 0,
        name: String::new(),
        grants: vec![Grant {
            agency_id: a.id,
            role,
            top_level: a.parent_id.is_none(),
        }],
        via,
    }
}

async fn allowed(db: &Db, p: &Principal, route: &Route) -> bool {
    let city_a: AgencyPath = db.agency_path("city-a").await.unwrap();
    route.needs.iter().all(|(action, at)| match at {
        Where::CityA => authorize(p, *action, Resource::Agency(&city_a)).is_ok(),
        Where::Deployment => authorize(p, *action, Resource::Deployment).is_ok(),
        Where::Anywhere => p.may_somewhere(*action),
    })
}

/// A multipart upload of a small text file.
fn upload() -> Option<(&'static str, String)> {
    let body = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.txt\"\r\nContent-Type: text/plain\r\n\r\n二、主动公开政府信息情况\r\n--XyZ--\r\n";
    Some(("multipart/form-data; boundary=XyZ", body.to_string()))
}

/// The session's CSRF token, from a page the user may open (a system account's only page is
/// the auditor, whose upload form carries it in its action).
async fn csrf_of(app: &axum::Router, cookie: &str) -> String {
    let own = hidden_csrf(
        &send(app, "GET", "/admin/password", cookie, &[], None)
            .await
            .body,
    );
    if !own.is_empty() {
        return own;
    }
    let audit = send(app, "GET", "/admin/audit", cookie, &[], None)
        .await
        .body;
    audit
        .split("csrf=")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_string()
}

fn is_refusal(status: S, location: &str) -> bool {
    status == S::FORBIDDEN || status == S::UNAUTHORIZED || location == "/admin/login"
}

#[tokio::test]
async fn every_route_role_and_agency_answers_as_the_domain_decides() {
    let (app, db) = world().await;
    let mut checked = 0;
    for r in ROUTES {
        // Anonymous: pages and forms go to the login page, the API answers 401.
        let mut fields: Vec<(&str, &str)> = r.body.to_vec();
        fields.push(("csrf", "x"));
        let body = form(&fields);
        let json = (!r.json.is_empty()).then(|| ("application/json", r.json.to_string()));
        let res = send(
            &app,
            r.method,
            r.uri,
            "",
            &[],
            match r.kind {
                Kind::ApiWrite => json.clone(),
                Kind::Upload => upload(),
                _ => body.clone(),
            },
        )
        .await;
        match r.kind {
            Kind::Page | Kind::Form | Kind::Upload => assert_eq!(
                (res.status, res.location.as_str()),
                (S::SEE_OTHER, "/admin/login"),
                "anonymous {} {}",
                r.method,
                r.uri
            ),
            Kind::Api | Kind::ApiWrite => assert_eq!(
                res.status,
                S::UNAUTHORIZED,
                "anonymous {} {}",
                r.method,
                r.uri
            ),
        }
    }
    for role in ROLES {
        for place in PLACES {
            let name = format!("{}-{place}", role.code());
            let (cookie, _) = session(&app, &name).await;
            let csrf = csrf_of(&app, &cookie).await;
            let token = gongkai_web::auth::random_token();
            add_token(&db, &name, &token).await;
            let bearer = format!("Bearer {token}");
            let by_session = principal(&db, *role, place, Via::Session).await;
            let by_token = principal(&db, *role, place, Via::Token).await;
            for r in ROUTES {
                let mut fields: Vec<(&str, &str)> = r.body.to_vec();
                fields.push(("csrf", &csrf));
                let body = match r.kind {
                    Kind::Form => form(&fields),
                    Kind::ApiWrite => Some(("application/json", r.json.to_string())),
                    Kind::Upload => upload(),
                    _ => None,
                };
                let uri = match r.kind {
                    Kind::Upload => format!("{}?csrf={csrf}", r.uri),
                    _ => r.uri.to_string(),
                };
                let csrf_header = [("x-csrf-token", csrf.as_str())];
                let res = send(&app, r.method, &uri, &cookie, &csrf_header, body.clone()).await;
                let want = allowed(&db, &by_session, r).await;
                assert_eq!(
                    !is_refusal(res.status, &res.location),
                    want,
                    "{name} (session) {} {}: {} {}",
                    r.method,
                    r.uri,
                    res.status,
                    &res.body[..res.body.len().min(200)]
                );
                if !want {
                    assert_eq!(res.status, S::FORBIDDEN, "{name} {} {}", r.method, r.uri);
                }
                if matches!(r.kind, Kind::Api | Kind::ApiWrite) {
                    let res = send(
                        &app,
                        r.method,
                        r.uri,
                        "",
                        &[("authorization", bearer.as_str())],
                        body,
                    )
                    .await;
                    let want = allowed(&db, &by_token, r).await;
                    assert_eq!(
                        !is_refusal(res.status, &res.location),
                        want,
                        "{name} (token) {} {}: {} {}",
                        r.method,
                        r.uri,
                        res.status,
                        &res.body[..res.body.len().min(200)]
                    );
                    if !want {
                        assert_eq!(res.status, S::FORBIDDEN);
                    }
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, ROUTES.len() * ROLES.len() * PLACES.len());
    // Some cells of each kind were exercised: the matrix is not all-allowed or all-refused.
    let handler_b = principal(&db, Role::Handler, "city-b", Via::Session).await;
    assert!(!allowed(&db, &handler_b, &ROUTES[2]).await);
    let handler_prov = principal(&db, Role::Handler, "prov", Via::Session).await;
    assert!(allowed(&db, &handler_prov, &ROUTES[2]).await);
}

#[tokio::test]
async fn another_agencys_case_is_refused_and_nothing_is_written() {
    let (app, db) = world().await;
    let (cookie, _) = session(&app, "head-city-b").await;
    let csrf = hidden_csrf(
        &send(&app, "GET", "/admin/password", &cookie, &[], None)
            .await
            .body,
    );
    let page = send(
        &app,
        "GET",
        "/admin/requests/city-a/A-1",
        &cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(page.status, S::FORBIDDEN);
    assert!(!page.body.contains("A-1") || !page.body.contains("自然人"));
    let before = db
        .request_clocks("city-a", time::macros::date!(2025 - 12 - 31))
        .await
        .unwrap();
    for (t, extra) in [
        ("replied", ("outcome", "granted")),
        ("extended", ("workdays", "5")),
        ("withdrawn", ("x", "")),
    ] {
        let res = send(
            &app,
            "POST",
            "/admin/requests/city-a/A-1/events",
            &cookie,
            &[],
            form(&[("csrf", &csrf), ("type", t), ("date", "2025-03-10"), extra]),
        )
        .await;
        assert_eq!(res.status, S::FORBIDDEN, "{t}");
    }
    let after = db
        .request_clocks("city-a", time::macros::date!(2025 - 12 - 31))
        .await
        .unwrap();
    assert_eq!(before, after);
    // Each refusal is in the audit log with the user, the agency and the outcome.
    let log = db.audit_log(&Default::default()).await.unwrap();
    assert!(
        log.iter()
            .filter(|r| r.user_name == "head-city-b"
                && r.outcome == "denied"
                && r.agency == "city-a")
            .count()
            >= 4,
        "{log:?}"
    );
}
