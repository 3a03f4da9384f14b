//! The report in the back office: table 三 of a year with every cell linked to the cases counted
//! in it (`/admin/reports…`), and the same drill-down through the API
//! (`/api/v1/admin/reports/{agency}/{year}/cells/{row}/{col}`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use gongkai_db::DbError;
use gongkai_domain::auth::Action;
use gongkai_domain::period::iso;
use gongkai_domain::report::{T3_COLS, T3Row, t3_column_code, t3_column_label};

use crate::chrome::Chrome;
use crate::guard::{self, Scope, api_error, api_user, page_user};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/reports/{agency}/{year}", get(report))
        .route(
            "/admin/reports/{agency}/{year}/cells/{row}/{col}",
            get(report_cell),
        )
}

struct ReportRow {
    code: &'static str,
    label: String,
    cells: Vec<(&'static str, i64)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_report.html")]
struct ReportPage {
    chrome: Chrome,
    agency: String,
    agency_name: String,
    year: i32,
    from: String,
    to: String,
    columns: Vec<&'static str>,
    rows: Vec<ReportRow>,
    can_drill: bool,
    cases: Option<Vec<String>>,
    cell_title: String,
    /// The official title of section 三 (the table's heading).
    section_title: &'static str,
}

async fn report_page(
    s: &AppState,
    headers: &HeaderMap,
    agency: &str,
    year: i32,
    cell: Option<(String, String)>,
) -> Response {
    let pr = match page_user(s, headers, Action::ViewReports, Scope::Agency(agency)).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !(1949..=2200).contains(&year) {
        return WebError(StatusCode::NOT_FOUND, format!("年度“{year}”无效")).into_response();
    }
    if cell.is_some()
        && let Err(e) = guard::require(s, &pr, Action::ViewRequests, Scope::Agency(agency)).await
    {
        return e.into_response();
    }
    let result = async {
        let a = s.db.agency(agency).await?;
        let can_drill = pr.may(Action::ViewRequests, &s.db.agency_path(agency).await?);
        let r =
            s.db.report(agency, gongkai_db::PeriodSpec::Year(year))
                .await?;
        let (cases, cell_title) = match &cell {
            Some((row, col)) => {
                let list = s.db.cell_cases(agency, year, row, col).await?;
                let row_label = T3Row::all()
                    .into_iter()
                    .find(|r| r.code() == row)
                    .map(|r| r.full_label())
                    .unwrap_or_default();
                let col_label = (0..T3_COLS)
                    .find(|c| t3_column_code(*c) == col)
                    .map(t3_column_label)
                    .unwrap_or("");
                (Some(list), format!("{row_label} · {col_label}"))
            }
            None => (None, String::new()),
        };
        Ok::<_, WebError>(ReportPage {
            chrome: Chrome::of(&pr),
            agency: a.code,
            agency_name: a.name,
            year,
            from: iso(r.period.from),
            to: iso(r.period.to),
            columns: (0..T3_COLS).map(t3_column_label).collect(),
            rows: T3Row::all()
                .into_iter()
                .map(|row| ReportRow {
                    code: row.code(),
                    label: row.full_label(),
                    cells: (0..T3_COLS)
                        .map(|c| (t3_column_code(c), r.requests.get(row, c)))
                        .collect(),
                })
                .collect(),
            can_drill,
            cases,
            cell_title,
            section_title: gongkai_domain::report::section_name(2),
        })
    }
    .await;
    match result {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

/// Table 三 of a year with every cell linked to the cases behind it.
async fn report(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, year)): Path<(String, i32)>,
) -> Response {
    report_page(&s, &headers, &agency, year, None).await
}

/// The cases behind one cell.
async fn report_cell(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, year, row, col)): Path<(String, i32, String, String)>,
) -> Response {
    report_page(&s, &headers, &agency, year, Some((row, col))).await
}

/// The API of reports (documented from these handlers, see `openapi`).
pub(crate) fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(api_cell))
}

/// The cases counted in one cell of table 三.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(description = "表三一个单元格所计的案件")]
pub struct CellCases {
    pub agency: String,
    pub year: i32,
    /// 行代码（如 granted）
    pub row: String,
    /// 列代码（如 natural_person 或 total）
    pub column: String,
    pub count: usize,
    /// 案件编号
    pub cases: Vec<String>,
}

/// The cases behind one cell of table 三 (drill-down).
#[utoipa::path(get, path = "/api/v1/admin/reports/{agency}/{year}/cells/{row}/{col}", tag = "年度报告",
    summary = "表三某单元格所计的案件",
    security(("bearer" = []), ("session" = [])),
    params(
        ("agency" = String, Path, description = "机构代码"),
        ("year" = i32, Path, description = "年度"),
        ("row" = String, Path, description = "行代码，如 granted"),
        ("col" = String, Path, description = "列代码，如 natural_person 或 total"),
    ),
    responses(
        (status = 200, description = "该单元格所计的案件编号", body = CellCases),
        (status = 400, description = "行或列代码无效", body = crate::openapi::ApiError),
        (status = 401, description = "未登录且未提供 API 令牌", body = crate::openapi::ApiError),
        (status = 403, description = "没有该机构的查看权限", body = crate::openapi::ApiError),
        (status = 404, description = "未找到机构或年度无效", body = crate::openapi::ApiError),
    ))]
async fn api_cell(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((agency, year, row, col)): Path<(String, i32, String, String)>,
) -> Response {
    if let Err(r) = api_user(&s, &headers, Action::ViewRequests, Scope::Agency(&agency)).await {
        return r;
    }
    if !(1949..=2200).contains(&year) {
        return api_error(StatusCode::NOT_FOUND, &format!("年度“{year}”无效"));
    }
    match s.db.cell_cases(&agency, year, &row, &col).await {
        Ok(cases) => Json(CellCases {
            count: cases.len(),
            agency,
            year,
            row,
            column: col,
            cases,
        })
        .into_response(),
        Err(DbError::UnknownAgency(a)) => {
            api_error(StatusCode::NOT_FOUND, &format!("未找到机构“{a}”"))
        }
        Err(e @ DbError::Domain(_)) => api_error(StatusCode::BAD_REQUEST, &e.to_string()),
        Err(e) => WebError::from(e).into_api_response(),
    }
}
