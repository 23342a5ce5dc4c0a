//! Operator commands for the keyring and the audit ledger, and the keyring's opening at start.

use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Subcommand;
use store::Db;
use trust::keyring::{self, Keyring, MasterKey};
use trust::keys::{Algorithm, VerifyingKey};
use trust::ledger::seal::Key;
use trust::ledger::{Receipt, head, verify, witness};

use crate::cli::{open, settings};
use crate::config::{Overrides, Settings};

/// Opens the keyring with the master key from `CONGSO_MASTER_KEY` or its file, creating the file (and the keys)
/// at first start.
pub async fn open_keyring(settings: &Settings, db: &Db) -> anyhow::Result<Arc<Keyring>> {
    let master = master_key(settings)?;
    Ok(Arc::new(Keyring::open(db, master).await?.with_heads_file(settings.heads_file())))
}

fn master_key(settings: &Settings) -> anyhow::Result<MasterKey> {
    if let Some(text) = &settings.master_key {
        return MasterKey::from_base64(text).context("CONGSO_MASTER_KEY");
    }
    let path = settings.master_key_path();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        store::private::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let (master, created) = MasterKey::load_or_create(&path)?;
    if created {
        tracing::warn!(path = %path.display(), "created a new master key: back it up apart from the database");
    }
    Ok(master)
}

