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
    /// The folder the server's mail is written to, as `.eml` files.
    pub outbox: std::path::PathBuf,
    /// The server's state, for tests that must take what requests compete for (the image decoders).
    pub state: AppState,
    _outbox_dir: tempfile::TempDir,
    _files_dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(RateLimit::default()).await
    }

    /// A server with the production rate limit raised, for tests that sign in or register more than the
    /// production quota allows in a minute.
    pub async fn spawn_generous() -> TestApp {
        let rate_limit = RateLimit { per_minute: std::num::NonZeroU32::new(1000).unwrap(), ..RateLimit::default() };
        Self::spawn_with(rate_limit).await
    }

    pub async fn spawn_with(rate_limit: RateLimit) -> TestApp {
        Self::spawn_configured(rate_limit, None).await
    }

    /// A server whose configured public address is `public_url` (by default its own base URL).
    pub async fn spawn_configured(rate_limit: RateLimit, public_url: Option<&str>) -> TestApp {
        Self::spawn_full(rate_limit, public_url, congso::app::payments()).await
    }

    /// A server whose payments' settings are `config` (a sandbox bank at a test's own address).
    pub async fn spawn_paying(config: payments::PaymentsConfig) -> TestApp {
        let listeners = payments::Listeners::default()
            .with(payments::model::BillForKind::Dossier, portal::fees::DossierFees::listener());
        Self::spawn_full(RateLimit::default(), None, payments::Payments::new(config, listeners)).await
    }

    async fn spawn_full(rate_limit: RateLimit, public_url: Option<&str>, payments: payments::Payments) -> TestApp {
        let db = TestDb::new().await;
        let keyring =
            std::sync::Arc::new(Keyring::open(&db.db, MasterKey::from_base64(MASTER_KEY).unwrap()).await.unwrap());
        let outbox_dir = tempfile::tempdir().unwrap();
        let outbox = outbox_dir.path().to_path_buf();
        let mailer = notify::Mailer::file(&outbox, congso::config::DEFAULT_MAIL_FROM).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let public_url = public_url.unwrap_or(&base).parse().unwrap();
        let config = WebConfig { secure_cookies: false, public_url, mailer, rate_limit };
        let files_dir = tempfile::tempdir().unwrap();
        let files = files::Files::open(&files::Location::Folder(files_dir.path().to_path_buf())).unwrap();
        let state = AppState::new(db.db.clone(), config, keyring.clone(), files).unwrap();
        // The job worker, as `congso serve` starts it, polling often so that tests wait little for their mail.
        let handlers = congso::app::job_handlers(&state);
        let worker = jobs::WorkerConfig { idle_sleep: std::time::Duration::from_millis(20), ..Default::default() };
        jobs::Worker::new(db.db.clone(), handlers, worker).spawn();
        let kept = state.clone();
        tokio::spawn(congso::app::serve_with(listener, state, payments, std::future::pending()));
        TestApp { base, db, keyring, outbox, state: kept, _outbox_dir: outbox_dir, _files_dir: files_dir }
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
            username: username.parse().unwrap(),
            display_name: format!("Người dùng {username}"),
            kind,
            password: PASSWORD.parse().unwrap(),
            roles,
        };
        service::create_account(&self.db.db, new).await.unwrap()
    }

    /// An account holding `roles`, and an API token for it: `(account id, token)`.
    pub async fn account_with_token(
        &self,
        username: &str,
        kind: AccountKind,
        roles: Vec<RoleAssignment>,
    ) -> (i64, String) {
        let new = NewAccount {
            username: username.parse().unwrap(),
            display_name: username.into(),
            kind,
            password: PASSWORD.parse().unwrap(),
            roles,
        };
        let id = service::create_account(&self.db.db, new).await.unwrap();
        (id, service::create_token(&self.db.db, username, 1).await.unwrap().1)
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

    /// A request carrying the browser's cookies, to be finished by the caller (headers, body) and sent.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base)).header(COOKIE, self.cookie_header())
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

impl Browser {
    /// On a session that was just signed in without a second factor, switches TOTP on through /account/mfa as a
    /// person with an authenticator app would, and returns the secret the page showed.
    pub async fn enrol_totp(&mut self) -> Vec<u8> {
        let page = self.get("/account/mfa").await.text().await.unwrap();
        let b32 = page.split("secret=").nth(1).expect("an otpauth URI on the page").split('&').next().unwrap();
        let secret = base32_decode(b32);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let code = format!("{:06}", identity::mfa::totp(&secret, now, 6));
        let r = self.post_form("/account/mfa", &[("csrf", &form_token(&page)), ("code", &code)]).await;
        assert_eq!(r.status(), StatusCode::OK, "enrolment refused");
        secret
    }
}

fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut out, mut buffer, mut bits) = (Vec::new(), 0u32, 0u32);
    for c in text.bytes() {
        buffer = (buffer << 5) | ALPHABET.iter().position(|&a| a == c).unwrap() as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
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

/// `congso ledger verify` on `app`'s database, with `data_dir` as its data folder (where the heads file is) or a
/// fresh one; whether it passed, and what it printed.
pub fn ledger_verify(app: &TestApp, data_dir: Option<&std::path::Path>) -> (bool, String) {
    let fresh = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_congso"))
        .args(["ledger", "verify", "--database-url", &app.db.url])
        .env("CONGSO_MASTER_KEY", MASTER_KEY)
        .env("CONGSO_DATA_DIR", data_dir.unwrap_or(fresh.path()))
        .output()
        .unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// A territory by its code.
pub fn unit(code: &str) -> Territory {
    Territory::Unit(code.parse().unwrap())
}

/// An agency over `territory`, made as a process would.
pub async fn agency(app: &TestApp, code: &str, territory: Territory) -> identity::officials::Agency {
    let agency =
        identity::officials::Agency { code: code.parse().unwrap(), name: format!("Cơ quan {code}"), territory };
    identity::officials::service::ensure_agency(&app.db.db, &agency, trust::ledger::Actor::system("test"))
        .await
        .unwrap();
    agency
}

/// How many notifications `username` has whose Vietnamese title is like `title` (SQL `LIKE`), waiting up to five
/// seconds for the job worker to post the first.
pub async fn notifications_to(app: &TestApp, username: &str, title: &str) -> i64 {
    for _ in 0..200 {
        let found: i64 = store::sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications n JOIN accounts a ON a.id = n.recipient \
             WHERE a.username = $1 AND n.title_vi LIKE $2",
        )
        .bind(username)
        .bind(title)
        .fetch_one(app.db.db.pool())
        .await
        .unwrap();
        if found > 0 {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    0
}
