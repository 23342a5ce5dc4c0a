//! `/api/v1/procedures` (the catalogue, for anyone), `/api/v1/dossiers` (a citizen's own applications, and a
//! dossier's public status by its code) and `/api/v1/tasks` (an official's work queue), shaped after GovStack's
//! Registration building block: services, applications, tasks.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use identity::Caller;
use kernel::DossierCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;
use web::extract::{Json, Path, Query};
use web::openapi::{ApiRouter, Conflict, Forbidden, Invalid, NotFound};
use web::{AppResult, AppState};

use crate::catalogue::Catalogue;
use crate::error::PortalError;
use crate::model::{Dossier, DossierEvent, FormValues, Procedure, PublicStatus, StepAction};
use crate::service::{self, consent, queue, stats, workflow};

/// The routes and their operations, relative to `/api/v1`.
pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
        .routes(routes!(open, mine))
        .routes(routes!(get_dossier))
        .routes(routes!(submit))
        .routes(routes!(supplement))
        .routes(routes!(act))
        .routes(routes!(rate))
        .routes(routes!(consent))
        .routes(routes!(asked_of_me))
        .routes(routes!(status))
        .routes(routes!(tasks))
        .routes(routes!(attach))
        .routes(routes!(statistics))
}

/// Attaches a paper of `kind` to the caller's draft (or dossier waiting for a supplement): the body is the file,
/// its type sniffed from the bytes and checked, with the procedure's size limit for that paper.
#[utoipa::path(post, path = "/dossiers/{code}/attachments/{kind}", operation_id = "attachToDossier", tag = "portal",
    params(("code" = String, Path, pattern = "^[A-Z][A-Z0-9.]{1,19}-[0-9]{6}-[0-9]{6}$", description = CODE), ("kind" = String, Path, pattern = "^[a-z0-9_]{1,40}$", description = "The paper's kind, as the procedure names it"),
        ("X-File-Name" = Option<String>, Header, pattern = "^[^\\x00-\\x1f]{1,200}$", description = "The file's name, kept to show back")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 204, description = "Attached"), NotFound, Conflict, Invalid))]
pub async fn attach(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path((text, kind)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> AppResult<StatusCode> {
    let code = code(&text)?;
    let bytes = axum::body::to_bytes(body, crate::attachments::UPLOAD_LIMIT)
        .await
        .map_err(|_| web::AppError::PayloadTooLarge)?;
    let name = headers.get("x-file-name").and_then(|v| v.to_str().ok()).unwrap_or(kind.as_str()).to_owned();
    crate::attachments::attach(&state.db, &state.files, &me, &code, &kind, &name, bytes).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every procedure of the catalogue.
#[utoipa::path(get, path = "/procedures", operation_id = "listProcedures", tag = "portal",
    responses((status = 200, body = Vec<Procedure>)))]
pub async fn list() -> AppResult<Json<Vec<Procedure>>> {
    Ok(Json(Catalogue::builtin().map_err(PortalError::from)?.all().cloned().collect()))
}

/// One procedure.
#[utoipa::path(get, path = "/procedures/{code}", operation_id = "getProcedure", tag = "portal",
    params(("code" = String, Path, pattern = "^[a-z0-9-]{2,64}$", description = "The procedure's code")),
    responses((status = 200, body = Procedure), NotFound))]
pub async fn one(Path(code): Path<String>) -> AppResult<Json<Procedure>> {
    Ok(Json(crate::pages::procedure(&code)?.clone()))
}

/// A new dossier.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDossier {
    /// The procedure's code.
    #[schema(pattern = "^[a-z0-9-]{2,64}$")]
    pub procedure: String,
    /// At the one-stop counter: the personal ID number of the citizen who came in person, for whom the receiver
    /// files it. Absent when a citizen files their own.
    #[schema(schema_with = kernel::schema::blank_or_personal_id)]
    pub applicant: Option<String>,
}

/// Opens a draft dossier under a procedure, its form prefilled from the registry. With an `Idempotency-Key`
/// header, the same key again gives back the dossier it opened.
#[utoipa::path(post, path = "/dossiers", operation_id = "openDossier", tag = "portal",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,64}$", description = "Up to 64 characters; a retry with the same key opens nothing new")),
    request_body = NewDossier,
    responses((status = 201, body = Dossier), Forbidden, NotFound, Conflict, Invalid))]
pub async fn open(
    State(state): State<AppState>,
    Caller(me): Caller,
    headers: HeaderMap,
    Json(new): Json<NewDossier>,
) -> AppResult<(StatusCode, Json<Dossier>)> {
    let procedure = crate::pages::procedure(&new.procedure)?;
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::trim);
    let key = key.filter(|k| !k.is_empty() && k.len() <= 64);
    let applicant = match new.applicant.filter(|a| !a.trim().is_empty()) {
        Some(text) => {
            let personal_id =
                text.parse().map_err(|e: kernel::PersonalIdError| web::AppError::invalid("applicant", e))?;
            service::counter_applicant(&state.db, &me, procedure, &personal_id).await?
        }
        None => service::applicant(&state.db, &me, procedure).await?,
    };
    let dossier = service::open(&state.db, procedure, &applicant, key).await?;
    Ok((StatusCode::CREATED, Json(dossier)))
}

