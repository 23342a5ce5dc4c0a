//! Security headers on every answer (finding 8a): a strict Content Security Policy, no framing, no referrer to
//! other sites, no sniffing, and no caching of anything dynamic.

use identity::AccountKind;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, HeaderMap};

use crate::helpers::{PASSWORD, TestApp};

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).map_or("", |v| v.to_str().unwrap())
}

/// The headers every answer carries, whatever it is.
fn assert_protected(what: &str, headers: &HeaderMap) {
    assert_eq!(header(headers, "content-security-policy"), web::headers::CONTENT_SECURITY_POLICY, "{what}");
    let csp = header(headers, "content-security-policy");
    for directive in ["default-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"] {
        assert!(csp.contains(directive), "{what}: {directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{what}: {csp}");
    assert_eq!(header(headers, "x-frame-options"), "DENY", "{what}");
    assert_eq!(header(headers, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(headers, "referrer-policy"), "same-origin", "{what}");
}

#[tokio::test]
async fn every_kind_of_answer_carries_the_headers_and_dynamic_ones_are_not_stored() {
    let app = TestApp::spawn().await;
    app.create_account("congdan", AccountKind::Citizen, false).await;
    let mut signed_in = app.browser();
    assert_eq!(signed_in.sign_in("congdan", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let (_, token) = identity::service::create_token(&app.db.db, "congdan", 30).await.unwrap();

    let mut anonymous = app.browser();
    let mut answers = vec![
        ("a public page", anonymous.get("/").await),
        ("the sign-in form", anonymous.get("/signin").await),
        ("a page that needs signing in, unsigned", anonymous.get("/account").await),
        ("a signed-in page", signed_in.get("/account").await),
        ("an error page (403, no CSRF token)", anonymous.post_form("/verify", &[("qr", "HC1:")]).await),
        ("a 404 page", anonymous.get("/no-such-page").await),
        ("a 404 under the API", anonymous.get("/api/v1/no-such-thing").await),
        ("an API error (401)", anonymous.get("/api/v1/me").await),
        ("the OpenAPI document", anonymous.get("/api/v1/openapi.json").await),
        ("the health check", anonymous.get("/healthz").await),
    ];
    let me = TestApp::client().get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    answers.push(("an API answer with personal data", me));
    for (what, r) in &answers {
        assert_protected(what, r.headers());
        assert_eq!(header(r.headers(), "cache-control"), "no-store", "{what}");
    }
    assert_eq!(answers[3].1.status(), StatusCode::OK);
    assert_eq!(answers[5].1.status(), StatusCode::NOT_FOUND);

    // What is the same for everyone keeps its own caching, and the other headers.
    for path in ["/static/app.css", "/static/residence.css", "/static/print.js"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_protected(path, r.headers());
        assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=3600", "{path}");
    }
    let bundle = app.get("/.well-known/congso-revocations.json").await;
    assert_protected("the revocation list", bundle.headers());
    assert_eq!(bundle.headers()[CACHE_CONTROL], "public, max-age=300");
}

/// What the policy would block: a script or style written into the page, an event handler, a `javascript:` URL.
fn inline_code(html: &str) -> Option<&'static str> {
    let lower = html.to_ascii_lowercase();
    let handler = lower.split(|c: char| c.is_ascii_whitespace()).any(|w| {
        w.strip_prefix("on")
            .and_then(|rest| rest.split_once('='))
            .is_some_and(|(name, _)| !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase()))
    });
    let inline_script = lower.match_indices("<script").any(|(i, _)| !lower[i..].starts_with("<script src=\"/static/"));
    [
        (inline_script, "<script> without src"),
        (lower.contains("<style"), "<style>"),
        (lower.contains(" style="), "style="),
        (handler, "an on…= handler"),
        (lower.contains("javascript:"), "javascript:"),
        (lower.contains("src=\"data:") || lower.contains("href=\"data:"), "data: URL"),
    ]
    .into_iter()
    .find_map(|(found, what)| found.then_some(what))
}

#[test]
fn no_template_holds_inline_script_or_style() {
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut seen = 0;
    for entry in std::fs::read_dir(&crates).unwrap() {
        let templates = entry.unwrap().path().join("templates");
        let Ok(files) = std::fs::read_dir(&templates) else { continue };
        for file in files {
            let path = file.unwrap().path();
            let html = std::fs::read_to_string(&path).unwrap();
            assert_eq!(inline_code(&html), None, "{}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 25, "only {seen} templates found");
    assert_eq!(inline_code(r#"<button onclick="x()">"#), Some("an on…= handler"));
    assert_eq!(inline_code("<script>alert(1)</script>"), Some("<script> without src"));
    assert_eq!(inline_code(r#"<script src="/static/print.js" defer></script>"#), None);
}

#[tokio::test]
async fn rendered_pages_hold_no_inline_script_or_style() {
    let app = TestApp::spawn().await;
    app.create_account("congdan", AccountKind::Citizen, false).await;
    let mut browser = app.browser();
    browser.sign_in("congdan", PASSWORD).await;
    for path in ["/", "/signin", "/account", "/verify", "/units", "/units/01", "/register", "/password/forgot"] {
        let r = browser.get(path).await;
        let status = r.status();
        let page = r.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status}");
        assert_eq!(inline_code(&page), None, "{path}");
    }
}

#[tokio::test]
async fn the_consent_page_may_send_its_form_to_the_client_and_nowhere_else() {
    let app = TestApp::spawn().await;
    app.create_account("congdan", AccountKind::Citizen, false).await;
    let redirect = "https://rp.example.vn/callback";
    let client =
        identity::oidc::service::register_client(&app.db.db, "Cổng dịch vụ công tỉnh", vec![redirect.into()], None)
            .await
            .unwrap();
    let mut browser = app.browser();
    browser.sign_in("congdan", PASSWORD).await;
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client.client_id.as_str()),
        ("redirect_uri", redirect),
        ("scope", "openid"),
        ("state", "s"),
        ("nonce", "n"),
        ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    let r = browser.get(&format!("/oidc/authorize?{query}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let csp = header(r.headers(), "content-security-policy").to_owned();
    assert_eq!(
        csp,
        web::headers::CONTENT_SECURITY_POLICY.replace("form-action 'self'", "form-action 'self' https://rp.example.vn")
    );
    assert_eq!(header(r.headers(), "x-frame-options"), "DENY");
    assert_eq!(header(r.headers(), "cache-control"), "no-store");
}
