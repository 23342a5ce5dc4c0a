//! Finding 5: an administrator gave itself a registry clerk's role and read a citizen. No one may change their own
//! roles or account; a role that reads personal data (or an administrator's) takes a second administrator's
//! approval, neither the one who asked nor the one who would hold it, within the role's territory; both the request
//! and the decision are in the ledger.

use identity::model::RoleAssignment;
use identity::officials::Agency;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, agency, error_code, form_token, location, unit};

fn held(role: Role, agency: &Agency) -> RoleAssignment {
    RoleAssignment { role, agency: Some(agency.code.clone()), territory: agency.territory }
}

/// An official holding `roles`, and an API token for them.
async fn holder(app: &TestApp, username: &str, roles: Vec<RoleAssignment>) -> (i64, String) {
    app.account_with_token(username, AccountKind::Official, roles).await
}

async fn call(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
    let mut request = TestApp::client().request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// Asks, as `token`, for `role` in `agency` for the official `id`.
async fn grant(app: &TestApp, token: &str, id: i64, role: &str, agency: &str) -> reqwest::Response {
    let path = format!("/api/v1/admin/officials/{id}/roles");
    call(app, token, Method::POST, &path, Some(json!({ "role": role, "agency": agency }))).await
}

async fn approve(app: &TestApp, token: &str, grant: i64) -> StatusCode {
    let path = format!("/api/v1/admin/role-grants/{grant}/approve");
    call(app, token, Method::POST, &path, None).await.status()
}

async fn reject(app: &TestApp, token: &str, grant: i64, reason: &str) -> StatusCode {
    let path = format!("/api/v1/admin/role-grants/{grant}/reject");
    call(app, token, Method::POST, &path, Some(json!({ "reason": reason }))).await.status()
}

async fn id_of(app: &TestApp, username: &str) -> i64 {
    let query = "SELECT id FROM accounts WHERE username = $1";
    store::sqlx::query_scalar(query).bind(username).fetch_one(app.db.db.pool()).await.unwrap()
}

async fn status_of(app: &TestApp, grant: i64) -> String {
    let query = "SELECT status FROM role_grants WHERE id = $1";
    store::sqlx::query_scalar(query).bind(grant).fetch_one(app.db.db.pool()).await.unwrap()
}

/// The id of the request a grant answered 202 with.
async fn grant_id(response: reqwest::Response) -> i64 {
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// The roles an account holds, as stored.
async fn roles_of(app: &TestApp, id: i64) -> Vec<String> {
    store::sqlx::query_scalar("SELECT role FROM role_assignments WHERE account_id = $1 ORDER BY role")
        .bind(id)
        .fetch_all(app.db.db.pool())
        .await
        .unwrap()
}

/// The ledger entries of `kind`, as (actor's username, detail).
async fn entries(app: &TestApp, kind: &str) -> Vec<(String, Value)> {
    let bodies: Vec<String> = store::sqlx::query_scalar("SELECT body FROM ledger_entries WHERE kind = $1 ORDER BY seq")
        .bind(kind)
        .fetch_all(app.db.db.pool())
        .await
        .unwrap();
    bodies
        .iter()
        .map(|b| {
            let body: Value = serde_json::from_str(b).unwrap();
            (body["actor"]["username"].as_str().unwrap().to_owned(), body["detail"].clone())
        })
        .collect()
}

/// How many refusals of `request` ("METHOD /path") by `username` the ledger holds.
async fn refusals(app: &TestApp, username: &str, request: &str) -> usize {
    entries(app, "access_refused").await.iter().filter(|(who, d)| who == username && d["request"] == request).count()
}

/// A Hà Nội resident's personal ID number, in a registry of 200.
async fn hanoi_resident(app: &TestApp) -> String {
    registry::cli::generate_into(&app.db.db, 200, 3, false).await.unwrap();
    let commune = registry::service::busiest_commune(&app.db.db, "01").await.unwrap().unwrap();
    registry::service::first_resident(&app.db.db, &commune).await.unwrap().unwrap().personal_id.as_str().to_owned()
}

async fn read_citizen(app: &TestApp, token: &str, personal_id: &str) -> StatusCode {
    let path = format!("/api/v1/citizens/{personal_id}?purpose=verification");
    call(app, token, Method::GET, &path, None).await.status()
}

#[tokio::test]
async fn an_administrator_cannot_grant_itself_a_registry_role() {
    let app = TestApp::spawn().await;
    let resident = hanoi_resident(&app).await;
    let police = agency(&app, "CA.01", unit("01")).await;
    let (me, token) = holder(&app, "quantri.hanoi", vec![held(Role::Administrator, &police)]).await;
    assert_eq!(read_citizen(&app, &token, &resident).await, StatusCode::FORBIDDEN);

    // The attack of the finding, over and over, with and without a territory: refused every time.
    let request = format!("POST /api/v1/admin/officials/{me}/roles");
    for attempt in 0..5 {
        let r = grant(&app, &token, me, "registry_clerk", "CA.01").await;
        assert_eq!(error_code(r, StatusCode::FORBIDDEN).await["code"], "forbidden", "attempt {attempt}");
        let path = format!("/api/v1/admin/officials/{me}/roles");
        let body = json!({ "role": "registry_clerk", "agency": "CA.01", "territory": "00070" });
        let r = call(&app, &token, Method::POST, &path, Some(body)).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "attempt {attempt}");
        assert_eq!(read_citizen(&app, &token, &resident).await, StatusCode::FORBIDDEN, "attempt {attempt}");
    }
    // Nor the same through the pages, with a second factor and the form's token.
    let mut browser = app.browser();
    browser.sign_in("quantri.hanoi", PASSWORD).await;
    browser.enrol_totp().await;
    let page = browser.get(&format!("/admin/officials/{me}")).await.text().await.unwrap();
    assert!(page.contains(r#"id="own-account""#) && !page.contains("/roles\""), "no grant form on one's own page");
    let fields = [("csrf", form_token(&page)), ("role", "registry_clerk".into()), ("agency", "CA.01".into())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = browser.post_form(&format!("/admin/officials/{me}/roles"), &fields).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Nothing was granted or even asked for; every refusal is in the ledger, by the administrator.
    assert_eq!(roles_of(&app, me).await, ["administrator"]);
    let asked: i64 =
        store::sqlx::query_scalar("SELECT COUNT(*) FROM role_grants").fetch_one(app.db.db.pool()).await.unwrap();
    assert_eq!(asked, 0);
    assert_eq!(refusals(&app, "quantri.hanoi", &request).await, 10);
    assert_eq!(refusals(&app, "quantri.hanoi", &format!("POST /admin/officials/{me}/roles")).await, 1);
    let read = format!("GET /api/v1/citizens/{resident}");
    assert_eq!(refusals(&app, "quantri.hanoi", &read).await, 6);
    let changes = entries(&app, "account_changed").await;
    assert!(
        // The test's setup (in the name of processes), and the administrator's own second factor: nothing else.
        changes.iter().all(|(by, d)| {
            ["test", "congso", "congso admin"].contains(&by.as_str())
                || d["change"].as_str().unwrap().starts_with("mfa_")
        }),
        "{changes:?}"
    );
}

#[tokio::test]
async fn no_one_revokes_their_own_roles_or_disables_themselves() {
    let app = TestApp::spawn().await;
    let police = agency(&app, "CA.01", unit("01")).await;
    let roles = vec![held(Role::RegistryClerk, &police), held(Role::Administrator, &police)];
    let (me, token) = holder(&app, "canbo.hanoi", roles).await;
    let assignments: Vec<i64> =
        store::sqlx::query_scalar("SELECT id FROM role_assignments WHERE account_id = $1 ORDER BY id")
            .bind(me)
            .fetch_all(app.db.db.pool())
            .await
            .unwrap();
    for a in &assignments {
        let path = format!("/api/v1/admin/officials/{me}/roles/{a}");
        assert_eq!(call(&app, &token, Method::DELETE, &path, None).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(refusals(&app, "canbo.hanoi", &format!("DELETE {path}")).await, 1);
    }
    let disable = format!("/api/v1/admin/officials/{me}/disable");
    assert_eq!(call(&app, &token, Method::POST, &disable, None).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(refusals(&app, "canbo.hanoi", &format!("POST {disable}")).await, 1);

    // The pages refuse the same, even though the forms are not shown.
    let mut browser = app.browser();
    browser.sign_in("canbo.hanoi", PASSWORD).await;
    browser.enrol_totp().await;
    let csrf = browser.csrf_of(&format!("/admin/officials/{me}")).await;
    let revoke = format!("/admin/officials/{me}/roles/{}/revoke", assignments[0]);
    assert_eq!(browser.post_form(&revoke, &[("csrf", &csrf)]).await.status(), StatusCode::FORBIDDEN);
    let disable = format!("/admin/officials/{me}/disable");
    assert_eq!(browser.post_form(&disable, &[("csrf", &csrf)]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(refusals(&app, "canbo.hanoi", &format!("POST {revoke}")).await, 1);

    assert_eq!(roles_of(&app, me).await, ["administrator", "registry_clerk"]);
    assert_eq!(call(&app, &token, Method::GET, "/api/v1/me", None).await.status(), StatusCode::OK, "not disabled");
}

/// The cast of the four-eyes tests: the requester (national), a second administrator of Hà Nội, one of Hồ Chí
/// Minh City, and an official of Hà Nội who reads nothing yet.
struct FourEyes {
    app: TestApp,
    requester: String,
    second: String,
    elsewhere: String,
    official: i64,
    official_token: String,
}

async fn four_eyes() -> FourEyes {
    let app = TestApp::spawn_generous().await;
    let ministry = agency(&app, "BCA", Territory::Nation).await;
    let police = agency(&app, "CA.01", unit("01")).await;
    let southern = agency(&app, "CA.79", unit("79")).await;
    let (_, requester) = holder(&app, "quantri.trunguong", vec![held(Role::Administrator, &ministry)]).await;
    let (_, second) = holder(&app, "quantri.hanoi", vec![held(Role::Administrator, &police)]).await;
    let (_, elsewhere) = holder(&app, "quantri.hcm", vec![held(Role::Administrator, &southern)]).await;
    let (official, official_token) = holder(&app, "canbo.moi", vec![held(Role::Analyst, &police)]).await;
    FourEyes { app, requester, second, elsewhere, official, official_token }
}

#[tokio::test]
async fn a_role_that_reads_personal_data_waits_for_a_second_administrator() {
    let c = four_eyes().await;
    let app = &c.app;
    let resident = hanoi_resident(app).await;
    let mut session = app.browser();
    session.sign_in("canbo.moi", PASSWORD).await;
    assert_eq!(session.get("/account").await.status(), StatusCode::OK);

    let r = grant(app, &c.requester, c.official, "registry_clerk", "CA.01").await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let asked: Value = r.json().await.unwrap();
    let id = asked["id"].as_i64().unwrap();
    assert_eq!(
        (asked["status"].as_str(), asked["requested_by"].as_str()),
        (Some("pending"), Some("quantri.trunguong"))
    );
    // Pending gives nothing, and asking twice is one request.
    assert_eq!(read_citizen(app, &c.official_token, &resident).await, StatusCode::FORBIDDEN);
    assert_eq!(roles_of(app, c.official).await, ["analyst"]);
    let again = grant(app, &c.requester, c.official, "registry_clerk", "CA.01").await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    // The one who asked cannot approve it, nor can an administrator of another province; neither sees it to decide.
    assert_eq!(approve(app, &c.requester, id).await, StatusCode::FORBIDDEN);
    assert_eq!(approve(app, &c.elsewhere, id).await, StatusCode::FORBIDDEN);
    assert_eq!(reject(app, &c.elsewhere, id, "không").await, StatusCode::FORBIDDEN);
    assert_eq!(refusals(app, "quantri.trunguong", &format!("POST /api/v1/admin/role-grants/{id}/approve")).await, 1);
    for token in [&c.requester, &c.elsewhere] {
        let list: Value = call(app, token, Method::GET, "/api/v1/admin/role-grants", None).await.json().await.unwrap();
        assert_eq!(list, json!([]));
    }
    let list: Value = call(app, &c.second, Method::GET, "/api/v1/admin/role-grants", None).await.json().await.unwrap();
    assert_eq!(list[0]["id"], id, "{list}");
    assert_eq!(session.get("/account").await.status(), StatusCode::OK, "a request alone changes nothing");

    // The second administrator approves: the role is held, it works at once, and the official signs in again.
    assert_eq!(approve(app, &c.second, id).await, StatusCode::OK);
    assert_eq!(roles_of(app, c.official).await, ["analyst", "registry_clerk"]);
    assert_eq!(read_citizen(app, &c.official_token, &resident).await, StatusCode::OK);
    assert_eq!(session.get("/account").await.status(), StatusCode::SEE_OTHER, "the session ended");
    assert_eq!(approve(app, &c.second, id).await, StatusCode::CONFLICT, "decided once");

    let changes = entries(app, "account_changed").await;
    let grants: Vec<&(String, Value)> = changes.iter().filter(|(_, d)| d["grant"] == id).collect();
    assert_eq!(grants.len(), 2, "{changes:?}");
    assert_eq!((grants[0].0.as_str(), &grants[0].1["change"]), ("quantri.trunguong", &json!("role_grant_requested")));
    assert_eq!((grants[1].0.as_str(), &grants[1].1["change"]), ("quantri.hanoi", &json!("role_grant_approved")));
    assert_eq!(grants[1].1["role"], "registry_clerk");
    assert_eq!(grants[1].1["account"], "canbo.moi");
}

#[tokio::test]
async fn the_official_who_would_hold_the_role_cannot_approve_it() {
    let c = four_eyes().await;
    let app = &c.app;
    let hanoi = id_of(app, "quantri.hanoi").await;
    let id = grant_id(grant(app, &c.requester, hanoi, "registry_clerk", "CA.01").await).await;
    assert_eq!(approve(app, &c.second, id).await, StatusCode::FORBIDDEN);
    assert_eq!(reject(app, &c.second, id, "tự từ chối").await, StatusCode::FORBIDDEN);
    assert_eq!(roles_of(app, hanoi).await, ["administrator"]);
    let list: Value = call(app, &c.second, Method::GET, "/api/v1/admin/role-grants", None).await.json().await.unwrap();
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn a_rejected_request_gives_nothing() {
    let c = four_eyes().await;
    let app = &c.app;
    let id = grant_id(grant(app, &c.requester, c.official, "health_worker", "CA.01").await).await;
    let long = "x".repeat(501);
    assert_eq!(reject(app, &c.second, id, &long).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reject(app, &c.second, id, "Không có quyết định phân công").await, StatusCode::OK);
    assert_eq!(approve(app, &c.second, id).await, StatusCode::CONFLICT);
    assert_eq!(roles_of(app, c.official).await, ["analyst"]);
    let status = status_of(app, id).await;
    assert_eq!(status, "rejected");
    let changes = entries(app, "account_changed").await;
    let (who, last) = changes.last().unwrap();
    assert_eq!(
        (who.as_str(), &last["change"], &last["grant"]),
        ("quantri.hanoi", &json!("role_grant_rejected"), &json!(id))
    );
    assert_eq!(last["reason"], "Không có quyết định phân công");

    // Rejecting through the page, with the form's token.
    let id = grant_id(grant(app, &c.requester, c.official, "teacher", "CA.01").await).await;
    let mut browser = app.browser();
    browser.sign_in("quantri.hanoi", PASSWORD).await;
    browser.enrol_totp().await;
    let page = browser.get("/admin/role-grants").await.text().await.unwrap();
    assert!(page.contains(&format!(r#"id="grant-{id}""#)), "{page}");
    let path = format!("/admin/role-grants/{id}/reject");
    let r = browser.post_form(&path, &[("csrf", &form_token(&page)), ("reason", "Sai cơ quan")]).await;
    assert_eq!(location(&r), "/admin/role-grants");
    assert_eq!(roles_of(app, c.official).await, ["analyst"]);
    assert_eq!(entries(app, "account_changed").await.last().unwrap().1["reason"], "Sai cơ quan");
}

#[tokio::test]
async fn an_expired_request_cannot_be_approved() {
    let c = four_eyes().await;
    let app = &c.app;
    let id = grant_id(grant(app, &c.requester, c.official, "registry_clerk", "CA.01").await).await;
    // A week and a second later.
    store::sqlx::query("UPDATE role_grants SET requested_at = requested_at - 604801, expires_at = expires_at - 604801")
        .execute(app.db.db.pool())
        .await
        .unwrap();
    let path = format!("/api/v1/admin/role-grants/{id}/approve");
    let r = call(app, &c.second, Method::POST, &path, None).await;
    let error = error_code(r, StatusCode::CONFLICT).await;
    assert!(error["message"].as_str().unwrap().contains("hết hạn"), "{error}");
    assert_eq!(roles_of(app, c.official).await, ["analyst"]);
    let list: Value = call(app, &c.second, Method::GET, "/api/v1/admin/role-grants", None).await.json().await.unwrap();
    assert_eq!(list, json!([]));
    let one: Value = call(app, &c.second, Method::GET, &format!("/api/v1/admin/officials/{}", c.official), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["pending"], json!([]));
    // It can be asked for again.
    assert_eq!(grant(app, &c.requester, c.official, "registry_clerk", "CA.01").await.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn two_administrators_deciding_at_once_exactly_one_wins() {
    let c = four_eyes().await;
    let app = &c.app;
    let national = agency(app, "BKHCN", Territory::Nation).await;
    let (_, third) = holder(app, "quantri.ba", vec![held(Role::Administrator, &national)]).await;
    for round in 0..8 {
        let id = grant_id(grant(app, &c.requester, c.official, "registry_clerk", "CA.01").await).await;
        // Even rounds: two approvals at once; odd rounds: an approval and a rejection at once.
        let (a, b) = if round % 2 == 0 {
            tokio::join!(approve(app, &c.second, id), approve(app, &third, id))
        } else {
            tokio::join!(approve(app, &c.second, id), reject(app, &third, id, "cùng lúc"))
        };
        let mut statuses = [a, b];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "round {round}");
        let status = status_of(app, id).await;
        let holds = roles_of(app, c.official).await.contains(&"registry_clerk".to_owned());
        assert_eq!(holds, status == "approved", "round {round}: {status}, held {holds}");
        let decisions = entries(app, "account_changed")
            .await
            .iter()
            .filter(|(_, d)| d["grant"] == id && d["change"] != "role_grant_requested")
            .count();
        assert_eq!(decisions, 1, "round {round}");
        // Clear the way for the next round's request.
        let query = "DELETE FROM role_assignments WHERE account_id = $1 AND role = 'registry_clerk'";
        store::sqlx::query(query).bind(c.official).execute(app.db.db.pool()).await.unwrap();
    }
}

#[tokio::test]
async fn a_role_that_reads_no_personal_data_is_granted_at_once_but_an_administrator_is_not() {
    let c = four_eyes().await;
    let app = &c.app;
    let hanoi_admin = c.second.clone();
    let r = grant(app, &hanoi_admin, c.official, "analyst", "CA.01").await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "held already");
    let hcm = id_of(app, "quantri.hcm").await;
    let r = grant(app, &c.requester, hcm, "analyst", "CA.79").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(roles_of(app, hcm).await, ["administrator", "analyst"]);

    // One administrator cannot make the second pair of eyes alone: a new administrator waits for approval too, and
    // until then holds nothing, so can ask for nothing.
    let new =
        json!({"username": "quantri.phu", "display_name": "Phụ", "role": {"role": "administrator", "agency": "CA.01"}});
    let r = call(app, &hanoi_admin, Method::POST, "/api/v1/admin/officials", Some(new)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["pending"]["role"], "administrator", "{created}");
    let puppet = created["id"].as_i64().unwrap();
    assert_eq!(roles_of(app, puppet).await, Vec::<String>::new());
    let (_, puppet_token) = service::create_token(&app.db.db, "quantri.phu", 1).await.unwrap();
    let hanoi = id_of(app, "quantri.hanoi").await;
    assert_eq!(grant(app, &puppet_token, hanoi, "registry_clerk", "CA.01").await.status(), StatusCode::FORBIDDEN);
    let promote = grant(app, &hanoi_admin, c.official, "administrator", "CA.01").await;
    assert_eq!(promote.status(), StatusCode::ACCEPTED);
    assert_eq!(roles_of(app, c.official).await, ["analyst"]);
}

#[tokio::test]
async fn operators_grant_directly_and_the_ledger_says_so() {
    let app = TestApp::spawn().await;
    let police = agency(&app, "CA.01", unit("01")).await;
    let new = NewAccount {
        username: "canbo.cli".parse().unwrap(),
        display_name: "Cán bộ".into(),
        kind: AccountKind::Official,
        password: PASSWORD.parse().unwrap(),
        roles: vec![held(Role::RegistryClerk, &police)],
    };
    let id = identity::officials::service::create_by_operator(&app.db.db, new, "congso admin").await.unwrap();
    assert_eq!(roles_of(&app, id).await, ["registry_clerk"]);
    let changes = entries(&app, "account_changed").await;
    let (who, detail) = changes.last().unwrap();
    assert_eq!(who, "congso admin");
    assert_eq!(detail["change"], "account_created_by_operator");
    assert_eq!(detail["roles"][0]["role"], "registry_clerk");
    assert_eq!(detail["roles"][0]["agency"], "CA.01");
}
