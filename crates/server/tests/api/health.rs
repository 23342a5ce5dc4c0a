use crate::helpers::TestApp;

#[tokio::test]
async fn liveness_readiness_and_metrics() {
    let app = TestApp::spawn().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-request-id"));
    assert_eq!(app.get("/readyz").await.text().await.unwrap(), "ready");
    app.get("/api/v1/admin-units/01").await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics
            .contains(r#"congso_http_requests_total{method="GET",route="/api/v1/admin-units/{code}",status="200"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains("congso_http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.db.db.close().await;
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn home_page_in_both_languages() {
    let app = TestApp::spawn().await;
    let vi = app.get("/").await.text().await.unwrap();
    assert!(vi.contains(r#"<html lang="vi">"#) && vi.contains("Đơn vị hành chính"));
    let mut browser = app.browser();
    let r = browser.get("/lang/en?next=/units").await;
    assert_eq!(r.status(), 303);
    assert_eq!(crate::helpers::location(&r), "/units");
    let en = browser.get("/").await.text().await.unwrap();
    assert!(en.contains(r#"<html lang="en">"#) && en.contains("Administrative units"));
    // Never a redirect off the site.
    let r = browser.get("/lang/vi?next=//evil.example").await;
    assert_eq!(crate::helpers::location(&r), "/");
}
