//! The portal's rules: who may open a dossier under a procedure, which office has it at each step ([`offices`]),
//! the form's parsing and prefill ([`form`]), the workflow and its clock ([`workflow`]), and what an approval
//! applies to the registries ([`outcome`]).

pub mod consent;
pub mod form;
pub mod offices;
pub mod outcome;
pub mod queue;
pub mod stats;
pub mod workflow;

use identity::{AccountKind, Principal};
use kernel::{AdminUnitCode, DossierCode, PersonalId};
use store::{Backend, Db, Tx};
use trust::ledger::{self, Actor, Event, EventKind, RecordRef, record_digest};

use crate::error::PortalError;
use crate::model::{Dossier, DossierEvent, DossierStatus, Procedure};
use crate::store as sql;

/// The record kind of a dossier in the ledger.
pub const DOSSIER: &str = "dossier";

/// The citizen behind an account, and what the registry holds of them.
pub struct Applicant {
    /// Their personal ID number.
    pub personal_id: PersonalId,
    /// Their name, for the ledger.
    pub actor: Actor,
    /// Their record.
    pub citizen: registry::model::Citizen,
    /// The one-stop receiver (username) filing for them at the counter, or none when they file online.
    pub counter: Option<String>,
    /// The commune whose office receives the dossier first: where the applicant lives, or for a procedure settled
    /// where a household of the form lives (`settled_at`), the counter's own commune until the form names one.
    pub commune: Option<AdminUnitCode>,
}

impl Applicant {
    /// A citizen filing online from their own account.
    pub fn online(personal_id: PersonalId, actor: Actor, citizen: registry::model::Citizen) -> Applicant {
        let commune = citizen.commune;
        Applicant { personal_id, actor, citizen, counter: None, commune }
    }
}

/// The applicant behind `me`: a citizen's account at the procedure's assurance level, looked up in the registry.
pub async fn applicant(db: &Db, me: &Principal, procedure: &Procedure) -> Result<Applicant, PortalError> {
    let (AccountKind::Citizen, Some(personal_id)) = (me.kind, me.personal_id) else {
        return Err(PortalError::NotCitizen);
    };
    if me.assurance_level.number() < i64::from(procedure.assurance) {
        return Err(PortalError::Assurance(procedure.assurance));
    }
    let citizen = registry::service::citizen(db, &personal_id).await?;
    Ok(Applicant::online(personal_id, Actor::named(&me.username, &me.display_name), citizen))
}

/// The citizen `personal_id` filing at the one-stop counter, served by the receiver `me`: who must hold that role
/// in the agency that receives the procedure's dossiers from where the citizen lives (the counter they came to),
/// or, under a procedure settled where a household of the form lives, in that agency of any commune (checked
/// again against the household's commune when the form is submitted).
pub async fn counter_applicant(
    db: &Db,
    me: &Principal,
    procedure: &Procedure,
    personal_id: &PersonalId,
) -> Result<Applicant, PortalError> {
    let citizen = registry::service::citizen(db, personal_id).await.map_err(|_| PortalError::UnknownCitizen)?;
    let commune = match procedure.settled_at {
        Some(_) => Some(counter_commune(me, procedure)?),
        None => citizen.commune,
    };
    let office = offices::office(procedure, 0, commune)?;
    let territory = commune.map(identity::Territory::Unit).unwrap_or(identity::Territory::Nation);
    identity::policy::authorize_dossier(me, identity::Role::OneStopReceiver, &office, territory)
        .map_err(|_| PortalError::NotYourCounter)?;
    let actor = me.actor(identity::Role::OneStopReceiver);
    Ok(Applicant { personal_id: *personal_id, actor, citizen, counter: Some(me.username.clone()), commune })
}

/// The commune of the receiver's counter for `procedure`: one over which they receive in the office that
/// receives the procedure's dossiers there.
fn counter_commune(me: &Principal, procedure: &Procedure) -> Result<AdminUnitCode, PortalError> {
    me.roles
        .iter()
        .filter(|r| r.role == identity::Role::OneStopReceiver)
        .find_map(|r| match r.territory {
            identity::Territory::Unit(unit)
                if r.agency.is_some() && r.agency == offices::office(procedure, 0, Some(unit)).ok() =>
            {
                Some(unit)
            }
            _ => None,
        })
        .ok_or(PortalError::NotYourCounter)
}

