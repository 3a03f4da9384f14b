//! Roles and the one permission table (product.md: who does what). Every back-office route and
//! API operation asks [`allows`] before it acts.

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

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See the back office at all.
    BackOffice,
    /// See 依申请公开 cases, their applicants and clocks.
    ViewRequests,
    /// Register requests and record their events (补正, consultations, replies, withdrawals).
    HandleRequests,
    /// Approve an extension of the reply period (条例 art. 33: the 负责人 only).
    ApproveExtension,
    /// Sign a reply (record the decision): the 负责人 only.
    SignReply,
    /// See reports and the cases behind their cells.
    ViewReports,
    /// Manage users, agencies, the calendar and templates.
    Administer,
}

impl Permission {
    pub fn label(self) -> &'static str {
        match self {
            Permission::BackOffice => "进入后台",
            Permission::ViewRequests => "查看依申请公开案件",
            Permission::HandleRequests => "办理依申请公开案件",
            Permission::ApproveExtension => "批准延期答复",
            Permission::SignReply => "签发答复",
            Permission::ViewReports => "查看年度报告",
            Permission::Administer => "系统管理",
        }
    }
}

/// The permission table.
pub fn role_allows(role: Role, p: Permission) -> bool {
    use Permission as P;
    use Role as R;
    match p {
        P::BackOffice => role != R::System,
        P::ViewRequests => matches!(role, R::Admin | R::Handler | R::Head),
        P::HandleRequests => matches!(role, R::Handler | R::Head),
        P::ApproveExtension | P::SignReply => role == R::Head,
        P::ViewReports => true,
        P::Administer => role == R::Admin,
    }
}

/// True when any of the roles allows `p`.
pub fn allows(roles: &[Role], p: Permission) -> bool {
    roles.iter().any(|r| role_allows(*r, p))
}

/// Failed logins before an account is locked, and for how long.
pub const LOCKOUT_AFTER: i64 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;
/// Idle lifetime of a back-office session.
pub const SESSION_HOURS: i64 = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_head_approves_extensions() {
        for r in Role::ALL {
            assert_eq!(
                allows(&[*r], Permission::ApproveExtension),
                *r == Role::Head,
                "{r}"
            );
        }
        assert!(allows(
            &[Role::Editor, Role::Head],
            Permission::ApproveExtension
        ));
        assert!(!allows(&[], Permission::BackOffice));
        assert!(!allows(&[Role::Editor], Permission::ViewRequests));
        assert!(allows(&[Role::Handler], Permission::HandleRequests));
        assert!(!allows(&[Role::System], Permission::BackOffice));
    }
}
