//! The search index on its own: Chinese words, exact keys, filters, pages, escaping, and the
//! applied sequence number kept across a reopen.

#![allow(clippy::unwrap_used)]

use gongkai_search::{DocKind, Opened, SearchDoc, SearchIndex, SearchQuery, Source};
use time::macros::datetime;

fn doc(kind: DocKind, id: i64, title: &str, body: &str) -> SearchDoc {
    SearchDoc {
        kind,
        id,
        agency: "a".into(),
        agency_name: "a 公共资源交易中心".into(),
        title: title.into(),
        body: body.into(),
        published: datetime!(2024-06-03 10:00 +8),
        url: format!("/agencies/a/items/{id}"),
        categories: vec!["fees".into()],
        keys: Vec::new(),
    }
}

fn q(text: &str) -> SearchQuery {
    SearchQuery {
        q: text.into(),
        page: 1,
        per_page: 10,
        ..Default::default()
    }
}

fn titles(ix: &SearchIndex, sq: &SearchQuery) -> Vec<String> {
    ix.search(sq)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.title)
        .collect()
}

#[test]
fn a_word_finds_the_longer_words_it_is_part_of() {
    let ix = SearchIndex::in_ram().unwrap();
    ix.upsert(&doc(
        DocKind::Notice,
        1,
        "中国农业发展银行吴忠分行办公楼维修项目中标结果公告",
        "中标人：某某建设有限公司",
    ))
    .unwrap();
    ix.upsert(&doc(
        DocKind::Item,
        2,
        "关于交易服务收费的通知",
        "自2024年7月1日起执行。",
    ))
    .unwrap();
    ix.commit(1).unwrap();
    assert_eq!(
        titles(&ix, &q("农业")),
        ["中国农业发展银行吴忠分行办公楼维修项目中标结果公告"]
    );
    assert_eq!(titles(&ix, &q("收费")), ["关于交易服务收费的通知"]);
    // Every word of the query must match.
    assert!(titles(&ix, &q("收费 农业")).is_empty());
    // The snippet marks the word.
    let r = ix.search(&q("执行")).unwrap();
    assert!(
        r.hits[0].snippet.contains("<mark>执行</mark>"),
        "{}",
        r.hits[0].snippet
    );
    assert_eq!(ix.applied_seq(), Some(1));
}

#[test]
fn exact_keys_match_in_any_bracket_form_and_rank_first() {
    let ix = SearchIndex::in_ram().unwrap();
    let mut d = doc(DocKind::Item, 1, "关于调整收费标准的通知", "收费标准");
    d.keys = vec!["吴公管发〔2021〕3号".into(), "a/2021-00001".into()];
    ix.upsert(&d).unwrap();
    // Another document that mentions the number in its text only.
    ix.upsert(&doc(
        DocKind::Item,
        2,
        "吴公管发2021年工作要点 3号 通知",
        "收费标准 吴公管发 2021 3号",
    ))
    .unwrap();
    let mut n = doc(DocKind::Notice, 3, "办公楼维修项目中标结果公告", "维修");
    n.keys = vec!["WZ-GC-2024-001".into(), "91640300MA76ABCD1X".into()];
    ix.upsert(&n).unwrap();
    ix.commit(7).unwrap();
    for form in [
        "吴公管发〔2021〕3号",
        "吴公管发[2021]3号",
        "吴公管发(2021)3号",
        "吴公管发（2021）3号",
        "吴公管发【2021】3号",
    ] {
        let r = ix.search(&q(form)).unwrap();
        assert_eq!(r.hits.first().map(|h| h.id), Some(1), "{form}");
        assert!(r.hits[0].exact, "{form}");
    }
    // Inside a sentence.
    let r = ix.search(&q("关于吴公管发（2021）3号的执行")).unwrap();
    assert_eq!(r.hits.first().map(|h| h.id), Some(1));
    assert_eq!(ix.search(&q("a/2021-00001")).unwrap().hits[0].id, 1);
    let r = ix.search(&q("wz-gc-2024-001")).unwrap();
    assert_eq!((r.total, r.hits[0].id, r.hits[0].exact), (1, 3, true));
    let r = ix.search(&q("91640300MA76ABCD1X")).unwrap();
    assert_eq!((r.total, r.hits[0].id), (1, 3));
    // A near miss of a USCC is no match.
    assert_eq!(ix.search(&q("91640300MA76ABCD1Y")).unwrap().total, 0);
}

