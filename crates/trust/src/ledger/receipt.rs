//! A receipt: one entry with the proof that it is in a signed tree head. A citizen downloads it and anyone can
//! check it later with nothing but the published keys: if the entry is ever altered or removed from the ledger,
//! the receipt no longer matches any tree head the ledger can sign.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use store::Db;

use super::event::Event;
use super::{LedgerError, TreeHead, head};
use crate::keyring::Keyring;
use crate::keys::VerifyingKey;
use crate::merkle;

/// An entry, its audit path and the signed head it leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Receipt {
    /// The entry's position.
    pub leaf_index: u64,
    /// The entry's exact bytes (JSON): hash them with a 0x00 prefix to get the leaf.
    pub entry: String,
    /// RFC 9162 inclusion proof of the entry in `tree_head`, base64 hashes.
    pub audit_path: Vec<String>,
    /// The signed tree head the proof leads to.
    pub tree_head: TreeHead,
}

/// Why a receipt does not check out.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReceiptError {
    /// The tree head's key is not among the keys given.
    #[error("the tree head is signed by unknown key {0}")]
    UnknownKey(String),
    /// The tree head's signature does not verify.
    #[error("the tree head's signature does not verify")]
    BadSignature,
    /// The proof does not lead from the entry to the signed root.
    #[error("the entry is not in the signed tree: {0}")]
    NotIncluded(String),
    /// The entry is not an event.
    #[error("the entry is malformed: {0}")]
    Malformed(String),
}

impl Receipt {
    /// Checks the head's signature with the key `key_for` finds for its kid, and the entry's inclusion; returns the
    /// entry's event.
    pub fn verify(&self, key_for: impl Fn(&str) -> Option<VerifyingKey>) -> Result<Event, ReceiptError> {
        let key = key_for(&self.tree_head.kid).ok_or_else(|| ReceiptError::UnknownKey(self.tree_head.kid.clone()))?;
        self.tree_head.verify(&key).map_err(|_| ReceiptError::BadSignature)?;
        let root = self.tree_head.root().map_err(|e| ReceiptError::Malformed(e.to_string()))?;
        let proof = self
            .audit_path
            .iter()
            .map(|h| {
                let bytes =
                    STANDARD.decode(h).map_err(|_| ReceiptError::Malformed("a proof hash is not base64".into()))?;
                merkle::hash_from_slice(&bytes).map_err(|e| ReceiptError::Malformed(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let leaf = merkle::leaf_hash(self.entry.as_bytes());
        merkle::verify_inclusion(self.leaf_index, self.tree_head.tree_size, &leaf, &proof, &root)
            .map_err(|e| ReceiptError::NotIncluded(e.to_string()))?;
        serde_json::from_str(&self.entry).map_err(|e| ReceiptError::Malformed(e.to_string()))
    }
}

/// The receipt of entry `seq`, against the latest signed head, signing a new head if the latest does not yet
/// include the entry.
pub async fn receipt(db: &Db, keyring: &Keyring, seq: u64) -> Result<Receipt, LedgerError> {
    let entry = super::store::entry(db.pool(), seq)
        .await?
        .ok_or_else(|| LedgerError::OutOfRange(format!("there is no entry {seq}")))?;
    let tree_head = match head::latest(db.pool()).await? {
        Some(h) if h.tree_size > seq => h,
        _ => head::sign(db, keyring).await?,
    };
    let proof = head::inclusion_proof(db, seq, tree_head.tree_size).await?;
    Ok(Receipt {
        leaf_index: seq,
        entry: entry.body,
        audit_path: proof.iter().map(|h| STANDARD.encode(h)).collect(),
        tree_head,
    })
}
