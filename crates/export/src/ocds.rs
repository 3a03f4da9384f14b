//! Trading notices as Open Contracting Data Standard 1.1 (contracts.md §1 `gongkai export ocds`,
//! anchors.md §4a): a release package with one release per stored notice version, or a record
//! package with one record per contracting process and its compiled release.
//!
//! Pure: the caller reads the notice versions (the database) and writes the JSON (the CLI).
//!
//! **Contracting processes.** One process per 标段/包: its `ocid` is the domain's
//! [`ocid`]`(prefix, agency, project, section)`. Plans and intentions, which belong to a project,
//! form the project's own process (`ocid` without a section); a section's releases point to it
//! in `relatedProcesses` (relationship `planning`) when it is in the export.
//!
//! **Releases.** `id` = the notice id (with `#`, `%`, blanks and controls percent-encoded) +
//! `-v{version}`, unique within an agency's export and stable across exports. `date` = the time
//! the version became public: `published` for version 1; for a correction the later of its own
//! `published` and, when that is not later than the previous version's date, its `recorded_at`.
//! The stage a notice type feeds and its tag:
//!
//! | type | tag (version 1) | tag (correction) | what the release carries |
//! | --- | --- | --- | --- |
//! | tender_plan | planning | planningUpdate | `planning` (budget, rationale, procurementPlan), `tender.status` planned |
//! | procurement_intention | planning | planningUpdate | the same with plannedProcurementNotice; `activity_start` as `tender.tenderPeriod.startDate` |
//! | prequalification_notice | tender | tenderUpdate | `tender` active, method selective, tenderNotice |
//! | tender_notice | tender | tenderUpdate | `tender` active, method open (selective after a prequalification), tenderPeriod, value, tenderNotice |
//! | single_source | tender | tenderUpdate | `tender` active, method direct (单一来源采购), the proposed supplier as a pending award |
//! | clarification | tenderAmendment | tenderUpdate | `tender.tenderPeriod.endDate`, an `amendments` entry, clarifications |
//! | bid_opening | tenderUpdate | tenderUpdate | the bidders as tenderers, numberOfTenderers, bidders |
//! | candidate_publicity | award | awardUpdate | the section's award, status pending, first candidate as supplier, evaluationReports |
//! | award_result | award | awardUpdate | the same award active, winners as suppliers, value, date; tender complete; awardNotice |
//! | contract | contract | contractUpdate | the section's contract active, dateSigned, value; contractNotice |
//! | acceptance | implementation | implementationUpdate | the contract's implementation documents: completionCertificate |
//! | termination | tenderCancellation | tenderUpdate | `tender.status` cancelled; cancellationDetails |
//!
//! An update or amendment tag needs an earlier release of its stage in the same process: when
//! the export holds none (e.g. its period starts after the tender notice), the stage's base tag
//! is used instead (`tender`, `award`, …).
//!
//! **Parties.** Bidders are identified by their 统一社会信用代码 (`identifier.scheme` `CN-USCC`,
//! party id `CN-USCC-{uscc}`). Organisations named in `elements` — `purchaser` or `tenderer`
//! (buyer), `agent` (procuringEntity; the buyer when there is none), `winner` (supplier),
//! `sole_supplier` — may be a string (its name is the text before the first comma, semicolon or
//! bracket, after a `名称：`-style label), an object `{"name", "uscc", "address", "contact",
//! "telephone"}` or an array of either; a name without a USCC takes the USCC of the section's
//! bidder of that name, else the party id is `name-{name}`. A party's `roles` accumulate over
//! the process's releases, so that merging (which replaces arrays of strings) keeps them all.
//!
//! **Other elements read.** `project_content` or `requirements` → `tender.description` (and
//! `planning.rationale`), `qualification` → `eligibilityCriteria`, `submission` →
//! `submissionMethodDetails`, `procurement_method` → `procurementMethodDetails`,
//! `procurement_category` (`goods`/`services`/`works` or 货物/服务/工程) → the
//! `mainProcurementCategory` of a procurement (goods when absent; engineering is works; land,
//! state assets and other trading have none, the codelist being closed), `winner_address` → the
//! first winner's address. Only non-blank strings are taken.
//!
//! **Money.** `budget` and `amount` elements become `Value {amount, currency: "CNY"}` when they
//! are a number or a decimal string in 元 (`"4437"`, `"1,200.50元"`) or 万元 (`"20.3万元"`);
//! anything else is left out.
//!
//! **Records.** One record per `ocid`, its releases in date order (embedded, or linked to a
//! release package), and a `compiledRelease` made by [`compile`]: the releases merged oldest
//! first, later values replacing earlier ones, arrays of objects with `id` merged by id, other
//! arrays replaced whole, `null` removing a field; `tag` `["compiled"]`, `id` `{ocid}-{date}`.

use std::collections::{BTreeMap, BTreeSet};

use gongkai_domain::codes::{NoticeType, TradingCategory};
use gongkai_domain::period::{BEIJING, iso};
use gongkai_domain::trading::{DateField, DateValue, Notice, ocid};
use serde_json::{Map, Number, Value, json};
use time::OffsetDateTime;

