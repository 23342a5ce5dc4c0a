//! Marriage registration: what the Law on Marriage and Family bars is refused at submission, at the partner's
//! field; the partner agrees from their own account before the commune sees it; the approval records each spouse
//! in the other's record, in the approving transaction.

use identity::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Api, citizen_such_that, citizen_token, official};
use crate::helpers::{TestApp, unit};

async fn one(app: &TestApp, sql: &str, pid: &str) -> String {
    store::sqlx::query_scalar(sql).bind(pid).fetch_one(app.db.db.pool()).await.unwrap()
}

#[tokio::test]
async fn a_marriage_is_recorded_in_both_records_and_what_the_law_bars_is_refused_at_the_partners_field() {
    let app = TestApp::spawn().await;
    let adult_single_man = "AND sex = 'male' AND spouse_pid IS NULL AND birth_date < '1995-01-01'";
    let (pid, commune) = citizen_such_that(&app, 2, adult_single_man).await;
    let bride = one(
        &app,
        "SELECT personal_id FROM citizens WHERE sex = 'female' AND status = 'living' AND spouse_pid IS NULL \
         AND birth_date < '2000-01-01' AND personal_id <> $1 \
         AND household_id <> (SELECT household_id FROM citizens WHERE personal_id = $1) ORDER BY personal_id LIMIT 1",
        &pid,
    )
    .await;
    let married =
        one(&app, "SELECT personal_id FROM citizens WHERE spouse_pid IS NOT NULL AND personal_id <> $1 LIMIT 1", &pid)
            .await;
    let man = one(
        &app,
        "SELECT personal_id FROM citizens WHERE sex = 'male' AND spouse_pid IS NULL AND birth_date < '2000-01-01' \
         AND personal_id <> $1 LIMIT 1",
        &pid,
    )
    .await;
    let ubnd = format!("UBND.{commune}");
    let officials = [
        official(&app, "tiepnhan", Role::OneStopReceiver, &ubnd, unit(&commune)).await,
        official(&app, "hotich", Role::Specialist, &ubnd, unit(&commune)).await,
        official(&app, "lanhdao", Role::Approver, &ubnd, unit(&commune)).await,
    ];
    let token = citizen_token(&app).await;
    let api = Api { app: &app };
    let (_, dossier) = api.post(&token, "/api/v1/dossiers", json!({ "procedure": "ket-hon" })).await;
    let code = dossier["code"].as_str().unwrap().to_owned();
    let mut form = dossier["form"].clone();
    form["partner_full_name"] = json!("Trần Thị Bình");
    for (partner, why) in [(&married, "đang có vợ hoặc chồng"), (&man, "cùng giới tính"), (&pid, "chính mình")]
    {
        form["partner_id"] = json!(partner);
        let (status, body) =
            api.post(&token, &format!("/api/v1/dossiers/{code}/submit"), json!({ "form": form })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{partner}: {body}");
        let message = body["error"]["fields"]["partner_id"].as_str().unwrap_or_default();
        assert!(message.contains(why), "{partner}: {body}");
    }
    form["partner_id"] = json!(bride);
    let submit_path = format!("/api/v1/dossiers/{code}/submit");
    let submit = || api.post(&token, &submit_path, json!({ "form": form }));
    let (status, body) = submit().await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("awaiting_consent")), "{body}");
    let [receiver, specialist, approver] = &officials;
    assert_eq!(api.get(receiver, "/api/v1/tasks").await.1, json!([]), "not at the counter before the bride agrees");

    // Only the bride, from her own account, answers; someone else finds no dossier.
    let stranger = super::account_of(&app, "nguoila", &man, 2).await;
    let consent = format!("/api/v1/dossiers/{code}/consent");
    assert_eq!(api.post(&stranger, &consent, json!({ "agree": true })).await.0, StatusCode::NOT_FOUND);
    assert_eq!(api.get(&stranger, &format!("/api/v1/dossiers/{code}")).await.0, StatusCode::NOT_FOUND);
    let her = super::account_of(&app, "codau", &bride, 2).await;
    let (_, asked) = api.get(&her, "/api/v1/dossiers/consents").await;
    assert_eq!(asked[0]["code"], code.as_str(), "{asked}");
    assert_eq!(api.get(&her, &format!("/api/v1/dossiers/{code}")).await.0, StatusCode::OK);
    // She declines: the groom's draft again; then agrees to his second submission.
    let (status, body) = api.post(&her, &consent, json!({ "agree": false })).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("draft")), "{body}");
    assert_eq!(api.get(&her, &format!("/api/v1/dossiers/{code}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(submit().await.1["status"], "awaiting_consent");
    let (status, body) = api.post(&her, &consent, json!({ "agree": true })).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("submitted")), "{body}");
    assert_eq!(api.post(&her, &consent, json!({ "agree": false })).await.0, StatusCode::NOT_FOUND, "answered once");
    assert_eq!(api.act(receiver, &code, "accept", None).await.0, StatusCode::OK);
    assert_eq!(api.act(specialist, &code, "forward", None).await.0, StatusCode::OK);
    let (status, body): (StatusCode, Value) = api.act(approver, &code, "approve", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let spouse_of = "SELECT COALESCE(spouse_pid, '') FROM citizens WHERE personal_id = $1";
    assert_eq!(one(&app, spouse_of, &pid).await, bride);
    assert_eq!(one(&app, spouse_of, &bride).await, pid);
    let versions: i64 = store::sqlx::query_scalar(
        "SELECT COUNT(*) FROM citizen_versions v JOIN citizens c ON c.id = v.citizen_id WHERE c.personal_id IN ($1, $2)",
    )
    .bind(&pid)
    .bind(&bride)
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    assert!(versions >= 2, "the records before the marriage are kept");
    let (ok, out) = crate::helpers::ledger_verify(&app, None);
    assert!(ok, "{out}");
}
