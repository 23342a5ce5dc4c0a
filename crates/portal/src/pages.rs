//! The portal's pages for everyone and for citizens: the catalogue (searched without diacritics, by life event),
//! a procedure's requirements, filing a dossier (a prefilled form, saved as a draft, submitted), following it
//! with its timeline and due date, answering a request for a supplement, the signed result, the rating, and
//! the public lookup of a dossier's status by its code.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use identity::Caller;
use kernel::DossierCode;
use serde::Deserialize;
use web::csrf::CsrfForm;
use web::error::html;
use web::extract::Path;
use web::page::date_in;
use web::{AppError, AppResult, AppState, PageCtx};

use crate::catalogue::Catalogue;
use crate::error::PortalError;
use crate::model::{Dossier, DossierEvent, DossierStatus, FormValues, LifeEvent, Procedure, ProcedureCode};
use crate::service::{self, workflow};

/// `/procedures…`, `/me/dossiers…` and `/dossiers/status`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/procedures", get(list_page))
        .route("/procedures/{code}", get(one_page))
        .route("/procedures/{code}/dossiers", post(open))
        .route("/me/dossiers", get(my_dossiers))
        .route("/me/dossiers/{code}", get(dossier_page).post(dossier_post))
        .route("/me/dossiers/{code}/result", get(result_page))
        .route("/me/dossiers/{code}/rating", post(rate))
        .route("/dossiers/status", get(status_page))
        .route("/dossiers/statistics", get(crate::statistics::page))
        .merge(crate::office::routes())
        .merge(crate::attachments::routes())
}

/// The procedure with this code, or 404 (a malformed code is no procedure either).
pub(crate) fn procedure(code: &str) -> AppResult<&'static Procedure> {
    let code: ProcedureCode = code.parse().map_err(|_| AppError::from(PortalError::UnknownProcedure))?;
    Catalogue::builtin().map_err(PortalError::from)?.get(&code).ok_or_else(|| PortalError::UnknownProcedure.into())
}

pub(crate) fn dossier_code(text: &str) -> AppResult<DossierCode> {
    text.parse().map_err(|_| PortalError::UnknownDossier.into())
}

#[derive(Deserialize)]
struct Filter {
    q: Option<String>,
    event: Option<String>,
}

#[derive(Template)]
#[template(path = "procedures.html")]
struct ListPage {
    page: PageCtx,
    procedures: Vec<&'static Procedure>,
    q: String,
    event: String,
    events: [LifeEvent; 7],
}

async fn list_page(page: PageCtx, Query(filter): Query<Filter>) -> AppResult<Response> {
    let q = filter.q.unwrap_or_default();
    let event = filter.event.unwrap_or_default();
    let words = kernel::text::fold(&q);
    let procedures = Catalogue::builtin()
        .map_err(PortalError::from)?
        .all()
        .filter(|p| event.is_empty() || p.life_events.iter().any(|e| e.as_str() == event))
        .filter(|p| {
            let name = kernel::text::fold(&format!("{} {} {}", p.name.vi, p.name.en, p.code));
            words.split_whitespace().all(|w| name.contains(w))
        })
        .collect();
    Ok(html(&ListPage { page, procedures, q, event, events: LifeEvent::ALL }))
}

#[derive(Template)]
#[template(path = "procedure.html")]
struct OnePage {
    page: PageCtx,
    procedure: &'static Procedure,
    key: String,
}

async fn one_page(page: PageCtx, Path(code): Path<String>) -> AppResult<Response> {
    // A fresh key per page shown: a double click, or the form sent again, opens one dossier.
    let key = hex::encode(credentials::model::new_id());
    Ok(html(&OnePage { page, procedure: procedure(&code)?, key }))
}

#[derive(Deserialize)]
struct OpenForm {
    key: Option<String>,
}

/// Opens a draft dossier and shows its form.
async fn open(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(code): Path<String>,
    CsrfForm(form): CsrfForm<OpenForm>,
) -> AppResult<Response> {
    let procedure = procedure(&code)?;
    let applicant = service::applicant(&state.db, &me, procedure).await?;
    let key = form.key.filter(|k| !k.is_empty() && k.len() <= 64);
    let dossier = service::open(&state.db, procedure, &applicant, key.as_deref()).await?;
    Ok(see_other(&format!("/me/dossiers/{}", dossier.code)))
}

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

