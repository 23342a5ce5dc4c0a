//! The command line.

use anyhow::Context;
use clap::{Parser, Subcommand};
use store::Db;
use tokio::net::TcpListener;
use web::{AppState, WebConfig};

use crate::config::{self, Overrides, Settings};

/// congso — the digital-government platform.
#[derive(Debug, Parser)]
#[command(name = "congso", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web application and API.
    Serve(#[command(flatten)] Overrides),
    /// Serve a demo on the embedded database in ./congso-data, creating and seeding it on first start.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Folder for the demo's database.
        #[arg(long, default_value = "congso-data")]
        data_dir: std::path::PathBuf,
    },
    /// Bring the database schema up to date, then exit.
    Migrate(#[command(flatten)] Overrides),
    /// Operator tasks: accounts and API tokens.
    Admin {
        #[command(subcommand)]
        command: identity::cli::Admin,
        #[command(flatten)]
        store: Overrides,
    },
    /// Make synthetic data: a population, then enterprises and land parcels.
    Generate {
        #[command(subcommand)]
        command: Generate,
        #[command(flatten)]
        store: Overrides,
    },
    /// Import records from files.
    Import {
        #[command(subcommand)]
        command: registry::cli::Import,
        #[command(flatten)]
        store: Overrides,
    },
    /// The keyring: list, rotate and retire signing keys.
    Keys {
        #[command(subcommand)]
        command: ledger::cli::Keys,
        #[command(flatten)]
        store: Overrides,
    },
    /// The audit ledger: verify it, sign a tree head.
    Ledger {
        #[command(subcommand)]
        command: ledger::cli::LedgerCommand,
        #[command(flatten)]
        store: Overrides,
    },
    /// Credentials: issue digital-ID QR codes in batch, revoke.
    Credential {
        #[command(subcommand)]
        command: CredentialCommand,
        #[command(flatten)]
        store: Overrides,
    },
    /// Write the verifier bundle (public keys and revocation list, signed) to a file.
    Bundle {
        #[command(flatten)]
        command: credentials::cli::BundleCommand,
        #[command(flatten)]
        store: Overrides,
    },
    /// Check a QR code offline against a verifier bundle: no network, no database.
    Verify(credentials::cli::VerifyCommand),
    /// Background jobs: list them, retry the dead.
    Jobs {
        #[command(subcommand)]
        command: jobs::cli::JobsCommand,
        #[command(flatten)]
        store: Overrides,
    },
    /// OpenID Connect clients: the systems that sign citizens in with congso.
    OidcClient {
        #[command(subcommand)]
        command: identity::oidc::cli::OidcClient,
        #[command(flatten)]
        store: Overrides,
    },
    /// The sandbox bank: plays a bank for the demo and tests (pays VietQR codes, calls congso back).
    SandboxBank(payments::sandbox::SandboxCommand),
    /// Measure performance against baselines (see docs/benchmarks.md).
    #[command(subcommand)]
    Bench(Bench),
    /// Print the OpenAPI document of /api/v1.
    Openapi,
    /// Print the version.
    Version,
}

#[derive(Debug, Subcommand)]
enum CredentialCommand {
    /// Issue digital-ID credentials for one citizen or a whole commune, writing for each `ID.txt` (the QR text),
    /// `ID.png` and `ID.svg` into --out.
    Issue(registry::credential::cli::IssueCommand),
    /// Revoke a credential or signed document by its id (the hex `cti`); verifiers see it in the next list.
    Revoke(credentials::cli::RevokeCommand),
}

/// What `congso generate` makes: each registry's own subcommands, side by side.
#[derive(Debug, Subcommand)]
enum Generate {
    #[command(flatten)]
    Population(registry::cli::Generate),
    #[command(flatten)]
    Enterprise(enterprise::cli::Generate),
    #[command(flatten)]
    Land(land::cli::Generate),
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// The population registry: import, lookups, search, memory.
    Registry(bench::registry::RegistryBench),
    /// The enterprise registry: lookups and searches at a million enterprises.
    Enterprise(bench::enterprise::EnterpriseBench),
    /// The audit ledger: registry writes with and without it, proof generation as the log grows.
    Ledger(bench::ledger::LedgerBench),
    /// Credentials issued and verified per second on one core, against raw Ed25519.
    Credentials(bench::credentials::CredentialBench),
    /// Dossiers end to end against bare registry writes.
    Portal(bench::portal::PortalBench),
    /// Payments: banks' callbacks verified and applied per second, against the bare insert of a payment row.
    Payments(bench::payments::PaymentsBench),
    /// The land registry: parcel lookups against a bare point query, and searches, at a million parcels.
    Land(bench::land::LandBench),
}

pub(crate) fn settings(overrides: &Overrides) -> anyhow::Result<Settings> {
    Ok(config::load(overrides, &|k| std::env::var(k).ok(), config::serve_defaults())?)
}

/// Connects and migrates; the error names the (redacted) URL and the cause in one line.
pub(crate) async fn open(settings: &Settings) -> anyhow::Result<Db> {
    if settings.database_url.is_none() {
        private_data_dir(&settings.data_dir)?;
    }
    let db = Db::connect(&settings.database_url()).await?;
    db.migrate().await?;
    // An import into an empty registry builds some indexes after its load; one that died midway left them unmade.
    registry::import::restore_indexes(&db).await?;
    Ok(db)
}

