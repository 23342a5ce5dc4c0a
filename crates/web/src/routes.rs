//! The kit's own routes.

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::AppState;

/// The kit's own routes: the static files, the language switch and `/metrics`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", get(stylesheet))
        .route("/static/residence.css", get(residence_stylesheet))
        .route("/static/print.js", get(print_script))
        .route("/lang/{code}", get(switch_language))
        .route("/metrics", get(crate::metrics::handler))
        .merge(crate::pwa::routes())
}

/// Static files are the same for everyone: the one kind of answer shared caches may keep.
const STATIC_CACHE: &str = "public, max-age=3600";

async fn stylesheet() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/css; charset=utf-8"), (CACHE_CONTROL, STATIC_CACHE)], include_str!("../static/app.css"))
}

async fn residence_stylesheet() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/css; charset=utf-8"), (CACHE_CONTROL, STATIC_CACHE)],
        include_str!("../static/residence.css"),
    )
}

async fn print_script() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, STATIC_CACHE)],
        include_str!("../static/print.js"),
    )
}

#[derive(serde::Deserialize)]
struct Next {
    next: Option<String>,
}

/// Remembers the chosen language in a cookie and goes back to the page it was chosen on.
async fn switch_language(
    axum::extract::State(state): axum::extract::State<AppState>,
    crate::extract::Path(code): crate::extract::Path<String>,
    crate::extract::Query(next): crate::extract::Query<Next>,
) -> crate::AppResult<Response> {
    let lang: kernel::Lang = code.parse().map_err(|()| crate::AppError::NotFound)?;
    let next = crate::local_path(next.next, "/");
    let cookie = Cookie::build((crate::i18n::LANG_COOKIE, lang.tag()))
        .path("/")
        .max_age(time::Duration::days(365))
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .build();
    Ok((StatusCode::SEE_OTHER, [(LOCATION, next), (SET_COOKIE, cookie.to_string())]).into_response())
}
