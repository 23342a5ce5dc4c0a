//! Citizen self-registration at /register and password change at /account/password.

use reqwest::{Response, StatusCode};

use crate::helpers::{Browser, TestApp, location};

const NEW_PASSWORD: &str = "another long enough password";

struct Person {
    personal_id: String,
    full_name: String,
    birth_date: String,
}

/// A living citizen of the generated population.
async fn living_citizen(app: &TestApp) -> Person {
    registry::cli::generate_into(&app.db.db, 50, 1, false).await.unwrap();
    let ids: Vec<String> = store::sqlx::query_scalar("SELECT personal_id FROM citizens ORDER BY id")
        .fetch_all(app.db.db.pool())
        .await
        .unwrap();
    for id in ids {
        let c = registry::service::citizen(&app.db.db, &id.parse().unwrap()).await.unwrap();
        if c.status == registry::model::CitizenStatus::Living {
            return Person { personal_id: id, full_name: c.full_name, birth_date: c.birth_date };
        }
    }
    panic!("no living citizen generated");
}

async fn register(browser: &mut Browser, id: &str, name: &str, birth: &str, username: &str) -> Response {
    let csrf = browser.csrf_of("/register").await;
    browser
        .post_form(
            "/register",
            &[
                ("csrf", &csrf),
                ("personal_id", id),
                ("full_name", name),
                ("birth_date", birth),
                ("phone", "0912345678"),
                ("email", ""),
                ("username", username),
                ("password", crate::helpers::PASSWORD),
                ("confirm", crate::helpers::PASSWORD),
            ],
        )
        .await
}

