//! The portal and the back office in a real Chromium, driven through Debian's chromedriver with
//! fantoccini (W3C WebDriver over plain HTTP on 127.0.0.1). Each test starts its own
//! chromedriver and app (on 127.0.0.1:0, fresh database) and opens one browser session; when a
//! check fails, a screenshot of the page is saved as `target/e2e/<test>.png` before the test
//! fails. Chromium, chromedriver and axe-core are required: where one is missing the test fails
//! naming the Debian package or the command that installs it (`scripts/deps`); nothing is
//! skipped.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use gongkai_db::{AuditEntry, Db};
use gongkai_domain::auth::Role;
use serde_json::{Value, json};

use crate::admin::PASSWORD;
use crate::items::{approve, call, draft};
use crate::search::{import_bank_notice, with_search};

const PACKAGES: &str = "chromium chromium-driver fonts-noto-cjk";

/// The first of `names` found on PATH or in /usr/bin.
fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)).collect::<Vec<_>>())
        .find(|p| p.is_file())
}

/// A chromedriver process on a free port of 127.0.0.1, killed when dropped.
struct Driver {
    child: std::process::Child,
    port: u16,
    profile: tempfile::TempDir,
    chromium: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start() -> Driver {
        let Some(chromium) = find_program(&["chromium", "chromium-browser"]) else {
            panic!(
                "Chromium is not installed (no chromium on PATH or in /usr/bin): the browser \
                 suite needs the Debian packages {PACKAGES}. Run scripts/deps (as root it \
                 installs them) or apt-get install {PACKAGES}."
            );
        };
        let Some(chromedriver) = find_program(&["chromedriver"]) else {
            panic!(
                "chromedriver is not installed (no chromedriver on PATH or in /usr/bin): the \
                 browser suite needs the Debian packages {PACKAGES}. Run scripts/deps (as root \
                 it installs them) or apt-get install {PACKAGES}."
            );
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let child = std::process::Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} did not start: {e}", chromedriver.display()));
        let driver = Driver {
            child,
            port,
            profile: tempfile::tempdir().unwrap(),
            chromium,
        };
        let start = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen on 127.0.0.1:{port} within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        driver
    }

    /// A session; with `phone`, a 375 × 800 CSS-pixel viewport (Chromium's windows are at
    /// least 500 px wide, so the width is emulated; not as a "mobile" device, which would zoom
    /// out to fit a page that is too wide instead of letting it overflow).
    async fn session(&self, phone: bool) -> Client {
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--hide-scrollbars",
            "--lang=zh-CN",
            "--window-size=1280,900",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("--user-data-dir={}", self.profile.path().display())])
        .collect::<Vec<_>>();
        let mut options = json!({"binary": self.chromium, "args": args});
        if phone {
            options["mobileEmulation"] = json!({
                "deviceMetrics": {"width": 375, "height": 800, "pixelRatio": 1, "mobile": false, "touch": false}
            });
        }
        let caps = json!({"browserName": "chrome", "goog:chromeOptions": options});
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap_or_else(|e| panic!("no WebDriver session from chromedriver: {e}"))
    }
}

/// Serves `app` on 127.0.0.1:0; its base URL.
pub(crate) async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    format!("http://{addr}")
}

fn shot_path(test: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/e2e")
        .join(format!("{test}.png"))
}

/// Runs `body` with a fresh browser session; when it panics, saves a screenshot of the page as
/// `target/e2e/<test>.png` and fails with the panic's message and the screenshot's path.
async fn in_browser<F, Fut>(test: &str, phone: bool, body: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let driver = Driver::start().await;
    let client = driver.session(phone).await;
    let outcome = tokio::spawn(body(client.clone())).await;
    let Err(e) = outcome else {
        let _ = client.close().await;
        return;
    };
    let message = match e.try_into_panic() {
        Ok(p) => p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
        Err(e) => e.to_string(),
    };
    let path = shot_path(test);
    let saved = match client.screenshot().await {
        Ok(png) => std::fs::create_dir_all(path.parent().unwrap())
            .and_then(|()| std::fs::write(&path, png))
            .map(|()| format!("screenshot: {}", path.display()))
            .unwrap_or_else(|e| format!("screenshot not saved: {e}")),
        Err(e) => format!("no screenshot: {e}"),
    };
    let at = client.current_url().await.map(|u| u.to_string());
    let _ = client.close().await;
    panic!("{message}\npage: {at:?}\n{saved}");
}

