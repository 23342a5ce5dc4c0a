//! The portal's rules: who may open a dossier under a procedure, and which agency receives it.

use identity::{AccountKind, Principal};
use kernel::{AgencyCode, PersonalId};
use store::{Backend, Db, Tx};
use trust::ledger::{self, Actor, Event, EventKind, RecordRef, record_digest};

use crate::error::PortalError;
use crate::model::{Dossier, DossierStatus, Level, Procedure};
use crate::store as sql;

/// The record kind of a dossier in the ledger.
pub const DOSSIER: &str = "dossier";

/// The citizen behind an account, and where the registry says they live.
pub struct Applicant {
    /// Their personal ID number.
    pub personal_id: PersonalId,
    /// Their name, for the ledger.
    pub actor: Actor,
    /// Their commune of residence, if the registry holds one.
    pub commune: Option<kernel::AdminUnitCode>,
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
    Ok(Applicant { personal_id, actor: Actor::named(&me.username, &me.display_name), commune: citizen.commune })
}

/// The agency that receives a procedure's dossiers from this applicant: the People's Committee of their commune
/// or province, or the procedure's ministry.
pub fn receiving_agency(procedure: &Procedure, applicant: &Applicant) -> Result<AgencyCode, PortalError> {
    let unit = match procedure.level {
        Level::Ministry => return procedure.ministry.clone().ok_or(PortalError::NoResidence),
        Level::Commune => applicant.commune.ok_or(PortalError::NoResidence)?,
        Level::Province => applicant.commune.ok_or(PortalError::NoResidence)?.province(),
    };
    format!("UBND.{unit}").parse().map_err(|_| PortalError::NoResidence)
}

/// Opens a draft dossier under `procedure` for `applicant`, with its code and its ledger entry, in the caller's
/// transaction.
pub async fn open_in(
    tx: &mut Tx,
    backend: Backend,
    procedure: &Procedure,
    applicant: &Applicant,
    now: time::OffsetDateTime,
) -> Result<Dossier, PortalError> {
    let agency = receiving_agency(procedure, applicant)?;
    // The day in Vietnam's time, as the applicant reads the code.
    let day = now.to_offset(time::macros::offset!(+7)).date();
    let seq = sql::next_seq(tx, &agency, day).await?;
    let dossier = Dossier {
        code: sql::code(agency.clone(), day, seq)?,
        procedure: procedure.code.clone(),
        agency,
        status: DossierStatus::Draft,
        created_at: now.unix_timestamp(),
    };
    sql::insert(tx, &dossier, applicant.personal_id.as_str()).await?;
    let record =
        RecordRef { kind: DOSSIER.into(), key: dossier.code.to_string(), digest: Some(record_digest(&dossier)) };
    let event = Event::new(EventKind::RecordChanged, applicant.actor.clone())
        .subject(applicant.personal_id.as_str())
        .record(record)
        .detail(serde_json::json!({ "change": "dossier_opened", "procedure": procedure.code.as_str() }));
    ledger::store::append(tx, backend, &mut [event]).await?;
    Ok(dossier)
}

/// [`open_in`] in a transaction of its own.
pub async fn open(db: &Db, procedure: &Procedure, applicant: &Applicant) -> Result<Dossier, PortalError> {
    let mut tx = db.begin_write().await?;
    let dossier = open_in(&mut tx, db.backend(), procedure, applicant, time::OffsetDateTime::now_utc()).await?;
    tx.commit().await?;
    tracing::info!(dossier = %dossier.code, "dossier opened");
    Ok(dossier)
}

/// The applicant's dossiers, newest first.
pub async fn dossiers_of(db: &Db, personal_id: &PersonalId) -> Result<Vec<Dossier>, PortalError> {
    Ok(sql::of_applicant(db, personal_id.as_str()).await?)
}

/// Checks every stored dossier against its last ledger entry: the number of dossiers checked, and the first
/// difference (a dossier with no entry, one changed since, an entry for a dossier that is not stored).
pub async fn verify_dossiers(db: &Db) -> Result<(u64, Option<String>), PortalError> {
    let mut latest = ledger::verify::latest_digests(db, DOSSIER).await?;
    let dossiers = sql::all(db).await?;
    let checked = dossiers.len() as u64;
    for dossier in dossiers {
        let key = dossier.code.to_string();
        match latest.remove(&key) {
            None => return Ok((checked, Some(format!("dossier {key} has no ledger entry")))),
            Some((recorded, seq)) if recorded != record_digest(&dossier) => {
                return Ok((
                    checked,
                    Some(format!("dossier {key}: the stored row is not the one of ledger entry {seq}")),
                ));
            }
            Some(_) => {}
        }
    }
    let orphan = latest.into_iter().min_by_key(|(_, (_, seq))| *seq);
    Ok((
        checked,
        orphan.map(|(key, (_, seq))| format!("ledger entry {seq} records dossier {key}, which is not stored")),
    ))
}
