//! Compact JWS: signing ID tokens with the keyring, and checking clients' assertions (RFC 7523) strictly.
//!
//! Built on the keyring's own keys rather than a JWT library: both algorithms already produce the raw 64-byte
//! signatures JOSE uses, and a parser of our own accepts exactly what it must (ES256 and EdDSA with a known key)
//! and nothing else: no `none`, no HMAC, no key embedded in the header, no `crit` extensions.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use trust::keys::{Algorithm, SigningKey, VerifyingKey};

use crate::oidc::OAuthError;

/// The longest client assertion read.
const MAX_ASSERTION: usize = 8 * 1024;
/// The longest an assertion may live: its `jti` is remembered until it expires.
pub const MAX_ASSERTION_LIFETIME: i64 = 10 * 60;
/// Clock skew tolerated on `nbf` and `iat`.
const SKEW: i64 = 60;

/// Signs `claims` as a compact JWS with `key` (`kid` in the header).
pub fn sign(key: &SigningKey, claims: &Value) -> String {
    let header = serde_json::json!({ "alg": key.algorithm().as_str(), "typ": "JWT", "kid": key.kid() });
    let signing_input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// A public key from a JWK (EC P-256 or OKP Ed25519), with the `kid` the JWK names, if any.
pub fn key_from_jwk(jwk: &Value) -> Result<(Option<String>, VerifyingKey), String> {
    let field = |name: &str| jwk.get(name).and_then(Value::as_str);
    let bytes = |name: &str| {
        field(name).and_then(|v| URL_SAFE_NO_PAD.decode(v).ok()).ok_or_else(|| format!("JWK without a valid {name}"))
    };
    if jwk.get("d").is_some() {
        return Err("the JWK holds a private key: register only the public half".into());
    }
    let key = match (field("kty"), field("crv")) {
        (Some("EC"), Some("P-256")) => {
            let (x, y) = (bytes("x")?, bytes("y")?);
            if x.len() != 32 || y.len() != 32 {
                return Err("P-256 coordinates are 32 bytes".into());
            }
            let point = [&[4u8][..], &x, &y].concat();
            VerifyingKey::from_bytes(Algorithm::ES256, &point).map_err(|e| e.to_string())?
        }
        (Some("OKP"), Some("Ed25519")) => {
            VerifyingKey::from_bytes(Algorithm::EdDSA, &bytes("x")?).map_err(|e| e.to_string())?
        }
        _ => return Err("only EC P-256 (ES256) and OKP Ed25519 (EdDSA) keys are supported".into()),
    };
    if let Some(alg) = field("alg")
        && alg != key.algorithm().as_str()
    {
        return Err(format!("the JWK's alg {alg} does not fit its key type"));
    }
    Ok((field("kid").map(str::to_owned), key))
}

/// The keys of a JWK set, or why it is unusable.
pub fn keys_of(jwks: &Value) -> Result<Vec<(Option<String>, VerifyingKey)>, String> {
    let keys = jwks.get("keys").and_then(Value::as_array).ok_or("a JWK set is {\"keys\": […]}")?;
    if keys.is_empty() {
        return Err("the JWK set has no keys".into());
    }
    keys.iter().map(key_from_jwk).collect()
}

/// What a verified client assertion says that the caller still has to act on.
#[derive(Debug)]
pub struct Assertion {
    /// Its `jti`, to be remembered until `exp`.
    pub jti: String,
    /// Its `exp`.
    pub exp: i64,
}

fn invalid(why: &'static str) -> OAuthError {
    OAuthError::InvalidClient(why)
}

fn segment(part: &str) -> Result<Value, OAuthError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| invalid("the client assertion is not a JWT"))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| invalid("the client assertion is not a JWT"))?;
    if value.is_object() { Ok(value) } else { Err(invalid("the client assertion is not a JWT")) }
}

