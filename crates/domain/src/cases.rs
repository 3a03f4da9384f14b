//! 依申请公开 cases as event histories (contracts.md §2) and their statutory clock (§2.3).

use serde::Serialize;
use serde_json::{Map, Value};
use time::Date;

use crate::DomainError;
use crate::calendar::Calendar;
use crate::codes::{AppealKind, AppealResult, ApplicantType, Outcome, RequestChannel};
use crate::period::{iso_date, parse_date};

/// Working days an agency has to reply (条例 art. 33).
pub const REPLY_WORKDAYS: u32 = 20;
/// Working days within which a 补正 notice must go out (条例 art. 30).
pub const CORRECTION_NOTICE_WORKDAYS: u32 = 7;
/// The most an extension may add in total (条例 art. 33).
pub const MAX_EXTENSION_WORKDAYS: i64 = 20;

/// An applicant's personal data (kept apart from the case; never shown publicly).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Applicant {
    pub name: String,
    /// 身份证件号码 or 统一社会信用代码.
    pub id_number: String,
    /// A phone number or an e-mail address.
    pub contact: String,
    /// How the information is to be delivered: `email`, `post` or `pickup`.
    pub delivery: String,
}

/// Who is consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    ThirdParty,
    Agency,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    Received {
        channel: RequestChannel,
        applicant_type: ApplicantType,
        subject: String,
    },
    CorrectionRequested,
    Corrected,
    ConsultationStarted {
        party: Party,
    },
    ConsultationEnded {
        party: Party,
    },
    Extended {
        workdays: i64,
    },
    Replied {
        outcome: Outcome,
    },
    Withdrawn,
    /// 条例 art. 35: for an applicant whose applications clearly exceed a reasonable number, the
    /// agency sets a reasonable later date for its reply (an addition to the contract's types).
    DeadlineSet {
        due: Date,
    },
    AppealFiled {
        appeal: String,
        kind: AppealKind,
    },
    AppealDecided {
        appeal: String,
        result: AppealResult,
    },
}

impl EventKind {
    pub fn code(&self) -> &'static str {
        match self {
            EventKind::Received { .. } => "received",
            EventKind::CorrectionRequested => "correction_requested",
            EventKind::Corrected => "corrected",
            EventKind::ConsultationStarted { .. } => "consultation_started",
            EventKind::ConsultationEnded { .. } => "consultation_ended",
            EventKind::Extended { .. } => "extended",
            EventKind::Replied { .. } => "replied",
            EventKind::Withdrawn => "withdrawn",
            EventKind::DeadlineSet { .. } => "deadline_set",
            EventKind::AppealFiled { .. } => "appeal_filed",
            EventKind::AppealDecided { .. } => "appeal_decided",
        }
    }

    /// Every event type code, in the order of a case's life.
    pub const CODES: &'static [&'static str] = &[
        "received",
        "correction_requested",
        "corrected",
        "consultation_started",
        "consultation_ended",
        "extended",
        "replied",
        "withdrawn",
        "deadline_set",
        "appeal_filed",
        "appeal_decided",
    ];

    /// The zh-CN label of an event type code (the case page's history).
    pub fn label_of(code: &str) -> &'static str {
        match code {
            "received" => "收到申请",
            "correction_requested" => "发出补正通知",
            "corrected" => "申请人补正",
            "consultation_started" => "开始征求意见",
            "consultation_ended" => "征求意见结束",
            "extended" => "批准延期答复",
            "replied" => "答复",
            "withdrawn" => "申请人撤回",
            "deadline_set" => "确定延迟答复的合理期限（条例第三十五条）",
            "appeal_filed" => "提起行政复议或诉讼",
            "appeal_decided" => "复议或诉讼结果",
            _ => "其他",
        }
    }

    fn is_appeal(&self) -> bool {
        matches!(
            self,
            EventKind::AppealFiled { .. } | EventKind::AppealDecided { .. }
        )
    }
}

/// One event line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEvent {
    /// The case number (absent only on `appeal_decided`).
    pub request: Option<String>,
    pub date: Date,
    pub kind: EventKind,
    /// The line as given, unknown fields included (kept, ignored).
    pub raw: Value,
}

fn text<'a>(o: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, DomainError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(DomainError::invalid(key, "应为字符串")),
    }
}

fn required<'a>(o: &'a Map<String, Value>, key: &str) -> Result<&'a str, DomainError> {
    match text(o, key)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(DomainError::invalid(key, "缺少此字段")),
    }
}

