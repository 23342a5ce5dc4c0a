//! VietQR: NAPAS's profile of EMVCo QR Code Merchant-Presented Mode, the payload any Vietnamese banking app pays.
//!
//! A payload is a run of TLV fields (two-digit tag, two-digit length, value) ending in a CRC-16/CCITT-FALSE over
//! everything before its four hex digits. VietQR puts the beneficiary in tag 38 (GUID `A000000727` of NAPAS; in
//! 38.01 the bank's BIN and the account or card number; in 38.02 the service, `QRIBFTTA` to an account or
//! `QRIBFTTC` to a card), the currency 704 (đồng) in 53, the amount in 54, `VN` in 58, and in 62 the bill
//! reference (62.01) and the purpose of the transfer (62.08). [`VietQr::parse`] reads one into the typed
//! [`VietQr`] and refuses anything else with a [`VietQrError`]; [`VietQr::encode`] writes the fields in tag
//! order, so that a payload in that order re-encodes to itself.

mod parse;
#[cfg(test)]
mod tests;

use std::fmt;

use crc::{CRC_16_IBM_3740, Crc};

/// CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, no reflection), which the catalogue names IBM-3740.
const CRC16: Crc<u16> = Crc::<u16>::new(&CRC_16_IBM_3740);

/// The NAPAS GUID that marks tag 38 as VietQR.
pub const NAPAS_GUID: &str = "A000000727";

/// Why a string is not a VietQR payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VietQrError {
    /// Characters outside printable ASCII (the payload's lengths count bytes of ASCII).
    #[error("a VietQR payload is printable ASCII")]
    NotAscii,
    /// Too short to hold even the CRC, or not ending in the CRC field `6304XXXX`.
    #[error("the payload does not end in its CRC field (6304 and four hex digits)")]
    NoCrc,
    /// The CRC does not match the payload.
    #[error("the CRC is {found:04X} but the payload's is {computed:04X}")]
    Crc {
        /// The CRC the payload carries.
        found: u16,
        /// The CRC of its content.
        computed: u16,
    },
    /// A field's tag or length is not two digits, or its value runs past the end of its template.
    #[error("field {at}: the tag or length is malformed, or the value runs past the end")]
    Truncated {
        /// Where: the template (`38`, `38.01`, `62`) or `top` for the payload itself.
        at: String,
    },
    /// A tag given twice in one template.
    #[error("field {0} is given twice")]
    Duplicate(String),
    /// A field VietQR requires is missing.
    #[error("field {0} is missing")]
    Missing(&'static str),
    /// A field is not where VietQR allows it (a sub-field a template does not have, the CRC before the end).
    #[error("field {0} is not allowed there")]
    Unexpected(String),
    /// A field's value is not what VietQR allows.
    #[error("field {field}: {problem}")]
    Value {
        /// The field, such as `38.00` or `54`.
        field: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
}

/// Field 01: whether the code is for one payment (dynamic, with its amount) or reused (static).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initiation {
    /// `11`: the same code for every payment.
    Static,
    /// `12`: a code for one payment.
    Dynamic,
}

/// Field 38.02: what the beneficiary identifier in 38.01.01 is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// `QRIBFTTA`: fast transfer to an account number.
    ToAccount,
    /// `QRIBFTTC`: fast transfer to a card number.
    ToCard,
}

impl Service {
    /// The code in the payload.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::ToAccount => "QRIBFTTA",
            Service::ToCard => "QRIBFTTC",
        }
    }
}

/// A bank's BIN in the NAPAS network (38.01.00): six digits, such as 970403.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BankBin(String);

/// An account or card number (38.01.01): 1 to 19 letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountNumber(String);

/// A field of text the payload carries as it is: 1 to `max` printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text(String);

/// The purpose of a transfer (62.08): at most 25 characters of ASCII, which VietQR asks to be without diacritics.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Purpose(String);

/// A decoded VietQR payload. Fields VietQR does not name are kept, in `extra` (top level) and `extra_additional`
/// (inside 62), so that a payload re-encodes to itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VietQr {
    /// 01.
    pub initiation: Initiation,
    /// 38.01.00.
    pub bin: BankBin,
    /// 38.01.01.
    pub account: AccountNumber,
    /// 38.02; merchant codes (QR push) have none.
    pub service: Option<Service>,
    /// 52, the merchant category code (four digits).
    pub category: Option<Text>,
    /// 54, whole đồng; `None` lets the payer type it.
    pub amount: Option<u64>,
    /// 59.
    pub merchant_name: Option<Text>,
    /// 60.
    pub merchant_city: Option<Text>,
    /// 62.01, the bill number.
    pub bill: Option<Text>,
    /// 62.08.
    pub purpose: Option<Purpose>,
    /// Other top-level fields, by tag.
    pub extra: Vec<(u8, Text)>,
    /// Other fields of 62, by tag.
    pub extra_additional: Vec<(u8, Text)>,
}

