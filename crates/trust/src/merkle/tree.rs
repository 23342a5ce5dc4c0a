//! The stored shape of the tree: aligned perfect subtrees, what each append completes, how a range of the
//! RFC 9162 recursion is made of them, and a streaming root over leaf hashes.

use std::fmt;
use std::ops::Range;

use super::{Hash, ProofError, empty_root, node_hash};

/// The address of an aligned perfect subtree: the node at `level` covers leaves
/// `[index << level, (index + 1) << level)`; level 0 is a leaf.
///
/// These are the only nodes the ledger stores. They never change once complete, so a row written at
/// append time stays right for every later tree size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height above the leaves: a node at level `l` covers `2^l` leaves.
    pub level: u8,
    /// Position among the nodes of its level, counting from 0 on the left.
    pub index: u64,
}

impl NodeId {
    /// The node at `level` and `index`.
    pub const fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }

    /// The leaf at `index`.
    pub const fn leaf(index: u64) -> Self {
        Self { level: 0, index }
    }

    /// The leaves this node covers, or `None` when they cannot be counted in a `u64` (such a node is in no
    /// tree this module can describe).
    pub fn leaves(self) -> Option<Range<u64>> {
        let level = u32::from(self.level);
        let start = self.index.checked_mul(1u64.checked_shl(level)?)?;
        let width = 1u64.checked_shl(level)?;
        Some(start..start.checked_add(width)?)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at level {}, index {}", self.level, self.index)
    }
}

/// The stored nodes that [`appended_nodes`] needs to append leaf `leaf_index`: the left sibling at each
/// level the new leaf completes, lowest level first (a leaf hash at level 0, then upwards).
///
/// Fetch these in one query, then pass them to [`appended_nodes`]. Leaf `u64::MAX` can never be
/// appended, so it needs nothing.
pub fn left_siblings(leaf_index: u64) -> Vec<NodeId> {
    (0..completed_levels(leaf_index)).map(|level| NodeId::new(level, (leaf_index >> level) ^ 1)).collect()
}

/// The nodes of level 1 and above that become complete when leaf `leaf_index` is appended, lowest first.
pub fn completed_by(leaf_index: u64) -> Vec<NodeId> {
    (1..=completed_levels(leaf_index)).map(|level| NodeId::new(level, leaf_index >> level)).collect()
}

/// How many levels above the leaf an append completes: a node at level `l` completes when the tree size
/// becomes a multiple of `2^l`, that is once for every trailing 1 bit of the new leaf's index.
fn completed_levels(leaf_index: u64) -> u8 {
    if leaf_index == u64::MAX {
        return 0;
    }
    // At most 63 trailing ones here, so the cast cannot truncate.
    leaf_index.trailing_ones() as u8
}

/// The nodes to store (besides the leaf itself at level 0) when leaf `leaf_index` with hash `leaf` is
/// appended: each [`completed_by`] node with its hash, lowest first.
///
/// `lookup` is asked for each of [`left_siblings`]`(leaf_index)`; fetch them beforehand and answer from
/// what was fetched. The leaf row (`NodeId::leaf(leaf_index)`, `leaf`) is the caller's to store with the
/// entry; it is not repeated in the result.
pub fn appended_nodes(
    leaf_index: u64,
    leaf: Hash,
    mut lookup: impl FnMut(NodeId) -> Option<Hash>,
) -> Result<Vec<(NodeId, Hash)>, ProofError> {
    if leaf_index == u64::MAX {
        return Err(ProofError::TreeFull);
    }
    let mut hash = leaf;
    let mut nodes = Vec::new();
    for (sibling, parent) in left_siblings(leaf_index).into_iter().zip(completed_by(leaf_index)) {
        let left = lookup(sibling).ok_or(ProofError::MissingNode(sibling))?;
        hash = node_hash(&left, &hash);
        nodes.push((parent, hash));
    }
    Ok(nodes)
}

/// The aligned perfect subtrees that make up leaves `[start, end)`, largest (leftmost) first.
///
/// The range must be one the RFC 9162 recursion produces: `start` a multiple of the smallest power of two
/// at least `end - start` (every tree `[0, size)` qualifies, and so does every piece of its recursion).
/// Such a range is made of one subtree per 1 bit of its length, at most 64. The empty range is allowed only
/// at 0, as the empty tree.
pub fn range_nodes(start: u64, end: u64) -> Result<Vec<NodeId>, ProofError> {
    let invalid = ProofError::InvalidRange { start, end };
    let Some(len) = end.checked_sub(start) else {
        return Err(invalid);
    };
    if len == 0 && start != 0 {
        return Err(invalid);
    }
    // A length above 2^63 rounds up to 2^64, of which only 0 is a multiple in a u64.
    let aligned = match len.checked_next_power_of_two() {
        Some(width) => start.is_multiple_of(width),
        None => start == 0,
    };
    if !aligned {
        return Err(invalid);
    }
    Ok(pieces(start, len))
}

