//! The SQL of the enterprise registry, on its own tables only. Every function takes a connection, so the same
//! statement runs in a caller's transaction or on one taken from the pool.

use kernel::TaxCode;
use store::sqlx::any::AnyRow;
use store::sqlx::{self, AnyConnection, Row};

use crate::model::{Enterprise, LegalForm, Office, StatusEntry, Version};

/// The columns every enterprise query selects, in the order [`from_row`] reads them.
pub const COLUMNS: &str = "e.id, e.tax_code, p.tax_code AS parent_code, e.name_vi, e.name_foreign, e.name_abbr, \
    e.legal_form, e.office_address, e.office_street, e.charter_capital, e.main_line, e.lines, e.representatives, \
    e.members, e.status, e.status_since, e.registered_on, e.version";

/// The join [`COLUMNS`] needs.
pub const JOINS: &str = "LEFT JOIN enterprises p ON p.id = e.parent_id";

fn bad(column: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("column {column}: bad value {value:?}").into())
}

fn decode<T: std::str::FromStr>(row: &AnyRow, column: &str) -> Result<T, sqlx::Error> {
    let text: String = row.try_get(column)?;
    text.parse().map_err(|_| bad(column, &text))
}

fn json<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> Result<T, sqlx::Error> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(format!("column {column}: {e}").into()))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(e.into()))
}

/// An enterprise and its row's id, from a row of [`COLUMNS`].
pub(crate) fn from_row(row: &AnyRow) -> Result<(i64, Enterprise), sqlx::Error> {
    let parent: Option<String> = row.try_get("parent_code")?;
    let parent = parent.map(|p| p.parse::<TaxCode>().map_err(|_| bad("parent_code", &p))).transpose()?;
    let office = Office::at(decode(row, "office_address")?, row.try_get("office_street")?);
    let form: String = row.try_get("legal_form")?;
    let enterprise = Enterprise {
        tax_code: decode(row, "tax_code")?,
        parent,
        name: row.try_get("name_vi")?,
        foreign_name: row.try_get("name_foreign")?,
        abbreviation: row.try_get("name_abbr")?,
        legal_form: form.parse::<LegalForm>().map_err(|_| bad("legal_form", &form))?,
        office,
        charter_capital: row.try_get("charter_capital")?,
        main_line: row.try_get("main_line")?,
        lines: json(row, "lines")?,
        representatives: json(row, "representatives")?,
        members: json(row, "members")?,
        status: decode(row, "status")?,
        status_since: row.try_get("status_since")?,
        registered_on: row.try_get("registered_on")?,
        version: row.try_get("version")?,
    };
    Ok((row.try_get("id")?, enterprise))
}

/// The enterprise with this tax code, and its row's id.
pub(crate) async fn by_code(db: &mut AnyConnection, code: &TaxCode) -> Result<Option<(i64, Enterprise)>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM enterprises e {JOINS} WHERE e.tax_code = $1");
    let row = sqlx::query(&sql).bind(code.to_string()).fetch_optional(db).await?;
    row.as_ref().map(from_row).transpose()
}

/// Every enterprise, in row order, handed to `each` as it is read: memory does not grow with the registry.
pub(crate) async fn scan(db: &store::Db, mut each: impl FnMut(Enterprise)) -> Result<(), sqlx::Error> {
    use futures_util::TryStreamExt;
    let sql = format!("SELECT {COLUMNS} FROM enterprises e {JOINS} ORDER BY e.id");
    let mut rows = sqlx::query(&sql).fetch(db.pool());
    while let Some(row) = rows.try_next().await? {
        each(from_row(&row)?.1);
    }
    Ok(())
}

/// The row id of a tax code, if registered.
pub(crate) async fn id_of(db: &mut AnyConnection, code: &TaxCode) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM enterprises WHERE tax_code = $1").bind(code.to_string()).fetch_optional(db).await
}

