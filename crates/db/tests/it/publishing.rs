//! Proactive disclosure items: the whole workflow through the storage layer, separation of
//! duties and the pre-publication checks enforced inside the write, scheduled publication, and
//! a publication log that verifies until anything in it or behind it is changed.

use gongkai_db::testing::fresh_db;
use gongkai_db::{Db, DbError};
use gongkai_domain::auth::{Principal, Role, Stage, Via};
use gongkai_domain::codes::{DisclosureAttr, DocKind};
use gongkai_domain::ledger::NewAgency;
use gongkai_domain::publishing::{ItemFields, ItemState, Verdict, VersionState};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2024-06-03 10:00 +08:00);

struct Office {
    db: Db,
    editor: Principal,
    r1: Principal,
    r2: Principal,
    r3: Principal,
    proof: Principal,
    secrecy: Principal,
    head: Principal,
}

async fn office() -> Office {
    let db = fresh_db().await;
    db.add_agency(&NewAgency {
        code: "a".into(),
        name: "某市公共资源交易中心".into(),
        parent: None,
        established: Some(date!(2020 - 01 - 01)),
    })
    .await
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    for (name, role) in [
        ("editor", Role::Editor),
        ("r1", Role::Reviewer1),
        ("r2", Role::Reviewer2),
        ("r3", Role::Reviewer3),
        ("proof", Role::Proofreader),
        ("secrecy", Role::Secrecy),
        ("head", Role::Head),
    ] {
        tx.add_user(name, "x", &[("a".into(), role)]).await.unwrap();
    }
    tx.commit().await.unwrap();
    let p = async |n: &str| db.principal_of(n, Via::Session).await.unwrap();
    Office {
        editor: p("editor").await,
        r1: p("r1").await,
        r2: p("r2").await,
        r3: p("r3").await,
        proof: p("proof").await,
        secrecy: p("secrecy").await,
        head: p("head").await,
        db,
    }
}

fn fields(title: &str, body: &str) -> ItemFields {
    ItemFields {
        title: title.into(),
        summary: String::new(),
        body: body.into(),
        doc_no: Some("某公管发〔2024〕3号".into()),
        publisher: "某市公共资源交易中心".into(),
        formed_on: date!(2024 - 05 - 30),
        attr: DisclosureAttr::Proactive,
        legal_ground: None,
        art20_item: Some(1),
        doc_kind: DocKind::NormativeDocument,
        repealed_on: None,
        column: "documents".into(),
        change_note: None,
        interprets: None,
        channels: Vec::new(),
    }
}

impl Office {
    async fn create(&self, f: ItemFields) -> i64 {
        let mut tx = self.db.begin().await.unwrap();
        let (id, _) = tx.create_item(&self.editor, "a", f, NOW).await.unwrap();
        tx.commit().await.unwrap();
        id
    }

    async fn step(
        &self,
        f: impl AsyncFnOnce(&mut gongkai_db::Tx) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        f(&mut tx).await?;
        tx.commit().await
    }

    async fn review(&self, who: &Principal, id: i64, stage: Stage) -> Result<(), DbError> {
        self.step(async |tx| {
            tx.review_item(who, id, stage, Verdict::Pass, "", NOW)
                .await
                .map(|_| ())
        })
        .await
    }

    /// Submits and takes the version in work through every stage up to 终审's approval.
    async fn approve(&self, id: i64) {
        self.step(async |tx| tx.submit_item(&self.editor, id, NOW).await)
            .await
            .unwrap();
        self.review(&self.r1, id, Stage::First).await.unwrap();
        self.review(&self.r2, id, Stage::Second).await.unwrap();
        for _ in 0..3 {
            self.review(&self.proof, id, Stage::Proofread)
                .await
                .unwrap();
        }
        self.review(&self.secrecy, id, Stage::Secrecy)
            .await
            .unwrap();
        self.review(&self.r3, id, Stage::Final).await.unwrap();
    }

    async fn publish(&self, id: i64, at: OffsetDateTime) {
        let mut tx = self.db.begin().await.unwrap();
        tx.publish_item(Some(&self.head), id, at).await.unwrap();
        tx.commit().await.unwrap();
    }

    async fn state(&self, id: i64) -> ItemState {
        self.db.item(id).await.unwrap().state
    }

    async fn verified(&self) -> bool {
        let r = self.db.verify_log(Some("a")).await.unwrap();
        r[0].broken.is_none()
    }

