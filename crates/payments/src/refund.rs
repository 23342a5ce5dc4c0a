//! Hoàn tiền — a finance officer of the bill's agency gives a paid bill's money back to its payer (a fee charged
//! by mistake, a dossier the agency cannot handle). The bank that took the payment is asked first, under a
//! reference the bill names ([`refund_reference`]: a bill is refunded once and whole), so a request sent again,
//! by a retry or by a second officer at the same moment, is the same refund and the bank makes it once. Then one
//! transaction records it: the conditional move from paid to refunded (of two officers, one wins; the other is
//! told), the history row, the refund's row, the ledger entry with the reason, the bill's e-receipts revoked, the
//! slice the bill paid for told ([`crate::PaidListener::refunded`]) and the payer's inbox notice.
//!
//! If the bank refunds but the transaction fails (a crash between the two), the bill stays paid; the officer
//! refunds it again, the bank answers with the refund it made, and the record completes.

use identity::{Action, Principal, Role, authorize, policy};
use store::{Backend, Db, Tx};
use time::OffsetDateTime;
use trust::ledger::{self, Actor};

use crate::error::PaymentsError;
use crate::model::{Bill, BillRef, BillStatus, Payer};
use crate::provider::RefundRequest;
use crate::service::{Payments, bill_event};
use crate::store::{self as sql, refunds::RefundRow};

/// The reference of a bill's refund: `HT` (hoàn tiền) and the bill reference's twelve letters and digits.
pub fn refund_reference(bill: &BillRef) -> String {
    format!("HT{}", bill.as_str().get(2..).unwrap_or_default())
}

/// The agencies whose bills the caller refunds; refusing a caller who is finance officer of none.
fn my_agencies(me: &Principal) -> Result<Vec<String>, PaymentsError> {
    authorize(me, Action::ReconcilePayments).map_err(|_| PaymentsError::NoBill)?;
    Ok(policy::agencies(me, Role::FinanceOfficer).iter().map(|a| a.to_string()).collect())
}

/// A paid bill of the caller's agencies, for the refund page: another agency's bill does not exist for them.
pub async fn refundable(db: &Db, me: &Principal, reference: &str) -> Result<Bill, PaymentsError> {
    let agencies = my_agencies(me)?;
    let reference: BillRef = reference.trim().parse().map_err(|_| PaymentsError::NoBill)?;
    let bill = sql::bill(db, &reference).await?.ok_or(PaymentsError::NoBill)?;
    if !agencies.contains(&bill.agency.to_string()) {
        return Err(PaymentsError::NoBill);
    }
    Ok(bill)
}

/// The latest refunds of the caller's agencies, newest first.
pub async fn recent(db: &Db, me: &Principal) -> Result<Vec<RefundRow>, PaymentsError> {
    Ok(sql::refunds::of_agencies(db, &my_agencies(me)?, 100).await?)
}

/// Refunds paid bill `reference` of one of the caller's agencies, with the officer's reason.
pub async fn refund(
    db: &Db,
    payments: &Payments,
    me: &Principal,
    reference: &str,
    reason: &str,
) -> Result<RefundRow, PaymentsError> {
    let bill = refundable(db, me, reference).await?;
    let reason = kernel::free_text::clean(reason.trim(), 500).map_err(|_| PaymentsError::ReasonRequired)?;
    if reason.is_empty() {
        return Err(PaymentsError::ReasonRequired);
    }
    match bill.status {
        BillStatus::Paid => {}
        BillStatus::Refunded => return Err(PaymentsError::AlreadyRefunded),
        _ => return Err(PaymentsError::NotPaid),
    }
    let (provider, transaction) =
        sql::refunds::applied_payment(db, &bill.reference).await?.ok_or(PaymentsError::NoPaymentToRefund)?;
    let bank = payments.providers.get(&provider).ok_or(crate::provider::RefundError::NotOffered)?;
    let request = RefundRequest {
        refund_reference: refund_reference(&bill.reference),
        transaction_reference: transaction.clone(),
        amount: bill.amount.as_i64(),
        reason: reason.clone(),
    };
    // Outside any transaction: a bank's answer can take seconds, and no write may wait on it.
    let answer = bank.refund(&request).await?;
    let mut tx = db.begin_write().await?;
    let now = OffsetDateTime::now_utc();
    let row = RefundRow {
        bill: bill.reference.clone(),
        reference: answer.refund_reference,
        bank_refund_id: answer.refund_id,
        amount: answer.amount,
        reason,
        actor: me.username.clone(),
        agency: bill.agency.to_string(),
        refunded_at: now.unix_timestamp(),
    };
    let actor = me.actor(Role::FinanceOfficer);
    let bill = record_in(&mut tx, db.backend(), payments, &actor, &provider, &transaction, &row).await?;
    tx.commit().await?;
    tracing::info!(bill = %bill.reference, refund = %row.bank_refund_id, "bill refunded");
    Ok(row)
}

