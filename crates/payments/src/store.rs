//! The payments SQL: `bills`, `bill_history` and `bank_payments`; refunds and receipts in [`refunds`], the
//! transfers naming no bill in [`unmatched`].

use store::sqlx::any::AnyRow;
use store::sqlx::{self, Row};
use store::{Db, Tx};

use crate::model::{Bill, BillFor, BillRef, BillStatus, Dong, Payer};

pub mod refunds;
pub mod unmatched;

const BILL_COLUMNS: &str = "id, reference, payer_kind, payer, amount, purpose, for_kind, for_key, agency, due_date, status, created_at, \
     updated_at";

/// Inserts a bill; its id.
pub async fn insert_bill(tx: &mut Tx, bill: &Bill) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO bills (reference, payer_kind, payer, amount, purpose, for_kind, for_key, agency, due_date, \
         status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(bill.reference.as_str())
    .bind(bill.payer.kind())
    .bind(bill.payer.key())
    .bind(bill.amount.as_i64())
    .bind(&bill.purpose)
    .bind(bill.pays_for.kind().as_str())
    .bind(bill.pays_for.key())
    .bind(bill.agency.as_str())
    .bind(bill.due.to_string())
    .bind(bill.status.as_str())
    .bind(bill.created_at)
    .bind(bill.updated_at)
    .fetch_one(&mut **tx)
    .await
}

/// Appends a row of a bill's history.
pub async fn history(
    tx: &mut Tx,
    bill_id: i64,
    status: BillStatus,
    actor: &str,
    note: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO bill_history (bill_id, status, actor, note, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(bill_id)
        .bind(status.as_str())
        .bind(actor)
        .bind(note)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Moves a bill from `from` to `to`, only if it is still in `from`: the one conditional update that lets a
/// payment, a cancellation and an expiry race without two of them winning. Whether it moved.
pub async fn transition(
    tx: &mut Tx,
    bill_id: i64,
    from: BillStatus,
    to: BillStatus,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE bills SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
        .bind(to.as_str())
        .bind(at)
        .bind(bill_id)
        .bind(from.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A bill and its id, by reference, in the caller's transaction.
pub async fn bill_in(tx: &mut Tx, reference: &str) -> Result<Option<(i64, Bill)>, sqlx::Error> {
    let sql = format!("SELECT {BILL_COLUMNS} FROM bills WHERE reference = $1");
    let row = sqlx::query(&sql).bind(reference).fetch_optional(&mut **tx).await?;
    row.map(|r| Ok((r.try_get("id")?, bill_from_row(&r)?))).transpose()
}

/// A bill by reference.
pub async fn bill(db: &Db, reference: &BillRef) -> Result<Option<Bill>, sqlx::Error> {
    let sql = format!("SELECT {BILL_COLUMNS} FROM bills WHERE reference = $1");
    let row = sqlx::query(&sql).bind(reference.as_str()).fetch_optional(db.pool()).await?;
    row.as_ref().map(bill_from_row).transpose()
}

/// A payer's bills, newest first.
pub async fn bills_of(db: &Db, payer: &Payer) -> Result<Vec<Bill>, sqlx::Error> {
    let sql = format!(
        "SELECT {BILL_COLUMNS} FROM bills WHERE payer_kind = $1 AND payer = $2 ORDER BY created_at DESC, id DESC \
         LIMIT 200"
    );
    let rows = sqlx::query(&sql).bind(payer.kind()).bind(payer.key()).fetch_all(db.pool()).await?;
    rows.iter().map(bill_from_row).collect()
}

/// The bills for one record of another slice, newest first.
pub async fn bills_for(tx: &mut Tx, pays_for: &BillFor) -> Result<Vec<Bill>, sqlx::Error> {
    let sql = format!("SELECT {BILL_COLUMNS} FROM bills WHERE for_kind = $1 AND for_key = $2 ORDER BY id DESC");
    let rows = sqlx::query(&sql).bind(pays_for.kind().as_str()).bind(pays_for.key()).fetch_all(&mut **tx).await?;
    rows.iter().map(bill_from_row).collect()
}

/// Up to `limit` bills still pending whose due date (`YYYY-MM-DD`) is before `today`, and their ids.
pub async fn overdue(db: &Db, today: &str, limit: i64) -> Result<Vec<(i64, Bill)>, sqlx::Error> {
    let sql =
        format!("SELECT {BILL_COLUMNS} FROM bills WHERE status = 'pending' AND due_date < $1 ORDER BY id LIMIT $2");
    let rows = sqlx::query(&sql).bind(today).bind(limit).fetch_all(db.pool()).await?;
    rows.iter().map(|r| Ok((r.try_get("id")?, bill_from_row(r)?))).collect()
}

/// A bill's history, oldest first: (status, actor, note, at).
pub async fn history_of(db: &Db, reference: &BillRef) -> Result<Vec<(BillStatus, String, String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT h.status, h.actor, h.note, h.at FROM bill_history h JOIN bills b ON b.id = h.bill_id \
         WHERE b.reference = $1 ORDER BY h.id",
    )
    .bind(reference.as_str())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok((
                status.parse().map_err(|e| decode("status", e))?,
                r.try_get("actor")?,
                r.try_get("note")?,
                r.try_get("at")?,
            ))
        })
        .collect()
}

/// What was done with a bank's payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It paid its bill.
    Applied,
    /// Held for a finance official: the amount differs from the bill's, the bill is no longer pending, or no
    /// bill has its reference.
    Held,
    /// Held, then sent back to the payer by a finance official's decision (the bank makes the refund).
    Returned,
}

