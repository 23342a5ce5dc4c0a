//! Plans over a node table filled by the append API must give exactly what a naive, recursive reading of
//! RFC 9162 §2.1 gives, and every proof must verify and stop verifying once tampered with.

use std::collections::HashMap;

use proptest::prelude::*;

use super::*;

// ---- RFC 9162 §2.1, transcribed as recursion over a slice of leaf hashes ----

/// The largest power of two strictly below `n` (`n >= 2`).
fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// `MTH(D[n])`.
fn mth(d: &[Hash]) -> Hash {
    match d.len() {
        0 => empty_root(),
        1 => d[0],
        n => {
            let k = k_of(n);
            node_hash(&mth(&d[..k]), &mth(&d[k..]))
        }
    }
}

/// `PATH(m, D[n])`.
fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
    if d.len() <= 1 {
        return Vec::new();
    }
    let k = k_of(d.len());
    if m < k {
        let mut p = path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

/// `SUBPROOF(m, D[n], b)`.
fn subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { Vec::new() } else { vec![mth(d)] };
    }
    let k = k_of(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

// ---- a node table as the ledger keeps it, filled only through the append API ----

struct Table {
    leaves: Vec<Hash>,
    nodes: HashMap<NodeId, Hash>,
}

impl Table {
    fn with_leaves(n: usize) -> Self {
        let mut table = Table { leaves: Vec::new(), nodes: HashMap::new() };
        for i in 0..n {
            table.append(leaf_hash(format!("entry {i}").as_bytes()));
        }
        table
    }

    fn append(&mut self, leaf: Hash) {
        let index = self.leaves.len() as u64;
        // Only the nodes left_siblings names may be read, as an SQL caller would fetch just those.
        let wanted = left_siblings(index);
        let new = appended_nodes(index, leaf, |id| {
            assert!(wanted.contains(&id), "asked for {id} beyond left_siblings");
            self.nodes.get(&id).copied()
        })
        .unwrap();
        assert_eq!(new.iter().map(|(id, _)| *id).collect::<Vec<_>>(), completed_by(index));
        self.nodes.insert(NodeId::leaf(index), leaf);
        self.nodes.extend(new);
        self.leaves.push(leaf);
    }

    fn lookup(&self) -> impl FnMut(NodeId) -> Option<Hash> + '_ {
        |id| self.nodes.get(&id).copied()
    }

    fn root(&self, size: u64) -> Hash {
        root_plan(size).assemble(self.lookup()).unwrap()
    }

    fn inclusion(&self, index: u64, size: u64) -> Vec<Hash> {
        let plan = inclusion_plan(index, size).unwrap();
        assert!(plan.nodes().len() < 2 * 64);
        plan.assemble(self.lookup()).unwrap()
    }

    fn consistency(&self, size1: u64, size2: u64) -> Vec<Hash> {
        consistency_plan(size1, size2).unwrap().assemble(self.lookup()).unwrap()
    }
}

fn flip(hash: &mut Hash, bit: usize) {
    hash[bit / 8 % 32] ^= 1 << (bit % 8);
}

/// Every stored node's hash is the MTH of the leaves it covers.
fn check_table(table: &Table) {
    for (id, hash) in &table.nodes {
        let leaves = id.leaves().unwrap();
        assert_eq!(*hash, mth(&table.leaves[leaves.start as usize..leaves.end as usize]), "{id}");
    }
}

fn check_inclusion(table: &Table, index: u64, size: u64) {
    let d = &table.leaves[..size as usize];
    let proof = table.inclusion(index, size);
    assert_eq!(proof, path(index as usize, d), "PATH({index}, D[{size}])");
    let root = mth(d);
    let leaf = d[index as usize];
    assert_eq!(verify_inclusion(index, size, &leaf, &proof, &root), Ok(()));
    assert_eq!(root_from_inclusion(index, size, &leaf, &proof), Ok(root));
    for i in 0..proof.len() {
        let mut bad = proof.clone();
        flip(&mut bad[i], i * 37 + 5);
        assert!(verify_inclusion(index, size, &leaf, &bad, &root).is_err());
    }
    let mut bad_leaf = leaf;
    flip(&mut bad_leaf, 200);
    assert!(verify_inclusion(index, size, &bad_leaf, &proof, &root).is_err());
    if let Some((_, shorter)) = proof.split_last() {
        assert!(matches!(verify_inclusion(index, size, &leaf, shorter, &root), Err(ProofError::ProofLength { .. })));
    }
    let mut longer = proof.clone();
    longer.push(root);
    assert!(matches!(verify_inclusion(index, size, &leaf, &longer, &root), Err(ProofError::ProofLength { .. })));
}

