//! `/api/v1/health`: prescriptions written, read and dispensed by health workers, and a patient's own.

use axum::extract::State;
use axum::http::StatusCode;
use identity::policy::{Action, agencies_of, authorize};
use identity::{AccountKind, Caller, Principal, Role};
use serde::Deserialize;
use trust::ledger::{Event, EventKind, Purpose, RecordRef};
use utoipa_axum::routes;
use web::extract::{Json, Path};
use web::openapi::{ApiRouter, Conflict, Forbidden, Invalid, NotFound};
use web::{AppError, AppResult, AppState};

use crate::error::HealthError;
use crate::model::{Facility, FacilityCode, Prescription, PrescriptionCode};
use crate::service::{self, NewPrescription, PRESCRIPTION_RECORD, PrescriptionInput};

/// The routes, relative to `/api/v1`.
pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(prescribe, mine)).routes(routes!(read)).routes(routes!(dispense))
}

/// The facilities whose agency the caller is health worker of, that may do what `fits` asks, first the one
/// `wanted` names: refused if there is none.
pub async fn facility_of(
    state: &AppState,
    me: &Principal,
    wanted: Option<&str>,
    fits: impl Fn(&Facility) -> bool,
) -> AppResult<Facility> {
    authorize(me, Action::HealthCare)?;
    let wanted = match wanted.map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => Some(w.parse::<FacilityCode>().map_err(|e| HealthError::field("facility", e))?),
        None => None,
    };
    for code in agencies_of(me, Role::HealthWorker).iter().filter_map(FacilityCode::of_agency) {
        if wanted.is_some_and(|w| w != code) {
            continue;
        }
        if let Some(f) = service::facility(&state.db, code).await?
            && fits(&f)
        {
            return Ok(f);
        }
    }
    Err(HealthError::NoFacility.into())
}

/// Writes a health worker's read of a patient's prescription to the ledger, before the data leaves the server.
pub async fn record_read(state: &AppState, me: &Principal, p: &Prescription) -> AppResult<()> {
    let record = RecordRef { kind: PRESCRIPTION_RECORD.into(), key: p.code.to_string(), digest: None };
    let event = Event::new(EventKind::PersonalDataRead, me.actor(Role::HealthWorker))
        .subject(p.patient.as_str())
        .record(record)
        .purpose(&Purpose::Care.to_string())
        .detail(serde_json::json!({ "view": "prescription" }));
    state.ledger.record(event).await.map_err(HealthError::from)?;
    Ok(())
}

/// The prescription `code` names, if the caller may see it: the patient's own, or any for a health worker (whose
/// read is recorded); for anyone else it does not exist.
pub async fn visible(state: &AppState, me: &Principal, code: &str) -> AppResult<Prescription> {
    let code: PrescriptionCode = code.parse().map_err(|e| HealthError::field("code", e))?;
    let own = |p: &Prescription| me.kind == AccountKind::Citizen && me.personal_id == Some(p.patient);
    let p = service::prescription(&state.db, code).await?;
    if own(&p) {
        return Ok(p);
    }
    if identity::policy::allows(me, Action::HealthCare) {
        record_read(state, me, &p).await?;
        return Ok(p);
    }
    Err(AppError::NotFound)
}

/// Writes an e-prescription for a living patient of the population registry, signed (its QR checks offline at
/// `/verify`), under a fresh 14-character code. Refused field by field, nothing written.
#[utoipa::path(post, path = "/health/prescriptions", operation_id = "prescribe", tag = "health",
    security(("bearer" = [])), request_body = PrescriptionInput,
    responses((status = 201, body = Prescription), Forbidden, Invalid))]
pub async fn prescribe(
    State(state): State<AppState>,
    Caller(me): Caller,
    Json(input): Json<PrescriptionInput>,
) -> AppResult<(StatusCode, Json<Prescription>)> {
    let facility = facility_of(&state, &me, input.facility.as_deref(), |f| f.kind.prescribes()).await?;
    let new = NewPrescription::parse(&input)?;
    let actor = me.actor(Role::HealthWorker);
    let p = service::prescribe(&state.db, &state.keyring, &facility, &actor, new).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// The signed-in citizen's own prescriptions, newest first.
#[utoipa::path(get, path = "/health/prescriptions", operation_id = "myPrescriptions", tag = "health",
    security(("bearer" = [])), responses((status = 200, body = Vec<Prescription>), Forbidden))]
pub async fn mine(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Json<Vec<Prescription>>> {
    match (me.kind, me.personal_id) {
        (AccountKind::Citizen, Some(pid)) => Ok(Json(service::of_patient(&state.db, &pid).await?)),
        _ => Err(AppError::Forbidden),
    }
}

/// Where a prescription is named.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CodePath {
    /// Mã đơn thuốc, 14 characters.
    #[param(example = "01001000002a-c", pattern = "^[0-9]{5}[0-9a-z]{7}-[cnhy]$")]
    pub code: String,
}

/// One prescription: the patient's own, or any for a health worker (a read recorded in the ledger with the
/// purpose "care", which the patient sees).
#[utoipa::path(get, path = "/health/prescriptions/{code}", operation_id = "readPrescription", tag = "health",
    security(("bearer" = [])), params(CodePath), responses((status = 200, body = Prescription), NotFound, Invalid))]
pub async fn read(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(at): Path<CodePath>,
) -> AppResult<Json<Prescription>> {
    Ok(Json(visible(&state, &me, &at.code).await?))
}

/// Which facility dispenses, when the worker works at several.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DispenseInput {
    /// The facility's code (five digits).
    #[serde(default)]
    #[schema(pattern = "^[0-9]{5}$")]
    pub facility: Option<String>,
}

/// Dispenses a prescription, once: a second time, or after its five days, is refused (409) and says by whom it
/// was dispensed.
#[utoipa::path(post, path = "/health/prescriptions/{code}/dispense", operation_id = "dispensePrescription",
    tag = "health", security(("bearer" = [])), params(CodePath), request_body = DispenseInput,
    responses((status = 200, body = Prescription), Forbidden, NotFound, Conflict, Invalid))]
pub async fn dispense(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(at): Path<CodePath>,
    Json(input): Json<DispenseInput>,
) -> AppResult<Json<Prescription>> {
    let pharmacy = facility_of(&state, &me, input.facility.as_deref(), |_| true).await?;
    let code: PrescriptionCode = at.code.parse().map_err(|e| HealthError::field("code", e))?;
    let p = service::dispense(&state.db, code, &pharmacy, &me.actor(Role::HealthWorker)).await?;
    Ok(Json(p))
}
