//! The shared VietQR suite (`tests/conformance/vietqr/vectors.tsv`), run whole.
#![allow(clippy::unwrap_used, missing_docs)]

use payments::vietqr::{Initiation, Service, VietQr, VietQrError};

const VECTORS: &str = include_str!("conformance/vietqr/vectors.tsv");

fn vectors() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    VECTORS.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).map(|line| {
        let mut cols = line.split('\t');
        (cols.next().unwrap(), cols.next().unwrap(), cols.next().unwrap_or(""))
    })
}

#[test]
fn every_valid_payload_parses_and_re_encodes_to_itself() {
    let mut n = 0;
    for (expect, payload, about) in vectors().filter(|(e, _, _)| *e == "valid") {
        let qr = VietQr::parse(payload).unwrap_or_else(|e| panic!("{about}: {e}"));
        assert_eq!(qr.encode(), payload, "{about} ({expect})");
        n += 1;
    }
    assert_eq!(n, 8);
}

#[test]
fn every_broken_payload_is_refused_for_its_reason() {
    let mut n = 0;
    for (expect, payload, about) in vectors().filter(|(e, _, _)| *e != "valid") {
        let err = VietQr::parse(payload).expect_err(about);
        match expect {
            "invalid-crc" => assert!(matches!(err, VietQrError::Crc { .. }), "{about}: {err}"),
            "invalid-structure" => assert!(
                matches!(err, VietQrError::Truncated { .. } | VietQrError::Unexpected(_) | VietQrError::Missing(_)),
                "{about}: {err}"
            ),
            other => panic!("unknown expectation {other}"),
        }
        n += 1;
    }
    assert_eq!(n, 3);
}

#[test]
fn the_valid_payloads_hold_the_fields_their_description_names() {
    let all: Vec<_> = vectors().collect();
    let napas = VietQr::parse(all[0].1).unwrap();
    assert_eq!(napas.initiation, Initiation::Dynamic);
    assert_eq!((napas.bin.as_str(), napas.account.as_str()), ("970403", "0011012345678"));
    assert_eq!(napas.service, Some(Service::ToAccount));
    assert_eq!(napas.amount, Some(180_000));
    assert_eq!(napas.bill.as_ref().map(|b| b.as_str()), Some("NPS6869"));
    assert_eq!(napas.purpose.as_ref().map(|p| p.as_str()), Some("thanh toan don hang"));

    let card = VietQr::parse(all[1].1).unwrap();
    assert_eq!((card.initiation, card.service, card.amount), (Initiation::Static, Some(Service::ToCard), None));
    assert_eq!(card.account.as_str(), "9704031101234567");

    let cut = VietQr::parse(all[4].1).unwrap();
    assert_eq!(cut.account.as_str().len(), 19);
    assert_eq!(cut.purpose.as_ref().map(|p| p.as_str().len()), Some(25));

    let merchant = VietQr::parse(all[7].1).unwrap();
    assert_eq!(merchant.service, None);
    assert_eq!(merchant.category.as_ref().map(|c| c.as_str()), Some("5812"));
    assert_eq!(merchant.merchant_name.as_ref().map(|n| n.as_str()), Some("PHUONG CAC"));
    assert_eq!(merchant.merchant_city.as_ref().map(|c| c.as_str()), Some("HANOI"));
    assert_eq!(merchant.extra_additional.len(), 1);
}

#[test]
fn the_wrong_crc_is_reported_with_the_right_one() {
    let (_, payload, _) = vectors().find(|(e, _, _)| *e == "invalid-crc").unwrap();
    assert_eq!(VietQr::parse(payload).unwrap_err(), VietQrError::Crc { found: 0xE69F, computed: 0x13BC });
}
