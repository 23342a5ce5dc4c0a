//! Credentials issued from the registry: the citizen's digital-ID QR (Claim 169) and signed documents about them
//! (the confirmation of residence), signed with `trust` and recorded through the `credentials` slice, which also
//! revokes them and publishes what verifiers need. The citizen's pages for them are in [`pages`], batch issuance
//! for card printing in [`cli`].

pub mod cli;
pub mod documents;
pub mod pages;

use credentials::{CredentialError, Issued};
use kernel::{AdminUnitCode, PersonalId, Sex};
use store::Db;
use store::sqlx::{self, Row};
use time::OffsetDateTime;
use trust::claim169::{self, CwtMeta, Gender, Identity};
use trust::document::{self, Document};
use trust::keyring::Keyring;
use trust::keys::{Algorithm, SigningKey};
use trust::ledger::Actor;

use crate::error::RegistryError;
use crate::model::Citizen;

/// The kind of a digital-ID credential in `credentials`.
pub const DIGITAL_ID: &str = "digital_id";
/// The kind, and document type, of a confirmation of residence.
pub const RESIDENCE: &str = "vn.congso.residence-confirmation";
/// A digital ID is valid for five years.
pub const DIGITAL_ID_VALIDITY: i64 = 5 * 365 * 86_400;
/// A confirmation of residence is valid for 30 days, as paper ones are in practice.
pub const RESIDENCE_VALIDITY: i64 = 30 * 86_400;
/// A citizen's page shows a new code when the current one has less than this left.
const RENEW_BEFORE: i64 = 30 * 86_400;

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn unit_name(code: Option<AdminUnitCode>) -> Option<String> {
    code.map(|c| c.unit().name.clone())
}

/// The citizen's address as the credential writes it: commune, then province, one a line.
pub fn address_of(citizen: &Citizen) -> Option<String> {
    let lines: Vec<String> = [unit_name(citizen.commune), unit_name(citizen.province)].into_iter().flatten().collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The claim 169 identity of a citizen: ID number, name, birth date, sex, address, nationality.
pub fn identity_of(citizen: &Citizen) -> Identity {
    Identity {
        id: Some(citizen.personal_id.to_string()),
        language: Some("vie".into()),
        full_name: Some(citizen.full_name.clone()),
        date_of_birth: Some(citizen.birth_date.replace('-', "")),
        gender: Some(match citizen.sex {
            Sex::Male => Gender::Male,
            Sex::Female => Gender::Female,
        }),
        address: address_of(citizen),
        nationality: Some(if citizen.nationality.is_empty() { "VN".into() } else { citizen.nationality.clone() }),
        ..Identity::default()
    }
}

fn signer(keyring: &Keyring) -> Result<SigningKey, RegistryError> {
    keyring.signer(Algorithm::EdDSA).ok_or(RegistryError::Credential(CredentialError::NoKey))
}

/// The record of a living citizen; a deceased person is issued nothing new.
async fn living(db: &Db, personal_id: &PersonalId) -> Result<Citizen, RegistryError> {
    let citizen = crate::service::citizen(db, personal_id).await?;
    if citizen.status != crate::model::CitizenStatus::Living {
        return Err(RegistryError::Deceased);
    }
    Ok(citizen)
}

/// Issues a new digital-ID credential for a living citizen, signed with the keyring's newest EdDSA key.
pub async fn issue_digital_id(
    db: &Db,
    keyring: &Keyring,
    issuer: &str,
    personal_id: &PersonalId,
    actor: &Actor,
) -> Result<Issued, RegistryError> {
    let citizen = living(db, personal_id).await?;
    let key = signer(keyring)?;
    let (id, issued_at) = (credentials::model::new_id(), now());
    let meta = CwtMeta {
        issuer: Some(issuer.to_owned()),
        issued_at: Some(issued_at),
        expires_at: Some(issued_at + DIGITAL_ID_VALIDITY),
        cti: Some(id.clone()),
        ..CwtMeta::default()
    };
    let issued = Issued {
        id: hex::encode(&id),
        personal_id: personal_id.to_string(),
        kid: key.kid().to_owned(),
        issued_at,
        expires_at: issued_at + DIGITAL_ID_VALIDITY,
        qr_text: claim169::encode(&identity_of(&citizen), &meta, &key).map_err(CredentialError::from)?,
    };
    credentials::store::record(db, DIGITAL_ID, citizen.version, &issued, actor).await?;
    Ok(issued)
}

/// The citizen's current digital ID: the last one issued if it still fits (same record version, key still
/// active, not revoked, not about to expire), else a new one.
pub async fn digital_id(
    db: &Db,
    keyring: &Keyring,
    issuer: &str,
    personal_id: &PersonalId,
    actor: &Actor,
) -> Result<Issued, RegistryError> {
    let citizen = living(db, personal_id).await?;
    let latest =
        credentials::store::latest(db, DIGITAL_ID, &personal_id.to_string(), citizen.version, now() + RENEW_BEFORE)
            .await?;
    if let Some(issued) = latest.filter(|issued| keyring.verifier(&issued.kid).is_some()) {
        return Ok(issued);
    }
    issue_digital_id(db, keyring, issuer, personal_id, actor).await
}

/// What a confirmation of residence says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Residence {
    /// The citizen's personal ID number.
    pub personal_id: String,
    /// Full name.
    pub full_name: String,
    /// Date of birth, `YYYY-MM-DD`.
    pub birth_date: String,
    /// The household of permanent residence.
    pub household: Option<String>,
    /// Commune and province of residence.
    pub address: Option<String>,
    /// The household of temporary residence, while it lasts. Left out when there is none, as in documents signed
    /// before temporary residence was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_household: Option<String>,
    /// The temporary residence's last day, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_until: Option<String>,
}