fn all_printable(s: &str) -> bool {
    s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

impl BankBin {
    /// Parses a BIN.
    pub fn parse(s: &str) -> Result<Self, VietQrError> {
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(BankBin(s.to_owned()))
        } else {
            Err(VietQrError::Value { field: "38.01.00", problem: "a bank BIN is six digits" })
        }
    }

    /// The BIN's digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AccountNumber {
    /// Parses an account or card number.
    pub fn parse(s: &str) -> Result<Self, VietQrError> {
        if (1..=19).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(AccountNumber(s.to_owned()))
        } else {
            Err(VietQrError::Value { field: "38.01.01", problem: "an account is 1 to 19 letters and digits" })
        }
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Text {
    /// Text of 1 to `max` (at most 99) printable ASCII characters, for `field`.
    pub fn parse(field: &'static str, s: &str, max: usize) -> Result<Self, VietQrError> {
        if s.is_empty() || s.len() > max.min(99) || !all_printable(s) {
            return Err(VietQrError::Value { field, problem: "too long, empty or not printable ASCII" });
        }
        Ok(Text(s.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Purpose {
    /// The longest purpose VietQR carries.
    pub const MAX: usize = 25;

    /// A purpose as the payload carries it: 1 to 25 printable ASCII characters.
    pub fn parse(s: &str) -> Result<Self, VietQrError> {
        Text::parse("62.08", s, Self::MAX).map(|t| Purpose(t.0))
    }

    /// Any text made fit for 62.08: Vietnamese folded to ASCII without diacritics (đ → d, lower case, as
    /// `kernel::text::fold` does), anything else non-ASCII dropped, cut to 25 characters. `None` when nothing is
    /// left.
    pub fn fold(text: &str) -> Option<Self> {
        let folded: String = kernel::text::fold(text).chars().filter(|c| (' '..='~').contains(c)).collect();
        let cut: String = folded.chars().take(Self::MAX).collect();
        let cut = cut.trim();
        if cut.is_empty() { None } else { Some(Purpose(cut.to_owned())) }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BankBin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Appends one TLV field; every value reaching here is typed to at most 99 bytes.
fn tlv(out: &mut String, tag: u8, value: &str) {
    use fmt::Write;
    let _ = write!(out, "{tag:02}{:02}{value}", value.len());
}

fn fields(out: &mut String, mut fields: Vec<(u8, String)>) {
    fields.sort_by_key(|(tag, _)| *tag);
    for (tag, value) in fields {
        tlv(out, tag, &value);
    }
}

impl VietQr {
    /// A dynamic code for one transfer of `amount` đồng to an account, with the bill's reference and purpose.
    pub fn for_transfer(
        bin: BankBin,
        account: AccountNumber,
        amount: u64,
        bill: Text,
        purpose: Option<Purpose>,
    ) -> VietQr {
        VietQr {
            initiation: Initiation::Dynamic,
            bin,
            account,
            service: Some(Service::ToAccount),
            category: None,
            amount: Some(amount),
            merchant_name: None,
            merchant_city: None,
            bill: Some(bill),
            purpose,
            extra: Vec::new(),
            extra_additional: Vec::new(),
        }
    }

    /// Parses a payload.
    pub fn parse(payload: &str) -> Result<VietQr, VietQrError> {
        parse::parse(payload)
    }

    /// The payload: fields in tag order, then the CRC.
    pub fn encode(&self) -> String {
        let mut beneficiary = String::new();
        tlv(&mut beneficiary, 0, self.bin.as_str());
        tlv(&mut beneficiary, 1, self.account.as_str());
        let mut napas = String::new();
        tlv(&mut napas, 0, NAPAS_GUID);
        tlv(&mut napas, 1, &beneficiary);
        if let Some(service) = self.service {
            tlv(&mut napas, 2, service.as_str());
        }
        let mut additional = String::new();
        let mut sub: Vec<(u8, String)> =
            self.extra_additional.iter().map(|(tag, value)| (*tag, value.0.clone())).collect();
        sub.extend(self.bill.iter().map(|bill| (1, bill.0.clone())));
        sub.extend(self.purpose.iter().map(|purpose| (8, purpose.0.clone())));
        fields(&mut additional, sub);

        let initiation = match self.initiation {
            Initiation::Static => "11",
            Initiation::Dynamic => "12",
        };
        let mut top: Vec<(u8, String)> = self.extra.iter().map(|(tag, value)| (*tag, value.0.clone())).collect();
        top.extend([(0, "01".to_owned()), (1, initiation.to_owned()), (38, napas), (53, "704".to_owned())]);
        top.push((58, "VN".to_owned()));
        top.extend(self.category.iter().map(|c| (52, c.0.clone())));
        top.extend(self.amount.map(|a| (54, a.to_string())));
        top.extend(self.merchant_name.iter().map(|n| (59, n.0.clone())));
        top.extend(self.merchant_city.iter().map(|c| (60, c.0.clone())));
        if !additional.is_empty() {
            top.push((62, additional));
        }
        let mut out = String::with_capacity(160);
        fields(&mut out, top);
        out.push_str("6304");
        let crc = CRC16.checksum(out.as_bytes());
        out.push_str(&format!("{crc:04X}"));
        out
    }
}
