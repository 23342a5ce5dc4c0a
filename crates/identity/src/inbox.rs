//! "Thông báo", the signed-in person's inbox: the pages over [`notify::inbox`].
//!
//! The inbox keeps notifications for a recipient and knows nothing of accounts or requests; these pages live in
//! identity because identity knows who is signed in: every page asks the inbox about the caller's own account and
//! no other, so someone else's notification is not found (404), whatever its id. Marking as read is a POST that
//! carries the CSRF token, as every form does.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use notify::inbox::{self, Notification, Recipient};
use serde::Deserialize;
use web::csrf::CsrfForm;
use web::error::html;
use web::extract::{Path, Query};
use web::{AppError, AppResult, AppState, PageCtx};

use crate::auth::Caller;
use crate::model::Principal;
use crate::policy::{Action, authorize};
use crate::service::IdentityError;

/// The inbox's pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/notifications", get(list_page))
        .route("/me/notifications/read", post(mark_all))
        .route("/me/notifications/{id}", get(one_page))
        .route("/me/notifications/{id}/read", post(mark_one))
}

/// The caller as the inbox knows them, once the policy lets them see their own things.
pub(crate) fn recipient(me: &Principal) -> AppResult<Recipient> {
    authorize(me, Action::ViewOwnAccount)?;
    Ok(Recipient::account(me.account_id))
}

/// An id from a path: anything that is not one is a notification that does not exist.
fn id_of(raw: &str) -> AppResult<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(AppError::NotFound)
}

#[derive(Deserialize)]
struct Before {
    before: Option<String>,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    page: PageCtx,
    items: Vec<Notification>,
    unread: u64,
    older: Option<i64>,
}

async fn list_page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Query(q): Query<Before>,
) -> AppResult<Response> {
    let me = recipient(&me)?;
    let before = match q.before.as_deref().filter(|b| !b.is_empty()) {
        Some(b) => Some(id_of(b).map_err(|_| {
            AppError::bad_request(kernel::Text::new(
                "Tham số before phải là mã một thông báo.",
                "before must be the id of a notification.",
            ))
        })?),
        None => None,
    };
    let items = inbox::list(&state.db, me, before).await.map_err(IdentityError::from)?;
    let unread = inbox::unread_count(&state.db, me).await.map_err(IdentityError::from)?;
    let older = (items.len() == inbox::PAGE as usize).then(|| items.last().map(|n| n.id)).flatten();
    Ok(html(&InboxPage { page, items, unread, older }))
}

#[derive(Template)]
#[template(path = "notification.html")]
struct OnePage {
    page: PageCtx,
    n: Notification,
}

async fn one_page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let me = recipient(&me)?;
    let n = inbox::get(&state.db, me, id_of(&id)?).await.map_err(IdentityError::from)?.ok_or(AppError::NotFound)?;
    Ok(html(&OnePage { page, n }))
}

#[derive(Deserialize)]
struct Back {
    /// Where to go afterwards: the inbox unless a local page is named.
    next: Option<String>,
}

fn back_to(next: Option<String>) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, web::local_path(next, "/me/notifications"))]).into_response()
}

async fn mark_one(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Back>,
) -> AppResult<Response> {
    let me = recipient(&me)?;
    if !inbox::mark_read(&state.db, me, id_of(&id)?).await.map_err(IdentityError::from)? {
        return Err(AppError::NotFound);
    }
    Ok(back_to(form.next))
}

async fn mark_all(
    State(state): State<AppState>,
    Caller(me): Caller,
    CsrfForm(form): CsrfForm<Back>,
) -> AppResult<Response> {
    let me = recipient(&me)?;
    inbox::mark_all_read(&state.db, me).await.map_err(IdentityError::from)?;
    Ok(back_to(form.next))
}
