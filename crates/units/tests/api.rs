//! The admin-unit pages and API, served alone with the slice test kit.
#![allow(clippy::unwrap_used, missing_docs)]

use reqwest::StatusCode;
use serde_json::Value;
use web::testing::SliceServer;

async fn server() -> SliceServer {
    SliceServer::start(units::page_routes(), units::api_routes()).await
}

/// The error body of an API answer with `status`.
async fn error_of(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.unwrap();
    body["error"].clone()
}

#[tokio::test]
async fn lists_the_34_provinces() {
    let app = server().await;
    let provinces: Vec<Value> = app.get("/api/v1/admin-units").await.json().await.unwrap();
    assert_eq!(provinces.len(), 34);
    assert_eq!(provinces[0]["code"], "01");
    assert_eq!(provinces[0]["name"], "Thành phố Hà Nội");
    assert_eq!(provinces[0]["level"], "province");
}

#[tokio::test]
async fn a_province_has_its_communes_and_a_commune_its_province() {
    let app = server().await;
    let hanoi: Value = app.get("/api/v1/admin-units/01").await.json().await.unwrap();
    assert_eq!(hanoi["communes"].as_array().unwrap().len(), 126);
    assert!(hanoi.get("province").is_none());
    let ward: Value = app.get("/api/v1/admin-units/00070").await.json().await.unwrap();
    assert_eq!(ward["name"], "Phường Hoàn Kiếm");
    assert_eq!(ward["province"]["code"], "01");
    assert!(ward.get("communes").is_none());
}

#[tokio::test]
async fn malformed_is_400_and_unknown_is_404_in_the_callers_language() {
    let app = server().await;
    let err = error_of(app.get("/api/v1/admin-units/1x").await, StatusCode::BAD_REQUEST).await;
    assert!(err["message"].as_str().unwrap().contains("2 chữ số"), "{err}");
    let r = app.request(reqwest::Method::GET, "/api/v1/admin-units/99").header("accept-language", "en");
    let err = error_of(r.send().await.unwrap(), StatusCode::NOT_FOUND).await;
    assert_eq!(err["message"], "There is no administrative unit with code 99.");
}

#[tokio::test]
async fn unit_pages() {
    let app = server().await;
    let page = app.get("/units/01").await.text().await.unwrap();
    assert!(page.contains("Phường Hoàn Kiếm"));
    let r = app.get("/units/123").await;
    assert_eq!(r.status(), 400);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}
