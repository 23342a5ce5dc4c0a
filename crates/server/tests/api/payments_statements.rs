//! A bank's statement uploaded as its CSV file, reconciled as the same text pasted is; and the transfers whose
//! reference names no bill, from a callback or a statement's line, listed for the finance officers of the agency
//! whose account they credited.

use identity::AccountKind;
use identity::model::RoleAssignment;
use payments::config::DEMO_SECRET;
use payments::model::{Bill, BillRef};
use payments::provider::{Webhook, WebhookData};
use reqwest::StatusCode;
use trust::ledger::Actor;

use crate::helpers::{Browser, PASSWORD, TestApp};
use crate::payments::{CITIZEN, bill_for, deliver, now, webhook};

/// The own account of UBND.00070 in these tests; UBND.00004 is paid into the shared default account.
const OWN_ACCOUNT: &str = "113000006100";

async fn app_with_accounts() -> TestApp {
    let mut config = payments::PaymentsConfig::demo();
    let own = payments::config::Beneficiary {
        bin: payments::vietqr::BankBin::parse("970415").unwrap(),
        account: payments::vietqr::AccountNumber::parse(OWN_ACCOUNT).unwrap(),
        name: payments::vietqr::Text::parse("59", "UBND PHUONG HOAN KIEM", 25).unwrap(),
    };
    config.accounts.insert("UBND.00070".parse().unwrap(), own);
    let app = TestApp::spawn_paying(config).await;
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
    app
}

async fn officer(app: &TestApp, username: &str) -> Browser {
    let mut browser = app.browser();
    browser.sign_in(username, PASSWORD).await;
    browser.enrol_totp().await;
    browser
}

