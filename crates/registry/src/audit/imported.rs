//! The check of what imports recorded a batch at a time: each row an import made names its batch's entry
//! (`import_seq`) and keeps the digest that entry's tree holds for it (`import_digest`). The check of each kind
//! compares every such row with its `import_digest`, which names a row changed since, and pushes the digest into
//! its batch's tree as it streams the rows in the order the import built it; at the end each batch's recomputed
//! roots and counts must be its entry's, which catches a row changed together with its digest, moved to another
//! batch, added or deleted. Memory holds one tree edge per batch, not one row per citizen.

use std::collections::{BTreeMap, HashMap};

use futures_util::TryStreamExt;
use kernel::PersonalId;
use store::Db;
use store::sqlx::{self, Row};
use trust::ledger::batch::{self, BatchRoot};
use trust::ledger::{self as ledger, Event, LedgerError};
use trust::merkle::{self, Hash};

use super::{BatchPart, IMPORT, ImportBatch};

/// The three trees of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Part {
    Citizens,
    Households,
    Addresses,
}

impl Part {
    fn of(self, batch: &ImportBatch) -> &BatchPart {
        match self {
            Part::Citizens => &batch.citizens,
            Part::Households => &batch.households,
            Part::Addresses => &batch.addresses,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Part::Citizens => "citizens",
            Part::Households => "households",
            Part::Addresses => "dwellings",
        }
    }
}

/// What one import batch's entry says.
#[derive(Debug)]
pub(super) struct Recorded {
    pub(super) batch: ImportBatch,
    /// Who made the records, and why.
    pub(super) by: String,
    pub(super) reason: String,
}

/// Every import batch's entry, and the roots recomputed so far from the rows that name them.
pub(super) struct Imports {
    recorded: BTreeMap<u64, Recorded>,
    recomputed: HashMap<(u64, Part), BatchRoot>,
}

impl Imports {
    /// Reads every import batch's entry (one per transaction of an import, so few).
    pub(super) async fn load(db: &Db) -> Result<Imports, LedgerError> {
        let mut rows = ledger::store::entries_of_record_kind(db.pool(), IMPORT);
        let mut recorded = BTreeMap::new();
        while let Some(row) = rows.try_next().await? {
            let seq: i64 = row.try_get(0)?;
            let corrupt = |e: serde_json::Error| LedgerError::Corrupt(format!("entry {seq}: {e}"));
            let event: Event = serde_json::from_str(&row.try_get::<String, _>(1)?).map_err(corrupt)?;
            let batch: ImportBatch = serde_json::from_value(event.detail).map_err(corrupt)?;
            let by = event.actor.username;
            recorded.insert(seq as u64, Recorded { batch, by, reason: event.purpose.unwrap_or_default() });
        }
        Ok(Imports { recorded, recomputed: HashMap::new() })
    }

    /// The entry a row names as its import, once its digest is pushed into the entry's tree of `part`; `Err` with
    /// the problem when the entry is no import batch.
    pub(super) fn member(
        &mut self,
        seq: u64,
        part: Part,
        key: &str,
        digest: &str,
    ) -> Result<Result<&Recorded, String>, LedgerError> {
        let Some(recorded) = self.recorded.get(&seq) else {
            return Ok(Err(format!("ledger entry {seq}, which it names as its import, is no import batch")));
        };
        let root = self.recomputed.entry((seq, part)).or_insert_with(|| BatchRoot::with_salt(&recorded.batch.salt));
        root.push(key, digest)?;
        Ok(Ok(recorded))
    }

    /// The first batch, by position, whose records of `part` are not those its entry recorded.
    pub(super) fn finish(&self, part: Part) -> Option<String> {
        for (seq, recorded) in &self.recorded {
            let want = part.of(&recorded.batch);
            let (records, root) = match self.recomputed.get(&(*seq, part)) {
                Some(found) => (found.records(), found.root()),
                None => (0, BatchRoot::with_salt(&recorded.batch.salt).root()),
            };
            let what = part.name();
            if records != want.records {
                return Some(format!(
                    "ledger entry {seq} records the import of {} {what}; {records} stored {what} name it",
                    want.records
                ));
            }
            if root != want.root {
                return Some(format!(
                    "ledger entry {seq}: the {records} {what} that name it as their import are not the ones it \
                     recorded (a row was changed with its recorded digest, or swapped between batches)"
                ));
            }
        }
        None
    }
}

/// The proof that a citizen's first version is one of the records of the import batch that made it: their leaf,
/// its audit path in the batch's tree, and the root the batch's entry carries. With the entry's own inclusion in
/// the log (`/api/v1/ledger/proof/inclusion?index=SEQ`), it proves the citizen's record was in the ledger.
#[derive(Debug, Clone)]
pub struct ImportProof {
    /// The batch's entry.
    pub seq: u64,
    /// The citizen's position in the batch, by personal ID.
    pub index: u64,
    /// The batch's number of citizens.
    pub size: u64,
    /// The citizen's leaf ([`trust::ledger::batch::leaf`]).
    pub leaf: Hash,
    /// The RFC 9162 audit path from the leaf to the root.
    pub audit_path: Vec<Hash>,
    /// The root of the batch's citizens, as the entry records it.
    pub root: Hash,
}

/// The [`ImportProof`] of an imported citizen, or `None` for one registered on their own or unknown. Reads the
/// batch's leaves (one per citizen it made) to build the path.
pub async fn import_proof(db: &Db, personal_id: &PersonalId) -> Result<Option<ImportProof>, LedgerError> {
    let row = sqlx::query("SELECT import_seq, import_digest FROM citizens WHERE personal_id = $1")
        .bind(personal_id.as_str())
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else { return Ok(None) };
    let (Some(seq), Some(digest)) = (row.try_get::<Option<i64>, _>(0)?, row.try_get::<Option<String>, _>(1)?) else {
        return Ok(None);
    };
    let entry = ledger::store::entry(db.pool(), seq as u64).await?;
    let corrupt = |why: String| LedgerError::Corrupt(format!("entry {seq}: {why}"));
    let entry = entry.ok_or_else(|| corrupt("missing".into()))?;
    let batch: ImportBatch = serde_json::from_value(entry.event.detail).map_err(|e| corrupt(e.to_string()))?;
    let root = hex::decode(&batch.citizens.root).map_err(|e| corrupt(e.to_string()))?;
    let root = merkle::hash_from_slice(&root).map_err(|e| corrupt(e.to_string()))?;
    let mut members =
        sqlx::query("SELECT personal_id, import_digest FROM citizens WHERE import_seq = $1 ORDER BY personal_id")
            .bind(seq)
            .fetch(db.pool());
    let (mut leaves, mut index) = (Vec::new(), None);
    while let Some(member) = members.try_next().await? {
        let (key, recorded): (String, Option<String>) = (member.try_get(0)?, member.try_get(1)?);
        if key == personal_id.as_str() {
            index = Some(leaves.len() as u64);
        }
        leaves.push(batch::leaf(&batch.salt, &key, &recorded.unwrap_or_default()));
    }
    let Some(index) = index else { return Ok(None) };
    let audit_path = batch::audit_path(&leaves, index)?;
    let leaf = batch::leaf(&batch.salt, personal_id.as_str(), &digest);
    Ok(Some(ImportProof { seq: seq as u64, index, size: leaves.len() as u64, leaf, audit_path, root }))
}
