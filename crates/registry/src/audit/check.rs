//! The check behind `congso ledger verify` for the registry: every citizen's versions, current and superseded,
//! with who made each and why, every household and every dwelling must be what their ledger entries describe, and
//! the ledger must name no record the registry lacks.
//!
//! Citizens are compared as three streams in personal-ID order (the records, their superseded versions, the ledger's
//! change entries), so the check runs in constant memory however many people there are; households and dwellings,
//! fewer and keyed by codes whose order differs between collations, through a map of their last digests.

use std::collections::HashMap;

use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};
use store::Db;
use store::sqlx::any::AnyRow;
use store::sqlx::{self, Row};
use trust::ledger::{self, Event, LedgerError, record_digest};

use super::{ADDRESS, AddressSeal, CITIZEN, HOUSEHOLD, HouseholdSeal};
use crate::store::{CITIZEN_COLUMNS, CITIZEN_JOINS, citizen_from_row};

/// What comparing the registry with the ledger found.
#[derive(Debug, Default)]
pub struct RecordsReport {
    /// Records compared: citizens' versions, households and dwellings.
    pub records: u64,
    /// The first difference.
    pub problem: Option<String>,
}

/// One version as the registry holds it, or as a ledger entry describes it.
#[derive(Debug, PartialEq, Eq)]
struct Described {
    digest: String,
    by: String,
    reason: String,
}

/// A row stream with one row of lookahead, for merging streams sorted by the same key.
struct Cursor<'a> {
    rows: BoxStream<'a, Result<AnyRow, sqlx::Error>>,
    next: Option<AnyRow>,
}

