//! What the ledger records: events, each about an actor doing something, often to a citizen's record.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The kinds of event, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A registry record was created or changed; `record` names it and the hash of its new version.
    RecordChanged,
    /// An official or another agency's system read a citizen's personal data, for a stated purpose.
    PersonalDataRead,
    /// A registry was searched (the query and the number of results, not the people found).
    RegistrySearched,
    /// The policy refused an action.
    AccessRefused,
    /// An official signed in.
    SignedIn,
    /// A sign-in failed.
    SignInFailed,
    /// An account was locked after repeated failures.
    AccountLocked,
    /// A role was granted or an account disabled.
    AccountChanged,
    /// Someone asked for a password reset link for an account that has an e-mail address; the link was sent.
    PasswordResetRequested,
    /// A password was set through a reset link; the account's sessions and API tokens ended with it.
    PasswordReset,
    /// A signing key was created, rotated or retired.
    KeyChanged,
    /// A credential or signed document was issued (its id, kind and key in `detail`).
    CredentialIssued,
    /// A credential or signed document was revoked (its id and the reason).
    CredentialRevoked,
}

impl EventKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::RecordChanged => "record_changed",
            EventKind::PersonalDataRead => "personal_data_read",
            EventKind::RegistrySearched => "registry_searched",
            EventKind::AccessRefused => "access_refused",
            EventKind::SignedIn => "signed_in",
            EventKind::SignInFailed => "sign_in_failed",
            EventKind::AccountLocked => "account_locked",
            EventKind::AccountChanged => "account_changed",
            EventKind::PasswordResetRequested => "password_reset_requested",
            EventKind::PasswordReset => "password_reset",
            EventKind::KeyChanged => "key_changed",
            EventKind::CredentialIssued => "credential_issued",
            EventKind::CredentialRevoked => "credential_revoked",
        }
    }
}

/// Who acted: an account with the role it acted in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The account's username, or a process such as `import`.
    pub username: String,
    /// The name shown to citizens where the law allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The role acted in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The agency acted for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
}

impl Actor {
    /// A person acting as themselves, in no particular role.
    pub fn named(username: &str, display_name: &str) -> Actor {
        Actor { username: username.to_owned(), display_name: Some(display_name.to_owned()), role: None, agency: None }
    }

    /// A process, not a person: the import, the demo, the command line.
    pub fn system(name: &str) -> Actor {
        Actor { username: name.to_owned(), display_name: None, role: None, agency: None }
    }
}

/// A registry record and, for changes, the SHA-256 of its new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRef {
    /// The kind of record: `citizen`, `household`, …
    pub kind: String,
    /// Its key as people know it (a personal ID number, a household code).
    pub key: String,
    /// Hex SHA-256 of the record's new version ([`record_digest`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// One event. Serialised to JSON in field order, and those exact bytes are the Merkle leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// Milliseconds since the Unix epoch; set when appended.
    #[serde(default)]
    pub at_ms: i64,
    /// Who did it.
    pub actor: Actor,
    /// The personal ID number of the citizen it concerns, so they can find it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The record read or changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordRef>,
    /// Why: the purpose stated for a read, the legal basis or dossier for a change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Anything else worth keeping (a query, an outcome), small. By convention `change` names what a change entry
    /// changed (`role_granted`, `password_changed`, `rotate`…) and `action` what a refusal refused
    /// (`read_population`).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub detail: serde_json::Value,
    /// 128 random bits (hex), drawn when the entry is appended. The leaf hash commits to them and they are never
    /// published, so a leaf hash seen in a public proof cannot be matched against a guess of the entry's other
    /// fields (which official read whose record, around when); only the entry's subject gets them, in a receipt.
    /// Entries appended before salts existed have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
}

impl Event {
    /// An event of `kind` by `actor`, with nothing else yet.
    pub fn new(kind: EventKind, actor: Actor) -> Event {
        Event {
            kind,
            at_ms: 0,
            actor,
            subject: None,
            record: None,
            purpose: None,
            detail: serde_json::Value::Null,
            salt: None,
        }
    }

    /// About this citizen.
    pub fn subject(mut self, personal_id: &str) -> Event {
        self.subject = Some(personal_id.to_owned());
        self
    }

    /// About this record.
    pub fn record(mut self, record: RecordRef) -> Event {
        self.record = Some(record);
        self
    }

    /// For this purpose or reason.
    pub fn purpose(mut self, purpose: &str) -> Event {
        self.purpose = Some(purpose.to_owned());
        self
    }

    /// With these details.
    pub fn detail(mut self, detail: serde_json::Value) -> Event {
        self.detail = detail;
        self
    }

    /// The bytes hashed into the log.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        // Serialising a struct of strings, integers and JSON values cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// The hex SHA-256 of a record's JSON form: what a change entry commits to, and what `congso ledger verify`
/// recomputes from the registry's current row.
pub fn record_digest(record: &impl Serialize) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(record).unwrap_or_default()))
}
