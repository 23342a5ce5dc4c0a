//! Cổng dịch vụ công — the public-service portal, where citizens and businesses reach every procedure of every
//! agency and apply online.
//!
//! - The catalogue of procedures (thủ tục hành chính), one declarative file each in `procedures/`: the form and
//!   where each field is prefilled from, the papers, the workflow's steps (which office, which role, which
//!   actions), the time limit in working days and the outcome; checked at start ([`catalogue`]).
//! - Dossiers (hồ sơ): opened by a citizen with the form prefilled from the registry, numbered
//!   `<agency>-<yymmdd>-<seq>` by the agency that receives them, saved as drafts, submitted; worked through their
//!   steps by officials in the agencies the steps name, with the working-day clock ([`service::workflow`]); the
//!   approval applies the outcome to the registry and issues the signed result in one transaction
//!   ([`service::outcome`]).
//! - Pages for citizens ([`pages`]: the catalogue, "Hồ sơ của tôi", a dossier's form and timeline, the result,
//!   the rating, the public status lookup) and officials ([`office`]: the work queue and acting on a dossier);
//!   the API under `/api/v1/procedures`, `/api/v1/dossiers` and `/api/v1/tasks`.

web::catalog!();
credentials::document_kind!(service::outcome::RESULT, "portal.result_title");
web::nav_link!("/procedures", "portal.nav", 10);

pub mod api;
pub mod attachments;
pub mod catalogue;
pub mod deadlines;
pub mod error;
pub mod fees;
pub mod model;
pub mod notices;
pub mod office;
pub mod pages;
pub mod service;
pub mod statistics;
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
    api::routes().with_tag("portal", "The public-service portal: procedures, dossiers and officials' tasks")
}