/// Small helpers over a session.
struct Page<'a> {
    c: &'a Client,
    base: &'a str,
}

impl Page<'_> {
    async fn open(&self, path: &str) {
        self.c
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    async fn text(&self, css: &str) -> String {
        match self.c.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(e) => panic!("no {css} on {}: {e}", self.url().await),
        }
    }
    async fn body(&self) -> String {
        self.text("body").await
    }
    async fn url(&self) -> String {
        self.c
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }
    async fn path(&self) -> String {
        self.c
            .current_url()
            .await
            .map(|u| match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_string(),
            })
            .unwrap_or_default()
    }
    async fn js(&self, script: &str) -> Value {
        let at = self.url().await;
        self.c
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script on {}: {e}", at))
    }
    async fn fill(&self, css: &str, value: &str) {
        let e = self
            .c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"));
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }
    /// Sets a field's value directly (date inputs, whose typing depends on the locale).
    async fn set(&self, css: &str, value: &str) {
        let ok = self
            .c
            .execute(
                "const e = document.querySelector(arguments[0]); if (!e) return false; \
                 e.value = arguments[1]; return true;",
                vec![json!(css), json!(value)],
            )
            .await
            .unwrap();
        assert_eq!(ok, json!(true), "no {css} on {}", self.url().await);
    }
    async fn click_xpath(&self, xpath: &str) {
        let at = self.url().await;
        self.c
            .find(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("no {xpath} on {}: {e}", at))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {xpath}: {e}"));
    }
    async fn select(&self, css: &str, value: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("{css} = {value}: {e}"));
    }
    async fn click(&self, css: &str) {
        let at = self.url().await;
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on {}: {e}", at))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }
    /// Clicks the link or button whose text is `text`.
    async fn click_text(&self, text: &str) {
        let at = self.url().await;
        let xpath =
            format!("//a[normalize-space(.)='{text}'] | //button[normalize-space(.)='{text}']");
        self.c
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no link or button {text} on {}: {e}", at))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {text}: {e}"));
    }
    async fn hrefs(&self, css: &str) -> Vec<String> {
        let v = self
            .c
            .execute(
                "return Array.from(document.querySelectorAll(arguments[0]))\
                 .map(a => a.getAttribute('href'));",
                vec![json!(css)],
            )
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
    /// Waits until the address satisfies `want` (a click's navigation may still be under
    /// way); fails after 10 s.
    async fn wait_path(&self, what: &str, want: impl Fn(&str) -> bool) {
        let start = Instant::now();
        loop {
            let path = self.path().await;
            if want(&path) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{what}: after 10 s the browser is still at {path}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    /// Waits until the page shows `needle` (after a click that submits a form); fails after
    /// 10 s.
    async fn wait_text(&self, needle: &str) {
        let start = Instant::now();
        loop {
            let body = self
                .c
                .execute(
                    "return document.body ? document.body.innerText : '';",
                    vec![],
                )
                .await
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            if body.contains(needle) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "after 10 s the page still does not show {needle}:\n{body}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    /// Reopens `path` until `want` holds of its body text; fails after 10 s.
    async fn eventually(&self, path: &str, what: &str, want: impl Fn(&str) -> bool) {
        let start = Instant::now();
        loop {
            self.open(path).await;
            let body = self.body().await;
            if want(&body) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{what}: after 10 s {path} still shows:\n{body}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    /// Fetches `path` from the page (as a feed reader would) until its text contains
    /// `needle` (`present`) or does not; fails after 10 s.
    async fn fetched_until(&self, path: &str, needle: &str, present: bool) {
        let start = Instant::now();
        loop {
            let got = self
                .js(&format!(
                    "return fetch('{path}').then(r => r.text()).catch(e => 'fetch failed: ' + e);"
                ))
                .await;
            let text = got.as_str().unwrap_or_default();
            if text.contains(needle) == present {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "after 10 s {path} still {} {needle}:\n{text}",
                if present { "lacks" } else { "has" }
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    /// Logs in through the form.
    async fn login(&self, name: &str) {
        self.open("/admin/login").await;
        self.fill("#name", name).await;
        self.fill("#password", PASSWORD).await;
        self.click("form.form button[type=submit]").await;
        self.wait_path(&format!("{name} logging in"), |p| {
            !p.starts_with("/admin/login")
        })
        .await;
    }
    /// The page's horizontal overflow in CSS pixels (0 when it fits the window).
    async fn overflow(&self) -> i64 {
        self.js("return document.documentElement.scrollWidth - window.innerWidth;")
            .await
            .as_i64()
            .unwrap_or(i64::MAX)
    }
}

/// The items world (agency `a` with its office, agency `b`) with a bid-opening notice of a
/// project named 中国农业发展银行吴忠分行办公楼维修工程, served with a search index.
async fn small_world(dir: &Path) -> (String, Db, axum::Router) {
    let (_, db) = crate::items::world().await;
    import_bank_notice(&db).await;
    let app = with_search(&db, dir).await;
    (serve(app.clone()).await, db, app)
}

/// The demo (吴忠市公共资源交易服务中心 with its ledger, 2024 report and trading sections), its
/// publishing office, and `staff`, who holds the admin, head and editor roles; with search.
async fn demo_world(dir: &Path) -> String {
    let db = gongkai_db::testing::fresh_db().await;
    gongkai_web::annual::load_demo(&db, false).await.unwrap();
    let hash = gongkai_web::auth::hash_password(PASSWORD).unwrap();
    gongkai_db::testing::office_staff(&db, "wuzhong-ggzy", &hash)
        .await
        .unwrap();
    let wz = "wuzhong-ggzy".to_string();
    db.add_user(
        "staff",
        &hash,
        &[
            (wz.clone(), Role::Admin),
            (wz.clone(), Role::Head),
            (wz, Role::Editor),
        ],
        AuditEntry::new(None, "测试"),
    )
    .await
    .unwrap();
    serve(with_search(&db, dir).await).await
}

#[tokio::test]
async fn browser_the_public_finds_a_notice_by_a_chinese_query_and_opens_its_section() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _db, _app) = small_world(dir.path()).await;
    in_browser("search_to_section", false, move |c| async move {
        let _dir = dir;
        let p = Page { c: &c, base: &base };
        p.open("/").await;
        // The search box in the page header.
        p.fill("#site-q", "农业").await;
        p.click("form.site-search button").await;
        p.wait_path("the search", |p| p.starts_with("/search?"))
            .await;
        let results = p.text("ol.search-results").await;
        assert!(
            results.contains("中国农业发展银行吴忠分行办公楼维修工程开标记录"),
            "{results}"
        );
        p.click("ol.search-results h2 a").await;
        // The notice's address leads to its section's timeline.
        p.wait_path("the section", |p| {
            p.starts_with("/agencies/a/trading/WZ-GC-2025-001/")
        })
        .await;
        assert!(
            p.text("h1")
                .await
                .contains("中国农业发展银行吴忠分行办公楼维修工程")
        );
        let stages = p.text("ol.stages").await;
        assert!(
            stages.contains("招标（采购）公告或资格预审公告") && stages.contains("中标候选人公示"),
            "{stages}"
        );
        let timeline = p.body().await;
        assert!(
            timeline.contains("全过程公告")
                && timeline.contains("开标记录")
                && timeline.contains("甲建设有限公司"),
            "{timeline}"
        );
    })
    .await;
}

#[tokio::test]
async fn browser_an_item_published_in_the_back_office_is_in_search_and_the_feed_and_gone_when_withdrawn()
 {
    let dir = tempfile::tempdir().unwrap();
    let (base, _db, app) = small_world(dir.path()).await;
    // Drafted and taken through every review stage by the office (API); the title carries a
    // script tag, which must stay text everywhere.
    let mut d =
        draft("<script>window.__gk_xss=1;document.title='XSS'</script>关于交易服务收费标准的通知");
    d["doc_no"] = json!("a公管发[2024]3号");
    let (st, v) = call(&app, "editor", "POST", "/api/v1/admin/items?agency=a", d).await;
    assert_eq!(st, axum::http::StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    approve(&app, id).await;
    in_browser("item_workflow", false, move |c| async move {
        let _dir = dir;
        let p = Page { c: &c, base: &base };
        let search = format!("/search?q={}", gongkai_web::urlenc::enc("收费标准"));
        // Approved but not published: nowhere on the portal.
        p.open(&search).await;
        assert!(!p.body().await.contains("关于交易服务收费标准的通知"));
        // The head publishes it in the back office.
        p.login("head").await;
        p.open(&format!("/admin/items/{id}")).await;
        p.click_text("立即发布").await;
        p.wait_text("已发布").await;
        // Within seconds it is found by search, with the script tag as text.
        p.eventually(&search, "published item in search", |b| {
            b.contains("关于交易服务收费标准的通知")
        })
        .await;
        // And in the agency's Atom feed of public items.
        let feed = "/agencies/a/items.atom";
        p.fetched_until(feed, "关于交易服务收费标准的通知", true)
            .await;
        let results = p.text("ol.search-results").await;
        assert!(
            results.contains("<script>window.__gk_xss=1;document.title='XSS'</script>"),
            "{results}"
        );
        p.click("ol.search-results h2 a").await;
        let item = format!("/agencies/a/items/{id}");
        p.wait_path("the item", |p| p == item).await;
        let h1 = p.text("h1").await;
        assert!(h1.starts_with("<script>"), "{h1}");
        let ran = p
            .js("return [typeof window.__gk_xss, document.title];")
            .await;
        assert_eq!(ran[0], "undefined", "the title's script ran");
        assert_ne!(ran[1], "XSS", "the title's script ran");
        // Its column lists it.
        let column = p.hrefs("a[href*='/columns/']").await;
        assert!(!column.is_empty(), "the item page links its column");
        // Withdrawn in the back office: gone from search and from the item's address.
        p.open(&format!("/admin/items/{id}")).await;
        p.fill("input[name=reason]", "内容有误").await;
        p.click_text("撤回").await;
        p.eventually(&search, "withdrawn item in search", |b| {
            !b.contains("关于交易服务收费标准的通知")
        })
        .await;
        p.fetched_until(feed, "关于交易服务收费标准的通知", false)
            .await;
        p.open(&format!("/agencies/a/items/{id}")).await;
        assert!(!p.body().await.contains("自2024年7月1日起执行"));
    })
    .await;
}

#[tokio::test]
async fn browser_a_request_is_submitted_tracked_and_answered_by_staff() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _db, _app) = small_world(dir.path()).await;
    in_browser("request_to_reply", false, move |c| async move {
        let _dir = dir;
        let p = Page { c: &c, base: &base };
        p.open("/requests/new?agency=a").await;
        p.select("#applicant_type", "natural_person").await;
        p.fill("#name", "张小明").await;
        p.fill("#id_number", "11010519491231002X").await;
        p.fill("#contact", "13912345678").await;
        p.fill("#subject", "某道路工程的中标通知书").await;
        p.select("#delivery", "email").await;
        p.click_text("提交申请").await;
        p.wait_text("查询码").await;
        let code = p
            .js("const e = document.querySelector('input[name=code]'); return e ? e.value : '';")
            .await
            .as_str()
            .unwrap_or("")
            .to_string();
        assert_eq!(code.len(), 12, "no tracking code: {}", p.body().await);
        // Looked up by its code.
        p.open("/requests/status").await;
        p.fill("#code", &code).await;
        p.click_text("查询").await;
        p.wait_text("受理机关").await;
        let facts = p.text("dl.facts").await;
        assert!(
            facts.contains("办理中") && facts.contains("a 公共资源交易中心"),
            "{facts}"
        );
        assert!(!p.body().await.contains("张小明"));
        // The head finds it among the open requests and signs the reply.
        p.login("head").await;
        p.open("/admin/requests").await;
        let case = p
            .hrefs("a[href^='/admin/requests/a/']")
            .await
            .into_iter()
            .find(|h| !h.ends_with("/new") && !h.ends_with("/events"))
            .unwrap_or_else(|| panic!("no case listed: {}", "/admin/requests"));
        p.open(&case).await;
        assert!(p.body().await.contains("张小明"));
        let today = gongkai_domain::period::beijing_date(time::OffsetDateTime::now_utc());
        p.select("#type", "replied").await;
        p.set("#date", &today.to_string()).await;
        p.select("#outcome", "granted").await;
        p.click_xpath("//select[@id='type']/ancestor::form//button[@type='submit']")
            .await;
        p.wait_text("答复告知书").await;
        // The public sees it closed.
        p.open(&format!("/requests/status?code={code}")).await;
        let facts = p.text("dl.facts").await;
        assert!(
            facts.contains("办结日期") && !facts.contains("办理中"),
            "{facts}"
        );
    })
    .await;
}

/// The four tables' official labels of the 2024 report (国办公开办函〔2021〕30号).
const REPORT_LABELS: &[&str] = &[
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "本年新收政府信息公开申请数量",
    "上年结转政府信息公开申请数量",
    "申请人情况",
    "自然人",
    "法人或其他组织",
    "行政复议",
    "行政诉讼",
    "结果维持",
    "结果纠正",
    "未经复议直接起诉",
    "复议后起诉",
];

#[tokio::test]
async fn browser_the_report_and_the_portal_at_375_px_also_in_large_text() {
    let dir = tempfile::tempdir().unwrap();
    let base = demo_world(dir.path()).await;
    in_browser("report_and_375px", true, move |c| async move {
        let _dir = dir;
        let p = Page { c: &c, base: &base };
        // The 年报 page: the title, the official tables and their labels, the figures.
        p.open("/agencies/wuzhong-ggzy/reports/2024").await;
        assert!(
            p.text("h1")
                .await
                .contains("吴忠市公共资源交易服务中心2024年政府信息公开工作年度报告")
        );
        let tables = p
            .js("return document.querySelectorAll('table.official').length;")
            .await;
        let n = tables.as_i64().unwrap_or(0);
        assert!(n >= 3, "{n} official tables");
        let text = p.body().await;
        for label in REPORT_LABELS {
            assert!(text.contains(label), "the report page lacks {label}");
        }
        assert!(text.contains("5800余条"));

        // Usable at 375 px (this session's width): nothing wider than the window, in both
        // text sizes.
        let width = p.js("return window.innerWidth;").await;
        assert_eq!(width, json!(375), "the window is not 375 px wide");
        p.open("/agencies/wuzhong-ggzy/trading").await;
        let section = p
            .hrefs("a[href^='/agencies/wuzhong-ggzy/trading/']")
            .await
            .into_iter()
            .next()
            .expect("a section on the trading list");
        p.open("/agencies/wuzhong-ggzy").await;
        let column = p
            .hrefs("a[href^='/agencies/wuzhong-ggzy/columns/']")
            .await
            .into_iter()
            .next()
            .expect("a column on the agency page");
        let pages = [
            "/".to_string(),
            "/agencies/wuzhong-ggzy/trading".into(),
            column,
            section,
            "/agencies/wuzhong-ggzy/reports/2024".into(),
            format!("/search?q={}", gongkai_web::urlenc::enc("工程")),
            "/requests/new".into(),
        ];
        let mut normal = Vec::new();
        for path in &pages {
            p.open(path).await;
            let over = p.overflow().await;
            assert!(over <= 0, "{path} overflows by {over} px at 375 px");
            let size = p
                .js("return parseFloat(getComputedStyle(document.querySelector('main')).fontSize);")
                .await;
            normal.push(size.as_f64().unwrap_or(0.0));
        }
        // Large text: the link on the page switches it on, and links keep it.
        p.open("/").await;
        p.click("a.text-size").await;
        p.wait_path("large text", |p| p.contains("text=large"))
            .await;
        for (path, before) in pages.iter().zip(&normal) {
            let sep = if path.contains('?') { '&' } else { '?' };
            p.open(&format!("{path}{sep}text=large")).await;
            let size = p
                .js("return parseFloat(getComputedStyle(document.querySelector('main')).fontSize);")
                .await
                .as_f64()
                .unwrap_or(0.0);
            assert!(
                size >= before * 1.2,
                "{path}: {size} px in large text, {before} px normally"
            );
            let over = p.overflow().await;
            assert!(
                over <= 0,
                "{path} overflows by {over} px at 375 px in large text"
            );
            let kept = p.hrefs("main a[href^='/agencies/']").await;
            // Links to pages keep the mode; downloads (a file name with an extension) do not.
            let dropped: Vec<&String> = kept
                .iter()
                .filter(|h| {
                    let file = h.split('?').next().unwrap_or("");
                    let last = file.rsplit('/').next().unwrap_or("");
                    !last.contains('.') && !h.contains("text=large")
                })
                .collect();
            assert!(
                dropped.is_empty(),
                "{path}: links drop large text: {dropped:?}"
            );
        }
    })
    .await;
}

/// The axe-core script installed by scripts/deps (npm ci in scripts/e2e).
fn axe_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scripts/e2e/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is not installed ({}: {e}): run scripts/deps, which runs `npm ci` in \
             scripts/e2e (npm comes from the Debian packages nodejs and npm)",
            path.display()
        )
    })
}

/// axe-core's serious and critical violations on the current page, one line each.
async fn axe(p: &Page<'_>, axe_js: &str) -> Vec<String> {
    p.js(axe_js).await;
    let r =
        p.c.execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']})
               .then(r => done(r.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' +
                   v.nodes.map(n => n.target.join(' ')).join(', '))))
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("axe.run: {e}"));
    r.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn browser_axe_finds_no_serious_violation_on_any_portal_or_back_office_page() {
    let axe_js = axe_source();
    let dir = tempfile::tempdir().unwrap();
    let base = demo_world(dir.path()).await;
    in_browser("axe", false, move |c| async move {
        let _dir = dir;
        let p = Page { c: &c, base: &base };
        let first = |v: Vec<String>, what: &str| {
            v.into_iter()
                .next()
                .unwrap_or_else(|| panic!("no {what} linked"))
        };
        p.open("/agencies/wuzhong-ggzy").await;
        let column = first(
            p.hrefs("a[href^='/agencies/wuzhong-ggzy/columns/']").await,
            "column",
        );
        p.open(&column).await;
        let mut item = p.hrefs("a[href^='/agencies/wuzhong-ggzy/items/']").await;
        if item.is_empty() {
            p.open("/agencies/wuzhong-ggzy/reports/2024").await;
            item = p.hrefs("a[href^='/agencies/wuzhong-ggzy/items/']").await;
        }
        p.open("/agencies/wuzhong-ggzy/trading").await;
        let section = first(
            p.hrefs("a[href^='/agencies/wuzhong-ggzy/trading/']").await,
            "section",
        );
        let mut public = vec![
            "/".to_string(),
            "/agencies/wuzhong-ggzy".into(),
            column,
            "/agencies/wuzhong-ggzy/trading".into(),
            section,
            "/agencies/wuzhong-ggzy/reports/2024".into(),
            format!("/search?q={}", gongkai_web::urlenc::enc("工程")),
            "/requests/new".into(),
            "/requests/status".into(),
            "/requests/status?code=NOPE".into(),
            "/admin/login".into(),
            "/?text=large".into(),
        ];
        public.extend(item.into_iter().take(1));
        let mut found = Vec::new();
        for path in &public {
            p.open(path).await;
            for v in axe(&p, &axe_js).await {
                found.push(format!("{path}: {v}"));
            }
        }
        p.login("staff").await;
        p.open("/admin/requests").await;
        let case = first(
            p.hrefs("a[href^='/admin/requests/wuzhong-ggzy/']")
                .await
                .into_iter()
                .filter(|h| !h.ends_with("/new"))
                .collect(),
            "case",
        );
        p.open("/admin/items?agency=wuzhong-ggzy").await;
        let admin_item = first(
            p.hrefs("a[href^='/admin/items/']")
                .await
                .into_iter()
                .filter(|h| h["/admin/items/".len()..].starts_with(|c: char| c.is_ascii_digit()))
                .collect(),
            "item",
        );
        for path in [
            "/admin/".to_string(),
            "/admin/items?agency=wuzhong-ggzy".into(),
            "/admin/items/new?agency=wuzhong-ggzy".into(),
            admin_item,
            "/admin/requests".into(),
            case,
            "/admin/columns?agency=wuzhong-ggzy".into(),
        ] {
            p.open(&path).await;
            for v in axe(&p, &axe_js).await {
                found.push(format!("{path}: {v}"));
            }
        }
        assert!(
            found.is_empty(),
            "axe-core found {} serious or critical violations:\n{}",
            found.len(),
            found.join("\n")
        );
    })
    .await;
}
