//! The registry's side of the audit ledger: the entry each change writes, the entry each read writes, the entry
//! each transaction of a bulk import writes for all the records it made, and ([`check`]) the check that every
//! record, current or superseded, is the one its ledger entries describe.

mod check;
mod imported;

pub use check::{RecordsReport, verify_records};
pub use imported::{ImportProof, import_proof};
use serde::{Deserialize, Serialize};
use store::{Backend, Tx};
use trust::ledger::{self, Actor, Event, EventKind, LedgerError, Purpose, RecordRef, record_digest};

use crate::model::{Address, Citizen};

/// The record kind of a citizen's record in the ledger.
pub const CITIZEN: &str = "citizen";
/// The record kind of a household (its code and where it lives).
pub const HOUSEHOLD: &str = "household";
/// The record kind of a dwelling and its digital address.
pub const ADDRESS: &str = "address";
/// The record kind of an import batch: every citizen, household and dwelling one transaction of an import made.
pub const IMPORT: &str = "import_batch";

/// What an import batch's entry records of one kind of record: how many it made, and the Merkle root over them
/// ([`trust::ledger::batch`]): citizens by personal ID, households and dwellings by their row's id, each with the
/// digest its own entry would have carried, which the row also keeps (`import_digest`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct BatchPart {
    /// Records of this kind the batch made.
    pub records: u64,
    /// Hex Merkle root over them.
    pub root: String,
}

/// The detail of an import batch's entry. The rows the batch made name the entry (`import_seq`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImportBatch {
    /// The salt of every leaf of the three trees.
    pub salt: String,
    /// The citizens (version 1 of their record).
    pub citizens: BatchPart,
    /// The households.
    pub households: BatchPart,
    /// The dwellings.
    pub addresses: BatchPart,
}

/// The entry for one transaction of an import; `label` says which personal IDs it spans.
pub fn imported(batch: &ImportBatch, label: &str, actor: &Actor, reason: &str) -> Event {
    // A struct of strings and integers always serialises.
    let detail = serde_json::to_value(batch).unwrap_or_default();
    Event::new(EventKind::RecordChanged, actor.clone())
        .record(RecordRef { kind: IMPORT.into(), key: label.into(), digest: None })
        .purpose(reason)
        .detail(detail)
}

/// What a dwelling's ledger entry commits to: its row's columns as stored, so the check recomputes the digest from
/// the row without rounding coordinates twice.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct AddressSeal {
    code: String,
    commune_code: String,
    province_code: String,
    plus_code: String,
    street: String,
    lat_e7: i64,
    lng_e7: i64,
}

impl AddressSeal {
    /// The seal of a dwelling about to be stored under `code`.
    pub fn of(code: &str, a: &Address) -> AddressSeal {
        AddressSeal {
            code: code.to_owned(),
            commune_code: a.commune.clone(),
            province_code: a.province.clone(),
            plus_code: a.plus_code.clone(),
            street: a.street.clone(),
            lat_e7: (a.lat * 1e7).round() as i64,
            lng_e7: (a.lng * 1e7).round() as i64,
        }
    }
}

/// What a household's ledger entry commits to: its code and its dwelling's digital address.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct HouseholdSeal {
    code: String,
    address: String,
}

impl HouseholdSeal {
    /// The seal of household `code` at the dwelling `address`.
    pub fn of(code: &str, address: &str) -> HouseholdSeal {
        HouseholdSeal { code: code.to_owned(), address: address.to_owned() }
    }
}

/// The entry for a new dwelling.
pub fn address_created(seal: &AddressSeal, actor: &Actor, reason: &str) -> Event {
    Event::new(EventKind::RecordChanged, actor.clone())
        .record(RecordRef { kind: ADDRESS.into(), key: seal.code.clone(), digest: Some(record_digest(seal)) })
        .purpose(reason)
}

/// The entry for a new household.
pub fn household_created(seal: &HouseholdSeal, actor: &Actor, reason: &str) -> Event {
    Event::new(EventKind::RecordChanged, actor.clone())
        .record(RecordRef { kind: HOUSEHOLD.into(), key: seal.code.clone(), digest: Some(record_digest(seal)) })
        .purpose(reason)
}

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
    tx: &mut Tx,
    backend: Backend,
    citizens: &[Citizen],
    actor: &Actor,
    reason: &str,
) -> Result<(), LedgerError> {
    let mut events: Vec<Event> = citizens.iter().map(|c| changed(c, actor, reason)).collect();
    ledger::store::append(tx, backend, &mut events).await.map(drop)
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
