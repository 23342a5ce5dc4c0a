//! Finding 7: outside a clerk's territory an existing personal ID number answered 404 after writing the refusal to
//! the ledger (about 5.8 ms) and a number nobody holds answered at once (1.3 ms), so the time told whether a
//! number belonged to someone anywhere in the nation. Both now do the same work and give the same answer.

use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp};

async fn ledger_size(app: &TestApp) -> i64 {
    store::sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries").fetch_one(app.db.db.pool()).await.unwrap()
}

async fn last_entry_kind(app: &TestApp) -> (String, Option<String>) {
    store::sqlx::query_as("SELECT kind, subject FROM ledger_entries ORDER BY seq DESC LIMIT 1")
        .fetch_one(app.db.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn an_unknown_number_and_one_outside_the_territory_are_refused_alike() {
    let app = TestApp::spawn().await;
    registry::cli::generate_into(&app.db.db, 100, 7, false).await.unwrap();
    let commune = registry::service::busiest_commune(&app.db.db, "01").await.unwrap().unwrap();
    let outsider: String = store::sqlx::query_scalar(
        "SELECT personal_id FROM citizens WHERE commune_code <> $1 ORDER BY personal_id LIMIT 1",
    )
    .bind(&commune)
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    // Same province, century, sex and year: only the random digits differ, and nobody holds these.
    let nobody = format!("{}999999", &outsider[..6]);
    assert!(registry::service::citizen(&app.db.db, &nobody.parse().unwrap()).await.is_err());
    let territory = Territory::Unit(commune.parse().unwrap());
    let roles = vec![RoleAssignment { role: Role::RegistryClerk, agency: None, territory }];
    let new = NewAccount {
        username: "canbo.xa".parse().unwrap(),
        display_name: "Cán bộ xã".into(),
        kind: AccountKind::Official,
        password: PASSWORD.parse().unwrap(),
        roles,
    };
    service::create_account(&app.db.db, new).await.unwrap();
    let token = service::create_token(&app.db.db, "canbo.xa", 1).await.unwrap().1;

    let mut answers = Vec::new();
    for id in [&outsider, &nobody] {
        let before = ledger_size(&app).await;
        let url = app.url(&format!("/api/v1/citizens/{id}?purpose=verification"));
        let r = TestApp::client().get(url).bearer_auth(&token).send().await.unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_eq!(ledger_size(&app).await, before + 1, "the refusal of {id} is written before the answer");
        assert_eq!(last_entry_kind(&app).await, ("access_refused".to_owned(), Some(id.clone())));
        answers.push((status, body));
    }
    assert_eq!(answers[0].0, StatusCode::NOT_FOUND);
    assert_eq!(answers[0], answers[1], "the two answers are the same, byte for byte");
}
