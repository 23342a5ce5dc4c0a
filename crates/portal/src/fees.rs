//! Lệ phí — a procedure's fee: asked for at submission with a bill in the submission's transaction, and paid
//! through the payments slice, whose callback tells [`DossierFees`] in the payment's transaction, which moves
//! the dossier on to the receiving agency by itself; a fee left unpaid past its bill's due date sends the dossier
//! back to the applicant's drafts.

use std::sync::Arc;

use payments::listener::Heard;
use payments::model::{Bill, BillFor, Dong, Payer};
use store::{Backend, Tx};
use time::OffsetDateTime;
use trust::ledger::Actor;

use crate::error::PortalError;
use crate::model::{Dossier, DossierStatus, Procedure};
use crate::store as sql;

/// Days a fee may wait before its bill lapses.
const DAYS_TO_PAY: i64 = 7;

/// Makes the bill of `procedure`'s fee for `dossier`, in the caller's transaction.
pub async fn bill_in(
    tx: &mut Tx,
    backend: Backend,
    procedure: &Procedure,
    dossier: &Dossier,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<Bill, PortalError> {
    let amount = i64::try_from(procedure.fee_vnd).map_err(|e| PortalError::Fee(e.to_string()))?;
    let new = payments::service::NewBill {
        payer: Payer::Citizen(dossier.applicant),
        amount: Dong::new(amount).map_err(|e| PortalError::Fee(e.to_string()))?,
        purpose: format!("Lệ phí {}", procedure.name.vi.to_lowercase()),
        pays_for: BillFor::Dossier(dossier.code.clone()),
        agency: dossier.agency.clone(),
        due: crate::service::workflow::today(now) + time::Duration::days(DAYS_TO_PAY),
    };
    Ok(payments::service::create_bill_in(tx, backend, new, actor, now).await?)
}

/// The portal's answer when a dossier's bill is paid.
pub struct DossierFees;

impl DossierFees {
    /// As the listener payments' routes are given.
    pub fn listener() -> Arc<dyn payments::PaidListener> {
        Arc::new(DossierFees)
    }
}

impl payments::PaidListener for DossierFees {
    fn paid<'a>(&'a self, tx: &'a mut Tx, backend: Backend, bill: &'a Bill) -> Heard<'a> {
        Box::pin(async move {
            let BillFor::Dossier(code) = &bill.pays_for;
            let Some(before) = sql::one_in(tx, code).await? else { return Ok(()) };
            // Paid twice (a second bill) or after it moved on: nothing more to do.
            if before.status != DossierStatus::AwaitingPayment {
                return Ok(());
            }
            let mut after = before.clone();
            after.status = DossierStatus::Submitted;
            after.version += 1;
            let actor = Actor::system("payments");
            crate::service::workflow::record(tx, backend, &after, &actor, "paid", Some(bill.reference.to_string()))
                .await?;
            Ok(())
        })
    }

    /// The fee was not paid in time: the dossier goes back to its applicant's drafts, to submit again for a new
    /// bill (nothing was received, so no clock ran).
    fn expired<'a>(&'a self, tx: &'a mut Tx, backend: Backend, bill: &'a Bill) -> Heard<'a> {
        Box::pin(async move {
            let BillFor::Dossier(code) = &bill.pays_for;
            let Some(before) = sql::one_in(tx, code).await? else { return Ok(()) };
            if before.status != DossierStatus::AwaitingPayment {
                return Ok(());
            }
            let mut after = before.clone();
            after.status = DossierStatus::Draft;
            after.submitted_at = None;
            after.version += 1;
            let actor = Actor::system("payments");
            let note = Some(bill.reference.to_string());
            crate::service::workflow::record(tx, backend, &after, &actor, "fee_expired", note).await?;
            Ok(())
        })
    }
}
