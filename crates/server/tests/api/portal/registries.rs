//! Procedures whose outcome is another registry's: a founder registers an enterprise online and the approval
//! issues its tax code; a land user sells their parcel and the approval moves it under a new certificate. Each is
//! checked at submission against what the registry would refuse, each problem at its field.

use identity::Role;
use kernel::AdminUnitCode;
use land::model::{Area, Certificate, Holder, Holding, LandUse, ParcelRef, Share, Term};
use payments::config::DEMO_SECRET;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Api, PDF, attach, citizen, citizen_token, official, verdict_on_result};
use crate::helpers::{TestApp, unit};
use crate::payments::{deliver, now, webhook};

/// A living citizen other than `pid`.
pub async fn someone_else(app: &TestApp, pid: &str) -> String {
    store::sqlx::query_scalar(
        "SELECT personal_id FROM citizens WHERE status = 'living' AND personal_id <> $1 ORDER BY personal_id LIMIT 1",
    )
    .bind(pid)
    .fetch_one(app.db.db.pool())
    .await
    .unwrap()
}

/// The three officials of one office, one per step: (receiver, specialist, approver) tokens.
async fn office(app: &TestApp, agency: &str, territory: &str) -> [String; 3] {
    [
        official(app, "tiepnhan", Role::OneStopReceiver, agency, unit(territory)).await,
        official(app, "chuyenvien", Role::Specialist, agency, unit(territory)).await,
        official(app, "lanhdao", Role::Approver, agency, unit(territory)).await,
    ]
}

/// Opens a dossier under `procedure`; its code and prefilled form.
async fn open(api: &Api<'_>, token: &str, procedure: &str) -> (String, Value) {
    let (status, dossier) = api.post(token, "/api/v1/dossiers", json!({ "procedure": procedure })).await;
    assert_eq!(status, StatusCode::CREATED, "{dossier}");
    (dossier["code"].as_str().unwrap().to_owned(), dossier["form"].clone())
}

async fn submit(api: &Api<'_>, token: &str, code: &str, form: &Value) -> (StatusCode, Value) {
    api.post(token, &format!("/api/v1/dossiers/{code}/submit"), json!({ "form": form })).await
}

/// The fields a 422 names.
fn fields(body: &Value) -> Vec<String> {
    body["error"]["fields"].as_object().map(|f| f.keys().cloned().collect()).unwrap_or_default()
}

/// Receives, forwards and approves dossier `code` with the office's three officials.
async fn settle(api: &Api<'_>, officials: &[String; 3], code: &str) -> (StatusCode, Value) {
    let [receiver, specialist, approver] = officials;
    assert_eq!(api.act(receiver, code, "accept", None).await.0, StatusCode::OK);
    assert_eq!(api.act(specialist, code, "forward", None).await.0, StatusCode::OK);
    api.act(approver, code, "approve", None).await
}

fn digital_address(commune: &str) -> String {
    let commune: AdminUnitCode = commune.parse().unwrap();
    kernel::DigitalAddress::new(commune, kernel::olc::PlusCode::at(21.0285, 105.8542), 1).unwrap().to_string()
}

/// A commune of another province than `commune`'s.
fn elsewhere(commune: &str) -> String {
    let province = commune.parse::<AdminUnitCode>().unwrap().province();
    let other = kernel::admin_unit::provinces().find(|p| p.code != province).unwrap();
    kernel::admin_unit::communes_of(other.code)[0].code.to_string()
}

