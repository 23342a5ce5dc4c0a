//! Finding 2: re-entering the password reset the second factor's lockout, so whoever had the password got about
//! eight code guesses a minute per address and no limit across addresses. Wrong codes now count per account.

use identity::{AccountKind, mfa};
use reqwest::{Response, StatusCode};

use crate::helpers::{Browser, PASSWORD, TestApp, location};

const SECRET: &[u8; 20] = b"12345678901234567890";

fn right_code() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    format!("{:06}", mfa::totp(SECRET, now, 6))
}

/// A code that is wrong now and in the steps either side.
fn wrong_code() -> String {
    let right = right_code().parse::<u32>().unwrap();
    format!("{:06}", (right + 500_000) % 1_000_000)
}

async fn submit(browser: &mut Browser, code: &str) -> Response {
    let csrf = browser.csrf_of("/signin/mfa").await;
    browser.post_form("/signin/mfa", &[("csrf", &csrf), ("code", code)]).await
}

async fn official_with_totp(app: &TestApp) -> i64 {
    let id = app.create_account("canbo", AccountKind::Official, false).await;
    mfa::enrol_with_secret(&app.db.db, &app.keyring, id, SECRET).await.unwrap();
    id
}

#[tokio::test]
async fn re_entering_the_password_does_not_buy_more_code_guesses() {
    let app = TestApp::spawn_generous().await;
    official_with_totp(&app).await;
    // Each guess from a fresh browser (as from another address), each after the right password.
    for _ in 0..mfa::MAX_FAILURES {
        let mut browser = app.browser();
        assert_eq!(location(&browser.sign_in("canbo", PASSWORD).await), "/signin/mfa");
        assert_eq!(submit(&mut browser, &wrong_code()).await.status(), StatusCode::UNAUTHORIZED);
    }
    let mut browser = app.browser();
    assert_eq!(location(&browser.sign_in("canbo", PASSWORD).await), "/signin/mfa");
    let r = submit(&mut browser, &right_code()).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "even the right code waits out the lock");
    assert!(!browser.cookies.contains_key("congso_session"));
}

#[tokio::test]
async fn only_a_completed_sign_in_clears_wrong_codes() {
    let app = TestApp::spawn_generous().await;
    let id = official_with_totp(&app).await;
    let mut browser = app.browser();
    browser.sign_in("canbo", PASSWORD).await;
    for _ in 1..mfa::MAX_FAILURES {
        assert_eq!(submit(&mut browser, &wrong_code()).await.status(), StatusCode::UNAUTHORIZED);
    }
    // A right password alone clears nothing.
    let mut again = app.browser();
    again.sign_in("canbo", PASSWORD).await;
    assert!(!mfa::is_locked(&app.db.db, id).await.unwrap());
    assert_eq!(submit(&mut again, &wrong_code()).await.status(), StatusCode::UNAUTHORIZED);
    assert!(mfa::is_locked(&app.db.db, id).await.unwrap());
}

#[tokio::test]
async fn a_completed_sign_in_starts_the_count_afresh() {
    let app = TestApp::spawn_generous().await;
    let id = official_with_totp(&app).await;
    let mut browser = app.browser();
    browser.sign_in("canbo", PASSWORD).await;
    for _ in 1..mfa::MAX_FAILURES {
        submit(&mut browser, &wrong_code()).await;
    }
    let r = submit(&mut browser, &right_code()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(browser.cookies.contains_key("congso_session"));
    let failures: i64 = store::sqlx::query_scalar("SELECT COUNT(*) FROM mfa_failures WHERE account_id = $1")
        .bind(id)
        .fetch_one(app.db.db.pool())
        .await
        .unwrap();
    assert_eq!(failures, 0);
}
