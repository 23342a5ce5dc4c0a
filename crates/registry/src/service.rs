//! The population registry's rules, for the API, the pages, the import and (later) the portal.

use kernel::{DigitalAddress, PersonalId};
use store::{Backend, Db, Tx};
use time::OffsetDateTime;
use trust::ledger::Actor;

use crate::audit;
use crate::error::RegistryError;
use crate::model::{Address, Citizen, Household, NewCitizen, Relationship, Version};
use crate::store as sql;

/// Who made a change and why: every version of a record carries it, and so does its ledger entry.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// An official acting in a role, or a process such as `import`.
    pub actor: &'a Actor,
    /// The legal basis or dossier code.
    pub reason: &'a str,
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Registers a new citizen as version 1 of their record, with the name in the search index and the change in the
/// ledger, all or nothing.
pub async fn register(db: &Db, new: &NewCitizen, change: &Change<'_>) -> Result<Citizen, RegistryError> {
    let mut tx = db.begin_write().await?;
    let record = register_in(&mut tx, db.backend(), new, change).await?;
    tx.commit().await?;
    Ok(record)
}

/// [`register`] in the caller's transaction: the citizen and the ledger entry are written, and committed or rolled
/// back with whatever else the caller does (the portal's birth registration, with the dossier's approval).
pub async fn register_in(
    tx: &mut Tx,
    backend: Backend,
    new: &NewCitizen,
    change: &Change<'_>,
) -> Result<Citizen, RegistryError> {
    let record = insert(tx, new, change).await?;
    audit::record_changes(tx, backend, std::slice::from_ref(&record), change.actor, change.reason).await?;
    Ok(record)
}

/// [`register`] without the ledger entry. Only the ledger benchmark uses it, as the baseline that shows what the
/// audit costs; nothing that serves people may.
#[doc(hidden)]
pub async fn register_unaudited_for_benchmark(
    db: &Db,
    new: &NewCitizen,
    change: &Change<'_>,
) -> Result<Citizen, RegistryError> {
    let mut tx = db.begin_write().await?;
    let record = insert(&mut tx, new, change).await?;
    tx.commit().await?;
    Ok(record)
}

async fn insert(tx: &mut Tx, new: &NewCitizen, change: &Change<'_>) -> Result<Citizen, RegistryError> {
    let place = match &new.household {
        Some(code) => Some(
            sql::household_place(&mut **tx, code)
                .await?
                .ok_or_else(|| RegistryError::UnknownHousehold(code.clone()))?,
        ),
        None => None,
    };
    let id = sql::insert_citizen(&mut **tx, new, place.as_ref(), change, now())
        .await
        .map_err(|e| if store::is_unique_violation(&e) { RegistryError::Duplicate } else { RegistryError::Sql(e) })?;
    sql::insert_name_suffixes(tx, id, &new.full_name).await?;
    let (_, record) = sql::citizen(&mut **tx, &new.personal_id).await?.ok_or(RegistryError::NotFound)?;
    Ok(record)
}

/// A citizen by ID number.
pub async fn citizen(db: &Db, personal_id: &PersonalId) -> Result<Citizen, RegistryError> {
    sql::citizen(db.pool(), personal_id).await?.map(|(_, c)| c).ok_or(RegistryError::NotFound)
}

/// Every version of a citizen's record, oldest first.
pub async fn history(db: &Db, personal_id: &PersonalId) -> Result<Vec<Version>, RegistryError> {
    let (id, current) = sql::citizen(db.pool(), personal_id).await?.ok_or(RegistryError::NotFound)?;
    Ok(sql::versions(db.pool(), id, &current).await?)
}

/// A household with its address and members.
pub async fn household(db: &Db, code: &str) -> Result<Household, RegistryError> {
    let (address, members) = sql::household(db.pool(), code).await?.ok_or(RegistryError::NotFound)?;
    Ok(Household { code: code.to_owned(), address, members })
}

/// The commune where household `code` lives, read in the caller's transaction.
pub async fn household_commune_in(tx: &mut Tx, code: &str) -> Result<kernel::AdminUnitCode, RegistryError> {
    let place =
        sql::household_place(&mut **tx, code).await?.ok_or_else(|| RegistryError::UnknownHousehold(code.to_owned()))?;
    place.commune.parse().map_err(|_| RegistryError::UnknownHousehold(code.to_owned()))
}

/// A dwelling by its digital address.
pub async fn address(db: &Db, code: &DigitalAddress) -> Result<Address, RegistryError> {
    sql::address(db.pool(), code).await?.ok_or(RegistryError::NotFound)
}

/// Moves a citizen into another household, keeping the previous version. Fails with `Stale` if another change
/// landed between reading the record and writing it.
pub async fn move_to_household(
    db: &Db,
    personal_id: &PersonalId,
    household_code: &str,
    relationship: Relationship,
    change: &Change<'_>,
) -> Result<Citizen, RegistryError> {
    let mut tx = db.begin_write().await?;
    let after = move_to_household_in(&mut tx, db.backend(), personal_id, household_code, relationship, change).await?;
    tx.commit().await?;
    Ok(after)
}

