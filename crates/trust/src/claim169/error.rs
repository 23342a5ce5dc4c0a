//! What can go wrong, named by the step of the pipeline where it went wrong.

/// The steps of reading a Claim 169 QR code, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// The QR text to bytes (RFC 9285 Base45).
    Base45,
    /// Inflating the zlib stream.
    Zlib,
    /// Parsing the CBOR data item.
    Cbor,
    /// The COSE envelope: COSE_Sign1, or COSE_Encrypt0 and its decryption.
    Cose,
    /// The CWT claims and the claim 169 identity map inside them.
    Claims,
}

/// Why a QR text is not a Claim 169 credential. [`DecodeError::step`] tells where it failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input, or what it inflates to, is bigger than the [`super::Limits`] allow.
    #[error("too large at the {step:?} step: more than {limit} bytes")]
    TooLarge {
        /// The step that refused it: Base45 for the text, Zlib for the inflated bytes.
        step: Step,
        /// The limit that was passed.
        limit: usize,
    },
    /// The text is not Base45.
    #[error("not Base45: {0}")]
    Base45(String),
    /// The bytes are not a complete zlib stream.
    #[error("not a zlib stream: {0}")]
    Zlib(String),
    /// The inflated bytes are not one well-formed CBOR data item.
    #[error("not CBOR: {0}")]
    Cbor(String),
    /// The CBOR is not a COSE message we can open.
    #[error("not a usable COSE message: {0}")]
    Cose(String),
    /// The CWT carries no claim 169.
    #[error("the CWT has no claim 169")]
    Claim169Missing,
    /// The CWT or its claim 169 is malformed.
    #[error("malformed claims: {0}")]
    Claims(String),
}

impl DecodeError {
    /// The step of the pipeline that failed.
    pub fn step(&self) -> Step {
        match self {
            DecodeError::TooLarge { step, .. } => *step,
            DecodeError::Base45(_) => Step::Base45,
            DecodeError::Zlib(_) => Step::Zlib,
            DecodeError::Cbor(_) => Step::Cbor,
            DecodeError::Cose(_) => Step::Cose,
            DecodeError::Claim169Missing | DecodeError::Claims(_) => Step::Claims,
        }
    }
}

/// Why a decoded credential's signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// There is no signature: the code was not signed, or only encrypted.
    #[error("the credential is not signed")]
    Unsigned,
    /// The protected header names no algorithm, or one we do not support.
    #[error("unsupported signature algorithm {0:?}")]
    UnsupportedAlgorithm(Option<i64>),
    /// The header's algorithm is not the key's: a key is only ever used with its own algorithm.
    #[error("the credential is signed with {signed}, the key is for {key}")]
    AlgorithmMismatch {
        /// The algorithm in the credential's protected header.
        signed: crate::keys::Algorithm,
        /// The key's algorithm.
        key: crate::keys::Algorithm,
    },
    /// The signature does not verify with this key.
    #[error("the signature does not verify")]
    BadSignature,
}

/// Why a credential is not valid at a given time (CWT `exp` and `nbf`, RFC 8392).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// The time is on or after `exp`.
    #[error("expired at {expired_at}")]
    Expired {
        /// The credential's `exp`, Unix seconds.
        expired_at: i64,
    },
    /// The time is before `nbf`.
    #[error("not valid before {not_before}")]
    NotYetValid {
        /// The credential's `nbf`, Unix seconds.
        not_before: i64,
    },
}

/// Why a credential could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// CBOR serialisation or compression failed (writing to memory, so not expected in practice).
    #[error("encoding failed: {0}")]
    Serialize(String),
}
