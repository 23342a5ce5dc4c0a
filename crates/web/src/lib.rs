//! The HTTP kit: what every slice's routes and pages are built with.
//!
//! - [`AppState`] is what handlers get: the database and the settings.
//! - [`AppError`] is the one error type handlers return; [`error::render_errors`] turns it into JSON for
//!   `/api/…` and an HTML page elsewhere, in the caller's language.
//! - [`extract`] wraps axum's extractors so that bad input is a clear 400/413/415/422, never a bare text reply.
//! - [`csrf`] protects every form; [`page`] is the layout and the per-request page context; [`i18n`] the
//!   interface strings in Vietnamese and English; [`metrics`] the Prometheus endpoint.

pub mod csrf;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod metrics;
pub mod page;
mod state;

pub use error::{AppError, AppResult, FieldError};
pub use page::{PageCtx, UserBadge};
pub use state::{AppState, WebConfig};

use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::cookie::{Cookie, SameSite};

/// The kit's own routes: the stylesheet, the language switch and `/metrics`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", get(stylesheet))
        .route("/lang/{code}", get(switch_language))
        .route("/metrics", get(metrics::handler))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/css; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/app.css"),
    )
}

#[derive(serde::Deserialize)]
struct Next {
    next: Option<String>,
}

/// Remembers the chosen language in a cookie and goes back to the page it was chosen on.
async fn switch_language(
    axum::extract::State(state): axum::extract::State<AppState>,
    extract::Path(code): extract::Path<String>,
    Query(next): Query<Next>,
) -> AppResult<Response> {
    let lang: kernel::Lang = code.parse().map_err(|()| AppError::NotFound)?;
    // Only a path on this site, never `//elsewhere` or a full URL: no open redirect.
    let next = next
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".into());
    let cookie = Cookie::build((i18n::LANG_COOKIE, lang.tag()))
        .path("/")
        .max_age(time::Duration::days(365))
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .build();
    Ok((StatusCode::SEE_OTHER, [(LOCATION, next), (SET_COOKIE, cookie.to_string())]).into_response())
}
