//! A land user sells their parcel from a phone: the form says how a parcel is written, a parcel that is not theirs
//! is refused at its field, the land registration office works the dossier from its queue, and the approval
//! moves the parcel to the buyer under a new certificate.

use fantoccini::Locator;
use identity::{Role, Territory};
use land::model::Holder;
use serde_json::json;

use crate::browser::browser;
use crate::helpers::TestApp;
use crate::portal_browser::{act, official, open_procedure, sign_in, status_after_submit};

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run installs them and runs this"]
async fn a_parcel_is_sold_from_a_phone_and_the_approval_moves_it() {
    let app = TestApp::spawn_generous().await;
    let (pid, commune) = crate::portal::citizen(&app, 2).await;
    let buyer = crate::portal::registries::someone_else(&app, &pid).await;
    let own = crate::portal::registries::parcel(&app, &commune, 1, &pid).await;
    let theirs = crate::portal::registries::parcel(&app, &commune, 2, &buyer).await;
    let province = commune.parse::<kernel::AdminUnitCode>().unwrap().province();
    let office = format!("VPDKDD.{province}");
    let officials = [
        (
            "tiepnhan",
            official(&app, "tiepnhan", Role::OneStopReceiver, &office, Territory::Unit(province)).await,
            "accept",
        ),
        ("diachinh", official(&app, "diachinh", Role::Specialist, &office, Territory::Unit(province)).await, "forward"),
        ("lanhdao", official(&app, "lanhdao", Role::Approver, &office, Territory::Unit(province)).await, "approve"),
    ];
    let pdf = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(pdf.path(), crate::portal::PDF).unwrap();
    let (_driver, b) = browser().await;
    b.set_window_size(390, 844).await.unwrap();
    let fits = "return document.documentElement.scrollWidth <= window.innerWidth";

    sign_in(&b, &app, "dan", None).await;
    let code = open_procedure(&b, &app, "land", "chuyen-nhuong-quyen-su-dung-dat", "parcel").await;
    assert_eq!(b.execute(fits, vec![]).await.unwrap(), json!(true), "the form is wider than a phone");
    let label = b.find(Locator::Css("label[for=f-parcel]")).await.unwrap().text().await.unwrap();
    assert!(label.contains("00070-12-345"), "the form says how a parcel is written: {label}");
    b.find(Locator::Id("file-contract")).await.unwrap().send_keys(pdf.path().to_str().unwrap()).await.unwrap();
    b.find(Locator::Css("form[enctype] button")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("main a[href^='/dossiers/']")).await.unwrap();

    // Someone else's parcel first: refused at the parcel, with why.
    let fill = |parcel: String| {
        format!(
            "document.getElementById('f-parcel').value = '{parcel}'; \
             document.getElementById('f-transfer_kind').value = 'transfer'; \
             document.getElementById('f-receiver_id').value = '{buyer}'; \
             document.getElementById('f-contract').value = 'Hợp đồng số 12/2026/HĐCN, công chứng ngày 20/11/2026'; \
             return true;"
        )
    };
    b.wait().for_element(Locator::Id("f-parcel")).await.unwrap();
    b.execute(&fill(theirs.to_string()), vec![]).await.unwrap();
    b.find(Locator::Css("button[name=intent][value=submit]")).await.unwrap().click().await.unwrap();
    let why = b.wait().for_element(Locator::Id("e-parcel")).await.unwrap().text().await.unwrap();
    assert!(why.contains("không đứng tên"), "{why}");
    b.execute(&fill(own.to_string()), vec![]).await.unwrap();
    b.find(Locator::Css("button[name=intent][value=submit]")).await.unwrap().click().await.unwrap();
    assert_eq!(status_after_submit(&b).await, "Đã nộp, chờ tiếp nhận");

    let name: String = store::sqlx::query_scalar("SELECT full_name FROM citizens WHERE personal_id = $1")
        .bind(&pid)
        .fetch_one(app.db.db.pool())
        .await
        .unwrap();
    for (i, (username, secret, action)) in officials.iter().enumerate() {
        sign_in(&b, &app, username, Some(secret)).await;
        if i == 0 {
            // The receiver sees the seller's record in the population registry beside the form.
            b.goto(&app.url(&format!("/office/dossiers/{code}"))).await.unwrap();
            let record = b.wait().for_element(Locator::Id("applicant-record")).await.unwrap().text().await.unwrap();
            assert!(record.contains(&name), "{record}");
        }
        act(&b, &app, &code, action).await;
    }
    sign_in(&b, &app, "dan", None).await;
    b.goto(&app.url(&format!("/me/dossiers/{code}"))).await.unwrap();
    let status = b.wait().for_element(Locator::Id("status")).await.unwrap().text().await.unwrap();
    assert_eq!(status, "Đã có kết quả");
    b.close().await.unwrap();

    let sold = land::service::parcel(&app.db.db, &own).await.unwrap();
    assert_eq!(sold.holders[0].holder, Holder::Citizen(buyer.parse().unwrap()));
}
