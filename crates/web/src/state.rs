use std::sync::Arc;

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
    /// The address congso is reached at, for everything that names the site to the outside: the OpenID Connect
    /// issuer and its endpoints, links in mail. Always configured, never taken from a request's `Host`, which the
    /// client chooses.
    pub public_url: PublicUrl,
    /// Sends mail to people (password reset links).
    pub mailer: notify::Mailer,
    /// Rate limits per client address on the endpoints that guess secrets.
    pub rate_limit: RateLimit,
}

/// The public address of the site: `https://` or `http://`, a host and perhaps a port, no path; kept without a
/// trailing `/` so that paths can be appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

/// Why a text is not a [`PublicUrl`].
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not an address such as https://dichvucong.example.vn (http or https, a host, no path)")]
pub struct BadPublicUrl(String);

impl std::str::FromStr for PublicUrl {
    type Err = BadPublicUrl;

    fn from_str(text: &str) -> Result<PublicUrl, BadPublicUrl> {
        let url = text.trim().trim_end_matches('/');
        let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
        match host {
            Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', '@', ' ', '\\']) => {
                Ok(PublicUrl(url.to_owned()))
            }
            _ => Err(BadPublicUrl(text.to_owned())),
        }
    }
}

impl PublicUrl {
    /// The address, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What every handler can reach: [`Shared`] behind one reference count, since every middleware layer and handler
/// takes its own copy of it for every request (a copy of the fields themselves was eight atomic increments and
/// two allocations, each time).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct Shared {
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
    /// Stored files: attachments people upload, documents congso generates.
    pub files: files::Files,
}

/// How many images may be decoded at once: half the cores (at least one, at most four), leaving the other half
/// to everything else the server does.
pub fn decoder_permits() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get() / 2).clamp(1, 4)
}

impl AppState {
    /// A state over `db`, starting the ledger's recorder and the rate limiter's sweeper on the current runtime.
    pub fn new(
        db: Db,
        config: WebConfig,
        keyring: Arc<Keyring>,
        files: files::Files,
    ) -> Result<AppState, trust::ledger::LedgerError> {
        let ledger = Recorder::start(db.clone())?;
        let rate_limiter = Limiter::start(&config.rate_limit);
        let image_decoders = Arc::new(Semaphore::new(decoder_permits()));
        let metrics = Arc::new(Metrics::default());
        let config = Arc::new(config);
        Ok(AppState(Arc::new(Shared { db, config, metrics, keyring, ledger, rate_limiter, image_decoders, files })))
    }
}

#[cfg(test)]
mod tests {
    use super::{PublicUrl, WebConfig};

    #[test]
    fn public_urls_are_an_origin_without_a_path() {
        let url: PublicUrl = "https://dvc.example.vn:8443/".parse().unwrap();
        assert_eq!(url.as_str(), "https://dvc.example.vn:8443");
        for bad in ["dvc.example.vn", "https://", "https://x.vn/path", "ftp://x.vn", "https://u@x.vn", "https://x.vn?q"]
        {
            assert!(bad.parse::<PublicUrl>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_mailer_password_does_not_show() {
        let mailer =
            notify::Mailer::smtp("smtp://mailer:hunter2@localhost", "congso <no-reply@congso.invalid>").unwrap();
        let public_url = "https://dvc.example.vn".parse().unwrap();
        let config = WebConfig { secure_cookies: true, public_url, mailer, rate_limit: Default::default() };
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
