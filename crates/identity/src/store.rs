//! The SQL of the identity slice. Timestamps are Unix seconds.

use store::sqlx::any::AnyRow;
use store::sqlx::{self, Any, Executor, Row};

use crate::model::{Account, AccountKind, RoleAssignment};

/// An account with its password hash, for sign-in.
pub(crate) struct Credentials {
    pub account: Account,
    pub password_hash: String,
}

pub(crate) fn account_from_row(row: &AnyRow) -> Result<Account, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(Account {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        kind: kind.parse().map_err(|e: String| sqlx::Error::Decode(e.into()))?,
        disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
        personal_id: row
            .try_get::<Option<String>, _>("personal_id")?
            .map(|p| p.parse().map_err(|e: kernel::PersonalIdError| sqlx::Error::Decode(e.to_string().into())))
            .transpose()?,
        assurance_level: crate::assurance::AssuranceLevel::from_stored(row.try_get("assurance_level")?)
            .map_err(|e| sqlx::Error::Decode(e.into()))?,
        mfa_enabled: row.try_get::<Option<i64>, _>("mfa_enabled_at")?.is_some(),
    })
}

/// The columns [`account_from_row`] reads, from `accounts a`; whether a second factor is on comes along, as every
/// authenticated request needs it.
pub(crate) const ACCOUNT_COLUMNS: &str = "a.id, a.username, a.display_name, a.kind, a.disabled_at, a.password_hash, \
     a.personal_id, a.assurance_level, \
     (SELECT m.enabled_at FROM mfa_totp m WHERE m.account_id = a.id) AS mfa_enabled_at";

pub(crate) async fn insert_account<'e>(
    db: impl Executor<'e, Database = Any>,
    username: &str,
    display_name: &str,
    kind: AccountKind,
    password_hash: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO accounts (username, display_name, kind, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(username)
    .bind(display_name)
    .bind(kind.as_str())
    .bind(password_hash)
    .bind(now)
    .fetch_one(db)
    .await
}

pub(crate) async fn insert_role<'e>(
    db: impl Executor<'e, Database = Any>,
    account_id: i64,
    role: &RoleAssignment,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO role_assignments (account_id, role, agency, territory, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(account_id)
    .bind(role.role.as_str())
    .bind(role.agency.as_ref().map(kernel::AgencyCode::as_str))
    .bind(role.territory.to_string())
    .bind(now)
    .fetch_one(db)
    .await
}

pub(crate) async fn credentials_by_username<'e>(
    db: impl Executor<'e, Database = Any>,
    username: &str,
) -> Result<Option<Credentials>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.username = $1"))
        .bind(username)
        .fetch_optional(db)
        .await?;
    row.map(|r| Ok(Credentials { account: account_from_row(&r)?, password_hash: r.try_get("password_hash")? }))
        .transpose()
}

pub(crate) async fn account_by_id<'e>(
    db: impl Executor<'e, Database = Any>,
    account_id: i64,
) -> Result<Option<Account>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = $1"))
        .bind(account_id)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(account_from_row).transpose()
}

pub(crate) async fn has_citizen_account<'e>(
    db: impl Executor<'e, Database = Any>,
    personal_id: &kernel::PersonalId,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE personal_id = $1")
        .bind(personal_id.as_str())
        .fetch_optional(db)
        .await?;
    Ok(found.is_some())
}

pub(crate) async fn list_accounts<'e>(db: impl Executor<'e, Database = Any>) -> Result<Vec<Account>, sqlx::Error> {
    let rows =
        sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a ORDER BY a.username")).fetch_all(db).await?;
    rows.iter().map(account_from_row).collect()
}

pub(crate) async fn set_disabled<'e>(
    db: impl Executor<'e, Database = Any>,
    account_id: i64,
    disabled_at: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE accounts SET disabled_at = $1 WHERE id = $2")
        .bind(disabled_at)
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A live session's account and its last activity.
pub(crate) struct SessionRow {
    pub last_seen_at: i64,
    pub expires_at: i64,
}

