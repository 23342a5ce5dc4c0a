//! Finding 6: `congso ledger verify` checked only citizens' current rows. Each case here edits the database as an
//! administrator with SQL access would, and the verification must name what changed.

use kernel::PersonalId;
use reqwest::StatusCode;
use trust::ledger::Actor;

use crate::helpers::TestApp;

fn ledger_verify(app: &TestApp) -> (bool, String) {
    crate::helpers::ledger_verify(app, None)
}

fn ledger_verify_in(app: &TestApp, data_dir: &std::path::Path) -> (bool, String) {
    crate::helpers::ledger_verify(app, Some(data_dir))
}

/// A registry of a few dozen people, one of whom has moved, so a superseded version exists.
async fn registry_with_history() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    registry::cli::generate_into(&app.db.db, 40, 13, false).await.unwrap();
    let pool = app.db.db.pool();
    let (person, household): (String, String) = store::sqlx::query_as(
        "SELECT c.personal_id, (SELECT MAX(code) FROM households WHERE id <> c.household_id) FROM citizens c \
         ORDER BY c.personal_id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let actor = Actor::named("canbo", "Cán bộ");
    let change = registry::service::Change { actor: &actor, reason: "chuyển hộ khẩu" };
    let id: PersonalId = person.parse().unwrap();
    let relationship = registry::model::Relationship::Other;
    registry::service::move_to_household(&app.db.db, &id, &household, relationship, &change).await.unwrap();
    (app, person)
}

#[tokio::test]
async fn ledger_verify_names_tampering_with_history_households_and_dwellings() {
    let cases: [(&str, &str, &str); 6] = [
        (
            "a superseded version edited",
            "UPDATE citizen_versions SET snapshot = replace(snapshot, '\"version\":1', '\"version\":1 ') \
             WHERE citizen_id = (SELECT id FROM citizens WHERE personal_id = $1)",
            "version 1 is not the version of ledger entry",
        ),
        (
            "a superseded version deleted",
            "DELETE FROM citizen_versions WHERE citizen_id = (SELECT id FROM citizens WHERE personal_id = $1)",
            "versions held by the registry 1, recorded by the ledger 2",
        ),
        (
            "who made the current version edited",
            "UPDATE citizens SET changed_by = 'someone.else' WHERE personal_id = $1",
            "who made version 2, or why, differs from ledger entry",
        ),
        (
            "why the current version was made edited",
            "UPDATE citizens SET change_reason = 'không có căn cứ' WHERE personal_id = $1",
            "who made version 2, or why, differs from ledger entry",
        ),
        (
            "a household moved to another dwelling",
            "UPDATE households SET address_id = (SELECT MAX(id) FROM addresses) WHERE id = \
             (SELECT MIN(h.id) FROM households h JOIN citizens c ON c.household_id = h.id WHERE c.personal_id <> $1 \
              AND h.address_id <> (SELECT MAX(id) FROM addresses))",
            ": the stored row is not the one of ledger entry",
        ),
        (
            "a dwelling's street edited",
            "UPDATE addresses SET street = 'Số 1 phố Khác' WHERE id = (SELECT MIN(id) FROM addresses) AND $1 <> ''",
            "address ",
        ),
    ];
    for (what, sql, expected) in cases {
        let (app, person) = registry_with_history().await;
        let (ok, out) = ledger_verify(&app);
        assert!(ok, "before {what}: {out}");
        let changed = store::sqlx::query(sql).bind(&person).execute(app.db.db.pool()).await.unwrap();
        assert_eq!(changed.rows_affected(), 1, "{what}");
        let (ok, out) = ledger_verify(&app);
        assert!(!ok && out.contains(expected), "{what}: {out}");
    }
}

