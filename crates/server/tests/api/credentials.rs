//! The digital-ID QR and signed documents: issued to the citizen, verified on /verify and by the API, revoked,
//! outlived by a retired key, and verified offline by `congso verify` from a downloaded bundle.

use std::io::{Read, Write};

use ciborium::Value as Cbor;
use identity::AccountKind;
use identity::model::RoleAssignment;
use identity::service;
use identity::{Role, Territory};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trust::keys::{Algorithm, SigningKey};
use trust::ledger::Actor;

use crate::helpers::{PASSWORD, TestApp, location};

struct World {
    app: TestApp,
    citizen: String,
    other: String,
    official: String,
    pid: String,
    other_pid: String,
}

async fn account(app: &TestApp, username: &str, kind: AccountKind, roles: Vec<RoleAssignment>) -> (i64, String) {
    app.account_with_token(username, kind, roles).await
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    registry::cli::generate_into(&app.db.db, 60, 3, false).await.unwrap();
    let people: Vec<String> = store::sqlx::query_scalar(
        "SELECT personal_id FROM citizens WHERE status = 'living' AND commune_code IS NOT NULL ORDER BY personal_id LIMIT 2",
    )
    .fetch_all(app.db.db.pool())
    .await
    .unwrap();
    let (id, citizen) = account(&app, "congdan", AccountKind::Citizen, vec![]).await;
    service::bind_personal_id(&app.db.db, id, &people[0].parse().unwrap()).await.unwrap();
    let (other_id, other) = account(&app, "congdan2", AccountKind::Citizen, vec![]).await;
    service::bind_personal_id(&app.db.db, other_id, &people[1].parse().unwrap()).await.unwrap();
    let clerk = vec![RoleAssignment { role: Role::RegistryClerk, agency: None, territory: Territory::Nation }];
    let (_, official) = account(&app, "canbo", AccountKind::Official, clerk).await;
    World { app, citizen, other, official, pid: people[0].clone(), other_pid: people[1].clone() }
}

impl World {
    async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        TestApp::client().get(self.app.url(path)).bearer_auth(token).send().await.unwrap()
    }

    async fn qr_text(&self, token: &str) -> String {
        let r = self.get(token, "/me/digital-id/qr.txt").await;
        assert_eq!(r.status(), 200);
        r.text().await.unwrap()
    }

    async fn verify(&self, qr: &str) -> Value {
        let r = TestApp::client().post(self.app.url("/api/v1/verify")).json(&json!({ "qr": qr })).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }
}

/// The QR text with one byte of its signature changed.
fn tamper(text: &str) -> String {
    let compressed = base45::decode(text).unwrap();
    let mut cose = Vec::new();
    flate2::read::ZlibDecoder::new(&compressed[..]).read_to_end(&mut cose).unwrap();
    let mut value: Cbor = ciborium::from_reader(&cose[..]).unwrap();
    let Cbor::Tag(18, inner) = &mut value else { panic!("not COSE_Sign1") };
    let Cbor::Array(fields) = inner.as_mut() else { panic!() };
    let Cbor::Bytes(signature) = &mut fields[3] else { panic!() };
    signature[10] ^= 1;
    let mut bytes = Vec::new();
    ciborium::into_writer(&value, &mut bytes).unwrap();
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&bytes).unwrap();
    base45::encode(encoder.finish().unwrap())
}

#[tokio::test]
async fn the_citizen_gets_a_qr_that_verifies_and_tampering_or_strangers_do_not() {
    let w = world().await;
    let page = w.get(&w.citizen, "/me/digital-id").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains(&w.pid), "the page shows the QR and the ID number");
    assert!(html.contains("/me/digital-id/qr.png") && html.contains("/me/digital-id/qr.svg"));

    let qr = w.qr_text(&w.citizen).await;
    assert_eq!(w.qr_text(&w.citizen).await, qr, "the same code until it must change");
    let answer = w.verify(&qr).await;
    assert_eq!(answer["verdict"], "valid", "{answer}");
    assert_eq!(answer["detail"]["identity"]["id"], w.pid.as_str());
    assert_eq!(answer["detail"]["identity"]["nationality"], "VN");
    assert_eq!(answer["detail"]["issuer"], "congso");
    let svg = w.get(&w.citizen, "/me/digital-id/qr.svg").await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");

    assert_eq!(w.verify(&tamper(&qr)).await["verdict"], "bad_signature");
    let stranger = SigningKey::generate(Algorithm::EdDSA);
    let identity = trust::claim169::Identity { id: Some(w.pid.clone()), ..Default::default() };
    let forged = trust::claim169::encode(&identity, &Default::default(), &stranger).unwrap();
    let answer = w.verify(&forged).await;
    assert_eq!(answer["verdict"], "unknown_key");
    assert_eq!(answer["detail"]["kid"], stranger.kid());
    let answer = w.verify("hello world").await;
    assert_eq!((answer["verdict"].as_str(), answer["step"].as_str()), (Some("malformed"), Some("base45")));

    let theirs = w.qr_text(&w.other).await;
    assert_eq!(w.verify(&theirs).await["detail"]["identity"]["id"], w.other_pid.as_str());
    assert_ne!(theirs, qr);
}

