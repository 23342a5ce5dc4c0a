//! Payments: bills paid by a bank's signed callback exactly once, however often and however concurrently it is
//! delivered; forged, stale and mismatched callbacks; the payer's pages; the sandbox bank paying over HTTP and
//! resuming its deliveries after a restart; and `kill -9` of congso in the middle of applying callbacks.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use identity::AccountKind;
use identity::service;
use kernel::PersonalId;
use payments::config::DEMO_SECRET;
use payments::model::{Bill, BillFor, BillRef, BillStatus, Dong, Payer};
use payments::provider::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Webhook, WebhookData, sign};
use payments::sandbox::{Sandbox, SandboxConfig};
use payments::service::NewBill;
use reqwest::StatusCode;
use serde_json::Value;
use store::Db;
use trust::ledger::Actor;

use crate::helpers::{PASSWORD, TestApp};

pub const CITIZEN: &str = "079185000123";
const OTHER: &str = "001203012345";

pub async fn bill_for(db: &Db, personal_id: &str, amount: i64, seq: u32) -> Bill {
    let pid: PersonalId = personal_id.parse().unwrap();
    let day = time::macros::date!(2026 - 12 - 01);
    let dossier = kernel::DossierCode::new("UBND.00070".parse().unwrap(), day, seq).unwrap();
    let new = NewBill {
        payer: Payer::Citizen(pid),
        amount: Dong::new(amount).unwrap(),
        purpose: "Lệ phí đăng ký khai sinh".into(),
        pays_for: BillFor::Dossier(dossier),
        agency: "UBND.00070".parse().unwrap(),
        // Due a week from now, so a server's sweep of overdue bills never takes it whatever day the tests run.
        due: time::OffsetDateTime::now_utc().date() + time::Duration::days(7),
    };
    payments::service::create_bill(db, new, &Actor::system("test")).await.unwrap()
}

/// A citizen's account bound to `personal_id`, and its API token.
pub async fn citizen(app: &TestApp, username: &str, personal_id: &str) -> String {
    let (id, token) = app.account_with_token(username, AccountKind::Citizen, vec![]).await;
    service::bind_personal_id(&app.db.db, id, &personal_id.parse().unwrap()).await.unwrap();
    token
}

pub fn webhook(bill: &BillRef, amount: i64, transaction: &str) -> Vec<u8> {
    serde_json::to_vec(&Webhook {
        code: "00".into(),
        desc: "success".into(),
        data: WebhookData {
            reference: transaction.into(),
            order_code: bill.to_string(),
            amount,
            account_number: "0011002345678".into(),
            description: bill.to_string(),
            transaction_date_time: now(),
        },
    })
    .unwrap()
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

pub async fn deliver(base: &str, body: &[u8], timestamp: i64, secret: &str) -> reqwest::Response {
    TestApp::client()
        .post(format!("{base}/api/v1/payments/callbacks/sandbox"))
        .header("content-type", "application/json")
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, sign(secret.as_bytes(), timestamp, body))
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

pub async fn status_of(db: &Db, bill: &Bill) -> BillStatus {
    payments::store::bill(db, &bill.reference).await.unwrap().unwrap().status
}

#[tokio::test]
async fn the_same_callback_twice_or_ten_times_at_once_makes_one_payment() {
    let app = TestApp::spawn().await;
    let bill = bill_for(&app.db.db, CITIZEN, 50_000, 1).await;
    let body = webhook(&bill.reference, 50_000, "FT0001");
    for _ in 0..2 {
        let r = deliver(&app.base, &body, now(), DEMO_SECRET).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<Value>().await.unwrap()["outcome"], "applied");
    }
    assert_eq!(status_of(&app.db.db, &bill).await, BillStatus::Paid);
    assert_eq!(payments::store::payment_count(&app.db.db, &bill.reference).await.unwrap(), 1);

    let second = bill_for(&app.db.db, CITIZEN, 70_000, 2).await;
    let body = webhook(&second.reference, 70_000, "FT0002");
    let mut deliveries = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (base, body) = (app.base.clone(), body.clone());
        deliveries.spawn(async move { deliver(&base, &body, now(), DEMO_SECRET).await.status() });
    }
    while let Some(status) = deliveries.join_next().await {
        let status = status.unwrap();
        assert!(status.is_success(), "{status}");
    }
    assert_eq!(status_of(&app.db.db, &second).await, BillStatus::Paid);
    assert_eq!(payments::store::payment_count(&app.db.db, &second.reference).await.unwrap(), 1);
    assert_eq!(payments::store::applied_count(&app.db.db, &second.reference).await.unwrap(), 1);
    let history = payments::service::history(&app.db.db, &second.reference).await.unwrap();
    assert_eq!(history.iter().map(|h| h.0).collect::<Vec<_>>(), [BillStatus::Pending, BillStatus::Paid]);
    let paid: i64 = store::sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_entries WHERE record_kind = 'bill' AND record_key = $1 AND body LIKE '%bill_paid%'",
    )
    .bind(second.reference.as_str())
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    assert_eq!(paid, 1);
}

