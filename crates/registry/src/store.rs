//! The SQL of the population registry.

use kernel::{DigitalAddress, PersonalId};
use store::sqlx::any::AnyRow;
use store::sqlx::{self, Any, Executor, Row};

use crate::model::{Address, Citizen, CitizenStatus, Member, NewCitizen, Version};
use crate::service::Change;

/// The columns every citizen query selects, in the order [`citizen_from_row`] reads them.
pub const CITIZEN_COLUMNS: &str = "c.personal_id, c.full_name, c.birth_date, c.sex, c.ethnicity, c.religion, \
    c.nationality, c.hometown, h.code AS household_code, c.relationship, th.code AS temporary_code, c.temporary_until, c.province_code, \
    c.commune_code, c.mother_pid, c.father_pid, c.spouse_pid, c.status, c.death_date, c.version";

/// The joins [`CITIZEN_COLUMNS`] needs.
pub const CITIZEN_JOINS: &str = "LEFT JOIN households h ON h.id = c.household_id \
    LEFT JOIN households th ON th.id = c.temporary_household_id";

fn decode<T: std::str::FromStr>(row: &AnyRow, column: &str) -> Result<T, sqlx::Error> {
    let text: String = row.try_get(column)?;
    text.parse().map_err(|_| sqlx::Error::Decode(format!("column {column}: bad value {text:?}").into()))
}

fn decode_optional<T: std::str::FromStr>(row: &AnyRow, column: &str) -> Result<Option<T>, sqlx::Error> {
    let text: Option<String> = row.try_get(column)?;
    let bad = |t: &str| sqlx::Error::Decode(format!("column {column}: bad value {t:?}").into());
    text.map(|t| t.parse().map_err(|_| bad(&t))).transpose()
}

pub(crate) fn citizen_from_row(row: &AnyRow) -> Result<Citizen, sqlx::Error> {
    let personal_id: PersonalId = decode(row, "personal_id")?;
    // An unknown stored value is an error, never a silent default.
    let relationship = decode_optional(row, "relationship")?;
    Ok(Citizen {
        personal_id,
        full_name: row.try_get("full_name")?,
        birth_date: row.try_get("birth_date")?,
        sex: decode(row, "sex")?,
        ethnicity: decode(row, "ethnicity")?,
        religion: row.try_get("religion")?,
        nationality: row.try_get("nationality")?,
        birth_registration_province: personal_id.province().to_string(),
        hometown: row.try_get("hometown")?,
        household: row.try_get("household_code")?,
        relationship,
        temporary_household: row.try_get("temporary_code")?,
        temporary_until: row.try_get("temporary_until")?,
        province: decode_optional(row, "province_code")?,
        commune: decode_optional(row, "commune_code")?,
        mother_id: row.try_get("mother_pid")?,
        father_id: row.try_get("father_pid")?,
        spouse_id: row.try_get("spouse_pid")?,
        status: decode(row, "status")?,
        death_date: row.try_get("death_date")?,
        version: row.try_get("version")?,
    })
}

/// The record [`citizen_from_row`] reads back once [`insert_citizen`] (or the import) has stored `c` in the household
/// `place`: what a new citizen's ledger digest is computed from, without reading the row back.
pub(crate) fn new_record(c: &NewCitizen, place: Option<&HouseholdPlace>) -> Result<Citizen, sqlx::Error> {
    let code = |column: &str, text: &str| {
        text.parse().map_err(|_| sqlx::Error::Decode(format!("column {column}: bad value {text:?}").into()))
    };
    Ok(Citizen {
        personal_id: c.personal_id,
        full_name: c.full_name.clone(),
        birth_date: c.birth_date.to_string(),
        sex: c.sex,
        ethnicity: c.ethnicity,
        religion: c.religion.clone(),
        nationality: c.nationality.clone(),
        birth_registration_province: c.personal_id.province().to_string(),
        hometown: c.hometown.clone(),
        household: place.and(c.household.clone()),
        relationship: c.relationship,
        temporary_household: None,
        temporary_until: None,
        province: place.map(|p| code("province_code", &p.province)).transpose()?,
        commune: place.map(|p| code("commune_code", &p.commune)).transpose()?,
        mother_id: c.mother_id.map(|p| p.to_string()),
        father_id: c.father_id.map(|p| p.to_string()),
        spouse_id: c.spouse_id.map(|p| p.to_string()),
        status: CitizenStatus::Living,
        death_date: None,
        version: 1,
    })
}