/// A dossier as the pages list it.
pub(crate) struct Row {
    pub(crate) dossier: Dossier,
    pub(crate) procedure: Option<&'static Procedure>,
    pub(crate) opened: String,
}

#[derive(Template)]
#[template(path = "my_dossiers.html")]
struct MyDossiers {
    page: PageCtx,
    rows: Vec<Row>,
    /// Others' dossiers waiting for the caller's consent.
    asked: Vec<Row>,
}

async fn my_dossiers(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    let Some(personal_id) = me.personal_id else { return Err(PortalError::NotCitizen.into()) };
    let catalogue = Catalogue::builtin().map_err(PortalError::from)?;
    let row = |dossier: Dossier| Row {
        procedure: catalogue.get(&dossier.procedure),
        opened: date_in(page.lang, Some(dossier.created_at)),
        dossier,
    };
    let rows = service::dossiers_of(&state.db, &personal_id).await?.into_iter().map(row).collect();
    let asked = service::consent::asked_of(&state.db, &me).await?.into_iter().map(row).collect();
    Ok(html(&MyDossiers { page, rows, asked }))
}

#[derive(Template)]
#[template(path = "dossier.html")]
struct DossierPage {
    page: PageCtx,
    dossier: Dossier,
    procedure: &'static Procedure,
    timeline: Vec<(String, DossierEvent)>,
    /// What the form shows: the stored values, or what was just sent with its problems.
    values: FormValues,
    errors: BTreeMap<String, String>,
    problem: Option<String>,
    days_left: Option<i64>,
    /// The last request for a supplement.
    asked: Option<String>,
    /// The papers attached: (kind, file id, name).
    papers: Vec<(String, String, String)>,
    /// Whether the caller files it (otherwise they are the other party whose consent it asks).
    mine: bool,
}

impl DossierPage {
    fn editable(&self) -> bool {
        self.mine && matches!(self.dossier.status, DossierStatus::Draft | DossierStatus::AwaitingSupplement)
    }

    /// Whether the caller is the other party, asked for their consent now.
    fn asks_my_consent(&self) -> bool {
        !self.mine && self.dossier.status == DossierStatus::AwaitingConsent
    }

    fn value(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or_default()
    }

    fn error(&self, name: &str) -> Option<&String> {
        self.errors.get(name)
    }
}

async fn render_dossier(
    state: &AppState,
    page: PageCtx,
    me: &identity::Principal,
    code: &DossierCode,
    sent: Option<FormValues>,
    problem: Option<AppError>,
) -> AppResult<Response> {
    let (dossier, events) = service::own_dossier(&state.db, me, code).await?;
    let procedure = procedure(dossier.procedure.as_str())?;
    let lang = page.lang;
    let (errors, problem) = match problem {
        Some(AppError::Invalid(fields)) => {
            (fields.into_iter().map(|f| (f.field, f.message.message(lang).into_owned())).collect(), None)
        }
        Some(AppError::Conflict(message)) => (BTreeMap::new(), Some(message.message(lang).into_owned())),
        Some(other) => return Err(other),
        None => (BTreeMap::new(), None),
    };
    let papers = crate::store::attachments(&state.db, code).await.map_err(PortalError::from)?;
    let asked = events.iter().rev().find(|e| e.action == "request_supplement").and_then(|e| e.note.clone());
    let days_left = workflow::days_left(&dossier, workflow::today(time::OffsetDateTime::now_utc()));
    let timeline = events.into_iter().map(|e| (web::page::date(Some(e.at)), e)).collect();
    let values = sent.unwrap_or_else(|| dossier.form.clone());
    let status = if errors.is_empty() && problem.is_none() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mine = dossier.is_filed_by(me);
    let body =
        DossierPage { page, dossier, procedure, timeline, values, errors, problem, days_left, asked, papers, mine };
    Ok((status, html(&body)).into_response())
}

async fn dossier_page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(code): Path<String>,
) -> AppResult<Response> {
    render_dossier(&state, page, &me, &dossier_code(&code)?, None, None).await
}

