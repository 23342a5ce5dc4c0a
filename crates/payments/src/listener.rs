//! How the slice a bill pays for hears that it is paid: inside the transaction that records the payment, so the
//! dossier moves on together with its bill or not at all. Payments defines the question; the portal (and, later,
//! the hospital and school slices) answers it, and the server hands the answers to payments' routes, as it hands
//! the registry's directory to identity's.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use store::{Backend, Tx};

use crate::model::{Bill, BillForKind};

/// A boxed future, so that listeners can be trait objects.
pub type Heard<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>>;

/// A slice that wants to know when its bills are paid, or lapse unpaid.
pub trait PaidListener: Send + Sync + 'static {
    /// `bill` is paid. Runs in the payment's transaction `tx` (append ledger entries with `backend`); an error
    /// rolls the payment back, and the bank's retry brings it again.
    fn paid<'a>(&'a self, tx: &'a mut Tx, backend: Backend, bill: &'a Bill) -> Heard<'a>;

    /// `bill` lapsed unpaid at its due date, in the expiry's transaction; by default nothing follows.
    fn expired<'a>(&'a self, _tx: &'a mut Tx, _backend: Backend, _bill: &'a Bill) -> Heard<'a> {
        Box::pin(async { Ok(()) })
    }

    /// `bill`, paid, was refunded to its payer, in the refund's transaction (an error rolls the refund's record
    /// back; the bank's refund, already made, is found again by its reference when the officer retries); by
    /// default nothing follows.
    fn refunded<'a>(&'a self, _tx: &'a mut Tx, _backend: Backend, _bill: &'a Bill) -> Heard<'a> {
        Box::pin(async { Ok(()) })
    }
}

/// The listeners, by the kind of record a bill pays for. A kind with none is paid without telling anyone.
#[derive(Clone, Default)]
pub struct Listeners(Arc<BTreeMap<BillForKind, Arc<dyn PaidListener>>>);

impl Listeners {
    /// These listeners and `listener` for bills of `kind`.
    pub fn with(self, kind: BillForKind, listener: Arc<dyn PaidListener>) -> Listeners {
        let mut map = (*self.0).clone();
        map.insert(kind, listener);
        Listeners(Arc::new(map))
    }

    /// Tells the listener of the bill's kind that it lapsed, if there is one.
    pub async fn expired(&self, tx: &mut Tx, backend: Backend, bill: &Bill) -> anyhow::Result<()> {
        match self.0.get(&bill.pays_for.kind()) {
            Some(listener) => listener.expired(tx, backend, bill).await,
            None => Ok(()),
        }
    }

    /// Tells the listener of the bill's kind that it was refunded, if there is one.
    pub async fn refunded(&self, tx: &mut Tx, backend: Backend, bill: &Bill) -> anyhow::Result<()> {
        match self.0.get(&bill.pays_for.kind()) {
            Some(listener) => listener.refunded(tx, backend, bill).await,
            None => Ok(()),
        }
    }

    /// Tells the listener of the bill's kind, if there is one.
    pub async fn paid(&self, tx: &mut Tx, backend: Backend, bill: &Bill) -> anyhow::Result<()> {
        match self.0.get(&bill.pays_for.kind()) {
            Some(listener) => listener.paid(tx, backend, bill).await,
            None => Ok(()),
        }
    }
}
