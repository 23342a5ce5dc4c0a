//! Sealed tables: rows whose security-relevant columns must always be the ones the ledger last recorded.
//!
//! Accounts' credentials and status, role assignments, agencies, API tokens, OIDC clients and signing keys can
//! each be changed with one line of SQL by whoever reaches the database, and such a change (a clerk made national
//! administrator, a password hash swapped) would leave no trace. So every write of such a row appends, in the same
//! transaction, an entry carrying the digest of the row as [`Sealed::select`] reads it back, and
//! `congso ledger verify` recomputes the digest of every row and compares it with the last one recorded: an
//! edited, inserted or deleted row shows. The one `SELECT` serves both sides, so they cannot drift apart.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use store::sqlx::any::AnyRow;
use store::sqlx::{self, AnyConnection, Row};
use store::{Backend, Db};

use super::event::{Event, RecordRef};
use super::{LedgerError, store as ledger_store, verify};

/// The digest recorded when a sealed row is deleted.
pub const DELETED: &str = "deleted";

/// A table whose rows are sealed in the ledger.
#[derive(Debug, Clone, Copy)]
pub struct Sealed {
    /// The record kind in the ledger (`account`, `role_assignment`, …).
    pub kind: &'static str,
    /// `SELECT <key>, <column>, … FROM <table>`, every column cast to text, no `WHERE`: the key first, then what
    /// the seal covers (never a column that changes on every use, such as a last-seen time).
    pub select: &'static str,
    /// The `WHERE` condition that picks one row by `$1`, such as `id = $1`.
    pub by_key: &'static str,
}

/// A sealed row's key as stored: an integer surrogate or a text code.
#[derive(Debug, Clone)]
pub enum Key {
    /// An integer primary key.
    Int(i64),
    /// A text key (a kid, a client id, an agency code).
    Text(String),
}

impl Key {
    fn text(&self) -> String {
        match self {
            Key::Int(i) => i.to_string(),
            Key::Text(t) => t.clone(),
        }
    }
}

fn digest_of(row: &AnyRow) -> Result<String, LedgerError> {
    let columns = (1..row.len()).map(|i| row.try_get::<Option<String>, _>(i)).collect::<Result<Vec<_>, _>>()?;
    Ok(digest(&columns))
}

fn digest(columns: &impl Serialize) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(columns).unwrap_or_default()))
}

impl Sealed {
    /// The digest of the row with `key` as the caller's transaction sees it, or [`DELETED`] if there is none.
    pub async fn digest(&self, tx: &mut AnyConnection, key: &Key) -> Result<String, LedgerError> {
        let sql = format!("{} WHERE {}", self.select, self.by_key);
        let query = sqlx::query(&sql);
        let query = match key {
            Key::Int(i) => query.bind(*i),
            Key::Text(t) => query.bind(t.clone()),
        };
        match query.fetch_optional(&mut *tx).await? {
            Some(row) => digest_of(&row),
            None => Ok(DELETED.to_owned()),
        }
    }

    /// Appends `event` (what changed, by whom) carrying the seal of the row with `key` as written so far in the
    /// caller's transaction; call it after the write, before the commit.
    pub async fn append(
        &self,
        tx: &mut AnyConnection,
        backend: Backend,
        key: Key,
        mut event: Event,
    ) -> Result<u64, LedgerError> {
        let digest = self.digest(tx, &key).await?;
        event.record = Some(RecordRef { kind: self.kind.to_owned(), key: key.text(), digest: Some(digest) });
        let seqs = ledger_store::append(tx, backend, std::slice::from_mut(&mut event)).await?;
        seqs.first().copied().ok_or_else(|| LedgerError::Corrupt("an append returned no position".into()))
    }

    /// Seals every row that has no seal yet, each with an entry by `by` saying it was adopted: for an installation
    /// upgraded from a version that did not seal this table, run once while no node serves. Rows whose seal
    /// differs are left alone (that is tampering, for [`Sealed::verify`] to name). Returns how many were adopted.
    pub async fn adopt(&self, db: &Db, by: &super::Actor) -> Result<u64, LedgerError> {
        let sealed: HashMap<String, (String, u64)> = verify::latest_digests(db, self.kind).await?;
        let mut events = Vec::new();
        for row in sqlx::query(self.select).fetch_all(db.pool()).await? {
            let key: String = row.try_get(0)?;
            if sealed.contains_key(&key) {
                continue;
            }
            let record = RecordRef { kind: self.kind.to_owned(), key, digest: Some(digest_of(&row)?) };
            let detail = serde_json::json!({ "change": "adopted_at_upgrade" });
            events.push(Event::new(super::EventKind::RecordChanged, by.clone()).record(record).detail(detail));
        }
        let mut tx = db.begin_write().await?;
        ledger_store::append(&mut tx, db.backend(), &mut events).await?;
        tx.commit().await?;
        Ok(events.len() as u64)
    }

    /// Compares every row with its last recorded digest; returns the rows compared and the first difference.
    pub async fn verify(&self, db: &Db) -> Result<(u64, Option<String>), LedgerError> {
        let mut latest: HashMap<String, (String, u64)> = verify::latest_digests(db, self.kind).await?;
        let mut rows = sqlx::query(self.select).fetch(db.pool());
        let mut count = 0;
        let kind = self.kind;
        while let Some(row) = rows.try_next().await? {
            count += 1;
            let key: String = row.try_get(0)?;
            let problem = match latest.remove(&key) {
                None => Some(format!("{kind} {key} has no ledger entry: it was written around congso")),
                Some((recorded, seq)) if recorded != digest_of(&row)? => {
                    Some(format!("{kind} {key} is not the row ledger entry {seq} recorded"))
                }
                Some(_) => None,
            };
            if problem.is_some() {
                return Ok((count, problem));
            }
        }
        let missing = latest.into_iter().filter(|(_, (digest, _))| digest != DELETED).min_by_key(|(_, (_, s))| *s);
        Ok((count, missing.map(|(key, (_, seq))| format!("{kind} {key}, recorded by ledger entry {seq}, is missing"))))
    }
}
