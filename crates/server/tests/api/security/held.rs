//! Attacks of the review that held, replayed so that they keep holding: decompression and CBOR bombs in a QR code,
//! a session planted before sign-in, and a body too large to read. (Others that held are tested where their
//! feature is: territory checks in `access`, CSRF on forms in `signin` and `reset`, the OIDC refusals in `oidc`,
//! bit flips in credentials in `credentials`, writes surviving `kill -9` in `durability`.)

use std::io::Write;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp};

fn qr_text_of(payload: &[u8]) -> String {
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    zlib.write_all(payload).unwrap();
    base45::encode(zlib.finish().unwrap())
}

async fn verdict(app: &TestApp, qr: &str) -> Value {
    let r = TestApp::client().post(app.url("/api/v1/verify")).json(&json!({ "qr": qr })).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

#[tokio::test]
async fn a_zlib_bomb_or_a_cbor_bomb_in_a_qr_code_is_malformed_not_a_crash() {
    let app = TestApp::spawn().await;
    // A megabyte of zeros inflates from about a kilobyte: refused at the inflation limit, not inflated whole.
    let bomb = qr_text_of(&vec![0u8; 1024 * 1024]);
    assert!(bomb.len() < 8 * 1024, "fits in one QR code: {}", bomb.len());
    let v = verdict(&app, &bomb).await;
    assert_eq!((v["verdict"].as_str(), v["step"].as_str()), (Some("malformed"), Some("zlib")), "{v}");
    // A CBOR array that claims four billion items, in nine bytes.
    let v = verdict(&app, &qr_text_of(&[0x9b, 0, 0, 0, 1, 0, 0, 0, 0])).await;
    assert_eq!(v["verdict"], "malformed", "{v}");
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_session_planted_before_sign_in_is_worth_nothing_after_it() {
    let app = TestApp::spawn().await;
    app.create_account("congdan", identity::AccountKind::Citizen, false).await;
    let planted = "A".repeat(43);
    let mut browser = app.browser();
    browser.cookies.insert("congso_session".into(), planted.clone());
    assert_eq!(browser.sign_in("congdan", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    assert_ne!(browser.cookies["congso_session"], planted, "sign-in gives a session of its own");
    let r = TestApp::client()
        .get(app.url("/api/v1/me"))
        .header("cookie", format!("congso_session={planted}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_body_too_large_to_read_is_refused_before_it_is_read() {
    let app = TestApp::spawn().await;
    let huge = json!({ "qr": "A".repeat(2 * 1024 * 1024) });
    let r = TestApp::client().post(app.url("/api/v1/verify")).json(&huge).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
