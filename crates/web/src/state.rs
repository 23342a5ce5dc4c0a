use std::sync::Arc;

use axum::http::HeaderMap;
use store::Db;
use tokio::sync::Semaphore;
use trust::keyring::Keyring;
use trust::ledger::Recorder;

use crate::metrics::Metrics;
use crate::ratelimit::{Limiter, RateLimit};

/// Settings the HTTP layer needs. Its `Debug` shows no secret: the mailer prints only where mail goes.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (served over HTTPS, directly or behind a proxy). Off only for plain-HTTP demos.
    pub secure_cookies: bool,
    /// The public address congso is reached at (e.g. `https://dichvucong.example.vn`, no trailing `/`), for
    /// links that leave the site: token issuers, links in mail. `None`: taken from each request's `Host`.
    pub public_url: Option<String>,
    /// Sends mail to people (password reset links).
    pub mailer: notify::Mailer,
    /// Rate limits per client address on the endpoints that guess secrets.
    pub rate_limit: RateLimit,
}

impl WebConfig {
    /// The address of the site as seen from outside: [`WebConfig::public_url`] when set, else the scheme (`https`
    /// when cookies are secure) and the request's `Host`. A forged `Host` only changes what the forger is told;
    /// production sets `public_url`.
    pub fn base_url(&self, headers: &HeaderMap) -> String {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                !h.is_empty() && h.len() <= 255 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
            })
            .unwrap_or("localhost");
        format!("{}://{host}", if self.secure_cookies { "https" } else { "http" })
    }
}

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// HTTP settings.
    pub config: Arc<WebConfig>,
    /// Request counters and latencies.
    pub metrics: Arc<Metrics>,
    /// The installation's signing keys.
    pub keyring: Arc<Keyring>,
    /// Appends events that change nothing else (reads of personal data) to the audit ledger.
    pub ledger: Recorder,
    /// The rate limiter's buckets, per client address.
    pub rate_limiter: Arc<Limiter>,
    /// Permits to decode an uploaded image on the blocking pool, [`decoder_permits`] of them: decoding is seconds
    /// of CPU and up to a few hundred megabytes, so only so many run at once and the rest wait or are told to
    /// come back (`AppError::Busy`), instead of piling up without bound.
    pub image_decoders: Arc<Semaphore>,
}

/// How many images may be decoded at once: half the cores (at least one, at most four), leaving the other half
/// to everything else the server does.
pub fn decoder_permits() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get() / 2).clamp(1, 4)
}

impl AppState {
    /// A state over `db`, starting the ledger's recorder and the rate limiter's sweeper on the current runtime.
    pub fn new(db: Db, config: WebConfig, keyring: Arc<Keyring>) -> AppState {
        let ledger = Recorder::start(db.clone());
        let rate_limiter = Limiter::start(&config.rate_limit);
        let image_decoders = Arc::new(Semaphore::new(decoder_permits()));
        let metrics = Arc::new(Metrics::default());
        AppState { db, config: Arc::new(config), metrics, keyring, ledger, rate_limiter, image_decoders }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderMap;
    use axum::http::header::HOST;

    use super::WebConfig;

    fn config(public_url: Option<&str>, secure_cookies: bool) -> WebConfig {
        let mailer =
            notify::Mailer::smtp("smtp://mailer:hunter2@localhost", "congso <no-reply@congso.invalid>").unwrap();
        WebConfig { secure_cookies, public_url: public_url.map(str::to_owned), mailer, rate_limit: Default::default() }
    }

    #[test]
    fn the_public_url_wins_and_a_strange_host_is_not_echoed() {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, "dvc.example.vn:8443".parse().unwrap());
        assert_eq!(config(None, true).base_url(&headers), "https://dvc.example.vn:8443");
        assert_eq!(config(Some("https://dichvucong.gov.vn"), false).base_url(&headers), "https://dichvucong.gov.vn");
        headers.insert(HOST, "evil.example/<script>".parse().unwrap());
        assert_eq!(config(None, false).base_url(&headers), "http://localhost");
        assert!(!format!("{:?}", config(None, false)).contains("hunter2"));
    }
}
