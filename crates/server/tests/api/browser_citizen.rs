//! The citizen's side in a real browser: every page fits a 390-pixel phone, and the installed app shows the
//! digital ID with the network gone. Ignored by a plain `cargo test`, like `browser.rs`, whose driver it uses.

use std::time::Duration;

use fantoccini::{Client, Locator};
use identity::AccountKind;
use kernel::Text;
use notify::inbox::{self, Recipient};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use trust::ledger::{Actor, Event, EventKind};

use crate::browser::browser;
use crate::helpers::{PASSWORD, TestApp};

/// A citizen with a long "who used my data" and a notification; their username.
async fn busy_citizen(app: &TestApp) -> String {
    registry::cli::generate_into(&app.db.db, 40, 11, false).await.unwrap();
    let pid: String = store::sqlx::query_scalar(
        "SELECT personal_id FROM citizens WHERE status = 'living' AND commune_code IS NOT NULL ORDER BY personal_id LIMIT 1",
    )
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    let id = app.create_account("congdan", AccountKind::Citizen, false).await;
    identity::service::bind_personal_id(&app.db.db, id, &pid.parse().unwrap()).await.unwrap();
    // Reads by officials with long names, roles, agencies and purposes: the widest rows the page has.
    for n in 0..5 {
        let mut actor = Actor::named("canbo.phuong.ben.thanh", "Nguyễn Thị Thu Hương Trần Ngọc Bảo Châu");
        actor.role = Some("registry_clerk".into());
        actor.agency =
            Some("Công an phường Bến Thành, Thành phố Hồ Chí Minh — Phòng Cảnh sát quản lý hành chính".into());
        let purpose = format!("Xác minh thông tin nhân thân phục vụ giải quyết hồ sơ đăng ký thường trú số {n}");
        let event = Event::new(EventKind::PersonalDataRead, actor).subject(&pid).purpose(&purpose);
        app.state.ledger.record(event).await.unwrap();
    }
    inbox::post(
        &app.db.db,
        Recipient::account(id),
        &Text::new("Hồ sơ đã được tiếp nhận và đang chờ xử lý tại cơ quan", "Your dossier was received"),
        &Text::new("Hồ sơ UBND-261201-0001 đã được tiếp nhận.", "Dossier UBND-261201-0001 was received."),
        Some(&"/me/dossiers".parse().unwrap()),
    )
    .await
    .unwrap();
    "congdan".to_owned()
}

async fn sign_in(b: &Client, app_url: &str, username: &str) {
    b.goto(&format!("{app_url}/signin")).await.unwrap();
    b.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
    b.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    b.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("h1")).await.unwrap();
}

const FITS: &str = "return [document.documentElement.scrollWidth, window.innerWidth]";

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run installs them and runs this"]
async fn on_a_390_pixel_phone_no_citizen_page_scrolls_sideways() {
    let app = TestApp::spawn().await;
    let username = busy_citizen(&app).await;
    let (_driver, b) = browser().await;
    b.set_window_size(390, 844).await.unwrap();
    sign_in(&b, &app.base, &username).await;
    assert_eq!(b.current_url().await.unwrap().path(), "/me");
    // The digital ID first: opening it issues one, which "who used my data" and the documents then list.
    for path in [
        "/me/digital-id",
        "/",
        "/me",
        "/account",
        "/me/data-usage",
        "/procedures",
        "/me/dossiers",
        "/me/notifications",
        "/me/documents",
    ] {
        b.goto(&app.url(path)).await.unwrap();
        b.wait().for_element(Locator::Css("main")).await.unwrap();
        let sizes = b.execute(FITS, vec![]).await.unwrap();
        let (scroll, inner) = (sizes[0].as_i64().unwrap(), sizes[1].as_i64().unwrap());
        assert!(inner <= 390, "the window is not a phone's: {inner}");
        assert!(scroll <= inner, "{path} is {scroll} pixels wide on a {inner}-pixel phone");
    }
    // The data usage table reflowed into one block per use, each line named by its column.
    let label = "return getComputedStyle(document.querySelector('table.stack td'), '::before').content";
    b.goto(&app.url("/me/data-usage")).await.unwrap();
    let content = b.execute(label, vec![]).await.unwrap();
    assert!(content.as_str().is_some_and(|c| c.ends_with(": \"")), "each cell is led by its column's name: {content}");
    // The check can fail: without the small-screen rules the same page is wider than the phone.
    let without = "for (const s of document.styleSheets) for (let i = s.cssRules.length - 1; i >= 0; i--) \
                     if (s.cssRules[i] instanceof CSSMediaRule) s.deleteRule(i); \
                   return [document.documentElement.scrollWidth, window.innerWidth]";
    let sizes = b.execute(without, vec![]).await.unwrap();
    let (scroll, inner) = (sizes[0].as_i64().unwrap(), sizes[1].as_i64().unwrap());
    assert!(scroll > inner, "without the small-screen rules the page fits anyway ({scroll} on {inner}): a void check");
    b.close().await.unwrap();
}

/// A TCP relay in front of the server: the browser talks to it, and stopping it is the network going away.
struct Relay {
    url: String,
    tasks: JoinSet<()>,
}

impl Relay {
    async fn start(to: &str) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let target = to.trim_start_matches("http://").to_owned();
        let mut tasks = JoinSet::new();
        tasks.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                connections.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Relay { url, tasks }
    }

    /// The network goes away: the listener and every open connection end, so nothing reaches the server.
    async fn stop(mut self) {
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
    }
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run installs them and runs this"]
async fn the_installed_app_shows_the_digital_id_with_no_network() {
    let app = TestApp::spawn().await;
    let username = busy_citizen(&app).await;
    let relay = Relay::start(&app.base).await;
    let base = relay.url.clone();
    let (_driver, b) = browser().await;
    b.set_window_size(390, 844).await.unwrap();
    sign_in(&b, &base, &username).await;

    // The first page registers the worker; once it controls the page, opening the digital ID keeps it.
    let controlled = "return navigator.serviceWorker.controller !== null";
    for _ in 0..50 {
        b.goto(&format!("{base}/me/digital-id")).await.unwrap();
        if b.execute(controlled, vec![]).await.unwrap() == serde_json::json!(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(b.execute(controlled, vec![]).await.unwrap(), serde_json::json!(true), "no service worker");
    b.goto(&format!("{base}/me/digital-id")).await.unwrap();
    let online = b.find(Locator::Css(".qr svg")).await.unwrap().html(false).await.unwrap();

    relay.stop().await;
    assert!(reqwest::get(format!("{base}/")).await.is_err(), "the relay still answers");
    b.refresh().await.unwrap();
    let offline = b.wait().for_element(Locator::Css(".qr svg")).await.unwrap().html(false).await.unwrap();
    assert_eq!(offline, online, "the QR shown offline is the one shown online");
    assert!(b.source().await.unwrap().contains("Danh tính số"));

    // A page the worker does not keep is not there offline: the offline page says so.
    b.goto(&format!("{base}/me/data-usage")).await.unwrap();
    let h1 = b.wait().for_element(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(h1, "Không có kết nối mạng");
    b.close().await.unwrap();
}
