//! Who may do what: roles granted per agency, the one decision function [`authorize`], and the
//! login, session and password policies.
//!
//! A role is granted in an agency and covers that agency's whole subtree (a grant on a parent
//! covers its children). Every back-office route and API operation, and every command that acts
//! for a user, asks [`authorize`] with the principal, the action and the resource (the agency it
//! belongs to, as its path up to the root) before it acts; nothing else decides access.

use crate::cases::EventKind;

crate::codes::code_enum_pub!(
    /// Back-office roles (contracts.md §1 `user add --role`).
    Role, "role" {
        Admin => "admin", "管理员";
        Editor => "editor", "采编";
        Reviewer1 => "reviewer1", "初审";
        Reviewer2 => "reviewer2", "复审";
        Reviewer3 => "reviewer3", "终审";
        Proofreader => "proofreader", "校对";
        Secrecy => "secrecy", "保密审查员";
        Handler => "handler", "依申请办理人";
        Head => "head", "负责人";
        System => "system", "对接系统";
    }
);

/// What a principal asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the back office at all (pages; API tokens never open pages).
    BackOffice,
    /// See 依申请公开 cases and their clocks.
    ViewRequests,
    /// See an applicant's personal data (name, identity number, contact).
    ViewApplicant,
    /// Register requests and record their ordinary events (补正, consultations, withdrawals,
    /// appeals, fees).
    HandleRequests,
    /// Approve an extension of the reply period or set a later reply date (条例 arts. 33, 35:
    /// the 负责人 only).
    ApproveExtension,
    /// Sign a reply (record the decision): the 负责人 only.
    SignReply,
    /// See reports and the cases behind their cells.
    ViewReports,
    /// Audit published report files (年报体检).
    AuditReports,
    /// Change an agency's settings and templates.
    Administer,
    /// Create users, grant and revoke roles, disable users, create and revoke their tokens.
    ManageUsers,
    /// Read and export the audit log (安全审计).
    ViewAuditLog,
    /// Deployment-wide settings: the holiday calendar.
    AdministerDeployment,
    /// Push trading notices (the trading system's token).
    PushNotices,
    /// See trading disclosure in the back office: the violations queue, section timelines,
    /// bidder lookup (交易信息公开 staff: 采编, 负责人, 管理员).
    ViewTrading,
    /// See the catalogue of proactive-disclosure items and their workflow in the back office.
    ViewItems,
    /// Draft and edit disclosure items, send them to review, start corrections (采编).
    DraftItems,
    /// Publish or schedule an approved version (采编, 负责人).
    PublishItems,
    /// Withdraw a published item (负责人).
    WithdrawItems,
    /// Perform one review stage of a disclosure item (三审三校, 保密审查).
    Review(Stage),
    /// Enter or import the records behind table 二 and the report's figures: decisions, fees,
    /// policy pushes and loans, channels and their posts with reads (采编, 管理员, and system
    /// accounts that push them from other systems).
    RecordFigures,
}

/// The stages of the publishing workflow that separation of duties governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// 初审
    First,
    /// 复审
    Second,
    /// 终审
    Final,
    /// 校对 (one of the three proofreading passes)
    Proofread,
    /// 保密审查
    Secrecy,
}

impl Stage {
    pub const ALL: &'static [Stage] = &[
        Stage::First,
        Stage::Second,
        Stage::Final,
        Stage::Proofread,
        Stage::Secrecy,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Stage::First => "初审",
            Stage::Second => "复审",
            Stage::Final => "终审",
            Stage::Proofread => "校对",
            Stage::Secrecy => "保密审查",
        }
    }

    /// The role that performs this stage.
    pub fn role(self) -> Role {
        match self {
            Stage::First => Role::Reviewer1,
            Stage::Second => Role::Reviewer2,
            Stage::Final => Role::Reviewer3,
            Stage::Proofread => Role::Proofreader,
            Stage::Secrecy => Role::Secrecy,
        }
    }
}

