//! Số định danh cá nhân — the 12-digit personal ID number, also printed on the chip ID card.
//!
//! Layout `PPP G YY RRRRRR`: PPP the province where the birth was registered (a pre-2025 code), G the century of
//! birth and sex (0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s), YY the last two digits of the birth year,
//! then six random digits. There is no check digit, so agreement with the rest of the record is the only check.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::admin_unit::LegacyProvinceCode;
use serde::{Deserialize, Serialize};
use serde_with::{DeserializeFromStr, SerializeDisplay};

use crate::lang::{Lang, Localized};

/// Sex as the personal ID number encodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Nam.
    Male,
    /// Nữ.
    Female,
}

impl Sex {
    /// The name stored and exchanged: `male` or `female`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

/// A word that is not `male` or `female`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sex is male or female, not {0:?}")]
pub struct UnknownSex(pub String);

impl std::str::FromStr for Sex {
    type Err = UnknownSex;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "male" => Ok(Sex::Male),
            "female" => Ok(Sex::Female),
            other => Err(UnknownSex(other.to_owned())),
        }
    }
}

/// Why a string is not a personal ID number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonalIdError {
    /// Not exactly 12 ASCII digits.
    #[error("a personal ID number has exactly 12 digits")]
    Format,
    /// The first three digits are not a pre-2025 province code.
    #[error("{0} is not a province code of a personal ID number")]
    Province(String),
    /// The fourth digit is not a century/sex code in use.
    #[error("{0} is not a century/sex digit in use (0 to 5)")]
    CenturySex(char),
}

impl Localized for PersonalIdError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::Format, Lang::Vi) => "Số định danh cá nhân phải gồm đúng 12 chữ số.".into(),
            (Self::Format, Lang::En) => "A personal ID number has exactly 12 digits.".into(),
            (Self::Province(p), Lang::Vi) => {
                format!("Ba chữ số đầu \"{p}\" không phải mã tỉnh nơi đăng ký khai sinh.").into()
            }
            (Self::Province(p), Lang::En) => {
                format!("The first three digits \"{p}\" are not a birth-registration province code.").into()
            }
            (Self::CenturySex(d), Lang::Vi) => {
                format!("Chữ số thứ tư \"{d}\" không phải mã thế kỷ và giới tính (0 đến 5).").into()
            }
            (Self::CenturySex(d), Lang::En) => {
                format!("The fourth digit \"{d}\" is not a century and sex code (0 to 5).").into()
            }
        }
    }
}

/// A well-formed personal ID number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DeserializeFromStr, SerializeDisplay)]
pub struct PersonalId([u8; 12]);

impl PersonalId {
    /// The province where the birth was registered.
    pub fn province(&self) -> LegacyProvinceCode {
        // The constructor checked these three digits.
        LegacyProvinceCode::parse(&self.as_str()[..3]).unwrap_or_else(|| unreachable!())
    }

    fn century_sex_digit(&self) -> u8 {
        self.0[3] - b'0'
    }

    /// Sex as encoded in the fourth digit.
    pub fn sex(&self) -> Sex {
        if self.century_sex_digit().is_multiple_of(2) { Sex::Male } else { Sex::Female }
    }

    /// The first year of the century of birth: 1900, 2000 or 2100.
    pub fn birth_century(&self) -> i32 {
        1900 + 100 * i32::from(self.century_sex_digit() / 2)
    }

    /// The year of birth.
    pub fn birth_year(&self) -> i32 {
        self.birth_century() + i32::from((self.0[4] - b'0') * 10 + (self.0[5] - b'0'))
    }

    /// The twelve digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_else(|_| unreachable!())
    }
}

impl FromStr for PersonalId {
    type Err = PersonalIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bytes: [u8; 12] = s.as_bytes().try_into().map_err(|_| PersonalIdError::Format)?;
        if !bytes.iter().all(u8::is_ascii_digit) {
            return Err(PersonalIdError::Format);
        }
        if LegacyProvinceCode::parse(&s[..3]).is_none() {
            return Err(PersonalIdError::Province(s[..3].to_owned()));
        }
        if bytes[3] > b'5' {
            return Err(PersonalIdError::CenturySex(char::from(bytes[3])));
        }
        Ok(PersonalId(bytes))
    }
}

impl fmt::Display for PersonalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for PersonalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Personal data stays out of logs and panic messages; the province and year are enough to debug.
        write!(f, "PersonalId({}{}{}******)", &self.as_str()[..3], self.century_sex_digit(), &self.as_str()[4..6])
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn sex_round_trips_its_stored_name_and_refuses_any_other() {
        for sex in [Sex::Male, Sex::Female] {
            assert_eq!(sex.as_str().parse::<Sex>(), Ok(sex));
            assert_eq!(serde_json::to_value(sex).unwrap(), sex.as_str());
        }
        for word in ["", "Male", "nam", "x"] {
            assert_eq!(word.parse::<Sex>(), Err(UnknownSex(word.to_owned())));
        }
    }

    #[test]
    fn decodes_the_fields() {
        let id: PersonalId = "001203012345".parse().unwrap();
        assert_eq!(id.province().to_string(), "001");
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(id.birth_century(), 2000);
        assert_eq!(id.birth_year(), 2003);
        let id: PersonalId = " 079185000001 ".parse().unwrap();
        assert_eq!((id.sex(), id.birth_year()), (Sex::Female, 1985));
        assert_eq!(id.to_string(), "079185000001");
    }

    #[test]
    fn rejects_bad_numbers() {
        assert_eq!("00120301234".parse::<PersonalId>(), Err(PersonalIdError::Format));
        assert_eq!("0012030123456".parse::<PersonalId>(), Err(PersonalIdError::Format));
        assert_eq!("00120301234x".parse::<PersonalId>(), Err(PersonalIdError::Format));
        assert_eq!("００１203012345".parse::<PersonalId>(), Err(PersonalIdError::Format));
        assert_eq!("003203012345".parse::<PersonalId>(), Err(PersonalIdError::Province("003".into())));
        assert_eq!("001603012345".parse::<PersonalId>(), Err(PersonalIdError::CenturySex('6')));
    }

    #[test]
    fn debug_hides_the_random_part() {
        let id: PersonalId = "001203012345".parse().unwrap();
        assert_eq!(format!("{id:?}"), "PersonalId(001203******)");
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_round_trips(s in "\\PC{0,20}") {
            if let Ok(id) = s.parse::<PersonalId>() {
                prop_assert_eq!(id.as_str(), s.trim());
            }
        }

        #[test]
        fn every_valid_layout_parses(p in proptest::sample::select(LegacyProvinceCode::all()), g in 0u8..6, rest in "[0-9]{8}") {
            let s = format!("{p}{g}{rest}");
            let id: PersonalId = s.parse().unwrap();
            prop_assert_eq!(id.province(), p);
            prop_assert_eq!(id.to_string(), s);
        }
    }
}
