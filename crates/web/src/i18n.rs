//! Interface strings in Vietnamese and English. Each crate keeps its own in `i18n/vi.toml` and `i18n/en.toml`
//! and declares them once with [`catalog!`](crate::catalog); the catalogs of every crate linked into the
//! binary make one table, so a slice adds its strings without touching anyone else's files.
//!
//! Templates call `page.t("key")`. Each crate's two catalogs must hold the same keys, no key may be in two
//! crates, and every key a template uses must exist; the tests below check all three over every crate's files, so
//! a missing translation fails the build's tests rather than showing a raw key.

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

/// One crate's strings, as [`catalog!`](crate::catalog) declares them.
pub struct Strings {
    /// The crate, for messages.
    pub krate: &'static str,
    /// Its `i18n/vi.toml`.
    pub vi: &'static str,
    /// Its `i18n/en.toml`.
    pub en: &'static str,
}

inventory::collect!(Strings);

/// Declares the calling crate's `i18n/vi.toml` and `i18n/en.toml`; write `web::catalog!();` once in its
/// `lib.rs`.
#[macro_export]
macro_rules! catalog {
    () => {
        $crate::inventory::submit! {
            $crate::i18n::Strings {
                krate: env!("CARGO_PKG_NAME"),
                vi: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/i18n/vi.toml")),
                en: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/i18n/en.toml")),
            }
        }
    };
}

crate::catalog!();

/// Every linked crate's strings in one language. A key in two crates is a mistake the tests catch; here the
/// last one read wins rather than stopping the server.
fn merged(pick: fn(&Strings) -> &'static str, lang: &str) -> Catalog {
    let mut out = HashMap::new();
    for strings in inventory::iter::<Strings> {
        out.extend(load(pick(strings), &format!("{}/i18n/{lang}.toml", strings.krate)));
    }
    out
}

static VI: LazyLock<Catalog> = LazyLock::new(|| merged(|s| s.vi, "vi"));
static EN: LazyLock<Catalog> = LazyLock::new(|| merged(|s| s.en, "en"));

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

    /// Every crate's catalogs, read from disk: `(crate, vi, en)`.
    fn every_crate() -> Vec<(String, Catalog, Catalog)> {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut out = Vec::new();
        for krate in std::fs::read_dir(&crates).unwrap() {
            let dir = krate.unwrap().path();
            let Ok(vi) = std::fs::read_to_string(dir.join("i18n/vi.toml")) else { continue };
            let en = std::fs::read_to_string(dir.join("i18n/en.toml")).expect("i18n/en.toml beside i18n/vi.toml");
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name.clone(), load(&vi, &format!("{name}/i18n/vi.toml")), load(&en, &format!("{name}/en"))));
        }
        assert!(out.len() >= 5, "only {} crates with catalogs: is the layout still crates/*/i18n?", out.len());
        out
    }

    #[test]
    fn each_crate_has_the_same_keys_in_both_languages() {
        for (name, vi, en) in every_crate() {
            let vi: BTreeSet<_> = vi.keys().collect();
            let en: BTreeSet<_> = en.keys().collect();
            assert_eq!(vi.difference(&en).collect::<Vec<_>>(), Vec::<&&String>::new(), "{name}: in vi.toml only");
            assert_eq!(en.difference(&vi).collect::<Vec<_>>(), Vec::<&&String>::new(), "{name}: in en.toml only");
        }
    }

    #[test]
    fn no_key_is_in_two_crates() {
        let mut owner: HashMap<String, String> = HashMap::new();
        for (name, vi, _) in every_crate() {
            for key in vi.into_keys() {
                if let Some(other) = owner.insert(key.clone(), name.clone()) {
                    panic!("{key} is in both {other}/i18n and {name}/i18n");
                }
            }
        }
    }

    #[test]
    fn every_key_a_template_names_exists() {
        let all: BTreeSet<String> = every_crate().into_iter().flat_map(|(_, vi, _)| vi.into_keys()).collect();
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut checked = 0;
        for krate in std::fs::read_dir(&crates).unwrap() {
            let Ok(templates) = std::fs::read_dir(krate.unwrap().path().join("templates")) else { continue };
            for file in templates {
                let path = file.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                for piece in text.split("page.t(\"").skip(1) {
                    let key = piece.split('"').next().unwrap();
                    assert!(all.contains(key), "{}: {key} is in no crate's i18n/vi.toml", path.display());
                    checked += 1;
                }
            }
        }
        assert!(checked > 50, "only {checked} keys found: is the template folder layout still crates/*/templates?");
    }

    #[test]
    fn the_linked_catalogs_are_loaded() {
        // Only web's own catalog is linked into web's tests; its keys must be found through `t`.
        assert_ne!(t(Lang::Vi, "layout.skip"), "?");
        assert_ne!(t(Lang::En, "layout.skip"), "?");
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
