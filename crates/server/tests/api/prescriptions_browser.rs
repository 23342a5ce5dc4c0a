//! E-prescriptions in headless Chromium on a phone: the commune station's doctor writes one through the form
//! (refused at a field first, the values kept), the patient finds it from their home page with its QR, and a
//! pharmacy finds it by its code and dispenses it, once.

use fantoccini::Locator;
use health::model::{Facility, FacilityKind};
use identity::{Role, Territory};
use trust::ledger::Actor;

use crate::browser::{browser, fits, type_into};
use crate::helpers::TestApp;
use crate::portal_browser::{official, sign_in};

async fn facility(app: &TestApp, code: &str, name: &str, kind: FacilityKind) {
    let f = Facility { code: code.parse().unwrap(), name: name.into(), kind, commune: "00070".parse().unwrap() };
    health::service::register_facility(&app.db.db, &f, &Actor::system("test")).await.unwrap();
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run installs them and runs this"]
async fn on_a_phone_a_doctor_prescribes_the_patient_sees_it_and_a_pharmacy_dispenses_it_once() {
    let app = TestApp::spawn().await;
    let (patient, _) = crate::portal::citizen(&app, 2).await;
    facility(&app, "01001", "Trạm Y tế phường Hoàn Kiếm", FacilityKind::Station).await;
    facility(&app, "01002", "Nhà thuốc Hoàn Kiếm", FacilityKind::Pharmacy).await;
    let hanoi = Territory::Unit("01".parse().unwrap());
    let doctor = official(&app, "bacsi", Role::HealthWorker, "KCB.01001", hanoi).await;
    let pharmacist = official(&app, "duocsi", Role::HealthWorker, "KCB.01002", hanoi).await;
    let (_driver, b) = browser().await;
    b.set_window_size(390, 844).await.unwrap();

    // The doctor reaches the form from the navigation; a quantity of nothing is refused at its field.
    sign_in(&b, &app, "bacsi", Some(&doctor)).await;
    b.goto(&app.url("/")).await.unwrap();
    b.find(Locator::LinkText("Y tế")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Id("patient")).await.unwrap();
    assert!(fits(&b).await, "the prescription form is wider than a phone");
    type_into(&b, "patient", &patient).await;
    type_into(&b, "diagnosis", "Viêm họng cấp").await;
    type_into(&b, "name_0", "Amoxicillin 500mg").await;
    type_into(&b, "quantity_0", "0").await;
    type_into(&b, "unit_0", "viên").await;
    type_into(&b, "usage_0", "Ngày uống 3 lần, mỗi lần 1 viên").await;
    b.find(Locator::Css("main form[method=post] button[type=submit]")).await.unwrap().click().await.unwrap();
    let problem = b.wait().for_element(Locator::Id("problem")).await.unwrap().text().await.unwrap();
    assert!(problem.starts_with("medicines[0].quantity"), "{problem}");
    let kept = b.find(Locator::Id("diagnosis")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("Viêm họng cấp"));
    type_into(&b, "quantity_0", "21").await;
    b.find(Locator::Css("main form[method=post] button[type=submit]")).await.unwrap().click().await.unwrap();
    let code = b.wait().for_element(Locator::Css("dd.code")).await.unwrap().text().await.unwrap();
    assert_eq!(code, "010010000001-c");
    assert!(fits(&b).await, "the prescription is wider than a phone");

    // The patient finds it from their home page, with its QR.
    sign_in(&b, &app, "dan", None).await;
    b.goto(&app.url("/me")).await.unwrap();
    b.find(Locator::LinkText("Đơn thuốc của tôi")).await.unwrap().click().await.unwrap();
    let card = b.wait().for_element(Locator::Css("main section.card")).await.unwrap().text().await.unwrap();
    assert!(card.contains(&code) && card.contains("Amoxicillin 500mg") && card.contains("Chưa cấp phát"), "{card}");
    assert!(b.find(Locator::Css("main .qr svg")).await.is_ok(), "no QR");
    assert!(fits(&b).await, "the patient's prescriptions are wider than a phone");

    // The pharmacist finds it by the code the patient shows and dispenses it; then it cannot be dispensed again.
    sign_in(&b, &app, "duocsi", Some(&pharmacist)).await;
    b.goto(&app.url("/y-te")).await.unwrap();
    type_into(&b, "code", &code).await;
    b.find(Locator::Css("main form[method=get] button")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Id("dispense")).await.unwrap().click().await.unwrap();
    let mut status = String::new();
    for _ in 0..50 {
        if let Ok(s) = b.find(Locator::Id("status")).await
            && let Ok(text) = s.text().await
        {
            status = text;
            if status.starts_with("Đã bán, cấp phát") {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(status.starts_with("Đã bán, cấp phát"), "{status}");
    assert!(b.find(Locator::Id("dispense")).await.is_err(), "dispensed once, nothing more to dispense");
    b.close().await.unwrap();
}
