//! 依申请公开 cases (contracts.md §2) and the working-day calendar, in the database.

use std::collections::{BTreeMap, HashMap};

use gongkai_domain::calendar::{Calendar, HolidayYear, SpecialDay};
use gongkai_domain::cases::{Case, CaseEvent, Clock, EventKind};
use gongkai_domain::codes::{ApplicantType, Outcome, RequestChannel};
use sqlx::QueryBuilder;
use sqlx::types::Json;
use time::Date;

use crate::tx::failpoint;
use crate::{Db, DbError, Tx, on_db, on_tx};

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    pub events: usize,
    pub cases: usize,
    pub appeals: usize,
}

/// An event line with its line number.
struct Line {
    no: usize,
    event: CaseEvent,
}

fn at_line(no: usize, e: impl std::fmt::Display) -> DbError {
    DbError::Import(format!("第 {no} 行：{e}"))
}

impl Db {
    /// Fills the calendar from the shipped data when it is empty (first start).
    pub async fn seed_calendar(&self) -> Result<(), DbError> {
        let n: i64 = on_db!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM calendar_year").fetch_one(p).await?);
        if n == 0 {
            for y in HolidayYear::builtin() {
                self.import_calendar(&y, "builtin").await?;
            }
        }
        Ok(())
    }

    /// Stores a year of holiday data, replacing what that notice year had (one transaction).
    pub async fn import_calendar(&self, y: &HolidayYear, source: &str) -> Result<(), DbError> {
        let mut tx = self.begin().await?;
        tx.import_calendar(y, source).await?;
        tx.commit().await
    }

    /// Per notice year: rest days, make-up working days and the source of the data.
    pub async fn calendar_years(&self) -> Result<Vec<(i32, i64, i64, String)>, DbError> {
        Ok(on_db!(self, p => sqlx::query_as(
            "SELECT y.year, CAST(COALESCE(SUM(CASE WHEN d.is_off_day THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN NOT d.is_off_day THEN 1 ELSE 0 END), 0) AS BIGINT), y.source \
             FROM calendar_year y LEFT JOIN calendar_day d ON d.title_year = y.year GROUP BY y.year, y.source ORDER BY y.year DESC")
            .fetch_all(p).await?))
    }

    /// The working-day calendar as stored.
    pub async fn calendar(&self) -> Result<Calendar, DbError> {
        let rows: Vec<(Date, bool, String, i32)> = on_db!(self, p => sqlx::query_as(
            "SELECT day, is_off_day, name, title_year FROM calendar_day ORDER BY day").fetch_all(p).await?);
        let years: Vec<i32> = on_db!(self, p => sqlx::query_scalar("SELECT year FROM calendar_year").fetch_all(p).await?);
        let mut by_year: BTreeMap<i32, HolidayYear> = years
            .into_iter()
            .map(|y| {
                (
                    y,
                    HolidayYear {
                        year: y,
                        papers: vec![],
                        days: vec![],
                    },
                )
            })
            .collect();
        for (date, off, name, title_year) in rows {
            by_year
                .entry(title_year)
                .or_insert_with(|| HolidayYear {
                    year: title_year,
                    papers: vec![],
                    days: vec![],
                })
                .days
                .push(SpecialDay {
                    date,
                    off,
                    name,
                    title_year,
                });
        }
        Ok(Calendar::new(by_year.into_values()))
    }