fn check_consistency(table: &Table, size1: u64, size2: u64) {
    let d = &table.leaves[..size2 as usize];
    let proof = table.consistency(size1, size2);
    if size1 < size2 {
        assert_eq!(proof, subproof(size1 as usize, d, true), "PROOF({size1}, D[{size2}])");
    } else {
        assert!(proof.is_empty());
    }
    let (root1, root2) = (mth(&d[..size1 as usize]), mth(d));
    assert_eq!(verify_consistency(size1, size2, &root1, &root2, &proof), Ok(()));
    for i in 0..proof.len() {
        let mut bad = proof.clone();
        flip(&mut bad[i], i * 41 + 3);
        assert!(verify_consistency(size1, size2, &root1, &root2, &bad).is_err(), "proof[{i}]");
    }
    if size1 < size2 {
        let mut bad_root1 = root1;
        flip(&mut bad_root1, 77);
        assert!(verify_consistency(size1, size2, &bad_root1, &root2, &proof).is_err());
        let mut bad_root2 = root2;
        flip(&mut bad_root2, 78);
        assert!(verify_consistency(size1, size2, &root1, &bad_root2, &proof).is_err());
        assert!(verify_consistency(size1, size2, &root2, &root1, &proof).is_err());
    }
}

#[test]
fn known_hashes() {
    let to_hex = |h: Hash| hex::encode(h);
    assert_eq!(to_hex(empty_root()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // The one-leaf tree of the empty entry, RFC 6962's first test vector.
    assert_eq!(to_hex(leaf_hash(b"")), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    assert_eq!(fold_range(&[]), empty_root());
    assert_eq!(RootBuilder::new().root(), empty_root());
    assert_eq!(Table::with_leaves(0).root(0), empty_root());
}

#[test]
fn every_node_and_root_up_to_70() {
    let table = Table::with_leaves(70);
    check_table(&table);
    let mut builder = RootBuilder::new();
    for size in 0..=70u64 {
        let naive = mth(&table.leaves[..size as usize]);
        assert_eq!(table.root(size), naive, "root of {size}");
        assert_eq!(builder.root(), naive, "builder root of {size}");
        assert_eq!(builder.size(), size);
        // The builder's peaks are exactly the stored nodes of root_plan, so it can resume from them.
        let peaks = root_plan(size).nodes().iter().map(|id| table.nodes[id]).collect::<Vec<_>>();
        assert_eq!(builder.peaks(), &peaks[..]);
        assert_eq!(RootBuilder::from_peaks(size, peaks).as_ref(), Ok(&builder));
        if let Some(&leaf) = table.leaves.get(size as usize) {
            let stored = appended_nodes(size, leaf, |id| table.nodes.get(&id).copied()).unwrap();
            assert_eq!(builder.append(leaf), Ok(stored));
        }
    }
}

#[test]
fn every_proof_up_to_40() {
    let table = Table::with_leaves(40);
    for size2 in 0..=40 {
        for i in 0..size2 {
            check_inclusion(&table, i, size2);
        }
        for size1 in 0..=size2 {
            if size1 == 0 && size2 > 0 {
                continue;
            }
            check_consistency(&table, size1, size2);
        }
    }
}

#[test]
fn every_recursion_range_up_to_40() {
    let table = Table::with_leaves(40);
    for start in 0..40u64 {
        for end in start + 1..=40 {
            let d = &table.leaves[start as usize..end as usize];
            let width = (end - start).next_power_of_two();
            match range_nodes(start, end) {
                Ok(nodes) => {
                    assert!(start.is_multiple_of(width));
                    assert_eq!(nodes.len() as u32, (end - start).count_ones());
                    let plan = range_plan(start, end).unwrap();
                    assert_eq!(plan.nodes(), &nodes[..]);
                    assert_eq!(plan.assemble(table.lookup()), Ok(mth(d)), "[{start}, {end})");
                }
                Err(e) => {
                    assert!(!start.is_multiple_of(width));
                    assert_eq!(e, ProofError::InvalidRange { start, end });
                }
            }
        }
    }
}

#[test]
fn ragged_ranges_fold_from_the_right() {
    // Seven leaves are 4 + 2 + 1: MTH is H(a, H(b, c)), which a left fold H(H(a, b), c) gets wrong.
    let table = Table::with_leaves(7);
    let nodes = range_nodes(0, 7).unwrap();
    assert_eq!(nodes, [NodeId::new(2, 0), NodeId::new(1, 2), NodeId::new(0, 6)]);
    let [a, b, c] = [0, 1, 2].map(|i| table.nodes[&nodes[i]]);
    assert_eq!(fold_range(&[a, b, c]), node_hash(&a, &node_hash(&b, &c)));
    assert_eq!(fold_range(&[a, b, c]), mth(&table.leaves));
    assert_ne!(fold_range(&[a, b, c]), node_hash(&node_hash(&a, &b), &c));
}

#[test]
fn appends_complete_the_right_nodes() {
    assert!(left_siblings(0).is_empty() && completed_by(0).is_empty());
    assert_eq!(left_siblings(1), [NodeId::leaf(0)]);
    assert_eq!(completed_by(1), [NodeId::new(1, 0)]);
    assert_eq!(left_siblings(6), Vec::<NodeId>::new());
    assert_eq!(left_siblings(7), [NodeId::new(0, 6), NodeId::new(1, 2), NodeId::new(2, 0)]);
    assert_eq!(completed_by(7), [NodeId::new(1, 3), NodeId::new(2, 1), NodeId::new(3, 0)]);
    assert_eq!(left_siblings(u64::MAX - 1), Vec::<NodeId>::new());
    assert_eq!(completed_by((1 << 63) - 1).len(), 63);
    assert_eq!(left_siblings((1 << 63) - 1).len(), 63);
    assert_eq!(left_siblings(u64::MAX), Vec::<NodeId>::new());
    assert_eq!(appended_nodes(u64::MAX, [0; 32], |_| None), Err(ProofError::TreeFull));
    assert_eq!(appended_nodes(3, [0; 32], |_| None), Err(ProofError::MissingNode(NodeId::leaf(2))));
}

#[test]
fn errors() {
    let h = [7u8; 32];
    assert_eq!(inclusion_plan(5, 5), Err(ProofError::IndexOutOfRange { index: 5, size: 5 }));
    assert_eq!(inclusion_plan(0, 0), Err(ProofError::IndexOutOfRange { index: 0, size: 0 }));
    assert_eq!(consistency_plan(6, 5), Err(ProofError::SizeOrder { size1: 6, size2: 5 }));
    assert_eq!(consistency_plan(0, 5), Err(ProofError::EmptyFirstTree { size2: 5 }));
    assert!(consistency_plan(0, 0).unwrap().is_empty());
    assert_eq!(verify_inclusion(3, 3, &h, &[], &h), Err(ProofError::IndexOutOfRange { index: 3, size: 3 }));
    assert_eq!(verify_inclusion(0, 5, &h, &[h], &h), Err(ProofError::ProofLength { got: 1, want: 3 }));
    assert_eq!(verify_inclusion(0, 1, &h, &[], &[8; 32]), Err(ProofError::RootMismatch { size: 1 }));
    assert_eq!(verify_consistency(5, 4, &h, &h, &[]), Err(ProofError::SizeOrder { size1: 5, size2: 4 }));
    assert_eq!(verify_consistency(4, 4, &h, &h, &[]), Ok(()));
    assert_eq!(verify_consistency(4, 4, &h, &h, &[h]), Err(ProofError::ProofLength { got: 1, want: 0 }));
    assert_eq!(verify_consistency(4, 4, &h, &[8; 32], &[]), Err(ProofError::RootMismatch { size: 4 }));
    // The empty tree has one root only.
    assert_eq!(verify_consistency(0, 0, &empty_root(), &empty_root(), &[]), Ok(()));
    assert_eq!(verify_consistency(0, 0, &h, &h, &[]), Err(ProofError::RootMismatch { size: 0 }));
    assert_eq!(verify_consistency(0, 3, &empty_root(), &h, &[h]), Err(ProofError::EmptyFirstTree { size2: 3 }));
    assert_eq!(verify_consistency(3, 5, &h, &h, &[]), Err(ProofError::ProofLength { got: 0, want: 4 }));
    assert_eq!(range_nodes(3, 2), Err(ProofError::InvalidRange { start: 3, end: 2 }));
    assert_eq!(range_nodes(3, 3), Err(ProofError::InvalidRange { start: 3, end: 3 }));
    assert_eq!(range_nodes(2, 5), Err(ProofError::InvalidRange { start: 2, end: 5 }));
    assert_eq!(range_nodes(0, 0), Ok(Vec::new()));
    assert_eq!(root_plan(2).assemble(|_| None), Err(ProofError::MissingNode(NodeId::new(1, 0))));
    assert_eq!(RootBuilder::from_peaks(3, vec![h]), Err(ProofError::PeakCount { size: 3, got: 1, want: 2 }));
    let mut full = RootBuilder::from_peaks(u64::MAX, vec![h; 64]).unwrap();
    assert_eq!(full.push(h), Err(ProofError::TreeFull));
    assert_eq!(hash_from_slice(&[1; 31]), Err(ProofError::HashLength { got: 31 }));
    assert_eq!(hash_from_slice(&h), Ok(h));
    assert_eq!(
        ProofError::MissingNode(NodeId::new(2, 9)).to_string(),
        "the node table has no node at level 2, index 9"
    );
}

#[test]
fn huge_trees_plan_without_overflow() {
    let big = u64::MAX;
    assert_eq!(root_plan(big).nodes().len(), 64);
    assert_eq!(range_nodes(0, big).unwrap().len(), 64);
    assert!(range_nodes(1, big).is_err());
    assert_eq!(range_nodes(1 << 63, big).unwrap().len(), 63);
    for (index, size) in [(big - 1, big), (0, big), (1 << 63, big), ((1 << 63) - 1, 1 << 63)] {
        let plan = inclusion_plan(index, size).unwrap();
        assert!(plan.nodes().len() <= 127);
        // A proof of the right length runs to the end and fails only on the root.
        let proof = vec![[1; 32]; plan.len()];
        let got = verify_inclusion(index, size, &[2; 32], &proof, &[3; 32]);
        assert_eq!(got, Err(ProofError::RootMismatch { size }));
        for id in plan.nodes() {
            assert!(id.leaves().unwrap().end <= size);
        }
    }
    for (size1, size2) in [(big - 1, big), (1, big), (1 << 63, big), (3, 1 << 63)] {
        let plan = consistency_plan(size1, size2).unwrap();
        let proof = vec![[1; 32]; plan.len()];
        let got = verify_consistency(size1, size2, &[2; 32], &[3; 32], &proof);
        assert!(matches!(got, Err(ProofError::RootMismatch { .. })), "{size1} {size2}: {got:?}");
        for id in plan.nodes() {
            assert!(id.leaves().unwrap().end <= size2);
        }
    }
    assert_eq!(NodeId::new(64, 1).leaves(), None);
    assert_eq!(NodeId::new(63, 1).leaves(), None);
    assert_eq!(NodeId::new(3, 2).leaves(), Some(16..24));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_proofs_match_the_rfc(size in 1u64..=300, a in any::<u64>(), b in any::<u64>()) {
        let table = Table::with_leaves(size as usize);
        check_inclusion(&table, a % size, size);
        let size1 = 1 + b % size;
        check_consistency(&table, size1, size);
        prop_assert_eq!(table.root(size), mth(&table.leaves));
    }

    #[test]
    fn builder_matches_mth(size in 0usize..=300) {
        let table = Table::with_leaves(size);
        let mut builder = RootBuilder::new();
        for leaf in &table.leaves {
            builder.push(*leaf).unwrap();
        }
        prop_assert_eq!(builder.root(), mth(&table.leaves));
        prop_assert!(builder.peaks().len() <= 9);
    }

    #[test]
    fn tampered_proofs_fail(size in 2u64..=300, a in any::<u64>(), bit in 0usize..256) {
        let table = Table::with_leaves(size as usize);
        let index = a % size;
        let root = table.root(size);
        let leaf = table.leaves[index as usize];
        let proof = table.inclusion(index, size);
        for i in 0..proof.len() {
            let mut bad = proof.clone();
            flip(&mut bad[i], bit);
            prop_assert!(verify_inclusion(index, size, &leaf, &bad, &root).is_err());
        }
        let size1 = 1 + a % (size - 1);
        let (root1, proof) = (table.root(size1), table.consistency(size1, size));
        for i in 0..proof.len() {
            let mut bad = proof.clone();
            flip(&mut bad[i], bit);
            prop_assert!(verify_consistency(size1, size, &root1, &root, &bad).is_err());
        }
        // A proof for another index or size does not carry over.
        if index + 1 < size {
            prop_assert!(verify_inclusion(index + 1, size, &leaf, &table.inclusion(index, size), &root).is_err());
        }
    }
}