/// Whether a live enterprise (neither dissolved nor bankrupt) other than `except` bears this folded name.
pub(crate) async fn name_taken(db: &mut AnyConnection, folded: &str, except: Option<i64>) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM enterprises WHERE name_folded = $1 AND status NOT IN ('dissolved', 'bankrupt') \
         AND id <> $2 LIMIT 1",
    )
    .bind(folded)
    .bind(except.unwrap_or(-1))
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// The next sequence number for ten-digit codes under `prefix`, counted in the caller's transaction: one
/// statement takes and advances it, so two registrations never draw the same.
pub(crate) async fn next_sequence(db: &mut AnyConnection, prefix: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO enterprise_tax_counters (prefix, next_sequence) VALUES ($1, 2) \
         ON CONFLICT (prefix) DO UPDATE SET next_sequence = enterprise_tax_counters.next_sequence + 1 \
         RETURNING next_sequence - 1",
    )
    .bind(prefix)
    .fetch_one(db)
    .await
}

/// How many branches an enterprise has had: the next is numbered one more.
pub(crate) async fn branch_count(db: &mut AnyConnection, parent_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM enterprises WHERE parent_id = $1").bind(parent_id).fetch_one(db).await
}

/// Who made a change and why: stored with each version.
pub(crate) struct Stamp<'a> {
    pub(crate) by: &'a str,
    pub(crate) reason: &'a str,
    pub(crate) at: i64,
}

/// Inserts version 1 of an enterprise; returns its row id.
pub(crate) async fn insert(
    db: &mut AnyConnection,
    e: &Enterprise,
    parent_id: Option<i64>,
    stamp: &Stamp<'_>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO enterprises (tax_code, parent_id, name_vi, name_folded, name_foreign, name_abbr, legal_form, \
         office_address, office_street, commune_code, province_code, charter_capital, main_line, lines, \
         representatives, members, status, status_since, registered_on, version, changed_by, change_reason, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) \
         RETURNING id",
    )
    .bind(e.tax_code.to_string())
    .bind(parent_id)
    .bind(&e.name)
    .bind(kernel::text::fold(&e.name))
    .bind(e.foreign_name.as_deref())
    .bind(e.abbreviation.as_deref())
    .bind(e.legal_form.as_str())
    .bind(e.office.address.to_string())
    .bind(&e.office.street)
    .bind(e.office.commune.to_string())
    .bind(e.office.province.to_string())
    .bind(e.charter_capital)
    .bind(&e.main_line)
    .bind(to_json(&e.lines)?)
    .bind(to_json(&e.representatives)?)
    .bind(to_json(&e.members)?)
    .bind(e.status.as_str())
    .bind(&e.status_since)
    .bind(&e.registered_on)
    .bind(e.version)
    .bind(stamp.by)
    .bind(stamp.reason)
    .bind(stamp.at)
    .fetch_one(db)
    .await
}

/// Writes `after` over the current row, only if the row is still at `after.version - 1`: the version check makes
/// a concurrent change lose cleanly instead of overwriting. The superseded version must already be kept.
pub(crate) async fn update(
    db: &mut AnyConnection,
    id: i64,
    after: &Enterprise,
    stamp: &Stamp<'_>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE enterprises SET office_address = $1, office_street = $2, commune_code = $3, province_code = $4, \
         charter_capital = $5, representatives = $6, members = $7, status = $8, status_since = $9, version = $10, \
         changed_by = $11, change_reason = $12, updated_at = $13 WHERE id = $14 AND version = $15",
    )
    .bind(after.office.address.to_string())
    .bind(&after.office.street)
    .bind(after.office.commune.to_string())
    .bind(after.office.province.to_string())
    .bind(after.charter_capital)
    .bind(to_json(&after.representatives)?)
    .bind(to_json(&after.members)?)
    .bind(after.status.as_str())
    .bind(&after.status_since)
    .bind(after.version)
    .bind(stamp.by)
    .bind(stamp.reason)
    .bind(stamp.at)
    .bind(id)
    .bind(after.version - 1)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Who made the current version, why and when.
