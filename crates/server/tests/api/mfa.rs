//! The TOTP second factor: enrolment from /account, the pending step after the password, codes used once,
//! recovery codes, and the ledger entries.

use identity::AccountKind;
use identity::mfa;
use reqwest::StatusCode;

use crate::helpers::{Browser, PASSWORD, TestApp, form_token, location};

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn code_at(secret: &[u8], at: i64) -> String {
    format!("{:06}", mfa::totp(secret, at, 6))
}

async fn sealed_of(app: &TestApp, account_id: i64) -> String {
    store::sqlx::query_scalar("SELECT secret_sealed FROM mfa_totp WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(app.db.db.pool())
        .await
        .unwrap()
}

/// The account's TOTP secret, opened with the server's keyring.
async fn secret_of(app: &TestApp, account_id: i64) -> Vec<u8> {
    app.keyring.open_secret(&mfa::sealing_context(account_id), &sealed_of(app, account_id).await).unwrap()
}

/// Enrols `clerk` from /account and returns its secret and recovery codes.
async fn enrol(app: &TestApp, browser: &mut Browser, account_id: i64) -> (Vec<u8>, Vec<String>) {
    let account = browser.get("/account").await.text().await.unwrap();
    assert!(account.contains(r#"id="mfa-banner""#) && account.contains("/account/mfa"));

    let page = browser.get("/account/mfa").await.text().await.unwrap();
    let secret = secret_of(app, account_id).await;
    let b32 = mfa::base32_encode(&secret);
    assert!(page.contains(&b32) && page.contains("<svg"));
    // Askama escapes the URI's '&' and '/': compare without them.
    let shown = page.split(r#"id="mfa-uri">"#).nth(1).unwrap().split('<').next().unwrap();
    let shown = shown.replace("&#38;", "&").replace("&amp;", "&").replace("&#x2f;", "/").replace("&#47;", "/");
    assert_eq!(
        shown,
        format!("otpauth://totp/congso:clerk?secret={b32}&issuer=congso&algorithm=SHA1&digits=6&period=30")
    );
    assert_eq!(secret.len(), 20);
    let csrf = form_token(&page);

    // A wrong code does not switch it on.
    let wrong = format!("{:06}", (mfa::totp(&secret, now(), 6) + 1) % 1_000_000);
    let r = browser.post_form("/account/mfa", &[("csrf", &csrf), ("code", &wrong)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!mfa::is_enabled(&app.db.db, account_id).await.unwrap());

    let r = browser.post_form("/account/mfa", &[("csrf", &csrf), ("code", &code_at(&secret, now()))]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let codes: Vec<String> =
        html.split("<li><code>").skip(1).map(|rest| rest.split('<').next().unwrap().to_owned()).collect();
    assert_eq!(codes.len(), 10, "{html}");
    assert!(mfa::is_enabled(&app.db.db, account_id).await.unwrap());
    let stored: i64 = store::sqlx::query_scalar("SELECT COUNT(*) FROM mfa_recovery_codes WHERE code_hash = $1")
        .bind(&codes[0])
        .fetch_one(app.db.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 0, "recovery codes are stored only as hashes");
    let account = browser.get("/account").await.text().await.unwrap();
    assert!(!account.contains(r#"id="mfa-banner""#));
    (secret, codes)
}

async fn sign_out(browser: &mut Browser) {
    let csrf = browser.csrf_of("/account").await;
    browser.post_form("/signout", &[("csrf", &csrf)]).await;
    assert_eq!(browser.get("/account").await.status(), StatusCode::SEE_OTHER);
}

async fn submit_code(browser: &mut Browser, code: &str) -> reqwest::Response {
    let csrf = browser.csrf_of("/signin").await;
    browser.post_form("/signin/mfa", &[("csrf", &csrf), ("code", code)]).await
}

#[tokio::test]
async fn enrol_then_sign_in_needs_a_fresh_code_or_a_recovery_code() {
    let app = TestApp::spawn().await;
    let id = app.create_account("clerk", AccountKind::Official, false).await;
    let mut browser = app.browser();
    // Without a second factor yet, an official is sent to switch one on.
    assert_eq!(location(&browser.sign_in("clerk", PASSWORD).await), "/account/mfa");
    let (secret, codes) = enrol(&app, &mut browser, id).await;
    sign_out(&mut browser).await;

    // The password alone leads to the code page, not to a session.
    let r = browser.sign_in("clerk", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/signin/mfa");
    assert!(!browser.cookies.contains_key("congso_session"));
    assert!(browser.cookies.contains_key(mfa::PENDING_COOKIE));
    assert_eq!(browser.get("/account").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/signin/mfa").await.status(), StatusCode::OK);

    // A wrong code is refused and counts toward the lockout.
    let r = submit_code(&mut browser, "000000").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(!browser.cookies.contains_key("congso_session"));

    // The code of the next step (the one used to confirm enrolment cannot be used again).
    let code = code_at(&secret, now() + 30);
    let r = submit_code(&mut browser, &code).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/me");
    assert!(browser.cookies.contains_key("congso_session"));
    assert_eq!(browser.get("/account").await.status(), StatusCode::OK);
    sign_out(&mut browser).await;

    // The same code again is refused.
    assert_eq!(location(&browser.sign_in("clerk", PASSWORD).await), "/signin/mfa");
    let r = submit_code(&mut browser, &code).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(!browser.cookies.contains_key("congso_session"));

    // A recovery code works once.
    let r = submit_code(&mut browser, &codes[3]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/account").await.status(), StatusCode::OK);
    sign_out(&mut browser).await;
    assert_eq!(location(&browser.sign_in("clerk", PASSWORD).await), "/signin/mfa");
    let r = submit_code(&mut browser, &codes[3]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // The ledger has the enrolment (the account's seal, and one for each recovery code) and the recovery code's use.
    let bodies: Vec<String> =
        store::sqlx::query_scalar("SELECT body FROM ledger_entries WHERE kind = 'account_changed' ORDER BY seq")
            .fetch_all(app.db.db.pool())
            .await
            .unwrap();
    let changes: Vec<&str> =
        bodies.iter().map(|b| b.split(r#""change":""#).nth(1).unwrap().split('"').next().unwrap()).collect();
    let issued = vec!["mfa_recovery_codes_issued"; mfa::RECOVERY_CODES];
    let expected =
        [&["account_created", "mfa_enrolment_started"][..], &issued, &["mfa_enrolled", "mfa_recovery_code_used"]];
    assert_eq!(changes, expected.concat(), "{bodies:?}");
    assert!(bodies.iter().all(|b| !b.contains(&mfa::base32_encode(&secret))));
}

#[tokio::test]
async fn the_code_page_does_nothing_without_a_password_step() {
    let app = TestApp::spawn().await;
    let id = app.create_account("clerk", AccountKind::Official, false).await;
    let secret = b"12345678901234567890";
    mfa::enrol_with_secret(&app.db.db, &app.keyring, id, secret).await.unwrap();
    let mut browser = app.browser();

    let r = browser.get("/signin/mfa").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/signin");
    let r = submit_code(&mut browser, &code_at(secret, now())).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/signin");
    assert!(!browser.cookies.contains_key("congso_session"));

    // A forged pending token does nothing either.
    browser.cookies.insert(mfa::PENDING_COOKIE.to_owned(), "forged".to_owned());
    let r = submit_code(&mut browser, &code_at(secret, now())).await;
    assert_eq!(location(&r), "/signin");
    assert!(!browser.cookies.contains_key("congso_session"));
}

#[tokio::test]
async fn wrong_codes_lock_the_account_out() {
    let app = TestApp::spawn().await;
    let id = app.create_account("clerk", AccountKind::Official, false).await;
    let secret = b"12345678901234567890";
    mfa::enrol_with_secret(&app.db.db, &app.keyring, id, secret).await.unwrap();
    let mut browser = app.browser();
    assert_eq!(location(&browser.sign_in("clerk", PASSWORD).await), "/signin/mfa");
    for _ in 0..5 {
        assert_eq!(submit_code(&mut browser, "000000").await.status(), StatusCode::UNAUTHORIZED);
    }
    let r = submit_code(&mut browser, &code_at(secret, now())).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(!browser.cookies.contains_key("congso_session"));
}

#[tokio::test]
async fn api_tokens_are_unaffected() {
    let app = TestApp::spawn().await;
    let id = app.create_account("clerk", AccountKind::Official, false).await;
    mfa::enrol_with_secret(&app.db.db, &app.keyring, id, b"12345678901234567890").await.unwrap();
    let (_, token) = identity::service::create_token(&app.db.db, "clerk", 1).await.unwrap();
    let r = TestApp::client().get(app.url("/api/v1/me")).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_secret_is_sealed_at_rest_and_bound_to_its_account() {
    let app = TestApp::spawn().await;
    let clerk = app.create_account("clerk", AccountKind::Official, false).await;
    let other = app.create_account("other", AccountKind::Official, false).await;
    let secret = b"12345678901234567890";
    mfa::enrol_with_secret(&app.db.db, &app.keyring, clerk, secret).await.unwrap();
    mfa::enrol_with_secret(&app.db.db, &app.keyring, other, b"another secret seed!").await.unwrap();

    let sealed = sealed_of(&app, clerk).await;
    for clear in [hex::encode(secret), hex::encode_upper(secret), mfa::base32_encode(secret)] {
        assert!(!sealed.contains(&clear), "{sealed} holds the secret in clear");
    }
    assert!(!sealed.contains("12345678901234567890"));
    assert_eq!(secret_of(&app, clerk).await, secret);
    assert_eq!(
        mfa::verify(&app.db.db, &app.keyring, clerk, &code_at(secret, now()), trust::ledger::Actor::system("test"))
            .await
            .unwrap(),
        Some(mfa::Factor::Totp)
    );

    // Copied into another account's row, the sealed secret does not open, so its codes do not work there.
    store::sqlx::query("UPDATE mfa_totp SET secret_sealed = $1, last_step = 0 WHERE account_id = $2")
        .bind(&sealed)
        .bind(other)
        .execute(app.db.db.pool())
        .await
        .unwrap();
    assert!(app.keyring.open_secret(&mfa::sealing_context(other), &sealed).is_err());
    let moved = mfa::verify(
        &app.db.db,
        &app.keyring,
        other,
        &code_at(secret, now() + 30),
        trust::ledger::Actor::system("test"),
    )
    .await;
    assert!(matches!(moved, Err(mfa::MfaError::Sealed(_))), "{moved:?}");
}
