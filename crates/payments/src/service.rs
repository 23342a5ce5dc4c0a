//! The payments' rules: bills created and cancelled in the caller's transaction, their VietQR, and a bank's
//! callback applied exactly once.

use std::sync::Arc;

use kernel::AgencyCode;
use store::{Backend, Db, Tx};
use time::OffsetDateTime;
use trust::ledger::{self, Actor, Event, EventKind, RecordRef, record_digest};

use crate::config::PaymentsConfig;
use crate::error::PaymentsError;
use crate::listener::Listeners;
use crate::model::{Bill, BillFor, BillRef, BillStatus, Dong, Payer};
use crate::provider::Notice;
use crate::store::{self as sql, NewPayment, Outcome};
use crate::vietqr::{Purpose, Text, VietQr};

/// The record kind of a bill in the ledger.
pub const BILL: &str = "bill";
/// The record kind of a bank's payment in the ledger.
pub const PAYMENT: &str = "payment";

/// A bill another slice asks for.
#[derive(Debug, Clone)]
pub struct NewBill {
    /// Who owes it.
    pub payer: Payer,
    /// How much.
    pub amount: Dong,
    /// What for, in words: free text, kept in the ledger (cleaned by `kernel::free_text`).
    pub purpose: String,
    /// The record it pays for.
    pub pays_for: BillFor,
    /// The agency it is paid to.
    pub agency: AgencyCode,
    /// Hạn thanh toán.
    pub due: time::Date,
}

pub(crate) fn subject(event: Event, payer: &Payer) -> Event {
    match payer {
        Payer::Citizen(id) => event.subject(id.as_str()),
        Payer::Enterprise(_) => event,
    }
}

pub(crate) fn bill_event(bill: &Bill, actor: Actor, change: &str, detail: serde_json::Value) -> Event {
    let record = RecordRef { kind: BILL.into(), key: bill.reference.to_string(), digest: Some(record_digest(bill)) };
    let mut detail = detail;
    if let Some(map) = detail.as_object_mut() {
        map.insert("change".into(), change.into());
    }
    subject(Event::new(EventKind::RecordChanged, actor), &bill.payer).record(record).detail(detail)
}

