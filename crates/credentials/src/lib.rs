//! Signed credentials and documents, whoever issues them: the record of each one issued (`credentials`, with its
//! ledger entry in the same transaction), revocation, what verifiers download, and the verifier itself.
//!
//! Formats and cryptography are `trust`'s (Claim 169 QR codes, signed documents, JWS); what a slice issues is
//! the slice's (the registry issues digital IDs and confirmations of residence): it signs with `trust`, then
//! records the result here with [`store::record_in`], inside its own transaction.
//!
//! Published for verifiers, public and cacheable:
//! - `GET /.well-known/jwks.json`: the active public keys, which ID tokens, tree heads and credentials verify
//!   with.
//! - `GET /.well-known/congso-revocations.json`: the revocation list, a JWS (flattened JSON) of type
//!   `congso-revocation-list+json`.
//! - `GET /.well-known/congso-verifier-bundle.json`: the keys and the revocation list in one JWS of type
//!   `congso-verifier-bundle+json`, which `congso verify --bundle FILE` uses offline.
//!
//! And the verifier: `/verify` (paste the text or upload a photo of a code) and `POST /api/v1/verify`.

web::catalog!();

pub mod cli;
pub mod model;
pub mod publish;
pub mod store;
pub mod verify;

use axum::Router;
use trust::keys::VerifyingKey;
use trust::verify::{Trust, Verdict};
use web::{AppError, AppState};

pub use model::{CredentialError, DocumentKind, Held, Issued};
pub use verify::{VerifyRequest, VerifyResponse};

/// The issuer written into credentials and lists. One name per installation; a configurable public URL can
/// replace it when the installation has one.
pub const ISSUER: &str = "congso";

/// Routes outside `/api/v1`: the verifier's page and what verifiers download.
pub fn routes() -> Router<AppState> {
    Router::new().merge(verify::page_routes()).merge(publish::routes())
}

/// Routes under `/api/v1`, with their operations.
pub fn api_routes() -> web::openapi::ApiRouter {
    use web::openapi::ApiRouterExt;
    verify::api_routes().with_tag("trust", "Verifying signed QR codes: digital IDs and documents")
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
        Some(id) if store::is_revoked(&state.db, &id).await? => Some(id),
        _ => None,
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    Ok(trust::verify::verify(text, &Online { state, revoked }, now))
}