/// The OCDS version the packages declare.
pub const OCDS_VERSION: &str = "1.1";
/// The identifier scheme of a 统一社会信用代码.
pub const USCC_SCHEME: &str = "CN-USCC";
/// The currency of every amount.
pub const CURRENCY: &str = "CNY";

/// What keeps an export from being made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcdsError {
    #[error(
        "OCID 前缀“{0}”无效：应为 ocds- 加 6 位小写字母或数字（在开放缔约伙伴关系登记的前缀，如 ocds-a1b2c3）"
    )]
    Prefix(String),
}

/// Checks an OCID prefix: `ocds-` and 6 lower-case letters or digits (anchors.md §4a; the
/// validators read the prefix as the first 11 characters of every `ocid`).
pub fn check_prefix(prefix: &str) -> Result<(), OcdsError> {
    gongkai_domain::trading::check_ocid_prefix(prefix, "ocid_prefix")
        .map_err(|_| OcdsError::Prefix(prefix.to_string()))
}

/// One stored version of a notice: version 1 as first imported, 2, 3, … its corrections.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredNotice {
    pub notice: Notice,
    pub version: u32,
    /// When this version was recorded in the ledger.
    pub recorded_at: OffsetDateTime,
}

/// What the packages say about their publisher, and how ids are made.
#[derive(Debug, Clone, PartialEq)]
pub struct OcdsOptions {
    /// The registered OCID prefix, e.g. `ocds-xxxxxx` (without a trailing `-`), for the
    /// processes that have no stored `ocid` (a project's plans and intentions).
    pub ocid_prefix: String,
    /// The `ocid` each section was given when it was created, by (project code, section code):
    /// a section keeps it for good, whatever the prefix is later (the public feed shows the
    /// same). Sections missing here get one made with `ocid_prefix`.
    pub section_ocids: BTreeMap<(String, String), String>,
    /// The agency's code, part of every `ocid`.
    pub agency_code: String,
    /// The agency's name (the notices' publisher; named in each notice document).
    pub agency_name: String,
    /// `publisher.name` of the package; the agency's name when blank.
    pub publisher_name: String,
    /// The package's `uri`.
    pub uri: String,
    /// The package's `publishedDate`.
    pub published_date: OffsetDateTime,
    /// The package's `license` (a URI), if any.
    pub license: Option<String>,
}

/// How a record lists its releases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordReleases {
    /// The releases themselves, in date order.
    Embedded,
    /// `{url, date, tag}` pointing into the release package published at this URI
    /// (`{uri}#{release id}`).
    Linked { release_package_uri: String },
}

/// The release package (OCDS 1.1): one release per notice version, ordered by date. With no
/// notices its `releases` is empty, which the schema refuses (`minItems` 1): the caller says
/// there is nothing to export instead.
pub fn release_package(notices: &[StoredNotice], opts: &OcdsOptions) -> Value {
    let mut p = package_meta(opts);
    p.insert("releases".into(), Value::Array(releases(notices, opts)));
    Value::Object(p)
}

/// Every release, ordered by date, then process, stage, notice and version (the `releases` of
/// [`release_package`]).
pub fn releases(notices: &[StoredNotice], opts: &OcdsOptions) -> Vec<Value> {
    let mut all: Vec<Built> = build(notices, opts).into_values().flatten().collect();
    all.sort_by(|a, b| a.key.cmp(&b.key));
    all.into_iter().map(|b| b.release).collect()
}

/// The record package (OCDS 1.1) with the releases embedded in each record.
pub fn record_package(notices: &[StoredNotice], opts: &OcdsOptions) -> Value {
    record_package_with(notices, opts, &RecordReleases::Embedded)
}

/// The record package: one record per `ocid` (in `ocid` order) with its releases in date order,
/// embedded or linked, and its compiled release.
pub fn record_package_with(
    notices: &[StoredNotice],
    opts: &OcdsOptions,
    how: &RecordReleases,
) -> Value {
    let mut records = Vec::new();
    for (ocid, mut built) in build(notices, opts) {
        built.sort_by(|a, b| a.key.cmp(&b.key));
        let rels: Vec<Value> = built.into_iter().map(|b| b.release).collect();
        let compiled = compile(&rels);
        let listed: Vec<Value> = match how {
            RecordReleases::Embedded => rels,
            RecordReleases::Linked {
                release_package_uri,
            } => rels
                .iter()
                .map(|r| {
                    let id = r.get("id").and_then(Value::as_str).unwrap_or_default();
                    json!({
                        "url": format!("{release_package_uri}#{}", fragment(id)),
                        "date": r.get("date").cloned().unwrap_or(Value::Null),
                        "tag": r.get("tag").cloned().unwrap_or(Value::Null),
                    })
                })
                .collect(),
        };
        records.push(json!({"ocid": ocid, "releases": listed, "compiledRelease": compiled}));
    }
    let mut p = package_meta(opts);
    p.insert("records".into(), Value::Array(records));
    Value::Object(p)
}

