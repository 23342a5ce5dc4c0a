//! Verifying a QR text, identity credential or signed document, against a set of trusted keys and a revocation
//! list: the one function behind `/verify`, `POST /api/v1/verify` and `congso verify` (online with the keyring,
//! offline with a [`crate::revocation::Bundle`]).
//!
//! The checks run in this order and the first failure is the answer: the text decodes (else *malformed*, naming
//! the step), its key id is one we trust (*unknown key*), the signature verifies (*bad signature*), it is not
//! revoked (*revoked*), it is within its validity period (*expired* or *not yet valid*).

use serde::Serialize;

use crate::claim169::{self, DecodeError, Identity, Limits, Step, TimeError};
use crate::document::{self, Document};
use crate::keys::VerifyingKey;

/// Where keys and revocations come from.
pub trait Trust {
    /// The active public key with this id.
    fn key(&self, kid: &str) -> Option<VerifyingKey>;
    /// Whether the credential or document with this id (lower-case hex) is revoked.
    fn is_revoked(&self, id_hex: &str) -> bool;
}

/// What a valid QR code says.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Contents {
    /// A digital-ID credential (Claim 169).
    Identity {
        /// The person.
        identity: Box<Identity>,
    },
    /// A signed document.
    Document {
        /// The document; its payload as JSON.
        document: Box<Document<serde_json::Value>>,
    },
}

/// The facts every signed code has.
#[derive(Debug, Clone, Serialize)]
pub struct Signed {
    /// The key that signed it.
    pub kid: String,
    /// The issuer (`iss`).
    pub issuer: Option<String>,
    /// Its id (`cti`) in hex.
    pub id: Option<String>,
    /// Issued at, Unix seconds.
    pub issued_at: Option<i64>,
    /// Expires at, Unix seconds.
    pub expires_at: Option<i64>,
    /// What it says.
    #[serde(flatten)]
    pub contents: Contents,
}

/// The answer of a verification. A verdict is not an error: every input gets one.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Signed by a trusted key, not revoked, within its validity period.
    Valid(Box<Signed>),
    /// The signature does not verify with the key its header names.
    BadSignature {
        /// The key id of the header.
        kid: String,
    },
    /// No trusted key has the header's key id (never ours, or retired).
    UnknownKey {
        /// The key id of the header, if any.
        kid: Option<String>,
    },
    /// Past its `exp`.
    Expired {
        /// `exp`, Unix seconds.
        expired_at: i64,
    },
    /// Before its `nbf`.
    NotYetValid {
        /// `nbf`, Unix seconds.
        not_before: i64,
    },
    /// Its issuer revoked it.
    Revoked {
        /// Its id, hex.
        id: String,
    },
    /// Not a signed code at all, or broken at one step of the pipeline.
    Malformed {
        /// `base45`, `zlib`, `cbor`, `cose` or `claims`.
        step: &'static str,
        /// What was wrong, in English.
        message: String,
    },
}

impl Verdict {
    /// The verdict's stable name: `valid`, `bad_signature`, `unknown_key`, `expired`, `not_yet_valid`, `revoked`,
    /// `malformed`.
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Valid(_) => "valid",
            Verdict::BadSignature { .. } => "bad_signature",
            Verdict::UnknownKey { .. } => "unknown_key",
            Verdict::Expired { .. } => "expired",
            Verdict::NotYetValid { .. } => "not_yet_valid",
            Verdict::Revoked { .. } => "revoked",
            Verdict::Malformed { .. } => "malformed",
        }
    }

    /// Whether the code is valid.
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid(_))
    }
}

/// The name of a pipeline step, as verdicts and the API spell it.
pub fn step_name(step: Step) -> &'static str {
    match step {
        Step::Base45 => "base45",
        Step::Zlib => "zlib",
        Step::Cbor => "cbor",
        Step::Cose => "cose",
        Step::Claims => "claims",
    }
}

fn malformed(e: &DecodeError) -> Verdict {
    Verdict::Malformed { step: step_name(e.step()), message: e.to_string() }
}

/// One decoded code, before the checks.
struct Decoded {
    kid: Option<String>,
    not_before: Option<i64>,
    signed: Signed,
    check: Box<dyn Fn(&VerifyingKey) -> bool>,
}

