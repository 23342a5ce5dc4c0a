//! The HTTP kit: what every slice's routes and pages are built with.
//!
//! - [`AppState`] is what handlers get: the database and the settings.
//! - [`AppError`] is the one error type handlers return; [`error::render_errors`] turns it into JSON for
//!   `/api/…` and an HTML page elsewhere, in the caller's language.
//! - [`openapi`] holds the API's shared contract: the error responses and the rule that attaches them.
//! - [`extract`] wraps axum's extractors so that bad input is a clear 400/413/415/422, never a bare text reply.
//! - [`headers`] holds the security headers every answer carries (the Content Security Policy among them).
//! - [`cookies`] reads a request's cookies; [`csrf`] protects every form ([`multipart`] reads the forms that upload
//!   a file, their token checked the same way); [`page`] is the layout and the per-request page context; [`i18n`] the
//!   interface strings in Vietnamese and English; [`metrics`] the Prometheus endpoint; [`ratelimit`] the limits
//!   per client address on the endpoints that guess secrets; [`pwa`] the web manifest and service worker that make
//!   the site an installable app.

pub mod cookies;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod headers;
pub mod i18n;
pub mod metrics;
pub mod multipart;
pub mod openapi;
pub mod page;
pub mod pwa;
pub mod ratelimit;
mod redirect;
mod routes;
mod state;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{AppError, AppResult, FieldError};
#[doc(hidden)]
pub use inventory;
pub use page::{PageCtx, UserBadge};
pub use redirect::local_path;
pub use routes::routes;
pub use state::{AppState, BadPublicUrl, PublicUrl, WebConfig, decoder_permits};
