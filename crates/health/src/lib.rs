//! Y tế — health: facilities (cơ sở khám bệnh, chữa bệnh, and pharmacies, nhà thuốc) and e-prescriptions (đơn
//! thuốc điện tử). A doctor of a facility writes a prescription for a living patient of the population registry;
//! it gets the national system's 14-character code and a signed QR that a pharmacy checks offline at `/verify`;
//! it is dispensed once, within five days, by any facility's health worker; the patient finds it under
//! "Đơn thuốc của tôi", and sees in "who used my data" each health worker who opened it.
//!
//! - [`model`]: the codes and records; [`error`]: refusals and their HTTP answers.
//! - [`store`]: the SQL. [`service`]: the rules, each write with its `_in(&mut Tx, …)` form.
//! - [`api`]: `/api/v1/health/prescriptions`; [`fhir`]: the same as HL7 FHIR R4 `MedicationRequest`s under
//!   `/fhir`; [`pages`]: `/y-te` and `/me/health`.
//!
//! Still to come in this slice: the personal health record and encounters, and hospital bills.

web::catalog!();
web::nav_link!("/y-te", "health.nav", 34, AnyRole(&["health_worker"]));
credentials::document_kind!(service::PRESCRIPTION, "health.prescription");

pub mod api;
pub mod error;
pub mod fhir;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;

/// The pages (the health workers' and the citizen's own prescriptions) and FHIR's standard path, `/fhir`.
pub fn routes() -> axum::Router<web::AppState> {
    pages::routes().merge(fhir::routes())
}

/// The slice's API, relative to `/api/v1`.
pub fn api_routes() -> web::openapi::ApiRouter {
    use web::openapi::ApiRouterExt;
    api::routes().with_tag("health", "Health: e-prescriptions, signed and dispensed once")
}
