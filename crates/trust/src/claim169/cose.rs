//! The COSE envelope (RFC 9052): COSE_Sign1 around the CWT, optionally inside a COSE_Encrypt0.
//!
//! Parsed by hand from the CBOR value rather than through a COSE library so the exact bytes of the protected
//! header are kept: the signature covers those bytes, not a re-encoding of them.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use ciborium::Value;

use super::error::DecodeError;

/// CBOR tags of the COSE messages (RFC 9052 §2) and of a CWT (RFC 8392 §6).
const TAG_SIGN1: u64 = 18;
const TAG_ENCRYPT0: u64 = 16;
const TAG_CWT: u64 = 61;

/// COSE header labels (RFC 9052 §3.1).
const HEADER_ALG: i64 = 1;
const HEADER_KID: i64 = 4;
const HEADER_IV: i64 = 5;

/// COSE algorithm ids of AES-GCM (RFC 9053 §4.1).
const ALG_A128GCM: i64 = 1;
const ALG_A256GCM: i64 = 3;

/// A symmetric key for credentials sent inside COSE_Encrypt0.
#[derive(Clone, PartialEq, Eq)]
pub enum DecryptionKey {
    /// AES-128-GCM (COSE `A128GCM`, 1).
    A128Gcm([u8; 16]),
    /// AES-256-GCM (COSE `A256GCM`, 3).
    A256Gcm([u8; 32]),
}

impl DecryptionKey {
    /// The key from its raw bytes: 16 for AES-128-GCM, 32 for AES-256-GCM.
    pub fn from_bytes(bytes: &[u8]) -> Option<DecryptionKey> {
        if let Ok(key) = <[u8; 16]>::try_from(bytes) {
            Some(DecryptionKey::A128Gcm(key))
        } else {
            <[u8; 32]>::try_from(bytes).ok().map(DecryptionKey::A256Gcm)
        }
    }
}

impl std::fmt::Debug for DecryptionKey {
    /// Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecryptionKey::A128Gcm(_) => f.write_str("DecryptionKey(A128GCM)"),
            DecryptionKey::A256Gcm(_) => f.write_str("DecryptionKey(A256GCM)"),
        }
    }
}

/// A COSE_Sign1 as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sign1 {
    /// The protected header exactly as serialised, which the signature covers.
    pub protected: Vec<u8>,
    /// The algorithm from the protected header (RFC 9052 §3.1 says it belongs there).
    pub alg: Option<i64>,
    /// The key id, protected or not.
    pub kid: Option<Vec<u8>>,
    /// The CWT bytes.
    pub payload: Vec<u8>,
    /// The raw signature; empty when the issuer did not sign.
    pub signature: Vec<u8>,
}

/// A COSE_Encrypt0 as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encrypt0 {
    protected: Vec<u8>,
    alg: Option<i64>,
    iv: Option<Vec<u8>>,
    ciphertext: Vec<u8>,
}

/// What the outer CBOR item turned out to be.
#[derive(Debug)]
pub enum Envelope {
    /// A signed CWT.
    Sign1(Sign1),
    /// An encrypted COSE_Sign1 or CWT.
    Encrypt0(Encrypt0),
}

fn cose(message: &str) -> DecodeError {
    DecodeError::Cose(message.to_owned())
}

/// Reads the outermost COSE message: tag 18 or 16, an untagged COSE_Sign1, any of them inside a CWT tag.
pub fn parse_envelope(value: Value) -> Result<Envelope, DecodeError> {
    let value = match value {
        Value::Tag(TAG_CWT, inner) => *inner,
        other => other,
    };
    match value {
        Value::Tag(TAG_SIGN1, inner) => parse_sign1(*inner).map(Envelope::Sign1),
        Value::Tag(TAG_ENCRYPT0, inner) => parse_encrypt0(*inner).map(Envelope::Encrypt0),
        Value::Tag(tag, _) => Err(DecodeError::Cose(format!("CBOR tag {tag} is not COSE_Sign1 or COSE_Encrypt0"))),
        untagged @ Value::Array(_) => parse_sign1(untagged).map(Envelope::Sign1),
        _ => Err(cose("not a COSE message")),
    }
}

/// True when a value looks like a COSE_Sign1, tagged or not: the plaintext of an Encrypt0 may be one or a bare CWT.
pub fn is_sign1(value: &Value) -> bool {
    match value {
        Value::Tag(TAG_SIGN1, _) => true,
        Value::Tag(TAG_CWT, inner) => is_sign1(inner),
        Value::Array(items) => items.len() == 4,
        _ => false,
    }
}

