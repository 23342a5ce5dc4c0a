//! Đơn vị hành chính — administrative units: the API and the lookup pages.

web::catalog!();

use askama::Template;
use axum::Router;
use axum::response::Response;
use axum::routing::get;
use kernel::AdminUnitCode;
use kernel::admin_unit::{self, AdminUnit};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::routes;
use web::error::html;
use web::extract::{Json, Path};
use web::openapi::{ApiRouter, ApiRouterExt, BadRequest, NotFound};
use web::{AppError, AppResult, AppState, PageCtx};

/// The OpenAPI tag of the admin units' operations.
const TAG: &str = "admin-units";

/// `/api/v1/admin-units…`: the routes and their operations.
pub fn api_routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
        .with_schema::<AdminUnitCode>()
        .with_tag(TAG, "Administrative units after July 2025")
}

/// `/units…`
pub fn page_routes() -> Router<AppState> {
    Router::new().route("/units", get(list_page)).route("/units/{code}", get(one_page))
}

/// An administrative unit.
#[derive(Serialize, ToSchema)]
pub struct Unit {
    /// `01` for a province, `00070` for a commune.
    #[schema(example = "01")]
    code: String,
    /// Official name with its type.
    #[schema(example = "Thành phố Hà Nội")]
    name: String,
    /// ASCII slug.
    codename: String,
    /// Official type: "tỉnh", "thành phố trung ương", "xã", "phường", "đặc khu".
    #[serde(rename = "type")]
    kind: String,
    /// `province` or `commune`.
    level: String,
}

/// One unit with its neighbours in the hierarchy.
#[derive(Serialize, ToSchema)]
pub struct UnitDetail {
    #[serde(flatten)]
    unit: Unit,
    /// For a commune: its province.
    #[serde(skip_serializing_if = "Option::is_none")]
    province: Option<Unit>,
    /// For a province: its communes.
    #[serde(skip_serializing_if = "Option::is_none")]
    communes: Option<Vec<Unit>>,
}

impl From<&AdminUnit> for Unit {
    fn from(u: &AdminUnit) -> Self {
        let level = match u.level {
            admin_unit::Level::Province => "province",
            admin_unit::Level::Commune => "commune",
        };
        Unit {
            code: u.code.to_string(),
            name: u.name.clone(),
            codename: u.codename.clone(),
            kind: u.kind.clone(),
            level: level.into(),
        }
    }
}

fn parse(code: &str) -> Result<AdminUnitCode, AppError> {
    code.parse().map_err(|e| match e {
        kernel::AdminUnitError::Malformed(_) => AppError::bad_request(e),
        kernel::AdminUnitError::Unknown(_) => AppError::not_found(e),
    })
}

fn detail(code: AdminUnitCode) -> UnitDetail {
    let unit = code.unit();
    let is_province = unit.level == admin_unit::Level::Province;
    UnitDetail {
        unit: unit.into(),
        province: (!is_province).then(|| code.province().unit().into()),
        communes: is_province.then(|| admin_unit::communes_of(code).iter().map(Unit::from).collect()),
    }
}

/// The 34 provinces.
#[utoipa::path(get, path = "/admin-units", operation_id = "listAdminUnits", tag = TAG,
    responses((status = 200, description = "The 34 provinces and centrally run cities", body = Vec<Unit>)))]
pub async fn list() -> Json<Vec<Unit>> {
    Json(admin_unit::provinces().map(Unit::from).collect())
}

/// One unit: a province with its communes, or a commune with its province.
#[utoipa::path(get, path = "/admin-units/{code}", operation_id = "getAdminUnit", tag = TAG,
    params(("code" = AdminUnitCode, Path, description = "2 digits for a province, 5 for a commune: a malformed code is \
        refused with 400, one that names no unit with 404")),
    responses((status = 200, body = UnitDetail), BadRequest, NotFound))]
pub async fn one(Path(code): Path<String>) -> AppResult<Json<UnitDetail>> {
    Ok(Json(detail(parse(&code)?)))
}

#[derive(Template)]
#[template(path = "units.html")]
struct ListPage {
    page: PageCtx,
    provinces: Vec<Unit>,
}

async fn list_page(page: PageCtx) -> Response {
    html(&ListPage { page, provinces: admin_unit::provinces().map(Unit::from).collect() })
}

#[derive(Template)]
#[template(path = "unit.html")]
struct OnePage {
    page: PageCtx,
    unit: UnitDetail,
}

async fn one_page(page: PageCtx, Path(code): Path<String>) -> AppResult<Response> {
    Ok(html(&OnePage { page, unit: detail(parse(&code)?) }))
}
