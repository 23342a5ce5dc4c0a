//! Every vector of the Claim 169 conformance suite (jeremi/claim-169 `test-vectors/`, copied to
//! `conformance/claim169/`): valid and edge codes decode to exactly the expected claims and CWT meta, signatures
//! verify with the given key and not once altered, encrypted codes open with the given key, and invalid codes fail
//! at the step the suite names.

// A test's helpers panic on purpose when the suite is not what it should be.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use ciborium::Value as Cbor;
use serde_json::{Value, json};
use trust::claim169::{self, Credential, DecodeError, DecryptionKey, Limits, Step, TimeError, VerifyError};
use trust::keys::{Algorithm, SigningKey, VerifyingKey};

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/claim169")
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn field<'a>(vector: &'a Value, key: &str) -> &'a str {
    vector[key].as_str().unwrap_or_else(|| panic!("{} has no {key}", vector["name"]))
}

fn hex_field(value: &Value, key: &str) -> Vec<u8> {
    hex::decode(value[key].as_str().unwrap()).unwrap()
}

/// Checks a RIFF container holding WEBP: the suite's photos, whose bytes its JSON leaves out.
fn assert_webp(bytes: &[u8], what: &str) {
    assert_eq!(&bytes[..4], b"RIFF", "{what}");
    assert_eq!(&bytes[8..12], b"WEBP", "{what}");
    let riff_len = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    assert_eq!(riff_len + 8, bytes.len(), "{what}: the RIFF length covers the data exactly");
}

/// The suite's expected JSON leaves out some binary data its codes do hold (quirks of its generator,
/// tools/generate-vectors). Our JSON is compared whole; what the suite omits is taken out here and checked otherwise.
fn apply_known_quirks(name: &str, ours: &mut Value, expected: &mut Value) {
    match name {
        // The face image (WEBP, from the specification's example) is written without its data.
        "claim169-example" => {
            let data = ours["face"][0].as_object_mut().unwrap().remove("data").unwrap();
            assert_webp(&base64_decode(&data), "claim169-example face");
        }
        // The photo (key 16, WEBP) is not in the expected JSON at all, only its format.
        "refugee-identity" => {
            let photo = ours.as_object_mut().unwrap().remove("photo").unwrap();
            assert_webp(&base64_decode(&photo), "refugee-identity photo");
        }
        // The generator writes the face as the JPEG header FF D8 FF E0 00 10 but its expected JSON spells the
        // Base64 by hand as "//3+4AAQ", which is FF FD FE E0 00 10. The code holds the JPEG header.
        "with-face" => {
            let data = &mut expected["face"][0]["data"];
            assert_eq!(data, "//3+4AAQ", "the suite's typo is gone: remove this quirk");
            *data = json!(base64_encode(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]));
        }
        // The expected JSON lists none of the 13 biometric entries; these are the ones the generator wrote.
        "with-all-biometrics" => {
            let entry = |data: &[u8], format: i64, sub_format: i64| json!([{ "data": base64_encode(data), "format": format, "subFormat": sub_format }]);
            let fingers = [
                "rightThumb",
                "rightPointerFinger",
                "rightMiddleFinger",
                "rightRingFinger",
                "rightLittleFinger",
                "leftThumb",
                "leftPointerFinger",
                "leftMiddleFinger",
                "leftRingFinger",
                "leftLittleFinger",
            ];
            let map = expected.as_object_mut().unwrap();
            for (i, finger) in fingers.into_iter().enumerate() {
                map.insert(finger.into(), entry(&[b'F', b'I', b'R', i as u8], 1, 1));
            }
            map.insert("rightIris".into(), entry(b"IRIS\0", 2, 0));
            map.insert("leftIris".into(), entry(b"IRIS\x01", 2, 0));
            map.insert("face".into(), entry(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10], 0, 1));
        }
        _ => {}
    }
}

fn base64_decode(value: &Value) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(value.as_str().unwrap()).unwrap()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The QR text with one bit of the COSE_Sign1 signature flipped, everything else re-encoded as it was.
fn tamper_signature(qr_text: &str) -> String {
    let compressed = base45::decode(qr_text).unwrap();
    let mut cose = Vec::new();
    flate2::read::ZlibDecoder::new(&compressed[..]).read_to_end(&mut cose).unwrap();
    let mut value: Cbor = ciborium::from_reader(&cose[..]).unwrap();
    let Cbor::Tag(18, inner) = &mut value else { panic!("not a tagged COSE_Sign1") };
    let Cbor::Array(fields) = inner.as_mut() else { panic!("not an array") };
    let Cbor::Bytes(signature) = &mut fields[3] else { panic!("no signature") };
    signature[10] ^= 0x01;
    let mut bytes = Vec::new();
    ciborium::into_writer(&value, &mut bytes).unwrap();
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&bytes).unwrap();
    base45::encode(encoder.finish().unwrap())
}

fn decryption_key(vector: &Value) -> Option<DecryptionKey> {
    let key = vector.get("encryption_key")?;
    let bytes = hex_field(key, "symmetric_key_hex");
    let expected_len = match key["algorithm"].as_str().unwrap() {
        "A256GCM" => 32,
        "A128GCM" => 16,
        other => panic!("unknown encryption algorithm {other}"),
    };
    assert_eq!(bytes.len(), expected_len);
    Some(DecryptionKey::from_bytes(&bytes).unwrap())
}

fn decode(vector: &Value) -> Result<Credential, DecodeError> {
    let text = field(vector, "qr_data");
    match decryption_key(vector) {
        Some(key) => claim169::decode_with_key(text, &Limits::default(), &key),
        None => claim169::decode(text, &Limits::default()),
    }
}

