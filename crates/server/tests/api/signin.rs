use identity::AccountKind;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, location};

#[tokio::test]
async fn sign_in_see_the_account_and_sign_out() {
    let app = TestApp::spawn().await;
    app.create_account("operator", AccountKind::Operator, true).await;
    let mut browser = app.browser();

    let r = browser.get("/account").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/signin?next=%2Faccount");

    // An account with a role and no second factor yet is sent to switch one on.
    let r = browser.sign_in("operator", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account/mfa");
    let set_cookies: Vec<_> =
        r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let session = set_cookies.iter().find(|c| c.starts_with("congso_session=")).unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"), "{session}");

    let page = browser.get("/account").await.text().await.unwrap();
    assert!(page.contains("Người dùng operator") && page.contains("Quản trị viên"));
    // Until it is on, the role's powers wait.
    assert_eq!(browser.get("/admin/accounts").await.status(), StatusCode::FORBIDDEN);
    browser.enrol_totp().await;
    assert_eq!(browser.get("/admin/accounts").await.status(), 200);

    let csrf = browser.csrf_of("/account").await;
    let r = browser.post_form("/signout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!browser.cookies.contains_key("congso_session"));
    assert_eq!(browser.get("/account").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_old_session_is_dead_after_sign_out_even_if_replayed() {
    let app = TestApp::spawn().await;
    app.create_account("operator", AccountKind::Operator, true).await;
    let mut browser = app.browser();
    browser.sign_in("operator", PASSWORD).await;
    let stolen = browser.cookies["congso_session"].clone();
    let csrf = browser.csrf_of("/account").await;
    browser.post_form("/signout", &[("csrf", &csrf)]).await;
    let r = TestApp::client()
        .get(app.url("/api/v1/me"))
        .header("cookie", format!("congso_session={stolen}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.create_account("operator", AccountKind::Operator, true).await;
    let mut browser = app.browser();
    let wrong = browser.sign_in("operator", "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong = wrong.text().await.unwrap();
    let unknown = browser.sign_in("nobody", "not the password").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown = unknown.text().await.unwrap();
    assert!(wrong.contains("Tên đăng nhập hoặc mật khẩu không đúng."));
    // The pages differ only in the username echoed back and the form's token.
    let strip = |page: &str, name: &str| page.replace(name, "").replace(&crate::helpers::form_token(page), "");
    assert_eq!(strip(&wrong, "operator"), strip(&unknown, "nobody"));
    assert!(!browser.cookies.contains_key("congso_session"));
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused() {
    let app = TestApp::spawn().await;
    app.create_account("operator", AccountKind::Operator, true).await;
    let mut browser = app.browser();
    browser.get("/signin").await;
    let r = browser.post_form("/signin", &[("username", "operator"), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = browser.post_form("/signin", &[("csrf", "forged"), ("username", "operator"), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("tải lại trang"));
    // A token from another browser is worthless here.
    let other = app.browser().csrf_of("/signin").await;
    let r = browser.post_form("/signin", &[("csrf", &other), ("username", "operator"), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sign_in_replaces_the_csrf_token() {
    let app = TestApp::spawn().await;
    app.create_account("operator", AccountKind::Operator, true).await;
    let mut browser = app.browser();
    browser.get("/signin").await;
    let before = browser.cookies["congso_csrf"].clone();
    browser.sign_in("operator", PASSWORD).await;
    assert_ne!(browser.cookies["congso_csrf"], before);
}

#[tokio::test]
async fn an_account_without_the_role_cannot_list_accounts() {
    let app = TestApp::spawn().await;
    app.create_account("clerk", AccountKind::Official, false).await;
    let mut browser = app.browser();
    browser.sign_in("clerk", PASSWORD).await;
    assert_eq!(browser.get("/account").await.status(), 200);
    assert_eq!(browser.get("/admin/accounts").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn idle_sessions_and_disabled_accounts_end() {
    let app = TestApp::spawn().await;
    app.create_account("operator", AccountKind::Operator, true).await;
    let mut browser = app.browser();
    browser.sign_in("operator", PASSWORD).await;
    assert_eq!(browser.get("/account").await.status(), 200);
    // Sixteen minutes without activity.
    store::sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 960")
        .execute(app.db.db.pool())
        .await
        .unwrap();
    assert_eq!(browser.get("/account").await.status(), StatusCode::SEE_OTHER);

    browser.sign_in("operator", PASSWORD).await;
    assert_eq!(browser.get("/account").await.status(), 200);
    let event =
        trust::ledger::Event::new(trust::ledger::EventKind::AccountChanged, trust::ledger::Actor::system("test"));
    identity::service::disable_account(&app.db.db, "operator", event).await.unwrap();
    assert_eq!(browser.get("/account").await.status(), StatusCode::SEE_OTHER);
    let r = browser.sign_in("operator", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sign_in_never_redirects_off_the_site() {
    let app = TestApp::spawn().await;
    app.create_account("dan", AccountKind::Citizen, false).await;
    let mut browser = app.browser();
    let csrf = browser.csrf_of("/signin?next=//evil.example").await;
    let r = browser
        .post_form(
            "/signin",
            &[("csrf", &csrf), ("username", "dan"), ("password", PASSWORD), ("next", "https://evil.example")],
        )
        .await;
    assert_eq!(location(&r), "/me");
}

#[tokio::test]
async fn guessing_is_locked_out_for_known_and_unknown_names_alike() {
    // The lockout per username is tested alone: this many tries from one address would also meet its rate limit.
    let app = TestApp::spawn_generous().await;
    app.create_account("operator", AccountKind::Operator, true).await;
    let mut browser = app.browser();
    for name in ["operator", "nobody"] {
        for _ in 0..identity::service::MAX_FAILURES {
            assert_eq!(browser.sign_in(name, "guess").await.status(), StatusCode::UNAUTHORIZED);
        }
        let r = browser.sign_in(name, "guess").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.text().await.unwrap().contains("15 phút"));
    }
    // Locked out even with the right password, until the window passes.
    assert_eq!(browser.sign_in("operator", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    store::sqlx::query("UPDATE signin_failures SET at = at - 901").execute(app.db.db.pool()).await.unwrap();
    assert_eq!(browser.sign_in("operator", PASSWORD).await.status(), StatusCode::SEE_OTHER);
}
