//! A citizen opens a dossier from the catalogue: numbered by the agency of their commune, recorded in the
//! ledger, listed in "Hồ sơ của tôi"; an account below the procedure's assurance level and an official are
//! refused.

use identity::model::RoleAssignment;
use identity::{AccountKind, Role, Territory};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, form_token};

/// A living citizen with a commune, their account (`dan`) bound to them, at assurance level `level`.
async fn citizen(app: &TestApp, level: i64) -> (String, String) {
    registry::cli::generate_into(&app.db.db, 40, 9, false).await.unwrap();
    let (pid, commune): (String, String) = store::sqlx::query_as(
        "SELECT personal_id, commune_code FROM citizens WHERE status = 'living' AND commune_code IS NOT NULL \
         ORDER BY personal_id LIMIT 1",
    )
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    let id = app.create_account("dan", AccountKind::Citizen, false).await;
    identity::service::bind_personal_id(&app.db.db, id, &pid.parse().unwrap()).await.unwrap();
    if level == 2 {
        let clerk = identity::service::NewAccount {
            username: "clerk".parse().unwrap(),
            display_name: "Cán bộ".into(),
            kind: AccountKind::Official,
            password: PASSWORD.parse().unwrap(),
            roles: vec![RoleAssignment { role: Role::RegistryClerk, agency: None, territory: Territory::Nation }],
        };
        identity::service::create_account(&app.db.db, clerk).await.unwrap();
        let token = identity::service::create_token(&app.db.db, "clerk", 1).await.unwrap().1;
        let r = TestApp::client()
            .post(app.url("/api/v1/accounts/dan/assurance"))
            .bearer_auth(token)
            .json(&json!({ "level": 2 }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    (pid, commune)
}

#[tokio::test]
async fn a_citizen_opens_dossiers_numbered_by_their_communes_committee() {
    let app = TestApp::spawn().await;
    let (pid, commune) = citizen(&app, 2).await;
    let mut browser = app.browser();
    assert_eq!(browser.sign_in("dan", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let catalogue = browser.get("/procedures").await.text().await.unwrap();
    assert!(catalogue.contains("Đăng ký khai sinh") && catalogue.contains(r#"href="/procedures""#), "{catalogue}");
    let page = browser.get("/procedures/khai-sinh").await.text().await.unwrap();
    for _ in 0..2 {
        let r = browser.post_form("/procedures/khai-sinh/dossiers", &[("csrf", &form_token(&page))]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], "/me/dossiers");
    }
    let mine = browser.get("/me/dossiers").await.text().await.unwrap();
    let day = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)).date();
    let (y, m, d) = (day.year() % 100, u8::from(day.month()), day.day());
    for seq in ["000001", "000002"] {
        let code = format!("UBND.{commune}-{y:02}{m:02}{d:02}-{seq}");
        assert!(mine.contains(&code), "{code} in {mine}");
    }
    let entries = trust::ledger::store::entries_about(app.db.db.pool(), &pid, u64::MAX, 50).await.unwrap();
    let opened = entries.iter().filter(|e| e.event.record.as_ref().is_some_and(|r| r.kind == "dossier")).count();
    assert_eq!(opened, 2, "each dossier opened has its ledger entry");
    let (ok, out) = crate::helpers::ledger_verify(&app, None);
    assert!(ok && out.contains("portal: 2 dossiers match the ledger"), "{out}");
    // A dossier changed behind the service's back is named.
    store::sqlx::query("UPDATE dossiers SET procedure_code = 'khai-tu' WHERE code LIKE '%-000002'")
        .execute(app.db.db.pool())
        .await
        .unwrap();
    let (ok, out) = crate::helpers::ledger_verify(&app, None);
    assert!(!ok && out.contains("-000002: the stored row is not the one of ledger entry"), "{out}");
}

#[tokio::test]
async fn below_the_assurance_level_or_as_an_official_nothing_is_opened() {
    let app = TestApp::spawn().await;
    citizen(&app, 1).await;
    let mut browser = app.browser();
    browser.sign_in("dan", PASSWORD).await;
    let page = browser.get("/procedures/khai-sinh").await.text().await.unwrap();
    let r = browser.post_form("/procedures/khai-sinh/dossiers", &[("csrf", &form_token(&page))]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("định danh mức 2"));

    app.create_account("official", AccountKind::Official, false).await;
    let mut official = app.browser();
    official.sign_in("official", PASSWORD).await;
    let page = official.get("/procedures/khai-sinh").await.text().await.unwrap();
    let r = official.post_form("/procedures/khai-sinh/dossiers", &[("csrf", &form_token(&page))]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let count: i64 =
        store::sqlx::query_scalar("SELECT COUNT(*) FROM dossiers").fetch_one(app.db.db.pool()).await.unwrap();
    assert_eq!(count, 0);
    assert_eq!(app.get("/procedures/no-such-thing").await.status(), StatusCode::NOT_FOUND);
}
