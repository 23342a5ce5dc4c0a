//! The access matrix: every operation in the OpenAPI document (which CI checks against the router) called as
//! nobody, as a citizen, as a commune official on a record outside the commune and as an administrator without a
//! registry role. A new route that is not classified here fails the test, so none can be forgotten.

use identity::model::RoleAssignment;
use identity::service;
use identity::{AccountKind, Role, Territory};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Browser, PASSWORD, TestApp};

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Rule {
    /// Anyone, signed in or not: no personal data.
    Public,
    /// Any signed-in account, about itself only.
    Own,
    /// Registry officials, within their territory.
    Registry,
    /// Administrators.
    Admin,
    /// Dossiers: the applicant's own, or an official's where the dossier is at a step of theirs.
    Dossier,
    /// A bank, by its signature over the body (no account can call it; unsigned, everyone gets 401).
    Signed,
    /// Business registrars, within their territory (none of the cast is one).
    Enterprise,
    /// Land officers, within their territory (none of the cast is one: `land/tests/api.rs` has them).
    Land,
    /// Finance officers, for their agencies' bills (none of the cast is one: `payments_refunds.rs` has them).
    Finance,
    /// Health workers of a facility or teachers of a school (none of the cast is one: `health/tests/api.rs` and
    /// `education/tests/api.rs` have them).
    Staff,
}

fn rule(method: &Method, path: &str) -> Rule {
    match (method.as_str(), path) {
        ("GET", "/api/v1/admin-units" | "/api/v1/admin-units/{code}" | "/api/v1/openapi.json") => Rule::Public,
        ("GET", "/api/v1/ledger/sth" | "/api/v1/ledger/proof/inclusion" | "/api/v1/ledger/proof/consistency") => {
            Rule::Public
        }
        ("POST", "/api/v1/verify") | ("GET", "/api/v1/procedures" | "/api/v1/procedures/{code}") => Rule::Public,
        ("GET", "/api/v1/dossiers/{code}/status" | "/api/v1/dossier-statistics") => Rule::Public,
        ("GET", "/api/v1/enterprises/lookup" | "/api/v1/enterprises/lookup/{tax_code}") => Rule::Public,
        ("GET", "/api/v1/me/enterprises") => Rule::Own,
        (_, p) if p.starts_with("/api/v1/enterprises") => Rule::Enterprise,
        (_, p) if p.starts_with("/api/v1/dossiers") || p == "/api/v1/tasks" => Rule::Dossier,
        ("GET", "/api/v1/me" | "/api/v1/me/data-usage" | "/api/v1/me/data-usage/{seq}/receipt") => Rule::Own,
        ("GET", "/api/v1/payments/bills" | "/api/v1/payments/bills/{reference}") => Rule::Own,
        ("POST", "/api/v1/payments/callbacks/{provider}") => Rule::Signed,
        ("POST", "/api/v1/payments/bills/{reference}/refund") => Rule::Finance,
        ("GET", "/api/v1/land/my-parcels") => Rule::Own,
        (_, p) if p.starts_with("/api/v1/land/parcels") => Rule::Land,
        ("GET", "/api/v1/health/prescriptions") => Rule::Own,
        (_, p) if p.starts_with("/api/v1/health/prescriptions") => Rule::Staff,
        ("GET", "/api/v1/education/records") => Rule::Own,
        (_, p) if p.starts_with("/api/v1/education/") => Rule::Staff,
        ("GET", "/api/v1/admin/accounts") | ("POST", "/api/v1/ledger/sth") => Rule::Admin,
        (_, p)
            if ["/api/v1/admin/officials", "/api/v1/admin/agencies", "/api/v1/admin/role-grants"]
                .iter()
                .any(|r| p.starts_with(r)) =>
        {
            Rule::Admin
        }
        (_, p)
            if ["/api/v1/citizens", "/api/v1/households/", "/api/v1/addresses/", "/api/v1/accounts/"]
                .iter()
                .any(|r| p.starts_with(r)) =>
        {
            Rule::Registry
        }
        (m, p) => panic!("{m} {p} is not in the access matrix: classify it in tests/api/access.rs"),
    }
}