/// The release `id` of a notice version: the notice id with `#`, `%`, blanks and control
/// characters percent-encoded (so it never contains `#` and two ids never meet), then
/// `-v{version}`.
pub fn release_id(notice_id: &str, version: u32) -> String {
    let mut out = String::with_capacity(notice_id.len() + 4);
    for c in notice_id.chars() {
        if c == '#' || c == '%' || c.is_whitespace() || c.is_control() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out.push_str(&format!("-v{version}"));
    out
}

/// A release id as a URI fragment: every byte that RFC 3986 does not allow there
/// percent-encoded (the `%` of the id's own escapes is kept).
fn fragment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:@/?".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The compiled release of one process's releases (oldest first): see the module docs.
pub fn compile(releases: &[Value]) -> Value {
    let mut out = Map::new();
    for r in releases {
        if let Value::Object(o) = r {
            merge_object(&mut out, o);
        }
    }
    let ocid = out
        .get("ocid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let date = releases
        .iter()
        .rev()
        .find_map(|r| r.get("date").and_then(Value::as_str))
        .unwrap_or_default()
        .to_string();
    out.insert("id".into(), Value::String(format!("{ocid}-{date}")));
    out.insert("date".into(), Value::String(date));
    out.insert("tag".into(), json!(["compiled"]));
    Value::Object(out)
}

fn merge_object(target: &mut Map<String, Value>, src: &Map<String, Value>) {
    for (k, v) in src {
        match v {
            Value::Null => {
                target.remove(k);
            }
            Value::Object(so) => {
                let entry = target
                    .entry(k.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                if let Value::Object(to) = entry {
                    merge_object(to, so);
                }
            }
            Value::Array(items) if identified(items) => {
                let entry = target
                    .entry(k.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if !matches!(entry, Value::Array(a) if identified(a) || a.is_empty()) {
                    *entry = Value::Array(Vec::new());
                }
                if let Value::Array(to) = entry {
                    for item in items {
                        let (Some(id), Value::Object(io)) = (item.get("id"), item) else {
                            continue;
                        };
                        match to.iter_mut().find(|t| t.get("id") == Some(id)) {
                            Some(Value::Object(t)) => merge_object(t, io),
                            _ => {
                                let mut fresh = Map::new();
                                merge_object(&mut fresh, io);
                                to.push(Value::Object(fresh));
                            }
                        }
                    }
                }
            }
            other => {
                target.insert(k.clone(), other.clone());
            }
        }
    }
}

/// A non-empty array of objects that all have an `id`.
fn identified(items: &[Value]) -> bool {
    !items.is_empty()
        && items.iter().all(|i| {
            i.get("id")
                .is_some_and(|id| id.is_string() || id.is_number())
        })
}

fn package_meta(opts: &OcdsOptions) -> Map<String, Value> {
    let publisher = if opts.publisher_name.trim().is_empty() {
        opts.agency_name.trim()
    } else {
        opts.publisher_name.trim()
    };
    let mut p = Map::new();
    p.insert("uri".into(), Value::String(opts.uri.clone()));
    p.insert("version".into(), Value::String(OCDS_VERSION.into()));
    p.insert(
        "publishedDate".into(),
        Value::String(ts(opts.published_date)),
    );
    p.insert("publisher".into(), json!({"name": publisher}));
    if let Some(l) = opts.license.as_ref().filter(|l| !l.trim().is_empty()) {
        p.insert("license".into(), Value::String(l.clone()));
    }
    p
}

// ---------------------------------------------------------------------------------------------
// Building the releases

/// One release and its place in date order.
struct Built {
    key: (OffsetDateTime, String, u8, String, u32),
    release: Value,
}

/// The releases of every process, by `ocid`, in no particular order within one.
fn build(notices: &[StoredNotice], opts: &OcdsOptions) -> BTreeMap<String, Vec<Built>> {
    // One entry per (notice, version); a repeated one counts once (the last given).
    let mut versions: BTreeMap<(&str, u32), &StoredNotice> = BTreeMap::new();
    for sn in notices {
        versions.insert((sn.notice.id.as_str(), sn.version), sn);
    }
    // Release dates: version by version, never before the previous version's.
    let mut dated: Vec<(OffsetDateTime, &StoredNotice)> = Vec::with_capacity(versions.len());
    let mut prev: Option<(&str, OffsetDateTime)> = None;
    for ((id, _), sn) in &versions {
        let date = match prev {
            Some((pid, pdate)) if pid == *id => {
                if sn.notice.published > pdate {
                    sn.notice.published
                } else {
                    sn.recorded_at.max(pdate)
                }
            }
            _ => sn.notice.published,
        };
        prev = Some((*id, date));
        dated.push((date, sn));
    }
    let ocid_of = |n: &Notice| {
        n.section
            .as_ref()
            .and_then(|s| opts.section_ocids.get(&(n.project.clone(), s.clone())))
            .cloned()
            .unwrap_or_else(|| {
                ocid(
                    &opts.ocid_prefix,
                    &opts.agency_code,
                    &n.project,
                    n.section.as_deref(),
                )
            })
    };
    // Processes and what each knows of its own notices.
    let mut groups: BTreeMap<String, Vec<(OffsetDateTime, &StoredNotice)>> = BTreeMap::new();
    let mut planned: BTreeMap<&str, String> = BTreeMap::new();
    for (date, sn) in &dated {
        let n = &sn.notice;
        if n.ntype.is_plan() {
            planned.insert(n.project.as_str(), ocid_of(n));
        }
        groups.entry(ocid_of(n)).or_default().push((*date, *sn));
    }
    let mut out = BTreeMap::new();
    for (ocid, mut list) in groups {
        list.sort_by(|a, b| {
            (a.0, rank(a.1.notice.ntype), &a.1.notice.id, a.1.version).cmp(&(
                b.0,
                rank(b.1.notice.ntype),
                &b.1.notice.id,
                b.1.version,
            ))
        });
        let ctx = SectionCtx::new(&list, &planned);
        let mut process = Process::default();
        let mut built = Vec::with_capacity(list.len());
        for (date, sn) in list {
            let release = process.release(sn, date, &ocid, &ctx, opts);
            built.push(Built {
                key: (
                    date,
                    ocid.clone(),
                    rank(sn.notice.ntype),
                    sn.notice.id.clone(),
                    sn.version,
                ),
                release,
            });
        }
        out.insert(ocid, built);
    }
    out
}

/// The order of the stages, to order notices published at the same instant.
fn rank(t: NoticeType) -> u8 {
    use NoticeType as N;
    match t {
        N::TenderPlan | N::ProcurementIntention => 0,
        N::PrequalificationNotice => 1,
        N::TenderNotice | N::SingleSource => 2,
        N::Clarification => 3,
        N::BidOpening => 4,
        N::CandidatePublicity => 5,
        N::AwardResult => 6,
        N::Contract => 7,
        N::Acceptance => 8,
        N::Termination => 9,
    }
}

/// What a process's notices say that one notice's release needs.
struct SectionCtx {
    /// A prequalification notice was published: the tender is selective.
    prequalified: bool,
    /// Names of organisations with their USCC, from bidders and from elements that give both.
    usccs: BTreeMap<String, String>,
    /// The project's planning process, when its plans or intentions are exported.
    plan_ocid: Option<String>,
}

impl SectionCtx {
    fn new(list: &[(OffsetDateTime, &StoredNotice)], planned: &BTreeMap<&str, String>) -> Self {
        let mut ctx = SectionCtx {
            prequalified: false,
            usccs: BTreeMap::new(),
            plan_ocid: None,
        };
        for (_, sn) in list {
            let n = &sn.notice;
            if n.ntype == NoticeType::PrequalificationNotice {
                ctx.prequalified = true;
            }
            for b in &n.bidders {
                ctx.usccs.insert(b.name.clone(), b.uscc.clone());
            }
            for v in n.elements.values() {
                for o in orgs(v) {
                    if let Some(u) = o.uscc {
                        ctx.usccs.insert(o.name, u);
                    }
                }
            }
            if n.section.is_some() && ctx.plan_ocid.is_none() {
                ctx.plan_ocid = planned.get(n.project.as_str()).cloned();
            }
        }
        ctx
    }
}

/// Party roles used, from the partyRole codelist, in the order they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Buyer,
    ProcuringEntity,
    Supplier,
    Tenderer,
}

impl Role {
    fn code(self) -> &'static str {
        match self {
            Role::Buyer => "buyer",
            Role::ProcuringEntity => "procuringEntity",
            Role::Supplier => "supplier",
            Role::Tenderer => "tenderer",
        }
    }
}

/// An organisation as a notice names it.
#[derive(Debug, Clone, Default, PartialEq)]
struct Org {
    name: String,
    uscc: Option<String>,
    address: Option<String>,
    contact: Option<String>,
    telephone: Option<String>,
}

/// A party of a process, with everything learnt of it so far.
#[derive(Debug, Clone, Default)]
struct Party {
    org: Org,
    roles: BTreeSet<Role>,
}

impl Party {
    fn to_json(&self, id: &str) -> Value {
        let mut p = Map::new();
        p.insert("id".into(), Value::String(id.into()));
        p.insert("name".into(), Value::String(self.org.name.clone()));
        if let Some(u) = &self.org.uscc {
            p.insert(
                "identifier".into(),
                json!({"scheme": USCC_SCHEME, "id": u, "legalName": self.org.name}),
            );
        }
        if let Some(a) = &self.org.address {
            p.insert("address".into(), json!({"streetAddress": a}));
        }
        let mut cp = Map::new();
        if let Some(c) = &self.org.contact {
            cp.insert("name".into(), Value::String(c.clone()));
        }
        if let Some(t) = &self.org.telephone {
            cp.insert("telephone".into(), Value::String(t.clone()));
        }
        if !cp.is_empty() {
            p.insert("contactPoint".into(), Value::Object(cp));
        }
        p.insert(
            "roles".into(),
            Value::Array(
                self.roles
                    .iter()
                    .map(|r| Value::String(r.code().into()))
                    .collect(),
            ),
        );
        Value::Object(p)
    }
}

/// The running state of one process while its releases are made in date order.
#[derive(Default)]
struct Process {
    parties: BTreeMap<String, Party>,
    /// The stages (base tags) released so far.
    stages: BTreeSet<&'static str>,
    last_release: Option<String>,
}

/// One release under construction: the parties it mentions.
#[derive(Default)]
struct Mentions {
    ids: BTreeSet<String>,
}

impl Process {
    /// Adds an organisation in a role; returns its OrganizationReference.
    fn party(&mut self, mut org: Org, role: Role, ctx: &SectionCtx, m: &mut Mentions) -> Value {
        if org.uscc.is_none() {
            org.uscc = ctx.usccs.get(&org.name).cloned();
        }
        let id = match &org.uscc {
            Some(u) => format!("{USCC_SCHEME}-{u}"),
            None => format!("name-{}", org.name),
        };
        let p = self.parties.entry(id.clone()).or_default();
        let known = &mut p.org;
        if known.name.is_empty() {
            known.name = org.name.clone();
        }
        known.uscc = known.uscc.take().or(org.uscc);
        known.address = org.address.or(known.address.take());
        known.contact = org.contact.or(known.contact.take());
        known.telephone = org.telephone.or(known.telephone.take());
        p.roles.insert(role);
        m.ids.insert(id.clone());
        json!({"id": id, "name": p.org.name})
    }

    /// The tag of a notice version, given the stages released so far: an update or amendment
    /// with no earlier release of its stage takes the stage's base tag.
    fn tag(&mut self, t: NoticeType, version: u32) -> &'static str {
        let (first, correction) = tags(t);
        let wanted = if version > 1 { correction } else { first };
        let stage = stage_of(wanted);
        let follow_up = wanted.ends_with("Update") || wanted.ends_with("Amendment");
        let tag = if follow_up && !self.stages.contains(stage) {
            stage
        } else {
            wanted
        };
        self.stages.insert(stage);
        tag
    }

    fn release(
        &mut self,
        sn: &StoredNotice,
        date: OffsetDateTime,
        ocid: &str,
        ctx: &SectionCtx,
        opts: &OcdsOptions,
    ) -> Value {
        let n = &sn.notice;
        let id = release_id(&n.id, sn.version);
        let tag = self.tag(n.ntype, sn.version);
        let mut m = Mentions::default();
        let mut r = Map::new();
        r.insert("ocid".into(), Value::String(ocid.into()));
        r.insert("id".into(), Value::String(id.clone()));
        r.insert("date".into(), Value::String(ts(date)));
        r.insert("tag".into(), json!([tag]));
        r.insert("initiationType".into(), Value::String("tender".into()));
        r.insert("language".into(), Value::String("zh".into()));

        let doc = document(sn, date, opts);
        let mut tender = Map::new();
        tender.insert("id".into(), Value::String(ocid.into()));
        tender.insert(
            "title".into(),
            Value::String(match &n.section_name {
                Some(s) => format!("{} {s}", n.project_name),
                None => n.project_name.clone(),
            }),
        );
        if let Some(c) = main_category(n) {
            tender.insert("mainProcurementCategory".into(), Value::String(c.into()));
        }

        // Buyer and procuring entity, where the notice names them.
        let buyer = ["purchaser", "tenderer"]
            .iter()
            .find_map(|k| n.elements.get(*k).and_then(|v| orgs(v).into_iter().next()));
        let agent = n
            .elements
            .get("agent")
            .and_then(|v| orgs(v).into_iter().next());
        if let Some(b) = buyer.clone() {
            let rf = self.party(b, Role::Buyer, ctx, &mut m);
            r.insert("buyer".into(), rf);
        }
        if let Some(pe) = agent.or(buyer) {
            let rf = self.party(pe, Role::ProcuringEntity, ctx, &mut m);
            tender.insert("procuringEntity".into(), rf);
        }

        let award_id = format!("{ocid}-award");
        let contract_id = format!("{ocid}-contract");
        use NoticeType as N;
        match n.ntype {
            N::TenderPlan | N::ProcurementIntention => {
                let mut planning = Map::new();
                if let Some(s) = text_element(n, &["requirements", "project_content"]) {
                    planning.insert("rationale".into(), Value::String(s));
                }
                let mut budget = Map::new();
                budget.insert("description".into(), Value::String("预算金额".into()));
                if let Some(v) = n.elements.get("budget").and_then(money) {
                    budget.insert("amount".into(), v);
                }
                budget.insert("project".into(), Value::String(n.project_name.clone()));
                budget.insert("projectID".into(), Value::String(n.project.clone()));
                planning.insert("budget".into(), Value::Object(budget));
                planning.insert("documents".into(), json!([doc]));
                r.insert("planning".into(), Value::Object(planning));
                tender.insert("status".into(), Value::String("planned".into()));
                if let Some(v) = n.dates.get(&DateField::ActivityStart) {
                    tender.insert("tenderPeriod".into(), json!({"startDate": start_of(v)}));
                }
            }
            N::PrequalificationNotice | N::TenderNotice | N::SingleSource => {
                tender.insert("status".into(), Value::String("active".into()));
                let (method, details) = match n.ntype {
                    N::PrequalificationNotice => ("selective", Some("资格预审")),
                    N::SingleSource => ("direct", Some("单一来源采购")),
                    _ if ctx.prequalified => ("selective", None),
                    _ => ("open", None),
                };
                tender.insert("procurementMethod".into(), Value::String(method.into()));
                let details =
                    text_element(n, &["procurement_method"]).or(details.map(str::to_string));
                if let Some(d) = details {
                    tender.insert("procurementMethodDetails".into(), Value::String(d));
                }
                if let Some(s) = text_element(n, &["project_content", "requirements"]) {
                    tender.insert("description".into(), Value::String(s));
                }
                if let Some(s) = text_element(n, &["qualification"]) {
                    tender.insert("eligibilityCriteria".into(), Value::String(s));
                }
                if let Some(s) = text_element(n, &["submission"]) {
                    tender.insert("submissionMethodDetails".into(), Value::String(s));
                }
                if let Some(v) = n.elements.get("budget").and_then(money) {
                    tender.insert("value".into(), v);
                }
                let mut period = Map::new();
                match n.dates.get(&DateField::DocsFrom) {
                    Some(v) => period.insert("startDate".into(), Value::String(start_of(v))),
                    None if n.ntype == N::TenderNotice => {
                        period.insert("startDate".into(), Value::String(ts(n.published)))
                    }
                    None => None,
                };
                if let Some(v) = n.dates.get(&DateField::BidDeadline) {
                    period.insert("endDate".into(), Value::String(end_of(v)));
                }
                if !period.is_empty() {
                    tender.insert("tenderPeriod".into(), Value::Object(period));
                }
                tender.insert("documents".into(), json!([doc]));
                if n.ntype == N::SingleSource {
                    let suppliers: Vec<Value> = unique(
                        n.elements
                            .get("sole_supplier")
                            .map(orgs)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|o| self.party(o, Role::Tenderer, ctx, &mut m)),
                    );
                    if !suppliers.is_empty() {
                        let mut award = Map::new();
                        award.insert("id".into(), Value::String(award_id));
                        award.insert("title".into(), Value::String(n.title.clone()));
                        award.insert("status".into(), Value::String("pending".into()));
                        if let Some(v) = n.dates.get(&DateField::PublicityEnd) {
                            award.insert(
                                "description".into(),
                                Value::String(format!("拟定唯一供应商，公示期至{}", iso(v.date))),
                            );
                        }
                        award.insert("suppliers".into(), Value::Array(suppliers));
                        r.insert("awards".into(), Value::Array(vec![Value::Object(award)]));
                    }
                }
            }
            N::Clarification => {
                tender.insert("status".into(), Value::String("active".into()));
                if let Some(v) = n.dates.get(&DateField::BidDeadline) {
                    tender.insert("tenderPeriod".into(), json!({"endDate": end_of(v)}));
                }
                tender.insert("documents".into(), json!([doc]));
                if tag == "tenderAmendment" {
                    let mut a = Map::new();
                    a.insert("id".into(), Value::String(n.id.clone()));
                    a.insert("date".into(), Value::String(ts(date)));
                    a.insert("description".into(), Value::String(n.title.clone()));
                    a.insert("releaseID".into(), Value::String(id.clone()));
                    if let Some(prev) = &self.last_release {
                        a.insert("amendsReleaseID".into(), Value::String(prev.clone()));
                    }
                    tender.insert("amendments".into(), Value::Array(vec![Value::Object(a)]));
                }
            }
            N::BidOpening => {
                let refs: Vec<Value> = unique(
                    n.bidders
                        .iter()
                        .map(|b| self.party(bidder_org(b), Role::Tenderer, ctx, &mut m)),
                );
                tender.insert("numberOfTenderers".into(), json!(refs.len()));
                if !refs.is_empty() {
                    tender.insert("tenderers".into(), Value::Array(refs));
                }
                tender.insert("documents".into(), json!([doc]));
            }
            N::CandidatePublicity => {
                let mut candidates: Vec<Org> = n.bidders.iter().map(bidder_org).collect();
                if candidates.is_empty() {
                    // Free text lists the candidates in words; only structured ones are read.
                    candidates = match n.elements.get("candidates") {
                        Some(v @ (Value::Array(_) | Value::Object(_))) => orgs(v),
                        _ => Vec::new(),
                    };
                }
                let refs: Vec<Value> = unique(
                    candidates
                        .iter()
                        .map(|o| self.party(o.clone(), Role::Tenderer, ctx, &mut m)),
                );
                if !refs.is_empty() {
                    tender.insert("tenderers".into(), Value::Array(refs.clone()));
                }
                let mut award = Map::new();
                award.insert("id".into(), Value::String(award_id));
                award.insert("title".into(), Value::String(n.title.clone()));
                award.insert("status".into(), Value::String("pending".into()));
                let mut desc = String::from("中标候选人（按排序）：");
                for (i, o) in candidates.iter().enumerate() {
                    if i > 0 {
                        desc.push('；');
                    }
                    desc.push_str(&format!("{}. {}", i + 1, o.name));
                }
                desc.push('。');
                if let Some(v) = n.dates.get(&DateField::PublicityEnd) {
                    desc.push_str(&format!("公示期至{}。", iso(v.date)));
                }
                award.insert("description".into(), Value::String(desc));
                if let Some(first) = refs.into_iter().next() {
                    award.insert("suppliers".into(), Value::Array(vec![first]));
                }
                award.insert("documents".into(), json!([doc]));
                r.insert("awards".into(), Value::Array(vec![Value::Object(award)]));
            }
            N::AwardResult => {
                tender.insert("status".into(), Value::String("complete".into()));
                let mut award = Map::new();
                award.insert("id".into(), Value::String(award_id));
                award.insert("title".into(), Value::String(n.title.clone()));
                award.insert("status".into(), Value::String("active".into()));
                if let Some(v) = n.dates.get(&DateField::Determined) {
                    award.insert("date".into(), Value::String(start_of(v)));
                }
                if let Some(v) = n.elements.get("amount").and_then(money) {
                    award.insert("value".into(), v);
                }
                let mut winners = n.elements.get("winner").map(orgs).unwrap_or_default();
                if let (Some(w), Some(a)) =
                    (winners.first_mut(), text_element(n, &["winner_address"]))
                    && w.address.is_none()
                {
                    w.address = Some(a);
                }
                let suppliers: Vec<Value> = unique(
                    winners
                        .into_iter()
                        .map(|o| self.party(o, Role::Supplier, ctx, &mut m)),
                );
                if !suppliers.is_empty() {
                    award.insert("suppliers".into(), Value::Array(suppliers));
                }
                award.insert("documents".into(), json!([doc]));
                r.insert("awards".into(), Value::Array(vec![Value::Object(award)]));
            }
            N::Contract => {
                tender.insert("status".into(), Value::String("complete".into()));
                let mut c = Map::new();
                c.insert("id".into(), Value::String(contract_id));
                c.insert("awardID".into(), Value::String(award_id));
                c.insert("title".into(), Value::String(n.title.clone()));
                c.insert("status".into(), Value::String("active".into()));
                if let Some(v) = n.dates.get(&DateField::Signed) {
                    c.insert("dateSigned".into(), Value::String(start_of(v)));
                }
                if let Some(v) = n.elements.get("amount").and_then(money) {
                    c.insert("value".into(), v);
                }
                c.insert("documents".into(), json!([doc]));
                r.insert("contracts".into(), Value::Array(vec![Value::Object(c)]));
            }
            N::Acceptance => {
                let mut c = Map::new();
                c.insert("id".into(), Value::String(contract_id));
                c.insert("awardID".into(), Value::String(award_id));
                c.insert("implementation".into(), json!({"documents": [doc]}));
                r.insert("contracts".into(), Value::Array(vec![Value::Object(c)]));
            }
            N::Termination => {
                tender.insert("status".into(), Value::String("cancelled".into()));
                tender.insert("documents".into(), json!([doc]));
            }
        }
        r.insert("tender".into(), Value::Object(tender));
        if let Some(plan) = &ctx.plan_ocid {
            r.insert(
                "relatedProcesses".into(),
                json!([{
                    "id": "planning",
                    "relationship": ["planning"],
                    "title": n.project_name,
                    "scheme": "ocid",
                    "identifier": plan,
                }]),
            );
        }
        let parties: Vec<Value> = m
            .ids
            .iter()
            .filter_map(|pid| self.parties.get(pid).map(|p| p.to_json(pid)))
            .collect();
        if !parties.is_empty() {
            r.insert("parties".into(), Value::Array(parties));
        }
        self.last_release = Some(id);
        Value::Object(r)
    }
}