impl Action {
    pub fn label(self) -> &'static str {
        match self {
            Action::BackOffice => "进入后台",
            Action::ViewRequests => "查看依申请公开案件",
            Action::ViewApplicant => "查看申请人信息",
            Action::HandleRequests => "办理依申请公开案件",
            Action::ApproveExtension => "批准延期答复",
            Action::SignReply => "签发答复",
            Action::ViewReports => "查看年度报告",
            Action::AuditReports => "年报体检",
            Action::Administer => "机构设置管理",
            Action::ManageUsers => "用户与角色管理",
            Action::ViewAuditLog => "查看审计日志",
            Action::AdministerDeployment => "系统管理（节假日等全局设置）",
            Action::PushNotices => "推送交易公告",
            Action::ViewTrading => "查看交易信息公开",
            Action::ViewItems => "查看主动公开目录",
            Action::DraftItems => "起草和修改主动公开信息",
            Action::PublishItems => "发布主动公开信息",
            Action::WithdrawItems => "撤回已发布信息",
            Action::Review(s) => s.label(),
            Action::RecordFigures => "登记表二与渠道数据",
        }
    }

    /// Every action, for the permission matrix.
    pub fn all() -> Vec<Action> {
        let mut v = vec![
            Action::BackOffice,
            Action::ViewRequests,
            Action::ViewApplicant,
            Action::HandleRequests,
            Action::ApproveExtension,
            Action::SignReply,
            Action::ViewReports,
            Action::AuditReports,
            Action::Administer,
            Action::ManageUsers,
            Action::ViewAuditLog,
            Action::AdministerDeployment,
            Action::PushNotices,
            Action::ViewTrading,
            Action::ViewItems,
            Action::DraftItems,
            Action::PublishItems,
            Action::WithdrawItems,
            Action::RecordFigures,
        ];
        v.extend(Stage::ALL.iter().map(|s| Action::Review(*s)));
        v
    }

    /// The action of recording a case event of this kind: extensions and later reply dates are
    /// the 负责人's, so is signing the reply; everything else is the handler's.
    pub fn for_case_event(kind: &EventKind) -> Action {
        match kind {
            EventKind::Extended { .. } | EventKind::DeadlineSet { .. } => Action::ApproveExtension,
            EventKind::Replied { .. } => Action::SignReply,
            _ => Action::HandleRequests,
        }
    }
}

/// The permission table: which role may perform which action (in the agencies it is granted in).
pub fn role_allows(role: Role, a: Action) -> bool {
    use Action as A;
    use Role as R;
    match a {
        A::BackOffice => role != R::System,
        A::ViewRequests | A::ViewApplicant => matches!(role, R::Admin | R::Handler | R::Head),
        A::HandleRequests => matches!(role, R::Handler | R::Head),
        A::ApproveExtension | A::SignReply => role == R::Head,
        // Reports and the auditor are open to every role, system accounts included (the
        // audit API serves supervisors' scripts).
        A::ViewReports | A::AuditReports => true,
        A::Administer | A::ManageUsers | A::ViewAuditLog | A::AdministerDeployment => {
            role == R::Admin
        }
        A::PushNotices => matches!(role, R::System | R::Admin),
        // Trading disclosure is the 采编's work, overseen by the 负责人; system accounts push
        // notices but open no pages.
        A::ViewTrading => matches!(role, R::Admin | R::Editor | R::Head),
        // The catalogue is open to every back-office role; drafting is the 采编's, publishing
        // an approved version the 采编's or the 负责人's, withdrawal the 负责人's alone.
        A::ViewItems => role != R::System,
        A::DraftItems => role == R::Editor,
        A::PublishItems => matches!(role, R::Editor | R::Head),
        A::WithdrawItems => role == R::Head,
        A::Review(s) => role == s.role(),
        A::RecordFigures => matches!(role, R::Editor | R::Admin | R::System),
    }
}

/// A role held in one agency (and so in its subtree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grant {
    pub agency_id: i64,
    pub role: Role,
    /// The agency has no parent: its admins administer the deployment.
    pub top_level: bool,
}

/// How the principal proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
}

/// An authenticated user (or system account) with the grants in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub name: String,
    pub grants: Vec<Grant>,
    pub via: Via,
}

impl Principal {
    /// The grants as text for the audit log: `admin@12, handler@14`.
    pub fn grants_text(&self) -> String {
        self.grants
            .iter()
            .map(|g| format!("{}@{}", g.role.code(), g.agency_id))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The distinct roles held anywhere (for menus; never for decisions).
    pub fn roles(&self) -> Vec<Role> {
        let mut r: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        r.sort();
        r.dedup();
        r
    }

    /// True when some grant allows `a` somewhere (to decide whether to show a menu entry).
    pub fn may_somewhere(&self, a: Action) -> bool {
        self.grants.iter().any(|g| role_allows(g.role, a))
            && (a != Action::BackOffice || self.via == Via::Session)
    }
}

/// An agency and its ancestors: its own id first, the root last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyPath(pub Vec<i64>);

impl AgencyPath {
    pub fn id(&self) -> Option<i64> {
        self.0.first().copied()
    }

