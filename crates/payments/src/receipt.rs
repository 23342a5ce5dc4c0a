//! Biên lai điện tử — the e-receipt of a paid bill: a signed document (`trust::document`) recorded through the
//! credentials slice like the registry's confirmation of residence, so that anyone can check it at `/verify`
//! and the issuing agency can revoke it.

use credentials::{CredentialError, Issued};
use serde::{Deserialize, Serialize};
use store::Db;
use trust::document::{self, Document};
use trust::keyring::Keyring;
use trust::keys::Algorithm;
use trust::ledger::Actor;

use crate::error::PaymentsError;
use crate::model::{Bill, BillStatus, Payer};

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
    // The bill's last change is the version of the record the receipt is about.
    credentials::store::record(db, RECEIPT, bill.updated_at, &issued, actor).await?;
    Ok((doc, issued))
}