#[tokio::test]
async fn ledger_verify_names_tampering_with_accounts_roles_tokens_clients_and_keys() {
    use identity::model::RoleAssignment;
    use identity::service::{self, NewAccount};
    use identity::{AccountKind, Role, Territory};

    let cases: [(&str, &str, &str); 8] = [
        (
            "a commune clerk made national administrator with SQL",
            "INSERT INTO role_assignments (account_id, role, agency, territory, created_at) \
             SELECT id, 'administrator', NULL, 'VN', 0 FROM accounts WHERE username = 'canbo.xa'",
            "has no ledger entry: it was written around congso",
        ),
        (
            "a role's territory widened",
            "UPDATE role_assignments SET territory = 'VN' WHERE account_id = \
             (SELECT id FROM accounts WHERE username = 'canbo.xa')",
            "role_assignment ",
        ),
        (
            "a password hash swapped",
            "UPDATE accounts SET password_hash = (SELECT password_hash FROM accounts WHERE username = 'quantri') \
             WHERE username = 'canbo.xa'",
            "account ",
        ),
        (
            "a disabled account enabled again",
            "UPDATE accounts SET disabled_at = NULL WHERE username = 'canbo.cu'",
            "account ",
        ),
        (
            "the e-mail address that resets go to changed",
            "UPDATE accounts SET contact_email = 'ke.gian@example.com' WHERE username = 'canbo.xa'",
            "account ",
        ),
        (
            "an API token planted",
            "INSERT INTO api_tokens (account_id, secret_hash, created_at, expires_at) \
             SELECT id, 'aa', 0, 9999999999 FROM accounts WHERE username = 'quantri'",
            "api_token ",
        ),
        (
            "an OIDC client's redirect URI changed",
            "UPDATE oidc_clients SET redirect_uris = '[\"https://ke-gian.example/cb\"]'",
            "oidc_client ",
        ),
        (
            "a retired signing key brought back",
            "UPDATE signing_keys SET retired_at = NULL WHERE retired_at IS NOT NULL",
            "signing_key ",
        ),
    ];
    for (what, sql, expected) in cases {
        let app = TestApp::spawn().await;
        let db = &app.db.db;
        let commune = Territory::Unit("00070".parse().unwrap());
        for (username, role, territory) in
            [("canbo.xa", Role::RegistryClerk, commune), ("quantri", Role::Administrator, Territory::Nation)]
        {
            let roles = vec![RoleAssignment { role, agency: None, territory }];
            let new = NewAccount {
                username: username.parse().unwrap(),
                display_name: username.into(),
                kind: AccountKind::Official,
                password: crate::helpers::PASSWORD.parse().unwrap(),
                roles,
            };
            service::create_account(db, new).await.unwrap();
        }
        app.create_account("canbo.cu", AccountKind::Official, false).await;
        let by = trust::ledger::Event::new(trust::ledger::EventKind::AccountChanged, Actor::system("test"));
        service::disable_account(db, "canbo.cu", by).await.unwrap();
        service::set_contact(db, 1, None, Some("canbo@example.vn")).await.unwrap();
        service::create_token(db, "quantri", 1).await.unwrap();
        identity::oidc::service::register_client(db, "Cổng dịch vụ", vec!["https://dvc.example/cb".into()], None)
            .await
            .unwrap();
        let master = trust::keyring::MasterKey::from_base64(crate::helpers::MASTER_KEY).unwrap();
        let mut tx = db.begin_write().await.unwrap();
        let key = trust::keyring::rotate(&mut tx, &master, trust::keys::Algorithm::EdDSA).await.unwrap();
        let event = trust::keyring::key_event("rotate", key.public.kid(), key.public.algorithm());
        let kid = trust::ledger::seal::Key::Text(key.public.kid().to_owned());
        trust::keyring::SIGNING_KEYS.append(&mut tx, db.backend(), kid, event).await.unwrap();
        let old: String = store::sqlx::query_scalar(
            "SELECT MIN(kid) FROM signing_keys WHERE algorithm = 'EdDSA' \
            AND kid <> $1",
        )
        .bind(key.public.kid())
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        trust::keyring::retire(&mut tx, &old).await.unwrap();
        let event = trust::keyring::key_event("retire", &old, trust::keys::Algorithm::EdDSA);
        trust::keyring::SIGNING_KEYS
            .append(&mut tx, db.backend(), trust::ledger::seal::Key::Text(old), event)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let (ok, out) = ledger_verify(&app);
        assert!(ok, "before {what}: {out}");
        let changed = store::sqlx::query(sql).execute(db.pool()).await.unwrap();
        assert!(changed.rows_affected() >= 1, "{what}");
        let (ok, out) = ledger_verify(&app);
        assert!(!ok && out.contains("sealed rows: ") && out.contains(expected), "{what}: {out}");
    }
}