#[test]
fn titles_and_snippets_are_escaped_text_with_marks_only() {
    let ix = SearchIndex::in_ram().unwrap();
    ix.upsert(&doc(
        DocKind::Item,
        1,
        "<script>alert(1)</script>收费公告",
        "<b>收费</b> & 标准",
    ))
    .unwrap();
    ix.commit(1).unwrap();
    let h = &ix.search(&q("收费")).unwrap().hits[0];
    assert_eq!(h.title, "<script>alert(1)</script>收费公告");
    assert!(!h.title_html.contains("<script>"), "{}", h.title_html);
    assert!(h.title_html.contains("&lt;script&gt;"), "{}", h.title_html);
    assert!(
        h.title_html.contains("<mark>收费</mark>"),
        "{}",
        h.title_html
    );
    assert!(h.snippet.contains("&lt;b&gt;"), "{}", h.snippet);
    let stripped = h.snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(!stripped.contains('<'), "{}", h.snippet);
}

#[test]
fn filters_pages_and_removal() {
    let ix = SearchIndex::in_ram().unwrap();
    for i in 1..=25 {
        let mut d = doc(
            if i % 2 == 0 {
                DocKind::Notice
            } else {
                DocKind::Item
            },
            i,
            &format!("第{i}号 交易服务收费公告"),
            "收费",
        );
        d.published = datetime!(2024-01-01 10:00 +8) + time::Duration::days(i);
        d.agency = if i <= 20 { "a".into() } else { "b".into() };
        d.categories = vec![if i % 2 == 0 {
            "engineering".into()
        } else {
            "fees".into()
        }];
        ix.upsert(&d).unwrap();
    }
    ix.commit(3).unwrap();
    let all = ix.search(&q("收费")).unwrap();
    assert_eq!((all.total, all.hits.len(), all.last_page()), (25, 10, 3));
    let mut p3 = q("收费");
    p3.page = 3;
    assert_eq!(ix.search(&p3).unwrap().hits.len(), 5);
    let mut f = q("收费");
    f.agency = Some("b".into());
    assert_eq!(ix.search(&f).unwrap().total, 5);
    f.kind = Some(DocKind::Notice);
    assert_eq!(ix.search(&f).unwrap().total, 2); // 22, 24
    let mut c = q("收费");
    c.category = Some("engineering".into());
    assert_eq!(ix.search(&c).unwrap().total, 12);
    let mut d = q("收费");
    d.from = Some(time::macros::date!(2024 - 01 - 05));
    d.to = Some(time::macros::date!(2024 - 01 - 06));
    let ids: Vec<i64> = ix.search(&d).unwrap().hits.iter().map(|h| h.id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&4) && ids.contains(&5), "{ids:?}");
    // Too deep or too long is refused.
    let mut deep = q("收费");
    deep.page = 101;
    assert!(ix.search(&deep).is_err());
    assert!(ix.search(&q(&"收".repeat(101))).is_err());
    // Removal.
    ix.remove(Source::Item, 1);
    ix.commit(4).unwrap();
    assert_eq!(ix.search(&q("收费")).unwrap().total, 24);
    // Nothing to search for: nothing found.
    assert_eq!(ix.search(&q("  ，。 ")).unwrap().total, 0);
}

#[test]
fn the_applied_sequence_survives_a_reopen_and_a_broken_index_is_recreated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    {
        let (ix, opened) = SearchIndex::open(&path).unwrap();
        assert!(matches!(opened, Opened::Created { .. }), "{opened:?}");
        ix.upsert(&doc(DocKind::Item, 1, "收费公告", "收费"))
            .unwrap();
        ix.set_origin(7);
        ix.commit(42).unwrap();
    }
    {
        let (ix, opened) = SearchIndex::open(&path).unwrap();
        assert_eq!(opened, Opened::Existing { seq: 42, origin: 7 });
        assert_eq!(ix.search(&q("收费")).unwrap().total, 1);
    }
    std::fs::write(path.join("meta.json"), b"{not json").unwrap();
    let (ix, opened) = SearchIndex::open(&path).unwrap();
    assert!(matches!(opened, Opened::Created { .. }), "{opened:?}");
    assert!(ix.is_empty());
}

#[test]
fn a_word_in_the_title_ranks_before_the_same_word_in_the_body() {
    let ix = SearchIndex::in_ram().unwrap();
    // Same length of text; 绿化 once in the body of 1, once in the title of 2.
    ix.upsert(&doc(
        DocKind::Item,
        1,
        "道路养护公告",
        "本次工程包括绿化养护",
    ))
    .unwrap();
    ix.upsert(&doc(
        DocKind::Item,
        2,
        "绿化养护公告",
        "本次工程包括道路养护",
    ))
    .unwrap();
    ix.commit(1).unwrap();
    assert_eq!(titles(&ix, &q("绿化")), ["绿化养护公告", "道路养护公告"]);
    let r = ix.search(&q("绿化")).unwrap();
    assert_eq!((r.total, r.total_exact), (2, true));
    // The agency's name matches too.
    assert_eq!(ix.search(&q("交易中心")).unwrap().total, 2);
}