    /// Imports 依申请公开 case events (JSON Lines, contracts.md §2) for an agency, in one
    /// transaction that validates against the history read inside it: a bad line imports
    /// nothing and the error names the line and field.
    pub async fn import_requests(
        &self,
        agency_code: &str,
        text: &str,
    ) -> Result<ImportSummary, DbError> {
        let mut tx = self.begin().await?;
        let summary = tx.import_requests(agency_code, text).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Every case of an agency (and its descendants) with its clock as of a date; cases received
    /// after that date are left out. Cases recorded without events (e.g. generated ledgers) are
    /// read from their receipt and closing.
    pub async fn request_clocks(
        &self,
        agency_code: &str,
        as_of: Date,
    ) -> Result<Vec<Clock>, DbError> {
        self.clocks(agency_code, as_of, "").await
    }

    /// One case's clock as of a date; `None` when the agency has no such case by then.
    pub async fn request_clock(
        &self,
        agency_code: &str,
        case_no: &str,
        as_of: Date,
    ) -> Result<Option<Clock>, DbError> {
        if case_no.is_empty() {
            return Ok(None);
        }
        Ok(self
            .clocks(agency_code, as_of, case_no)
            .await?
            .into_iter()
            .next())
    }

    /// The clocks of the agency's cases, or of the one numbered `case_no` when not empty.
    async fn clocks(
        &self,
        agency_code: &str,
        as_of: Date,
        case_no: &str,
    ) -> Result<Vec<Clock>, DbError> {
        let (_, tree) = self.agency_subtree(agency_code).await?;
        let cal = self.calendar().await?;
        type Row = (
            i64,
            String,
            Date,
            String,
            String,
            String,
            Option<Date>,
            Option<String>,
            bool,
        );
        let sql = format!(
            "SELECT id, case_no, received_on, channel, applicant_type, subject, closed_on, outcome, withdrawn \
             FROM request WHERE agency_id IN ({}) AND received_on <= $1 AND ($2 = '' OR case_no = $2) \
             ORDER BY received_on, case_no",
            tree.ids()
        );
        let rows: Vec<Row> = on_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(as_of).bind(case_no).fetch_all(p).await?);
        let sql = format!(
            "SELECT e.request_id, e.data FROM request_event e JOIN request r ON r.id = e.request_id \
             WHERE r.agency_id IN ({}) AND r.received_on <= $1 AND ($2 = '' OR r.case_no = $2) ORDER BY e.request_id, e.seq",
            tree.ids()
        );
        let events: Vec<(i64, Json<serde_json::Value>)> = on_db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(as_of).bind(case_no).fetch_all(p).await?);
        let mut by_id: HashMap<i64, Vec<CaseEvent>> = HashMap::new();
        for (id, Json(data)) in events {
            if let Ok(e) = CaseEvent::parse(&data.to_string()) {
                by_id.entry(id).or_default().push(e);
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        for (id, case_no, received, channel, applicant, subject, closed_on, outcome, withdrawn) in
            rows
        {
            let events = match by_id.remove(&id) {
                Some(ev) => ev,
                None => synthesized(
                    &case_no,
                    received,
                    &channel,
                    &applicant,
                    &subject,
                    closed_on,
                    outcome.as_deref(),
                    withdrawn,
                )?,
            };
            let case = Case::from_events(&case_no, events)?;
            out.push(case.clock(&cal, as_of));
        }
        Ok(out)
    }
}

/// Events standing for a case recorded only by its receipt and closing.
#[allow(clippy::too_many_arguments)]
fn synthesized(
    case_no: &str,
    received: Date,
    channel: &str,
    applicant: &str,
    subject: &str,
    closed_on: Option<Date>,
    outcome: Option<&str>,
    withdrawn: bool,
) -> Result<Vec<CaseEvent>, DbError> {
    let event = |date, kind| CaseEvent {
        request: Some(case_no.to_string()),
        date,
        kind,
        raw: serde_json::Value::Null,
    };
    let mut events = vec![event(
        received,
        EventKind::Received {
            channel: RequestChannel::from_code(channel)?,
            applicant_type: ApplicantType::from_code(applicant)?,
            subject: subject.to_string(),
        },
    )];
    if let Some(d) = closed_on {
        events.push(if withdrawn {
            event(d, EventKind::Withdrawn)
        } else {
            event(
                d,
                EventKind::Replied {
                    outcome: Outcome::from_code(outcome.unwrap_or("other_other"))?,
                },
            )
        });
    }
    Ok(events)
}

pub use gongkai_domain::cases::Applicant;

/// What the back office shows of a case besides its clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestDetail {
    /// "name（contact）" when the applicant's data were recorded.
    pub applicant: Option<String>,
    /// The applicant's name alone (for the reply letter).
    pub applicant_name: Option<String>,
    pub subject: String,
    /// The events, one line each, in order.
    pub events: Vec<String>,
}

/// What the public status page may show: no personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicStatus {
    pub agency: String,
    pub clock: Clock,
}

impl Db {
    /// Registers a new request (a `received` event line) with its applicant's data and the
    /// tracking code of the public status page, in one transaction.
    pub async fn register_request(
        &self,
        agency_code: &str,
        received_line: &str,
        a: &Applicant,
        code: &str,
    ) -> Result<(), DbError> {
        let mut tx = self.begin().await?;
        tx.register_request(agency_code, received_line, a, code)
            .await?;
        tx.commit().await
    }

