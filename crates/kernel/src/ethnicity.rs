//! Dân tộc — the 54 ethnic groups, by their statistical codes (`01` Kinh … `54` Rơ-măm).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_with::{DeserializeFromStr, SerializeDisplay};

use crate::lang::{Lang, Localized};

#[derive(Deserialize)]
struct File {
    groups: Vec<(String, String)>,
}

static GROUPS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let file: File = serde_json::from_str(include_str!("../../../data/vn-ethnic-groups.json"))
        .unwrap_or_else(|e| panic!("data/vn-ethnic-groups.json: {e}"));
    file.groups.into_iter().map(|(_, name)| name).collect()
});

/// One of the 54 ethnic groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, DeserializeFromStr, SerializeDisplay)]
pub struct Ethnicity(u8);

/// A code that names no ethnic group.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an ethnic-group code (01 to 54)")]
pub struct EthnicityError(pub String);

impl Localized for EthnicityError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match lang {
            Lang::Vi => format!("\"{}\" không phải mã dân tộc (01 đến 54).", self.0).into(),
            Lang::En => self.to_string().into(),
        }
    }
}

impl Ethnicity {
    /// Kinh, the majority group.
    pub const KINH: Ethnicity = Ethnicity(1);

    /// The group's name in Vietnamese.
    pub fn name(self) -> &'static str {
        &GROUPS[usize::from(self.0) - 1]
    }

    /// The group with code `code` (1–54).
    pub fn from_number(code: u8) -> Option<Ethnicity> {
        (1..=54).contains(&code).then_some(Ethnicity(code))
    }
}

impl FromStr for Ethnicity {
    type Err = EthnicityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.len() != 2 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(EthnicityError(s.to_owned()));
        }
        t.parse().ok().and_then(Ethnicity::from_number).ok_or_else(|| EthnicityError(s.to_owned()))
    }
}

impl fmt::Display for Ethnicity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_four_groups() {
        assert_eq!(GROUPS.len(), 54);
        assert_eq!("01".parse::<Ethnicity>().unwrap().name(), "Kinh");
        assert_eq!("54".parse::<Ethnicity>().unwrap().name(), "Rơ-măm");
        assert!("00".parse::<Ethnicity>().is_err());
        assert!("55".parse::<Ethnicity>().is_err());
        assert!("1".parse::<Ethnicity>().is_err());
    }
}
