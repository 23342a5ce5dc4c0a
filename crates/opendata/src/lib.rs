//! Dữ liệu mở — open data: aggregate figures of the national databases (population by province, sex and age
//! group; enterprises by province, legal form and status; land parcels and area by purpose; dossiers settled by
//! agency) published as datasets anyone may download as CSV or JSON, under CC BY 4.0, with nothing about any one
//! person (small counts of people are withheld). The catalogue is also served as CKAN's Action API, so the tools
//! made for CKAN portals read it.
//!
//! - [`model`]: datasets, organizations, columns, tables; [`catalogue`]: the datasets and how each is counted,
//!   through the owning slice's service; [`error`]: failures and their HTTP answers.
//! - [`store`]: snapshots of the figures. [`service`]: a dataset's figures at most an hour old, as CSV or JSON.
//! - [`ckan`]: `/api/3/action/*`; [`pages`]: `/du-lieu-mo`.
//!
//! Still to come: DCAT-AP metadata for harvesters, datasets of the health and education slices, and reports for
//! analysts with finer breakdowns than the public may see.

web::catalog!();
web::nav_link!("/du-lieu-mo", "opendata.nav", 40);

pub mod catalogue;
pub mod ckan;
pub mod error;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;

/// The pages and the CKAN API.
pub fn routes() -> axum::Router<web::AppState> {
    pages::routes().merge(ckan::routes())
}
