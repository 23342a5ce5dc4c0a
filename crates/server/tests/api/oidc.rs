//! The OpenID Connect provider, driven by the independent `openidconnect` crate where it can be, and by hand
//! where a test must send what no well-behaved client would.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use identity::AccountKind;
use identity::oidc::service::register_client;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trust::keys::{Algorithm, SigningKey};

use crate::helpers::{Browser, PASSWORD, TestApp, location};

const REDIRECT: &str = "https://rp.example.vn/callback";

/// A citizen account bound to a personal ID number, signed in.
async fn citizen(app: &TestApp, username: &str, personal_id: &str) -> (i64, Browser) {
    let id = app.create_account(username, AccountKind::Citizen, false).await;
    identity::service::bind_personal_id(&app.db.db, id, &personal_id.parse().unwrap()).await.unwrap();
    let mut browser = app.browser();
    assert_eq!(browser.sign_in(username, PASSWORD).await.status(), StatusCode::SEE_OTHER);
    (id, browser)
}

async fn secret_client(app: &TestApp) -> (String, String) {
    let r = register_client(&app.db.db, "Cổng dịch vụ công tỉnh", vec![REDIRECT.into()], None).await.unwrap();
    (r.client_id, r.secret.unwrap())
}

fn unescape(s: &str) -> String {
    s.replace("&#38;", "&").replace("&amp;", "&").replace("&#34;", "\"").replace("&#39;", "'").replace("&quot;", "\"")
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    unescape(html[start..].split('"').next().unwrap())
}

fn query_of(url: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(url.split_once('?').map_or("", |(_, q)| q)).unwrap()
}

fn param(url: &str, name: &str) -> Option<String> {
    query_of(url).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Opens the authorization URL in the browser, consents, and returns where congso sent the browser.
async fn consent(app: &TestApp, browser: &mut Browser, url: &str) -> String {
    let path = url.strip_prefix(&app.base).unwrap();
    let r = browser.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let page = r.text().await.unwrap();
    assert!(page.contains("Cổng dịch vụ công tỉnh") && page.contains("Đồng ý"), "{page}");
    let fields =
        [("csrf", hidden(&page, "csrf")), ("request", hidden(&page, "request")), ("decision", "approve".into())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = browser.post_form("/oidc/authorize", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    location(&r).to_owned()
}

/// An authorization URL written by hand, with a fresh PKCE pair; returns it and the verifier.
fn by_hand(app: &TestApp, client_id: &str, scope: &str, extra: &[(&str, &str)]) -> (String, String) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("scope", scope),
        ("state", "st-1"),
        ("nonce", "n-1"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        params.retain(|(name, _)| name != k);
        if !v.is_empty() {
            params.push((k, v));
        }
    }
    let url = format!("{}/oidc/authorize?{}", app.base, serde_urlencoded::to_string(&params).unwrap());
    (url, verifier.secret().clone())
}

async fn code_for(app: &TestApp, browser: &mut Browser, client_id: &str, scope: &str) -> (String, String) {
    let (url, verifier) = by_hand(app, client_id, scope, &[]);
    let back = consent(app, browser, &url).await;
    (param(&back, "code").unwrap(), verifier)
}

async fn redeem(app: &TestApp, auth: (&str, &str), code: &str, verifier: &str) -> reqwest::Response {
    TestApp::client()
        .post(app.url("/oidc/token"))
        .basic_auth(auth.0, Some(auth.1))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap()
}

async fn oauth_error(r: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert!(body["error_description"].is_string());
    body["error"].as_str().unwrap().to_owned()
}

async fn userinfo(app: &TestApp, token: &str) -> reqwest::Response {
    TestApp::client().get(app.url("/oidc/userinfo")).bearer_auth(token).send().await.unwrap()
}

#[tokio::test]
async fn the_whole_flow_with_an_independent_client() {
    let app = TestApp::spawn().await;
    let (client_id, secret) = secret_client(&app).await;
    let (_, mut browser) = citizen(&app, "citizen.a", "001090012345").await;

    let http = openidconnect::reqwest::Client::builder()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(app.base.clone()).unwrap(), &http).await.unwrap();
    let acr_supported: Vec<_> =
        metadata.acr_values_supported().unwrap().iter().map(|a| a.as_str().to_owned()).collect();
    assert_eq!(acr_supported, ["urn:congso:loa:1", "urn:congso:loa:2"]);
    let client =
        CoreClient::from_provider_metadata(metadata, ClientId::new(client_id.clone()), Some(ClientSecret::new(secret)))
            .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("profile".into()))
        .add_auth_context_value(AuthenticationContextClass::new("urn:congso:loa:1".into()))
        .set_pkce_challenge(challenge)
        .url();

    let back = consent(&app, &mut browser, url.as_str()).await;
    assert!(back.starts_with(REDIRECT));
    assert_eq!(param(&back, "state").as_deref(), Some(state.secret().as_str()));
    assert_eq!(param(&back, "iss").as_deref(), Some(app.base.as_str()));
    let code = AuthorizationCode::new(param(&back, "code").unwrap());

    let tokens = client.exchange_code(code).unwrap().set_pkce_verifier(verifier).request_async(&http).await.unwrap();
    let id_token = tokens.id_token().unwrap();
    let id_verifier = client.id_token_verifier().set_allowed_algs(vec![CoreJwsSigningAlgorithm::EcdsaP256Sha256]);
    let claims = id_token.claims(&id_verifier, &nonce).unwrap();
    assert_eq!(claims.audiences().iter().map(|a| a.as_str()).collect::<Vec<_>>(), [client_id.as_str()]);
    assert_eq!(claims.auth_context_ref().unwrap().as_str(), "urn:congso:loa:1");
    assert!(claims.auth_time().is_some());
    assert!(!claims.subject().as_str().contains("001090012345"));
    // A wrong nonce is caught by the same library.
    assert!(id_token.claims(&id_verifier, &Nonce::new("other".into())).is_err());

    let info: CoreUserInfoClaims =
        client.user_info(tokens.access_token().clone(), None).unwrap().request_async(&http).await.unwrap();
    assert_eq!(info.subject(), claims.subject());
    assert_eq!(info.name().unwrap().get(None).unwrap().as_str(), "Người dùng citizen.a");
}