pub(crate) async fn citizen<'e>(
    db: impl Executor<'e, Database = Any>,
    personal_id: &PersonalId,
) -> Result<Option<(i64, Citizen)>, sqlx::Error> {
    let sql = format!("SELECT c.id, {CITIZEN_COLUMNS} FROM citizens c {CITIZEN_JOINS} WHERE c.personal_id = $1");
    let row = sqlx::query(&sql).bind(personal_id.as_str()).fetch_optional(db).await?;
    row.map(|r| Ok((r.try_get("id")?, citizen_from_row(&r)?))).transpose()
}

/// Where a household is: its id and its commune and province.
#[derive(Debug, Clone)]
pub(crate) struct HouseholdPlace {
    pub(crate) id: i64,
    pub(crate) commune: String,
    pub(crate) province: String,
}

pub(crate) async fn household_place<'e>(
    db: impl Executor<'e, Database = Any>,
    code: &str,
) -> Result<Option<HouseholdPlace>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT h.id, a.commune_code, a.province_code FROM households h JOIN addresses a ON a.id = h.address_id WHERE h.code = $1",
    )
    .bind(code)
    .fetch_optional(db)
    .await?;
    row.map(|r| Ok(HouseholdPlace { id: r.try_get(0)?, commune: r.try_get(1)?, province: r.try_get(2)? })).transpose()
}

pub(crate) async fn insert_citizen<'e>(
    db: impl Executor<'e, Database = Any>,
    c: &NewCitizen,
    place: Option<&HouseholdPlace>,
    change: &Change<'_>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO citizens (personal_id, full_name, name_folded, birth_date, birth_year, sex, ethnicity, religion, \
         nationality, hometown, household_id, relationship, province_code, commune_code, mother_pid, father_pid, \
         spouse_pid, status, version, changed_by, change_reason, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'living', 1, $18, $19, $20) \
         RETURNING id",
    )
    .bind(c.personal_id.as_str())
    .bind(&c.full_name)
    .bind(kernel::text::fold(&c.full_name))
    .bind(c.birth_date.to_string())
    .bind(i64::from(c.birth_date.year()))
    .bind(c.sex.as_str())
    .bind(c.ethnicity.to_string())
    .bind(c.religion.as_deref())
    .bind(&c.nationality)
    .bind(c.hometown.as_deref())
    .bind(place.map(|p| p.id))
    .bind(c.relationship.map(|r| r.as_str()))
    .bind(place.map(|p| p.province.clone()))
    .bind(place.map(|p| p.commune.clone()))
    .bind(c.mother_id.map(|p| p.to_string()))
    .bind(c.father_id.map(|p| p.to_string()))
    .bind(c.spouse_id.map(|p| p.to_string()))
    .bind(change.actor.username.as_str())
    .bind(change.reason)
    .bind(now)
    .fetch_one(db)
    .await
}

/// The folded name from each of its parts to the end, for the search index: "Nguyễn Văn An" gives
/// "nguyen van an", "van an" and "an".
pub(crate) fn name_suffixes(full_name: &str) -> Vec<String> {
    folded_suffixes(&kernel::text::fold(full_name))
}

/// [`name_suffixes`] of a name already folded.
pub(crate) fn folded_suffixes(folded: &str) -> Vec<String> {
    let parts: Vec<&str> = folded.split(' ').filter(|p| !p.is_empty()).collect();
    let mut suffixes: Vec<String> = (0..parts.len()).map(|i| parts[i..].join(" ")).collect();
    suffixes.sort();
    suffixes.dedup();
    suffixes
}

