//! The SQL of agencies and role assignments.

use kernel::AgencyCode;
use store::sqlx::any::AnyRow;
use store::sqlx::{self, Any, Executor, Row};

use super::model::{Agency, Assignment, Official};
use crate::model::{RoleAssignment, Territory};
use crate::store::{ACCOUNT_COLUMNS, account_from_row};

fn decode<E: std::error::Error + Send + Sync + 'static>(e: E) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

fn agency_from_row(row: &AnyRow) -> Result<Agency, sqlx::Error> {
    Ok(Agency {
        code: row.try_get::<String, _>("code")?.parse().map_err(decode)?,
        name: row.try_get("name")?,
        territory: row.try_get::<String, _>("territory")?.parse().map_err(decode)?,
    })
}

pub(crate) async fn insert_agency<'e>(
    db: impl Executor<'e, Database = Any>,
    agency: &Agency,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO agencies (code, name, territory, created_at) VALUES ($1, $2, $3, $4)")
        .bind(agency.code.as_str())
        .bind(&agency.name)
        .bind(agency.territory.to_string())
        .bind(now)
        .execute(db)
        .await
        .map(drop)
}

pub(crate) async fn agency<'e>(
    db: impl Executor<'e, Database = Any>,
    code: &AgencyCode,
) -> Result<Option<Agency>, sqlx::Error> {
    let row = sqlx::query("SELECT code, name, territory FROM agencies WHERE code = $1")
        .bind(code.as_str())
        .fetch_optional(db)
        .await?;
    row.as_ref().map(agency_from_row).transpose()
}

pub(crate) async fn agencies<'e>(db: impl Executor<'e, Database = Any>) -> Result<Vec<Agency>, sqlx::Error> {
    let rows = sqlx::query("SELECT code, name, territory FROM agencies ORDER BY code").fetch_all(db).await?;
    rows.iter().map(agency_from_row).collect()
}

pub(crate) async fn delete_assignment<'e>(
    db: impl Executor<'e, Database = Any>,
    account_id: i64,
    assignment_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM role_assignments WHERE id = $1 AND account_id = $2")
        .bind(assignment_id)
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

fn assignment_from_row(row: &AnyRow) -> Result<Option<Assignment>, sqlx::Error> {
    let Some(id) = row.try_get::<Option<i64>, _>("role_id")? else { return Ok(None) };
    let role: String = row.try_get("role")?;
    Ok(Some(Assignment {
        id,
        held: RoleAssignment {
            role: role.parse().map_err(|e: String| sqlx::Error::Decode(e.into()))?,
            agency: row.try_get::<Option<String>, _>("agency")?.map(|a| a.parse().map_err(decode)).transpose()?,
            territory: row.try_get::<String, _>("territory")?.parse::<Territory>().map_err(decode)?,
        },
    }))
}

/// Officials (and operators, who administer), each with their roles; `account_id` narrows it to one.
pub(crate) async fn officials<'e>(
    db: impl Executor<'e, Database = Any>,
    account_id: Option<i64>,
) -> Result<Vec<Official>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {ACCOUNT_COLUMNS}, r.id AS role_id, r.role, r.agency, r.territory FROM accounts a \
         LEFT JOIN role_assignments r ON r.account_id = a.id \
         WHERE a.kind <> 'citizen' AND (CAST($1 AS BIGINT) IS NULL OR a.id = $1) ORDER BY a.username, r.id"
    ))
    .bind(account_id)
    .fetch_all(db)
    .await?;
    let mut officials: Vec<Official> = Vec::new();
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        if officials.last().is_none_or(|o| o.account.id != id) {
            officials.push(Official { account: account_from_row(row)?, roles: Vec::new() });
        }
        if let (Some(official), Some(assignment)) = (officials.last_mut(), assignment_from_row(row)?) {
            official.roles.push(assignment);
        }
    }
    Ok(officials)
}
