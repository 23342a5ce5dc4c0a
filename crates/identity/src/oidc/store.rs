//! The SQL of the provider. Codes, tokens and secrets are stored only as their SHA-256.

use store::sqlx::any::AnyRow;
use store::sqlx::{self, Any, Executor, Row};

use crate::oidc::model::{Client, ClientAuth};

fn decode(e: impl ToString) -> sqlx::Error {
    sqlx::Error::Decode(e.to_string().into())
}

fn client_from_row(row: &AnyRow) -> Result<Client, sqlx::Error> {
    let method: String = row.try_get("auth_method")?;
    let auth = match method.as_str() {
        "client_secret_basic" => ClientAuth::SecretBasic {
            secret_hash: row.try_get::<Option<String>, _>("secret_hash")?.ok_or_else(|| decode("no secret hash"))?,
        },
        "private_key_jwt" => {
            let text: String = row.try_get::<Option<String>, _>("jwks")?.ok_or_else(|| decode("no JWK set"))?;
            ClientAuth::PrivateKeyJwt { jwks: serde_json::from_str(&text).map_err(decode)? }
        }
        other => return Err(decode(format!("unknown client authentication {other}"))),
    };
    let uris: String = row.try_get("redirect_uris")?;
    Ok(Client {
        client_id: row.try_get("client_id")?,
        name: row.try_get("name")?,
        redirect_uris: serde_json::from_str(&uris).map_err(decode)?,
        auth,
        subject_salt: row.try_get("subject_salt")?,
        disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
    })
}

const CLIENT_COLUMNS: &str =
    "client_id, name, redirect_uris, auth_method, secret_hash, jwks, subject_salt, disabled_at";

pub(crate) async fn insert_client<'e>(
    db: impl Executor<'e, Database = Any>,
    client: &Client,
    now: i64,
) -> Result<(), sqlx::Error> {
    let (secret_hash, jwks) = match &client.auth {
        ClientAuth::SecretBasic { secret_hash } => (Some(secret_hash.clone()), None),
        ClientAuth::PrivateKeyJwt { jwks } => (None, Some(jwks.to_string())),
    };
    sqlx::query(
        "INSERT INTO oidc_clients (client_id, name, redirect_uris, auth_method, secret_hash, jwks, subject_salt, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&client.client_id)
    .bind(&client.name)
    .bind(serde_json::Value::from(client.redirect_uris.clone()).to_string())
    .bind(client.auth.method())
    .bind(secret_hash)
    .bind(jwks)
    .bind(&client.subject_salt)
    .bind(now)
    .execute(db)
    .await
    .map(drop)
}

pub(crate) async fn client<'e>(
    db: impl Executor<'e, Database = Any>,
    client_id: &str,
) -> Result<Option<Client>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {CLIENT_COLUMNS} FROM oidc_clients WHERE client_id = $1"))
        .bind(client_id)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(client_from_row).transpose()
}

pub(crate) async fn clients<'e>(db: impl Executor<'e, Database = Any>) -> Result<Vec<Client>, sqlx::Error> {
    let rows = sqlx::query(&format!("SELECT {CLIENT_COLUMNS} FROM oidc_clients ORDER BY id")).fetch_all(db).await?;
    rows.iter().map(client_from_row).collect()
}

