//! Địa chỉ số — the digital address of a dwelling: `00070-7PH72VH3+CM-1-8`.
//!
//! Four parts a person can read aloud and type: the commune's code; the plus code of the 14 m cell the dwelling
//! stands in (so any map finds it); the dwelling's number within that cell (for apartments and shared plots);
//! and a check character, so that a mistyped code is refused instead of sending someone to the wrong house.
//!
//! The check character is Luhn mod N over the code's own 22-symbol alphabet (the digits and the plus-code
//! letters): it catches every single wrong character and every swap of two neighbours.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::admin_unit::{AdminUnitCode, Level};
use serde_with::{DeserializeFromStr, SerializeDisplay};

use crate::lang::{Lang, Localized};
use crate::olc::{self, PlusCode};

const ALPHABET: &[u8; 22] = b"0123456789CFGHJMPQRVWX";

/// Why a string is not a digital address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigitalAddressError {
    /// Not `COMMUNE-PLUSCODE-NUMBERCHECK`.
    #[error("a digital address looks like 00070-7PH72VH3+CM-1-8")]
    Format,
    /// The first part is not a commune.
    #[error("the first part is not a commune code")]
    Commune,
    /// The second part is not a 10-digit plus code.
    #[error("the second part is not a 10-digit plus code")]
    PlusCode,
    /// The check character does not match: a character is wrong or two are swapped.
    #[error("the check character does not match: a character is mistyped")]
    Check,
}

impl Localized for DigitalAddressError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::Format, Lang::Vi) => "Địa chỉ số có dạng 00070-7PH72VH3+CM-1-8.".into(),
            (Self::Commune, Lang::Vi) => "Phần đầu của địa chỉ số không phải mã xã, phường.".into(),
            (Self::PlusCode, Lang::Vi) => "Phần giữa của địa chỉ số không phải mã vị trí (plus code) 10 ký tự.".into(),
            (Self::Check, Lang::Vi) => "Ký tự kiểm tra không khớp: địa chỉ số bị gõ sai.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

/// A well-formed digital address of a dwelling in an existing commune.
#[derive(Debug, Clone, PartialEq, Eq, Hash, DeserializeFromStr, SerializeDisplay)]
pub struct DigitalAddress {
    commune: AdminUnitCode,
    plus_code: PlusCode,
    number: u16,
}

fn value(c: u8) -> Option<usize> {
    ALPHABET.iter().position(|&a| a == c.to_ascii_uppercase())
}

/// Luhn mod N: the character that makes the weighted sum of `payload` divisible by N.
fn check_char(payload: &str) -> char {
    let n = ALPHABET.len();
    let mut sum = 0;
    let mut factor = 2;
    for c in payload.bytes().rev().filter_map(value) {
        let addend = factor * c;
        sum += addend / n + addend % n;
        factor = if factor == 2 { 1 } else { 2 };
    }
    char::from(ALPHABET[(n - sum % n) % n])
}

impl DigitalAddress {
    /// The address of dwelling `number` (1–999) in the cell containing `plus_code`, in `commune`.
    pub fn new(commune: AdminUnitCode, plus_code: PlusCode, number: u16) -> Option<DigitalAddress> {
        let ten_digits = plus_code.as_str().len() == 11;
        (commune.level() == Level::Commune && ten_digits && (1..=999).contains(&number)).then_some(DigitalAddress {
            commune,
            plus_code,
            number,
        })
    }

    /// The commune.
    pub fn commune(&self) -> AdminUnitCode {
        self.commune
    }

    /// The plus code of the dwelling's cell.
    pub fn plus_code(&self) -> &PlusCode {
        &self.plus_code
    }

    /// The dwelling's number within the cell.
    pub fn number(&self) -> u16 {
        self.number
    }

    fn payload(&self) -> String {
        format!("{}-{}-{}", self.commune, self.plus_code, self.number)
    }
}

impl FromStr for DigitalAddress {
    type Err = DigitalAddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_uppercase();
        let mut parts = s.split('-');
        let (Some(commune), Some(plus), Some(number), Some(check), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(DigitalAddressError::Format);
        };
        if check.len() != 1 || number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DigitalAddressError::Format);
        }
        let number: u16 = number.parse().map_err(|_| DigitalAddressError::Format)?;
        let commune: AdminUnitCode = commune.parse().map_err(|_| DigitalAddressError::Commune)?;
        if commune.level() != Level::Commune {
            return Err(DigitalAddressError::Commune);
        }
        if plus.len() != 11 || !olc::is_full(plus) {
            return Err(DigitalAddressError::PlusCode);
        }
        let plus_code = PlusCode::parse(plus).map_err(|_| DigitalAddressError::PlusCode)?;
        let address = DigitalAddress::new(commune, plus_code, number).ok_or(DigitalAddressError::Format)?;
        if !check.starts_with(check_char(&address.payload())) {
            return Err(DigitalAddressError::Check);
        }
        Ok(address)
    }
}

impl fmt::Display for DigitalAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let payload = self.payload();
        write!(f, "{payload}-{}", check_char(&payload))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn sample() -> DigitalAddress {
        DigitalAddress::new("00070".parse().unwrap(), PlusCode::at(21.0285, 105.8542), 1).unwrap()
    }

    #[test]
    fn round_trips() {
        let a = sample();
        let text = a.to_string();
        assert!(text.starts_with("00070-7PH72VH3+CM-1-"), "{text}");
        assert_eq!(text.parse::<DigitalAddress>().unwrap(), a);
        assert_eq!(text.to_lowercase().parse::<DigitalAddress>().unwrap(), a);
    }

    #[test]
    fn refuses_bad_parts() {
        assert_eq!("00070-7PH72VH3+CM-1".parse::<DigitalAddress>(), Err(DigitalAddressError::Format));
        assert_eq!("00070-7PH72VH3+CM-18".parse::<DigitalAddress>(), Err(DigitalAddressError::Format));
        assert_eq!("00070-7PH72VH3+CM-À-8".parse::<DigitalAddress>(), Err(DigitalAddressError::Format));
        assert_eq!("01-7PH72VH3+CM-1-8".parse::<DigitalAddress>(), Err(DigitalAddressError::Commune));
        assert_eq!("00070-7PH72VH3+C-1-8".parse::<DigitalAddress>(), Err(DigitalAddressError::PlusCode));
        assert_eq!("00070-7PH72VH3+CM-0-8".parse::<DigitalAddress>(), Err(DigitalAddressError::Format));
    }

    proptest! {
        #[test]
        fn every_single_typo_is_caught(pos in 0usize..30, replacement in proptest::sample::select(ALPHABET.to_vec())) {
            let text = sample().to_string();
            let mut bytes = text.clone().into_bytes();
            let pos = pos % bytes.len();
            prop_assume!(bytes[pos] != b'-' && bytes[pos] != b'+' && bytes[pos] != replacement);
            bytes[pos] = replacement;
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert!(typo.parse::<DigitalAddress>().is_err(), "{} accepted", typo);
        }

        #[test]
        fn every_neighbour_swap_is_caught(pos in 0usize..30) {
            let text = sample().to_string();
            let mut bytes = text.clone().into_bytes();
            let pos = pos % (bytes.len() - 1);
            prop_assume!(bytes[pos] != bytes[pos + 1] && ![bytes[pos], bytes[pos + 1]].iter().any(|b| *b == b'-' || *b == b'+'));
            bytes.swap(pos, pos + 1);
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert!(typo.parse::<DigitalAddress>().is_err(), "{} accepted", typo);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = s.parse::<DigitalAddress>();
        }
    }
}