#[tokio::test]
async fn a_forged_signature_is_refused_and_recorded_in_the_ledger() {
    let app = TestApp::spawn().await;
    let bill = bill_for(&app.db.db, CITIZEN, 50_000, 1).await;
    let body = webhook(&bill.reference, 50_000, "FT0003");
    let r = deliver(&app.base, &body, now(), "a forger's guess at the shared secret!!").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let unsigned = TestApp::client()
        .post(app.url("/api/v1/payments/callbacks/sandbox"))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(status_of(&app.db.db, &bill).await, BillStatus::Pending);
    assert_eq!(payments::store::payment_count(&app.db.db, &bill.reference).await.unwrap(), 0);
    let refusals: Vec<String> = store::sqlx::query_scalar(
        "SELECT body FROM ledger_entries WHERE kind = 'access_refused' AND body LIKE '%payment_callback%' ORDER BY seq",
    )
    .fetch_all(app.db.db.pool())
    .await
    .unwrap();
    assert_eq!(refusals.len(), 2, "{refusals:?}");
    assert!(refusals[0].contains("bank:sandbox") && refusals[0].contains("signature"), "{}", refusals[0]);
}

#[tokio::test]
async fn a_callback_replayed_outside_the_time_window_is_refused() {
    let app = TestApp::spawn().await;
    let bill = bill_for(&app.db.db, CITIZEN, 50_000, 1).await;
    let body = webhook(&bill.reference, 50_000, "FT0004");
    let r = deliver(&app.base, &body, now() - 6 * 60, DEMO_SECRET).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = deliver(&app.base, &body, now() + 6 * 60, DEMO_SECRET).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(status_of(&app.db.db, &bill).await, BillStatus::Pending);
    // Signed again now, the same transfer is applied.
    assert_eq!(deliver(&app.base, &body, now(), DEMO_SECRET).await.status(), StatusCode::OK);
    assert_eq!(status_of(&app.db.db, &bill).await, BillStatus::Paid);
}

#[tokio::test]
async fn a_payment_of_another_amount_or_for_no_bill_is_held_not_applied() {
    let app = TestApp::spawn().await;
    let bill = bill_for(&app.db.db, CITIZEN, 50_000, 1).await;
    let r = deliver(&app.base, &webhook(&bill.reference, 5_000, "FT0005"), now(), DEMO_SECRET).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["outcome"], "held");
    assert_eq!(status_of(&app.db.db, &bill).await, BillStatus::Pending);
    let nobody = BillRef::random();
    let r = deliver(&app.base, &webhook(&nobody, 5_000, "FT0006"), now(), DEMO_SECRET).await;
    assert_eq!(r.json::<Value>().await.unwrap()["outcome"], "held");
    // The right amount still pays it; a second transfer for a paid bill is held for a refund.
    deliver(&app.base, &webhook(&bill.reference, 50_000, "FT0007"), now(), DEMO_SECRET).await;
    assert_eq!(status_of(&app.db.db, &bill).await, BillStatus::Paid);
    let r = deliver(&app.base, &webhook(&bill.reference, 50_000, "FT0008"), now(), DEMO_SECRET).await;
    assert_eq!(r.json::<Value>().await.unwrap()["outcome"], "held");
    assert_eq!(payments::store::applied_count(&app.db.db, &bill.reference).await.unwrap(), 1);
}

