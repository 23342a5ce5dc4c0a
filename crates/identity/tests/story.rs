//! The identity store's story, run on SQLite and (with CONGSO_TEST_DATABASE_URL) on PostgreSQL.
#![allow(clippy::unwrap_used, missing_docs)]

use identity::model::RoleAssignment;
use identity::service::{self, IdentityError, NewAccount};
use identity::{AccountKind, Role, Territory};
use store::testing::TestDb;

fn operator(username: &str, password: &str) -> NewAccount {
    NewAccount {
        username: username.parse().unwrap(),
        display_name: "Nguyễn Thị Lan".into(),
        kind: AccountKind::Operator,
        password: password.parse().unwrap(),
        roles: vec![RoleAssignment {
            role: Role::Administrator,
            agency: Some("BCA".parse().unwrap()),
            territory: Territory::Nation,
        }],
    }
}

#[tokio::test]
async fn accounts_sessions_and_tokens() {
    let test = TestDb::new().await;
    let db = &test.db;
    let id = service::create_account(db, operator("lan", "correct horse battery")).await.unwrap();

    let dup = service::create_account(db, operator("lan", "correct horse battery")).await;
    assert!(matches!(dup, Err(IdentityError::UsernameTaken)), "{dup:?}");
    // A bad username or a short password cannot even be written down as a new account.
    assert!(matches!("x".parse::<service::Username>(), Err(IdentityError::InvalidUsername)));
    assert!(matches!("short".parse::<service::NewPassword>(), Err(IdentityError::WeakPassword)));
    assert_eq!(service::list_accounts(db).await.unwrap().len(), 1, "a refused account leaves nothing behind");

    let stored: String = store::sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$") && !stored.contains("correct horse"), "{stored}");

    let account = service::check_credentials(db, "lan", "correct horse battery").await.unwrap().unwrap();
    assert_eq!((account.id, account.display_name.as_str()), (id, "Nguyễn Thị Lan"));
    assert!(service::check_credentials(db, "lan", "wrong").await.unwrap().is_none());
    assert!(service::check_credentials(db, "nobody", "wrong").await.unwrap().is_none());

    let secret = service::start_session(db, id).await.unwrap();
    let me = service::resume_session(db, &secret).await.unwrap().unwrap();
    assert_eq!(me.roles.len(), 1);
    assert_eq!(me.roles[0].agency.as_ref().map(|a| a.as_str()), Some("BCA"));
    assert!(service::resume_session(db, "unknown").await.unwrap().is_none());

    let (token_id, token) = service::create_token(db, "lan", 7).await.unwrap();
    assert_eq!(service::resolve_token(db, &token).await.unwrap().unwrap().account_id, id);
    assert!(service::tokens_of(db, "lan").await.unwrap()[0].last_used_at.is_some());

    service::disable_account(
        db,
        "lan",
        trust::ledger::Event::new(trust::ledger::EventKind::AccountChanged, trust::ledger::Actor::system("test")),
    )
    .await
    .unwrap();
    assert!(service::resume_session(db, &secret).await.unwrap().is_none());
    assert!(service::resolve_token(db, &token).await.unwrap().is_none());
    assert!(service::check_credentials(db, "lan", "correct horse battery").await.unwrap().is_none());
    assert!(service::revoke_token(db, token_id).await.unwrap());
    assert!(matches!(service::create_token(db, "ghost", 7).await, Err(IdentityError::UnknownAccount(_))));
}
