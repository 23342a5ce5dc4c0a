//! The citizen's side: the page after sign-in, the inbox, "my documents and results", and what makes the site an
//! installable app.

use identity::AccountKind;
use identity::service;
use kernel::Text;
use notify::inbox::{self, Recipient};
use reqwest::StatusCode;

use crate::helpers::{Browser, PASSWORD, TestApp, location};

/// A signed-in citizen bound to a living person of a small generated population: `(account id, browser)`.
async fn citizen(app: &TestApp, username: &str, nth: i64) -> (i64, Browser) {
    let pid: String = store::sqlx::query_scalar(
        "SELECT personal_id FROM citizens WHERE status = 'living' AND commune_code IS NOT NULL \
         ORDER BY personal_id LIMIT 1 OFFSET $1",
    )
    .bind(nth)
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    let id = app.create_account(username, AccountKind::Citizen, false).await;
    service::bind_personal_id(&app.db.db, id, &pid.parse().unwrap()).await.unwrap();
    let mut browser = app.browser();
    let r = browser.sign_in(username, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/me", "a citizen lands on their own page");
    (id, browser)
}

async fn spawn() -> TestApp {
    let app = TestApp::spawn_generous().await;
    registry::cli::generate_into(&app.db.db, 40, 7, false).await.unwrap();
    app
}

fn text(vi: &str, en: &str) -> Text {
    Text::new(vi.to_owned(), en.to_owned())
}

#[tokio::test]
async fn a_citizens_page_reaches_everything_they_have() {
    let app = spawn().await;
    let (_, mut an) = citizen(&app, "an.nguyen", 0).await;
    let html = an.get("/me").await.text().await.unwrap();
    for path in [
        "/me/dossiers",
        "/me/documents",
        "/me/digital-id",
        "/me/payments",
        "/me/notifications",
        "/me/data-usage",
        "/account",
        "/procedures",
    ] {
        assert!(html.contains(&format!(r#"href="{path}""#)), "the page does not lead to {path}");
    }
    // Every page's header leads back to it and to the inbox.
    let account = an.get("/account").await.text().await.unwrap();
    assert!(account.contains(r#"href="/me""#) && account.contains(r#"href="/me/notifications""#));
    // Signed out, it sends the visitor to sign in and back.
    let r = app.browser().get("/me").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/signin"));
}

#[tokio::test]
async fn the_public_home_page_says_what_congso_offers_today() {
    let app = TestApp::spawn().await;
    let html = app.get("/").await.text().await.unwrap();
    for path in ["/procedures", "/verify", "/units", "/signin", "/register"] {
        assert!(html.contains(&format!(r#"href="{path}""#)), "the home page does not lead to {path}");
    }
    assert!(html.contains(r#"id="home-offers""#));
    assert!(!html.contains("Biểu mẫu điền sẵn"), "the home page still promises what exists");
}

#[tokio::test]
async fn a_notification_posted_to_a_citizen_is_listed_counted_and_marked_read_by_them_alone() {
    let app = spawn().await;
    let (an_id, mut an) = citizen(&app, "an.nguyen", 0).await;
    let (_, mut binh) = citizen(&app, "binh.tran", 1).await;
    let link = "/me/dossiers".parse().unwrap();
    let id = inbox::post(
        &app.db.db,
        Recipient::account(an_id),
        &text("Hồ sơ đã được tiếp nhận", "Your dossier was received"),
        &text("Hồ sơ UBND-261201-0001 đã được tiếp nhận.", "Dossier UBND-261201-0001 was received."),
        Some(&link),
    )
    .await
    .unwrap();

    // The header counts it on every page, the inbox lists it unread, in the reader's language.
    let home = an.get("/me").await.text().await.unwrap();
    assert!(home.contains(r#"id="nav-unread">1"#), "the header's count");
    let list = an.get("/me/notifications").await.text().await.unwrap();
    assert!(list.contains("Hồ sơ đã được tiếp nhận") && list.contains(r#"class="card unread""#));
    assert!(list.contains("<time datetime="), "its time is a <time> element");
    let english = an
        .request(reqwest::Method::GET, "/me/notifications")
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("Your dossier was received"));
    assert_eq!(an.get(&format!("/me/notifications/{id}")).await.status(), StatusCode::OK);

    // Someone else's notification does not exist for them, to read or to mark; nor does a made-up one.
    assert_eq!(binh.get(&format!("/me/notifications/{id}")).await.status(), StatusCode::NOT_FOUND);
    let csrf = binh.csrf_of("/me/notifications").await;
    let r = binh.post_form(&format!("/me/notifications/{id}/read"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(binh.get("/me/notifications/999999").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(binh.get("/me/notifications/x").await.status(), StatusCode::NOT_FOUND);
    assert!(!binh.get("/me/notifications").await.text().await.unwrap().contains("Hồ sơ đã được tiếp nhận"));

    // Marking as read needs the form's CSRF token.
    let r = an.post_form(&format!("/me/notifications/{id}/read"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(inbox::unread_count(&app.db.db, Recipient::account(an_id)).await.unwrap(), 1);
    let csrf = an.csrf_of("/me/notifications").await;
    let r = an.post_form(&format!("/me/notifications/{id}/read"), &[("csrf", &csrf), ("next", "//evil.example")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/me/notifications", "the way back stays on the site");
    assert_eq!(inbox::unread_count(&app.db.db, Recipient::account(an_id)).await.unwrap(), 0);
    let home = an.get("/me").await.text().await.unwrap();
    assert!(!home.contains(r#"id="nav-unread""#), "nothing unread, no count");
}

#[tokio::test]
async fn mark_all_read_reads_only_the_callers_notifications() {
    let app = spawn().await;
    let (an_id, mut an) = citizen(&app, "an.nguyen", 0).await;
    let (binh_id, _) = citizen(&app, "binh.tran", 1).await;
    for who in [an_id, an_id, binh_id] {
        inbox::post(&app.db.db, Recipient::account(who), &text("Một", "One"), &text("a", "a"), None).await.unwrap();
    }
    let csrf = an.csrf_of("/me/notifications").await;
    let r = an.post_form("/me/notifications/read", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(inbox::unread_count(&app.db.db, Recipient::account(an_id)).await.unwrap(), 0);
    assert_eq!(inbox::unread_count(&app.db.db, Recipient::account(binh_id)).await.unwrap(), 1);
}

#[tokio::test]
async fn a_citizens_documents_are_listed_and_shown_with_their_qr_to_them_alone() {
    let app = spawn().await;
    let (_, mut an) = citizen(&app, "an.nguyen", 0).await;
    let (_, mut binh) = citizen(&app, "binh.tran", 1).await;
    let none = an.get("/me/documents").await.text().await.unwrap();
    assert!(none.contains(r#"id="documents-none""#));

    // Opening the digital ID issues one; it is then among the documents, named, with its QR.
    assert_eq!(an.get("/me/digital-id").await.status(), StatusCode::OK);
    let list = an.get("/me/documents").await.text().await.unwrap();
    assert!(list.contains("Danh tính số"), "the kind is named");
    let start = list.find(r#"href="/me/documents/"#).expect("a link to the document") + r#"href="/me/documents/"#.len();
    let id = &list[start..start + 32];
    let page = an.get(&format!("/me/documents/{id}")).await.text().await.unwrap();
    assert!(page.contains("<svg") && page.contains("Còn hiệu lực"), "the QR of a valid document");

    // Someone else's document, a made-up one, a malformed id: not found.
    assert_eq!(binh.get(&format!("/me/documents/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(an.get(&format!("/me/documents/{}", "0".repeat(32))).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(an.get("/me/documents/'%20OR%201=1").await.status(), StatusCode::NOT_FOUND);
    // An official has no documents here.
    let (_, token) = app.account_with_token("canbo", AccountKind::Official, vec![]).await;
    let r = TestApp::client().get(app.url("/me/documents")).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn times_are_shown_in_vietnam_time_in_the_readers_format() {
    let app = spawn().await;
    let (an_id, mut an) = citizen(&app, "an.nguyen", 0).await;
    // 2026-11-29T21:13:52Z is 04:13 on the 30th in Vietnam.
    let id =
        inbox::post(&app.db.db, Recipient::account(an_id), &text("Một", "One"), &text("a", "a"), None).await.unwrap();
    store::sqlx::query("UPDATE notifications SET created_at = 1795986832 WHERE id = $1")
        .bind(id)
        .execute(app.db.db.pool())
        .await
        .unwrap();
    let vi = an.get("/me/notifications").await.text().await.unwrap();
    assert!(vi.contains(r#"<time datetime="2026-11-30T04:13:52+07:00">30/11/2026 04:13</time>"#), "{vi}");
    an.get("/lang/en?next=/").await;
    let en = an.get("/me/notifications").await.text().await.unwrap();
    assert!(en.contains(r#"<time datetime="2026-11-30T04:13:52+07:00">30 Nov 2026, 04:13</time>"#));
    // "Who used my data" shows no raw UTC either.
    an.get("/lang/vi?next=/").await;
    an.get("/me/digital-id").await;
    let usage = an.get("/me/data-usage").await.text().await.unwrap();
    assert!(usage.contains("<time datetime=") && !usage.contains("Z</td>"), "raw UTC on the data usage page");
}

#[tokio::test]
async fn the_app_is_installable_with_a_manifest_and_a_service_worker_under_the_strict_policy() {
    let app = TestApp::spawn().await;
    let sw = app.get("/sw.js").await;
    assert_eq!(sw.status(), StatusCode::OK);
    assert_eq!(sw.headers()["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(sw.headers()["cache-control"], "no-cache", "every update check reaches the server");
    assert_eq!(sw.headers()["content-security-policy"], web::headers::CONTENT_SECURITY_POLICY);
    let manifest = app.get("/manifest.webmanifest").await;
    assert_eq!(manifest.headers()["content-type"], "application/manifest+json; charset=utf-8");
    let manifest: serde_json::Value = manifest.json().await.unwrap();
    assert_eq!(manifest["name"], "congso — Dịch vụ công số");
    for icon in manifest["icons"].as_array().unwrap() {
        let r = app.get(icon["src"].as_str().unwrap()).await;
        assert_eq!((r.status(), r.headers()["content-type"].to_str().unwrap()), (StatusCode::OK, "image/png"));
    }
    let home = app.get("/").await.text().await.unwrap();
    assert!(home.contains(r#"<link rel="manifest" href="/manifest.webmanifest">"#));
    assert!(home.contains(r#"<script src="/static/app.js" defer></script>"#));
    // Personal pages stay out of every HTTP cache: only the service worker keeps the few it keeps.
    let app = spawn().await;
    let (_, mut an) = citizen(&app, "an.nguyen", 0).await;
    assert_eq!(an.get("/me/digital-id").await.headers()["cache-control"], "no-store");
}
