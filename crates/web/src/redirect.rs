//! The one check every redirect target taken from a request goes through.
//!
//! A `next` parameter is an attacker's favourite: `/lang/en?next=…` and the sign-in form both send the browser
//! wherever it says. Browsers are lenient where a server's string check is not: they drop tabs and newlines from
//! a URL, read `\` as `/`, and undo percent-encoding in places a proxy might too, so `/\t/evil.example` is
//! `//evil.example`, another site. So the check is layered: only printable ASCII (what a URI reference is made
//! of, RFC 3986 §2), one leading `/` in the raw and the percent-decoded form, no backslash or control character
//! in either, and finally the WHATWG URL parser, the one browsers follow, must resolve it against a fixed origin
//! without leaving that origin. What is returned is the parser's own serialisation, re-checked, so that a
//! normalisation such as `/.//evil` becoming `//evil` cannot slip through either.

use percent_encoding::percent_decode_str;
use url::{Position, Url};

/// Any origin serves: resolution only needs one to compare against.
const BASE: &str = "https://congso.invalid/";

/// `next` if it is a path on this site, else `default`: never `//elsewhere`, a full URL, a backslash or
/// whitespace trick, so no redirect can send a person to another site. A kept path comes back in its normalised
/// form (dot segments resolved, unsafe characters percent-encoded).
pub fn local_path(next: Option<String>, default: &str) -> String {
    next.as_deref().and_then(parse_local).unwrap_or_else(|| default.to_owned())
}

/// `candidate` as a path (with query and fragment) on this site, or `None`.
fn parse_local(candidate: &str) -> Option<String> {
    // Printable ASCII excludes at once controls, spaces and look-alike slashes (U+2215, U+FF0F…): the paths this
    // site links to are URI path-and-queries, already percent-encoded.
    if !candidate.bytes().all(|b| b.is_ascii_graphic()) || !one_leading_slash(candidate) {
        return None;
    }
    let decoded = percent_decode_str(candidate).decode_utf8_lossy();
    if !one_leading_slash(&decoded) || decoded.chars().any(char::is_control) {
        return None;
    }
    let base = Url::parse(BASE).ok()?;
    let resolved = base.join(candidate).ok()?;
    if resolved.origin() != base.origin() {
        return None;
    }
    let path = &resolved[Position::BeforePath..];
    one_leading_slash(path).then(|| path.to_owned())
}

/// Starts with exactly one `/` and holds no backslash anywhere.
fn one_leading_slash(path: &str) -> bool {
    path.strip_prefix('/').is_some_and(|rest| !rest.starts_with('/')) && !path.contains('\\')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::*;

    /// Known ways around a naive "starts with /" check, each of which must fall back to the default.
    const BYPASSES: &[&str] = &[
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "\t//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example",
        "//evil.example",
        "///evil.example",
        "//evil.example/%2e%2e",
        "/%2f/evil.example",
        "/%2F%2Fevil.example",
        "/%5cevil.example",
        "/%5Cevil.example",
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d%0a/evil.example",
        "/%00",
        "/a%09b",
        "/.//evil.example",
        "/..//evil.example",
        "/a/..//evil.example",
        "/%2e//evil.example",
        "@evil.example",
        "//user@evil.example",
        "https://user@evil.example",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "/javascript:alert(1)\n",
        "data:text/html,<script>alert(1)</script>",
        "https://evil.example/",
        "http:evil.example",
        "https:/evil.example",
        "//evil.example:443/",
        "/\u{2215}evil.example",
        "/\u{FF0F}evil.example",
        "\u{FF0F}\u{FF0F}evil.example",
        "/\u{2044}evil.example",
        "/ /evil.example",
        "/\u{0}",
        "/\u{85}/evil.example",
        "/\u{202e}elpmaxe.live",
        "evil.example",
        "",
    ];

    fn stays_on(base: &str, path: &str) -> bool {
        let base = Url::parse(base).unwrap();
        base.join(path).is_ok_and(|u| u.origin() == base.origin())
    }

    #[test]
    fn every_known_bypass_falls_back_to_the_default() {
        for attack in BYPASSES {
            assert_eq!(local_path(Some((*attack).to_owned()), "/home"), "/home", "{attack:?}");
        }
        assert_eq!(local_path(None, "/home"), "/home");
    }

    #[test]
    fn paths_on_this_site_are_kept() {
        for (given, kept) in [
            ("/", "/"),
            ("/account", "/account"),
            ("/registry/citizens?q=nguy%E1%BB%85n+van+a&page=2", "/registry/citizens?q=nguy%E1%BB%85n+van+a&page=2"),
            ("/units/01#communes", "/units/01#communes"),
            ("/@evil.example", "/@evil.example"),
            ("/a/../b", "/b"),
            ("/a:b", "/a:b"),
            ("/%E2%88%95evil.example", "/%E2%88%95evil.example"),
        ] {
            let got = local_path(Some(given.to_owned()), "/home");
            assert_eq!(got, kept, "{given:?}");
            assert!(stays_on("https://congso.example/", &got));
        }
    }

    proptest! {
        /// Whatever comes back, a browser resolving it against the site stays on the site, and it is a path that
        /// the check keeps as it is.
        #[test]
        fn whatever_is_returned_stays_on_the_origin(
            next in prop_oneof![
                any::<String>(),
                "[/\\\\%.@:a-z0-9\t\n\r \u{2215}\u{FF0F}?#]{0,16}",
                "/[/\\\\%.25cCfF09]{0,12}(evil\\.example)?",
            ],
        ) {
            let got = local_path(Some(next), "/");
            prop_assert!(got.starts_with('/') && !got.starts_with("//") && !got.contains('\\'), "{:?}", got);
            prop_assert!(stays_on("https://congso.example/", &got), "{:?}", got);
            prop_assert!(stays_on("https://congso.example/some/deep/page?x=1", &got), "{:?}", got);
            prop_assert_eq!(local_path(Some(got.clone()), "/elsewhere"), got);
        }
    }
}
