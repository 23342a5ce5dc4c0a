//! Signing and verifying keys: Ed25519 and ES256 (ECDSA over P-256 with SHA-256).
//!
//! Signatures are the raw 64-byte form both COSE (RFC 9053) and JOSE (RFC 7518) use: Ed25519's own encoding, or
//! ECDSA's `r || s` with each half fixed at 32 bytes.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use ed25519_dalek::Verifier as _;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// A signature algorithm the keyring holds keys for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// Ed25519 (COSE `-8`, JOSE `EdDSA`): small, fast, deterministic. The default.
    EdDSA,
    /// ECDSA P-256 with SHA-256 (COSE `-7`, JOSE `ES256`): for verifiers that only know NIST curves (EU DCC).
    ES256,
}

impl Algorithm {
    /// Every algorithm, in the order keys are created.
    pub const ALL: [Algorithm; 2] = [Algorithm::EdDSA, Algorithm::ES256];

    /// The COSE algorithm identifier (RFC 9053).
    pub fn cose_alg(self) -> i64 {
        match self {
            Algorithm::EdDSA => -8,
            Algorithm::ES256 => -7,
        }
    }

    /// The algorithm with this COSE identifier, if we support it.
    pub fn from_cose(id: i64) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.cose_alg() == id)
    }

    /// The JOSE name (RFC 7518, RFC 8037), also the name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::EdDSA => "EdDSA",
            Algorithm::ES256 => "ES256",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL.into_iter().find(|a| a.as_str() == s).ok_or_else(|| KeyError::UnknownAlgorithm(s.to_owned()))
    }
}

/// Why a key or a signature was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// The algorithm name is not one we support.
    #[error("unknown signature algorithm {0:?}")]
    UnknownAlgorithm(String),
    /// The key bytes do not make a key of the algorithm.
    #[error("invalid {0} key")]
    InvalidKey(Algorithm),
    /// The signature does not verify (or is not even shaped like one).
    #[error("the signature does not verify")]
    BadSignature,
}

/// A private key with its key id.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    inner: Secret,
}

#[derive(Clone)]
enum Secret {
    Ed25519(ed25519_dalek::SigningKey),
    Es256(p256::ecdsa::SigningKey),
}

impl SigningKey {
    /// A fresh random key from the operating system's generator.
    pub fn generate(algorithm: Algorithm) -> SigningKey {
        let inner = match algorithm {
            Algorithm::EdDSA => Secret::Ed25519(ed25519_dalek::SigningKey::generate(&mut OsRng)),
            Algorithm::ES256 => Secret::Es256(p256::ecdsa::SigningKey::random(&mut OsRng)),
        };
        SigningKey::with_derived_kid(inner)
    }

    /// The key from its secret scalar or seed (32 bytes for both algorithms).
    pub fn from_secret_bytes(algorithm: Algorithm, bytes: &[u8]) -> Result<SigningKey, KeyError> {
        let invalid = || KeyError::InvalidKey(algorithm);
        let inner = match algorithm {
            Algorithm::EdDSA => {
                let seed: [u8; 32] = bytes.try_into().map_err(|_| invalid())?;
                Secret::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))
            }
            Algorithm::ES256 => Secret::Es256(p256::ecdsa::SigningKey::from_slice(bytes).map_err(|_| invalid())?),
        };
        Ok(SigningKey::with_derived_kid(inner))
    }

    fn with_derived_kid(inner: Secret) -> SigningKey {
        let mut key = SigningKey { kid: String::new(), inner };
        key.kid = key.verifying_key().kid;
        key
    }

    /// The secret bytes, for encrypting into the keyring. Handle with care.
    pub fn secret_bytes(&self) -> Vec<u8> {
        match &self.inner {
            Secret::Ed25519(k) => k.to_bytes().to_vec(),
            Secret::Es256(k) => k.to_bytes().to_vec(),
        }
    }

    /// The key id: see [`VerifyingKey::kid`].
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self.inner {
            Secret::Ed25519(_) => Algorithm::EdDSA,
            Secret::Es256(_) => Algorithm::ES256,
        }
    }

    /// A raw 64-byte signature over `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.inner {
            Secret::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
            Secret::Es256(k) => {
                let signature: p256::ecdsa::Signature = k.sign(message);
                signature.to_bytes().to_vec()
            }
        }
    }

    /// The public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        let inner = match &self.inner {
            Secret::Ed25519(k) => Public::Ed25519(k.verifying_key()),
            Secret::Es256(k) => Public::Es256(*k.verifying_key()),
        };
        VerifyingKey::with_derived_kid(inner)
    }
}

