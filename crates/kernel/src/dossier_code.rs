//! Mã hồ sơ — a dossier's code, as the applicant and every agency know it: `<agency>-<yymmdd>-<seq>`, the agency
//! that receives it, the day it was received, and its number that day at that agency, six digits from 000001:
//! `UBND.00070-261201-000042`.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde_with::{DeserializeFromStr, SerializeDisplay};
use time::Date;

use crate::agency::AgencyCode;
use crate::lang::{Lang, Localized};

/// Why a string is not a dossier code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DossierCodeError {
    /// Not three parts separated by `-`, or a part of the wrong shape.
    #[error("a dossier code is <agency>-<yymmdd>-<6 digits>, such as UBND.00070-261201-000042")]
    Format,
    /// The middle part is not a day of the calendar.
    #[error("the dossier code's date is not a day of the calendar")]
    Date,
}

impl Localized for DossierCodeError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::Format, Lang::Vi) => {
                "Mã hồ sơ có dạng <mã cơ quan>-<yymmdd>-<6 chữ số>, ví dụ UBND.00070-261201-000042.".into()
            }
            (Self::Date, Lang::Vi) => "Ngày trong mã hồ sơ không có thật.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

/// A valid dossier code.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, DeserializeFromStr, SerializeDisplay)]
pub struct DossierCode {
    agency: AgencyCode,
    day: Date,
    seq: u32,
}

impl DossierCode {
    /// The largest number a day's dossier can have at one agency.
    pub const MAX_SEQ: u32 = 999_999;

    /// The code of the `seq`-th dossier received by `agency` on `day`; `None` when `seq` is 0 or above
    /// [`Self::MAX_SEQ`], or the year is outside 2000–2099.
    pub fn new(agency: AgencyCode, day: Date, seq: u32) -> Option<DossierCode> {
        ((1..=Self::MAX_SEQ).contains(&seq) && (2000..=2099).contains(&day.year())).then_some(DossierCode {
            agency,
            day,
            seq,
        })
    }

    /// The agency that received it.
    pub fn agency(&self) -> &AgencyCode {
        &self.agency
    }

    /// The day it was received.
    pub fn day(&self) -> Date {
        self.day
    }
}

impl FromStr for DossierCode {
    type Err = DossierCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.trim().split('-');
        let (Some(agency), Some(day), Some(seq), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(DossierCodeError::Format);
        };
        let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(day, 6) || !digits(seq, 6) {
            return Err(DossierCodeError::Format);
        }
        let agency: AgencyCode = agency.parse().map_err(|_| DossierCodeError::Format)?;
        let number = |range: std::ops::Range<usize>| day[range].parse::<u8>().map_err(|_| DossierCodeError::Format);
        let month = time::Month::try_from(number(2..4)?).map_err(|_| DossierCodeError::Date)?;
        let day = Date::from_calendar_date(2000 + i32::from(number(0..2)?), month, number(4..6)?)
            .map_err(|_| DossierCodeError::Date)?;
        let seq: u32 = seq.parse().map_err(|_| DossierCodeError::Format)?;
        DossierCode::new(agency, day, seq).ok_or(DossierCodeError::Format)
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = (self.day.year() % 100, u8::from(self.day.month()), self.day.day());
        write!(f, "{}-{y:02}{m:02}{d:02}-{:06}", self.agency, self.seq)
    }
}

impl fmt::Debug for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DossierCode({self})")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn parses_and_prints_the_same() {
        let code: DossierCode = "UBND.00070-261201-000042".parse().unwrap();
        assert_eq!(code.agency().as_str(), "UBND.00070");
        assert_eq!(code.day(), Date::from_calendar_date(2026, time::Month::December, 1).unwrap());
        assert_eq!(code.to_string(), "UBND.00070-261201-000042");
    }

    #[test]
    fn refuses_what_is_not_a_code() {
        for bad in [
            "",
            "UBND.00070",
            "UBND.00070-261201",
            "ubnd-261201-000001",
            "UBND-26121-000001",
            "UBND-261201-00001",
            "UBND-261201-000000",
            "UBND-261201-0000001",
            "A-B-C-D",
            "UBND-2612o1-000001",
        ] {
            assert_eq!(bad.parse::<DossierCode>(), Err(DossierCodeError::Format), "{bad}");
        }
        for bad in ["UBND-261301-000001", "UBND-260230-000001", "UBND-261200-000001"] {
            assert_eq!(bad.parse::<DossierCode>(), Err(DossierCodeError::Date), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn every_code_made_prints_to_a_string_that_parses_back(
            agency in "[A-Z]{2,4}(\\.[0-9]{2,5})?", days in 0i64..36_500, seq in 1u32..=999_999,
        ) {
            let day = Date::from_calendar_date(2000, time::Month::January, 1).unwrap() + time::Duration::days(days);
            let code = DossierCode::new(agency.parse().unwrap(), day, seq).unwrap();
            prop_assert_eq!(code.to_string().parse::<DossierCode>().unwrap(), code);
        }

        #[test]
        fn no_string_makes_the_parser_panic(s in "\\PC{0,40}") {
            let _ = s.parse::<DossierCode>();
        }
    }
}
