//! Trust: what lets anyone check congso's words without asking congso.
//!
//! - [`merkle`]: RFC 9162 Merkle tree hashing and proofs, the heart of the audit ledger.
//! - [`keys`]: Ed25519 and ES256 signing and verifying keys with key ids.
//! - [`keyring`]: the installation's keys, sealed at rest under a master key; rotation and retirement.
//! - [`ledger`]: the audit ledger: events in an RFC 9162 Merkle log, signed tree heads, proofs, verification.
//! - [`claim169`]: the Claim 169 identity QR codec (Base45, zlib, CBOR, COSE_Sign1).
//! - [`document`]: signed documents through the same pipeline; [`jws`]: signed JSON.
//! - [`revocation`]: signed revocation lists and verifier bundles; [`verify`]: the one verification function.

pub mod claim169;
pub mod document;
pub mod jws;
pub mod keyring;
pub mod keys;
pub mod ledger;
pub mod merkle;
pub mod qr;
pub mod revocation;
pub mod verify;