impl Outcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Held => "held",
            Outcome::Returned => "returned",
        }
    }
}

/// A bank's payment as received.
pub struct NewPayment<'a> {
    /// The provider that reported it.
    pub provider: &'a str,
    /// The bank's id of the transaction.
    pub transaction_id: &'a str,
    /// The bill reference the transfer carried.
    pub bill_reference: &'a str,
    /// The bill it names, if one does.
    pub bill_id: Option<i64>,
    /// How much was paid.
    pub amount: i64,
    /// What was done with it.
    pub outcome: Outcome,
    /// When the bank says it was paid.
    pub paid_at: i64,
    /// When congso received it.
    pub received_at: i64,
    /// The beneficiary account the bank reported.
    pub account: Option<&'a str>,
    /// Where congso learnt of it: `callback`, or `statement` (a line of a statement a finance officer reconciled).
    pub source: &'a str,
    /// Who recorded it, for a statement's line.
    pub recorded_by: Option<&'a str>,
}

/// Records a bank's payment unless that transaction is already recorded: its id, or `None` for a transaction
/// seen before (a redelivery, or the same callback arriving at another node at the same moment, which waits on
/// the unique key until the first commits).
pub async fn insert_payment(tx: &mut Tx, p: &NewPayment<'_>) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO bank_payments (provider, transaction_id, bill_reference, bill_id, amount, outcome, paid_at, \
         received_at, account, source, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (provider, transaction_id) DO NOTHING RETURNING id",
    )
    .bind(p.provider)
    .bind(p.transaction_id)
    .bind(p.bill_reference)
    .bind(p.bill_id)
    .bind(p.amount)
    .bind(p.outcome.as_str())
    .bind(p.paid_at)
    .bind(p.received_at)
    .bind(p.account)
    .bind(p.source)
    .bind(p.recorded_by)
    .fetch_optional(&mut **tx)
    .await
}

/// The outcome recorded for a bank transaction, if any.
pub async fn payment_outcome(tx: &mut Tx, provider: &str, transaction_id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT outcome FROM bank_payments WHERE provider = $1 AND transaction_id = $2")
        .bind(provider)
        .bind(transaction_id)
        .fetch_optional(&mut **tx)
        .await
}

