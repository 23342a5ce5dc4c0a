//! Quá hạn thanh toán — a bill still unpaid after its due date lapses: every few minutes each node moves the
//! overdue bills from pending to expired, each in a transaction of its own with its history row, its ledger entry
//! and the slice it pays for told (the portal sends the dossier back to its applicant's drafts, to submit again for
//! a new bill). The move is the same conditional update a payment makes, so a payment arriving at that moment and
//! the expiry cannot both win; a transfer that comes after the expiry is held for a finance official.

use store::Db;
use time::{Date, OffsetDateTime};
use trust::ledger::{self, Actor};

use crate::error::PaymentsError;
use crate::listener::Listeners;
use crate::model::BillStatus;
use crate::service::bill_event;
use crate::store as sql;

/// How often a node looks.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(600);
/// Bills lapsed per look at most; the next look takes the rest.
const BATCH: i64 = 500;

/// Expires the bills due before `today` (in Vietnam) that are still pending: how many it expired.
pub async fn expire_overdue(db: &Db, listeners: &Listeners, today: Date) -> Result<usize, PaymentsError> {
    let actor = Actor::system("payments");
    let mut expired = 0;
    for (id, mut bill) in sql::overdue(db, &today.to_string(), BATCH).await? {
        let mut tx = db.begin_write().await?;
        let at = OffsetDateTime::now_utc().unix_timestamp();
        if !sql::transition(&mut tx, id, BillStatus::Pending, BillStatus::Expired, at).await? {
            continue; // paid or cancelled since it was read
        }
        bill.status = BillStatus::Expired;
        bill.updated_at = at;
        sql::history(&mut tx, id, BillStatus::Expired, &actor.username, &format!("due {}", bill.due), at).await?;
        let event =
            bill_event(&bill, actor.clone(), "bill_expired", serde_json::json!({ "due": bill.due.to_string() }));
        ledger::store::append(&mut tx, db.backend(), &mut [event]).await?;
        listeners.expired(&mut tx, db.backend(), &bill).await.map_err(PaymentsError::Listener)?;
        tx.commit().await?;
        expired += 1;
    }
    if expired > 0 {
        tracing::info!(expired, "overdue bills expired");
    }
    Ok(expired)
}

/// Looks every few minutes, for as long as the server runs.
pub async fn watch(db: Db, listeners: Listeners) {
    let mut interval = tokio::time::interval(SWEEP_EVERY);
    loop {
        interval.tick().await;
        let today = OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)).date();
        if let Err(e) = expire_overdue(&db, &listeners, today).await {
            tracing::warn!(error = %e, "overdue bills could not be expired; the next look tries again");
        }
    }
}
