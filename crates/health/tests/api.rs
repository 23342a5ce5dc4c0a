//! The health slice's API and pages, served with the verifier and the slice test kit (SQLite, or PostgreSQL with
//! `CONGSO_TEST_DATABASE_URL`).
#![allow(clippy::unwrap_used, missing_docs)]

use axum::middleware::from_fn_with_state;
use health::model::{Facility, FacilityKind};
use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trust::ledger::Actor;
use web::testing::SliceServer;

const PASSWORD: &str = "a long enough password";

struct App {
    server: SliceServer,
    doctor: String,
    pharmacist: String,
    outsider: String,
    patient: String,
    neighbour: String,
    /// The patient's personal ID number, and a second living person's.
    people: Vec<String>,
}

async fn token(server: &SliceServer, username: &str, kind: AccountKind, roles: Vec<RoleAssignment>) -> (i64, String) {
    let new = NewAccount {
        username: username.parse().unwrap(),
        display_name: format!("BS {username}"),
        kind,
        password: PASSWORD.parse().unwrap(),
        roles,
    };
    let id = service::create_account(&server.db.db, new).await.unwrap();
    (id, service::create_token(&server.db.db, username, 1).await.unwrap().1)
}

async fn facility(server: &SliceServer, code: &str, name: &str, kind: FacilityKind) -> RoleAssignment {
    let f = Facility { code: code.parse().unwrap(), name: name.into(), kind, commune: "00070".parse().unwrap() };
    health::service::register_facility(&server.db.db, &f, &Actor::system("test")).await.unwrap();
    let agency = identity::officials::model::Agency {
        code: f.code.agency(),
        name: name.into(),
        territory: Territory::Unit("01".parse().unwrap()),
    };
    identity::officials::service::ensure_agency(&server.db.db, &agency, Actor::system("test")).await.unwrap();
    RoleAssignment { role: Role::HealthWorker, agency: Some(f.code.agency()), territory: agency.territory }
}

async fn app() -> App {
    let server = SliceServer::start_with(
        health::routes().merge(credentials::routes()),
        health::api_routes().merge(credentials::api_routes()),
        |routes, state| routes.layer(from_fn_with_state(state, identity::authenticate)),
    )
    .await;
    registry::cli::generate_into(&server.db.db, 30, 5, false).await.unwrap();
    let people: Vec<String> = registry::service::living_residents(&server.db.db, "", 2)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id.to_string())
        .collect();
    let station = facility(&server, "01001", "Trạm Y tế phường Hoàn Kiếm", FacilityKind::Station).await;
    let pharmacy = facility(&server, "01002", "Nhà thuốc Hoàn Kiếm", FacilityKind::Pharmacy).await;
    let (_, doctor) = token(&server, "bacsi", AccountKind::Official, vec![station]).await;
    let (_, pharmacist) = token(&server, "duocsi", AccountKind::Official, vec![pharmacy]).await;
    let clerk = vec![RoleAssignment { role: Role::RegistryClerk, agency: None, territory: Territory::Nation }];
    let (_, outsider) = token(&server, "canbo", AccountKind::Official, clerk).await;
    let (id, patient) = token(&server, "benhnhan", AccountKind::Citizen, vec![]).await;
    service::bind_personal_id(&server.db.db, id, &people[0].parse().unwrap()).await.unwrap();
    let (id, neighbour) = token(&server, "hangxom", AccountKind::Citizen, vec![]).await;
    service::bind_personal_id(&server.db.db, id, &people[1].parse().unwrap()).await.unwrap();
    App { server, doctor, pharmacist, outsider, patient, neighbour, people }
}

impl App {
    async fn post(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.server.request(reqwest::Method::POST, path).bearer_auth(token).json(body).send().await.unwrap()
    }

