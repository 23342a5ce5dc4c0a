//! Tiền chưa xác định khoản thu — transfers whose reference names no bill (a payer who typed the reference wrong,
//! a transfer made without the VietQR). A bank's callback for one is recorded as held with no bill
//! ([`crate::service::apply`]); a line naming no bill in a statement a finance officer reconciles, which no
//! callback reported, is recorded so too ([`record_from_statement`]), under the bank's unique transaction key, so
//! that a later callback for it changes nothing. The finance officers of the agency whose account each credited
//! see them, with the amount, the time and the reference it carried, so that money received is never invisible;
//! those on the shared default account, or on an account the bank did not name, are every finance officer's,
//! since no agency can be told from them (as in reconciliation).

use identity::{Action, Principal, Role, authorize, policy};
use store::Db;
use time::OffsetDateTime;
use trust::ledger::{self, Event, EventKind, RecordRef, record_digest};

use crate::config::PaymentsConfig;
use crate::error::PaymentsError;
use crate::reconcile::{Reconciled, Verdict};
use crate::service::PAYMENT;
use crate::store::{self as sql, NewPayment, Outcome, unmatched::Unmatched};

/// The accounts whose transfers the caller sees: their agencies' and the shared default one.
fn accounts_of(config: &PaymentsConfig, me: &Principal) -> Vec<String> {
    let mut accounts: Vec<String> = policy::agencies(me, Role::FinanceOfficer)
        .iter()
        .map(|a| config.account_of(a).account.as_str().to_owned())
        .collect();
    accounts.push(config.default_account.account.as_str().to_owned());
    accounts.sort();
    accounts.dedup();
    accounts
}

/// The transfers naming no bill that the caller may see, newest first.
pub async fn listed(db: &Db, config: &PaymentsConfig, me: &Principal) -> Result<Vec<Unmatched>, PaymentsError> {
    authorize(me, Action::ReconcilePayments).map_err(|_| PaymentsError::NoHeldPayment)?;
    Ok(sql::unmatched::credited(db, &accounts_of(config, me), 500).await?)
}

/// Records the lines of a reconciled statement of `provider` that name no bill and that no callback reported,
/// each with its ledger entry naming the officer, in one transaction; how many were new.
pub async fn record_from_statement(
    db: &Db,
    provider: &str,
    rows: &[Reconciled],
    me: &Principal,
) -> Result<usize, PaymentsError> {
    let candidates: Vec<&Reconciled> =
        rows.iter().filter(|r| r.verdict == Verdict::Unmatched && r.line.amount > 0).collect();
    if candidates.is_empty() {
        return Ok(0);
    }
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let actor = me.actor(Role::FinanceOfficer);
    let mut tx = db.begin_write().await?;
    let mut events = Vec::new();
    for row in candidates {
        let line = &row.line;
        if sql::unmatched::bill_exists_in(&mut tx, &line.bill_reference).await? {
            continue;
        }
        let payment = NewPayment {
            provider,
            transaction_id: &line.transaction_id,
            bill_reference: &line.bill_reference,
            bill_id: None,
            amount: line.amount,
            outcome: Outcome::Held,
            paid_at: line.paid_at,
            received_at: now,
            account: Some(&line.account),
            source: "statement",
            recorded_by: Some(&me.username),
        };
        if sql::insert_payment(&mut tx, &payment).await?.is_none() {
            continue;
        }
        let record = RecordRef {
            kind: PAYMENT.into(),
            key: format!("{provider}:{}", line.transaction_id),
            digest: Some(record_digest(&serde_json::json!({
                "bill": line.bill_reference, "amount": line.amount, "outcome": "held", "paid_at": line.paid_at,
            }))),
        };
        events.push(Event::new(EventKind::RecordChanged, actor.clone()).record(record).detail(serde_json::json!({
            "change": "payment_held", "reason": "no_such_bill", "source": "statement", "amount": line.amount,
        })));
    }
    let recorded = events.len();
    if recorded > 0 {
        ledger::store::append(&mut tx, db.backend(), &mut events).await?;
    }
    tx.commit().await?;
    Ok(recorded)
}