    /// True when a grant in `agency_id` covers this agency.
    pub fn is_covered_by(&self, agency_id: i64) -> bool {
        self.0.contains(&agency_id)
    }
}

/// What an action is performed on.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// Deployment-wide (the holiday calendar): needs the role in a top-level agency.
    Deployment,
    /// Anything belonging to an agency: its cases, reports, users, settings, audit log.
    Agency(&'a AgencyPath),
    /// One stage of the review of a disclosure item.
    ReviewOf(&'a ReviewContext<'a>),
}

/// The state of an item's review that separation of duties looks at.
#[derive(Debug, Clone, Copy)]
pub struct ReviewContext<'a> {
    pub agency: &'a AgencyPath,
    /// Who drafted (or last edited) the item.
    pub author: i64,
    /// The stages already performed on this version, by whom.
    pub done: &'a [(Stage, i64)],
    /// The agency setting: the least number of distinct people an item passes through
    /// (author included) before it is published.
    pub min_people: usize,
}

/// Why an action was refused (shown to the user in Chinese).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Denied {
    pub action: Action,
    pub message: String,
}

fn denied(action: Action, message: impl Into<String>) -> Denied {
    Denied {
        action,
        message: message.into(),
    }
}

impl Action {
    /// What a user is told when refused this action.
    pub fn refusal(self) -> String {
        match self {
            Action::ApproveExtension => "延期答复及延迟答复的期限须由负责人批准".into(),
            Action::SignReply => "答复须由负责人签发".into(),
            other => format!("您没有“{}”的权限", other.label()),
        }
    }
}

/// The one decision: may `principal` perform `action` on `resource`?
pub fn authorize(
    principal: &Principal,
    action: Action,
    resource: Resource<'_>,
) -> Result<(), Denied> {
    if action == Action::BackOffice && principal.via != Via::Session {
        return Err(denied(action, "后台页面须登录后访问，API 令牌不能打开页面"));
    }
    let no_role = || denied(action, action.refusal());
    let holds = |covers: &dyn Fn(&Grant) -> bool| {
        principal
            .grants
            .iter()
            .any(|g| covers(g) && role_allows(g.role, action))
    };
    match resource {
        Resource::Deployment => {
            if holds(&|g| g.top_level) {
                Ok(())
            } else {
                Err(no_role())
            }
        }
        Resource::Agency(path) => {
            if holds(&|g| path.is_covered_by(g.agency_id)) {
                Ok(())
            } else {
                Err(no_role())
            }
        }
        Resource::ReviewOf(ctx) => {
            let Action::Review(stage) = action else {
                return Err(no_role());
            };
            if !holds(&|g| ctx.agency.is_covered_by(g.agency_id)) {
                return Err(no_role());
            }
            separation_of_duties(principal.user_id, stage, ctx).map_err(|m| denied(action, m))
        }
    }
}

/// Separation of duties in the review of one item: nobody reviews their own draft, nobody holds
/// two of the stages 初审/复审/终审/保密审查, and the item passes through at least `min_people`
/// distinct people (the last required stage may not be taken by someone already counted when
/// that would leave the item short of that number). Proofreading passes may be taken by any
/// reviewer except the author.
pub fn separation_of_duties(
    user: i64,
    stage: Stage,
    ctx: &ReviewContext<'_>,
) -> Result<(), String> {
    if user == ctx.author {
        return Err(format!("不能{}本人起草的稿件", stage.label()));
    }
    if stage != Stage::Proofread {
        if let Some((s, _)) = ctx
            .done
            .iter()
            .find(|(s, u)| *u == user && *s != Stage::Proofread && *s != stage)
        {
            return Err(format!(
                "同一稿件的{}与{}不能由同一人承担",
                s.label(),
                stage.label()
            ));
        }
        if stage == Stage::Final {
            let mut people: Vec<i64> = ctx.done.iter().map(|(_, u)| *u).collect();
            people.push(ctx.author);
            people.push(user);
            people.sort_unstable();
            people.dedup();
            if people.len() < ctx.min_people {
                return Err(format!(
                    "本机构要求稿件至少经 {} 人办理，目前只有 {} 人",
                    ctx.min_people,
                    people.len()
                ));
            }
        }
    }
    Ok(())
}

