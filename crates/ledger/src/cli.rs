//! `congso keys …` and `congso ledger …`: the operator's commands for the keyring and the audit ledger.
//!
//! What a slice adds to `ledger verify` and `ledger adopt` are its sealed tables ([`Sealed`]); a slice that
//! checks its records against the ledger in another way (the registry matches every citizen's versions to their
//! change entries) is run by the server beside [`LedgerCommand::run`].

use anyhow::{Context, bail};
use clap::Subcommand;
use store::Db;
use trust::keyring::{self, Keyring, MasterKey};
use trust::keys::{Algorithm, VerifyingKey};
use trust::ledger::seal::{Key, Sealed};
use trust::ledger::witness::HeadsFile;
use trust::ledger::{Receipt, head, verify, witness};

/// `congso keys …`
#[derive(Debug, Subcommand)]
pub enum Keys {
    /// List every signing key, retired ones included.
    List,
    /// Add a new key that signs from now on; older keys keep verifying until retired.
    Rotate {
        /// EdDSA or ES256.
        #[arg(long, default_value = "EdDSA")]
        algorithm: String,
    },
    /// Retire a key: it neither signs nor verifies any more.
    Retire {
        /// The key id, as `keys list` shows it.
        kid: String,
    },
}

/// `congso ledger …`
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Recompute the ledger from its entries, check every signed tree head, and check that the registries' current
    /// records are the ones their last entries describe. Exits 1 naming the first difference.
    Verify,
    /// Sign a tree head for the ledger as it is now and print it.
    Sign,
    /// Seal the rows an older version wrote without a seal (accounts, roles, tokens, clients, keys), once, after
    /// upgrading and before any node serves; rows whose seal differs are left for `verify` to name.
    Adopt,
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
    /// Runs the command; `master` gives the key that opens the keyring's private keys, which only `rotate` needs
    /// (asking for it may create the master key file of a new installation).
    pub async fn run(self, db: &Db, master: impl FnOnce() -> anyhow::Result<MasterKey>) -> anyhow::Result<()> {
        match self {
            Keys::List => {
                for key in keyring::list(db.pool()).await? {
                    let state = if key.retired_at.is_some() { "retired" } else { "active" };
                    println!("{}  {:<5}  {}  {state}", key.public.kid(), key.public.algorithm(), key.created_at);
                }
                Ok(())
            }
            Keys::Rotate { algorithm } => {
                let algorithm: Algorithm = algorithm.parse().map_err(|e| anyhow::anyhow!("--algorithm: {e}"))?;
                let master = master()?;
                // Opening first makes sure the existing keys open under this master key.
                Keyring::open(db, master.clone()).await?;
                let mut tx = db.begin_write().await?;
                let key = keyring::rotate(&mut tx, &master, algorithm).await?;
                let event = keyring::key_event("rotate", key.public.kid(), key.public.algorithm());
                let sealed = Key::Text(key.public.kid().to_owned());
                keyring::SIGNING_KEYS.append(&mut tx, db.backend(), sealed, event).await?;
                tx.commit().await?;
                println!("new {} key {} signs from now on", key.public.algorithm(), key.public.kid());
                Ok(())
            }
            Keys::Retire { kid } => {
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

/// What `ledger` commands work on: the database, its keyring and heads file, and every slice's sealed tables
/// (the keyring's own included).
pub struct Installation<'a> {
    /// The database.
    pub db: &'a Db,
    /// The keyring, which only `sign` needs (opening it creates the first keys of a new installation).
    pub keyring: Option<&'a Keyring>,
    /// The heads file of this node.
    pub heads_file: &'a HeadsFile,
    /// Every sealed table.
    pub sealed: &'a [&'a Sealed],
}

impl LedgerCommand {
    /// Whether the command signs, so needs the keyring.
    pub fn signs(&self) -> bool {
        matches!(self, LedgerCommand::Sign)
    }

    /// Whether the command works on an installation (all but `check-receipt`, which is offline).
    pub fn needs_installation(&self) -> bool {
        !matches!(self, LedgerCommand::CheckReceipt { .. })
    }

    /// Runs the command; `installation` may be `None` only when [`Self::needs_installation`] is false.
    pub async fn run(self, installation: Option<&Installation<'_>>) -> anyhow::Result<()> {
        let Some(at) = installation else {
            return match self {
                LedgerCommand::CheckReceipt { receipt, jwks } => check_receipt(&receipt, &jwks),
                _ => bail!("this command needs the database"),
            };
        };
        match self {
            LedgerCommand::Verify => {
                let report = verify::verify_log(at.db, &|n| eprintln!("  {n} entries checked")).await?;
                if let Some(problem) = report.problem {
                    bail!("ledger verification failed: {problem}");
                }
                println!(
                    "ledger: {} entries, {} nodes and {} signed tree heads agree",
                    report.entries, report.nodes, report.heads
                );
                let (witnessed, problem) = witness::check(&at.heads_file.read()?, &head::all(at.db.pool()).await?);
                if let Some(problem) = problem {
                    bail!("ledger verification failed: {problem} ({})", at.heads_file.path().display());
                }
                println!(
                    "heads file: {witnessed} signed tree heads are in the database ({})",
                    at.heads_file.path().display()
                );
                for sealed in at.sealed {
                    let (rows, problem) = sealed.verify(at.db).await?;
                    if let Some(problem) = problem {
                        bail!("sealed rows: {problem}");
                    }
                    println!("{}: {rows} rows match their seals", sealed.kind);
                }
                Ok(())
            }
            LedgerCommand::Adopt => {
                let by = trust::ledger::Actor::system("congso ledger adopt");
                for sealed in at.sealed {
                    println!("{}: {} rows adopted", sealed.kind, sealed.adopt(at.db, &by).await?);
                }
                Ok(())
            }
            LedgerCommand::CheckReceipt { receipt, jwks } => check_receipt(&receipt, &jwks),
            LedgerCommand::Sign => {
                let Some(keyring) = at.keyring else { bail!("signing needs the keyring") };
                let head = head::sign(at.db, keyring).await?;
                println!("{}", serde_json::to_string_pretty(&head)?);
                Ok(())
            }
        }
    }
}

fn check_receipt(receipt: &std::path::Path, jwks: &std::path::Path) -> anyhow::Result<()> {
    let read = |path: &std::path::Path| -> anyhow::Result<serde_json::Value> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
    };
    let receipt: Receipt = serde_json::from_value(read(receipt)?).context("not a congso receipt")?;
    let keys = read(jwks)?;
    let key_for = |kid: &str| {
        keys["keys"].as_array()?.iter().filter_map(|k| VerifyingKey::from_jwk(k).ok()).find(|k| k.kid() == kid)
    };
    let event = receipt.verify(key_for).context("the receipt does not check out")?;
    println!(
        "valid: entry {} is in the ledger's signed tree of {} entries (signed {} by key {})",
        receipt.leaf_index, receipt.tree_head.tree_size, receipt.tree_head.timestamp, receipt.tree_head.kid
    );
    println!("{}", serde_json::to_string_pretty(&event)?);
    Ok(())
}