#[tokio::test]
async fn officials_and_signed_out_visitors_have_no_digital_id() {
    let w = world().await;
    assert_eq!(w.get(&w.official, "/me/digital-id").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(w.get(&w.official, "/me/digital-id/qr.txt").await.status(), StatusCode::FORBIDDEN);
    let r = w.app.get("/me/digital-id").await;
    assert!(r.status().is_redirection(), "{}", r.status());
    assert!(location(&r).starts_with("/signin"));
    let r = TestApp::client().get(w.app.url("/me/digital-id/qr.png")).send().await.unwrap();
    assert!(r.status().is_redirection() || r.status() == StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_api_refuses_malformed_requests_and_never_fails_on_bad_codes() {
    let w = world().await;
    let post = |body: &'static str, content_type: &'static str| {
        TestApp::client().post(w.app.url("/api/v1/verify")).header("content-type", content_type).body(body).send()
    };
    assert_eq!(post("{", "application/json").await.unwrap().status(), 400);
    assert_eq!(post(r#"{"qr": 5}"#, "application/json").await.unwrap().status(), 400);
    assert_eq!(post(r#"{"qr": "  "}"#, "application/json").await.unwrap().status(), 422);
    assert_eq!(post("qr=x", "text/plain").await.unwrap().status(), 415);
    let huge = json!({ "qr": "A".repeat(9000) });
    let r = TestApp::client().post(w.app.url("/api/v1/verify")).json(&huge).send().await.unwrap();
    assert_eq!(r.status(), 422);
    for junk in ["AAAAAA", "6BF", "%%%%%%", "00000000000000000000000000000000"] {
        assert_eq!(w.verify(junk).await["verdict"], "malformed", "{junk}");
    }
}

/// A multipart body with the CSRF token and one PNG file, as a browser sends the /verify form.
fn upload_body(csrf: &str, png: &[u8]) -> (String, Vec<u8>) {
    let boundary = "congsoTestBoundary7";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"qr\"\r\n\r\n\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"qr.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(png);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn an_uploaded_picture_of_the_qr_verifies_on_the_page() {
    let w = world().await;
    let png = w.get(&w.citizen, "/me/digital-id/qr.png").await.bytes().await.unwrap();
    // The code placed off-centre on a larger, tinted background, as in a screenshot.
    let code = image::load_from_memory(&png).unwrap().to_luma8();
    let mut screen = image::GrayImage::from_pixel(code.width() + 400, code.height() + 700, image::Luma([225]));
    image::imageops::overlay(&mut screen, &code, 120, 300);
    let mut shot = Vec::new();
    screen.write_to(&mut std::io::Cursor::new(&mut shot), image::ImageFormat::Png).unwrap();

    let mut browser = w.app.browser();
    let csrf = browser.csrf_of("/verify").await;
    let cookie = browser.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let send = |content_type: String, body: Vec<u8>| {
        TestApp::client()
            .post(w.app.url("/verify"))
            .header("cookie", cookie.clone())
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let (content_type, body) = upload_body(&csrf, &shot);
    let r = send(content_type, body).await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"data-verdict="valid""#), "{html}");
    assert!(html.contains(&w.pid));

    // More than 1 MiB (the limit elsewhere) is fine here; more than 8 MiB is not; no token is a 403.
    let big = [shot.clone(), vec![0u8; 2 * 1024 * 1024]].concat();
    let (content_type, body) = upload_body(&csrf, &big);
    assert_ne!(send(content_type, body).await.unwrap().status(), StatusCode::PAYLOAD_TOO_LARGE);
    let (content_type, body) = upload_body(&csrf, &vec![0u8; 9 * 1024 * 1024]);
    assert_eq!(send(content_type, body).await.unwrap().status(), StatusCode::PAYLOAD_TOO_LARGE);
    let (content_type, body) = upload_body("wrong", &shot);
    assert_eq!(send(content_type, body).await.unwrap().status(), StatusCode::FORBIDDEN);
    let (content_type, body) = upload_body(&csrf, b"not an image");
    let html = send(content_type, body).await.unwrap().text().await.unwrap();
    assert!(html.contains(r#"class="alert""#));
}

#[tokio::test]
async fn revoked_credentials_and_retired_keys_no_longer_verify() {
    let w = world().await;
    let qr = w.qr_text(&w.citizen).await;
    let id = w.verify(&qr).await["detail"]["id"].as_str().unwrap().to_owned();
    let list: Value = w.app.get("/.well-known/congso-revocations.json").await.json().await.unwrap();
    assert!(list["signature"].is_string());

    let revoked = credentials::store::revoke(&w.app.db.db, &id, "lost phone", &Actor::system("test")).await;
    assert!(revoked.unwrap());
    let answer = w.verify(&qr).await;
    assert_eq!((answer["verdict"].as_str(), answer["detail"]["id"].as_str()), (Some("revoked"), Some(id.as_str())));
    let renewed = w.qr_text(&w.citizen).await;
    assert_ne!(renewed, qr, "a revoked code is replaced");
    assert_eq!(w.verify(&renewed).await["verdict"], "valid");

    // Rotate, retire the key that signed, and the server (once it reloads) no longer knows it.
    let master = trust::keyring::MasterKey::from_base64(crate::helpers::MASTER_KEY).unwrap();
    let old = w.app.keyring.signer(Algorithm::EdDSA).unwrap().kid().to_owned();
    let mut tx = w.app.db.db.begin_write().await.unwrap();
    trust::keyring::rotate(&mut tx, &master, Algorithm::EdDSA).await.unwrap();
    trust::keyring::retire(&mut tx, &old).await.unwrap();
    tx.commit().await.unwrap();
    w.app.keyring.reload(&w.app.db.db).await.unwrap();
    assert_eq!(w.verify(&renewed).await["verdict"], "unknown_key");
    let fresh = w.qr_text(&w.citizen).await;
    assert_eq!(w.verify(&fresh).await["verdict"], "valid", "the page issues with the new key");
}

#[tokio::test]
async fn the_confirmation_of_residence_is_a_signed_document() {
    let w = world().await;
    let mut browser = w.app.browser();
    assert!(browser.sign_in("congdan", PASSWORD).await.status().is_redirection());
    let csrf = browser.csrf_of("/me/digital-id").await;
    let r = browser.post_form("/me/residence", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains(&w.pid) && html.contains("SHA-256"));
    assert_eq!(browser.post_form("/me/residence", &[("csrf", "x")]).await.status(), StatusCode::FORBIDDEN);

    let pid = w.pid.parse().unwrap();
    let (doc, issued) =
        registry::credential::issue_residence(&w.app.db.db, &w.app.keyring, "Công an xã", &pid, &Actor::system("t"))
            .await
            .unwrap();
    let answer = w.verify(&issued.qr_text).await;
    assert_eq!(answer["verdict"], "valid", "{answer}");
    assert_eq!(answer["detail"]["kind"], "document");
    assert_eq!(answer["detail"]["document"]["payload"]["personal_id"], w.pid.as_str());
    assert_eq!(answer["detail"]["document"]["digest"], hex_of(&doc.digest));
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn congso_verify_works_offline_from_a_downloaded_bundle() {
    let w = world().await;
    let qr = w.qr_text(&w.citizen).await;
    let dir = std::env::temp_dir().join(format!("congso-bundle-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let save = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let bundle =
        save("bundle.json", &w.app.get("/.well-known/congso-verifier-bundle.json").await.bytes().await.unwrap());
    let png = save("qr.png", &w.get(&w.citizen, "/me/digital-id/qr.png").await.bytes().await.unwrap());
    // No database and no network: an empty environment, and a proxy that goes nowhere.
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_congso"))
            .args(args)
            .env_clear()
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("HTTP_PROXY", "http://127.0.0.1:9")
            .output()
            .unwrap()
    };
    let bundle_arg = bundle.to_str().unwrap();
    let out = run(&["verify", "--bundle", bundle_arg, &qr]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let verdict: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (verdict["verdict"].as_str(), verdict["identity"]["id"].as_str()),
        (Some("valid"), Some(w.pid.as_str()))
    );
    let out = run(&["verify", "--bundle", bundle_arg, "--image", png.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = run(&["verify", "--bundle", bundle_arg, &tamper(&qr)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("bad_signature"));

    let id = w.verify(&qr).await["detail"]["id"].as_str().unwrap().to_owned();
    credentials::store::revoke(&w.app.db.db, &id, "test", &Actor::system("test")).await.unwrap();
    let old_bundle = bundle_arg.to_owned();
    let fresh = save("fresh.json", &w.app.get("/.well-known/congso-verifier-bundle.json").await.bytes().await.unwrap());
    assert!(run(&["verify", "--bundle", &old_bundle, &qr]).status.success(), "the old bundle predates it");
    let out = run(&["verify", "--bundle", fresh.to_str().unwrap(), &qr]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("revoked"));

    // An altered bundle is refused.
    let mut altered: Value = serde_json::from_slice(&std::fs::read(&fresh).unwrap()).unwrap();
    altered["payload"] = Value::String(altered["payload"].as_str().unwrap().replacen('e', "f", 1));
    let altered = save("altered.json", altered.to_string().as_bytes());
    let out = run(&["verify", "--bundle", altered.to_str().unwrap(), &qr]);
    assert!(!out.status.success());
    std::fs::remove_dir_all(dir).unwrap();
}
