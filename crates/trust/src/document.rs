//! Signed documents: any official output (a confirmation, a dossier's result, a prescription) as a QR code that
//! anyone can check offline, through the same pipeline as the identity credential: a CWT in COSE_Sign1, zlib,
//! Base45 (see [`crate::claim169`], whose COSE and transport pieces this reuses).
//!
//! The CWT carries `iss` (the issuing agency), `iat`, `exp`, `cti` (the document's id, which a revocation list
//! names) and one private claim, [`CLAIM_DOCUMENT`]: a map `{1: type, 2: SHA-256 of the document, 3: payload}`.
//! The payload is any serde type, written as CBOR; the hash ties the QR to the document it is printed on (a PDF,
//! or the canonical bytes of what the page shows), so the QR cannot be moved to another paper.

use ciborium::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::claim169::cose::{self, Envelope, Sign1};
use crate::claim169::transport::{self, cbor_bytes};
use crate::claim169::{CwtMeta, DecodeError, EncodeError, Limits, VerifyError, sign1_text};
use crate::keys::{SigningKey, VerifyingKey};

/// The CWT claim holding the document map: a private-use key (below -65536, RFC 8392 §9.1).
pub const CLAIM_DOCUMENT: i64 = -70_001;

/// A document to sign, or one read back from a QR code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document<T> {
    /// What kind of document, a stable dotted name such as `vn.congso.residence-confirmation`.
    pub doc_type: String,
    /// The issuing agency (the CWT's `iss`).
    pub agency: String,
    /// The document's id (`cti`): what revocation lists name. 16 random bytes for the documents congso issues.
    #[serde(serialize_with = "hex_bytes")]
    pub id: Vec<u8>,
    /// The SHA-256 of the document's bytes ([`digest`]).
    #[serde(serialize_with = "hex_bytes")]
    pub digest: [u8; 32],
    /// When it was issued, Unix seconds.
    pub issued_at: i64,
    /// When it stops being valid, Unix seconds.
    pub expires_at: Option<i64>,
    /// What it says.
    pub payload: T,
}

fn hex_bytes<S: serde::Serializer>(bytes: &impl AsRef<[u8]>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&hex::encode(bytes))
}

/// The SHA-256 of a document's bytes.
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

/// Signs a document with `key` and returns its QR text (Base45, no prefix).
pub fn sign<T: Serialize>(document: &Document<T>, key: &SigningKey) -> Result<String, EncodeError> {
    let payload = Value::serialized(&document.payload).map_err(|e| EncodeError::Serialize(e.to_string()))?;
    let body = Value::Map(vec![
        (int(1), Value::Text(document.doc_type.clone())),
        (int(2), Value::Bytes(document.digest.to_vec())),
        (int(3), payload),
    ]);
    // Keys in ascending order of their encoding (RFC 8949 §4.2.1): positive keys first, then negative ones.
    let mut claims = vec![(int(1), Value::Text(document.agency.clone()))];
    if let Some(exp) = document.expires_at {
        claims.push((int(4), int(exp)));
    }
    claims.push((int(6), int(document.issued_at)));
    claims.push((int(7), Value::Bytes(document.id.clone())));
    claims.push((int(CLAIM_DOCUMENT), body));
    sign1_text(cbor_bytes(&Value::Map(claims))?, key)
}

/// A document read from a QR code: its claims are only as good as [`SignedDocument::verify`] says.
#[derive(Debug, Clone)]
pub struct SignedDocument {
    /// The document, its payload still as CBOR.
    pub document: Document<Value>,
    sign1: Sign1,
}

impl SignedDocument {
    /// The key id from the COSE header, as text.
    pub fn kid_str(&self) -> Option<&str> {
        self.sign1.kid.as_deref().and_then(|kid| std::str::from_utf8(kid).ok())
    }

    /// Checks the signature with the issuer's key.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), VerifyError> {
        crate::claim169::verify_sign1(Some(&self.sign1), key)
    }

    /// The CWT times, for [`crate::claim169::check_time`].
    pub fn meta(&self) -> CwtMeta {
        CwtMeta {
            issuer: Some(self.document.agency.clone()),
            expires_at: self.document.expires_at,
            issued_at: Some(self.document.issued_at),
            cti: Some(self.document.id.clone()),
            ..CwtMeta::default()
        }
    }

    /// The payload as the type it was signed as.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        self.document.payload.deserialized().map_err(|e| DecodeError::Claims(format!("the payload: {e}")))
    }

    /// Whether `bytes` are the document this QR code was made for.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        digest(bytes) == self.document.digest
    }
}

fn malformed(message: &str) -> DecodeError {
    DecodeError::Claims(message.to_owned())
}

