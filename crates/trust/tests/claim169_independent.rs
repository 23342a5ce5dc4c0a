//! Our Claim 169 codes against an independent implementation: `claim169-core` (crates.io, from
//! jeremi/claim-169), written by others from the specification. Codes we issue must decode and verify there with
//! the same claims, and codes it issues (signed, or signed then encrypted) must decode and verify here.

// A test's helpers panic on purpose when something is not what it should be.
#![allow(clippy::unwrap_used)]

use claim169_core::{Decoder, Encoder, VerificationStatus};
use trust::claim169::{
    self, Biometric, BiometricFormat, Biometrics, CwtMeta, DecryptionKey, Gender, Identity, Limits, MaritalStatus,
    PhotoFormat,
};
use trust::keys::{Algorithm, SigningKey};

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Every demographic field, Vietnamese text, a photo and biometrics of two kinds.
fn person() -> Identity {
    let sample = |data: &[u8], format, sub_format| Biometric {
        data: data.to_vec(),
        format: Some(format),
        sub_format: Some(sub_format),
        issuer: Some("Bộ Công an".into()),
    };
    Identity {
        id: Some("079203001234".into()),
        version: Some("1.0".into()),
        language: Some("vie".into()),
        full_name: Some("Trần Thị Ngọc Ánh".into()),
        first_name: Some("Ánh".into()),
        middle_name: Some("Thị Ngọc".into()),
        last_name: Some("Trần".into()),
        date_of_birth: Some("20030214".into()),
        gender: Some(Gender::Female),
        address: Some("12 Lê Lợi\nPhường Bến Thành\nThành phố Hồ Chí Minh".into()),
        email: Some("anh.tran@example.vn".into()),
        phone: Some("+84 28 3822 1234".into()),
        nationality: Some("VNM".into()),
        marital_status: Some(MaritalStatus::Unmarried),
        guardian: Some("079175004321".into()),
        photo: Some(vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46]),
        photo_format: Some(PhotoFormat::Jpeg),
        best_quality_fingers: Some(vec![1, 2, 6]),
        secondary_full_name: Some("Tran Thi Ngoc Anh".into()),
        secondary_language: Some("eng".into()),
        location_code: Some("7P28QMQ5+2V".into()),
        legal_status: Some("citizen".into()),
        country_of_issuance: Some("VNM".into()),
        biometrics: Biometrics {
            right_thumb: Some(vec![sample(b"FIR\0template", BiometricFormat::Template, 1)]),
            face: Some(vec![sample(&[0xFF, 0xD8, 0xFF, 0xE0], BiometricFormat::Image, 1)]),
            ..Biometrics::default()
        },
    }
}

fn meta() -> CwtMeta {
    CwtMeta {
        issuer: Some("https://congso.gov.vn".into()),
        subject: Some("079203001234".into()),
        expires_at: Some(now() + 365 * 86_400),
        not_before: Some(now() - 60),
        issued_at: Some(now() - 60),
        cti: None,
    }
}

fn their_decoder(text: &str, key: &SigningKey) -> Decoder {
    let public = key.verifying_key().to_bytes();
    let decoder = Decoder::new(text).strict_compression();
    match key.algorithm() {
        Algorithm::EdDSA => decoder.verify_with_ed25519(&public).unwrap(),
        Algorithm::ES256 => decoder.verify_with_ecdsa_p256(&public).unwrap(),
    }
}

#[test]
fn codes_we_issue_verify_in_the_independent_implementation() {
    for algorithm in Algorithm::ALL {
        let key = SigningKey::generate(algorithm);
        let (identity, meta) = (person(), meta());
        // Our codes carry a credential id (`cti`), which the other implementation does not read back.
        let text = claim169::encode(&identity, &CwtMeta { cti: Some(vec![0x5a; 16]), ..meta.clone() }, &key).unwrap();

        let theirs = their_decoder(&text, &key).decode().unwrap_or_else(|e| panic!("{algorithm}: {e}"));
        assert_eq!(theirs.verification_status, VerificationStatus::Verified, "{algorithm}");
        assert_eq!(theirs.key_id.as_deref(), Some(key.kid().as_bytes()), "{algorithm}");
        assert_eq!(theirs.algorithm.map(|a| a as i64), Some(algorithm.cose_alg()), "{algorithm}");
        assert!(theirs.warnings.is_empty(), "{algorithm}: {:?}", theirs.warnings);
        // The whole identity, compared as the JSON both sides write from the specification's names.
        let our_json = serde_json::to_value(&identity).unwrap();
        assert_eq!(serde_json::to_value(&theirs.claim169).unwrap(), our_json, "{algorithm}");
        assert_eq!(serde_json::to_value(&theirs.cwt_meta).unwrap(), serde_json::to_value(&meta).unwrap());

        // The same code with another issuer's key, or with its signature altered, does not verify there.
        let stranger = SigningKey::generate(algorithm);
        assert!(their_decoder(&text, &stranger).decode().is_err(), "{algorithm}: a stranger's key");
        let tampered = claim169::encode(&Identity { full_name: Some("Kẻ Giả Mạo".into()), ..identity }, &meta, &key)
            .map(|forged| splice_signature(&forged, &text))
            .unwrap();
        assert!(their_decoder(&tampered, &key).decode().is_err(), "{algorithm}: claims changed after signing");
    }
}

