//! The sandbox bank's own SQLite database: the transfers it made and the outbox of callbacks still to deliver.
//! Its tables are its own, created here, never in congso's schema.

use store::Db;
use store::sqlx::{self, Row};

/// Creates the tables if they are missing.
pub async fn create(db: &Db) -> Result<(), sqlx::Error> {
    for statement in [
        "CREATE TABLE IF NOT EXISTS sandbox_transfers (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            reference   TEXT    NOT NULL UNIQUE,
            bin         TEXT    NOT NULL,
            account     TEXT    NOT NULL,
            amount      BIGINT  NOT NULL,
            bill        TEXT    NOT NULL,
            purpose     TEXT    NOT NULL,
            paid_at     BIGINT  NOT NULL
        )",
        "CREATE TABLE IF NOT EXISTS sandbox_outbox (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            transfer_id   BIGINT  NOT NULL REFERENCES sandbox_transfers (id),
            body          TEXT    NOT NULL,
            attempts      BIGINT  NOT NULL,
            next_at_ms    BIGINT  NOT NULL,
            delivered_at  BIGINT,
            last_error    TEXT
        )",
        "CREATE INDEX IF NOT EXISTS sandbox_outbox_due ON sandbox_outbox (delivered_at, next_at_ms)",
        // One refund per reference congso gives, and one per transfer: the bank gives a payment back once.
        "CREATE TABLE IF NOT EXISTS sandbox_refunds (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            reference    TEXT    NOT NULL UNIQUE,
            transfer_id  BIGINT  NOT NULL UNIQUE REFERENCES sandbox_transfers (id),
            amount       BIGINT  NOT NULL,
            reason       TEXT    NOT NULL,
            refunded_at  BIGINT  NOT NULL
        )",
    ] {
        sqlx::query(statement).execute(db.pool()).await?;
    }
    Ok(())
}

/// A transfer the sandbox made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// The bank's transaction id (`FT…`).
    pub reference: String,
    /// The beneficiary's bank.
    pub bin: String,
    /// The beneficiary's account.
    pub account: String,
    /// Whole đồng.
    pub amount: i64,
    /// The bill reference (62.01).
    pub bill: String,
    /// The description.
    pub purpose: String,
    /// Unix seconds.
    pub paid_at: i64,
}

/// Records a transfer and its callback in one transaction, so that a transfer is never left without its
/// callback; the transfer's id.
pub async fn insert(db: &Db, t: &Transfer, body: &str, now_ms: i64) -> Result<i64, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sandbox_transfers (reference, bin, account, amount, bill, purpose, paid_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&t.reference)
    .bind(&t.bin)
    .bind(&t.account)
    .bind(t.amount)
    .bind(&t.bill)
    .bind(&t.purpose)
    .bind(t.paid_at)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO sandbox_outbox (transfer_id, body, attempts, next_at_ms) VALUES ($1, $2, 0, $3)")
        .bind(id)
        .bind(body)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// The callbacks due at `now_ms`: (outbox id, body, attempts).
pub async fn due(db: &Db, now_ms: i64, limit: i64) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, body, attempts FROM sandbox_outbox WHERE delivered_at IS NULL AND next_at_ms <= $1 \
         ORDER BY next_at_ms LIMIT $2",
    )
    .bind(now_ms)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("body")?, r.try_get("attempts")?))).collect()
}

/// The earliest time a callback is due, if any is undelivered.
pub async fn next_due(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MIN(next_at_ms) FROM sandbox_outbox WHERE delivered_at IS NULL")
        .fetch_one(db.pool())
        .await
}

/// Marks a callback acknowledged.
pub async fn delivered(db: &Db, id: i64, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sandbox_outbox SET delivered_at = $1, attempts = attempts + 1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Puts a failed callback back for `next_at_ms`.
pub async fn failed(db: &Db, id: i64, next_at_ms: i64, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sandbox_outbox SET attempts = attempts + 1, next_at_ms = $1, last_error = $2 WHERE id = $3")
        .bind(next_at_ms)
        .bind(error)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// A transfer and its callback's state: (transfer, attempts, delivered at, last error).
pub async fn transfer(
    db: &Db,
    reference: &str,
) -> Result<Option<(Transfer, i64, Option<i64>, Option<String>)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT t.reference, t.bin, t.account, t.amount, t.bill, t.purpose, t.paid_at, o.attempts, o.delivered_at, \
         o.last_error FROM sandbox_transfers t JOIN sandbox_outbox o ON o.transfer_id = t.id WHERE t.reference = $1",
    )
    .bind(reference)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| Ok((transfer_from(&r)?, r.try_get("attempts")?, r.try_get("delivered_at")?, r.try_get("last_error")?)))
        .transpose()
}