/// The decomposition behind [`range_nodes`], for ranges already known to be valid.
pub(super) fn pieces(start: u64, len: u64) -> Vec<NodeId> {
    let mut nodes = Vec::with_capacity(len.count_ones() as usize);
    let mut position = start;
    for level in (0..64u8).rev() {
        if (len >> level) & 1 == 1 {
            nodes.push(NodeId::new(level, position >> level));
            // Cannot overflow: position stays at or below start + len = end.
            position += 1 << level;
        }
    }
    nodes
}

/// The Merkle Tree Hash of a range from the hashes of its [`range_nodes`], in the same order.
///
/// MTH splits a range into its largest perfect left part and the rest, so the hash is folded from the
/// right: `H(a, H(b, c))` for pieces `a, b, c`, never `H(H(a, b), c)`. No pieces is the empty tree.
pub fn fold_range(hashes: &[Hash]) -> Hash {
    let mut pieces = hashes.iter().rev();
    let Some(last) = pieces.next() else {
        return empty_root();
    };
    pieces.fold(*last, |right, left| node_hash(left, &right))
}

/// What to fetch to compute the Merkle Tree Hash of one range, and how to combine it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangePlan {
    nodes: Vec<NodeId>,
}

/// The plan for the hash of leaves `[start, end)`; see [`range_nodes`] for which ranges have one.
pub fn range_plan(start: u64, end: u64) -> Result<RangePlan, ProofError> {
    range_nodes(start, end).map(RangePlan::from_nodes)
}

impl RangePlan {
    pub(super) fn from_nodes(nodes: Vec<NodeId>) -> Self {
        Self { nodes }
    }

    /// The stored nodes the hash is made of, largest first.
    pub fn nodes(&self) -> &[NodeId] {
        &self.nodes
    }

    /// The range's hash, asking `lookup` for each node; a node it does not have is an error.
    pub fn assemble(&self, mut lookup: impl FnMut(NodeId) -> Option<Hash>) -> Result<Hash, ProofError> {
        let hashes = self
            .nodes
            .iter()
            .map(|&id| lookup(id).ok_or(ProofError::MissingNode(id)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(fold_range(&hashes))
    }
}

/// The root of a growing tree in O(log n) memory: push leaf hashes in order, read the root at any time.
///
/// It keeps the hashes of the tree's peaks, the [`range_nodes`]`(0, size)`, largest first. Appending merges
/// the peaks the new leaf completes, exactly as [`appended_nodes`] does in storage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RootBuilder {
    size: u64,
    peaks: Vec<Hash>,
}

impl RootBuilder {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Resumes from a tree of `size` leaves given the hashes of its peaks, [`range_nodes`]`(0, size)` in
    /// that order (for example read back from the node table).
    pub fn from_peaks(size: u64, peaks: Vec<Hash>) -> Result<Self, ProofError> {
        let want = size.count_ones() as usize;
        if peaks.len() != want {
            return Err(ProofError::PeakCount { size, got: peaks.len(), want });
        }
        Ok(Self { size, peaks })
    }

    /// Appends one leaf hash.
    pub fn push(&mut self, leaf: Hash) -> Result<(), ProofError> {
        self.push_reporting(leaf, |_, _| {})
    }

    /// Appends one leaf hash and returns the nodes it completes, as [`appended_nodes`] would from storage:
    /// what a writer that keeps the builder in memory stores beside the leaf.
    pub fn append(&mut self, leaf: Hash) -> Result<Vec<(NodeId, Hash)>, ProofError> {
        let mut nodes = Vec::new();
        self.push_reporting(leaf, |id, hash| nodes.push((id, hash)))?;
        Ok(nodes)
    }

    fn push_reporting(&mut self, leaf: Hash, mut completed: impl FnMut(NodeId, Hash)) -> Result<(), ProofError> {
        let index = self.size;
        let size = index.checked_add(1).ok_or(ProofError::TreeFull)?;
        let mut hash = leaf;
        // The new leaf completes one node per trailing 1 bit of its index, each the parent of the
        // rightmost peak and the node built so far.
        for level in 1..=completed_levels(index) {
            if let Some(left) = self.peaks.pop() {
                hash = node_hash(&left, &hash);
                completed(NodeId::new(level, index >> level), hash);
            }
        }
        self.peaks.push(hash);
        self.size = size;
        Ok(())
    }

    /// How many leaves have been pushed.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The hashes of the current peaks, largest first.
    pub fn peaks(&self) -> &[Hash] {
        &self.peaks
    }

    /// The Merkle Tree Hash of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        fold_range(&self.peaks)
    }
}
