//! The education slice's API and pages, served with the verifier and the slice test kit (SQLite, or PostgreSQL
//! with `CONGSO_TEST_DATABASE_URL`).
#![allow(clippy::unwrap_used, missing_docs)]

use axum::middleware::from_fn_with_state;
use education::model::{School, SchoolLevel};
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
    teacher: String,
    principal: String,
    other_teacher: String,
    mother: String,
    stranger: String,
    /// The pupil's personal ID number.
    pupil: String,
}

async fn token(server: &SliceServer, username: &str, kind: AccountKind, roles: Vec<RoleAssignment>) -> (i64, String) {
    let new = NewAccount {
        username: username.parse().unwrap(),
        display_name: format!("Cô {username}"),
        kind,
        password: PASSWORD.parse().unwrap(),
        roles,
    };
    let id = service::create_account(&server.db.db, new).await.unwrap();
    (id, service::create_token(&server.db.db, username, 1).await.unwrap().1)
}

async fn school(server: &SliceServer, code: &str, name: &str) -> School {
    let s = School { code: code.parse().unwrap(), name: name.into(), level: SchoolLevel::LowerSecondary };
    education::service::register_school(&server.db.db, &s, &Actor::system("test")).await.unwrap();
    let agency = identity::officials::model::Agency {
        code: s.code.agency(),
        name: name.into(),
        territory: Territory::Unit(s.code.commune()),
    };
    identity::officials::service::ensure_agency(&server.db.db, &agency, Actor::system("test")).await.unwrap();
    s
}

fn at(s: &School, role: Role) -> RoleAssignment {
    RoleAssignment { role, agency: Some(s.code.agency()), territory: Territory::Unit(s.code.commune()) }
}

async fn app() -> App {
    let server = SliceServer::start_with(
        education::routes().merge(credentials::routes()),
        education::api_routes().merge(credentials::api_routes()),
        |routes, state| routes.layer(from_fn_with_state(state, identity::authenticate)),
    )
    .await;
    registry::cli::generate_into(&server.db.db, 200, 5, false).await.unwrap();
    let (pupil, mother, father): (String, String, Option<String>) = store::sqlx::query_as(
        "SELECT c.personal_id, c.mother_pid, c.father_pid FROM citizens c JOIN citizens m ON m.personal_id = c.mother_pid \
         WHERE c.status = 'living' ORDER BY c.personal_id LIMIT 1",
    )
    .fetch_one(server.db.db.pool())
    .await
    .unwrap();
    let ours = school(&server, "00070001", "Trường THCS Trưng Vương").await;
    let theirs = school(&server, "00070002", "Trường THCS Ngô Sĩ Liên").await;
    let (_, teacher) = token(&server, "giaovien", AccountKind::Official, vec![at(&ours, Role::Teacher)]).await;
    let both = vec![at(&ours, Role::Teacher), at(&ours, Role::Approver)];
    let (_, principal) = token(&server, "hieutruong", AccountKind::Official, both).await;
    let (_, other_teacher) =
        token(&server, "giaovienkhac", AccountKind::Official, vec![at(&theirs, Role::Teacher)]).await;
    let (id, mother_token) = token(&server, "phuhuynh", AccountKind::Citizen, vec![]).await;
    service::bind_personal_id(&server.db.db, id, &mother.parse().unwrap()).await.unwrap();
    let stranger_id: String = store::sqlx::query_scalar(
        "SELECT personal_id FROM citizens WHERE personal_id NOT IN ($1, $2, $3) AND status = 'living' \
         ORDER BY personal_id LIMIT 1",
    )
    .bind(&pupil)
    .bind(&mother)
    .bind(father.unwrap_or_default())
    .fetch_one(server.db.db.pool())
    .await
    .unwrap();
    let (id, stranger) = token(&server, "nguoila", AccountKind::Citizen, vec![]).await;
    service::bind_personal_id(&server.db.db, id, &stranger_id.parse().unwrap()).await.unwrap();
    App { server, teacher, principal, other_teacher, mother: mother_token, stranger, pupil }
}

/// Every scored subject of a lower secondary school, and the ones assessed by comment.
const SCORED: [&str; 8] = ["ngu_van", "toan", "ngoai_ngu", "gdcd", "lich_su_dia_li", "khtn", "cong_nghe", "tin_hoc"];
const COMMENTED: [&str; 4] = ["the_chat", "nghe_thuat", "trai_nghiem", "dia_phuong"];

