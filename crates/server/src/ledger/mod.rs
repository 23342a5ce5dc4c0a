//! The audit ledger over HTTP: signed tree heads and proofs for anyone, and "who used my data" for citizens.
//! The published keys live here too, since everything signed is checked with them.

pub mod api;
pub mod pages;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use web::AppState;
use web::extract::Json;

/// Routes outside `/api/v1`: the published keys and the citizen's pages.
pub fn routes() -> Router<AppState> {
    Router::new().route("/.well-known/jwks.json", get(jwks)).merge(pages::routes())
}

/// The active public keys as a JSON Web Key Set: ID tokens, tree heads and credentials verify with them.
async fn jwks(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(state.keyring.jwks())
}