/// Saves, submits or supplements, as the button pressed says (`intent`). A form with problems comes back with
/// each message at its field and what was typed kept.
async fn dossier_post(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(code): Path<String>,
    CsrfForm(sent): CsrfForm<FormValues>,
) -> AppResult<Response> {
    let code = dossier_code(&code)?;
    let done = match sent.get("intent").map(String::as_str) {
        Some("save") => workflow::save_draft(&state.db, &me, &code, &sent).await,
        Some("submit") => workflow::submit(&state.db, &me, &code, &sent).await,
        Some("supplement") => workflow::supplement(&state.db, &me, &code, &sent).await,
        Some(intent @ ("agree" | "decline")) => {
            return match service::consent::answer(&state.db, &me, &code, intent == "agree").await {
                // Declined, the dossier is the applicant's draft again, no longer the caller's to see.
                Ok(_) if intent == "decline" => Ok(see_other("/me/dossiers")),
                Ok(_) => Ok(see_other(&format!("/me/dossiers/{code}"))),
                // What the registry now refuses is told above the dossier: the other party has no form to fix.
                Err(PortalError::Invalid(fields)) => {
                    let why = fields.into_iter().next().map(|f| f.message);
                    let problem = why.map(AppError::Conflict);
                    render_dossier(&state, page, &me, &code, None, problem).await
                }
                Err(e) => Err(e.into()),
            };
        }
        _ => return Err(AppError::bad_request(PortalError::WrongStatus)),
    };
    match done {
        // A receiver who submitted at the counter goes on with it in their queue.
        Ok(dossier) if !dossier.is_filed_by(&me) => Ok(see_other(&format!("/office/dossiers/{}", dossier.code))),
        Ok(dossier) => Ok(see_other(&format!("/me/dossiers/{}", dossier.code))),
        Err(e @ (PortalError::Invalid(_) | PortalError::MissingAttachment(_) | PortalError::WrongStatus)) => {
            render_dossier(&state, page, &me, &code, Some(sent), Some(e.into())).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "result.html")]
struct ResultPage {
    page: PageCtx,
    dossier: Dossier,
    procedure: &'static Procedure,
    svg: String,
    qr_text: String,
}

async fn result_page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let code = dossier_code(&code)?;
    let qr_text = service::own_result(&state.db, &me, &code).await?;
    let (dossier, _) = service::own_dossier(&state.db, &me, &code).await?;
    let svg = trust::qr::render_svg(&qr_text).map_err(|e| AppError::Internal(e.into()))?;
    let svg = svg.find("<svg").map_or(svg.clone(), |start| svg[start..].to_owned());
    let procedure = procedure(dossier.procedure.as_str())?;
    Ok(html(&ResultPage { page, dossier, procedure, svg, qr_text }))
}

#[derive(Deserialize)]
struct RatingForm {
    rating: u8,
    comment: Option<String>,
}

async fn rate(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(code): Path<String>,
    CsrfForm(form): CsrfForm<RatingForm>,
) -> AppResult<Response> {
    let code = dossier_code(&code)?;
    workflow::rate(&state.db, &me, &code, form.rating, form.comment.as_deref()).await?;
    Ok(see_other(&format!("/me/dossiers/{code}")))
}

#[derive(Deserialize)]
struct StatusQuery {
    code: Option<String>,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    page: PageCtx,
    code: String,
    found: Option<(crate::model::PublicStatus, &'static Procedure)>,
    not_found: bool,
}

/// Anyone with a dossier's code sees where it is; nothing personal.
async fn status_page(
    State(state): State<AppState>,
    page: PageCtx,
    Query(query): Query<StatusQuery>,
) -> AppResult<Response> {
    let code = query.code.unwrap_or_default().trim().to_owned();
    if code.is_empty() {
        return Ok(html(&StatusPage { page, code, found: None, not_found: false }));
    }
    let found = match code.parse::<DossierCode>() {
        Ok(parsed) => match service::public_status(&state.db, &parsed).await {
            Ok(status) => Some((status.clone(), procedure(status.procedure.as_str())?)),
            Err(PortalError::UnknownDossier) => None,
            Err(e) => return Err(e.into()),
        },
        Err(_) => None,
    };
    let not_found = found.is_none();
    let status = if not_found { StatusCode::NOT_FOUND } else { StatusCode::OK };
    Ok((status, html(&StatusPage { page, code, found, not_found })).into_response())
}