impl fmt::Debug for SigningKey {
    /// Never prints the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({} {})", self.algorithm(), self.kid)
    }
}

/// A public key with its key id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    kid: String,
    inner: Public,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Public {
    Ed25519(ed25519_dalek::VerifyingKey),
    Es256(p256::ecdsa::VerifyingKey),
}

impl VerifyingKey {
    /// The key from its public bytes: 32 bytes for Ed25519, SEC1 (compressed or not) for P-256.
    pub fn from_bytes(algorithm: Algorithm, bytes: &[u8]) -> Result<VerifyingKey, KeyError> {
        let invalid = || KeyError::InvalidKey(algorithm);
        let inner = match algorithm {
            Algorithm::EdDSA => {
                let raw: [u8; 32] = bytes.try_into().map_err(|_| invalid())?;
                Public::Ed25519(ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|_| invalid())?)
            }
            Algorithm::ES256 => {
                Public::Es256(p256::ecdsa::VerifyingKey::from_sec1_bytes(bytes).map_err(|_| invalid())?)
            }
        };
        Ok(VerifyingKey::with_derived_kid(inner))
    }

    fn with_derived_kid(inner: Public) -> VerifyingKey {
        let mut key = VerifyingKey { kid: String::new(), inner };
        // The RFC 7638-style idea without its JSON canonicalisation: a hash of what identifies the key, so the same
        // key always gets the same id and two keys never share one. 12 bytes keep QR codes small.
        let mut digest = Sha256::new();
        digest.update(key.algorithm().as_str());
        digest.update([0]);
        digest.update(key.to_bytes());
        key.kid = URL_SAFE_NO_PAD.encode(&digest.finalize()[..12]);
        key
    }

    /// The key id: 16 URL-safe characters derived from the algorithm and the public key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self.inner {
            Public::Ed25519(_) => Algorithm::EdDSA,
            Public::Es256(_) => Algorithm::ES256,
        }
    }

    /// The public bytes: 32 for Ed25519, uncompressed SEC1 (65) for P-256.
    pub fn to_bytes(&self) -> Vec<u8> {
        match &self.inner {
            Public::Ed25519(k) => k.to_bytes().to_vec(),
            Public::Es256(k) => k.to_encoded_point(false).as_bytes().to_vec(),
        }
    }

    /// Checks a raw 64-byte signature over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        match &self.inner {
            Public::Ed25519(k) => {
                let signature = ed25519_dalek::Signature::from_slice(signature).map_err(|_| KeyError::BadSignature)?;
                k.verify(message, &signature).map_err(|_| KeyError::BadSignature)
            }
            Public::Es256(k) => {
                let signature = p256::ecdsa::Signature::from_slice(signature).map_err(|_| KeyError::BadSignature)?;
                k.verify(message, &signature).map_err(|_| KeyError::BadSignature)
            }
        }
    }

    /// The key from a JSON Web Key as [`VerifyingKey::to_jwk`] writes it. A `kid` in the JWK must be the one the
    /// key derives, so a key cannot be published under another key's id.
    pub fn from_jwk(jwk: &serde_json::Value) -> Result<VerifyingKey, KeyError> {
        let field = |name: &str| jwk.get(name).and_then(serde_json::Value::as_str);
        let bytes = |name: &str, algorithm| {
            field(name).and_then(|v| URL_SAFE_NO_PAD.decode(v).ok()).ok_or(KeyError::InvalidKey(algorithm))
        };
        let key = match (field("kty"), field("crv")) {
            (Some("OKP"), Some("Ed25519")) => {
                VerifyingKey::from_bytes(Algorithm::EdDSA, &bytes("x", Algorithm::EdDSA)?)?
            }
            (Some("EC"), Some("P-256")) => {
                let (x, y) = (bytes("x", Algorithm::ES256)?, bytes("y", Algorithm::ES256)?);
                VerifyingKey::from_bytes(Algorithm::ES256, &[&[4u8][..], &x, &y].concat())?
            }
            (kty, crv) => return Err(KeyError::UnknownAlgorithm(format!("{kty:?}/{crv:?}"))),
        };
        match field("kid") {
            Some(kid) if kid != key.kid() => Err(KeyError::InvalidKey(key.algorithm())),
            _ => Ok(key),
        }
    }

    /// The key as a JSON Web Key (RFC 7517) with `kid`, `alg` and `use: sig`.
    pub fn to_jwk(&self) -> serde_json::Value {
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        match &self.inner {
            Public::Ed25519(k) => serde_json::json!({
                "kty": "OKP", "crv": "Ed25519", "x": b64(k.as_bytes()),
                "kid": self.kid, "alg": "EdDSA", "use": "sig",
            }),
            Public::Es256(k) => {
                let point = k.to_encoded_point(false);
                let (x, y) = (point.x().map(|x| b64(x)), point.y().map(|y| b64(y)));
                serde_json::json!({
                    "kty": "EC", "crv": "P-256", "x": x, "y": y,
                    "kid": self.kid, "alg": "ES256", "use": "sig",
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_signs_and_verifies_and_refuses_a_changed_message() {
        for algorithm in Algorithm::ALL {
            let key = SigningKey::generate(algorithm);
            let signature = key.sign(b"hello");
            assert_eq!(signature.len(), 64, "{algorithm}");
            let public = key.verifying_key();
            assert_eq!(public.kid(), key.kid());
            public.verify(b"hello", &signature).unwrap();
            assert_eq!(public.verify(b"hellp", &signature), Err(KeyError::BadSignature));
            assert_eq!(public.verify(b"hello", &signature[1..]), Err(KeyError::BadSignature));
        }
    }

    #[test]
    fn keys_survive_their_byte_forms_with_the_same_kid() {
        for algorithm in Algorithm::ALL {
            let key = SigningKey::generate(algorithm);
            let again = SigningKey::from_secret_bytes(algorithm, &key.secret_bytes()).unwrap();
            assert_eq!(again.kid(), key.kid());
            let public = VerifyingKey::from_bytes(algorithm, &key.verifying_key().to_bytes()).unwrap();
            assert_eq!(public, key.verifying_key());
            assert_eq!(public.kid().len(), 16);
        }
        let a = SigningKey::generate(Algorithm::EdDSA);
        let b = SigningKey::generate(Algorithm::EdDSA);
        assert_ne!(a.kid(), b.kid());
    }

    #[test]
    fn rfc8032_test_vector_1() {
        // RFC 8032 §7.1, TEST 1: the empty message.
        let secret = hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").unwrap();
        let key = SigningKey::from_secret_bytes(Algorithm::EdDSA, &secret).unwrap();
        assert_eq!(
            hex::encode(key.verifying_key().to_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        assert_eq!(
            hex::encode(key.sign(b"")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }

    #[test]
    fn bad_key_bytes_are_refused() {
        assert_eq!(VerifyingKey::from_bytes(Algorithm::ES256, &[4; 65]), Err(KeyError::InvalidKey(Algorithm::ES256)));
        assert!(SigningKey::from_secret_bytes(Algorithm::EdDSA, &[1; 31]).is_err());
        assert!("RS256".parse::<Algorithm>().is_err());
        assert_eq!("ES256".parse::<Algorithm>(), Ok(Algorithm::ES256));
    }

    #[test]
    fn jwks_have_the_fields_verifiers_need() {
        let jwk = SigningKey::generate(Algorithm::ES256).verifying_key().to_jwk();
        assert_eq!(jwk["kty"], "EC");
        assert_eq!(jwk["x"].as_str().unwrap().len(), 43);
        assert_eq!(jwk["y"].as_str().unwrap().len(), 43);
        let jwk = SigningKey::generate(Algorithm::EdDSA).verifying_key().to_jwk();
        assert_eq!(jwk["crv"], "Ed25519");
        for algorithm in Algorithm::ALL {
            let public = SigningKey::generate(algorithm).verifying_key();
            assert_eq!(VerifyingKey::from_jwk(&public.to_jwk()), Ok(public.clone()));
            let mut renamed = public.to_jwk();
            renamed["kid"] = "someone-else".into();
            assert!(VerifyingKey::from_jwk(&renamed).is_err());
        }
    }
}