/// Login and session policy (等保 2.0 / ASVS L2); the times are configurable per deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session ends after this many minutes without a request.
    pub idle_minutes: i64,
    /// A session ends this many minutes after login, whatever happens.
    pub absolute_minutes: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle_minutes: 30,
            absolute_minutes: 12 * 60,
        }
    }
}

/// Failed logins in a row before an account is locked, and for how long.
pub const LOCKOUT_AFTER: i64 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;

/// The shortest password accepted.
pub const PASSWORD_MIN_CHARS: usize = 10;
/// The longest password accepted (Argon2 work is bounded).
pub const PASSWORD_MAX_CHARS: usize = 128;

/// Checks a new password: length, and a strength estimate (zxcvbn score ≥ 3 of 4) that also
/// penalises the user's own name.
pub fn check_password(password: &str, user_name: &str) -> Result<(), crate::DomainError> {
    let n = password.chars().count();
    if n < PASSWORD_MIN_CHARS {
        return Err(crate::DomainError::invalid(
            "密码",
            format!("至少 {PASSWORD_MIN_CHARS} 个字符（现为 {n} 个）"),
        ));
    }
    if n > PASSWORD_MAX_CHARS {
        return Err(crate::DomainError::invalid(
            "密码",
            format!("至多 {PASSWORD_MAX_CHARS} 个字符"),
        ));
    }
    let score = zxcvbn::zxcvbn(password, &[user_name, "gongkai", "公开"]).score();
    if (score as u8) < 3 {
        return Err(crate::DomainError::invalid(
            "密码",
            "强度不足：请避免常见词、键盘序列、重复字符和用户名，可用几个不相关的词加数字",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(grants: &[(i64, Role, bool)]) -> Principal {
        Principal {
            user_id: 1,
            name: "u".into(),
            grants: grants
                .iter()
                .map(|(a, r, t)| Grant {
                    agency_id: *a,
                    role: *r,
                    top_level: *t,
                })
                .collect(),
            via: Via::Session,
        }
    }

    #[test]
    fn only_the_head_approves_extensions() {
        for r in Role::ALL {
            assert_eq!(
                role_allows(*r, Action::ApproveExtension),
                *r == Role::Head,
                "{r}"
            );
        }
    }

    #[test]
    fn a_grant_covers_its_subtree_only() {
        let child = AgencyPath(vec![3, 1]);
        let sibling = AgencyPath(vec![4, 1]);
        let parent = AgencyPath(vec![1]);
        let p = principal(&[(3, Role::Handler, false)]);
        assert!(authorize(&p, Action::HandleRequests, Resource::Agency(&child)).is_ok());
        assert!(authorize(&p, Action::HandleRequests, Resource::Agency(&sibling)).is_err());
        assert!(authorize(&p, Action::HandleRequests, Resource::Agency(&parent)).is_err());
        let boss = principal(&[(1, Role::Head, true)]);
        assert!(authorize(&boss, Action::SignReply, Resource::Agency(&child)).is_ok());
        assert!(authorize(&boss, Action::SignReply, Resource::Agency(&sibling)).is_ok());
    }

    #[test]
    fn deployment_actions_need_a_top_level_admin() {
        let child_admin = principal(&[(3, Role::Admin, false)]);
        let root_admin = principal(&[(1, Role::Admin, true)]);
        assert!(
            authorize(
                &child_admin,
                Action::AdministerDeployment,
                Resource::Deployment
            )
            .is_err()
        );
        assert!(
            authorize(
                &root_admin,
                Action::AdministerDeployment,
                Resource::Deployment
            )
            .is_ok()
        );
    }

    #[test]
    fn tokens_never_open_pages() {
        let mut p = principal(&[(1, Role::Admin, true)]);
        p.via = Via::Token;
        assert!(
            authorize(
                &p,
                Action::BackOffice,
                Resource::Agency(&AgencyPath(vec![1]))
            )
            .is_err()
        );
        assert!(
            authorize(
                &p,
                Action::ViewRequests,
                Resource::Agency(&AgencyPath(vec![1]))
            )
            .is_ok()
        );
    }

    #[test]
    fn passwords_need_length_and_strength() {
        assert!(check_password("short", "li").is_err());
        assert!(check_password("1234567890", "li").is_err());
        assert!(check_password("wangxiaoming1", "wangxiaoming").is_err());
        assert!(check_password("黄河 晨雾 7 盏灯 orbit", "li").is_ok());
    }
}
