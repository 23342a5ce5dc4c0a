//! What a credential is once issued, and what issuing and revoking fail with.

use web::AppError;

/// Why a credential could not be recorded, found or revoked.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// No credential has this id.
    #[error("no credential has id {0}")]
    Unknown(String),
    /// The keyring has no active key to sign with.
    #[error("no active EdDSA signing key")]
    NoKey,
    /// Encoding failed.
    #[error("encoding: {0}")]
    Encode(#[from] trust::claim169::EncodeError),
    /// The database failed.
    #[error(transparent)]
    Sql(#[from] store::sqlx::Error),
    /// The ledger could not record it, so nothing was issued or revoked.
    #[error("ledger: {0}")]
    Ledger(#[from] trust::ledger::LedgerError),
    /// The reason of a revocation is empty, too long or carries a control or invisible character.
    #[error("reason: {0}")]
    Reason(#[from] kernel::FreeTextError),
}

/// The one place credential errors become HTTP answers.
impl From<CredentialError> for AppError {
    fn from(e: CredentialError) -> Self {
        match e {
            CredentialError::Unknown(_) => AppError::NotFound,
            CredentialError::Reason(e) => AppError::invalid("reason", e),
            other => AppError::Internal(other.into()),
        }
    }
}

/// A credential as issued.
#[derive(Debug, Clone)]
pub struct Issued {
    /// Its id: the hex of its `cti`.
    pub id: String,
    /// Whom it is about: a personal ID number.
    pub personal_id: String,
    /// The key that signed it.
    pub kid: String,
    /// Issued at, Unix seconds.
    pub issued_at: i64,
    /// Expires at, Unix seconds.
    pub expires_at: i64,
    /// The QR text.
    pub qr_text: String,
}

/// A credential or document as its holder's list shows it.
#[derive(Debug, Clone)]
pub struct Held {
    /// What it is: a kind a slice declared with [`document_kind!`](crate::document_kind).
    pub kind: String,
    /// Whether it was revoked.
    pub revoked: bool,
    /// The credential itself.
    pub issued: Issued,
}

/// A kind of credential or document a slice issues, with the interface string that names it to its holder:
/// declared once in the issuing slice's `lib.rs` with [`document_kind!`](crate::document_kind).
pub struct DocumentKind {
    /// The kind, as [`store::record_in`](crate::store::record_in) is given it.
    pub kind: &'static str,
    /// The i18n key of its name.
    pub label: &'static str,
}

web::inventory::collect!(DocumentKind);

/// Names a kind of credential or document for its holder's list ("Giấy tờ và kết quả"):
/// `credentials::document_kind!("digital_id", "digital_id.title");` once in the issuing slice's `lib.rs`.
#[macro_export]
macro_rules! document_kind {
    ($kind:expr, $label:expr) => {
        ::web::inventory::submit! { $crate::model::DocumentKind { kind: $kind, label: $label } }
    };
}

/// The i18n key that names `kind`, if its slice declared one.
pub fn label_of(kind: &str) -> Option<&'static str> {
    web::inventory::iter::<DocumentKind>.into_iter().find(|k| k.kind == kind).map(|k| k.label)
}

/// A fresh random credential id (the `cti` of a CWT, the id of a document): 16 bytes.
pub fn new_id() -> Vec<u8> {
    use rand::RngCore;
    let mut id = vec![0u8; 16];
    rand::thread_rng().fill_bytes(&mut id);
    id
}
