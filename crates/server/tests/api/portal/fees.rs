//! A procedure's fee: asked for at submission, paid through a bank's signed callback that moves the dossier to
//! the counter by itself, or left unpaid until the bill lapses and the dossier returns to the applicant's drafts.

use identity::Role;
use payments::config::DEMO_SECRET;
use payments::model::BillRef;
use reqwest::StatusCode;
use serde_json::json;

use super::{Api, citizen, citizen_token, official};
use crate::helpers::TestApp;
use crate::payments::{deliver, now, webhook};

/// A household living in another commune than `dan`'s, where `dan` may register a temporary residence:
/// `(household, its commune)`.
pub async fn household_elsewhere(app: &TestApp) -> (String, String) {
    store::sqlx::query_as(
        "SELECT h.code, a.commune_code FROM households h JOIN addresses a ON a.id = h.address_id \
         WHERE a.commune_code <> (SELECT c.commune_code FROM citizens c JOIN accounts ac ON ac.personal_id = c.personal_id \
         WHERE ac.username = 'dan') ORDER BY h.code LIMIT 1",
    )
    .fetch_one(app.db.db.pool())
    .await
    .unwrap()
}

/// The code of the household the citizen `pid` belongs to.
pub async fn own_household(app: &TestApp, pid: &str) -> String {
    store::sqlx::query_scalar(
        "SELECT h.code FROM citizens c JOIN households h ON h.id = c.household_id WHERE c.personal_id = $1",
    )
    .bind(pid)
    .fetch_one(app.db.db.pool())
    .await
    .unwrap()
}

/// Opens and submits a temporary-residence registration in [`household_elsewhere`], whose fee is 15,000 đồng:
/// the dossier's code and the commune whose police settle it.
pub async fn file_temporary_residence(api: &Api<'_>, token: &str) -> (String, String) {
    let (household, commune) = household_elsewhere(api.app).await;
    let (_, dossier) = api.post(token, "/api/v1/dossiers", json!({ "procedure": "tam-tru" })).await;
    let code = dossier["code"].as_str().unwrap().to_owned();
    let mut form = dossier["form"].clone();
    form["household"] = json!(household);
    form["months"] = json!("12");
    let (status, submitted) =
        api.post(token, &format!("/api/v1/dossiers/{code}/submit"), json!({ "form": form })).await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    assert_eq!(submitted["status"], "awaiting_payment");
    assert_eq!(submitted["office"], format!("CA.{commune}"), "settled where the applicant will stay");
    (code, commune)
}

/// The reference of the fee's bill among the citizen's payments due.
pub async fn fee_bill(api: &Api<'_>, token: &str) -> BillRef {
    let (_, bills) = api.get(token, "/api/v1/payments/bills").await;
    let bill = bills.as_array().unwrap().iter().find(|b| b["amount"] == 15000 && b["status"] == "pending");
    bill.expect("the fee's bill")["reference"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_fee_is_asked_for_at_submission_and_its_payment_moves_the_dossier_on() {
    let app = TestApp::spawn().await;
    citizen(&app, 2).await;
    let token = citizen_token(&app).await;
    let api = Api { app: &app };
    let (code, commune) = file_temporary_residence(&api, &token).await;
    let receiver =
        official(&app, "tiepnhan", Role::OneStopReceiver, &format!("CA.{commune}"), crate::helpers::unit(&commune))
            .await;
    assert_eq!(api.get(&receiver, "/api/v1/tasks").await.1, json!([]), "not at the counter until paid");

    // The bill is among the citizen's payments due; the bank's signed callback pays it.
    let reference = fee_bill(&api, &token).await;
    let r = deliver(&app.base, &webhook(&reference, 15000, "FT26120100001"), now(), DEMO_SECRET).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let (_, view) = api.get(&token, &format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(view["dossier"]["status"], "submitted", "{view}");
    let (_, tasks) = api.get(&receiver, "/api/v1/tasks").await;
    assert_eq!(tasks[0]["dossier"]["code"], code.as_str());
    let (ok, out) = crate::helpers::ledger_verify(&app, None);
    assert!(ok, "{out}");
}

#[tokio::test]
async fn a_fee_left_unpaid_sends_the_dossier_back_to_drafts_and_a_late_transfer_is_held() {
    let app = TestApp::spawn().await;
    citizen(&app, 2).await;
    let token = citizen_token(&app).await;
    let api = Api { app: &app };
    let (code, _) = file_temporary_residence(&api, &token).await;
    let reference = fee_bill(&api, &token).await;
    let listeners = congso::app::payments().listeners;
    let today = time::OffsetDateTime::now_utc().date();
    assert_eq!(payments::expiry::expire_overdue(&app.db.db, &listeners, today).await.unwrap(), 0, "not due yet");
    let later = today + time::Duration::days(30);
    assert_eq!(payments::expiry::expire_overdue(&app.db.db, &listeners, later).await.unwrap(), 1);
    assert_eq!(payments::expiry::expire_overdue(&app.db.db, &listeners, later).await.unwrap(), 0, "once");
    let (_, view) = api.get(&token, &format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(view["dossier"]["status"], "draft", "{view}");
    let bill = payments::store::bill(&app.db.db, &reference).await.unwrap().unwrap();
    assert_eq!(bill.status, payments::model::BillStatus::Expired);

    // A transfer after the lapse pays nothing: it is held for a finance official.
    let r = deliver(&app.base, &webhook(&reference, 15000, "FT26120100002"), now(), DEMO_SECRET).await;
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["outcome"], "held");
    let (_, view) = api.get(&token, &format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(view["dossier"]["status"], "draft");
    // Submitted again, the dossier gets a new bill.
    let (status, again) =
        api.post(&token, &format!("/api/v1/dossiers/{code}/submit"), json!({ "form": view["dossier"]["form"] })).await;
    assert_eq!((status, again["status"].as_str()), (StatusCode::OK, Some("awaiting_payment")), "{again}");
    assert!(fee_bill(&api, &token).await != reference, "a new bill");
    let (ok, out) = crate::helpers::ledger_verify(&app, None);
    assert!(ok, "{out}");
}
