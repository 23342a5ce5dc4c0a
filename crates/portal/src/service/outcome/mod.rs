//! What a final approval does: the procedure's outcome applied to a registry through its service functions (the
//! population registry's in [`population`], the enterprise registry's in [`enterprise`], the land registry's in
//! [`land`]), and the signed result (kết quả giải quyết) issued and recorded, all in the approval's transaction.
//! If any of it fails (the other parent is not in the registry, the name was taken meanwhile), the approval fails
//! with it and nothing changes.
//!
//! An outcome that a registry may refuse is also checked when the applicant submits ([`check_in`]), so that
//! they learn at once, at the field, rather than from a refused dossier days later.

mod enterprise;
mod enterprise_change;
mod land;
mod population;

use std::collections::BTreeMap;

use registry::service::Change;
use serde::Serialize;
use store::{Backend, Tx};
use trust::document;
use trust::keyring::Keyring;
use trust::keys::Algorithm;
use trust::ledger::Actor;

use crate::error::PortalError;
use crate::model::{Dossier, FormValues, Outcome, Procedure};

/// The document type of a dossier's signed result.
pub const RESULT: &str = "vn.congso.dossier-result";

/// How long a result is valid: a registration does not lapse, so as long as its keys are kept.
const RESULT_VALIDITY: i64 = 50 * 365 * 86_400;

/// What a signed result says: the decision and the facts it established.
#[derive(Debug, Clone, Serialize)]
pub struct DossierResult {
    /// The dossier's code.
    pub dossier: String,
    /// The procedure's code.
    pub procedure: String,
    /// The procedure's name.
    pub procedure_name: String,
    /// The applicant's personal ID number.
    pub applicant: String,
    /// The applicant's name, as the registry holds it.
    pub applicant_name: String,
    /// The day of the decision, `YYYY-MM-DD`, in Vietnam.
    pub decided_on: String,
    /// What was established, by name (`child_personal_id`, `household`, …).
    pub facts: BTreeMap<String, String>,
}

/// Checks, when the applicant submits, what the outcome's registry would refuse at approval; the form's values
/// are already parsed field by field. Every problem is reported at its field.
pub async fn check_in(
    tx: &mut Tx,
    procedure: &Procedure,
    dossier: &Dossier,
    values: &FormValues,
) -> Result<(), PortalError> {
    match procedure.outcome {
        Outcome::Enterprise => enterprise::check_in(tx, dossier, values).await,
        Outcome::EnterpriseOffice | Outcome::EnterpriseStatus => {
            enterprise_change::check_in(tx, procedure.outcome, dossier, values).await.map(drop)
        }
        Outcome::LandTransfer => land::check_in(tx, dossier, values).await,
        Outcome::LandMortgage => land::check_mortgage_in(tx, dossier, values).await,
        Outcome::LandMortgageRelease => land::check_release_in(tx, dossier, values).await.map(drop),
        Outcome::Marriage => population::check_marriage_in(tx, dossier, values).await,
        Outcome::TemporaryResidence => population::check_temporary_in(tx, dossier, values).await,
        Outcome::Birth | Outcome::PermanentResidence | Outcome::Death | Outcome::Document => Ok(()),
    }
}

/// What a procedure file must declare for its outcome beyond the fields [`Procedure::outcome_needs`] names: checked
/// with the catalogue at start.
pub fn check_file(procedure: &Procedure) -> Result<(), String> {
    match procedure.outcome {
        Outcome::Enterprise => enterprise::check_file(procedure),
        Outcome::EnterpriseStatus => enterprise_change::check_file(procedure),
        Outcome::LandTransfer => land::check_file(procedure),
        Outcome::TemporaryResidence => population::check_temporary_file(procedure),
        Outcome::Birth
        | Outcome::PermanentResidence
        | Outcome::Death
        | Outcome::Marriage
        | Outcome::EnterpriseOffice
        | Outcome::LandMortgage
        | Outcome::LandMortgageRelease
        | Outcome::Document => Ok(()),
    }
}

