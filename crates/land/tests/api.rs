//! The land registry's API and pages, served alone with the slice test kit (SQLite, or PostgreSQL with
//! `CONGSO_TEST_DATABASE_URL`).
#![allow(clippy::unwrap_used, missing_docs)]

use axum::middleware::from_fn_with_state;
use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use reqwest::StatusCode;
use serde_json::{Value, json};
use web::testing::SliceServer;

const PASSWORD: &str = "a long enough password";
const COMMUNE: &str = "00070";

struct App {
    server: SliceServer,
    officer: String,
    outsider: String,
    citizen: String,
    /// Two living people of the registry; the citizen's account is the first.
    people: Vec<String>,
}

async fn token(server: &SliceServer, username: &str, kind: AccountKind, roles: Vec<RoleAssignment>) -> (i64, String) {
    let new = NewAccount {
        username: username.parse().unwrap(),
        display_name: username.into(),
        kind,
        password: PASSWORD.parse().unwrap(),
        roles,
    };
    let id = service::create_account(&server.db.db, new).await.unwrap();
    (id, service::create_token(&server.db.db, username, 1).await.unwrap().1)
}

async fn app() -> App {
    let server = SliceServer::start_with(land::routes(), land::api_routes(), |routes, state| {
        routes.layer(from_fn_with_state(state, identity::authenticate))
    })
    .await;
    registry::cli::generate_into(&server.db.db, 30, 5, false).await.unwrap();
    let people: Vec<String> = registry::service::living_residents(&server.db.db, "", 3)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id.to_string())
        .collect();
    let hanoi = Territory::Unit("01".parse().unwrap());
    let role = |territory| vec![RoleAssignment { role: Role::LandOfficer, agency: None, territory }];
    let (_, officer) = token(&server, "diachinh.hn", AccountKind::Official, role(hanoi)).await;
    let hue = Territory::Unit("46".parse().unwrap());
    let (_, outsider) = token(&server, "diachinh.hue", AccountKind::Official, role(hue)).await;
    let (id, citizen) = token(&server, "congdan", AccountKind::Citizen, vec![]).await;
    service::bind_personal_id(&server.db.db, id, &people[0].parse().unwrap()).await.unwrap();
    App { server, officer, outsider, citizen, people }
}

fn square(x: f64, y: f64, side: f64) -> Value {
    json!({ "type": "Polygon", "coordinates": [[[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]] })
}

fn parcel(number: u32, geometry: Value, holders: Value, serial: &str) -> Value {
    json!({
        "commune": COMMUNE, "sheet": 3, "number": number, "area_m2": 400.0, "purpose": "ODT",
        "geometry": geometry, "holders": holders,
        "certificate": { "number": serial, "issued_on": "2025-08-01", "issuer": "VPDKDD.01" },
        "basis": "Hồ sơ đăng ký lần đầu số 12/2025",
    })
}

impl App {
    async fn post(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.server.request(reqwest::Method::POST, path).bearer_auth(token).json(body).send().await.unwrap()
    }

    async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.server.request(reqwest::Method::GET, path).bearer_auth(token).send().await.unwrap()
    }

    fn holder(&self, i: usize) -> String {
        format!("citizen:{}", self.people[i])
    }

    /// Parcel 1 of sheet 3: 20 m × 20 m, the first person's whole.
    async fn registered(&self) -> Value {
        let body = parcel(
            1,
            square(500_000.0, 1_200_000.0, 20.0),
            json!([{ "holder": self.holder(0), "share_bp": 10000 }]),
            "AA01000001",
        );
        let r = self.post(&self.officer, "/api/v1/land/parcels", &body).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json().await.unwrap()
    }

    async fn count(&self, table: &str) -> i64 {
        store::sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.server.db.db.pool())
            .await
            .unwrap()
    }
}

async fn fields(r: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(r.status(), status);
    let body: Value = r.json().await.unwrap();
    body["error"].clone()
}

