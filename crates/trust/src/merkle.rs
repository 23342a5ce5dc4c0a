//! RFC 9162 Merkle tree hashing, inclusion and consistency proofs.