#[tokio::test]
async fn a_citizen_sees_their_bills_with_the_vietqr_and_nobody_elses() {
    let app = TestApp::spawn().await;
    let mine = bill_for(&app.db.db, CITIZEN, 150_000, 1).await;
    let theirs = bill_for(&app.db.db, OTHER, 20_000, 2).await;
    let token = citizen(&app, "congdan", CITIZEN).await;
    let client = TestApp::client();
    let list: Value =
        client.get(app.url("/api/v1/payments/bills")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let payload = list[0]["vietqr"].as_str().unwrap();
    let qr = payments::vietqr::VietQr::parse(payload).unwrap();
    assert_eq!(qr.amount, Some(150_000));
    assert_eq!(qr.bill.as_ref().map(|b| b.as_str()), Some(mine.reference.as_str()));
    assert_eq!(qr.purpose.as_ref().map(|p| p.as_str()), Some("le phi dang ky khai sinh"));
    let other = client
        .get(app.url(&format!("/api/v1/payments/bills/{}", theirs.reference)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);

    let mut browser = app.browser();
    browser.sign_in("congdan", PASSWORD).await;
    let page = browser.get("/me/payments").await.text().await.unwrap();
    assert!(page.contains(mine.reference.as_str()) && !page.contains(theirs.reference.as_str()));
    assert!(page.contains("150.000 ₫"));
    let r = browser.get(&format!("/thanh-toan/{}", mine.reference)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("<svg") && page.contains(payload) && page.contains("Chờ thanh toán"), "{page}");
    assert_eq!(browser.get(&format!("/thanh-toan/{}", theirs.reference)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(browser.get("/thanh-toan/TT-not-a-bill").await.status(), StatusCode::NOT_FOUND);
}

/// A sandbox bank calling back `callback_url`, on a fresh database in `dir`, retrying quickly.
pub async fn sandbox(dir: &std::path::Path, callback_url: String) -> (Sandbox, String) {
    let config = SandboxConfig {
        callback_url,
        secret: DEMO_SECRET.into(),
        first_retry: Duration::from_millis(50),
        max_retry: Duration::from_millis(400),
    };
    let sandbox = Sandbox::open(&dir.join("sandbox.db"), config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(payments::sandbox::serve(listener, sandbox.clone(), std::future::pending()));
    (sandbox, base)
}

async fn wait_until_paid(db: &Db, bill: &Bill) {
    for _ in 0..200 {
        if status_of(db, bill).await == BillStatus::Paid {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("bill {} was not paid", bill.reference);
}

#[tokio::test]
async fn the_sandbox_bank_pays_a_pasted_vietqr_over_http_and_gives_the_statement() {
    let app = TestApp::spawn().await;
    let bill = bill_for(&app.db.db, CITIZEN, 30_000, 1).await;
    let payload = payments::service::vietqr(&payments::PaymentsConfig::demo(), &bill).encode();
    let dir = tempfile::tempdir().unwrap();
    let (_bank, base) = sandbox(dir.path(), app.url("/api/v1/payments/callbacks/sandbox")).await;
    let client = TestApp::client();
    let confirm = client.post(format!("{base}/parse")).form(&[("payload", &payload)]).send().await.unwrap();
    let confirm = confirm.text().await.unwrap();
    assert!(confirm.contains("0011002345678") && confirm.contains(bill.reference.as_str()), "{confirm}");
    let paid = client.post(format!("{base}/pay")).form(&[("payload", payload.as_str()), ("amount", "30000")]);
    let paid = paid.send().await.unwrap();
    assert_eq!(paid.status(), StatusCode::SEE_OTHER);
    wait_until_paid(&app.db.db, &bill).await;
    let day = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)).date();
    let csv = client.get(format!("{base}/statements/{day}.csv")).send().await.unwrap().text().await.unwrap();
    assert!(csv.starts_with("transaction_id,paid_at,bank_bin,account,amount,bill_reference,description\n"), "{csv}");
    assert!(csv.contains(&format!(",30000,{},", bill.reference)), "{csv}");
}

#[tokio::test]
async fn the_sandbox_retries_until_acknowledged_and_resumes_after_a_restart() {
    let app = TestApp::spawn().await;
    let bill = bill_for(&app.db.db, CITIZEN, 40_000, 1).await;
    let qr = payments::service::vietqr(&payments::PaymentsConfig::demo(), &bill);
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens at the first address: every attempt fails, and is kept.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    {
        let (bank, _) = sandbox(dir.path(), format!("http://{closed}/api/v1/payments/callbacks/sandbox")).await;
        bank.pay(&qr, 40_000).await.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(status_of(&app.db.db, &bill).await, BillStatus::Pending);
        bank.db.close().await;
    }
    // The bank restarts, now reaching congso: the callback waiting in its outbox goes out.
    let (_bank, _) = sandbox(dir.path(), app.url("/api/v1/payments/callbacks/sandbox")).await;
    wait_until_paid(&app.db.db, &bill).await;
    assert_eq!(payments::store::payment_count(&app.db.db, &bill.reference).await.unwrap(), 1);
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn serve_on(port: u16, database_url: &str, data_dir: &std::path::Path) -> Server {
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_congso"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database-url", database_url])
            .arg("--data-dir")
            .arg(data_dir)
            .env("CONGSO_SECURE_COOKIES", "false")
            .env("CONGSO_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
            .env("CONGSO_MASTER_KEY", crate::helpers::MASTER_KEY)
            .env("CONGSO_PAYMENTS_SANDBOX_SECRET", DEMO_SECRET)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    for _ in 0..100 {
        if reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await.is_ok_and(|r| r.status().is_success()) {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("congso serve did not become ready");
}

/// Paid means all of it (the bill, its one applied payment, its history row, its ledger entry); pending means
/// none of it.
async fn whole_or_nothing(db: &Db, bill: &Bill) -> bool {
    let paid = status_of(db, bill).await == BillStatus::Paid;
    let applied = payments::store::applied_count(db, &bill.reference).await.unwrap();
    let history = payments::service::history(db, &bill.reference).await.unwrap().len();
    let entries: i64 = store::sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_entries WHERE record_kind = 'bill' AND record_key = $1 AND body LIKE '%bill_paid%'",
    )
    .bind(bill.reference.as_str())
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!((applied, history, entries), if paid { (1, 2, 1) } else { (0, 1, 0) }, "bill {}", bill.reference);
    paid
}

#[tokio::test]
async fn congso_killed_while_applying_callbacks_leaves_each_bill_paid_or_not_and_the_retry_completes_it() {
    let app = TestApp::spawn().await;
    let mut bills = Vec::new();
    for seq in 1..=40 {
        bills.push(bill_for(&app.db.db, CITIZEN, 10_000 + i64::from(seq), seq).await);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let data = tempfile::tempdir().unwrap();
    let server = serve_on(port, &app.db.url, data.path()).await;
    let dir = tempfile::tempdir().unwrap();
    let (bank, _) = sandbox(dir.path(), format!("http://127.0.0.1:{port}/api/v1/payments/callbacks/sandbox")).await;
    for bill in &bills {
        let qr = payments::service::vietqr(&payments::PaymentsConfig::demo(), bill);
        bank.pay(&qr, bill.amount.as_i64()).await.unwrap();
    }
    // The moment the first payment lands, the server dies without a chance to finish the rest.
    for _ in 0..2000 {
        let paid: i64 = store::sqlx::query_scalar("SELECT COUNT(*) FROM bills WHERE status = 'paid'")
            .fetch_one(app.db.db.pool())
            .await
            .unwrap();
        if paid > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(server);
    let mut paid_before = 0;
    for bill in &bills {
        paid_before += usize::from(whole_or_nothing(&app.db.db, bill).await);
    }
    assert!(paid_before < bills.len(), "every callback was applied before the kill; the test proves nothing");

    let _again = serve_on(port, &app.db.url, data.path()).await;
    for bill in &bills {
        wait_until_paid(&app.db.db, bill).await;
        assert!(whole_or_nothing(&app.db.db, bill).await);
    }
}

#[tokio::test]
async fn a_paid_bill_has_an_e_receipt_that_anyone_can_check_at_verify() {
    let app = TestApp::spawn().await;
    let bill = bill_for(&app.db.db, CITIZEN, 15_000, 1).await;
    citizen(&app, "congdan", CITIZEN).await;
    let mut browser = app.browser();
    browser.sign_in("congdan", PASSWORD).await;
    let page = browser.get(&format!("/thanh-toan/{}", bill.reference)).await.text().await.unwrap();
    assert!(!page.contains("bien-lai"), "a pending bill offers no receipt");
    deliver(&app.base, &webhook(&bill.reference, 15_000, "FT0009"), now(), DEMO_SECRET).await;
    let page = browser.get(&format!("/thanh-toan/{}", bill.reference)).await.text().await.unwrap();
    assert!(page.contains("Đã thanh toán") && page.contains("bien-lai"), "{page}");
    let csrf = crate::helpers::form_token(&page);
    let r = browser.post_form(&format!("/thanh-toan/{}/bien-lai", bill.reference), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let receipt = r.text().await.unwrap();
    assert!(receipt.contains("Biên lai điện tử") && receipt.contains("15.000 ₫") && receipt.contains("<svg"));

    let paid = payments::store::bill(&app.db.db, &bill.reference).await.unwrap().unwrap();
    let (_, issued) = payments::receipt::issue(&app.db.db, &app.keyring, &paid, &Actor::system("test")).await.unwrap();
    let answer: Value = TestApp::client()
        .post(app.url("/api/v1/verify"))
        .json(&serde_json::json!({ "qr": issued.qr_text }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["verdict"], "valid", "{answer}");
    let pending = bill_for(&app.db.db, CITIZEN, 15_000, 2).await;
    assert!(payments::receipt::issue(&app.db.db, &app.keyring, &pending, &Actor::system("test")).await.is_err());
}

#[tokio::test]
async fn a_finance_officer_reconciles_the_statement_with_their_agencys_payments() {
    use identity::model::RoleAssignment;
    let app = TestApp::spawn().await;
    let matched = bill_for(&app.db.db, CITIZEN, 10_000, 1).await;
    let mismatched = bill_for(&app.db.db, CITIZEN, 20_000, 2).await;
    let unmatched = bill_for(&app.db.db, CITIZEN, 30_000, 3).await;
    deliver(&app.base, &webhook(&matched.reference, 10_000, "FT1001"), now(), DEMO_SECRET).await;
    deliver(&app.base, &webhook(&mismatched.reference, 2_000, "FT1002"), now(), DEMO_SECRET).await;
    let line = |bill: &Bill, amount: i64, id: &str| payments::sandbox::store::Transfer {
        reference: id.into(),
        bin: "970403".into(),
        account: "0011002345678".into(),
        amount,
        bill: bill.reference.to_string(),
        purpose: "le phi".into(),
        paid_at: now(),
    };
    let statement = payments::sandbox::statement_csv(&[
        line(&matched, 10_000, "FT1001"),
        line(&mismatched, 2_000, "FT1002"),
        line(&unmatched, 30_000, "FT1003"),
    ]);

    let agency: kernel::AgencyCode = "UBND.00070".parse().unwrap();
    let role = |agency: &kernel::AgencyCode| RoleAssignment {
        role: identity::Role::FinanceOfficer,
        agency: Some(agency.clone()),
        territory: crate::helpers::unit("00070"),
    };
    for (code, unit) in [("UBND.00070", "00070"), ("UBND.00004", "00004")] {
        let agency = identity::officials::Agency {
            code: code.parse().unwrap(),
            name: format!("Ủy ban nhân dân {unit}"),
            territory: crate::helpers::unit(unit),
        };
        identity::officials::service::ensure_agency(&app.db.db, &agency, Actor::system("test")).await.unwrap();
    }
    app.account_with_token("ketoan.xa", AccountKind::Official, vec![role(&agency)]).await;
    app.account_with_token("ketoan.khac", AccountKind::Official, vec![role(&"UBND.00004".parse().unwrap())]).await;
    let mut browser = app.browser();
    browser.sign_in("ketoan.xa", PASSWORD).await;
    browser.enrol_totp().await;
    let csrf = browser.csrf_of("/finance/reconciliation").await;
    let fields = [("csrf", csrf.as_str()), ("provider", "sandbox"), ("statement", statement.as_str())];
    let page = browser.post_form("/finance/reconciliation", &fields).await.text().await.unwrap();
    assert!(page.contains("Khớp: 1 · Lệch: 1 · Không tìm thấy: 1"), "{page}");
    let mut export = fields.to_vec();
    export.push(("export", "csv"));
    let csv = browser.post_form("/finance/reconciliation", &export).await.text().await.unwrap();
    assert!(csv.contains("FT1001,") && csv.contains(",matched,applied,10000"), "{csv}");
    assert!(csv.contains(",mismatched,held,2000") && csv.contains("FT1003,") && csv.contains(",unmatched,,"), "{csv}");

    // Another agency's finance officer sees none of these lines; a citizen may not reconcile at all.
    let mut other = app.browser();
    other.sign_in("ketoan.khac", PASSWORD).await;
    other.enrol_totp().await;
    let csrf = other.csrf_of("/finance/reconciliation").await;
    let fields = [("csrf", csrf.as_str()), ("provider", "sandbox"), ("statement", statement.as_str())];
    let page = other.post_form("/finance/reconciliation", &fields).await.text().await.unwrap();
    assert!(page.contains("Khớp: 0 · Lệch: 0 · Không tìm thấy: 0") && !page.contains("<td>FT1001</td>"), "{page}");
    citizen(&app, "congdan", CITIZEN).await;
    let mut citizen_browser = app.browser();
    citizen_browser.sign_in("congdan", PASSWORD).await;
    assert_eq!(citizen_browser.get("/finance/reconciliation").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_sandbox_bank_reads_an_uploaded_image_of_the_vietqr() {
    let app = TestApp::spawn().await;
    let bill = bill_for(&app.db.db, CITIZEN, 20_000, 1).await;
    let payload = payments::service::vietqr(&payments::PaymentsConfig::demo(), &bill).encode();
    let png = trust::qr::render_png(&payload, 4).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (_bank, base) = sandbox(dir.path(), app.url("/api/v1/payments/callbacks/sandbox")).await;
    let boundary = "congso-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"payload\"\r\n\r\n\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"image\"; filename=\"qr.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&png);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let confirm = TestApp::client()
        .post(format!("{base}/parse"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(confirm.contains(bill.reference.as_str()) && confirm.contains("value=\"20000\""), "{confirm}");
}
