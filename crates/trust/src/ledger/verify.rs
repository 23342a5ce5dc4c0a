//! Recomputing the ledger from its stored entries: what `congso ledger verify` runs.
//!
//! Everything is checked against the entries' own bytes: each leaf hash, the searchable columns, every stored
//! node, the right edge kept for appending, and every signed tree head's root and signature. The first place
//! where they disagree is reported; an administrator who edits or deletes a row cannot hide it.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use store::Db;
use store::sqlx::{self, Row};

use super::store::{entry_from_row, parse_hash, state};
use super::{LedgerError, head};
use crate::keyring;
use crate::merkle::{self, NodeId, RootBuilder};

/// What a verification found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Entries checked.
    pub entries: u64,
    /// Stored nodes checked.
    pub nodes: u64,
    /// Signed tree heads checked.
    pub heads: usize,
    /// The first disagreement, if any.
    pub problem: Option<String>,
}

/// Checks the whole log; `progress` hears the number of entries checked now and then.
pub async fn verify_log(db: &Db, progress: &(dyn Fn(u64) + Sync)) -> Result<Report, LedgerError> {
    let mut report = Report::default();
    let heads = head::all(db.pool()).await?;
    let keys: HashMap<String, crate::keys::VerifyingKey> = keyring::list(db.pool())
        .await
        .map_err(|e| LedgerError::Corrupt(e.to_string()))?
        .into_iter()
        .map(|k| (k.public.kid().to_owned(), k.public))
        .collect();
    let mut heads = heads.into_iter().peekable();
    let mut tree = RootBuilder::new();
    let mut stored_nodes =
        sqlx::query("SELECT level, idx, hash FROM ledger_nodes ORDER BY ((idx + 1) << level), level").fetch(db.pool());
    let mut entries = sqlx::query(
        "SELECT seq, recorded_at_ms, kind, subject, record_kind, record_key, record_digest, body, leaf_hash \
         FROM ledger_entries ORDER BY seq",
    )
    .fetch(db.pool());

    let check_head = |tree: &RootBuilder, head: &head::TreeHead| -> Option<String> {
        let at = format!("signed tree head at size {}", head.tree_size);
        match head.root() {
            Ok(root) if root == tree.root() => {}
            _ => return Some(format!("{at}: its root is not the root of the stored entries")),
        }
        match keys.get(&head.kid) {
            None => Some(format!("{at}: signed by unknown key {}", head.kid)),
            Some(key) if head.verify(key).is_err() => Some(format!("{at}: the signature does not verify")),
            Some(_) => None,
        }
    };
    while let Some(head) = heads.next_if(|h| h.tree_size == 0) {
        report.heads += 1;
        if let Some(problem) = check_head(&tree, &head) {
            return Ok(Report { problem: Some(problem), ..report });
        }
    }
    while let Some(row) = entries.try_next().await? {
        let seq = tree.size();
        let stored_seq: i64 = row.try_get("seq")?;
        if stored_seq as u64 != seq {
            return Ok(Report {
                problem: Some(format!("entry {seq} is missing (next stored is {stored_seq})")),
                ..report
            });
        }
        if let Some(problem) = check_entry(&row, seq)? {
            return Ok(Report { problem: Some(problem), ..report });
        }
        let leaf = parse_hash(&row.try_get::<String, _>("leaf_hash")?)?;
        for (id, hash) in tree.append(leaf).map_err(|e| LedgerError::Corrupt(e.to_string()))? {
            report.nodes += 1;
            let Some(row) = stored_nodes.try_next().await? else {
                return Ok(Report { problem: Some(format!("node {id} is missing")), ..report });
            };
            let (level, index): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            let stored = parse_hash(&row.try_get::<String, _>(2)?)?;
            if NodeId::new(level as u8, index as u64) != id || stored != hash {
                return Ok(Report {
                    problem: Some(format!("node {id} does not match the entries below it")),
                    ..report
                });
            }
        }
        report.entries += 1;
        while let Some(head) = heads.next_if(|h| h.tree_size == tree.size()) {
            report.heads += 1;
            if let Some(problem) = check_head(&tree, &head) {
                return Ok(Report { problem: Some(problem), ..report });
            }
        }
        if report.entries % 100_000 == 0 {
            progress(report.entries);
        }
    }
    progress(report.entries);
    if stored_nodes.try_next().await?.is_some() {
        return Ok(Report { problem: Some("nodes are stored beyond the last entry".into()), ..report });
    }
    if let Some(head) = heads.next() {
        let problem =
            format!("signed tree head at size {} is beyond the {} stored entries", head.tree_size, tree.size());
        return Ok(Report { problem: Some(problem), ..report });
    }
    let kept = state(db.pool()).await?;
    if kept != tree {
        return Ok(Report { problem: Some("ledger_state does not match the stored entries".into()), ..report });
    }
    Ok(report)
}

