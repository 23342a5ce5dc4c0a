//! Temporary residence: a dossier settled by the police of the commune where the applicant will stay, what the
//! Law on Residence bars refused at the household's field, and the approval recording the host household and the
//! term's last day in the applicant's record.

use identity::Role;
use payments::config::DEMO_SECRET;
use reqwest::StatusCode;
use serde_json::json;

use super::fees::{fee_bill, household_elsewhere, own_household};
use super::{Api, citizen, citizen_token, official};
use crate::helpers::{TestApp, unit};
use crate::payments::{deliver, now, webhook};

#[tokio::test]
async fn a_temporary_residence_is_settled_where_the_applicant_stays_and_recorded_with_its_term() {
    let app = TestApp::spawn().await;
    let (pid, home) = citizen(&app, 2).await;
    let token = citizen_token(&app).await;
    let api = Api { app: &app };
    let own = own_household(&app, &pid).await;
    // Another household at the same dwelling: in the applicant's own commune.
    let neighbour = format!("{home}9999999");
    store::sqlx::query(
        "INSERT INTO households (code, address_id, created_at) SELECT $1, address_id, 0 FROM households WHERE code = $2",
    )
    .bind(&neighbour)
    .bind(&own)
    .execute(app.db.db.pool())
    .await
    .unwrap();
    let (host, commune) = household_elsewhere(&app).await;
    let (_, dossier) = api.post(&token, "/api/v1/dossiers", json!({ "procedure": "tam-tru" })).await;
    let code = dossier["code"].as_str().unwrap().to_owned();
    let mut form = dossier["form"].clone();
    form["months"] = json!("12");
    for (household, why) in [
        (own.as_str(), "hộ nơi công dân đăng ký thường trú"),
        (neighbour.as_str(), "ngoài xã, phường nơi đã đăng ký thường trú"),
        ("999999999999", "Không có hộ mã 999999999999"),
    ] {
        form["household"] = json!(household);
        let (status, body) =
            api.post(&token, &format!("/api/v1/dossiers/{code}/submit"), json!({ "form": form })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{household}: {body}");
        let message = body["error"]["fields"]["household"].as_str().unwrap_or_default();
        assert!(message.contains(why), "{household}: {body}");
    }
    let (_, view) = api.get(&token, &format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(view["dossier"]["status"], "draft", "nothing was written: {view}");
    // The neighbour was made behind the registry's back, without its ledger entry: gone before the ledger check.
    store::sqlx::query("DELETE FROM households WHERE code = $1")
        .bind(&neighbour)
        .execute(app.db.db.pool())
        .await
        .unwrap();

    form["household"] = json!(host);
    let (status, body) = api.post(&token, &format!("/api/v1/dossiers/{code}/submit"), json!({ "form": form })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["office"].as_str(), body["commune"].as_str()), (Some(&*format!("CA.{commune}")), Some(&*commune)));
    let reference = fee_bill(&api, &token).await;
    let r = deliver(&app.base, &webhook(&reference, 15000, "FT26120200001"), now(), DEMO_SECRET).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());

    // The police where the applicant lives do not see it; those where they will stay settle it.
    let home_police = official(&app, "tiepnhan-nha", Role::OneStopReceiver, &format!("CA.{home}"), unit(&home)).await;
    assert_eq!(api.get(&home_police, "/api/v1/tasks").await.1, json!([]));
    let police = format!("CA.{commune}");
    let receiver = official(&app, "tiepnhan", Role::OneStopReceiver, &police, unit(&commune)).await;
    let specialist = official(&app, "canbo", Role::Specialist, &police, unit(&commune)).await;
    let approver = official(&app, "truongca", Role::Approver, &police, unit(&commune)).await;
    assert_eq!(api.act(&receiver, &code, "accept", None).await.0, StatusCode::OK);
    assert_eq!(api.act(&specialist, &code, "forward", None).await.0, StatusCode::OK);
    let (status, body) = api.act(&approver, &code, "approve", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)).date();
    let until = registry::residence::term_end(today, 12).unwrap().to_string();
    let record = registry::service::citizen(&app.db.db, &pid.parse().unwrap()).await.unwrap();
    assert_eq!(record.temporary_household.as_deref(), Some(host.as_str()));
    assert_eq!(record.temporary_until.as_deref(), Some(until.as_str()));
    assert_eq!(record.household.as_deref(), Some(own.as_str()), "the permanent residence stays");
    let history = registry::service::history(&app.db.db, &pid.parse().unwrap()).await.unwrap();
    assert!(history.len() >= 2, "the record before is kept");
    let verdict = super::verdict_on_result(&app, &code).await;
    assert_eq!(verdict["verdict"], "valid", "{verdict}");
    assert!(verdict.to_string().contains(&until), "the signed result names the term's last day: {verdict}");
    let (ok, out) = crate::helpers::ledger_verify(&app, None);
    assert!(ok, "{out}");
}

#[tokio::test]
async fn at_the_counter_a_temporary_residence_is_received_where_the_host_household_lives() {
    let app = TestApp::spawn().await;
    let (pid, home) = citizen(&app, 2).await;
    let api = Api { app: &app };
    let (host, commune) = household_elsewhere(&app).await;
    let open = json!({ "procedure": "tam-tru", "applicant": pid });

    // The counter of the commune the applicant lives in opens it, but cannot receive a stay in another commune.
    let home_counter = official(&app, "tiepnhan-nha", Role::OneStopReceiver, &format!("CA.{home}"), unit(&home)).await;
    let (status, dossier) = api.post(&home_counter, "/api/v1/dossiers", open.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{dossier}");
    let code = dossier["code"].as_str().unwrap().to_owned();
    let mut form = dossier["form"].clone();
    form["months"] = json!("6");
    form["household"] = json!(host);
    let submit = json!({ "form": form });
    let (status, body) = api.post(&home_counter, &format!("/api/v1/dossiers/{code}/submit"), submit.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["error"]["fields"]["household"].as_str().unwrap_or_default();
    assert!(message.contains(&format!("CA.{commune}")), "{body}");
    let (status, agency): (String, String) =
        store::sqlx::query_as("SELECT status, agency FROM dossiers WHERE code = $1")
            .bind(&code)
            .fetch_one(app.db.db.pool())
            .await
            .unwrap();
    assert_eq!((status.as_str(), agency), ("draft", format!("CA.{home}")), "nothing was written");

    // The counter where the host household lives receives it, and it is in that counter's queue.
    let police = format!("CA.{commune}");
    let counter = official(&app, "tiepnhan", Role::OneStopReceiver, &police, unit(&commune)).await;
    let (status, dossier) = api.post(&counter, "/api/v1/dossiers", open).await;
    assert_eq!(status, StatusCode::CREATED, "{dossier}");
    assert_eq!(dossier["agency"], police.as_str(), "{dossier}");
    let code = dossier["code"].as_str().unwrap().to_owned();
    let (status, body) = api.post(&counter, &format!("/api/v1/dossiers/{code}/submit"), submit).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["commune"], commune.as_str());
    let reference = fee_bill(&api, &citizen_token(&app).await).await;
    let r = deliver(&app.base, &webhook(&reference, 15000, "FT26120200002"), now(), DEMO_SECRET).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let (_, tasks) = api.get(&counter, "/api/v1/tasks").await;
    assert_eq!(tasks[0]["dossier"]["code"], code.as_str(), "{tasks}");
}
