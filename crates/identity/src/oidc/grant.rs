//! The token endpoint's rules: who the client is, what a code is worth, and the claims an access token opens.

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store::Db;
use trust::keyring::Keyring;
use trust::keys::Algorithm;
use trust::ledger::{Actor, Event, EventKind, Recorder};

use crate::assurance::AssuranceLevel;
use crate::oidc::model::{Client, ClientAuth, Scope, Scopes};
use crate::oidc::service::{ACCESS_TOKEN_PREFIX, JWT_BEARER, TOKEN_TTL_SECS, now, sha256_hex, subject};
use crate::oidc::store::{self as sql, Claimed};
use crate::oidc::{OAuthError, jose};

/// The form of a token request: each parameter once.
pub type Form = BTreeMap<String, String>;

/// Reads a form body; a repeated parameter is `invalid_request` (RFC 6749 §3.2).
pub fn parse_form(body: &[u8]) -> Result<Form, OAuthError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|_| OAuthError::InvalidRequest("the body is not a form"))?;
    let mut form = Form::new();
    for (k, v) in pairs {
        if form.insert(k, v).is_some() {
            return Err(OAuthError::InvalidRequest("a parameter is repeated"));
        }
    }
    Ok(form)
}

fn form_decode(text: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&format!("v={text}")).ok()?;
    pairs.into_iter().next().map(|(_, v)| v)
}

/// The client id and secret of an `Authorization: Basic` header (each form-encoded, RFC 6749 §2.3.1).
pub fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), OAuthError>> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let malformed = OAuthError::InvalidClient("malformed Basic credentials");
    let decoded = STANDARD.decode(rest.trim()).ok().and_then(|b| String::from_utf8(b).ok());
    let parsed = decoded
        .as_deref()
        .and_then(|d| d.split_once(':'))
        .and_then(|(id, secret)| Some((form_decode(id)?, form_decode(secret)?)));
    Some(parsed.ok_or(malformed))
}

async fn client(db: &Db, client_id: &str) -> Result<Client, OAuthError> {
    sql::client(db.pool(), client_id).await?.filter(|c| !c.disabled).ok_or(OAuthError::InvalidClient("unknown client"))
}

/// Authenticates the client of a token request by `client_secret_basic` or `private_key_jwt`, exactly one.
pub async fn authenticate_client(
    db: &Db,
    headers: &HeaderMap,
    form: &Form,
    audiences: &[String],
) -> Result<Client, OAuthError> {
    let basic = basic_credentials(headers);
    let assertion = form.get("client_assertion");
    let client = match (basic, assertion) {
        (Some(_), Some(_)) => return Err(OAuthError::InvalidRequest("use one client authentication method")),
        (None, None) => {
            return Err(OAuthError::InvalidClient(
                "authenticate with client_secret_basic or private_key_jwt (client_secret_post is not supported)",
            ));
        }
        (Some(credentials), None) => {
            let (client_id, secret) = credentials?;
            let client = client(db, &client_id).await?;
            let ClientAuth::SecretBasic { secret_hash } = &client.auth else {
                return Err(OAuthError::InvalidClient("this client authenticates with private_key_jwt"));
            };
            // Both sides are SHA-256 of a high-entropy secret: comparing them reveals nothing about the secret.
            if sha256_hex(&secret) != *secret_hash {
                return Err(OAuthError::InvalidClient("wrong client secret"));
            }
            client
        }
        (None, Some(assertion)) => {
            if form.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER) {
                return Err(OAuthError::InvalidClient("client_assertion_type must be jwt-bearer"));
            }
            let claimed =
                unverified_issuer(assertion).ok_or(OAuthError::InvalidClient("the assertion names no iss"))?;
            let client = client(db, &claimed).await?;
            let ClientAuth::PrivateKeyJwt { jwks } = &client.auth else {
                return Err(OAuthError::InvalidClient("this client authenticates with client_secret_basic"));
            };
            let checked = jose::verify_assertion(assertion, &client.client_id, jwks, audiences, now())?;
            if !sql::remember_jti(db.pool(), &client.client_id, &checked.jti, checked.exp).await? {
                return Err(OAuthError::InvalidClient("the client assertion was used before"));
            }
            client
        }
    };
    if form.get("client_id").is_some_and(|id| *id != client.client_id) {
        return Err(OAuthError::InvalidClient("client_id does not match the authenticated client"));
    }
    Ok(client)
}

/// The `iss` an assertion claims, read before its signature is checked only to find whose keys check it.
fn unverified_issuer(assertion: &str) -> Option<String> {
    let claims = assertion.split('.').nth(1)?;
    let value: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()?;
    value.get("iss")?.as_str().map(str::to_owned)
}

