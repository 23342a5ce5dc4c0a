//! A node stopped cleanly (SIGTERM, as a service manager stops it) signs a tree head over the entries it made
//! since the last one, instead of leaving them to the next minute's head, which a stopped node never signs.

use std::time::Duration;

use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use reqwest::StatusCode;
use serde_json::json;
use trust::ledger::head;

use super::Fresh;
use crate::helpers::PASSWORD;

#[tokio::test]
async fn a_clean_shutdown_signs_a_head_over_the_newest_entries() {
    let fresh = Fresh::new().await;
    let mut node = fresh.serve().spawn();
    node.ready().await;
    let db = fresh.db().await;
    // The node signs a head as it starts; wait for it, so that what follows is surely newer.
    let mut first = None;
    for _ in 0..300 {
        first = head::latest(db.pool()).await.unwrap();
        if first.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first = first.expect("a head signed at start");

    let clerk = NewAccount {
        username: "clerk".parse().unwrap(),
        display_name: "Clerk".into(),
        kind: AccountKind::Official,
        password: PASSWORD.parse().unwrap(),
        roles: vec![RoleAssignment { role: Role::RegistryClerk, agency: None, territory: Territory::Nation }],
    };
    service::create_account(&db, clerk).await.unwrap();
    let token = service::create_token(&db, "clerk", 1).await.unwrap().1;
    let client = reqwest::Client::new();
    let citizen = json!({
        "personal_id": "079185000123",
        "full_name": "Lê Thị Bền",
        "birth_date": "1985-02-03",
        "sex": "female",
        "birth_registration_province": "079"
    });
    let r =
        client.post(format!("{}/api/v1/citizens", node.base)).bearer_auth(&token).json(&citizen).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = client
        .get(format!("{}/api/v1/citizens/079185000123?purpose=verification", node.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let entries = head::size(&db).await.unwrap();
    assert!(entries >= first.tree_size + 2, "a change and a read were recorded: {entries} after {}", first.tree_size);
    assert_eq!(head::latest(db.pool()).await.unwrap().unwrap().tree_size, first.tree_size, "nothing signed them yet");

    assert!(node.terminate().await.success(), "{}", node.log());
    let last = head::latest(db.pool()).await.unwrap().unwrap();
    assert_eq!(last.tree_size, entries, "{}", node.log());
    assert_eq!(head::size(&db).await.unwrap(), entries);
    let (ok, out) = super::ledger_verify(&fresh);
    assert!(ok, "{out}");
}
