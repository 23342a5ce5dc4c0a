//! OAuth 2.0 errors (RFC 6749 §4.1.2.1 and §5.2), and how each endpoint answers them: the one place that decides.

use std::borrow::Cow;

use axum::Json;
use axum::http::header::{CACHE_CONTROL, LOCATION, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kernel::{Lang, Localized};

/// A refusal with its standard error code. The description is for the client's developers, in English and ASCII
/// as RFC 6749 requires; people see pages in their own language instead.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// `invalid_request`: a parameter is missing, repeated or malformed.
    #[error("invalid_request: {0}")]
    InvalidRequest(&'static str),
    /// `invalid_client`: client authentication failed.
    #[error("invalid_client: {0}")]
    InvalidClient(&'static str),
    /// `invalid_grant`: the code is unknown, used, expired, or bound to something else.
    #[error("invalid_grant: {0}")]
    InvalidGrant(&'static str),
    /// `unsupported_grant_type`.
    #[error("unsupported_grant_type: only authorization_code is supported")]
    UnsupportedGrantType,
    /// `unsupported_response_type`.
    #[error("unsupported_response_type: only code is supported")]
    UnsupportedResponseType,
    /// `invalid_scope`: unknown scopes, or no `openid`.
    #[error("invalid_scope: {0}")]
    InvalidScope(&'static str),
    /// `access_denied`: the person refused, or the account's assurance level is too low.
    #[error("access_denied: {0}")]
    AccessDenied(&'static str),
    /// `login_required` (`prompt=none` without a session).
    #[error("login_required: the person is not signed in")]
    LoginRequired,
    /// `consent_required` (`prompt=none`, and congso always asks).
    #[error("consent_required: the person must consent")]
    ConsentRequired,
    /// `server_error`: our fault; details are logged.
    #[error("server_error")]
    Server(#[from] anyhow::Error),
}

impl From<store::sqlx::Error> for OAuthError {
    fn from(e: store::sqlx::Error) -> Self {
        OAuthError::Server(e.into())
    }
}

impl OAuthError {
    /// The standard code.
    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::InvalidRequest(_) => "invalid_request",
            OAuthError::InvalidClient(_) => "invalid_client",
            OAuthError::InvalidGrant(_) => "invalid_grant",
            OAuthError::UnsupportedGrantType => "unsupported_grant_type",
            OAuthError::UnsupportedResponseType => "unsupported_response_type",
            OAuthError::InvalidScope(_) => "invalid_scope",
            OAuthError::AccessDenied(_) => "access_denied",
            OAuthError::LoginRequired => "login_required",
            OAuthError::ConsentRequired => "consent_required",
            OAuthError::Server(_) => "server_error",
        }
    }

    /// The description for developers.
    pub fn description(&self) -> Cow<'static, str> {
        match self {
            OAuthError::InvalidRequest(d)
            | OAuthError::InvalidClient(d)
            | OAuthError::InvalidGrant(d)
            | OAuthError::InvalidScope(d)
            | OAuthError::AccessDenied(d) => Cow::Borrowed(d),
            OAuthError::Server(_) => Cow::Borrowed("something went wrong"),
            other => Cow::Owned(other.to_string().split_once(": ").map_or_else(String::new, |(_, d)| d.to_owned())),
        }
    }

    fn log(&self) {
        match self {
            OAuthError::Server(e) => tracing::error!(error = ?e, "OpenID Connect request failed"),
            other => tracing::info!(error = other.code(), description = %other.description(), "OAuth refusal"),
        }
    }

    /// The token endpoint's answer: JSON, 401 for a client that failed to authenticate (with a `Basic` challenge
    /// when it tried Basic), 400 otherwise, never cached.
    pub fn token_response(&self, tried_basic: bool) -> Response {
        self.log();
        let status = match self {
            OAuthError::InvalidClient(_) => StatusCode::UNAUTHORIZED,
            OAuthError::Server(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        let body = serde_json::json!({ "error": self.code(), "error_description": self.description() });
        let mut response = (status, no_store(), Json(body)).into_response();
        if tried_basic && status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static(r#"Basic realm="congso""#));
        }
        response
    }

    /// The authorization endpoint's answer once the redirect URI is trusted: back to the client with `error`,
    /// `error_description`, `state` and `iss` (RFC 9207).
    pub fn redirect(&self, redirect_uri: &str, state: Option<&str>, issuer: &str) -> Response {
        self.log();
        let mut params = vec![("error", self.code().to_owned()), ("error_description", self.description().into())];
        if let Some(state) = state {
            params.push(("state", state.to_owned()));
        }
        params.push(("iss", issuer.to_owned()));
        redirect_with(redirect_uri, &params)
    }
}

/// `Cache-Control: no-store` and `Pragma: no-cache`, for every response carrying tokens or claims.
pub fn no_store() -> [(axum::http::HeaderName, &'static str); 2] {
    [(CACHE_CONTROL, "no-store"), (PRAGMA, "no-cache")]
}

/// A 303 to `uri` with `params` added to its query.
pub fn redirect_with(uri: &str, params: &[(&str, String)]) -> Response {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    let separator = if uri.contains('?') { '&' } else { '?' };
    match HeaderValue::try_from(format!("{uri}{separator}{query}")) {
        Ok(location) => (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Why the authorization endpoint shows a page instead of redirecting: the client or its redirect URI is not
/// known, so nothing can be sent back to it.
#[derive(Debug, Clone, Copy, thiserror::Error)]
pub enum Untrusted {
    /// No `client_id`, or no client has it.
    #[error("The application asking you to sign in is not registered with congso.")]
    UnknownClient,
    /// No `redirect_uri`, or not one the client registered.
    #[error("The application asked to send you back to an address it has not registered.")]
    RedirectUri,
    /// Parameters repeated or unreadable.
    #[error("The sign-in request is malformed.")]
    Malformed,
}

impl Localized for Untrusted {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Untrusted::UnknownClient, Lang::Vi) => {
                "Ứng dụng yêu cầu bạn đăng nhập chưa được đăng ký với congso.".into()
            }
            (Untrusted::RedirectUri, Lang::Vi) => {
                "Ứng dụng yêu cầu chuyển bạn về một địa chỉ chưa được đăng ký.".into()
            }
            (Untrusted::Malformed, Lang::Vi) => "Yêu cầu đăng nhập không hợp lệ.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

impl From<Untrusted> for web::AppError {
    fn from(e: Untrusted) -> Self {
        web::AppError::bad_request(e)
    }
}
