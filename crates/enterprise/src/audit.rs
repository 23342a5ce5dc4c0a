//! The enterprise registry's side of the audit ledger: the entry each version writes, and the entries an
//! official's look at an enterprise's representatives and members writes, one per citizen named, so that each
//! sees it under "who used my data".

use store::{Backend, Tx};
use trust::ledger::{self, Actor, Event, EventKind, LedgerError, Purpose, RecordRef, record_digest};

use crate::model::Enterprise;

/// The record kind of an enterprise's record in the ledger.
pub const ENTERPRISE: &str = "enterprise";

/// The entry for a new version: the whole record's digest, what changed and why.
pub fn changed(e: &Enterprise, actor: &Actor, change: &str, reason: &str) -> Event {
    Event::new(EventKind::RecordChanged, actor.clone())
        .record(RecordRef { kind: ENTERPRISE.into(), key: e.tax_code.to_string(), digest: Some(record_digest(e)) })
        .purpose(reason)
        .detail(serde_json::json!({ "change": change, "version": e.version }))
}

/// Appends the entry for a new version in the caller's transaction: the change and its entry commit together.
pub async fn record_change(
    tx: &mut Tx,
    backend: Backend,
    e: &Enterprise,
    actor: &Actor,
    change: &str,
    reason: &str,
) -> Result<(), LedgerError> {
    ledger::store::append(tx, backend, &mut [changed(e, actor, change, reason)]).await.map(drop)
}

/// The citizens an enterprise's full record names: its representatives and the members who are persons.
pub fn people(e: &Enterprise) -> Vec<&str> {
    let mut ids: Vec<&str> = e.representatives.iter().map(|r| r.personal_id.as_str()).collect();
    ids.extend(e.members.iter().filter_map(|m| m.personal_id.as_ref()).map(|p| p.as_str()));
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The entry for an official's look at one citizen's part in an enterprise (`view`: `record`, `history`).
pub fn read(personal_id: &str, e: &Enterprise, actor: &Actor, purpose: &Purpose, view: &str) -> Event {
    Event::new(EventKind::PersonalDataRead, actor.clone())
        .subject(personal_id)
        .record(RecordRef { kind: ENTERPRISE.into(), key: e.tax_code.to_string(), digest: None })
        .purpose(&purpose.to_string())
        .detail(serde_json::json!({ "view": view }))
}

/// Checks every stored enterprise against the last version the ledger recorded (`congso ledger verify`): how many
/// were checked, and the first difference (a record changed outside the services, one with no entry, an entry
/// for a record that is gone).
pub async fn verify(db: &store::Db) -> Result<(u64, Option<String>), crate::error::EnterpriseError> {
    let mut check = ledger::verify::RecordCheck::new(db, ENTERPRISE).await?;
    crate::store::scan(db, |e| check.row(&e.tax_code.to_string(), &record_digest(&e))).await?;
    Ok(check.finish())
}
