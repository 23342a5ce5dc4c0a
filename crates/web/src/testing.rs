//! A test kit for slices (feature `testing`): one slice's routes served over real HTTP on a random port, over a
//! fresh database (SQLite, or PostgreSQL when `CONGSO_TEST_DATABASE_URL` is set), with the layers every request
//! meets in production that belong to this crate: CSRF cookie, error rendering in the caller's language, the
//! rate limit and the security headers. A slice tests its own pages and API with it, without the whole server;
//! `crates/server/tests/api` keeps the stories that cross slices.
//!
//! Authentication is identity's, above this crate: a slice whose routes need a signed-in caller adds
//! `identity::authenticate` with [`SliceServer::start_with`].

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use store::testing::TestDb;
use trust::keyring::{Keyring, MasterKey};

use crate::ratelimit::RateLimit;
use crate::{AppState, WebConfig};

/// The master key of every test keyring.
const MASTER_KEY: &str = "Y29uZ3NvIHRlc3QgbWFzdGVyIGtleSAzMiBieXRlcyE=";

/// A slice's routes, served.
pub struct SliceServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The fresh database, dropped with the server.
    pub db: TestDb,
    /// The server's state.
    pub state: AppState,
    _outbox: tempfile::TempDir,
}

impl SliceServer {
    /// Serves `pages` at the root and `api` (a slice's [`crate::openapi::ApiRouter`]) under `/api/v1`.
    pub async fn start(pages: Router<AppState>, api: impl Into<Router<AppState>>) -> SliceServer {
        Self::start_with(pages, api, |router, _| router).await
    }

    /// Like [`Self::start`], with `wrap` adding layers of the slices below this one (authentication) to the
    /// composed routes, inside the error renderer as in production.
    pub async fn start_with(
        pages: Router<AppState>,
        api: impl Into<Router<AppState>>,
        wrap: impl FnOnce(Router<AppState>, AppState) -> Router<AppState>,
    ) -> SliceServer {
        let db = TestDb::new().await;
        let master = MasterKey::from_base64(MASTER_KEY).expect("the test master key is valid base64");
        let keyring = Arc::new(Keyring::open(&db.db, master).await.expect("a fresh keyring opens"));
        let outbox = tempfile::tempdir().expect("a temporary folder");
        let mailer = notify::Mailer::file(outbox.path(), "congso <no-reply@congso.invalid>").expect("an outbox");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("a bound address"));
        let public_url = base.parse().expect("the test address is a public URL");
        let config = WebConfig { secure_cookies: false, public_url, mailer, rate_limit: RateLimit::default() };
        let files = files::Files::open(&files::Location::Folder(outbox.path().join("files"))).expect("a files folder");
        let state = AppState::new(db.db.clone(), config, keyring, files).expect("the ledger recorder starts");
        let routes = Router::new().merge(pages).nest("/api/v1", api.into());
        let router = wrap(routes.layer(from_fn_with_state(state.clone(), crate::ratelimit::limit)), state.clone())
            .layer(from_fn(crate::error::render_errors))
            .layer(from_fn_with_state(state.clone(), crate::csrf::ensure_token))
            .with_state(state.clone());
        let app = crate::headers::secure(router).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await });
        SliceServer { base, db, state, _outbox: outbox }
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET path`, not following redirects.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::GET, path).send().await.expect("the slice server answers")
    }

    /// A request to `path` to finish and send, not following redirects.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a reqwest client builds");
        client.request(method, self.url(path))
    }
}
