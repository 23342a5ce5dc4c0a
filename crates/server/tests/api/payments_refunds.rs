//! Refunds of paid bills (hoàn tiền): a finance officer of the bill's agency refunds it through the sandbox bank
//! over HTTP, once however often it is asked and by however many officers at once; the bill, its history, the
//! ledger, the payer's inbox and the revoked e-receipt; refusals of bills not paid or of another agency.

use std::time::Duration;

use identity::AccountKind;
use identity::model::RoleAssignment;
use payments::config::DEMO_SECRET;
use payments::model::{Bill, BillStatus};
use payments::provider::{HmacWebhook, Provider, RefundRequest};
use payments::sandbox::{Sandbox, SandboxConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trust::ledger::Actor;

use crate::helpers::{PASSWORD, TestApp, location};
use crate::payments::{CITIZEN, bill_for, citizen, status_of};

/// congso and a sandbox bank, each knowing the other's address: congso asks refunds at the sandbox, the sandbox
/// calls congso back.
pub struct Bank {
    pub app: TestApp,
    pub sandbox: Sandbox,
    pub config: payments::PaymentsConfig,
    _dir: tempfile::TempDir,
}

pub async fn with_bank() -> Bank {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut config = payments::PaymentsConfig::demo();
    config.providers[0].refund_url = Some(format!("{base}/refunds"));
    let app = TestApp::spawn_paying(config.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let sandbox_config = SandboxConfig {
        callback_url: app.url("/api/v1/payments/callbacks/sandbox"),
        secret: DEMO_SECRET.into(),
        first_retry: Duration::from_millis(50),
        max_retry: Duration::from_millis(400),
    };
    let sandbox = Sandbox::open(&dir.path().join("sandbox.db"), sandbox_config).await.unwrap();
    tokio::spawn(payments::sandbox::serve(listener, sandbox.clone(), std::future::pending()));
    for (code, unit) in [("UBND.00070", "00070"), ("UBND.00004", "00004")] {
        let agency = identity::officials::Agency {
            code: code.parse().unwrap(),
            name: format!("Ủy ban nhân dân {unit}"),
            territory: crate::helpers::unit(unit),
        };
        identity::officials::service::ensure_agency(&app.db.db, &agency, Actor::system("test")).await.unwrap();
    }
    Bank { app, sandbox, config, _dir: dir }
}

/// A finance officer of `agency` (in commune `unit`), and their API token.
pub async fn finance_officer(app: &TestApp, username: &str, agency: &str, unit: &str) -> String {
    let role = RoleAssignment {
        role: identity::Role::FinanceOfficer,
        agency: Some(agency.parse().unwrap()),
        territory: crate::helpers::unit(unit),
    };
    app.account_with_token(username, AccountKind::Official, vec![role]).await.1
}

/// A bill paid by a transfer through the sandbox bank; the bank's transaction id.
pub async fn paid_through_the_bank(bank: &Bank, amount: i64, seq: u32) -> (Bill, String) {
    let bill = bill_for(&bank.app.db.db, CITIZEN, amount, seq).await;
    let qr = payments::service::vietqr(&bank.config, &bill);
    let transfer = bank.sandbox.pay(&qr, amount).await.unwrap();
    for _ in 0..200 {
        if status_of(&bank.app.db.db, &bill).await == BillStatus::Paid {
            return (bill, transfer.reference);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("bill {} was not paid", bill.reference);
}

async fn refund(app: &TestApp, token: &str, bill: &Bill, reason: &str) -> reqwest::Response {
    TestApp::client()
        .post(app.url(&format!("/api/v1/payments/bills/{}/refund", bill.reference)))
        .bearer_auth(token)
        .json(&json!({ "reason": reason }))
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str, key: &str) -> i64 {
    store::sqlx::query_scalar(sql).bind(key).fetch_one(app.db.db.pool()).await.unwrap()
}

async fn ledger_entries(app: &TestApp, bill: &Bill, change: &str) -> i64 {
    let sql = format!(
        "SELECT COUNT(*) FROM ledger_entries WHERE record_kind = 'bill' AND record_key = $1 AND body LIKE '%{change}%'"
    );
    count(app, &sql, bill.reference.as_str()).await
}

/// The e-receipts issued for the bill's payer, once the job has issued the first.
async fn receipts(app: &TestApp) -> Vec<(String, String, Option<i64>)> {
    for _ in 0..200 {
        let rows: Vec<(String, String, Option<i64>)> = store::sqlx::query_as(
            "SELECT id, qr_text, revoked_at FROM credentials WHERE kind = $1 AND personal_id = $2 ORDER BY id",
        )
        .bind(payments::receipt::RECEIPT)
        .bind(CITIZEN)
        .fetch_all(app.db.db.pool())
        .await
        .unwrap();
        if !rows.is_empty() {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no e-receipt was issued");
}

async fn verdict(app: &TestApp, qr: &str) -> Value {
    let r = TestApp::client().post(app.url("/api/v1/verify")).json(&json!({ "qr": qr })).send().await.unwrap();
    r.json::<Value>().await.unwrap()["verdict"].clone()
}

#[tokio::test]
async fn a_finance_officer_refunds_a_paid_bill_once_through_the_bank_even_when_asked_again() {
    let bank = with_bank().await;
    let app = &bank.app;
    citizen(app, "congdan", CITIZEN).await;
    let (bill, transfer) = paid_through_the_bank(&bank, 30_000, 1).await;
    let receipt = receipts(app).await;
    assert_eq!(verdict(app, &receipt[0].1).await, "valid");
    let officer = finance_officer(app, "ketoan.00070", "UBND.00070", "00070").await;

    // congso asked the bank once already and died before recording it: the bank made the refund.
    let sandbox = HmacWebhook::new(bank.config.providers[0].clone());
    let request = RefundRequest {
        refund_reference: payments::refund::refund_reference(&bill.reference),
        transaction_reference: transfer.clone(),
        amount: 30_000,
        reason: "Thu nhầm lệ phí".into(),
    };
    let first = sandbox.refund(&request).await.unwrap();
    assert_eq!(sandbox.refund(&request).await.unwrap(), first, "asked again, the bank answers the same refund");
    assert_eq!(status_of(&app.db.db, &bill).await, BillStatus::Paid, "nothing recorded yet");

    // The officer refunds: the bank finds the refund it made and makes no other; congso records it.
    let r = refund(app, &officer, &bill, "Thu nhầm lệ phí, hồ sơ được miễn phí theo quy định").await;
    assert_eq!(r.status(), StatusCode::OK);
    let made: Value = r.json().await.unwrap();
    assert_eq!(made["bank_refund_id"], first.refund_id.as_str(), "{made}");
    assert_eq!(made["amount"], 30_000);
    let refunds = payments::sandbox::store::refunds_of(&bank.sandbox.db, &transfer).await.unwrap();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(status_of(&app.db.db, &bill).await, BillStatus::Refunded);
    let history = payments::service::history(&app.db.db, &bill.reference).await.unwrap();
    let states: Vec<BillStatus> = history.iter().map(|h| h.0).collect();
    assert_eq!(states, [BillStatus::Pending, BillStatus::Paid, BillStatus::Refunded]);
    assert!(history[2].1 == "ketoan.00070" && history[2].2.contains("miễn phí"), "{history:?}");
    assert_eq!(ledger_entries(app, &bill, "bill_refunded").await, 1);

    // Asked once more, it is refused and nothing is made twice.
    let r = refund(app, &officer, &bill, "Lần nữa").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(payments::sandbox::store::refunds_of(&bank.sandbox.db, &transfer).await.unwrap().len(), 1);
    assert_eq!(ledger_entries(app, &bill, "bill_refunded").await, 1);

    // The e-receipt is revoked, and the payer told.
    let receipt = receipts(app).await;
    assert!(receipt.iter().all(|r| r.2.is_some()), "{receipt:?}");
    assert_eq!(verdict(app, &receipt[0].1).await, "revoked");
    assert_eq!(crate::helpers::notifications_to(app, "congdan", "Đã hoàn tiền%").await, 1);
    // The payer's page offers no receipt of a refunded bill.
    let mut person = app.browser();
    person.sign_in("congdan", PASSWORD).await;
    let page = person.get(&format!("/thanh-toan/{}", bill.reference)).await.text().await.unwrap();
    assert!(page.contains("Đã hoàn tiền") && !page.contains("bien-lai"), "{page}");
}

#[tokio::test]
async fn two_officers_refunding_at_once_make_one_refund_and_the_other_is_told() {
    let bank = with_bank().await;
    let app = &bank.app;
    let (bill, transfer) = paid_through_the_bank(&bank, 45_000, 1).await;
    let one = finance_officer(app, "ketoan.mot", "UBND.00070", "00070").await;
    let two = finance_officer(app, "ketoan.hai", "UBND.00070", "00070").await;
    let mut asks = tokio::task::JoinSet::new();
    for round in 0..3 {
        for token in [one.clone(), two.clone()] {
            let (base, reference) = (app.base.clone(), bill.reference.to_string());
            asks.spawn(async move {
                let r = TestApp::client()
                    .post(format!("{base}/api/v1/payments/bills/{reference}/refund"))
                    .bearer_auth(token)
                    .json(&json!({ "reason": format!("Hoàn trả lần {round}") }))
                    .send()
                    .await
                    .unwrap();
                r.status()
            });
        }
    }
    let mut statuses = Vec::new();
    while let Some(status) = asks.join_next().await {
        statuses.push(status.unwrap());
    }
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let told = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!((won, told), (1, statuses.len() - 1), "{statuses:?}");
    assert_eq!(payments::sandbox::store::refunds_of(&bank.sandbox.db, &transfer).await.unwrap().len(), 1);
    assert_eq!(status_of(&app.db.db, &bill).await, BillStatus::Refunded);
    let history = payments::service::history(&app.db.db, &bill.reference).await.unwrap();
    assert_eq!(history.iter().filter(|h| h.0 == BillStatus::Refunded).count(), 1);
    assert_eq!(ledger_entries(app, &bill, "bill_refunded").await, 1);
    let rows = count(
        app,
        "SELECT COUNT(*) FROM bill_refunds r JOIN bills b ON b.id = r.bill_id WHERE b.reference = $1",
        bill.reference.as_str(),
    )
    .await;
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn a_bill_not_paid_or_of_another_agency_is_not_refunded() {
    let bank = with_bank().await;
    let app = &bank.app;
    let pending = bill_for(&app.db.db, CITIZEN, 10_000, 1).await;
    let (paid, transfer) = paid_through_the_bank(&bank, 20_000, 2).await;
    let officer = finance_officer(app, "ketoan.00070", "UBND.00070", "00070").await;
    let elsewhere = finance_officer(app, "ketoan.00004", "UBND.00004", "00004").await;
    let person = citizen(app, "congdan", CITIZEN).await;

    let r = refund(app, &officer, &pending, "Thu nhầm").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(status_of(&app.db.db, &pending).await, BillStatus::Pending);
    // Another agency's officer learns nothing of either bill, paid or not; a citizen is no finance officer.
    for bill in [&pending, &paid] {
        assert_eq!(refund(app, &elsewhere, bill, "Thu nhầm").await.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(refund(app, &person, &paid, "Thu nhầm").await.status(), StatusCode::FORBIDDEN);
    let unknown = payments::model::BillRef::random();
    let r = TestApp::client()
        .post(app.url(&format!("/api/v1/payments/bills/{unknown}/refund")))
        .bearer_auth(&officer)
        .json(&json!({ "reason": "Thu nhầm" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A refund needs its reason.
    assert_eq!(refund(app, &officer, &paid, "  ").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(status_of(&app.db.db, &paid).await, BillStatus::Paid);
    assert!(payments::sandbox::store::refunds_of(&bank.sandbox.db, &transfer).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_refund_page_finds_a_paid_bill_and_refunds_it_with_its_form() {
    let bank = with_bank().await;
    let app = &bank.app;
    let (bill, transfer) = paid_through_the_bank(&bank, 25_000, 1).await;
    finance_officer(app, "ketoan.00070", "UBND.00070", "00070").await;
    finance_officer(app, "ketoan.00004", "UBND.00004", "00004").await;
    let mut officer = app.browser();
    officer.sign_in("ketoan.00070", PASSWORD).await;
    officer.enrol_totp().await;
    let held = officer.get("/finance/held").await.text().await.unwrap();
    assert!(held.contains("href=\"/finance/refunds\""), "the navigation leads to refunds");
    let page = officer.get(&format!("/finance/refunds?bill={}", bill.reference)).await.text().await.unwrap();
    assert!(page.contains("25.000 ₫") && page.contains(&format!("action=\"/finance/refunds/{}\"", bill.reference)));
    assert!(!page.contains(CITIZEN), "the page shows the bill, not the payer");
    let path = format!("/finance/refunds/{}", bill.reference);
    // Without the page's token, nothing happens.
    let r = officer.post_form(&path, &[("reason", "Thu nhầm")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let csrf = crate::helpers::form_token(&page);
    let r = officer.post_form(&path, &[("csrf", &csrf), ("reason", "Thu nhầm, hoàn trả")]).await;
    assert_eq!(
        (r.status(), location(&r)),
        (StatusCode::SEE_OTHER, format!("/finance/refunds?done={}", bill.reference).as_str())
    );
    let page = officer.get(location(&r)).await.text().await.unwrap();
    assert!(
        page.contains(&format!("id=\"refund-{}\"", bill.reference)) && page.contains("Thu nhầm, hoàn trả"),
        "{page}"
    );
    assert_eq!(payments::sandbox::store::refunds_of(&bank.sandbox.db, &transfer).await.unwrap().len(), 1);
    // Again from the same page: refused with the reason why, nothing more refunded.
    let r = officer.post_form(&path, &[("csrf", &csrf), ("reason", "Lần nữa")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("đã được hoàn tiền"));

    // Another agency's officer finds no such bill, and cannot refund it.
    let mut other = app.browser();
    other.sign_in("ketoan.00004", PASSWORD).await;
    other.enrol_totp().await;
    let page = other.get(&format!("/finance/refunds?bill={}", bill.reference)).await.text().await.unwrap();
    assert!(page.contains("Không có khoản thu này") && !page.contains("id=\"refund-"), "{page}");
    let csrf = crate::helpers::form_token(&page);
    assert_eq!(other.post_form(&path, &[("csrf", &csrf), ("reason", "x")]).await.status(), StatusCode::NOT_FOUND);
}
