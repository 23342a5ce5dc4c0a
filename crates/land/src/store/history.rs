//! `land_transactions`: every transaction on a parcel, only ever inserted; a mortgage is open while no release
//! names it.

use store::Tx;
use store::sqlx::any::AnyRow;
use store::sqlx::{self, Row};

use super::decode;
use crate::model::{Holder, Share, Transaction, TransactionKind};

/// A transaction to append.
pub struct NewTransaction<'a> {
    /// What.
    pub kind: TransactionKind,
    /// From whom.
    pub from: Option<&'a Holder>,
    /// To whom.
    pub to: Option<&'a Holder>,
    /// The share moved.
    pub share: Option<Share>,
    /// The certificate issued with it.
    pub certificate: Option<&'a str>,
    /// A lease's end.
    pub until: Option<time::Date>,
    /// The mortgage released.
    pub releases: Option<i64>,
    /// Legal basis.
    pub basis: &'a str,
    /// Who recorded it.
    pub actor: &'a str,
    /// When.
    pub at: i64,
}

/// Appends a transaction; its id.
pub async fn append(tx: &mut Tx, parcel_id: i64, t: &NewTransaction<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO land_transactions (parcel_id, kind, from_holder, to_holder, share_bp, certificate, until_date, \
         releases, basis, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(parcel_id)
    .bind(t.kind.as_str())
    .bind(t.from.map(|h| h.to_string()))
    .bind(t.to.map(|h| h.to_string()))
    .bind(t.share.map(|s| i64::from(s.bp())))
    .bind(t.certificate)
    .bind(t.until.map(|d| d.to_string()))
    .bind(t.releases)
    .bind(t.basis)
    .bind(t.actor)
    .bind(t.at)
    .fetch_one(&mut **tx)
    .await
}

/// The mortgages registered on a parcel and not released, oldest first: their transaction ids.
pub async fn open_mortgages_in(tx: &mut Tx, parcel_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT m.id FROM land_transactions m WHERE m.parcel_id = $1 AND m.kind = 'mortgage' AND NOT EXISTS \
         (SELECT 1 FROM land_transactions r WHERE r.releases = m.id) ORDER BY m.id",
    )
    .bind(parcel_id)
    .fetch_all(&mut **tx)
    .await
}

/// The open mortgage of a parcel given to `mortgagee` (as `Holder`'s text), if there is one: its transaction id.
pub async fn open_mortgage_to_in(tx: &mut Tx, parcel_id: i64, mortgagee: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT m.id FROM land_transactions m WHERE m.parcel_id = $1 AND m.kind = 'mortgage' AND m.to_holder = $2 \
         AND NOT EXISTS (SELECT 1 FROM land_transactions r WHERE r.releases = m.id) ORDER BY m.id LIMIT 1",
    )
    .bind(parcel_id)
    .bind(mortgagee)
    .fetch_optional(&mut **tx)
    .await
}

fn transaction(r: &AnyRow) -> Result<Transaction, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    let share: Option<i64> = r.try_get("share_bp")?;
    Ok(Transaction {
        id: r.try_get("id")?,
        kind: decode(kind.parse::<TransactionKind>())?,
        from: r.try_get("from_holder")?,
        to: r.try_get("to_holder")?,
        share_bp: share.map(|s| decode(u32::try_from(s))).transpose()?,
        certificate: r.try_get("certificate")?,
        until: r.try_get("until_date")?,
        releases: r.try_get("releases")?,
        basis: r.try_get("basis")?,
        actor: r.try_get("actor")?,
        at: r.try_get("at")?,
    })
}

/// A parcel's transactions, oldest first.
pub async fn transactions_in(tx: &mut Tx, parcel_id: i64) -> Result<Vec<Transaction>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, kind, from_holder, to_holder, share_bp, certificate, until_date, releases, basis, actor, at \
         FROM land_transactions WHERE parcel_id = $1 ORDER BY id",
    )
    .bind(parcel_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(transaction).collect()
}
