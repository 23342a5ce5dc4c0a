//! The audit ledger: an append-only RFC 9162 Merkle log of every registry change, every look at personal data,
//! refusals, officials' sign-ins and key operations.
//!
//! - [`event`]: what an entry says.
//! - [`batch`]: one entry for a batch of records written in bulk, carrying the Merkle root over them.
//! - [`store`]: appending in the caller's transaction (a change and its entry commit together or not at all),
//!   reading entries, fetching the nodes a proof needs.
//! - [`recorder`]: appends for events that change nothing (reads), batched into group commits.
//! - [`head`]: signed tree heads and proofs against them; [`receipt`]: one entry with its proof, for keeping.
//! - [`seal`]: tables whose rows must be what the ledger last recorded (accounts, roles, keys…).
//! - [`verify`]: recomputing everything from the stored entries; [`witness`]: the heads file beside the database.

pub mod batch;
pub mod event;
pub mod head;
pub mod purpose;
pub mod receipt;
pub mod recorder;
pub mod seal;
mod sqlite_writer;
pub mod store;
pub mod verify;
pub mod witness;

pub use event::{Actor, Event, EventKind, RecordRef, record_digest};
pub use head::TreeHead;
pub use purpose::Purpose;
pub use receipt::Receipt;
pub use recorder::Recorder;

/// Why the ledger could not answer.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] ::store::sqlx::Error),
    /// A proof was asked for sizes or positions the log does not have, or that do not fit together.
    #[error("{0}")]
    OutOfRange(String),
    /// The stored ledger does not hold together (found while reading, not by a full verification).
    #[error("the stored ledger is inconsistent: {0}")]
    Corrupt(String),
    /// There is no signing key to sign a tree head with.
    #[error("no Ed25519 signing key in the keyring")]
    NoKey,
    /// A group commit failed; the database error was logged.
    #[error("recording failed: {0}")]
    Failed(String),
    /// The recorder has stopped (the server is shutting down).
    #[error("the ledger recorder has stopped")]
    Stopped,
}
