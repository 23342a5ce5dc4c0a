//! Claim 169 identity QR codes: Base45, zlib, a CWT in COSE_Sign1 carrying claim 169.
//!
//! The MOSIP Claim 169 specification puts a person's identity in CWT claim 169 (a CBOR map with integer keys),
//! signs the CWT with COSE_Sign1 (EdDSA or ES256), may encrypt that with COSE_Encrypt0 (AES-GCM), compresses with
//! zlib and writes the bytes as Base45 text, with no prefix, for a QR code's alphanumeric mode.
//!
//! Reading is [`decode`] (or [`decode_with_key`] for encrypted codes), then [`Credential::verify`] with the
//! issuer's key and [`Credential::check_time`]: decoding alone proves nothing. Writing is [`encode`].
//!
//! ```
//! use trust::claim169::{self, CwtMeta, Identity, Limits};
//! use trust::keys::{Algorithm, SigningKey};
//!
//! let key = SigningKey::generate(Algorithm::EdDSA);
//! let person = Identity { id: Some("001203004567".into()), full_name: Some("Nguyễn Thị Lan".into()), ..Identity::default() };
//! let meta = CwtMeta { issuer: Some("https://congso.example".into()), ..CwtMeta::default() };
//! let text = claim169::encode(&person, &meta, &key)?;
//!
//! let credential = claim169::decode(&text, &Limits::default())?;
//! credential.verify(&key.verifying_key())?;
//! assert_eq!(credential.identity, person);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod claims;
pub(crate) mod cose;
mod encode;
mod error;
mod model;
pub(crate) mod transport;

pub use cose::DecryptionKey;
pub use encode::encode;
pub(crate) use encode::sign1_text;
pub use error::{DecodeError, EncodeError, Step, TimeError, VerifyError};
pub use model::{Biometric, BiometricFormat, Biometrics, CwtMeta, Gender, Identity, MaritalStatus, PhotoFormat};
pub use transport::Limits;

use crate::keys::{Algorithm, VerifyingKey};
use cose::{Envelope, Sign1};

/// A decoded credential. Its claims are only as good as [`Credential::verify`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The person: claim 169.
    pub identity: Identity,
    /// The CWT's issuer, subject and times.
    pub meta: CwtMeta,
    /// Whether the code was sent inside COSE_Encrypt0 (and so was decrypted).
    pub encrypted: bool,
    /// The COSE_Sign1 the claims came from; `None` when the code was only encrypted, not signed.
    sign1: Option<Sign1>,
}

impl Credential {
    /// The COSE algorithm id in the protected header (-8 EdDSA, -7 ES256), if signed and named.
    pub fn alg(&self) -> Option<i64> {
        self.sign1.as_ref().and_then(|s| s.alg)
    }

    /// The signature algorithm, if it is one we support.
    pub fn algorithm(&self) -> Option<Algorithm> {
        self.alg().and_then(Algorithm::from_cose)
    }

    /// The key id from the COSE header: lets a verifier pick the issuer's key.
    pub fn kid(&self) -> Option<&[u8]> {
        self.sign1.as_ref().and_then(|s| s.kid.as_deref())
    }

    /// The key id as text, when it is UTF-8 (congso's key ids are).
    pub fn kid_str(&self) -> Option<&str> {
        self.kid().and_then(|kid| std::str::from_utf8(kid).ok())
    }

    /// The length of the message the signature covers (the COSE `Sig_structure`), for benchmarks that compare
    /// with signing raw messages of the same size.
    pub fn signed_len(&self) -> usize {
        self.sign1.as_ref().map_or(0, |s| cose::sig_structure(&s.protected, &s.payload).len())
    }

    /// Whether a signature is present at all (checking it is [`Credential::verify`]).
    pub fn is_signed(&self) -> bool {
        self.sign1.as_ref().is_some_and(|s| !s.signature.is_empty())
    }