/// [`move_to_household`] in the caller's transaction (the portal's residence registration calls this with the
/// dossier's approval).
pub async fn move_to_household_in(
    tx: &mut Tx,
    backend: Backend,
    personal_id: &PersonalId,
    household_code: &str,
    relationship: Relationship,
    change: &Change<'_>,
) -> Result<Citizen, RegistryError> {
    let (id, before) = sql::citizen(&mut **tx, personal_id).await?.ok_or(RegistryError::NotFound)?;
    let to = sql::household_place(&mut **tx, household_code)
        .await?
        .ok_or_else(|| RegistryError::UnknownHousehold(household_code.to_owned()))?;
    let (by, reason, at) = sql::change_of(&mut **tx, id).await?;
    // Update first: the row lock and the version check make a concurrent change wait, then fail cleanly as stale,
    // before anything else is written.
    if !sql::move_citizen(&mut **tx, id, &to, relationship.as_str(), before.version, change, now()).await? {
        return Err(RegistryError::Stale);
    }
    sql::insert_version(&mut **tx, id, &before, &by, &reason, at).await?;
    let (_, after) = sql::citizen(&mut **tx, personal_id).await?.ok_or(RegistryError::NotFound)?;
    audit::record_changes(tx, backend, std::slice::from_ref(&after), change.actor, change.reason).await?;
    Ok(after)
}

/// The number of citizens registered.
pub async fn citizen_count(db: &Db) -> Result<i64, RegistryError> {
    Ok(crate::search::count(db.pool()).await?)
}

/// The commune of `province` with the most residents, if any (the demo gives its clerk that commune).
pub async fn busiest_commune(db: &Db, province: &str) -> Result<Option<String>, RegistryError> {
    Ok(busiest_communes(db, province, 1).await?.into_iter().next())
}

/// The communes of `province` by their number of residents, the most first, up to `limit`.
pub async fn busiest_communes(db: &Db, province: &str, limit: i64) -> Result<Vec<String>, RegistryError> {
    Ok(store::sqlx::query_scalar(
        "SELECT commune_code FROM citizens WHERE province_code = $1 AND commune_code IS NOT NULL GROUP BY commune_code \
         ORDER BY COUNT(*) DESC, commune_code LIMIT $2",
    )
    .bind(province)
    .bind(limit)
    .fetch_all(db.pool())
    .await?)
}

/// The first household of a commune by its code, if any (the demo suggests it for a temporary residence).
pub async fn first_household_in(db: &Db, commune: &str) -> Result<Option<Household>, RegistryError> {
    let code: Option<String> = store::sqlx::query_scalar(
        "SELECT h.code FROM households h JOIN addresses a ON a.id = h.address_id WHERE a.commune_code = $1 \
         ORDER BY h.code LIMIT 1",
    )
    .bind(commune)
    .fetch_optional(db.pool())
    .await?;
    match code {
        Some(code) => Ok(Some(household(db, &code).await?)),
        None => Ok(None),
    }
}

/// Up to `limit` living citizens with a commune of residence, by ID number, starting after `after`: the pool
/// other registries draw synthetic people from (the enterprise registry's representatives and members, land users).
pub async fn living_residents(
    db: &Db,
    after: &str,
    limit: i64,
) -> Result<Vec<(PersonalId, kernel::AdminUnitCode)>, RegistryError> {
    let rows: Vec<(String, String)> = store::sqlx::query_as(
        "SELECT personal_id, commune_code FROM citizens WHERE status = 'living' AND commune_code IS NOT NULL AND personal_id > $1 \
         ORDER BY personal_id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().filter_map(|(id, commune)| Some((id.parse().ok()?, commune.parse().ok()?))).collect())
}

/// A living resident of `commune` born from `born_from` to `born_to` (years, inclusive) whose mother or father is a
/// living person of the registry, and that parent: the demo's pupil and the parent with an account.
pub async fn child_with_parent(
    db: &Db,
    commune: &str,
    born_from: i32,
    born_to: i32,
) -> Result<Option<(PersonalId, PersonalId)>, RegistryError> {
    let row: Option<(String, String)> = store::sqlx::query_as(
        "SELECT c.personal_id, p.personal_id FROM citizens c JOIN citizens p ON p.personal_id = COALESCE(c.mother_pid, c.father_pid) \
         WHERE c.commune_code = $1 AND c.status = 'living' AND p.status = 'living' AND c.birth_date >= $2 AND c.birth_date <= $3 \
         ORDER BY c.personal_id LIMIT 1",
    )
    .bind(commune)
    .bind(format!("{born_from:04}-01-01"))
    .bind(format!("{born_to:04}-12-31"))
    .fetch_optional(db.pool())
    .await?;
    Ok(row.and_then(|(child, parent)| Some((child.parse().ok()?, parent.parse().ok()?))))
}

/// Living citizens counted by province of residence (`None` for those with none), sex and year of birth: what
/// the published population figures are made from.
pub async fn population_counts(db: &Db) -> Result<Vec<(Option<String>, String, String, i64)>, RegistryError> {
    Ok(store::sqlx::query_as(
        "SELECT province_code, sex, SUBSTR(birth_date, 1, 4), COUNT(*) FROM citizens WHERE status = 'living' \
         GROUP BY province_code, sex, SUBSTR(birth_date, 1, 4)",
    )
    .fetch_all(db.pool())
    .await?)
}

/// The first resident of a commune by ID number, if any (the demo binds its citizen account to one).
pub async fn first_resident(db: &Db, commune: &str) -> Result<Option<Citizen>, RegistryError> {
    let id: Option<String> = store::sqlx::query_scalar(
        "SELECT personal_id FROM citizens WHERE commune_code = $1 AND status = 'living' ORDER BY personal_id LIMIT 1",
    )
    .bind(commune)
    .fetch_optional(db.pool())
    .await?;
    match id.map(|id| id.parse::<PersonalId>()) {
        Some(Ok(id)) => Ok(Some(citizen(db, &id).await?)),
        _ => Ok(None),
    }
}