/// Applies `procedure`'s outcome for `dossier` and issues its signed result, in the caller's transaction.
pub async fn apply_in(
    tx: &mut Tx,
    backend: Backend,
    keyring: &Keyring,
    procedure: &Procedure,
    dossier: &Dossier,
    actor: &Actor,
) -> Result<credentials::model::Issued, PortalError> {
    let applicant = registry::life_events::citizen_in(tx, &dossier.applicant).await?;
    let reason = format!("{} {}", procedure.legal_basis, dossier.code);
    let change = Change { actor, reason: &reason };
    let facts = match procedure.outcome {
        Outcome::Birth => population::birth(tx, backend, procedure, dossier, &applicant, &change).await?,
        Outcome::PermanentResidence => population::permanent_residence(tx, backend, dossier, &change).await?,
        Outcome::TemporaryResidence => population::temporary_residence(tx, backend, dossier, &change).await?,
        Outcome::Death => population::death(tx, backend, dossier, &change).await?,
        Outcome::Marriage => population::marriage(tx, backend, dossier, &change).await?,
        Outcome::Enterprise => enterprise::register(tx, backend, dossier, &change).await?,
        Outcome::EnterpriseOffice | Outcome::EnterpriseStatus => {
            enterprise_change::apply(tx, backend, procedure.outcome, dossier, &change).await?
        }
        Outcome::LandTransfer => land::transfer(tx, backend, dossier, actor).await?,
        Outcome::LandMortgage => land::mortgage(tx, backend, dossier, actor).await?,
        Outcome::LandMortgageRelease => land::release(tx, backend, dossier, actor).await?,
        Outcome::Document => {
            let mut facts = BTreeMap::new();
            facts.insert("full_name".into(), applicant.full_name.clone());
            facts.insert("birth_date".into(), applicant.birth_date.clone());
            if let Some(household) = &applicant.household {
                facts.insert("household".into(), household.clone());
            }
            if let (Some(household), Some(until)) = (&applicant.temporary_household, &applicant.temporary_until) {
                facts.insert("temporary_household".into(), household.clone());
                facts.insert("temporary_until".into(), until.clone());
            }
            facts
        }
    };
    let now = time::OffsetDateTime::now_utc();
    let payload = DossierResult {
        dossier: dossier.code.to_string(),
        procedure: procedure.code.to_string(),
        procedure_name: procedure.name.vi.clone(),
        applicant: dossier.applicant.to_string(),
        applicant_name: applicant.full_name.clone(),
        decided_on: super::workflow::today(now).to_string(),
        facts,
    };
    let key = keyring.signer(Algorithm::EdDSA).ok_or(credentials::CredentialError::NoKey)?;
    let issued_at = now.unix_timestamp();
    let doc = document::Document {
        doc_type: RESULT.into(),
        agency: dossier.office.to_string(),
        id: credentials::model::new_id(),
        digest: document::digest(&serde_json::to_vec(&payload).unwrap_or_default()),
        issued_at,
        expires_at: Some(issued_at + RESULT_VALIDITY),
        payload,
    };
    let issued = credentials::model::Issued {
        id: hex::encode(&doc.id),
        personal_id: dossier.applicant.to_string(),
        kid: key.kid().to_owned(),
        issued_at,
        expires_at: issued_at + RESULT_VALIDITY,
        qr_text: document::sign(&doc, &key).map_err(credentials::CredentialError::from)?,
    };
    credentials::store::record_in(tx, backend, RESULT, applicant.version, &issued, actor).await?;
    Ok(issued)
}

/// The stored form's value of field `name`.
pub(super) fn value<'a>(dossier: &'a Dossier, name: &'static str) -> Result<&'a str, PortalError> {
    value_in(&dossier.form, name)
}

/// The value of field `name` among parsed form values (the catalogue's check makes a missing one a bug).
pub(super) fn value_in<'a>(values: &'a FormValues, name: &'static str) -> Result<&'a str, PortalError> {
    values.get(name).map(String::as_str).ok_or(PortalError::MissingValue(name))
}

/// A registry's refusal at form field `field`, in both languages.
pub(super) fn problem(field: &str, vi: &str, en: &str) -> PortalError {
    PortalError::Invalid(vec![web::FieldError::new(field, kernel::Text::new(vi.to_owned(), en.to_owned()))])
}

pub(super) fn day(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}