#[tokio::test]
async fn the_personal_id_number_only_with_its_scope() {
    let app = TestApp::spawn().await;
    let (client_id, secret) = secret_client(&app).await;
    let (_, mut browser) = citizen(&app, "citizen.b", "001090054321").await;
    for (scope, released) in [("openid profile", false), ("openid personal_id", true)] {
        let (code, verifier) = code_for(&app, &mut browser, &client_id, scope).await;
        let tokens: Value = redeem(&app, (&client_id, &secret), &code, &verifier).await.json().await.unwrap();
        let r = userinfo(&app, tokens["access_token"].as_str().unwrap()).await;
        assert_eq!(r.status(), 200);
        let info: Value = r.json().await.unwrap();
        assert_eq!(
            info.get("personal_id").and_then(Value::as_str) == Some("001090054321"),
            released,
            "{scope}: {info}"
        );
        assert_eq!(info.get("name").is_some(), scope.contains("profile"));
        assert!(!tokens["id_token"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn codes_are_single_use_bound_and_short_lived() {
    let app = TestApp::spawn().await;
    let (client_id, secret) = secret_client(&app).await;
    let (other_id, other_secret) = secret_client(&app).await;
    let (_, mut browser) = citizen(&app, "citizen.c", "001090011111").await;
    let auth = (client_id.as_str(), secret.as_str());

    // Replayed: refused, and the tokens the code gave are revoked.
    let (code, verifier) = code_for(&app, &mut browser, &client_id, "openid").await;
    let first: Value = redeem(&app, auth, &code, &verifier).await.json().await.unwrap();
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&app, access).await.status(), 200);
    assert_eq!(oauth_error(redeem(&app, auth, &code, &verifier).await, StatusCode::BAD_REQUEST).await, "invalid_grant");
    assert_eq!(userinfo(&app, access).await.status(), 401);

    // A wrong PKCE verifier.
    let (code, _) = code_for(&app, &mut browser, &client_id, "openid").await;
    let wrong = "a".repeat(43);
    assert_eq!(oauth_error(redeem(&app, auth, &code, &wrong).await, StatusCode::BAD_REQUEST).await, "invalid_grant");

    // Another client.
    let (code, verifier) = code_for(&app, &mut browser, &client_id, "openid").await;
    let r = redeem(&app, (&other_id, &other_secret), &code, &verifier).await;
    assert_eq!(oauth_error(r, StatusCode::BAD_REQUEST).await, "invalid_grant");

    // A different redirect_uri at the token endpoint.
    let (code, verifier) = code_for(&app, &mut browser, &client_id, "openid").await;
    let r = TestApp::client()
        .post(app.url("/oidc/token"))
        .basic_auth(&client_id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://rp.example.vn/other"),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(r, StatusCode::BAD_REQUEST).await, "invalid_grant");

    // Expired: codes live 60 seconds; age this one instead of waiting.
    let (code, verifier) = code_for(&app, &mut browser, &client_id, "openid").await;
    store::sqlx::query("UPDATE oidc_codes SET expires_at = 0 WHERE used_at IS NULL")
        .execute(app.db.db.pool())
        .await
        .unwrap();
    assert_eq!(oauth_error(redeem(&app, auth, &code, &verifier).await, StatusCode::BAD_REQUEST).await, "invalid_grant");

    // A code never issued; a missing verifier; another grant type.
    let (_, verifier) = code_for(&app, &mut browser, &client_id, "openid").await;
    assert_eq!(
        oauth_error(redeem(&app, auth, "nonsense", &verifier).await, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );
    let r = TestApp::client()
        .post(app.url("/oidc/token"))
        .basic_auth(&client_id, Some(&secret))
        .form(&[("grant_type", "authorization_code"), ("code", "x"), ("redirect_uri", REDIRECT)])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(r, StatusCode::BAD_REQUEST).await, "invalid_request");
    let r = TestApp::client()
        .post(app.url("/oidc/token"))
        .basic_auth(&client_id, Some(&secret))
        .form(&[("grant_type", "password"), ("username", "a"), ("password", "b")])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(r, StatusCode::BAD_REQUEST).await, "unsupported_grant_type");
}

#[tokio::test]
async fn clients_that_fail_to_authenticate_are_refused() {
    let app = TestApp::spawn().await;
    let (client_id, _) = secret_client(&app).await;
    let (_, mut browser) = citizen(&app, "citizen.d", "001090022222").await;
    let (code, verifier) = code_for(&app, &mut browser, &client_id, "openid").await;

    let r = redeem(&app, (&client_id, "not-the-secret"), &code, &verifier).await;
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"));
    assert_eq!(oauth_error(r, StatusCode::UNAUTHORIZED).await, "invalid_client");
    let r = redeem(&app, ("cs_nobody", "whatever"), &code, &verifier).await;
    assert_eq!(oauth_error(r, StatusCode::UNAUTHORIZED).await, "invalid_client");
    // client_secret_post is not offered.
    let r = TestApp::client()
        .post(app.url("/oidc/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &client_id),
            ("client_secret", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(r, StatusCode::UNAUTHORIZED).await, "invalid_client");
    // Garbage in the header and the body: still the standard errors.
    let r = TestApp::client()
        .post(app.url("/oidc/token"))
        .header("authorization", "Basic %%%")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=authorization_code&code=%ZZ")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    let r = TestApp::client().post(app.url("/oidc/token")).json(&json!({"grant_type": "x"})).send().await.unwrap();
    assert_eq!(oauth_error(r, StatusCode::BAD_REQUEST).await, "invalid_request");
}

fn assertion(key: &SigningKey, client_id: &str, aud: &str, jti: &str) -> String {
    let exp = time::OffsetDateTime::now_utc().unix_timestamp() + 120;
    identity::oidc::jose::sign(key, &json!({"iss": client_id, "sub": client_id, "aud": aud, "exp": exp, "jti": jti}))
}

async fn redeem_with_assertion(app: &TestApp, code: &str, verifier: &str, assertion: &str) -> reqwest::Response {
    TestApp::client()
        .post(app.url("/oidc/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", assertion),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn private_key_jwt_clients() {
    // Some 16 token requests in a few seconds: more than the production limit per address.
    let app = TestApp::spawn_generous().await;
    let token_endpoint = app.url("/oidc/token");
    let (_, mut browser) = citizen(&app, "citizen.e", "001090033333").await;
    for algorithm in Algorithm::ALL {
        let key = SigningKey::generate(algorithm);
        let jwks = json!({ "keys": [key.verifying_key().to_jwk()] });
        let client_id = register_client(&app.db.db, "Cổng dịch vụ công tỉnh", vec![REDIRECT.into()], Some(jwks))
            .await
            .unwrap()
            .client_id;

        let (code, verifier) = code_for(&app, &mut browser, &client_id, "openid").await;
        let good = assertion(&key, &client_id, &token_endpoint, &format!("jti-{algorithm}"));
        let r = redeem_with_assertion(&app, &code, &verifier, &good).await;
        assert_eq!(r.status(), 200, "{algorithm}");

        // The same assertion again (jti replay), alg none, an unknown key, the wrong audience.
        let (code, verifier) = code_for(&app, &mut browser, &client_id, "openid").await;
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let claims = good.split('.').nth(1).unwrap();
        let none = format!("{header}.{claims}.");
        let stranger = assertion(&SigningKey::generate(algorithm), &client_id, &token_endpoint, "jti-x");
        let wrong_aud = assertion(&key, &client_id, "https://elsewhere.example/token", "jti-y");
        let mut alg_swapped = good.split('.').map(str::to_owned).collect::<Vec<_>>();
        let other_alg = if algorithm == Algorithm::ES256 { "EdDSA" } else { "ES256" };
        alg_swapped[0] = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{other_alg}","kid":"{}"}}"#, key.kid()));
        for bad in [good.clone(), none, stranger, wrong_aud, alg_swapped.join("."), "not.a.jwt".into()] {
            let r = redeem_with_assertion(&app, &code, &verifier, &bad).await;
            assert_eq!(oauth_error(r, StatusCode::UNAUTHORIZED).await, "invalid_client", "{algorithm}: {bad}");
        }
        // The code survived the failed attempts: client authentication comes first.
        let fresh = assertion(&key, &client_id, &token_endpoint, &format!("jti-2-{algorithm}"));
        assert_eq!(redeem_with_assertion(&app, &code, &verifier, &fresh).await.status(), 200);
    }
}

#[tokio::test]
async fn bad_authorization_requests() {
    let app = TestApp::spawn().await;
    let (client_id, _) = secret_client(&app).await;
    let (_, mut browser) = citizen(&app, "citizen.f", "001090044444").await;

    // Before the redirect URI is trusted: an error page, never a redirect.
    for extra in
        [vec![("redirect_uri", "https://evil.example/cb")], vec![("client_id", "cs_unknown")], vec![("client_id", "")]]
    {
        let (url, _) = by_hand(&app, &client_id, "openid", &extra);
        let r = browser.get(url.strip_prefix(&app.base).unwrap()).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{extra:?}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    }
    // After: back to the client with the standard code.
    type Case = (&'static [(&'static str, &'static str)], &'static str, &'static str);
    let cases: [Case; 5] = [
        (&[], "openid email", "invalid_scope"),
        (&[], "profile", "invalid_scope"),
        (&[("code_challenge", ""), ("code_challenge_method", "")], "openid", "invalid_request"),
        (&[("code_challenge_method", "plain")], "openid", "invalid_request"),
        (&[("response_type", "token")], "openid", "unsupported_response_type"),
    ];
    for (extra, scope, expected) in cases {
        let (url, _) = by_hand(&app, &client_id, scope, extra);
        let r = browser.get(url.strip_prefix(&app.base).unwrap()).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{extra:?} {scope}");
        let to = location(&r);
        assert!(to.starts_with(REDIRECT));
        assert_eq!(param(to, "error").as_deref(), Some(expected), "{extra:?} {scope}");
        assert_eq!(param(to, "state").as_deref(), Some("st-1"));
    }
    // Declining consent.
    let (url, _) = by_hand(&app, &client_id, "openid", &[]);
    let page = browser.get(url.strip_prefix(&app.base).unwrap()).await.text().await.unwrap();
    let r = browser
        .post_form(
            "/oidc/authorize",
            &[("csrf", &hidden(&page, "csrf")), ("request", &hidden(&page, "request")), ("decision", "deny")],
        )
        .await;
    assert_eq!(param(location(&r), "error").as_deref(), Some("access_denied"));
    // Without the CSRF token the consent is refused outright.
    let r =
        browser.post_form("/oidc/authorize", &[("request", &hidden(&page, "request")), ("decision", "approve")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn not_signed_in_goes_through_sign_in_and_comes_back() {
    let app = TestApp::spawn().await;
    let (client_id, secret) = secret_client(&app).await;
    let id = app.create_account("citizen.g", AccountKind::Citizen, false).await;
    identity::service::bind_personal_id(&app.db.db, id, &"001090055555".parse().unwrap()).await.unwrap();
    let mut browser = app.browser();
    let (url, verifier) = by_hand(&app, &client_id, "openid", &[]);
    let r = browser.get(url.strip_prefix(&app.base).unwrap()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let next = param(location(&r), "next").unwrap();
    assert!(next.starts_with("/oidc/authorize?"));
    let csrf = browser.csrf_of("/signin").await;
    let r = browser
        .post_form("/signin", &[("csrf", &csrf), ("username", "citizen.g"), ("password", PASSWORD), ("next", &next)])
        .await;
    assert_eq!(location(&r), next);
    let back = consent(&app, &mut browser, &format!("{}{next}", app.base)).await;
    let r = redeem(&app, (&client_id, &secret), &param(&back, "code").unwrap(), &verifier).await;
    assert_eq!(r.status(), 200);
    // prompt=none without a session.
    let (url, _) = by_hand(&app, &client_id, "openid", &[("prompt", "none")]);
    let r = app.browser().get(url.strip_prefix(&app.base).unwrap()).await;
    assert_eq!(param(location(&r), "error").as_deref(), Some("login_required"));
}

#[tokio::test]
async fn acr_values_are_honoured_and_a_clerk_raises_the_level() {
    let app = TestApp::spawn().await;
    registry::cli::generate_into(&app.db.db, 30, 5, false).await.unwrap();
    let (pid, commune): (String, String) = store::sqlx::query_as(
        "SELECT personal_id, commune_code FROM citizens WHERE commune_code IS NOT NULL ORDER BY id LIMIT 1",
    )
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    let (client_id, secret) = secret_client(&app).await;
    let (_, mut browser) = citizen(&app, "citizen.h", &pid).await;

    let loa2 = [("acr_values", "urn:congso:loa:2")];
    let (url, _) = by_hand(&app, &client_id, "openid", &loa2);
    let r = browser.get(url.strip_prefix(&app.base).unwrap()).await;
    assert_eq!(param(location(&r), "error").as_deref(), Some("access_denied"));

    let clerk = |name: &'static str, territory: &str| {
        let territory: identity::Territory = territory.parse().unwrap();
        let db = app.db.db.clone();
        async move {
            let new = identity::service::NewAccount {
                username: name.parse().unwrap(),
                display_name: name.into(),
                kind: AccountKind::Official,
                password: PASSWORD.parse().unwrap(),
                roles: vec![identity::model::RoleAssignment {
                    role: identity::Role::RegistryClerk,
                    agency: None,
                    territory,
                }],
            };
            identity::service::create_account(&db, new).await.unwrap();
            identity::service::create_token(&db, name, 1).await.unwrap().1
        }
    };
    let elsewhere = if commune == "00004" { "00007" } else { "00004" };
    let outsider = clerk("clerk.elsewhere", elsewhere).await;
    let local = clerk("clerk.local", &commune).await;
    let raise = |token: String| {
        TestApp::client()
            .post(app.url("/api/v1/accounts/citizen.h/assurance"))
            .bearer_auth(token)
            .json(&json!({"level": 2}))
            .send()
    };
    assert_eq!(raise(outsider).await.unwrap().status(), StatusCode::NOT_FOUND);
    let r = raise(local.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let changed: Value = r.json().await.unwrap();
    assert_eq!((changed["previous"].as_i64(), changed["assurance_level"].as_i64()), (Some(1), Some(2)));
    // The change ended the citizen's sessions; they sign in again.
    assert_eq!(browser.get("/account").await.status(), StatusCode::SEE_OTHER);
    browser.sign_in("citizen.h", PASSWORD).await;

    let (url, verifier) = by_hand(&app, &client_id, "openid", &loa2);
    let back = consent(&app, &mut browser, &url).await;
    let tokens: Value =
        redeem(&app, (&client_id, &secret), &param(&back, "code").unwrap(), &verifier).await.json().await.unwrap();
    let claims = tokens["id_token"].as_str().unwrap().split('.').nth(1).unwrap().to_owned();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
    assert_eq!(claims["acr"], "urn:congso:loa:2");

    let changes: i64 = store::sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'account_changed' AND body LIKE '%assurance_level%'",
    )
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    assert_eq!(changes, 1);
}

#[tokio::test]
async fn userinfo_refuses_what_is_not_a_live_token() {
    let app = TestApp::spawn().await;
    let r = TestApp::client().get(app.url("/oidc/userinfo")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    for header in [
        "Bearer",
        "Bearer ",
        "Bearer oidc_at_nothing",
        "Bearer congso_x",
        "Basic YTpi",
        "Bearer \u{7f}",
        &format!("Bearer {}", "x".repeat(5000)),
    ] {
        let r = TestApp::client().get(app.url("/oidc/userinfo")).header("authorization", header).send().await;
        let Ok(r) = r else { continue };
        assert_eq!(r.status(), 401, "{header}");
        assert!(r.headers()["www-authenticate"].to_str().unwrap().contains("invalid_token"), "{header}");
    }
}
