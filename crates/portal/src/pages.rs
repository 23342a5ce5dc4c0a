//! The portal's pages: the catalogue for everyone, opening a dossier and "Hồ sơ của tôi" for citizens.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use identity::Caller;
use serde::Deserialize;
use web::csrf::CsrfForm;
use web::error::html;
use web::extract::Path;
use web::page::date_in;
use web::{AppError, AppResult, AppState, PageCtx};

use crate::catalogue::Catalogue;
use crate::error::PortalError;
use crate::model::{Dossier, Procedure, ProcedureCode};
use crate::service;

/// `/procedures…` and `/me/dossiers`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/procedures", get(list_page))
        .route("/procedures/{code}", get(one_page))
        .route("/procedures/{code}/dossiers", post(open))
        .route("/me/dossiers", get(my_dossiers))
}

/// The procedure with this code, or 404 (a malformed code is no procedure either).
pub(crate) fn procedure(code: &str) -> AppResult<&'static Procedure> {
    let code: ProcedureCode = code.parse().map_err(|_| AppError::from(PortalError::UnknownProcedure))?;
    Catalogue::builtin().map_err(PortalError::from)?.get(&code).ok_or_else(|| PortalError::UnknownProcedure.into())
}

#[derive(Template)]
#[template(path = "procedures.html")]
struct ListPage {
    page: PageCtx,
    procedures: Vec<&'static Procedure>,
}

async fn list_page(page: PageCtx) -> AppResult<Response> {
    let procedures = Catalogue::builtin().map_err(PortalError::from)?.all().collect();
    Ok(html(&ListPage { page, procedures }))
}

#[derive(Template)]
#[template(path = "procedure.html")]
struct OnePage {
    page: PageCtx,
    procedure: &'static Procedure,
}

async fn one_page(page: PageCtx, Path(code): Path<String>) -> AppResult<Response> {
    Ok(html(&OnePage { page, procedure: procedure(&code)? }))
}

#[derive(Deserialize)]
struct NoFields {}

/// Opens a draft dossier and shows the citizen their dossiers, the new one first.
async fn open(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(code): Path<String>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> AppResult<Response> {
    let procedure = procedure(&code)?;
    let applicant = service::applicant(&state.db, &me, procedure).await?;
    service::open(&state.db, procedure, &applicant).await?;
    Ok((StatusCode::SEE_OTHER, [(LOCATION, "/me/dossiers")]).into_response())
}

/// A dossier as the page lists it.
struct Row {
    dossier: Dossier,
    procedure: Option<&'static Procedure>,
    opened: String,
}

#[derive(Template)]
#[template(path = "my_dossiers.html")]
struct MyDossiers {
    page: PageCtx,
    rows: Vec<Row>,
}

async fn my_dossiers(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    let Some(personal_id) = me.personal_id else { return Err(PortalError::NotCitizen.into()) };
    let catalogue = Catalogue::builtin().map_err(PortalError::from)?;
    let rows = service::dossiers_of(&state.db, &personal_id)
        .await?
        .into_iter()
        .map(|dossier| Row {
            procedure: catalogue.get(&dossier.procedure),
            opened: date_in(page.lang, Some(dossier.created_at)),
            dossier,
        })
        .collect();
    Ok(html(&MyDossiers { page, rows }))
}
