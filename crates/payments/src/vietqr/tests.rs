use proptest::prelude::*;

use super::*;

fn example() -> VietQr {
    VietQr::for_transfer(
        BankBin::parse("970403").unwrap(),
        AccountNumber::parse("0011012345678").unwrap(),
        180_000,
        Text::parse("62.01", "NPS6869", 25).unwrap(),
        Purpose::parse("thanh toan don hang").ok(),
    )
}

#[test]
fn the_napas_example_is_what_a_transfer_encodes_to() {
    assert_eq!(
        example().encode(),
        "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA530370454061800005802VN\
         62340107NPS68690819thanh toan don hang63042E2E"
    );
}

#[test]
fn the_crc_is_ccitt_false() {
    assert_eq!(CRC16.checksum(b"123456789"), 0x29B1);
}

#[test]
fn purposes_lose_their_diacritics_and_stop_at_25_characters() {
    assert_eq!(Purpose::fold("Lệ phí đăng ký khai sinh").unwrap().as_str(), "le phi dang ky khai sinh");
    assert_eq!(Purpose::fold("Thanh toán lệ phí cấp bản sao trích lục").unwrap().as_str(), "thanh toan le phi cap ban");
    assert_eq!(Purpose::fold("  ✓ "), None);
    assert!(Purpose::parse("x".repeat(26).as_str()).is_err());
}

#[test]
fn each_broken_field_is_named() {
    let good = example().encode();
    let with_crc = |body: &str| format!("{body}6304{:04X}", CRC16.checksum(format!("{body}6304").as_bytes()));
    let body = &good[..good.len() - 8];
    assert_eq!(
        VietQr::parse(&with_crc(&body.replace("5303704", "5303840"))).unwrap_err(),
        VietQrError::Value { field: "53", problem: "VietQR is paid in đồng (704)" }
    );
    assert_eq!(
        VietQr::parse(&with_crc(&body.replace("A000000727", "A000000728"))).unwrap_err().to_string(),
        "field 38.00: the GUID of NAPAS is A000000727"
    );
    assert_eq!(VietQr::parse(&with_crc(&body.replace("5802VN", ""))).unwrap_err(), VietQrError::Missing("58"));
    assert_eq!(VietQr::parse(&with_crc(&format!("{body}5802VN"))).unwrap_err(), VietQrError::Duplicate("58".into()));
    assert!(matches!(VietQr::parse(&with_crc(&body.replace("540618", "540718"))), Err(VietQrError::Truncated { .. })));
    assert_eq!(VietQr::parse("6304").unwrap_err(), VietQrError::NoCrc);
    assert_eq!(VietQr::parse("Thanh toán").unwrap_err(), VietQrError::NotAscii);
}

fn text(max: usize) -> impl Strategy<Value = Text> {
    proptest::string::string_regex(&format!("[ -~]{{1,{max}}}")).unwrap().prop_map(Text)
}

prop_compose! {
    fn any_vietqr()(
        dynamic in any::<bool>(),
        bin in "[0-9]{6}",
        account in "[0-9A-Z]{1,19}",
        service in proptest::option::of(prop_oneof![Just(Service::ToAccount), Just(Service::ToCard)]),
        category in proptest::option::of("[0-9]{4}"),
        amount in proptest::option::of(1u64..10_000_000_000_000),
        merchant_name in proptest::option::of(text(25)),
        merchant_city in proptest::option::of(text(15)),
        bill in proptest::option::of(text(25)),
        purpose in proptest::option::of("[ -~]{1,25}"),
        extra_additional in proptest::collection::btree_map(prop_oneof![2u8..8, 9u8..99], text(20), 0..3),
    ) -> VietQr {
        VietQr {
            initiation: if dynamic { Initiation::Dynamic } else { Initiation::Static },
            bin: BankBin(bin),
            account: AccountNumber(account),
            service,
            category: category.map(Text),
            amount,
            merchant_name,
            merchant_city,
            bill,
            purpose: purpose.map(Purpose),
            extra: Vec::new(),
            extra_additional: extra_additional.into_iter().collect(),
        }
    }
}

/// Field 62 holds its subfields in at most 99 characters, as any parsed or built code does.
fn fits(qr: &VietQr) -> bool {
    let sub = |len: usize| len + 4;
    let additional: usize = qr.extra_additional.iter().map(|(_, value)| sub(value.0.len())).sum::<usize>()
        + qr.bill.iter().map(|bill| sub(bill.0.len())).sum::<usize>()
        + qr.purpose.iter().map(|purpose| sub(purpose.0.len())).sum::<usize>();
    additional <= 99
}

proptest! {
    #[test]
    fn what_is_encoded_parses_back(qr in any_vietqr().prop_filter("field 62 fits in 99 characters", fits)) {
        let payload = qr.encode();
        prop_assert_eq!(VietQr::parse(&payload), Ok(qr));
    }

    #[test]
    fn any_string_is_parsed_or_refused_without_panic(s in "\\PC{0,200}") {
        let _ = VietQr::parse(&s);
    }

    #[test]
    fn any_body_under_a_correct_crc_is_parsed_or_refused_without_panic(body in "[0-9A-Z ]{0,120}") {
        let payload = format!("{body}6304{:04X}", CRC16.checksum(format!("{body}6304").as_bytes()));
        if let Ok(qr) = VietQr::parse(&payload) {
            prop_assert_eq!(VietQr::parse(&qr.encode()), Ok(qr));
        }
    }
}