/// Creates a pending bill, its first history row and its ledger entry, in the caller's transaction: the portal
/// calls this inside the transaction that submits a dossier, so that the dossier and its bill exist together.
pub async fn create_bill_in(
    tx: &mut Tx,
    backend: Backend,
    new: NewBill,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<Bill, PaymentsError> {
    let purpose =
        kernel::free_text::clean(&new.purpose, 200).map_err(|e| PaymentsError::Invalid(format!("purpose: {e}")))?;
    if purpose.is_empty() {
        return Err(PaymentsError::Invalid("purpose: empty".into()));
    }
    let at = now.unix_timestamp();
    let bill = Bill {
        reference: BillRef::random(),
        payer: new.payer,
        amount: new.amount,
        purpose,
        pays_for: new.pays_for,
        agency: new.agency,
        due: new.due,
        status: BillStatus::Pending,
        created_at: at,
        updated_at: at,
    };
    let id = sql::insert_bill(tx, &bill).await?;
    sql::history(tx, id, BillStatus::Pending, &actor.username, "", at).await?;
    let detail = serde_json::json!({ "for": format!("{}:{}", bill.pays_for.kind().as_str(), bill.pays_for.key()) });
    ledger::store::append(tx, backend, &mut [bill_event(&bill, actor.clone(), "bill_created", detail)]).await?;
    Ok(bill)
}

/// [`create_bill_in`] in a transaction of its own.
pub async fn create_bill(db: &Db, new: NewBill, actor: &Actor) -> Result<Bill, PaymentsError> {
    let mut tx = db.begin_write().await?;
    let bill = create_bill_in(&mut tx, db.backend(), new, actor, OffsetDateTime::now_utc()).await?;
    tx.commit().await?;
    tracing::info!(bill = %bill.reference, "bill created");
    Ok(bill)
}

/// Cancels a bill still pending (a dossier withdrawn, a fee waived), with its history row and ledger entry.
pub async fn cancel_in(
    tx: &mut Tx,
    backend: Backend,
    reference: &BillRef,
    actor: &Actor,
    reason: &str,
    now: OffsetDateTime,
) -> Result<Bill, PaymentsError> {
    let reason = kernel::free_text::clean(reason, 200).map_err(|e| PaymentsError::Invalid(format!("reason: {e}")))?;
    let (id, mut bill) = sql::bill_in(tx, reference.as_str()).await?.ok_or(PaymentsError::NoBill)?;
    let at = now.unix_timestamp();
    if !sql::transition(tx, id, BillStatus::Pending, BillStatus::Cancelled, at).await? {
        return Err(PaymentsError::NotPending);
    }
    bill.status = BillStatus::Cancelled;
    bill.updated_at = at;
    sql::history(tx, id, BillStatus::Cancelled, &actor.username, &reason, at).await?;
    let event = bill_event(&bill, actor.clone(), "bill_cancelled", serde_json::json!({})).purpose(&reason);
    ledger::store::append(tx, backend, &mut [event]).await?;
    Ok(bill)
}

/// The bills for one record of another slice (a dossier's fee), newest first, in the caller's transaction.
pub async fn bills_for_in(tx: &mut Tx, pays_for: &BillFor) -> Result<Vec<Bill>, PaymentsError> {
    Ok(sql::bills_for(tx, pays_for).await?)
}

/// A payer's bills, newest first.
pub async fn bills_of(db: &Db, payer: &Payer) -> Result<Vec<Bill>, PaymentsError> {
    Ok(sql::bills_of(db, payer).await?)
}

/// The bill with this reference, if `payer` owes it: another's bill does not exist for them.
pub async fn bill_of(db: &Db, reference: &str, payer: &Payer) -> Result<Bill, PaymentsError> {
    let reference: BillRef = reference.parse().map_err(|_| PaymentsError::NoBill)?;
    match sql::bill(db, &reference).await? {
        Some(bill) if &bill.payer == payer => Ok(bill),
        _ => Err(PaymentsError::NoBill),
    }
}

/// A bill's history, oldest first: (status, who, note, at).
pub async fn history(db: &Db, reference: &BillRef) -> Result<Vec<(BillStatus, String, String, i64)>, PaymentsError> {
    Ok(sql::history_of(db, reference).await?)
}

/// The dynamic VietQR that pays `bill`: its agency's account, its amount, its reference in 62.01 and its
/// purpose, folded, in 62.08.
pub fn vietqr(config: &PaymentsConfig, bill: &Bill) -> VietQr {
    let to = config.account_of(&bill.agency);
    // A reference is 14 letters and digits, which 62.01 always takes.
    let reference = Text::parse("62.01", bill.reference.as_str(), 25)
        .unwrap_or_else(|_| unreachable!("a bill reference is a valid bill number"));
    VietQr::for_transfer(to.bin.clone(), to.account.clone(), bill.amount.get(), reference, Purpose::fold(&bill.purpose))
}

/// What a callback did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Applied {
    /// What was done with the payment.
    pub outcome: Outcome,
    /// Whether this delivery recorded it (false for a redelivery of a payment already recorded).
    pub first: bool,
}

/// Applies a bank's verified notice exactly once, in one transaction: the payment's row under the unique key of
/// the bank's transaction id (a redelivery, or the same notice at another node at once, finds it there and
/// changes nothing), then one conditional update of the bill from pending to paid, its history, the ledger
/// entries, and the listener of the slice the bill pays for. An amount that differs from the bill's, a bill no
/// longer pending or a reference no bill has is recorded as held, for a finance official, and applies nothing.
pub async fn apply(db: &Db, listeners: &Listeners, provider: &str, notice: &Notice) -> Result<Applied, PaymentsError> {
    let mut tx = db.begin_write().await?;
    let applied = apply_in(&mut tx, db.backend(), listeners, provider, notice, OffsetDateTime::now_utc()).await?;
    tx.commit().await?;
    if applied.first {
        tracing::info!(provider, transaction = %notice.transaction_id, outcome = applied.outcome.as_str(), "payment recorded");
    }
    Ok(applied)
}

