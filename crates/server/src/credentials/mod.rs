//! Credentials over HTTP: the citizen's "My digital ID" and confirmation of residence, the verifier (`/verify` and
//! `POST /api/v1/verify`), and what verifiers download: the signed revocation list and the verifier bundle.
//!
//! Published for verifiers, public and cacheable:
//! - `GET /.well-known/jwks.json`: the active public keys (see [`crate::ledger`]).
//! - `GET /.well-known/congso-revocations.json`: the revocation list, a JWS (flattened JSON) of type
//!   `congso-revocation-list+json`.
//! - `GET /.well-known/congso-verifier-bundle.json`: the keys and the revocation list in one JWS of type
//!   `congso-verifier-bundle+json`, which `congso verify --bundle FILE` uses offline.

pub mod bench;
pub mod cli;
mod pages;
mod publish;
pub mod verify;

use axum::Router;
use registry::credential::CredentialError;
use trust::keys::VerifyingKey;
use trust::verify::{Trust, Verdict};
use web::{AppError, AppState};

pub use verify::{VerifyRequest, VerifyResponse};

/// The issuer written into credentials and lists. One name per installation; a configurable public URL can
/// replace it when the installation has one.
pub const ISSUER: &str = registry::credential::DEFAULT_ISSUER;

/// Routes outside `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new().merge(pages::routes()).merge(verify::page_routes()).merge(publish::routes())
}

/// Routes under `/api/v1`.
pub fn api_routes() -> Router<AppState> {
    verify::api_routes()
}

/// The keyring's active keys, and the revocation of the one credential being checked.
struct Online<'a> {
    state: &'a AppState,
    revoked: Option<String>,
}

impl Trust for Online<'_> {
    fn key(&self, kid: &str) -> Option<VerifyingKey> {
        self.state.keyring.verifier(kid)
    }

    fn is_revoked(&self, id_hex: &str) -> bool {
        self.revoked.as_deref() == Some(id_hex)
    }
}

/// The one verification of the server, for the page and the API: active keys from the keyring, revocations
/// from the database.
pub async fn check(state: &AppState, text: &str) -> Result<Verdict, AppError> {
    let revoked = match trust::verify::credential_id(text) {
        Some(id) if registry::credential::is_revoked(&state.db, &id).await.map_err(internal)? => Some(id),
        _ => None,
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    Ok(trust::verify::verify(text, &Online { state, revoked }, now))
}

/// The one place credential errors become HTTP answers.
fn internal(e: CredentialError) -> AppError {
    match e {
        CredentialError::NoCitizen | CredentialError::Unknown(_) => AppError::NotFound,
        CredentialError::Deceased => AppError::Forbidden,
        CredentialError::Reason(e) => AppError::invalid("reason", e),
        other => AppError::Internal(other.into()),
    }
}

/// A date for people, `DD/MM/YYYY` as Vietnamese documents write it.
fn date(unix: Option<i64>) -> String {
    unix.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .map(|t| {
            let d = t.date();
            format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
        })
        .unwrap_or_default()
}