pub(crate) async fn disable_client<'e>(
    db: impl Executor<'e, Database = Any>,
    client_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE oidc_clients SET disabled_at = $1 WHERE client_id = $2 AND disabled_at IS NULL")
        .bind(now)
        .bind(client_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A code as issued.
#[derive(Debug, Clone)]
pub(crate) struct CodeRow {
    pub client_id: String,
    pub account_id: i64,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub acr_level: i64,
    pub auth_time: i64,
    pub expires_at: i64,
}

pub(crate) async fn insert_code<'e>(
    db: impl Executor<'e, Database = Any>,
    code_hash: &str,
    code: &CodeRow,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO oidc_codes (code_hash, client_id, account_id, redirect_uri, code_challenge, scope, nonce, \
         acr_level, auth_time, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(code_hash)
    .bind(&code.client_id)
    .bind(code.account_id)
    .bind(&code.redirect_uri)
    .bind(&code.code_challenge)
    .bind(&code.scope)
    .bind(code.nonce.as_deref())
    .bind(code.acr_level)
    .bind(code.auth_time)
    .bind(now)
    .bind(code.expires_at)
    .execute(db)
    .await
    .map(drop)
}

const CODE_COLUMNS: &str =
    "client_id, account_id, redirect_uri, code_challenge, scope, nonce, acr_level, auth_time, expires_at";

fn code_from_row(r: &AnyRow) -> Result<CodeRow, sqlx::Error> {
    Ok(CodeRow {
        client_id: r.try_get("client_id")?,
        account_id: r.try_get("account_id")?,
        redirect_uri: r.try_get("redirect_uri")?,
        code_challenge: r.try_get("code_challenge")?,
        scope: r.try_get("scope")?,
        nonce: r.try_get("nonce")?,
        acr_level: r.try_get("acr_level")?,
        auth_time: r.try_get("auth_time")?,
        expires_at: r.try_get("expires_at")?,
    })
}

/// What claiming a code found.
pub(crate) enum Claimed {
    /// It was unused; it is used now.
    Fresh(CodeRow),
    /// It had been used before.
    Replayed,
    /// No such code.
    Unknown,
}

/// Marks a code used, atomically: of two concurrent redemptions exactly one gets [`Claimed::Fresh`].
pub(crate) async fn claim_code(
    tx: &mut sqlx::AnyConnection,
    code_hash: &str,
    now: i64,
) -> Result<Claimed, sqlx::Error> {
    let row = sqlx::query(&format!(
        "UPDATE oidc_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL RETURNING {CODE_COLUMNS}"
    ))
    .bind(now)
    .bind(code_hash)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(row) = row {
        return Ok(Claimed::Fresh(code_from_row(&row)?));
    }
    let seen: Option<i64> = sqlx::query_scalar("SELECT 1 FROM oidc_codes WHERE code_hash = $1")
        .bind(code_hash)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(if seen.is_some() { Claimed::Replayed } else { Claimed::Unknown })
}

/// Revokes every access token a code gave (RFC 6749 §4.1.2: a replayed code is a sign it was stolen).
pub(crate) async fn revoke_tokens_of_code<'e>(
    db: impl Executor<'e, Database = Any>,
    code_hash: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("UPDATE oidc_access_tokens SET revoked_at = $1 WHERE code_hash = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(code_hash)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Forgets codes and assertion ids that expired long ago, so the tables stay small.
pub(crate) async fn purge(tx: &mut sqlx::AnyConnection, before: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM oidc_codes WHERE expires_at < $1").bind(before).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM oidc_assertion_jtis WHERE expires_at < $1").bind(before).execute(&mut *tx).await?;
    Ok(())
}

pub(crate) async fn insert_access_token<'e>(
    db: impl Executor<'e, Database = Any>,
    token_hash: &str,
    code: &CodeRow,
    code_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO oidc_access_tokens (token_hash, client_id, account_id, scope, code_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token_hash)
    .bind(&code.client_id)
    .bind(code.account_id)
    .bind(&code.scope)
    .bind(code_hash)
    .bind(now)
    .bind(expires_at)
    .execute(db)
    .await
    .map(drop)
}

/// A live access token: whose, for which client, with which scopes.
pub(crate) struct LiveAccessToken {
    pub client_id: String,
    pub account_id: i64,
    pub scope: String,
}

pub(crate) async fn live_access_token<'e>(
    db: impl Executor<'e, Database = Any>,
    token_hash: &str,
    now: i64,
) -> Result<Option<LiveAccessToken>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT client_id, account_id, scope FROM oidc_access_tokens \
         WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(LiveAccessToken {
            client_id: r.try_get("client_id")?,
            account_id: r.try_get("account_id")?,
            scope: r.try_get("scope")?,
        })
    })
    .transpose()
}

/// Records an assertion's `jti`; `false` if this client used it before.
pub(crate) async fn remember_jti<'e>(
    db: impl Executor<'e, Database = Any>,
    client_id: &str,
    jti: &str,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO oidc_assertion_jtis (client_id, jti, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (client_id, jti) DO NOTHING",
    )
    .bind(client_id)
    .bind(jti)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// When the session behind a browser request began: the `auth_time` of its tokens.
pub(crate) async fn session_started<'e>(
    db: impl Executor<'e, Database = Any>,
    secret_hash: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT created_at FROM sessions WHERE secret_hash = $1")
        .bind(secret_hash)
        .fetch_optional(db)
        .await
}

/// What the provider needs to know of an account.
pub(crate) struct Person {
    pub display_name: String,
    pub personal_id: Option<String>,
    pub disabled: bool,
}

pub(crate) async fn person<'e>(
    db: impl Executor<'e, Database = Any>,
    account_id: i64,
) -> Result<Option<Person>, sqlx::Error> {
    let row = sqlx::query("SELECT display_name, personal_id, disabled_at FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(db)
        .await?;
    row.map(|r| {
        Ok(Person {
            display_name: r.try_get("display_name")?,
            personal_id: r.try_get("personal_id")?,
            disabled: r.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
        })
    })
    .transpose()
}
