//! The registry's side of the audit ledger: the entry each change writes, the entry each read writes, and the
//! check that current records are the ones their last entries describe.

use futures_util::TryStreamExt;
use store::Db;
use store::sqlx::{self, Any};
use trust::ledger::{self, Actor, Event, EventKind, LedgerError, Purpose, RecordRef, record_digest};

use crate::model::Citizen;
use crate::store::{CITIZEN_COLUMNS, CITIZEN_JOINS, citizen_from_row};

/// The record kind of a citizen's record in the ledger.
pub const CITIZEN: &str = "citizen";

/// The entry for a new version of a citizen's record.
pub fn changed(citizen: &Citizen, actor: &Actor, reason: &str) -> Event {
    let key = citizen.personal_id.as_str();
    Event::new(EventKind::RecordChanged, actor.clone())
        .subject(key)
        .record(RecordRef { kind: CITIZEN.into(), key: key.into(), digest: Some(record_digest(citizen)) })
        .purpose(reason)
}

/// Writes the entries for new versions in the caller's transaction: the change and its entries commit together.
pub async fn record_changes(
    tx: &mut sqlx::Transaction<'static, Any>,
    db: &Db,
    citizens: &[Citizen],
    actor: &Actor,
    reason: &str,
) -> Result<(), LedgerError> {
    let mut events: Vec<Event> = citizens.iter().map(|c| changed(c, actor, reason)).collect();
    ledger::store::append(tx, db.backend(), &mut events).await.map(drop)
}

/// The entry for an official's look at a citizen's record (`what` says which view: `record`, `history`,
/// `household`).
pub fn read(personal_id: &str, actor: &Actor, purpose: &Purpose, what: &str) -> Event {
    Event::new(EventKind::PersonalDataRead, actor.clone())
        .subject(personal_id)
        .record(RecordRef { kind: CITIZEN.into(), key: personal_id.into(), digest: None })
        .purpose(&purpose.to_string())
        .detail(serde_json::json!({ "view": what }))
}

/// What comparing the registry with the ledger found.
#[derive(Debug, Default)]
pub struct RecordsReport {
    /// Records compared.
    pub records: u64,
    /// The first difference.
    pub problem: Option<String>,
}

/// Checks that every citizen's current record hashes to the digest of its last ledger entry, and that the ledger
/// names no citizen the registry lacks.
pub async fn verify_records(db: &Db) -> Result<RecordsReport, LedgerError> {
    let mut latest = ledger::verify::latest_digests(db, CITIZEN).await?;
    let mut report = RecordsReport::default();
    let sql = format!("SELECT {CITIZEN_COLUMNS} FROM citizens c {CITIZEN_JOINS} ORDER BY c.personal_id");
    let mut rows = sqlx::query(&sql).fetch(db.pool());
    while let Some(row) = rows.try_next().await? {
        let citizen = citizen_from_row(&row)?;
        let key = citizen.personal_id.as_str();
        report.records += 1;
        let problem = match latest.remove(key) {
            None => Some(format!("citizen {key} has no ledger entry")),
            Some((digest, seq)) if digest != record_digest(&citizen) => {
                Some(format!("citizen {key}: the current record is not the version of ledger entry {seq}"))
            }
            Some(_) => None,
        };
        if problem.is_some() {
            return Ok(RecordsReport { problem, ..report });
        }
    }
    if let Some((key, (_, seq))) = latest.into_iter().min_by_key(|(_, (_, seq))| *seq) {
        report.problem = Some(format!("ledger entry {seq} records citizen {key}, who is not in the registry"));
    }
    Ok(report)
}