fn check_signature(name: &str, vector: &Value, credential: &Credential) {
    let Some(signing) = vector.get("signing_key") else {
        // The suite's unsigned codes carry an empty signature: they must never pass as verified.
        assert!(!credential.is_signed(), "{name}");
        let any_key = SigningKey::generate(Algorithm::EdDSA).verifying_key();
        assert_eq!(credential.verify(&any_key), Err(VerifyError::Unsigned), "{name}");
        return;
    };
    let algorithm: Algorithm = signing["algorithm"].as_str().unwrap().parse().unwrap();
    let public = VerifyingKey::from_bytes(algorithm, &hex_field(signing, "public_key_hex")).unwrap();
    assert_eq!(credential.algorithm(), Some(algorithm), "{name}");
    credential.verify(&public).unwrap_or_else(|e| panic!("{name}: {e}"));

    let stranger = SigningKey::generate(algorithm).verifying_key();
    assert_eq!(credential.verify(&stranger), Err(VerifyError::BadSignature), "{name}");
    let other_algorithm = Algorithm::ALL.into_iter().find(|a| *a != algorithm).unwrap();
    let other = SigningKey::generate(other_algorithm).verifying_key();
    assert!(matches!(credential.verify(&other), Err(VerifyError::AlgorithmMismatch { .. })), "{name}");

    if credential.encrypted {
        // The signature is inside the ciphertext: altering the ciphertext must stop decryption instead.
        let qr = field(vector, "qr_data");
        let err = claim169::decode(qr, &Limits::default()).unwrap_err();
        assert_eq!(err.step(), Step::Cose, "{name}: encrypted code without a key");
    } else {
        let tampered = claim169::decode(&tamper_signature(field(vector, "qr_data")), &Limits::default()).unwrap();
        assert_eq!(tampered.identity, credential.identity);
        assert_eq!(tampered.verify(&public), Err(VerifyError::BadSignature), "{name}: tampered signature");
    }

    // Where the suite gives the private key, our encoder with it must give a code that our decoder accepts.
    if signing.get("private_key_hex").is_some() {
        let key = SigningKey::from_secret_bytes(algorithm, &hex_field(signing, "private_key_hex")).unwrap();
        assert_eq!(key.verifying_key(), public, "{name}: the key pair matches");
        let ours = claim169::encode(&credential.identity, &credential.meta, &key).unwrap();
        let again = claim169::decode(&ours, &Limits::default()).unwrap();
        again.verify(&public).unwrap();
        assert_eq!((again.identity, again.meta), (credential.identity.clone(), credential.meta.clone()));
    }
}

fn check_decodes(name: &str, vector: &Value) {
    let credential = decode(vector).unwrap_or_else(|e| panic!("{name}: {e} (step {:?})", e.step()));

    let mut ours = serde_json::to_value(&credential.identity).unwrap();
    let mut expected = vector["expected_claim169"].clone();
    apply_known_quirks(name, &mut ours, &mut expected);
    assert_eq!(ours, expected, "{name}: claim 169");
    assert_eq!(serde_json::to_value(&credential.meta).unwrap(), vector["expected_cwt_meta"], "{name}: CWT meta");
    assert_eq!(credential.encrypted, vector.get("encryption_key").is_some(), "{name}");

    check_signature(name, vector, &credential);

    // Valid at the time it was issued; the edge cases say how it stands today.
    let issued_at = credential.meta.issued_at.unwrap();
    match name {
        "expired" => {
            let expired_at = credential.meta.expires_at.unwrap();
            assert_eq!(credential.check_time(now()), Err(TimeError::Expired { expired_at }));
            assert_eq!(credential.check_time(issued_at), Ok(()));
        }
        "not-yet-valid" => {
            let not_before = credential.meta.not_before.unwrap();
            assert_eq!(credential.check_time(now()), Err(TimeError::NotYetValid { not_before }));
            assert_eq!(credential.check_time(issued_at), Err(TimeError::NotYetValid { not_before }));
            assert_eq!(credential.check_time(not_before), Ok(()));
        }
        _ => assert_eq!(credential.check_time(issued_at), Ok(()), "{name}"),
    }
}

fn check_fails(name: &str, vector: &Value) {
    let err = decode(vector).map(|_| ()).expect_err(name);
    let expected = field(vector, "expected_error");
    match expected {
        "Base45Decode" => assert!(matches!(err, DecodeError::Base45(_)), "{name}: {err}"),
        "Decompress" => assert!(matches!(err, DecodeError::Zlib(_)), "{name}: {err}"),
        "CoseParse" => assert!(matches!(err, DecodeError::Cose(_)), "{name}: {err}"),
        "Claim169NotFound" => assert_eq!(err, DecodeError::Claim169Missing, "{name}"),
        other => panic!("{name}: the suite expects {other}, which this test does not know"),
    }
    let step = match expected {
        "Base45Decode" => Step::Base45,
        "Decompress" => Step::Zlib,
        "CoseParse" => Step::Cose,
        _ => Step::Claims,
    };
    assert_eq!(err.step(), step, "{name}");
}

#[test]
fn every_vector_of_the_suite() {
    let mut present = 0;
    let mut tested = 0;
    for category in ["valid", "invalid", "edge"] {
        let mut in_category = 0;
        let mut paths: Vec<_> = std::fs::read_dir(suite_dir().join(category))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        present += paths.len();
        for path in paths {
            let vector: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let name = field(&vector, "name").to_owned();
            assert_eq!(field(&vector, "category"), category, "{name}");
            match category {
                "invalid" => check_fails(&name, &vector),
                _ => check_decodes(&name, &vector),
            }
            tested += 1;
            in_category += 1;
        }
        assert!(in_category > 0, "no {category} vectors");
    }
    assert_eq!(tested, present);
    assert_eq!(tested, 18, "the suite copied from jeremi/claim-169 has 18 vectors");
}
