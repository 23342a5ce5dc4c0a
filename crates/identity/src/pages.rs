//! Sign-in, sign-out and the account pages.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use trust::ledger::{Actor, Event, EventKind};
use web::csrf::CsrfForm;
use web::error::html;
use web::extract::Query;
use web::{AppResult, AppState, PageCtx};

use crate::auth::{Caller, session_cookie, session_secret};
use crate::model::{Account, AccountKind, Principal};
use crate::policy::{Action, authorize};
use crate::service;

/// The routes of these pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin", get(signin_form).post(signin))
        .route("/signout", axum::routing::post(signout))
        .route("/account", get(account))
        .route("/admin/accounts", get(accounts))
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    page: PageCtx,
    next: String,
    username: String,
    failed: bool,
    locked: bool,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

fn safe_next(next: Option<String>) -> String {
    web::local_path(next, "/account")
}

async fn signin_form(page: PageCtx, Query(q): Query<NextQuery>) -> Response {
    html(&SignInPage { page, next: safe_next(q.next), username: String::new(), failed: false, locked: false })
}

#[derive(Deserialize)]
struct SignInForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn signin(
    State(state): State<AppState>,
    page: PageCtx,
    CsrfForm(form): CsrfForm<SignInForm>,
) -> AppResult<Response> {
    let next = safe_next(form.next);
    let account = match service::sign_in(&state.db, &form.username, &form.password).await? {
        service::SignIn::Accepted(account) => account,
        refused => {
            let locked = matches!(refused, service::SignIn::LockedOut);
            tracing::info!(locked, "sign-in refused");
            let kind = if locked { EventKind::AccountLocked } else { EventKind::SignInFailed };
            // Only a well-formed username is kept: a password typed into the wrong box must not be.
            let name =
                if service::check_username(&form.username).is_ok() { &form.username } else { "(không hợp lệ)" };
            state.ledger.record(Event::new(kind, Actor::system(name))).await.map_err(ledger_error)?;
            let status = if locked { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::UNAUTHORIZED };
            let again = SignInPage { page, next, username: form.username, failed: !locked, locked };
            return Ok((status, html(&again)).into_response());
        }
    };
    if account.kind != AccountKind::Citizen {
        let actor = Actor {
            username: account.username.clone(),
            display_name: Some(account.display_name.clone()),
            role: None,
            agency: None,
        };
        state.ledger.record(Event::new(EventKind::SignedIn, actor)).await.map_err(ledger_error)?;
    }
    let secret = service::start_session(&state.db, account.id).await?;
    tracing::info!(account_id = account.id, "signed in");
    let secure = state.config.secure_cookies;
    let mut response = (StatusCode::SEE_OTHER, [(LOCATION, next)]).into_response();
    // A new session and a new CSRF token: nothing planted before sign-in survives it.
    for cookie in [session_cookie(secret, secure), web::csrf::cookie(web::csrf::new_token(), secure)] {
        if let Ok(value) = cookie.to_string().parse() {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    Ok(response)
}

fn ledger_error(e: trust::ledger::LedgerError) -> web::AppError {
    web::AppError::Internal(e.into())
}

#[derive(Deserialize)]
struct Empty {}

async fn signout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    if let Some(secret) = session_secret(&headers) {
        service::end_session(&state.db, &secret).await?;
    }
    let mut expired = session_cookie(String::new(), state.config.secure_cookies);
    expired.make_removal();
    Ok((StatusCode::SEE_OTHER, [(LOCATION, "/".to_owned()), (SET_COOKIE, expired.to_string())]).into_response())
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: PageCtx,
    me: Principal,
    can_list_accounts: bool,
}

async fn account(page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    authorize(&me, Action::ViewOwnAccount)?;
    let can_list_accounts = authorize(&me, Action::ListAccounts).is_ok();
    Ok(html(&AccountPage { page, me, can_list_accounts }))
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    page: PageCtx,
    accounts: Vec<Account>,
}

async fn accounts(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    authorize(&me, Action::ListAccounts)?;
    let accounts = service::list_accounts(&state.db).await?;
    Ok(html(&AccountsPage { page, accounts }))
}
