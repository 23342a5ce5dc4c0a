//! The enterprise registry's API and pages, served alone with the slice test kit over a synthetic population, on
//! SQLite (or PostgreSQL with `CONGSO_TEST_DATABASE_URL`).
#![allow(clippy::unwrap_used, missing_docs)]

use axum::middleware::from_fn_with_state;
use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use web::testing::SliceServer;

struct App {
    server: SliceServer,
    /// A business registrar of the whole nation.
    nation: String,
    /// A business registrar of Hồ Chí Minh City (79).
    hcm: String,
    /// Living citizens of Hà Nội, with their communes.
    people: Vec<(String, String)>,
}

async fn account(app: &SliceServer, username: &str, kind: AccountKind, roles: Vec<RoleAssignment>) -> (i64, String) {
    let new = NewAccount {
        username: username.parse().unwrap(),
        display_name: username.into(),
        kind,
        password: "a long enough password".parse().unwrap(),
        roles,
    };
    let id = service::create_account(&app.state.db, new).await.unwrap();
    (id, service::create_token(&app.state.db, username, 1).await.unwrap().1)
}

fn registrar(territory: Territory) -> Vec<RoleAssignment> {
    vec![RoleAssignment { role: Role::BusinessRegistrar, agency: None, territory }]
}

async fn app() -> App {
    let server = SliceServer::start_with(enterprise::routes(), enterprise::api_routes(), |router, state| {
        router.layer(from_fn_with_state(state, identity::authenticate))
    })
    .await;
    registry::cli::generate_into(&server.state.db, 120, 7, false).await.unwrap();
    let people: Vec<(String, String)> = store::sqlx::query_as(
        "SELECT personal_id, commune_code FROM citizens WHERE province_code = '01' AND status = 'living' ORDER BY personal_id LIMIT 6",
    )
    .fetch_all(server.state.db.pool())
    .await
    .unwrap();
    assert!(people.len() >= 4, "the synthetic population has people in Hà Nội");
    let (_, nation) = account(&server, "dkkd.trunguong", AccountKind::Official, registrar(Territory::Nation)).await;
    let (_, hcm) =
        account(&server, "dkkd.hcm", AccountKind::Official, registrar(Territory::Unit("79".parse().unwrap()))).await;
    App { server, nation, hcm, people }
}

impl App {
    fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> reqwest::RequestBuilder {
        let mut r = self.server.request(method, path);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        r
    }

    async fn json(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let r = self.send(method, path, token, body).send().await.unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A well-formed registration: a multi-member company of two citizens of Hà Nội, the first its director.
    fn company(&self, name: &str) -> Value {
        let (a, commune) = &self.people[0];
        let b = &self.people[1].0;
        json!({
            "name": name, "foreign_name": "Hoang Phat Trading Company Limited", "abbreviation": "HOANG PHAT CO., LTD",
            "legal_form": "multi_member_llc", "office_address": office_in(commune), "office_street": "12 Tràng Tiền",
            "charter_capital": 2_000_000_000_i64, "main_line": "4610", "lines": ["4610", "6201"],
            "representatives": [{ "personal_id": a, "title": "Giám đốc" }],
            "members": [{ "personal_id": a, "contribution": 1_200_000_000_i64 }, { "personal_id": b, "contribution": 800_000_000_i64 }],
        })
    }

    async fn count(&self, table: &str) -> i64 {
        store::sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.server.state.db.pool())
            .await
            .unwrap()
    }
}

/// A digital address in `commune`.
fn office_in(commune: &str) -> String {
    let commune: kernel::AdminUnitCode = commune.parse().unwrap();
    kernel::DigitalAddress::new(commune, kernel::olc::PlusCode::at(21.0285, 105.8542), 1).unwrap().to_string()
}

/// The fields a 422 names (its body maps each to its message).
fn fields(body: &Value) -> Vec<String> {
    body["error"]["fields"].as_object().unwrap().keys().cloned().collect()
}

/// The message of one field of a 422.
fn message<'a>(body: &'a Value, field: &str) -> &'a str {
    body["error"]["fields"][field].as_str().unwrap()
}

