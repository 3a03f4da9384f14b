//! The OCDS export (`gongkai_export::ocds`): notices of every type, parsed as the importer parses
//! them, exported and validated against the OCDS 1.1 schemas and codelists of
//! `testdata/ocds-1.1`, a copy of `shared/data/ocds-1.1` (offline: the package schemas' `$ref`s
//! to the release schema are resolved from the local file); the tag, role, document and category mapping; release ids;
//! corrections; records compiled in date order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use gongkai_domain::trading::Notice;
use gongkai_domain::uscc;
use gongkai_export::ocds::{
    OcdsOptions, RecordReleases, StoredNotice, check_prefix, compile, record_package,
    record_package_with, release_id, release_package, releases,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

// ---------------------------------------------------------------------------------------------
// The schemas and codelists

fn ocds_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/ocds-1.1");
    assert!(
        d.join("release-schema.json").is_file(),
        "the OCDS 1.1 schemas are expected in {}",
        d.display()
    );
    d
}

fn load(name: &str) -> Value {
    let p = ocds_dir().join(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

const RELEASE_SCHEMA_URI: &str =
    "https://standard.open-contracting.org/schema/1__1__5/release-schema.json";
const VERSIONED_SCHEMA_URI: &str =
    "https://standard.open-contracting.org/schema/1__1__5/versioned-release-validation-schema.json";

/// Every schema error of `instance` under `schema` (a file of `testdata/ocds-1.1`), with the
/// release schema registered under its `id`. `versionedRelease` (not shipped, never exported)
/// is registered as a schema nothing satisfies.
fn schema_errors(schema: &str, instance: &Value) -> Vec<String> {
    let registry = jsonschema::Registry::new()
        .draft(jsonschema::Draft::Draft4)
        .retrieve_known_draft_meta_schemas(false)
        .add(RELEASE_SCHEMA_URI, load("release-schema.json"))
        .and_then(|b| b.add(VERSIONED_SCHEMA_URI, json!({"not": {}})))
        .and_then(|b| b.prepare())
        .unwrap_or_else(|e| panic!("registry: {e}"));
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&load(schema))
        .unwrap_or_else(|e| panic!("{schema}: {e}"));
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn assert_valid(schema: &str, instance: &Value) {
    let errors = schema_errors(schema, instance);
    assert!(
        errors.is_empty(),
        "{schema}: {} errors:\n{}\n{}",
        errors.len(),
        errors.join("\n"),
        serde_json::to_string_pretty(instance).unwrap_or_default()
    );
}

/// The codes of a codelist CSV (the `Code` column).
fn codelist(name: &str) -> BTreeSet<String> {
    let p = ocds_dir().join("codelists").join(format!("{name}.csv"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let rows = csv_rows(&text);
    let header = rows.first().cloned().unwrap_or_default();
    let col = header
        .iter()
        .position(|h| h == "Code")
        .unwrap_or_else(|| panic!("{name}: no Code column"));
    rows.iter()
        .skip(1)
        .filter_map(|r| r.get(col).cloned())
        .filter(|c| !c.is_empty())
        .collect()
}

/// A small CSV reader: quoted fields with `""` escapes and newlines inside quotes.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

// ---------------------------------------------------------------------------------------------
// Notices

fn usccs() -> Vec<String> {
    (1..=4)
        .map(|i| uscc::make_enterprise("640302", &format!("{i:08}")).unwrap_or_default())
        .collect()
}

fn opts() -> OcdsOptions {
    OcdsOptions {
        section_ocids: std::collections::BTreeMap::new(),
        ocid_prefix: "ocds-gk0001".into(),
        agency_code: "wuzhong-ggzy".into(),
        agency_name: "吴忠市公共资源交易服务中心".into(),
        publisher_name: "吴忠市公共资源交易服务中心".into(),
        uri: "https://ggzy.example.gov.cn/ocds/wuzhong-ggzy/releases.json".into(),
        published_date: datetime!(2026-06-01 09:00:00 +08:00),
        license: Some("https://creativecommons.org/licenses/by/4.0/".into()),
    }
}

fn stored(line: &Value, version: u32, recorded_at: OffsetDateTime) -> StoredNotice {
    let notice = Notice::parse(&line.to_string()).unwrap_or_else(|e| panic!("{line}: {e}"));
    StoredNotice {
        notice,
        version,
        recorded_at,
    }
}

/// An engineering section through every stage, a procurement section with a prequalification
/// and a corrected tender notice, a single-source section, a terminated section, and the plans.
fn ledger() -> Vec<StoredNotice> {
    let u = usccs();
    let rec = datetime!(2026-05-31 20:00:00 +08:00);
    let eng = |id: &str, ty: &str, published: &str, rest: Value| {
        let mut v = json!({
            "notice": id, "project": "WZ2026-001", "project_name": "吴忠市某道路改造工程",
            "section": "WZ2026-001-01", "section_name": "一标段", "category": "engineering",
            "type": ty, "title": format!("吴忠市某道路改造工程一标段{id}"), "published": published,
        });
        if let (Some(o), Value::Object(r)) = (v.as_object_mut(), rest) {
            o.extend(r);
        }
        v
    };
    let proc_ = |id: &str, section: Option<&str>, ty: &str, published: &str, rest: Value| {
        let mut v = json!({
            "notice": id, "project": "WZCG-2026-017", "project_name": "吴忠市第一中学教学设备采购",
            "category": "procurement", "type": ty, "title": format!("教学设备采购{id}"),
            "published": published,
        });
        if let Some(o) = v.as_object_mut() {
            if let Some(s) = section {
                o.insert("section".into(), json!(s));
                o.insert("section_name".into(), json!("包1"));
            }
            if let Value::Object(r) = rest {
                o.extend(r);
            }
        }
        v
    };
    let bidders = json!([
        {"name": "宁夏甲建设工程有限公司", "uscc": u[0]},
        {"name": "宁夏乙路桥有限公司", "uscc": u[1]},
        {"name": "吴忠丙市政工程有限公司", "uscc": u[2]},
    ]);
    let lines = vec![
        // The engineering project: plan, then section 一标段 through every stage.
        (
            eng(
                "E-PLAN",
                "tender_plan",
                "2026-01-10T09:00:00+08:00",
                json!({
                    "section": null, "section_name": null,
                    "elements": {"tenderer": "吴忠市交通运输局，地址：吴忠市利通区，联系电话：0953-1234567", "budget": "1,280万元"}
                }),
            ),
            1,
        ),
        (
            eng(
                "E-TENDER",
                "tender_notice",
                "2026-03-02T09:30:00+08:00",
                json!({
                    "dates": {"docs_from": "2026-03-02", "docs_to": "2026-03-09", "bid_deadline": "2026-03-25T09:30:00+08:00"},
                    "elements": {
                        "tenderer": {"name": "吴忠市交通运输局", "address": "吴忠市利通区朝阳街1号", "contact": "王工", "telephone": "0953-1234567"},
                        "agent": "宁夏某招标代理有限公司，地址：银川市金凤区",
                        "project_content": "道路改造2.3公里，含排水及照明",
                        "location_and_period": "吴忠市利通区，工期180日历天",
                        "fund_source": "财政资金", "qualification": "市政公用工程施工总承包二级及以上",
                        "consortium": "不接受", "docs_obtain": "网上下载", "submission": "电子投标，截止时间前上传",
                        "budget": "12800000"
                    }
                }),
            ),
            1,
        ),
        (
            eng(
                "E-CLAR",
                "clarification",
                "2026-03-06T10:00:00+08:00",
                json!({
                    "dates": {"bid_deadline": "2026-03-27T09:30:00+08:00"}
                }),
            ),
            1,
        ),
        (
            eng(
                "E-OPEN",
                "bid_opening",
                "2026-03-27T10:30:00+08:00",
                json!({"bidders": bidders}),
            ),
            1,
        ),
        (
            eng(
                "E-CAND",
                "candidate_publicity",
                "2026-03-30T09:00:00+08:00",
                json!({
                    "dates": {"report_received": "2026-03-29", "publicity_end": "2026-04-02"},
                    "bidders": bidders,
                    "elements": {"candidates": "1.宁夏甲建设工程有限公司 2.宁夏乙路桥有限公司 3.吴忠丙市政工程有限公司", "bid_prices": "见附件",
                        "quality": "合格", "duration": "180日历天", "evaluation": "综合评估法", "project_managers": "见附件",
                        "qualifications_response": "满足", "objection_channel": "向招标人书面提出"}
                }),
            ),
            1,
        ),
        (
            eng(
                "E-AWARD",
                "award_result",
                "2026-04-05T09:00:00+08:00",
                json!({
                    "dates": {"determined": "2026-04-03"},
                    "elements": {"winner": "宁夏甲建设工程有限公司", "amount": "11,936,500.50元"}
                }),
            ),
            1,
        ),
        (
            eng(
                "E-CONTRACT",
                "contract",
                "2026-04-20T09:00:00+08:00",
                json!({
                    "dates": {"signed": "2026-04-18"}, "elements": {"amount": "11936500.5"}
                }),
            ),
            1,
        ),
        (
            eng(
                "E-ACCEPT",
                "acceptance",
                "2026-05-20T09:00:00+08:00",
                json!({
                    "elements": {"acceptance_result": "合格"}, "body": "<p>验收合格</p>"
                }),
            ),
            1,
        ),
        // The procurement project: intention, prequalification, a tender notice corrected once.
        (
            proc_(
                "P-INT",
                None,
                "procurement_intention",
                "2026-01-15T09:00:00+08:00",
                json!({
                    "dates": {"activity_start": "2026-03-01"},
                    "elements": {"requirements": "教学设备一批", "budget": "86.5万元", "disclaimer": "以采购公告为准",
                        "purchaser": "吴忠市第一中学", "procurement_category": "goods"}
                }),
            ),
            1,
        ),
        (
            proc_(
                "P-PRE",
                Some("WZCG-2026-017-1"),
                "prequalification_notice",
                "2026-03-01T09:00:00+08:00",
                json!({
                    "elements": {"purchaser": "吴忠市第一中学", "requirements": "教学设备一批",
                        "qualification": "具有独立承担民事责任的能力", "submission": "2026年3月10日前递交"}
                }),
            ),
            1,
        ),
        (
            proc_(
                "P-TENDER",
                Some("WZCG-2026-017-1"),
                "tender_notice",
                "2026-03-12T09:00:00+08:00",
                json!({
                    "dates": {"docs_from": "2026-03-12", "docs_to": "2026-03-18", "bid_deadline": "2026-04-02"},
                    "elements": {"purchaser": "吴忠市第一中学", "agent": "宁夏某采购代理有限公司", "budget": "86.5万元"}
                }),
            ),
            1,
        ),
        (
            proc_(
                "P-TENDER",
                Some("WZCG-2026-017-1"),
                "tender_notice",
                "2026-03-12T09:00:00+08:00",
                json!({
                    "dates": {"docs_from": "2026-03-12", "docs_to": "2026-03-18", "bid_deadline": "2026-04-03"},
                    "elements": {"purchaser": "吴忠市第一中学", "agent": "宁夏某采购代理有限公司", "budget": "86.5万元"}
                }),
            ),
            2,
        ),
        (
            proc_(
                "P-AWARD",
                Some("WZCG-2026-017-1"),
                "award_result",
                "2026-04-10T09:00:00+08:00",
                json!({
                    "dates": {"determined": "2026-04-09"},
                    "elements": {"purchaser": "吴忠市第一中学", "agent": "宁夏某采购代理有限公司",
                        "winner": {"name": "宁夏丁科教设备有限公司", "uscc": u[3]}, "winner_address": "银川市兴庆区",
                        "amount": 845000, "main_items": "见附件", "experts": "张某、李某、赵某",
                        "tender_documents": "见附件", "notice_period": "1个工作日"}
                }),
            ),
            1,
        ),
        // A single-source procurement and a terminated one.
        (
            proc_(
                "S-SOLE",
                Some("WZCG-2026-020-1"),
                "single_source",
                "2026-04-01T09:00:00+08:00",
                json!({
                    "project": "WZCG-2026-020", "project_name": "专用软件升级服务",
                    "dates": {"publicity_end": "2026-04-09"},
                    "elements": {"project_content": "原有专用软件的升级与维护", "sole_supplier": "宁夏戊软件有限公司",
                        "procurement_category": "services"}
                }),
            ),
            1,
        ),
        (
            proc_(
                "T-TERM",
                Some("WZCG-2026-030-1"),
                "termination",
                "2026-04-15T09:00:00+08:00",
                json!({
                    "project": "WZCG-2026-030", "project_name": "办公家具采购"
                }),
            ),
            1,
        ),
    ];
    lines
        .into_iter()
        .map(|(l, version)| {
            let at = if version > 1 {
                datetime!(2026-03-14 15:00:00 +08:00)
            } else {
                rec
            };
            stored(&l, version, at)
        })
        .collect()
}

fn all_releases(v: &Value) -> Vec<Value> {
    v["releases"].as_array().cloned().unwrap_or_default()
}

fn by_id<'a>(rels: &'a [Value], id: &str) -> &'a Value {
    rels.iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no release {id}"))
}

fn tags_of(r: &Value) -> Vec<String> {
    r["tag"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Schema validity

#[test]
fn release_package_validates_against_the_package_and_release_schemas() {
    let pkg = release_package(&ledger(), &opts());
    assert_eq!(all_releases(&pkg).len(), 15);
    assert_valid("release-package-schema.json", &pkg);
    for r in all_releases(&pkg) {
        assert_valid("release-schema.json", &r);
    }
    assert_eq!(pkg["version"], "1.1");
    assert_eq!(pkg["publisher"]["name"], "吴忠市公共资源交易服务中心");
    assert_eq!(pkg["publishedDate"], "2026-06-01T09:00:00+08:00");
}

#[test]
fn record_packages_validate_embedded_and_linked() {
    let embedded = record_package(&ledger(), &opts());
    assert_valid("record-package-schema.json", &embedded);
    for rec in embedded["records"].as_array().into_iter().flatten() {
        assert_valid("release-schema.json", &rec["compiledRelease"]);
    }
    let linked = record_package_with(
        &ledger(),
        &opts(),
        &RecordReleases::Linked {
            release_package_uri: opts().uri,
        },
    );
    assert_valid("record-package-schema.json", &linked);
    // A notice id in Chinese is a valid URI fragment once encoded.
    let line = json!({
        "notice": "招标公告 1", "project": "X", "project_name": "项目", "section": "X-1",
        "section_name": "包1", "category": "procurement", "type": "tender_notice",
        "title": "公告", "published": "2026-04-02T09:00:00+08:00",
    });
    let one = record_package_with(
        &[stored(&line, 1, datetime!(2026-04-02 10:00 +08:00))],
        &opts(),
        &RecordReleases::Linked {
            release_package_uri: opts().uri,
        },
    );
    assert_valid("record-package-schema.json", &one);
    assert_eq!(
        one["records"][0]["releases"][0]["url"],
        format!("{}#%E6%8B%9B%E6%A0%87%E5%85%AC%E5%91%8A%201-v1", opts().uri)
    );
    let first = &linked["records"][0]["releases"][0];
    assert!(
        first["url"]
            .as_str()
            .is_some_and(|u| u.starts_with(&format!("{}#", opts().uri))),
        "{first}"
    );
}

/// A change that breaks a release.
type Mutation = fn(&mut Value);

#[test]
fn the_validation_catches_a_broken_release() {
    // The check is not vacuous: a release without its tag, or with a tag outside the closed
    // codelist, or an unparseable date, is refused.
    let pkg = release_package(&ledger(), &opts());
    let mutations: [(&str, Mutation); 4] = [
        ("no tag", |r| {
            if let Some(o) = r.as_object_mut() {
                o.remove("tag");
            }
        }),
        ("bad tag", |r| r["tag"] = json!(["candidate"])),
        ("bad date", |r| r["date"] = json!("2026-03-02 09:30")),
        ("bad status", |r| r["tender"]["status"] = json!("open")),
    ];
    for (what, mutate) in mutations {
        let mut bad = pkg.clone();
        mutate(&mut bad["releases"][0]);
        assert!(
            !schema_errors("release-package-schema.json", &bad).is_empty(),
            "{what} passed"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Codelists

/// Every string under `key` anywhere in `v` (arrays are entered).
fn values_of(v: &Value, key: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if k == key {
                    match x {
                        Value::String(s) => {
                            out.insert(s.clone());
                        }
                        Value::Array(a) => {
                            out.extend(a.iter().filter_map(|s| s.as_str().map(str::to_string)));
                        }
                        _ => {}
                    }
                }
                values_of(x, key, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| values_of(x, key, out)),
        _ => {}
    }
}

#[test]
fn every_code_used_is_in_its_codelist() {
    let pkg = release_package(&ledger(), &opts());
    let records = record_package(&ledger(), &opts());
    let used = |key: &str| {
        let mut s = BTreeSet::new();
        values_of(&pkg, key, &mut s);
        values_of(&records, key, &mut s);
        s
    };
    let mut statuses = BTreeSet::new();
    for r in all_releases(&pkg) {
        if let Some(s) = r["tender"]["status"].as_str() {
            statuses.insert(("tenderStatus", s.to_string()));
        }
        for a in r["awards"].as_array().into_iter().flatten() {
            if let Some(s) = a["status"].as_str() {
                statuses.insert(("awardStatus", s.to_string()));
            }
        }
        for c in r["contracts"].as_array().into_iter().flatten() {
            if let Some(s) = c["status"].as_str() {
                statuses.insert(("contractStatus", s.to_string()));
            }
        }
    }
    for (list, key) in [
        ("releaseTag", "tag"),
        ("documentType", "documentType"),
        ("partyRole", "roles"),
        ("procurementCategory", "mainProcurementCategory"),
        ("method", "procurementMethod"),
        ("initiationType", "initiationType"),
        ("currency", "currency"),
        ("relatedProcess", "relationship"),
        ("relatedProcessScheme", "scheme"),
    ] {
        let codes = codelist(list);
        let mut used = used(key);
        if key == "scheme" {
            // Identifier schemes (CN-USCC) are org-id prefixes, not this codelist's.
            used.remove("CN-USCC");
        }
        assert!(!used.is_empty(), "{key} is used");
        let outside: Vec<&String> = used.iter().filter(|c| !codes.contains(*c)).collect();
        assert!(outside.is_empty(), "{key} outside {list}.csv: {outside:?}");
    }
    for (list, code) in &statuses {
        assert!(codelist(list).contains(code), "{code} not in {list}.csv");
    }
    // Every stage of the mapping is exercised.
    let tags = used("tag");
    for t in [
        "planning",
        "tender",
        "tenderAmendment",
        "tenderUpdate",
        "tenderCancellation",
        "award",
        "contract",
        "implementation",
        "compiled",
    ] {
        assert!(tags.contains(t), "{t} not used: {tags:?}");
    }
    let docs = used("documentType");
    for d in [
        "procurementPlan",
        "plannedProcurementNotice",
        "tenderNotice",
        "clarifications",
        "bidders",
        "evaluationReports",
        "awardNotice",
        "contractNotice",
        "completionCertificate",
        "cancellationDetails",
    ] {
        assert!(docs.contains(d), "{d} not used: {docs:?}");
    }
    assert_eq!(
        used("roles"),
        BTreeSet::from(["buyer", "procuringEntity", "supplier", "tenderer"].map(String::from)),
    );
}

// ---------------------------------------------------------------------------------------------
// The mapping

#[test]
fn each_notice_type_maps_to_its_stage() {
    let rels = releases(&ledger(), &opts());
    let u = usccs();
    let eng_ocid = "ocds-gk0001-wuzhong%2Dggzy-WZ2026%2D001-WZ2026%2D001%2D01";
    let plan_ocid = "ocds-gk0001-wuzhong%2Dggzy-WZ2026%2D001";

    let plan = by_id(&rels, "E-PLAN-v1");
    assert_eq!(plan["ocid"], plan_ocid, "a plan belongs to the project");
    assert_eq!(tags_of(plan), ["planning"]);
    assert_eq!(
        plan["planning"]["budget"]["amount"],
        json!({"amount": 12_800_000, "currency": "CNY"})
    );
    assert_eq!(plan["buyer"]["name"], "吴忠市交通运输局");
    assert_eq!(plan["tender"]["status"], "planned");
    assert_eq!(
        plan["planning"]["documents"][0]["documentType"],
        "procurementPlan"
    );

    let tender = by_id(&rels, "E-TENDER-v1");
    assert_eq!(tender["ocid"], eng_ocid);
    assert_eq!(tags_of(tender), ["tender"]);
    assert_eq!(tender["initiationType"], "tender");
    assert_eq!(tender["language"], "zh");
    assert_eq!(tender["date"], "2026-03-02T09:30:00+08:00");
    let t = &tender["tender"];
    assert_eq!(t["status"], "active");
    assert_eq!(t["procurementMethod"], "open");
    assert_eq!(t["mainProcurementCategory"], "works");
    assert_eq!(t["tenderPeriod"]["startDate"], "2026-03-02T00:00:00+08:00");
    assert_eq!(t["tenderPeriod"]["endDate"], "2026-03-25T09:30:00+08:00");
    assert_eq!(t["value"]["amount"], 12_800_000);
    assert_eq!(t["procuringEntity"]["name"], "宁夏某招标代理有限公司");
    assert_eq!(tender["buyer"]["name"], "吴忠市交通运输局");
    let doc = &t["documents"][0];
    assert_eq!(doc["documentType"], "tenderNotice");
    assert_eq!(doc["title"], "吴忠市某道路改造工程一标段E-TENDER");
    assert_eq!(doc["datePublished"], "2026-03-02T09:30:00+08:00");
    let buyer = tender["parties"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "吴忠市交通运输局")
        .cloned()
        .unwrap_or_default();
    assert_eq!(buyer["roles"], json!(["buyer"]));
    assert_eq!(buyer["address"]["streetAddress"], "吴忠市利通区朝阳街1号");
    assert_eq!(buyer["contactPoint"]["telephone"], "0953-1234567");
    assert_eq!(
        tender["relatedProcesses"][0],
        json!({"id": "planning", "relationship": ["planning"], "title": "吴忠市某道路改造工程",
               "scheme": "ocid", "identifier": plan_ocid})
    );

    let clar = by_id(&rels, "E-CLAR-v1");
    assert_eq!(tags_of(clar), ["tenderAmendment"]);
    assert_eq!(
        clar["tender"]["tenderPeriod"],
        json!({"endDate": "2026-03-27T09:30:00+08:00"})
    );
    assert_eq!(
        clar["tender"]["amendments"][0]["amendsReleaseID"],
        "E-TENDER-v1"
    );
    assert_eq!(
        clar["tender"]["documents"][0]["documentType"],
        "clarifications"
    );

    let open = by_id(&rels, "E-OPEN-v1");
    assert_eq!(tags_of(open), ["tenderUpdate"]);
    assert_eq!(open["tender"]["numberOfTenderers"], 3);
    assert_eq!(
        open["tender"]["tenderers"][0],
        json!({"id": format!("CN-USCC-{}", u[0]), "name": "宁夏甲建设工程有限公司"})
    );
    let party = &open["parties"][0];
    assert_eq!(party["identifier"]["scheme"], "CN-USCC");
    assert_eq!(party["roles"], json!(["tenderer"]));

    let cand = by_id(&rels, "E-CAND-v1");
    assert_eq!(tags_of(cand), ["award"]);
    let a = &cand["awards"][0];
    assert_eq!(a["status"], "pending");
    assert_eq!(
        a["suppliers"],
        json!([{"id": format!("CN-USCC-{}", u[0]), "name": "宁夏甲建设工程有限公司"}])
    );
    assert!(
        a["description"].as_str().is_some_and(
            |d| d.contains("2. 宁夏乙路桥有限公司") && d.contains("公示期至2026-04-02")
        ),
        "{a}"
    );
    assert_eq!(a["documents"][0]["documentType"], "evaluationReports");

    let award = by_id(&rels, "E-AWARD-v1");
    assert_eq!(tags_of(award), ["award"]);
    let a = &award["awards"][0];
    assert_eq!(
        a["id"], cand["awards"][0]["id"],
        "the same award, now active"
    );
    assert_eq!(a["status"], "active");
    assert_eq!(a["date"], "2026-04-03T00:00:00+08:00");
    assert_eq!(
        a["value"],
        json!({"amount": 11_936_500.5, "currency": "CNY"})
    );
    // The winner, named without its USCC, is the bidder of that name.
    assert_eq!(a["suppliers"][0]["id"], format!("CN-USCC-{}", u[0]));
    let winner = &award["parties"][0];
    assert_eq!(
        winner["roles"],
        json!(["supplier", "tenderer"]),
        "roles accumulate"
    );
    assert_eq!(award["tender"]["status"], "complete");

    let contract = by_id(&rels, "E-CONTRACT-v1");
    assert_eq!(tags_of(contract), ["contract"]);
    let c = &contract["contracts"][0];
    assert_eq!(c["awardID"], award["awards"][0]["id"]);
    assert_eq!(c["status"], "active");
    assert_eq!(c["dateSigned"], "2026-04-18T00:00:00+08:00");
    assert_eq!(c["value"]["amount"], 11_936_500.5);
    assert_eq!(c["documents"][0]["documentType"], "contractNotice");

    let accept = by_id(&rels, "E-ACCEPT-v1");
    assert_eq!(tags_of(accept), ["implementation"]);
    assert_eq!(accept["contracts"][0]["id"], c["id"]);
    let d = &accept["contracts"][0]["implementation"]["documents"][0];
    assert_eq!(d["documentType"], "completionCertificate");
    assert_eq!(d["format"], "text/html");

    let intention = by_id(&rels, "P-INT-v1");
    assert_eq!(tags_of(intention), ["planning"]);
    assert_eq!(intention["planning"]["budget"]["amount"]["amount"], 865_000);
    assert_eq!(intention["tender"]["mainProcurementCategory"], "goods");
    assert_eq!(
        intention["tender"]["tenderPeriod"]["startDate"],
        "2026-03-01T00:00:00+08:00"
    );
    assert_eq!(
        intention["planning"]["documents"][0]["documentType"],
        "plannedProcurementNotice"
    );

    let pre = by_id(&rels, "P-PRE-v1");
    assert_eq!(tags_of(pre), ["tender"]);
    assert_eq!(pre["tender"]["procurementMethod"], "selective");
    let ptender = by_id(&rels, "P-TENDER-v1");
    assert_eq!(
        ptender["tender"]["procurementMethod"], "selective",
        "a tender after a prequalification is selective"
    );
    assert_eq!(
        ptender["tender"]["tenderPeriod"]["endDate"], "2026-04-02T23:59:59+08:00",
        "a deadline without a time ends with its day"
    );
    let paward = by_id(&rels, "P-AWARD-v1");
    let supplier = &paward["parties"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "宁夏丁科教设备有限公司")
        .cloned()
        .unwrap_or_default();
    assert_eq!(supplier["identifier"]["id"], u[3].as_str());
    assert_eq!(supplier["address"]["streetAddress"], "银川市兴庆区");
    assert_eq!(paward["awards"][0]["value"]["amount"], 845_000);
    let agent = paward["parties"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "宁夏某采购代理有限公司")
        .cloned()
        .unwrap_or_default();
    assert_eq!(agent["roles"], json!(["procuringEntity"]));

    let sole = by_id(&rels, "S-SOLE-v1");
    assert_eq!(tags_of(sole), ["tender"]);
    assert_eq!(sole["tender"]["procurementMethod"], "direct");
    assert_eq!(sole["tender"]["procurementMethodDetails"], "单一来源采购");
    assert_eq!(sole["tender"]["mainProcurementCategory"], "services");
    assert_eq!(sole["awards"][0]["status"], "pending");
    assert_eq!(
        sole["awards"][0]["suppliers"][0]["name"],
        "宁夏戊软件有限公司"
    );

    let term = by_id(&rels, "T-TERM-v1");
    assert_eq!(tags_of(term), ["tenderCancellation"]);
    assert_eq!(term["tender"]["status"], "cancelled");
    assert_eq!(
        term["tender"]["documents"][0]["documentType"],
        "cancellationDetails"
    );
}

#[test]
fn release_ids_are_unique_stable_and_never_contain_a_hash() {
    let notices = ledger();
    let pkg = release_package(&notices, &opts());
    let rels = all_releases(&pkg);
    let ids: BTreeSet<&str> = rels.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.len(), rels.len(), "ids unique in the package");
    let pairs: BTreeSet<(String, String)> = rels
        .iter()
        .map(|r| (r["ocid"].to_string(), r["id"].to_string()))
        .collect();
    assert_eq!(pairs.len(), rels.len());
    // Every process's own arrays have unique ids too.
    for r in &rels {
        for key in ["parties", "awards", "contracts"] {
            let ids: Vec<&Value> = r[key]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| &x["id"])
                .collect();
            let set: BTreeSet<String> = ids.iter().map(|v| v.to_string()).collect();
            assert_eq!(set.len(), ids.len(), "{key} of {}", r["id"]);
        }
    }
    // The same notices in another order, given twice, export the same.
    let mut shuffled: Vec<StoredNotice> = notices.iter().rev().cloned().collect();
    shuffled.extend(notices.iter().cloned());
    assert_eq!(release_package(&shuffled, &opts()), pkg);
    // Ids never carry `#`, and encoding keeps different ids apart.
    assert_eq!(release_id("ZB#2026 01", 3), "ZB%232026%2001-v3");
    assert_eq!(release_id("ZB%232026", 1), "ZB%25232026-v1");
    assert_eq!(release_id("招标-甲", 1), "招标-甲-v1");
    assert!(
        rels.iter()
            .all(|r| !r["id"].as_str().unwrap_or("#").contains('#'))
    );
    // Releases are in date order.
    let dates: Vec<OffsetDateTime> = rels.iter().map(|r| parse_time(&r["date"])).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
}

fn parse_time(v: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(
        v.as_str().unwrap_or_default(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap_or_else(|e| panic!("{v}: {e}"))
}

#[test]
fn a_correction_is_a_second_release_of_the_same_process_with_an_update_tag() {
    let rels = releases(&ledger(), &opts());
    let v1 = by_id(&rels, "P-TENDER-v1");
    let v2 = by_id(&rels, "P-TENDER-v2");
    assert_eq!(v1["ocid"], v2["ocid"]);
    assert_eq!(tags_of(v1), ["tender"]);
    assert_eq!(tags_of(v2), ["tenderUpdate"]);
    // Published at the same time as version 1: dated when the correction was recorded.
    assert_eq!(v2["date"], "2026-03-14T15:00:00+08:00");
    assert!(parse_time(&v2["date"]) > parse_time(&v1["date"]));
    assert_eq!(
        v2["tender"]["tenderPeriod"]["endDate"],
        "2026-04-03T23:59:59+08:00"
    );
    let doc = &v2["tender"]["documents"][0];
    assert_eq!(
        doc["id"], v1["tender"]["documents"][0]["id"],
        "the same document, modified"
    );
    assert_eq!(doc["dateModified"], "2026-03-14T15:00:00+08:00");

    // Each stage's update tag, and a correction whose stage is not in the export takes the
    // stage's base tag.
    let rec = datetime!(2026-05-01 10:00:00 +08:00);
    let line = |id: &str, ty: &str, published: &str, extra: Value| {
        let mut v = json!({
            "notice": id, "project": "X1", "project_name": "项目", "section": "X1-1",
            "section_name": "一标段", "category": "engineering", "type": ty, "title": id,
            "published": published,
        });
        if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
            o.extend(e);
        }
        v
    };
    let award = line(
        "A",
        "award_result",
        "2026-04-01T09:00:00+08:00",
        json!({"elements": {"winner": "甲公司"}}),
    );
    let contract = line(
        "C",
        "contract",
        "2026-04-02T09:00:00+08:00",
        json!({"dates": {"signed": "2026-04-02"}}),
    );
    let accept = line("K", "acceptance", "2026-04-03T09:00:00+08:00", json!({}));
    let open = line("O", "bid_opening", "2026-03-01T09:00:00+08:00", json!({}));
    let list = vec![
        stored(&open, 1, rec),
        stored(&award, 1, rec),
        stored(&award, 2, rec),
        stored(&contract, 1, rec),
        stored(&contract, 2, rec),
        stored(&accept, 1, rec),
        stored(&accept, 2, rec),
    ];
    let rels = releases(&list, &opts());
    let tag = |id: &str| tags_of(by_id(&rels, id));
    assert_eq!(
        tag("O-v1"),
        ["tender"],
        "a bid opening with no tender release before it"
    );
    assert_eq!(tag("A-v2"), ["awardUpdate"]);
    assert_eq!(tag("C-v2"), ["contractUpdate"]);
    assert_eq!(tag("K-v2"), ["implementationUpdate"]);
    // A version 2 alone in the export is the stage's first release.
    let rels = releases(&[stored(&award, 2, rec)], &opts());
    assert_eq!(tags_of(&rels[0]), ["award"]);
    assert_valid(
        "release-package-schema.json",
        &release_package(&list, &opts()),
    );
}

#[test]
fn records_compile_their_releases_in_date_order() {
    let pkg = record_package(&ledger(), &opts());
    assert_eq!(pkg["version"], "1.1");
    let records = pkg["records"].as_array().cloned().unwrap_or_default();
    let ocids: Vec<&str> = records.iter().filter_map(|r| r["ocid"].as_str()).collect();
    let mut sorted = ocids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ocids, sorted, "one record per ocid");
    // Two projects' plans, two sections of them and two other sections.
    assert_eq!(records.len(), 6);
    for rec in &records {
        let rels = rec["releases"].as_array().cloned().unwrap_or_default();
        assert!(rels.iter().all(|r| r["ocid"] == rec["ocid"]));
        let dates: Vec<OffsetDateTime> = rels.iter().map(|r| parse_time(&r["date"])).collect();
        assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{}", rec["ocid"]);
        let c = &rec["compiledRelease"];
        assert_eq!(c["tag"], json!(["compiled"]));
        assert_eq!(
            c["date"],
            rels.last().map(|r| r["date"].clone()).unwrap_or_default()
        );
    }
    let eng = records
        .iter()
        .find(|r| {
            r["ocid"]
                .as_str()
                .is_some_and(|o| o.ends_with("WZ2026%2D001%2D01"))
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(eng["releases"].as_array().map(Vec::len), Some(7));
    let c = &eng["compiledRelease"];
    assert_eq!(
        c["id"],
        format!(
            "{}-2026-05-20T09:00:00+08:00",
            eng["ocid"].as_str().unwrap_or_default()
        )
    );
    // Later values replace earlier ones; the clarification's deadline replaces the notice's,
    // the notice's start stays.
    assert_eq!(c["tender"]["status"], "complete");
    assert_eq!(
        c["tender"]["tenderPeriod"],
        json!({"startDate": "2026-03-02T00:00:00+08:00", "endDate": "2026-03-27T09:30:00+08:00"})
    );
    // Arrays of objects merge by id: one award, active, with its two documents; every notice's
    // document; the three tenderers; each party once, the winner with both roles.
    let awards = c["awards"].as_array().cloned().unwrap_or_default();
    assert_eq!(awards.len(), 1);
    assert_eq!(awards[0]["status"], "active");
    assert_eq!(awards[0]["documents"].as_array().map(Vec::len), Some(2));
    assert_eq!(c["tender"]["documents"].as_array().map(Vec::len), Some(3));
    assert_eq!(c["tender"]["tenderers"].as_array().map(Vec::len), Some(3));
    assert_eq!(c["tender"]["amendments"].as_array().map(Vec::len), Some(1));
    let parties = c["parties"].as_array().cloned().unwrap_or_default();
    let names: BTreeMap<String, Value> = parties
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_string(),
                p["roles"].clone(),
            )
        })
        .collect();
    assert_eq!(names.len(), parties.len());
    assert_eq!(
        names["宁夏甲建设工程有限公司"],
        json!(["supplier", "tenderer"])
    );
    assert_eq!(names["宁夏乙路桥有限公司"], json!(["tenderer"]));
    assert_eq!(names["吴忠市交通运输局"], json!(["buyer"]));
    assert_eq!(names["宁夏某招标代理有限公司"], json!(["procuringEntity"]));
    let contracts = c["contracts"].as_array().cloned().unwrap_or_default();
    assert_eq!(contracts.len(), 1);
    assert_eq!(contracts[0]["dateSigned"], "2026-04-18T00:00:00+08:00");
    assert_eq!(
        contracts[0]["implementation"]["documents"][0]["documentType"],
        "completionCertificate"
    );

    // The corrected tender notice: its version 2 wins in the compiled release.
    let proc_ = records
        .iter()
        .find(|r| {
            r["ocid"]
                .as_str()
                .is_some_and(|o| o.ends_with("WZCG%2D2026%2D017%2D1"))
        })
        .cloned()
        .unwrap_or_default();
    let tags: Vec<Vec<String>> = proc_["releases"]
        .as_array()
        .into_iter()
        .flatten()
        .map(tags_of)
        .collect();
    assert_eq!(
        tags,
        [
            vec!["tender"],
            vec!["tender"],
            vec!["tenderUpdate"],
            vec!["award"]
        ]
        .map(|v| v.into_iter().map(String::from).collect::<Vec<_>>())
    );
    let c = &proc_["compiledRelease"];
    assert_eq!(
        c["tender"]["tenderPeriod"]["endDate"],
        "2026-04-03T23:59:59+08:00"
    );
    assert_eq!(c["tender"]["procurementMethod"], "selective");
}

#[test]
fn the_merge_follows_the_ocds_rules() {
    let r1 = json!({
        "ocid": "o", "id": "1", "date": "2026-01-01T00:00:00+08:00", "tag": ["tender"],
        "tender": {"id": "t", "title": "旧", "status": "active", "documents": [{"id": "d1", "title": "一"}],
                   "items": [{"id": "i1", "description": "甲"}]},
        "parties": [{"id": "p", "name": "甲", "roles": ["tenderer"]}],
        "language": "zh",
    });
    let r2 = json!({
        "ocid": "o", "id": "2", "date": "2026-01-02T00:00:00+08:00", "tag": ["tenderUpdate"],
        "tender": {"id": "t", "title": "新", "documents": [{"id": "d2", "title": "二"}, {"id": "d1", "title": "一（更正）"}]},
        "parties": [{"id": "p", "roles": ["supplier"]}],
        "language": null,
    });
    let c = compile(&[r1, r2]);
    assert_eq!(c["id"], "o-2026-01-02T00:00:00+08:00");
    assert_eq!(c["date"], "2026-01-02T00:00:00+08:00");
    assert_eq!(c["tag"], json!(["compiled"]));
    assert_eq!(c["tender"]["title"], "新");
    assert_eq!(c["tender"]["status"], "active");
    assert_eq!(
        c["tender"]["documents"],
        json!([{"id": "d1", "title": "一（更正）"}, {"id": "d2", "title": "二"}])
    );
    assert_eq!(
        c["tender"]["items"],
        json!([{"id": "i1", "description": "甲"}])
    );
    assert_eq!(
        c["parties"],
        json!([{"id": "p", "name": "甲", "roles": ["supplier"]}])
    );
    assert!(c.get("language").is_none(), "null removes a field");
}

#[test]
fn amounts_are_read_exactly_or_left_out() {
    let amount = |v: Value| {
        let line = json!({
            "notice": "A", "project": "X", "project_name": "项目", "section": "X-1",
            "section_name": "包1", "category": "procurement", "type": "contract", "title": "合同",
            "published": "2026-04-02T09:00:00+08:00", "elements": {"amount": v},
        });
        let rels = releases(
            &[stored(&line, 1, datetime!(2026-04-02 10:00 +08:00))],
            &opts(),
        );
        rels[0]["contracts"][0]
            .get("value")
            .map(|v| v["amount"].clone())
    };
    assert_eq!(amount(json!("4437")), Some(json!(4437)));
    assert_eq!(amount(json!("20.3")), Some(json!(20.3)));
    assert_eq!(amount(json!("20.3万元")), Some(json!(203_000)));
    assert_eq!(amount(json!("0.00012万")), Some(json!(1.2)));
    assert_eq!(amount(json!("¥1,200.50元")), Some(json!(1200.5)));
    assert_eq!(amount(json!(99)), Some(json!(99)));
    assert_eq!(amount(json!({"amount": "12.50"})), Some(json!(12.5)));
    for bad in [
        json!("约100万"),
        json!("见附件"),
        json!("1.2.3"),
        json!("12."),
        json!(""),
        json!([1]),
    ] {
        assert_eq!(amount(bad.clone()), None, "{bad}");
    }
}

#[test]
fn land_and_state_asset_trading_has_no_procurement_category() {
    let line = json!({
        "notice": "L1", "project": "TD-1", "project_name": "国有建设用地使用权出让", "section": "TD-1-1",
        "section_name": "地块一", "category": "land", "type": "tender_notice", "title": "出让公告",
        "published": "2026-04-02T09:00:00+08:00",
    });
    let pkg = release_package(
        &[stored(&line, 1, datetime!(2026-04-02 10:00 +08:00))],
        &opts(),
    );
    assert!(
        pkg["releases"][0]["tender"]
            .get("mainProcurementCategory")
            .is_none()
    );
    assert_valid("release-package-schema.json", &pkg);
}

// ---------------------------------------------------------------------------------------------
// Any ledger

/// A random element value: the shapes a notice may carry.
fn random_element(rng: &mut ChaCha8Rng, names: &[(String, String)]) -> Value {
    let (name, code) = &names[rng.random_range(0..names.len())];
    match rng.random_range(0..10) {
        0 => Value::Null,
        1 => json!(rng.random_range(0..2) == 0),
        2 => json!(rng.random_range(0..10_000_000u64)),
        3 => json!(format!(
            "{}.{:02}万元",
            rng.random_range(0..99_999u32),
            rng.random_range(0..100u32)
        )),
        4 => json!(format!("{name}，地址：某地（某处）；电话：0953-1")),
        5 => json!({"name": name, "uscc": code, "address": "某地"}),
        6 => json!({"name": name, "uscc": "91640302000000019X"}),
        7 => json!([{"name": name}, name, 3]),
        8 => json!({"名称": name, "amount": "1e9"}),
        _ => json!(" #%\u{0}\n "),
    }
}

#[test]
fn any_ledger_exports_valid_packages_with_consistent_tags() {
    const TYPES: &[&str] = &[
        "tender_plan",
        "procurement_intention",
        "prequalification_notice",
        "tender_notice",
        "clarification",
        "bid_opening",
        "candidate_publicity",
        "award_result",
        "contract",
        "acceptance",
        "termination",
        "single_source",
    ];
    const CATEGORIES: &[&str] = &["engineering", "procurement", "land", "state_asset", "other"];
    const KEYS: &[&str] = &[
        "purchaser",
        "tenderer",
        "agent",
        "winner",
        "sole_supplier",
        "candidates",
        "budget",
        "amount",
        "requirements",
        "project_content",
        "procurement_category",
        "winner_address",
    ];
    let codes = usccs();
    let names: Vec<(String, String)> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("公司{i}#"), c.clone()))
        .collect();
    let tags = codelist("releaseTag");
    let roles = codelist("partyRole");
    let docs = codelist("documentType");
    for seed in 0..8u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut notices = Vec::new();
        for i in 0..60 {
            let ty = TYPES[rng.random_range(0..TYPES.len())];
            let day = rng.random_range(1..28);
            let published = format!(
                "2026-03-{day:02}T{:02}:00:00+08:00",
                rng.random_range(0..24)
            );
            let mut elements = serde_json::Map::new();
            for _ in 0..rng.random_range(0..6) {
                let k = KEYS[rng.random_range(0..KEYS.len())];
                elements.insert(k.into(), random_element(&mut rng, &names));
            }
            let mut v = json!({
                "notice": format!("N{}#{}", i % 40, rng.random_range(0..3)),
                "project": format!("P-{}", rng.random_range(0..3)),
                "project_name": "项目",
                "section": format!("S {}", rng.random_range(0..2)),
                "section_name": "标段",
                "category": CATEGORIES[rng.random_range(0..CATEGORIES.len())],
                "type": ty,
                "title": "公告",
                "published": published,
                "elements": elements,
                "dates": {
                    "docs_from": format!("2026-03-{day:02}"),
                    "docs_to": "2026-03-28",
                    "bid_deadline": format!("2026-04-{:02}", rng.random_range(1..28)),
                    "report_received": "2026-03-01",
                    "publicity_end": "2026-04-28",
                    "determined": "2026-03-01",
                    "signed": "2026-03-01",
                    "activity_start": "2026-06-01",
                },
            });
            if matches!(ty, "bid_opening" | "candidate_publicity") {
                v["bidders"] = json!(
                    names
                        .iter()
                        .take(rng.random_range(0..=names.len()))
                        .map(|(n, c)| json!({"name": n, "uscc": c}))
                        .collect::<Vec<_>>()
                );
            }
            if (ty == "tender_plan" || ty == "procurement_intention")
                && let Some(o) = v.as_object_mut()
            {
                o.remove("section");
                o.remove("section_name");
            }
            let Ok(notice) = Notice::parse(&v.to_string()) else {
                continue;
            };
            notices.push(StoredNotice {
                notice,
                version: rng.random_range(1..4),
                recorded_at: datetime!(2026-03-01 00:00 +08:00)
                    + time::Duration::hours(rng.random_range(0..1500)),
            });
        }
        assert!(
            notices.len() > 30,
            "seed {seed}: only {} notices parsed",
            notices.len()
        );
        let pkg = release_package(&notices, &opts());
        assert_valid("release-package-schema.json", &pkg);
        let records = record_package(&notices, &opts());
        assert_valid("record-package-schema.json", &records);
        let rels = all_releases(&pkg);
        let mut seen = BTreeSet::new();
        for r in &rels {
            assert!(
                seen.insert(r["id"].to_string()),
                "seed {seed}: {} twice",
                r["id"]
            );
        }
        let mut used = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        values_of(&pkg, "tag", &mut used.0);
        values_of(&pkg, "roles", &mut used.1);
        values_of(&pkg, "documentType", &mut used.2);
        assert!(used.0.is_subset(&tags) && used.1.is_subset(&roles) && used.2.is_subset(&docs));
        // An update or amendment follows a release of its stage in the same process.
        for rec in records["records"].as_array().into_iter().flatten() {
            let mut stages = BTreeSet::new();
            let mut last = None;
            for r in rec["releases"].as_array().into_iter().flatten() {
                let date = parse_time(&r["date"]);
                assert!(
                    last.is_none_or(|l| l <= date),
                    "seed {seed}: {} out of order",
                    r["id"]
                );
                last = Some(date);
                for t in tags_of(r) {
                    let stage = ["planning", "tender", "award", "contract", "implementation"]
                        .into_iter()
                        .find(|s| t.starts_with(s))
                        .unwrap_or_default();
                    if t.ends_with("Update") || t.ends_with("Amendment") {
                        assert!(
                            stages.contains(stage),
                            "seed {seed}: {t} first in {}",
                            rec["ocid"]
                        );
                    }
                    stages.insert(stage);
                }
            }
        }
    }
}