    async fn sql(&self, sql: &str) {
        match &self.db {
            Db::Sqlite(p) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(p)
                .await
                .map(|_| ()),
            Db::Pg(p) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(p)
                .await
                .map(|_| ()),
        }
        .unwrap()
    }
}

#[tokio::test]
async fn an_item_goes_from_draft_to_published_corrected_and_withdrawn() {
    let o = office().await;
    let id = o
        .create(fields("关于规范交易服务收费的通知", "<p>正文</p>"))
        .await;
    let list = o.db.items("a", None).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].index_no, "a/2024-00001");
    assert_eq!(list[0].doc_no.as_deref(), Some("某公管发〔2024〕3号"));
    assert_eq!(o.state(id).await, ItemState::Draft);
    o.approve(id).await;
    assert_eq!(o.state(id).await, ItemState::Approved);
    o.publish(id, NOW).await;
    assert_eq!(o.state(id).await, ItemState::Published);
    assert_eq!(
        o.db.items("a", Some(ItemState::Published))
            .await
            .unwrap()
            .len(),
        1
    );

    // A correction: the published version stays public while the new one is reviewed.
    o.step(async |tx| tx.correct_item(&o.editor, id, NOW).await.map(|_| ()))
        .await
        .unwrap();
    assert_eq!(o.state(id).await, ItemState::Published);
    let mut f = fields("关于规范交易服务收费的通知", "<p>正文（更正）</p>");
    let e = o
        .step(async |tx| tx.edit_item(&o.editor, id, f.clone(), NOW).await)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("更正说明"), "{e}");
    f.change_note = Some("更正第二段的收费标准".into());
    o.step(async |tx| tx.edit_item(&o.editor, id, f.clone(), NOW).await)
        .await
        .unwrap();
    o.approve(id).await;
    o.publish(id, NOW + Duration::days(1)).await;
    let d = o.db.item(id).await.unwrap();
    assert_eq!(d.state, ItemState::Corrected);
    assert_eq!(d.public().map(|v| v.version), Some(2));
    assert_eq!(d.versions[0].state, VersionState::Superseded);
    assert_eq!(d.log.len(), 2);

    // Withdrawal is the 负责人's, with a reason.
    let e = o
        .step(async |tx| {
            tx.withdraw_item(&o.editor, id, "过期", NOW)
                .await
                .map(|_| ())
        })
        .await;
    assert!(matches!(e, Err(DbError::Denied(_))), "{e:?}");
    o.step(async |tx| {
        tx.withdraw_item(&o.head, id, "政策已调整", NOW)
            .await
            .map(|_| ())
    })
    .await
    .unwrap();
    let d = o.db.item(id).await.unwrap();
    assert_eq!(d.state, ItemState::Withdrawn);
    assert!(d.public().is_none());
    assert_eq!(d.log.len(), 3);
    assert!(o.verified().await);
    let (seq, head) = o.db.log_head("a").await.unwrap();
    assert_eq!((seq, head), (3, d.log[2].entry_hash.clone()));
}

#[tokio::test]
async fn separation_of_duties_and_stage_order_are_enforced_in_the_write() {
    let o = office().await;
    // The editor also holds 初审: still cannot review the own draft.
    let mut tx = o.db.begin().await.unwrap();
    let uid = tx.user_id("editor").await.unwrap();
    tx.grant(uid, "a", Role::Reviewer1).await.unwrap();
    let r1b = tx
        .add_user(
            "r1b",
            "x",
            &[("a".into(), Role::Reviewer1), ("a".into(), Role::Reviewer2)],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let _ = r1b;
    let editor = o.db.principal_of("editor", Via::Session).await.unwrap();
    let both = o.db.principal_of("r1b", Via::Session).await.unwrap();
    let id = o.create(fields("某通知", "<p>正文</p>")).await;
    o.step(async |tx| tx.submit_item(&o.editor, id, NOW).await)
        .await
        .unwrap();
    let e = o.review(&editor, id, Stage::First).await.unwrap_err();
    assert!(
        matches!(e, DbError::Denied(_)) && e.to_string().contains("本人起草"),
        "{e}"
    );
    // 复审 before 初审 is refused and changes nothing.
    let e = o.review(&o.r2, id, Stage::Second).await.unwrap_err();
    assert!(e.to_string().contains("初审"), "{e}");
    assert!(o.db.item(id).await.unwrap().reviews.is_empty());
    // One person cannot hold 初审 and 复审 of one item.
    o.review(&both, id, Stage::First).await.unwrap();
    let e = o.review(&both, id, Stage::Second).await.unwrap_err();
    assert!(matches!(e, DbError::Denied(_)), "{e}");
    // A reviewer without the stage's role is refused.
    assert!(matches!(
        o.review(&o.proof, id, Stage::Second).await,
        Err(DbError::Denied(_))
    ));
    // A return needs its reasons; it ends the round, and resubmission starts a new one.
    let e = o
        .step(async |tx| {
            tx.review_item(&o.r2, id, Stage::Second, Verdict::Return, " ", NOW)
                .await
                .map(|_| ())
        })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("理由"), "{e}");
    o.step(async |tx| {
        tx.review_item(&o.r2, id, Stage::Second, Verdict::Return, "标题有误", NOW)
            .await
            .map(|_| ())
    })
    .await
    .unwrap();
    assert_eq!(o.state(id).await, ItemState::Returned);
    o.step(async |tx| tx.submit_item(&o.editor, id, NOW).await)
        .await
        .unwrap();
    let d = o.db.item(id).await.unwrap();
    assert_eq!((d.state, d.versions[0].round), (ItemState::InReview, 2));
    // A draft cannot be published, and nothing reached the log.
    let e = o
        .step(async |tx| tx.publish_item(Some(&o.head), id, NOW).await.map(|_| ()))
        .await
        .unwrap_err();
    assert!(matches!(e, DbError::Conflict(_)), "{e}");
    assert_eq!(o.db.log_head("a").await.unwrap().0, 0);
}