/// Checks a client assertion: signed by a key of `jwks` with that key's algorithm, `iss` and `sub` equal to
/// `client_id`, an `aud` among `audiences`, not expired nor too long-lived, with a `jti`.
pub fn verify_assertion(
    assertion: &str,
    client_id: &str,
    jwks: &Value,
    audiences: &[String],
    now: i64,
) -> Result<Assertion, OAuthError> {
    if assertion.len() > MAX_ASSERTION {
        return Err(invalid("the client assertion is too long"));
    }
    let mut parts = assertion.split('.');
    let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("the client assertion is not a compact JWS"));
    };
    let header = segment(h)?;
    let alg = header.get("alg").and_then(Value::as_str).ok_or(invalid("the client assertion names no alg"))?;
    let alg: Algorithm = alg.parse().map_err(|_| invalid("the client assertion's alg is not ES256 or EdDSA"))?;
    if header.get("crit").is_some()
        || header.get("jwk").is_some()
        || header.get("jku").is_some()
        || header.get("x5u").is_some()
    {
        return Err(invalid("the client assertion's header has fields congso does not accept"));
    }
    let keys = keys_of(jwks).map_err(|_| invalid("the client's registered keys are unusable"))?;
    let kid = header.get("kid").and_then(Value::as_str);
    let key = match kid {
        Some(kid) => keys.iter().find(|(named, k)| named.as_deref() == Some(kid) || k.kid() == kid),
        None if keys.len() == 1 => keys.first(),
        None => None,
    }
    .map(|(_, k)| k)
    .ok_or(invalid("the client assertion is signed with a key the client has not registered"))?;
    if key.algorithm() != alg {
        return Err(invalid("the client assertion's alg does not fit the key"));
    }
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| invalid("the client assertion's signature is malformed"))?;
    let signing_input = &assertion[..h.len() + 1 + c.len()];
    key.verify(signing_input.as_bytes(), &signature)
        .map_err(|_| invalid("the client assertion's signature does not verify"))?;

    let claims = segment(c)?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    if text("iss") != Some(client_id) || text("sub") != Some(client_id) {
        return Err(invalid("the client assertion's iss and sub must both be the client_id"));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => audiences.contains(a),
        Some(Value::Array(all)) => all.iter().filter_map(Value::as_str).any(|a| audiences.iter().any(|x| x == a)),
        _ => false,
    };
    if !aud_ok {
        return Err(invalid("the client assertion's aud must be the token endpoint"));
    }
    let exp = number("exp").ok_or(invalid("the client assertion has no exp"))?;
    if exp <= now {
        return Err(invalid("the client assertion has expired"));
    }
    if exp > now + MAX_ASSERTION_LIFETIME {
        return Err(invalid("the client assertion lives too long (at most 10 minutes)"));
    }
    if number("nbf").is_some_and(|nbf| nbf > now + SKEW) || number("iat").is_some_and(|iat| iat > now + SKEW) {
        return Err(invalid("the client assertion is not valid yet"));
    }
    let jti =
        text("jti").filter(|j| !j.is_empty() && j.len() <= 256).ok_or(invalid("the client assertion has no jti"))?;
    Ok(Assertion { jti: jti.to_owned(), exp })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assertion(key: &SigningKey, claims: Value) -> String {
        sign(key, &claims)
    }

    #[test]
    fn a_good_assertion_passes_and_tampering_fails() {
        for algorithm in Algorithm::ALL {
            let key = SigningKey::generate(algorithm);
            let jwks = serde_json::json!({ "keys": [key.verifying_key().to_jwk()] });
            let aud = vec!["https://congso.test/oidc/token".to_owned()];
            let claims = serde_json::json!({"iss": "c1", "sub": "c1", "aud": aud[0], "exp": 1_100, "jti": "x"});
            let jwt = assertion(&key, claims.clone());
            let ok = verify_assertion(&jwt, "c1", &jwks, &aud, 1_000).unwrap();
            assert_eq!((ok.jti.as_str(), ok.exp), ("x", 1_100));
            assert!(verify_assertion(&jwt, "c2", &jwks, &aud, 1_000).is_err());
            assert!(verify_assertion(&jwt, "c1", &jwks, &aud, 1_100).is_err());
            let mut forged = jwt.clone();
            forged.pop();
            forged.push(if jwt.ends_with('A') { 'B' } else { 'A' });
            assert!(verify_assertion(&forged, "c1", &jwks, &aud, 1_000).is_err());
            let other = serde_json::json!({ "keys": [SigningKey::generate(algorithm).verifying_key().to_jwk()] });
            assert!(verify_assertion(&jwt, "c1", &other, &aud, 1_000).is_err());
        }
    }

    #[test]
    fn alg_none_is_refused() {
        let key = SigningKey::generate(Algorithm::ES256);
        let jwks = serde_json::json!({ "keys": [key.verifying_key().to_jwk()] });
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
        let claims = URL_SAFE_NO_PAD.encode(r#"{"iss":"c1","sub":"c1","aud":"a","exp":2000,"jti":"x"}"#);
        let jwt = format!("{header}.{claims}.");
        assert_eq!(verify_assertion(&jwt, "c1", &jwks, &["a".into()], 1_000).unwrap_err().code(), "invalid_client");
    }

    #[test]
    fn jwks_with_private_keys_or_other_curves_are_refused() {
        assert!(key_from_jwk(&serde_json::json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"})).is_err());
        let mut jwk = SigningKey::generate(Algorithm::EdDSA).verifying_key().to_jwk();
        assert!(key_from_jwk(&jwk).is_ok());
        jwk["d"] = "AAAA".into();
        assert!(key_from_jwk(&jwk).is_err());
    }
}