#[tokio::test]
async fn a_founder_registers_an_enterprise_and_the_approval_issues_its_tax_code() {
    let app = TestApp::spawn().await;
    let (pid, commune) = citizen(&app, 2).await;
    let province = commune.parse::<AdminUnitCode>().unwrap().province().to_string();
    let officials = office(&app, &format!("DKKD.{province}"), &province).await;
    let token = citizen_token(&app).await;
    let api = Api { app: &app };
    let (code, mut form) = open(&api, &token, "dang-ky-doanh-nghiep").await;
    assert!(code.starts_with(&format!("DKKD.{province}-")), "{code}");
    assert_eq!(form["applicant_personal_id"], pid.as_str(), "once-only: the founder is prefilled");

    // What the enterprise registry would refuse is refused at submission, at its field, and nothing moves.
    form["legal_form"] = json!("single_member_llc");
    form["name"] = json!("Công ty TNHH Cà phê Hồ Gươm");
    form["office_address"] = json!(digital_address(&elsewhere(&commune)));
    form["office_street"] = json!("12 Tràng Tiền");
    form["charter_capital"] = json!("500.000.000");
    form["main_line"] = json!("9999");
    let (status, body) = submit(&api, &token, &code, &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields(&body), ["main_line"], "{body}");
    form["main_line"] = json!("5610");
    form["lines"] = json!("4722, 4711");
    let (status, body) = submit(&api, &token, &code, &form).await;
    assert_eq!(fields(&body), ["office_address"], "{status} {body}");
    form["office_address"] = json!(digital_address(&commune));
    form["charter_capital"] = json!("500,00");
    let (status, body) = submit(&api, &token, &code, &form).await;
    assert_eq!(fields(&body), ["charter_capital"], "{status} {body}");
    form["charter_capital"] = json!("500.000.000");
    let (status, submitted) = submit(&api, &token, &code, &form).await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    assert_eq!(submitted["status"], "awaiting_payment", "the publication fee is asked for");

    let (_, bills) = api.get(&token, "/api/v1/payments/bills").await;
    let bill = bills.as_array().unwrap().iter().find(|b| b["amount"] == 100000).expect("the fee's bill");
    let reference = bill["reference"].as_str().unwrap().parse().unwrap();
    let r = deliver(&app.base, &webhook(&reference, 100000, "FT26120200001"), now(), DEMO_SECRET).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());

    let (status, body) = settle(&api, &officials, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let represented = enterprise::service::represented_by(&app.db.db, &pid.parse().unwrap()).await.unwrap();
    assert_eq!(represented.len(), 1);
    let registered = &represented[0];
    assert_eq!(registered.name, "Công ty TNHH Cà phê Hồ Gươm");
    assert_eq!(registered.charter_capital, 500_000_000);
    let mut lines = registered.lines.clone();
    lines.sort();
    assert_eq!(lines, ["4711", "4722", "5610"]);
    assert_eq!(registered.main_line, "5610");
    assert_eq!(registered.representatives[0].title, "Giám đốc");
    assert_eq!(registered.members[0].contribution, 500_000_000, "the founder holds the whole capital");
    assert!(registered.tax_code.to_string().starts_with(&province), "{}", registered.tax_code);
    let verdict = verdict_on_result(&app, &code).await;
    assert_eq!(verdict["verdict"], "valid", "{verdict}");
    assert!(verdict.to_string().contains(&registered.tax_code.to_string()), "the result names the tax code: {verdict}");

    // The same name again is refused at the name, before any official sees it.
    let (second, mut again) = open(&api, &token, "dang-ky-doanh-nghiep").await;
    for key in ["legal_form", "name", "office_address", "office_street", "charter_capital", "main_line"] {
        again[key] = form[key].clone();
    }
    again["name"] = json!("CÔNG TY TNHH CA PHE HO GUOM");
    let (status, body) = submit(&api, &token, &second, &again).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields(&body), ["name"], "{body}");
    let (ok, out) = crate::helpers::ledger_verify(&app, None);
    assert!(ok, "{out}");
    assert!(out.contains("enterprise registry: 1 enterprises match the ledger"), "{out}");

    // A capital changed behind the services' back is named by the ledger's check.
    store::sqlx::query("UPDATE enterprises SET charter_capital = 1").execute(app.db.db.pool()).await.unwrap();
    let (ok, out) = crate::helpers::ledger_verify(&app, None);
    assert!(!ok && out.contains(&format!("enterprise {}", registered.tax_code)), "{out}");
}

