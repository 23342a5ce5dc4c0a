//! Citizen self-registration at `/register`: the identity slice makes the account, the population registry vouches
//! for the person through the [`CitizenDirectory`](crate::directory::CitizenDirectory) the server hands in.
//!
//! The personal ID number, the full name and the date of birth must match the registry. Names are compared
//! leniently, through [`kernel::text::fold`]: case, diacritics and spacing are ignored ("nguyen van an" matches
//! "Nguyễn Văn An"); the ID number and date of birth already make the match specific. Every refusal that concerns
//! the person (no such ID, a field that differs, a deceased person, an ID that already has an account) gets the
//! same message and status, so the page reveals neither which field differed nor whether the ID exists. Attempts
//! per ID number count toward the sign-in lockout table, under a `register:` key.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use kernel::PersonalId;
use serde::Deserialize;
use web::csrf::CsrfForm;
use web::error::html;
use web::{AppResult, AppState, PageCtx};

use super::NewCitizen;
use crate::directory::{Directory, Resident};
use crate::input::{NewPassword, Username};
use crate::service::{self, IdentityError};

/// The registration page's routes, given the registry to match people against.
pub fn routes(directory: Directory) -> Router<AppState> {
    Router::new().route("/register", get(form).post(submit)).layer(Extension(directory))
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    page: PageCtx,
    error: Option<&'static str>,
    personal_id: String,
    full_name: String,
    birth_date: String,
    phone: String,
    email: String,
    username: String,
}

async fn form(page: PageCtx) -> Response {
    html(&RegisterPage {
        page,
        error: None,
        personal_id: String::new(),
        full_name: String::new(),
        birth_date: String::new(),
        phone: String::new(),
        email: String::new(),
        username: String::new(),
    })
}

#[derive(Deserialize)]
struct RegisterForm {
    personal_id: String,
    full_name: String,
    birth_date: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    username: String,
    password: String,
    confirm: String,
}

/// The one message for every refusal about the person.
const REFUSED: &str = "register.refused";

fn again(page: PageCtx, form: RegisterForm, status: StatusCode, error: &'static str) -> Response {
    let page = RegisterPage {
        page,
        error: Some(error),
        personal_id: form.personal_id,
        full_name: form.full_name,
        birth_date: form.birth_date,
        phone: form.phone,
        email: form.email,
        username: form.username,
    };
    (status, html(&page)).into_response()
}

fn non_empty(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

async fn submit(
    State(state): State<AppState>,
    Extension(directory): Extension<Directory>,
    page: PageCtx,
    CsrfForm(form): CsrfForm<RegisterForm>,
) -> AppResult<Response> {
    let bad = StatusCode::UNPROCESSABLE_ENTITY;
    if non_empty(&form.phone).is_none() && non_empty(&form.email).is_none() {
        return Ok(again(page, form, bad, "register.contact"));
    }
    if form.password != form.confirm {
        return Ok(again(page, form, bad, "register.mismatch"));
    }
    let Ok(password) = form.password.parse::<NewPassword>() else {
        return Ok(again(page, form, bad, "register.weak"));
    };
    let Ok(username) = form.username.trim().parse::<Username>() else {
        return Ok(again(page, form, bad, "register.username_invalid"));
    };
    let Ok(personal_id) = form.personal_id.trim().parse::<PersonalId>() else {
        return Ok(again(page, form, bad, REFUSED));
    };
    let lock_key = format!("register:{}", personal_id.as_str());
    if service::is_locked_out(&state.db, &lock_key).await? {
        return Ok(again(page, form, StatusCode::TOO_MANY_REQUESTS, "register.locked"));
    }
    let Some(resident) = matching_resident(&state, &*directory, &personal_id, &form).await? else {
        return refuse(&state, &lock_key, page, form).await;
    };
    if service::has_citizen_account(&state.db, &personal_id).await? {
        return refuse(&state, &lock_key, page, form).await;
    }
    // New accounts are at assurance level 1 by the column's default: matched with the registry, not seen in person.
    let new = NewCitizen {
        username,
        // The name as the registry holds it, with its diacritics and capitals, not as it was typed: the match
        // was folded, so "nguyen gia khoa" is greeted as "Nguyễn Gia Khoa".
        display_name: resident.full_name.split_whitespace().collect::<Vec<_>>().join(" "),
        password,
        personal_id,
        phone: non_empty(&form.phone).map(str::to_owned),
        email: non_empty(&form.email).map(str::to_owned),
    };
    let account_id = match service::register_citizen(&state.db, new).await {
        Ok(id) => id,
        Err(IdentityError::UsernameTaken | IdentityError::InvalidUsername) => {
            return Ok(again(page, form, bad, "register.username_invalid"));
        }
        Err(IdentityError::WeakPassword) => return Ok(again(page, form, bad, "register.weak")),
        // Another registration of the same ID number won the race; nothing of this one was kept.
        Err(IdentityError::PersonalIdTaken) => return Ok(again(page, form, bad, REFUSED)),
        Err(e) => return Err(e.into()),
    };
    tracing::info!(account_id, "citizen registered");
    crate::pages::start_browser_session(&state, account_id, "/me".to_owned()).await
}

/// Counts a refusal about the person toward the lockout and answers with the one message for all of them.
async fn refuse(state: &AppState, lock_key: &str, page: PageCtx, form: RegisterForm) -> AppResult<Response> {
    service::record_failure(&state.db, lock_key).await?;
    tracing::info!("registration refused");
    Ok(again(page, form, StatusCode::UNPROCESSABLE_ENTITY, REFUSED))
}

/// The living citizen with this ID number whose record the form's name and date of birth match, if any.
async fn matching_resident(
    state: &AppState,
    directory: &dyn crate::directory::CitizenDirectory,
    personal_id: &PersonalId,
    form: &RegisterForm,
) -> AppResult<Option<Resident>> {
    let Some(resident) = directory.find(&state.db, personal_id).await? else { return Ok(None) };
    let matches = resident.living
        && kernel::text::fold(&resident.full_name) == kernel::text::fold(&form.full_name)
        && resident.birth_date == form.birth_date.trim();
    Ok(matches.then_some(resident))
}