    async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.server.request(reqwest::Method::GET, path).bearer_auth(token).send().await.unwrap()
    }

    fn prescription(&self) -> Value {
        json!({
            "patient": self.people[0],
            "diagnosis": "Viêm họng cấp",
            "medicines": [
                { "name": "Amoxicillin 500mg", "quantity": 21, "unit": "viên", "usage": "Ngày uống 3 lần, mỗi lần 1 viên" },
                { "name": "Paracetamol 500mg", "quantity": 10, "unit": "viên", "usage": "Uống khi sốt trên 38,5 °C" },
            ],
        })
    }

    async fn prescribed(&self) -> Value {
        let response = self.post(&self.doctor, "/api/v1/health/prescriptions", &self.prescription()).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    async fn ledger_count(&self, sql: &str) -> i64 {
        store::sqlx::query_scalar(sql).fetch_one(self.server.db.db.pool()).await.unwrap()
    }
}

#[tokio::test]
async fn a_doctor_prescribes_the_qr_verifies_and_a_pharmacy_dispenses_it_once() {
    let app = app().await;
    let p = app.prescribed().await;
    let code = p["code"].as_str().unwrap().to_owned();
    assert_eq!(code, "010010000001-c");
    assert_eq!(p["status"], "issued");
    assert_eq!(p["facility_name"], "Trạm Y tế phường Hoàn Kiếm");
    assert_eq!(p["prescriber"], "BS bacsi");
    let second = app.prescribed().await;
    assert_eq!(second["code"], "010010000002-c", "the facility's serials count up");

    // The QR is a signed document that the verifier accepts offline.
    let verdict: Value =
        app.post(&app.patient, "/api/v1/verify", &json!({ "qr": p["qr_text"] })).await.json().await.unwrap();
    assert_eq!(verdict["verdict"], "valid", "{verdict}");
    assert_eq!(verdict["detail"]["document"]["payload"]["code"], code.as_str(), "{verdict}");

    // The pharmacist reads it (a read recorded for the patient with its purpose) and dispenses it, once.
    let read = app.get(&app.pharmacist, &format!("/api/v1/health/prescriptions/{code}")).await;
    assert_eq!(read.status(), StatusCode::OK);
    let reads = app
        .ledger_count(&format!(
            "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'personal_data_read' AND subject = '{}'",
            app.people[0]
        ))
        .await;
    assert_eq!(reads, 1);
    let path = format!("/api/v1/health/prescriptions/{code}/dispense");
    let done = app.post(&app.pharmacist, &path, &json!({})).await;
    assert_eq!(done.status(), StatusCode::OK);
    let done: Value = done.json().await.unwrap();
    assert_eq!(done["status"], "dispensed");
    assert_eq!(done["dispensed_by"], "01002");
    let again = app.post(&app.doctor, &path, &json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let why: Value = again.json().await.unwrap();
    assert!(why.to_string().contains("01002"), "{why}");

    // The patient sees both, newest first, and what the page shows.
    let mine: Value = app.get(&app.patient, "/api/v1/health/prescriptions").await.json().await.unwrap();
    let codes: Vec<&str> = mine.as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 2);
    assert!(codes.contains(&code.as_str()));
    let page = app.get(&app.patient, "/me/health").await.text().await.unwrap();
    assert!(page.contains(&code) && page.contains("Amoxicillin 500mg") && page.contains("<svg"), "{page}");
    assert!(page.contains("Đã bán, cấp phát"));

    // The station's page offers the form; the pharmacy's only the search by code.
    let station = app.get(&app.doctor, "/y-te").await.text().await.unwrap();
    assert!(station.contains("id=\"patient\"") && station.contains("id=\"code\""), "{station}");
    let pharmacy = app.get(&app.pharmacist, "/y-te").await.text().await.unwrap();
    assert!(!pharmacy.contains("id=\"patient\"") && pharmacy.contains("id=\"code\""), "{pharmacy}");
}

