//! The pages in a real browser: headless Chromium driven through chromedriver (Debian packages `chromium` and
//! `chromium-driver`). Ignored by a plain `cargo test`; `.ci/run` installs both and runs it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};

use crate::helpers::{PASSWORD, TestApp};

pub(crate) struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) async fn browser() -> (Driver, Client) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let driver = Driver(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (apt-get install chromium chromium-driver)"),
    );
    let profile = std::env::temp_dir().join(format!("congso-chromium-{port}"));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
            "--no-first-run", "--disable-component-update", "--disable-sync",
            format!("--user-data-dir={}", profile.display()),
        ], "prefs": { "intl.accept_languages": "vi" } }),
    );
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        if let Ok(client) =
            ClientBuilder::new(connector).capabilities(caps.clone()).connect(&format!("http://127.0.0.1:{port}")).await
        {
            return (driver, client);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not start");
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run installs them and runs this"]
async fn a_clerk_signs_in_finds_a_citizen_and_reads_the_history() {
    let app = TestApp::spawn().await;
    registry::cli::generate_into(&app.db.db, 200, 5, false).await.unwrap();
    let new = NewAccount {
        username: "clerk".parse().unwrap(),
        display_name: "Phạm Thu Hà".into(),
        kind: AccountKind::Official,
        password: PASSWORD.parse().unwrap(),
        roles: vec![RoleAssignment { role: Role::RegistryClerk, agency: None, territory: Territory::Nation }],
    };
    let id = service::create_account(&app.db.db, new).await.unwrap();
    let secret = identity::mfa::demo_secret("clerk");
    identity::mfa::enrol_with_secret(&app.db.db, &app.keyring, id, &secret).await.unwrap();
    let (_driver, b) = browser().await;

    // A page that needs a signed-in person sends the browser to sign in, and back afterwards.
    b.goto(&app.url("/registry/citizens")).await.unwrap();
    assert!(b.current_url().await.unwrap().path().starts_with("/signin"));
    b.find(Locator::Id("username")).await.unwrap().send_keys("clerk").await.unwrap();
    b.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    b.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
    // An official's second factor, as an authenticator app shows it.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let code = format!("{:06}", identity::mfa::totp(&secret, now, 6));
    b.wait().for_element(Locator::Id("code")).await.unwrap().send_keys(&code).await.unwrap();
    b.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Id("birth_year")).await.unwrap();
    assert_eq!(b.current_url().await.unwrap().path(), "/registry/citizens");
    assert!(b.source().await.unwrap().contains("Phạm Thu Hà"));
    // The page runs under the Content Security Policy: its stylesheet applies, and a script written into the page
    // (as an injection would) does not run.
    let border = "return getComputedStyle(document.querySelector('header.site')).borderBottomStyle";
    assert_eq!(b.execute(border, vec![]).await.unwrap(), serde_json::json!("solid"));
    let inject = "const s = document.createElement('script'); s.textContent = 'window.injected = 1'; \
                  document.body.appendChild(s); return window.injected === undefined;";
    assert_eq!(b.execute(inject, vec![]).await.unwrap(), serde_json::json!(true), "an inline script ran");

    b.find(Locator::Id("q")).await.unwrap().send_keys("Nguyễn").await.unwrap();
    b.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    let first = b.wait().for_element(Locator::Css("main table tbody a")).await.unwrap();
    let id = first.text().await.unwrap();
    first.click().await.unwrap();
    // The record opens only once a purpose is stated.
    b.wait().for_element(Locator::Css("input[name=purpose][value=verification]")).await.unwrap().click().await.unwrap();
    b.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("main h2")).await.unwrap();
    let record = b.source().await.unwrap();
    assert!(record.contains(&id) && record.contains("Lịch sử thay đổi") && record.contains("nhập dữ liệu dân cư"));

    // The language switch keeps the person on the same page.
    b.find(Locator::LinkText("English")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::LinkText("Tiếng Việt")).await.unwrap();
    assert!(b.current_url().await.unwrap().path().ends_with(&id));
    assert!(b.source().await.unwrap().contains("History of changes"));

    b.find(Locator::Css("header form button")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("header a[href='/signin']")).await.unwrap();
    assert_eq!(b.current_url().await.unwrap().path(), "/");
    b.goto(&app.url("/registry/citizens")).await.unwrap();
    assert!(b.current_url().await.unwrap().path().starts_with("/signin"));
    b.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run installs them and runs this"]
