//! Interface strings in Vietnamese and English, from `i18n/vi.toml` and `i18n/en.toml`.
//!
//! Templates call `page.t("key")`. Both catalogs must hold the same keys and every key a template uses; the
//! tests below check both, so a missing translation fails the build's tests rather than showing a raw key.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use kernel::Lang;

/// The cookie that remembers the language a person chose.
pub const LANG_COOKIE: &str = "lang";

type Catalog = HashMap<String, String>;

fn load(text: &str, file: &str) -> Catalog {
    let table: toml::Table = toml::from_str(text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut out = HashMap::new();
    flatten("", &table, &mut out);
    out
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalog) {
    for (key, value) in table {
        let full = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            toml::Value::Table(t) => flatten(&full, t, out),
            toml::Value::String(s) => {
                out.insert(full, s.clone());
            }
            other => panic!("i18n key {full}: expected a string, found {other}"),
        }
    }
}

static VI: LazyLock<Catalog> = LazyLock::new(|| load(include_str!("../i18n/vi.toml"), "i18n/vi.toml"));
static EN: LazyLock<Catalog> = LazyLock::new(|| load(include_str!("../i18n/en.toml"), "i18n/en.toml"));

/// The string for `key` in `lang`; the key itself if it is missing (which the tests forbid).
pub fn t(lang: Lang, key: &str) -> &'static str {
    let catalog = match lang {
        Lang::Vi => &*VI,
        Lang::En => &*EN,
    };
    match catalog.get_key_value(key) {
        Some((_, v)) => v.as_str(),
        None => {
            tracing::warn!(key, "missing translation");
            "?"
        }
    }
}

/// The language of a request: the `lang` cookie a person set, else `Accept-Language`, else Vietnamese.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    let from_cookie = crate::cookies::read(headers, LANG_COOKIE, 8).and_then(|v| v.parse().ok());
    from_cookie
        .or_else(|| headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn both_catalogs_have_the_same_keys() {
        let vi: BTreeSet<_> = VI.keys().collect();
        let en: BTreeSet<_> = EN.keys().collect();
        assert_eq!(vi.difference(&en).collect::<Vec<_>>(), Vec::<&&String>::new(), "in vi.toml only");
        assert_eq!(en.difference(&vi).collect::<Vec<_>>(), Vec::<&&String>::new(), "in en.toml only");
    }

    #[test]
    fn every_key_a_template_names_exists() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut checked = 0;
        for krate in std::fs::read_dir(&crates).unwrap() {
            let Ok(templates) = std::fs::read_dir(krate.unwrap().path().join("templates")) else { continue };
            for file in templates {
                let path = file.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                for piece in text.split("page.t(\"").skip(1) {
                    let key = piece.split('"').next().unwrap();
                    assert!(VI.contains_key(key), "{}: {key} is missing from i18n/vi.toml", path.display());
                    checked += 1;
                }
            }
        }
        assert!(checked > 50, "only {checked} keys found: is the template folder layout still crates/*/templates?");
    }

    #[test]
    fn cookie_beats_accept_language() {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT_LANGUAGE, "en".parse().unwrap());
        assert_eq!(lang_of(&h), Lang::En);
        h.insert(axum::http::header::COOKIE, "a=b; lang=vi".parse().unwrap());
        assert_eq!(lang_of(&h), Lang::Vi);
        assert_eq!(lang_of(&HeaderMap::new()), Lang::Vi);
    }
}
