//! Disclosure items in the back office (server-rendered, no JavaScript): the catalogue of an
//! agency with its queues (`/admin/items`), a new draft (`/admin/items/new`), and an item's page
//! (`/admin/items/{id}`) with its versions, reviews, the pre-publication findings and a form for
//! every step the viewer may take. Every step is the same `Tx` method the API calls, which asks
//! `authorize` inside the transaction; a refusal is a 403 page, a step that does not fit a 409
//! page, a bad field a 422 page naming it — and nothing is written.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongkai_db::DbError;
use gongkai_db::publishing::{ItemDetail, stage_code};
use gongkai_domain::DomainError;
use gongkai_domain::auth::{Action, Stage};
use gongkai_domain::codes::{ChannelKind, DisclosureAttr, DocKind};
use gongkai_domain::period::{iso, parse_date, rfc3339};
use gongkai_domain::publishing::{ItemFields, ItemState, Timeliness, VersionState, timeliness};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::chrome::Chrome;
use crate::guard::{Caller, Scope, agencies_for, field, form_user, page_user};
use crate::urlenc::enc;
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/items", get(list))
        .route("/admin/items/new", get(new_page).post(create))
        .route("/admin/items/{id}", get(detail))
        .route("/admin/items/{id}/edit", post(edit))
        .route("/admin/items/{id}/step", post(step))
        .route("/admin/items/{id}/reads", post(reads))
}

/// A write's error as the page the user sees.
pub(crate) fn page_error(e: DbError) -> WebError {
    match e {
        e @ DbError::Denied(_) => WebError(StatusCode::FORBIDDEN, e.to_string()),
        e @ DbError::Conflict(_) => WebError(StatusCode::CONFLICT, e.to_string()),
        e @ DbError::Domain(_) => WebError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        e => WebError::from(e),
    }
}

