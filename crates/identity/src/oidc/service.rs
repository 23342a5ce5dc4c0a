//! The provider's rules: client registration, authorization requests, codes, tokens and claims.

use std::collections::BTreeMap;
use trust::ledger::seal::Key;
use trust::ledger::{Actor, Event, EventKind};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use sha2::{Digest, Sha256};
use store::Db;

use crate::assurance::AssuranceLevel;
use crate::oidc::error::Untrusted;
use crate::oidc::model::{Client, ClientAuth, Scopes};
use crate::oidc::{OAuthError, jose, store as sql};

/// How long a code lives.
pub const CODE_TTL_SECS: i64 = 60;
/// How long access and ID tokens live: short, since they open personal data.
pub const TOKEN_TTL_SECS: i64 = 10 * 60;
/// The prefix of access tokens, so leaked ones are easy to recognise.
pub const ACCESS_TOKEN_PREFIX: &str = "oidc_at_";
/// The client assertion type of RFC 7523.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub(crate) use crate::service::{now, sha256_hex};

fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Why a client cannot be registered.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// The name is empty.
    #[error("the client needs a name")]
    NoName,
    /// No redirect URI.
    #[error("the client needs at least one redirect URI")]
    NoRedirectUri,
    /// A redirect URI congso will not send codes to.
    #[error("redirect URI {0:?}: use https, http on a loopback address, or an app's private scheme; no fragment")]
    BadRedirectUri(String),
    /// The JWK set is unusable.
    #[error("JWK set: {0}")]
    BadJwks(String),
    /// A database failure.
    #[error(transparent)]
    Sql(#[from] store::sqlx::Error),
    /// The ledger could not be written, so nothing was.
    #[error(transparent)]
    Ledger(#[from] trust::ledger::LedgerError),
}

fn check_redirect_uri(uri: &str) -> Result<(), RegistrationError> {
    let bad = || RegistrationError::BadRedirectUri(uri.to_owned());
    if uri.len() > 2000 || uri.contains('#') || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (scheme, rest) = uri.split_once(':').ok_or_else(bad)?;
    let loopback = ["//localhost", "//127.0.0.1", "//[::1]"]
        .iter()
        .any(|h| rest.strip_prefix(h).is_some_and(|r| r.is_empty() || r.starts_with(':') || r.starts_with('/')));
    let ok = match scheme {
        "https" => rest.len() > 2 && rest.starts_with("//"),
        "http" => loopback,
        // RFC 8252 §7.1: a native app's reverse-domain scheme.
        s => s.contains('.') && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b)),
    };
    if ok { Ok(()) } else { Err(bad()) }
}

/// A registered client: its id, and its secret when it authenticates with one (shown once, stored as a hash).
#[derive(Debug)]
pub struct Registered {
    /// The client_id.
    pub client_id: String,
    /// The secret, for `client_secret_basic` clients.
    pub secret: Option<String>,
}

/// Registers a client: with a JWK set it authenticates with `private_key_jwt`, else it gets a random secret.
pub async fn register_client(
    db: &Db,
    name: &str,
    redirect_uris: Vec<String>,
    jwks: Option<Value>,
) -> Result<Registered, RegistrationError> {
    if name.trim().is_empty() {
        return Err(RegistrationError::NoName);
    }
    if redirect_uris.is_empty() {
        return Err(RegistrationError::NoRedirectUri);
    }
    for uri in &redirect_uris {
        check_redirect_uri(uri)?;
    }
    let (auth, secret) = match jwks {
        Some(jwks) => {
            jose::keys_of(&jwks).map_err(RegistrationError::BadJwks)?;
            (ClientAuth::PrivateKeyJwt { jwks }, None)
        }
        None => {
            let secret = random_token();
            (ClientAuth::SecretBasic { secret_hash: sha256_hex(&secret) }, Some(secret))
        }
    };
    let client = Client {
        client_id: format!("cs_{}", URL_SAFE_NO_PAD.encode(rand::random::<[u8; 12]>())),
        name: name.trim().to_owned(),
        redirect_uris,
        auth,
        subject_salt: random_token(),
        disabled: false,
    };
    let mut tx = db.begin_write().await?;
    sql::insert_client(&mut *tx, &client, now()).await?;
    let event = client_event("oidc_client_registered", &client.client_id);
    crate::seals::OIDC_CLIENTS.append(&mut tx, db.backend(), Key::Text(client.client_id.clone()), event).await?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    tracing::info!(client_id = client.client_id, method = client.auth.method(), "OpenID Connect client registered");
    Ok(Registered { client_id: client.client_id, secret })
}

/// Every client.
pub async fn clients(db: &Db) -> Result<Vec<Client>, store::sqlx::Error> {
    sql::clients(db.pool()).await
}

fn client_event(change: &str, client_id: &str) -> Event {
    Event::new(EventKind::AccountChanged, Actor::system("congso oidc-client"))
        .detail(serde_json::json!({ "change": change, "client_id": client_id }))
}

/// Disables a client; `false` if there is no such enabled client.
pub async fn disable_client(db: &Db, client_id: &str) -> Result<bool, RegistrationError> {
    let mut tx = db.begin_write().await?;
    if !sql::disable_client(&mut *tx, client_id, now()).await? {
        return Ok(false);
    }
    let event = client_event("oidc_client_disabled", client_id);
    crate::seals::OIDC_CLIENTS.append(&mut tx, db.backend(), Key::Text(client_id.to_owned()), event).await?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    Ok(true)
}