/// Opens a draft dossier under `procedure` for `applicant`, its form prefilled from the registry, with its code
/// and its ledger entry, in the caller's transaction. The same idempotency key again (a double click, a retried
/// request) gives back the dossier it opened.
pub async fn open_in(
    tx: &mut Tx,
    backend: Backend,
    procedure: &Procedure,
    applicant: &Applicant,
    idempotency_key: Option<&str>,
    now: time::OffsetDateTime,
) -> Result<Dossier, PortalError> {
    let owner = applicant.personal_id.as_str();
    if let Some(key) = idempotency_key
        && let Some(existing) = sql::by_idempotency_key(tx, owner, key).await?
    {
        return Ok(existing);
    }
    let commune = applicant.commune;
    let agency = offices::office(procedure, 0, commune)?;
    // The day in Vietnam's time, as the applicant reads the code.
    let day = now.to_offset(time::macros::offset!(+7)).date();
    let seq = sql::next_seq(tx, &agency, day).await?;
    let dossier = Dossier {
        code: sql::code(agency.clone(), day, seq)?,
        procedure: procedure.code.clone(),
        office: agency.clone(),
        agency,
        applicant: applicant.personal_id,
        counter: applicant.counter.clone(),
        commune,
        status: DossierStatus::Draft,
        step: 0,
        form: form::prefilled(procedure, &applicant.citizen),
        created_at: now.unix_timestamp(),
        submitted_at: None,
        due_on: None,
        days_left_at_pause: None,
        finished_at: None,
        result_id: None,
        rating: None,
        version: 1,
        consent_of: None,
    };
    sql::insert(tx, &dossier, idempotency_key).await?;
    record_change(tx, backend, &dossier, &applicant.actor, "dossier_opened").await?;
    Ok(dossier)
}

/// [`open_in`] in a transaction of its own.
pub async fn open(
    db: &Db,
    procedure: &Procedure,
    applicant: &Applicant,
    idempotency_key: Option<&str>,
) -> Result<Dossier, PortalError> {
    let mut tx = db.begin_write().await?;
    let now = time::OffsetDateTime::now_utc();
    let dossier = open_in(&mut tx, db.backend(), procedure, applicant, idempotency_key, now).await?;
    tx.commit().await?;
    tracing::info!(dossier = %dossier.code, "dossier opened");
    Ok(dossier)
}

/// Appends the ledger entry of a dossier's new state, with what changed.
pub(crate) async fn record_change(
    tx: &mut Tx,
    backend: Backend,
    dossier: &Dossier,
    actor: &Actor,
    change: &str,
) -> Result<(), PortalError> {
    let record =
        RecordRef { kind: DOSSIER.into(), key: dossier.code.to_string(), digest: Some(record_digest(dossier)) };
    let event = Event::new(EventKind::RecordChanged, actor.clone())
        .subject(dossier.applicant.as_str())
        .record(record)
        .detail(serde_json::json!({ "change": change, "procedure": dossier.procedure.as_str() }));
    ledger::store::append(tx, backend, &mut [event]).await?;
    Ok(())
}

/// The applicant's dossiers, newest first.
pub async fn dossiers_of(db: &Db, personal_id: &PersonalId) -> Result<Vec<Dossier>, PortalError> {
    Ok(sql::of_applicant(db, personal_id.as_str()).await?)
}

/// The applicant's own dossier with its timeline; someone else's is not found.
pub async fn own_dossier(
    db: &Db,
    me: &Principal,
    code: &DossierCode,
) -> Result<(Dossier, Vec<DossierEvent>), PortalError> {
    let dossier = sql::one(db, code).await?.ok_or(PortalError::UnknownDossier)?;
    if !dossier.is_filed_by(me) && !dossier.is_consented_by(me) {
        return Err(PortalError::UnknownDossier);
    }
    let events = sql::events(db, code).await?;
    Ok((dossier, events))
}

/// The signed result of the applicant's own completed dossier, as QR text.
pub async fn own_result(db: &Db, me: &Principal, code: &DossierCode) -> Result<String, PortalError> {
    let (dossier, _) = own_dossier(db, me, code).await?;
    if dossier.status != DossierStatus::Completed {
        return Err(PortalError::NoResult);
    }
    sql::result_qr(db, code).await?.ok_or(PortalError::NoResult)
}

/// What anyone may see of a dossier by its code.
pub async fn public_status(db: &Db, code: &DossierCode) -> Result<crate::model::PublicStatus, PortalError> {
    let dossier = sql::one(db, code).await?.filter(|d| d.status != DossierStatus::Draft);
    let dossier = dossier.ok_or(PortalError::UnknownDossier)?;
    Ok(crate::model::PublicStatus {
        code: dossier.code,
        procedure: dossier.procedure,
        status: dossier.status,
        due_on: dossier.due_on,
    })
}

/// Checks every stored dossier against its last ledger entry: the number of dossiers checked, and the first
/// difference (a dossier with no entry, one changed since, an entry for a dossier that is not stored).
pub async fn verify_dossiers(db: &Db) -> Result<(u64, Option<String>), PortalError> {
    let mut check = ledger::verify::RecordCheck::new(db, DOSSIER).await?;
    for dossier in sql::all(db).await? {
        check.row(&dossier.code.to_string(), &record_digest(&dossier));
    }
    Ok(check.finish())
}
