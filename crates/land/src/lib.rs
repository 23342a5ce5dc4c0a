//! Đất đai — the land registry (cơ sở dữ liệu quốc gia về đất đai): parcels (thửa đất) named by commune, map
//! sheet (tờ bản đồ) and number (số thửa), with their boundary, area, land-use purpose (mục đích sử dụng) and
//! term; their land users (người sử dụng đất: citizens or enterprises) and shares; the land-use-right
//! certificates (giấy chứng nhận quyền sử dụng đất) issued for them; and every transaction on them (biến động:
//! transfer, inheritance, gift, lease, mortgage registered and released), never overwritten.
//!
//! - [`model`] and [`purpose`]: the records and the Land Law 2024's purposes; [`geometry`]: boundaries
//!   (GeoJSON, VN-2000 metres, measured with `geo`); [`error`]: refusals and their HTTP answers.
//! - [`store`]: the SQL. [`service`]: the rules, each write with its `_in(&mut Tx, …)` form for the portal.
//! - [`input`] and [`api`]: `/api/v1/land/parcels`; [`pages`] and [`svg`]: parcels drawn on the server.
//! - [`synthetic`] and [`cli`]: `congso generate land`.

web::catalog!();
web::nav_link!("/dat-dai", "land.nav", 32, AnyRole(&["land_officer"]));

pub mod api;
pub mod cli;
pub mod error;
pub mod geometry;
pub mod input;
pub mod model;
pub mod pages;
pub mod purpose;
pub mod service;
pub mod store;
pub mod svg;
pub mod synthetic;

/// The pages: the land officers' search, parcels and commune maps, and the citizen's own parcels.
pub fn routes() -> axum::Router<web::AppState> {
    pages::routes()
}

/// The slice's API, relative to `/api/v1`.
pub fn api_routes() -> web::openapi::ApiRouter {
    use web::openapi::ApiRouterExt;
    api::routes()
        .with_tag("land", "The land registry: parcels (GeoJSON in VN-2000 metres), users, certificates, transactions")
}
