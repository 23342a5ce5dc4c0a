//! Free text that one person types and others read later: the purpose of a read, the reason of a change, the
//! name of an agency or an official.
//!
//! Such text is kept in the signed audit ledger and shown to citizens and auditors, so it must read as what it
//! holds. Control characters (NUL, ESC starting a terminal escape in a log viewer) and invisible format
//! characters (the bidi overrides and isolates U+202A–U+202E and U+2066–U+2069, the marks U+200E, U+200F and
//! U+061C, zero-width characters) make text display differently from its content, the trick known as Trojan
//! Source (CVE-2021-42574). They are refused, not silently dropped, so the person typing learns that what they
//! pasted carried something. Ordinary whitespace, tabs and line breaks from a text area included, is not a
//! trick: it is collapsed into single spaces.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::{Lang, Localized};

/// Why a free text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FreeTextError {
    /// Nothing but whitespace.
    #[error("the text is empty")]
    Empty,
    /// Longer than allowed, counted in characters after normalisation.
    #[error("the text is longer than {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// A control character (Unicode category Cc, other than whitespace) or an invisible format character (Cf).
    #[error("the text holds the invisible or control character U+{:04X}", u32::from(*.0))]
    Forbidden(char),
}

impl Localized for FreeTextError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (FreeTextError::Empty, Lang::Vi) => "Chưa nhập nội dung.".into(),
            (FreeTextError::Empty, Lang::En) => "The text is empty.".into(),
            (FreeTextError::TooLong { max }, Lang::Vi) => format!("Nội dung dài quá {max} ký tự.").into(),
            (FreeTextError::TooLong { max }, Lang::En) => format!("The text is longer than {max} characters.").into(),
            (FreeTextError::Forbidden(c), Lang::Vi) => format!(
                "Nội dung chứa ký tự điều khiển hoặc ký tự ẩn (U+{:04X}); hãy gõ lại thay vì dán.",
                u32::from(*c)
            )
            .into(),
            (FreeTextError::Forbidden(c), Lang::En) => format!(
                "The text holds a control or invisible character (U+{:04X}); type it rather than paste it.",
                u32::from(*c)
            )
            .into(),
        }
    }
}

/// Whether `c` may not appear in free text: a control (Cc) or format (Cf) character. Whitespace controls (tab,
/// line feed, carriage return…) are not asked about: [`clean`] has made them spaces by then.
pub fn is_forbidden(c: char) -> bool {
    matches!(c.general_category(), GeneralCategory::Control | GeneralCategory::Format)
}

/// `input` as it is kept: NFC, trimmed, every run of whitespace one space, at most `max_chars` characters
/// (counted after all that, so composed and decomposed spellings of a Vietnamese word count alike); refused if
/// empty or holding a control or format character.
pub fn clean(input: &str, max_chars: usize) -> Result<String, FreeTextError> {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    let mut count = 0usize;
    for c in input.nfc() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if is_forbidden(c) {
            return Err(FreeTextError::Forbidden(c));
        }
        if pending_space {
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        out.push(c);
        count += 1;
    }
    if out.is_empty() {
        return Err(FreeTextError::Empty);
    }
    if count > max_chars {
        return Err(FreeTextError::TooLong { max: max_chars });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn whitespace_is_collapsed_and_text_composed() {
        assert_eq!(clean("  kiểm tra\t\thồ sơ\r\nsố 12  ", 200).unwrap(), "kiểm tra hồ sơ số 12");
        // "Nguyễn" decomposed (e + circumflex + tilde) is kept composed and counts six characters.
        let decomposed = "Nguye\u{302}\u{303}n";
        assert_eq!(clean(decomposed, 6).unwrap(), "Nguyễn");
        assert_eq!(clean("a\u{2028}b\u{00A0}c\u{3000}d", 10).unwrap(), "a b c d");
    }

    #[test]
    fn controls_and_invisible_characters_are_refused() {
        for c in [
            '\0',
            '\u{1b}',
            '\u{7f}',
            '\u{80}',
            '\u{9b}',
            '\u{202a}',
            '\u{202b}',
            '\u{202c}',
            '\u{202d}',
            '\u{202e}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{200e}',
            '\u{200f}',
            '\u{61c}',
            '\u{200b}',
            '\u{200d}',
            '\u{2060}',
            '\u{feff}',
            '\u{ad}',
            '\u{e0001}',
        ] {
            assert_eq!(
                clean(&format!("kiểm tra {c}hồ sơ"), 200),
                Err(FreeTextError::Forbidden(c)),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn empty_and_long_texts_are_refused_after_normalising() {
        assert_eq!(clean(" \t\n ", 10), Err(FreeTextError::Empty));
        assert_eq!(clean(&"x".repeat(11), 10), Err(FreeTextError::TooLong { max: 10 }));
        assert_eq!(clean(&format!("  {}  ", "x".repeat(10)), 10).unwrap(), "x".repeat(10));
        assert_eq!(clean("a          b", 3).unwrap(), "a b");
        assert!(FreeTextError::Forbidden('\u{202e}').message(Lang::Vi).contains("U+202E"));
    }

    proptest! {
        /// Whatever is accepted holds no control or format character, is NFC, has no edge or doubled whitespace,
        /// fits the limit, and is its own cleaned form.
        #[test]
        fn accepted_text_is_clean(s in prop_oneof![
            any::<String>(),
            "[a-zA-Zăâđêôơưạảấầẩẫậ \t\n\r\u{0}\u{1b}\u{7f}\u{85}\u{a0}\u{ad}\u{200b}-\u{200f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{61c}\u{feff}\u{301}\u{303}]{0,40}",
        ]) {
            if let Ok(kept) = clean(&s, 30) {
                prop_assert!(!kept.chars().any(|c| c.is_control() || is_forbidden(c)), "{:?}", kept);
                prop_assert!(unicode_normalization::is_nfc(&kept));
                prop_assert!(!kept.starts_with(char::is_whitespace) && !kept.ends_with(char::is_whitespace));
                prop_assert!(!kept.contains("  ") && kept.chars().all(|c| c == ' ' || !c.is_whitespace()));
                prop_assert!(kept.chars().count() <= 30);
                prop_assert_eq!(clean(&kept, 30).unwrap(), kept);
            }
        }
    }
}
