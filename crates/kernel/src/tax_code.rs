//! Mã số thuế — the enterprise tax code, which since 2015 is also the enterprise registration number.
//!
//! Ten digits `PP SSSSSSS C`: a province prefix, a sequence and a check digit; a branch or dependent unit adds a
//! three-digit suffix `-001`…`-999`. The check digit is `10 − (Σ dᵢ·wᵢ mod 11)` with weights 31, 29, 23, 19, 17,
//! 13, 7, 5, 3; a result of 10 is never issued.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde_with::{DeserializeFromStr, SerializeDisplay};

use crate::lang::{Lang, Localized};

const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

/// Why a string is not a tax code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxCodeError {
    /// Neither 10 nor 13 digits once spaces, dots and the branch dash are removed.
    #[error("a tax code has 10 digits, or 13 with a branch suffix")]
    Length,
    /// Something other than digits, spaces, dots and one dash before the branch suffix.
    #[error("a tax code contains only digits, and a dash before the branch suffix")]
    Format,
    /// Digits 3 to 9 are all zero, a sequence never issued.
    #[error("digits 3 to 9 of a tax code cannot all be zero")]
    Sequence,
    /// The branch suffix is `000`.
    #[error("a branch suffix runs from 001 to 999")]
    Branch,
    /// The tenth digit does not match the other nine.
    #[error("the check digit does not match")]
    Checksum,
}

impl Localized for TaxCodeError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        let vi = match self {
            Self::Length => "Mã số thuế gồm 10 chữ số, hoặc 13 chữ số nếu là đơn vị phụ thuộc.",
            Self::Format => "Mã số thuế chỉ gồm chữ số, có thể có dấu gạch ngang trước 3 số đuôi của đơn vị phụ thuộc.",
            Self::Sequence => "Các chữ số từ thứ 3 đến thứ 9 của mã số thuế không thể đều bằng 0.",
            Self::Branch => "Ba số đuôi của đơn vị phụ thuộc phải từ 001 đến 999.",
            Self::Checksum => "Chữ số kiểm tra (chữ số thứ 10) của mã số thuế không đúng.",
        };
        match lang {
            Lang::Vi => vi.into(),
            Lang::En => self.to_string().into(),
        }
    }
}

/// A valid tax code, stored as its digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DeserializeFromStr, SerializeDisplay)]
pub struct TaxCode {
    digits: [u8; 13],
    len: u8,
}

impl TaxCode {
    /// The ten-digit code of the enterprise itself (for a branch, its parent).
    pub fn enterprise(&self) -> TaxCode {
        let mut digits = self.digits;
        digits[10..].fill(0);
        TaxCode { digits, len: 10 }
    }

    /// Issues the ten-digit code whose first nine digits are `first_nine`, with its check digit: `None` for
    /// anything but nine ASCII digits, digits 3 to 9 all zero, or nine digits whose check digit would be 10 (such a
    /// sequence is skipped, never issued).
    pub fn issue(first_nine: &str) -> Option<TaxCode> {
        let bytes = first_nine.as_bytes();
        if bytes.len() != 9 || !bytes.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let check = check_digit(bytes)?;
        format!("{first_nine}{check}").parse().ok()
    }

    /// The code of this enterprise's dependent unit (chi nhánh) number `number`, 1 to 999: `0100112437-001`.
    pub fn branch_code(&self, number: u16) -> Option<TaxCode> {
        if !(1..=999).contains(&number) {
            return None;
        }
        format!("{}-{number:03}", self.enterprise()).parse().ok()
    }

    /// The branch suffix, for a dependent unit.
    pub fn branch(&self) -> Option<&str> {
        (self.len == 13).then(|| self.str_of(10..13))
    }

    fn str_of(&self, range: std::ops::Range<usize>) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.digits[range]).unwrap_or_else(|_| unreachable!())
    }
}

/// The check digit for the first nine digits, or `None` where the rule yields 10 (never issued).
fn check_digit(first9: &[u8]) -> Option<u8> {
    let sum: u32 = first9.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    let check = 10 - sum % 11;
    (check < 10).then_some(check as u8)
}

