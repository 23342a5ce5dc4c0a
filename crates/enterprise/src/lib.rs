//! The enterprise registry (cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp): enterprises and their branches (chi
//! nhánh), known by their tax code (mã số thuế, which is also the enterprise registration number); their names,
//! legal form (loại hình), registered office (trụ sở chính), legal representatives (người đại diện theo pháp
//! luật), members or shareholders (thành viên, cổ đông) with their capital contributions (vốn góp), charter
//! capital (vốn điều lệ), business lines (ngành nghề kinh doanh, VSIC 2018 codes) and status, with every version
//! kept.
//!
//! - [`model`]: the records and the closed sets; [`vsic`]: the business-line catalogue from `data/`;
//!   [`input`]: raw input parsed field by field; [`error`]: errors and their HTTP answers.
//! - [`store`]: the SQL; [`search`]: by name (diacritic-insensitive), tax code, representative, province, line.
//! - [`service`]: the rules and the functions the portal's business-registration procedures call, each with an
//!   `_in(&mut Tx, …)` form: register, change representatives, change the office, change capital, suspend,
//!   resume, dissolve. Representatives are checked through the population registry's service.
//! - [`audit`]: the ledger entries of changes and of officials' reads of representatives and members.
//! - [`api`] and [`pages`]: for business registrars within their territory, the public lookup, and the
//!   citizen's own enterprises; [`synthetic`] and [`cli`]: `congso generate enterprises`.

web::catalog!();
web::nav_link!("/doanh-nghiep", "enterprise.nav", 30);
web::nav_link!("/office/enterprises", "enterprise.office_nav", 31, AnyRole(&["business_registrar"]));

pub mod api;
pub mod audit;
pub mod cli;
pub mod error;
pub mod input;
pub mod model;
pub mod office;
pub mod pages;
pub mod search;
pub mod service;
pub mod store;
pub mod synthetic;
pub mod vsic;

/// Pages: the public lookup, the citizen's enterprises and the registrars' back office.
pub fn routes() -> axum::Router<web::AppState> {
    pages::routes()
}

/// The slice's API, relative to `/api/v1`.
pub fn api_routes() -> web::openapi::ApiRouter {
    use web::openapi::ApiRouterExt;
    api::routes().with_tag(
        "enterprises",
        "The enterprise registry: a public lookup, and the full record for business registrars within their territory",
    )
}
