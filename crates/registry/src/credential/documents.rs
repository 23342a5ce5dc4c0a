//! "Giấy tờ và kết quả" — every credential and signed document issued about the citizen, whoever issued it (the
//! registry's digital IDs and confirmations of residence, a dossier's signed result), each with its QR to show.
//!
//! The list is the `credentials` record (through `credentials::store`), so a slice that records what it signs
//! with `credentials::store::record_in` finds it here with nothing more to do; `credentials::document_kind!`
//! gives its kind a name. A document's page is kept by the installable app once opened (see `web::pwa`), so the
//! citizen can show it at a counter with no network. Someone else's document does not exist for the caller (404).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use credentials::Held;
use identity::Caller;
use web::error::html;
use web::extract::Path;
use web::{AppError, AppResult, AppState, PageCtx};

use super::pages::{citizen, inline_svg};

/// How many documents the list shows, newest first.
const LISTED: u32 = 200;

/// The citizen's documents.
pub fn routes() -> Router<AppState> {
    Router::new().route("/me/documents", get(list_page)).route("/me/documents/{id}", get(one_page))
}

/// A document as the pages show it.
struct Shown {
    held: Held,
    /// The i18n key of its kind's name, if its slice declared one.
    label: Option<&'static str>,
    /// Whether it still holds: not revoked, not expired.
    valid: bool,
}

fn shown(held: Held, now: i64) -> Shown {
    let valid = !held.revoked && held.issued.expires_at > now;
    Shown { label: credentials::model::label_of(&held.kind), valid, held }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[derive(Template)]
#[template(path = "documents.html")]
struct ListPage {
    page: PageCtx,
    documents: Vec<Shown>,
}

async fn list_page(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    let pid = citizen(&me)?;
    let now = now();
    let documents = credentials::store::held_by(&state.db, pid.as_str(), LISTED).await?;
    Ok(html(&ListPage { page, documents: documents.into_iter().map(|d| shown(d, now)).collect() }))
}

#[derive(Template)]
#[template(path = "document.html")]
struct OnePage {
    page: PageCtx,
    document: Shown,
    svg: String,
}

async fn one_page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let pid = citizen(&me)?;
    // Ids are 32 hex digits; anything else names no document, and is not looked up.
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let held = credentials::store::held_one(&state.db, pid.as_str(), &id).await?.ok_or(AppError::NotFound)?;
    let svg = inline_svg(&held.issued.qr_text)?;
    Ok(html(&OnePage { page, document: shown(held, now()), svg }))
}
