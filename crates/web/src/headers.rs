//! The security headers every answer carries, and the Content Security Policy pages are written for.
//!
//! The pages need nothing from elsewhere: the stylesheet, the few scripts and every image come from this site,
//! QR codes are inline SVG (markup, which `img-src` does not govern, drawn with presentation attributes, which
//! `style-src` does not either), and no page has an inline `<script>`, `style=` or event handler. So the policy
//! allows only this origin, and nothing inline, for everything. The server's router sets these headers (see
//! `congso::app`); a handler may send its own `Content-Security-Policy` where a page needs one exception, built
//! with [`policy_with_form_target`].

use axum::Router;
use url::Url;

/// The policy of every answer. `form-action 'self'` also covers where a form's answer redirects to (browsers
/// check the redirects of a form submission), so a form that ends on another site needs
/// [`policy_with_form_target`].
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Where links and redirects send the `Referer`: only to this site. Other sites learn nothing, not even that a
/// person came from here, and paths that carry personal ID numbers or names never leave; the `Origin` of a form
/// sent to this site stays its origin (with `no-referrer` browsers send `Origin: null`), so it can still be
/// checked against cross-site requests. A page whose own URL holds a secret (the password reset link) sends
/// `no-referrer` instead, which the router keeps.
pub const REFERRER_POLICY: &str = "same-origin";

/// Every dynamic answer: pages and API answers carry personal data, which no cache, shared or the browser's own,
/// may keep. Handlers that serve something public set their own `Cache-Control`, which is kept.
pub const CACHE_CONTROL: &str = "no-store";

/// [`CONTENT_SECURITY_POLICY`] with the origin of `target` also allowed as a form's destination: for the OpenID
/// Connect consent page, whose form's answer redirects the browser to the client's registered redirect URI.
/// `None` if `target` is not an absolute URL.
pub fn policy_with_form_target(target: &str) -> Option<String> {
    let url = Url::parse(target).ok()?;
    if matches!(url.scheme(), "javascript" | "data" | "blob" | "filesystem") {
        return None;
    }
    let origin = url.origin();
    // A native app's private-use scheme (`vn.example.app:/cb`) has an opaque origin: its scheme is the source.
    let source = if origin.is_tuple() { origin.ascii_serialization() } else { format!("{}:", url.scheme()) };
    if source.bytes().any(|b| b.is_ascii_whitespace() || b == b';' || b == b',' || b == b'\'') {
        return None;
    }
    Some(CONTENT_SECURITY_POLICY.replace("form-action 'self'", &format!("form-action 'self' {source}")))
}

/// The security headers of every answer, set outside every other layer so that no answer, a 413 from the body
/// limit or a 404 included, goes without them. A handler's own `Content-Security-Policy` (one page's exception),
/// `Cache-Control` (something public) and `Referrer-Policy` (`no-referrer` where the URL holds a secret, as on the
/// password reset page) are kept; framing and sniffing have no exception.
pub fn secure<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    use axum::http::{HeaderValue, header};
    use tower_http::set_header::SetResponseHeaderLayer;
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL)))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static(REFERRER_POLICY),
        ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_policy_allows_nothing_inline_and_no_framing() {
        for directive in ["default-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'"] {
            assert!(CONTENT_SECURITY_POLICY.contains(directive), "{directive}");
        }
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
        assert!(!CONTENT_SECURITY_POLICY.contains("  "));
    }

    #[test]
    fn a_form_target_adds_only_its_origin() {
        let policy = policy_with_form_target("https://app.example.vn:8443/cb?x=1").unwrap();
        assert!(policy.contains("form-action 'self' https://app.example.vn:8443;"), "{policy}");
        assert!(!policy.contains("/cb"));
        let native = policy_with_form_target("vn.example.app:/oauth").unwrap();
        assert!(native.contains("form-action 'self' vn.example.app:;"), "{native}");
        assert_eq!(policy_with_form_target("/relative"), None);
        assert_eq!(policy_with_form_target("javascript:alert(1)"), None);
    }
}