    /// The applicant and events of a case, for the back office.
    pub async fn request_detail(
        &self,
        agency_code: &str,
        case_no: &str,
    ) -> Result<RequestDetail, DbError> {
        let agency = self.agency(agency_code).await?;
        let applicant: Option<(String, String, String)> = on_db!(self, p => sqlx::query_as(
            "SELECT a.name, a.phone, a.email FROM request_applicant a JOIN request r ON r.id = a.request_id \
             WHERE r.agency_id = $1 AND r.case_no = $2").bind(agency.id).bind(case_no).fetch_optional(p).await?);
        let subject: Option<String> = on_db!(self, p => sqlx::query_scalar(
            "SELECT subject FROM request WHERE agency_id = $1 AND case_no = $2").bind(agency.id).bind(case_no).fetch_optional(p).await?);
        let events: Vec<(String, Date)> = on_db!(self, p => sqlx::query_as(
            "SELECT e.type, e.event_date FROM request_event e JOIN request r ON r.id = e.request_id \
             WHERE r.agency_id = $1 AND r.case_no = $2 ORDER BY e.event_date, e.seq").bind(agency.id).bind(case_no).fetch_all(p).await?);
        Ok(RequestDetail {
            applicant_name: applicant.as_ref().map(|a| a.0.clone()),
            subject: subject.unwrap_or_default(),
            applicant: applicant.map(|(n, phone, email)| {
                format!("{n}（{}）", if phone.is_empty() { email } else { phone })
            }),
            events: events
                .into_iter()
                .map(|(t, d)| {
                    format!(
                        "{} {}",
                        gongkai_domain::period::iso(d),
                        EventKind::label_of(&t)
                    )
                })
                .collect(),
        })
    }

    /// The appeals about a case: (number, kind, filed, decided, result).
    pub async fn case_appeals(
        &self,
        agency_code: &str,
        case_no: &str,
    ) -> Result<Vec<(String, String, Date, Option<Date>, Option<String>)>, DbError> {
        let agency = self.agency(agency_code).await?;
        Ok(on_db!(self, p => sqlx::query_as(
            "SELECT a.appeal_no, a.kind, a.filed_on, a.decided_on, a.result FROM appeal a JOIN request r ON r.id = a.request_id \
             WHERE a.agency_id = $1 AND r.case_no = $2 ORDER BY a.filed_on, a.appeal_no").bind(agency.id).bind(case_no).fetch_all(p).await?))
    }

    /// The public status of the case with a tracking code.
    pub async fn public_status(&self, code: &str) -> Result<Option<PublicStatus>, DbError> {
        let row: Option<(String, String)> = on_db!(self, p => sqlx::query_as(
            "SELECT a.code, r.case_no FROM request_tracking t JOIN request r ON r.id = t.request_id \
             JOIN agency a ON a.id = r.agency_id WHERE t.code = $1").bind(code.trim()).fetch_optional(p).await?);
        let Some((agency_code, case_no)) = row else {
            return Ok(None);
        };
        let agency = self.agency(&agency_code).await?;
        let today = gongkai_domain::period::beijing_date(time::OffsetDateTime::now_utc());
        let clock = self.request_clock(&agency_code, &case_no, today).await?;
        Ok(clock.map(|clock| PublicStatus {
            agency: agency.name,
            clock,
        }))
    }

    /// The case numbers behind one cell of table 三 for a year (contracts.md §2.4).
    pub async fn cell_cases(
        &self,
        agency_code: &str,
        year: i32,
        row: &str,
        column: &str,
    ) -> Result<Vec<String>, DbError> {
        use gongkai_domain::DomainError as E;
        use gongkai_domain::report::T3Row;
        let (agency, tree) = self.agency_subtree(agency_code).await?;
        let period = Self::resolve_period(&agency, crate::PeriodSpec::Year(year))?;
        let row = T3Row::all()
            .into_iter()
            .find(|r| r.code() == row)
            .ok_or_else(|| E::invalid("row", format!("未知行“{row}”")))?;
        if column != "total" {
            ApplicantType::from_code(column)
                .map_err(|_| E::invalid("column", format!("未知列“{column}”")))?;
        }
        let cond = match row {
            T3Row::NewReceived => "received_on BETWEEN $1 AND $2".to_string(),
            T3Row::CarriedOver => {
                "received_on < $1 AND (closed_on IS NULL OR closed_on >= $1)".to_string()
            }
            T3Row::Outcome(o) => format!(
                "closed_on BETWEEN $1 AND $2 AND COALESCE(outcome, 'other_other') = '{}'",
                o.code()
            ),
            T3Row::TotalProcessed => "closed_on BETWEEN $1 AND $2".to_string(),
            T3Row::CarriedForward => {
                "received_on <= $2 AND (closed_on IS NULL OR closed_on > $2)".to_string()
            }
        };
        let col = if column == "total" {
            String::new()
        } else {
            format!(" AND applicant_type = '{column}'")
        };
        let sql = format!(
            "SELECT case_no FROM request WHERE agency_id IN ({}) AND {cond}{col} ORDER BY received_on, case_no",
            tree.ids()
        );
        Ok(
            on_db!(self, p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(period.from).bind(period.to).fetch_all(p).await?),
        )
    }
}

