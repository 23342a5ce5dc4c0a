//! The SQL of refunds (`bill_refunds`) and of the e-receipts issued for each bill (`bill_receipts`).

use store::sqlx::{self, Row};
use store::{Db, Tx};

use crate::model::BillRef;

/// The bank payment that paid bill `bill`: (provider, the bank's transaction id).
pub async fn applied_payment(db: &Db, bill: &BillRef) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.provider, p.transaction_id FROM bank_payments p JOIN bills b ON b.id = p.bill_id \
         WHERE b.reference = $1 AND p.outcome = 'applied' ORDER BY p.id LIMIT 1",
    )
    .bind(bill.as_str())
    .fetch_optional(db.pool())
    .await
}

/// A refund as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRow {
    /// The bill refunded.
    pub bill: BillRef,
    /// The refund's reference, as the bank knows it.
    pub reference: String,
    /// The bank's id of the refund.
    pub bank_refund_id: String,
    /// Whole đồng.
    pub amount: i64,
    /// The officer's reason.
    pub reason: String,
    /// Who refunded it.
    pub actor: String,
    /// The agency the bill was paid to.
    pub agency: String,
    /// Unix seconds.
    pub refunded_at: i64,
}

/// Records a bill's refund (one per bill: the unique key is the last guard against a second).
pub async fn insert_in(
    tx: &mut Tx,
    bill_id: i64,
    provider: &str,
    transaction_id: &str,
    row: &RefundRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO bill_refunds (bill_id, reference, provider, transaction_id, bank_refund_id, amount, reason, \
         actor, agency, refunded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(bill_id)
    .bind(&row.reference)
    .bind(provider)
    .bind(transaction_id)
    .bind(&row.bank_refund_id)
    .bind(row.amount)
    .bind(&row.reason)
    .bind(&row.actor)
    .bind(&row.agency)
    .bind(row.refunded_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The latest refunds of bills of `agencies`, newest first.
pub async fn of_agencies(db: &Db, agencies: &[String], limit: i64) -> Result<Vec<RefundRow>, sqlx::Error> {
    if agencies.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (2..=agencies.len() + 1).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT b.reference AS bill, r.reference, r.bank_refund_id, r.amount, r.reason, r.actor, r.agency, \
         r.refunded_at FROM bill_refunds r JOIN bills b ON b.id = r.bill_id WHERE r.agency IN ({}) \
         ORDER BY r.refunded_at DESC, r.id DESC LIMIT $1",
        marks.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(limit);
    for agency in agencies {
        query = query.bind(agency);
    }
    query
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            let bill: String = r.try_get("bill")?;
            Ok(RefundRow {
                bill: bill.parse().map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                reference: r.try_get("reference")?,
                bank_refund_id: r.try_get("bank_refund_id")?,
                amount: r.try_get("amount")?,
                reason: r.try_get("reason")?,
                actor: r.try_get("actor")?,
                agency: r.try_get("agency")?,
                refunded_at: r.try_get("refunded_at")?,
            })
        })
        .collect()
}

/// The bill's id if it is still paid, holding its row until the caller's transaction ends (a no-op update, the
/// one row lock both backends take the same way): an e-receipt is recorded only for a bill a refund has not
/// moved, and a refund that follows waits for it and then finds the receipt to revoke.
pub async fn hold_paid_in(tx: &mut Tx, bill: &BillRef) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("UPDATE bills SET status = status WHERE reference = $1 AND status = 'paid' RETURNING id")
        .bind(bill.as_str())
        .fetch_optional(&mut **tx)
        .await
}

/// Links an e-receipt issued to the bill it is of.
pub async fn link_receipt_in(tx: &mut Tx, bill_id: i64, credential_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO bill_receipts (bill_id, credential_id) VALUES ($1, $2)")
        .bind(bill_id)
        .bind(credential_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The e-receipts issued of a bill.
pub async fn receipts_in(tx: &mut Tx, bill_id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT credential_id FROM bill_receipts WHERE bill_id = $1 ORDER BY credential_id")
        .bind(bill_id)
        .fetch_all(&mut **tx)
        .await
}