async fn on_a_phone_a_visitor_finds_a_procedure_from_the_navigation() {
    let app = TestApp::spawn().await;
    let (_driver, b) = browser().await;
    b.set_window_size(375, 812).await.unwrap();
    b.goto(&app.url("/")).await.unwrap();
    b.find(Locator::LinkText("Thủ tục hành chính")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("ul.cards li")).await.unwrap();
    assert_eq!(b.current_url().await.unwrap().path(), "/procedures");
    let fits = "return document.documentElement.scrollWidth <= window.innerWidth";
    assert_eq!(b.execute(fits, vec![]).await.unwrap(), serde_json::json!(true), "the catalogue is wider than a phone");
    b.find(Locator::LinkText("Đăng ký khai sinh")).await.unwrap().click().await.unwrap();
    let facts = b.wait().for_element(Locator::Css("main dl")).await.unwrap().text().await.unwrap();
    assert!(facts.contains("Luật Hộ tịch 2014") && facts.contains("ngày làm việc"), "{facts}");
    assert_eq!(b.execute(fits, vec![]).await.unwrap(), serde_json::json!(true), "the procedure is wider than a phone");
    b.find(Locator::LinkText("Đăng nhập để nộp hồ sơ")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Id("username")).await.unwrap();
    assert!(b.current_url().await.unwrap().query().unwrap_or_default().contains("procedures"));
    b.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run installs them and runs this"]
async fn on_a_phone_a_citizen_pays_a_dossiers_fee_through_the_sandbox_bank_and_the_dossier_moves_on() {
    use crate::payments::sandbox;
    use crate::portal::fees::{fee_bill, file_temporary_residence};
    let app = TestApp::spawn().await;
    crate::portal::citizen(&app, 2).await;
    let token = crate::portal::citizen_token(&app).await;
    let api = crate::portal::Api { app: &app };
    let (code, _) = file_temporary_residence(&api, &token).await;
    let reference = fee_bill(&api, &token).await;
    let dir = tempfile::tempdir().unwrap();
    let (_bank, bank) = sandbox(dir.path(), app.url("/api/v1/payments/callbacks/sandbox")).await;
    let (_driver, b) = browser().await;
    b.set_window_size(390, 844).await.unwrap();
    b.goto(&app.url("/")).await.unwrap();
    b.find(Locator::LinkText("Khoản cần thanh toán")).await.unwrap().click().await.unwrap();
    b.find(Locator::Id("username")).await.unwrap().send_keys("dan").await.unwrap();
    b.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    b.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::LinkText(reference.as_str())).await.unwrap().click().await.unwrap();
    let fits = "return document.documentElement.scrollWidth <= window.innerWidth";
    assert_eq!(b.execute(fits, vec![]).await.unwrap(), serde_json::json!(true), "the bill is wider than a phone");
    b.wait().for_element(Locator::Css(".qr svg")).await.unwrap();
    b.find(Locator::Css("details summary")).await.unwrap().click().await.unwrap();
    let payload = b.find(Locator::Id("vietqr-payload")).await.unwrap().text().await.unwrap();
    let bill_page = b.current_url().await.unwrap();

    // The citizen's "banking app": the sandbox bank's page, where the VietQR is pasted and paid.
    b.goto(&bank).await.unwrap();
    b.find(Locator::Id("payload")).await.unwrap().send_keys(&payload).await.unwrap();
    b.find(Locator::Id("read")).await.unwrap().click().await.unwrap();
    let amount = b.wait().for_element(Locator::Id("amount")).await.unwrap();
    assert_eq!(amount.attr("value").await.unwrap().as_deref(), Some("15000"));
    assert_eq!(b.find(Locator::Id("bill")).await.unwrap().text().await.unwrap(), reference.as_str());
    b.find(Locator::Id("pay")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Id("result")).await.unwrap();

    // Back on congso, the bill is paid once the bank's callback is in.
    let mut status = String::new();
    for _ in 0..50 {
        b.goto(bill_page.as_str()).await.unwrap();
        status = b.find(Locator::Id("bill-status")).await.unwrap().text().await.unwrap();
        if status == "Đã thanh toán" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "Đã thanh toán");
    // The payment sent the dossier to the counter by itself.
    b.goto(&app.url(&format!("/me/dossiers/{code}"))).await.unwrap();
    let page = b.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(page.contains("Đã nộp, chờ tiếp nhận"), "{page}");
    b.close().await.unwrap();
}

/// Types `text` into the field with `id`, replacing what it held.
pub(crate) async fn type_into(b: &Client, id: &str, text: &str) {
    let field = b.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Whether the page fits the window's width: nothing scrolls sideways.
pub(crate) async fn fits(b: &Client) -> bool {
    let fits = "return document.documentElement.scrollWidth <= window.innerWidth";
    b.execute(fits, vec![]).await.unwrap() == serde_json::json!(true)
}
