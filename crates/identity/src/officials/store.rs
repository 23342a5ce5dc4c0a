//! The SQL of agencies and role assignments.

use kernel::AgencyCode;
use store::sqlx::any::AnyRow;
use store::sqlx::{self, Any, Executor, Row};

use super::model::{Agency, Assignment, GrantStatus, Official, RoleGrant};
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

/// Officials (and operators, who administer), each with their roles but not yet their pending grants;
/// `account_id` narrows it to one.
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
            officials.push(Official { account: account_from_row(row)?, roles: Vec::new(), pending: Vec::new() });
        }
        if let (Some(official), Some(assignment)) = (officials.last_mut(), assignment_from_row(row)?) {
            official.roles.push(assignment);
        }
    }
    Ok(officials)
}

pub(crate) async fn insert_grant<'e>(
    db: impl Executor<'e, Database = Any>,
    account_id: i64,
    held: &RoleAssignment,
    requested_by: i64,
    now: i64,
    expires_at: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO role_grants (account_id, role, agency, territory, requested_by, requested_at, expires_at, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending') RETURNING id",
    )
    .bind(account_id)
    .bind(held.role.as_str())
    .bind(held.agency.as_ref().map(AgencyCode::as_str))
    .bind(held.territory.to_string())
    .bind(requested_by)
    .bind(now)
    .bind(expires_at)
    .fetch_one(db)
    .await
}

const GRANT_COLUMNS: &str = "SELECT g.id, g.account_id, a.username, a.display_name, g.role, g.agency, g.territory, \
     g.requested_by, q.username AS requester, g.requested_at, g.expires_at, g.status, d.username AS decider, \
     g.decided_at, g.reason FROM role_grants g JOIN accounts a ON a.id = g.account_id \
     JOIN accounts q ON q.id = g.requested_by LEFT JOIN accounts d ON d.id = g.decided_by";

fn grant_from_row(row: &AnyRow, now: i64) -> Result<RoleGrant, sqlx::Error> {
    let expires_at: i64 = row.try_get("expires_at")?;
    let status = match row.try_get::<String, _>("status")?.as_str() {
        "pending" if expires_at <= now => GrantStatus::Expired,
        "pending" => GrantStatus::Pending,
        "approved" => GrantStatus::Approved,
        "rejected" => GrantStatus::Rejected,
        other => return Err(sqlx::Error::Decode(format!("unknown grant status {other:?}").into())),
    };
    let role: String = row.try_get("role")?;
    Ok(RoleGrant {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        held: RoleAssignment {
            role: role.parse().map_err(|e: String| sqlx::Error::Decode(e.into()))?,
            agency: Some(row.try_get::<String, _>("agency")?.parse().map_err(decode)?),
            territory: row.try_get::<String, _>("territory")?.parse::<Territory>().map_err(decode)?,
        },
        requested_by_id: row.try_get("requested_by")?,
        requested_by: row.try_get("requester")?,
        requested_at: row.try_get("requested_at")?,
        expires_at,
        status,
        decided_by: row.try_get("decider")?,
        decided_at: row.try_get("decided_at")?,
        reason: row.try_get("reason")?,
    })
}

/// One request for a role, whatever its outcome; `now` tells a pending one from an expired one.
pub(crate) async fn grant<'e>(
    db: impl Executor<'e, Database = Any>,
    id: i64,
    now: i64,
) -> Result<Option<RoleGrant>, sqlx::Error> {
    let row = sqlx::query(&format!("{GRANT_COLUMNS} WHERE g.id = $1")).bind(id).fetch_optional(db).await?;
    row.map(|r| grant_from_row(&r, now)).transpose()
}

/// The requests still pending at `now`, oldest first; `account_id` narrows them to one official's.
pub(crate) async fn pending_grants<'e>(
    db: impl Executor<'e, Database = Any>,
    account_id: Option<i64>,
    now: i64,
) -> Result<Vec<RoleGrant>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "{GRANT_COLUMNS} WHERE g.status = 'pending' AND g.expires_at > $1 \
         AND (CAST($2 AS BIGINT) IS NULL OR g.account_id = $2) ORDER BY g.id"
    ))
    .bind(now)
    .bind(account_id)
    .fetch_all(db)
    .await?;
    rows.iter().map(|r| grant_from_row(r, now)).collect()
}

/// Records the decision on a request, only if it is still pending and unexpired at `now`: of two administrators
/// deciding at once, the second changes no row and learns it lost. `false` when no row changed.
pub(crate) async fn decide_grant<'e>(
    db: impl Executor<'e, Database = Any>,
    id: i64,
    approved: bool,
    decided_by: i64,
    now: i64,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE role_grants SET status = $1, decided_by = $2, decided_at = $3, reason = $4 \
         WHERE id = $5 AND status = 'pending' AND expires_at > $3",
    )
    .bind(if approved { "approved" } else { "rejected" })
    .bind(decided_by)
    .bind(now)
    .bind(reason)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