#[tokio::test]
async fn a_land_officer_registers_a_parcel_and_reads_it_with_a_purpose() {
    let app = app().await;
    let made = app.registered().await;
    assert_eq!(made["parcel"], "00070-3-1");
    assert_eq!(made["flagged"], false);
    assert_eq!(made["geometry"]["type"], "Polygon");
    let path = "/api/v1/land/parcels/00070/3/1";
    let refused = fields(app.get(&app.officer, path).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(refused["fields"]["purpose"].is_string(), "{refused}");
    let read: Value = app.get(&app.officer, &format!("{path}?purpose=verification")).await.json().await.unwrap();
    assert_eq!(read["holders"][0]["holder"], app.holder(0));
    assert_eq!(read["history"][0]["kind"], "registration");
    let reads: i64 = store::sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'personal_data_read' AND subject = $1",
    )
    .bind(&app.people[0])
    .fetch_one(app.server.db.db.pool())
    .await
    .unwrap();
    assert_eq!(reads, 1, "the read of the land user's data is in the ledger");
    let by_serial: Value =
        app.get(&app.officer, "/api/v1/land/parcels?certificate=AA%2001000001").await.json().await.unwrap();
    assert_eq!(by_serial[0]["parcel"], "00070-3-1");
    let by_commune: Value =
        app.get(&app.officer, "/api/v1/land/parcels?commune=00070&sheet=3&number=1").await.json().await.unwrap();
    assert_eq!(by_commune.as_array().unwrap().len(), 1);
    let by_user: Value = app
        .get(&app.officer, &format!("/api/v1/land/parcels?holder={}&purpose=verification", app.holder(0)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_user[0]["parcel"], "00070-3-1");
}

#[tokio::test]
async fn overlapping_and_self_intersecting_boundaries_are_refused_and_nothing_is_written() {
    let app = app().await;
    app.registered().await;
    let (parcels, entries) = (app.count("land_parcels").await, app.count("ledger_entries").await);
    let one = json!([{ "holder": app.holder(1), "share_bp": 10000 }]);
    let overlapping = parcel(2, square(500_010.0, 1_200_010.0, 20.0), one.clone(), "AA01000002");
    let e =
        fields(app.post(&app.officer, "/api/v1/land/parcels", &overlapping).await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    assert!(e["fields"]["geometry"].as_str().unwrap().contains("00070-3-1"), "{e}");
    let bow_tie = json!({ "type": "Polygon", "coordinates": [[[500100.0, 1200000.0], [500110.0, 1200010.0], [500110.0, 1200000.0], [500100.0, 1200010.0], [500100.0, 1200000.0]]] });
    let e = fields(
        app.post(&app.officer, "/api/v1/land/parcels", &parcel(3, bow_tie, one.clone(), "AA01000003")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(e["fields"]["geometry"].is_string(), "{e}");
    let over = json!([{ "holder": app.holder(1), "share_bp": 6000 }, { "holder": app.holder(2), "share_bp": 5000 }]);
    let e = fields(
        app.post(
            &app.officer,
            "/api/v1/land/parcels",
            &parcel(4, square(500_200.0, 1_200_000.0, 20.0), over, "AA01000004"),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(e["fields"]["holders"].is_string(), "{e}");
    assert_eq!((app.count("land_parcels").await, app.count("ledger_entries").await), (parcels, entries));
    // A neighbour sharing the first parcel's east edge is no overlap.
    let neighbour = parcel(5, square(500_020.0, 1_200_000.0, 20.0), one, "AA01000005");
    assert_eq!(app.post(&app.officer, "/api/v1/land/parcels", &neighbour).await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_recorded_area_far_from_the_boundarys_is_kept_and_flagged() {
    let app = app().await;
    let mut body = parcel(
        7,
        square(500_300.0, 1_200_000.0, 20.0),
        json!([{ "holder": app.holder(0), "share_bp": 10000 }]),
        "AA01000007",
    );
    body["area_m2"] = json!(480.0);
    let made: Value = app.post(&app.officer, "/api/v1/land/parcels", &body).await.json().await.unwrap();
    assert_eq!(made["flagged"], true);
    assert_eq!(made["computed_area_m2"], 400.0);
}

fn transfer(from: &str, to: &str, share: u32, serial: &str) -> Value {
    json!({
        "kind": "transfer", "from": from, "to": to, "share_bp": share,
        "certificate": { "number": serial, "issued_on": "2026-01-15", "issuer": "VPDKDD.01" },
        "basis": "Hợp đồng chuyển nhượng số 45/2026",
    })
}

#[tokio::test]
async fn transfers_move_at_most_the_sellers_share_and_never_while_mortgaged() {
    let app = app().await;
    app.registered().await;
    let base = "/api/v1/land/parcels/00070/3/1";
    let (a, b) = (app.holder(0), app.holder(1));
    let half = app.post(&app.officer, &format!("{base}/transfers"), &transfer(&a, &b, 5000, "AB00000001")).await;
    assert_eq!(half.status(), StatusCode::OK);
    let half: Value = half.json().await.unwrap();
    assert_eq!(half["holders"].as_array().unwrap().len(), 2);
    let e = fields(
        app.post(&app.officer, &format!("{base}/transfers"), &transfer(&b, &a, 6000, "AB00000002")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(e["fields"]["share_bp"].as_str().unwrap().contains("50%"), "{e}");
    let mortgage = json!({ "mortgagor": a, "mortgagee": "enterprise:0100112437", "basis": "Hợp đồng thế chấp 7/2026" });
    let m = app.post(&app.officer, &format!("{base}/mortgages"), &mortgage).await;
    assert_eq!(m.status(), StatusCode::CREATED);
    let m: Value = m.json().await.unwrap();
    assert_eq!(m["parcel"]["mortgaged"], true);
    let before = app.count("land_transactions").await;
    let refused = app.post(&app.officer, &format!("{base}/transfers"), &transfer(&a, &b, 1000, "AB00000003")).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("land_transactions").await, before, "nothing written");
    let id = m["mortgage"].as_i64().unwrap();
    let release = json!({ "basis": "Văn bản giải chấp" });
    let released = app.post(&app.officer, &format!("{base}/mortgages/{id}/release"), &release).await;
    assert_eq!(released.status(), StatusCode::OK);
    let again = app.post(&app.officer, &format!("{base}/mortgages/{id}/release"), &release).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY, "a mortgage is released once");
    let sold = app.post(&app.officer, &format!("{base}/transfers"), &transfer(&a, &b, 5000, "AB00000003")).await;
    assert_eq!(sold.status(), StatusCode::OK);
    let read: Value = app.get(&app.officer, &format!("{base}?purpose=correction")).await.json().await.unwrap();
    let kinds: Vec<&str> = read["history"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["registration", "transfer", "mortgage", "mortgage_release", "transfer"]);
    assert_eq!(read["holders"], json!([{ "holder": b, "share_bp": 10000 }]));
    assert_eq!(read["certificate"]["number"], "AB00000003");
}

#[tokio::test]
async fn outside_their_territory_a_parcel_does_not_exist_and_others_may_not_look() {
    let app = app().await;
    app.registered().await;
    let path = "/api/v1/land/parcels/00070/3/1?purpose=verification";
    assert_eq!(app.get(&app.outsider, path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&app.citizen, path).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.server.get(path).await.status(), StatusCode::UNAUTHORIZED);
    let t = transfer(&app.holder(0), &app.holder(1), 100, "AB00000009");
    assert_eq!(
        app.post(&app.outsider, "/api/v1/land/parcels/00070/3/1/transfers", &t).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&app.outsider, "/api/v1/land/parcels?commune=00070").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_citizen_sees_their_own_parcels_drawn() {
    let app = app().await;
    app.registered().await;
    let mine: Value = app.get(&app.citizen, "/api/v1/land/my-parcels").await.json().await.unwrap();
    assert_eq!(mine[0]["parcel"], "00070-3-1");
    let page = app.get(&app.citizen, "/me/land").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<svg viewBox=") && html.contains("ODT"), "{html}");
    let none: Value = app.get(&app.officer, "/api/v1/land/my-parcels").await.json().await.unwrap();
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn the_office_draws_a_parcel_with_its_neighbours_and_a_commune_map_with_a_legend() {
    let app = app().await;
    app.registered().await;
    let one = json!([{ "holder": app.holder(1), "share_bp": 10000 }]);
    let mut east = parcel(2, square(500_020.0, 1_200_000.0, 20.0), one, "AA01000002");
    east["purpose"] = json!("CLN");
    assert_eq!(app.post(&app.officer, "/api/v1/land/parcels", &east).await.status(), StatusCode::CREATED);
    let asks = app.get(&app.officer, "/dat-dai/thua/00070/3/1").await.text().await.unwrap();
    assert!(asks.contains("name=\"purpose\""), "the page asks why before it shows anyone");
    let page = app.get(&app.officer, "/dat-dai/thua/00070/3/1?purpose=verification").await.text().await.unwrap();
    assert_eq!(page.matches("<path ").count(), 2, "the parcel and its neighbour");
    assert!(page.contains("href=\"/dat-dai/thua/00070/3/2\""));
    let map = app.get(&app.officer, "/dat-dai/xa/00070").await.text().await.unwrap();
    assert!(
        map.contains("class=\"legend\"") && map.contains("Đất trồng cây lâu năm") && map.contains("Đất ở tại đô thị")
    );
    let search = app.get(&app.officer, "/dat-dai?commune=00070").await.text().await.unwrap();
    assert!(search.contains("00070-3-2"));
    assert_eq!(app.get(&app.outsider, "/dat-dai/xa/00070").await.status(), StatusCode::FORBIDDEN);
}
