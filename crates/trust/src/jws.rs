//! JSON documents signed as a JWS in the flattened JSON serialization (RFC 7515 §7.2.2): `{protected, payload,
//! signature}`. The revocation list and the verifier bundle are published this way, so any JOSE library can check
//! them, and so can `congso verify` offline.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::keys::{Algorithm, SigningKey, VerifyingKey};

/// A signed JSON document as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jws {
    /// Base64url of the protected header `{"alg", "kid", "typ"}`.
    pub protected: String,
    /// Base64url of the JSON payload.
    pub payload: String,
    /// Base64url of the raw signature over `protected || '.' || payload`.
    pub signature: String,
}

/// The protected header.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    alg: String,
    kid: String,
    typ: String,
}

/// Why a signed JSON document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    /// It is not a JWS of the kind expected: bad Base64, bad JSON, another `typ`.
    #[error("malformed signed document: {0}")]
    Malformed(String),
    /// No key we trust has the header's key id.
    #[error("signed with an unknown key {0}")]
    UnknownKey(String),
    /// The signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
}

fn malformed(e: impl std::fmt::Display) -> JwsError {
    JwsError::Malformed(e.to_string())
}

impl Jws {
    /// Signs `payload` as JSON with `key`; `typ` names the kind of document so one cannot pass for another.
    pub fn sign(payload: &impl Serialize, typ: &str, key: &SigningKey) -> Result<Jws, JwsError> {
        let header =
            Header { alg: key.algorithm().as_str().to_owned(), kid: key.kid().to_owned(), typ: typ.to_owned() };
        let protected = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).map_err(malformed)?);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload).map_err(malformed)?);
        let signature = URL_SAFE_NO_PAD.encode(key.sign(format!("{protected}.{payload}").as_bytes()));
        Ok(Jws { protected, payload, signature })
    }

    /// The key id of the protected header, and the payload, without checking anything.
    fn parts(&self, typ: &str) -> Result<(Header, Vec<u8>), JwsError> {
        let header: Header =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&self.protected).map_err(malformed)?).map_err(malformed)?;
        if header.typ != typ {
            return Err(JwsError::Malformed(format!("a {} is not a {typ}", header.typ)));
        }
        Ok((header, URL_SAFE_NO_PAD.decode(&self.payload).map_err(malformed)?))
    }

    /// The payload without checking the signature: only to find the keys a self-describing document carries.
    pub fn unverified_payload<T: DeserializeOwned>(&self, typ: &str) -> Result<(String, T), JwsError> {
        let (header, payload) = self.parts(typ)?;
        Ok((header.kid, serde_json::from_slice(&payload).map_err(malformed)?))
    }

    /// Checks the signature with the key `keys` gives for the header's key id, and returns the payload.
    pub fn verify<T: DeserializeOwned>(
        &self,
        typ: &str,
        keys: impl Fn(&str) -> Option<VerifyingKey>,
    ) -> Result<T, JwsError> {
        let (header, payload) = self.parts(typ)?;
        let key = keys(&header.kid).ok_or_else(|| JwsError::UnknownKey(header.kid.clone()))?;
        // The header's algorithm must be the key's own, or an attacker could choose how the key is used.
        if header.alg.parse::<Algorithm>().ok() != Some(key.algorithm()) {
            return Err(JwsError::BadSignature);
        }
        let signature = URL_SAFE_NO_PAD.decode(&self.signature).map_err(|_| JwsError::BadSignature)?;
        key.verify(format!("{}.{}", self.protected, self.payload).as_bytes(), &signature)
            .map_err(|_| JwsError::BadSignature)?;
        serde_json::from_slice(&payload).map_err(malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_json_verifies_and_refuses_changes_other_keys_and_other_types() {
        let key = SigningKey::generate(Algorithm::EdDSA);
        let public = key.verifying_key();
        let jws = Jws::sign(&serde_json::json!({"n": 1}), "test", &key).unwrap();
        let lookup = |kid: &str| (kid == public.kid()).then(|| public.clone());
        let value: serde_json::Value = jws.verify("test", lookup).unwrap();
        assert_eq!(value["n"], 1);

        assert!(matches!(jws.verify::<serde_json::Value>("other", lookup), Err(JwsError::Malformed(_))));
        assert!(matches!(jws.verify::<serde_json::Value>("test", |_| None), Err(JwsError::UnknownKey(_))));
        let mut changed = jws.clone();
        changed.payload = URL_SAFE_NO_PAD.encode(br#"{"n":2}"#);
        assert_eq!(changed.verify::<serde_json::Value>("test", lookup), Err(JwsError::BadSignature));
        let es = SigningKey::generate(Algorithm::ES256);
        let by_es = Jws::sign(&1, "test", &es).unwrap();
        let es_public = es.verifying_key();
        assert_eq!(by_es.verify::<i32>("test", |_| Some(es_public.clone())), Ok(1));
        assert_eq!(by_es.verify::<i32>("test", |_| Some(public.clone())), Err(JwsError::BadSignature));
    }
}