/// Whether an entry's hash and searchable columns agree with its body.
fn check_entry(row: &store::sqlx::any::AnyRow, seq: u64) -> Result<Option<String>, LedgerError> {
    let entry = match entry_from_row(row) {
        Ok(entry) => entry,
        Err(LedgerError::Corrupt(why)) => return Ok(Some(why)),
        Err(e) => return Err(e),
    };
    if merkle::leaf_hash(entry.body.as_bytes()) != entry.leaf_hash {
        return Ok(Some(format!("entry {seq}: its hash does not match its body")));
    }
    let event = &entry.event;
    let record = event.record.as_ref();
    let columns_agree = row.try_get::<i64, _>("recorded_at_ms")? == event.at_ms
        && row.try_get::<String, _>("kind")? == event.kind.as_str()
        && row.try_get::<Option<String>, _>("subject")? == event.subject
        && row.try_get::<Option<String>, _>("record_kind")? == record.map(|r| r.kind.clone())
        && row.try_get::<Option<String>, _>("record_key")? == record.map(|r| r.key.clone())
        && row.try_get::<Option<String>, _>("record_digest")? == record.and_then(|r| r.digest.clone());
    Ok((!columns_agree).then(|| format!("entry {seq}: its columns do not match its body")))
}

/// The last recorded digest and entry of every record of a kind, for comparing with a registry's current rows.
pub async fn latest_digests(db: &Db, record_kind: &str) -> Result<HashMap<String, (String, u64)>, LedgerError> {
    let mut rows = sqlx::query(
        "SELECT record_key, record_digest, seq FROM ledger_entries WHERE record_kind = $1 AND record_digest IS NOT NULL \
         ORDER BY seq",
    )
    .bind(record_kind)
    .fetch(db.pool());
    let mut latest = HashMap::new();
    while let Some(row) = rows.try_next().await? {
        let seq: i64 = row.try_get(2)?;
        latest.insert(row.try_get(0)?, (row.try_get(1)?, seq as u64));
    }
    Ok(latest)
}

/// A slice's current rows of one record kind held against the ledger: each row's digest must be the last one the
/// ledger recorded for its key, and every key the ledger recorded must still be stored. Feed it the rows with
/// [`RecordCheck::row`], then [`RecordCheck::finish`] says how many were checked and the first difference.
pub struct RecordCheck {
    kind: &'static str,
    latest: HashMap<String, (String, u64)>,
    checked: u64,
    problem: Option<String>,
}

impl RecordCheck {
    /// Reads the ledger's last digest of every record of `kind`.
    pub async fn new(db: &Db, kind: &'static str) -> Result<RecordCheck, LedgerError> {
        Ok(RecordCheck { kind, latest: latest_digests(db, kind).await?, checked: 0, problem: None })
    }

    /// One stored row: its key and its digest now.
    pub fn row(&mut self, key: &str, digest: &str) {
        self.checked += 1;
        let found = self.latest.remove(key);
        if self.problem.is_some() {
            return;
        }
        self.problem = match found {
            None => Some(format!("{} {key} has no ledger entry", self.kind)),
            Some((recorded, seq)) if recorded != digest => {
                Some(format!("{} {key}: the stored row is not the one of ledger entry {seq}", self.kind))
            }
            Some(_) => None,
        };
    }

    /// How many rows were checked, and the first difference: a row the ledger does not hold as it is, or a record
    /// the ledger holds that is no longer stored.
    pub fn finish(self) -> (u64, Option<String>) {
        let kind = self.kind;
        let orphan = self
            .latest
            .into_iter()
            .min_by_key(|(_, (_, seq))| *seq)
            .map(|(key, (_, seq))| format!("ledger entry {seq} records {kind} {key}, which is not stored"));
        (self.checked, self.problem.or(orphan))
    }
}
