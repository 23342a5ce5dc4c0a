//! Proof verification, step by step as RFC 9162 §2.1.3.2 and §2.1.4.2 write it.
//!
//! Each function first checks the proof's length against what the sizes call for, so a proof with a hash
//! too many or too few gets a clear error instead of a root mismatch; the RFC's own loop checks follow.

use super::{Hash, ProofError, empty_root, node_hash};

/// Checks that `proof` shows the leaf with hash `leaf_hash` at `index` in the tree of `size` leaves whose
/// root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf_hash: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if root_from_inclusion(index, size, leaf_hash, proof)? != *root {
        return Err(ProofError::RootMismatch { size });
    }
    Ok(())
}

/// The root that `proof` leads to from the leaf with hash `leaf_hash` at `index` in a tree of `size`
/// leaves; compare it with a root obtained some other way (a signed tree head).
pub fn root_from_inclusion(index: u64, size: u64, leaf_hash: &Hash, proof: &[Hash]) -> Result<Hash, ProofError> {
    // Step 1.
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let want = inclusion_len(index, size);
    let wrong_length = ProofError::ProofLength { got: proof.len(), want };
    if proof.len() != want {
        return Err(wrong_length);
    }
    // Steps 2 to 4: fn is the node's index on its level, sn the last index on that level.
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        if sn == 0 {
            return Err(wrong_length);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            // On the right border a node may have no right sibling: climb until it is a right child.
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5: the proof must have reached the root.
    if sn != 0 {
        return Err(wrong_length);
    }
    Ok(r)
}

/// Checks that `proof` shows the tree of `size1` leaves with root `root1` to be a prefix of the tree of
/// `size2` leaves with root `root2` (RFC 9162 §2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots, and size 0 the empty tree's root. A proof from the
/// empty tree to a larger one is refused: the RFC defines proofs for `0 < size1` only, and any tree
/// extends the empty one, so accepting one would prove nothing.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    root1: &Hash,
    root2: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if size1 > size2 {
        return Err(ProofError::SizeOrder { size1, size2 });
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::ProofLength { got: proof.len(), want: 0 });
        }
        if size1 == 0 && *root1 != empty_root() {
            return Err(ProofError::RootMismatch { size: 0 });
        }
        if root1 != root2 {
            return Err(ProofError::RootMismatch { size: size2 });
        }
        return Ok(());
    }
    if size1 == 0 {
        return Err(ProofError::EmptyFirstTree { size2 });
    }
    let want = consistency_len(size1, size2);
    let wrong_length = ProofError::ProofLength { got: proof.len(), want };
    // Step 1 (an empty proof fails) is covered: a proof between different sizes has at least one hash.
    if proof.len() != want {
        return Err(wrong_length);
    }
    // Step 2: when size1 is a power of two the old root is itself a node of the new tree, and the proof
    // leaves it out; put it back in front.
    let (seed, rest) = if size1.is_power_of_two() {
        (root1, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (first, rest),
            None => return Err(wrong_length),
        }
    };
    // Steps 3 and 4.
    let (mut fn_, mut sn) = (size1 - 1, size2 - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // Steps 5 and 6: fr rebuilds the old root from the left-hand hashes only, sr the new root from all.
    let (mut fr, mut sr) = (*seed, *seed);
    for c in rest {
        if sn == 0 {
            return Err(wrong_length);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 7.
    if sn != 0 {
        return Err(wrong_length);
    }
    if fr != *root1 {
        return Err(ProofError::RootMismatch { size: size1 });
    }
    if sr != *root2 {
        return Err(ProofError::RootMismatch { size: size2 });
    }
    Ok(())
}

/// The length of `PATH(index, D[0:size])`, for `index < size`: one hash per level below the point where
/// the paths to `index` and to the last leaf part (where siblings are perfect subtrees on either side),
/// then one per left sibling along the right border above it.
fn inclusion_len(index: u64, size: u64) -> usize {
    let inner = bit_len(index ^ (size - 1));
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// The length of `PROOF(size1, D[0:size2])`, for `0 < size1 < size2`: the inclusion proof of leaf
/// `size1 - 1` minus the levels inside the old tree's last perfect subtree, plus that subtree's own hash
/// unless it is the whole old tree.
fn consistency_len(size1: u64, size2: u64) -> usize {
    let last = size1 - 1;
    let inner = bit_len(last ^ (size2 - 1));
    let border = last.checked_shr(inner).unwrap_or(0).count_ones();
    let below = inner.saturating_sub(size1.trailing_zeros());
    let seed = u32::from(!size1.is_power_of_two());
    (seed + below + border) as usize
}

/// The number of bits needed to write `n`.
fn bit_len(n: u64) -> u32 {
    u64::BITS - n.leading_zeros()
}