/// Organisation references without repeats (the schema wants unique array items), in order.
fn unique(refs: impl Iterator<Item = Value>) -> Vec<Value> {
    let mut seen = BTreeSet::new();
    refs.filter(|r| seen.insert(r.get("id").map(Value::to_string).unwrap_or_default()))
        .collect()
}

/// Tags of a notice type: version 1, and a correction.
fn tags(t: NoticeType) -> (&'static str, &'static str) {
    use NoticeType as N;
    match t {
        N::TenderPlan | N::ProcurementIntention => ("planning", "planningUpdate"),
        N::PrequalificationNotice | N::TenderNotice | N::SingleSource => ("tender", "tenderUpdate"),
        N::Clarification => ("tenderAmendment", "tenderUpdate"),
        N::BidOpening => ("tenderUpdate", "tenderUpdate"),
        N::CandidatePublicity | N::AwardResult => ("award", "awardUpdate"),
        N::Contract => ("contract", "contractUpdate"),
        N::Acceptance => ("implementation", "implementationUpdate"),
        N::Termination => ("tenderCancellation", "tenderUpdate"),
    }
}

/// The base tag of a tag's stage.
fn stage_of(tag: &'static str) -> &'static str {
    for base in ["planning", "tender", "award", "contract", "implementation"] {
        if tag.starts_with(base) {
            return base;
        }
    }
    tag
}

/// The notice as an OCDS document.
fn document(sn: &StoredNotice, date: OffsetDateTime, opts: &OcdsOptions) -> Value {
    let n = &sn.notice;
    use NoticeType as N;
    let kind = match n.ntype {
        N::TenderPlan => "procurementPlan",
        N::ProcurementIntention => "plannedProcurementNotice",
        N::PrequalificationNotice | N::TenderNotice | N::SingleSource => "tenderNotice",
        N::Clarification => "clarifications",
        N::BidOpening => "bidders",
        N::CandidatePublicity => "evaluationReports",
        N::AwardResult => "awardNotice",
        N::Contract => "contractNotice",
        N::Acceptance => "completionCertificate",
        N::Termination => "cancellationDetails",
    };
    let mut d = Map::new();
    d.insert("id".into(), Value::String(n.id.clone()));
    d.insert("documentType".into(), Value::String(kind.into()));
    d.insert("title".into(), Value::String(n.title.clone()));
    let by = if opts.agency_name.trim().is_empty() {
        String::new()
    } else {
        format!("，{}发布", opts.agency_name.trim())
    };
    d.insert(
        "description".into(),
        Value::String(format!("{}{by}", n.ntype.label())),
    );
    d.insert("datePublished".into(), Value::String(ts(n.published)));
    if sn.version > 1 {
        d.insert("dateModified".into(), Value::String(ts(date)));
    }
    if n.body.is_some() {
        d.insert("format".into(), Value::String("text/html".into()));
    }
    d.insert("language".into(), Value::String("zh".into()));
    Value::Object(d)
}

/// The OCDS category of the main object: works for engineering; goods for procurement unless
/// the `procurement_category` element says services or works; none for land, state assets and
/// other trading, which the closed codelist does not cover.
fn main_category(n: &Notice) -> Option<&'static str> {
    match n.category {
        TradingCategory::Engineering => Some("works"),
        TradingCategory::Procurement => Some(
            match text_element(n, &["procurement_category"]).as_deref() {
                Some("services" | "服务" | "服务类") => "services",
                Some("works" | "工程" | "工程类") => "works",
                _ => "goods",
            },
        ),
        _ => None,
    }
}

