//! Who is calling: the middleware that authenticates every request, and the extractors that require it.

use axum::extract::{FromRequestParts, OriginalUri, Request, State};
use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use trust::ledger::{Actor, Event, EventKind};
use web::{AppError, AppState, UserBadge};

use crate::model::{AuthMethod, Principal};
use crate::service;

/// The cookie holding the session secret.
pub const SESSION_COOKIE: &str = "congso_session";

/// The session cookie for `secret`.
pub fn session_cookie(secret: String, secure: bool) -> Cookie<'static> {
    // Lax, not Strict, so that a link into congso from an e-mail opens signed in; forms carry CSRF tokens anyway.
    Cookie::build((SESSION_COOKIE, secret)).path("/").http_only(true).secure(secure).same_site(SameSite::Lax).build()
}

/// The session secret a request carries, if any.
pub fn session_secret(headers: &axum::http::HeaderMap) -> Option<String> {
    web::cookies::read(headers, SESSION_COOKIE, 64)
}

fn bad_token() -> Response {
    let mut response = AppError::Unauthenticated.into_response();
    if let Ok(value) = r#"Bearer error="invalid_token""#.parse() {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}

/// Middleware: resolves a bearer token or a session cookie into a [`Principal`] in the request's extensions.
///
/// A request that presents a token that is not live is refused outright (the client meant to authenticate);
/// a stale session cookie is ignored, so the person simply appears signed out.
pub async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    // The OpenID Connect back channel authenticates its own callers: clients with Basic credentials or assertions,
    // and access tokens that are not API tokens.
    let back_channel = matches!(request.uri().path(), "/oidc/token" | "/oidc/userinfo");
    let principal = if back_channel {
        None
    } else if let Some(header) = request.headers().get(AUTHORIZATION) {
        let Some(token) = header.to_str().ok().and_then(|h| h.strip_prefix("Bearer ")) else {
            return bad_token();
        };
        match service::resolve_token(&state.db, token.trim()).await {
            Ok(Some(p)) => Some(p),
            Ok(None) => return bad_token(),
            Err(e) => return AppError::Internal(e.into()).into_response(),
        }
    } else if let Some(secret) = session_secret(request.headers()) {
        match service::resume_session(&state.db, &secret).await {
            Ok(p) => p,
            Err(e) => return AppError::Internal(e.into()).into_response(),
        }
    } else {
        None
    };
    let actor = principal.as_ref().map(|p| Actor::named(&p.username, &p.display_name));
    let asked = format!("{} {}", request.method(), request.uri().path());
    if let Some(p) = principal {
        let unread = match unread_for_header(&state, &p, request.uri().path()).await {
            Ok(n) => n,
            Err(e) => return AppError::Internal(e.into()).into_response(),
        };
        let badge = UserBadge {
            display_name: p.display_name.clone(),
            unread,
            citizen: p.kind == crate::AccountKind::Citizen,
            roles: p.roles.iter().map(|r| r.role.as_str()).collect(),
        };
        request.extensions_mut().insert(badge);
        request.extensions_mut().insert(p);
    }
    let response = next.run(request).await;
    // Every refusal of a known caller goes to the ledger (refusals that hide a record as a 404 are recorded by the
    // slice, with the record's owner as subject).
    if response.status() == StatusCode::FORBIDDEN
        && let Some(actor) = actor
    {
        let refused = Event::new(EventKind::AccessRefused, actor).detail(serde_json::json!({ "request": asked }));
        if let Err(e) = state.ledger.record(refused).await {
            return AppError::Internal(e.into()).into_response();
        }
    }
    response
}

/// How many notifications the page header counts as unread: asked only for a page a browser shows (the API and
/// static files have no header), so that an API call costs no query for it.
async fn unread_for_header(state: &AppState, p: &Principal, path: &str) -> Result<u64, notify::inbox::InboxError> {
    let page = !(path.starts_with("/api/") || path.starts_with("/static/") || path.starts_with("/.well-known/"));
    if p.method != AuthMethod::Session || !page {
        return Ok(0);
    }
    notify::inbox::unread_count(&state.db, notify::inbox::Recipient::account(p.account_id)).await
}

/// The authenticated caller; refuses with 401 (pages redirect to sign-in) when there is none.
///
/// A JSON request that changes something with a session cookie (rather than a token) must also carry the CSRF
/// token in `X-CSRF-Token`, so that another site cannot make a signed-in browser call the API.
pub struct Caller(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let principal = parts.extensions.get::<Principal>().cloned().ok_or(AppError::Unauthenticated)?;
        // Inside `.nest("/api/v1", …)` the router strips the prefix from `parts.uri`: only the original URI says
        // whether this is an API call.
        let path = parts.extensions.get::<OriginalUri>().map_or_else(|| parts.uri.path(), |o| o.0.path());
        if principal.method == AuthMethod::Session && !parts.method.is_safe() && path.starts_with("/api/") {
            let expected = parts.extensions.get::<web::csrf::CsrfToken>().map(|t| t.0.as_str());
            let given = parts.headers.get(web::csrf::CSRF_HEADER).map(|v| v.as_bytes());
            if !web::csrf::matches(expected, given) {
                return Err(AppError::Csrf);
            }
        }
        Ok(Caller(principal))
    }
}