/// Creates the data folder, which holds the embedded database with every citizen's record, for the service's
/// user alone (0700), and closes one that other local users could enter.
fn private_data_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    let shown = dir.display();
    store::private::create_dir_all(dir).with_context(|| format!("cannot create the data folder {shown}"))?;
    if let Some(mode) = store::private::tighten_dir(dir).with_context(|| format!("cannot restrict {shown}"))? {
        tracing::warn!(
            folder = %shown,
            was = format!("{mode:o}"),
            "the data folder was open to other local users; it is now for this user only (0700)"
        );
    }
    Ok(())
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("CONGSO_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("CONGSO_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

impl Cli {
    /// Runs the command.
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(overrides) => {
                init_tracing();
                let settings = settings(&overrides)?;
                let public_url = settings.required_public_url()?;
                // The published sandbox secret is warned of, not refused: the demo and test servers run with it.
                if let Err(e) = payments::PaymentsConfig::load(&|k| std::env::var(k).ok())?.check_for_production() {
                    tracing::warn!("{e}");
                }
                let db = open(&settings).await?;
                let keyring = crate::trust_cli::open_keyring(&settings, &db).await?;
                run_server(settings, public_url, db, keyring).await
            }
            Command::Demo { listen, data_dir } => {
                init_tracing();
                crate::demo::run(listen, data_dir).await
            }
            Command::Migrate(overrides) => {
                let settings = settings(&overrides)?;
                open(&settings).await?;
                println!("database is up to date: {}", store::redact_url(&settings.database_url()));
                Ok(())
            }
            Command::Admin { command, store } => command.run(&open(&settings(&store)?).await?).await,
            Command::Generate { command: Generate::Population(command), store } => {
                let db = if command.needs_database() { Some(open(&settings(&store)?).await?) } else { None };
                command.run(db.as_ref()).await
            }
            Command::Generate { command: Generate::Enterprise(command), store } => {
                command.run(&open(&settings(&store)?).await?).await
            }
            Command::Generate { command: Generate::Land(command), store } => {
                command.run(&open(&settings(&store)?).await?).await
            }
            Command::Keys { command, store } => crate::trust_cli::keys(command, &store).await,
            Command::OidcClient { command, store } => command.run(&open(&settings(&store)?).await?).await,
            Command::Ledger { command, store } => crate::trust_cli::ledger(command, &store).await,
            Command::Bench(Bench::Registry(bench)) => bench.run(crate::app::router).await,
            Command::Bench(Bench::Enterprise(bench)) => bench.run(crate::app::router).await,
            Command::Jobs { command, store } => {
                Ok(command.run(&open(&settings(&store)?).await?, &mut std::io::stdout()).await?)
            }
            Command::Bench(Bench::Credentials(bench)) => bench.run(),
            Command::Credential { command, store } => {
                let settings = settings(&store)?;
                let db = open(&settings).await?;
                match command {
                    CredentialCommand::Issue(issue) => {
                        issue.run(&db, &*crate::trust_cli::open_keyring(&settings, &db).await?).await
                    }
                    CredentialCommand::Revoke(revoke) => revoke.run(&db).await,
                }
            }
            Command::Bundle { command, store } => {
                let settings = settings(&store)?;
                let db = open(&settings).await?;
                command.run(&db, &*crate::trust_cli::open_keyring(&settings, &db).await?).await
            }
            Command::Verify(command) => command.run(),
            Command::Bench(Bench::Ledger(bench)) => bench.run().await,
            Command::Bench(Bench::Portal(bench)) => bench.run().await,
            Command::Bench(Bench::Payments(bench)) => bench.run().await,
            Command::Bench(Bench::Land(bench)) => bench.run(crate::app::router).await,
            Command::Import { command, store } => command.run(&open(&settings(&store)?).await?).await,
            Command::Openapi => {
                println!("{}", serde_json::to_string_pretty(&crate::openapi::spec())?);
                Ok(())
            }
            Command::SandboxBank(command) => {
                init_tracing();
                command.run().await
            }
            Command::Version => {
                println!("congso {}", env!("CARGO_PKG_VERSION"));
                Ok(())
            }
        }
    }
}

/// Serves on the settings' address until SIGTERM or Ctrl-C.
pub(crate) async fn run_server(
    settings: Settings,
    public_url: web::PublicUrl,
    db: Db,
    keyring: std::sync::Arc<trust::keyring::Keyring>,
) -> anyhow::Result<()> {
    // A broken procedure file stops the start, naming the file and the field.
    portal::Catalogue::builtin()?;
    // Unreadable payments settings stop the start.
    payments::PaymentsConfig::load(&|k| std::env::var(k).ok())?;
    let listener =
        TcpListener::bind(settings.listen).await.with_context(|| format!("cannot listen on {}", settings.listen))?;
    tracing::info!(listen = %settings.listen, database = %store::redact_url(&settings.database_url()), "congso serving");
    let mailer = settings.mailer()?;
    tracing::info!(mail = %mailer.describe(), "mail goes here");
    let rate_limit =
        web::ratelimit::RateLimit { trusted_proxies: settings.trusted_proxies.clone(), ..Default::default() };
    let config = WebConfig { secure_cookies: settings.secure_cookies, public_url, mailer, rate_limit };
    let files = files::Files::open(&settings.files_location()?)?;
    tracing::info!(files = %files.describe(), "files are stored here");
    let state = AppState::new(db, config, keyring, files)?;
    tokio::spawn(ledger::housekeeping(state.clone()));
    tokio::spawn(portal::deadlines::watch(state.db.clone()));
    tokio::spawn(payments::expiry::watch(state.db.clone(), crate::app::payments().listeners));
    let handlers = crate::app::job_handlers(&state);
    let worker = jobs::Worker::new(state.db.clone(), handlers, jobs::WorkerConfig::default()).spawn();
    // The worker stops first, so that the jobs it runs can finish before the server closes the database.
    let shutdown = async move {
        crate::app::shutdown_signal().await;
        worker.shutdown().await
    };
    crate::app::serve(listener, state, shutdown).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
