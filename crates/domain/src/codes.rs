//! Code lists of the contracts (contracts.md §2–§4) with their official Chinese labels.
//!
//! Every enum has a stable machine code (`code()`, used in files, JSON and the database) and a
//! zh-CN label (`label()`, used in documents and pages).

macro_rules! code_enum_pub {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident => $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in the official order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable machine code.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The zh-CN label.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Parses a machine code; the error names the field.
            pub fn from_code(code: &str) -> Result<Self, $crate::DomainError> {
                match code {
                    $($code => Ok($name::$variant),)+
                    other => Err($crate::DomainError::invalid(
                        $field,
                        format!("未知取值“{}”，可选：{}", other, [$($code),+].join("、")),
                    )),
                }
            }

            /// Position in `ALL`.
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> { Self::from_code(s) }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::from_code(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use code_enum_pub;

code_enum_pub!(
    /// 申请人情况: the six applicant columns of table 三 (regulations.md §1.5).
    ApplicantType, "applicant_type" {
        NaturalPerson => "natural_person", "自然人";
        Commercial => "commercial", "商业企业";
        Research => "research", "科研机构";
        PublicWelfare => "public_welfare", "社会公益组织";
        LegalService => "legal_service", "法律服务机构";
        OtherOrg => "other_org", "其他";
    }
);

code_enum_pub!(
    /// The 21 leaf outcome rows of table 三 (regulations.md §1.5, §1.6).
    Outcome, "outcome" {
        Granted => "granted", "（一）予以公开";
        Partial => "partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）";
        DenyStateSecret => "deny_state_secret", "1.属于国家秘密";
        DenyLawForbidden => "deny_law_forbidden", "2.其他法律行政法规禁止公开";
        DenyThreeSecurityOneStability => "deny_three_security_one_stability", "3.危及“三安全一稳定”";
        DenyThirdParty => "deny_third_party", "4.保护第三方合法权益";
        DenyInternalAffairs => "deny_internal_affairs", "5.属于三类内部事务信息";
        DenyProcessInfo => "deny_process_info", "6.属于四类过程性信息";
        DenyEnforcementFile => "deny_enforcement_file", "7.属于行政执法案卷";
        DenyAdminQuery => "deny_admin_query", "8.属于行政查询事项";
        UnableNotHeld => "unable_not_held", "1.本机关不掌握相关政府信息";
        UnableNeedsCreation => "unable_needs_creation", "2.没有现成信息需要另行制作";
        UnableUnclearAfterCorrection => "unable_unclear_after_correction", "3.补正后申请内容仍不明确";
        NoprocPetition => "noproc_petition", "1.信访举报投诉类申请";
        NoprocRepeat => "noproc_repeat", "2.重复申请";
        NoprocPublication => "noproc_publication", "3.要求提供公开出版物";
        NoprocMassRepeat => "noproc_mass_repeat", "4.无正当理由大量反复申请";
        NoprocConfirmReissue => "noproc_confirm_reissue", "5.要求行政机关确认或重新出具已获取信息";
        OtherNoCorrection => "other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请";
        OtherFeeUnpaid => "other_fee_unpaid", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请";
        OtherOther => "other_other", "3.其他";
    }
);

/// The outcome groups of table 三 row 三 (the rowspan labels of the official layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeGroup {
    Granted,
    Partial,
    Deny,
    Unable,
    NoProcess,
    Other,
}

impl OutcomeGroup {
    /// The group label, or `None` for the two single-row groups whose label is the row label.
    pub fn label(self) -> Option<&'static str> {
        match self {
            OutcomeGroup::Granted | OutcomeGroup::Partial => None,
            OutcomeGroup::Deny => Some("（三）不予公开"),
            OutcomeGroup::Unable => Some("（四）无法提供"),
            OutcomeGroup::NoProcess => Some("（五）不予处理"),
            OutcomeGroup::Other => Some("（六）其他处理"),
        }
    }
}

impl Outcome {
    /// The outcome as a person reads it, with its group: 「（三）不予公开 · 1.属于国家秘密」; the
    /// two single-row groups are their row label alone (「（一）予以公开」).
    pub fn full_label(self) -> String {
        match self.group().label() {
            Some(g) => format!("{g} · {}", self.label()),
            None => self.label().to_string(),
        }
    }

