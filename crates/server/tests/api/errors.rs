use reqwest::StatusCode;

use crate::helpers::{TestApp, error_code};

#[tokio::test]
async fn unknown_api_routes_answer_json_and_unknown_pages_html() {
    let app = TestApp::spawn().await;
    let err = error_code(app.get("/api/v1/no-such-thing").await, StatusCode::NOT_FOUND).await;
    assert_eq!(err["code"], "not_found");
    error_code(app.get("/api/v2/anything").await, StatusCode::NOT_FOUND).await;
    let r = app.get("/no/such/page").await;
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("Không tìm thấy"));
}

#[tokio::test]
async fn wrong_method_is_405_in_json() {
    let app = TestApp::spawn().await;
    let r = TestApp::client().delete(app.url("/api/v1/admin-units")).send().await.unwrap();
    let err = error_code(r, StatusCode::METHOD_NOT_ALLOWED).await;
    assert_eq!(err["code"], "method_not_allowed");
}

#[tokio::test]
async fn oversized_and_mistyped_bodies() {
    let app = TestApp::spawn().await;
    let mut browser = app.browser();
    let csrf = browser.csrf_of("/signin").await;
    let huge = "x".repeat(congso::app::BODY_LIMIT + 1);
    let r = browser.post_form("/signin", &[("csrf", &csrf), ("username", &huge), ("password", "p")]).await;
    assert_eq!(r.status(), 413);
    let r = TestApp::client()
        .post(app.url("/signin"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
}

#[tokio::test]
async fn hostile_input_never_causes_a_500() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/admin-units/%FF%FE",
        "/api/v1/admin-units/%00",
        "/api/v1/admin-units/0000000000000000000000000000000000001",
        "/units/%E2%80%AE01",
        "/lang/xx",
        "/signin?next=%0d%0aSet-Cookie:x=y",
        "/api/v1/me",
        "/account",
    ] {
        let status = app.get(path).await.status();
        assert!(status.is_client_error() || status.is_redirection() || status.is_success(), "{path}: {status}");
    }
    let r = TestApp::client()
        .get(app.url("/api/v1/me"))
        .header("cookie", "congso_session=".to_owned() + &"A".repeat(5000))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = TestApp::client()
        .get(app.url("/api/v1/me"))
        .header("authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
