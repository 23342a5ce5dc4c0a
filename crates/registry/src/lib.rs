//! The population registry (cơ sở dữ liệu quốc gia về dân cư): citizens, households (hộ) and the digital
//! addresses (địa chỉ số) of their dwellings.
//!
//! - [`model`]: the records; [`input`]: raw input parsed field by field; [`error`]: errors and their HTTP answers.
//! - [`store`]: the SQL. [`search`]: diacritic-insensitive name search.
//! - [`service`]: the rules: a citizen's ID number agrees with the record; no record is overwritten without its
//!   previous version kept, with who, when and why.
//! - [`synthetic`] and [`import`]: a realistic synthetic population, and the streaming CSV import.
//! - [`audit`]: the ledger entries of changes and reads, and the check of records against them.
//! - [`api`] and [`pages`]: for officials, through the policy module.
//! - [`credential`]: the digital-ID QR and signed documents issued from the registry, and their revocation.

web::catalog!();
credentials::document_kind!(credential::DIGITAL_ID, "documents.digital_id");
credentials::document_kind!(credential::RESIDENCE, "residence.title");

pub mod api;
pub mod audit;
pub mod cli;
pub mod credential;
pub mod directory;
pub mod error;
pub mod import;
pub mod input;
pub mod life_events;
pub mod marriage;
pub mod model;
pub mod pages;
pub mod residence;
pub mod search;
pub mod service;
pub mod store;
pub mod synthetic;

/// The slice's API, relative to `/api/v1`: citizens, households and addresses.
pub fn api_routes() -> web::openapi::ApiRouter {
    use web::openapi::ApiRouterExt;
    api::routes().with_tag("population", "The population registry, for registry officials within their territory")
}
