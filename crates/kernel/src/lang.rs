//! The languages of the user interface and errors a person can read in them.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// A language congso speaks to people. Vietnamese comes first; English is offered everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Tiếng Việt, the default.
    #[default]
    Vi,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag used in `lang` attributes and cookies.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// Picks the first supported language from an `Accept-Language` header value, ignoring weights of zero.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or_default().trim();
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or_default();
            if let Ok(lang) = primary.parse::<Lang>()
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }
}

impl FromStr for Lang {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "vi" => Ok(Lang::Vi),
            "en" => Ok(Lang::En),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// An error or notice that a person reads, in their language.
///
/// `Display` (from `thiserror`) stays English for logs; this is what the user sees.
pub trait Localized: fmt::Debug {
    /// The message in `lang`.
    fn message(&self, lang: Lang) -> Cow<'static, str>;
}

/// A message written out in both languages, for messages that belong to no error type.
#[derive(Debug, Clone)]
pub struct Text {
    vi: Cow<'static, str>,
    en: Cow<'static, str>,
}

impl Text {
    /// A message in Vietnamese and English.
    pub fn new(vi: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Text {
        Text { vi: vi.into(), en: en.into() }
    }
}

impl Localized for Text {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match lang {
            Lang::Vi => self.vi.clone(),
            Lang::En => self.en.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_highest_supported_weight() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,vi;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr, vi;q=0.5, en;q=0.4"), Some(Lang::Vi));
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(Lang::from_accept_language("en;q=0"), None);
        assert_eq!(Lang::from_accept_language(""), None);
    }
}