#[tokio::test]
async fn a_registered_enterprise_gets_a_valid_tax_code_and_the_public_sees_only_what_the_portal_shows() {
    let app = app().await;
    let (status, e) = app
        .json(
            Method::POST,
            "/api/v1/enterprises",
            Some(&app.nation),
            Some(app.company("Công ty TNHH Thương mại Hoàng Phát")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    let code = e["tax_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 10);
    assert!(code.starts_with("01"), "{code}: the office's province");
    assert!(code.parse::<kernel::TaxCode>().is_ok());
    assert_eq!(e["version"], 1);
    assert_eq!(e["representatives"][0]["personal_id"], app.people[0].0);
    assert!(!e["representatives"][0]["full_name"].as_str().unwrap().is_empty(), "the registry's name");

    let (status, page) = app.json(Method::GET, "/api/v1/enterprises/lookup?q=hoang%20phat", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let found = &page["results"][0];
    assert_eq!(found["tax_code"], code.as_str());
    assert_eq!(found["legal_form"], "multi_member_llc");
    assert_eq!(found["status"], "active");
    assert!(found["address"].as_str().unwrap().starts_with("12 Tràng Tiền, "));
    assert_eq!(found["representatives"][0], e["representatives"][0]["full_name"]);
    let text = page.to_string();
    for private in [&app.people[0].0, &app.people[1].0] {
        assert!(!text.contains(private.as_str()), "no personal ID number in the public lookup");
    }
    assert!(!text.contains("charter_capital") && !text.contains("members"));
    let (status, one) = app.json(Method::GET, &format!("/api/v1/enterprises/lookup/{code}"), None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["name"], "Công ty TNHH Thương mại Hoàng Phát");

    // The public page and the lookup page, in Vietnamese, phone-friendly tables.
    let html = app.server.get(&format!("/doanh-nghiep?q={code}")).await.text().await.unwrap();
    assert!(html.contains("Công ty TNHH Thương mại Hoàng Phát") && html.contains("class=\"stack\""));
    let html = app.server.get(&format!("/doanh-nghiep/{code}")).await.text().await.unwrap();
    assert!(html.contains("Công ty TNHH hai thành viên trở lên") && html.contains("Đang hoạt động"));

    // A second enterprise takes the next code; the same name is refused.
    let (status, body) = app
        .json(
            Method::POST,
            "/api/v1/enterprises",
            Some(&app.nation),
            Some(app.company("CÔNG TY TNHH THƯƠNG MẠI HOÀNG PHÁT")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&body), ["name"]);
    let (status, second) = app
        .json(Method::POST, "/api/v1/enterprises", Some(&app.nation), Some(app.company("Công ty TNHH Minh Long")))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(second["tax_code"], code.as_str());

    // A branch gets its parent's code with a three-digit suffix.
    let mut branch = app.company("Chi nhánh Công ty TNHH Minh Long tại Hoàn Kiếm");
    branch["parent"] = second["tax_code"].clone();
    branch["charter_capital"] = json!(0);
    branch["members"] = json!([]);
    let (status, b) = app.json(Method::POST, "/api/v1/enterprises", Some(&app.nation), Some(branch)).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    assert_eq!(b["tax_code"], format!("{}-001", second["tax_code"].as_str().unwrap()));
    assert_eq!(b["parent"], second["tax_code"]);
}

#[tokio::test]
async fn bad_input_is_refused_at_its_field_and_nothing_is_written() {
    let app = app().await;
    let before = (app.count("enterprises").await, app.count("ledger_entries").await);
    // Contributions that do not add up to the charter capital.
    let mut body = app.company("Công ty TNHH Sai Vốn");
    body["charter_capital"] = json!(3_000_000_000_i64);
    let (status, err) = app.json(Method::POST, "/api/v1/enterprises", Some(&app.nation), Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&err), ["members"]);
    assert!(message(&err, "members").contains("vốn điều lệ"), "{err}");
    // A representative the population registry does not hold.
    let mut body = app.company("Công ty TNHH Không Người");
    body["representatives"][0]["personal_id"] = json!("001099999999");
    let (status, err) = app.json(Method::POST, "/api/v1/enterprises", Some(&app.nation), Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&err), ["representatives[0].personal_id"]);
    assert!(message(&err, "representatives[0].personal_id").contains("cơ sở dữ liệu quốc gia về dân cư"));
    // A deceased representative.
    let dead: kernel::PersonalId = app.people[2].0.parse().unwrap();
    let actor = trust::ledger::Actor::system("test");
    let mut tx = app.server.state.db.begin_write().await.unwrap();
    let change = registry::service::Change { actor: &actor, reason: "khai tử" };
    registry::life_events::record_death_in(
        &mut tx,
        app.server.state.db.backend(),
        &dead,
        time::macros::date!(2026 - 01 - 02),
        &change,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let before = (before.0, app.count("ledger_entries").await);
    let mut body = app.company("Công ty TNHH Người Đã Mất");
    body["representatives"][0]["personal_id"] = json!(dead.to_string());
    let (status, err) = app.json(Method::POST, "/api/v1/enterprises", Some(&app.nation), Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&err), ["representatives[0].personal_id"]);
    assert!(message(&err, "representatives[0].personal_id").contains("đã mất"));
    // A member's tax code with a wrong check digit; a tax code with one in the path.
    let mut body = app.company("Công ty TNHH Mã Sai");
    body["members"][1] = json!({ "tax_code": "0100112438", "name": "Công ty mẹ", "contribution": 800_000_000_i64 });
    let (status, err) = app.json(Method::POST, "/api/v1/enterprises", Some(&app.nation), Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&err), ["members[1].tax_code"]);
    assert!(message(&err, "members[1].tax_code").contains("Chữ số kiểm tra"));
    let (status, err) = app.json(Method::GET, "/api/v1/enterprises/lookup/0100112438", None, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&err), ["tax_code"]);
    assert_eq!((app.count("enterprises").await, app.count("ledger_entries").await), before, "nothing written");
    assert_eq!(app.count("enterprise_tax_counters").await, 0, "no code drawn for a refused registration");
}