/// A checked authorization request.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    /// The client.
    pub client: Client,
    /// One of its registered redirect URIs.
    pub redirect_uri: String,
    /// The client's `state`, returned as given.
    pub state: Option<String>,
    /// The client's `nonce`, put into the ID token.
    pub nonce: Option<String>,
    /// The scopes.
    pub scopes: Scopes,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// The lowest level among the `acr_values` congso knows, if any were asked for.
    pub min_level: Option<AssuranceLevel>,
    /// `prompt=none`: answer without showing anything.
    pub prompt_none: bool,
}

/// Why an authorization request is refused: before the redirect URI is trusted, or after.
#[derive(Debug)]
pub enum Refusal {
    /// Show an error page.
    Untrusted(Untrusted),
    /// Send the error back to the client.
    Redirect {
        /// Where.
        redirect_uri: String,
        /// The client's state.
        state: Option<String>,
        /// The error.
        error: OAuthError,
    },
}

fn is_b64url(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Parses and checks an authorization request's query string.
pub async fn parse_request(db: &Db, query: &str) -> Result<AuthRequest, Refusal> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|_| Refusal::Untrusted(Untrusted::Malformed))?;
    let mut params: BTreeMap<String, String> = BTreeMap::new();
    let mut repeated = None;
    for (k, v) in pairs {
        match params.entry(k) {
            std::collections::btree_map::Entry::Occupied(e) => repeated = Some(e.key().clone()),
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(v);
            }
        }
    }
    if matches!(repeated.as_deref(), Some("client_id" | "redirect_uri")) {
        return Err(Refusal::Untrusted(Untrusted::Malformed));
    }
    let client_id = params.get("client_id").ok_or(Refusal::Untrusted(Untrusted::UnknownClient))?;
    let client = sql::client(db.pool(), client_id)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "client lookup failed");
            Refusal::Untrusted(Untrusted::Malformed)
        })?
        .filter(|c| !c.disabled)
        .ok_or(Refusal::Untrusted(Untrusted::UnknownClient))?;
    let redirect_uri = params
        .get("redirect_uri")
        .filter(|uri| client.redirect_uris.contains(uri))
        .ok_or(Refusal::Untrusted(Untrusted::RedirectUri))?
        .clone();
    let state = params.get("state").cloned();
    let refuse = |error| Refusal::Redirect { redirect_uri: redirect_uri.clone(), state: state.clone(), error };
    if repeated.is_some() {
        return Err(refuse(OAuthError::InvalidRequest("a parameter is repeated")));
    }
    if params.contains_key("request") || params.contains_key("request_uri") {
        return Err(refuse(OAuthError::InvalidRequest("request objects are not supported")));
    }
    match params.get("response_type").map(String::as_str) {
        Some("code") => {}
        Some(_) => return Err(refuse(OAuthError::UnsupportedResponseType)),
        None => return Err(refuse(OAuthError::InvalidRequest("response_type is required"))),
    }
    let scopes = Scopes::parse(params.get("scope").map_or("", String::as_str)).map_err(refuse)?;
    let code_challenge = match (params.get("code_challenge"), params.get("code_challenge_method").map(String::as_str)) {
        (Some(c), Some("S256")) if c.len() == 43 && is_b64url(c) => c.clone(),
        (Some(_), Some("S256")) => return Err(refuse(OAuthError::InvalidRequest("code_challenge is malformed"))),
        _ => return Err(refuse(OAuthError::InvalidRequest("PKCE is required: code_challenge with method S256"))),
    };
    let too_long = |v: Option<&String>| v.is_some_and(|v| v.len() > 512);
    if too_long(state.as_ref()) || too_long(params.get("nonce")) || too_long(params.get("acr_values")) {
        return Err(refuse(OAuthError::InvalidRequest("state, nonce and acr_values are at most 512 characters")));
    }
    let min_level = params.get("acr_values").and_then(|v| v.split(' ').filter_map(AssuranceLevel::from_acr).min());
    let prompt_none = params.get("prompt").is_some_and(|p| p.split(' ').any(|w| w == "none"));
    Ok(AuthRequest {
        client,
        redirect_uri,
        state,
        nonce: params.get("nonce").cloned(),
        scopes,
        code_challenge,
        min_level,
        prompt_none,
    })
}

/// Issues a code for `request`, consented to by `account_id` at `level`, signed in since `auth_time`.
pub async fn issue_code(
    db: &Db,
    request: &AuthRequest,
    account_id: i64,
    level: AssuranceLevel,
    auth_time: i64,
) -> Result<String, OAuthError> {
    let code = random_token();
    let now = now();
    let row = sql::CodeRow {
        client_id: request.client.client_id.clone(),
        account_id,
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge.clone(),
        scope: request.scopes.to_string(),
        nonce: request.nonce.clone(),
        acr_level: level.number(),
        auth_time,
        expires_at: now + CODE_TTL_SECS,
    };
    sql::insert_code(db.pool(), &sha256_hex(&code), &row, now).await?;
    Ok(code)
}

/// When the session behind `secret` began.
pub async fn session_started(db: &Db, secret: &str) -> Result<Option<i64>, OAuthError> {
    Ok(sql::session_started(db.pool(), &sha256_hex(secret)).await?)
}

/// The subject identifier of `account_id` for `client`: pairwise, stable, and meaningless elsewhere.
pub fn subject(client: &Client, account_id: i64) -> String {
    let digest = Sha256::digest(format!("{}:{account_id}", client.subject_salt).as_bytes());
    URL_SAFE_NO_PAD.encode(digest)
}