struct ListRow {
    id: i64,
    index_no: String,
    title: String,
    doc_no: String,
    state: &'static str,
    column: String,
    published: String,
    versions: i64,
    /// The art. 26 deadline and where the item stands against it.
    due: String,
    timeliness: &'static str,
    late: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_items.html")]
struct ListPage {
    chrome: Chrome,
    agencies: Vec<(String, String)>,
    agency: String,
    state: String,
    states: Vec<(&'static str, &'static str)>,
    may_draft: bool,
    /// The agency's admin may edit its column tree.
    may_administer: bool,
    overdue_only: bool,
    rows: Vec<ListRow>,
}

#[derive(Deserialize)]
struct ListQuery {
    agency: Option<String>,
    state: Option<String>,
    /// `overdue`: only items past their art. 26 deadline and not yet published.
    queue: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let c = match page_user(&s, &headers, Action::ViewItems, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let agencies = agencies_for(&s, &c, Action::ViewItems).await?;
        let agency = match q.agency.filter(|a| !a.is_empty()) {
            Some(a) => a,
            None => agencies.first().map(|a| a.code.clone()).unwrap_or_default(),
        };
        crate::guard::require(&s, &c, Action::ViewItems, Scope::Agency(&agency)).await?;
        let state = match q.state.as_deref().filter(|v| !v.is_empty()) {
            Some(v) => Some(
                ItemState::from_code(v)
                    .map_err(|e| WebError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?,
            ),
            None => None,
        };
        let rows = s.db.items(&agency, state).await?;
        let path = s.db.agency_path(&agency).await?;
        let cal = s.db.calendar().await?;
        let today = (s.today)();
        let overdue_only = q.queue.as_deref() == Some("overdue");
        Ok::<_, WebError>(ListPage {
            may_draft: c.may(Action::DraftItems, &path),
            may_administer: c.may(Action::Administer, &path),
            chrome: Chrome::of(&c),
            agencies: agencies.into_iter().map(|a| (a.code, a.name)).collect(),
            agency,
            state: state.map(|s| s.code().to_string()).unwrap_or_default(),
            states: ItemState::ALL
                .iter()
                .map(|s| (s.code(), s.label()))
                .collect(),
            overdue_only,
            rows: rows
                .into_iter()
                .map(|r| {
                    // Proactive items count from 生成日期; the first publication stops the clock.
                    let published_on = r.published_at.map(gongkai_domain::period::beijing_date);
                    let t = timeliness(&cal, r.formed_on, published_on, today);
                    (r, t)
                })
                .filter(|(r, t)| {
                    !overdue_only
                        || (matches!(t, Timeliness::Overdue { .. })
                            && r.attr == DisclosureAttr::Proactive
                            && !matches!(r.state, ItemState::Withdrawn))
                })
                .map(|(r, t)| ListRow {
                    due: match t {
                        Timeliness::OnTime { due }
                        | Timeliness::Late { due }
                        | Timeliness::Due { due }
                        | Timeliness::Overdue { due } => iso(due),
                    },
                    late: matches!(t, Timeliness::Late { .. } | Timeliness::Overdue { .. }),
                    timeliness: if r.attr == DisclosureAttr::Proactive {
                        t.label()
                    } else {
                        "不主动公开"
                    },
                    id: r.id,
                    index_no: r.index_no,
                    title: r.title,
                    doc_no: r.doc_no.unwrap_or_default(),
                    state: r.state.label(),
                    column: r.column,
                    published: r.published_at.map(rfc3339).unwrap_or_default(),
                    versions: r.versions,
                })
                .collect(),
        })
    }
    .await;
    match result {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

/// The values of the item form (a new draft, or the version in work).
struct FormValues {
    title: String,
    summary: String,
    body: String,
    doc_no: String,
    publisher: String,
    formed_on: String,
    attr: String,
    legal_ground: String,
    art20_item: String,
    doc_kind: String,
    repealed_on: String,
    column: String,
    change_note: String,
    interprets: String,
    channels: Vec<String>,
}

impl FormValues {
    fn of(f: &ItemFields) -> FormValues {
        FormValues {
            title: f.title.clone(),
            summary: f.summary.clone(),
            body: f.body.clone(),
            doc_no: f.doc_no.clone().unwrap_or_default(),
            publisher: f.publisher.clone(),
            formed_on: iso(f.formed_on),
            attr: f.attr.code().into(),
            legal_ground: f.legal_ground.clone().unwrap_or_default(),
            art20_item: f.art20_item.map(|n| n.to_string()).unwrap_or_default(),
            doc_kind: f.doc_kind.code().into(),
            repealed_on: f.repealed_on.map(iso).unwrap_or_default(),
            column: f.column.clone(),
            change_note: f.change_note.clone().unwrap_or_default(),
            interprets: f.interprets.map(|n| n.to_string()).unwrap_or_default(),
            channels: f.channels.clone(),
        }
    }
}

/// What the item form needs besides the values.
struct FormChoices {
    attrs: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    columns: Vec<(String, String)>,
    /// The agency's channels: (code, name, kind code).
    channels: Vec<(String, String, String)>,
}

async fn choices(s: &AppState, agency: &str) -> Result<FormChoices, DbError> {
    let a = s.db.agency(agency).await?;
    Ok(FormChoices {
        attrs: DisclosureAttr::ALL
            .iter()
            .map(|a| (a.code(), a.label()))
            .collect(),
        kinds: DocKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        columns: s
            .db
            .columns(a.id)
            .await?
            .into_iter()
            .map(|(c, n, p)| (c, if p.is_some() { format!("— {n}") } else { n }))
            .collect(),
        channels: s.db.channels(a.id).await?,
    })
}

/// The fields of a submitted item form; errors name the field.
fn fields_from(pairs: &[(String, String)]) -> Result<ItemFields, DomainError> {
    let opt = |k: &str| {
        let v = field(pairs, k).trim();
        (!v.is_empty()).then(|| v.to_string())
    };
    Ok(ItemFields {
        title: field(pairs, "title").into(),
        summary: field(pairs, "summary").into(),
        body: field(pairs, "body").into(),
        doc_no: opt("doc_no"),
        publisher: field(pairs, "publisher").into(),
        formed_on: parse_date(field(pairs, "formed_on"), "生成日期")?,
        attr: DisclosureAttr::from_code(field(pairs, "attr"))?,
        legal_ground: opt("legal_ground"),
        art20_item: match opt("art20_item") {
            Some(v) => Some(v.parse().map_err(|_| {
                DomainError::invalid("条例第二十条事项", format!("“{v}”不是 1 至 15 的数字"))
            })?),
            None => None,
        },
        doc_kind: DocKind::from_code(field(pairs, "doc_kind"))?,
        repealed_on: opt("repealed_on")
            .map(|v| parse_date(&v, "废止日期"))
            .transpose()?,
        column: field(pairs, "column").into(),
        change_note: opt("change_note"),
        interprets: match opt("interprets") {
            Some(v) => {
                Some(v.parse().map_err(|_| {
                    DomainError::invalid("所解读的政策", format!("“{v}”不是信息编号"))
                })?)
            }
            None => None,
        },
        channels: pairs
            .iter()
            .filter(|(k, _)| k == "channels")
            .map(|(_, v)| v.clone())
            .collect(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_item_new.html")]
struct NewPage {
    chrome: Chrome,
    agency: String,
    agency_name: String,
    v: FormValues,
    choices: FormChoices,
}

async fn new_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let agency = q.agency.unwrap_or_default();
    let c = match page_user(&s, &headers, Action::DraftItems, Scope::Agency(&agency)).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let a = s.db.agency(&agency).await?;
        let choices = choices(&s, &agency).await?;
        Ok::<_, WebError>(NewPage {
            chrome: Chrome::of(&c),
            v: FormValues {
                title: String::new(),
                summary: String::new(),
                body: String::new(),
                doc_no: String::new(),
                publisher: a.name.clone(),
                formed_on: iso((s.today)()),
                attr: DisclosureAttr::Proactive.code().into(),
                legal_ground: String::new(),
                art20_item: String::new(),
                doc_kind: DocKind::Other.code().into(),
                repealed_on: String::new(),
                column: String::new(),
                change_note: String::new(),
                interprets: String::new(),
                // A new item goes out on the agency's portals unless the editor unticks them.
                channels: choices
                    .channels
                    .iter()
                    .filter(|(_, _, kind)| kind == ChannelKind::Portal.code())
                    .map(|(code, _, _)| code.clone())
                    .collect(),
            },
            choices,
            agency: a.code,
            agency_name: a.name,
        })
    }
    .await;
    match result {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn create(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let agency = q.agency.unwrap_or_default();
    let c = match form_user(
        &s,
        &headers,
        Action::DraftItems,
        Scope::Agency(&agency),
        field(&pairs, "csrf"),
    )
    .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let f = fields_from(&pairs)
            .map_err(|e| WebError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
        let entry = c
            .audit("新建主动公开信息")
            .agency(&agency)
            .detail(f.title.clone());
        let now = OffsetDateTime::now_utc();
        s.db.write(&entry, async |tx| {
            tx.create_item(&c.principal, &agency, f, now).await
        })
        .await
        .map_err(page_error)
    }
    .await;
    match result {
        Ok((id, _)) => Redirect::to(&format!("/admin/items/{id}")).into_response(),
        Err(e) => e.into_response(),
    }
}

struct VersionLine {
    version: i32,
    state: &'static str,
    author: String,
    published: String,
    change_note: String,
    content_hash: String,
}

struct ReviewLine {
    version: i32,
    round: i32,
    stage: String,
    user: String,
    verdict: &'static str,
    comment: String,
    at: String,
}

struct FindingLine {
    kind: &'static str,
    place: String,
    excerpt: String,
    key: String,
    let_through: Option<String>,
}

struct LogLine {
    seq: i64,
    at: String,
    action: &'static str,
    version: i32,
    entry_hash: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_item.html")]
struct DetailPage {
    chrome: Chrome,
    id: i64,
    agency: String,
    index_no: String,
    title: String,
    state: &'static str,
    working_state: &'static str,
    editable: bool,
    in_review: bool,
    approved: bool,
    scheduled: bool,
    public: bool,
    /// Withdrawn, with no new version in work yet (it may be reissued).
    withdrawn: bool,
    may_draft: bool,
    may_publish: bool,
    may_withdraw: bool,
    /// The stages the viewer holds the role for.
    stages: Vec<(&'static str, &'static str)>,
    may_override: bool,
    public_href: String,
    withdraw_reason: String,
    v: FormValues,
    choices: FormChoices,
    versions: Vec<VersionLine>,
    reviews: Vec<ReviewLine>,
    findings: Vec<FindingLine>,
    log: Vec<LogLine>,
    /// The year, when the item is an annual report (drafted from the ledger, not edited).
    report_year: Option<i32>,
    /// A report's version in work may be submitted.
    editable_report: bool,
    /// A report's snapshot files or an item's attachments, every version's.
    files: Vec<FileLine>,
    /// The version in work, whose attachments may be changed while it is editable.
    working_version: i32,
    /// The types that may be attached, for the upload form.
    allowed: String,
    max_mb: usize,
    /// The item's posts on the agency's channels.
    posts: Vec<PostLine>,
    /// The names of the chosen channels the item has not gone out on yet.
    pending_channels: String,
    /// The viewer may enter a post's reads (`Action::RecordFigures`).
    may_record: bool,
}

struct PostLine {
    channel: String,
    channel_name: String,
    published_on: String,
    reads: i64,
}

struct FileLine {
    version: i32,
    name: String,
    href: String,
    content_type: String,
    size: i64,
    sha256: String,
}

/// The caller of a form posted on one item's page (edit, step, reads, attachments): signed in,
/// allowed to view items somewhere, with the form's CSRF token; the item's own agency is
/// checked by the handler once the item is known.
pub(crate) async fn item_form_user(
    s: &AppState,
    headers: &HeaderMap,
    pairs: &[(String, String)],
) -> Result<Caller, Response> {
    form_user(
        s,
        headers,
        Action::ViewItems,
        Scope::Anywhere,
        field(pairs, "csrf"),
    )
    .await
}

async fn visible(
    s: &AppState,
    c: &Caller,
    id: i64,
) -> Result<(ItemDetail, gongkai_domain::auth::AgencyPath), WebError> {
    let d = s.db.item(id).await?;
    let path = s.db.agency_path(&d.agency).await?;
    crate::guard::require(s, c, Action::ViewItems, Scope::Agency(&d.agency)).await?;
    Ok((d, path))
}

async fn detail(State(s): State<AppState>, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    let c = match page_user(&s, &headers, Action::ViewItems, Scope::Anywhere).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let (d, path) = visible(&s, &c, id).await?;
        let latest = d
            .latest()
            .ok_or_else(|| WebError(StatusCode::NOT_FOUND, "该信息没有版本".into()))?;
        let choices = choices(&s, &d.agency).await?;
        let stages = Stage::ALL
            .iter()
            .filter(|st| c.may(Action::Review(**st), &path))
            .map(|st| (stage_code(*st), st.label()))
            .collect::<Vec<_>>();
        Ok::<_, WebError>(DetailPage {
            chrome: Chrome::of(&c),
            id: d.id,
            agency: d.agency.clone(),
            index_no: d.index_no.clone(),
            title: latest.fields.title.clone(),
            state: d.state.label(),
            working_state: latest.state.label(),
            editable: matches!(latest.state, VersionState::Draft | VersionState::Returned)
                && d.report_year.is_none(),
            in_review: latest.state == VersionState::InReview,
            approved: latest.state == VersionState::Approved,
            scheduled: latest.state == VersionState::Scheduled,
            public: d.state.is_public(),
            withdrawn: d.state == ItemState::Withdrawn,
            may_draft: c.may(Action::DraftItems, &path),
            may_publish: c.may(Action::PublishItems, &path),
            may_withdraw: c.may(Action::WithdrawItems, &path),
            may_override: c.may(Action::Review(Stage::Secrecy), &path),
            stages,
            public_href: match d.report_year {
                Some(y) => format!("/agencies/{}/reports/{y}", enc(&d.agency)),
                None => format!("/agencies/{}/items/{}", enc(&d.agency), d.id),
            },
            report_year: d.report_year,
            editable_report: matches!(latest.state, VersionState::Draft | VersionState::Returned),
            files: d
                .files
                .iter()
                .map(|f| FileLine {
                    version: f.version,
                    name: f.name.clone(),
                    href: format!("/admin/items/{}/files/{}/{}", d.id, f.version, enc(&f.name)),
                    content_type: f.content_type.clone(),
                    size: f.size,
                    sha256: f.sha256.clone(),
                })
                .collect(),
            working_version: latest.version,
            allowed: gongkai_domain::publishing::allowed_extensions(),
            max_mb: gongkai_domain::publishing::MAX_ATTACHMENT_MB,
            withdraw_reason: d.withdraw_reason.clone().unwrap_or_default(),
            posts: d
                .posts
                .iter()
                .map(|p| PostLine {
                    channel: p.channel.clone(),
                    channel_name: p.channel_name.clone(),
                    published_on: iso(p.published_on),
                    reads: p.reads,
                })
                .collect(),
            pending_channels: choices
                .channels
                .iter()
                .filter(|(code, _, _)| {
                    latest.fields.channels.contains(code)
                        && !d.posts.iter().any(|p| p.channel == *code)
                })
                .map(|(_, name, _)| name.as_str())
                .collect::<Vec<_>>()
                .join("、"),
            may_record: c.may(Action::RecordFigures, &path),
            v: FormValues::of(&latest.fields),
            choices,
            versions: d
                .versions
                .iter()
                .map(|v| VersionLine {
                    version: v.version,
                    state: v.state.label(),
                    author: v.author.clone(),
                    published: v.published_at.map(rfc3339).unwrap_or_default(),
                    change_note: v.fields.change_note.clone().unwrap_or_default(),
                    content_hash: v.content_hash.clone().unwrap_or_default(),
                })
                .collect(),
            reviews: d
                .reviews
                .iter()
                .map(|r| ReviewLine {
                    version: r.version,
                    round: r.round,
                    stage: r.stage_label.clone(),
                    user: r.user.clone(),
                    verdict: r.verdict.label(),
                    comment: r.comment.clone(),
                    at: rfc3339(r.at),
                })
                .collect(),
            findings: d
                .findings
                .iter()
                .map(|(f, reason)| FindingLine {
                    kind: f.kind.label(),
                    place: f.place.clone(),
                    excerpt: f.excerpt.clone(),
                    key: f.key.clone(),
                    let_through: reason.clone(),
                })
                .collect(),
            log: d
                .log
                .iter()
                .map(|e| LogLine {
                    seq: e.seq,
                    at: e.at.clone(),
                    action: e.action.label(),
                    version: e.version,
                    entry_hash: e.entry_hash.clone(),
                })
                .collect(),
        })
    }
    .await;
    match result {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn edit(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let c = match item_form_user(&s, &headers, &pairs).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let f = fields_from(&pairs)
            .map_err(|e| WebError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
        let entry = c.audit("修改主动公开信息").object(format!("item {id}"));
        let now = OffsetDateTime::now_utc();
        s.db.write(&entry, async |tx| {
            tx.edit_item(&c.principal, id, f, now).await
        })
        .await
        .map_err(page_error)
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/admin/items/{id}")).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn step(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let c = match item_form_user(&s, &headers, &pairs).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let op = field(&pairs, "op").to_string();
    let Some(label) = crate::items::step_label(&op) else {
        return WebError(StatusCode::UNPROCESSABLE_ENTITY, format!("未知操作“{op}”"))
            .into_response();
    };
    let now = OffsetDateTime::now_utc();
    let args = crate::items::StepArgs {
        stage: field(&pairs, "stage").into(),
        verdict: field(&pairs, "verdict").into(),
        comment: field(&pairs, "comment").into(),
        key: field(&pairs, "key").into(),
        reason: field(&pairs, "reason").into(),
        at: field(&pairs, "at").into(),
    };
    let entry = c
        .audit(label)
        .object(format!("item {id}"))
        .detail(args.reason.clone());
    let result =
        s.db.write(&entry, async |tx| {
            crate::items::run_step(tx, &c.principal, id, &op, &args, "定时发布时间", now).await
        })
        .await;
    match result {
        Ok(()) => Redirect::to(&format!("/admin/items/{id}")).into_response(),
        Err(e) => page_error(e).into_response(),
    }
}

/// Enters the reads of one of the item's posts (a `post` record with the post's channel,
/// title and date: `Tx::put_records` decides who may, and updates the one post).
async fn reads(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let c = match item_form_user(&s, &headers, &pairs).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let (agency, posts) = s.db.item_posts(id).await?;
        crate::guard::require(&s, &c, Action::ViewItems, Scope::Agency(&agency)).await?;
        let channel = field(&pairs, "channel");
        let post = posts.iter().find(|p| p.channel == channel).ok_or_else(|| {
            WebError(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("发布渠道：本信息没有在“{channel}”发布过"),
            )
        })?;
        let raw = field(&pairs, "reads").trim();
        let reads: i64 = raw.parse().map_err(|_| {
            WebError(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("阅读量：“{raw}”不是非负整数"),
            )
        })?;
        let record = gongkai_domain::records::Record::from_json(&serde_json::json!({
            "type": "post",
            "channel": post.channel,
            "title": post.title,
            "date": iso(post.published_on),
            "reads": reads,
        }))
        .map_err(|e| WebError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
        let entry = c
            .audit("登记发布渠道阅读量")
            .agency(&agency)
            .object(format!("item {id}"))
            .detail(format!("{channel} {reads}"));
        s.db.write(&entry, async |tx| {
            tx.put_records(&c.principal, &agency, &[(1, record)])
                .await
                .map(|_| ())
        })
        .await
        .map_err(page_error)
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/admin/items/{id}")).into_response(),
        Err(e) => e.into_response(),
    }
}
