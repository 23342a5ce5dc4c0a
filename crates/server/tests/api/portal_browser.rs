//! The portal's "done" test, in headless Chromium: a citizen files the birth-registration package for a newborn
//! on a phone-sized window, officials of the commune's People's Committee, the commune police and the province's
//! social insurance act on it from their queues, the citizen opens the signed result and `/verify` says it is
//! valid, and the child is in the population registry, in the parents' household, with a valid personal ID.

use fantoccini::{Client, Locator};
use identity::model::RoleAssignment;
use identity::{AccountKind, Role, Territory};
use serde_json::json;

use crate::browser::browser;
use crate::helpers::{PASSWORD, TestApp, agency};

pub async fn sign_in(b: &Client, app: &TestApp, username: &str, totp: Option<&[u8]>) {
    b.delete_all_cookies().await.unwrap();
    b.goto(&app.url("/signin")).await.unwrap();
    b.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
    b.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    b.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
    if let Some(secret) = totp {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let code = format!("{:06}", identity::mfa::totp(secret, now, 6));
        b.wait().for_element(Locator::Id("code")).await.unwrap().send_keys(&code).await.unwrap();
        b.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
    }
    b.wait().for_element(Locator::Css("header form button")).await.unwrap();
}

/// An official holding `role` in `agency`, second factor on: their TOTP secret.
pub async fn official(app: &TestApp, username: &str, role: Role, agency_code: &str, territory: Territory) -> Vec<u8> {
    agency(app, agency_code, territory).await;
    let roles = vec![RoleAssignment { role, agency: Some(agency_code.parse().unwrap()), territory }];
    let (id, _) = app.account_with_token(username, AccountKind::Official, roles).await;
    let secret = identity::mfa::demo_secret(username);
    identity::mfa::enrol_with_secret(&app.db.db, &app.keyring, id, &secret).await.unwrap();
    secret
}

/// The official opens the dossier from their queue and takes `action`.
pub async fn act(b: &Client, app: &TestApp, code: &str, action: &str) {
    b.goto(&app.url("/office/dossiers")).await.unwrap();
    b.wait().for_element(Locator::LinkText(code)).await.unwrap().click().await.unwrap();
    let choice = format!("input[name=action][value={action}]");
    b.wait().for_element(Locator::Css(&choice)).await.unwrap().click().await.unwrap();
    b.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    // Done, the queue comes back; refused, the dossier's page comes back with why.
    let queue = reqwest::Url::parse(&app.url("/office/dossiers")).unwrap();
    if b.wait().at_most(std::time::Duration::from_secs(10)).for_url(&queue).await.is_err() {
        let alert = b.find(Locator::Css("main .alert")).await.map(|a| async move { a.text().await });
        let why = match alert {
            Ok(text) => text.await.unwrap_or_default(),
            Err(_) => b.source().await.unwrap_or_default(),
        };
        panic!("{action} on {code} did not go through: {why}");
    }
}

/// The signed-in citizen finds `procedure` under its life event `event` and opens a dossier, whose form shows
/// `field`: the dossier's code.
pub async fn open_procedure(b: &Client, app: &TestApp, event: &str, procedure: &str, field: &str) -> String {
    b.goto(&app.url(&format!("/procedures?event={event}"))).await.unwrap();
    let link = format!("a[href='/procedures/{procedure}']");
    b.wait().for_element(Locator::Css(&link)).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Id(&format!("f-{field}"))).await.unwrap();
    b.current_url().await.unwrap().path().trim_start_matches("/me/dossiers/").to_owned()
}

/// The dossier's status once the page a submission leads to has replaced the draft's.
pub async fn status_after_submit(b: &Client) -> String {
    status_once_past(b, "Đang soạn").await
}