/// The caller's own dossiers, newest first.
#[utoipa::path(get, path = "/dossiers", operation_id = "listMyDossiers", tag = "portal",
    responses((status = 200, body = Vec<Dossier>), Forbidden))]
pub async fn mine(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Json<Vec<Dossier>>> {
    let personal_id = me.personal_id.ok_or(PortalError::NotCitizen)?;
    Ok(Json(service::dossiers_of(&state.db, &personal_id).await?))
}

/// A dossier with its timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierView {
    /// The dossier.
    pub dossier: Dossier,
    /// What happened to it, oldest first.
    pub timeline: Vec<DossierEvent>,
}

fn code(text: &str) -> AppResult<DossierCode> {
    text.parse().map_err(|_| PortalError::UnknownDossier.into())
}

const CODE: &str = "The dossier's code, such as UBND.00070-261201-000042";

/// One dossier: the applicant's own, or one at an agency where the caller acts on it (that official's read is
/// recorded in the ledger with the purpose "dossier"). Anyone else: 404.
#[utoipa::path(get, path = "/dossiers/{code}", operation_id = "getDossier", tag = "portal",
    params(("code" = String, Path, pattern = "^[A-Z][A-Z0-9.]{1,19}-[0-9]{6}-[0-9]{6}$", description = CODE)),
    responses((status = 200, body = DossierView), NotFound))]
pub async fn get_dossier(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(text): Path<String>,
) -> AppResult<Json<DossierView>> {
    let (dossier, timeline) = queue::visible(&state, &me, &code(&text)?).await?;
    Ok(Json(DossierView { dossier, timeline }))
}

/// A form sent for submission or as a supplement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormBody {
    /// The values, by field name.
    pub form: FormValues,
}

/// Submits the caller's draft: every field parsed (422 names each problem), the required papers attached.
/// Submitting one already submitted changes nothing.
#[utoipa::path(post, path = "/dossiers/{code}/submit", operation_id = "submitDossier", tag = "portal",
    params(("code" = String, Path, pattern = "^[A-Z][A-Z0-9.]{1,19}-[0-9]{6}-[0-9]{6}$", description = CODE)), request_body = FormBody,
    responses((status = 200, body = Dossier), NotFound, Conflict, Invalid))]
pub async fn submit(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(text): Path<String>,
    Json(body): Json<FormBody>,
) -> AppResult<Json<Dossier>> {
    Ok(Json(workflow::submit(&state.db, &me, &code(&text)?, &body.form).await?))
}

/// Answers a request for a supplement with the corrected form; the clock starts again.
#[utoipa::path(post, path = "/dossiers/{code}/supplement", operation_id = "supplementDossier", tag = "portal",
    params(("code" = String, Path, pattern = "^[A-Z][A-Z0-9.]{1,19}-[0-9]{6}-[0-9]{6}$", description = CODE)), request_body = FormBody,
    responses((status = 200, body = Dossier), NotFound, Conflict, Invalid))]
pub async fn supplement(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(text): Path<String>,
    Json(body): Json<FormBody>,
) -> AppResult<Json<Dossier>> {
    Ok(Json(workflow::supplement(&state.db, &me, &code(&text)?, &body.form).await?))
}

/// An official's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// `accept`, `request_supplement`, `reject`, `forward` or `approve`.
    #[schema(pattern = "^(accept|request_supplement|reject|forward|approve)$")]
    pub action: String,
    /// The reason, required to reject or ask for a supplement.
    #[schema(schema_with = note_schema)]
    pub note: Option<String>,
    /// The dossier's version the decision was made on: a dossier changed since is a 409.
    #[serde(deserialize_with = "web::extract::integer")]
    pub version: i64,
}

/// Acts on a dossier at its current step, as the step's role in the agency that has it.
#[utoipa::path(post, path = "/dossiers/{code}/actions", operation_id = "actOnDossier", tag = "portal",
    params(("code" = String, Path, pattern = "^[A-Z][A-Z0-9.]{1,19}-[0-9]{6}-[0-9]{6}$", description = CODE)), request_body = ActionBody,
    responses((status = 200, body = Dossier), NotFound, Conflict, Invalid))]
pub async fn act(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(text): Path<String>,
    Json(body): Json<ActionBody>,
) -> AppResult<Json<Dossier>> {
    let action: StepAction = body.action.parse().map_err(|()| PortalError::ActionNotAllowed("this action"))?;
    let decision = workflow::Decision { action, note: body.note, version: body.version };
    Ok(Json(workflow::act(&state.db, &state.keyring, &me, &code(&text)?, decision).await?))
}

