use std::collections::BTreeMap;

use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Response, StatusCode};
use store::testing::TestDb;
use trust::keyring::{Keyring, MasterKey};
use web::ratelimit::RateLimit;
use web::{AppState, WebConfig};

pub const PASSWORD: &str = "a long enough password";

/// The master key of every test's keyring, so a `congso serve` started by a test can open it too.
pub const MASTER_KEY: &str = "Y29uZ3NvIHRlc3QgbWFzdGVyIGtleSAzMiBieXRlcyE=";

/// A running server and its database.
pub struct TestApp {
    pub base: String,
    pub db: TestDb,
    /// The server's keyring, to reload after rotating or retiring keys in the database.
    pub keyring: std::sync::Arc<Keyring>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(WebConfig { secure_cookies: false, rate_limit: RateLimit::default() }).await
    }

    /// A server with the production rate limit raised, for tests that sign in or register more than the
    /// production quota allows in a minute.
    pub async fn spawn_generous() -> TestApp {
        let rate_limit = RateLimit { per_minute: std::num::NonZeroU32::new(1000).unwrap(), ..RateLimit::default() };
        Self::spawn_with(WebConfig { secure_cookies: false, rate_limit }).await
    }

    pub async fn spawn_with(config: WebConfig) -> TestApp {
        let db = TestDb::new().await;
        let keyring =
            std::sync::Arc::new(Keyring::open(&db.db, MasterKey::from_base64(MASTER_KEY).unwrap()).await.unwrap());
        let state = AppState::new(db.db.clone(), config, keyring.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(congso::app::serve(listener, state, std::future::pending()));
        TestApp { base, db, keyring }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client that does not follow redirects, so tests see them.
    pub fn client() -> reqwest::Client {
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        Self::client().get(self.url(path)).send().await.unwrap()
    }

    pub async fn create_account(&self, username: &str, kind: AccountKind, admin: bool) -> i64 {
        let roles = if admin {
            vec![RoleAssignment { role: Role::Administrator, agency: None, territory: Territory::Nation }]
        } else {
            vec![]
        };
        let new = NewAccount {
            username: username.into(),
            display_name: format!("Người dùng {username}"),
            kind,
            password: PASSWORD.into(),
            roles,
        };
        service::create_account(&self.db.db, new).await.unwrap()
    }

    pub fn browser(&self) -> Browser {
        Browser { base: self.base.clone(), client: Self::client(), cookies: BTreeMap::new() }
    }
}

/// A client that keeps cookies like a browser does.
pub struct Browser {
    base: String,
    client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep_cookies(&mut self, response: &Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let value = value.to_str().unwrap();
            let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
            let (name, val) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") || val.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), val.to_owned());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> Response {
        let response =
            self.client.get(format!("{}{path}", self.base)).header(COOKIE, self.cookie_header()).send().await.unwrap();
        self.keep_cookies(&response);
        response
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .form(fields)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        response
    }

    /// Loads a page and returns the CSRF token its forms carry.
    pub async fn csrf_of(&mut self, path: &str) -> String {
        let html = self.get(path).await.text().await.unwrap();
        form_token(&html)
    }

    pub async fn sign_in(&mut self, username: &str, password: &str) -> Response {
        let csrf = self.csrf_of("/signin").await;
        self.post_form("/signin", &[("csrf", &csrf), ("username", username), ("password", password)]).await
    }
}

pub fn form_token(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub fn location(response: &Response) -> &str {
    response.headers().get(reqwest::header::LOCATION).unwrap().to_str().unwrap()
}

pub async fn error_code(response: Response, status: StatusCode) -> serde_json::Value {
    assert_eq!(response.status(), status);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let body: serde_json::Value = response.json().await.unwrap();
    body["error"].clone()
}
