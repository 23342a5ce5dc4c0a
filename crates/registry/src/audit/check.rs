//! The check behind `congso ledger verify` for the registry: every citizen's versions, current and superseded,
//! with who made each and why, every household and every dwelling must be what their ledger entries describe, and
//! the ledger must name no record the registry lacks.
//!
//! Citizens are compared as three streams in personal-ID order (the records, their superseded versions, the ledger's
//! change entries), so the check runs in constant memory however many people there are; households and dwellings,
//! fewer and keyed by codes whose order differs between collations, through a map of their last digests. Records an
//! import made are recorded by their batch's entry instead ([`super::imported`]).

use std::collections::HashMap;

use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};
use store::Db;
use store::sqlx::any::AnyRow;
use store::sqlx::{self, Row};
use trust::ledger::{self, Event, LedgerError, record_digest};

use super::imported::{Imports, Part};
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
    let mut imports = Imports::load(db).await?;
    report.problem = check_citizens(db, &mut imports, &mut report.records).await?;
    if report.problem.is_none() {
        report.problem = check_households(db, &mut imports, &mut report.records).await?;
    }
    if report.problem.is_none() {
        report.problem = check_addresses(db, &mut imports, &mut report.records).await?;
    }
    Ok(report)
}

/// The import batch a row names (its ledger entry's position) and the digest it keeps for it; or why the two do not
/// go together.
type ImportRef = Result<Option<(u64, String)>, &'static str>;

/// The import batch a row names and the digest it keeps for it, both or neither.
fn import_of(row: &AnyRow) -> Result<ImportRef, sqlx::Error> {
    match (row.try_get::<Option<i64>, _>("import_seq")?, row.try_get::<Option<String>, _>("import_digest")?) {
        (Some(seq), Some(digest)) => Ok(Ok(Some((seq as u64, digest)))),
        (None, None) => Ok(Ok(None)),
        _ => Ok(Err("names an import batch without its digest, or a digest without its batch")),
    }
}

async fn check_citizens(db: &Db, imports: &mut Imports, records: &mut u64) -> Result<Option<String>, LedgerError> {
    let current = format!(
        "SELECT c.personal_id AS key, {CITIZEN_COLUMNS}, c.changed_by, c.change_reason, c.import_seq, \
         c.import_digest FROM citizens c {CITIZEN_JOINS} ORDER BY c.personal_id"
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
        let mut described = Vec::with_capacity(entry_rows.len() + 1);
        // An imported citizen's first version is recorded by their batch's entry, before any entry of their own.
        match import_of(&row)? {
            Err(why) => return Ok(Some(format!("citizen {key} {why}"))),
            Ok(None) => {}
            Ok(Some((seq, digest))) => match imports.member(seq, Part::Citizens, key, &digest)? {
                Err(why) => return Ok(Some(format!("citizen {key}: {why}"))),
                Ok(batch) => {
                    described.push((seq, Described { digest, by: batch.by.clone(), reason: batch.reason.clone() }))
                }
            },
        }
        for entry in &entry_rows {
            described.push(described_by_entry(entry)?);
        }
        *records += held.len() as u64;
        if let Some(problem) = compare(key, &held, &described) {
            return Ok(Some(problem));
        }
    }
    if let Some(k) = entries.key() {
        return Ok(Some(format!("the ledger records citizen {k}, who is not in the registry")));
    }
    Ok(imports.finish(Part::Citizens))
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

/// A stored household or dwelling: its key, the digest of the row as stored, and the import batch that made it.
type Held = (String, String, Result<Option<(u64, String)>, &'static str>);

/// Compares every current row of a kind with what the ledger last recorded of it: the kind's last entry about its
/// key or, for a row an import made and nothing changed since, its batch's entry. `rows` come in row id order,
/// the order of the batches' trees.
async fn check_latest(
    db: &Db,
    imports: &mut Imports,
    (kind, part): (&str, Part),
    rows: impl futures_util::Stream<Item = Result<Held, LedgerError>>,
    records: &mut u64,
) -> Result<Option<String>, LedgerError> {
    let mut latest: HashMap<String, (String, u64)> = ledger::verify::latest_digests(db, kind).await?;
    let mut rows = std::pin::pin!(rows);
    while let Some((key, digest, import)) = rows.try_next().await? {
        *records += 1;
        let import = match import {
            Err(why) => return Ok(Some(format!("{kind} {key} {why}"))),
            Ok(None) => None,
            Ok(Some((seq, recorded))) => match imports.member(seq, part, &key, &recorded)? {
                Err(why) => return Ok(Some(format!("{kind} {key}: {why}"))),
                Ok(_) => Some((recorded, seq)),
            },
        };
        let last = match (latest.remove(&key), import) {
            (Some(entry), Some(import)) => Some(if entry.1 > import.1 { entry } else { import }),
            (entry, import) => entry.or(import),
        };
        match last {
            None => return Ok(Some(format!("{kind} {key} has no ledger entry"))),
            Some((recorded, seq)) if recorded != digest => {
                return Ok(Some(format!("{kind} {key}: the stored row is not the one of ledger entry {seq}")));
            }
            Some(_) => {}
        }
    }
    if let Some((key, (_, seq))) = latest.into_iter().min_by_key(|(_, (_, seq))| *seq) {
        return Ok(Some(format!("ledger entry {seq} records {kind} {key}, which is not stored")));
    }
    Ok(imports.finish(part))
}

async fn check_households(db: &Db, imports: &mut Imports, records: &mut u64) -> Result<Option<String>, LedgerError> {
    let rows = sqlx::query(
        "SELECT h.code, a.code, h.import_seq, h.import_digest FROM households h JOIN addresses a \
         ON a.id = h.address_id ORDER BY h.id",
    )
    .fetch(db.pool())
    .map(|row| {
        let row = row?;
        let seal = HouseholdSeal::of(&row.try_get::<String, _>(0)?, &row.try_get::<String, _>(1)?);
        Ok((seal.code.clone(), record_digest(&seal), import_of(&row)?))
    });
    check_latest(db, imports, (HOUSEHOLD, Part::Households), rows, records).await
}

async fn check_addresses(db: &Db, imports: &mut Imports, records: &mut u64) -> Result<Option<String>, LedgerError> {
    let rows = sqlx::query(
        "SELECT code, commune_code, province_code, plus_code, street, lat_e7, lng_e7, import_seq, import_digest \
         FROM addresses ORDER BY id",
    )
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
        Ok((seal.code.clone(), record_digest(&seal), import_of(&row)?))
    });
    check_latest(db, imports, (ADDRESS, Part::Addresses), rows, records).await
}