/// The fee notice of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeNotice {
    pub method: gongkai_domain::fees::FeeMethod,
    pub quantity: i64,
    pub amount_fen: i64,
    pub notice_on: Date,
    /// The last day to pay (20 working days after the notice).
    pub pay_by: Date,
    pub paid_on: Option<Date>,
}

impl Db {
    async fn case_id(
        &self,
        agency_code: &str,
        case_no: &str,
    ) -> Result<(i64, Date, Option<Date>), DbError> {
        let agency = self.agency(agency_code).await?;
        let row: Option<(i64, Date, Option<Date>)> = on_db!(self, p => sqlx::query_as(
            "SELECT id, received_on, closed_on FROM request WHERE agency_id = $1 AND case_no = $2")
            .bind(agency.id).bind(case_no).fetch_optional(p).await?);
        row.ok_or_else(|| DbError::Conflict(format!("未找到案件“{case_no}”")))
    }

    /// The ordinal of this case among its applicant's applications to the agency in the same
    /// calendar month (for 按件计收); applicants are matched by ID number, else by name.
    pub async fn monthly_ordinal(&self, agency_code: &str, case_no: &str) -> Result<i64, DbError> {
        let agency = self.agency(agency_code).await?;
        let (id, received, _) = self.case_id(agency_code, case_no).await?;
        let who: Option<(String, String)> = on_db!(self, p => sqlx::query_as(
            "SELECT id_number, name FROM request_applicant WHERE request_id = $1").bind(id).fetch_optional(p).await?);
        let Some((id_number, name)) = who else {
            return Ok(1);
        };
        let first = time::Date::from_calendar_date(received.year(), received.month(), 1)
            .unwrap_or(received);
        let sql = "SELECT COUNT(*) FROM request r JOIN request_applicant a ON a.request_id = r.id \
                   WHERE r.agency_id = $1 AND r.received_on BETWEEN $2 AND $3 \
                   AND ((a.id_number <> '' AND a.id_number = $4) OR (a.id_number = '' AND $4 = '' AND a.name = $5)) \
                   AND (r.received_on < $3 OR r.id <= $6)";
        let n: i64 = on_db!(self, p => sqlx::query_scalar(sql).bind(agency.id).bind(first).bind(received)
            .bind(&id_number).bind(&name).bind(id).fetch_one(p).await?);
        Ok(n.max(1))
    }

    /// Issues the fee notice of an open case (one per case), in one transaction; returns it.
    pub async fn issue_fee_notice(
        &self,
        agency_code: &str,
        case_no: &str,
        method: gongkai_domain::fees::FeeMethod,
        quantity: i64,
        notice_on: Date,
    ) -> Result<FeeNotice, DbError> {
        let mut tx = self.begin().await?;
        tx.issue_fee_notice(agency_code, case_no, method, quantity, notice_on)
            .await?;
        tx.commit().await?;
        self.fee_notice(agency_code, case_no)
            .await?
            .ok_or_else(|| DbError::Conflict("收费通知保存失败".into()))
    }

    /// Records the payment (the fee counts as collected, report section 六), in one transaction.
    pub async fn fee_paid(
        &self,
        agency_code: &str,
        case_no: &str,
        paid_on: Date,
    ) -> Result<(), DbError> {
        let mut tx = self.begin().await?;
        tx.fee_paid(agency_code, case_no, paid_on).await?;
        tx.commit().await
    }

