//! Acknowledged writes survive `kill -9`, and concurrent changes to one record never both win silently.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp};

async fn national_clerk(app: &TestApp) -> String {
    let new = NewAccount {
        username: "clerk".parse().unwrap(),
        display_name: "Clerk".into(),
        kind: AccountKind::Official,
        password: PASSWORD.parse().unwrap(),
        roles: vec![RoleAssignment { role: Role::RegistryClerk, agency: None, territory: Territory::Nation }],
    };
    service::create_account(&app.db.db, new).await.unwrap();
    service::create_token(&app.db.db, "clerk", 1).await.unwrap().1
}

struct Server {
    child: Child,
    base: String,
    /// Its data folder (heads file, outbox), apart from every other test's.
    _data_dir: tempfile::TempDir,
}

impl Server {
    /// Ends the server the hard way: SIGKILL, no shutdown, no flush.
    fn kill_9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_server(database_url: &str) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let data_dir = tempfile::tempdir().unwrap();
    let server = Server {
        child: Command::new(env!("CARGO_BIN_EXE_congso"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database-url", database_url])
            .arg("--data-dir")
            .arg(data_dir.path())
            .env("CONGSO_SECURE_COOKIES", "false")
            .env("CONGSO_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
            .env("CONGSO_MASTER_KEY", crate::helpers::MASTER_KEY)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
        base: format!("http://127.0.0.1:{port}"),
        _data_dir: data_dir,
    };
    for _ in 0..100 {
        if reqwest::get(format!("{}/readyz", server.base)).await.is_ok_and(|r| r.status().is_success()) {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("congso serve did not become ready");
}

#[tokio::test]
async fn an_acknowledged_registration_survives_kill_9() {
    let app = TestApp::spawn().await;
    let token = national_clerk(&app).await;
    let server = start_server(&app.db.url).await;
    let client = reqwest::Client::new();
    let citizen = json!({
        "personal_id": "079185000123",
        "full_name": "Lê Thị Bền",
        "birth_date": "1985-02-03",
        "sex": "female",
        "birth_registration_province": "079"
    });
    let r = client
        .post(format!("{}/api/v1/citizens", server.base))
        .bearer_auth(&token)
        .json(&citizen)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    server.kill_9();

    let again = start_server(&app.db.url).await;
    let r = client
        .get(format!("{}/api/v1/citizens/079185000123?purpose=verification", again.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let record: Value = r.json().await.unwrap();
    assert_eq!(record["full_name"], "Lê Thị Bền");
}

#[tokio::test]
async fn concurrent_moves_of_one_citizen_are_applied_one_at_a_time() {
    let app = TestApp::spawn().await;
    registry::cli::generate_into(&app.db.db, 120, 9, false).await.unwrap();
    let token = national_clerk(&app).await;
    let client = TestApp::client();
    let page: Value =
        client.get(app.url("/api/v1/citizens?q=n")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let people = page["results"].as_array().unwrap();
    let mover = people[0]["personal_id"].as_str().unwrap().to_owned();
    let households: Vec<String> = people.iter().skip(1).map(|p| p["household"].as_str().unwrap().to_owned()).collect();

    let mut tasks = Vec::new();
    for (i, household) in households.iter().take(8).enumerate() {
        let (client, url, token) =
            (client.clone(), app.url(&format!("/api/v1/citizens/{mover}/household")), token.clone());
        let body = json!({ "household": household, "relationship": "other", "reason": format!("move {i}") });
        tasks.push(tokio::spawn(async move {
            client.post(url).bearer_auth(token).json(&body).send().await.unwrap().status()
        }));
    }
    let mut applied = 0;
    for t in tasks {
        let status = t.await.unwrap();
        assert!(status == StatusCode::OK || status == StatusCode::CONFLICT, "{status}");
        applied += usize::from(status == StatusCode::OK);
    }
    assert!(applied >= 1);
    let history: Vec<Value> = client
        .get(app.url(&format!("/api/v1/citizens/{mover}/history?purpose=correction")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Every applied move is one version, numbered without gaps or repeats.
    assert_eq!(history.len(), applied + 1);
    for (i, v) in history.iter().enumerate() {
        assert_eq!(v["version"], i + 1);
    }
}

#[tokio::test]
async fn congso_serve_sends_the_mail_queued_in_its_database() {
    // A bare database: the test server's own worker must not be the one that sends.
    let db = store::testing::TestDb::new().await;
    let message = notify::Message::new("an@example.vn", "Thư thử").paragraph("https://x.vn/reset?token=SECRET");
    let mut tx = db.db.begin_write().await.unwrap();
    notify::queue::enqueue_in(&mut tx, &message).await.unwrap();
    tx.commit().await.unwrap();

    let server = start_server(&db.url).await;
    // The file is written before the job is marked done: wait for the mark.
    let mut done = Vec::new();
    for _ in 0..100 {
        done = jobs::list(&db.db, Some(jobs::Status::Done), 10).await.unwrap();
        if !done.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done.len(), 1, "the worker in congso serve ran the queued job");
    let outbox = server._data_dir.path().join("outbox");
    assert_eq!(std::fs::read_dir(outbox).unwrap().count(), 1, "and sent the mail");
    let payload: String = store::sqlx::query_scalar("SELECT payload FROM jobs").fetch_one(db.db.pool()).await.unwrap();
    assert_eq!(payload, "", "the sent mail's text is not kept");
}
