//! The command line.

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use serde_json::json;
use store::Db;
use tokio::net::TcpListener;
use trust::ledger::{Actor, Event, EventKind};
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
    #[command(subcommand)]
    Admin(Admin),
    /// Make a synthetic population.
    #[command(subcommand)]
    Generate(Generate),
    /// Import records from files.
    #[command(subcommand)]
    Import(Import),
    /// The keyring: list, rotate and retire signing keys.
    #[command(subcommand)]
    Keys(crate::trust_cli::Keys),
    /// The audit ledger: verify it, sign a tree head.
    #[command(subcommand)]
    Ledger(crate::trust_cli::LedgerCommand),
    /// Credentials: issue digital-ID QR codes in batch, revoke.
    #[command(subcommand)]
    Credential(crate::credentials::cli::CredentialCommand),
    /// Write the verifier bundle (public keys and revocation list, signed) to a file.
    Bundle(crate::credentials::cli::BundleCommand),
    /// Check a QR code offline against a verifier bundle: no network, no database.
    Verify(crate::credentials::cli::VerifyCommand),
    /// Background jobs: list them, retry the dead.
    #[command(subcommand)]
    Jobs(jobs::cli::JobsCommand<Overrides>),
    /// OpenID Connect clients: the systems that sign citizens in with congso.
    #[command(subcommand)]
    OidcClient(crate::oidc_cli::OidcClient),
    /// Measure performance against baselines (see docs/benchmarks.md).
    #[command(subcommand)]
    Bench(Bench),
    /// Print the OpenAPI document of /api/v1.
    Openapi,
    /// Print the version.
    Version,
}

#[derive(Debug, Subcommand)]
enum Generate {
    /// Realistic synthetic citizens in households: into a CSV file with --out, else straight into the database.
    Citizens {
        /// How many people.
        #[arg(long, default_value_t = 10_000)]
        count: u64,
        /// The random seed: the same seed gives the same people.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write CSV here instead of into the database.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        #[command(flatten)]
        store: Overrides,
    },
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// The population registry: import, lookups, search, memory.
    Registry(crate::bench::RegistryBench),
    /// The audit ledger: registry writes with and without it, proof generation as the log grows.
    Ledger(crate::bench_ledger::LedgerBench),
    /// Credentials issued and verified per second on one core, against raw Ed25519.
    Credentials(crate::credentials::bench::CredentialBench),
}

#[derive(Debug, Subcommand)]
enum Import {
    /// Citizens from a CSV file (columns in the README); rejected rows are listed with their line numbers.
    Citizens {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Import nothing if any row is bad.
        #[arg(long)]
        all_or_nothing: bool,
        #[command(flatten)]
        store: Overrides,
    },
}

