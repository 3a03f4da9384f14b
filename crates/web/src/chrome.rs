//! The back office's page chrome (`templates/admin_base.html`): the navigation, the signed-in
//! user's name and the session's CSRF token for the logout form. Every back-office page template
//! has a `chrome` field built by `Chrome::of`.

use gongkai_domain::auth::Action;

use crate::guard::Caller;

/// The trading disclosure pages, shown to those who may view them somewhere.
pub const TRADING: (&str, &str) = ("/admin/trading", "交易信息公开");

/// The catalogue of proactive disclosure, shown to those who may view it somewhere.
pub const ITEMS: (&str, &str) = ("/admin/items", "主动公开");

/// The records behind table 二 and the channel figures, shown to those who may enter them.
pub const RECORDS: (&str, &str) = ("/admin/records", "表二与渠道数据");

/// The back-office navigation: (link, label), in order (the trading entry goes after the
/// first two, for those allowed it).
pub const NAV: &[(&str, &str)] = &[
    ("/admin/", "工作台"),
    ("/admin/requests", "依申请公开"),
    ("/admin/reports", "年度报告"),
    ("/admin/audit", "年报体检"),
    ("/admin/calendar", "节假日日历"),
    ("/admin/users", "用户与角色"),
    ("/admin/audit-log", "审计日志"),
    ("/admin/password", "修改密码"),
];

/// What the header of every back-office page shows.
pub struct Chrome {
    pub nav: Vec<(&'static str, &'static str)>,
    pub user: String,
    /// The session's CSRF token, also used by the page's own forms.
    pub csrf: String,
}

impl Chrome {
    pub fn of(c: &Caller) -> Self {
        let mut nav = NAV.to_vec();
        if c.principal.may_somewhere(Action::ViewItems) {
            nav.insert(1, ITEMS);
        }
        if c.principal.may_somewhere(Action::ViewTrading) {
            nav.insert(if nav.contains(&ITEMS) { 3 } else { 2 }, TRADING);
        }
        if c.principal.may_somewhere(Action::RecordFigures) {
            let at = nav
                .iter()
                .position(|n| n.0 == "/admin/reports")
                .map_or(nav.len(), |i| i + 1);
            nav.insert(at, RECORDS);
        }
        Chrome {
            nav,
            user: c.name().to_string(),
            csrf: c.csrf(),
        }
    }
}
