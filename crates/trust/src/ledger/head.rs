//! Signed tree heads, and the proofs a citizen or an auditor checks against them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use store::Db;
use store::sqlx::{self, Any, Executor, Row};

use super::LedgerError;
use super::store::{nodes, now_ms, parse_hash, state};
use crate::keyring::Keyring;
use crate::keys::{Algorithm, KeyError, VerifyingKey};
use crate::merkle::{self, Hash};

/// A signed statement that the log had `tree_size` entries with this root at this time (RFC 9162 §4.10 in
/// spirit; our own byte layout, see [`TreeHead::signed_message`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TreeHead {
    /// Entries in the tree.
    pub tree_size: u64,
    /// The Merkle Tree Hash, base64.
    pub root_hash: String,
    /// When it was signed, milliseconds since the Unix epoch.
    pub timestamp: i64,
    /// The Ed25519 key that signed it (see `/.well-known/jwks.json`).
    pub kid: String,
    /// The Ed25519 signature over [`TreeHead::signed_message`], base64.
    pub signature: String,
}

impl TreeHead {
    /// What is signed: a fixed label, the size and time as big-endian 64-bit integers, then the root.
    pub fn signed_message(tree_size: u64, timestamp: i64, root: &Hash) -> Vec<u8> {
        let mut message = b"congso tree head v1\0".to_vec();
        message.extend_from_slice(&tree_size.to_be_bytes());
        message.extend_from_slice(&timestamp.to_be_bytes());
        message.extend_from_slice(root);
        message
    }

    /// The root as bytes.
    pub fn root(&self) -> Result<Hash, LedgerError> {
        let bytes = STANDARD.decode(&self.root_hash).map_err(|_| LedgerError::Corrupt("root is not base64".into()))?;
        merkle::hash_from_slice(&bytes).map_err(|e| LedgerError::Corrupt(e.to_string()))
    }

    /// Checks the signature with `key`.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), KeyError> {
        let root = self.root().map_err(|_| KeyError::BadSignature)?;
        let signature = STANDARD.decode(&self.signature).map_err(|_| KeyError::BadSignature)?;
        key.verify(&TreeHead::signed_message(self.tree_size, self.timestamp, &root), &signature)
    }
}

fn head_from_row(row: &store::sqlx::any::AnyRow) -> Result<TreeHead, LedgerError> {
    let size: i64 = row.try_get("tree_size")?;
    Ok(TreeHead {
        tree_size: size as u64,
        root_hash: STANDARD.encode(parse_hash(&row.try_get::<String, _>("root_hash")?)?),
        timestamp: row.try_get("signed_at_ms")?,
        kid: row.try_get("kid")?,
        signature: row.try_get("signature")?,
    })
}

const HEAD_COLUMNS: &str = "tree_size, root_hash, signed_at_ms, kid, signature";

/// Signs a head for the log as it is now, unless one of this size exists already (then that one).
pub async fn sign(db: &Db, keyring: &Keyring) -> Result<TreeHead, LedgerError> {
    let tree = state(db.pool()).await?;
    if let Some(head) = at_size(db.pool(), tree.size()).await? {
        return Ok(head);
    }
    let key = keyring.signer(Algorithm::EdDSA).ok_or(LedgerError::NoKey)?;
    let root = tree.root();
    let timestamp = now_ms();
    let signature = STANDARD.encode(key.sign(&TreeHead::signed_message(tree.size(), timestamp, &root)));
    // Two nodes may sign the same size at once: the first stored wins and both return it.
    let stored = sqlx::query(&format!(
        "INSERT INTO ledger_heads ({HEAD_COLUMNS}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tree_size) DO NOTHING"
    ))
    .bind(tree.size() as i64)
    .bind(hex::encode(root))
    .bind(timestamp)
    .bind(key.kid())
    .bind(&signature)
    .execute(db.pool())
    .await?
    .rows_affected();
    let head = at_size(db.pool(), tree.size())
        .await?
        .ok_or_else(|| LedgerError::Corrupt("the head just signed is gone".into()))?;
    // The node whose head was stored witnesses it, before anyone is given it.
    if let (1, Some(file)) = (stored, keyring.heads_file()) {
        file.append(&head)?;
    }
    Ok(head)
}

async fn at_size<'e>(db: impl Executor<'e, Database = Any>, size: u64) -> Result<Option<TreeHead>, LedgerError> {
    let row = sqlx::query(&format!("SELECT {HEAD_COLUMNS} FROM ledger_heads WHERE tree_size = $1"))
        .bind(size as i64)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(head_from_row).transpose()
}

/// The latest signed head, if any was signed.
pub async fn latest<'e>(db: impl Executor<'e, Database = Any>) -> Result<Option<TreeHead>, LedgerError> {
    let row = sqlx::query(&format!("SELECT {HEAD_COLUMNS} FROM ledger_heads ORDER BY tree_size DESC LIMIT 1"))
        .fetch_optional(db)
        .await?;
    row.as_ref().map(head_from_row).transpose()
}

/// Every signed head, smallest first.
pub async fn all<'e>(db: impl Executor<'e, Database = Any>) -> Result<Vec<TreeHead>, LedgerError> {
    let rows =
        sqlx::query(&format!("SELECT {HEAD_COLUMNS} FROM ledger_heads ORDER BY tree_size")).fetch_all(db).await?;
    rows.iter().map(head_from_row).collect()
}

/// The number of entries now.
pub async fn size(db: &Db) -> Result<u64, LedgerError> {
    let size: i64 = sqlx::query("SELECT size FROM ledger_state WHERE id = 1").fetch_one(db.pool()).await?.try_get(0)?;
    Ok(size as u64)
}

async fn check_size(db: &Db, tree_size: u64) -> Result<(), LedgerError> {
    let current = size(db).await?;
    if tree_size > current {
        return Err(LedgerError::OutOfRange(format!("tree_size {tree_size} is beyond the log's {current} entries")));
    }
    Ok(())
}

/// The audit path of entry `index` in the tree of `tree_size` entries.
pub async fn inclusion_proof(db: &Db, index: u64, tree_size: u64) -> Result<Vec<Hash>, LedgerError> {
    check_size(db, tree_size).await?;
    let plan = merkle::inclusion_plan(index, tree_size).map_err(|e| LedgerError::OutOfRange(e.to_string()))?;
    let found = nodes(db.pool(), db.backend(), &plan.nodes()).await?;
    plan.assemble(|id| found.get(&id).copied()).map_err(|e| LedgerError::Corrupt(e.to_string()))
}

/// The proof that the tree of `size2` entries extends the tree of `size1`.
pub async fn consistency_proof(db: &Db, size1: u64, size2: u64) -> Result<Vec<Hash>, LedgerError> {
    check_size(db, size2).await?;
    let plan = merkle::consistency_plan(size1, size2).map_err(|e| LedgerError::OutOfRange(e.to_string()))?;
    let found = nodes(db.pool(), db.backend(), &plan.nodes()).await?;
    plan.assemble(|id| found.get(&id).copied()).map_err(|e| LedgerError::Corrupt(e.to_string()))
}

/// The root of the tree of the first `tree_size` entries, from the stored nodes.
pub async fn root_at(db: &Db, tree_size: u64) -> Result<Hash, LedgerError> {
    check_size(db, tree_size).await?;
    let plan = merkle::root_plan(tree_size);
    let found = nodes(db.pool(), db.backend(), plan.nodes()).await?;
    plan.assemble(|id| found.get(&id).copied()).map_err(|e| LedgerError::Corrupt(e.to_string()))
}