    /// Checks the COSE_Sign1 signature over `["Signature1", protected, h'', payload]` with the issuer's key.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), VerifyError> {
        verify_sign1(self.sign1.as_ref(), key)
    }

    /// Checks `exp` and `nbf` against `now_unix` (seconds): expired on or after `exp`, not valid before `nbf`.
    pub fn check_time(&self, now_unix: i64) -> Result<(), TimeError> {
        check_time(&self.meta, now_unix)
    }
}

/// Checks a COSE_Sign1's signature with `key`: shared by identity credentials and signed documents.
pub(crate) fn verify_sign1(sign1: Option<&Sign1>, key: &VerifyingKey) -> Result<(), VerifyError> {
    let sign1 = sign1.filter(|s| !s.signature.is_empty()).ok_or(VerifyError::Unsigned)?;
    let signed = sign1.alg.and_then(Algorithm::from_cose).ok_or(VerifyError::UnsupportedAlgorithm(sign1.alg))?;
    // The header says which algorithm; a key of another kind must not be tried, or an attacker could choose.
    if signed != key.algorithm() {
        return Err(VerifyError::AlgorithmMismatch { signed, key: key.algorithm() });
    }
    let message = cose::sig_structure(&sign1.protected, &sign1.payload);
    key.verify(&message, &sign1.signature).map_err(|_| VerifyError::BadSignature)
}

/// Checks a CWT's `exp` and `nbf` against `now_unix` (RFC 8392 §3.1.4–5).
pub fn check_time(meta: &CwtMeta, now_unix: i64) -> Result<(), TimeError> {
    if let Some(expired_at) = meta.expires_at.filter(|&exp| now_unix >= exp) {
        return Err(TimeError::Expired { expired_at });
    }
    if let Some(not_before) = meta.not_before.filter(|&nbf| now_unix < nbf) {
        return Err(TimeError::NotYetValid { not_before });
    }
    Ok(())
}

/// Reads a Claim 169 QR text. An encrypted code needs [`decode_with_key`]. The signature is not checked here.
pub fn decode(qr_text: &str, limits: &Limits) -> Result<Credential, DecodeError> {
    decode_inner(qr_text, limits, None)
}

/// Reads a Claim 169 QR text that may be encrypted (COSE_Encrypt0) with `key`; a signed one reads as well.
pub fn decode_with_key(qr_text: &str, limits: &Limits, key: &DecryptionKey) -> Result<Credential, DecodeError> {
    decode_inner(qr_text, limits, Some(key))
}

fn decode_inner(qr_text: &str, limits: &Limits, key: Option<&DecryptionKey>) -> Result<Credential, DecodeError> {
    let compressed = transport::base45_decode(qr_text, limits)?;
    let cose_bytes = transport::inflate(&compressed, limits)?;
    let outer = transport::cbor_item(&cose_bytes)?;
    let (sign1, payload, encrypted) = match cose::parse_envelope(outer)? {
        Envelope::Sign1(sign1) => {
            let payload = transport::cbor_item(&sign1.payload)?;
            (Some(sign1), payload, false)
        }
        Envelope::Encrypt0(message) => {
            let key = key.ok_or_else(|| DecodeError::Cose("the code is encrypted and no key was given".into()))?;
            // The plaintext is no larger than the ciphertext, which the inflation limit already bounded.
            let inner = transport::cbor_item(&cose::decrypt(&message, key)?)?;
            // Issuers sign, then encrypt; the plaintext may also be a bare CWT (encrypted but not signed).
            if cose::is_sign1(&inner) {
                let sign1 = match cose::parse_envelope(inner)? {
                    Envelope::Sign1(sign1) => sign1,
                    Envelope::Encrypt0(_) => return Err(DecodeError::Cose("nested COSE_Encrypt0".into())),
                };
                let payload = transport::cbor_item(&sign1.payload)?;
                (Some(sign1), payload, true)
            } else {
                (None, inner, true)
            }
        }
    };
    let (meta, identity) = claims::parse_cwt(payload)?;
    Ok(Credential { identity, meta, encrypted, sign1 })
}

#[cfg(test)]
mod tests;
