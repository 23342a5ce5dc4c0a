//! The portal's published figures: what was received, filed online, settled in time or late, overdue now, per
//! agency, procedure and province, counted from the dossiers themselves.

use identity::Role;
use reqwest::StatusCode;
use serde_json::Value;

use super::{Api, birth_form, citizen, citizen_token, file_birth, official};
use crate::helpers::TestApp;

async fn figures(app: &TestApp, query: &str) -> (StatusCode, Value) {
    let r = TestApp::client().get(app.url(&format!("/api/v1/dossier-statistics{query}"))).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn settled_dossiers_are_counted_on_time_or_late_by_agency_procedure_and_province() {
    let app = TestApp::spawn().await;
    let (_, commune) = citizen(&app, 2).await;
    let here = crate::helpers::unit(&commune);
    let ubnd = format!("UBND.{commune}");
    let receiver = official(&app, "tiepnhan", Role::OneStopReceiver, &ubnd, here).await;
    let specialist = official(&app, "chuyenvien", Role::Specialist, &ubnd, here).await;
    let approver = official(&app, "lanhdao", Role::Approver, &ubnd, here).await;
    let token = citizen_token(&app).await;
    let api = Api { app: &app };

    let in_time = file_birth(&api, &token, "khai-sinh", birth_form("Nguyễn Thị An")).await;
    let late = file_birth(&api, &token, "khai-sinh", birth_form("Nguyễn Văn Bảo")).await;
    for code in [&in_time, &late] {
        assert_eq!(api.act(&receiver, code, "accept", None).await.0, StatusCode::OK);
    }
    assert_eq!(api.act(&specialist, &in_time, "forward", None).await.0, StatusCode::OK);
    let (status, why) = api.act(&approver, &in_time, "approve", None).await;
    assert_eq!(status, StatusCode::OK, "{why}");
    // The other was due long ago: overdue while it is worked, late once it is settled.
    store::sqlx::query("UPDATE dossiers SET due_on = '2026-01-02' WHERE code = $1")
        .bind(&late)
        .execute(app.db.db.pool())
        .await
        .unwrap();
    let (_, now) = figures(&app, "").await;
    assert_eq!(now["total"]["received"], 2, "{now}");
    assert_eq!(now["total"]["overdue"], 1, "{now}");
    assert_eq!(now["total"]["settled"], 1, "{now}");
    assert_eq!(api.act(&specialist, &late, "reject", Some("Thiếu giấy tờ")).await.0, StatusCode::OK);

    let (status, after) = figures(&app, "").await;
    assert_eq!(status, StatusCode::OK);
    let total = &after["total"];
    assert_eq!((total["received"].as_u64(), total["online"].as_u64()), (Some(2), Some(2)), "{after}");
    assert_eq!(
        (total["settled"].as_u64(), total["on_time"].as_u64(), total["late"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(total["overdue"], 0);
    assert_eq!(after["agencies"][0]["code"], ubnd.as_str());
    assert!(after["agencies"][0]["name"]["vi"].as_str().unwrap().starts_with("UBND "), "{after}");
    assert_eq!(after["procedures"][0]["code"], "khai-sinh");
    assert_eq!(after["procedures"][0]["received"], 2);
    let province = commune.parse::<kernel::AdminUnitCode>().unwrap().province().to_string();
    assert_eq!(after["provinces"][0]["code"], province.as_str());

    // A period before any of them counts nothing; a backwards one is refused.
    let (_, before) = figures(&app, "?from=2020-01-01&to=2020-12-31").await;
    assert_eq!(before["total"]["received"], 0);
    assert_eq!(before["agencies"], serde_json::json!([]));
    assert_eq!(figures(&app, "?from=2026-12-02&to=2026-01-01").await.0, StatusCode::UNPROCESSABLE_ENTITY);

    // The page shows the share in time the Vietnamese way, to anyone.
    let page = TestApp::client().get(app.url("/dossiers/statistics")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(body.contains("50,0 %"), "half settled in time");
    let bad = TestApp::client().get(app.url("/dossiers/statistics?from=hôm-qua")).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