#[tokio::test]
async fn changes_keep_every_version_and_follow_the_status_rules() {
    let app = app().await;
    let (_, e) = app
        .json(Method::POST, "/api/v1/enterprises", Some(&app.nation), Some(app.company("Công ty TNHH Việt Tiến")))
        .await;
    let code = e["tax_code"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/enterprises/{code}");
    let reps = json!({ "representatives": [{ "personal_id": app.people[3].0, "title": "Tổng giám đốc" }], "reason": "Nghị quyết HĐTV số 2" });
    let (status, after) =
        app.json(Method::POST, &format!("{base}/representatives"), Some(&app.nation), Some(reps)).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["version"], 2);
    let capital = json!({ "charter_capital": 2_500_000_000_i64, "reason": "tăng vốn", "members": [
        { "personal_id": app.people[0].0, "contribution": 1_500_000_000_i64 },
        { "personal_id": app.people[1].0, "contribution": 900_000_000_i64 },
    ] });
    let (status, err) =
        app.json(Method::POST, &format!("{base}/capital"), Some(&app.nation), Some(capital.clone())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&err), ["members"]);
    let mut capital = capital;
    capital["members"][1]["contribution"] = json!(1_000_000_000_i64);
    let (status, after) = app.json(Method::POST, &format!("{base}/capital"), Some(&app.nation), Some(capital)).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["charter_capital"], 2_500_000_000_i64);
    let office = json!({ "office_address": office_in(&app.people[4].1), "office_street": "5 Lý Thái Tổ", "reason": "chuyển trụ sở" });
    let (status, after) =
        app.json(Method::POST, &format!("{base}/office"), Some(&app.nation), Some(office.clone())).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    // Dissolution: begun, then completed; a dissolved enterprise's office does not move.
    let today = enterprise::service::today();
    let later = today + time::Duration::days(19);
    for (to, day) in [("in_dissolution", today.to_string()), ("dissolved", later.to_string())] {
        let body = json!({ "status": to, "effective_on": day, "reason": "Quyết định giải thể" });
        let (status, after) = app.json(Method::POST, &format!("{base}/status"), Some(&app.nation), Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{after}");
        assert_eq!(after["status"], to);
    }
    let body =
        json!({ "status": "active", "effective_on": (later + time::Duration::days(1)).to_string(), "reason": "x" });
    assert_eq!(
        app.json(Method::POST, &format!("{base}/status"), Some(&app.nation), Some(body)).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.json(Method::POST, &format!("{base}/office"), Some(&app.nation), Some(office)).await.0,
        StatusCode::CONFLICT
    );

    let (status, history) =
        app.json(Method::GET, &format!("{base}/history?purpose=verification"), Some(&app.nation), None).await;
    assert_eq!(status, StatusCode::OK);
    let versions = history["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 6);
    assert_eq!(
        versions[0]["record"]["representatives"][0]["personal_id"], app.people[0].0,
        "the first version kept whole"
    );
    assert_eq!(versions[1]["reason"], "Nghị quyết HĐTV số 2");
    let statuses: Vec<&str> =
        history["statuses"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["active", "in_dissolution", "dissolved"]);
    // Every version's digest is in the ledger.
    let changes: i64 =
        store::sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries WHERE record_kind = 'enterprise'")
            .fetch_one(app.server.state.db.pool())
            .await
            .unwrap_or(-1);
    assert!(changes == -1 || changes >= 6, "{changes}");
}

#[tokio::test]
async fn registrars_see_their_territory_and_every_read_of_people_is_in_the_ledger_with_its_purpose() {
    let app = app().await;
    let (_, e) = app
        .json(Method::POST, "/api/v1/enterprises", Some(&app.nation), Some(app.company("Công ty TNHH Gia Khang")))
        .await;
    let code = e["tax_code"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/enterprises/{code}");
    // Outside the territory the record does not exist; a search finds nothing there.
    assert_eq!(
        app.json(Method::GET, &format!("{path}?purpose=verification"), Some(&app.hcm), None).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, page) = app.json(Method::GET, "/api/v1/enterprises?q=gia%20khang", Some(&app.hcm), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page["results"].as_array().unwrap().is_empty());
    // Nobody signed in, and a citizen, may not.
    assert_eq!(app.json(Method::GET, "/api/v1/enterprises?q=gia", None, None).await.0, StatusCode::UNAUTHORIZED);
    let (_, citizen) = account(&app.server, "congdan", AccountKind::Citizen, vec![]).await;
    assert_eq!(app.json(Method::GET, "/api/v1/enterprises?q=gia", Some(&citizen), None).await.0, StatusCode::FORBIDDEN);
    // A read needs a purpose.
    assert_eq!(app.json(Method::GET, &path, Some(&app.nation), None).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, full) = app.json(Method::GET, &format!("{path}?purpose=verification"), Some(&app.nation), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(full["members"].as_array().unwrap().len(), 2);
    // One read entry for each citizen the record names, with the purpose: the director (also a member) and the
    // other member.
    for (person, _) in &app.people[..2] {
        let bodies: Vec<String> = store::sqlx::query_scalar(
            "SELECT body FROM ledger_entries WHERE subject = $1 AND kind = 'personal_data_read' AND record_kind = 'enterprise'",
        )
        .bind(person)
        .fetch_all(app.server.state.db.pool())
        .await
        .unwrap();
        assert_eq!(bodies.len(), 1, "{person}");
        assert!(bodies[0].contains("verification"), "{}", bodies[0]);
    }
    // Search by representative, by line, by province.
    for q in [
        format!("representative={}", app.people[0].0),
        "line=6201".into(),
        "province=01".into(),
        format!("tax_code={code}"),
    ] {
        let (status, page) = app.json(Method::GET, &format!("/api/v1/enterprises?{q}"), Some(&app.nation), None).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        assert_eq!(page["results"][0]["tax_code"], code.as_str(), "{q}");
    }
}

#[tokio::test]
async fn a_citizen_sees_the_enterprises_they_represent() {
    let app = app().await;
    let (_, e) = app
        .json(Method::POST, "/api/v1/enterprises", Some(&app.nation), Some(app.company("Công ty TNHH Bảo Lộc")))
        .await;
    let (id, citizen) = account(&app.server, "giamdoc", AccountKind::Citizen, vec![]).await;
    service::bind_personal_id(&app.server.state.db, id, &app.people[0].0.parse().unwrap()).await.unwrap();
    let (status, mine) = app.json(Method::GET, "/api/v1/me/enterprises", Some(&citizen), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine[0]["tax_code"], e["tax_code"]);
    let html =
        app.send(Method::GET, "/me/enterprises", Some(&citizen), None).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Công ty TNHH Bảo Lộc"), "{html}");
    let (_, other) = account(&app.server, "nguoikhac", AccountKind::Citizen, vec![]).await;
    let (_, none) = app.json(Method::GET, "/api/v1/me/enterprises", Some(&other), None).await;
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn the_back_office_asks_why_before_it_opens_a_record() {
    let app = app().await;
    let (_, e) = app
        .json(Method::POST, "/api/v1/enterprises", Some(&app.nation), Some(app.company("Công ty TNHH Kim Phát")))
        .await;
    let code = e["tax_code"].as_str().unwrap();
    let page = |path: String| app.send(Method::GET, &path, Some(&app.nation), None).send();
    let html = page(format!("/office/enterprises/{code}")).await.unwrap().text().await.unwrap();
    assert!(html.contains("name=\"purpose\"") && !html.contains(&app.people[0].0));
    let html = page(format!("/office/enterprises/{code}?purpose=verification")).await.unwrap().text().await.unwrap();
    assert!(
        html.contains(&app.people[0].0) && html.contains("2.000.000.000 đ") && html.contains("Lập trình máy vi tính")
    );
    let html = page("/office/enterprises?q=kim%20phat".into()).await.unwrap().text().await.unwrap();
    assert!(html.contains(code));
}

#[tokio::test]
async fn the_generator_registers_realistic_enterprises_from_the_population() {
    let app = app().await;
    let made = enterprise::synthetic::generate_into(&app.server.state.db, 30, 3).await.unwrap();
    assert_eq!(made, 30);
    let (_, page) = app.json(Method::GET, "/api/v1/enterprises?province=01", Some(&app.nation), None).await;
    let _ = page;
    let (_, page) = app.json(Method::GET, "/api/v1/enterprises/lookup?q=cong%20ty", None, None).await;
    assert!(!page["results"].as_array().unwrap().is_empty());
}