impl CaseEvent {
    /// Parses one JSON Lines record; errors name the field.
    pub fn parse(line: &str) -> Result<CaseEvent, DomainError> {
        let raw: Value = serde_json::from_str(line)
            .map_err(|e| DomainError::invalid("JSON", format!("无法解析：{e}")))?;
        let o = raw
            .as_object()
            .ok_or_else(|| DomainError::invalid("JSON", "每行应为一个 JSON 对象"))?;
        let ty = required(o, "type")?;
        let date = parse_date(required(o, "date")?, "date")?;
        let kind = match ty {
            "received" => EventKind::Received {
                channel: RequestChannel::from_code(required(o, "channel")?)?,
                applicant_type: ApplicantType::from_code(required(o, "applicant_type")?)?,
                subject: text(o, "subject")?.unwrap_or("").to_string(),
            },
            "correction_requested" => EventKind::CorrectionRequested,
            "corrected" => EventKind::Corrected,
            "consultation_started" | "consultation_ended" => {
                let party = match required(o, "party")? {
                    "third_party" => Party::ThirdParty,
                    "agency" => Party::Agency,
                    other => {
                        return Err(DomainError::invalid(
                            "party",
                            format!("未知取值“{other}”，可选：third_party、agency"),
                        ));
                    }
                };
                if ty == "consultation_started" {
                    EventKind::ConsultationStarted { party }
                } else {
                    EventKind::ConsultationEnded { party }
                }
            }
            "extended" => {
                let n = o
                    .get("workdays")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| DomainError::invalid("workdays", "应为 1–20 的整数"))?;
                if !(1..=MAX_EXTENSION_WORKDAYS).contains(&n) {
                    return Err(DomainError::invalid(
                        "workdays",
                        format!("延期 {n} 个工作日无效，应为 1–20"),
                    ));
                }
                EventKind::Extended { workdays: n }
            }
            "replied" => EventKind::Replied {
                outcome: Outcome::from_code(required(o, "outcome")?)?,
            },
            "withdrawn" => EventKind::Withdrawn,
            "deadline_set" => EventKind::DeadlineSet {
                due: parse_date(required(o, "due")?, "due")?,
            },
            "appeal_filed" => EventKind::AppealFiled {
                appeal: required(o, "appeal")?.to_string(),
                kind: AppealKind::from_code(required(o, "kind")?)?,
            },
            "appeal_decided" => EventKind::AppealDecided {
                appeal: required(o, "appeal")?.to_string(),
                result: AppealResult::from_code(required(o, "result")?)
                    .ok()
                    .filter(|r| *r != AppealResult::Pending)
                    .ok_or_else(|| {
                        DomainError::invalid("result", "应为 upheld、corrected 或 other")
                    })?,
            },
            other => {
                return Err(DomainError::invalid(
                    "type",
                    format!(
                        "未知事件类型“{other}”，可选：received、correction_requested、corrected、consultation_started、consultation_ended、extended、replied、withdrawn、appeal_filed、appeal_decided、deadline_set"
                    ),
                ));
            }
        };
        let request = text(o, "request")?
            .map(str::to_string)
            .filter(|s| !s.trim().is_empty());
        if request.is_none() && !matches!(kind, EventKind::AppealDecided { .. }) {
            return Err(DomainError::invalid("request", "缺少案件编号"));
        }
        Ok(CaseEvent {
            request,
            date,
            kind,
            raw,
        })
    }
}

/// A case's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    AwaitingCorrection,
    InConsultation,
    Replied,
    Withdrawn,
}

impl Status {
    /// Every status, in the order of a case's life.
    pub const ALL: &'static [Status] = &[
        Status::Open,
        Status::AwaitingCorrection,
        Status::InConsultation,
        Status::Replied,
        Status::Withdrawn,
    ];

    /// The stable machine code (as serialized).
    pub fn code(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::AwaitingCorrection => "awaiting_correction",
            Status::InConsultation => "in_consultation",
            Status::Replied => "replied",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Open => "办理中",
            Status::AwaitingCorrection => "待补正",
            Status::InConsultation => "征求意见中",
            Status::Replied => "已答复",
            Status::Withdrawn => "已撤回",
        }
    }
}

/// A case: its events in the order they apply (by date, ties in given order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub request: String,
    pub received: Date,
    pub channel: RequestChannel,
    pub applicant_type: ApplicantType,
    pub subject: String,
    pub events: Vec<CaseEvent>,
}