pub(crate) async fn insert_name_suffixes(
    tx: &mut sqlx::AnyConnection,
    citizen_id: i64,
    full_name: &str,
) -> Result<(), sqlx::Error> {
    for suffix in name_suffixes(full_name) {
        sqlx::query("INSERT INTO citizen_name_suffixes (suffix, citizen_id) VALUES ($1, $2)")
            .bind(suffix)
            .bind(citizen_id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Keeps a version that is about to be superseded, with its own who, why and when.
pub(crate) async fn insert_version<'e>(
    db: impl Executor<'e, Database = Any>,
    citizen_id: i64,
    record: &Citizen,
    changed_by: &str,
    reason: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    let snapshot = serde_json::to_string(record).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query("INSERT INTO citizen_versions (citizen_id, version, snapshot, changed_by, reason, changed_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(citizen_id)
        .bind(record.version)
        .bind(snapshot)
        .bind(changed_by)
        .bind(reason)
        .bind(at)
        .execute(db)
        .await
        .map(drop)
}

fn rfc3339(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// Every version of a citizen's record, oldest first: the superseded ones, then `current`.
pub(crate) async fn versions<'e, E>(db: E, citizen_id: i64, current: &Citizen) -> Result<Vec<Version>, sqlx::Error>
where
    E: Executor<'e, Database = Any> + Copy,
{
    let rows = sqlx::query(
        "SELECT version, snapshot, changed_by, reason, changed_at FROM citizen_versions WHERE citizen_id = $1 ORDER BY version",
    )
    .bind(citizen_id)
    .fetch_all(db)
    .await?;
    let mut versions = rows
        .iter()
        .map(|r| {
            let snapshot: String = r.try_get(1)?;
            Ok(Version {
                version: r.try_get(0)?,
                record: serde_json::from_str(&snapshot).map_err(|e| sqlx::Error::Decode(e.into()))?,
                changed_by: r.try_get(2)?,
                reason: r.try_get(3)?,
                changed_at: rfc3339(r.try_get(4)?),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let (by, reason, at) = change_of(db, citizen_id).await?;
    let record = serde_json::to_value(current).map_err(|e| sqlx::Error::Encode(e.into()))?;
    versions.push(Version { version: current.version, record, changed_by: by, reason, changed_at: rfc3339(at) });
    Ok(versions)
}

/// Who made the current version, why and when.
pub(crate) async fn change_of<'e>(
    db: impl Executor<'e, Database = Any>,
    citizen_id: i64,
) -> Result<(String, String, i64), sqlx::Error> {
    let row = sqlx::query("SELECT changed_by, change_reason, updated_at FROM citizens WHERE id = $1")
        .bind(citizen_id)
        .fetch_one(db)
        .await?;
    Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
}

pub(crate) async fn move_citizen<'e>(
    db: impl Executor<'e, Database = Any>,
    citizen_id: i64,
    to: &HouseholdPlace,
    relationship: &str,
    expected_version: i64,
    change: &Change<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    // The version check makes a concurrent change lose cleanly instead of overwriting.
    let done = sqlx::query(
        "UPDATE citizens SET household_id = $1, relationship = $2, commune_code = $3, province_code = $4, \
         version = version + 1, changed_by = $5, change_reason = $6, updated_at = $7 WHERE id = $8 AND version = $9",
    )
    .bind(to.id)
    .bind(relationship)
    .bind(&to.commune)
    .bind(&to.province)
    .bind(change.actor.username.as_str())
    .bind(change.reason)
    .bind(now)
    .bind(citizen_id)
    .bind(expected_version)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn record_death<'e>(
    db: impl Executor<'e, Database = Any>,
    citizen_id: i64,
    died: &str,
    expected_version: i64,
    change: &Change<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE citizens SET status = 'deceased', death_date = $1, version = version + 1, changed_by = $2, \
         change_reason = $3, updated_at = $4 WHERE id = $5 AND version = $6",
    )
    .bind(died)
    .bind(change.actor.username.as_str())
    .bind(change.reason)
    .bind(now)
    .bind(citizen_id)
    .bind(expected_version)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records `spouse` as a citizen's spouse, moving the version from the one read.
pub(crate) async fn set_spouse<'e>(
    db: impl Executor<'e, Database = Any>,
    citizen_id: i64,
    spouse: &str,
    expected_version: i64,
    change: &Change<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE citizens SET spouse_pid = $1, version = version + 1, changed_by = $2, change_reason = $3, \
         updated_at = $4 WHERE id = $5 AND version = $6",
    )
    .bind(spouse)
    .bind(change.actor.username.as_str())
    .bind(change.reason)
    .bind(now)
    .bind(citizen_id)
    .bind(expected_version)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a citizen's temporary residence in the household `at` until `until`, moving the version from the one read.
pub(crate) async fn set_temporary_residence<'e>(
    db: impl Executor<'e, Database = Any>,
    citizen_id: i64,
    at: i64,
    until: &str,
    expected_version: i64,
    change: &Change<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE citizens SET temporary_household_id = $1, temporary_until = $2, version = version + 1, changed_by = $3, \
         change_reason = $4, updated_at = $5 WHERE id = $6 AND version = $7",
    )
    .bind(at)
    .bind(until)
    .bind(change.actor.username.as_str())
    .bind(change.reason)
    .bind(now)
    .bind(citizen_id)
    .bind(expected_version)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn address_from_row(row: &AnyRow) -> Result<Address, sqlx::Error> {
    let lat: i64 = row.try_get("lat_e7")?;
    let lng: i64 = row.try_get("lng_e7")?;
    Ok(Address {
        code: decode::<DigitalAddress>(row, "code")?,
        commune: row.try_get("commune_code")?,
        province: row.try_get("province_code")?,
        plus_code: row.try_get("plus_code")?,
        street: row.try_get("street")?,
        lat: lat as f64 / 1e7,
        lng: lng as f64 / 1e7,
    })
}

const ADDRESS_COLUMNS: &str = "a.code, a.commune_code, a.province_code, a.plus_code, a.street, a.lat_e7, a.lng_e7";

pub(crate) async fn address<'e>(
    db: impl Executor<'e, Database = Any>,
    code: &DigitalAddress,
) -> Result<Option<Address>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {ADDRESS_COLUMNS} FROM addresses a WHERE a.code = $1"))
        .bind(code.to_string())
        .fetch_optional(db)
        .await?;
    row.as_ref().map(address_from_row).transpose()
}

pub(crate) async fn household<'e, E>(db: E, code: &str) -> Result<Option<(Address, Vec<Member>)>, sqlx::Error>
where
    E: Executor<'e, Database = Any> + Copy,
{
    let sql = format!(
        "SELECT h.id, {ADDRESS_COLUMNS} FROM households h JOIN addresses a ON a.id = h.address_id WHERE h.code = $1"
    );
    let Some(row) = sqlx::query(&sql).bind(code).fetch_optional(db).await? else {
        return Ok(None);
    };
    let id: i64 = row.try_get("id")?;
    let address = address_from_row(&row)?;
    let rows = sqlx::query(
        "SELECT personal_id, full_name, birth_date, relationship FROM citizens WHERE household_id = $1 \
         ORDER BY CASE relationship WHEN 'head' THEN 0 ELSE 1 END, birth_date",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    let members = rows
        .iter()
        .map(|r| {
            let relationship: Option<String> = r.try_get(3)?;
            Ok(Member {
                personal_id: r.try_get(0)?,
                full_name: r.try_get(1)?,
                birth_date: r.try_get(2)?,
                relationship: relationship.and_then(|s| s.parse().ok()),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Some((address, members)))
}