/// The first of the elements that is a non-blank string, trimmed.
fn text_element(n: &Notice, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match n.elements.get(*k) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    })
}

fn bidder_org(b: &gongkai_domain::trading::Bidder) -> Org {
    Org {
        name: b.name.clone(),
        uscc: Some(b.uscc.clone()),
        ..Org::default()
    }
}

/// The organisations an element names: see the module docs.
fn orgs(v: &Value) -> Vec<Org> {
    match v {
        Value::String(s) => org_name(s)
            .map(|name| Org {
                name,
                ..Org::default()
            })
            .into_iter()
            .collect(),
        Value::Object(o) => {
            let s = |keys: &[&str]| {
                keys.iter().find_map(|k| match o.get(*k) {
                    Some(Value::String(x)) if !x.trim().is_empty() => Some(x.trim().to_string()),
                    _ => None,
                })
            };
            let Some(name) = s(&["name", "名称"]) else {
                return Vec::new();
            };
            let uscc = s(&["uscc", "统一社会信用代码"])
                .map(|u| u.to_uppercase())
                .filter(|u| gongkai_domain::uscc::validate(u, "uscc").is_ok());
            vec![Org {
                name,
                uscc,
                address: s(&["address", "地址"]),
                contact: s(&["contact", "联系人"]),
                telephone: s(&["telephone", "phone", "电话", "联系电话"]),
            }]
        }
        Value::Array(a) => a.iter().flat_map(orgs).collect(),
        _ => Vec::new(),
    }
}

