//! The portal end to end over HTTP, and what its tests share: a citizen with an account, officials in the
//! agencies a procedure's steps name, the API called with their tokens, a birth registration filed.

mod dossiers;
pub mod fees;
mod marriage;
pub mod registries;
mod residence;
mod statistics;

use identity::model::RoleAssignment;
use identity::{AccountKind, Role, Territory};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, agency};

/// A living citizen with a commune and a household, their account (`dan`) bound to them, at assurance level
/// `level`: `(personal ID, commune)`.
pub async fn citizen(app: &TestApp, level: i64) -> (String, String) {
    citizen_such_that(app, level, "").await
}

/// [`citizen`], the first one who also meets `condition` (SQL on `citizens`, beginning with `AND`).
pub async fn citizen_such_that(app: &TestApp, level: i64, condition: &str) -> (String, String) {
    registry::cli::generate_into(&app.db.db, 40, 9, false).await.unwrap();
    let (pid, commune): (String, String) = store::sqlx::query_as(&format!(
        "SELECT personal_id, commune_code FROM citizens WHERE status = 'living' AND commune_code IS NOT NULL \
         AND household_id IS NOT NULL {condition} ORDER BY personal_id LIMIT 1"
    ))
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    account_of(app, "dan", &pid, level).await;
    (pid, commune)
}

/// A citizen account `name` bound to `pid`, at assurance level `level`, with an API token.
pub async fn account_of(app: &TestApp, name: &str, pid: &str, level: i64) -> String {
    let id = app.create_account(name, AccountKind::Citizen, false).await;
    identity::service::bind_personal_id(&app.db.db, id, &pid.parse().unwrap()).await.unwrap();
    if level == 2 {
        let roles = vec![RoleAssignment { role: Role::RegistryClerk, agency: None, territory: Territory::Nation }];
        let clerk = format!("clerk-{name}");
        let (_, token) = app.account_with_token(&clerk, AccountKind::Official, roles).await;
        let r = TestApp::client()
            .post(app.url(&format!("/api/v1/accounts/{name}/assurance")))
            .bearer_auth(token)
            .json(&json!({ "level": 2 }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    identity::service::create_token(&app.db.db, name, 1).await.unwrap().1
}

/// An API token for `dan`.
pub async fn citizen_token(app: &TestApp) -> String {
    identity::service::create_token(&app.db.db, "dan", 1).await.unwrap().1
}

/// An official holding `role` in `agency` over `territory`, with an API token.
pub async fn official(app: &TestApp, name: &str, role: Role, agency_code: &str, territory: Territory) -> String {
    agency(app, agency_code, territory).await;
    let roles = vec![RoleAssignment { role, agency: Some(agency_code.parse().unwrap()), territory }];
    app.account_with_token(name, AccountKind::Official, roles).await.1
}

pub struct Api<'a> {
    pub app: &'a TestApp,
}

impl Api<'_> {
    async fn send(&self, method: reqwest::Method, token: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = TestApp::client().request(method, self.app.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let r = request.send().await.unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, token, path, Some(body)).await
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, token, path, None).await
    }

    pub async fn act(&self, token: &str, code: &str, action: &str, note: Option<&str>) -> (StatusCode, Value) {
        let (_, view) = self.get(token, &format!("/api/v1/dossiers/{code}")).await;
        let version = view["dossier"]["version"].as_i64().unwrap_or(0);
        let body = json!({ "action": action, "note": note, "version": version });
        self.post(token, &format!("/api/v1/dossiers/{code}/actions"), body).await
    }
}

pub fn birth_form(name: &str) -> Value {
    json!({ "child_full_name": name, "child_birth_date": "2026-11-20", "child_sex": "female" })
}

/// The smallest file that is a PDF by its bytes.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// Attaches `bytes` as the paper `kind` of dossier `code`.
pub async fn attach(app: &TestApp, token: &str, code: &str, kind: &str, bytes: Vec<u8>) -> reqwest::Response {
    TestApp::client()
        .post(app.url(&format!("/api/v1/dossiers/{code}/attachments/{kind}")))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .header("x-file-name", "giay-chung-sinh.pdf")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

/// What `/api/v1/verify` says of dossier `code`'s signed result.
pub async fn verdict_on_result(app: &TestApp, code: &str) -> Value {
    let qr = store::sqlx::query_scalar::<_, String>("SELECT result_qr FROM dossiers WHERE code = $1")
        .bind(code)
        .fetch_one(app.db.db.pool())
        .await
        .unwrap();
    let r = TestApp::client().post(app.url("/api/v1/verify")).json(&json!({ "qr": qr })).send().await.unwrap();
    r.json().await.unwrap()
}

/// Opens and submits a birth registration with `form` (plus the prefilled fields) and its birth certificate: the
/// dossier's code.
pub async fn file_birth(api: &Api<'_>, token: &str, procedure: &str, form: Value) -> String {
    let (status, dossier) = api.post(token, "/api/v1/dossiers", json!({ "procedure": procedure })).await;
    assert_eq!(status, StatusCode::CREATED, "{dossier}");
    let code = dossier["code"].as_str().unwrap().to_owned();
    assert_eq!(attach(api.app, token, &code, "birth_certificate", PDF.to_vec()).await.status(), StatusCode::NO_CONTENT);
    let mut values = dossier["form"].clone();
    for (k, v) in form.as_object().unwrap() {
        values[k] = v.clone();
    }
    let (status, submitted) =
        api.post(token, &format!("/api/v1/dossiers/{code}/submit"), json!({ "form": values })).await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    assert_eq!(submitted["status"], "submitted");
    code
}
