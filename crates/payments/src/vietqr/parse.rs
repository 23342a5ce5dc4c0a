//! Reading a payload: the CRC first (a damaged scan says so before anything else), then the fields.

use super::{
    AccountNumber, BankBin, CRC16, Initiation, NAPAS_GUID, Purpose, Service, Text, VietQr, VietQrError, all_printable,
};

/// One template's fields in order: (tag, value).
fn split<'a>(at: &str, mut rest: &'a str) -> Result<Vec<(u8, &'a str)>, VietQrError> {
    let truncated = || VietQrError::Truncated { at: at.to_owned() };
    let mut out: Vec<(u8, &'a str)> = Vec::new();
    while !rest.is_empty() {
        let head = rest.get(..4).ok_or_else(truncated)?;
        if !head.bytes().all(|b| b.is_ascii_digit()) {
            return Err(truncated());
        }
        let tag: u8 = head[..2].parse().map_err(|_| truncated())?;
        let len: usize = head[2..].parse().map_err(|_| truncated())?;
        let value = rest.get(4..4 + len).ok_or_else(truncated)?;
        if out.iter().any(|(t, _)| *t == tag) {
            return Err(VietQrError::Duplicate(name(at, tag)));
        }
        out.push((tag, value));
        rest = &rest[4 + len..];
    }
    Ok(out)
}

/// A field's name as people write it: `54`, `38.01`.
fn name(at: &str, tag: u8) -> String {
    if at == "top" { format!("{tag:02}") } else { format!("{at}.{tag:02}") }
}

fn take<'a>(fields: &mut Vec<(u8, &'a str)>, tag: u8) -> Option<&'a str> {
    let i = fields.iter().position(|(t, _)| *t == tag)?;
    Some(fields.remove(i).1)
}

pub(super) fn parse(payload: &str) -> Result<VietQr, VietQrError> {
    if !all_printable(payload) {
        return Err(VietQrError::NotAscii);
    }
    // The CRC field is the last eight characters, its value the hex of the CRC of everything before them.
    let split_at = payload.len().checked_sub(4).ok_or(VietQrError::NoCrc)?;
    let (body, crc) = payload.split_at(split_at);
    if !body.ends_with("6304") || !crc.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(VietQrError::NoCrc);
    }
    let found = u16::from_str_radix(crc, 16).map_err(|_| VietQrError::NoCrc)?;
    let computed = CRC16.checksum(body.as_bytes());
    if found != computed {
        return Err(VietQrError::Crc { found, computed });
    }
    let mut top = split("top", &payload[..payload.len() - 8])?;
    if top.first().map(|(tag, _)| *tag) != Some(0) {
        return Err(VietQrError::Missing("00"));
    }
    if top.iter().any(|(tag, _)| *tag == 63) {
        return Err(VietQrError::Unexpected("63".into()));
    }
    if take(&mut top, 0) != Some("01") {
        return Err(VietQrError::Value { field: "00", problem: "the payload format indicator is 01" });
    }
    let initiation = match take(&mut top, 1).ok_or(VietQrError::Missing("01"))? {
        "11" => Initiation::Static,
        "12" => Initiation::Dynamic,
        _ => return Err(VietQrError::Value { field: "01", problem: "the point of initiation is 11 or 12" }),
    };
    let (bin, account, service) = napas(take(&mut top, 38).ok_or(VietQrError::Missing("38"))?)?;
    if take(&mut top, 53).ok_or(VietQrError::Missing("53"))? != "704" {
        return Err(VietQrError::Value { field: "53", problem: "VietQR is paid in đồng (704)" });
    }
    if take(&mut top, 58).ok_or(VietQrError::Missing("58"))? != "VN" {
        return Err(VietQrError::Value { field: "58", problem: "the country is VN" });
    }
    let category = take(&mut top, 52).map(category).transpose()?;
    let amount = take(&mut top, 54).map(amount).transpose()?;
    let merchant_name = take(&mut top, 59).map(|n| Text::parse("59", n, 25)).transpose()?;
    let merchant_city = take(&mut top, 60).map(|c| Text::parse("60", c, 15)).transpose()?;
    let (bill, purpose, extra_additional) = match take(&mut top, 62) {
        Some(value) => additional(value)?,
        None => (None, None, Vec::new()),
    };
    let extra = top
        .into_iter()
        .map(|(tag, value)| {
            Ok((tag, Text::parse("top", value, 99).map_err(|_| VietQrError::Truncated { at: name("top", tag) })?))
        })
        .collect::<Result<_, VietQrError>>()?;
    Ok(VietQr {
        initiation,
        bin,
        account,
        service,
        category,
        amount,
        merchant_name,
        merchant_city,
        bill,
        purpose,
        extra,
        extra_additional,
    })
}

/// Tag 38: the GUID, the beneficiary (BIN and account) and the service.
fn napas(value: &str) -> Result<(BankBin, AccountNumber, Option<Service>), VietQrError> {
    let mut fields = split("38", value)?;
    if take(&mut fields, 0).ok_or(VietQrError::Missing("38.00"))? != NAPAS_GUID {
        return Err(VietQrError::Value { field: "38.00", problem: "the GUID of NAPAS is A000000727" });
    }
    let mut beneficiary = split("38.01", take(&mut fields, 1).ok_or(VietQrError::Missing("38.01"))?)?;
    let bin = BankBin::parse(take(&mut beneficiary, 0).ok_or(VietQrError::Missing("38.01.00"))?)?;
    let account = AccountNumber::parse(take(&mut beneficiary, 1).ok_or(VietQrError::Missing("38.01.01"))?)?;
    if let Some((tag, _)) = beneficiary.first() {
        return Err(VietQrError::Unexpected(name("38.01", *tag)));
    }
    let service = match take(&mut fields, 2) {
        None => None,
        Some("QRIBFTTA") => Some(Service::ToAccount),
        Some("QRIBFTTC") => Some(Service::ToCard),
        Some(_) => return Err(VietQrError::Value { field: "38.02", problem: "the service is QRIBFTTA or QRIBFTTC" }),
    };
    if let Some((tag, _)) = fields.first() {
        return Err(VietQrError::Unexpected(name("38", *tag)));
    }
    Ok((bin, account, service))
}

fn category(value: &str) -> Result<Text, VietQrError> {
    if value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()) {
        Text::parse("52", value, 4)
    } else {
        Err(VietQrError::Value { field: "52", problem: "the merchant category code is four digits" })
    }
}

/// Tag 54 in whole đồng: digits without a leading zero (so that it re-encodes as it came), at most 13.
fn amount(value: &str) -> Result<u64, VietQrError> {
    let bad = VietQrError::Value { field: "54", problem: "the amount is 1 to 13 digits of whole đồng, not 0" };
    if value.is_empty() || value.len() > 13 || value.starts_with('0') || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad);
    }
    value.parse().map_err(|_| bad)
}

type Additional = (Option<Text>, Option<Purpose>, Vec<(u8, Text)>);

/// Tag 62: the bill number, the purpose, and whatever else it holds.
fn additional(value: &str) -> Result<Additional, VietQrError> {
    let mut fields = split("62", value)?;
    let bill = take(&mut fields, 1).map(|b| Text::parse("62.01", b, 25)).transpose()?;
    let purpose = take(&mut fields, 8).map(Purpose::parse).transpose()?;
    let extra = fields
        .into_iter()
        .map(|(tag, value)| {
            Ok((tag, Text::parse("62", value, 99).map_err(|_| VietQrError::Truncated { at: name("62", tag) })?))
        })
        .collect::<Result<_, VietQrError>>()?;
    Ok((bill, purpose, extra))
}