pub(crate) async fn change_of(db: &mut AnyConnection, id: i64) -> Result<(String, String, i64), sqlx::Error> {
    let row = sqlx::query("SELECT changed_by, change_reason, updated_at FROM enterprises WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await?;
    Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
}

/// Keeps a version about to be superseded, whole, with its own who, why and when.
pub(crate) async fn keep_version(
    db: &mut AnyConnection,
    id: i64,
    before: &Enterprise,
    by: &str,
    reason: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO enterprise_versions (enterprise_id, version, snapshot, changed_by, reason, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(before.version)
    .bind(to_json(before)?)
    .bind(by)
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

/// Every version, oldest first: the superseded ones, then `current`.
pub(crate) async fn versions(
    db: &mut AnyConnection,
    id: i64,
    current: &Enterprise,
) -> Result<Vec<Version>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT version, snapshot, changed_by, reason, changed_at FROM enterprise_versions \
         WHERE enterprise_id = $1 ORDER BY version",
    )
    .bind(id)
    .fetch_all(&mut *db)
    .await?;
    let mut out = rows
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
    let (by, reason, at) = change_of(db, id).await?;
    out.push(Version {
        version: current.version,
        record: current.clone(),
        changed_by: by,
        reason,
        changed_at: rfc3339(at),
    });
    Ok(out)
}

/// Records a status taking effect.
pub(crate) async fn insert_status(
    db: &mut AnyConnection,
    id: i64,
    status: &str,
    on: &str,
    stamp: &Stamp<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO enterprise_status_history (enterprise_id, status, effective_on, reason, changed_by, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(status)
    .bind(on)
    .bind(stamp.reason)
    .bind(stamp.by)
    .bind(stamp.at)
    .execute(db)
    .await
    .map(drop)
}

/// Every status an enterprise has had, oldest first.
pub(crate) async fn statuses(db: &mut AnyConnection, id: i64) -> Result<Vec<StatusEntry>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT status, effective_on, reason, changed_by FROM enterprise_status_history WHERE enterprise_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StatusEntry {
                status: decode(r, "status")?,
                effective_on: r.try_get(1)?,
                reason: r.try_get(2)?,
                changed_by: r.try_get(3)?,
            })
        })
        .collect()
}

/// Replaces the search index of who represents the enterprise with its current representatives.
pub(crate) async fn index_representatives(db: &mut AnyConnection, id: i64, e: &Enterprise) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM enterprise_representatives WHERE enterprise_id = $1").bind(id).execute(&mut *db).await?;
    for r in &e.representatives {
        sqlx::query("INSERT INTO enterprise_representatives (personal_id, enterprise_id) VALUES ($1, $2)")
            .bind(r.personal_id.as_str())
            .bind(id)
            .execute(&mut *db)
            .await?;
    }
    Ok(())
}

/// Indexes a new enterprise's lines and name.
pub(crate) async fn index_new(db: &mut AnyConnection, id: i64, e: &Enterprise) -> Result<(), sqlx::Error> {
    for line in &e.lines {
        sqlx::query("INSERT INTO enterprise_lines (vsic, enterprise_id) VALUES ($1, $2)")
            .bind(line)
            .bind(id)
            .execute(&mut *db)
            .await?;
    }
    for suffix in crate::search::suffixes(&kernel::text::fold(&e.name)) {
        sqlx::query("INSERT INTO enterprise_name_suffixes (suffix, enterprise_id) VALUES ($1, $2)")
            .bind(suffix)
            .bind(id)
            .execute(&mut *db)
            .await?;
    }
    index_representatives(db, id, e).await
}

/// The tax codes of the enterprises a citizen represents now, by name.
pub(crate) async fn represented_by(
    db: &mut AnyConnection,
    personal_id: &str,
) -> Result<Vec<(i64, Enterprise)>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM enterprise_representatives r JOIN enterprises e ON e.id = r.enterprise_id {JOINS} \
         WHERE r.personal_id = $1 ORDER BY e.name_folded"
    );
    sqlx::query(&sql).bind(personal_id).fetch_all(db).await?.iter().map(from_row).collect()
}
