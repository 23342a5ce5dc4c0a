//! Sự kiện hộ tịch — the life events a dossier's approval applies to the registry: a newborn's personal ID number
//! and a death. Each takes the caller's transaction, so the portal commits them with the approval or not at all.

use kernel::{LegacyProvinceCode, PersonalId, Sex};
use rand::Rng;
use store::{Backend, Tx};
use time::Date;

use crate::audit;
use crate::error::RegistryError;
use crate::model::{Citizen, CitizenStatus};
use crate::service::Change;
use crate::store as sql;

/// A citizen as the registry holds them now, read in the caller's transaction.
pub async fn citizen_in(tx: &mut Tx, personal_id: &PersonalId) -> Result<Citizen, RegistryError> {
    Ok(sql::citizen(&mut **tx, personal_id).await?.ok_or(RegistryError::NotFound)?.1)
}

/// A personal ID number no one holds yet, for a child born on `born` and registered in `province`: the province,
/// the century-and-sex digit, the year's two digits, then six random digits (Circular 59/2021/TT-BCA, art. 13).
/// Checked against the registry in the caller's transaction; the citizens' unique key still stops a clash with a
/// registration committed in the meantime.
pub async fn new_personal_id_in(
    tx: &mut Tx,
    province: LegacyProvinceCode,
    sex: Sex,
    born: Date,
) -> Result<PersonalId, RegistryError> {
    let century = (born.year() / 100 - 19) * 2 + i32::from(sex == Sex::Female);
    for _ in 0..16 {
        let serial = rand::thread_rng().gen_range(0..1_000_000);
        let text = format!("{province}{century}{:02}{serial:06}", born.year() % 100);
        let id: PersonalId = text.parse().map_err(|_| RegistryError::Duplicate)?;
        if sql::citizen(&mut **tx, &id).await?.is_none() {
            return Ok(id);
        }
    }
    Err(RegistryError::Duplicate)
}

/// Records a citizen's death on `died`: the record becomes deceased, the previous version is kept, every credential
/// about them is revoked, and the changes go to the ledger, in the caller's transaction.
pub async fn record_death_in(
    tx: &mut Tx,
    backend: Backend,
    personal_id: &PersonalId,
    died: Date,
    change: &Change<'_>,
) -> Result<Citizen, RegistryError> {
    let (id, before) = sql::citizen(&mut **tx, personal_id).await?.ok_or(RegistryError::NotFound)?;
    if before.status == CitizenStatus::Deceased {
        return Err(RegistryError::Deceased);
    }
    let (by, reason, at) = sql::change_of(&mut **tx, id).await?;
    if !sql::record_death(&mut **tx, id, &died.to_string(), before.version, change, now()).await? {
        return Err(RegistryError::Stale);
    }
    sql::insert_version(&mut **tx, id, &before, &by, &reason, at).await?;
    let after = citizen_in(tx, personal_id).await?;
    audit::record_changes(tx, backend, std::slice::from_ref(&after), change.actor, change.reason).await?;
    credentials::store::revoke_all_of_in(tx, backend, personal_id.as_str(), change.reason, change.actor)
        .await
        .map_err(RegistryError::Credential)?;
    Ok(after)
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
