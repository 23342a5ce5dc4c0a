//! The home page.

use askama::Template;
use axum::Router;
use axum::response::Response;
use axum::routing::get;
use web::error::html;
use web::{AppState, PageCtx};

/// `/`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    page: PageCtx,
}

async fn home(page: PageCtx) -> Response {
    html(&Home { page })
}