impl FromStr for TaxCode {
    type Err = TaxCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut digits = [0u8; 13];
        let mut len = 0usize;
        let mut dash_at = None;
        for c in s.trim().chars() {
            match c {
                '0'..='9' => {
                    if len == 13 {
                        return Err(TaxCodeError::Length);
                    }
                    digits[len] = c as u8;
                    len += 1;
                }
                ' ' | '.' => {}
                '-' if dash_at.is_none() => dash_at = Some(len),
                _ => return Err(TaxCodeError::Format),
            }
        }
        if len != 10 && len != 13 {
            return Err(TaxCodeError::Length);
        }
        if dash_at.is_some_and(|at| at != 10 || len != 13) {
            return Err(TaxCodeError::Format);
        }
        if digits[2..9].iter().all(|&d| d == b'0') {
            return Err(TaxCodeError::Sequence);
        }
        if len == 13 && digits[10..13] == *b"000" {
            return Err(TaxCodeError::Branch);
        }
        if check_digit(&digits[..9]) != Some(digits[9] - b'0') {
            return Err(TaxCodeError::Checksum);
        }
        Ok(TaxCode { digits, len: len as u8 })
    }
}

impl fmt::Display for TaxCode {
    /// The canonical form: `0100112437`, or `0100112437-011` for a branch.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.str_of(0..10))?;
        if let Some(branch) = self.branch() {
            write!(f, "-{branch}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaxCode({self})")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn canonical_form_and_branches() {
        let t: TaxCode = "0312 68 78 78 - 001".parse().unwrap();
        assert_eq!(t.to_string(), "0312687878-001");
        assert_eq!(t.branch(), Some("001"));
        assert_eq!(t.enterprise().to_string(), "0312687878");
        let t: TaxCode = "0100112437011".parse().unwrap();
        assert_eq!(t.to_string(), "0100112437-011");
    }

    #[test]
    fn misplaced_dash_is_a_format_error() {
        assert_eq!("01001-12437".parse::<TaxCode>(), Err(TaxCodeError::Format));
        assert_eq!("0100112437-".parse::<TaxCode>(), Err(TaxCodeError::Format));
    }

    #[test]
    fn issued_codes_parse_and_carry_their_check_digit() {
        assert_eq!(TaxCode::issue("010011243").unwrap().to_string(), "0100112437");
        assert_eq!(TaxCode::issue("010000000"), None);
        assert_eq!(TaxCode::issue("01001124"), None);
        let parent = TaxCode::issue("010011243").unwrap();
        assert_eq!(parent.branch_code(11).unwrap().to_string(), "0100112437-011");
        assert_eq!(parent.branch_code(0), None);
    }

    proptest! {
        #[test]
        fn an_issued_code_is_valid_or_skipped(first9 in "[0-9]{9}") {
            if let Some(code) = TaxCode::issue(&first9) {
                prop_assert_eq!(code.to_string().parse::<TaxCode>(), Ok(code));
                prop_assert!(code.to_string().starts_with(&first9));
            } else {
                let zero = first9.as_bytes()[2..9].iter().all(|&d| d == b'0');
                prop_assert!(zero || check_digit(first9.as_bytes()).is_none());
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = s.parse::<TaxCode>();
        }

        #[test]
        fn a_changed_check_digit_is_rejected(first9 in "[0-9]{9}", wrong in 0u8..10) {
            prop_assume!(first9.as_bytes()[2..9].iter().any(|&d| d != b'0'));
            let right = check_digit(first9.as_bytes());
            prop_assume!(right != Some(wrong));
            prop_assert_eq!(format!("{first9}{wrong}").parse::<TaxCode>(), Err(TaxCodeError::Checksum));
            if let Some(right) = right {
                let valid = format!("{first9}{right}");
                prop_assert!(valid.parse::<TaxCode>().is_ok());
            }
        }
    }
}
