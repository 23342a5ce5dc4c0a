//! What verifiers download: the active public keys, the signed revocation list and the verifier bundle (keys plus
//! revocations, signed).

use axum::Router;
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use store::Db;
use trust::jws::Jws;
use trust::keyring::Keyring;
use trust::keys::Algorithm;
use trust::revocation::{Bundle, BundleContent, RevocationList};
use web::extract::Json;
use web::{AppError, AppResult, AppState};

use crate::ISSUER;

/// The published keys, revocation list and bundle.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .route("/.well-known/congso-revocations.json", get(revocations))
        .route("/.well-known/congso-verifier-bundle.json", get(bundle))
}

/// Verifiers poll these; five minutes of caching bounds how late a revocation reaches them.
const CACHE: &str = "public, max-age=300";

fn signed(jws: Jws) -> Response {
    ([(CACHE_CONTROL, CACHE)], Json(jws)).into_response()
}

/// The current revocation list, signed with the newest EdDSA key.
pub async fn signed_revocations(db: &Db, keyring: &Keyring) -> anyhow::Result<(RevocationList, Jws)> {
    let list = crate::store::revocation_list(db, ISSUER).await?;
    let key = keyring.signer(Algorithm::EdDSA).ok_or_else(|| anyhow::anyhow!("no active EdDSA key"))?;
    let jws = list.sign(&key)?;
    Ok((list, jws))
}

/// The verifier bundle: the active public keys and the current revocation list, signed with the newest EdDSA key.
pub async fn signed_bundle(db: &Db, keyring: &Keyring) -> anyhow::Result<Jws> {
    let (revocations, _) = signed_revocations(db, keyring).await?;
    let content = BundleContent {
        issuer: ISSUER.to_owned(),
        issued_at: time::OffsetDateTime::now_utc().unix_timestamp(),
        keys: keyring.public_keys().iter().map(|k| k.public.to_jwk()).collect(),
        revocations,
    };
    let key = keyring.signer(Algorithm::EdDSA).ok_or_else(|| anyhow::anyhow!("no active EdDSA key"))?;
    Ok(Bundle::sign(&content, &key)?)
}

async fn revocations(State(state): State<AppState>) -> AppResult<Response> {
    let (_, jws) = signed_revocations(&state.db, &state.keyring).await.map_err(AppError::Internal)?;
    Ok(signed(jws))
}

async fn bundle(State(state): State<AppState>) -> AppResult<Response> {
    Ok(signed(signed_bundle(&state.db, &state.keyring).await.map_err(AppError::Internal)?))
}

/// The active public keys as a JSON Web Key Set: ID tokens, tree heads and credentials verify with them.
async fn jwks(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(state.keyring.jwks())
}