/// `congso keys …`
#[derive(Debug, Subcommand)]
pub enum Keys {
    /// List every signing key, retired ones included.
    List(#[command(flatten)] Overrides),
    /// Add a new key that signs from now on; older keys keep verifying until retired.
    Rotate {
        /// EdDSA or ES256.
        #[arg(long, default_value = "EdDSA")]
        algorithm: String,
        /// Which database.
        #[command(flatten)]
        store: Overrides,
    },
    /// Retire a key: it neither signs nor verifies any more.
    Retire {
        /// The key id, as `keys list` shows it.
        kid: String,
        /// Which database.
        #[command(flatten)]
        store: Overrides,
    },
}

/// `congso ledger …`
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Recompute the ledger from its entries, check every signed tree head, and check that the registries' current
    /// records are the ones their last entries describe. Exits 1 naming the first difference.
    Verify(#[command(flatten)] Overrides),
    /// Sign a tree head for the ledger as it is now and print it.
    Sign(#[command(flatten)] Overrides),
    /// Seal the rows an older version wrote without a seal (accounts, roles, tokens, clients, keys), once, after
    /// upgrading and before any node serves; rows whose seal differs are left for `verify` to name.
    Adopt(#[command(flatten)] Overrides),
    /// Check a receipt from "who used my data" offline, with the published keys (a saved
    /// /.well-known/jwks.json): the tree head's signature and the entry's inclusion.
    CheckReceipt {
        /// The receipt, as downloaded.
        receipt: std::path::PathBuf,
        /// The key set, as downloaded from /.well-known/jwks.json.
        #[arg(long)]
        jwks: std::path::PathBuf,
    },
}

impl Keys {
    /// Runs the command.
    pub async fn run(self) -> anyhow::Result<()> {
        match self {
            Keys::List(store) => {
                let db = open(&settings(&store)?).await?;
                for key in keyring::list(db.pool()).await? {
                    let state = if key.retired_at.is_some() { "retired" } else { "active" };
                    println!("{}  {:<5}  {}  {state}", key.public.kid(), key.public.algorithm(), key.created_at);
                }
                Ok(())
            }
            Keys::Rotate { algorithm, store } => {
                let algorithm: Algorithm = algorithm.parse().map_err(|e| anyhow::anyhow!("--algorithm: {e}"))?;
                let settings = settings(&store)?;
                let db = open(&settings).await?;
                let master = master_key(&settings)?;
                // Opening first makes sure the existing keys open under this master key.
                Keyring::open(&db, master.clone()).await?;
                let mut tx = db.begin_write().await?;
                let key = keyring::rotate(&mut tx, &master, algorithm).await?;
                let event = keyring::key_event("rotate", key.public.kid(), key.public.algorithm());
                let sealed = Key::Text(key.public.kid().to_owned());
                keyring::SIGNING_KEYS.append(&mut tx, db.backend(), sealed, event).await?;
                tx.commit().await?;
                println!("new {} key {} signs from now on", key.public.algorithm(), key.public.kid());
                Ok(())
            }
            Keys::Retire { kid, store } => {
                let db = open(&settings(&store)?).await?;
                let mut tx = db.begin_write().await?;
                let key = keyring::retire(&mut tx, &kid).await?;
                let event = keyring::key_event("retire", key.public.kid(), key.public.algorithm());
                let sealed = Key::Text(key.public.kid().to_owned());
                keyring::SIGNING_KEYS.append(&mut tx, db.backend(), sealed, event).await?;
                tx.commit().await?;
                println!("key {kid} retired");
                Ok(())
            }
        }
    }
}

impl LedgerCommand {
    /// Runs the command.
    pub async fn run(self) -> anyhow::Result<()> {
        match self {
            LedgerCommand::Verify(store) => {
                let settings = settings(&store)?;
                let db = open(&settings).await?;
                let report = verify::verify_log(&db, &|n| eprintln!("  {n} entries checked")).await?;
                if let Some(problem) = report.problem {
                    bail!("ledger verification failed: {problem}");
                }
                println!(
                    "ledger: {} entries, {} nodes and {} signed tree heads agree",
                    report.entries, report.nodes, report.heads
                );
                let heads_file = settings.heads_file();
                let (witnessed, problem) = witness::check(&heads_file.read()?, &head::all(db.pool()).await?);
                if let Some(problem) = problem {
                    bail!("ledger verification failed: {problem} ({})", heads_file.path().display());
                }
                println!(
                    "heads file: {witnessed} signed tree heads are in the database ({})",
                    heads_file.path().display()
                );
                let records = registry::audit::verify_records(&db).await?;
                if let Some(problem) = records.problem {
                    bail!("registry verification failed: {problem}");
                }
                println!(
                    "registry: {} records (every citizen's versions, households, dwellings) match the ledger",
                    records.records
                );
                for sealed in identity::seals::ALL.iter().chain([&keyring::SIGNING_KEYS]) {
                    let (rows, problem) = sealed.verify(&db).await?;
                    if let Some(problem) = problem {
                        bail!("sealed rows: {problem}");
                    }
                    println!("{}: {rows} rows match their seals", sealed.kind);
                }
                Ok(())
            }
            LedgerCommand::Adopt(store) => {
                let db = open(&settings(&store)?).await?;
                let by = trust::ledger::Actor::system("congso ledger adopt");
                for sealed in identity::seals::ALL.iter().chain([&keyring::SIGNING_KEYS]) {
                    println!("{}: {} rows adopted", sealed.kind, sealed.adopt(&db, &by).await?);
                }
                Ok(())
            }
            LedgerCommand::CheckReceipt { receipt, jwks } => {
                let read = |path: &std::path::Path| -> anyhow::Result<serde_json::Value> {
                    let text =
                        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
                    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
                };
                let receipt: Receipt = serde_json::from_value(read(&receipt)?).context("not a congso receipt")?;
                let keys = read(&jwks)?;
                let key_for = |kid: &str| {
                    keys["keys"]
                        .as_array()?
                        .iter()
                        .filter_map(|k| VerifyingKey::from_jwk(k).ok())
                        .find(|k| k.kid() == kid)
                };
                let event = receipt.verify(key_for).context("the receipt does not check out")?;
                println!(
                    "valid: entry {} is in the ledger's signed tree of {} entries (signed {} by key {})",
                    receipt.leaf_index, receipt.tree_head.tree_size, receipt.tree_head.timestamp, receipt.tree_head.kid
                );
                println!("{}", serde_json::to_string_pretty(&event)?);
                Ok(())
            }
            LedgerCommand::Sign(store) => {
                let settings = settings(&store)?;
                let db = open(&settings).await?;
                let keyring = open_keyring(&settings, &db).await?;
                let head = head::sign(&db, &keyring).await?;
                println!("{}", serde_json::to_string_pretty(&head)?);
                Ok(())
            }
        }
    }
}

/// How often a running server signs a tree head (when the log grew) and reloads the keyring (to pick up a
/// rotation made with `congso keys`).
const HOUSEKEEPING_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// Signs tree heads and reloads keys while the server runs.
pub async fn housekeeping(state: web::AppState) {
    let mut interval = tokio::time::interval(HOUSEKEEPING_INTERVAL);
    loop {
        interval.tick().await;
        if let Err(e) = state.keyring.reload(&state.db).await {
            tracing::error!(error = %e, "could not reload the keyring");
        }
        if let Err(e) = head::sign(&state.db, &state.keyring).await {
            tracing::error!(error = %e, "could not sign a tree head");
        }
    }
}