/// The form as a browser sends it with a file chosen: `multipart/form-data`.
fn multipart(fields: &[(&str, &str)], file: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = "congso-statement-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    if let Some(file) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"sao-ke.csv\"\r\n\
                 Content-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(browser: &Browser, fields: &[(&str, &str)], file: Option<&[u8]>) -> reqwest::Response {
    let (content_type, body) = multipart(fields, file);
    browser
        .request(reqwest::Method::POST, "/finance/reconciliation")
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

fn line(bill: &str, amount: i64, id: &str, account: &str) -> payments::sandbox::store::Transfer {
    payments::sandbox::store::Transfer {
        reference: id.into(),
        bin: if account == OWN_ACCOUNT { "970415" } else { "970403" }.into(),
        account: account.into(),
        amount,
        bill: bill.into(),
        purpose: "le phi".into(),
        paid_at: now(),
    }
}

/// What a reconciliation page says: its counts and its table.
fn result(page: &str) -> &str {
    let start = page.find("id=\"counts\"").expect("a reconciliation result");
    &page[start..page[start..].find("</table>").map_or(page.len(), |e| start + e)]
}

#[tokio::test]
async fn a_statement_uploaded_as_its_file_reconciles_as_the_same_text_pasted() {
    let app = app_with_accounts().await;
    let matched = bill_for(&app.db.db, CITIZEN, 10_000, 1).await;
    let mismatched = bill_for(&app.db.db, CITIZEN, 20_000, 2).await;
    let unmatched: Bill = bill_for(&app.db.db, CITIZEN, 30_000, 3).await;
    deliver(&app.base, &webhook(&matched.reference, 10_000, "FT5001"), now(), DEMO_SECRET).await;
    deliver(&app.base, &webhook(&mismatched.reference, 2_000, "FT5002"), now(), DEMO_SECRET).await;
    let statement = payments::sandbox::statement_csv(&[
        line(matched.reference.as_str(), 10_000, "FT5001", "0011002345678"),
        line(mismatched.reference.as_str(), 2_000, "FT5002", "0011002345678"),
        line(unmatched.reference.as_str(), 30_000, "FT5003", "0011002345678"),
    ]);
    let mut browser = officer(&app, "ketoan.00070").await;
    let csrf = browser.csrf_of("/finance/reconciliation").await;
    let page = browser.get("/finance/reconciliation").await.text().await.unwrap();
    assert!(page.contains("enctype=\"multipart/form-data\"") && page.contains("type=\"file\""), "{page}");

    let pasted = [("csrf", csrf.as_str()), ("provider", "sandbox"), ("statement", statement.as_str())];
    let by_text = browser.post_form("/finance/reconciliation", &pasted).await.text().await.unwrap();
    assert!(by_text.contains("Khớp: 1 · Lệch: 1 · Không tìm thấy: 1"), "{by_text}");
    // The file as a spreadsheet saves it, with a byte-order mark.
    let mut file = "\u{feff}".as_bytes().to_vec();
    file.extend_from_slice(statement.as_bytes());
    let fields = [("csrf", csrf.as_str()), ("provider", "sandbox"), ("statement", "")];
    let r = upload(&browser, &fields, Some(&file)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let by_file = r.text().await.unwrap();
    assert_eq!(result(&by_file), result(&by_text));
    // The export is the same too; and the pasted text still goes through the multipart form.
    let export = [("csrf", csrf.as_str()), ("provider", "sandbox"), ("export", "csv")];
    let csv_by_file = upload(&browser, &export, Some(statement.as_bytes())).await.text().await.unwrap();
    let mut pasted_export = pasted.to_vec();
    pasted_export.push(("export", "csv"));
    let csv_by_text = browser.post_form("/finance/reconciliation", &pasted_export).await.text().await.unwrap();
    assert!(csv_by_file.contains(",matched,applied,10000"), "{csv_by_file}");
    assert_eq!(csv_by_file, csv_by_text);
    let in_form = [("csrf", csrf.as_str()), ("provider", "sandbox"), ("statement", statement.as_str())];
    let by_form = upload(&browser, &in_form, None).await.text().await.unwrap();
    assert_eq!(result(&by_form), result(&by_text));

    // Without the page's token, or with nothing to reconcile, nothing is read.
    let forged = [("provider", "sandbox")];
    assert_eq!(upload(&browser, &forged, Some(statement.as_bytes())).await.status(), StatusCode::FORBIDDEN);
    let empty = [("csrf", csrf.as_str()), ("provider", "sandbox"), ("statement", " ")];
    assert_eq!(upload(&browser, &empty, None).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let not_text = [("csrf", csrf.as_str()), ("provider", "sandbox")];
    let r = upload(&browser, &not_text, Some(&[0xff, 0xfe, 0x00, 0x41])).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

fn to_account(reference: &BillRef, amount: i64, transaction: &str, account: &str) -> Vec<u8> {
    serde_json::to_vec(&Webhook {
        code: "00".into(),
        desc: "success".into(),
        data: WebhookData {
            reference: transaction.into(),
            order_code: reference.to_string(),
            amount,
            account_number: account.into(),
            description: "chuyen khoan".into(),
            transaction_date_time: now(),
        },
    })
    .unwrap()
}

/// The transaction ids listed on `/finance/unmatched`, in order.
fn listed(page: &str) -> Vec<String> {
    page.split("id=\"unmatched-").skip(1).map(|rest| rest.split('"').next().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_transfer_naming_no_bill_is_listed_for_the_finance_officers_of_the_account_credited() {
    let app = app_with_accounts().await;
    let nobody = BillRef::random();
    let r = deliver(&app.base, &to_account(&nobody, 75_000, "FT6001", OWN_ACCOUNT), now(), DEMO_SECRET).await;
    assert_eq!(r.status(), StatusCode::OK);
    let to_default = BillRef::random();
    deliver(&app.base, &to_account(&to_default, 5_000, "FT6002", "0011002345678"), now(), DEMO_SECRET).await;
    // A paid bill's transfer is no such transfer.
    let bill = bill_for(&app.db.db, CITIZEN, 10_000, 1).await;
    deliver(&app.base, &webhook(&bill.reference, 10_000, "FT6003"), now(), DEMO_SECRET).await;

    let mut mine = officer(&app, "ketoan.00070").await;
    let page = mine.get("/finance/unmatched").await.text().await.unwrap();
    assert_eq!(listed(&page), ["FT6002", "FT6001"], "{page}");
    assert!(page.contains("75.000 ₫") && page.contains(nobody.as_str()) && page.contains(OWN_ACCOUNT), "{page}");
    assert!(mine.get("/finance/held").await.text().await.unwrap().contains("href=\"/finance/unmatched\""));
    // Another agency's officer sees the shared account's transfer, not the one into UBND.00070's own account.
    let mut other = officer(&app, "ketoan.00004").await;
    let page = other.get("/finance/unmatched").await.text().await.unwrap();
    assert_eq!(listed(&page), ["FT6002"], "{page}");

    // A statement's line naming no bill, which no callback reported, is kept too, once however often reconciled.
    let stranger = BillRef::random();
    let statement = payments::sandbox::statement_csv(&[
        line(stranger.as_str(), 12_000, "FT6004", OWN_ACCOUNT),
        line(nobody.as_str(), 75_000, "FT6001", OWN_ACCOUNT),
        line(bill.reference.as_str(), 10_000, "FT6003", "0011002345678"),
    ]);
    let csrf = mine.csrf_of("/finance/reconciliation").await;
    let fields = [("csrf", csrf.as_str()), ("provider", "sandbox"), ("statement", statement.as_str())];
    for _ in 0..2 {
        let r = mine.post_form("/finance/reconciliation", &fields).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let page = mine.get("/finance/unmatched").await.text().await.unwrap();
    assert_eq!(listed(&page), ["FT6004", "FT6002", "FT6001"], "{page}");
    assert!(page.contains("12.000 ₫") && page.contains("Sao kê đã đối soát (ketoan.00070)"), "{page}");
    let entries: i64 = store::sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_entries WHERE record_kind = 'payment' AND record_key = 'sandbox:FT6004'",
    )
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    assert_eq!(entries, 1);
    // The bank's callback for it, arriving late, changes nothing.
    let r = deliver(&app.base, &to_account(&stranger, 12_000, "FT6004", OWN_ACCOUNT), now(), DEMO_SECRET).await;
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["outcome"], "held");
    assert_eq!(listed(&mine.get("/finance/unmatched").await.text().await.unwrap()).len(), 3);
    // A provider congso does not know keeps nothing; a citizen sees nothing of this.
    let fake = [("csrf", csrf.as_str()), ("provider", "made-up"), ("statement", statement.as_str())];
    mine.post_form("/finance/reconciliation", &fake).await;
    assert_eq!(listed(&mine.get("/finance/unmatched").await.text().await.unwrap()).len(), 3);
    crate::payments::citizen(&app, "congdan", CITIZEN).await;
    let mut person = app.browser();
    person.sign_in("congdan", PASSWORD).await;
    assert_eq!(person.get("/finance/unmatched").await.status(), StatusCode::FORBIDDEN);
}
