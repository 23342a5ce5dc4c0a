//! `/api/v1/ledger/…`: signed tree heads and proofs, public; `/api/v1/me/data-usage`: a citizen's own entries.

use axum::Router;
use web::AppState;

/// The routes, relative to `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
}