/// The four (or three) fields of a COSE message array.
fn fields<const N: usize>(value: Value, what: &str) -> Result<[Value; N], DecodeError> {
    let Value::Array(items) = value else {
        return Err(DecodeError::Cose(format!("{what} is not an array")));
    };
    <[Value; N]>::try_from(items).map_err(|_| DecodeError::Cose(format!("{what} does not have {N} fields")))
}

fn bytes(value: Value, what: &str) -> Result<Vec<u8>, DecodeError> {
    match value {
        Value::Bytes(bytes) => Ok(bytes),
        _ => Err(DecodeError::Cose(format!("{what} is not a byte string"))),
    }
}

/// The header parameters this codec reads, from the protected and unprotected buckets.
struct Headers {
    alg: Option<i64>,
    kid: Option<Vec<u8>>,
    iv: Option<Vec<u8>>,
}

fn header_map(value: Value, what: &str) -> Result<Vec<(Value, Value)>, DecodeError> {
    match value {
        Value::Map(entries) => Ok(entries),
        _ => Err(DecodeError::Cose(format!("the {what} header is not a map"))),
    }
}

fn headers(protected: &[u8], unprotected: Value) -> Result<Headers, DecodeError> {
    // An empty protected bucket is sent as a zero-length byte string (RFC 9052 §3).
    let protected_map = if protected.is_empty() {
        Vec::new()
    } else {
        header_map(super::transport::cbor_item(protected)?, "protected")?
    };
    let mut found = Headers { alg: None, kid: None, iv: None };
    let mut labels = std::collections::HashSet::new();
    let buckets = [(true, protected_map), (false, header_map(unprotected, "unprotected")?)];
    for (is_protected, entries) in buckets {
        for (label, value) in entries {
            let Value::Integer(label) = label else { continue };
            let Ok(label) = i64::try_from(i128::from(label)) else { continue };
            // A label in both buckets is forbidden (RFC 9052 §3) and would let the unprotected copy mislead.
            if !labels.insert(label) {
                return Err(DecodeError::Cose(format!("header {label} is given twice")));
            }
            match (label, value) {
                (HEADER_ALG, Value::Integer(alg)) if is_protected => found.alg = i64::try_from(i128::from(alg)).ok(),
                (HEADER_ALG, _) if !is_protected => return Err(cose("the algorithm is not protected")),
                (HEADER_KID, Value::Bytes(kid)) => found.kid = Some(kid),
                (HEADER_KID, _) => return Err(cose("the key id is not a byte string")),
                (HEADER_IV, Value::Bytes(iv)) => found.iv = Some(iv),
                (HEADER_IV, _) => return Err(cose("the IV is not a byte string")),
                _ => {}
            }
        }
    }
    Ok(found)
}

/// Reads the array `[protected, unprotected, payload, signature]` (RFC 9052 §4.2).
pub fn parse_sign1(value: Value) -> Result<Sign1, DecodeError> {
    let [protected, unprotected, payload, signature] = fields::<4>(value, "COSE_Sign1")?;
    let protected = bytes(protected, "the protected header")?;
    let found = headers(&protected, unprotected)?;
    let payload = match payload {
        Value::Bytes(payload) => payload,
        Value::Null => return Err(cose("a detached payload cannot be verified offline")),
        _ => return Err(cose("the payload is not a byte string")),
    };
    let signature = bytes(signature, "the signature")?;
    Ok(Sign1 { protected, alg: found.alg, kid: found.kid, payload, signature })
}

fn parse_encrypt0(value: Value) -> Result<Encrypt0, DecodeError> {
    let [protected, unprotected, ciphertext] = fields::<3>(value, "COSE_Encrypt0")?;
    let protected = bytes(protected, "the protected header")?;
    let found = headers(&protected, unprotected)?;
    let ciphertext = match ciphertext {
        Value::Bytes(ciphertext) => ciphertext,
        _ => return Err(cose("the ciphertext is missing")),
    };
    Ok(Encrypt0 { protected, alg: found.alg, iv: found.iv, ciphertext })
}