/// The dossier's status once the page an action leads to has replaced the one showing `before` (which the browser
/// may still show for a moment, whose `#status` goes stale under a reader, and which is empty while loading).
pub async fn status_once_past(b: &Client, before: &str) -> String {
    let mut last = String::new();
    for _ in 0..50 {
        if let Ok(status) = b.find(Locator::Id("status")).await
            && let Ok(text) = status.text().await
        {
            if !text.is_empty() && text != before {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    last
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run installs them and runs this"]
async fn a_newborn_is_registered_through_three_agencies_and_the_result_verifies() {
    let app = TestApp::spawn_generous().await;
    let (pid, commune) = crate::portal::citizen(&app, 2).await;
    let here = crate::helpers::unit(&commune);
    let province = commune.parse::<kernel::AdminUnitCode>().unwrap().province();
    let ubnd = format!("UBND.{commune}");
    let officials = [
        ("tiepnhan", official(&app, "tiepnhan", Role::OneStopReceiver, &ubnd, here).await, "accept"),
        ("hotich", official(&app, "hotich", Role::Specialist, &ubnd, here).await, "forward"),
        ("congan", official(&app, "congan", Role::Specialist, &format!("CA.{commune}"), here).await, "forward"),
        (
            "bhxh",
            official(&app, "bhxh", Role::Specialist, &format!("BHXH.{province}"), Territory::Unit(province)).await,
            "forward",
        ),
        ("lanhdao", official(&app, "lanhdao", Role::Approver, &ubnd, here).await, "approve"),
    ];
    let pdf = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(pdf.path(), b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n").unwrap();
    let (_driver, b) = browser().await;
    b.set_window_size(390, 844).await.unwrap();
    let fits = "return document.documentElement.scrollWidth <= window.innerWidth";

    // The citizen finds the package under its life event and files it.
    sign_in(&b, &app, "dan", None).await;
    let code = open_procedure(&b, &app, "birth", "khai-sinh-lien-thong", "child_full_name").await;
    assert_eq!(b.execute(fits, vec![]).await.unwrap(), json!(true), "the dossier's form is wider than a phone");
    let prefilled = b.find(Locator::Id("f-applicant_personal_id")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(prefilled.as_deref(), Some(pid.as_str()), "the state fills in what it knows");
    b.find(Locator::Id("file-birth_certificate")).await.unwrap().send_keys(pdf.path().to_str().unwrap()).await.unwrap();
    b.find(Locator::Css("form[enctype] button")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("main a[href^='/dossiers/']")).await.unwrap();
    b.wait().for_element(Locator::Id("f-child_full_name")).await.unwrap().send_keys("Phạm Gia Hân").await.unwrap();
    let set = "document.getElementById('f-child_birth_date').value = '2026-11-25'; \
               document.getElementById('f-child_sex').value = 'female'; return true;";
    b.execute(set, vec![]).await.unwrap();
    b.find(Locator::Css("button[name=intent][value=submit]")).await.unwrap().click().await.unwrap();
    assert_eq!(status_after_submit(&b).await, "Đã nộp, chờ tiếp nhận");

    // Officials of the three agencies act on it, each from their own queue.
    for (username, secret, action) in &officials {
        sign_in(&b, &app, username, Some(secret)).await;
        act(&b, &app, &code, action).await;
    }

    // The citizen opens the signed result and checks it on /verify.
    sign_in(&b, &app, "dan", None).await;
    b.goto(&app.url(&format!("/me/dossiers/{code}"))).await.unwrap();
    let status = b.wait().for_element(Locator::Id("status")).await.unwrap().text().await.unwrap();
    assert_eq!(status, "Đã có kết quả");
    b.find(Locator::LinkText("Xem kết quả")).await.unwrap().click().await.unwrap();
    let qr = b.wait().for_element(Locator::Id("qr-text")).await.unwrap().prop("value").await.unwrap().unwrap();
    assert_eq!(b.execute(fits, vec![]).await.unwrap(), json!(true), "the result is wider than a phone");
    b.goto(&app.url("/verify")).await.unwrap();
    b.wait().for_element(Locator::Id("qr")).await.unwrap().send_keys(&qr).await.unwrap();
    b.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("main h2")).await.ok();
    let verdict = b.source().await.unwrap();
    assert!(verdict.contains("Hợp lệ: chữ ký số đúng"), "{verdict}");
    b.close().await.unwrap();

    let (child, household, parent): (String, Option<i64>, String) = store::sqlx::query_as(
        "SELECT personal_id, household_id, COALESCE(mother_pid, '') || COALESCE(father_pid, '') FROM citizens \
         WHERE full_name = 'Phạm Gia Hân'",
    )
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    let child: kernel::PersonalId = child.parse().expect("a valid personal ID number");
    assert_eq!(child.birth_year(), 2026);
    assert!(parent.contains(&pid));
    let parents: Option<i64> = store::sqlx::query_scalar("SELECT household_id FROM citizens WHERE personal_id = $1")
        .bind(&pid)
        .fetch_one(app.db.db.pool())
        .await
        .unwrap();
    assert_eq!(household, parents, "the child is in the parents' household");
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run installs them and runs this"]
async fn on_a_phone_the_bride_agrees_to_the_grooms_marriage_dossier_and_it_goes_to_the_commune() {
    use crate::portal::{Api, account_of, citizen_such_that, citizen_token};
    let app = TestApp::spawn().await;
    let groom_condition = "AND sex = 'male' AND spouse_pid IS NULL AND birth_date < '1995-01-01'";
    let (groom, _) = citizen_such_that(&app, 2, groom_condition).await;
    let bride: String = store::sqlx::query_scalar(
        "SELECT personal_id FROM citizens WHERE sex = 'female' AND status = 'living' AND spouse_pid IS NULL \
         AND birth_date < '2000-01-01' AND household_id <> (SELECT household_id FROM citizens WHERE personal_id = $1) \
         ORDER BY personal_id LIMIT 1",
    )
    .bind(&groom)
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    account_of(&app, "codau", &bride, 2).await;
    let api = Api { app: &app };
    let token = citizen_token(&app).await;
    let (_, dossier) = api.post(&token, "/api/v1/dossiers", json!({ "procedure": "ket-hon" })).await;
    let code = dossier["code"].as_str().unwrap().to_owned();
    let mut form = dossier["form"].clone();
    form["partner_id"] = json!(bride);
    form["partner_full_name"] = json!("Trần Thị Bình");
    let (_, submitted) = api.post(&token, &format!("/api/v1/dossiers/{code}/submit"), json!({ "form": form })).await;
    assert_eq!(submitted["status"], "awaiting_consent", "{submitted}");

    let (_driver, b) = browser().await;
    b.set_window_size(390, 844).await.unwrap();
    sign_in(&b, &app, "codau", None).await;
    b.goto(&app.url("/me/dossiers")).await.unwrap();
    let asked = b.wait().for_element(Locator::Css("#asked")).await.unwrap();
    assert!(asked.text().await.unwrap().contains("Đăng ký kết hôn"));
    b.find(Locator::LinkText(&code)).await.unwrap().click().await.unwrap();
    let agree = b.wait().for_element(Locator::Css("#consent button[value=agree]")).await.unwrap();
    let fits = "return document.documentElement.scrollWidth <= window.innerWidth";
    assert_eq!(b.execute(fits, vec![]).await.unwrap(), json!(true), "the dossier is wider than a phone");
    agree.click().await.unwrap();
    assert_eq!(status_once_past(&b, "Chờ bên kia đồng ý").await, "Đã nộp, chờ tiếp nhận");
    assert!(b.find(Locator::Css("#consent")).await.is_err(), "answered, nothing more to answer");
    b.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run installs them and runs this"]
async fn on_a_phone_a_citizen_registers_a_temporary_residence_after_a_refusal_at_the_household_field() {
    let app = TestApp::spawn().await;
    let (pid, _) = crate::portal::citizen(&app, 2).await;
    let own = crate::portal::fees::own_household(&app, &pid).await;
    let (host, commune) = crate::portal::fees::household_elsewhere(&app).await;
    let (_driver, b) = browser().await;
    b.set_window_size(390, 844).await.unwrap();
    sign_in(&b, &app, "dan", None).await;
    let code = open_procedure(&b, &app, "residence", "tam-tru", "household").await;
    let fits = "return document.documentElement.scrollWidth <= window.innerWidth";
    assert_eq!(b.execute(fits, vec![]).await.unwrap(), json!(true), "the form is wider than a phone");

    // Their own household: refused at the field, with what they chose kept.
    b.find(Locator::Id("f-household")).await.unwrap().send_keys(&own).await.unwrap();
    b.execute("document.getElementById('f-months').value = '24'; return true;", vec![]).await.unwrap();
    b.find(Locator::Css("button[name=intent][value=submit]")).await.unwrap().click().await.unwrap();
    let why = b.wait().for_element(Locator::Id("e-household")).await.unwrap().text().await.unwrap();
    assert!(why.contains("hộ nơi công dân đăng ký thường trú"), "{why}");
    let months = b.find(Locator::Id("f-months")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(months.as_deref(), Some("24"), "what was chosen is kept");
    assert_eq!(b.execute(fits, vec![]).await.unwrap(), json!(true), "the refusal is wider than a phone");

    // The household they will stay with: submitted, settled by that commune's police, the fee asked for.
    let field = b.find(Locator::Id("f-household")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(&host).await.unwrap();
    b.find(Locator::Css("button[name=intent][value=submit]")).await.unwrap().click().await.unwrap();
    assert_eq!(status_after_submit(&b).await, "Chờ thanh toán lệ phí");
    let (office,): (String,) = store::sqlx::query_as("SELECT office FROM dossiers WHERE code = $1")
        .bind(&code)
        .fetch_one(app.db.db.pool())
        .await
        .unwrap();
    assert_eq!(office, format!("CA.{commune}"));
    b.close().await.unwrap();
}