#[tokio::test]
async fn findings_block_the_final_review_until_let_through_with_a_reason() {
    let o = office().await;
    o.step(async |tx| {
        tx.set_agency_setting(
            "a",
            gongkai_db::publishing::WORDS_KEY,
            &serde_json::json!(["内部资料"]),
        )
        .await
    })
    .await
    .unwrap();
    let id = o
        .create(fields(
            "某通知",
            "<p>联系人手机 13912345678，本件为内部资料。</p>",
        ))
        .await;
    o.step(async |tx| tx.submit_item(&o.editor, id, NOW).await)
        .await
        .unwrap();
    for (who, stage) in [
        (&o.r1, Stage::First),
        (&o.r2, Stage::Second),
        (&o.proof, Stage::Proofread),
        (&o.proof, Stage::Proofread),
        (&o.proof, Stage::Proofread),
        (&o.secrecy, Stage::Secrecy),
    ] {
        o.review(who, id, stage).await.unwrap();
    }
    let d = o.db.item(id).await.unwrap();
    assert_eq!(d.findings.len(), 2, "{:?}", d.findings);
    assert!(d.findings.iter().any(|(f, _)| f.excerpt == "139****5678"));
    let e = o.review(&o.r3, id, Stage::Final).await.unwrap_err();
    assert!(e.to_string().contains("2 项"), "{e}");
    // Only the confidentiality reviewer lets a finding through, and only with a reason.
    let key = d.findings[0].0.key.clone();
    let e = o
        .step(async |tx| tx.override_finding(&o.r1, id, &key, "已公开", NOW).await)
        .await;
    assert!(matches!(e, Err(DbError::Denied(_))));
    let e = o
        .step(async |tx| tx.override_finding(&o.secrecy, id, &key, "", NOW).await)
        .await;
    assert!(e.is_err());
    for (f, _) in &d.findings {
        o.step(async |tx| {
            tx.override_finding(
                &o.secrecy,
                id,
                &f.key,
                "经核实为单位公开的值班电话及公开资料",
                NOW,
            )
            .await
        })
        .await
        .unwrap();
    }
    o.review(&o.r3, id, Stage::Final).await.unwrap();
    assert_eq!(o.state(id).await, ItemState::Approved);
}