/// Issues a signed confirmation of residence (xác nhận thông tin về cư trú) for a living citizen. The document's
/// hash is over the canonical JSON of what it confirms, which is what the printed page shows.
pub async fn issue_residence(
    db: &Db,
    keyring: &Keyring,
    agency: &str,
    personal_id: &PersonalId,
    actor: &Actor,
) -> Result<(Document<Residence>, Issued), RegistryError> {
    let citizen = living(db, personal_id).await?;
    let key = signer(keyring)?;
    let mut payload = Residence {
        personal_id: personal_id.to_string(),
        full_name: citizen.full_name.clone(),
        birth_date: citizen.birth_date.clone(),
        household: citizen.household.clone(),
        address: address_of(&citizen).map(|a| a.replace('\n', ", ")),
        temporary_household: None,
        temporary_until: None,
    };
    // A lapsed temporary residence is not confirmed: only one that lasts at least until today.
    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)).date().to_string();
    if let (Some(h), Some(until)) = (&citizen.temporary_household, &citizen.temporary_until)
        && until.as_str() >= today.as_str()
    {
        payload.temporary_household = Some(h.clone());
        payload.temporary_until = Some(until.clone());
    }
    let issued_at = now();
    let doc = Document {
        doc_type: RESIDENCE.into(),
        agency: agency.to_owned(),
        id: credentials::model::new_id(),
        digest: document::digest(&serde_json::to_vec(&payload).unwrap_or_default()),
        issued_at,
        expires_at: Some(issued_at + RESIDENCE_VALIDITY),
        payload,
    };
    let issued = Issued {
        id: hex::encode(&doc.id),
        personal_id: personal_id.to_string(),
        kid: key.kid().to_owned(),
        issued_at,
        expires_at: issued_at + RESIDENCE_VALIDITY,
        qr_text: document::sign(&doc, &key).map_err(CredentialError::from)?,
    };
    credentials::store::record(db, RESIDENCE, citizen.version, &issued, actor).await?;
    Ok((doc, issued))
}

/// The personal ID numbers of the living citizens of a commune, for batch issuance.
pub async fn living_in(db: &Db, commune: &AdminUnitCode) -> Result<Vec<PersonalId>, RegistryError> {
    let rows = sqlx::query(
        "SELECT personal_id FROM citizens WHERE commune_code = $1 AND status = 'living' ORDER BY personal_id",
    )
    .bind(commune.to_string())
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().filter_map(|r| r.try_get::<String, _>("personal_id").ok()?.parse().ok()).collect())
}