/// A note or comment: free text of at most 1,000 characters, which the ledger and the pages keep.
fn note_schema() -> utoipa::openapi::schema::Object {
    kernel::schema::optional_free_text_schema(1000)
}

/// A rating of the service.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    /// 1 (poor) to 5 (excellent).
    #[schema(minimum = 1, maximum = 5)]
    #[serde(deserialize_with = "web::extract::integer")]
    pub rating: i64,
    /// A comment.
    #[schema(schema_with = note_schema)]
    pub comment: Option<String>,
}

/// Rates a finished dossier, once.
#[utoipa::path(post, path = "/dossiers/{code}/rating", operation_id = "rateDossier", tag = "portal",
    params(("code" = String, Path, pattern = "^[A-Z][A-Z0-9.]{1,19}-[0-9]{6}-[0-9]{6}$", description = CODE)), request_body = RatingBody,
    responses((status = 200, body = Dossier), NotFound, Conflict, Invalid))]
pub async fn rate(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(text): Path<String>,
    Json(body): Json<RatingBody>,
) -> AppResult<Json<Dossier>> {
    let rating = u8::try_from(body.rating).map_err(|_| PortalError::BadRating)?;
    let dossier = workflow::rate(&state.db, &me, &code(&text)?, rating, body.comment.as_deref()).await?;
    Ok(Json(dossier))
}

/// The other party's answer to a request for their consent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    /// Whether they agree.
    pub agree: bool,
}

/// The other party's consent to a dossier that names them (a marriage's partner): it goes to the agency, or, if
/// they decline, back to the applicant's drafts. Anyone else finds no dossier.
#[utoipa::path(post, path = "/dossiers/{code}/consent", operation_id = "answerDossierConsent", tag = "portal",
    params(("code" = String, Path, pattern = "^[A-Z][A-Z0-9.]{1,19}-[0-9]{6}-[0-9]{6}$", description = CODE)), request_body = ConsentBody,
    responses((status = 200, body = Dossier), NotFound, Forbidden, Conflict, Invalid))]
pub async fn consent(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(text): Path<String>,
    Json(body): Json<ConsentBody>,
) -> AppResult<Json<Dossier>> {
    Ok(Json(consent::answer(&state.db, &me, &code(&text)?, body.agree).await?))
}

/// The dossiers waiting for the caller's consent.
#[utoipa::path(get, path = "/dossiers/consents", operation_id = "listDossiersAwaitingMyConsent", tag = "portal",
    responses((status = 200, body = Vec<Dossier>)))]
pub async fn asked_of_me(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Json<Vec<Dossier>>> {
    Ok(Json(consent::asked_of(&state.db, &me).await?))
}

/// A submitted dossier's status, for anyone who has its code: nothing personal.
#[utoipa::path(get, path = "/dossiers/{code}/status", operation_id = "getDossierStatus", tag = "portal",
    params(("code" = String, Path, pattern = "^[A-Z][A-Z0-9.]{1,19}-[0-9]{6}-[0-9]{6}$", description = CODE)),
    responses((status = 200, body = PublicStatus), NotFound))]
pub async fn status(State(state): State<AppState>, Path(text): Path<String>) -> AppResult<Json<PublicStatus>> {
    Ok(Json(service::public_status(&state.db, &code(&text)?).await?))
}

/// The caller's work queue: every unfinished dossier at a step of theirs, in the agencies where they hold its
/// role, due first.
#[utoipa::path(get, path = "/tasks", operation_id = "listTasks", tag = "portal",
    responses((status = 200, body = Vec<queue::Task>)))]
pub async fn tasks(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Json<Vec<queue::Task>>> {
    Ok(Json(queue::tasks(&state.db, &me).await?))
}

/// The period of [`statistics`].
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// The first day counted, `YYYY-MM-DD` (by default the first of January of `to`'s year).
    #[param(format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub from: Option<String>,
    /// The last day counted (by default today, in Vietnam); not before `from`.
    #[param(format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub to: Option<String>,
}

/// How the dossiers submitted in a period were settled, for anyone: received, filed online, settled on time and
/// late, overdue now and the applicants' ratings, per receiving agency, procedure and province.
#[utoipa::path(get, path = "/dossier-statistics", operation_id = "getDossierStatistics", tag = "portal",
    params(PeriodQuery), responses((status = 200, body = stats::Statistics), Invalid))]
pub async fn statistics(
    State(state): State<AppState>,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Json<stats::Statistics>> {
    let period = stats::Period::parse(q.from.as_deref(), q.to.as_deref(), time::OffsetDateTime::now_utc())?;
    Ok(Json(stats::statistics(&state.db, period).await?))
}