fn square(x: f64, y: f64, side: f64) -> land::geometry::Footprint {
    let ring = format!("[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]", x + side, x + side, y + side, y + side);
    land::geometry::Footprint::from_geojson_str(&format!(r#"{{"type":"Polygon","coordinates":[{ring}]}}"#)).unwrap()
}

/// Records parcel `number` on sheet 1 of `commune`, wholly held by `holder`.
pub async fn parcel(app: &TestApp, commune: &str, number: u32, holder: &str) -> ParcelRef {
    let reference = ParcelRef::new(commune.parse().unwrap(), 1, number).unwrap();
    let footprint = square(500_000.0 + f64::from(number) * 100.0, 1_200_000.0, 20.0);
    let new = land::service::NewParcel {
        reference,
        area: Area::from_m2(footprint.area_m2()).unwrap(),
        purpose: LandUse::Odt,
        term: Term::LongTerm,
        footprint,
        holders: vec![Holding { holder: Holder::Citizen(holder.parse().unwrap()), share: Share::WHOLE }],
        certificate: Certificate {
            number: format!("AB{number:08}").parse().unwrap(),
            issued_on: time::macros::date!(2020 - 05 - 04),
            issuer: "VPDKDD.01".parse().unwrap(),
        },
        basis: "kiểm thử".into(),
    };
    land::service::register(&app.db.db, new, &trust::ledger::Actor::system("test")).await.unwrap();
    reference
}

#[tokio::test]
async fn a_land_user_sells_their_parcel_and_the_approval_moves_it_under_a_new_certificate() {
    let app = TestApp::spawn().await;
    let (pid, commune) = citizen(&app, 2).await;
    let buyer = someone_else(&app, &pid).await;
    let own = parcel(&app, &commune, 1, &pid).await;
    let theirs = parcel(&app, &commune, 2, &buyer).await;
    let province = commune.parse::<AdminUnitCode>().unwrap().province().to_string();
    let officials = office(&app, &format!("VPDKDD.{province}"), &province).await;
    let token = citizen_token(&app).await;
    let api = Api { app: &app };
    let (code, mut form) = open(&api, &token, "chuyen-nhuong-quyen-su-dung-dat").await;
    assert_eq!(attach(&app, &token, &code, "contract", PDF.to_vec()).await.status(), StatusCode::NO_CONTENT);

    // Someone else's parcel, one that is not recorded, oneself as the buyer: each refused at its field.
    form["transfer_kind"] = json!("transfer");
    form["contract"] = json!("Hợp đồng số 123/2026/HĐCN, công chứng ngày 20/11/2026");
    form["receiver_id"] = json!(buyer);
    for (parcel, receiver, field) in [
        (theirs.to_string(), buyer.clone(), "parcel"),
        (format!("{commune}-1-99"), buyer.clone(), "parcel"),
        (own.to_string(), pid.clone(), "receiver_id"),
        ("00070-1".into(), buyer.clone(), "parcel"),
    ] {
        form["parcel"] = json!(parcel);
        form["receiver_id"] = json!(receiver);
        let (status, body) = submit(&api, &token, &code, &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{parcel}: {body}");
        assert_eq!(fields(&body), [field], "{parcel}: {body}");
    }
    form["parcel"] = json!(own.to_string());
    form["receiver_id"] = json!(buyer);
    let (status, submitted) = submit(&api, &token, &code, &form).await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    assert_eq!(submitted["status"], "submitted", "{submitted}");

    let (status, body) = settle(&api, &officials, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sold = land::service::parcel(&app.db.db, &own).await.unwrap();
    assert_eq!(sold.holders.len(), 1);
    assert_eq!(sold.holders[0].holder, Holder::Citizen(buyer.parse().unwrap()));
    assert_eq!(sold.holders[0].share, Share::WHOLE);
    assert_eq!(sold.certificate.number.as_str(), "CS00000001", "a new certificate from the series");
    assert_eq!(sold.certificate.issuer.to_string(), format!("VPDKDD.{province}"));
    let verdict = verdict_on_result(&app, &code).await;
    assert_eq!(verdict["verdict"], "valid", "{verdict}");
    assert!(verdict.to_string().contains("CS 00000001"), "{verdict}");
    let (ok, out) = crate::helpers::ledger_verify(&app, None);
    assert!(ok, "{out}");

    // Sold, it is no longer the seller's to sell again.
    let (again, mut form2) = open(&api, &token, "chuyen-nhuong-quyen-su-dung-dat").await;
    attach(&app, &token, &again, "contract", PDF.to_vec()).await;
    for key in ["transfer_kind", "contract", "receiver_id", "parcel"] {
        form2[key] = form[key].clone();
    }
    let (status, body) = submit(&api, &token, &again, &form2).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields(&body), ["parcel"], "{body}");

    // A second parcel mortgaged to a bank of the enterprise registry; then it can be neither sold nor mortgaged
    // again until the mortgage is released.
    let second = parcel(&app, &commune, 3, &pid).await;
    let bank = enterprise_of(&app, &buyer, &commune, "Ngân hàng TMCP Kiểm Thử").await;
    let (code, mut form) = open(&api, &token, "the-chap-quyen-su-dung-dat").await;
    attach(&app, &token, &code, "contract", PDF.to_vec()).await;
    form["parcel"] = json!(second.to_string());
    form["contract"] = json!("Hợp đồng thế chấp số 45/2026/HĐTC ngày 25/11/2026");
    let unregistered = (9_000_000..).find_map(|n| kernel::TaxCode::issue(&format!("01{n:07}"))).unwrap();
    form["mortgagee"] = json!(unregistered.to_string());
    let (_, body) = submit(&api, &token, &code, &form).await;
    assert_eq!(fields(&body), ["mortgagee"], "not a registered lender: {body}");
    form["mortgagee"] = json!(bank);
    let (status, body) = submit(&api, &token, &code, &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = settle(&api, &officials, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(land::service::parcel(&app.db.db, &second).await.unwrap().mortgaged);
    let (again, mut form3) = open(&api, &token, "chuyen-nhuong-quyen-su-dung-dat").await;
    attach(&app, &token, &again, "contract", PDF.to_vec()).await;
    for key in ["transfer_kind", "contract", "receiver_id"] {
        form3[key] = form2[key].clone();
    }
    form3["parcel"] = json!(second.to_string());
    let (_, body) = submit(&api, &token, &again, &form3).await;
    assert!(body["error"]["fields"]["parcel"].as_str().unwrap_or_default().contains("thế chấp"), "{body}");

    // The debt paid, the mortgage is struck off on the lender's consent, and then the sale goes through.
    let (release, mut form4) = open(&api, &token, "xoa-the-chap-quyen-su-dung-dat").await;
    attach(&app, &token, &release, "release_consent", PDF.to_vec()).await;
    form4["parcel"] = json!(second.to_string());
    form4["release_basis"] = json!("Văn bản số 812/2026/XN ngày 28/11/2026");
    let other_bank = enterprise_of(&app, &buyer, &commune, "Ngân hàng TMCP Thứ Hai").await;
    for (parcel, lender, field) in
        [(second.to_string(), other_bank, "mortgagee"), (own.to_string(), bank.clone(), "parcel")]
    {
        form4["parcel"] = json!(parcel);
        form4["mortgagee"] = json!(lender);
        let (status, body) = submit(&api, &token, &release, &form4).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(fields(&body), [field], "{body}");
    }
    form4["parcel"] = json!(second.to_string());
    form4["mortgagee"] = json!(bank);
    let (status, body) = submit(&api, &token, &release, &form4).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = settle(&api, &officials, &release).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!land::service::parcel(&app.db.db, &second).await.unwrap().mortgaged);
    let (status, body) = submit(&api, &token, &again, &form3).await;
    assert_eq!(status, StatusCode::OK, "released, it can be sold: {body}");
    let (ok, out) = crate::helpers::ledger_verify(&app, None);
    assert!(ok, "{out}");
}

/// Registers an enterprise represented by `pid` with its office in `commune`, as the registrars' back office
/// would; its tax code.
pub async fn enterprise_of(app: &TestApp, pid: &str, commune: &str, name: &str) -> String {
    let input: enterprise::input::EnterpriseInput = serde_json::from_value(json!({
        "name": name, "legal_form": "single_member_llc", "office_address": digital_address(commune),
        "office_street": "3 Hàng Bài", "charter_capital": 100_000_000, "main_line": "6201", "lines": ["6201"],
        "representatives": [{ "personal_id": pid, "title": "Giám đốc" }],
        "members": [{ "personal_id": pid, "contribution": 100_000_000 }],
    }))
    .unwrap();
    let new = input.parse(enterprise::service::today()).unwrap();
    let actor = trust::ledger::Actor::system("test");
    let change = enterprise::service::Change { actor: &actor, reason: "kiểm thử" };
    enterprise::service::register(&app.db.db, &new, &change).await.unwrap().tax_code.to_string()
}

#[tokio::test]
async fn a_representative_suspends_their_enterprise_and_moves_its_office_and_no_one_else_can() {
    let app = TestApp::spawn().await;
    let (pid, commune) = citizen(&app, 2).await;
    let other = someone_else(&app, &pid).await;
    let own = enterprise_of(&app, &pid, &commune, "Công ty TNHH Phần mềm Sông Hồng").await;
    let theirs = enterprise_of(&app, &other, &commune, "Công ty TNHH Phần mềm Sông Đà").await;
    let province = commune.parse::<AdminUnitCode>().unwrap().province().to_string();
    let officials = office(&app, &format!("DKKD.{province}"), &province).await;
    let token = citizen_token(&app).await;
    let api = Api { app: &app };
    let (code, mut form) = open(&api, &token, "tam-ngung-kinh-doanh").await;
    form["status_change"] = json!("suspend");
    let unregistered = (9_000_000..).find_map(|n| kernel::TaxCode::issue(&format!("01{n:07}"))).unwrap().to_string();
    for (tax_code, why) in [(&theirs, "không phải người đại diện"), (&unregistered, "Không có doanh nghiệp")]
    {
        form["tax_code"] = json!(tax_code);
        let (status, body) = submit(&api, &token, &code, &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["error"]["fields"]["tax_code"].as_str().unwrap_or_default().contains(why), "{body}");
    }
    form["tax_code"] = json!(own);
    form["status_change"] = json!("resume");
    let (_, body) = submit(&api, &token, &code, &form).await;
    assert_eq!(fields(&body), ["status_change"], "an active enterprise does not resume: {body}");
    form["status_change"] = json!("suspend");
    let (status, body) = submit(&api, &token, &code, &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = settle(&api, &officials, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let suspended = enterprise::service::enterprise(&app.db.db, &own.parse().unwrap()).await.unwrap();
    assert_eq!(suspended.status, enterprise::model::Status::Suspended);
    assert_eq!(suspended.version, 2, "the registration's version is kept under the new one");

    // A suspended enterprise still moves its office within the province, the publication fee paid first.
    let (code, mut form) = open(&api, &token, "thay-doi-tru-so-doanh-nghiep").await;
    form["tax_code"] = json!(own);
    form["office_address"] = json!(digital_address(&commune));
    form["office_street"] = json!("8 Lý Thường Kiệt");
    let (_, body) = submit(&api, &token, &code, &form).await;
    assert_eq!(fields(&body), ["office_address"], "the office is there already: {body}");
    let commune_code: AdminUnitCode = commune.parse().unwrap();
    let moved_to = kernel::DigitalAddress::new(commune_code, kernel::olc::PlusCode::at(21.0285, 105.8542), 2).unwrap();
    form["office_address"] = json!(moved_to.to_string());
    let (status, body) = submit(&api, &token, &code, &form).await;
    assert_eq!((status, &body["status"]), (StatusCode::OK, &json!("awaiting_payment")), "{body}");
    let (_, bills) = api.get(&token, "/api/v1/payments/bills").await;
    let bill = bills.as_array().unwrap().iter().find(|b| b["status"] == "pending").expect("the fee's bill");
    let reference = bill["reference"].as_str().unwrap().parse().unwrap();
    let r = deliver(&app.base, &webhook(&reference, 100000, "FT26120200002"), now(), DEMO_SECRET).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let (status, body) = settle(&api, &officials, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let moved = enterprise::service::enterprise(&app.db.db, &own.parse().unwrap()).await.unwrap();
    assert_eq!((moved.office.address, moved.office.street.as_str()), (moved_to, "8 Lý Thường Kiệt"));
    let (ok, out) = crate::helpers::ledger_verify(&app, None);
    assert!(ok, "{out}");
}