impl<'a> Cursor<'a> {
    async fn new(rows: BoxStream<'a, Result<AnyRow, sqlx::Error>>) -> Result<Cursor<'a>, sqlx::Error> {
        let mut cursor = Cursor { rows, next: None };
        cursor.next = cursor.rows.try_next().await?;
        Ok(cursor)
    }

    fn key(&self) -> Option<String> {
        self.next.as_ref().and_then(|r| r.try_get::<String, _>(0).ok())
    }

    async fn take(&mut self) -> Result<Option<AnyRow>, sqlx::Error> {
        let row = self.next.take();
        self.next = self.rows.try_next().await?;
        Ok(row)
    }

    /// The rows whose key is `key`, after skipping (and returning the first of) any with a smaller key.
    async fn rows_of(&mut self, key: &str) -> Result<(Vec<AnyRow>, Option<String>), sqlx::Error> {
        let mut skipped = None;
        while let Some(k) = self.key().filter(|k| k.as_str() < key) {
            skipped.get_or_insert(k);
            self.take().await?;
        }
        let mut rows = Vec::new();
        while self.key().as_deref() == Some(key) {
            rows.extend(self.take().await?);
        }
        Ok((rows, skipped))
    }
}

fn described_by_entry(row: &AnyRow) -> Result<(u64, Described), LedgerError> {
    let seq: i64 = row.try_get(1)?;
    let event: Event = serde_json::from_str(&row.try_get::<String, _>(3)?)
        .map_err(|e| LedgerError::Corrupt(format!("entry {seq}: {e}")))?;
    let described =
        Described { digest: row.try_get(2)?, by: event.actor.username, reason: event.purpose.unwrap_or_default() };
    Ok((seq as u64, described))
}

/// A superseded version: its snapshot is the record's JSON exactly as [`record_digest`] hashed it when it was
/// current, so the snapshot's own bytes give the digest, and any edit to them shows.
fn version_of(row: &AnyRow) -> Result<(i64, Described), LedgerError> {
    let version: i64 = row.try_get(1)?;
    let snapshot: String = row.try_get(2)?;
    let digest = hex::encode(Sha256::digest(snapshot.as_bytes()));
    Ok((version, Described { digest, by: row.try_get(3)?, reason: row.try_get(4)? }))
}

/// Checks the registry against the ledger; stops at the first difference.
pub async fn verify_records(db: &Db) -> Result<RecordsReport, LedgerError> {
    let mut report = RecordsReport::default();
    report.problem = check_citizens(db, &mut report.records).await?;
    if report.problem.is_none() {
        report.problem = check_households(db, &mut report.records).await?;
    }
    if report.problem.is_none() {
        report.problem = check_addresses(db, &mut report.records).await?;
    }
    Ok(report)
}

async fn check_citizens(db: &Db, records: &mut u64) -> Result<Option<String>, LedgerError> {
    let current = format!(
        "SELECT c.personal_id AS key, {CITIZEN_COLUMNS}, c.changed_by, c.change_reason FROM citizens c \
         {CITIZEN_JOINS} ORDER BY c.personal_id"
    );
    let mut citizens = Cursor::new(sqlx::query(&current).fetch(db.pool()).boxed()).await?;
    let versions = "SELECT c.personal_id, v.version, v.snapshot, v.changed_by, v.reason FROM citizen_versions v \
                    JOIN citizens c ON c.id = v.citizen_id ORDER BY c.personal_id, v.version";
    let mut versions = Cursor::new(sqlx::query(versions).fetch(db.pool()).boxed()).await?;
    let mut entries = Cursor::new(trust::ledger::store::changes_of_kind(db.pool(), CITIZEN)).await?;
    while let Some(row) = citizens.take().await? {
        let citizen = citizen_from_row(&row)?;
        let key = citizen.personal_id.as_str();
        let (entry_rows, unknown) = entries.rows_of(key).await?;
        if let Some(unknown) = unknown {
            return Ok(Some(format!("the ledger records citizen {unknown}, who is not in the registry")));
        }
        let mut held = Vec::new();
        for row in versions.rows_of(key).await?.0 {
            held.push(version_of(&row)?);
        }
        let current = Described {
            digest: record_digest(&citizen),
            by: row.try_get("changed_by")?,
            reason: row.try_get("change_reason")?,
        };
        held.push((citizen.version, current));
        let described = entry_rows.iter().map(described_by_entry).collect::<Result<Vec<_>, _>>()?;
        *records += held.len() as u64;
        if let Some(problem) = compare(key, &held, &described) {
            return Ok(Some(problem));
        }
    }
    Ok(entries.key().map(|k| format!("the ledger records citizen {k}, who is not in the registry")))
}

/// Compares a citizen's versions, oldest first, with the ledger's change entries about them, oldest first.
fn compare(key: &str, held: &[(i64, Described)], described: &[(u64, Described)]) -> Option<String> {
    if held.len() != described.len() {
        let (h, d) = (held.len(), described.len());
        return Some(format!("citizen {key}: versions held by the registry {h}, recorded by the ledger {d}"));
    }
    for ((version, v), (seq, d)) in held.iter().zip(described) {
        if v.digest != d.digest {
            let which = if *version == held[held.len() - 1].0 {
                "the current record".to_owned()
            } else {
                format!("version {version}")
            };
            return Some(format!("citizen {key}: {which} is not the version of ledger entry {seq}"));
        }
        if v.by != d.by || v.reason != d.reason {
            return Some(format!("citizen {key}: who made version {version}, or why, differs from ledger entry {seq}"));
        }
    }
    described
        .get(held.len())
        .map(|(seq, _)| format!("citizen {key}: ledger entry {seq} records a version the registry no longer holds"))
}

/// Compares every current row of a kind, as (key, digest), with the kind's last ledger digests.
async fn check_latest(
    db: &Db,
    kind: &str,
    rows: impl futures_util::Stream<Item = Result<(String, String), LedgerError>>,
    records: &mut u64,
) -> Result<Option<String>, LedgerError> {
    let mut latest: HashMap<String, (String, u64)> = ledger::verify::latest_digests(db, kind).await?;
    let mut rows = std::pin::pin!(rows);
    while let Some((key, digest)) = rows.try_next().await? {
        *records += 1;
        match latest.remove(&key) {
            None => return Ok(Some(format!("{kind} {key} has no ledger entry"))),
            Some((recorded, seq)) if recorded != digest => {
                return Ok(Some(format!("{kind} {key}: the stored row is not the one of ledger entry {seq}")));
            }
            Some(_) => {}
        }
    }
    Ok(latest
        .into_iter()
        .min_by_key(|(_, (_, seq))| *seq)
        .map(|(key, (_, seq))| format!("ledger entry {seq} records {kind} {key}, which is not stored")))
}

async fn check_households(db: &Db, records: &mut u64) -> Result<Option<String>, LedgerError> {
    let rows = sqlx::query("SELECT h.code, a.code FROM households h JOIN addresses a ON a.id = h.address_id")
        .fetch(db.pool())
        .map(|row| {
            let row = row?;
            let seal = HouseholdSeal::of(&row.try_get::<String, _>(0)?, &row.try_get::<String, _>(1)?);
            Ok((seal.code.clone(), record_digest(&seal)))
        });
    check_latest(db, HOUSEHOLD, rows, records).await
}

async fn check_addresses(db: &Db, records: &mut u64) -> Result<Option<String>, LedgerError> {
    let rows =
        sqlx::query("SELECT code, commune_code, province_code, plus_code, street, lat_e7, lng_e7 FROM addresses")
            .fetch(db.pool())
            .map(|row| {
                let row = row?;
                let seal = AddressSeal {
                    code: row.try_get(0)?,
                    commune_code: row.try_get(1)?,
                    province_code: row.try_get(2)?,
                    plus_code: row.try_get(3)?,
                    street: row.try_get(4)?,
                    lat_e7: row.try_get(5)?,
                    lng_e7: row.try_get(6)?,
                };
                Ok((seal.code.clone(), record_digest(&seal)))
            });
    check_latest(db, ADDRESS, rows, records).await
}