fn is_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// Redeems a code for an access token and an ID token. The code is spent whatever the outcome; a code presented
/// a second time also revokes the tokens it gave.
pub async fn exchange(
    db: &Db,
    keyring: &Keyring,
    issuer: &str,
    client: &Client,
    form: &Form,
) -> Result<Value, OAuthError> {
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {}
        Some(_) => return Err(OAuthError::UnsupportedGrantType),
        None => return Err(OAuthError::InvalidRequest("grant_type is required")),
    }
    let (Some(code), Some(redirect_uri)) = (form.get("code"), form.get("redirect_uri")) else {
        return Err(OAuthError::InvalidRequest("code and redirect_uri are required"));
    };
    let verifier = form.get("code_verifier").ok_or(OAuthError::InvalidRequest("code_verifier is required"))?;
    let code_hash = sha256_hex(code);
    let now = now();
    let mut tx = db.begin_write().await?;
    sql::purge(&mut tx, now - 3600).await?;
    let row = match sql::claim_code(&mut tx, &code_hash, now).await? {
        Claimed::Fresh(row) => row,
        Claimed::Replayed => {
            let revoked = sql::revoke_tokens_of_code(&mut *tx, &code_hash, now).await?;
            tx.commit().await?;
            tracing::warn!(client_id = client.client_id, revoked, "authorization code replayed");
            return Err(OAuthError::InvalidGrant("the code was already used"));
        }
        Claimed::Unknown => return Err(OAuthError::InvalidGrant("unknown code")),
    };
    let refusal = if row.client_id != client.client_id {
        Some("the code was issued to another client")
    } else if row.expires_at <= now {
        Some("the code has expired")
    } else if row.redirect_uri != *redirect_uri {
        Some("redirect_uri differs from the authorization request's")
    } else if !is_verifier(verifier)
        || URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != row.code_challenge
    {
        Some("the PKCE code_verifier does not match the challenge")
    } else {
        None
    };
    if let Some(why) = refusal {
        tx.commit().await?;
        return Err(OAuthError::InvalidGrant(why));
    }
    let person = sql::person(&mut *tx, row.account_id).await?.filter(|p| !p.disabled);
    if person.is_none() {
        tx.commit().await?;
        return Err(OAuthError::InvalidGrant("the account is disabled"));
    }
    let access_token = format!("{ACCESS_TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()));
    sql::insert_access_token(&mut *tx, &sha256_hex(&access_token), &row, &code_hash, now, now + TOKEN_TTL_SECS).await?;
    tx.commit().await?;

    let level = AssuranceLevel::from_stored(row.acr_level).map_err(|e| OAuthError::Server(anyhow::anyhow!(e)))?;
    let digest = Sha256::digest(access_token.as_bytes());
    let mut claims = json!({
        "iss": issuer,
        "sub": subject(client, row.account_id),
        "aud": client.client_id,
        "exp": now + TOKEN_TTL_SECS,
        "iat": now,
        "auth_time": row.auth_time,
        "acr": level.acr(),
        // OIDC Core §3.1.3.6: the left half of the hash, binding the ID token to this access token.
        "at_hash": URL_SAFE_NO_PAD.encode(&digest[..16]),
    });
    if let Some(nonce) = &row.nonce {
        claims["nonce"] = nonce.clone().into();
    }
    let key = keyring.signer(Algorithm::ES256).ok_or_else(|| OAuthError::Server(anyhow::anyhow!("no ES256 key")))?;
    Ok(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL_SECS,
        "scope": row.scope,
        "id_token": jose::sign(&key, &claims),
    }))
}

/// The claims an access token opens, or `None` when it is not a live token. A personal ID number is recorded in
/// the ledger as read by the client before it is returned.
pub async fn userinfo(db: &Db, ledger: &Recorder, token: &str) -> Result<Option<Value>, OAuthError> {
    if !token.starts_with(ACCESS_TOKEN_PREFIX) || token.len() > 128 {
        return Ok(None);
    }
    let Some(live) = sql::live_access_token(db.pool(), &sha256_hex(token), now()).await? else {
        return Ok(None);
    };
    let Some(client) = sql::client(db.pool(), &live.client_id).await?.filter(|c| !c.disabled) else {
        return Ok(None);
    };
    let Some(person) = sql::person(db.pool(), live.account_id).await?.filter(|p| !p.disabled) else {
        return Ok(None);
    };
    let scopes = Scopes::parse(&live.scope).map_err(|_| OAuthError::Server(anyhow::anyhow!("stored scope")))?;
    let mut claims = json!({ "sub": subject(&client, live.account_id) });
    if scopes.contains(Scope::Profile) {
        claims["name"] = person.display_name.into();
    }
    if scopes.contains(Scope::PersonalId)
        && let Some(pid) = person.personal_id
    {
        let actor = Actor::named(&format!("oidc:{}", client.client_id), &client.name);
        let event = Event::new(EventKind::PersonalDataRead, actor)
            .subject(&pid)
            .purpose("OpenID Connect: the citizen consented to the personal_id scope");
        ledger.record(event).await.map_err(|e| OAuthError::Server(e.into()))?;
        claims["personal_id"] = pid.into();
    }
    Ok(Some(claims))
}