pub(crate) async fn insert_session<'e>(
    db: impl Executor<'e, Database = Any>,
    secret_hash: &str,
    account_id: i64,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sessions (secret_hash, account_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)")
        .bind(secret_hash)
        .bind(account_id)
        .bind(now)
        .bind(expires_at)
        .execute(db)
        .await
        .map(drop)
}

pub(crate) async fn touch_session<'e>(
    db: impl Executor<'e, Database = Any>,
    secret_hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE secret_hash = $2")
        .bind(now)
        .bind(secret_hash)
        .execute(db)
        .await
        .map(drop)
}

pub(crate) async fn delete_session<'e>(
    db: impl Executor<'e, Database = Any>,
    secret_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE secret_hash = $1").bind(secret_hash).execute(db).await.map(drop)
}

pub(crate) async fn delete_sessions_of<'e>(
    db: impl Executor<'e, Database = Any>,
    account_id: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(account_id).execute(db).await?.rows_affected())
}

/// Revokes every live API token of an account (its password changed: whoever held it may have made them);
/// returns their ids.
pub(crate) async fn revoke_tokens_of<'e>(
    db: impl Executor<'e, Database = Any>,
    account_id: i64,
    now: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL RETURNING id",
    )
    .bind(now)
    .bind(account_id)
    .fetch_all(db)
    .await
}

pub(crate) async fn insert_token<'e>(
    db: impl Executor<'e, Database = Any>,
    account_id: i64,
    secret_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (account_id, secret_hash, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(account_id)
    .bind(secret_hash)
    .bind(now)
    .bind(expires_at)
    .fetch_one(db)
    .await
}

/// A live token: its id, its account, and when it was last used.
pub(crate) struct LiveToken {
    pub id: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: i64,
}

pub(crate) async fn mark_token_used<'e>(
    db: impl Executor<'e, Database = Any>,
    id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now).bind(id).execute(db).await.map(drop)
}

pub(crate) async fn revoke_token<'e>(
    db: impl Executor<'e, Database = Any>,
    id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A token as listed to its owner or an operator; never its secret.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenInfo {
    /// Its id, for revoking.
    pub id: i64,
    /// Created at (Unix seconds).
    pub created_at: i64,
    /// Expires at (Unix seconds).
    pub expires_at: i64,
    /// Revoked at, if revoked.
    pub revoked_at: Option<i64>,
    /// Last used at, if ever.
    pub last_used_at: Option<i64>,
}

pub(crate) async fn tokens_of<'e>(
    db: impl Executor<'e, Database = Any>,
    account_id: i64,
) -> Result<Vec<TokenInfo>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, created_at, expires_at, revoked_at, last_used_at FROM api_tokens WHERE account_id = $1 ORDER BY id",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TokenInfo {
                id: r.try_get(0)?,
                created_at: r.try_get(1)?,
                expires_at: r.try_get(2)?,
                revoked_at: r.try_get(3)?,
                last_used_at: r.try_get(4)?,
            })
        })
        .collect()
}

/// An account and its roles from rows of `accounts a LEFT JOIN role_assignments r`, one row per role.
fn account_with_roles(rows: &[AnyRow]) -> Result<Option<(Account, Vec<RoleAssignment>)>, sqlx::Error> {
    let Some(first) = rows.first() else { return Ok(None) };
    let account = account_from_row(first)?;
    let mut roles = Vec::new();
    for r in rows {
        let Some(role) = r.try_get::<Option<String>, _>("role")? else { continue };
        let territory: String = r.try_get("territory")?;
        roles.push(RoleAssignment {
            role: role.parse().map_err(|e: String| sqlx::Error::Decode(e.into()))?,
            agency: r
                .try_get::<Option<String>, _>("agency")?
                .map(|a| a.parse().map_err(|e: kernel::AgencyCodeError| sqlx::Error::Decode(e.into())))
                .transpose()?,
            territory: territory.parse().map_err(|e: kernel::AdminUnitError| sqlx::Error::Decode(e.into()))?,
        });
    }
    Ok(Some((account, roles)))
}

