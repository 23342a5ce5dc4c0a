//! Biên lai điện tử — the e-receipt of a paid bill: a signed document (`trust::document`) recorded through the
//! credentials slice like the registry's confirmation of residence, so that anyone can check it at `/verify`
//! and the issuing agency can revoke it. Every bill that is paid gets one by itself: the payment's transaction
//! enqueues a `payments.receipt` job ([`enqueue_in`]), which issues it and tells the payer in their inbox; the
//! payer can also ask for a copy on the bill's page. Each receipt is linked to its bill (`bill_receipts`), so that a
//! refund revokes them all through the credentials slice's revocation: `/verify` then says "revoked".

use credentials::{CredentialError, Issued};
use jobs::{Handlers, Job, JobFailure, NewJob};
use serde::{Deserialize, Serialize};
use store::{Db, Tx};
use trust::document::{self, Document};
use trust::keyring::Keyring;
use trust::keys::Algorithm;
use trust::ledger::Actor;

use crate::error::PaymentsError;
use crate::model::{Bill, BillRef, BillStatus, Payer};

/// The kind, and document type, of an e-receipt.
pub const RECEIPT: &str = "vn.congso.payment-receipt";
/// How long an e-receipt stays valid: ten years, as accounting records are kept.
pub const RECEIPT_VALIDITY: i64 = 10 * 365 * 86_400;

/// What an e-receipt says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The bill's reference.
    pub reference: String,
    /// Who paid: `citizen:<personal ID>` or `enterprise:<tax code>`.
    pub payer: String,
    /// Whole đồng.
    pub amount: u64,
    /// What for.
    pub purpose: String,
    /// The record it paid for, `kind:key`.
    pub pays_for: String,
    /// The agency paid.
    pub agency: String,
    /// When it was paid, Unix seconds.
    pub paid_at: i64,
}

/// Issues an e-receipt for a paid bill, signed in the name of the agency paid.
pub async fn issue(
    db: &Db,
    keyring: &Keyring,
    bill: &Bill,
    actor: &Actor,
) -> Result<(Document<Receipt>, Issued), PaymentsError> {
    if bill.status != BillStatus::Paid {
        return Err(PaymentsError::NotPaid);
    }
    let key = keyring.signer(Algorithm::EdDSA).ok_or(CredentialError::NoKey)?;
    let payload = Receipt {
        reference: bill.reference.to_string(),
        payer: format!("{}:{}", bill.payer.kind(), bill.payer.key()),
        amount: bill.amount.get(),
        purpose: bill.purpose.clone(),
        pays_for: format!("{}:{}", bill.pays_for.kind().as_str(), bill.pays_for.key()),
        agency: bill.agency.to_string(),
        paid_at: bill.updated_at,
    };
    let issued_at = time::OffsetDateTime::now_utc().unix_timestamp();
    let doc = Document {
        doc_type: RECEIPT.into(),
        agency: bill.agency.to_string(),
        id: credentials::model::new_id(),
        digest: document::digest(&serde_json::to_vec(&payload).unwrap_or_default()),
        issued_at,
        expires_at: Some(issued_at + RECEIPT_VALIDITY),
        payload,
    };
    let personal_id = match &bill.payer {
        Payer::Citizen(id) => id.as_str().to_owned(),
        Payer::Enterprise(code) => code.to_string(),
    };
    let issued = Issued {
        id: hex::encode(&doc.id),
        personal_id,
        kid: key.kid().to_owned(),
        issued_at,
        expires_at: issued_at + RECEIPT_VALIDITY,
        qr_text: document::sign(&doc, &key).map_err(CredentialError::from)?,
    };
    // Recorded only while the bill is still paid, and linked to it, in one transaction: a refund revokes every
    // receipt its bill has, and one issued while the refund is being made waits for it or is refused.
    let mut tx = db.begin_write().await?;
    let bill_id = crate::store::refunds::hold_paid_in(&mut tx, &bill.reference).await?.ok_or(PaymentsError::NotPaid)?;
    // The bill's last change is the version of the record the receipt is about.
    credentials::store::record_in(&mut tx, db.backend(), RECEIPT, bill.updated_at, &issued, actor).await?;
    crate::store::refunds::link_receipt_in(&mut tx, bill_id, &issued.id).await?;
    tx.commit().await?;
    Ok((doc, issued))
}

/// The job kind that issues a paid bill's e-receipt.
pub const RECEIPT_JOB: &str = "payments.receipt";

#[derive(Serialize, Deserialize)]
struct ReceiptJob {
    bill: String,
}

/// Enqueues the e-receipt of a bill just paid, in the payment's transaction: it is issued if and only if the
/// payment committed.
pub async fn enqueue_in(tx: &mut Tx, bill: &BillRef) -> Result<(), PaymentsError> {
    let job = NewJob::new(RECEIPT_JOB, &ReceiptJob { bill: bill.to_string() })
        .map_err(|e| PaymentsError::Listener(e.into()))?;
    jobs::enqueue_in(tx, job).await.map_err(|e| PaymentsError::Listener(e.into()))?;
    Ok(())
}

/// Registers the handler that issues e-receipts; it signs with the site's keyring.
pub fn register(handlers: &mut Handlers, state: web::AppState) {
    handlers.register(RECEIPT_JOB, move |job: Job| {
        let state = state.clone();
        async move {
            let what: ReceiptJob = job.payload()?;
            issue_and_tell(&state, &what.bill).await.map_err(JobFailure::retry)
        }
    });
}

/// Issues the receipt of a paid bill and posts it to a citizen payer's inbox. A job that runs again after a crash
/// between the two issues a second copy, which is harmless: each copy is a valid receipt of the same payment.
async fn issue_and_tell(state: &web::AppState, reference: &str) -> Result<(), PaymentsError> {
    let reference: BillRef = reference.parse().map_err(|_| PaymentsError::NoBill)?;
    let Some(bill) = crate::store::bill(&state.db, &reference).await? else { return Ok(()) };
    if bill.status != BillStatus::Paid {
        return Ok(());
    }
    let (_, issued) = issue(&state.db, &state.keyring, &bill, &Actor::system("payments")).await?;
    let Payer::Citizen(personal_id) = &bill.payer else { return Ok(()) };
    let mut tx = state.db.begin_write().await?;
    let failed = |e: &dyn std::fmt::Display| PaymentsError::Listener(anyhow::anyhow!("{e}"));
    let contact = identity::service::citizen_contact_in(&mut tx, personal_id).await.map_err(|e| failed(&e))?;
    let Some((account, _)) = contact else { return Ok(()) };
    let link: notify::inbox::Link = "/me/documents".parse().map_err(|e| failed(&e))?;
    let amount = bill.amount.display_vi();
    let title = kernel::Text::new(format!("Biên lai điện tử: {amount}"), format!("E-receipt: {amount}"));
    let body = kernel::Text::new(
        format!("{}. Mã thanh toán {}, biên lai số {}.", bill.purpose, bill.reference, issued.id),
        format!("{}. Payment reference {}, receipt {}.", bill.purpose, bill.reference, issued.id),
    );
    notify::inbox::post_in(&mut tx, notify::inbox::Recipient::account(account), &title, &body, Some(&link))
        .await
        .map_err(|e| failed(&e))?;
    tx.commit().await?;
    Ok(())
}
