//! Records written in bulk, recorded by one ledger entry per batch instead of one entry per record.
//!
//! An entry per record costs a row with its indexes and, on average, one subtree node: for an import of millions
//! of people that is most of what the import writes. A batch entry instead carries the RFC 9162 Merkle root over
//! one leaf per record, in an order both sides can reproduce, so the entry still commits to every record: the
//! check recomputes the root from what the database holds, and one record's inclusion is proved by its audit path
//! within the batch (and the entry's own inclusion in the log).
//!
//! A leaf is SHA-256(0x00 ‖ JSON `[salt, key, digest]`): the record's key as people know it, the digest of the
//! record as its slice hashes it, and a salt drawn for the batch and kept in its entry, which is never published,
//! so that a leaf hash in a proof cannot be matched against a guess of someone's record.

use crate::merkle::{self, Hash, NodeId, RootBuilder};

use super::LedgerError;

/// The leaf of one record in a batch.
pub fn leaf(salt: &str, key: &str, digest: &str) -> Hash {
    // Serialising three strings cannot fail.
    merkle::leaf_hash(&serde_json::to_vec(&[salt, key, digest]).unwrap_or_default())
}

/// The root of a batch over its records, pushed in the batch's order, in O(log n) memory.
#[derive(Debug, Clone)]
pub struct BatchRoot {
    salt: String,
    tree: RootBuilder,
}

impl BatchRoot {
    /// A new batch with a fresh random salt.
    pub fn new() -> BatchRoot {
        BatchRoot::with_salt(&hex::encode(rand::random::<[u8; 16]>()))
    }

    /// The batch whose entry gives `salt`, for recomputing its root.
    pub fn with_salt(salt: &str) -> BatchRoot {
        BatchRoot { salt: salt.to_owned(), tree: RootBuilder::new() }
    }

    /// The batch's salt, to keep in its entry.
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// Adds the next record.
    pub fn push(&mut self, key: &str, digest: &str) -> Result<(), LedgerError> {
        self.tree.push(leaf(&self.salt, key, digest)).map_err(|e| LedgerError::Corrupt(e.to_string()))
    }

    /// How many records were pushed.
    pub fn records(&self) -> u64 {
        self.tree.size()
    }

    /// The Merkle root over the records pushed so far, hex.
    pub fn root(&self) -> String {
        hex::encode(self.tree.root())
    }
}

impl Default for BatchRoot {
    fn default() -> Self {
        BatchRoot::new()
    }
}

/// The RFC 9162 audit path of leaf `index` in the tree of `leaves`, for proving one record of a batch: verify it
/// with [`merkle::verify_inclusion`] against the root its entry carries. Builds the batch's tree in memory (about
/// two hashes per record), which is why it is for one proof at a time.
pub fn audit_path(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, LedgerError> {
    let corrupt = |e: merkle::ProofError| LedgerError::OutOfRange(e.to_string());
    let plan = merkle::inclusion_plan(index, leaves.len() as u64).map_err(corrupt)?;
    let mut tree = RootBuilder::new();
    let mut nodes = std::collections::HashMap::with_capacity(leaves.len() * 2);
    for (i, leaf) in leaves.iter().enumerate() {
        nodes.insert(NodeId::leaf(i as u64), *leaf);
        nodes.extend(tree.append(*leaf).map_err(corrupt)?);
    }
    plan.assemble(|id| nodes.get(&id).copied()).map_err(corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_commits_to_every_record_and_each_one_is_provable() {
        let records: Vec<(String, String)> = (0..37).map(|i| (format!("{i:012}"), format!("{:064x}", i * 7))).collect();
        let mut batch = BatchRoot::new();
        for (key, digest) in &records {
            batch.push(key, digest).unwrap();
        }
        assert_eq!(batch.records(), 37);
        let root = merkle::hash_from_slice(&hex::decode(batch.root()).unwrap()).unwrap();

        let mut again = BatchRoot::with_salt(batch.salt());
        for (key, digest) in &records {
            again.push(key, digest).unwrap();
        }
        assert_eq!(again.root(), batch.root(), "the same records in the same order give the same root");
        let mut changed = BatchRoot::with_salt(batch.salt());
        for (i, (key, digest)) in records.iter().enumerate() {
            changed.push(key, if i == 20 { "00" } else { digest }).unwrap();
        }
        assert_ne!(changed.root(), batch.root(), "one record changed changes the root");

        let leaves: Vec<Hash> = records.iter().map(|(k, d)| leaf(batch.salt(), k, d)).collect();
        for index in [0, 1, 20, 36] {
            let path = audit_path(&leaves, index).unwrap();
            merkle::verify_inclusion(index, 37, &leaves[index as usize], &path, &root).unwrap();
            let other = leaf(batch.salt(), &records[index as usize].0, "00");
            assert!(merkle::verify_inclusion(index, 37, &other, &path, &root).is_err());
        }
        assert!(audit_path(&leaves, 37).is_err());
    }
}
