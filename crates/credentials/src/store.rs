//! The `credentials` table: one row per credential or document issued, with its revocation.

use store::sqlx::{self, Row};
use store::{Backend, Db, Tx};
use time::OffsetDateTime;
use trust::ledger::{self, Actor, Event, EventKind};
use trust::revocation::RevocationList;

use crate::model::{CredentialError, Held, Issued};

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Records an issued credential of `kind`, made from version `record_version` of its subject's record, and its
/// ledger entry, in the caller's transaction.
pub async fn record_in(
    tx: &mut Tx,
    backend: Backend,
    kind: &str,
    record_version: i64,
    issued: &Issued,
    actor: &Actor,
) -> Result<(), CredentialError> {
    sqlx::query(
        "INSERT INTO credentials (id, kind, personal_id, record_version, kid, issued_at, expires_at, qr_text) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&issued.id)
    .bind(kind)
    .bind(&issued.personal_id)
    .bind(record_version)
    .bind(&issued.kid)
    .bind(issued.issued_at)
    .bind(issued.expires_at)
    .bind(&issued.qr_text)
    .execute(&mut **tx)
    .await?;
    let event = Event::new(EventKind::CredentialIssued, actor.clone()).subject(&issued.personal_id).detail(
        serde_json::json!({ "id": issued.id, "kind": kind, "kid": issued.kid, "expires_at": issued.expires_at }),
    );
    ledger::store::append(tx, backend, &mut [event]).await?;
    Ok(())
}

/// [`record_in`] in a transaction of its own.
pub async fn record(
    db: &Db,
    kind: &str,
    record_version: i64,
    issued: &Issued,
    actor: &Actor,
) -> Result<(), CredentialError> {
    let mut tx = db.begin_write().await?;
    record_in(&mut tx, db.backend(), kind, record_version, issued, actor).await?;
    tx.commit().await?;
    Ok(())
}

fn held(row: &store::sqlx::any::AnyRow, personal_id: &str) -> Result<Held, sqlx::Error> {
    Ok(Held {
        kind: row.try_get("kind")?,
        revoked: row.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
        issued: Issued {
            id: row.try_get("id")?,
            personal_id: personal_id.to_owned(),
            kid: row.try_get("kid")?,
            issued_at: row.try_get("issued_at")?,
            expires_at: row.try_get("expires_at")?,
            qr_text: row.try_get("qr_text")?,
        },
    })
}

const HELD_COLUMNS: &str = "id, kind, kid, issued_at, expires_at, revoked_at, qr_text";

/// The credentials and documents issued about `personal_id`, newest first, at most `limit`.
pub async fn held_by(db: &Db, personal_id: &str, limit: u32) -> Result<Vec<Held>, CredentialError> {
    let rows = sqlx::query(&format!(
        "SELECT {HELD_COLUMNS} FROM credentials WHERE personal_id = $1 ORDER BY issued_at DESC, id LIMIT $2"
    ))
    .bind(personal_id)
    .bind(i64::from(limit))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(|r| held(r, personal_id)).collect::<Result<_, _>>()?)
}

/// The credential `id` if it is about `personal_id`; `None` for one that does not exist and for someone else's,
/// which the caller cannot tell apart.
pub async fn held_one(db: &Db, personal_id: &str, id: &str) -> Result<Option<Held>, CredentialError> {
    let row = sqlx::query(&format!("SELECT {HELD_COLUMNS} FROM credentials WHERE id = $1 AND personal_id = $2"))
        .bind(id)
        .bind(personal_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(|r| held(&r, personal_id)).transpose()?)
}

/// The newest unrevoked credential of `kind` about `personal_id`, made from `record_version`, that is still valid
/// at `valid_at`.
pub async fn latest(
    db: &Db,
    kind: &str,
    personal_id: &str,
    record_version: i64,
    valid_at: i64,
) -> Result<Option<Issued>, CredentialError> {
    let row = sqlx::query(
        "SELECT id, kid, issued_at, expires_at, qr_text FROM credentials WHERE personal_id = $1 AND kind = $2 \
         AND record_version = $3 AND revoked_at IS NULL AND expires_at > $4 ORDER BY issued_at DESC LIMIT 1",
    )
    .bind(personal_id)
    .bind(kind)
    .bind(record_version)
    .bind(valid_at)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Issued {
        id: row.try_get("id")?,
        personal_id: personal_id.to_owned(),
        kid: row.try_get("kid")?,
        issued_at: row.try_get("issued_at")?,
        expires_at: row.try_get("expires_at")?,
        qr_text: row.try_get("qr_text")?,
    }))
}

/// Revokes a credential or document; revoking one already revoked changes nothing and says so (`false`).
/// The reason goes into the ledger, so it follows [`kernel::free_text::clean`] (at most 500 characters).
pub async fn revoke(db: &Db, id: &str, reason: &str, actor: &Actor) -> Result<bool, CredentialError> {
    let mut tx = db.begin_write().await?;
    let revoked = revoke_in(&mut tx, db.backend(), id, reason, actor).await?;
    tx.commit().await?;
    Ok(revoked)
}

/// [`revoke`] in the caller's transaction, with its ledger entry: for an outcome that ends a credential together
/// with the change that ends it (a death registration revokes the digital ID).
pub async fn revoke_in(
    tx: &mut Tx,
    backend: Backend,
    id: &str,
    reason: &str,
    actor: &Actor,
) -> Result<bool, CredentialError> {
    let reason = kernel::free_text::clean(reason, 500)?;
    let reason = reason.as_str();
    let row = sqlx::query("SELECT personal_id, revoked_at FROM credentials WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
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
        .execute(&mut **tx)
        .await?;
    let event = Event::new(EventKind::CredentialRevoked, actor.clone())
        .subject(&personal_id)
        .purpose(reason)
        .detail(serde_json::json!({ "id": id }));
    ledger::store::append(tx, backend, &mut [event]).await?;
    Ok(true)
}

/// Revokes every live credential about `personal_id` in the caller's transaction (a death ends them all): how many
/// were revoked.
pub async fn revoke_all_of_in(
    tx: &mut Tx,
    backend: Backend,
    personal_id: &str,
    reason: &str,
    actor: &Actor,
) -> Result<usize, CredentialError> {
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM credentials WHERE personal_id = $1 AND revoked_at IS NULL ORDER BY id")
            .bind(personal_id)
            .fetch_all(&mut **tx)
            .await?;
    for id in &ids {
        revoke_in(tx, backend, id, reason, actor).await?;
    }
    Ok(ids.len())
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
