//! Ngân hàng thử nghiệm — the sandbox bank: a separate process (`congso sandbox-bank`) with its own small SQLite
//! database that plays a bank over real HTTP, so that the demo and the tests pay bills the way a citizen's banking
//! app would. A tester pastes a VietQR payload or uploads a photo of one, sees whom it pays and how much, and
//! pays; the sandbox then calls congso back, signed with the shared secret as [`crate::provider::HmacWebhook`]
//! expects, from a durable outbox retried with backoff until congso acknowledges it (so a restart of either
//! process resumes the delivery); it gives each day's statement as a CSV file, which reconciliation reads; and it
//! gives a transfer back when congso asks, signed the same way (`POST /refunds`), once per refund reference.
//!
//! It has no accounts and no balances: it is a test double for a bank, and must never face the internet.

mod delivery;
mod pages;
mod refunds;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use self::store::Transfer;
use anyhow::Context;
use tokio::sync::Notify;

pub use delivery::deliver_due;

/// How the sandbox runs.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where congso takes the sandbox's callbacks.
    pub callback_url: String,
    /// The shared HMAC secret.
    pub secret: String,
    /// The first retry's delay; each next one doubles it, up to [`SandboxConfig::max_retry`].
    pub first_retry: Duration,
    /// The longest delay between retries.
    pub max_retry: Duration,
}

/// A running sandbox's state.
#[derive(Clone)]
pub struct Sandbox {
    /// Its database.
    pub db: ::store::Db,
    /// Its settings.
    pub config: Arc<SandboxConfig>,
    /// Wakes the delivery loop when a transfer is made.
    pub wake: Arc<Notify>,
    http: reqwest::Client,
}

impl Sandbox {
    /// Opens (creating if missing) the sandbox's database at `path`.
    pub async fn open(path: &std::path::Path, config: SandboxConfig) -> anyhow::Result<Sandbox> {
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let db = ::store::Db::connect(&url).await.with_context(|| format!("cannot open {}", path.display()))?;
        store::create(&db).await?;
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
        Ok(Sandbox { db, config: Arc::new(config), wake: Arc::new(Notify::new()), http })
    }

    /// Makes a transfer and queues its callback; the transfer.
    pub async fn pay(&self, qr: &crate::vietqr::VietQr, amount: i64) -> anyhow::Result<Transfer> {
        let now = time::OffsetDateTime::now_utc();
        let reference = format!("FT{}{:010}", now.unix_timestamp(), rand::random::<u32>());
        let bill = qr.bill.as_ref().map(|b| b.as_str().to_owned()).unwrap_or_default();
        let purpose = qr.purpose.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default();
        let transfer = Transfer {
            reference: reference.clone(),
            bin: qr.bin.as_str().to_owned(),
            account: qr.account.as_str().to_owned(),
            amount,
            bill: bill.clone(),
            purpose: purpose.clone(),
            paid_at: now.unix_timestamp(),
        };
        let hook = crate::provider::Webhook {
            code: "00".into(),
            desc: "success".into(),
            data: crate::provider::WebhookData {
                reference,
                order_code: bill,
                amount,
                account_number: transfer.account.clone(),
                description: purpose,
                transaction_date_time: transfer.paid_at,
            },
        };
        let body = serde_json::to_string(&hook)?;
        store::insert(&self.db, &transfer, &body, now_ms()).await?;
        self.wake.notify_one();
        Ok(transfer)
    }
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Serves the sandbox on `listener` and delivers its callbacks, until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    sandbox: Sandbox,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let deliveries = tokio::spawn(delivery::run(sandbox.clone()));
    let app = pages::router(sandbox);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    deliveries.abort();
    Ok(())
}

/// `congso sandbox-bank`: the sandbox bank on its own port and database.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxCommand {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
    /// The sandbox's SQLite database file.
    #[arg(long, default_value = "congso-data/sandbox-bank.db")]
    pub database: PathBuf,
    /// Where congso takes the callbacks.
    #[arg(long, default_value = "http://127.0.0.1:8080/api/v1/payments/callbacks/sandbox")]
    pub callback_url: String,
}

impl SandboxCommand {
    /// Runs the sandbox until Ctrl-C. The secret is `CONGSO_PAYMENTS_SANDBOX_SECRET`, as congso's.
    pub async fn run(self) -> anyhow::Result<()> {
        let secret =
            std::env::var("CONGSO_PAYMENTS_SANDBOX_SECRET").unwrap_or_else(|_| crate::config::DEMO_SECRET.to_owned());
        if let Some(dir) = self.database.parent().filter(|d| !d.as_os_str().is_empty()) {
            ::store::private::create_dir_all(dir)?;
        }
        let config = SandboxConfig {
            callback_url: self.callback_url.clone(),
            secret,
            first_retry: Duration::from_secs(1),
            max_retry: Duration::from_secs(300),
        };
        let sandbox = Sandbox::open(&self.database, config).await?;
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .with_context(|| format!("cannot listen on {}", self.listen))?;
        tracing::info!(listen = %self.listen, callback = %self.callback_url, "sandbox bank serving");
        serve(listener, sandbox, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    }
}

/// The columns of a statement, in order.
pub const STATEMENT_COLUMNS: [&str; 7] =
    ["transaction_id", "paid_at", "bank_bin", "account", "amount", "bill_reference", "description"];

/// A statement of `transfers` as CSV: a header line, then one transfer a line.
pub fn statement_csv(transfers: &[Transfer]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    // Writing CSV into memory cannot fail but for a bug in the writer; an empty statement is then returned.
    let _ = out.write_record(STATEMENT_COLUMNS);
    for t in transfers {
        let _ = out.write_record([
            t.reference.as_str(),
            &t.paid_at.to_string(),
            &t.bin,
            &t.account,
            &t.amount.to_string(),
            &t.bill,
            &t.purpose,
        ]);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}
