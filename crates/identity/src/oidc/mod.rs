//! The OpenID Connect provider: other agencies' systems sign citizens in with congso.
//!
//! - Discovery at `/.well-known/openid-configuration`; the keys at `/.well-known/jwks.json` (served with the
//!   ledger's routes, since one key set verifies everything congso signs).
//! - `/oidc/authorize`: the authorization-code flow only, with PKCE S256 required, `state`, `nonce`, scopes and
//!   `acr_values`. A person who is not signed in goes through `/signin?next=…` and comes back; a consent page lists
//!   the claims asked for. An account whose assurance level is below every `acr_values` asked for is refused with
//!   `access_denied`: level 2 needs an in-person check, which no online step-up can give.
//! - `/oidc/token`: codes for ID tokens (ES256, signed with the keyring) and opaque access tokens; clients
//!   authenticate with `client_secret_basic` or `private_key_jwt` (RFC 7523).
//! - `/oidc/userinfo`: the claims the scopes allow. The personal ID number only with the `personal_id` scope.
//!
//! Subjects are pairwise: a hash of the account with a salt of the client's own, so two clients cannot link a
//! person through `sub`, and the personal ID number never serves as one.
//!
//! Errors follow RFC 6749: JSON `{error, error_description}` from the token endpoint, a redirect carrying `error`
//! from the authorization endpoint once the client and its redirect URI are known, and an error page before that
//! (a redirect to an unverified URI would make congso an open redirector).

pub mod api;
pub mod authorize;
pub mod cli;
pub mod error;
pub mod grant;
pub mod jose;
pub mod model;
pub mod service;
pub mod store;

use axum::Router;
use web::AppState;

pub use error::OAuthError;

/// The routes of the provider.
pub fn routes() -> Router<AppState> {
    Router::new().merge(api::routes()).merge(authorize::routes())
}

/// The issuer identifier: the site's configured public address ([`web::WebConfig::public_url`]), never the
/// request's `Host`, so that a forged `Host` cannot make tokens or discovery name another issuer.
pub fn issuer(config: &web::WebConfig) -> String {
    config.public_url.as_str().to_owned()
}