/// [`apply`] in the caller's transaction.
pub async fn apply_in(
    tx: &mut Tx,
    backend: Backend,
    listeners: &Listeners,
    provider: &str,
    notice: &Notice,
    now: OffsetDateTime,
) -> Result<Applied, PaymentsError> {
    let at = now.unix_timestamp();
    let found = sql::bill_in(tx, &notice.bill_reference).await?;
    let payable = found.as_ref().filter(|(_, b)| b.status == BillStatus::Pending && b.amount.as_i64() == notice.amount);
    let outcome = if payable.is_some() { Outcome::Applied } else { Outcome::Held };
    let payment = NewPayment {
        provider,
        transaction_id: &notice.transaction_id,
        bill_reference: &notice.bill_reference,
        bill_id: found.as_ref().map(|(id, _)| *id),
        amount: notice.amount,
        outcome,
        paid_at: notice.paid_at,
        received_at: at,
        account: Some(&notice.account),
        source: "callback",
        recorded_by: None,
    };
    if sql::insert_payment(tx, &payment).await?.is_none() {
        let before = sql::payment_outcome(tx, provider, &notice.transaction_id).await?;
        let outcome = if before.as_deref() == Some("applied") { Outcome::Applied } else { Outcome::Held };
        return Ok(Applied { outcome, first: false });
    }
    let actor = Actor::system(&format!("bank:{provider}"));
    let payment_record = RecordRef {
        kind: PAYMENT.into(),
        key: format!("{provider}:{}", notice.transaction_id),
        digest: Some(record_digest(&serde_json::json!({
            "bill": notice.bill_reference, "amount": notice.amount, "outcome": outcome.as_str(),
            "paid_at": notice.paid_at,
        }))),
    };
    let reason = match &found {
        None => "no_such_bill",
        Some((_, b)) if b.status != BillStatus::Pending => "bill_not_pending",
        Some((_, b)) if b.amount.as_i64() != notice.amount => "amount_differs",
        Some(_) => "",
    };
    let mut held = Event::new(EventKind::RecordChanged, actor.clone())
        .record(payment_record)
        .detail(serde_json::json!({ "change": if reason.is_empty() { "payment_received" } else { "payment_held" },
                            "reason": reason, "amount": notice.amount }));
    let Some((id, bill)) = payable else {
        if let Some((_, bill)) = &found {
            held = subject(held, &bill.payer);
        }
        ledger::store::append(tx, backend, &mut [held]).await?;
        return Ok(Applied { outcome: Outcome::Held, first: true });
    };
    let (id, mut bill) = (*id, bill.clone());
    if !sql::transition(tx, id, BillStatus::Pending, BillStatus::Paid, at).await? {
        // The row was read in this transaction, which holds the write lock (SQLite) or waited on the unique key
        // (PostgreSQL); a bill that moved since can only be another transaction's, so give way and let the retry
        // find it.
        return Err(PaymentsError::NotPending);
    }
    bill.status = BillStatus::Paid;
    bill.updated_at = at;
    sql::history(tx, id, BillStatus::Paid, &actor.username, &notice.transaction_id, at).await?;
    let paid = bill_event(&bill, actor, "bill_paid", serde_json::json!({ "transaction": notice.transaction_id }));
    ledger::store::append(tx, backend, &mut [subject(held, &bill.payer), paid]).await?;
    listeners.paid(tx, backend, &bill).await.map_err(PaymentsError::Listener)?;
    crate::receipt::enqueue_in(tx, &bill.reference).await?;
    Ok(Applied { outcome: Outcome::Applied, first: true })
}

/// The settings, providers and listeners payments' routes are given by the server.
#[derive(Clone)]
pub struct Payments {
    /// Accounts and providers.
    pub config: Arc<PaymentsConfig>,
    /// The providers whose callbacks are accepted, by name.
    pub providers: Arc<std::collections::BTreeMap<String, Arc<dyn crate::provider::Provider>>>,
    /// Who hears of paid bills.
    pub listeners: Listeners,
}

impl Payments {
    /// Payments over `config`, each configured provider an [`crate::provider::HmacWebhook`].
    pub fn new(config: PaymentsConfig, listeners: Listeners) -> Payments {
        let providers = config
            .providers
            .iter()
            .map(|p| {
                let provider: Arc<dyn crate::provider::Provider> =
                    Arc::new(crate::provider::HmacWebhook::new(p.clone()));
                (p.name.clone(), provider)
            })
            .collect();
        Payments { config: Arc::new(config), providers: Arc::new(providers), listeners }
    }
}
