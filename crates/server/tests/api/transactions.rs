//! Slices' write services compose: one caller's transaction carries the changes of three slices and their ledger
//! entries, which commit together or not at all, as a dossier's approval will.

use identity::AccountKind;
use registry::input::CitizenInput;
use reqwest::StatusCode;
use serde_json::json;
use trust::ledger::Actor;

use crate::helpers::TestApp;

async fn count(app: &TestApp, sql: &str) -> i64 {
    store::sqlx::query_scalar(sql).fetch_one(app.db.db.pool()).await.unwrap()
}

#[tokio::test]
async fn three_slices_changes_and_their_ledger_entries_commit_together_or_not_at_all() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    let db = &app.db.db;
    registry::cli::generate_into(db, 10, 17, false).await.unwrap();
    let household: String =
        store::sqlx::query_scalar("SELECT MIN(code) FROM households").fetch_one(db.pool()).await.unwrap();
    let account = app.create_account("congdan.moi", AccountKind::Citizen, false).await;
    let input: CitizenInput = serde_json::from_value(json!({
        "personal_id": "001203012345", "full_name": "Nguyễn Văn Thử", "birth_date": "2003-05-01", "sex": "male",
        "birth_registration_province": "001", "household": household, "relationship": "child",
    }))
    .unwrap();
    let new = input.parse(time::OffsetDateTime::now_utc().date()).unwrap();
    let actor = Actor::named("canbo", "Cán bộ hộ tịch");
    let change = registry::service::Change { actor: &actor, reason: "đăng ký khai sinh" };

    for commit in [false, true] {
        let entries = count(&app, "SELECT COUNT(*) FROM ledger_entries").await;
        let mut tx = db.begin_write().await.unwrap();
        let citizen = registry::service::register_in(&mut tx, db.backend(), &new, &change).await.unwrap();
        identity::service::bind_personal_id_in(&mut tx, db.backend(), account, &citizen.personal_id).await.unwrap();
        let applicant = portal::service::Applicant::online(citizen.personal_id, actor.clone(), citizen.clone());
        let procedure = portal::Catalogue::builtin().unwrap().get(&"thuong-tru".parse().unwrap()).unwrap();
        let now = time::OffsetDateTime::now_utc();
        portal::service::open_in(&mut tx, db.backend(), procedure, &applicant, None, now).await.unwrap();
        if commit {
            tx.commit().await.unwrap();
        } else {
            tx.rollback().await.unwrap();
        }
        let registered = count(&app, "SELECT COUNT(*) FROM citizens WHERE personal_id = '001203012345'").await;
        let bound = count(&app, "SELECT COUNT(*) FROM accounts WHERE personal_id = '001203012345'").await;
        let opened = count(&app, "SELECT COUNT(*) FROM dossiers WHERE applicant = '001203012345'").await;
        let written = count(&app, "SELECT COUNT(*) FROM ledger_entries").await - entries;
        let all = if commit { (1, 1, 1, 3) } else { (0, 0, 0, 0) };
        assert_eq!((registered, bound, opened, written), all, "commit {commit}");
    }
    let (ok, out) = crate::helpers::ledger_verify(&app, None);
    assert!(ok, "{out}");
}