fn decode(text: &str, limits: &Limits) -> Result<Decoded, DecodeError> {
    let text = text.trim();
    match claim169::decode(text, limits) {
        Ok(credential) => {
            let meta = credential.meta.clone();
            let kid = credential.kid_str().map(str::to_owned);
            let signed = Signed {
                kid: kid.clone().unwrap_or_default(),
                issuer: meta.issuer.clone(),
                id: meta.cti.as_deref().map(hex::encode),
                issued_at: meta.issued_at,
                expires_at: meta.expires_at,
                contents: Contents::Identity { identity: Box::new(credential.identity.clone()) },
            };
            Ok(Decoded {
                kid,
                not_before: meta.not_before,
                signed,
                check: Box::new(move |key| credential.verify(key).is_ok()),
            })
        }
        // A CWT without claim 169 may be a signed document.
        Err(DecodeError::Claim169Missing) => {
            let read = document::decode(text, limits)?;
            let kid = read.kid_str().map(str::to_owned);
            let payload = read.payload::<serde_json::Value>().unwrap_or(serde_json::Value::Null);
            let doc = &read.document;
            let signed = Signed {
                kid: kid.clone().unwrap_or_default(),
                issuer: Some(doc.agency.clone()),
                id: Some(hex::encode(&doc.id)),
                issued_at: Some(doc.issued_at),
                expires_at: doc.expires_at,
                contents: Contents::Document {
                    document: Box::new(Document {
                        doc_type: doc.doc_type.clone(),
                        agency: doc.agency.clone(),
                        id: doc.id.clone(),
                        digest: doc.digest,
                        issued_at: doc.issued_at,
                        expires_at: doc.expires_at,
                        payload,
                    }),
                },
            };
            Ok(Decoded { kid, not_before: None, signed, check: Box::new(move |key| read.verify(key).is_ok()) })
        }
        Err(e) => Err(e),
    }
}

/// The id (`cti`, hex) of a QR text that decodes, without checking anything: lets an online verifier look up
/// that one id's revocation before calling [`verify`].
pub fn credential_id(text: &str) -> Option<String> {
    decode(text, &Limits::default()).ok().and_then(|decoded| decoded.signed.id)
}

/// Verifies a QR text at `now_unix` against `trust`.
pub fn verify(text: &str, trust: &impl Trust, now_unix: i64) -> Verdict {
    let decoded = match decode(text, &Limits::default()) {
        Ok(decoded) => decoded,
        Err(e) => return malformed(&e),
    };
    let Some(key) = decoded.kid.as_deref().and_then(|kid| trust.key(kid)) else {
        return Verdict::UnknownKey { kid: decoded.kid };
    };
    if !(decoded.check)(&key) {
        return Verdict::BadSignature { kid: key.kid().to_owned() };
    }
    if let Some(id) = decoded.signed.id.as_deref().filter(|id| trust.is_revoked(id)) {
        return Verdict::Revoked { id: id.to_owned() };
    }
    let meta = claim169::CwtMeta {
        expires_at: decoded.signed.expires_at,
        not_before: decoded.not_before,
        ..claim169::CwtMeta::default()
    };
    match claim169::check_time(&meta, now_unix) {
        Ok(()) => Verdict::Valid(Box::new(decoded.signed)),
        Err(TimeError::Expired { expired_at }) => Verdict::Expired { expired_at },
        Err(TimeError::NotYetValid { not_before }) => Verdict::NotYetValid { not_before },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claim169::CwtMeta;
    use crate::keys::{Algorithm, SigningKey};

    struct Keys(Vec<VerifyingKey>, Vec<String>);

    impl Trust for Keys {
        fn key(&self, kid: &str) -> Option<VerifyingKey> {
            self.0.iter().find(|k| k.kid() == kid).cloned()
        }
        fn is_revoked(&self, id_hex: &str) -> bool {
            self.1.iter().any(|r| r == id_hex)
        }
    }

    #[test]
    fn every_verdict() {
        let key = SigningKey::generate(Algorithm::EdDSA);
        let identity = Identity { id: Some("001203004567".into()), ..Identity::default() };
        let meta =
            CwtMeta { expires_at: Some(2_000), not_before: Some(1_000), cti: Some(vec![0xab]), ..CwtMeta::default() };
        let text = claim169::encode(&identity, &meta, &key).unwrap();
        let trusted = Keys(vec![key.verifying_key()], vec![]);
        assert_eq!(verify(&text, &trusted, 1_500).code(), "valid");
        assert_eq!(verify(&format!("{text}\n"), &trusted, 1_500).code(), "valid");
        assert_eq!(verify(&text, &trusted, 2_000).code(), "expired");
        assert_eq!(verify(&text, &trusted, 999).code(), "not_yet_valid");
        assert_eq!(verify(&text, &Keys(vec![key.verifying_key()], vec!["ab".into()]), 1_500).code(), "revoked");
        assert_eq!(verify(&text, &Keys(vec![], vec![]), 1_500).code(), "unknown_key");
        let impostor = SigningKey::generate(Algorithm::EdDSA);
        let forged = claim169::encode(&identity, &meta, &impostor).unwrap();
        // The impostor's key id is unknown; claiming ours instead breaks the signature.
        assert_eq!(verify(&forged, &trusted, 1_500).code(), "unknown_key");
        let claims_ours = Keys(vec![key.verifying_key()], vec![]);
        struct Liar(VerifyingKey);
        impl Trust for Liar {
            fn key(&self, _: &str) -> Option<VerifyingKey> {
                Some(self.0.clone())
            }
            fn is_revoked(&self, _: &str) -> bool {
                false
            }
        }
        assert_eq!(verify(&forged, &Liar(key.verifying_key()), 1_500).code(), "bad_signature");
        let Verdict::Malformed { step, .. } = verify("hello!", &claims_ours, 1_500) else { panic!() };
        assert_eq!(step, "base45");
        let Verdict::Malformed { step, .. } = verify("AAAAAA", &claims_ours, 1_500) else { panic!() };
        assert_eq!(step, "zlib");
    }
}