/// The signature field of a tagged COSE_Sign1.
fn signature_mut(value: &mut ciborium::Value) -> &mut ciborium::Value {
    let ciborium::Value::Tag(18, inner) = value else { panic!("not COSE_Sign1") };
    let ciborium::Value::Array(fields) = inner.as_mut() else { panic!("not an array") };
    &mut fields[3]
}

/// `forged` carrying the signature of `genuine`: changed claims under a real signature.
fn splice_signature(forged: &str, genuine: &str) -> String {
    use std::io::{Read, Write};
    let cose = |text: &str| {
        let mut bytes = Vec::new();
        flate2::read::ZlibDecoder::new(&base45::decode(text).unwrap()[..]).read_to_end(&mut bytes).unwrap();
        ciborium::from_reader::<ciborium::Value, _>(&bytes[..]).unwrap()
    };
    let (mut forged, mut genuine) = (cose(forged), cose(genuine));
    std::mem::swap(signature_mut(&mut forged), signature_mut(&mut genuine));
    let mut bytes = Vec::new();
    ciborium::into_writer(&forged, &mut bytes).unwrap();
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&bytes).unwrap();
    base45::encode(encoder.finish().unwrap())
}

#[test]
fn codes_the_independent_implementation_issues_verify_here() {
    let identity = person();
    let meta = meta();
    // Their model reads the same JSON ours writes, so the claims are built from one description.
    let their_claims: claim169_core::Claim169 =
        serde_json::from_value(serde_json::to_value(&identity).unwrap()).unwrap();
    let their_meta: claim169_core::CwtMeta = serde_json::from_value(serde_json::to_value(&meta).unwrap()).unwrap();
    let secret = [0x42u8; 32];
    let aes_key = [0x17u8; 32];
    for algorithm in Algorithm::ALL {
        let ours = SigningKey::from_secret_bytes(algorithm, &secret).unwrap();
        let encoder = Encoder::new(their_claims.clone(), their_meta.clone());
        let encoder = match algorithm {
            Algorithm::EdDSA => encoder.sign_with_ed25519(&secret).unwrap(),
            Algorithm::ES256 => encoder.sign_with_ecdsa_p256(&secret).unwrap(),
        };
        let signed = encoder.encode().unwrap().qr_data;
        let credential = claim169::decode(&signed, &Limits::default()).unwrap();
        credential.verify(&ours.verifying_key()).unwrap_or_else(|e| panic!("{algorithm}: {e}"));
        assert_eq!((&credential.identity, &credential.meta), (&identity, &meta), "{algorithm}");
        assert_eq!(credential.check_time(now()), Ok(()));

        // Signed, then encrypted with AES-256-GCM: the key opens it here, and the signature inside still holds.
        let encoder = Encoder::new(their_claims.clone(), their_meta.clone());
        let encoder = match algorithm {
            Algorithm::EdDSA => encoder.sign_with_ed25519(&secret).unwrap(),
            Algorithm::ES256 => encoder.sign_with_ecdsa_p256(&secret).unwrap(),
        };
        let sealed = encoder.encrypt_with_aes256(&aes_key).unwrap().encode().unwrap().qr_data;
        let key = DecryptionKey::from_bytes(&aes_key).unwrap();
        let credential = claim169::decode_with_key(&sealed, &Limits::default(), &key).unwrap();
        assert!(credential.encrypted);
        credential.verify(&ours.verifying_key()).unwrap_or_else(|e| panic!("{algorithm} encrypted: {e}"));
        assert_eq!(credential.identity, identity);
        let wrong = DecryptionKey::from_bytes(&[0x18; 32]).unwrap();
        assert!(claim169::decode_with_key(&sealed, &Limits::default(), &wrong).is_err());
    }
}
