use gongkai_db::testing::fresh_db;
use gongkai_db::{DbError, PeriodSpec};
use gongkai_domain::ledger::NewAgency;
use gongkai_synth::demo_targets as t;
use time::macros::date;

#[tokio::test]
async fn demo_reproduces_the_reference_report() {
    let db = fresh_db().await;
    db.load_demo(false).await.unwrap_or_else(|e| panic!("{e}"));
    let r = db
        .report("wuzhong-ggzy", PeriodSpec::Year(2024))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (r.period.from, r.period.to),
        (date!(2024 - 05 - 29), date!(2024 - 12 - 31))
    );
    assert_eq!(r.agency.name, "吴忠市公共资源交易服务中心");
    let f = &r.figures;
    assert_eq!(f.trading_notices, t::TRADING_NOTICES);
    assert!((5800..5900).contains(&f.trading_notices));
    assert_eq!(f.sections_full_process, 977);
    // The stored completion dates agree with a scan of the notices.
    let (_, tree) = db.agency_subtree("wuzhong-ggzy").await.unwrap();
    let scanned = db
        .sections_full_process_scan(
            &tree,
            r.period,
            &gongkai_domain::ledger::FullProcessRule::default(),
        )
        .await
        .unwrap();
    assert_eq!(scanned, 977);
    assert!((1500..1600).contains(&f.plans_and_intentions));
    assert!((7400..7500).contains(&f.bidders));
    assert_eq!(
        (f.portal_posts, f.wechat_posts, f.wechat_reads),
        (6, 49, 4565)
    );
    assert_eq!(
        (f.policy_pushes, f.policy_loans, f.policy_loan_amount_fen),
        (294, 60, 4_437_000_000)
    );
    assert_eq!(f.requests_received, 0);
    assert!(r.requests.cells.iter().flatten().all(|v| *v == 0));
    assert!(r.appeals.cells.iter().flatten().all(|v| *v == 0));
    assert_eq!(r.proactive, Default::default());
    assert!(r.valid, "{:?}", r.failures().collect::<Vec<_>>());
    // No previous year for an agency established in 2024: R6 is not evaluated.
    assert!(r.checks.iter().all(|c| c.rule != "R6"));
    assert!(r.checks.iter().any(|c| c.rule == "T4"));
}

#[tokio::test]
async fn demo_refuses_a_database_with_data_unless_reset() {
    let db = fresh_db().await;
    db.add_agency(&NewAgency {
        code: "other".into(),
        name: "某局".into(),
        parent: None,
        established: None,
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let e = db.load_demo(false).await.unwrap_err();
    assert!(matches!(e, DbError::Conflict(_)), "{e}");
    assert!(e.to_string().contains("--reset"));
    // Nothing was written.
    assert_eq!(db.agencies().await.map(|a| a.len()).unwrap_or(0), 1);
    db.load_demo(true).await.unwrap_or_else(|e| panic!("{e}"));
    let codes: Vec<String> = db
        .agencies()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.code)
        .collect();
    assert_eq!(codes, vec!["wuzhong-ggzy".to_string()]);
}

#[tokio::test]
async fn agencies_are_validated() {
    let db = fresh_db().await;
    let a = |code: &str, parent: Option<&str>| NewAgency {
        code: code.into(),
        name: "某中心".into(),
        parent: parent.map(Into::into),
        established: None,
    };
    db.add_agency(&a("p", None))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        db.add_agency(&a("p", None)).await,
        Err(DbError::Conflict(_))
    ));
    assert!(matches!(
        db.add_agency(&a("c", Some("nope"))).await,
        Err(DbError::UnknownAgency(_))
    ));
    assert!(
        db.add_agency(&a("有空格 x", None))
            .await
            .unwrap_err()
            .to_string()
            .contains("机构代码")
    );
    assert!(matches!(
        db.report("nope", PeriodSpec::Year(2024)).await,
        Err(DbError::UnknownAgency(_))
    ));
}
