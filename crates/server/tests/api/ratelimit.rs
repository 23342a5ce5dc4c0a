//! The rate limit per client address on the endpoints that guess secrets: /signin, /signin/mfa, /register,
//! /oidc/token (and /password/… when it lands).

use reqwest::StatusCode;
use web::ratelimit::{DEFAULT_PER_MINUTE, RateLimit};

use crate::helpers::{PASSWORD, TestApp};

/// A sign-in POST with a fresh CSRF pair, optionally claiming to come from `forwarded_for`. Each names another
/// unknown account, so that the lockout per username (also a 429) never comes into play.
async fn sign_in_post(app: &TestApp, forwarded_for: Option<&str>) -> reqwest::Response {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let username = format!("nobody{}", N.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let mut browser = app.browser();
    let csrf = browser.csrf_of("/signin").await;
    let mut request = TestApp::client()
        .post(app.url("/signin"))
        .header(
            reqwest::header::COOKIE,
            format!("{}={}", web::csrf::CSRF_COOKIE, browser.cookies[web::csrf::CSRF_COOKIE]),
        )
        .form(&[("csrf", csrf.as_str()), ("username", username.as_str()), ("password", "a wrong password")]);
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    request.send().await.unwrap()
}

/// Whether the rate limit (rather than the lockout per username) refused the request.
fn limited(response: &reqwest::Response) -> bool {
    response.status() == StatusCode::TOO_MANY_REQUESTS && response.headers().contains_key(reqwest::header::RETRY_AFTER)
}

fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()[reqwest::header::RETRY_AFTER].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_eleventh_sign_in_in_a_minute_is_refused_but_pages_and_the_api_still_answer() {
    let app = TestApp::spawn().await;
    let (_, token) = {
        app.create_account("operator", identity::AccountKind::Operator, true).await;
        identity::service::create_token(&app.db.db, "operator", 1).await.unwrap()
    };
    for i in 0..DEFAULT_PER_MINUTE.get() {
        let r = sign_in_post(&app, None).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "request {i}");
    }
    let r = sign_in_post(&app, None).await;
    assert!(limited(&r));
    let wait = retry_after(&r);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = r.text().await.unwrap();
    assert!(page.contains("Quá nhiều lần thử"), "{page}");

    // Even the right password waits: the limit is per address, not per account.
    let mut browser = app.browser();
    assert!(limited(&browser.sign_in("operator", PASSWORD).await));
    // Reading the form, and other paths, are not limited.
    assert_eq!(app.get("/signin").await.status(), StatusCode::OK);
    let r = TestApp::client().get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // The token endpoint answers in the OAuth error shape.
    let r = TestApp::client()
        .post(app.url("/oidc/token"))
        .form(&[("grant_type", "authorization_code"), ("code", "x")])
        .send()
        .await
        .unwrap();
    assert!(limited(&r));
    assert!(retry_after(&r) >= 1);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert!(body["error_description"].as_str().unwrap().contains("too many requests"));
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_does_not_dodge_the_limit() {
    let app = TestApp::spawn().await;
    for i in 0..DEFAULT_PER_MINUTE.get() {
        let r = sign_in_post(&app, Some(&format!("203.0.113.{i}"))).await;
        assert!(!limited(&r), "request {i}");
    }
    assert!(limited(&sign_in_post(&app, Some("198.51.100.77")).await));
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket() {
    let rate_limit = RateLimit { trusted_proxies: vec!["127.0.0.1".parse().unwrap()], ..RateLimit::default() };
    let app = TestApp::spawn_with(rate_limit).await;
    for i in 0..DEFAULT_PER_MINUTE.get() {
        assert!(!limited(&sign_in_post(&app, Some("203.0.113.1")).await), "request {i}");
    }
    assert!(limited(&sign_in_post(&app, Some("203.0.113.1")).await));
    // A client that prepends its own entry is still known by what the proxy appended.
    assert!(limited(&sign_in_post(&app, Some("198.51.100.5, 203.0.113.1")).await));
    // Another client behind the same proxy is not held back.
    assert!(!limited(&sign_in_post(&app, Some("203.0.113.2")).await));
}
