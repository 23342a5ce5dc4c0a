//! Finding 6: `congso ledger verify` checked only citizens' current rows. Each case here edits the database as an
//! administrator with SQL access would, and the verification must name what changed.

use std::process::Command;

use kernel::PersonalId;
use reqwest::StatusCode;
use trust::ledger::Actor;

use crate::helpers::TestApp;

fn ledger_verify(app: &TestApp) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_congso"))
        .args(["ledger", "verify", "--database-url", &app.db.url])
        .env("CONGSO_MASTER_KEY", crate::helpers::MASTER_KEY)
        .output()
        .unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// A registry of a few dozen people, one of whom has moved, so a superseded version exists.
async fn registry_with_history() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    congso::population::generate_into(&app.db.db, 40, 13, false).await.unwrap();
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
