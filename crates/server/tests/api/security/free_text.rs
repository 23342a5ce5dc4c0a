//! Free text that reaches the ledger (finding 8b): a purpose, a change's reason, a search query, an agency's
//! name. NUL, ESC and the bidi override U+202E went into signed entries that citizens and auditors read; now
//! they are refused with a 422 saying why, and nothing is written.

use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp};

/// What an official might paste: each hides something from the person who later reads the entry.
const HIDDEN: &[(&str, &str)] = &[
    ("NUL", "kiểm tra hồ sơ\u{0}"),
    ("ESC", "\u{1b}[2Jkiểm tra hồ sơ"),
    ("RLO", "kiểm tra \u{202e}ơs ồh"),
    ("LRI", "kiểm tra \u{2066}hồ sơ\u{2069}"),
    ("RLM", "kiểm tra\u{200f} hồ sơ"),
    ("ALM", "kiểm tra\u{61c} hồ sơ"),
    ("ZWSP", "kiểm\u{200b}tra"),
    ("DEL", "kiểm tra\u{7f}"),
    ("CSI", "kiểm tra\u{9b}31m"),
];

async fn official(app: &TestApp, username: &str, role: Role) -> String {
    let roles = vec![RoleAssignment { role, agency: None, territory: Territory::Nation }];
    let new = NewAccount {
        username: username.parse().unwrap(),
        display_name: username.into(),
        kind: AccountKind::Official,
        password: PASSWORD.parse().unwrap(),
        roles,
    };
    service::create_account(&app.db.db, new).await.unwrap();
    service::create_token(&app.db.db, username, 1).await.unwrap().1
}

async fn ledger_size(app: &TestApp) -> i64 {
    store::sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries").fetch_one(app.db.db.pool()).await.unwrap()
}

async fn get(app: &TestApp, token: &str, path: &str, query: &[(&str, &str)]) -> reqwest::Response {
    TestApp::client().get(app.url(path)).query(query).bearer_auth(token).send().await.unwrap()
}

async fn refused_on(r: reqwest::Response, field: &str) -> String {
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid");
    body["error"]["fields"][field].as_str().unwrap_or_else(|| panic!("no message for {field}: {body}")).to_owned()
}

#[tokio::test]
async fn hidden_characters_in_free_text_are_refused_and_nothing_reaches_the_ledger() {
    let app = TestApp::spawn().await;
    registry::cli::generate_into(&app.db.db, 30, 3, false).await.unwrap();
    let clerk = official(&app, "canbo", Role::RegistryClerk).await;
    let admin = official(&app, "quantri", Role::Administrator).await;
    let found: Value = get(&app, &clerk, "/api/v1/citizens", &[("q", "n")]).await.json().await.unwrap();
    let citizen = &found["results"][0];
    let id = citizen["personal_id"].as_str().unwrap().to_owned();
    let household = citizen["household"].clone();
    let record = format!("/api/v1/citizens/{id}");

    let before = ledger_size(&app).await;
    for (name, words) in HIDDEN {
        let r = get(&app, &clerk, &record, &[("purpose", "other"), ("purpose_other", words)]).await;
        let message = refused_on(r, "purpose_other").await;
        assert!(message.contains("U+"), "{name}: {message}");
        let r = get(&app, &clerk, "/api/v1/citizens", &[("q", words)]).await;
        refused_on(r, "q").await;
        let body = json!({ "household": household, "relationship": "other", "reason": words });
        let r = TestApp::client().post(app.url(&format!("{record}/household"))).bearer_auth(&clerk).json(&body);
        refused_on(r.send().await.unwrap(), "reason").await;
        let body = json!({ "code": "UBND.TEST", "name": format!("Ủy ban {words}"), "territory": "01" });
        let r = TestApp::client().post(app.url("/api/v1/admin/agencies")).bearer_auth(&admin).json(&body);
        refused_on(r.send().await.unwrap(), "name").await;
    }
    assert_eq!(ledger_size(&app).await, before, "a refused request wrote to the ledger");

    // The message is in the caller's language.
    let r = TestApp::client()
        .get(app.url(&record))
        .query(&[("purpose", "other"), ("purpose_other", "a\u{202e}b")])
        .header("accept-language", "en")
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    assert!(refused_on(r, "purpose_other").await.contains("invisible character (U+202E)"));

    // Ordinary words, tabs and line breaks included, are kept composed and on one line.
    let decomposed = "Kie\u{302}\u{309}m tra\t\tho\u{302}\u{300} so\u{31b}\r\n theo đơn";
    let r = get(&app, &clerk, &record, &[("purpose", "other"), ("purpose_other", decomposed)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let kept: String = store::sqlx::query_scalar("SELECT body FROM ledger_entries ORDER BY seq DESC LIMIT 1")
        .fetch_one(app.db.db.pool())
        .await
        .unwrap();
    let kept: Value = serde_json::from_str(&kept).unwrap();
    assert_eq!(kept["purpose"], "other: Kiểm tra hồ sơ theo đơn", "{kept}");
}