/// Reads a signed document's QR text. The signature is not checked here.
pub fn decode(qr_text: &str, limits: &Limits) -> Result<SignedDocument, DecodeError> {
    let compressed = transport::base45_decode(qr_text, limits)?;
    let cose_bytes = transport::inflate(&compressed, limits)?;
    let sign1 = match cose::parse_envelope(transport::cbor_item(&cose_bytes)?)? {
        Envelope::Sign1(sign1) => sign1,
        Envelope::Encrypt0(_) => return Err(DecodeError::Cose("signed documents are not encrypted".into())),
    };
    let Value::Map(claims) = transport::cbor_item(&sign1.payload)? else {
        return Err(malformed("the CWT is not a map"));
    };
    let (mut agency, mut issued_at, mut expires_at, mut id, mut body) = (None, None, None, None, None);
    for (key, value) in claims {
        let Some(key) = integer(&key) else { continue };
        match (key, value) {
            (1, Value::Text(text)) => agency = Some(text),
            (4, value) => expires_at = Some(integer(&value).ok_or_else(|| malformed("exp is not an integer"))?),
            (6, value) => issued_at = Some(integer(&value).ok_or_else(|| malformed("iat is not an integer"))?),
            (7, Value::Bytes(bytes)) => id = Some(bytes),
            (CLAIM_DOCUMENT, Value::Map(map)) => body = Some(map),
            (1 | 7 | CLAIM_DOCUMENT, _) => return Err(malformed("a document claim has the wrong type")),
            _ => {}
        }
    }
    let body = body.ok_or_else(|| malformed("the CWT has no document claim"))?;
    let (mut doc_type, mut doc_digest, mut payload) = (None, None, None);
    for (key, value) in body {
        match (integer(&key), value) {
            (Some(1), Value::Text(text)) => doc_type = Some(text),
            (Some(2), Value::Bytes(bytes)) => doc_digest = <[u8; 32]>::try_from(bytes).ok(),
            (Some(3), value) => payload = Some(value),
            _ => {}
        }
    }
    let document = Document {
        doc_type: doc_type.ok_or_else(|| malformed("the document has no type"))?,
        agency: agency.ok_or_else(|| malformed("the document has no issuing agency"))?,
        id: id.ok_or_else(|| malformed("the document has no id"))?,
        digest: doc_digest.ok_or_else(|| malformed("the document has no 32-byte hash"))?,
        issued_at: issued_at.ok_or_else(|| malformed("the document has no issue time"))?,
        expires_at,
        payload: payload.unwrap_or(Value::Null),
    };
    Ok(SignedDocument { document, sign1 })
}

fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Integer(i) => i64::try_from(i128::from(*i)).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Algorithm;

    #[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
    struct Residence {
        name: String,
        address: String,
        since: String,
    }

    fn document() -> Document<Residence> {
        let payload = Residence {
            name: "Nguyễn Thị Lan".into(),
            address: "Phường Hoàn Kiếm, Hà Nội".into(),
            since: "2019-03-01".into(),
        };
        Document {
            doc_type: "vn.congso.residence-confirmation".into(),
            agency: "UBND phường Hoàn Kiếm".into(),
            id: vec![7; 16],
            digest: digest(b"the printed page"),
            issued_at: 1_750_000_000,
            expires_at: Some(1_760_000_000),
            payload,
        }
    }

    #[test]
    fn documents_round_trip_and_verify_with_both_algorithms() {
        for algorithm in Algorithm::ALL {
            let key = SigningKey::generate(algorithm);
            let text = sign(&document(), &key).unwrap();
            assert!(text.bytes().all(|b| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&b)));
            let read = decode(&text, &Limits::default()).unwrap();
            read.verify(&key.verifying_key()).unwrap();
            assert_eq!(read.kid_str(), Some(key.kid()));
            assert_eq!(read.payload::<Residence>().unwrap(), document().payload);
            assert_eq!(read.document.agency, "UBND phường Hoàn Kiếm");
            assert_eq!(read.document.expires_at, Some(1_760_000_000));
            assert!(read.matches(b"the printed page"));
            assert!(!read.matches(b"another page"));
            let other = SigningKey::generate(algorithm).verifying_key();
            assert_eq!(read.verify(&other), Err(VerifyError::BadSignature));
        }
    }

    #[test]
    fn a_changed_payload_does_not_verify_and_identity_codes_are_not_documents() {
        let key = SigningKey::generate(Algorithm::EdDSA);
        let mut changed = document();
        let signed = sign(&changed, &key).unwrap();
        changed.payload.address = "somewhere else".into();
        let read = decode(&signed, &Limits::default()).unwrap();
        // Re-signing the altered document with another key cannot pass for the first key.
        let forged = decode(&sign(&changed, &SigningKey::generate(Algorithm::EdDSA)).unwrap(), &Limits::default());
        assert!(forged.unwrap().verify(&key.verifying_key()).is_err());
        assert!(read.verify(&key.verifying_key()).is_ok());

        let identity = crate::claim169::Identity { id: Some("001".into()), ..Default::default() };
        let qr = crate::claim169::encode(&identity, &CwtMeta::default(), &key).unwrap();
        assert_eq!(decode(&qr, &Limits::default()).unwrap_err().step(), crate::claim169::Step::Claims);
        assert_eq!(decode("not base45!", &Limits::default()).unwrap_err().step(), crate::claim169::Step::Base45);
    }
}
