//! Sự đồng ý của bên kia — a dossier that needs another party's consent (a marriage: both declare it, Law on Civil
//! Status 2014, art. 18). At submission it waits for the person its `consent_of` field names; they see it from
//! their own account, signed in at the procedure's assurance level, and agree (it goes to the agency, or asks for
//! its fee) or decline (it returns to the applicant's drafts). Each answer is in the timeline and the ledger, and
//! the applicant is told.

use identity::Principal;
use kernel::{DossierCode, PersonalId, Text};
use store::Db;
use time::OffsetDateTime;

use super::workflow::{applicant_actor, hand_in, load, procedure_of, record};
use crate::error::PortalError;
use crate::model::{Dossier, DossierStatus, Procedure};

/// At submission: if `procedure` needs another party's consent, the dossier waits for them. Whether it does.
pub(super) fn ask(procedure: &Procedure, after: &mut Dossier) -> Result<bool, PortalError> {
    let Some(field) = &procedure.consent_of else { return Ok(false) };
    let party: PersonalId =
        after.form.get(field.as_str()).and_then(|v| v.parse().ok()).ok_or(PortalError::MissingValue("consent_of"))?;
    if party == after.applicant {
        let why =
            Text::new("Bên đồng ý phải là người khác, không phải chính bạn.", "The other party must be someone else.");
        return Err(PortalError::Invalid(vec![web::FieldError::new(field, why)]));
    }
    after.consent_of = Some(party);
    after.status = DossierStatus::AwaitingConsent;
    Ok(true)
}

/// The dossiers waiting for `me`'s consent.
pub async fn asked_of(db: &Db, me: &Principal) -> Result<Vec<Dossier>, PortalError> {
    let Some(pid) = me.personal_id else { return Ok(Vec::new()) };
    Ok(crate::store::awaiting_consent_of(db, pid.as_str()).await?)
}

/// The other party's answer. Anyone else, or a dossier not waiting for consent, finds no dossier. Agreeing checks
/// again what the registry would refuse (either of them may have married meanwhile): refused, nothing changes.
pub async fn answer(db: &Db, me: &Principal, code: &DossierCode, agree: bool) -> Result<Dossier, PortalError> {
    let mut tx = db.begin_write().await?;
    let before = load(&mut tx, code).await?;
    if before.status != DossierStatus::AwaitingConsent || !before.is_consented_by(me) {
        return Err(PortalError::UnknownDossier);
    }
    let procedure = procedure_of(&before)?;
    if me.assurance_level.number() < i64::from(procedure.assurance) {
        return Err(PortalError::Assurance(procedure.assurance));
    }
    let now = OffsetDateTime::now_utc();
    let actor = applicant_actor(me);
    let mut after = before.clone();
    after.version += 1;
    let action = if agree {
        super::outcome::check_in(&mut tx, procedure, &before, &before.form).await?;
        hand_in(&mut tx, db.backend(), procedure, &mut after, &actor, now).await?;
        "consented"
    } else {
        after.status = DossierStatus::Draft;
        after.consent_of = None;
        after.submitted_at = None;
        "consent_declined"
    };
    record(&mut tx, db.backend(), &after, &actor, action, None).await?;
    tx.commit().await?;
    tracing::info!(dossier = %code, action, "consent answered");
    Ok(after)
}
