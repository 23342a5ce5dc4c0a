//! WCAG 2.1 AA in a real browser: axe-core (npm's `axe-core`, which `.ci/run` installs into `.ci/node_modules`;
//! `CONGSO_AXE_JS` names another copy) checks the public pages, the citizen's (their land and enterprises too)
//! and the officials' back office (the registries of people, enterprises and land, and the finance officers'
//! pages) in headless Chromium, at a phone's width (390 pixels), where no page may scroll sideways. Ignored by a
//! plain `cargo test`, like `browser.rs`, whose driver it uses.

use fantoccini::{Client, Locator};
use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use kernel::Text;
use notify::inbox::{self, Recipient};

use crate::browser::browser;
use crate::helpers::{PASSWORD, TestApp};
use crate::portal_browser::sign_in;

fn axe_source() -> String {
    let path = std::env::var("CONGSO_AXE_JS").map(std::path::PathBuf::from).unwrap_or_else(|_| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/node_modules/axe-core/axe.min.js")
    });
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core at {}: {e} (npm install --prefix .ci axe-core@4)", path.display()))
}

/// The WCAG 2.1 A and AA violations axe finds on the page the browser shows: `rule: elements` each.
async fn violations(b: &Client, axe: &str) -> Vec<String> {
    // The driver runs scripts outside the page's Content Security Policy, which is what lets axe in at all.
    b.execute(&format!("{axe}\nreturn true;"), vec![]).await.unwrap();
    let run = "const done = arguments[arguments.length - 1];
        axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
          .then(r => done(r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
          .catch(e => done(['axe failed: ' + e]));";
    let found = b.execute_async(run, vec![]).await.unwrap();
    found.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

async fn check(b: &Client, app: &TestApp, axe: &str, paths: &[&str], failures: &mut Vec<String>) {
    for path in paths {
        b.goto(&app.url(path)).await.unwrap();
        b.wait().for_element(Locator::Css("main")).await.unwrap();
        // A page that sent the browser elsewhere (to sign in, say) would be checked in the other's place.
        let at = b.current_url().await.unwrap();
        assert_eq!(at.path(), path.split('?').next().unwrap(), "{path} was not shown");
        for v in violations(b, axe).await {
            failures.push(format!("{path}: {v}"));
        }
        let fits = "return document.documentElement.scrollWidth <= window.innerWidth";
        if b.execute(fits, vec![]).await.unwrap() != serde_json::json!(true) {
            failures.push(format!("{path}: wider than a 390-pixel phone (it scrolls sideways)"));
        }
    }
}

#[tokio::test]
#[ignore = "needs chromium, chromedriver and axe-core; .ci/run installs them and runs this"]
async fn axe_finds_no_wcag_2_1_aa_violation_on_the_public_citizen_and_official_pages() {
    let axe = axe_source();
    let app = TestApp::spawn_generous().await;
    registry::cli::generate_into(&app.db.db, 60, 13, false).await.unwrap();
    let (pid, commune): (String, String) = store::sqlx::query_as(
        "SELECT personal_id, commune_code FROM citizens WHERE status = 'living' AND commune_code IS NOT NULL \
         ORDER BY personal_id LIMIT 1",
    )
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    // The citizen holds a parcel and represents an enterprise, so their land and enterprise pages have rows.
    crate::portal::registries::parcel(&app, &commune, 1, &pid).await;
    let tax_code = crate::portal::registries::enterprise_of(&app, &pid, &commune, "Công ty TNHH Sách Tràng Tiền").await;
    let citizen = app.create_account("congdan", AccountKind::Citizen, false).await;
    service::bind_personal_id(&app.db.db, citizen, &pid.parse().unwrap()).await.unwrap();
    let notification = inbox::post(
        &app.db.db,
        Recipient::account(citizen),
        &Text::new("Hồ sơ đã được tiếp nhận", "Your dossier was received"),
        &Text::new("Hồ sơ UBND-261201-0001 đã được tiếp nhận.", "Dossier UBND-261201-0001 was received."),
        Some(&"/me/dossiers".parse().unwrap()),
    )
    .await
    .unwrap();
    let finance = crate::helpers::agency(&app, &format!("CA.{commune}"), crate::helpers::unit(&commune)).await;
    let admin = NewAccount {
        username: "quantri".parse().unwrap(),
        display_name: "Lê Văn Quản".into(),
        kind: AccountKind::Official,
        password: PASSWORD.parse().unwrap(),
        roles: vec![
            RoleAssignment { role: Role::Administrator, agency: None, territory: Territory::Nation },
            RoleAssignment { role: Role::RegistryClerk, agency: None, territory: Territory::Nation },
            RoleAssignment { role: Role::BusinessRegistrar, agency: None, territory: Territory::Nation },
            RoleAssignment { role: Role::LandOfficer, agency: None, territory: Territory::Nation },
            RoleAssignment {
                role: Role::FinanceOfficer,
                agency: Some(finance.code.clone()),
                territory: Territory::Unit(commune.parse().unwrap()),
            },
        ],
    };
    let admin = service::create_account(&app.db.db, admin).await.unwrap();
    let secret = identity::mfa::demo_secret("quantri");
    identity::mfa::enrol_with_secret(&app.db.db, &app.keyring, admin, &secret).await.unwrap();

    let (_driver, b) = browser().await;
    // Every page is checked on a phone's width, where it must not scroll sideways.
    b.set_window_size(390, 844).await.unwrap();
    let mut failures = Vec::new();
    let public = ["/", "/signin", "/verify", "/units", "/register", "/procedures", "/dossiers/statistics"];
    check(&b, &app, &axe, &public, &mut failures).await;
    let enterprise = format!("/doanh-nghiep/{tax_code}");
    let more_public = [
        "/procedures/dang-ky-doanh-nghiep",
        "/doanh-nghiep",
        enterprise.as_str(),
        "/du-lieu-mo",
        "/du-lieu-mo/dan-so-theo-tinh-gioi-tinh-nhom-tuoi",
    ];
    check(&b, &app, &axe, &more_public, &mut failures).await;

    sign_in(&b, &app, "congdan", None).await;
    // The digital ID first: opening it issues the document the documents page then lists.
    let mine = [
        "/me/digital-id",
        "/me",
        "/account",
        "/me/data-usage",
        "/me/dossiers",
        "/me/notifications",
        "/me/documents",
        "/me/enterprises",
        "/me/land",
        "/me/health",
        "/me/education",
    ];
    check(&b, &app, &axe, &mine, &mut failures).await;
    let notification = format!("/me/notifications/{notification}");
    check(&b, &app, &axe, &[notification.as_str()], &mut failures).await;
    b.goto(&app.url("/me/documents")).await.unwrap();
    let document = b.find(Locator::Css("main table a")).await.unwrap().attr("href").await.unwrap().unwrap();
    check(&b, &app, &axe, &[document.as_str()], &mut failures).await;
    b.find(Locator::Css("header form button")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("header a[href='/signin']")).await.unwrap();

    sign_in(&b, &app, "quantri", Some(&secret)).await;
    let map = format!("/dat-dai/xa/{commune}");
    let parcel = format!("/dat-dai/thua/{commune}/1/1");
    let office = ["/registry/citizens", "/admin/officials", "/me", "/office/enterprises", "/dat-dai", &map, &parcel];
    check(&b, &app, &axe, &office, &mut failures).await;
    let finance = ["/finance/reconciliation", "/finance/held", "/finance/refunds", "/finance/unmatched"];
    check(&b, &app, &axe, &finance, &mut failures).await;
    // The check can fail: an image without a text alternative, put into the page, is found.
    let unlabelled = "const i = document.createElement('img'); i.src = '/static/icon-192.png'; \
                      document.querySelector('main').appendChild(i); return true;";
    b.execute(unlabelled, vec![]).await.unwrap();
    let found = violations(&b, &axe).await;
    assert!(found.iter().any(|v| v.starts_with("image-alt")), "axe missed an image without alt: {found:?}");
    b.close().await.unwrap();
    assert!(failures.is_empty(), "WCAG 2.1 AA violations:\n{}", failures.join("\n"));
}
