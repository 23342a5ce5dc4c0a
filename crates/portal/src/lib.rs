//! Cổng dịch vụ công — the public-service portal, where citizens and businesses reach every procedure of every
//! agency and apply online.
//!
//! What it has so far: the catalogue of procedures (thủ tục hành chính), one declarative file each in
//! `procedures/`, checked at start ([`catalogue`]); its pages and API; and a citizen opening a draft dossier
//! (hồ sơ) under a procedure, numbered `<agency>-<yymmdd>-<seq>` by the agency that receives it, with its ledger
//! entry ([`service::open_in`]), listed in "Hồ sơ của tôi". Forms with prefill, attachments, submission, the
//! officials' workflow, the working-day clock and signed results are the next steps.

web::catalog!();
web::nav_link!("/procedures", "portal.nav", 10);

pub mod api;
pub mod catalogue;
pub mod error;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;

use axum::Router;
use web::AppState;

pub use catalogue::{Catalogue, CatalogueError};

/// Pages.
pub fn routes() -> Router<AppState> {
    pages::routes()
}

/// Routes under `/api/v1`, with their operations.
pub fn api_routes() -> web::openapi::ApiRouter {
    use web::openapi::ApiRouterExt;
    api::routes().with_tag("portal", "The public-service portal: the procedure catalogue")
}