/// The transfers paid in `[from, to)` Unix seconds, in order: a day's statement.
pub async fn between(db: &Db, from: i64, to: i64) -> Result<Vec<Transfer>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT reference, bin, account, amount, bill, purpose, paid_at FROM sandbox_transfers \
         WHERE paid_at >= $1 AND paid_at < $2 ORDER BY id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(transfer_from).collect()
}

/// How many transfers exist, for numbering the next.
pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM sandbox_transfers").fetch_one(db.pool()).await
}

fn transfer_from(r: &sqlx::any::AnyRow) -> Result<Transfer, sqlx::Error> {
    Ok(Transfer {
        reference: r.try_get("reference")?,
        bin: r.try_get("bin")?,
        account: r.try_get("account")?,
        amount: r.try_get("amount")?,
        bill: r.try_get("bill")?,
        purpose: r.try_get("purpose")?,
        paid_at: r.try_get("paid_at")?,
    })
}

/// A refund the sandbox made: (its id, congso's reference, the transfer's reference, amount, refunded at).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// The sandbox's id of the refund (`RF…`).
    pub id: String,
    /// The reference congso gave.
    pub reference: String,
    /// The transfer given back.
    pub transfer: String,
    /// Whole đồng.
    pub amount: i64,
    /// Unix seconds.
    pub refunded_at: i64,
}

/// What asking for a refund did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refunded {
    /// Made now, or made before under this reference for this transfer and amount (the answer is the same).
    Made(Refund),
    /// No transfer has this reference.
    NoTransfer,
    /// More than the transfer was.
    TooMuch,
    /// The reference, or the transfer, belongs to another refund.
    Conflict,
}

const REFUND: &str = "SELECT r.id, r.reference, t.reference AS transfer, r.amount, r.refunded_at FROM sandbox_refunds r \
                      JOIN sandbox_transfers t ON t.id = r.transfer_id";

fn refund_from(r: &sqlx::any::AnyRow) -> Result<Refund, sqlx::Error> {
    Ok(Refund {
        id: format!("RF{:010}", r.try_get::<i64, _>("id")?),
        reference: r.try_get("reference")?,
        transfer: r.try_get("transfer")?,
        amount: r.try_get("amount")?,
        refunded_at: r.try_get("refunded_at")?,
    })
}

/// Gives `amount` of transfer `transfer` back under `reference`, once: asked again with the same reference, the
/// transfer and amount, it answers with the refund already made.
pub async fn refund(
    db: &Db,
    reference: &str,
    transfer: &str,
    amount: i64,
    reason: &str,
    now: i64,
) -> Result<Refunded, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let found = sqlx::query("SELECT id, amount FROM sandbox_transfers WHERE reference = $1")
        .bind(transfer)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(found) = found else { return Ok(Refunded::NoTransfer) };
    let (transfer_id, paid): (i64, i64) = (found.try_get("id")?, found.try_get("amount")?);
    if amount > paid || amount <= 0 {
        return Ok(Refunded::TooMuch);
    }
    sqlx::query(
        "INSERT INTO sandbox_refunds (reference, transfer_id, amount, reason, refunded_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT DO NOTHING",
    )
    .bind(reference)
    .bind(transfer_id)
    .bind(amount)
    .bind(reason)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let made = sqlx::query(&format!("{REFUND} WHERE r.reference = $1"))
        .bind(reference)
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(refund_from)
        .transpose()?;
    tx.commit().await?;
    Ok(match made {
        Some(r) if r.transfer == transfer && r.amount == amount => Refunded::Made(r),
        _ => Refunded::Conflict,
    })
}

/// The refunds made of transfer `transfer`: how a test sees that a refund asked twice was made once.
pub async fn refunds_of(db: &Db, transfer: &str) -> Result<Vec<Refund>, sqlx::Error> {
    let rows = sqlx::query(&format!("{REFUND} WHERE t.reference = $1 ORDER BY r.id"))
        .bind(transfer)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(refund_from).collect()
}
