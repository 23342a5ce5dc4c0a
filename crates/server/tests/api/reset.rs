//! Forgotten passwords: /password/forgot sends a link by mail (read here from the server's outbox), and
//! /password/reset sets a new password, ending every session and API token of the account.

use std::time::Duration;

use base64::Engine;
use identity::AccountKind;
use identity::service;
use reqwest::{Response, StatusCode};

use crate::helpers::{Browser, PASSWORD, TestApp, form_token, location};

const NEW_PASSWORD: &str = "a brand new long password";

/// One mail from the outbox: its headers and its decoded text.
struct Mail {
    headers: String,
    text: String,
}

impl Mail {
    /// The path and query of the reset link in the mail.
    fn link(&self) -> String {
        let start = self.text.find("/password/reset?token=").expect("a reset link");
        self.text[start..].split_whitespace().next().unwrap().to_owned()
    }
}

fn read_mail(path: &std::path::Path) -> Option<Mail> {
    let eml = std::fs::read_to_string(path).ok()?;
    let (headers, body) = eml.split_once("\r\n\r\n")?;
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let text = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(compact).ok()?).ok()?;
    Some(Mail { headers: headers.to_owned(), text })
}

/// Waits until the outbox holds `count` complete mails (they are sent after the answer), and returns them.
async fn mails(app: &TestApp, count: usize) -> Vec<Mail> {
    for _ in 0..100 {
        let paths: Vec<_> = std::fs::read_dir(&app.outbox).unwrap().map(|e| e.unwrap().path()).collect();
        let read: Vec<Mail> = paths.iter().filter_map(|p| read_mail(p)).collect();
        if read.len() >= count && read.iter().all(|m| m.text.contains("token=")) {
            assert_eq!(read.len(), count, "more mail than expected");
            return read;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected {count} mails in {}", app.outbox.display());
}

async fn citizen_with_email(app: &TestApp, username: &str, email: Option<&str>) -> i64 {
    let id = app.create_account(username, AccountKind::Citizen, false).await;
    service::set_contact(&app.db.db, id, Some("0912345678"), email).await.unwrap();
    id
}

async fn ask(browser: &mut Browser, login: &str) -> Response {
    let csrf = browser.csrf_of("/password/forgot").await;
    browser.post_form("/password/forgot", &[("csrf", &csrf), ("login", login)]).await
}

/// Submits the form of the reset page at `link`.
async fn set_password(browser: &mut Browser, link: &str, new: &str, confirm: &str) -> Response {
    let page = browser.get(link).await.text().await.unwrap();
    let token = link.split("token=").nth(1).unwrap();
    browser
        .post_form(
            "/password/reset",
            &[("csrf", &form_token(&page)), ("token", token), ("new", new), ("confirm", confirm)],
        )
        .await
}

async fn me_with(app: &TestApp, token: &str) -> StatusCode {
    TestApp::client().get(app.url("/api/v1/me")).bearer_auth(token).send().await.unwrap().status()
}

#[tokio::test]
async fn a_forgotten_password_is_reset_through_the_mailed_link() {
    let app = TestApp::spawn().await;
    citizen_with_email(&app, "dan1", Some("An.Nguyen@example.vn")).await;
    // What the reset must end: a signed-in browser and an API token.
    let mut old_browser = app.browser();
    assert_eq!(old_browser.sign_in("dan1", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let (_, api_token) = service::create_token(&app.db.db, "dan1", 30).await.unwrap();
    assert_eq!(me_with(&app, &api_token).await, StatusCode::OK);

    let mut browser = app.browser();
    let signin = browser.get("/signin").await.text().await.unwrap();
    assert!(signin.contains(r#"href="/password/forgot""#) && signin.contains("Quên mật khẩu?"));
    // The address on file, in another case, names the account.
    let r = ask(&mut browser, "an.nguyen@EXAMPLE.vn").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains(r#"id="reset-sent""#));
    let mail = mails(&app, 1).await.pop().unwrap();
    assert!(mail.headers.contains("To: An.Nguyen@example.vn"), "{}", mail.headers);
    assert!(mail.text.contains("dan1") && mail.text.contains("30 phút"), "{}", mail.text);
    // The link names the configured public address (the test server's own).
    assert!(mail.text.contains(&format!("{}/password/reset?token=", app.base)), "{}", mail.text);
    let link = mail.link();

    let r = browser.get(&link).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    assert_eq!(set_password(&mut browser, &link, NEW_PASSWORD, "something else entirely").await.status(), 422);
    assert_eq!(set_password(&mut browser, &link, "short", "short").await.status(), 422);
    let r = set_password(&mut browser, &link, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/signin?reset=done");
    let notice = browser.get("/signin?reset=done").await.text().await.unwrap();
    assert!(notice.contains("Mật khẩu mới đã được đặt"));

    // The old password, the old session and the old API token are all dead; the new password works.
    assert_eq!(app.browser().sign_in("dan1", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(old_browser.get("/account").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(me_with(&app, &api_token).await, StatusCode::UNAUTHORIZED);
    let r = browser.sign_in("dan1", NEW_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/account").await.status(), StatusCode::OK);

    // The link was used: a second use is refused with a page that says so.
    let r = browser.get(&link).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("đã được sử dụng hoặc đã hết hạn"));

    let kinds: Vec<String> = store::sqlx::query_scalar(
        "SELECT kind FROM ledger_entries WHERE kind IN ('password_reset_requested', 'password_reset') ORDER BY seq",
    )
    .fetch_all(app.db.db.pool())
    .await
    .unwrap();
    assert_eq!(kinds, ["password_reset_requested", "password_reset"]);
}

#[tokio::test]
async fn every_request_gets_the_same_answer_and_only_a_live_account_with_an_address_gets_mail() {
    let app = TestApp::spawn().await;
    citizen_with_email(&app, "dan1", Some("an@example.vn")).await;
    citizen_with_email(&app, "dan2", None).await;
    citizen_with_email(&app, "dan3", Some("gone@example.vn")).await;
    let event =
        trust::ledger::Event::new(trust::ledger::EventKind::AccountChanged, trust::ledger::Actor::system("test"));
    service::disable_account(&app.db.db, "dan3", event).await.unwrap();

    let mut browser = app.browser();
    let mut pages = Vec::new();
    for login in ["dan1", "nobody", "nobody@example.vn", "dan2", "dan3", "gone@example.vn", "  "] {
        let r = ask(&mut browser, login).await;
        assert_eq!(r.status(), StatusCode::OK, "{login}");
        // The answer holds no form, so nothing in it varies between requests.
        pages.push(r.text().await.unwrap());
    }
    assert!(pages.windows(2).all(|w| w[0] == w[1]), "the pages differ");
    let mail = mails(&app, 1).await.pop().unwrap();
    assert!(mail.headers.contains("To: an@example.vn"));
    // Give the other requests' background work time to (not) send anything.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(std::fs::read_dir(&app.outbox).unwrap().count(), 1);
}

#[tokio::test]
async fn a_link_works_once_within_its_time_and_a_newer_one_replaces_it() {
    let app = TestApp::spawn().await;
    citizen_with_email(&app, "dan1", Some("an@example.vn")).await;
    let mut browser = app.browser();

    // Expired (30 minutes passed): refused for reading and for use.
    ask(&mut browser, "dan1").await;
    let expired = mails(&app, 1).await.pop().unwrap().link();
    store::sqlx::query("UPDATE password_resets SET expires_at = expires_at - 1801")
        .execute(app.db.db.pool())
        .await
        .unwrap();
    assert_eq!(browser.get(&expired).await.status(), StatusCode::NOT_FOUND);
    let token = expired.split("token=").nth(1).unwrap();
    let csrf = browser.csrf_of("/password/forgot").await;
    let fields = [("csrf", csrf.as_str()), ("token", token), ("new", NEW_PASSWORD), ("confirm", NEW_PASSWORD)];
    assert_eq!(browser.post_form("/password/reset", &fields).await.status(), StatusCode::NOT_FOUND);

    // A second request makes the first link worthless.
    std::fs::remove_dir_all(&app.outbox).unwrap();
    std::fs::create_dir_all(&app.outbox).unwrap();
    ask(&mut browser, "dan1").await;
    let first = mails(&app, 1).await.pop().unwrap().link();
    std::fs::remove_dir_all(&app.outbox).unwrap();
    std::fs::create_dir_all(&app.outbox).unwrap();
    ask(&mut browser, "dan1").await;
    let second = mails(&app, 1).await.pop().unwrap().link();
    assert_ne!(first, second);
    assert_eq!(browser.get(&first).await.status(), StatusCode::NOT_FOUND);

    // Two submits of the same link at once: exactly one wins.
    let token = second.split("token=").nth(1).unwrap().to_owned();
    let csrf = browser.csrf_of(&second).await;
    let fields = [("csrf", csrf.as_str()), ("token", &token), ("new", NEW_PASSWORD), ("confirm", NEW_PASSWORD)];
    let mut other = app.browser();
    other.cookies = browser.cookies.clone();
    let (a, b) =
        tokio::join!(browser.post_form("/password/reset", &fields), other.post_form("/password/reset", &fields));
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 404]);
    // And later, once more: still refused.
    assert_eq!(browser.post_form("/password/reset", &fields).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(browser.sign_in("dan1", NEW_PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn garbled_links_get_a_clear_page_never_a_server_error() {
    let app = TestApp::spawn().await;
    let mut browser = app.browser();
    let unknown = "A".repeat(43);
    for (link, status) in [
        ("/password/reset".to_owned(), StatusCode::BAD_REQUEST),
        ("/password/reset?token=".to_owned(), StatusCode::BAD_REQUEST),
        ("/password/reset?token=abc".to_owned(), StatusCode::BAD_REQUEST),
        (format!("/password/reset?token={}%3D", "A".repeat(42)), StatusCode::BAD_REQUEST),
        ("/password/reset?token=%FF%FE".to_owned(), StatusCode::BAD_REQUEST),
        ("/password/reset?token=x&token=y".to_owned(), StatusCode::BAD_REQUEST),
        (format!("/password/reset?token={}", "A".repeat(5000)), StatusCode::BAD_REQUEST),
        (format!("/password/reset?token={unknown}"), StatusCode::NOT_FOUND),
    ] {
        let r = browser.get(&link).await;
        assert_eq!(r.status(), status, "{link}");
        let page = r.text().await.unwrap();
        assert!(page.contains("không hợp lệ") || page.contains("Yêu cầu"), "{link}: {page}");
    }
    let csrf = browser.csrf_of("/password/forgot").await;
    for token in ["", "abc", "' OR 1=1 --", &"é".repeat(43), &unknown] {
        let fields = [("csrf", csrf.as_str()), ("token", token), ("new", NEW_PASSWORD), ("confirm", NEW_PASSWORD)];
        let r = browser.post_form("/password/reset", &fields).await;
        let expected = if token == unknown { StatusCode::NOT_FOUND } else { StatusCode::BAD_REQUEST };
        assert_eq!(r.status(), expected, "{token}");
        assert!(r.text().await.unwrap().contains("Liên kết đặt lại mật khẩu không hợp lệ"), "{token}");
    }
    // A form without a token at all is a malformed form.
    let r = browser.post_form("/password/reset", &[("csrf", csrf.as_str()), ("new", NEW_PASSWORD)]).await;
    assert!(r.status().is_client_error(), "{}", r.status());
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = TestApp::spawn().await;
    citizen_with_email(&app, "dan1", Some("an@example.vn")).await;
    let mut browser = app.browser();
    browser.get("/password/forgot").await;
    let r = browser.post_form("/password/forgot", &[("login", "dan1")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = browser.post_form("/password/forgot", &[("csrf", "forged"), ("login", "dan1")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let fields = [("token", "A".repeat(43)), ("new", NEW_PASSWORD.to_owned()), ("confirm", NEW_PASSWORD.to_owned())];
    let r =
        browser.post_form("/password/reset", &fields.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(std::fs::read_dir(&app.outbox).unwrap().count(), 0);
}

#[tokio::test]
async fn changing_the_password_revokes_the_api_tokens() {
    let app = TestApp::spawn().await;
    app.create_account("operator", AccountKind::Operator, true).await;
    let (_, api_token) = service::create_token(&app.db.db, "operator", 30).await.unwrap();
    let mut browser = app.browser();
    browser.sign_in("operator", PASSWORD).await;
    let csrf = browser.csrf_of("/account/password").await;
    let fields = [("csrf", csrf.as_str()), ("current", PASSWORD), ("new", NEW_PASSWORD), ("confirm", NEW_PASSWORD)];
    assert_eq!(browser.post_form("/account/password", &fields).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(me_with(&app, &api_token).await, StatusCode::UNAUTHORIZED);
    let (_, fresh) = service::create_token(&app.db.db, "operator", 30).await.unwrap();
    assert_eq!(me_with(&app, &fresh).await, StatusCode::OK);
}
