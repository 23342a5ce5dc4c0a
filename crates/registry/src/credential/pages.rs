//! "Danh tính số của tôi" — the citizen's digital-ID QR with its downloads, and the printable confirmation of
//! residence. Citizens only: an official has no digital ID here (403), a signed-out visitor is sent to sign in.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use credentials::{ISSUER, Issued};
use identity::{AccountKind, Caller, Principal};
use kernel::PersonalId;
use serde::Deserialize;
use trust::claim169::Identity;
use trust::ledger::Actor;
use web::csrf::CsrfForm;
use web::error::html;
use web::{AppError, AppResult, AppState, PageCtx};

use super::Residence;
use crate::credential;
use web::page::date_in;

/// The citizen's pages of their digital ID and confirmation of residence.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/digital-id", get(digital_id_page))
        .route("/me/digital-id/qr.svg", get(download_svg))
        .route("/me/digital-id/qr.png", get(download_png))
        .route("/me/digital-id/qr.txt", get(download_text))
        .route("/me/residence", post(residence_page))
        .merge(super::documents::routes())
}

/// The citizen's personal ID number; anyone else is refused.
pub(crate) fn citizen(me: &Principal) -> AppResult<PersonalId> {
    match (&me.kind, &me.personal_id) {
        (AccountKind::Citizen, Some(pid)) => Ok(*pid),
        _ => Err(AppError::Forbidden),
    }
}

fn actor(me: &Principal) -> Actor {
    Actor::named(&me.username, &me.display_name)
}

async fn current(state: &AppState, me: &Principal) -> AppResult<Issued> {
    let pid = citizen(me)?;
    Ok(credential::digital_id(&state.db, &state.keyring, ISSUER, &pid, &actor(me)).await?)
}

/// The SVG element alone, for putting inside a page (the renderer writes a whole document).
pub(crate) fn inline_svg(text: &str) -> AppResult<String> {
    let svg = trust::qr::render_svg(text).map_err(|e| AppError::Internal(e.into()))?;
    Ok(svg.find("<svg").map_or(svg.clone(), |start| svg[start..].to_owned()))
}

#[derive(Template)]
#[template(path = "digital_id.html")]
struct DigitalIdPage {
    page: PageCtx,
    identity: Identity,
    svg: String,
    qr_text: String,
    id: String,
    issued: String,
    expires: String,
    kid: String,
}

async fn digital_id_page(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    let issued = current(&state, &me).await?;
    let pid = citizen(&me)?;
    let record = crate::service::citizen(&state.db, &pid).await?;
    let lang = page.lang;
    Ok(html(&DigitalIdPage {
        page,
        identity: credential::identity_of(&record),
        svg: inline_svg(&issued.qr_text)?,
        qr_text: issued.qr_text,
        id: issued.id,
        issued: date_in(lang, Some(issued.issued_at)),
        expires: date_in(lang, Some(issued.expires_at)),
        kid: issued.kid,
    }))
}

fn download(content_type: &'static str, filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

async fn download_svg(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Response> {
    let issued = current(&state, &me).await?;
    let svg = trust::qr::render_svg(&issued.qr_text).map_err(|e| AppError::Internal(e.into()))?;
    Ok(download("image/svg+xml", &format!("{}.svg", issued.personal_id), svg.into_bytes()))
}

async fn download_png(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Response> {
    let issued = current(&state, &me).await?;
    let png = trust::qr::render_png(&issued.qr_text, 8).map_err(|e| AppError::Internal(e.into()))?;
    Ok(download("image/png", &format!("{}.png", issued.personal_id), png))
}

async fn download_text(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Response> {
    let issued = current(&state, &me).await?;
    Ok(download("text/plain; charset=utf-8", &format!("{}.txt", issued.personal_id), issued.qr_text.into_bytes()))
}

#[derive(Template)]
#[template(path = "residence.html")]
struct ResidencePage {
    page: PageCtx,
    residence: Residence,
    agency: String,
    svg: String,
    id: String,
    digest: String,
    issued: String,
    expires: String,
    kid: String,
}

#[derive(Deserialize)]
struct NoFields {}

/// Issues a confirmation of residence and shows it as a page to print (a POST: each one is a new document).
async fn residence_page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> AppResult<Response> {
    let pid = citizen(&me)?;
    let record = crate::service::citizen(&state.db, &pid).await?;
    // The police of the commune of residence confirm residence; the national registry when there is none.
    let agency = record
        .commune
        .map_or_else(|| "Cơ sở dữ liệu quốc gia về dân cư".to_owned(), |c| format!("Công an {}", c.unit().name));
    let (doc, issued) = credential::issue_residence(&state.db, &state.keyring, &agency, &pid, &actor(&me)).await?;
    let lang = page.lang;
    Ok(html(&ResidencePage {
        page,
        svg: inline_svg(&issued.qr_text)?,
        agency,
        id: issued.id,
        digest: hex::encode(doc.digest),
        issued: date_in(lang, Some(issued.issued_at)),
        expires: date_in(lang, Some(issued.expires_at)),
        kid: issued.kid,
        residence: doc.payload,
    }))
}
