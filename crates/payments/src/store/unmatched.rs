//! The SQL of transfers naming no bill: `bank_payments` rows without a bill, still held.

use store::sqlx::{self, Row};
use store::{Db, Tx};

/// A transfer whose reference names no bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    /// Its row.
    pub id: i64,
    /// The bank that reported it.
    pub provider: String,
    /// The bank's transaction id.
    pub transaction_id: String,
    /// The reference the transfer carried, which names no bill.
    pub reference: String,
    /// Whole đồng.
    pub amount: i64,
    /// The beneficiary account credited, if the bank said.
    pub account: Option<String>,
    /// `callback` or `statement`.
    pub source: String,
    /// Who recorded it from a statement.
    pub recorded_by: Option<String>,
    /// When the bank says it was paid, Unix seconds.
    pub paid_at: i64,
    /// When congso learnt of it, Unix seconds.
    pub received_at: i64,
}

/// The held transfers naming no bill that credited one of `accounts`, or an account the bank did not name,
/// newest first.
pub async fn credited(db: &Db, accounts: &[String], limit: i64) -> Result<Vec<Unmatched>, sqlx::Error> {
    let marks: Vec<String> = (2..=accounts.len() + 1).map(|i| format!("${i}")).collect();
    let to_accounts = if marks.is_empty() { String::new() } else { format!(" OR account IN ({})", marks.join(", ")) };
    let sql = format!(
        "SELECT id, provider, transaction_id, bill_reference, amount, account, source, recorded_by, paid_at, \
         received_at FROM bank_payments WHERE bill_id IS NULL AND outcome = 'held' \
         AND (account IS NULL{to_accounts}) ORDER BY received_at DESC, id DESC LIMIT $1"
    );
    let mut query = sqlx::query(&sql).bind(limit);
    for account in accounts {
        query = query.bind(account);
    }
    query
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(Unmatched {
                id: r.try_get("id")?,
                provider: r.try_get("provider")?,
                transaction_id: r.try_get("transaction_id")?,
                reference: r.try_get("bill_reference")?,
                amount: r.try_get("amount")?,
                account: r.try_get("account")?,
                source: r.try_get("source")?,
                recorded_by: r.try_get("recorded_by")?,
                paid_at: r.try_get("paid_at")?,
                received_at: r.try_get("received_at")?,
            })
        })
        .collect()
}

/// Whether a bill has this reference.
pub async fn bill_exists_in(tx: &mut Tx, reference: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM bills WHERE reference = $1")
        .bind(reference)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(found.is_some())
}
