//! Why an official looks at a citizen's record: stated before the record opens, kept in the ledger, shown to the
//! citizen.

use std::fmt;
use std::str::FromStr;

use kernel::FreeTextError;

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
    /// Khám bệnh, chữa bệnh — the patient's medical care: a prescription written or dispensed.
    Care,
    /// Giáo dục — the pupil's schooling: a teacher opening their school record.
    Education,
    /// Anything else, in words: at most [`Purpose::MAX_OTHER`] characters, cleaned by [`kernel::free_text::clean`]
    /// (NFC, whitespace collapsed, no control or invisible characters), since they go into the signed ledger and
    /// are shown to the citizen.
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
    /// "Other" in words that carry a control or invisible character (see [`kernel::free_text`]).
    #[error("the other purpose holds the control or invisible character U+{:04X}", u32::from(*.0))]
    OtherCharacter(char),
}

impl Purpose {
    /// The longest description of another purpose.
    pub const MAX_OTHER: usize = 200;

    /// The codes of the listed purposes, in the order a form offers them (then `other`). [`Purpose::Care`] and
    /// [`Purpose::Education`] are not among them: the health and education slices state them themselves, for their
    /// own reads, and no registry form offers them.
    pub const CODES: [&'static str; 5] = ["dossier", "verification", "correction", "citizen_request", "other"];

    /// Reads a purpose from a form or query: `code`, and for `other` the words.
    pub fn parse(code: Option<&str>, other: Option<&str>) -> Result<Purpose, PurposeError> {
        match code.map(str::trim).filter(|c| !c.is_empty()) {
            None => Err(PurposeError::Missing),
            Some("dossier") => Ok(Purpose::Dossier),
            Some("verification") => Ok(Purpose::Verification),
            Some("correction") => Ok(Purpose::Correction),
            Some("citizen_request") => Ok(Purpose::CitizenRequest),
            Some("care") => Ok(Purpose::Care),
            Some("education") => Ok(Purpose::Education),
            Some("other") => match kernel::free_text::clean(other.unwrap_or_default(), Purpose::MAX_OTHER) {
                Ok(words) => Ok(Purpose::Other(words)),
                Err(FreeTextError::Forbidden(c)) => Err(PurposeError::OtherCharacter(c)),
                Err(FreeTextError::Empty | FreeTextError::TooLong { .. }) => Err(PurposeError::OtherText),
            },
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
            Purpose::Care => "care",
            Purpose::Education => "education",
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

/// The OpenAPI schema of a purpose's code, where a query states one.
pub struct PurposeCode;

impl utoipa::PartialSchema for PurposeCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(Purpose::CODES))
            .description(Some("Why the record is read; `other` needs `purpose_other`."))
            .into()
    }
}

impl utoipa::ToSchema for PurposeCode {
    fn name() -> std::borrow::Cow<'static, str> {
        "PurposeCode".into()
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
        assert_eq!(Purpose::Care.to_string().parse::<Purpose>().unwrap(), Purpose::Care);
        assert_eq!(Purpose::Education.to_string().parse::<Purpose>().unwrap(), Purpose::Education);
    }

    #[test]
    fn missing_unknown_and_wordless_purposes_are_refused() {
        assert_eq!(Purpose::parse(None, None), Err(PurposeError::Missing));
        assert_eq!(Purpose::parse(Some(" "), None), Err(PurposeError::Missing));
        assert!(matches!(Purpose::parse(Some("curiosity"), None), Err(PurposeError::Unknown(_))));
        assert_eq!(Purpose::parse(Some("other"), Some("   ")), Err(PurposeError::OtherText));
        assert_eq!(Purpose::parse(Some("other"), Some(&"x".repeat(201))), Err(PurposeError::OtherText));
    }

    #[test]
    fn other_words_with_controls_or_bidi_overrides_are_refused() {
        for (words, c) in [
            ("kiểm tra\0", '\0'),
            ("\u{1b}[2Jxoá màn hình", '\u{1b}'),
            ("kiểm tra \u{202e}ơs ồh", '\u{202e}'),
            ("\u{2066}isolate\u{2069}", '\u{2066}'),
            ("a\u{200f}b", '\u{200f}'),
            ("a\u{61c}b", '\u{61c}'),
            ("zero\u{200b}width", '\u{200b}'),
        ] {
            assert_eq!(Purpose::parse(Some("other"), Some(words)), Err(PurposeError::OtherCharacter(c)), "{words:?}");
        }
    }

    #[test]
    fn other_words_are_composed_before_they_are_counted() {
        // 200 "ễ" written decomposed are 600 code points but 200 characters once composed.
        let decomposed = "e\u{302}\u{303}".repeat(200);
        assert_eq!(Purpose::parse(Some("other"), Some(&decomposed)), Ok(Purpose::Other("ễ".repeat(200))));
        assert_eq!(Purpose::parse(Some("other"), Some(" a\tb\r\nc ")).unwrap().to_string(), "other: a b c");
    }

    proptest::proptest! {
        /// Whatever "other" purpose is accepted holds no control, bidi or other format character.
        #[test]
        fn accepted_other_words_hold_no_hidden_character(
            words in proptest::prop_oneof![
                proptest::arbitrary::any::<String>(),
                "[a-zđơư \t\n\u{0}\u{1b}\u{7f}\u{200b}-\u{200f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{61c}]{0,30}",
            ],
        ) {
            if let Ok(Purpose::Other(kept)) = Purpose::parse(Some("other"), Some(&words)) {
                proptest::prop_assert!(
                    !kept.chars().any(|c| c.is_control() || kernel::free_text::is_forbidden(c)),
                    "{:?}", kept
                );
            }
        }
    }
}
