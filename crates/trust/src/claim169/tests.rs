//! Round trips through our own encoder and decoder, and decoding hostile input without panicking.

use proptest::prelude::*;

use super::*;
use crate::keys::SigningKey;

fn lan() -> Identity {
    Identity {
        id: Some("001203004567".into()),
        version: Some("1.0".into()),
        language: Some("vie".into()),
        full_name: Some("Nguyễn Thị Lan".into()),
        first_name: Some("Lan".into()),
        middle_name: Some("Thị".into()),
        last_name: Some("Nguyễn".into()),
        date_of_birth: Some("19900515".into()),
        gender: Some(Gender::Female),
        address: Some("Số 1 Tràng Tiền\nPhường Hoàn Kiếm\nHà Nội".into()),
        email: Some("lan@example.vn".into()),
        phone: Some("+84 912 345 678".into()),
        nationality: Some("VNM".into()),
        marital_status: Some(MaritalStatus::Married),
        guardian: Some("001180001234".into()),
        photo: Some(vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]),
        photo_format: Some(PhotoFormat::Jpeg),
        best_quality_fingers: Some(vec![1, 6]),
        secondary_full_name: Some("Nguyen Thi Lan".into()),
        secondary_language: Some("eng".into()),
        location_code: Some("7PH73R4V+XX".into()),
        legal_status: Some("citizen".into()),
        country_of_issuance: Some("VNM".into()),
        biometrics: Biometrics {
            face: Some(vec![Biometric {
                data: vec![1, 2, 3],
                format: Some(BiometricFormat::Image),
                sub_format: Some(1),
                issuer: Some("congso".into()),
            }]),
            left_iris: Some(vec![Biometric { data: vec![9], ..Biometric::default() }]),
            ..Biometrics::default()
        },
    }
}

fn meta() -> CwtMeta {
    CwtMeta {
        issuer: Some("https://congso.gov.vn".into()),
        subject: Some("001203004567".into()),
        expires_at: Some(1_900_000_000),
        not_before: Some(1_700_000_000),
        issued_at: Some(1_700_000_000),
        cti: Some(vec![1, 2, 3, 4]),
    }
}

#[test]
fn every_field_survives_a_round_trip_with_both_algorithms() {
    for algorithm in Algorithm::ALL {
        let key = SigningKey::generate(algorithm);
        let text = encode(&lan(), &meta(), &key).unwrap();
        assert!(text.bytes().all(|b| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&b)));
        let credential = decode(&text, &Limits::default()).unwrap();
        assert_eq!(credential.identity, lan());
        assert_eq!(credential.meta, meta());
        assert_eq!(credential.algorithm(), Some(algorithm));
        assert_eq!(credential.kid_str(), Some(key.kid()));
        assert!(credential.is_signed() && !credential.encrypted);
        credential.verify(&key.verifying_key()).unwrap();
        let other = SigningKey::generate(algorithm).verifying_key();
        assert_eq!(credential.verify(&other), Err(VerifyError::BadSignature));
    }
}

#[test]
fn time_checks_follow_rfc_8392() {
    let meta = meta();
    assert_eq!(check_time(&meta, 1_800_000_000), Ok(()));
    assert_eq!(check_time(&meta, 1_700_000_000), Ok(()));
    assert_eq!(check_time(&meta, 1_699_999_999), Err(TimeError::NotYetValid { not_before: 1_700_000_000 }));
    assert_eq!(check_time(&meta, 1_900_000_000), Err(TimeError::Expired { expired_at: 1_900_000_000 }));
    assert_eq!(check_time(&CwtMeta::default(), i64::MAX), Ok(()));
}

#[test]
fn encrypted_codes_need_the_key() {
    // No encrypted vector is issued by congso, but the error for a missing key must name the COSE step.
    let bad = base45::encode(transport::deflate(&[0xd0, 0x83, 0x40, 0xa0, 0x40]).unwrap());
    assert_eq!(decode(&bad, &Limits::default()).unwrap_err().step(), Step::Cose);
    let key = DecryptionKey::from_bytes(&[0; 32]).unwrap();
    assert_eq!(decode_with_key(&bad, &Limits::default(), &key).unwrap_err().step(), Step::Cose);
    assert!(DecryptionKey::from_bytes(&[0; 24]).is_none());
    assert_eq!(format!("{key:?}"), "DecryptionKey(A256GCM)");
}

