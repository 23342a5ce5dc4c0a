//! The back office of officials: administrators manage agencies, officials and roles within their own territory;
//! a role that reads personal data waits for a second administrator; every change is in the ledger and ends the
//! sessions of the official it changes; an official's session holds no power until a second factor is on. The
//! attacks on the back office are in security/roles.rs.

use identity::model::RoleAssignment;
use identity::officials::Agency;
use identity::service;
use identity::{AccountKind, Role, Territory};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{self, PASSWORD, TestApp, agency, location, unit};

/// An account holding `roles`, and an API token for it.
async fn holder(app: &TestApp, username: &str, roles: Vec<RoleAssignment>) -> (i64, String) {
    app.account_with_token(username, AccountKind::Official, roles).await
}

fn held(role: Role, agency: &Agency) -> RoleAssignment {
    RoleAssignment { role, agency: Some(agency.code.clone()), territory: agency.territory }
}

async fn call(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = TestApp::client().request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// The account changes in the ledger, without those of the test's own setup (accounts and tokens made directly
/// through the service, in the name of the process).
async fn changes(app: &TestApp) -> Vec<Value> {
    let bodies: Vec<String> =
        store::sqlx::query_scalar("SELECT body FROM ledger_entries WHERE kind = 'account_changed' ORDER BY seq")
            .fetch_all(app.db.db.pool())
            .await
            .unwrap();
    let bodies = bodies.iter().map(|b| serde_json::from_str::<Value>(b).unwrap());
    bodies
        .filter(|b| !["congso", "congso admin"].contains(&b["actor"]["username"].as_str().unwrap()))
        .map(|b| b["detail"].clone())
        .collect()
}

#[tokio::test]
async fn a_provincial_administrator_manages_officials_only_within_the_province() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let police = agency(&app, "CA.01", unit("01")).await;
    let ministry = agency(&app, "BCA", Territory::Nation).await;
    let (_, admin) = holder(&app, "quantri.hanoi", vec![held(Role::Administrator, &police)]).await;
    let (_, second) = holder(&app, "quantri2.hanoi", vec![held(Role::Administrator, &police)]).await;
    let (national, _) = holder(&app, "canbo.trunguong", vec![held(Role::RegistryClerk, &ministry)]).await;

    // Agencies: within the province yes, for the nation or another province no.
    let r = call(
        &app,
        &admin,
        Method::POST,
        "/api/v1/admin/agencies",
        Some(json!({"code": "SYT.01", "name": "Sở Y tế Hà Nội", "territory": "01"})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = call(
        &app,
        &admin,
        Method::POST,
        "/api/v1/admin/agencies",
        Some(json!({"code": "BYT", "name": "Bộ Y tế", "territory": "VN"})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = call(
        &app,
        &admin,
        Method::POST,
        "/api/v1/admin/agencies",
        Some(json!({"code": "SYT.01", "name": "Lặp", "territory": "01"})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = call(
        &app,
        &admin,
        Method::POST,
        "/api/v1/admin/agencies",
        Some(json!({"code": "syt-79", "name": "x", "territory": "79"})),
    )
    .await;
    let body: Value = r.json().await.unwrap();
    assert!(body["error"]["fields"]["agency"].as_str().unwrap().contains("Mã cơ quan"), "{body}");

    // An official for the province's health department: a health worker reads personal data, so the first role
    // waits for the second administrator.
    let new = json!({"username": "bacsi.an", "display_name": "Nguyễn Văn An", "role": {"role": "health_worker", "agency": "SYT.01"}});
    let r = call(&app, &admin, Method::POST, "/api/v1/admin/officials", Some(new.clone())).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    let password = created["password"].as_str().unwrap().to_owned();
    assert_eq!(created["pending"]["status"], "pending", "{created}");
    assert_eq!(created["pending"]["role"], "health_worker");
    let one: Value =
        call(&app, &admin, Method::GET, &format!("/api/v1/admin/officials/{id}"), None).await.json().await.unwrap();
    assert_eq!(one["roles"], json!([]), "{one}");
    assert_eq!(one["pending"][0]["requested_by"], "quantri.hanoi", "{one}");
    let approve = format!("/api/v1/admin/role-grants/{}/approve", created["pending"]["id"]);
    let r = call(&app, &second, Method::POST, &approve, None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let one: Value =
        call(&app, &admin, Method::GET, &format!("/api/v1/admin/officials/{id}"), None).await.json().await.unwrap();
    assert_eq!(one["roles"][0]["role"], "health_worker", "{one}");
    assert_eq!(one["pending"], json!([]), "{one}");
    assert_eq!(
        call(&app, &admin, Method::POST, "/api/v1/admin/officials", Some(new)).await.status(),
        StatusCode::CONFLICT
    );
    // A role reaching beyond its agency, or beyond the administrator, is refused.
    let beyond = json!({"username": "bacsi.binh", "display_name": "B", "role": {"role": "teacher", "agency": "SYT.01", "territory": "79"}});
    assert_eq!(
        call(&app, &admin, Method::POST, "/api/v1/admin/officials", Some(beyond)).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let national_role =
        json!({"username": "bacsi.binh", "display_name": "B", "role": {"role": "teacher", "agency": "BCA"}});
    assert_eq!(
        call(&app, &admin, Method::POST, "/api/v1/admin/officials", Some(national_role)).await.status(),
        StatusCode::FORBIDDEN
    );
    let unknown =
        json!({"username": "bacsi.binh", "display_name": "B", "role": {"role": "wizard", "agency": "SYT.01"}});
    assert_eq!(
        call(&app, &admin, Method::POST, "/api/v1/admin/officials", Some(unknown)).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // The national official is not the province's to see or change: 404, as if absent.
    let listed: Value = call(&app, &admin, Method::GET, "/api/v1/admin/officials", None).await.json().await.unwrap();
    let names: Vec<&str> =
        listed.as_array().unwrap().iter().map(|o| o["account"]["username"].as_str().unwrap()).collect();
    assert!(names.contains(&"bacsi.an") && !names.contains(&"canbo.trunguong"), "{names:?}");
    assert_eq!(
        call(&app, &admin, Method::GET, &format!("/api/v1/admin/officials/{national}"), None).await.status(),
        StatusCode::NOT_FOUND
    );
    let disable = format!("/api/v1/admin/officials/{national}/disable");
    assert_eq!(call(&app, &admin, Method::POST, &disable, None).await.status(), StatusCode::NOT_FOUND);

    // A second role that reads no personal data is held at once, and ends the official's sessions.
    let mut browser = app.browser();
    assert_eq!(location(&browser.sign_in("bacsi.an", &password).await), "/account/mfa");
    assert_eq!(browser.get("/account").await.status(), StatusCode::OK);
    let roles = format!("/api/v1/admin/officials/{id}/roles");
    let r = call(&app, &admin, Method::POST, &roles, Some(json!({"role": "analyst", "agency": "SYT.01"}))).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let assignment: Value = r.json().await.unwrap();
    assert_eq!(assignment["role"], "analyst");
    assert_eq!(assignment["territory"], "01");
    assert_eq!(browser.get("/account").await.status(), StatusCode::SEE_OTHER, "the session ended");
    let again = call(&app, &admin, Method::POST, &roles, Some(json!({"role": "analyst", "agency": "SYT.01"}))).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let revoke = format!("/api/v1/admin/officials/{id}/roles/{}", assignment["id"]);
    assert_eq!(call(&app, &admin, Method::DELETE, &revoke, None).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(call(&app, &admin, Method::DELETE, &revoke, None).await.status(), StatusCode::NOT_FOUND);

    // Disabled: the token stops working at once.
    let (_, token) = service::create_token(&app.db.db, "bacsi.an", 1).await.unwrap();
    assert_eq!(call(&app, &token, Method::GET, "/api/v1/me", None).await.status(), StatusCode::OK);
    let disable = format!("/api/v1/admin/officials/{id}/disable");
    assert_eq!(call(&app, &admin, Method::POST, &disable, None).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(call(&app, &token, Method::GET, "/api/v1/me", None).await.status(), StatusCode::UNAUTHORIZED);

    // Every change is in the ledger, by whom and in what role.
    let kinds: Vec<String> = changes(&app).await.iter().map(|d| d["change"].as_str().unwrap().to_owned()).collect();
    assert_eq!(
        kinds,
        [
            "agency_created",
            "agency_created",
            "agency_created",
            "official_created",
            "role_grant_requested",
            "role_grant_approved",
            "role_granted",
            "role_revoked",
            "account_disabled"
        ]
    );
    let actors: Vec<String> = store::sqlx::query_scalar(
        "SELECT body FROM ledger_entries WHERE kind = 'account_changed' AND body LIKE '%role_granted%'",
    )
    .fetch_all(app.db.db.pool())
    .await
    .unwrap();
    assert!(actors[0].contains("quantri.hanoi") && actors[0].contains("CA.01"), "{actors:?}");
}

#[tokio::test]
async fn an_official_holds_no_power_until_a_second_factor_is_on() {
    let app = TestApp::spawn().await;
    registry::cli::generate_into(&app.db.db, 50, 4, false).await.unwrap();
    let ministry = agency(&app, "BCA", Territory::Nation).await;
    holder(&app, "canbo", vec![held(Role::RegistryClerk, &ministry)]).await;
    let mut browser = app.browser();
    assert_eq!(location(&browser.sign_in("canbo", PASSWORD).await), "/account/mfa");
    let account = browser.get("/account").await.text().await.unwrap();
    assert!(account.contains(r#"id="mfa-banner""#));
    assert_eq!(browser.get("/api/v1/citizens?q=n").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(browser.get("/registry/citizens?q=n").await.status(), StatusCode::FORBIDDEN);
    let before = browser.cookies["congso_session"].clone();
    browser.enrol_totp().await;
    // The session that gained the powers is a new one; the old secret is worth nothing.
    assert_ne!(browser.cookies["congso_session"], before);
    let mut stale = app.browser();
    stale.cookies.insert("congso_session".into(), before);
    assert_eq!(stale.get("/account").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/api/v1/citizens?q=n").await.status(), StatusCode::OK);
    assert_eq!(browser.get("/registry/citizens?q=n").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_back_office_pages_create_an_agency_and_an_official() {
    let app = TestApp::spawn().await;
    let ministry = agency(&app, "BKHCN", Territory::Nation).await;
    holder(&app, "quantri", vec![held(Role::Administrator, &ministry)]).await;
    holder(&app, "quantri2", vec![held(Role::Administrator, &ministry)]).await;
    let mut browser = app.browser();
    browser.sign_in("quantri", PASSWORD).await;
    browser.enrol_totp().await;
    assert!(browser.get("/account").await.text().await.unwrap().contains(r#"href="/admin/officials""#));

    let csrf = browser.csrf_of("/admin/agencies").await;
    let r = browser
        .post_form(
            "/admin/agencies",
            &[
                ("csrf", &csrf),
                ("code", "UBND.00070"),
                ("name", "Ủy ban nhân dân phường Hoàn Kiếm"),
                ("territory", "00070"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/admin/agencies");
    let r = browser
        .post_form("/admin/agencies", &[("csrf", &csrf), ("code", "ubnd hk"), ("name", "x"), ("territory", "00070")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Mã cơ quan gồm chữ in hoa"));
    // Without the form's token nothing is made.
    let r =
        browser.post_form("/admin/agencies", &[("code", "UBND.00004"), ("name", "x"), ("territory", "00004")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let page = browser.get("/admin/officials").await.text().await.unwrap();
    assert!(page.contains("UBND.00070") && page.contains("Cán bộ tiếp nhận (Một cửa)"), "{page}");
    let fields = [
        ("csrf", csrf.as_str()),
        ("username", "motcua.hk"),
        ("display_name", "Đỗ Thị Lan"),
        ("role", "one_stop_receiver"),
        ("agency", "UBND.00070"),
        ("territory", ""),
    ];
    let r = browser.post_form("/admin/officials", &fields).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let html = r.text().await.unwrap();
    let password = html.split(r#"id="first-password">"#).nth(1).unwrap().split('<').next().unwrap().to_owned();
    // A one-stop receiver opens dossiers: the first role waits for a second administrator.
    assert!(html.contains(r#"id="created-pending""#), "{html}");
    let id: i64 = store::sqlx::query_scalar("SELECT id FROM accounts WHERE username = 'motcua.hk'")
        .fetch_one(app.db.db.pool())
        .await
        .unwrap();
    let page = browser.get(&format!("/admin/officials/{id}")).await.text().await.unwrap();
    assert!(page.contains("Đỗ Thị Lan") && page.contains("00070") && page.contains(r#"id="pending""#), "{page}");
    // The one who asked has nothing to decide; the second administrator approves on the "Chờ phê duyệt" page.
    let own = browser.get("/admin/role-grants").await.text().await.unwrap();
    assert!(own.contains(r#"id="no-grants""#), "{own}");
    let mut second = app.browser();
    second.sign_in("quantri2", PASSWORD).await;
    second.enrol_totp().await;
    let list = second.get("/admin/officials").await.text().await.unwrap();
    assert!(list.contains("Chờ phê duyệt (1)"), "{list}");
    let pending = second.get("/admin/role-grants").await.text().await.unwrap();
    assert!(pending.contains("motcua.hk") && pending.contains("Cán bộ tiếp nhận (Một cửa)"), "{pending}");
    let grant: i64 = store::sqlx::query_scalar("SELECT id FROM role_grants WHERE account_id = $1")
        .bind(id)
        .fetch_one(app.db.db.pool())
        .await
        .unwrap();
    let approve = format!("/admin/role-grants/{grant}/approve");
    assert_eq!(second.post_form(&approve, &[]).await.status(), StatusCode::FORBIDDEN, "without the form's token");
    let csrf = helpers::form_token(&pending);
    let r = second.post_form(&approve, &[("csrf", &csrf)]).await;
    assert_eq!(location(&r), "/admin/role-grants");
    let after = second.get("/admin/role-grants").await.text().await.unwrap();
    assert!(after.contains(r#"id="no-grants""#), "{after}");

    let mut official = app.browser();
    assert_eq!(location(&official.sign_in("motcua.hk", &password).await), "/account/mfa");
    let account = official.get("/account").await.text().await.unwrap();
    assert!(account.contains("Cán bộ tiếp nhận (Một cửa)") && account.contains("UBND.00070"), "{account}");
    // The official cannot open the back office.
    assert_eq!(official.get("/admin/officials").await.status(), StatusCode::FORBIDDEN);
}