#[tokio::test]
async fn scheduled_versions_go_out_when_their_time_comes() {
    let o = office().await;
    let id = o.create(fields("某通知", "<p>正文</p>")).await;
    o.approve(id).await;
    let at = NOW + Duration::hours(2);
    let e = o
        .step(async |tx| {
            tx.schedule_item(&o.head, id, NOW - Duration::hours(1), NOW)
                .await
        })
        .await;
    assert!(e.is_err());
    o.step(async |tx| tx.schedule_item(&o.head, id, at, NOW).await)
        .await
        .unwrap();
    assert_eq!(o.state(id).await, ItemState::Scheduled);
    assert_eq!(o.db.publish_due(NOW + Duration::hours(1)).await.unwrap(), 0);
    assert_eq!(o.state(id).await, ItemState::Scheduled);
    // Two job runners at once (two `serve` processes): the version goes out once.
    let (a, b) = tokio::join!(o.db.publish_due(at), o.db.publish_due(at));
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(o.state(id).await, ItemState::Published);
    assert_eq!(o.db.publish_due(at).await.unwrap(), 0);
    assert_eq!(o.db.log_head("a").await.unwrap().0, 1);
    assert!(o.verified().await);
    let audit =
        o.db.audit_log(&gongkai_db::AuditQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(audit.iter().any(|r| r.action == "定时发布"), "{audit:?}");
}

#[tokio::test]
async fn log_verify_names_the_first_changed_deleted_or_reordered_entry() {
    let o = office().await;
    for i in 0..4 {
        let id = o.create(fields(&format!("通知{i}"), "<p>正文</p>")).await;
        o.approve(id).await;
        o.publish(id, NOW + Duration::minutes(i)).await;
    }
    assert!(o.verified().await);
    let broken = async |o: &Office| {
        o.db.verify_log(Some("a"))
            .await
            .unwrap()
            .remove(0)
            .broken
            .map(|b| b.seq)
    };

    // Content changed behind the log.
    let retitle = |from: &str, to: &str| {
        let cast = if matches!(o.db, Db::Pg(_)) {
            "JSONB"
        } else {
            "TEXT"
        };
        format!(
            "UPDATE item_version SET fields = CAST(REPLACE(CAST(fields AS TEXT), '{from}', '{to}') AS {cast}) \
             WHERE version = 1 AND item_id = (SELECT id FROM disclosure_item WHERE title = '通知2')"
        )
    };
    o.sql(&retitle("通知2", "通知X")).await;
    assert_eq!(broken(&o).await, Some(3));
    o.sql(&retitle("通知X", "通知2")).await;
    assert_eq!(broken(&o).await, None);

    // An entry's own field changed.
    o.sql("UPDATE publication_log SET at = '2024-01-01T00:00:00+08:00' WHERE seq = 2")
        .await;
    assert_eq!(broken(&o).await, Some(2));
}

#[tokio::test]
async fn log_verify_finds_a_deleted_and_a_reordered_entry() {
    let o = office().await;
    for i in 0..4 {
        let id = o.create(fields(&format!("通知{i}"), "<p>正文</p>")).await;
        o.approve(id).await;
        o.publish(id, NOW + Duration::minutes(i)).await;
    }
    let broken = async |o: &Office| {
        o.db.verify_log(Some("a"))
            .await
            .unwrap()
            .remove(0)
            .broken
            .map(|b| b.seq)
    };
    // Swap entries 2 and 3 (their numbers exchanged, so the order reads 1, 2, 3, 4).
    o.sql("UPDATE publication_log SET seq = 100 WHERE seq = 2")
        .await;
    o.sql("UPDATE publication_log SET seq = 2 WHERE seq = 3")
        .await;
    o.sql("UPDATE publication_log SET seq = 3 WHERE seq = 100")
        .await;
    assert_eq!(broken(&o).await, Some(2));
    o.sql("UPDATE publication_log SET seq = 100 WHERE seq = 2")
        .await;
    o.sql("UPDATE publication_log SET seq = 2 WHERE seq = 3")
        .await;
    o.sql("UPDATE publication_log SET seq = 3 WHERE seq = 100")
        .await;
    assert_eq!(broken(&o).await, None);
    o.sql("DELETE FROM publication_log WHERE seq = 3").await;
    assert_eq!(broken(&o).await, Some(3));
}

#[tokio::test]
async fn table_two_counts_a_normative_document_once_it_is_published() {
    use gongkai_db::PeriodSpec;
    let o = office().await;
    let issued = async |o: &Office| {
        let r = o.db.report("a", PeriodSpec::Year(2024)).await.unwrap();
        (
            r.proactive.normative_documents.issued,
            r.proactive.normative_documents.in_force,
        )
    };
    let id = o.create(fields("某规范性文件", "<p>正文</p>")).await;
    o.approve(id).await;
    assert_eq!(
        issued(&o).await,
        (0, 0),
        "a draft or approved document is not issued yet"
    );
    o.publish(id, NOW).await;
    assert_eq!(issued(&o).await, (1, 1));
}

/// Links into this site that lead nowhere public — an unknown page, an item not (yet)
/// published, a report not published, an unknown column — are findings; links to public
/// pages are not. Once the linked item is published its link is no longer a finding.
#[tokio::test]
async fn broken_internal_links_are_findings_until_they_lead_somewhere() {
    let o = office().await;
    let target = o.create(fields("被链接的通知", "<p>正文</p>")).await;
    let body = format!(
        "<p><a href=\"/agencies/a/items/{target}\">通知</a> <a href=\"/agencies/a/columns/fees\">收费</a> \
         <a href=\"/agencies/a/columns/nope\">旧栏目</a> <a href=\"/agencies/a/reports/2023\">年报</a> \
         <a href=\"/old/page.html\">旧页面</a> <a href=\"/requests/new?agency=a\">申请</a> \
         <a href=\"https://example.org/x\">外站</a></p>"
    );
    let id = o.create(fields("引用其他信息的通知", &body)).await;
    let broken = |d: &gongkai_db::publishing::ItemDetail| {
        let mut v: Vec<String> = d
            .findings
            .iter()
            .filter(|(f, _)| f.kind == gongkai_domain::publishing::FindingKind::BrokenLink)
            .map(|(f, _)| f.excerpt.clone())
            .collect();
        v.sort();
        v
    };
    let d = o.db.item(id).await.unwrap();
    assert_eq!(
        broken(&d),
        vec![
            "/agencies/a/columns/nope".to_string(),
            format!("/agencies/a/items/{target}"),
            "/agencies/a/reports/2023".to_string(),
            "/old/page.html".to_string(),
        ]
    );
    o.approve(target).await;
    o.publish(target, NOW).await;
    let d = o.db.item(id).await.unwrap();
    assert_eq!(broken(&d).len(), 3, "{:?}", broken(&d));
    assert!(!broken(&d).iter().any(|u| u.contains("/items/")));
}

/// A withdrawn item is reissued by a new version through the whole workflow: hidden while
/// it is in work, public again once published; the withdrawal stays in the log, which still
/// verifies.
#[tokio::test]
async fn a_withdrawn_item_is_reissued_by_a_reviewed_new_version() {
    let o = office().await;
    let aid = o.db.agency("a").await.unwrap().id;
    let id = o
        .create(fields("关于暂停现场踏勘的通知", "<p>正文</p>"))
        .await;
    o.approve(id).await;
    o.publish(id, NOW).await;
    o.step(async |tx| {
        tx.withdraw_item(&o.head, id, "事项调整", NOW + Duration::hours(1))
            .await
            .map(|_| ())
    })
    .await
    .unwrap();
    assert_eq!(o.state(id).await, ItemState::Withdrawn);
    o.step(async |tx| tx.correct_item(&o.editor, id, NOW).await.map(|_| ()))
        .await
        .unwrap();
    assert_eq!(
        o.state(id).await,
        ItemState::Draft,
        "a new version is in work"
    );
    assert!(o.db.public_item(aid, id).await.unwrap().is_none());
    let mut f = fields("关于暂停现场踏勘的通知", "<p>正文（修订后重新发布）</p>");
    f.change_note = Some("按主管部门意见修订后重新发布".into());
    o.step(async |tx| tx.edit_item(&o.editor, id, f.clone(), NOW).await)
        .await
        .unwrap();
    o.approve(id).await;
    assert!(o.db.public_item(aid, id).await.unwrap().is_none());
    o.publish(id, NOW + Duration::days(1)).await;
    let d = o.db.item(id).await.unwrap();
    assert_eq!(d.state, ItemState::Corrected);
    assert_eq!(d.withdrawn_at, None);
    assert_eq!(d.public().map(|v| v.version), Some(2));
    let actions: Vec<&str> = d.log.iter().map(|e| e.action.code()).collect();
    assert_eq!(actions, ["publish", "withdraw", "correct"]);
    assert!(o.db.public_item(aid, id).await.unwrap().is_some());
    assert!(o.verified().await);
}

/// An item goes out on the channels chosen with its content: publishing records one post on
/// each (titled and dated as published), a correction adds none, the report counts them in
/// its year, and reads entered as a post record land on the item's post. A channel the agency
/// does not have is refused when the item is written, naming the field.
#[tokio::test]
async fn publishing_records_one_post_per_chosen_channel_and_the_report_counts_it() {
    use gongkai_db::PeriodSpec;
    use gongkai_domain::records::Record;
    let o = office().await;
    let mut f = fields("关于启用远程异地评标系统的通知", "<p>正文</p>");
    f.channels = vec!["wechat".into()];
    let e = o
        .step(async |tx| {
            tx.create_item(&o.editor, "a", f.clone(), NOW)
                .await
                .map(|_| ())
        })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("发布渠道"), "{e}");
    let channel = |code: &str, kind: &str| {
        Record::from_json(
            &serde_json::json!({"type": "channel", "code": code, "name": code, "kind": kind}),
        )
        .unwrap()
    };
    o.step(async |tx| {
        tx.put_records(
            &o.editor,
            "a",
            &[
                (1, channel("portal", "portal")),
                (2, channel("wechat", "wechat")),
            ],
        )
        .await
        .map(|_| ())
    })
    .await
    .unwrap();
    f.channels = vec!["portal".into(), " wechat ".into(), "portal".into()];
    let id = o.create(f.clone()).await;
    let d = o.db.item(id).await.unwrap();
    assert_eq!(d.latest().unwrap().fields.channels, ["portal", "wechat"]);
    assert!(d.posts.is_empty(), "nothing goes out before publication");
    o.approve(id).await;
    o.publish(id, datetime!(2024-06-04 23:30 +08:00)).await;
    let posts = o.db.item(id).await.unwrap().posts;
    assert_eq!(posts.len(), 2);
    assert!(posts.iter().all(|p| p.published_on == date!(2024 - 06 - 04)
        && p.title == "关于启用远程异地评标系统的通知"
        && p.reads == 0));

    // A correction is the same post, not a new one.
    o.step(async |tx| tx.correct_item(&o.editor, id, NOW).await.map(|_| ()))
        .await
        .unwrap();
    f.change_note = Some("补充启用时间".into());
    o.step(async |tx| tx.edit_item(&o.editor, id, f.clone(), NOW).await)
        .await
        .unwrap();
    o.approve(id).await;
    o.publish(id, datetime!(2024-06-10 09:00 +08:00)).await;
    assert_eq!(o.db.item(id).await.unwrap().posts.len(), 2);

    // Reads come in later as a post record with the post's natural key.
    let reads = Record::from_json(&serde_json::json!({"type": "post", "channel": "wechat",
        "title": "关于启用远程异地评标系统的通知", "date": "2024-06-04", "reads": 321}))
    .unwrap();
    o.step(async |tx| {
        tx.put_records(&o.editor, "a", &[(1, reads.clone())])
            .await
            .map(|_| ())
    })
    .await
    .unwrap();
    let posts = o.db.item(id).await.unwrap().posts;
    assert_eq!(
        posts
            .iter()
            .map(|p| (p.channel.as_str(), p.reads))
            .collect::<Vec<_>>(),
        [("portal", 0), ("wechat", 321)]
    );
    let r = o.db.report("a", PeriodSpec::Year(2024)).await.unwrap();
    let figures: Vec<(i64, i64)> = r.channels.iter().map(|c| (c.posts, c.reads)).collect();
    assert_eq!(figures, [(1, 0), (1, 321)]);
}

