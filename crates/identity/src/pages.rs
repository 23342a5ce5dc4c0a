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

use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::auth::{Caller, session_cookie, session_secret};
use crate::model::{Account, AccountKind, Principal};
use crate::policy::{Action, allows, authorize};
use crate::service;

/// The routes of these pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin", get(signin_form).post(signin))
        .route("/signout", axum::routing::post(signout))
        .route("/signin/mfa", get(mfa_form).post(mfa_submit))
        .route("/account", get(account))
        .route("/account/mfa", get(enrol_form).post(enrol_confirm))
        .route("/account/password", get(password_form).post(password_change))
        .route("/admin/accounts", get(accounts))
        .merge(crate::home::routes())
        .merge(crate::inbox::routes())
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    page: PageCtx,
    next: String,
    username: String,
    failed: bool,
    locked: bool,
    /// The password was just set through a reset link.
    reset_done: bool,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
    reset: Option<String>,
}

/// Where a sign-in leads unless it was asked for elsewhere: the person's own page.
fn safe_next(next: Option<String>) -> String {
    web::local_path(next, "/me")
}

async fn signin_form(page: PageCtx, Query(q): Query<NextQuery>) -> Response {
    let reset_done = q.reset.as_deref() == Some("done");
    html(&SignInPage {
        page,
        next: safe_next(q.next),
        username: String::new(),
        failed: false,
        locked: false,
        reset_done,
    })
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
                if form.username.parse::<service::Username>().is_ok() { &form.username } else { "(không hợp lệ)" };
            state.ledger.record(Event::new(kind, Actor::system(name))).await?;
            let status = if locked { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::UNAUTHORIZED };
            let again = SignInPage { page, next, username: form.username, failed: !locked, locked, reset_done: false };
            return Ok((status, html(&again)).into_response());
        }
    };
    if crate::mfa::is_enabled(&state.db, account.id).await.map_err(service::IdentityError::from)? {
        // The password was right; the session waits for the second factor.
        let token =
            crate::mfa::start_pending(&state.db, account.id, &next).await.map_err(service::IdentityError::from)?;
        tracing::info!(account_id = account.id, "password accepted, waiting for the second factor");
        let mut response = (StatusCode::SEE_OTHER, [(LOCATION, "/signin/mfa".to_owned())]).into_response();
        if let Ok(value) = pending_cookie(token, state.config.secure_cookies).to_string().parse() {
            response.headers_mut().append(SET_COOKIE, value);
        }
        return Ok(response);
    }
    // An official's powers wait for a second factor (see `Principal::must_enrol_mfa`): go and switch one on.
    let next = if account.kind == AccountKind::Citizen { next } else { "/account/mfa".to_owned() };
    finish_sign_in(&state, &account, next).await
}

fn actor_of(account: &Account) -> Actor {
    Actor::named(&account.username, &account.display_name)
}

/// Records the sign-in, starts the session and sets its cookies.
async fn finish_sign_in(state: &AppState, account: &Account, next: String) -> AppResult<Response> {
    if account.kind != AccountKind::Citizen {
        state.ledger.record(Event::new(EventKind::SignedIn, actor_of(account))).await?;
    }
    tracing::info!(account_id = account.id, "signed in");
    start_browser_session(state, account.id, next).await
}

/// Starts a session for `account_id` and answers with a redirect to `next` that sets the session cookie and a new
/// CSRF token, as a sign-in does (for pages elsewhere, such as self-registration, that sign the account in).
pub async fn start_browser_session(state: &AppState, account_id: i64, next: String) -> AppResult<Response> {
    let secret = service::start_session(&state.db, account_id).await?;
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
    can_manage_officials: bool,
    /// Whether the account may (officials, operators) use a second factor.
    mfa_offered: bool,
    mfa_enabled: bool,
}

