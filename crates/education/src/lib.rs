//! Giáo dục — education: schools (trường), pupils' enrolments for a school year, and the digital school record
//! (học bạ số). A teacher of a school enrols a living pupil of the population registry in a class, enters each
//! subject's marks for the two terms and rates the year's conduct; the marks add up, by Circular
//! 22/2021/TT-BGDĐT, to the rating of each term's and the year's learning, promotion and the year's title; the
//! principal signs a complete year, which becomes a signed document with a QR that `/verify` accepts offline and
//! never changes again. The pupil and the parents the registry names see it under "Học bạ của tôi và con", and
//! in "who used my data" each teacher who opened it.
//!
//! - [`model`]: schools, years, classes and records; [`subject`]: the subjects, marks and ratings;
//!   [`assessment`]: what the marks add up to; [`error`]: refusals and their HTTP answers.
//! - [`store`]: the SQL. [`service`]: the rules, each write with its `_in(&mut Tx, …)` form.
//! - [`api`]: `/api/v1/education`; [`pages`]: `/giao-duc` and `/me/education`.
//!
//! Still to come in this slice: primary schools (Circular 27/2020), transfers between schools within a year,
//! diplomas, and the marks' components (regular, mid-term and end-of-term tests).

web::catalog!();
web::nav_link!("/giao-duc", "education.nav", 35, AnyRole(&["teacher"]));
credentials::document_kind!(service::SCHOOL_RECORD, "education.document");

pub mod api;
pub mod assessment;
pub mod error;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;
pub mod subject;

/// The pages: the schools' and the families'.
pub fn routes() -> axum::Router<web::AppState> {
    pages::routes()
}

/// The slice's API, relative to `/api/v1`.
pub fn api_routes() -> web::openapi::ApiRouter {
    use web::openapi::ApiRouterExt;
    api::routes().with_tag("education", "Education: enrolments and the digital school record, signed by the principal")
}
