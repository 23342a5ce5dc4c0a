//! Nodes started together on a fresh database all come up, and the first-start work (the schema, the master key
//! file, the first signing keys and their ledger entries) is done exactly once.

use store::sqlx::{self, Row};

use super::{Fresh, ledger_verify};

const NODES: usize = 4;

#[tokio::test]
async fn four_nodes_started_at_once_on_a_fresh_database_all_come_up_with_one_set_of_keys() {
    let fresh = Fresh::new().await;
    let mut nodes: Vec<_> = (0..NODES).map(|_| fresh.serve().spawn()).collect();
    for node in &mut nodes {
        node.ready().await;
    }
    let db = fresh.db().await;
    let count = |sql: &'static str| {
        let pool = db.pool().clone();
        async move { sqlx::query(sql).fetch_one(&pool).await.unwrap().try_get::<i64, _>(0).unwrap() }
    };
    // One key per algorithm (EdDSA, ES256), made once, each with its one ledger entry.
    assert_eq!(count("SELECT COUNT(*) FROM signing_keys").await, 2);
    assert_eq!(count("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'key_changed'").await, 2);
    // Every node signs with those keys: each one's published key set is the same.
    let mut published = Vec::new();
    for node in &nodes {
        let jwks: serde_json::Value =
            reqwest::get(format!("{}/.well-known/jwks.json", node.base)).await.unwrap().json().await.unwrap();
        published.push(jwks);
    }
    assert!(published.windows(2).all(|w| w[0] == w[1]), "{published:?}");
    for node in &mut nodes {
        assert!(node.terminate().await.success(), "{}", node.log());
    }
    let (ok, out) = ledger_verify(&fresh);
    assert!(ok, "{out}");
}