async fn account(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    authorize(&me, Action::ViewOwnAccount)?;
    let can_list_accounts = allows(&me, Action::ListAccounts);
    let can_manage_officials = allows(&me, Action::OpenOfficialsOffice);
    let mfa_offered = me.kind != AccountKind::Citizen;
    let mfa_enabled = crate::mfa::is_enabled(&state.db, me.account_id).await.map_err(service::IdentityError::from)?;
    Ok(html(&AccountPage { page, me, can_list_accounts, can_manage_officials, mfa_offered, mfa_enabled }))
}

fn pending_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((crate::mfa::PENDING_COOKIE, token))
        .path("/signin")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(crate::mfa::PENDING_SECS))
        .build()
}

fn pending_token(headers: &axum::http::HeaderMap) -> Option<String> {
    web::cookies::read(headers, crate::mfa::PENDING_COOKIE, 64)
}

#[derive(Template)]
#[template(path = "signin_mfa.html")]
struct MfaPage {
    page: PageCtx,
    failed: bool,
    locked: bool,
}

fn to_signin() -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, "/signin".to_owned())]).into_response()
}

async fn mfa_form(State(state): State<AppState>, page: PageCtx, headers: axum::http::HeaderMap) -> AppResult<Response> {
    let Some(token) = pending_token(&headers) else { return Ok(to_signin()) };
    if crate::mfa::pending(&state.db, &token).await.map_err(service::IdentityError::from)?.is_none() {
        return Ok(to_signin());
    }
    Ok(html(&MfaPage { page, failed: false, locked: false }))
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

async fn mfa_submit(
    State(state): State<AppState>,
    page: PageCtx,
    headers: axum::http::HeaderMap,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    let Some(token) = pending_token(&headers) else { return Ok(to_signin()) };
    let Some((account_id, next)) =
        crate::mfa::pending(&state.db, &token).await.map_err(service::IdentityError::from)?
    else {
        return Ok(to_signin());
    };
    let Some(account) = service::account_by_id(&state.db, account_id).await?.filter(|a| !a.disabled) else {
        return Ok(to_signin());
    };
    if crate::mfa::is_locked(&state.db, account.id).await.map_err(service::IdentityError::from)? {
        crate::mfa::end_pending(&state.db, &token).await.map_err(service::IdentityError::from)?;
        state.ledger.record(Event::new(EventKind::AccountLocked, Actor::system(&account.username))).await?;
        return Ok(
            (StatusCode::TOO_MANY_REQUESTS, html(&MfaPage { page, failed: false, locked: true })).into_response()
        );
    }
    let factor = crate::mfa::verify(&state.db, &state.keyring, account.id, &form.code, actor_of(&account)).await?;
    if factor.is_none() {
        crate::mfa::record_failure(&state.db, account.id).await.map_err(service::IdentityError::from)?;
        tracing::info!(account_id = account.id, "second factor refused");
        state.ledger.record(Event::new(EventKind::SignInFailed, Actor::system(&account.username))).await?;
        return Ok((StatusCode::UNAUTHORIZED, html(&MfaPage { page, failed: true, locked: false })).into_response());
    }
    crate::mfa::end_pending(&state.db, &token).await.map_err(service::IdentityError::from)?;
    crate::mfa::clear_failures(&state.db, account.id).await.map_err(service::IdentityError::from)?;
    let mut response = finish_sign_in(&state, &account, next).await?;
    let mut expired = pending_cookie(String::new(), state.config.secure_cookies);
    expired.make_removal();
    if let Ok(value) = expired.to_string().parse() {
        response.headers_mut().append(SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "account_mfa.html")]
struct EnrolPage {
    page: PageCtx,
    enabled: bool,
    secret: String,
    uri: String,
    svg: String,
    failed: bool,
    recovery_codes: Vec<String>,
}

fn enrol_page(page: PageCtx, me: &Principal, secret: &[u8], failed: bool) -> AppResult<EnrolPage> {
    let uri = crate::mfa::otpauth_uri(&me.username, secret);
    let svg = trust::qr::render_svg(&uri).map_err(|e| web::AppError::Internal(e.into()))?;
    Ok(EnrolPage {
        page,
        enabled: false,
        secret: crate::mfa::base32_encode(secret),
        uri,
        svg,
        failed,
        recovery_codes: Vec::new(),
    })
}

/// The page once the factor is on, with the recovery codes when they were just made.
fn enrolled_page(page: PageCtx, recovery_codes: Vec<String>) -> EnrolPage {
    EnrolPage {
        page,
        enabled: true,
        secret: String::new(),
        uri: String::new(),
        svg: String::new(),
        failed: false,
        recovery_codes,
    }
}

/// Officials and operators enrol, in a browser session.
fn may_enrol(me: &Principal) -> AppResult<()> {
    authorize(me, Action::ViewOwnAccount)?;
    if me.kind == AccountKind::Citizen || me.method != crate::model::AuthMethod::Session {
        return Err(web::AppError::Forbidden);
    }
    Ok(())
}

async fn enrol_form(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    may_enrol(&me)?;
    if crate::mfa::is_enabled(&state.db, me.account_id).await.map_err(service::IdentityError::from)? {
        return Ok(html(&enrolled_page(page, Vec::new())));
    }
    let secret = crate::mfa::begin_enrolment(&state.db, &state.keyring, me.account_id).await?;
    Ok(html(&enrol_page(page, &me, &secret, false)?))
}

async fn enrol_confirm(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    headers: axum::http::HeaderMap,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    may_enrol(&me)?;
    let Some(secret) = crate::mfa::pending_secret(&state.db, &state.keyring, me.account_id).await? else {
        return Ok((StatusCode::SEE_OTHER, [(LOCATION, "/account/mfa".to_owned())]).into_response());
    };
    let actor = Actor::named(&me.username, &me.display_name);
    let confirmed = crate::mfa::confirm_enrolment(&state.db, &state.keyring, me.account_id, &form.code, actor).await?;
    let Some(codes) = confirmed else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&enrol_page(page, &me, &secret, true)?)).into_response());
    };
    tracing::info!(account_id = me.account_id, "second factor enrolled");
    // The session gains its roles' powers now: a new one replaces it, so a secret seen before is worth nothing.
    if let Some(old) = session_secret(&headers) {
        service::end_session(&state.db, &old).await?;
    }
    let secret = service::start_session(&state.db, me.account_id).await?;
    let mut response = html(&enrolled_page(page, codes));
    if let Ok(value) = session_cookie(secret, state.config.secure_cookies).to_string().parse() {
        response.headers_mut().append(SET_COOKIE, value);
    }
    Ok(response)
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

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordPage {
    page: PageCtx,
    failed: bool,
    mismatch: bool,
    weak: bool,
}

async fn password_form(page: PageCtx, Caller(_me): Caller) -> Response {
    html(&PasswordPage { page, failed: false, mismatch: false, weak: false })
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

async fn password_change(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    let again = |page, failed, mismatch, weak| {
        (StatusCode::UNPROCESSABLE_ENTITY, html(&PasswordPage { page, failed, mismatch, weak })).into_response()
    };
    if form.new != form.confirm {
        return Ok(again(page, false, true, false));
    }
    if service::is_locked_out(&state.db, &me.username).await? {
        return Ok(again(page, true, false, false));
    }
    let Ok(new) = form.new.parse::<service::NewPassword>() else { return Ok(again(page, false, false, true)) };
    match service::change_password(&state.db, me.account_id, &form.current, &new).await {
        Ok(true) => {}
        Ok(false) => {
            service::record_failure(&state.db, &me.username).await?;
            return Ok(again(page, true, false, false));
        }
        Err(e) => return Err(e.into()),
    }
    start_browser_session(&state, me.account_id, "/account".to_owned()).await
}
