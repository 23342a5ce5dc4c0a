//! Revocation lists and verifier bundles: what a verifier downloads once and then uses offline.
//!
//! A [`RevocationList`] names the ids (`cti`, in hex) of every revoked credential and document, with a version
//! that only grows, signed as a JWS of type [`REVOCATION_TYPE`]. A [`Bundle`] holds the active public keys and the
//! current revocation list, the whole signed as a JWS of type [`BUNDLE_TYPE`] by one of the keys it carries, so a
//! download that was cut short or altered on the way is refused. Trusting the keys themselves is the verifier's
//! decision: compare a key id with the one published at `/.well-known/jwks.json` over HTTPS, or pin it.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::jws::{Jws, JwsError};
use crate::keys::{SigningKey, VerifyingKey};

/// The `typ` of a signed revocation list.
pub const REVOCATION_TYPE: &str = "congso-revocation-list+json";
/// The `typ` of a signed verifier bundle.
pub const BUNDLE_TYPE: &str = "congso-verifier-bundle+json";

/// The revoked credentials, as of a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationList {
    /// Who issued the credentials it names.
    pub issuer: String,
    /// Grows by one with every revocation: a verifier keeps the highest it has seen.
    pub version: u64,
    /// When this list was signed, Unix seconds.
    pub issued_at: i64,
    /// The revoked ids, lower-case hex, sorted.
    pub revoked: Vec<String>,
}

impl RevocationList {
    /// Signs the list with `key`.
    pub fn sign(&self, key: &SigningKey) -> Result<Jws, JwsError> {
        Jws::sign(self, REVOCATION_TYPE, key)
    }

    /// Checks a signed list with the issuer's keys.
    pub fn verify(signed: &Jws, keys: impl Fn(&str) -> Option<VerifyingKey>) -> Result<RevocationList, JwsError> {
        signed.verify(REVOCATION_TYPE, keys)
    }
}

/// What a bundle says: the issuer's active keys (JWKs) and its revocation list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleContent {
    /// Who issued it.
    pub issuer: String,
    /// When it was made, Unix seconds.
    pub issued_at: i64,
    /// The active public keys as JWKs (RFC 7517).
    pub keys: Vec<serde_json::Value>,
    /// The current revocation list.
    pub revocations: RevocationList,
}

/// A checked bundle, ready to verify credentials offline.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// What it says.
    pub content: BundleContent,
    /// The key that signed it.
    pub signed_by: String,
    keys: Vec<VerifyingKey>,
    revoked: HashSet<String>,
}

/// Why a bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// It is not a bundle: not JSON, not a JWS, another kind of document.
    #[error("not a verifier bundle: {0}")]
    Malformed(String),
    /// Its signature does not verify with the keys it carries.
    #[error("the bundle's signature: {0}")]
    Signature(#[from] JwsError),
}

impl Bundle {
    /// Makes and signs a bundle of `keys` and `revocations` with `key` (which should be among `keys`).
    pub fn sign(content: &BundleContent, key: &SigningKey) -> Result<Jws, JwsError> {
        Jws::sign(content, BUNDLE_TYPE, key)
    }

    /// Reads a downloaded bundle file and checks its signature with the key it names from among its own keys.
    /// With `pinned`, that key must also be one of the given key ids.
    pub fn open(json: &[u8], pinned: &[String]) -> Result<Bundle, BundleError> {
        let signed: Jws = serde_json::from_slice(json).map_err(|e| BundleError::Malformed(e.to_string()))?;
        let (_, unchecked) = signed.unverified_payload::<BundleContent>(BUNDLE_TYPE)?;
        let keys: Vec<VerifyingKey> = unchecked
            .keys
            .iter()
            .map(VerifyingKey::from_jwk)
            .collect::<Result<_, _>>()
            .map_err(|e| BundleError::Malformed(format!("a key: {e}")))?;
        let trusted = |kid: &str| {
            let pinned_ok = pinned.is_empty() || pinned.iter().any(|p| p == kid);
            keys.iter().find(|k| k.kid() == kid && pinned_ok).cloned()
        };
        let content: BundleContent = signed.verify(BUNDLE_TYPE, trusted)?;
        let (signed_by, _) = signed.unverified_payload::<serde_json::Value>(BUNDLE_TYPE)?;
        let revoked = content.revocations.revoked.iter().cloned().collect();
        Ok(Bundle { content, signed_by, keys, revoked })
    }
}

impl crate::verify::Trust for Bundle {
    fn key(&self, kid: &str) -> Option<VerifyingKey> {
        self.keys.iter().find(|k| k.kid() == kid).cloned()
    }

    fn is_revoked(&self, id_hex: &str) -> bool {
        self.revoked.contains(id_hex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Algorithm;

    fn list() -> RevocationList {
        RevocationList { issuer: "congso".into(), version: 2, issued_at: 1_750_000_000, revoked: vec!["0a".into()] }
    }

    #[test]
    fn revocation_lists_verify_with_the_issuers_key_only() {
        let key = SigningKey::generate(Algorithm::EdDSA);
        let public = key.verifying_key();
        let signed = list().sign(&key).unwrap();
        assert_eq!(RevocationList::verify(&signed, |_| Some(public.clone())), Ok(list()));
        let stranger = SigningKey::generate(Algorithm::EdDSA).verifying_key();
        assert_eq!(RevocationList::verify(&signed, |_| Some(stranger.clone())), Err(JwsError::BadSignature));
        // A list cannot pass for a bundle, nor the other way round.
        assert!(signed.verify::<BundleContent>(BUNDLE_TYPE, |_| Some(public.clone())).is_err());
    }

    #[test]
    fn bundles_open_offline_and_refuse_alteration() {
        let ed = SigningKey::generate(Algorithm::EdDSA);
        let es = SigningKey::generate(Algorithm::ES256);
        let content = BundleContent {
            issuer: "congso".into(),
            issued_at: 1_750_000_000,
            keys: vec![ed.verifying_key().to_jwk(), es.verifying_key().to_jwk()],
            revocations: list(),
        };
        let file = serde_json::to_vec(&Bundle::sign(&content, &ed).unwrap()).unwrap();
        let bundle = Bundle::open(&file, &[]).unwrap();
        assert_eq!(bundle.signed_by, ed.kid());
        use crate::verify::Trust;
        assert!(bundle.is_revoked("0a") && !bundle.is_revoked("0b"));
        assert_eq!(bundle.key(es.kid()), Some(es.verifying_key()));
        assert!(Bundle::open(&file, &[ed.kid().to_owned()]).is_ok());
        assert!(Bundle::open(&file, &["another".to_owned()]).is_err());

        let mut jws: Jws = serde_json::from_slice(&file).unwrap();
        let mut altered = content.clone();
        altered.revocations.revoked.clear();
        jws.payload = Jws::sign(&altered, BUNDLE_TYPE, &es).unwrap().payload;
        let err = Bundle::open(&serde_json::to_vec(&jws).unwrap(), &[]).unwrap_err();
        assert_eq!(err, BundleError::Signature(JwsError::BadSignature));
        assert!(matches!(Bundle::open(b"{}", &[]), Err(BundleError::Malformed(_))));
    }
}
