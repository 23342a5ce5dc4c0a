//! The pages: a health worker's (`/y-te`: write a prescription, find one by its code, dispense it) and a
//! citizen's own prescriptions (`/me/health`), each with its QR to show at a pharmacy.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::policy::{Action, authorize};
use identity::{AccountKind, Caller, Principal, Role};
use kernel::Localized;
use web::csrf::CsrfForm;
use web::error::html;
use web::extract::Path;
use web::{AppError, AppResult, AppState, PageCtx};

use crate::api::{facility_of, visible};
use crate::model::{Facility, Medicine, Prescription, PrescriptionKind, PrescriptionStatus};
use crate::service::{self, NewPrescription, PrescriptionInput};

/// How many medicine lines the form offers.
const LINES: usize = 5;

/// The pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/y-te", get(office).post(write))
        .route("/y-te/don-thuoc", get(find))
        .route("/y-te/don-thuoc/{code}", get(show))
        .route("/y-te/don-thuoc/{code}/cap-phat", post(dispense))
        .route("/me/health", get(mine))
}

/// A prescription as a page shows it.
pub struct View {
    /// The record.
    pub p: Prescription,
    /// Its QR, as an inline SVG.
    pub qr: String,
}

impl View {
    fn of(p: Prescription) -> AppResult<View> {
        let svg = trust::qr::render_svg(&p.qr_text).map_err(|e| AppError::Internal(e.into()))?;
        let qr = svg.find("<svg").map_or(svg.clone(), |start| svg[start..].to_owned());
        Ok(View { p, qr })
    }

    /// Whether it can still be dispensed.
    pub fn open(&self) -> bool {
        self.p.status == PrescriptionStatus::Issued
            && self.p.valid_until >= time::OffsetDateTime::now_utc().unix_timestamp()
    }

    /// The interface key of its kind.
    pub fn kind_key(&self) -> String {
        format!("health.kind.{}", self.p.kind.as_str())
    }
}

/// What the form sent back, to show again with the problem.
#[derive(Default)]
struct Filled {
    fields: HashMap<String, String>,
}

impl Filled {
    fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }

    fn line(&self, field: &str, i: &usize) -> &str {
        self.get(&format!("{field}_{i}"))
    }

    fn input(&self) -> PrescriptionInput {
        let medicines = (0..LINES)
            .filter(|i| !self.line("name", i).trim().is_empty())
            .map(|i| Medicine {
                name: self.line("name", &i).into(),
                // An unreadable number is zero, which the rules refuse at its field.
                quantity: self.line("quantity", &i).trim().parse::<i64>().unwrap_or(0),
                unit: self.line("unit", &i).into(),
                usage: self.line("usage", &i).into(),
            })
            .collect();
        PrescriptionInput {
            patient: self.get("patient").into(),
            kind: Some(self.get("kind").into()),
            diagnosis: self.get("diagnosis").into(),
            medicines,
            facility: None,
        }
    }
}

#[derive(Template)]
#[template(path = "health_office.html")]
struct OfficePage {
    page: PageCtx,
    facility: String,
    /// Whether the facility writes prescriptions (a pharmacy only dispenses).
    prescribes: bool,
    filled: Filled,
    problem: Option<String>,
    lines: Vec<usize>,
    kinds: [PrescriptionKind; 4],
}

fn office_page(page: PageCtx, facility: &Facility, filled: Filled, problem: Option<String>) -> Response {
    let kinds = PrescriptionKind::ALL;
    let (prescribes, lines) = (facility.kind.prescribes(), (0..LINES).collect());
    let facility = format!("{} · {}", facility.code, facility.name);
    html(&OfficePage { page, facility, prescribes, filled, problem, lines, kinds })
}

async fn office(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    let facility = facility_of(&state, &me, None, |_| true).await?;
    Ok(office_page(page, &facility, Filled::default(), None))
}

async fn write(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    CsrfForm(fields): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let filled = Filled { fields };
    let facility = facility_of(&state, &me, None, |f| f.kind.prescribes()).await?;
    let actor = me.actor(Role::HealthWorker);
    let written = match NewPrescription::parse(&filled.input()) {
        Ok(new) => service::prescribe(&state.db, &state.keyring, &facility, &actor, new).await,
        Err(e) => Err(e),
    };
    match written {
        Ok(p) => Ok(Redirect::to(&format!("/y-te/don-thuoc/{}", p.code)).into_response()),
        Err(
            e @ (crate::error::HealthError::Field { .. }
            | crate::error::HealthError::UnknownPatient
            | crate::error::HealthError::NoMedicine
            | crate::error::HealthError::TooManyMedicines(_)),
        ) => {
            let field = e.field_name().unwrap_or_default().to_owned();
            let problem = format!("{field}: {}", e.message(page.lang));
            Ok(office_page(page, &facility, filled, Some(problem)))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
struct Find {
    code: String,
}

async fn find(Caller(me): Caller, Query(q): Query<Find>) -> AppResult<Response> {
    authorize(&me, Action::HealthCare)?;
    let code: crate::model::PrescriptionCode =
        q.code.parse().map_err(|e| crate::error::HealthError::field("code", e))?;
    Ok(Redirect::to(&format!("/y-te/don-thuoc/{code}")).into_response())
}

#[derive(Template)]
#[template(path = "prescription.html")]
struct PrescriptionPage {
    page: PageCtx,
    v: View,
    worker: bool,
    problem: Option<String>,
}

fn is_worker(me: &Principal) -> bool {
    identity::policy::allows(me, Action::HealthCare)
}

async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let v = View::of(visible(&state, &me, &code).await?)?;
    Ok(html(&PrescriptionPage { page, v, worker: is_worker(&me), problem: None }))
}

async fn dispense(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(code): Path<String>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let pharmacy = facility_of(&state, &me, None, |_| true).await?;
    let p = visible(&state, &me, &code).await?;
    match service::dispense(&state.db, p.code, &pharmacy, &me.actor(Role::HealthWorker)).await {
        Ok(p) => Ok(Redirect::to(&format!("/y-te/don-thuoc/{}", p.code)).into_response()),
        Err(e @ (crate::error::HealthError::Dispensed { .. } | crate::error::HealthError::Expired)) => {
            let problem = Some(e.message(page.lang).into_owned());
            let v = View::of(service::prescription(&state.db, p.code).await?)?;
            Ok(html(&PrescriptionPage { page, v, worker: true, problem }))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "my_health.html")]
struct MyHealth {
    page: PageCtx,
    prescriptions: Vec<View>,
}

async fn mine(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    let mut prescriptions = Vec::new();
    if let (AccountKind::Citizen, Some(pid)) = (me.kind, me.personal_id) {
        for p in service::of_patient(&state.db, &pid).await? {
            prescriptions.push(View::of(p)?);
        }
    }
    Ok(html(&MyHealth { page, prescriptions }))
}