async fn refused(r: Response) -> String {
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    let start = html.find(r#"id="register-error">"#).expect("an error message");
    html[start..].split('<').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_citizen_registers_signs_in_and_changes_the_password() {
    let app = TestApp::spawn().await;
    let p = living_citizen(&app).await;
    let mut anon = app.browser();
    let signin = anon.get("/signin").await.text().await.unwrap();
    assert!(signin.contains(r#"href="/register""#));

    // Wrong birth date, wrong name, unknown ID: one message, one status.
    let wrong_birth = refused(register(&mut anon, &p.personal_id, &p.full_name, "1900-01-01", "dan1").await).await;
    let wrong_name = refused(register(&mut anon, &p.personal_id, "Tên Khác Hẳn", &p.birth_date, "dan1").await).await;
    let unknown = refused(register(&mut anon, "001099000001", &p.full_name, &p.birth_date, "dan1").await).await;
    assert_eq!(wrong_birth, wrong_name);
    assert_eq!(wrong_birth, unknown);

    // Missing CSRF: refused before anything else.
    let r = anon.post_form("/register", &[("personal_id", p.personal_id.as_str())]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Matching data, the name in lower case and without diacritics: registered and signed in.
    let folded = kernel::text::fold(&p.full_name);
    let mut browser = app.browser();
    let r = register(&mut browser, &p.personal_id, &format!("  {folded} "), &p.birth_date, "dan1").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    assert_eq!(location(&r), "/me");
    assert_eq!(browser.get("/me/data-usage").await.status(), StatusCode::OK);
    let bound: (Option<String>, i64, Option<String>) = store::sqlx::query_as(
        "SELECT personal_id, assurance_level, contact_phone FROM accounts WHERE username = 'dan1'",
    )
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    assert_eq!(bound, (Some(p.personal_id.clone()), 1, Some("0912345678".to_owned())));

    // The same ID again: the same refusal.
    let again = refused(register(&mut anon, &p.personal_id, &p.full_name, &p.birth_date, "dan2").await).await;
    assert_eq!(again, wrong_birth);

    // A fresh browser signs in with the password.
    let mut other = app.browser();
    assert_eq!(location(&other.sign_in("dan1", crate::helpers::PASSWORD).await), "/me");
    assert_eq!(other.get("/account").await.status(), StatusCode::OK);

    // Password change: a wrong current password is refused, the right one works and ends other sessions.
    let csrf = browser.csrf_of("/account/password").await;
    let r = browser
        .post_form(
            "/account/password",
            &[("csrf", &csrf), ("current", "not the password!"), ("new", NEW_PASSWORD), ("confirm", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let csrf = browser.csrf_of("/account/password").await;
    let r = browser
        .post_form(
            "/account/password",
            &[("csrf", &csrf), ("current", crate::helpers::PASSWORD), ("new", NEW_PASSWORD), ("confirm", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/account").await.status(), StatusCode::OK);
    assert_eq!(other.get("/account").await.status(), StatusCode::SEE_OTHER);

    let mut fresh = app.browser();
    assert_eq!(fresh.sign_in("dan1", crate::helpers::PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(location(&fresh.sign_in("dan1", NEW_PASSWORD).await), "/me");
}

fn new_citizen(username: &str, personal_id: &str) -> identity::service::NewCitizen {
    identity::service::NewCitizen {
        username: username.parse().unwrap(),
        display_name: "Nguyễn Văn An".into(),
        password: crate::helpers::PASSWORD.parse().unwrap(),
        personal_id: personal_id.parse().unwrap(),
        phone: Some("0912345678".into()),
        email: None,
    }
}

async fn accounts_named(app: &TestApp, username: &str) -> i64 {
    store::sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE username = $1")
        .bind(username)
        .fetch_one(app.db.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_registration_that_loses_a_race_leaves_nothing_behind() {
    use identity::service::{IdentityError, register_citizen};
    let app = TestApp::spawn().await;
    let db = &app.db.db;
    let first = register_citizen(db, new_citizen("first", "001090012345")).await.unwrap();
    let (phone, bound): (Option<String>, Option<String>) =
        store::sqlx::query_as("SELECT contact_phone, personal_id FROM accounts WHERE id = $1")
            .bind(first)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!((phone.as_deref(), bound.as_deref()), (Some("0912345678"), Some("001090012345")));

    // The page's check that the ID number is free passed for both; the second insert meets the unique constraint
    // and its whole transaction, account row included, is rolled back.
    let second = register_citizen(db, new_citizen("second", "001090012345")).await;
    assert!(matches!(second, Err(IdentityError::PersonalIdTaken)), "{second:?}");
    assert_eq!(accounts_named(&app, "second").await, 0);

    // A taken username is refused before the ID number is bound to anything.
    let third = register_citizen(db, new_citizen("first", "001090054321")).await;
    assert!(matches!(third, Err(IdentityError::UsernameTaken)), "{third:?}");
    let bound: i64 = store::sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE personal_id = $1")
        .bind("001090054321")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(bound, 0);
    assert_eq!(accounts_named(&app, "first").await, 1);
}

#[tokio::test]
async fn a_citizen_who_types_the_name_folded_is_greeted_by_the_name_the_registry_holds() {
    let app = TestApp::spawn().await;
    let p = living_citizen(&app).await;
    let folded = kernel::text::fold(&p.full_name);
    assert_ne!(folded, p.full_name, "the generated name has diacritics or capitals to lose");
    let mut browser = app.browser();
    let r = register(&mut browser, &p.personal_id, &format!(" {} ", folded.replace(' ', "  ")), &p.birth_date, "khoa")
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());

    let shown: String = store::sqlx::query_scalar("SELECT display_name FROM accounts WHERE username = 'khoa'")
        .fetch_one(app.db.db.pool())
        .await
        .unwrap();
    assert_eq!(shown, p.full_name);
    // Every page's header names the account, and the account page its holder: as the registry writes the name.
    for path in ["/account", "/procedures", "/me/data-usage"] {
        let html = browser.get(path).await.text().await.unwrap();
        assert!(html.contains(&p.full_name), "{path} greets the citizen by the registry's name");
        assert!(!html.contains(&folded), "{path} shows the name as it was typed");
    }
    let me: serde_json::Value = browser.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["display_name"], p.full_name.as_str());
}
