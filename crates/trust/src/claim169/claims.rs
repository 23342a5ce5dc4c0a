//! The CWT claims map and the claim 169 identity map, between CBOR and [`Identity`] / [`CwtMeta`].
//!
//! Unknown keys are ignored, as the specification asks, so newer issuers' codes still read. A known key whose
//! value has the wrong type, or a key given twice, is refused: two readers could otherwise see different people.

use std::collections::HashSet;

use ciborium::Value;

use super::error::DecodeError;
use super::model::{BIOMETRIC_KEYS, Biometric, BiometricFormat, CwtMeta, Gender, Identity, MaritalStatus, PhotoFormat};

/// The CWT claim that carries the identity map.
pub const CLAIM_169: i64 = 169;

fn malformed(message: String) -> DecodeError {
    DecodeError::Claims(message)
}

fn integer_key(key: &Value) -> Option<i64> {
    match key {
        Value::Integer(i) => i64::try_from(i128::from(*i)).ok(),
        _ => None,
    }
}

/// The entries of a map with integer keys; other keys are skipped as unknown, repeated keys are refused.
fn int_entries(value: Value, what: &str) -> Result<Vec<(i64, Value)>, DecodeError> {
    let Value::Map(entries) = value else {
        return Err(malformed(format!("{what} is not a map")));
    };
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let Some(key) = integer_key(&key) else { continue };
        if !seen.insert(key) {
            return Err(malformed(format!("{what} has key {key} twice")));
        }
        out.push((key, value));
    }
    Ok(out)
}

fn text(value: Value, what: &str) -> Result<String, DecodeError> {
    match value {
        Value::Text(text) => Ok(text),
        _ => Err(malformed(format!("{what} is not text"))),
    }
}

fn integer(value: &Value, what: &str) -> Result<i64, DecodeError> {
    integer_key(value).ok_or_else(|| malformed(format!("{what} is not an integer")))
}

/// A CWT NumericDate: an integer, or a float (RFC 8392 allows one) taken to the whole second below.
fn numeric_date(value: &Value, what: &str) -> Result<i64, DecodeError> {
    match value {
        Value::Float(f) if f.is_finite() && f.abs() < 1e15 => Ok(f.floor() as i64),
        _ => integer(value, what),
    }
}

/// The CWT payload's claims, and the identity map of its claim 169.
pub fn parse_cwt(value: Value) -> Result<(CwtMeta, Identity), DecodeError> {
    let mut meta = CwtMeta::default();
    let mut identity = None;
    for (key, value) in int_entries(value, "the CWT")? {
        match key {
            1 => meta.issuer = Some(text(value, "iss")?),
            2 => meta.subject = Some(text(value, "sub")?),
            4 => meta.expires_at = Some(numeric_date(&value, "exp")?),
            5 => meta.not_before = Some(numeric_date(&value, "nbf")?),
            6 => meta.issued_at = Some(numeric_date(&value, "iat")?),
            7 => match value {
                Value::Bytes(cti) => meta.cti = Some(cti),
                _ => return Err(malformed("cti is not a byte string".into())),
            },
            CLAIM_169 => identity = Some(parse_identity(value)?),
            _ => {}
        }
    }
    Ok((meta, identity.ok_or(DecodeError::Claim169Missing)?))
}