#[tokio::test]
async fn two_pharmacies_at_once_dispense_a_prescription_exactly_once() {
    let app = app().await;
    let code = app.prescribed().await["code"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/health/prescriptions/{code}/dispense");
    let empty = json!({});
    let (a, b) = tokio::join!(app.post(&app.pharmacist, &path, &empty), app.post(&app.doctor, &path, &empty));
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let dispensed = app
        .ledger_count(
            "SELECT COUNT(*) FROM ledger_entries WHERE record_kind = 'prescription' AND body LIKE '%dispensed%'",
        )
        .await;
    assert_eq!(dispensed, 1);
}

#[tokio::test]
async fn bad_prescriptions_are_refused_at_their_field_and_nothing_is_written() {
    let app = app().await;
    let cases = [
        (json!({ "patient": "0010" }), "patient"),
        (json!({ "patient": "001090123456" }), "patient"),
        (json!({ "medicines": [] }), "medicines"),
        (json!({ "kind": "strong" }), "kind"),
        (json!({ "diagnosis": "  " }), "diagnosis"),
    ];
    for (change, field) in cases {
        let mut body = app.prescription();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let response = app.post(&app.doctor, "/api/v1/health/prescriptions", &body).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let problem: Value = response.json().await.unwrap();
        assert!(problem.to_string().contains(&format!("\"{field}")), "{field}: {problem}");
    }
    let mut zero = app.prescription();
    zero["medicines"][1]["quantity"] = json!(0);
    let response = app.post(&app.doctor, "/api/v1/health/prescriptions", &zero).await;
    let problem: Value = response.json().await.unwrap();
    assert!(problem.to_string().contains("medicines[1].quantity"), "{problem}");
    assert_eq!(app.ledger_count("SELECT COUNT(*) FROM health_prescriptions").await, 0);
    assert_eq!(app.ledger_count("SELECT COUNT(*) FROM credentials").await, 0);

    // A pharmacy does not prescribe; a clerk and a citizen are no health workers.
    for who in [&app.pharmacist, &app.outsider, &app.patient] {
        let response = app.post(who, "/api/v1/health/prescriptions", &app.prescription()).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    let bad = app.get(&app.pharmacist, "/api/v1/health/prescriptions/01001000001A-c").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn no_one_else_reads_a_patients_prescription() {
    let app = app().await;
    let code = app.prescribed().await["code"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/health/prescriptions/{code}");
    assert_eq!(app.get(&app.patient, &path).await.status(), StatusCode::OK);
    for who in [&app.neighbour, &app.outsider] {
        assert_eq!(app.get(who, &path).await.status(), StatusCode::NOT_FOUND);
        let page = app.get(who, &format!("/y-te/don-thuoc/{code}")).await;
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
    }
    let theirs: Value = app.get(&app.neighbour, "/api/v1/health/prescriptions").await.json().await.unwrap();
    assert_eq!(theirs, json!([]));
    assert_eq!(app.get(&app.neighbour, "/me/health").await.status(), StatusCode::OK);
    let dispense = app.post(&app.outsider, &format!("{path}/dispense"), &json!({})).await;
    assert_eq!(dispense.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_fhir_api_serves_a_prescription_as_medication_requests_to_whoever_may_read_it() {
    let app = app().await;
    let code = app.prescribed().await["code"].as_str().unwrap().to_owned();
    let metadata = app.server.get("/fhir/metadata").await;
    assert_eq!(metadata.headers()["content-type"], "application/fhir+json");
    let metadata: Value = metadata.json().await.unwrap();
    assert_eq!(metadata["fhirVersion"], "4.0.1");

    let search = format!("/fhir/MedicationRequest?identifier={SYSTEM}|{code}");
    let bundle = app.get(&app.patient, &search).await;
    assert_eq!(bundle.status(), StatusCode::OK);
    let bundle: Value = bundle.json().await.unwrap();
    assert_eq!(bundle["total"], 2, "one MedicationRequest per medicine: {bundle}");
    let first = &bundle["entry"][0]["resource"];
    assert_eq!(first["groupIdentifier"]["value"], code.as_str());
    assert_eq!(first["subject"]["identifier"]["value"], app.people[0].as_str());
    assert_eq!(first["status"], "active");

    // Read by id as a pharmacist (recorded); once dispensed, it is completed.
    let path = format!("/fhir/MedicationRequest/{code}.2");
    app.post(&app.pharmacist, &format!("/api/v1/health/prescriptions/{code}/dispense"), &json!({})).await;
    let read = app.get(&app.pharmacist, &path).await;
    assert_eq!(read.status(), StatusCode::OK);
    let resource: Value = read.json().await.unwrap();
    assert_eq!(resource["medicationCodeableConcept"]["text"], "Paracetamol 500mg");
    assert_eq!(resource["status"], "completed");

    // No one else finds it; without a token, FHIR's own OperationOutcome.
    let theirs: Value = app.get(&app.neighbour, &search).await.json().await.unwrap();
    assert_eq!(theirs["total"], 0);
    assert_eq!(app.get(&app.neighbour, &path).await.status(), StatusCode::NOT_FOUND);
    for missing in [format!("/fhir/MedicationRequest/{code}.3"), "/fhir/MedicationRequest/nothing".into()] {
        assert_eq!(app.get(&app.pharmacist, &missing).await.status(), StatusCode::NOT_FOUND, "{missing}");
    }
    let anonymous = app.server.get(&path).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["content-type"], "application/fhir+json");
    let outcome: Value = anonymous.json().await.unwrap();
    assert_eq!(outcome["resourceType"], "OperationOutcome");
}

const SYSTEM: &str = "http://fhir.hl7.org.vn/core/sid/prescription-code";

/// Every kind of resource `/fhir` serves, checked by an independent FHIR model library (Python's fhir.resources,
/// which refuses a missing required element, a wrong type or an element FHIR does not define).
#[tokio::test]
#[ignore = "needs python3 with fhir.resources; .ci/run installs it and runs this"]
async fn fhir_resources_accepts_every_resource_the_fhir_api_serves() {
    let app = app().await;
    let code = app.prescribed().await["code"].as_str().unwrap().to_owned();
    let folder = tempfile::tempdir().unwrap();
    let served = [
        ("metadata", app.server.get("/fhir/metadata").await),
        ("bundle", app.get(&app.patient, &format!("/fhir/MedicationRequest?identifier={SYSTEM}|{code}")).await),
        ("request", app.get(&app.pharmacist, &format!("/fhir/MedicationRequest/{code}.1")).await),
        ("outcome", app.server.get(&format!("/fhir/MedicationRequest/{code}.1")).await),
    ];
    let mut files = Vec::new();
    for (name, response) in served {
        let file = folder.path().join(format!("{name}.json"));
        std::fs::write(&file, response.bytes().await.unwrap()).unwrap();
        files.push(file);
    }
    let checker = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.ci/fhir_check.py");
    let run = std::process::Command::new("python3").arg(checker).args(&files).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    assert!(run.status.success(), "{said}");
    assert_eq!(said.matches(": a valid ").count(), 4, "{said}");
}

/// What the OpenAPI document allows is read: a whole quantity written `21.0` (an integer to JSON Schema), and a code
/// of the right form that was never issued is not found rather than refused.
#[tokio::test]
async fn every_request_the_document_allows_is_read() {
    let app = app().await;
    let mut body = app.prescription();
    body["medicines"][0]["quantity"] = json!(21.0);
    let response = app.post(&app.doctor, "/api/v1/health/prescriptions", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let p: Value = response.json().await.unwrap();
    assert_eq!(p["medicines"][0]["quantity"], 21);
    let never = app.get(&app.pharmacist, "/api/v1/health/prescriptions/000000000000-c").await;
    assert_eq!(never.status(), StatusCode::NOT_FOUND);
}