#[tokio::test]
async fn ledger_verify_notices_a_deleted_or_rolled_back_tree_head_through_the_heads_file() {
    use trust::keyring::{Keyring, MasterKey};
    use trust::ledger::witness::{HEADS_FILE, HeadsFile};

    let (app, _) = registry_with_history().await;
    let data_dir = tempfile::tempdir().unwrap();
    let master = MasterKey::from_base64(crate::helpers::MASTER_KEY).unwrap();
    let keyring = Keyring::open(&app.db.db, master).await.unwrap();
    let keyring = keyring.with_heads_file(HeadsFile::new(data_dir.path().join(HEADS_FILE)));
    let mut sizes = Vec::new();
    for _ in 0..3 {
        let by = Actor::system("test");
        let event = trust::ledger::Event::new(trust::ledger::EventKind::SignedIn, by);
        let mut tx = app.db.db.begin_write().await.unwrap();
        trust::ledger::store::append(&mut tx, app.db.db.backend(), &mut [event]).await.unwrap();
        tx.commit().await.unwrap();
        sizes.push(trust::ledger::head::sign(&app.db.db, &keyring).await.unwrap().tree_size);
    }
    assert_eq!(HeadsFile::new(data_dir.path().join(HEADS_FILE)).read().unwrap().len(), 3);
    let (ok, out) = ledger_verify_in(&app, data_dir.path());
    assert!(ok && out.contains("heads file: 3 signed tree heads are in the database"), "{out}");

    // A head in the middle deleted: the log still agrees with itself, but the heads file remembers.
    let pool = app.db.db.pool();
    store::sqlx::query("DELETE FROM ledger_heads WHERE tree_size = $1")
        .bind(sizes[1] as i64)
        .execute(pool)
        .await
        .unwrap();
    let (ok, out) = ledger_verify_in(&app, data_dir.path());
    assert!(!ok && out.contains(&format!("at size {} was deleted from the database", sizes[1])), "{out}");

    // The newest head deleted, as a restore of an older backup would leave it.
    store::sqlx::query("DELETE FROM ledger_heads WHERE tree_size >= $1")
        .bind(sizes[1] as i64)
        .execute(pool)
        .await
        .unwrap();
    let (ok, out) = ledger_verify_in(&app, data_dir.path());
    assert!(!ok && out.contains("the database was rolled back or its newest heads deleted"), "{out}");
}

#[tokio::test]
async fn rows_from_before_sealing_are_adopted_once_and_tampered_ones_are_not() {
    let app = TestApp::spawn().await;
    let pool = app.db.db.pool();
    let agency = identity::officials::Agency {
        code: "UBND.01".parse().unwrap(),
        name: "Ủy ban nhân dân thành phố Hà Nội".into(),
        territory: identity::Territory::Unit("01".parse().unwrap()),
    };
    identity::officials::service::ensure_agency(&app.db.db, &agency, Actor::system("test")).await.unwrap();
    // A row an older version wrote without a seal.
    store::sqlx::query(
        "INSERT INTO agencies (code, name, territory, created_at) VALUES ('SYT.01', 'Sở Y tế', '01', 0)",
    )
    .execute(pool)
    .await
    .unwrap();
    let (ok, out) = ledger_verify(&app);
    assert!(!ok && out.contains("agency SYT.01 has no ledger entry"), "{out}");
    let adopt = |app: &TestApp| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_congso"))
            .args(["ledger", "adopt", "--database-url", &app.db.url])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(adopt(&app).contains("agency: 1 rows adopted"));
    let (ok, out) = ledger_verify(&app);
    assert!(ok, "{out}");
    assert!(adopt(&app).contains("agency: 0 rows adopted"), "adopting twice adopts nothing");

    // A sealed row edited afterwards is not adopted: it stays named.
    store::sqlx::query("UPDATE agencies SET territory = 'VN' WHERE code = 'UBND.01'").execute(pool).await.unwrap();
    assert!(adopt(&app).contains("agency: 0 rows adopted"));
    let (ok, out) = ledger_verify(&app);
    assert!(!ok && out.contains("agency UBND.01 is not the row ledger entry"), "{out}");
}