/// Records the refund the bank made, in the caller's transaction; the bill as refunded.
async fn record_in(
    tx: &mut Tx,
    backend: Backend,
    payments: &Payments,
    actor: &Actor,
    provider: &str,
    transaction: &str,
    row: &RefundRow,
) -> Result<Bill, PaymentsError> {
    let (id, mut bill) = sql::bill_in(tx, row.bill.as_str()).await?.ok_or(PaymentsError::NoBill)?;
    if !sql::transition(tx, id, BillStatus::Paid, BillStatus::Refunded, row.refunded_at).await? {
        // Read again after the update waited: on PostgreSQL the row the other officer moved is now visible.
        let now = sql::bill_in(tx, row.bill.as_str()).await?.map(|(_, b)| b.status);
        return Err(if now == Some(BillStatus::Refunded) {
            PaymentsError::AlreadyRefunded
        } else {
            PaymentsError::NotPaid
        });
    }
    bill.status = BillStatus::Refunded;
    bill.updated_at = row.refunded_at;
    sql::history(tx, id, BillStatus::Refunded, &row.actor, &row.reason, row.refunded_at).await?;
    sql::refunds::insert_in(tx, id, provider, transaction, row).await?;
    let receipts = sql::refunds::receipts_in(tx, id).await?;
    for receipt in &receipts {
        credentials::store::revoke_in(tx, backend, receipt, &row.reason, actor).await?;
    }
    let detail = serde_json::json!({
        "transaction": transaction, "refund": row.reference, "bank_refund": row.bank_refund_id,
        "receipts_revoked": receipts,
    });
    let event = bill_event(&bill, actor.clone(), "bill_refunded", detail).purpose(&row.reason);
    ledger::store::append(tx, backend, &mut [event]).await?;
    payments.listeners.refunded(tx, backend, &bill).await.map_err(PaymentsError::Listener)?;
    tell_payer_in(tx, &bill, row).await?;
    Ok(bill)
}

/// Posts the refund to a citizen payer's inbox, if they have an account.
async fn tell_payer_in(tx: &mut Tx, bill: &Bill, row: &RefundRow) -> Result<(), PaymentsError> {
    let Payer::Citizen(personal_id) = &bill.payer else { return Ok(()) };
    let failed = |e: &dyn std::fmt::Display| PaymentsError::Listener(anyhow::anyhow!("{e}"));
    let contact = identity::service::citizen_contact_in(tx, personal_id).await.map_err(|e| failed(&e))?;
    let Some((account, _)) = contact else { return Ok(()) };
    let link: notify::inbox::Link = format!("/thanh-toan/{}", bill.reference).parse().map_err(|e| failed(&e))?;
    let amount = bill.amount.display_vi();
    let title = kernel::Text::new(format!("Đã hoàn tiền: {amount}"), format!("Refunded: {amount}"));
    let body = kernel::Text::new(
        format!(
            "{}. Mã thanh toán {}, mã hoàn tiền {}. Lý do: {}. Biên lai điện tử của khoản thu đã bị thu hồi.",
            bill.purpose, bill.reference, row.reference, row.reason
        ),
        format!(
            "{}. Payment reference {}, refund {}. Reason: {}. The bill's e-receipt is revoked.",
            bill.purpose, bill.reference, row.reference, row.reason
        ),
    );
    notify::inbox::post_in(tx, notify::inbox::Recipient::account(account), &title, &body, Some(&link))
        .await
        .map_err(|e| failed(&e))?;
    Ok(())
}
