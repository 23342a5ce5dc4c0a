//! The registry's side of the audit ledger: the entry each change writes, the entry each read writes, and
//! ([`check`]) the check that every record, current or superseded, is the one its ledger entries describe.

mod check;

pub use check::{RecordsReport, verify_records};
use serde::Serialize;
use store::{Backend, Tx};
use trust::ledger::{self, Actor, Event, EventKind, LedgerError, Purpose, RecordRef, record_digest};

use crate::model::{Address, Citizen};

/// The record kind of a citizen's record in the ledger.
pub const CITIZEN: &str = "citizen";
/// The record kind of a household (its code and where it lives).
pub const HOUSEHOLD: &str = "household";
/// The record kind of a dwelling and its digital address.
pub const ADDRESS: &str = "address";

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