/// Decrypts with AES-GCM; the key must be of the algorithm the protected header names.
pub fn decrypt(message: &Encrypt0, key: &DecryptionKey) -> Result<Vec<u8>, DecodeError> {
    let iv = message.iv.as_deref().ok_or_else(|| cose("COSE_Encrypt0 without an IV"))?;
    if iv.len() != 12 {
        return Err(cose("the AES-GCM IV is not 12 bytes"));
    }
    let aad = enc_structure(&message.protected);
    let payload = Payload { msg: &message.ciphertext, aad: &aad };
    let nonce = aes_gcm::Nonce::from_slice(iv);
    let plaintext = match (message.alg, key) {
        (Some(ALG_A128GCM), DecryptionKey::A128Gcm(key)) => Aes128Gcm::new(key.into()).decrypt(nonce, payload),
        (Some(ALG_A256GCM), DecryptionKey::A256Gcm(key)) => Aes256Gcm::new(key.into()).decrypt(nonce, payload),
        (Some(ALG_A128GCM | ALG_A256GCM), _) => return Err(cose("the key is not for the message's algorithm")),
        (alg, _) => return Err(DecodeError::Cose(format!("unsupported encryption algorithm {alg:?}"))),
    };
    plaintext.map_err(|_| cose("decryption failed: wrong key or altered message"))
}

/// Writes a CBOR head (RFC 8949 §3): major type and argument in the shortest form.
fn head(out: &mut Vec<u8>, major: u8, argument: u64) {
    let major = major << 5;
    match argument {
        0..=23 => out.push(major | argument as u8),
        24..=0xff => out.extend([major | 24, argument as u8]),
        0x100..=0xffff => {
            out.push(major | 25);
            out.extend((argument as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(major | 26);
            out.extend((argument as u32).to_be_bytes());
        }
        _ => {
            out.push(major | 27);
            out.extend(argument.to_be_bytes());
        }
    }
}

fn put_bytes(out: &mut Vec<u8>, major: u8, bytes: &[u8]) {
    head(out, major, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

const MAJOR_BYTES: u8 = 2;
const MAJOR_TEXT: u8 = 3;
const MAJOR_ARRAY: u8 = 4;

/// `Sig_structure = ["Signature1", protected, external_aad = h'', payload]` (RFC 9052 §4.4): what is signed.
pub fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + protected.len() + 24);
    head(&mut out, MAJOR_ARRAY, 4);
    put_bytes(&mut out, MAJOR_TEXT, b"Signature1");
    put_bytes(&mut out, MAJOR_BYTES, protected);
    put_bytes(&mut out, MAJOR_BYTES, b"");
    put_bytes(&mut out, MAJOR_BYTES, payload);
    out
}

/// `Enc_structure = ["Encrypt0", protected, external_aad = h'']` (RFC 9052 §5.3): the AEAD's associated data.
fn enc_structure(protected: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(protected.len() + 16);
    head(&mut out, MAJOR_ARRAY, 3);
    put_bytes(&mut out, MAJOR_TEXT, b"Encrypt0");
    put_bytes(&mut out, MAJOR_BYTES, protected);
    put_bytes(&mut out, MAJOR_BYTES, b"");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sig_structure_matches_ciborium() {
        let payload = vec![7u8; 300];
        let expected = Value::Array(vec![
            Value::Text("Signature1".into()),
            Value::Bytes(vec![0xa1, 0x01, 0x27]),
            Value::Bytes(vec![]),
            Value::Bytes(payload.clone()),
        ]);
        let mut bytes = Vec::new();
        ciborium::into_writer(&expected, &mut bytes).unwrap();
        assert_eq!(sig_structure(&[0xa1, 0x01, 0x27], &payload), bytes);
    }

    #[test]
    fn unprotected_algorithms_and_repeated_headers_are_refused() {
        let int = |i: i64| Value::Integer(i.into());
        let sign1 = |protected: Vec<u8>, unprotected: Vec<(Value, Value)>| {
            Value::Array(vec![
                Value::Bytes(protected),
                Value::Map(unprotected),
                Value::Bytes(vec![0xa0]),
                Value::Bytes(vec![]),
            ])
        };
        assert!(parse_sign1(sign1(vec![], vec![(int(1), int(-8))])).is_err());
        assert!(parse_sign1(sign1(vec![0xa1, 0x04, 0x41, 0x01], vec![(int(4), Value::Bytes(vec![2]))])).is_err());
        let ok = parse_sign1(sign1(vec![0xa1, 0x01, 0x27], vec![(int(4), Value::Bytes(b"k1".to_vec()))])).unwrap();
        assert_eq!((ok.alg, ok.kid.as_deref()), (Some(-8), Some(&b"k1"[..])));
    }
}
