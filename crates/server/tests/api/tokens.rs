use identity::AccountKind;
use identity::service;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, error_code};

async fn call(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    TestApp::client().get(app.url(path)).bearer_auth(token).send().await.unwrap()
}

#[tokio::test]
async fn a_token_acts_with_its_accounts_powers() {
    let app = TestApp::spawn().await;
    app.create_account("operator", AccountKind::Operator, true).await;
    app.create_account("clerk", AccountKind::Official, false).await;
    let (_, admin_token) = service::create_token(&app.db.db, "operator", 30).await.unwrap();
    let (_, clerk_token) = service::create_token(&app.db.db, "clerk", 30).await.unwrap();

    let me: Value = call(&app, "/api/v1/me", &admin_token).await.json().await.unwrap();
    assert_eq!(me["username"], "operator");
    assert_eq!(me["roles"][0]["role"], "administrator");
    assert_eq!(me["roles"][0]["territory"], "VN");
    let accounts: Vec<Value> = call(&app, "/api/v1/admin/accounts", &admin_token).await.json().await.unwrap();
    assert_eq!(accounts.len(), 2);

    assert_eq!(call(&app, "/api/v1/me", &clerk_token).await.status(), 200);
    let err = error_code(call(&app, "/api/v1/admin/accounts", &clerk_token).await, StatusCode::FORBIDDEN).await;
    assert_eq!(err["code"], "forbidden");
}

#[tokio::test]
async fn unknown_revoked_and_expired_tokens_are_refused() {
    let app = TestApp::spawn().await;
    app.create_account("operator", AccountKind::Operator, true).await;
    let (id, token) = service::create_token(&app.db.db, "operator", 30).await.unwrap();
    assert_eq!(call(&app, "/api/v1/me", &token).await.status(), 200);

    let r = call(&app, "/api/v1/me", "congso_not-a-real-token").await;
    assert_eq!(r.headers()["www-authenticate"], r#"Bearer error="invalid_token""#);
    error_code(r, StatusCode::UNAUTHORIZED).await;
    // A bad token is refused even on a public route: the client meant to authenticate.
    assert_eq!(call(&app, "/api/v1/admin-units", "garbage").await.status(), 401);

    assert!(service::revoke_token(&app.db.db, id).await.unwrap());
    assert!(!service::revoke_token(&app.db.db, id).await.unwrap());
    assert_eq!(call(&app, "/api/v1/me", &token).await.status(), 401);

    let (_, token) = service::create_token(&app.db.db, "operator", 1).await.unwrap();
    store::sqlx::query("UPDATE api_tokens SET expires_at = created_at - 1").execute(app.db.db.pool()).await.unwrap();
    assert_eq!(call(&app, "/api/v1/me", &token).await.status(), 401);
}

#[tokio::test]
async fn tokens_are_stored_only_as_hashes() {
    let app = TestApp::spawn().await;
    app.create_account("operator", AccountKind::Operator, true).await;
    let (_, token) = service::create_token(&app.db.db, "operator", 30).await.unwrap();
    let stored: Vec<String> =
        store::sqlx::query_scalar("SELECT secret_hash FROM api_tokens").fetch_all(app.db.db.pool()).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].contains(&token[7..]));
    assert_eq!(stored[0].len(), 64);
    let infos = service::tokens_of(&app.db.db, "operator").await.unwrap();
    assert!(infos[0].last_used_at.is_none());
}