    /// The 21 outcomes in their groups, in the official order: (group label, outcomes), the
    /// label `None` for the two single-row groups (a form's `<optgroup>`s).
    pub fn grouped() -> Vec<(Option<&'static str>, Vec<Outcome>)> {
        let mut out: Vec<(OutcomeGroup, Vec<Outcome>)> = Vec::new();
        for &o in Outcome::ALL {
            match out.last_mut() {
                Some((g, v)) if *g == o.group() => v.push(o),
                _ => out.push((o.group(), vec![o])),
            }
        }
        out.into_iter().map(|(g, v)| (g.label(), v)).collect()
    }

    pub fn group(self) -> OutcomeGroup {
        let code = self.code();
        match self {
            Outcome::Granted => OutcomeGroup::Granted,
            Outcome::Partial => OutcomeGroup::Partial,
            _ if code.starts_with("deny_") => OutcomeGroup::Deny,
            _ if code.starts_with("unable_") => OutcomeGroup::Unable,
            _ if code.starts_with("noproc_") => OutcomeGroup::NoProcess,
            _ => OutcomeGroup::Other,
        }
    }
}

code_enum_pub!(
    /// 行政复议 / 行政诉讼 groups of table 四 (regulations.md §1.7).
    AppealKind, "kind" {
        Reconsideration => "reconsideration", "行政复议";
        LitigationDirect => "litigation_direct", "未经复议直接起诉";
        LitigationAfterReconsideration => "litigation_after_reconsideration", "复议后起诉";
    }
);

code_enum_pub!(
    /// The result columns of table 四 (without 总计).
    AppealResult, "result" {
        Upheld => "upheld", "结果维持";
        Corrected => "corrected", "结果纠正";
        Other => "other", "其他结果";
        Pending => "pending", "尚未审结";
    }
);

code_enum_pub!(
    /// How a request reached the agency (条例 art. 31 fixes the receipt date per channel).
    RequestChannel, "channel" {
        Online => "online", "网上申请";
        InPerson => "in_person", "当面提交";
        Post => "post", "邮寄";
        Letter => "letter", "信函";
        Fax => "fax", "传真";
        Email => "email", "电子邮件";
    }
);

code_enum_pub!(
    /// Trading categories (contracts.md §3).
    TradingCategory, "category" {
        Engineering => "engineering", "工程建设";
        Procurement => "procurement", "政府采购";
        Land => "land", "土地使用权和矿业权";
        StateAsset => "state_asset", "国有产权";
        Other => "other", "其他";
    }
);

code_enum_pub!(
    /// Trading notice types (contracts.md §3).
    NoticeType, "type" {
        TenderPlan => "tender_plan", "招标计划";
        ProcurementIntention => "procurement_intention", "采购意向";
        PrequalificationNotice => "prequalification_notice", "资格预审公告";
        TenderNotice => "tender_notice", "招标（采购）公告";
        Clarification => "clarification", "澄清（更正）公告";
        BidOpening => "bid_opening", "开标记录";
        CandidatePublicity => "candidate_publicity", "中标候选人公示";
        AwardResult => "award_result", "中标（成交）结果公告";
        Contract => "contract", "合同公告";
        Acceptance => "acceptance", "履约验收公告";
        Termination => "termination", "终止公告";
        SingleSource => "single_source", "单一来源公示";
    }
);

impl NoticeType {
    /// Plans and intentions are counted apart from trading notices (contracts.md §3.4).
    pub fn is_plan(self) -> bool {
        matches!(
            self,
            NoticeType::TenderPlan | NoticeType::ProcurementIntention
        )
    }

    /// The phase of the trading process the notice discloses (事前 / 事中 / 事后 公开).
    pub fn phase(self) -> TradingPhase {
        match self {
            NoticeType::TenderPlan | NoticeType::ProcurementIntention => TradingPhase::Before,
            NoticeType::PrequalificationNotice
            | NoticeType::TenderNotice
            | NoticeType::Clarification
            | NoticeType::BidOpening
            | NoticeType::CandidatePublicity
            | NoticeType::SingleSource => TradingPhase::During,
            NoticeType::AwardResult
            | NoticeType::Contract
            | NoticeType::Acceptance
            | NoticeType::Termination => TradingPhase::After,
        }
    }

