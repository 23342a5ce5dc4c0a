//! The site's public address comes from configuration only: `serve` refuses to start without it, and the OpenID
//! Connect issuer and the links in mail name it whatever `Host` a client sends.

use std::process::{Command, Stdio};
use std::time::Duration;

use identity::AccountKind;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, HOST};
use serde_json::Value;
use web::ratelimit::RateLimit;

use super::wait_for_exit;
use crate::helpers::TestApp;

const CONFIGURED: &str = "https://dvc.example.vn";

#[tokio::test]
async fn serve_without_a_public_url_refuses_to_start_and_names_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_congso"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .env_remove("CONGSO_PUBLIC_URL")
        .env_remove("CONGSO_CONFIG")
        .env("CONGSO_SECURE_COOKIES", "false")
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
        .spawn()
        .unwrap();
    let status = wait_for_exit(&mut child, &log).await;
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(!status.success(), "{said}");
    assert!(said.contains("CONGSO_PUBLIC_URL") && said.contains("public_url"), "{said}");
    assert!(!data.exists(), "nothing is made before the configuration is complete");
}

#[tokio::test]
async fn the_oidc_issuer_is_the_configured_address_whatever_host_says() {
    let app = TestApp::spawn_configured(RateLimit::default(), Some(CONFIGURED)).await;
    for host in [None, Some("evil.example"), Some("dvc.example.vn.evil.example:8443")] {
        let mut request = TestApp::client().get(app.url("/.well-known/openid-configuration"));
        if let Some(host) = host {
            request = request.header(HOST, host);
        }
        let discovery: Value = request.send().await.unwrap().json().await.unwrap();
        assert_eq!(discovery["issuer"], CONFIGURED, "Host: {host:?}");
        for endpoint in ["authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"] {
            let url = discovery[endpoint].as_str().unwrap();
            assert!(url.starts_with(&format!("{CONFIGURED}/")), "{endpoint} {url} with Host: {host:?}");
        }
    }
}

#[tokio::test]
async fn a_mailed_reset_link_points_to_the_configured_address_whatever_host_says() {
    let app = TestApp::spawn_configured(RateLimit::default(), Some(CONFIGURED)).await;
    let id = app.create_account("dan1", AccountKind::Citizen, false).await;
    identity::service::set_contact(&app.db.db, id, None, Some("dan1@example.vn")).await.unwrap();
    let mut browser = app.browser();
    let csrf = browser.csrf_of("/password/forgot").await;
    let cookies = browser.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let r = TestApp::client()
        .post(app.url("/password/forgot"))
        .header(HOST, "evil.example")
        .header(COOKIE, cookies)
        .form(&[("csrf", csrf.as_str()), ("login", "dan1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The mail is sent after the answer: wait until it is complete.
    let mut text = String::new();
    for _ in 0..100 {
        let files: Vec<_> = std::fs::read_dir(&app.outbox).unwrap().map(|e| e.unwrap().path()).collect();
        if let Some(read) = files.first().and_then(|f| mail_text(f)).filter(|t| t.contains("token=")) {
            text = read;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(text.contains(&format!("{CONFIGURED}/password/reset?token=")), "{text}");
    assert!(!text.contains("evil.example"), "{text}");
}

/// The decoded text of an `.eml` file, once it is whole.
fn mail_text(path: &std::path::Path) -> Option<String> {
    use base64::Engine;
    let eml = std::fs::read_to_string(path).ok()?;
    let (_, body) = eml.split_once("\r\n\r\n")?;
    let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(body).ok()?).ok()
}
