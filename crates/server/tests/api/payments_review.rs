//! Payments held for a finance official (a wrong amount, a bill paid twice): accepted as paying the bill or
//! returned to the payer, once, by an official of the bill's agency, with the reason in the ledger; and the
//! navigation that shows each person only the links they can use.

use identity::AccountKind;
use identity::model::RoleAssignment;
use payments::config::DEMO_SECRET;
use payments::model::BillStatus;
use reqwest::StatusCode;
use trust::ledger::Actor;

use crate::helpers::{Browser, PASSWORD, TestApp, location};
use crate::payments::{CITIZEN, bill_for, citizen, deliver, now, status_of, webhook};

/// Posts a decision on held payment `id` as the finance page's form does.
async fn decide(officer: &mut Browser, csrf: &str, id: &str, decision: &str, note: &str) -> reqwest::Response {
    let fields = [("csrf", csrf), ("decision", decision), ("note", note)];
    officer.post_form(&format!("/finance/held/{id}"), &fields).await
}

/// The id of every held payment on the finance page, in its order.
fn held_ids(page: &str) -> Vec<String> {
    page.split("id=\"held-").skip(1).map(|rest| rest.split('"').next().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_finance_officer_accepts_or_returns_a_held_payment_once_with_the_reason_recorded() {
    let app = TestApp::spawn().await;
    let short = bill_for(&app.db.db, CITIZEN, 50_000, 1).await;
    let twice = bill_for(&app.db.db, CITIZEN, 20_000, 2).await;
    for (bill, amount, transaction) in
        [(&short, 45_000, "FT3001"), (&twice, 20_000, "FT3002"), (&twice, 20_000, "FT3003")]
    {
        let r = deliver(&app.base, &webhook(&bill.reference, amount, transaction), now(), DEMO_SECRET).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    assert_eq!(status_of(&app.db.db, &short).await, BillStatus::Pending);

    for (code, unit) in [("UBND.00070", "00070"), ("UBND.00004", "00004")] {
        let agency = identity::officials::Agency {
            code: code.parse().unwrap(),
            name: format!("Ủy ban nhân dân {unit}"),
            territory: crate::helpers::unit(unit),
        };
        identity::officials::service::ensure_agency(&app.db.db, &agency, Actor::system("test")).await.unwrap();
        let role = RoleAssignment {
            role: identity::Role::FinanceOfficer,
            agency: Some(code.parse().unwrap()),
            territory: crate::helpers::unit(unit),
        };
        app.account_with_token(&format!("ketoan.{unit}"), AccountKind::Official, vec![role]).await;
    }
    let mut officer = app.browser();
    officer.sign_in("ketoan.00070", PASSWORD).await;
    officer.enrol_totp().await;
    let page = officer.get("/finance/held").await.text().await.unwrap();
    assert!(page.contains("href=\"/finance/held\""), "a finance officer's navigation leads here");
    assert!(!page.contains("href=\"/office/dossiers\"") && !page.contains("href=\"/me/payments\""));
    let ids = held_ids(&page);
    assert_eq!(ids.len(), 2, "the short payment and the second one for a paid bill: {page}");
    let (short_id, second_id) = (ids[0].clone(), ids[1].clone());

    let csrf = officer.csrf_of("/finance/held").await;
    // A decision needs its reason; a paid bill cannot be paid again, only its second transfer returned.
    let r = decide(&mut officer, &csrf, &short_id, "accept", " ").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = decide(&mut officer, &csrf, &second_id, "accept", "Nộp trùng").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = decide(&mut officer, &csrf, &short_id, "accept", "Miễn phần chênh lệch theo quyết định 12/QĐ").await;
    assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, "/finance/held"));
    assert_eq!(status_of(&app.db.db, &short).await, BillStatus::Paid);
    assert_eq!(payments::store::applied_count(&app.db.db, &short.reference).await.unwrap(), 1);
    let r = decide(&mut officer, &csrf, &second_id, "return", "Nộp trùng, hoàn trả").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(payments::store::applied_count(&app.db.db, &twice.reference).await.unwrap(), 1);
    // Decided is decided: the same decision again finds nothing to decide.
    let r = decide(&mut officer, &csrf, &short_id, "accept", "Lần nữa").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(held_ids(&officer.get("/finance/held").await.text().await.unwrap()).is_empty());

    let reasons: Vec<String> = store::sqlx::query_scalar(
        "SELECT body FROM ledger_entries WHERE body LIKE '%payment_accepted%' OR body LIKE '%payment_returned%'",
    )
    .fetch_all(app.db.db.pool())
    .await
    .unwrap();
    let joined = reasons.join("\n");
    assert!(joined.contains("quyết định 12/QĐ") && joined.contains("hoàn trả"), "{joined}");

    // Another agency's finance officer, and a citizen, decide nothing here.
    let mut other = app.browser();
    other.sign_in("ketoan.00004", PASSWORD).await;
    other.enrol_totp().await;
    let csrf = other.csrf_of("/finance/held").await;
    let fields = [("csrf", csrf.as_str()), ("decision", "return"), ("note", "x")];
    assert_eq!(other.post_form(&format!("/finance/held/{second_id}"), &fields).await.status(), StatusCode::NOT_FOUND);
    citizen(&app, "congdan", CITIZEN).await;
    let mut person = app.browser();
    person.sign_in("congdan", PASSWORD).await;
    let home = person.get("/me").await.text().await.unwrap();
    assert!(home.contains("href=\"/me/payments\"") && !home.contains("href=\"/finance/held\""));
    assert_eq!(person.get("/finance/held").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_paid_bill_gets_its_e_receipt_by_itself_in_the_payers_documents_and_inbox() {
    let app = TestApp::spawn().await;
    citizen(&app, "congdan", CITIZEN).await;
    let bill = bill_for(&app.db.db, CITIZEN, 30_000, 1).await;
    let body = webhook(&bill.reference, 30_000, "FT4001");
    assert_eq!(deliver(&app.base, &body, now(), DEMO_SECRET).await.status(), StatusCode::OK);
    assert_eq!(deliver(&app.base, &body, now(), DEMO_SECRET).await.status(), StatusCode::OK, "delivered twice");
    let told = crate::helpers::notifications_to(&app, "congdan", "Biên lai điện tử%").await;
    assert_eq!(told, 1, "one payment, one receipt, whatever the deliveries");
    let receipts: Vec<String> =
        store::sqlx::query_scalar("SELECT qr_text FROM credentials WHERE kind = $1 AND personal_id = $2")
            .bind(payments::receipt::RECEIPT)
            .bind(CITIZEN)
            .fetch_all(app.db.db.pool())
            .await
            .unwrap();
    assert_eq!(receipts.len(), 1);
    let r =
        TestApp::client().post(app.url("/api/v1/verify")).json(&serde_json::json!({ "qr": receipts[0] })).send().await;
    let verdict: serde_json::Value = r.unwrap().json().await.unwrap();
    assert_eq!(verdict["verdict"], "valid", "{verdict}");
    let mut person = app.browser();
    person.sign_in("congdan", PASSWORD).await;
    let documents = person.get("/me/documents").await.text().await.unwrap();
    assert!(documents.contains("Biên lai điện tử"), "{documents}");
}
