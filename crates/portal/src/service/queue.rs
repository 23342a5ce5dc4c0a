//! The officials' side: the work queue of each official (the dossiers at a step whose role they hold in the
//! agency that has them), and which dossiers they may open, each opening recorded in the ledger as a read of the
//! applicant's data with the purpose "dossier" and the dossier's code, so the citizen sees which dossier it was.

use identity::{Principal, Territory};
use kernel::DossierCode;
use serde::Serialize;
use store::Db;
use trust::ledger::{Event, EventKind, Purpose, RecordRef};
use web::AppState;

use crate::catalogue::Catalogue;
use crate::error::PortalError;
use crate::model::{Dossier, DossierEvent, DossierStatus, Procedure, StepRole};
use crate::service::{DOSSIER, workflow};
use crate::store as sql;

/// Where a task stands in its official's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Submitted, not yet received.
    New,
    /// Being worked, in time.
    InProgress,
    /// Waiting for the applicant.
    AwaitingSupplement,
    /// One working day or less left.
    DueSoon,
    /// Past its due date.
    Overdue,
}

/// A dossier in an official's queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Task {
    /// The dossier.
    pub dossier: Dossier,
    /// Its procedure's name.
    pub procedure_name: String,
    /// The current step's name.
    pub step_name: String,
    /// The role that acts on it now.
    pub role: StepRole,
    /// Working days left (negative once overdue), while the clock runs.
    pub days_left: Option<i64>,
    /// Which part of the queue it is in.
    pub bucket: Bucket,
}

fn territory(dossier: &Dossier) -> Territory {
    dossier.commune.map(Territory::Unit).unwrap_or(Territory::Nation)
}

fn procedure_of(dossier: &Dossier) -> Result<&'static Procedure, PortalError> {
    Catalogue::builtin()?.get(&dossier.procedure).ok_or(PortalError::UnknownProcedure)
}

/// The role acting on `dossier` now, if `me` holds it where the dossier is.
fn acting_role(me: &Principal, dossier: &Dossier) -> Option<StepRole> {
    let step = procedure_of(dossier).ok()?.steps.get(usize::from(dossier.step))?;
    identity::policy::authorize_dossier(me, step.role.role(), &dossier.office, territory(dossier)).ok()?;
    Some(step.role)
}

/// The caller's work queue, due first.
pub async fn tasks(db: &Db, me: &Principal) -> Result<Vec<Task>, PortalError> {
    let mut offices: Vec<String> = [StepRole::OneStopReceiver, StepRole::Specialist, StepRole::Approver]
        .into_iter()
        .flat_map(|role| identity::policy::agencies_of(me, role.role()))
        .map(|agency| agency.to_string())
        .collect();
    offices.sort();
    offices.dedup();
    let today = workflow::today(time::OffsetDateTime::now_utc());
    let mut tasks = Vec::new();
    for dossier in sql::at_offices(db, &offices).await? {
        let Some(role) = acting_role(me, &dossier) else { continue };
        let procedure = procedure_of(&dossier)?;
        let days_left = workflow::days_left(&dossier, today);
        let bucket = match (dossier.status, days_left) {
            (DossierStatus::Submitted, _) => Bucket::New,
            (DossierStatus::AwaitingSupplement, _) => Bucket::AwaitingSupplement,
            (_, Some(d)) if d < 0 => Bucket::Overdue,
            (_, Some(d)) if d <= 1 => Bucket::DueSoon,
            _ => Bucket::InProgress,
        };
        let step_name = procedure.steps.get(usize::from(dossier.step)).map(|s| s.name.vi.clone()).unwrap_or_default();
        tasks.push(Task { procedure_name: procedure.name.vi.clone(), step_name, role, days_left, bucket, dossier });
    }
    Ok(tasks)
}

/// A dossier the caller may see, with its timeline: their own, or one at a step of theirs where it is (that read
/// goes to the ledger before the data leaves the server). Anyone else: not found.
pub async fn visible(
    state: &AppState,
    me: &Principal,
    code: &DossierCode,
) -> Result<(Dossier, Vec<DossierEvent>), PortalError> {
    let (dossier, events, _) = read(state, me, code, false).await?;
    Ok((dossier, events))
}

/// [`visible`], and for an official the applicant's record in the population registry beside it (name, birth,
/// residence, household: what they check the form against), the read recorded as one of the dossier and the
/// record.
pub async fn visible_with_record(
    state: &AppState,
    me: &Principal,
    code: &DossierCode,
) -> Result<(Dossier, Vec<DossierEvent>, Option<registry::model::Citizen>), PortalError> {
    read(state, me, code, true).await
}

async fn read(
    state: &AppState,
    me: &Principal,
    code: &DossierCode,
    with_record: bool,
) -> Result<(Dossier, Vec<DossierEvent>, Option<registry::model::Citizen>), PortalError> {
    let dossier = sql::one(&state.db, code).await?.ok_or(PortalError::UnknownDossier)?;
    if me.personal_id == Some(dossier.applicant) || dossier.is_consented_by(me) {
        let events = sql::events(&state.db, code).await?;
        return Ok((dossier, events, None));
    }
    let role = acting_role(me, &dossier).ok_or(PortalError::UnknownDossier)?;
    if dossier.status == DossierStatus::Draft {
        return Err(PortalError::UnknownDossier);
    }
    let view = if with_record { "dossier_and_record" } else { "dossier" };
    let read = Event::new(EventKind::PersonalDataRead, me.actor(role.role()))
        .subject(dossier.applicant.as_str())
        .record(RecordRef { kind: DOSSIER.into(), key: code.to_string(), digest: None })
        .purpose(&Purpose::Dossier.to_string())
        .detail(serde_json::json!({ "view": view, "dossier": code.to_string() }));
    state.ledger.record(read).await?;
    let events = sql::events(&state.db, code).await?;
    let record = if with_record {
        // A record the registry no longer holds is shown as missing, not as a failure of the page.
        match registry::service::citizen(&state.db, &dossier.applicant).await {
            Ok(citizen) => Some(citizen),
            Err(registry::error::RegistryError::NotFound) => None,
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    Ok((dossier, events, record))
}
