//! Issuing: identity and CWT claims → COSE_Sign1 → zlib → Base45.

use ciborium::Value;

use super::claims::cwt_value;
use super::cose::sig_structure;
use super::error::EncodeError;
use super::model::{CwtMeta, Identity};
use super::transport::{cbor_bytes, deflate};
use crate::keys::SigningKey;

/// COSE_Sign1's CBOR tag (RFC 9052 §2).
const TAG_SIGN1: u64 = 18;

/// Signs a credential and returns its QR text (Base45, no prefix).
///
/// The protected header names the algorithm (1) and the key id (4, the key's id as bytes), so a verifier holding
/// several issuer keys picks the right one, and neither can be swapped without breaking the signature.
pub fn encode(identity: &Identity, meta: &CwtMeta, key: &SigningKey) -> Result<String, EncodeError> {
    sign1_text(cbor_bytes(&cwt_value(meta, identity))?, key)
}

/// Signs CWT bytes with COSE_Sign1 and returns the QR text: the pipeline every signed output shares.
pub(crate) fn sign1_text(payload: Vec<u8>, key: &SigningKey) -> Result<String, EncodeError> {
    let protected = cbor_bytes(&Value::Map(vec![
        (Value::Integer(1.into()), Value::Integer(key.algorithm().cose_alg().into())),
        (Value::Integer(4.into()), Value::Bytes(key.kid().as_bytes().to_vec())),
    ]))?;
    let signature = key.sign(&sig_structure(&protected, &payload));
    let sign1 = Value::Tag(
        TAG_SIGN1,
        Box::new(Value::Array(vec![
            Value::Bytes(protected),
            Value::Map(Vec::new()),
            Value::Bytes(payload),
            Value::Bytes(signature),
        ])),
    );
    Ok(base45::encode(deflate(&cbor_bytes(&sign1)?)?))
}