    /// The fee notice of a case, if any.
    pub async fn fee_notice(
        &self,
        agency_code: &str,
        case_no: &str,
    ) -> Result<Option<FeeNotice>, DbError> {
        let (id, _, _) = self.case_id(agency_code, case_no).await?;
        let row: Option<(String, i32, i64, Date, Option<Date>)> = on_db!(self, p => sqlx::query_as(
            "SELECT method, quantity, amount_fen, notice_on, paid_on FROM request_fee WHERE request_id = $1")
            .bind(id).fetch_optional(p).await?);
        let Some((method, quantity, amount_fen, notice_on, paid_on)) = row else {
            return Ok(None);
        };
        let cal = self.calendar().await?;
        Ok(Some(FeeNotice {
            method: gongkai_domain::fees::FeeMethod::from_code(&method)?,
            quantity: i64::from(quantity),
            amount_fen,
            notice_on,
            pay_by: cal
                .add_workdays(notice_on, gongkai_domain::fees::PAYMENT_WORKDAYS)
                .date,
            paid_on,
        }))
    }
}

impl Tx {
    /// Imports 依申请公开 case events (JSON Lines, contracts.md §2) for an agency, in one
    /// transaction: a bad line imports nothing and the error names the line and field.
    pub async fn import_requests(
        &mut self,
        agency_code: &str,
        text: &str,
    ) -> Result<ImportSummary, DbError> {
        // Lock first: the history validated below cannot change before this commits.
        let agency = self.lock_agency(agency_code).await?;
        let mut lines = Vec::new();
        for (i, l) in text.lines().enumerate() {
            if l.trim().is_empty() {
                continue;
            }
            let event = CaseEvent::parse(l).map_err(|e| at_line(i + 1, e))?;
            lines.push(Line { no: i + 1, event });
        }
        // The stored history of the cases this file touches (not the agency's whole history:
        // one event must not cost a read of every case), and the agency's appeals.
        type Stored = (i64, String, Option<Json<serde_json::Value>>, Option<i32>);
        let mut wanted: Vec<&str> = lines
            .iter()
            .filter_map(|l| l.event.request.as_deref())
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut existing: Vec<Stored> = Vec::new();
        on_tx!(self, c => {
            for chunk in wanted.chunks(500) {
                let mut q = QueryBuilder::new(
                    "SELECT r.id, r.case_no, e.data, e.seq FROM request r LEFT JOIN request_event e ON e.request_id = r.id \
                     WHERE r.agency_id = ");
                q.push_bind(agency.id).push(" AND r.case_no IN (");
                let mut list = q.separated(", ");
                for n in chunk {
                    list.push_bind(*n);
                }
                list.push_unseparated(") ORDER BY r.id, e.seq");
                existing.extend(q.build_query_as::<Stored>().fetch_all(&mut *c).await?);
            }
        });
        let mut old: HashMap<String, (i64, Vec<CaseEvent>, i32)> = HashMap::new();
        for (id, case_no, data, seq) in existing {
            let entry = old.entry(case_no).or_insert((id, vec![], 0));
            if let (Some(Json(data)), Some(seq)) = (data, seq) {
                if let Ok(e) = CaseEvent::parse(&data.to_string()) {
                    entry.1.push(e);
                }
                entry.2 = entry.2.max(seq);
            }
        }
        let old_appeals: Vec<(String, Option<Date>, Date)> = on_tx!(self, c => sqlx::query_as(
            "SELECT appeal_no, decided_on, filed_on FROM appeal WHERE agency_id = $1").bind(agency.id).fetch_all(&mut *c).await?);
        let mut appeals: HashMap<String, (Option<Date>, Date, bool)> = old_appeals
            .into_iter()
            .map(|(no, d, f)| (no, (d, f, false)))
            .collect();

        // Group the file's case events by case, and check each case with its stored history.
        let mut by_case: BTreeMap<String, Vec<&Line>> = BTreeMap::new();
        for l in &lines {
            if let (Some(r), false) = (
                &l.event.request,
                matches!(
                    l.event.kind,
                    EventKind::AppealFiled { .. } | EventKind::AppealDecided { .. }
                ),
            ) {
                by_case.entry(r.clone()).or_default().push(l);
            }
        }
        let mut cases: Vec<(Case, Vec<&Line>, i32)> = Vec::new();
        for (case_no, new) in &by_case {
            let (stored, max_seq) = old
                .get(case_no)
                .map(|(_, ev, s)| (ev.clone(), *s))
                .unwrap_or_default();
            let mut all = stored;
            all.extend(new.iter().map(|l| l.event.clone()));
            let numbers = new
                .iter()
                .map(|l| l.no.to_string())
                .collect::<Vec<_>>()
                .join("、");
            let case = Case::from_events(case_no, all)
                .map_err(|e| DbError::Import(format!("第 {numbers} 行：{e}")))?;
            cases.push((case, new.clone(), max_seq));
        }
        // Appeals: filed ones need a known case and a new number; decisions a filed, undecided appeal.
        let mut appeal_rows: Vec<(&Line, String)> = Vec::new();
        let mut ordered: Vec<&Line> = lines
            .iter()
            .filter(|l| {
                matches!(
                    l.event.kind,
                    EventKind::AppealFiled { .. } | EventKind::AppealDecided { .. }
                )
            })
            .collect();
        ordered.sort_by_key(|l| l.event.date);
        for l in ordered {
            match &l.event.kind {
                EventKind::AppealFiled { appeal, .. } => {
                    let case_no = l.event.request.clone().unwrap_or_default();
                    if !old.contains_key(&case_no) && !by_case.contains_key(&case_no) {
                        return Err(at_line(
                            l.no,
                            format!("字段“request”无效：未知案件“{case_no}”"),
                        ));
                    }
                    if appeals.contains_key(appeal) {
                        return Err(at_line(
                            l.no,
                            format!("字段“appeal”无效：复议/诉讼编号“{appeal}”已存在"),
                        ));
                    }
                    appeals.insert(appeal.clone(), (None, l.event.date, true));
                    appeal_rows.push((l, case_no));
                }
                EventKind::AppealDecided { appeal, .. } => match appeals.get_mut(appeal) {
                    None => {
                        return Err(at_line(
                            l.no,
                            format!("字段“appeal”无效：未知复议/诉讼编号“{appeal}”"),
                        ));
                    }
                    Some((Some(_), _, _)) => {
                        return Err(at_line(
                            l.no,
                            format!("字段“appeal”无效：“{appeal}”已有结果"),
                        ));
                    }
                    Some((decided, filed, _)) => {
                        if l.event.date < *filed {
                            return Err(at_line(
                                l.no,
                                format!("字段“date”无效：“{appeal}”的结果早于提起日期"),
                            ));
                        }
                        *decided = Some(l.event.date);
                        appeal_rows.push((l, String::new()));
                    }
                },
                _ => {}
            }
        }

        let summary = ImportSummary {
            events: lines.len(),
            cases: cases.len(),
            appeals: appeal_rows.iter().filter(|(_, c)| !c.is_empty()).count(),
        };
        on_tx!(self, c => {
            let mut ids: HashMap<String, i64> = old.iter().map(|(k, v)| (k.clone(), v.0)).collect();
            for chunk in cases.chunks(500) {
                let mut q = QueryBuilder::new(
                    "INSERT INTO request (agency_id, case_no, received_on, channel, applicant_type, subject, closed_on, outcome, withdrawn) ");
                q.push_values(chunk, |mut b, (c, _, _)| {
                    let closing = c.closing();
                    b.push_bind(agency.id).push_bind(&c.request).push_bind(c.received).push_bind(c.channel.code())
                        .push_bind(c.applicant_type.code()).push_bind(&c.subject).push_bind(closing.map(|x| x.0))
                        .push_bind(closing.map(|x| x.1.code())).push_bind(closing.is_some_and(|x| x.2));
                });
                q.push(" ON CONFLICT (agency_id, case_no) DO UPDATE SET received_on = excluded.received_on, channel = excluded.channel, \
                         applicant_type = excluded.applicant_type, subject = excluded.subject, closed_on = excluded.closed_on, \
                         outcome = excluded.outcome, withdrawn = excluded.withdrawn RETURNING id, case_no");
                for (id, no) in q.build_query_as::<(i64, String)>().fetch_all(&mut *c).await? {
                    ids.insert(no, id);
                }
                failpoint("import_requests.after_requests")?;
            }
            let events: Vec<(i64, i32, &Line)> = cases.iter().flat_map(|(c, new, max_seq)| {
                let id = ids.get(&c.request).copied().unwrap_or_default();
                new.iter().enumerate().map(move |(i, l)| (id, max_seq + 1 + i as i32, *l))
            }).collect();
            for chunk in events.chunks(1000) {
                let mut q = QueryBuilder::new("INSERT INTO request_event (request_id, seq, type, event_date, data) ");
                q.push_values(chunk, |mut b, (id, seq, l)| {
                    b.push_bind(*id).push_bind(*seq).push_bind(l.event.kind.code()).push_bind(l.event.date).push_bind(Json(&l.event.raw));
                });
                q.build().execute(&mut *c).await?;
            }
            for (l, case_no) in &appeal_rows {
                match &l.event.kind {
                    EventKind::AppealFiled { appeal, kind } => {
                        sqlx::query("INSERT INTO appeal (agency_id, request_id, appeal_no, kind, filed_on) VALUES ($1, $2, $3, $4, $5)")
                            .bind(agency.id).bind(ids.get(case_no).copied()).bind(appeal).bind(kind.code()).bind(l.event.date)
                            .execute(&mut *c).await?;
                    }
                    EventKind::AppealDecided { appeal, result } => {
                        sqlx::query("UPDATE appeal SET decided_on = $1, result = $2 WHERE agency_id = $3 AND appeal_no = $4")
                            .bind(l.event.date).bind(result.code()).bind(agency.id).bind(appeal)
                            .execute(&mut *c).await?;
                    }
                    _ => {}
                }
            }
        });
        Ok(summary)
    }