impl App {
    async fn send(&self, method: reqwest::Method, token: &str, path: &str, body: Option<&Value>) -> reqwest::Response {
        let request = self.server.request(method, path).bearer_auth(token);
        let request = match body {
            Some(body) => request.json(body),
            None => request,
        };
        request.send().await.unwrap()
    }

    async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.send(reqwest::Method::GET, token, path, None).await
    }

    fn record(&self) -> String {
        format!("/api/v1/education/records/{}/2025", self.pupil)
    }

    async fn enrolled(&self) -> Value {
        let body = json!({ "pupil": self.pupil, "school_year": 2025, "grade": 7, "class_name": "7A1" });
        let response =
            self.send(reqwest::Method::POST, &self.teacher, "/api/v1/education/enrolments", Some(&body)).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    async fn mark(&self, subject: &str, term: i64, mark: &str) -> reqwest::Response {
        let body = json!({ "subject": subject, "term": term, "mark": mark });
        self.send(reqwest::Method::PUT, &self.teacher, &format!("{}/marks", self.record()), Some(&body)).await
    }

    /// Both terms of every subject, and the conduct: a year ready to sign.
    async fn complete(&self) {
        for (i, subject) in SCORED.iter().enumerate() {
            assert_eq!(self.mark(subject, 1, "8,0").await.status(), StatusCode::OK);
            let second = if i < 6 { "9.5" } else { "8.5" };
            assert_eq!(self.mark(subject, 2, second).await.status(), StatusCode::OK);
        }
        for subject in COMMENTED {
            for term in [1, 2] {
                assert_eq!(self.mark(subject, term, "Đ").await.status(), StatusCode::OK);
            }
        }
        let conduct = json!({ "conduct": "tot", "absences": 3 });
        let path = format!("{}/conduct", self.record());
        let response = self.send(reqwest::Method::PUT, &self.teacher, &path, Some(&conduct)).await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    async fn sign(&self, token: &str) -> reqwest::Response {
        self.send(reqwest::Method::POST, token, &format!("{}/signature", self.record()), None).await
    }

    async fn count(&self, sql: &str) -> i64 {
        store::sqlx::query_scalar(sql).fetch_one(self.server.db.db.pool()).await.unwrap()
    }
}

#[tokio::test]
async fn a_teacher_fills_a_year_the_principal_signs_it_and_the_family_sees_it() {
    let app = app().await;
    let enrolled = app.enrolled().await;
    assert_eq!(enrolled["school"], "00070001");
    assert_eq!(enrolled["class_name"], "7A1");
    assert_eq!(enrolled["year"], Value::Null);
    app.complete().await;
    // A mark entered again replaces the current one; the history keeps both.
    assert_eq!(app.mark("tin_hoc", 2, "8.6").await.status(), StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM education_mark_history WHERE subject = 'tin_hoc'").await, 3);

    // Unsigned and incomplete for the principal only: a teacher cannot sign.
    assert_eq!(app.sign(&app.teacher).await.status(), StatusCode::NOT_FOUND);
    let signed = app.sign(&app.principal).await;
    assert_eq!(signed.status(), StatusCode::OK);
    let record: Value = signed.json().await.unwrap();
    let toan = record["subjects"].as_array().unwrap().iter().find(|l| l["subject"] == "toan").unwrap();
    assert_eq!(
        (toan["first"].as_str(), toan["second"].as_str(), toan["year"].as_str()),
        (Some("8.0"), Some("9.5"), Some("9.0"))
    );
    assert_eq!(record["year"], "tot");
    assert_eq!(record["promoted"], true);
    assert_eq!(record["title"], "excellent", "six subjects at 9.0 or more: {record}");

    // Signed: its QR verifies offline, and nothing changes any more.
    let qr = record["qr_text"].as_str().unwrap();
    let verdict: Value = app
        .send(reqwest::Method::POST, &app.mother, "/api/v1/verify", Some(&json!({ "qr": qr })))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(verdict["verdict"], "valid", "{verdict}");
    assert_eq!(verdict["detail"]["document"]["payload"]["pupil"], app.pupil.as_str(), "{verdict}");
    assert_eq!(app.mark("toan", 2, "5.0").await.status(), StatusCode::CONFLICT);
    assert_eq!(app.sign(&app.principal).await.status(), StatusCode::CONFLICT);

    // The mother finds it among her family's, on the page too; the teacher's read is in the ledger for the pupil.
    let family: Value = app.get(&app.mother, "/api/v1/education/records").await.json().await.unwrap();
    assert_eq!(family.as_array().unwrap().len(), 1, "{family}");
    assert_eq!(app.get(&app.mother, &app.record()).await.status(), StatusCode::OK);
    let page = app.get(&app.mother, "/me/education").await.text().await.unwrap();
    assert!(page.contains("Trường THCS Trưng Vương") && page.contains("Học sinh Xuất sắc") && page.contains("<svg"));
    assert_eq!(app.get(&app.teacher, &app.record()).await.status(), StatusCode::OK);
    let reads = app
        .count(&format!(
            "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'personal_data_read' AND subject = '{}'",
            app.pupil
        ))
        .await;
    assert_eq!(reads, 1);
    let list: Value =
        app.get(&app.teacher, "/api/v1/education/enrolments?school_year=2025").await.json().await.unwrap();
    assert_eq!(list[0]["pupil"], app.pupil.as_str());
}

#[tokio::test]
async fn no_one_else_reads_or_changes_a_pupils_record() {
    let app = app().await;
    app.enrolled().await;
    for who in [&app.stranger, &app.other_teacher] {
        assert_eq!(app.get(who, &app.record()).await.status(), StatusCode::NOT_FOUND);
        let page = app.get(who, &format!("/giao-duc/hoc-ba/{}/2025", app.pupil)).await;
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
    }
    let body = json!({ "subject": "toan", "term": 1, "mark": "10" });
    let path = format!("{}/marks", app.record());
    let theirs = app.send(reqwest::Method::PUT, &app.other_teacher, &path, Some(&body)).await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let citizen = app.send(reqwest::Method::PUT, &app.mother, &path, Some(&body)).await;
    assert_eq!(citizen.status(), StatusCode::FORBIDDEN);
    let theirs: Value = app.get(&app.stranger, "/api/v1/education/records").await.json().await.unwrap();
    assert_eq!(theirs, json!([]));
    let list: Value =
        app.get(&app.other_teacher, "/api/v1/education/enrolments?school_year=2025").await.json().await.unwrap();
    assert_eq!(list, json!([]));
    assert_eq!(app.count("SELECT COUNT(*) FROM education_marks").await, 0);
}

#[tokio::test]
async fn bad_input_is_refused_at_its_field_and_nothing_is_written() {
    let app = app().await;
    let cases = [
        (json!({ "pupil": "0010" }), "pupil"),
        (json!({ "pupil": "001090123456" }), "pupil"),
        (json!({ "grade": 10 }), "grade"),
        (json!({ "class_name": "8A1" }), "class_name"),
        (json!({ "school_year": 1990 }), "school_year"),
    ];
    for (change, field) in cases {
        let mut body = json!({ "pupil": app.pupil, "school_year": 2025, "grade": 7, "class_name": "7A1" });
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let response = app.send(reqwest::Method::POST, &app.teacher, "/api/v1/education/enrolments", Some(&body)).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let problem: Value = response.json().await.unwrap();
        assert!(problem.to_string().contains(&format!("\"{field}")), "{field}: {problem}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM education_enrolments").await, 0);
    app.enrolled().await;
    let again = json!({ "pupil": app.pupil, "school_year": 2025, "grade": 8, "class_name": "8A1" });
    let twice = app.send(reqwest::Method::POST, &app.teacher, "/api/v1/education/enrolments", Some(&again)).await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    for (subject, mark, field) in
        [("toan", "11", "mark"), ("toan", "dat", "mark"), ("the_chat", "9", "mark"), ("vat_li", "9", "subject")]
    {
        let response = app.mark(subject, 1, mark).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{subject} {mark}");
        let problem: Value = response.json().await.unwrap();
        assert!(problem.to_string().contains(&format!("\"{field}")), "{field}: {problem}");
    }
    assert_eq!(app.mark("toan", 3, "9").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT COUNT(*) FROM education_marks").await, 0);
    // Incomplete: not signed.
    assert_eq!(app.sign(&app.principal).await.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("SELECT COUNT(*) FROM credentials").await, 0);
}

#[tokio::test]
async fn two_signatures_at_once_sign_a_year_once() {
    let app = app().await;
    app.enrolled().await;
    app.complete().await;
    let (a, b) = tokio::join!(app.sign(&app.principal), app.sign(&app.principal));
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    assert_eq!(app.count("SELECT COUNT(*) FROM credentials").await, 1);
}