/// The name in a free-text element: after a `名称：` label, before the first separator.
fn org_name(s: &str) -> Option<String> {
    let first = s
        .split(['，', ',', '；', ';', '（', '(', '\n', '。'])
        .next()
        .unwrap_or_default();
    let name = match first.split_once(['：', ':']) {
        Some((_, rest)) => rest,
        None => first,
    }
    .trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// An amount as `Value {amount, currency}`: see the module docs.
fn money(v: &Value) -> Option<Value> {
    let amount = match v {
        Value::Number(n) => n.clone(),
        Value::String(s) => decimal(s)?,
        Value::Object(o) => return o.get("amount").and_then(money),
        _ => return None,
    };
    Some(json!({"amount": amount, "currency": CURRENCY}))
}

/// A decimal string in 元 or 万元 as a JSON number (exact for integers).
fn decimal(s: &str) -> Option<Number> {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '，')
        .collect();
    let t = t.strip_prefix('¥').or(t.strip_prefix('￥')).unwrap_or(&t);
    let t = t.strip_prefix("人民币").unwrap_or(t);
    let (t, shift) = if let Some(x) = t.strip_suffix("万元").or(t.strip_suffix('万')) {
        (x, 4)
    } else {
        (t.strip_suffix('元').unwrap_or(t), 0)
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (t.contains('.') && frac.is_empty())
    {
        return None;
    }
    let mut digits = format!("{int}{frac}");
    let point = int.len() + shift;
    while digits.len() < point {
        digits.push('0');
    }
    let (i, f) = digits.split_at(point);
    let i = i.trim_start_matches('0');
    let f = f.trim_end_matches('0');
    if f.is_empty() {
        if i.is_empty() {
            return Some(Number::from(0u64));
        }
        return i.parse::<u64>().ok().map(Number::from);
    }
    format!("{}.{f}", if i.is_empty() { "0" } else { i })
        .parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
}

/// A time in RFC 3339, Beijing time.
fn ts(t: OffsetDateTime) -> String {
    let t = t.checked_to_offset(BEIJING).unwrap_or(t);
    let (h, m, _) = t.offset().as_hms();
    let sign = if t.offset().is_negative() { '-' } else { '+' };
    format!(
        "{}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        iso(t.date()),
        t.hour(),
        t.minute(),
        t.second(),
        h.unsigned_abs(),
        m.unsigned_abs()
    )
}

/// A date value as a start time: its time, or the start of its day in Beijing.
fn start_of(v: &DateValue) -> String {
    match v.time {
        Some(t) => ts(t),
        None => format!("{}T00:00:00+08:00", iso(v.date)),
    }
}

/// A date value as an end time: its time, or the end of its day in Beijing.
fn end_of(v: &DateValue) -> String {
    match v.time {
        Some(t) => ts(t),
        None => format!("{}T23:59:59+08:00", iso(v.date)),
    }
}