    /// A case's id, receipt and closing date, read inside the transaction.
    pub async fn case_id(
        &mut self,
        agency_code: &str,
        case_no: &str,
    ) -> Result<(i64, Date, Option<Date>), DbError> {
        let agency = self.agency(agency_code).await?;
        let row: Option<(i64, Date, Option<Date>)> = on_tx!(self, c => sqlx::query_as(
            "SELECT id, received_on, closed_on FROM request WHERE agency_id = $1 AND case_no = $2")
            .bind(agency.id).bind(case_no).fetch_optional(&mut *c).await?);
        row.ok_or_else(|| DbError::NotFound(format!("未找到案件“{case_no}”")))
    }

    /// Registers a new request: its `received` event, its applicant and its tracking code.
    pub async fn register_request(
        &mut self,
        agency_code: &str,
        received_line: &str,
        a: &Applicant,
        code: &str,
    ) -> Result<(), DbError> {
        let e = CaseEvent::parse(received_line).map_err(|e| DbError::Import(e.to_string()))?;
        if !matches!(e.kind, EventKind::Received { .. }) {
            return Err(DbError::Import("登记申请须为 received 事件".into()));
        }
        let case_no = e.request.clone().unwrap_or_default();
        let agency = self.lock_agency(agency_code).await?;
        let exists: Option<i64> = on_tx!(self, c => sqlx::query_scalar("SELECT id FROM request WHERE agency_id = $1 AND case_no = $2")
            .bind(agency.id).bind(&case_no).fetch_optional(&mut *c).await?);
        if exists.is_some() {
            return Err(DbError::Conflict(format!("案件编号“{case_no}”已存在")));
        }
        self.import_requests(agency_code, received_line).await?;
        failpoint("register_request.after_case")?;
        let (id, _, _) = self.case_id(agency_code, &case_no).await?;
        self.put_applicant(id, a).await?;
        on_tx!(self, c => sqlx::query("INSERT INTO request_tracking (code, request_id) VALUES ($1, $2)")
            .bind(code).bind(id).execute(&mut *c).await.map(|_| ())?);
        Ok(())
    }