/// How many payments a bill has had applied (for tests and the check that none was applied twice).
pub async fn applied_count(db: &Db, reference: &BillRef) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM bank_payments WHERE bill_reference = $1 AND outcome = 'applied'")
        .bind(reference.as_str())
        .fetch_one(db.pool())
        .await
}

/// How many payments a bill's reference has had reported, whatever was done with them.
pub async fn payment_count(db: &Db, reference: &BillRef) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM bank_payments WHERE bill_reference = $1")
        .bind(reference.as_str())
        .fetch_one(db.pool())
        .await
}

/// A payment held for a finance official, with the bill it names.
#[derive(Debug, Clone)]
pub struct HeldPayment {
    /// Its row.
    pub id: i64,
    /// The provider that reported it.
    pub provider: String,
    /// The bank's id of the transaction.
    pub transaction_id: String,
    /// How much was paid.
    pub amount: i64,
    /// When congso received it, Unix seconds.
    pub received_at: i64,
    /// The bill it names, and the bill's id.
    pub bill: (i64, Bill),
}

const HELD: &str = "SELECT p.id AS payment_id, p.provider, p.transaction_id, p.amount AS paid, p.received_at, b.* \
                    FROM bank_payments p JOIN bills b ON b.id = p.bill_id WHERE p.outcome = 'held'";

/// The held payments naming bills of `agencies`, oldest first.
pub async fn held_at(db: &Db, agencies: &[String]) -> Result<Vec<HeldPayment>, sqlx::Error> {
    if agencies.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=agencies.len()).map(|i| format!("${i}")).collect();
    let sql = format!("{HELD} AND b.agency IN ({}) ORDER BY p.received_at, p.id LIMIT 500", marks.join(", "));
    let mut query = sqlx::query(&sql);
    for agency in agencies {
        query = query.bind(agency);
    }
    query.fetch_all(db.pool()).await?.iter().map(held_from_row).collect()
}

/// One held payment, in the caller's transaction.
pub async fn held_in(tx: &mut Tx, id: i64) -> Result<Option<HeldPayment>, sqlx::Error> {
    let sql = format!("{HELD} AND p.id = $1");
    sqlx::query(&sql).bind(id).fetch_optional(&mut **tx).await?.as_ref().map(held_from_row).transpose()
}

/// Settles a held payment as `to`, only if it is still held: of two officials deciding at once, one wins.
pub async fn settle_held(tx: &mut Tx, id: i64, to: Outcome) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE bank_payments SET outcome = $1 WHERE id = $2 AND outcome = 'held'")
        .bind(to.as_str())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

fn held_from_row(row: &AnyRow) -> Result<HeldPayment, sqlx::Error> {
    Ok(HeldPayment {
        id: row.try_get("payment_id")?,
        provider: row.try_get("provider")?,
        transaction_id: row.try_get("transaction_id")?,
        amount: row.try_get("paid")?,
        received_at: row.try_get("received_at")?,
        bill: (row.try_get("id")?, bill_from_row(row)?),
    })
}

fn decode(column: &str, e: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::ColumnDecode { index: column.to_owned(), source: e.to_string().into() }
}

fn bill_from_row(row: &AnyRow) -> Result<Bill, sqlx::Error> {
    let text = |c: &str| row.try_get::<String, _>(c);
    let due = text("due_date")?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Ok(Bill {
        reference: text("reference")?.parse().map_err(|e| decode("reference", e))?,
        payer: Payer::from_stored(&text("payer_kind")?, &text("payer")?).map_err(|e| decode("payer", e))?,
        amount: Dong::new(row.try_get("amount")?).map_err(|e| decode("amount", e))?,
        purpose: text("purpose")?,
        pays_for: BillFor::from_stored(&text("for_kind")?, &text("for_key")?).map_err(|e| decode("for_key", e))?,
        agency: text("agency")?.parse().map_err(|e| decode("agency", e))?,
        due: time::Date::parse(&due, format).map_err(|e| decode("due_date", e))?,
        status: text("status")?.parse().map_err(|e| decode("status", e))?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}
