//! RFC 9162 (RFC 6962) Merkle tree hashing, inclusion and consistency proofs.
//!
//! Written by hand because the audit ledger keeps its tree in SQL, one row per aligned perfect subtree
//! ([`NodeId`]), and must build any proof from O(log n) rows fetched in one query; the Merkle crates
//! available to us prove over a tree held in memory, which a ledger of millions of entries cannot do.
//!
//! The module never touches storage itself. It tells the caller which nodes to read ([`left_siblings`],
//! [`ProofPlan::nodes`], [`RangePlan::nodes`]), the caller fetches them however it likes (an async SQL
//! query, a map in a test), and a pure step turns the hashes into what is wanted ([`appended_nodes`],
//! [`ProofPlan::assemble`], [`RangePlan::assemble`]).
//!
//! - [`tree`]: node addresses, what an append completes, ranges of the MTH recursion, and [`RootBuilder`],
//!   the O(log n)-memory root over a stream of leaves (which can also report the nodes each append completes).
//! - [`proof`]: plans for the root, inclusion and consistency proofs of a tree of a given size.
//! - [`verify`]: the RFC 9162 §2.1.3.2 and §2.1.4.2 verification algorithms.

use sha2::{Digest, Sha256};

pub mod proof;
pub mod tree;
pub mod verify;

#[cfg(test)]
mod tests;

pub use proof::{ProofPlan, consistency_plan, inclusion_plan, root_plan};
pub use tree::{
    NodeId, RangePlan, RootBuilder, appended_nodes, completed_by, fold_range, left_siblings, range_nodes, range_plan,
};
pub use verify::{root_from_inclusion, verify_consistency, verify_inclusion};

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// The length of a `Hash` in bytes.
pub const HASH_LEN: usize = 32;

/// The hash of a leaf: SHA-256(0x00 || data).
///
/// The 0x00 prefix keeps a leaf from ever hashing like an interior node (RFC 9162 §2.1.1), so no one can
/// pass off a subtree as an entry.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(data);
    hasher.finalize().into()
}

/// The hash of an interior node: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Reads a hash from bytes received from outside (a proof in a request, a row read back), refusing any
/// length but 32 so a truncated or padded value is an error rather than a silent mismatch.
pub fn hash_from_slice(bytes: &[u8]) -> Result<Hash, ProofError> {
    Hash::try_from(bytes).map_err(|_| ProofError::HashLength { got: bytes.len() })
}

/// Why a proof could not be built or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// A leaf index at or past the end of the tree.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The size of the tree.
        size: u64,
    },
    /// A consistency proof asked for from a larger tree to a smaller one.
    #[error("the first tree size ({size1}) is larger than the second ({size2})")]
    SizeOrder {
        /// The size of the earlier tree.
        size1: u64,
        /// The size of the later tree.
        size2: u64,
    },
    /// A consistency proof from the empty tree to a non-empty one, which proves nothing (RFC 9162 §2.1.4
    /// requires 0 < size1).
    #[error("a consistency proof from the empty tree to a tree of size {size2} proves nothing")]
    EmptyFirstTree {
        /// The size of the later tree.
        size2: u64,
    },
    /// A proof with more or fewer hashes than the tree sizes call for.
    #[error("the proof has {got} hashes, the tree sizes call for {want}")]
    ProofLength {
        /// Hashes in the proof given.
        got: usize,
        /// Hashes a correct proof has.
        want: usize,
    },
    /// The root recomputed from a proof differs from the root given for that tree.
    #[error("the root computed for the tree of size {size} does not match the root given")]
    RootMismatch {
        /// The size of the tree whose root did not match.
        size: u64,
    },
    /// A node the plan needs was not in the node table.
    #[error("the node table has no node {0}")]
    MissingNode(NodeId),
    /// A leaf range that is not a subtree of the RFC 9162 recursion (its start is not a multiple of the
    /// smallest power of two at least its length), so it has no Merkle hash of its own.
    #[error("leaves [{start}, {end}) do not form a subtree of the Merkle tree")]
    InvalidRange {
        /// First leaf of the range.
        start: u64,
        /// One past the last leaf of the range.
        end: u64,
    },
    /// A hash that is not 32 bytes long.
    #[error("a hash is 32 bytes long, this one has {got}")]
    HashLength {
        /// The length received.
        got: usize,
    },
    /// A stored node hash list that does not match the tree size it claims to describe.
    #[error("a tree of size {size} has {want} peaks, {got} were given")]
    PeakCount {
        /// The tree size.
        size: u64,
        /// Peaks given.
        got: usize,
        /// Peaks a tree of that size has.
        want: usize,
    },
    /// An append past the largest size a `u64` can count.
    #[error("the tree cannot hold more than 2^64 - 1 leaves")]
    TreeFull,
}
