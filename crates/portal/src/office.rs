//! The officials' pages: the work queue (new, in progress, awaiting a supplement, due soon, overdue), a dossier
//! opened for work (a recorded read), and acting on it. Another official's decision landing first is shown, not
//! lost: the page comes back with why.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use identity::Caller;
use serde::Deserialize;
use web::csrf::CsrfForm;
use web::error::html;
use web::extract::Path;
use web::{AppError, AppResult, AppState, PageCtx};

use crate::error::PortalError;
use crate::model::{Dossier, DossierEvent, Procedure, Step, StepAction};
use crate::pages::{dossier_code, procedure};
use crate::service::queue::{self, Bucket, Task};
use crate::service::workflow;

web::nav_link!("/office/dossiers", "portal.office_nav", 20, AnyRole(&["one_stop_receiver", "specialist", "approver"]));

/// `/office/dossiers…`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/dossiers", get(queue_page))
        .route("/office/dossiers/{code}", get(dossier_page).post(act))
        .route("/office/counter", get(counter_page).post(counter_open))
}

#[derive(Template)]
#[template(path = "office_counter.html")]
struct CounterPage {
    page: PageCtx,
    procedures: Vec<&'static Procedure>,
    personal_id: String,
    problem: Option<String>,
}

async fn counter_page(page: PageCtx, Caller(_me): Caller) -> AppResult<Response> {
    let procedures = crate::catalogue::Catalogue::builtin().map_err(PortalError::from)?.all().collect();
    Ok(html(&CounterPage { page, procedures, personal_id: String::new(), problem: None }))
}

#[derive(Deserialize)]
struct CounterForm {
    procedure: String,
    personal_id: String,
}

/// Bộ phận Một cửa — the receiver registers a dossier for a citizen who came in person, then fills it in, scans
/// the papers and submits it on the citizen's page, as the citizen would online.
async fn counter_open(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    CsrfForm(form): CsrfForm<CounterForm>,
) -> AppResult<Response> {
    let procedure = procedure(&form.procedure)?;
    let opened = match form.personal_id.parse::<kernel::PersonalId>() {
        Err(e) => Err(kernel::Localized::message(&e, page.lang).into_owned()),
        Ok(personal_id) => match crate::service::counter_applicant(&state.db, &me, procedure, &personal_id).await {
            Ok(applicant) => Ok(crate::service::open(&state.db, procedure, &applicant, None).await?),
            Err(e @ (PortalError::UnknownCitizen | PortalError::NotYourCounter | PortalError::NoResidence)) => {
                Err(kernel::Localized::message(&e, page.lang).into_owned())
            }
            Err(e) => return Err(e.into()),
        },
    };
    match opened {
        Ok(dossier) => {
            Ok((StatusCode::SEE_OTHER, [(LOCATION, format!("/me/dossiers/{}", dossier.code))]).into_response())
        }
        Err(problem) => {
            let procedures = crate::catalogue::Catalogue::builtin().map_err(PortalError::from)?.all().collect();
            let body = CounterPage { page, procedures, personal_id: form.personal_id, problem: Some(problem) };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&body)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "office_queue.html")]
struct QueuePage {
    page: PageCtx,
    groups: Vec<(&'static str, Vec<Task>)>,
}

async fn queue_page(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    let tasks = queue::tasks(&state.db, &me).await?;
    let order = [
        (Bucket::Overdue, "portal.bucket_overdue"),
        (Bucket::DueSoon, "portal.bucket_due_soon"),
        (Bucket::New, "portal.bucket_new"),
        (Bucket::InProgress, "portal.bucket_in_progress"),
        (Bucket::AwaitingSupplement, "portal.bucket_awaiting"),
    ];
    let groups = order
        .into_iter()
        .map(|(bucket, label)| (label, tasks.iter().filter(|t| t.bucket == bucket).cloned().collect()))
        .collect();
    Ok(html(&QueuePage { page, groups }))
}

#[derive(Template)]
#[template(path = "office_dossier.html")]
struct DossierPage {
    page: PageCtx,
    dossier: Dossier,
    procedure: &'static Procedure,
    step: Option<&'static Step>,
    timeline: Vec<(String, DossierEvent)>,
    days_left: Option<i64>,
    problem: Option<String>,
    papers: Vec<(String, String, String)>,
    /// The applicant's record in the population registry, for an official.
    applicant: Option<registry::model::Citizen>,
}

impl DossierPage {
    /// Where the applicant lives, as a reader writes it.
    fn residence(&self) -> String {
        match self.applicant.as_ref().and_then(|c| c.commune) {
            Some(commune) => format!("{}, {}", commune.unit().name, commune.province().unit().name),
            None => String::new(),
        }
    }

    fn label(&self, name: &str) -> String {
        match self.procedure.field(name) {
            Some(f) if self.page.is_vi() => f.label.vi.clone(),
            Some(f) => f.label.en.clone(),
            None => name.to_owned(),
        }
    }

    fn action_key(action: &StepAction) -> String {
        format!("portal.action_{}", action.as_str())
    }
}

async fn render(
    state: &AppState,
    page: PageCtx,
    me: &identity::Principal,
    code: &kernel::DossierCode,
    problem: Option<String>,
) -> AppResult<Response> {
    let (dossier, events, applicant) = queue::visible_with_record(state, me, code).await?;
    let procedure = procedure(dossier.procedure.as_str())?;
    let step = if dossier.status.is_final() { None } else { procedure.steps.get(usize::from(dossier.step)) };
    let days_left = workflow::days_left(&dossier, workflow::today(time::OffsetDateTime::now_utc()));
    let timeline = events.into_iter().map(|e| (web::page::date(Some(e.at)), e)).collect();
    let papers = crate::store::attachments(&state.db, code).await.map_err(PortalError::from)?;
    let status = if problem.is_some() { StatusCode::CONFLICT } else { StatusCode::OK };
    Ok((status, html(&DossierPage { page, dossier, procedure, step, timeline, days_left, problem, papers, applicant }))
        .into_response())
}

async fn dossier_page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(code): Path<String>,
) -> AppResult<Response> {
    render(&state, page, &me, &dossier_code(&code)?, None).await
}

#[derive(Deserialize)]
struct ActForm {
    action: String,
    note: Option<String>,
    version: i64,
}

async fn act(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(code): Path<String>,
    CsrfForm(form): CsrfForm<ActForm>,
) -> AppResult<Response> {
    let code = dossier_code(&code)?;
    let action: StepAction = form.action.parse().map_err(|()| AppError::from(PortalError::ActionNotAllowed("?")))?;
    let decision = workflow::Decision { action, note: form.note, version: form.version };
    match workflow::act(&state.db, &state.keyring, &me, &code, decision).await {
        Ok(_) => Ok((StatusCode::SEE_OTHER, [(LOCATION, "/office/dossiers")]).into_response()),
        Err(e @ (PortalError::UnknownDossier | PortalError::UnknownProcedure)) => Err(e.into()),
        Err(e) => match AppError::from(e) {
            AppError::Conflict(message) => {
                let text = message.message(page.lang).into_owned();
                render(&state, page, &me, &code, Some(text)).await
            }
            AppError::Invalid(fields) => {
                let text = fields.iter().map(|f| f.message.message(page.lang).into_owned()).collect::<Vec<_>>();
                render(&state, page, &me, &code, Some(text.join(" "))).await
            }
            other => Err(other),
        },
    }
}