struct Cast {
    app: TestApp,
    citizen: String,
    commune_clerk: String,
    admin: String,
    /// Values for path parameters, all belonging to someone outside the commune clerk's commune and not the
    /// citizen.
    outsider: String,
    outsider_household: String,
    outsider_address: String,
    outsider_entry: u64,
    /// An official with two roles, for the back office's routes.
    official: i64,
    official_assignment: i64,
    /// Two pending requests for roles for that official, asked for by another administrator: one to approve, one
    /// to reject.
    grant_to_approve: i64,
    grant_to_reject: i64,
    /// A submitted dossier of the outsider's.
    outsider_dossier: String,
    /// A registered enterprise's tax code.
    enterprise: String,
}

async fn token(app: &TestApp, username: &str, kind: AccountKind, roles: Vec<RoleAssignment>) -> (i64, String) {
    app.account_with_token(username, kind, roles).await
}

async fn cast() -> Cast {
    let app = TestApp::spawn().await;
    registry::cli::generate_into(&app.db.db, 200, 3, false).await.unwrap();
    let commune = registry::service::busiest_commune(&app.db.db, "01").await.unwrap().unwrap();
    let local = registry::service::first_resident(&app.db.db, &commune).await.unwrap().unwrap();
    let pool = app.db.db.pool();
    let (outsider, outsider_household): (String, String) = store::sqlx::query_as(
        "SELECT c.personal_id, h.code FROM citizens c JOIN households h ON h.id = c.household_id \
         WHERE c.commune_code <> $1 ORDER BY c.personal_id LIMIT 1",
    )
    .bind(&commune)
    .fetch_one(pool)
    .await
    .unwrap();
    let outsider_address: String = store::sqlx::query_scalar(
        "SELECT a.code FROM households h JOIN addresses a ON a.id = h.address_id WHERE h.code = $1",
    )
    .bind(&outsider_household)
    .fetch_one(pool)
    .await
    .unwrap();
    // An entry about the outsider, whose receipt is theirs alone (the import recorded them in a batch, with no
    // entry of their own): an official's look at their record.
    let read =
        trust::ledger::Event::new(trust::ledger::EventKind::PersonalDataRead, trust::ledger::Actor::system("test"))
            .subject(&outsider);
    let mut tx = app.db.db.begin_write().await.unwrap();
    trust::ledger::store::append(&mut tx, app.db.db.backend(), &mut [read]).await.unwrap();
    tx.commit().await.unwrap();
    let outsider_entry: i64 = store::sqlx::query_scalar("SELECT MIN(seq) FROM ledger_entries WHERE subject = $1")
        .bind(&outsider)
        .fetch_one(pool)
        .await
        .unwrap();
    let (citizen_id, citizen) = token(&app, "congdan", AccountKind::Citizen, vec![]).await;
    service::bind_personal_id(&app.db.db, citizen_id, &local.personal_id).await.unwrap();
    let territory = Territory::Unit(commune.parse().unwrap());
    let clerk_role = vec![RoleAssignment { role: Role::RegistryClerk, agency: None, territory }];
    let (_, commune_clerk) = token(&app, "canbo.xa", AccountKind::Official, clerk_role).await;
    let admin_role = vec![RoleAssignment { role: Role::Administrator, agency: None, territory: Territory::Nation }];
    let (_, admin) = token(&app, "quantri", AccountKind::Operator, admin_role.clone()).await;
    let agency = "UBND.01".parse().unwrap();
    let by = trust::ledger::Actor::system("test");
    let hanoi = identity::officials::Agency {
        code: agency,
        name: "Ủy ban nhân dân thành phố Hà Nội".into(),
        territory: Territory::Unit("01".parse().unwrap()),
    };
    identity::officials::service::ensure_agency(&app.db.db, &hanoi, by).await.unwrap();
    let held = |role| RoleAssignment { role, agency: Some(hanoi.code.clone()), territory: hanoi.territory };
    let (official, _) =
        token(&app, "canbo.khac", AccountKind::Official, vec![held(Role::Specialist), held(Role::Approver)]).await;
    let official_assignment: i64 =
        store::sqlx::query_scalar("SELECT MAX(id) FROM role_assignments WHERE account_id = $1")
            .bind(official)
            .fetch_one(app.db.db.pool())
            .await
            .unwrap();
    let (_, second_admin) = token(&app, "quantri.hai", AccountKind::Official, admin_role.clone()).await;
    let mut grants = Vec::new();
    for role in ["teacher", "health_worker"] {
        let r = TestApp::client()
            .post(app.url(&format!("/api/v1/admin/officials/{official}/roles")))
            .bearer_auth(&second_admin)
            .json(&json!({ "role": role, "agency": "UBND.01" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        grants.push(r.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let outsider_dossier = submitted_dossier(&app, &outsider).await;
    enterprise::synthetic::generate_into(&app.db.db, 3, 1).await.unwrap();
    let enterprise: String =
        store::sqlx::query_scalar("SELECT MIN(tax_code) FROM enterprises").fetch_one(app.db.db.pool()).await.unwrap();
    Cast {
        enterprise,
        app,
        outsider_dossier,
        citizen,
        commune_clerk,
        admin,
        outsider,
        outsider_household,
        outsider_address,
        outsider_entry: outsider_entry as u64,
        official,
        official_assignment,
        grant_to_approve: grants[0],
        grant_to_reject: grants[1],
    }
}

/// A confirmation of residence filed and submitted by `personal_id`, as the portal's services would for them.
async fn submitted_dossier(app: &TestApp, personal_id: &str) -> String {
    let personal_id: kernel::PersonalId = personal_id.parse().unwrap();
    let procedure = portal::Catalogue::builtin().unwrap().get(&"xac-nhan-cu-tru".parse().unwrap()).unwrap();
    let citizen = registry::service::citizen(&app.db.db, &personal_id).await.unwrap();
    let me = identity::Principal {
        account_id: 0,
        username: "nguoikhac".into(),
        display_name: citizen.full_name.clone(),
        kind: AccountKind::Citizen,
        roles: vec![],
        method: identity::model::AuthMethod::Token,
        personal_id: Some(personal_id),
        assurance_level: identity::assurance::AssuranceLevel::Two,
        mfa_enabled: false,
    };
    let actor = trust::ledger::Actor::named("nguoikhac", &citizen.full_name);
    let applicant = portal::service::Applicant::online(personal_id, actor, citizen);
    let dossier = portal::service::open(&app.db.db, procedure, &applicant, None).await.unwrap();
    portal::service::workflow::submit(&app.db.db, &me, &dossier.code, &dossier.form).await.unwrap();
    dossier.code.to_string()
}

impl Cast {
    fn concrete(&self, path: &str) -> String {
        let code = match path {
            p if p.starts_with("/api/v1/addresses") => self.outsider_address.as_str(),
            p if p.starts_with("/api/v1/admin-units") => "01",
            p if p.starts_with("/api/v1/procedures") => "khai-sinh",
            p if p.starts_with("/api/v1/dossiers") => self.outsider_dossier.as_str(),
            p if p.starts_with("/api/v1/health") => "010010000001-c",
            _ => self.outsider_household.as_str(),
        };
        let grant = if path.ends_with("/reject") { self.grant_to_reject } else { self.grant_to_approve };
        let path = path
            .replace("{personal_id}", &self.outsider)
            .replace("{tax_code}", &self.enterprise)
            .replace("{seq}", &self.outsider_entry.to_string())
            .replace("{code}", code)
            .replace("{kind}", "birth_certificate")
            .replace("{id}", &self.official.to_string())
            .replace("{assignment}", &self.official_assignment.to_string())
            .replace("{grant}", &grant.to_string())
            .replace("{provider}", "sandbox")
            .replace("{reference}", "TT23456789ABCD")
            .replace("{commune}", "00070")
            .replace("{sheet}", "1")
            .replace("{number}", "1")
            .replace("{mortgage}", "1")
            .replace("{pupil}", &self.outsider)
            .replace("{school_year}", "2025");
        let query = match path.as_str() {
            "/api/v1/citizens" => "?q=n",
            "/api/v1/enterprises" | "/api/v1/enterprises/lookup" => "?q=cong",
            "/api/v1/land/parcels" => "?commune=00070",
            p if p.starts_with("/api/v1/land/parcels/") => "?purpose=verification",
            p if p.starts_with("/api/v1/citizens/") || p.starts_with("/api/v1/households/") => "?purpose=verification",
            p if p.starts_with("/api/v1/enterprises/") && !p.starts_with("/api/v1/enterprises/lookup") => {
                "?purpose=verification"
            }
            "/api/v1/ledger/proof/inclusion" => "?index=0&tree_size=1",
            "/api/v1/ledger/proof/consistency" => "?first=1&second=1",
            _ => "",
        };
        format!("{path}{query}")
    }

    /// A well-formed body, so that a refusal is the policy's and not the parser's.
    fn body(&self, operation_id: &str) -> Option<Value> {
        match operation_id {
            "registerCitizen" => Some(json!({
                "personal_id": "001203012345", "full_name": "Nguyễn Văn Thử", "birth_date": "2003-05-01",
                "sex": "male", "birth_registration_province": "001", "household": self.outsider_household,
                "relationship": "other",
            })),
            "moveCitizenToHousehold" => {
                Some(json!({ "household": self.outsider_household, "relationship": "other", "reason": "kiểm thử" }))
            }
            "signTreeHead" => None,
            "verifyCredential" => Some(json!({ "qr": "6BF" })),
            "setAssuranceLevel" => Some(json!({ "level": 2 })),
            "createAgency" => Some(json!({ "code": "SYT.01", "name": "Sở Y tế Hà Nội", "territory": "01" })),
            "createOfficial" => Some(json!({
                "username": "canbo.moi", "display_name": "Cán Bộ Mới",
                "role": { "role": "teacher", "agency": "UBND.01" },
            })),
            "grantRole" => Some(json!({ "role": "analyst", "agency": "UBND.01" })),
            "disableOfficial" | "approveRoleGrant" => None,
            "rejectRoleGrant" => Some(json!({ "reason": "kiểm thử" })),
            "openDossier" => Some(json!({ "procedure": "khai-sinh" })),
            "submitDossier" | "supplementDossier" => Some(json!({ "form": {} })),
            "actOnDossier" => Some(json!({ "action": "accept", "version": 2 })),
            "rateDossier" => Some(json!({ "rating": 5 })),
            "answerDossierConsent" => Some(json!({ "agree": true })),
            "attachToDossier" => Some(json!({})),
            "registerEnterprise" => Some(json!({
                "name": "Công ty TNHH Kiểm Thử", "legal_form": "single_member_llc",
                "office_address": "00070-7PH72VH3+CM-1-8", "office_street": "1 Tràng Tiền", "charter_capital": 1000,
                "main_line": "62", "lines": ["62"], "representatives": [{ "personal_id": self.outsider, "title": "Giám đốc" }],
                "members": [{ "personal_id": self.outsider, "contribution": 1000 }],
            })),
            "changeEnterpriseRepresentatives" => Some(json!({
                "representatives": [{ "personal_id": self.outsider, "title": "Giám đốc" }], "reason": "kiểm thử",
            })),
            "moveEnterpriseOffice" => Some(json!({
                "office_address": "00070-7PH72VH3+CM-1-8", "office_street": "1 Tràng Tiền", "reason": "kiểm thử",
            })),
            "changeEnterpriseCapital" => Some(json!({ "charter_capital": 1000, "members": [], "reason": "kiểm thử" })),
            "changeEnterpriseStatus" => {
                Some(json!({ "status": "suspended", "effective_on": "2030-01-01", "reason": "kiểm thử" }))
            }
            "paymentCallback" => Some(json!({ "code": "00", "desc": "success", "data": {
                "reference": "FT1", "orderCode": "TT23456789ABCD", "amount": 1000, "accountNumber": "0011002345678",
                "description": "x", "transactionDateTime": 0,
            } })),
            "refundBill" => Some(json!({ "reason": "kiểm thử" })),
            "registerParcel" => Some(json!({
                "commune": "00070", "sheet": 1, "number": 1, "area_m2": 100.0, "purpose": "ODT",
                "geometry": { "type": "Polygon", "coordinates": [[[500000.0, 1200000.0], [500010.0, 1200000.0],
                    [500010.0, 1200010.0], [500000.0, 1200010.0], [500000.0, 1200000.0]]] },
                "holders": [{ "holder": format!("citizen:{}", self.outsider), "share_bp": 10000 }],
                "certificate": { "number": "AA00000001", "issued_on": "2025-08-01", "issuer": "VPDKDD.01" },
                "basis": "kiểm thử",
            })),
            "transferParcel" => Some(json!({
                "kind": "gift", "from": format!("citizen:{}", self.outsider), "to": "enterprise:0100112437",
                "share_bp": 100, "basis": "kiểm thử",
                "certificate": { "number": "AA00000002", "issued_on": "2025-08-01", "issuer": "VPDKDD.01" },
            })),
            "registerMortgage" => Some(json!({
                "mortgagor": format!("citizen:{}", self.outsider), "mortgagee": "enterprise:0100112437", "basis": "kiểm thử",
            })),
            "releaseMortgage" => Some(json!({ "basis": "kiểm thử" })),
            "prescribe" => Some(json!({ "patient": self.outsider, "diagnosis": "kiểm thử",
                "medicines": [{ "name": "Paracetamol 500mg", "quantity": 1, "unit": "viên", "usage": "kiểm thử" }] })),
            "dispensePrescription" => Some(json!({})),
            "enrolPupil" => {
                Some(json!({ "pupil": self.outsider, "school_year": 2025, "grade": 7, "class_name": "7A1" }))
            }
            "putMark" => Some(json!({ "subject": "toan", "term": 1, "mark": "8.5" })),
            "putConduct" => Some(json!({ "conduct": "tot", "absences": 0 })),
            "signSchoolRecord" => None,
            "leaseParcel" => Some(json!({
                "lessor": format!("citizen:{}", self.outsider), "lessee": "enterprise:0100112437",
                "until": "2040-01-01", "basis": "kiểm thử",
            })),
            other => panic!("give operation {other} a well-formed body in tests/api/access.rs"),
        }
    }

    async fn call(&self, method: &Method, path: &str, operation_id: &str, token: Option<&str>) -> StatusCode {
        let mut request = TestApp::client().request(method.clone(), self.app.url(&self.concrete(path)));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.with_body(request, method, operation_id).send().await.unwrap().status()
    }

    fn with_body(&self, request: RequestBuilder, method: &Method, operation_id: &str) -> RequestBuilder {
        match (method == Method::POST || method == Method::PUT).then(|| self.body(operation_id)).flatten() {
            Some(body) => request.json(&body),
            None => request,
        }
    }
}

#[tokio::test]
async fn every_api_operation_refuses_whoever_may_not_use_it() {
    let cast = cast().await;
    let doc: Value = cast.app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let id = operation["operationId"].as_str().unwrap();
            let rule = rule(&method, path);
            let is_object = path.contains('{');
            let anonymous = cast.call(&method, path, id, None).await;
            let citizen = cast.call(&method, path, id, Some(&cast.citizen)).await;
            let clerk = cast.call(&method, path, id, Some(&cast.commune_clerk)).await;
            let admin = cast.call(&method, path, id, Some(&cast.admin)).await;
            let seen =
                format!("{method} {path}: nobody {anonymous}, citizen {citizen}, commune clerk {clerk}, admin {admin}");
            match rule {
                Rule::Public => assert!(anonymous.is_success(), "{seen}"),
                Rule::Own => {
                    assert_eq!(anonymous, StatusCode::UNAUTHORIZED, "{seen}");
                    if is_object {
                        // Someone else's entry does not exist for the citizen; officials have no "own" entries.
                        assert_eq!(citizen, StatusCode::NOT_FOUND, "{seen}");
                    }
                }
                Rule::Registry => {
                    assert_eq!(anonymous, StatusCode::UNAUTHORIZED, "{seen}");
                    assert_eq!(citizen, StatusCode::FORBIDDEN, "{seen}");
                    assert_eq!(admin, StatusCode::FORBIDDEN, "{seen}");
                    match (is_object, method.as_str()) {
                        // Outside the commune a person, household or dwelling does not exist for the clerk.
                        (true, _) => assert_eq!(clerk, StatusCode::NOT_FOUND, "{seen}"),
                        // Registering someone into a household outside the commune is forbidden.
                        (false, "POST") => assert_eq!(clerk, StatusCode::FORBIDDEN, "{seen}"),
                        // A search is limited to the commune in SQL (tested in citizens.rs).
                        (false, _) => assert!(clerk.is_success(), "{seen}"),
                    }
                }
                Rule::Dossier => {
                    assert_eq!(anonymous, StatusCode::UNAUTHORIZED, "{seen}");
                    match (is_object, method.as_str()) {
                        // Someone else's dossier does not exist for a citizen, nor for officials not working it.
                        (true, _) => {
                            for other in [citizen, clerk, admin] {
                                assert_eq!(other, StatusCode::NOT_FOUND, "{seen}");
                            }
                        }
                        // Only citizens open dossiers (this one's account is below the procedure's level).
                        (false, "POST") => {
                            assert_eq!(citizen, StatusCode::CONFLICT, "{seen}");
                            assert_eq!(clerk, StatusCode::FORBIDDEN, "{seen}");
                        }
                        // One's own list, one's own queue.
                        (false, _) => assert!(citizen.is_success(), "{seen}"),
                    }
                }
                Rule::Admin => {
                    assert_eq!(anonymous, StatusCode::UNAUTHORIZED, "{seen}");
                    assert_eq!(citizen, StatusCode::FORBIDDEN, "{seen}");
                    assert_eq!(clerk, StatusCode::FORBIDDEN, "{seen}");
                    assert!(admin.is_success(), "{seen}");
                }
                Rule::Signed => {
                    for status in [anonymous, citizen, clerk, admin] {
                        assert_eq!(status, StatusCode::UNAUTHORIZED, "{seen}");
                    }
                }
                // The registry clerk and the administrator are neither business registrars, land officers nor
                // finance officers.
                Rule::Enterprise | Rule::Land | Rule::Finance => {
                    assert_eq!(anonymous, StatusCode::UNAUTHORIZED, "{seen}");
                    for other in [citizen, clerk, admin] {
                        assert_eq!(other, StatusCode::FORBIDDEN, "{seen}");
                    }
                }
                // A prescription or school record someone else holds does not exist for them; writing, dispensing,
                // enrolling, marking and signing are forbidden.
                Rule::Staff => {
                    assert_eq!(anonymous, StatusCode::UNAUTHORIZED, "{seen}");
                    let expected =
                        if is_object && method == Method::GET { StatusCode::NOT_FOUND } else { StatusCode::FORBIDDEN };
                    for other in [citizen, clerk, admin] {
                        assert_eq!(other, expected, "{seen}");
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} operations in the document");
}

/// A browser signed in as an official who is administrator and registry clerk of the nation, second factor on,
/// so that every operation is one the session may use once its CSRF token is right.
async fn powerful_session(app: &TestApp) -> Browser {
    let roles = [Role::Administrator, Role::RegistryClerk]
        .map(|role| RoleAssignment { role, agency: None, territory: Territory::Nation })
        .to_vec();
    token(app, "canbo.manh", AccountKind::Official, roles).await;
    let mut browser = app.browser();
    browser.sign_in("canbo.manh", PASSWORD).await;
    browser.enrol_totp().await;
    browser
}

#[tokio::test]
async fn every_unsafe_api_operation_refuses_a_session_without_its_csrf_token() {
    let cast = cast().await;
    let browser = powerful_session(&cast.app).await;
    let token = browser.cookies["congso_csrf"].clone();
    let doc: Value = cast.app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            // Public operations do not act as the session (verifying a QR code changes nothing).
            if method.is_safe() || matches!(rule(&method, path), Rule::Public | Rule::Signed) {
                continue;
            }
            let id = operation["operationId"].as_str().unwrap();
            let url = cast.concrete(path);
            let send = |csrf: Option<&str>| {
                let mut request = browser.request(method.clone(), &url);
                if let Some(csrf) = csrf {
                    request = request.header("x-csrf-token", csrf);
                }
                cast.with_body(request, &method, id).send()
            };
            let code = |response: reqwest::Response| async move {
                let status = response.status();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                (status, body["error"]["code"].as_str().unwrap_or_default().to_owned())
            };
            let wrong = "A".repeat(token.len());
            for (csrf, what) in
                [(None, "no token"), (Some(wrong.as_str()), "a wrong token"), (Some(""), "an empty one")]
            {
                let (status, error) = code(send(csrf).await.unwrap()).await;
                assert_eq!((status, error.as_str()), (StatusCode::FORBIDDEN, "csrf"), "{method} {path} with {what}");
            }
            // With the page's token the same call is the policy's and the handler's to decide, never the CSRF check's.
            let (status, error) = code(send(Some(&token)).await.unwrap()).await;
            assert_ne!(error, "csrf", "{method} {path} with the right token: {status}");
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} unsafe operations in the document");
}