#[derive(Debug, Subcommand)]
enum Admin {
    /// Create an account: an operator (administrator of the nation), or with --role an official holding that
    /// role over --territory. The password is read from standard input (one line) with --password-stdin, or
    /// generated and printed once.
    Create {
        /// Sign-in name: lower-case letters, digits, '.', '_', '-'.
        #[arg(long)]
        username: String,
        /// The name shown in the interface.
        #[arg(long)]
        display_name: String,
        /// An official's role: registry_clerk.
        #[arg(long)]
        role: Option<String>,
        /// Where the role reaches: VN, a province (01) or a commune (00070).
        #[arg(long, default_value = "VN")]
        territory: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        store: Overrides,
    },
    /// Issue an API token for an account; the token is printed once and stored only as a hash.
    Token {
        /// The account's username.
        #[arg(long)]
        account: String,
        /// Days until the token expires.
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires: u32,
        #[command(flatten)]
        store: Overrides,
    },
    /// List an account's API tokens (never their secrets).
    Tokens {
        /// The account's username.
        #[arg(long)]
        account: String,
        #[command(flatten)]
        store: Overrides,
    },
    /// Revoke an API token by its id.
    RevokeToken {
        /// The token's id, as `admin tokens` lists it.
        id: i64,
        #[command(flatten)]
        store: Overrides,
    },
    /// Disable an account and end all its sessions.
    Disable {
        /// The account's username.
        #[arg(long)]
        account: String,
        #[command(flatten)]
        store: Overrides,
    },
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
            Command::Admin(admin) => admin.run().await,
            Command::Generate(Generate::Citizens { count, seed, out, store }) => match out {
                Some(out) => crate::population::generate_csv(count, seed, &out),
                None => {
                    let db = open(&settings(&store)?).await?;
                    let report = crate::population::generate_into(&db, count, seed, true).await?;
                    println!("{} citizens added ({} were already present)", report.inserted, report.already_present);
                    Ok(())
                }
            },
            Command::Jobs(jobs) => {
                let db = open(&settings(jobs.store())?).await?;
                Ok(jobs.run(&db, &mut std::io::stdout()).await?)
            }
            Command::Keys(keys) => keys.run().await,
            Command::OidcClient(command) => command.run().await,
            Command::Ledger(ledger) => ledger.run().await,
            Command::Bench(Bench::Registry(bench)) => bench.run().await,
            Command::Bench(Bench::Credentials(bench)) => bench.run(),
            Command::Credential(command) => command.run().await,
            Command::Bundle(command) => command.run().await,
            Command::Verify(command) => command.run(),
            Command::Bench(Bench::Ledger(bench)) => bench.run().await,
            Command::Import(Import::Citizens { file, all_or_nothing, store }) => {
                let db = open(&settings(&store)?).await?;
                crate::population::import_file(&db, &file, all_or_nothing).await
            }
            Command::Openapi => {
                println!("{}", serde_json::to_string_pretty(&crate::openapi::spec())?);
                Ok(())
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
    let listener =
        TcpListener::bind(settings.listen).await.with_context(|| format!("cannot listen on {}", settings.listen))?;
    tracing::info!(listen = %settings.listen, database = %store::redact_url(&settings.database_url()), "congso serving");
    let mailer = settings.mailer()?;
    tracing::info!(mail = %mailer.describe(), "mail goes here");
    let rate_limit =
        web::ratelimit::RateLimit { trusted_proxies: settings.trusted_proxies.clone(), ..Default::default() };
    let config = WebConfig { secure_cookies: settings.secure_cookies, public_url, mailer, rate_limit };
    let state = AppState::new(db, config, keyring);
    tokio::spawn(crate::trust_cli::housekeeping(state.clone()));
    let mut handlers = jobs::Handlers::new();
    notify::queue::register(&mut handlers, state.config.mailer.clone());
    let worker = jobs::Worker::new(state.db.clone(), handlers, jobs::WorkerConfig::default()).spawn();
    // The worker stops first, so that the jobs it runs can finish before the server closes the database.
    let shutdown = async move {
        crate::app::shutdown_signal().await;
        worker.shutdown().await
    };
    crate::app::serve(listener, state, shutdown).await?;
    Ok(())
}

impl Admin {
    async fn run(self) -> anyhow::Result<()> {
        match self {
            Admin::Create { username, display_name, role, territory, password_stdin, store } => {
                let territory: Territory = territory.parse().map_err(|e| anyhow::anyhow!("--territory: {e}"))?;
                let (kind, role) = match role.as_deref() {
                    None => (AccountKind::Operator, Role::Administrator),
                    Some(r) => (AccountKind::Official, r.parse::<Role>().map_err(|e| anyhow::anyhow!("--role: {e}"))?),
                };
                let db = open(&settings(&store)?).await?;
                let (password, generated) = if password_stdin {
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    (line.trim_end_matches(['\r', '\n']).to_owned(), false)
                } else {
                    (identity::service::random_password(), true)
                };
                let roles = vec![RoleAssignment { role, agency: None, territory }];
                let new =
                    NewAccount { username: username.clone(), display_name, kind, password: password.clone(), roles };
                // The operator has the database itself: the role is held at once, and the ledger says who gave it.
                identity::officials::service::create_by_operator(&db, new, "congso admin").await?;
                println!("created {} account {username}: {} over {territory}", kind.as_str(), role.as_str());
                if generated {
                    println!("password (shown once): {password}");
                }
                Ok(())
            }
            Admin::Token { account, expires, store } => {
                let db = open(&settings(&store)?).await?;
                let (id, token) = service::create_token(&db, &account, expires).await?;
                eprintln!("token {id} for {account}, expires in {expires} days; it is shown only this once:");
                println!("{token}");
                Ok(())
            }
            Admin::Tokens { account, store } => {
                let db = open(&settings(&store)?).await?;
                for t in service::tokens_of(&db, &account).await? {
                    let state = if t.revoked_at.is_some() { "revoked" } else { "live" };
                    println!("{:>6}  created {}  expires {}  {state}", t.id, date(t.created_at), date(t.expires_at));
                }
                Ok(())
            }
            Admin::RevokeToken { id, store } => {
                let db = open(&settings(&store)?).await?;
                if !service::revoke_token(&db, id).await? {
                    bail!("no live token has id {id}");
                }
                println!("token {id} revoked");
                Ok(())
            }
            Admin::Disable { account, store } => {
                let db = open(&settings(&store)?).await?;
                let event = account_changed("account_disabled", &account, json!({}));
                service::disable_account(&db, &account, event).await?;
                println!("account {account} disabled and signed out everywhere");
                Ok(())
            }
        }
    }
}

/// A change to an account made from the command line, for the ledger.
fn account_changed(change: &str, username: &str, mut detail: serde_json::Value) -> Event {
    detail["change"] = change.into();
    detail["account"] = username.into();
    Event::new(EventKind::AccountChanged, Actor::system("congso admin")).detail(detail)
}

fn date(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix).map_or_else(|_| unix.to_string(), |t| t.date().to_string())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
