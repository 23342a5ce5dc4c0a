//! "Ai đã dùng dữ liệu của tôi" — who used my data: the citizen's page.

use axum::Router;
use web::AppState;

/// The citizen's pages.
pub fn routes() -> Router<AppState> {
    Router::new()
}