/// Imported citizens are recorded a batch at a time: one entry per transaction of the import, with the Merkle root
/// over the (personal ID, digest) of every citizen it made. A citizen changed behind the registry's back is still
/// named, with the entry of the import that recorded them; a change that also rewrote the row's recorded digest,
/// or that moved a citizen in or out of a batch, is caught by the batch's root and count.
#[tokio::test]
async fn ledger_verify_names_an_imported_citizen_changed_behind_the_registrys_back() {
    async fn imported() -> (TestApp, String, i64) {
        let app = TestApp::spawn().await;
        registry::cli::generate_into(&app.db.db, 60, 17, false).await.unwrap();
        let (person, seq): (String, i64) =
            store::sqlx::query_as("SELECT personal_id, import_seq FROM citizens ORDER BY personal_id LIMIT 1 OFFSET 7")
                .fetch_one(app.db.db.pool())
                .await
                .unwrap();
        let (ok, out) = ledger_verify(&app);
        assert!(ok, "{out}");
        (app, person, seq)
    }

    // Each one's inclusion in the batch's entry is provable on its own.
    let (app, person, seq) = imported().await;
    let id: PersonalId = person.parse().unwrap();
    let proof = registry::audit::import_proof(&app.db.db, &id).await.unwrap().unwrap();
    assert_eq!((proof.seq, proof.size), (seq as u64, 60));
    trust::merkle::verify_inclusion(proof.index, proof.size, &proof.leaf, &proof.audit_path, &proof.root).unwrap();
    let mut forged = proof.clone();
    forged.leaf[0] ^= 1;
    assert!(
        trust::merkle::verify_inclusion(forged.index, forged.size, &forged.leaf, &forged.audit_path, &forged.root)
            .is_err()
    );

    let named = format!("citizen {person}: the current record is not the version of ledger entry {seq}");
    let cases: [(&str, &[&str], String); 5] = [
        ("the record edited", &["UPDATE citizens SET full_name = 'Người Khác' WHERE personal_id = $1"], named),
        (
            "the record edited with its recorded digest",
            &["UPDATE citizens SET full_name = 'Người Khác' WHERE personal_id = $1"],
            format!("ledger entry {seq}: the 60 citizens that name it as their import are not the ones it recorded"),
        ),
        (
            "taken out of its batch",
            &["UPDATE citizens SET import_seq = NULL, import_digest = NULL WHERE personal_id = $1"],
            format!("citizen {person}: versions held by the registry 1, recorded by the ledger 0"),
        ),
        (
            "deleted",
            &[
                "DELETE FROM citizen_name_suffixes WHERE citizen_id = (SELECT id FROM citizens WHERE personal_id = $1)",
                "DELETE FROM citizens WHERE personal_id = $1",
            ],
            format!("ledger entry {seq} records the import of 60 citizens; 59 stored citizens name it"),
        ),
        (
            "said to come from another entry",
            &["UPDATE citizens SET import_seq = 0 WHERE personal_id = $1"],
            format!("citizen {person}: ledger entry 0, which it names as its import, is no import batch"),
        ),
    ];
    for (what, statements, expected) in cases {
        let (app, person, _) = imported().await;
        let pool = app.db.db.pool();
        for sql in statements {
            let changed = store::sqlx::query(sql).bind(&person).execute(pool).await.unwrap();
            assert!(changed.rows_affected() >= 1, "{what}: {sql}");
        }
        if what == "the record edited with its recorded digest" {
            let record = registry::service::citizen(&app.db.db, &person.parse().unwrap()).await.unwrap();
            store::sqlx::query("UPDATE citizens SET import_digest = $1 WHERE personal_id = $2")
                .bind(trust::ledger::record_digest(&record))
                .bind(&person)
                .execute(pool)
                .await
                .unwrap();
        }
        let (ok, out) = ledger_verify(&app);
        assert!(!ok && out.contains(&expected), "{what}: {out}");
    }
}
