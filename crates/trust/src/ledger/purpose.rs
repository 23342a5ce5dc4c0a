//! Why an official looks at a citizen's record: stated before the record opens, kept in the ledger, shown to the
//! citizen.

use std::fmt;
use std::str::FromStr;

/// A stated purpose, from a fixed list or, for "other", in the official's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// Giải quyết thủ tục hành chính — handling an administrative procedure (a dossier).
    Dossier,
    /// Xác minh theo yêu cầu của cơ quan có thẩm quyền — verification requested by a competent authority.
    Verification,
    /// Cập nhật, điều chỉnh thông tin — updating or correcting the record.
    Correction,
    /// Theo yêu cầu của chính công dân — at the citizen's own request.
    CitizenRequest,
    /// Anything else, in words (at most [`Purpose::MAX_OTHER`] characters).
    Other(String),
}

/// A purpose that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PurposeError {
    /// No purpose was given.
    #[error("a purpose is required")]
    Missing,
    /// The code is not on the list.
    #[error("unknown purpose {0:?}")]
    Unknown(String),
    /// "Other" without words, or with too many.
    #[error("for another purpose, describe it in 1 to 200 characters")]
    OtherText,
}

impl Purpose {
    /// The longest description of another purpose.
    pub const MAX_OTHER: usize = 200;

    /// The codes of the listed purposes, in the order a form offers them (then `other`).
    pub const CODES: [&'static str; 5] = ["dossier", "verification", "correction", "citizen_request", "other"];

    /// Reads a purpose from a form or query: `code`, and for `other` the words.
    pub fn parse(code: Option<&str>, other: Option<&str>) -> Result<Purpose, PurposeError> {
        match code.map(str::trim).filter(|c| !c.is_empty()) {
            None => Err(PurposeError::Missing),
            Some("dossier") => Ok(Purpose::Dossier),
            Some("verification") => Ok(Purpose::Verification),
            Some("correction") => Ok(Purpose::Correction),
            Some("citizen_request") => Ok(Purpose::CitizenRequest),
            Some("other") => {
                let words = other.map(|w| w.split_whitespace().collect::<Vec<_>>().join(" ")).unwrap_or_default();
                if words.is_empty() || words.chars().count() > Purpose::MAX_OTHER {
                    return Err(PurposeError::OtherText);
                }
                Ok(Purpose::Other(words))
            }
            Some(code) => Err(PurposeError::Unknown(code.chars().take(40).collect())),
        }
    }

    /// The code, `other` included.
    pub fn code(&self) -> &'static str {
        match self {
            Purpose::Dossier => "dossier",
            Purpose::Verification => "verification",
            Purpose::Correction => "correction",
            Purpose::CitizenRequest => "citizen_request",
            Purpose::Other(_) => "other",
        }
    }
}

/// As stored in an event: the code, or `other: words`.
impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Purpose::Other(words) => write!(f, "other: {words}"),
            listed => f.write_str(listed.code()),
        }
    }
}

impl FromStr for Purpose {
    type Err = PurposeError;

    /// Reads the stored form back.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.strip_prefix("other: ") {
            Some(words) => Purpose::parse(Some("other"), Some(words)),
            None => Purpose::parse(Some(s), None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_purposes_and_other_words_round_trip() {
        for code in Purpose::CODES {
            let purpose = Purpose::parse(Some(code), Some("  kiểm tra   hồ sơ ")).unwrap();
            assert_eq!(purpose.to_string().parse::<Purpose>().unwrap(), purpose);
        }
        assert_eq!(Purpose::parse(Some("other"), Some(" a  b ")).unwrap().to_string(), "other: a b");
    }

    #[test]
    fn missing_unknown_and_wordless_purposes_are_refused() {
        assert_eq!(Purpose::parse(None, None), Err(PurposeError::Missing));
        assert_eq!(Purpose::parse(Some(" "), None), Err(PurposeError::Missing));
        assert!(matches!(Purpose::parse(Some("curiosity"), None), Err(PurposeError::Unknown(_))));
        assert_eq!(Purpose::parse(Some("other"), Some("   ")), Err(PurposeError::OtherText));
        assert_eq!(Purpose::parse(Some("other"), Some(&"x".repeat(201))), Err(PurposeError::OtherText));
    }
}
