//! HL7 FHIR R4 at its standard path, `/fhir`: each medicine of a prescription as a `MedicationRequest`, those of
//! one prescription sharing its code as `groupIdentifier` (FHIR orders one medication per request), and the
//! server's `CapabilityStatement` at `/fhir/metadata`. Who may read is as for `/api/v1/health/prescriptions`;
//! errors are `OperationOutcome`s, as FHIR clients expect.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use identity::Principal;
use serde::Deserialize;
use serde_json::{Value, json};
use web::{AppError, AppState};

use crate::api::visible;
use crate::model::{Prescription, PrescriptionStatus};

/// The media type of FHIR's JSON.
const FHIR_JSON: &str = "application/fhir+json";
/// The identifier system of the national prescription code, as the VN Core FHIR guide names it.
const PRESCRIPTION_SYSTEM: &str = "http://fhir.hl7.org.vn/core/sid/prescription-code";
/// The identifier system of the personal ID number.
const PERSONAL_ID_SYSTEM: &str = "http://fhir.hl7.org.vn/core/sid/cccd";

/// The routes under `/fhir`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fhir/metadata", get(metadata))
        .route("/fhir/MedicationRequest", get(search))
        .route("/fhir/MedicationRequest/{id}", get(read))
}

fn fhir(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, FHIR_JSON)], body.to_string()).into_response()
}

/// An error as an `OperationOutcome`, with the status it has in the rest of the API.
fn outcome(error: AppError) -> Response {
    let (status, code, text) = match &error {
        AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "login", "sign in or present a bearer token"),
        AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden", "not allowed"),
        AppError::NotFound => (StatusCode::NOT_FOUND, "not-found", "no such resource"),
        AppError::Invalid(_) | AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "invalid", "malformed id"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "exception", "something went wrong"),
    };
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %error, "FHIR request failed");
    }
    let body = json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": "error", "code": code, "diagnostics": text }],
    });
    fhir(status, &body)
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// The `MedicationRequest`s of a prescription, one per medicine, with ids `<code>.<n>` from 1.
pub fn medication_requests(p: &Prescription) -> Vec<Value> {
    let status = match p.status {
        PrescriptionStatus::Dispensed => "completed",
        PrescriptionStatus::Issued if p.valid_until < time::OffsetDateTime::now_utc().unix_timestamp() => "stopped",
        PrescriptionStatus::Issued => "active",
    };
    p.medicines
        .iter()
        .enumerate()
        .map(|(i, m)| {
            json!({
                "resourceType": "MedicationRequest",
                "id": format!("{}.{}", p.code, i + 1),
                "identifier": [{ "system": PRESCRIPTION_SYSTEM, "value": p.code.to_string() }],
                "groupIdentifier": { "system": PRESCRIPTION_SYSTEM, "value": p.code.to_string() },
                "status": status,
                "intent": "order",
                "medicationCodeableConcept": { "text": m.name },
                "subject": {
                    "identifier": { "system": PERSONAL_ID_SYSTEM, "value": p.patient.as_str() },
                    "display": p.patient_name,
                },
                "authoredOn": rfc3339(p.issued_at),
                "requester": { "display": format!("{} ({})", p.prescriber, p.facility_name) },
                "reasonCode": [{ "text": p.diagnosis }],
                "dosageInstruction": [{ "text": m.usage }],
                "dispenseRequest": {
                    "validityPeriod": { "start": rfc3339(p.issued_at), "end": rfc3339(p.valid_until) },
                    "quantity": { "value": m.quantity, "unit": m.unit },
                },
            })
        })
        .collect()
}

async fn read(
    State(state): State<AppState>,
    me: Option<axum::Extension<Principal>>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let Some(axum::Extension(me)) = me else { return outcome(AppError::Unauthenticated) };
    let Some((code, n)) = id.rsplit_once('.') else { return outcome(AppError::NotFound) };
    let Ok(n) = n.parse::<usize>() else { return outcome(AppError::NotFound) };
    match visible(&state, &me, code).await {
        Ok(p) => match n.checked_sub(1).and_then(|i| medication_requests(&p).into_iter().nth(i)) {
            Some(resource) => fhir(StatusCode::OK, &resource),
            None => outcome(AppError::NotFound),
        },
        Err(e) => outcome(e),
    }
}

/// `?identifier=[system|]<code>`: the prescription's medication requests.
#[derive(Deserialize)]
struct Search {
    identifier: Option<String>,
}

async fn search(
    State(state): State<AppState>,
    me: Option<axum::Extension<Principal>>,
    Query(q): Query<Search>,
) -> Response {
    let Some(axum::Extension(me)) = me else { return outcome(AppError::Unauthenticated) };
    let Some(identifier) = q.identifier else {
        return outcome(AppError::bad_request(kernel::Text::new(
            "Cần tham số identifier (mã đơn thuốc).",
            "The identifier parameter (the prescription code) is required.",
        )));
    };
    let code = identifier.strip_prefix(&format!("{PRESCRIPTION_SYSTEM}|")).unwrap_or(&identifier);
    let found = match visible(&state, &me, code).await {
        Ok(p) => medication_requests(&p),
        Err(AppError::NotFound) => Vec::new(),
        Err(e) => return outcome(e),
    };
    let entries: Vec<Value> = found
        .into_iter()
        .map(|r| json!({ "fullUrl": format!("{}/fhir/MedicationRequest/{}", state.config.public_url, r["id"].as_str().unwrap_or_default()), "resource": r, "search": { "mode": "match" } }))
        .collect();
    let bundle = json!({ "resourceType": "Bundle", "type": "searchset", "total": entries.len(), "entry": entries });
    fhir(StatusCode::OK, &bundle)
}

async fn metadata() -> Response {
    let statement = json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-03",
        "kind": "instance",
        "software": { "name": "congso" },
        "fhirVersion": "4.0.1",
        "format": [FHIR_JSON, "json"],
        "rest": [{
            "mode": "server",
            "security": { "description": "Bearer tokens of congso accounts; a patient reads their own, a health worker any (each read recorded)." },
            "resource": [{
                "type": "MedicationRequest",
                "interaction": [{ "code": "read" }, { "code": "search-type" }],
                "searchParam": [{ "name": "identifier", "type": "token", "documentation": "The prescription code" }],
            }],
        }],
    });
    fhir(StatusCode::OK, &statement)
}