/// What `requests list` reports per case (contracts.md §2.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clock {
    pub request: String,
    pub applicant_type: ApplicantType,
    pub channel: RequestChannel,
    #[serde(with = "iso_date")]
    pub received: Date,
    #[serde(with = "iso_date")]
    pub clock_start: Date,
    pub paused_workdays: i64,
    pub extension_workdays: i64,
    #[serde(with = "iso_date")]
    pub due: Date,
    /// False when the due date depends on a year whose holiday notice is not yet published.
    pub due_confirmed: bool,
    pub status: Status,
    pub outcome: Option<Outcome>,
    #[serde(serialize_with = "opt_date")]
    pub closed_on: Option<Date>,
    pub overdue: bool,
    pub correction_notice_late: bool,
}

fn opt_date<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&crate::period::iso(*d)),
        None => s.serialize_none(),
    }
}

impl Case {
    /// Builds a case from its events (appeal events excluded), checking the rules of
    /// contracts.md §2: one `received` first, nothing after the reply or withdrawal, corrections
    /// and consultations in order, extensions within 20 working days in total.
    pub fn from_events(request: &str, mut events: Vec<CaseEvent>) -> Result<Case, DomainError> {
        events.retain(|e| !e.kind.is_appeal());
        // Stable: ties keep their given order.
        events.sort_by_key(|e| e.date);
        let received: Vec<&CaseEvent> = events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Received { .. }))
            .collect();
        let first = match received.as_slice() {
            [] => {
                return Err(DomainError::invalid(
                    "type",
                    format!("案件“{request}”没有 received 事件"),
                ));
            }
            [one] => *one,
            _ => {
                return Err(DomainError::invalid(
                    "type",
                    format!("案件“{request}”有第二个 received 事件"),
                ));
            }
        };
        let EventKind::Received {
            channel,
            applicant_type,
            subject,
        } = &first.kind
        else {
            return Err(DomainError::invalid("type", "received"));
        };
        let (channel, applicant_type, subject, received) =
            (*channel, *applicant_type, subject.clone(), first.date);
        let mut closed: Option<Date> = None;
        let mut awaiting = false;
        let mut consulting: Vec<Party> = Vec::new();
        let mut extension = 0;
        for e in &events {
            let what = e.kind.code();
            if e.date < received {
                return Err(DomainError::invalid(
                    "date",
                    format!("案件“{request}”的 {what} 事件早于收到申请之日"),
                ));
            }
            if let Some(c) = closed {
                if e.date > c {
                    return Err(DomainError::invalid(
                        "date",
                        format!(
                            "案件“{request}”已答复或撤回（{}），之后不能再有 {what} 事件",
                            crate::period::iso(c)
                        ),
                    ));
                }
                if matches!(e.kind, EventKind::Replied { .. } | EventKind::Withdrawn) {
                    return Err(DomainError::invalid(
                        "type",
                        format!("案件“{request}”已答复或撤回，不能再有 {what} 事件"),
                    ));
                }
            }
            match &e.kind {
                EventKind::CorrectionRequested => awaiting = true,
                EventKind::Corrected => {
                    if !awaiting {
                        return Err(DomainError::invalid(
                            "type",
                            format!("案件“{request}”未要求补正，不能有 corrected 事件"),
                        ));
                    }
                    awaiting = false;
                }
                EventKind::ConsultationStarted { party } => consulting.push(*party),
                EventKind::ConsultationEnded { party } => {
                    match consulting.iter().position(|p| p == party) {
                        Some(i) => {
                            consulting.remove(i);
                        }
                        None => {
                            return Err(DomainError::invalid(
                                "party",
                                format!("案件“{request}”没有进行中的该方征求意见"),
                            ));
                        }
                    }
                }
                EventKind::Extended { workdays } => {
                    extension += workdays;
                    if extension > MAX_EXTENSION_WORKDAYS {
                        return Err(DomainError::invalid(
                            "workdays",
                            format!(
                                "案件“{request}”延期合计 {extension} 个工作日，超过 20 个工作日"
                            ),
                        ));
                    }
                }
                EventKind::Replied { .. } | EventKind::Withdrawn => closed = Some(e.date),
                EventKind::DeadlineSet { due } if *due <= e.date => {
                    return Err(DomainError::invalid(
                        "due",
                        format!("案件“{request}”确定的答复期限应晚于确定之日"),
                    ));
                }
                _ => {}
            }
        }
        Ok(Case {
            request: request.to_string(),
            received,
            channel,
            applicant_type,
            subject,
            events,
        })
    }

    /// The reply or withdrawal, if any: (date, table 三 outcome, withdrawn).
    pub fn closing(&self) -> Option<(Date, Outcome, bool)> {
        self.events.iter().find_map(|e| match e.kind {
            EventKind::Replied { outcome } => Some((e.date, outcome, false)),
            EventKind::Withdrawn => Some((e.date, Outcome::OtherOther, true)),
            _ => None,
        })
    }

    /// The clock as of a date (events after it are not yet known).
    pub fn clock(&self, cal: &Calendar, as_of: Date) -> Clock {
        let known: Vec<&CaseEvent> = self.events.iter().filter(|e| e.date <= as_of).collect();
        let clock_start = known
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Corrected))
            .map(|e| e.date)
            .max()
            .unwrap_or(self.received);
        let correction_deadline = cal
            .add_workdays(self.received, CORRECTION_NOTICE_WORKDAYS)
            .date;
        let correction_notice_late = known.iter().any(|e| {
            matches!(e.kind, EventKind::CorrectionRequested) && e.date > correction_deadline
        });
        let extension_workdays: i64 = known
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Extended { workdays } => Some(workdays),
                _ => None,
            })
            .sum();
        // Consultation intervals that start on or after the clock start; open ones run to as_of.
        let mut open: Vec<(Party, Date)> = Vec::new();
        let mut paused = 0;
        let mut confirmed = true;
        for e in &known {
            match e.kind {
                EventKind::ConsultationStarted { party } => open.push((party, e.date)),
                EventKind::ConsultationEnded { party } => {
                    if let Some(i) = open.iter().position(|(p, _)| *p == party) {
                        let (_, started) = open.remove(i);
                        if started >= clock_start {
                            let (n, ok) = cal.workdays(started, e.date);
                            paused += n;
                            confirmed &= ok;
                        }
                    }
                }
                _ => {}
            }
        }
        let closing = known.iter().find_map(|e| match e.kind {
            EventKind::Replied { outcome } => Some((e.date, outcome, Status::Replied)),
            EventKind::Withdrawn => Some((e.date, Outcome::OtherOther, Status::Withdrawn)),
            _ => None,
        });
        if closing.is_none() {
            for (_, started) in &open {
                if *started >= clock_start {
                    paused += cal.count_workdays(*started, as_of);
                }
            }
        }
        let total = REPLY_WORKDAYS as i64 + extension_workdays + paused;
        let mut due = cal.add_workdays(clock_start, u32::try_from(total).unwrap_or(u32::MAX));
        // Art. 35: a reasonable date set by the agency replaces the statutory one.
        if let Some(set) = known.iter().rev().find_map(|e| match e.kind {
            EventKind::DeadlineSet { due } => Some(due),
            _ => None,
        }) {
            due = crate::calendar::CalDate {
                date: set,
                confirmed: true,
            };
        }
        let awaiting = {
            let mut a = false;
            for e in &known {
                match e.kind {
                    EventKind::CorrectionRequested => a = true,
                    EventKind::Corrected => a = false,
                    _ => {}
                }
            }
            a
        };
        let (status, outcome, closed_on) = match closing {
            Some((d, o, s)) => (s, Some(o), Some(d)),
            None if awaiting => (Status::AwaitingCorrection, None, None),
            None if !open.is_empty() => (Status::InConsultation, None, None),
            None => (Status::Open, None, None),
        };
        let overdue = match closed_on {
            Some(d) => d > due.date,
            None => as_of > due.date,
        };
        Clock {
            request: self.request.clone(),
            applicant_type: self.applicant_type,
            channel: self.channel,
            received: self.received,
            clock_start,
            paused_workdays: paused,
            extension_workdays,
            due: due.date,
            due_confirmed: due.confirmed && confirmed,
            status,
            outcome,
            closed_on,
            overdue,
            correction_notice_late,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn ev(line: &str) -> CaseEvent {
        CaseEvent::parse(line).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    fn case(lines: &[&str]) -> Result<Case, DomainError> {
        Case::from_events("A1", lines.iter().map(|l| ev(l)).collect())
    }

    const RECEIVED: &str = r#"{"type":"received","request":"A1","date":"2026-09-18","channel":"online","applicant_type":"natural_person"}"#;

    #[test]
    fn plain_case_and_reply() {
        let cal = Calendar::builtin();
        let c = case(&[RECEIVED]).unwrap();
        let k = c.clock(&cal, date!(2026 - 09 - 30));
        assert_eq!(
            (k.due, k.status, k.overdue),
            (date!(2026 - 10 - 22), Status::Open, false)
        );
        let k = c.clock(&cal, date!(2026 - 10 - 23));
        assert!(k.overdue);
        let c = case(&[
            RECEIVED,
            r#"{"type":"replied","request":"A1","date":"2026-10-22","outcome":"granted"}"#,
        ])
        .unwrap();
        let k = c.clock(&cal, date!(2026 - 12 - 01));
        assert_eq!(
            (k.status, k.outcome, k.closed_on, k.overdue),
            (
                Status::Replied,
                Some(Outcome::Granted),
                Some(date!(2026 - 10 - 22)),
                false
            )
        );
    }

    #[test]
    fn correction_restarts_and_consultation_pauses() {
        let cal = Calendar::builtin();
        let c = case(&[
            RECEIVED,
            r#"{"type":"correction_requested","request":"A1","date":"2026-09-30"}"#,
            r#"{"type":"corrected","request":"A1","date":"2026-10-09"}"#,
            r#"{"type":"consultation_started","request":"A1","date":"2026-10-12","party":"third_party"}"#,
            r#"{"type":"consultation_ended","request":"A1","date":"2026-10-16","party":"third_party"}"#,
            r#"{"type":"extended","request":"A1","date":"2026-10-20","workdays":10}"#,
        ])
        .unwrap();
        let k = c.clock(&cal, date!(2026 - 10 - 20));
        assert_eq!(k.clock_start, date!(2026 - 10 - 09));
        assert_eq!(k.paused_workdays, 4);
        assert_eq!(k.extension_workdays, 10);
        assert_eq!(k.due, cal.add_workdays(date!(2026 - 10 - 09), 34).date);
        // 2026-09-18 + 7 WD = 2026-09-29 (09-20 is a make-up Sunday): the notice was late.
        assert!(k.correction_notice_late);
        assert_eq!(
            c.clock(&cal, date!(2026 - 10 - 01)).status,
            Status::AwaitingCorrection
        );
        assert_eq!(
            c.clock(&cal, date!(2026 - 10 - 13)).status,
            Status::InConsultation
        );
        // An open consultation counts up to as_of.
        assert_eq!(c.clock(&cal, date!(2026 - 10 - 14)).paused_workdays, 2);
    }

    #[test]
    fn an_agency_set_date_replaces_the_statutory_one() {
        let cal = Calendar::builtin();
        let c = case(&[
            RECEIVED,
            r#"{"type":"deadline_set","request":"A1","date":"2026-09-25","due":"2026-12-15"}"#,
        ])
        .unwrap();
        let k = c.clock(&cal, date!(2026 - 11 - 30));
        assert_eq!((k.due, k.overdue), (date!(2026 - 12 - 15), false));
        assert!(
            case(&[
                RECEIVED,
                r#"{"type":"deadline_set","request":"A1","date":"2026-09-25","due":"2026-09-20"}"#
            ])
            .is_err()
        );
        assert!(
            CaseEvent::parse(r#"{"type":"deadline_set","request":"A1","date":"2026-09-25"}"#)
                .unwrap_err()
                .to_string()
                .contains("due")
        );
    }

    #[test]
    fn bad_histories_are_refused() {
        let e = case(&[RECEIVED, RECEIVED]).unwrap_err().to_string();
        assert!(e.contains("第二个 received"), "{e}");
        let e = case(&[
            RECEIVED,
            r#"{"type":"replied","request":"A1","date":"2026-09-20","outcome":"granted"}"#,
            r#"{"type":"extended","request":"A1","date":"2026-09-21","workdays":5}"#,
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("已答复"), "{e}");
        let e = case(&[
            RECEIVED,
            r#"{"type":"extended","request":"A1","date":"2026-09-21","workdays":15}"#,
            r#"{"type":"extended","request":"A1","date":"2026-09-22","workdays":6}"#,
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("超过 20"), "{e}");
        for (line, field) in [
            (
                r#"{"type":"nope","request":"A1","date":"2026-09-18"}"#,
                "type",
            ),
            (
                r#"{"type":"replied","request":"A1","date":"2026-09-18","outcome":"maybe"}"#,
                "outcome",
            ),
            (
                r#"{"type":"received","request":"A1","date":"2026-09-18","channel":"pigeon","applicant_type":"natural_person"}"#,
                "channel",
            ),
            (
                r#"{"type":"received","date":"2026-09-18","channel":"online","applicant_type":"natural_person"}"#,
                "request",
            ),
            (
                r#"{"type":"extended","request":"A1","date":"2026-09-18","workdays":21}"#,
                "workdays",
            ),
            (
                r#"{"type":"received","request":"A1","date":"18/09/2026"}"#,
                "date",
            ),
            ("not json", "JSON"),
        ] {
            let e = CaseEvent::parse(line).unwrap_err().to_string();
            assert!(e.contains(field), "{line}: {e}");
        }
        // Unknown fields are kept and ignored.
        let e = ev(r#"{"type":"withdrawn","request":"A1","date":"2026-09-18","note":"x"}"#);
        assert_eq!(e.raw["note"], "x");
    }
}
