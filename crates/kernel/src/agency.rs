//! Mã cơ quan — the short code of an agency (a commune's People's Committee, a provincial department, a ministry).
//!
//! Two to twenty characters of upper-case ASCII letters, digits and dots, beginning with a letter: `UBND.00070`,
//! `SYT.01`, `BCA`. No dash, because dossier codes are `<agency>-<yymmdd>-<seq>` and must split back into their
//! parts; no lower case, so the same agency cannot be written two ways.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde_with::{DeserializeFromStr, SerializeDisplay};

use crate::lang::{Lang, Localized};

/// The longest agency code.
pub const MAX_LEN: usize = 20;

/// Why a string is not an agency code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgencyCodeError {
    /// Shorter than 2 or longer than [`MAX_LEN`] characters.
    #[error("an agency code has 2 to {MAX_LEN} characters")]
    Length,
    /// A character other than A–Z, 0–9 and `.`, or a first character that is not a letter, or an empty part
    /// between dots.
    #[error("an agency code is upper-case letters, digits and dots, beginning with a letter, such as UBND.00070")]
    Format,
}

impl Localized for AgencyCodeError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::Length, Lang::Vi) => format!("Mã cơ quan gồm 2 đến {MAX_LEN} ký tự.").into(),
            (Self::Format, Lang::Vi) => {
                "Mã cơ quan gồm chữ in hoa không dấu, chữ số và dấu chấm, bắt đầu bằng chữ cái, ví dụ UBND.00070."
                    .into()
            }
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

/// A valid agency code.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, DeserializeFromStr, SerializeDisplay)]
pub struct AgencyCode(String);

impl AgencyCode {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for AgencyCode {
    type Err = AgencyCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if !(2..=MAX_LEN).contains(&s.len()) {
            return Err(AgencyCodeError::Length);
        }
        let well_formed = s.starts_with(|c: char| c.is_ascii_uppercase())
            && s.split('.')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        if well_formed { Ok(AgencyCode(s.to_owned())) } else { Err(AgencyCodeError::Format) }
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AgencyCode({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn examples() {
        for ok in ["UBND.00070", "SYT.01", "BCA", "CA.01.PC06"] {
            assert_eq!(ok.parse::<AgencyCode>().unwrap().as_str(), ok);
        }
        assert_eq!(" BTP ".parse::<AgencyCode>().unwrap().as_str(), "BTP");
        for (bad, why) in [
            ("B", AgencyCodeError::Length),
            ("UBND.00070.XA.PHUONGX", AgencyCodeError::Length),
            ("ubnd", AgencyCodeError::Format),
            ("UBND-1", AgencyCodeError::Format),
            ("01.UBND", AgencyCodeError::Format),
            ("UBND..1", AgencyCodeError::Format),
            ("UBND.", AgencyCodeError::Format),
            ("SỞ", AgencyCodeError::Format),
        ] {
            assert_eq!(bad.parse::<AgencyCode>().unwrap_err(), why, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn every_code_prints_as_it_parses(s in "[A-Z][A-Z0-9]{1,8}(\\.[A-Z0-9]{1,4}){0,2}") {
            let code: AgencyCode = s.parse().unwrap();
            prop_assert_eq!(code.to_string().parse::<AgencyCode>().unwrap(), code);
        }

        #[test]
        fn no_code_holds_a_dash_or_lower_case(s in "\\PC{0,24}") {
            if let Ok(code) = s.parse::<AgencyCode>() {
                prop_assert!(code.as_str().bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'.'));
            }
        }
    }
}
