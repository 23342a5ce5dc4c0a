//! The keyring against a real database: first start, rotation, retirement, the wrong master key.

use store::testing::TestDb;
use trust::keyring::{self, Keyring, KeyringError, MasterKey};
use trust::keys::Algorithm;

#[tokio::test]
async fn the_first_start_creates_one_key_per_algorithm_and_later_starts_reuse_them() {
    let db = TestDb::new().await;
    let master = MasterKey::random();
    let first = Keyring::open(&db.db, master.clone()).await.unwrap();
    assert_eq!(first.public_keys().len(), 2);
    let again = Keyring::open(&db.db, master).await.unwrap();
    let kids = |k: &Keyring| k.public_keys().iter().map(|k| k.public.kid().to_owned()).collect::<Vec<_>>();
    assert_eq!(kids(&first), kids(&again));
    let jwks = again.jwks();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_rotated_key_signs_while_the_old_one_verifies_until_retired() {
    let db = TestDb::new().await;
    let master = MasterKey::random();
    let ring = Keyring::open(&db.db, master.clone()).await.unwrap();
    let old = ring.signer(Algorithm::EdDSA).unwrap();
    let signature = old.sign(b"document");

    let mut tx = db.db.begin_write().await.unwrap();
    let new = keyring::rotate(&mut tx, &master, Algorithm::EdDSA).await.unwrap();
    tx.commit().await.unwrap();
    ring.reload(&db.db).await.unwrap();
    assert_eq!(ring.signer(Algorithm::EdDSA).unwrap().kid(), new.public.kid());
    ring.verifier(old.kid()).unwrap().verify(b"document", &signature).unwrap();

    let mut tx = db.db.begin_write().await.unwrap();
    keyring::retire(&mut tx, old.kid()).await.unwrap();
    tx.commit().await.unwrap();
    ring.reload(&db.db).await.unwrap();
    assert!(ring.verifier(old.kid()).is_none());
    assert_eq!(keyring::list(db.db.pool()).await.unwrap().len(), 3);

    let mut tx = db.db.begin_write().await.unwrap();
    let last = keyring::retire(&mut tx, new.public.kid()).await;
    assert!(matches!(last, Err(KeyringError::LastKey(..))), "{last:?}");
}

#[tokio::test]
async fn private_keys_do_not_open_under_another_master_key() {
    let db = TestDb::new().await;
    Keyring::open(&db.db, MasterKey::random()).await.unwrap();
    let wrong = Keyring::open(&db.db, MasterKey::random()).await;
    assert!(matches!(wrong, Err(KeyringError::Sealed(_))), "{wrong:?}");
}
