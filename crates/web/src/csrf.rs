//! Protection against cross-site request forgery for every form.
//!
//! The double-submit pattern: each browser gets a random token in an HttpOnly, SameSite=Strict cookie, every
//! page renders the same token into its forms, and [`CsrfForm`] accepts a POST only when the two match. A
//! forging site can make the browser send the cookie, but cannot read it to put it in the form. Sign-in replaces
//! the token, so a token planted before sign-in is worthless after it.

use axum::extract::{FromRequest, Request};
use axum::http::header::SET_COOKIE;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::{AppError, AppState};

/// The cookie holding the token.
pub const CSRF_COOKIE: &str = "congso_csrf";

/// The header that carries the token on API calls authenticated by a session cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Whether `given` is the browser's token, compared in constant time; no token on either side never matches.
pub fn matches(expected: Option<&str>, given: Option<&[u8]>) -> bool {
    matches!((expected, given), (Some(e), Some(g)) if bool::from(e.as_bytes().ct_eq(g)))
}

/// The token of the current request, for rendering into forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// A fresh random token.
pub fn new_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The `Set-Cookie` value that gives a browser `token`.
pub fn cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((CSRF_COOKIE, token)).path("/").http_only(true).secure(secure).same_site(SameSite::Strict).build()
}

fn token_from_cookies(request: &Request) -> Option<String> {
    crate::cookies::read(request.headers(), CSRF_COOKIE, 43).filter(|t| t.len() == 43)
}

/// Middleware: makes sure the browser has a token and puts it in the request for pages to render. API calls get
/// no cookie: they carry a bearer token, or a session cookie together with the page's token in a header.
pub async fn ensure_token(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let existing = token_from_cookies(&request);
    if request.uri().path().starts_with("/api/") {
        if let Some(token) = existing {
            request.extensions_mut().insert(CsrfToken(token));
        }
        return next.run(request).await;
    }
    let token = existing.clone().unwrap_or_else(new_token);
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    let replaced =
        response.headers().get_all(SET_COOKIE).iter().any(|v| v.as_bytes().starts_with(CSRF_COOKIE.as_bytes()));
    if existing.is_none()
        && !replaced
        && let Ok(value) = cookie(token, state.config.secure_cookies).to_string().parse()
    {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
struct TokenField {
    csrf: Option<String>,
}

/// A URL-encoded form whose `csrf` field matches the browser's token; anything else is refused with 403.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let expected = token_from_cookies(&request);
        let body = crate::extract::form_body(request, state).await?;
        let field: TokenField = serde_urlencoded::from_bytes(&body).map_err(|_| AppError::Csrf)?;
        if matches(expected.as_deref(), field.csrf.as_deref().map(str::as_bytes)) {
            crate::extract::decode_form(&body).map(CsrfForm)
        } else {
            Err(AppError::Csrf)
        }
    }
}