/// The public change log: drafting and review change nothing the public sees; publication,
/// withdrawal and a change of the agency's settings each add one entry, in order, naming the agency and the item.
#[tokio::test]
async fn the_public_change_log_records_publication_withdrawal_and_site_edits_in_order() {
    use gongkai_db::{ChangeKind, PublicChange};
    let o = office().await;
    let start = o.db.public_change_head().await.unwrap();
    let id = o
        .create(fields("关于调整交易服务时间的通知", "<p>正文</p>"))
        .await;
    o.approve(id).await;
    assert_eq!(o.db.public_change_head().await.unwrap(), start);
    o.publish(id, NOW).await;
    o.step(async |tx| {
        tx.withdraw_item(&o.head, id, "事项调整", NOW)
            .await
            .map(|_| ())
    })
    .await
    .unwrap();
    o.step(async |tx| {
        tx.set_agency_setting("a", "guide", &serde_json::json!({"address": "吴忠市"}))
            .await
    })
    .await
    .unwrap();
    let changes = o.db.public_changes_since(start, 100).await.unwrap();
    let got: Vec<(ChangeKind, &str)> = changes
        .iter()
        .map(|c: &PublicChange| (c.kind, c.agency.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (ChangeKind::Item, "a"),
            (ChangeKind::Item, "a"),
            (ChangeKind::Site, "a")
        ]
    );
    assert_eq!(changes[0].id, id);
    assert!(changes.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(o.db.public_change_head().await.unwrap(), changes[2].seq);
    assert_eq!(
        o.db.public_changes_since(changes[0].seq, 1).await.unwrap(),
        changes[1..2]
    );
}
