//! The back office's page chrome (`templates/admin_base.html`): the navigation with the entry
//! of the page marked current, the signed-in user's name and the session's CSRF token for the
//! logout form. Every back-office page template has a `chrome` field built by `Chrome::of`.
//!
//! The current entry comes from the request's path, which [`remember_path`] (a middleware
//! around every route) keeps for the task answering the request.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use gongkai_domain::auth::Action;

use crate::guard::Caller;

tokio::task_local! {
    /// The path of the request the current task answers.
    static PATH: String;
}

/// Middleware: keeps the request's path for [`Chrome::of`] while the request is answered.
pub async fn remember_path(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    PATH.scope(path, next.run(req)).await
}

/// The navigation entry a path belongs to: the longest entry that is the path or a folder of
/// it (`/admin/` itself only for the home page); `""` for none.
fn current_entry(nav: &[(&'static str, &'static str)], path: &str) -> &'static str {
    nav.iter()
        .map(|n| n.0)
        .filter(|href| {
            if *href == "/admin/" {
                path == "/admin/" || path == "/admin"
            } else {
                path == *href
                    || path
                        .strip_prefix(href)
                        .is_some_and(|rest| rest.starts_with('/'))
            }
        })
        .max_by_key(|href| href.len())
        .unwrap_or("")
}

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
    /// The entry of `nav` the page belongs to (`aria-current`), or `""`.
    pub current: &'static str,
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
        let path = PATH.try_with(|p| p.clone()).unwrap_or_default();
        Chrome {
            current: current_entry(&nav, &path),
            nav,
            user: c.name().to_string(),
            csrf: c.csrf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_entry_is_the_longest_folder_of_the_path() {
        let nav = NAV.to_vec();
        assert_eq!(current_entry(&nav, "/admin/"), "/admin/");
        assert_eq!(
            current_entry(&nav, "/admin/requests/a/WZ-1"),
            "/admin/requests"
        );
        assert_eq!(current_entry(&nav, "/admin/reports"), "/admin/reports");
        // A longer name is not a folder of a shorter one, nor is every page under /admin/ home.
        assert_eq!(current_entry(&nav, "/admin/reportsx"), "");
        assert_eq!(current_entry(&nav, "/admin/letters/a/1"), "");
    }
}
