//! The provider's back channel: discovery, the token endpoint and userinfo. These answer machines, in the
//! shapes RFC 6749, RFC 6750 and OpenID Connect Core fix, and authenticate their callers themselves (the
//! `authenticate` middleware leaves `/oidc/token` and `/oidc/userinfo` to them).

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use web::AppState;
use web::extract::Json;

use crate::assurance::AssuranceLevel;
use crate::oidc::error::no_store;
use crate::oidc::model::Scope;
use crate::oidc::{OAuthError, grant, issuer};

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oidc/token", post(token))
        .route("/oidc/userinfo", get(userinfo).post(userinfo))
}

/// OpenID Connect Discovery 1.0: what this provider does, where.
async fn discovery(State(state): State<AppState>) -> Json<serde_json::Value> {
    let iss = issuer(&state.config);
    let mut claims = vec!["iss", "aud", "exp", "iat", "auth_time", "nonce", "acr"];
    claims.extend(Scope::ALL.iter().flat_map(|s| s.claims().iter().copied()));
    Json(json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oidc/authorize"),
        "token_endpoint": format!("{iss}/oidc/token"),
        "userinfo_endpoint": format!("{iss}/oidc/userinfo"),
        "jwks_uri": format!("{iss}/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256", "EdDSA"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": Scope::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "claims_supported": claims,
        "acr_values_supported": [AssuranceLevel::One.acr(), AssuranceLevel::Two.acr()],
        "prompt_values_supported": ["none", "consent"],
        "ui_locales_supported": ["vi", "en"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
    }))
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

/// The token endpoint (RFC 6749 §3.2): a code and its PKCE verifier for tokens.
async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let tried_basic = grant::basic_credentials(&headers).is_some();
    let result = async {
        if !is_form(&headers) {
            return Err(OAuthError::InvalidRequest("the body must be application/x-www-form-urlencoded"));
        }
        let form = grant::parse_form(&body)?;
        let iss = issuer(&state.config);
        let audiences = [format!("{iss}/oidc/token"), iss.clone()];
        let client = grant::authenticate_client(&state.db, &headers, &form, &audiences).await?;
        grant::exchange(&state.db, &state.keyring, &iss, &client, &form).await
    }
    .await;
    match result {
        Ok(tokens) => (StatusCode::OK, no_store(), Json(tokens)).into_response(),
        Err(e) => e.token_response(tried_basic),
    }
}

/// A 401 with the RFC 6750 challenge: no `error` when no token came, `invalid_token` when a bad one did.
fn challenge(error: Option<&str>) -> Response {
    let value = match error {
        None => r#"Bearer realm="congso""#.to_owned(),
        Some(e) => format!(r#"Bearer realm="congso", error="{e}""#),
    };
    let mut response =
        (StatusCode::UNAUTHORIZED, no_store(), Json(json!({ "error": error.unwrap_or("invalid_token") })))
            .into_response();
    if let Ok(v) = HeaderValue::try_from(value) {
        response.headers_mut().insert(WWW_AUTHENTICATE, v);
    }
    response
}

/// UserInfo (OpenID Connect Core §5.3): the claims the access token's scopes allow.
async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return challenge(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let Some(token) = token else {
        return challenge(Some("invalid_token"));
    };
    match grant::userinfo(&state.db, &state.ledger, token).await {
        Ok(Some(claims)) => (StatusCode::OK, no_store(), Json(claims)).into_response(),
        Ok(None) => challenge(Some("invalid_token")),
        Err(e) => e.token_response(false),
    }
}
