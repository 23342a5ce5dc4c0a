//! Credentials issued from the registry: the citizen's digital-ID QR (Claim 169) and signed documents about them
//! (the confirmation of residence), each recorded in `credentials` with a ledger entry in the same transaction,
//! and the revocation list that names the revoked ones.

use kernel::{AdminUnitCode, PersonalId, Sex};
use rand::RngCore;
use store::Db;
use store::sqlx::{self, Row};
use time::OffsetDateTime;
use trust::claim169::{self, CwtMeta, Gender, Identity};
use trust::document::{self, Document};
use trust::keyring::Keyring;
use trust::keys::{Algorithm, SigningKey};
use trust::ledger::{self, Actor, Event, EventKind};
use trust::revocation::RevocationList;

use crate::model::Citizen;

/// The issuer written into credentials when the installation names none.
pub const DEFAULT_ISSUER: &str = "congso";
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

/// Why a credential could not be issued or revoked.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// No citizen has this personal ID number.
    #[error("no citizen has this personal ID number")]
    NoCitizen,
    /// The citizen is deceased: no new credential is issued.
    #[error("the citizen is deceased")]
    Deceased,
    /// No credential has this id.
    #[error("no credential has id {0}")]
    Unknown(String),
    /// The keyring has no active key to sign with.
    #[error("no active EdDSA signing key")]
    NoKey,
    /// Encoding failed.
    #[error("encoding: {0}")]
    Encode(#[from] claim169::EncodeError),
    /// The database failed.
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    /// The ledger could not record it, so nothing was issued.
    #[error("ledger: {0}")]
    Ledger(#[from] ledger::LedgerError),
    /// Reading the registry failed.
    #[error(transparent)]
    Registry(#[from] crate::error::RegistryError),
    /// The reason of a revocation is empty, too long or carries a control or invisible character.
    #[error("reason: {0}")]
    Reason(#[from] kernel::FreeTextError),
}

/// A credential as issued.
#[derive(Debug, Clone)]
pub struct Issued {
    /// Its id: the hex of its `cti`.
    pub id: String,
    /// Whom it is about.
    pub personal_id: String,
    /// The key that signed it.
    pub kid: String,
    /// Issued at, Unix seconds.
    pub issued_at: i64,
    /// Expires at, Unix seconds.
    pub expires_at: i64,
    /// The QR text.
    pub qr_text: String,
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn new_id() -> Vec<u8> {
    let mut id = vec![0u8; 16];
    rand::thread_rng().fill_bytes(&mut id);
    id
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

fn signer(keyring: &Keyring) -> Result<SigningKey, CredentialError> {
    keyring.signer(Algorithm::EdDSA).ok_or(CredentialError::NoKey)
}

async fn living(db: &Db, personal_id: &PersonalId) -> Result<Citizen, CredentialError> {
    let citizen = match crate::service::citizen(db, personal_id).await {
        Err(crate::error::RegistryError::NotFound) => return Err(CredentialError::NoCitizen),
        other => other?,
    };
    if citizen.status != crate::model::CitizenStatus::Living {
        return Err(CredentialError::Deceased);
    }
    Ok(citizen)
}

/// Stores an issued credential and its ledger entry together.
async fn record(db: &Db, kind: &str, version: i64, issued: &Issued, actor: &Actor) -> Result<(), CredentialError> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO credentials (id, kind, personal_id, record_version, kid, issued_at, expires_at, qr_text) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&issued.id)
    .bind(kind)
    .bind(&issued.personal_id)
    .bind(version)
    .bind(&issued.kid)
    .bind(issued.issued_at)
    .bind(issued.expires_at)
    .bind(&issued.qr_text)
    .execute(&mut *tx)
    .await?;
    let event = Event::new(EventKind::CredentialIssued, actor.clone()).subject(&issued.personal_id).detail(
        serde_json::json!({ "id": issued.id, "kind": kind, "kid": issued.kid, "expires_at": issued.expires_at }),
    );
    ledger::store::append(&mut tx, db.backend(), &mut [event]).await?;
    tx.commit().await?;
    Ok(())
}

/// Issues a new digital-ID credential for a living citizen, signed with the keyring's newest EdDSA key.
pub async fn issue_digital_id(
    db: &Db,
    keyring: &Keyring,
    issuer: &str,
    personal_id: &PersonalId,
    actor: &Actor,
) -> Result<Issued, CredentialError> {
    let citizen = living(db, personal_id).await?;
    let key = signer(keyring)?;
    let (id, issued_at) = (new_id(), now());
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
        qr_text: claim169::encode(&identity_of(&citizen), &meta, &key)?,
    };
    record(db, DIGITAL_ID, citizen.version, &issued, actor).await?;
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
) -> Result<Issued, CredentialError> {
    let citizen = living(db, personal_id).await?;
    let row = sqlx::query(
        "SELECT id, kid, issued_at, expires_at, qr_text FROM credentials WHERE personal_id = $1 AND kind = $2 \
         AND record_version = $3 AND revoked_at IS NULL AND expires_at > $4 ORDER BY issued_at DESC LIMIT 1",
    )
    .bind(personal_id.to_string())
    .bind(DIGITAL_ID)
    .bind(citizen.version)
    .bind(now() + RENEW_BEFORE)
    .fetch_optional(db.pool())
    .await?;
    if let Some(row) = row {
        let kid: String = row.try_get("kid")?;
        if keyring.verifier(&kid).is_some() {
            return Ok(Issued {
                id: row.try_get("id")?,
                personal_id: personal_id.to_string(),
                kid,
                issued_at: row.try_get("issued_at")?,
                expires_at: row.try_get("expires_at")?,
                qr_text: row.try_get("qr_text")?,
            });
        }
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
}

/// Issues a signed confirmation of residence (xác nhận thông tin về cư trú) for a living citizen. The document's
/// hash is over the canonical JSON of what it confirms, which is what the printed page shows.
pub async fn issue_residence(
    db: &Db,
    keyring: &Keyring,
    agency: &str,
    personal_id: &PersonalId,
    actor: &Actor,
) -> Result<(Document<Residence>, Issued), CredentialError> {
    let citizen = living(db, personal_id).await?;
    let key = signer(keyring)?;
    let payload = Residence {
        personal_id: personal_id.to_string(),
        full_name: citizen.full_name.clone(),
        birth_date: citizen.birth_date.clone(),
        household: citizen.household.clone(),
        address: address_of(&citizen).map(|a| a.replace('\n', ", ")),
    };
    let issued_at = now();
    let doc = Document {
        doc_type: RESIDENCE.into(),
        agency: agency.to_owned(),
        id: new_id(),
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
        qr_text: document::sign(&doc, &key)?,
    };
    record(db, RESIDENCE, citizen.version, &issued, actor).await?;
    Ok((doc, issued))
}

/// Revokes a credential or document; revoking one already revoked changes nothing and says so (`false`).
/// The reason goes into the ledger, so it follows [`kernel::free_text::clean`] (at most 500 characters).
pub async fn revoke(db: &Db, id: &str, reason: &str, actor: &Actor) -> Result<bool, CredentialError> {
    let reason = kernel::free_text::clean(reason, 500)?;
    let reason = reason.as_str();
    let mut tx = db.begin_write().await?;
    let row = sqlx::query("SELECT personal_id, revoked_at FROM credentials WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| CredentialError::Unknown(id.to_owned()))?;
    if row.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
        return Ok(false);
    }
    let personal_id: String = row.try_get("personal_id")?;
    sqlx::query("UPDATE credentials SET revoked_at = $1, revoked_reason = $2 WHERE id = $3")
        .bind(now())
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let event = Event::new(EventKind::CredentialRevoked, actor.clone())
        .subject(&personal_id)
        .purpose(reason)
        .detail(serde_json::json!({ "id": id }));
    ledger::store::append(&mut tx, db.backend(), &mut [event]).await?;
    tx.commit().await?;
    Ok(true)
}

/// Whether the credential with this id is revoked.
pub async fn is_revoked(db: &Db, id: &str) -> Result<bool, CredentialError> {
    let row = sqlx::query("SELECT 1 AS one FROM credentials WHERE id = $1 AND revoked_at IS NOT NULL")
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.is_some())
}

/// The current revocation list. Revocations are never undone, so their count is a version that only grows.
pub async fn revocation_list(db: &Db, issuer: &str) -> Result<RevocationList, CredentialError> {
    let rows =
        sqlx::query("SELECT id FROM credentials WHERE revoked_at IS NOT NULL ORDER BY id").fetch_all(db.pool()).await?;
    let revoked: Vec<String> = rows.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>()?;
    Ok(RevocationList { issuer: issuer.to_owned(), version: revoked.len() as u64, issued_at: now(), revoked })
}

/// The personal ID numbers of the living citizens of a commune, for batch issuance.
pub async fn living_in(db: &Db, commune: &AdminUnitCode) -> Result<Vec<PersonalId>, CredentialError> {
    let rows = sqlx::query(
        "SELECT personal_id FROM citizens WHERE commune_code = $1 AND status = 'living' ORDER BY personal_id",
    )
    .bind(commune.to_string())
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().filter_map(|r| r.try_get::<String, _>("personal_id").ok()?.parse().ok()).collect())
}