    /// Bid openings and candidate publicities name the bidders; they are also what puts a
    /// section's bidders into a period's `bidders` figure (contracts.md §3, §3.4).
    pub fn names_bidders(self) -> bool {
        matches!(
            self,
            NoticeType::BidOpening | NoticeType::CandidatePublicity
        )
    }
}

code_enum_pub!(
    /// The phases of trading disclosure: before (plans, intentions), during (from the tender
    /// notice to the candidates) and after the award (result, contract, acceptance, termination).
    TradingPhase, "stage" {
        Before => "before", "事前公开";
        During => "during", "事中公开";
        After => "after", "事后公开";
    }
);

impl TradingPhase {
    /// The notice types of the phase, in the official order.
    pub fn types(self) -> Vec<NoticeType> {
        NoticeType::ALL
            .iter()
            .copied()
            .filter(|t| t.phase() == self)
            .collect()
    }
}

code_enum_pub!(
    /// Kinds of publication channel (product.md module 8).
    ChannelKind, "kind" {
        Portal => "portal", "政府门户网站";
        Wechat => "wechat", "微信公众号";
        Weibo => "weibo", "微博";
        App => "app", "政务客户端";
        Other => "other", "其他新媒体";
    }
);

code_enum_pub!(
    /// 公开属性 of a disclosure item.
    DisclosureAttr, "disclosure" {
        Proactive => "proactive", "主动公开";
        OnRequest => "on_request", "依申请公开";
        NotPublic => "not_public", "不予公开";
    }
);

code_enum_pub!(
    /// The kind of document a disclosure item is, as far as table 二 cares.
    DocKind, "doc_kind" {
        Rule => "rule", "规章";
        NormativeDocument => "normative_document", "行政规范性文件";
        Other => "other", "其他";
    }
);

code_enum_pub!(
    /// Administrative decisions counted in table 二 (art. 20 items 5 and 6).
    DecisionKind, "decision_kind" {
        Licensing => "licensing", "行政许可";
        Penalty => "penalty", "行政处罚";
        Enforcement => "enforcement", "行政强制";
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_is_named() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::from_code(o.code()), Ok(*o));
        }
        assert_eq!(Outcome::ALL.len(), 21);
        let err = Outcome::from_code("nope").unwrap_err().to_string();
        assert!(err.contains("outcome") && err.contains("nope"), "{err}");
    }

    #[test]
    fn every_notice_type_is_in_exactly_one_phase_and_plans_come_before() {
        let mut all: Vec<NoticeType> = TradingPhase::ALL.iter().flat_map(|p| p.types()).collect();
        all.sort();
        assert_eq!(all, NoticeType::ALL);
        for t in NoticeType::ALL {
            assert_eq!(t.is_plan(), t.phase() == TradingPhase::Before, "{t}");
        }
        assert_eq!(NoticeType::AwardResult.phase(), TradingPhase::After);
        assert_eq!(NoticeType::CandidatePublicity.phase(), TradingPhase::During);
    }

    #[test]
    fn outcomes_read_with_their_group_in_the_official_order() {
        assert_eq!(
            Outcome::DenyStateSecret.full_label(),
            "（三）不予公开 · 1.属于国家秘密"
        );
        assert_eq!(Outcome::Granted.full_label(), "（一）予以公开");
        let groups = Outcome::grouped();
        let labels: Vec<Option<&str>> = groups.iter().map(|g| g.0).collect();
        assert_eq!(
            labels,
            [
                None,
                None,
                Some("（三）不予公开"),
                Some("（四）无法提供"),
                Some("（五）不予处理"),
                Some("（六）其他处理")
            ]
        );
        let flat: Vec<Outcome> = groups.into_iter().flat_map(|g| g.1).collect();
        assert_eq!(flat, Outcome::ALL);
    }

    #[test]
    fn outcome_groups_follow_the_table() {
        let deny = Outcome::ALL
            .iter()
            .filter(|o| o.group() == OutcomeGroup::Deny)
            .count();
        let unable = Outcome::ALL
            .iter()
            .filter(|o| o.group() == OutcomeGroup::Unable)
            .count();
        let noproc = Outcome::ALL
            .iter()
            .filter(|o| o.group() == OutcomeGroup::NoProcess)
            .count();
        let other = Outcome::ALL
            .iter()
            .filter(|o| o.group() == OutcomeGroup::Other)
            .count();
        assert_eq!((deny, unable, noproc, other), (8, 3, 5, 3));
    }
}
