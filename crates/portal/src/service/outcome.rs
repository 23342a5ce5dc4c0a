//! What a final approval does: the procedure's outcome applied to the population registry through its service
//! functions, and the signed result (kết quả giải quyết) issued and recorded, all in the approval's transaction.
//! If any of it fails (the other parent is not in the registry, the applicant has no household), the approval
//! fails with it and nothing changes.

use std::collections::BTreeMap;

use kernel::{LegacyProvinceCode, PersonalId, Sex};
use registry::model::{Citizen, NewCitizen, Relationship};
use registry::service::Change;
use serde::Serialize;
use store::{Backend, Tx};
use trust::document;
use trust::keyring::Keyring;
use trust::keys::Algorithm;
use trust::ledger::Actor;

use crate::error::PortalError;
use crate::model::{Dossier, Outcome, Procedure};

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
    let mut facts = BTreeMap::new();
    match procedure.outcome {
        Outcome::Birth => {
            let child = register_child(tx, backend, dossier, &applicant, &change).await?;
            facts.insert("child_personal_id".into(), child.personal_id.to_string());
            facts.insert("child_full_name".into(), child.full_name.clone());
            facts.insert("child_birth_date".into(), child.birth_date.clone());
            if let Some(household) = &child.household {
                facts.insert("household".into(), household.clone());
            }
            if procedure.health_insurance_card {
                facts.insert("health_insurance_card".into(), health_insurance_card(&child));
            }
        }
        Outcome::PermanentResidence => {
            let household = value(dossier, "household")?;
            let relationship: Relationship =
                value(dossier, "relationship")?.parse().map_err(|()| PortalError::MissingValue("relationship"))?;
            let moved = registry::service::move_to_household_in(
                tx,
                backend,
                &dossier.applicant,
                household,
                relationship,
                &change,
            )
            .await?;
            facts.insert("household".into(), household.to_owned());
            if let Some(commune) = moved.commune {
                facts.insert("commune".into(), commune.to_string());
            }
        }
        Outcome::Death => {
            let deceased: PersonalId =
                value(dossier, "deceased_id")?.parse().map_err(|_| PortalError::MissingValue("deceased_id"))?;
            let died = day(value(dossier, "death_date")?).ok_or(PortalError::MissingValue("death_date"))?;
            let record = registry::life_events::record_death_in(tx, backend, &deceased, died, &change).await?;
            facts.insert("deceased_personal_id".into(), deceased.to_string());
            facts.insert("deceased_full_name".into(), record.full_name);
            facts.insert("death_date".into(), died.to_string());
        }
        Outcome::Document => {
            facts.insert("full_name".into(), applicant.full_name.clone());
            facts.insert("birth_date".into(), applicant.birth_date.clone());
            if let Some(household) = &applicant.household {
                facts.insert("household".into(), household.clone());
            }
        }
    }
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

/// Registers the child of a birth dossier: a new personal ID number, the applicant's household, both parents.
async fn register_child(
    tx: &mut Tx,
    backend: Backend,
    dossier: &Dossier,
    applicant: &Citizen,
    change: &Change<'_>,
) -> Result<Citizen, PortalError> {
    let household = applicant.household.clone().ok_or(PortalError::NoHousehold)?;
    let other: Option<PersonalId> = match dossier.form.get("other_parent_id") {
        Some(id) => Some(id.parse().map_err(|_| PortalError::MissingValue("other_parent_id"))?),
        None => None,
    };
    if let Some(other) = &other {
        // The other parent must be someone the registry holds: the error names them, and nothing is written.
        registry::life_events::citizen_in(tx, other).await?;
    }
    let (mother, father) = match applicant.sex {
        Sex::Female => (Some(applicant.personal_id), other),
        Sex::Male => (other, Some(applicant.personal_id)),
    };
    let sex = match value(dossier, "child_sex")? {
        "female" => Sex::Female,
        _ => Sex::Male,
    };
    let born = day(value(dossier, "child_birth_date")?).ok_or(PortalError::MissingValue("child_birth_date"))?;
    // The ID number's first digits name the province that registers the birth.
    let province = dossier
        .commune
        .and_then(|c| LegacyProvinceCode::parse(&format!("{:03}", c.province().to_string().parse::<u32>().ok()?)))
        .unwrap_or_else(|| applicant.personal_id.province());
    let personal_id = registry::life_events::new_personal_id_in(tx, province, sex, born).await?;
    let relationship = match applicant.relationship {
        Some(Relationship::Head | Relationship::Spouse) => Relationship::Child,
        Some(Relationship::Child) => Relationship::Grandchild,
        _ => Relationship::Other,
    };
    let new = NewCitizen {
        personal_id,
        full_name: value(dossier, "child_full_name")?.to_owned(),
        birth_date: born,
        sex,
        ethnicity: applicant.ethnicity,
        religion: None,
        nationality: "VN".into(),
        hometown: applicant.hometown.clone(),
        household: Some(household),
        relationship: Some(relationship),
        mother_id: mother,
        father_id: father,
        spouse_id: None,
    };
    Ok(registry::service::register_in(tx, backend, &new, change).await?)
}

/// The number of a child's health-insurance card (thẻ BHYT, group TE1: children under six). Social insurance
/// numbers are Vietnam Social Security's to assign; until congso speaks to its system, the card carries the
/// child's personal ID number's last ten digits, which are unique as the ID number is.
fn health_insurance_card(child: &Citizen) -> String {
    let province = child.province.map(|p| p.to_string()).unwrap_or_else(|| "00".into());
    format!("TE1{province}{}", &child.personal_id.as_str()[2..])
}

fn value<'a>(dossier: &'a Dossier, name: &'static str) -> Result<&'a str, PortalError> {
    dossier.form.get(name).map(String::as_str).ok_or(PortalError::MissingValue(name))
}

fn day(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}