    /// Records the applicant of request `id` (the contact kept as e-mail when it holds `@`,
    /// else as a phone number).
    async fn put_applicant(&mut self, id: i64, a: &Applicant) -> Result<(), DbError> {
        let (phone, email) = if a.contact.contains('@') {
            (String::new(), a.contact.clone())
        } else {
            (a.contact.clone(), String::new())
        };
        on_tx!(self, c => sqlx::query("INSERT INTO request_applicant (request_id, name, id_number, phone, email, delivery) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id).bind(&a.name).bind(&a.id_number).bind(&phone).bind(&email).bind(&a.delivery).execute(&mut *c).await.map(|_| ())?);
        Ok(())
    }

    /// Gives every case of the agency that has no applicant recorded the demo's fictitious
    /// applicant for its case number and applicant type (`gongkai_synth::demo_applicant`).
    pub(crate) async fn demo_applicants(&mut self, agency_id: i64) -> Result<(), DbError> {
        let cases: Vec<(i64, String, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT r.id, r.case_no, r.applicant_type FROM request r \
             WHERE r.agency_id = $1 AND NOT EXISTS \
             (SELECT 1 FROM request_applicant a WHERE a.request_id = r.id) ORDER BY r.id")
            .bind(agency_id).fetch_all(&mut *c).await?);
        for (id, case_no, applicant_type) in cases {
            let t = ApplicantType::from_code(&applicant_type)?;
            self.put_applicant(id, &gongkai_synth::demo_applicant(&case_no, t))
                .await?;
        }
        Ok(())
    }

    /// Issues the fee notice of an open case (one per case).
    pub async fn issue_fee_notice(
        &mut self,
        agency_code: &str,
        case_no: &str,
        method: gongkai_domain::fees::FeeMethod,
        quantity: i64,
        notice_on: Date,
    ) -> Result<(), DbError> {
        self.lock_agency(agency_code).await?;
        let (id, received, closed) = self.case_id(agency_code, case_no).await?;
        if closed.is_some() {
            return Err(DbError::Conflict(format!(
                "案件“{case_no}”已办结，不能再发收费通知"
            )));
        }
        if notice_on < received {
            return Err(gongkai_domain::DomainError::invalid(
                "date",
                "收费通知日期早于收到申请之日",
            )
            .into());
        }
        let exists: Option<i64> = on_tx!(self, c => sqlx::query_scalar("SELECT request_id FROM request_fee WHERE request_id = $1")
            .bind(id).fetch_optional(&mut *c).await?);
        if exists.is_some() {
            return Err(DbError::Conflict(format!("案件“{case_no}”已发过收费通知")));
        }
        let amount = gongkai_domain::fees::fee_fen(method, quantity)?;
        let quantity = i32::try_from(quantity)
            .map_err(|_| gongkai_domain::DomainError::invalid("quantity", "数量过大"))?;
        on_tx!(self, c => { sqlx::query("INSERT INTO request_fee (request_id, method, quantity, amount_fen, notice_on) VALUES ($1, $2, $3, $4, $5)")
            .bind(id).bind(method.code()).bind(quantity).bind(amount).bind(notice_on)
            .execute(&mut *c).await?; });
        Ok(())
    }

    /// Records the payment of a case's fee notice.
    pub async fn fee_paid(
        &mut self,
        agency_code: &str,
        case_no: &str,
        paid_on: Date,
    ) -> Result<(), DbError> {
        self.lock_agency(agency_code).await?;
        let (id, _, _) = self.case_id(agency_code, case_no).await?;
        let notice: Option<(i64, Date, Option<Date>)> = on_tx!(self, c => sqlx::query_as(
            "SELECT amount_fen, notice_on, paid_on FROM request_fee WHERE request_id = $1")
            .bind(id).fetch_optional(&mut *c).await?);
        let (amount_fen, notice_on, paid) =
            notice.ok_or_else(|| DbError::Conflict("该案件没有收费通知".into()))?;
        if paid.is_some() {
            return Err(DbError::Conflict("该收费通知已缴费".into()));
        }
        if paid_on < notice_on {
            return Err(
                gongkai_domain::DomainError::invalid("date", "缴费日期早于收费通知日期").into(),
            );
        }
        on_tx!(self, c => {
            sqlx::query("UPDATE request_fee SET paid_on = $1 WHERE request_id = $2").bind(paid_on).bind(id).execute(&mut *c).await?;
            failpoint("fee_paid.after_fee")?;
            sqlx::query("UPDATE request SET fee_fen = $1 WHERE id = $2").bind(amount_fen).bind(id).execute(&mut *c).await?;
        });
        Ok(())
    }

    /// Stores a year of holiday data, replacing what that notice year had.
    pub async fn import_calendar(&mut self, y: &HolidayYear, source: &str) -> Result<(), DbError> {
        on_tx!(self, c => {
            sqlx::query("DELETE FROM calendar_day WHERE title_year = $1").bind(y.year).execute(&mut *c).await?;
            sqlx::query("INSERT INTO calendar_year (year, papers, source) VALUES ($1, $2, $3) \
                         ON CONFLICT (year) DO UPDATE SET papers = excluded.papers, source = excluded.source")
                .bind(y.year).bind(Json(&y.papers)).bind(source).execute(&mut *c).await?;
            for chunk in y.days.chunks(500) {
                let mut q = QueryBuilder::new("INSERT INTO calendar_day (day, is_off_day, name, title_year) ");
                q.push_values(chunk, |mut b, d| {
                    b.push_bind(d.date).push_bind(d.off).push_bind(&d.name).push_bind(y.year);
                });
                q.push(" ON CONFLICT (day) DO UPDATE SET is_off_day = excluded.is_off_day, name = excluded.name, title_year = excluded.title_year");
                q.build().execute(&mut *c).await?;
            }
        });
        Ok(())
    }
}
