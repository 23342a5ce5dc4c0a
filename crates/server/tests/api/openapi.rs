use serde_json::{Value, json};

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

/// Follows a `$ref` within the document.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(pointer) => resolve(doc, doc.pointer(pointer.trim_start_matches('#')).unwrap_or(&Value::Null)),
        None => value,
    }
}

/// Whether a schema bounds what it takes: a pattern, a format or a list for text, or a type that is its own bound;
/// an array, by its most items and items that are bounded (or objects, whose fields are checked where they are).
fn is_bounded(doc: &Value, schema: &Value) -> bool {
    let schema = resolve(doc, schema);
    if schema["type"] == "array" {
        let items = resolve(doc, &schema["items"]);
        return schema["maxItems"].is_u64() && (is_bounded(doc, items) || items["type"] == "object");
    }
    ["anyOf", "oneOf"]
        .iter()
        .any(|k| schema[k].as_array().is_some_and(|alternatives| alternatives.iter().all(|s| is_bounded(doc, s))))
        || schema["pattern"].is_string()
        || schema["format"].is_string()
        || schema["enum"].is_array()
        || matches!(schema["type"].as_str(), Some("integer" | "number" | "boolean" | "null"))
}

#[test]
fn every_operation_lists_the_errors_it_can_answer_and_bounds_its_parameters() {
    let doc = serde_json::to_value(congso::openapi::spec()).unwrap();
    let shared = doc["components"]["responses"].as_object().unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = format!("{method} {path}");
            let responses = operation["responses"].as_object().unwrap();
            let lists = |status: &str| responses.contains_key(status);
            let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
            let has_body = operation.get("requestBody").is_some();
            let needs_caller = operation["security"].as_array().is_some_and(|s| s.iter().any(|r| r != &json!({})));
            assert!(lists("401") && lists("500"), "{id} does not list 401 and 500");
            if !parameters.is_empty() || has_body {
                assert!(lists("400"), "{id} reads input but does not list 400");
            }
            if has_body {
                assert!(lists("413") && lists("415"), "{id} reads a body but does not list 413 and 415");
            }
            if method != "get" && needs_caller {
                assert!(lists("403"), "{id} changes something as its caller but does not list 403 (CSRF)");
            }
            if path.contains('{') {
                assert!(lists("404"), "{id} is about one object but does not list 404");
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let name = response["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/responses/"));
                    assert!(
                        name.is_some_and(|n| shared.contains_key(n)),
                        "{id} answers {status} with its own response instead of a shared one: {response}"
                    );
                }
            }
            // A JSON body's fields (a file sent as raw bytes has none).
            if let Some(json) = operation["requestBody"]["content"].get("application/json") {
                let body = resolve(&doc, &json["schema"]);
                for (name, property) in body["properties"].as_object().unwrap() {
                    // An array is bounded by its length; its items, objects, by their own fields' schemas.
                    let field = resolve(&doc, property);
                    let bounded_array = field["type"] == "array" && field["maxItems"].is_number();
                    assert!(
                        is_bounded(&doc, property) || field["type"] == "object" || bounded_array,
                        "{id}: body field {name} has no pattern or bounds"
                    );
                }
            }
            for parameter in &parameters {
                let name = parameter["name"].as_str().unwrap();
                assert!(is_bounded(&doc, &parameter["schema"]), "{id}: parameter {name} has no pattern or bounds");
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} operations in the document");
    for response in shared.values() {
        assert_eq!(response["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody");
    }
}