#[test]
fn the_ocid_prefix_is_checked() {
    assert_eq!(check_prefix("ocds-gk0001"), Ok(()));
    for bad in [
        "ocds-gongkai",
        "ocds-GK0001",
        "ocds-gk001",
        "ocds-",
        "gk0001",
        "ocds-gk000-",
    ] {
        let e = check_prefix(bad).map_err(|e| e.to_string());
        assert!(
            e.as_ref()
                .is_err_and(|m| m.contains(bad) && m.contains("OCID 前缀")),
            "{bad}: {e:?}"
        );
    }
}

/// A section keeps the `ocid` it was created with (the public feed shows the stored one): a
/// stored `ocid` wins over the prefix, the other processes keep theirs.
#[test]
fn a_sections_stored_ocid_wins_over_the_prefix() {
    let notices = ledger();
    let Some(n) = notices
        .iter()
        .map(|s| &s.notice)
        .find(|n| n.section.is_some())
    else {
        panic!("the ledger has sectioned notices")
    };
    let key = (n.project.clone(), n.section.clone().unwrap_or_default());
    let before = release_package(&notices, &opts());
    let mut o = opts();
    o.section_ocids.insert(key, "ocds-zz9999-kept".into());
    let after = release_package(&notices, &o);
    let ocids = |p: &Value| -> Vec<String> {
        p["releases"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r["ocid"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let (b, a) = (ocids(&before), ocids(&after));
    assert_eq!(b.len(), a.len());
    let kept = a.iter().filter(|o| *o == "ocds-zz9999-kept").count();
    assert!(kept > 0, "{a:?}");
    for (x, y) in b.iter().zip(&a) {
        assert!(x == y || y == "ocds-zz9999-kept", "{x} → {y}");
        assert!(x.starts_with("ocds-gk0001-"), "{x}");
    }
    assert_eq!(
        b.iter().filter(|x| !a.contains(x)).count(),
        kept,
        "only that section's releases changed"
    );
}