/// Names as Vietnamese write them: letters with every diacritic, spaces, a few words.
fn vietnamese_name() -> impl Strategy<Value = String> {
    proptest::string::string_regex(
        "[A-ZĐÂĂÊÔƠƯ][a-zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]{0,8}( [A-ZĐ][a-zàáạđêôơư]{0,8}){0,4}",
    )
    .expect("a valid regex")
}

fn date() -> impl Strategy<Value = String> {
    (1900u32..2100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y:04}{m:02}{d:02}"))
}

fn identity() -> impl Strategy<Value = Identity> {
    (
        proptest::option::of("[0-9]{12}"),
        proptest::option::of(vietnamese_name()),
        proptest::option::of(date()),
        proptest::option::of(1i64..=4),
        proptest::option::of(".{0,60}"),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..200)),
        proptest::option::of(proptest::collection::vec(0u8..=10, 0..5)),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 1..50)),
    )
        .prop_map(|(id, full_name, date_of_birth, gender, address, photo, fingers, face)| Identity {
            id,
            full_name,
            date_of_birth,
            gender: gender.map(Gender::from_code),
            address,
            photo,
            best_quality_fingers: fingers,
            biometrics: Biometrics {
                face: face.map(|data| vec![Biometric { data, ..Biometric::default() }]),
                ..Biometrics::default()
            },
            ..Identity::default()
        })
}

fn cwt_meta() -> impl Strategy<Value = CwtMeta> {
    (
        proptest::option::of("[a-z:/.]{1,30}"),
        proptest::option::of(any::<i64>()),
        proptest::option::of(any::<i64>()),
        proptest::option::of(0i64..4_000_000_000),
    )
        .prop_map(|(issuer, expires_at, not_before, issued_at)| CwtMeta {
            issuer,
            subject: None,
            expires_at,
            not_before,
            issued_at,
            cti: None,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn encode_then_decode_gives_back_the_claims(identity in identity(), meta in cwt_meta(), es256 in any::<bool>()) {
        let key = SigningKey::generate(if es256 { Algorithm::ES256 } else { Algorithm::EdDSA });
        let text = encode(&identity, &meta, &key).unwrap();
        let credential = decode(&text, &Limits::default()).unwrap();
        prop_assert_eq!(&credential.identity, &identity);
        prop_assert_eq!(&credential.meta, &meta);
        prop_assert!(credential.verify(&key.verifying_key()).is_ok());
        let json = serde_json::to_value(&credential.identity).unwrap();
        prop_assert_eq!(serde_json::from_value::<Identity>(json).unwrap(), identity);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,300}") {
        let _ = decode(&text, &Limits::default());
    }

    #[test]
    fn arbitrary_base45_text_never_panics(text in "[0-9A-Z $%*+./:-]{0,300}") {
        let _ = decode(&text, &Limits::default());
    }

    #[test]
    fn arbitrary_zlib_payloads_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = base45::encode(transport::deflate(&bytes).unwrap());
        let key = DecryptionKey::from_bytes(&[7; 16]).unwrap();
        let _ = decode(&text, &Limits::default());
        let _ = decode_with_key(&text, &Limits::default(), &key);
    }

    #[test]
    fn mutated_credentials_never_panic(position in any::<prop::sample::Index>(), byte in any::<u8>()) {
        // Flipping one byte of a real credential's CBOR reaches deep into COSE and claims parsing.
        let key = SigningKey::generate(Algorithm::EdDSA);
        let sign1 = transport::inflate(
            &base45::decode(encode(&lan(), &meta(), &key).unwrap()).unwrap(),
            &Limits::default(),
        ).unwrap();
        let mut bytes = sign1.clone();
        let at = position.index(bytes.len());
        bytes[at] = byte;
        let text = base45::encode(transport::deflate(&bytes).unwrap());
        if let Ok(credential) = decode(&text, &Limits::default())
            && bytes != sign1
        {
            // Any change that still decodes must break the signature (or the header it names).
            prop_assert!(credential.verify(&key.verifying_key()).is_err());
        }
    }
}

#[test]
fn deep_nesting_is_refused_without_exhausting_the_stack() {
    // 60,000 nested arrays or tags compress to a few hundred bytes; the CBOR reader's depth limit must stop them.
    for byte in [0x81u8, 0xc6, 0xa1] {
        let mut bytes = vec![byte; 60_000];
        bytes.push(0);
        let text = base45::encode(transport::deflate(&bytes).unwrap());
        let err = decode(&text, &Limits::default()).unwrap_err();
        assert_eq!(err.step(), Step::Cbor, "{byte:#x}: {err}");
    }
}
