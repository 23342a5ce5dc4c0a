//! The authorization endpoint: the pages a person sees when another agency's system sends them to congso.

use askama::Template;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use web::csrf::CsrfForm;
use web::error::html;
use web::{AppError, AppState, PageCtx};

use crate::auth::{Caller, session_secret};
use crate::model::{AuthMethod, Principal};
use crate::oidc::error::redirect_with;
use crate::oidc::model::Scope;
use crate::oidc::service::{self, AuthRequest, Refusal};
use crate::oidc::{OAuthError, issuer};

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/oidc/authorize", get(ask).post(decide))
}

fn refused(refusal: Refusal, iss: &str) -> Response {
    match refusal {
        Refusal::Untrusted(why) => AppError::from(why).into_response(),
        Refusal::Redirect { redirect_uri, state, error } => error.redirect(&redirect_uri, state.as_deref(), iss),
    }
}

fn deny(request: &AuthRequest, error: OAuthError, iss: &str) -> Response {
    error.redirect(&request.redirect_uri, request.state.as_deref(), iss)
}

/// Refuses an account whose level is below every `acr_values` asked for. Level 2 needs an in-person check, so
/// there is no step-up to offer online: the client hears `access_denied` and can tell the person where to go.
fn level_refusal(request: &AuthRequest, me: &Principal) -> Option<OAuthError> {
    request
        .min_level
        .filter(|min| me.assurance_level < *min)
        .map(|_| OAuthError::AccessDenied("the account's assurance level is below the acr_values asked for"))
}

#[derive(Template)]
#[template(path = "oidc_consent.html")]
struct ConsentPage {
    page: PageCtx,
    client_name: String,
    person: String,
    level: i64,
    scopes: Vec<Scope>,
    request: String,
}

/// `GET /oidc/authorize`: checks the request, sends a person who is not signed in to sign in first, then asks
/// for consent.
async fn ask(State(state): State<AppState>, request: Request) -> Response {
    let page = PageCtx::from_request_parts_sync(&request);
    let iss = issuer(&state.config);
    let query = request.uri().query().unwrap_or("").to_owned();
    let auth = match service::parse_request(&state.db, &query).await {
        Ok(auth) => auth,
        Err(refusal) => return refused(refusal, &iss),
    };
    let Some(me) = request.extensions().get::<Principal>().filter(|p| p.method == AuthMethod::Session) else {
        if auth.prompt_none {
            return deny(&auth, OAuthError::LoginRequired, &iss);
        }
        let next = serde_urlencoded::to_string([("next", format!("/oidc/authorize?{query}"))]).unwrap_or_default();
        return (StatusCode::SEE_OTHER, [(LOCATION, format!("/signin?{next}"))]).into_response();
    };
    if let Some(error) = level_refusal(&auth, me) {
        return deny(&auth, error, &iss);
    }
    if auth.prompt_none {
        return deny(&auth, OAuthError::ConsentRequired, &iss);
    }
    let mut response = html(&ConsentPage {
        page,
        client_name: auth.client.name.clone(),
        person: me.display_name.clone(),
        level: me.assurance_level.number(),
        scopes: auth.scopes.iter().collect(),
        request: query,
    });
    // The consent form's answer redirects to the client, which `form-action 'self'` alone would block.
    if let Some(policy) = web::headers::policy_with_form_target(&auth.redirect_uri)
        .and_then(|p| axum::http::HeaderValue::from_str(&p).ok())
    {
        response.headers_mut().insert(axum::http::header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

#[derive(Deserialize)]
struct Decision {
    request: String,
    decision: String,
}

/// `POST /oidc/authorize`: the person's answer. The request is checked again, since it came back through the
/// browser; on consent a code goes to the client's redirect URI.
async fn decide(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Caller(me): Caller,
    CsrfForm(form): CsrfForm<Decision>,
) -> Response {
    let iss = issuer(&state.config);
    let auth = match service::parse_request(&state.db, &form.request).await {
        Ok(auth) => auth,
        Err(refusal) => return refused(refusal, &iss),
    };
    if form.decision != "approve" {
        return deny(&auth, OAuthError::AccessDenied("the person declined"), &iss);
    }
    if let Some(error) = level_refusal(&auth, &me) {
        return deny(&auth, error, &iss);
    }
    let started = match session_secret(&headers) {
        Some(secret) if me.method == AuthMethod::Session => service::session_started(&state.db, &secret).await,
        _ => Ok(None),
    };
    let auth_time = match started {
        Ok(Some(t)) => t,
        Ok(None) => return deny(&auth, OAuthError::LoginRequired, &iss),
        Err(e) => return deny(&auth, e, &iss),
    };
    match service::issue_code(&state.db, &auth, me.account_id, me.assurance_level, auth_time).await {
        Ok(code) => {
            tracing::info!(client_id = auth.client.client_id, account_id = me.account_id, "authorization code issued");
            let mut params = vec![("code", code)];
            if let Some(s) = &auth.state {
                params.push(("state", s.clone()));
            }
            params.push(("iss", iss));
            redirect_with(&auth.redirect_uri, &params)
        }
        Err(e) => deny(&auth, e, &iss),
    }
}
