//! "Trang của tôi", the page a person lands on after signing in: everything congso holds for them, one tap away.
//!
//! A citizen finds here their dossiers, documents and results, digital ID, payments due, land parcels, notifications, who used
//! their data, and their account; an official their notifications and account, their work being in the back
//! office. The page links to other slices' pages by their paths and reads nothing of theirs but the inbox's
//! count: each page it leads to asks its own slice.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use notify::inbox::{self, Notification};
use web::error::html;
use web::{AppResult, AppState, PageCtx};

use crate::auth::Caller;
use crate::model::Principal;
use crate::service::IdentityError;

/// How many of the newest notifications the page shows.
const NEWEST: usize = 3;

/// `/me`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/me", get(home))
}

/// One thing a person has, as the page lists it.
struct Entry {
    path: &'static str,
    label: &'static str,
    text: &'static str,
}

/// What a citizen has, in the order the page lists it.
const CITIZEN: &[Entry] = &[
    Entry { path: "/me/dossiers", label: "mine.dossiers", text: "mine.dossiers_text" },
    Entry { path: "/me/documents", label: "mine.documents", text: "mine.documents_text" },
    Entry { path: "/me/digital-id", label: "mine.digital_id", text: "mine.digital_id_text" },
    Entry { path: "/me/payments", label: "mine.payments", text: "mine.payments_text" },
    Entry { path: "/me/enterprises", label: "mine.enterprises", text: "mine.enterprises_text" },
    Entry { path: "/me/land", label: "mine.land", text: "mine.land_text" },
    Entry { path: "/me/health", label: "mine.health", text: "mine.health_text" },
    Entry { path: "/me/education", label: "mine.education", text: "mine.education_text" },
    Entry { path: "/me/data-usage", label: "mine.data_usage", text: "mine.data_usage_text" },
];

#[derive(Template)]
#[template(path = "me.html")]
struct HomePage {
    page: PageCtx,
    me: Principal,
    entries: &'static [Entry],
    unread: u64,
    newest: Vec<Notification>,
}

async fn home(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    let recipient = crate::inbox::recipient(&me)?;
    let unread = inbox::unread_count(&state.db, recipient).await.map_err(IdentityError::from)?;
    let mut newest = inbox::list(&state.db, recipient, None).await.map_err(IdentityError::from)?;
    newest.truncate(NEWEST);
    let entries = if me.personal_id.is_some() { CITIZEN } else { &[] };
    Ok(html(&HomePage { page, me, entries, unread, newest }))
}