fn with_roles() -> String {
    format!("{ACCOUNT_COLUMNS}, r.role, r.agency, r.territory")
}

/// A session with its account and roles, in one query: every authenticated request runs it.
pub(crate) async fn session_with_account<'e>(
    db: impl Executor<'e, Database = Any>,
    secret_hash: &str,
) -> Result<Option<(SessionRow, Account, Vec<RoleAssignment>)>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT s.last_seen_at, s.expires_at, {} FROM sessions s \
         JOIN accounts a ON a.id = s.account_id LEFT JOIN role_assignments r ON r.account_id = a.id \
         WHERE s.secret_hash = $1 ORDER BY r.id",
        with_roles()
    ))
    .bind(secret_hash)
    .fetch_all(db)
    .await?;
    let Some((account, roles)) = account_with_roles(&rows)? else { return Ok(None) };
    let first = &rows[0];
    let session = SessionRow { last_seen_at: first.try_get("last_seen_at")?, expires_at: first.try_get("expires_at")? };
    Ok(Some((session, account, roles)))
}

/// A live token with its account and roles, in one query: every request with a token runs it.
pub(crate) async fn token_with_account<'e>(
    db: impl Executor<'e, Database = Any>,
    secret_hash: &str,
    now: i64,
) -> Result<Option<(LiveToken, Account, Vec<RoleAssignment>)>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT t.id AS token_id, t.last_used_at, t.expires_at AS token_expires_at, {} FROM api_tokens t \
         JOIN accounts a ON a.id = t.account_id LEFT JOIN role_assignments r ON r.account_id = a.id \
         WHERE t.secret_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 ORDER BY r.id",
        with_roles()
    ))
    .bind(secret_hash)
    .bind(now)
    .fetch_all(db)
    .await?;
    let Some((account, roles)) = account_with_roles(&rows)? else { return Ok(None) };
    let first = &rows[0];
    let token = LiveToken {
        id: first.try_get("token_id")?,
        last_used_at: first.try_get("last_used_at")?,
        expires_at: first.try_get("token_expires_at")?,
    };
    Ok(Some((token, account, roles)))
}

pub(crate) async fn recent_failures<'e>(
    db: impl Executor<'e, Database = Any>,
    username: &str,
    since: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM signin_failures WHERE username = $1 AND at >= $2")
        .bind(username)
        .bind(since)
        .fetch_one(db)
        .await
}

pub(crate) async fn record_failure<'e>(
    db: impl Executor<'e, Database = Any>,
    username: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO signin_failures (username, at) VALUES ($1, $2)")
        .bind(username)
        .bind(at)
        .execute(db)
        .await
        .map(drop)
}

pub(crate) async fn clear_failures<'e>(
    db: impl Executor<'e, Database = Any>,
    username: &str,
    before: i64,
) -> Result<(), sqlx::Error> {
    // Also forgets everyone's failures older than the window, so the table stays small.
    sqlx::query("DELETE FROM signin_failures WHERE username = $1 OR at < $2")
        .bind(username)
        .bind(before)
        .execute(db)
        .await
        .map(drop)
}

pub(crate) async fn set_personal_id<'e>(
    db: impl Executor<'e, Database = Any>,
    account_id: i64,
    personal_id: &kernel::PersonalId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE accounts SET personal_id = $1 WHERE id = $2 AND kind = 'citizen'")
        .bind(personal_id.as_str())
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn set_password_hash<'e>(
    db: impl Executor<'e, Database = Any>,
    account_id: i64,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(account_id)
        .execute(db)
        .await
        .map(drop)
}

pub(crate) async fn set_contact<'e>(
    db: impl Executor<'e, Database = Any>,
    account_id: i64,
    phone: Option<&str>,
    email: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET contact_phone = $1, contact_email = $2 WHERE id = $3")
        .bind(phone)
        .bind(email)
        .bind(account_id)
        .execute(db)
        .await
        .map(drop)
}