fn parse_identity(value: Value) -> Result<Identity, DecodeError> {
    let mut id = Identity::default();
    for (key, value) in int_entries(value, "claim 169")? {
        let what = format!("claim 169 key {key}");
        let what = what.as_str();
        match key {
            1 => id.id = Some(text(value, what)?),
            2 => id.version = Some(text(value, what)?),
            3 => id.language = Some(text(value, what)?),
            4 => id.full_name = Some(text(value, what)?),
            5 => id.first_name = Some(text(value, what)?),
            6 => id.middle_name = Some(text(value, what)?),
            7 => id.last_name = Some(text(value, what)?),
            8 => id.date_of_birth = Some(text(value, what)?),
            9 => id.gender = Some(Gender::from_code(integer(&value, what)?)),
            10 => id.address = Some(text(value, what)?),
            11 => id.email = Some(text(value, what)?),
            12 => id.phone = Some(text(value, what)?),
            13 => id.nationality = Some(text(value, what)?),
            14 => id.marital_status = Some(MaritalStatus::from_code(integer(&value, what)?)),
            15 => id.guardian = Some(text(value, what)?),
            16 => id.photo = Some(photo(value)?),
            17 => id.photo_format = Some(PhotoFormat::from_code(integer(&value, what)?)),
            18 => id.best_quality_fingers = Some(fingers(value)?),
            19 => id.secondary_full_name = Some(text(value, what)?),
            20 => id.secondary_language = Some(text(value, what)?),
            21 => id.location_code = Some(text(value, what)?),
            22 => id.legal_status = Some(text(value, what)?),
            23 => id.country_of_issuance = Some(text(value, what)?),
            _ => {
                if let Some(slot) = id.biometrics.slot_mut(key) {
                    *slot = Some(biometrics(value, what)?);
                }
            }
        }
    }
    Ok(id)
}

/// The photograph: a byte string, or hex text as in the specification's first examples.
fn photo(value: Value) -> Result<Vec<u8>, DecodeError> {
    match value {
        Value::Bytes(bytes) => Ok(bytes),
        Value::Text(hex_text) => hex::decode(hex_text).map_err(|_| malformed("the photo is text but not hex".into())),
        _ => Err(malformed("the photo is not bytes".into())),
    }
}

fn fingers(value: Value) -> Result<Vec<u8>, DecodeError> {
    let Value::Array(items) = value else {
        return Err(malformed("bestQualityFingers is not an array".into()));
    };
    items
        .iter()
        .map(|item| {
            integer(item, "a finger position")?
                .try_into()
                .ok()
                .filter(|position: &u8| *position <= 10)
                .ok_or_else(|| malformed("a finger position is outside 0–10".into()))
        })
        .collect()
}

fn biometrics(value: Value, what: &str) -> Result<Vec<Biometric>, DecodeError> {
    let Value::Array(items) = value else {
        return Err(malformed(format!("{what} is not an array of biometric samples")));
    };
    items.into_iter().map(|item| biometric(item, what)).collect()
}

