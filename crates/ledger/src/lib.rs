//! The audit ledger's public side. The ledger itself (entries, Merkle tree, signed heads, seals) is
//! `trust::ledger`, below every slice so that each appends in its own transactions; this crate is what people
//! and operators see of it:
//! - [`api`]: signed tree heads and proofs for anyone (they hold hashes, no personal data), and a citizen's own
//!   entries with receipts;
//! - [`pages`]: "Ai đã dùng dữ liệu của tôi" — who used my data;
//! - [`cli`]: `congso keys …` and `congso ledger …` for operators;
//! - [`housekeeping`]: what a running server does once a minute.

web::catalog!();

pub mod api;
pub mod cli;
pub mod pages;

use axum::Router;
use web::AppState;

/// Routes outside `/api/v1`: the citizen's pages.
pub fn routes() -> Router<AppState> {
    pages::routes()
}

/// Routes under `/api/v1`, with their operations.
pub fn api_routes() -> web::openapi::ApiRouter {
    use web::openapi::ApiRouterExt;
    let description = "The audit ledger: signed tree heads and proofs, public; a citizen's own entries with receipts";
    api::routes().with_tag("ledger", description)
}

/// How often a running server signs a tree head (when the log grew) and reloads the keyring (to pick up a
/// rotation made with `congso keys`).
const HOUSEKEEPING_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// Signs tree heads and reloads keys while the server runs.
pub async fn housekeeping(state: AppState) {
    let mut interval = tokio::time::interval(HOUSEKEEPING_INTERVAL);
    loop {
        interval.tick().await;
        if let Err(e) = state.keyring.reload(&state.db).await {
            tracing::error!(error = %e, "could not reload the keyring");
        }
        if let Err(e) = trust::ledger::head::sign(&state.db, &state.keyring).await {
            tracing::error!(error = %e, "could not sign a tree head");
        }
    }
}
