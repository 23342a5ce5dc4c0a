//! Khoản tiền chờ xử lý — payments held for a finance official: an amount other than the bill's, a bill no longer
//! waiting, paid twice. An official of the bill's agency decides each: accept it as paying the bill (the agency
//! takes a wrong amount as settled), or return it to the payer (the bank makes the refund). Either is one
//! conditional update, so of two officials deciding at once one wins, and each decision is in the ledger with its
//! reason.

use identity::{Action, Principal, Role, authorize, policy};
use store::Db;
use time::OffsetDateTime;
use trust::ledger::{self, Event, EventKind, RecordRef};

use crate::error::PaymentsError;
use crate::listener::Listeners;
use crate::model::BillStatus;
use crate::service::{PAYMENT, bill_event, subject};
use crate::store::{self as sql, HeldPayment, Outcome};

/// What a finance official decides of a held payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The payment pays its bill, which must still be waiting.
    Accept,
    /// The payment goes back to the payer.
    Return,
}

fn my_agencies(me: &Principal) -> Result<Vec<String>, PaymentsError> {
    authorize(me, Action::ReconcilePayments).map_err(|_| PaymentsError::NoHeldPayment)?;
    Ok(policy::agencies(me, Role::FinanceOfficer).iter().map(|a| a.to_string()).collect())
}

/// The held payments of the caller's agencies, oldest first.
pub async fn held(db: &Db, me: &Principal) -> Result<Vec<HeldPayment>, PaymentsError> {
    Ok(sql::held_at(db, &my_agencies(me)?).await?)
}

/// Decides held payment `id`, with the official's reason, in one transaction: the payment settled, and on
/// acceptance the bill paid, its history, and the slice it pays for told, as a bank's callback would have.
pub async fn decide(
    db: &Db,
    listeners: &Listeners,
    me: &Principal,
    id: i64,
    decision: Decision,
    reason: &str,
) -> Result<(), PaymentsError> {
    let agencies = my_agencies(me)?;
    let reason = kernel::free_text::clean(reason.trim(), 500).map_err(|_| PaymentsError::ReasonRequired)?;
    let reason = reason.as_str();
    if reason.is_empty() {
        return Err(PaymentsError::ReasonRequired);
    }
    let mut tx = db.begin_write().await?;
    let held = sql::held_in(&mut tx, id).await?.ok_or(PaymentsError::NoHeldPayment)?;
    let (bill_id, mut bill) = held.bill.clone();
    if !agencies.contains(&bill.agency.to_string()) {
        return Err(PaymentsError::NoHeldPayment);
    }
    if decision == Decision::Accept && bill.status != BillStatus::Pending {
        return Err(PaymentsError::NotPending);
    }
    let outcome = if decision == Decision::Accept { Outcome::Applied } else { Outcome::Returned };
    if !sql::settle_held(&mut tx, id, outcome).await? {
        return Err(PaymentsError::AlreadyDecided);
    }
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let actor = me.actor(Role::FinanceOfficer);
    let record =
        RecordRef { kind: PAYMENT.into(), key: format!("{}:{}", held.provider, held.transaction_id), digest: None };
    let change = if decision == Decision::Accept { "payment_accepted" } else { "payment_returned" };
    let decided = Event::new(EventKind::RecordChanged, actor.clone())
        .record(record)
        .detail(serde_json::json!({ "change": change, "amount": held.amount, "reason": reason }));
    let mut events = vec![subject(decided, &bill.payer)];
    if decision == Decision::Accept {
        if !sql::transition(&mut tx, bill_id, BillStatus::Pending, BillStatus::Paid, now).await? {
            return Err(PaymentsError::NotPending);
        }
        bill.status = BillStatus::Paid;
        bill.updated_at = now;
        sql::history(&mut tx, bill_id, BillStatus::Paid, &me.username, reason, now).await?;
        let detail = serde_json::json!({ "transaction": held.transaction_id, "accepted_by": me.username });
        events.push(bill_event(&bill, actor, "bill_paid", detail));
    }
    ledger::store::append(&mut tx, db.backend(), &mut events).await?;
    if decision == Decision::Accept {
        listeners.paid(&mut tx, db.backend(), &bill).await.map_err(PaymentsError::Listener)?;
        crate::receipt::enqueue_in(&mut tx, &bill.reference).await?;
    }
    tx.commit().await?;
    tracing::info!(payment = id, change, "held payment decided");
    Ok(())
}
