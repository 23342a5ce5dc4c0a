use serde_json::Value;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_document_describes_every_api_route() {
    let app = TestApp::spawn().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/admin-units",
        "/api/v1/admin-units/{code}",
        "/api/v1/me",
        "/api/v1/admin/accounts",
        "/api/v1/citizens",
        "/api/v1/citizens/{personal_id}",
        "/api/v1/citizens/{personal_id}/history",
        "/api/v1/citizens/{personal_id}/household",
        "/api/v1/households/{code}",
        "/api/v1/addresses/{code}",
    ] {
        assert!(paths.contains_key(path), "{path} is missing from the OpenAPI document");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let mut ids = std::collections::HashSet::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
        }
    }
}
