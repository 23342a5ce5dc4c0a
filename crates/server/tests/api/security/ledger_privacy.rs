//! Finding 10: an inclusion proof's first step is the neighbouring entry's leaf hash, so every leaf hash is
//! public; a leaf was the SHA-256 of fields that hold nothing secret, and whoever suspected that an official read
//! a citizen's record around a given time could test each millisecond offline until a hash matched. Each entry now
//! carries a salt that the leaf commits to and that no public answer shows.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use reqwest::StatusCode;
use serde_json::Value;
use trust::ledger::Event;
use trust::merkle;

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn no_public_answer_lets_anyone_recompute_a_leaf_from_an_entrys_fields() {
    let app = TestApp::spawn().await;
    registry::cli::generate_into(&app.db.db, 20, 11, false).await.unwrap();
    let roles = vec![RoleAssignment { role: Role::RegistryClerk, agency: None, territory: Territory::Nation }];
    let new = NewAccount {
        username: "clerk".parse().unwrap(),
        display_name: "Cán bộ".into(),
        kind: AccountKind::Official,
        password: PASSWORD.parse().unwrap(),
        roles,
    };
    service::create_account(&app.db.db, new).await.unwrap();
    let token = service::create_token(&app.db.db, "clerk", 1).await.unwrap().1;
    let person: String =
        store::sqlx::query_scalar("SELECT MIN(personal_id) FROM citizens").fetch_one(app.db.db.pool()).await.unwrap();
    for _ in 0..2 {
        let url = app.url(&format!("/api/v1/citizens/{person}?purpose=verification"));
        let r = TestApp::client().get(url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let (seq, body): (i64, String) = store::sqlx::query_as(
        "SELECT seq, body FROM ledger_entries WHERE kind = 'personal_data_read' ORDER BY seq LIMIT 1",
    )
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    let size: i64 =
        store::sqlx::query_scalar("SELECT size FROM ledger_state").fetch_one(app.db.db.pool()).await.unwrap();

    // What anyone can fetch: the neighbour's inclusion proof, whose first step is the read's leaf hash.
    let neighbour = seq ^ 1;
    assert!(neighbour < size);
    let mut public = Vec::new();
    let proof = app.get(&format!("/api/v1/ledger/proof/inclusion?index={neighbour}&tree_size={size}")).await;
    let proof: Value = proof.json().await.unwrap();
    let leaf = STANDARD.decode(proof["audit_path"][0].as_str().unwrap()).unwrap();
    public.push(proof.to_string());
    for path in ["/api/v1/ledger/sth", &format!("/api/v1/ledger/proof/consistency?first=1&second={size}")] {
        public.push(app.get(path).await.text().await.unwrap());
    }

    // The attacker's best guess: every field exactly right, except the salt nobody published.
    let event: Event = serde_json::from_str(&body).unwrap();
    let salt = event.salt.clone().expect("every new entry is salted");
    assert_eq!(salt.len(), 32, "128 bits");
    let guess = Event { salt: None, ..event.clone() };
    assert_ne!(merkle::leaf_hash(&guess.canonical_bytes()).to_vec(), leaf, "the unsalted fields do not give the leaf");
    assert_eq!(merkle::leaf_hash(body.as_bytes()).to_vec(), leaf, "the stored entry, salt included, does");
    assert!(public.iter().all(|answer| !answer.contains(&salt)), "no public answer shows the salt");

    // Two reads that differ in nothing but the moment have different salts.
    let salts: Vec<String> =
        store::sqlx::query_scalar("SELECT body FROM ledger_entries WHERE kind = 'personal_data_read' ORDER BY seq")
            .fetch_all(app.db.db.pool())
            .await
            .unwrap();
    let salts: Vec<_> = salts.iter().map(|b| serde_json::from_str::<Event>(b).unwrap().salt.unwrap()).collect();
    assert_eq!(salts.len(), 2);
    assert_ne!(salts[0], salts[1]);
}
