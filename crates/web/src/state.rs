use std::sync::Arc;

use store::Db;

use crate::metrics::Metrics;

/// Settings the HTTP layer needs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (served over HTTPS, directly or behind a proxy). Off only for plain-HTTP demos.
    pub secure_cookies: bool,
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
}

impl AppState {
    /// A state over `db`.
    pub fn new(db: Db, config: WebConfig) -> AppState {
        AppState { db, config: Arc::new(config), metrics: Arc::new(Metrics::default()) }
    }
}
