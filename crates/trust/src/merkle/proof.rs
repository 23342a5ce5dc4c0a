//! Plans for RFC 9162 proofs over stored nodes: which nodes to fetch, and how to turn them into the proof.
//!
//! Every hash in an RFC 9162 proof is the Merkle Tree Hash of a range of its recursion, and every such
//! range is a handful of stored aligned subtrees ([`range_nodes`](super::range_nodes)). A plan lists them
//! per proof element; only the one element that covers the tree's ragged right edge has more than one
//! node, so a plan needs O(log n) nodes in all.

use super::tree::{RangePlan, pieces};
use super::{Hash, NodeId, ProofError};

/// A proof to build: for each proof hash, in RFC 9162 order, the stored nodes it is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofPlan {
    elements: Vec<RangePlan>,
}

impl ProofPlan {
    /// How many hashes the proof has.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// Whether the proof has no hashes (a one-leaf tree, or two equal sizes).
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// Each proof hash's own plan, in proof order.
    pub fn elements(&self) -> &[RangePlan] {
        &self.elements
    }

    /// Every node the proof needs, sorted and without repeats, to fetch in one query.
    pub fn nodes(&self) -> Vec<NodeId> {
        let mut nodes: Vec<NodeId> = self.elements.iter().flat_map(|e| e.nodes().iter().copied()).collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    }

    /// The RFC 9162 proof, asking `lookup` for each node; a node it does not have is an error.
    pub fn assemble(&self, mut lookup: impl FnMut(NodeId) -> Option<Hash>) -> Result<Vec<Hash>, ProofError> {
        self.elements.iter().map(|e| e.assemble(&mut lookup)).collect()
    }
}

/// The plan for the root of the tree of the first `size` leaves (the empty tree's root when `size` is 0).
pub fn root_plan(size: u64) -> RangePlan {
    RangePlan::from_nodes(pieces(0, size))
}

/// The plan for the inclusion proof of leaf `index` in the tree of the first `size` leaves: RFC 9162
/// §2.1.3.1 `PATH(index, D[0:size])`.
pub fn inclusion_plan(index: u64, size: u64) -> Result<ProofPlan, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    // Walk PATH's recursion from the root down, noting each sibling; PATH lists them bottom-up.
    let (mut lo, mut hi) = (0, size);
    let mut elements = Vec::new();
    while hi - lo > 1 {
        let k = split(hi - lo);
        if index < lo + k {
            elements.push(range(lo + k, hi));
            hi = lo + k;
        } else {
            elements.push(range(lo, lo + k));
            lo += k;
        }
    }
    elements.reverse();
    Ok(ProofPlan { elements })
}

/// The plan for the consistency proof from the tree of the first `size1` leaves to the tree of the first
/// `size2`: RFC 9162 §2.1.4.1 `PROOF(size1, D[0:size2])`. Equal sizes need no hashes; a proof from the
/// empty tree to a larger one proves nothing and is refused.
pub fn consistency_plan(size1: u64, size2: u64) -> Result<ProofPlan, ProofError> {
    if size1 > size2 {
        return Err(ProofError::SizeOrder { size1, size2 });
    }
    if size1 == size2 {
        return Ok(ProofPlan { elements: Vec::new() });
    }
    if size1 == 0 {
        return Err(ProofError::EmptyFirstTree { size2 });
    }
    // Walk SUBPROOF(size1, D[lo:hi], whole) from the root down; SUBPROOF lists its hashes bottom-up.
    // `whole` stays true while [lo, hi) starts at 0, where the verifier already knows the old root.
    let (mut lo, mut hi) = (0, size2);
    let mut whole = true;
    let mut elements = Vec::new();
    loop {
        if size1 == hi {
            if !whole {
                elements.push(range(lo, hi));
            }
            break;
        }
        let k = split(hi - lo);
        if size1 <= lo + k {
            elements.push(range(lo + k, hi));
            hi = lo + k;
        } else {
            elements.push(range(lo, lo + k));
            lo += k;
            whole = false;
        }
    }
    elements.reverse();
    Ok(ProofPlan { elements })
}

/// The largest power of two below `n` (for `n >= 2`), where MTH splits `n` leaves.
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// The plan for a range the recursion produced, and so valid by construction.
fn range(start: u64, end: u64) -> RangePlan {
    RangePlan::from_nodes(pieces(start, end - start))
}