fn biometric(value: Value, what: &str) -> Result<Biometric, DecodeError> {
    let mut sample = Biometric::default();
    let mut has_data = false;
    for (key, value) in int_entries(value, what)? {
        match key {
            0 => {
                let Value::Bytes(bytes) = value else {
                    return Err(malformed(format!("{what}: the sample data is not bytes")));
                };
                sample.data = bytes;
                has_data = true;
            }
            1 => sample.format = Some(BiometricFormat::from_code(integer(&value, what)?)),
            2 => sample.sub_format = Some(integer(&value, what)?),
            3 => sample.issuer = Some(text(value, what)?),
            _ => {}
        }
    }
    if !has_data {
        return Err(malformed(format!("{what}: a sample without data")));
    }
    Ok(sample)
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

/// The CWT claims map for a credential, keys in ascending order (deterministic CBOR, RFC 8949 §4.2).
pub fn cwt_value(meta: &CwtMeta, identity: &Identity) -> Value {
    let mut map = Vec::new();
    let mut put = |key: i64, value: Option<Value>| {
        if let Some(value) = value {
            map.push((int(key), value));
        }
    };
    put(1, meta.issuer.clone().map(Value::Text));
    put(2, meta.subject.clone().map(Value::Text));
    put(4, meta.expires_at.map(int));
    put(5, meta.not_before.map(int));
    put(6, meta.issued_at.map(int));
    put(7, meta.cti.clone().map(Value::Bytes));
    put(CLAIM_169, Some(identity_value(identity)));
    Value::Map(map)
}

fn identity_value(id: &Identity) -> Value {
    let mut map = Vec::new();
    let mut put = |key: i64, value: Option<Value>| {
        if let Some(value) = value {
            map.push((int(key), value));
        }
    };
    let text = |field: &Option<String>| field.clone().map(Value::Text);
    put(1, text(&id.id));
    put(2, text(&id.version));
    put(3, text(&id.language));
    put(4, text(&id.full_name));
    put(5, text(&id.first_name));
    put(6, text(&id.middle_name));
    put(7, text(&id.last_name));
    put(8, text(&id.date_of_birth));
    put(9, id.gender.map(|g| int(g.code())));
    put(10, text(&id.address));
    put(11, text(&id.email));
    put(12, text(&id.phone));
    put(13, text(&id.nationality));
    put(14, id.marital_status.map(|m| int(m.code())));
    put(15, text(&id.guardian));
    put(16, id.photo.clone().map(Value::Bytes));
    put(17, id.photo_format.map(|f| int(f.code())));
    put(18, id.best_quality_fingers.as_ref().map(|f| Value::Array(f.iter().map(|&p| int(p.into())).collect())));
    put(19, text(&id.secondary_full_name));
    put(20, text(&id.secondary_language));
    put(21, text(&id.location_code));
    put(22, text(&id.legal_status));
    put(23, text(&id.country_of_issuance));
    for (key, samples) in id.biometrics.by_key() {
        debug_assert!(BIOMETRIC_KEYS.contains(&key));
        put(key, samples.as_ref().map(|samples| Value::Array(samples.iter().map(biometric_value).collect())));
    }
    Value::Map(map)
}

fn biometric_value(sample: &Biometric) -> Value {
    let mut map = vec![(int(0), Value::Bytes(sample.data.clone()))];
    if let Some(format) = sample.format {
        map.push((int(1), int(format.code())));
    }
    if let Some(sub_format) = sample.sub_format {
        map.push((int(2), int(sub_format)));
    }
    if let Some(issuer) = &sample.issuer {
        map.push((int(3), Value::Text(issuer.clone())));
    }
    Value::Map(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: Vec<(Value, Value)>) -> Value {
        Value::Map(entries)
    }

    #[test]
    fn unknown_keys_are_ignored_and_repeated_keys_refused() {
        let identity = map(vec![
            (int(1), Value::Text("A".into())),
            (int(99), Value::Bool(true)),
            (Value::Text("x".into()), int(1)),
        ]);
        let cwt = map(vec![(int(CLAIM_169), identity), (int(-70000), Value::Null)]);
        let (_, id) = parse_cwt(cwt).unwrap();
        assert_eq!(id.id.as_deref(), Some("A"));

        let twice = map(vec![(int(1), Value::Text("A".into())), (int(1), Value::Text("B".into()))]);
        let err = parse_cwt(map(vec![(int(CLAIM_169), twice)])).unwrap_err();
        assert!(matches!(err, DecodeError::Claims(_)), "{err}");
    }

    #[test]
    fn wrong_types_and_missing_claim_are_refused() {
        let wrong = map(vec![(int(4), int(7))]);
        assert!(matches!(parse_cwt(map(vec![(int(CLAIM_169), wrong)])), Err(DecodeError::Claims(_))));
        assert_eq!(parse_cwt(map(vec![(int(1), Value::Text("iss".into()))])), Err(DecodeError::Claim169Missing));
        assert!(matches!(parse_cwt(int(5)), Err(DecodeError::Claims(_))));
        let fingers = map(vec![(int(18), Value::Array(vec![int(11)]))]);
        assert!(matches!(parse_cwt(map(vec![(int(CLAIM_169), fingers)])), Err(DecodeError::Claims(_))));
    }

    #[test]
    fn float_dates_and_hex_photos_are_read() {
        let identity = map(vec![(int(16), Value::Text("ff00".into()))]);
        let cwt = map(vec![(int(4), Value::Float(1.5e9 + 0.7)), (int(CLAIM_169), identity)]);
        let (meta, id) = parse_cwt(cwt).unwrap();
        assert_eq!(meta.expires_at, Some(1_500_000_000));
        assert_eq!(id.photo, Some(vec![0xff, 0]));
    }
}
