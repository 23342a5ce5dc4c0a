use std::sync::Arc;

use store::Db;
use trust::keyring::Keyring;
use trust::ledger::Recorder;

use crate::metrics::Metrics;
use crate::ratelimit::{Limiter, RateLimit};

/// Settings the HTTP layer needs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (served over HTTPS, directly or behind a proxy). Off only for plain-HTTP demos.
    pub secure_cookies: bool,
    /// Rate limits per client address on the endpoints that guess secrets.
    pub rate_limit: RateLimit,
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
}

impl AppState {
    /// A state over `db`, starting the ledger's recorder and the rate limiter's sweeper on the current runtime.
    pub fn new(db: Db, config: WebConfig, keyring: Arc<Keyring>) -> AppState {
        let ledger = Recorder::start(db.clone());
        let rate_limiter = Limiter::start(&config.rate_limit);
        AppState { db, config: Arc::new(config), metrics: Arc::new(Metrics::default()), keyring, ledger, rate_limiter }
    }
}
