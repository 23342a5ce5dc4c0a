//! The keyring's opening at start, and the composition of the operator's `keys` and `ledger` commands (in the
//! `ledger` crate) with every slice's sealed tables and record checks.

use std::sync::Arc;

use anyhow::{Context, bail};
use ledger::cli::{Installation, Keys, LedgerCommand};
use store::Db;
use trust::keyring::{self, Keyring, MasterKey};
use trust::ledger::seal::Sealed;

use crate::cli::{open, settings};
use crate::config::{Overrides, Settings};

/// Every table a slice seals in the ledger.
fn sealed_tables() -> Vec<&'static Sealed> {
    identity::seals::ALL.iter().chain([&keyring::SIGNING_KEYS]).collect()
}

/// `congso keys …`.
pub async fn keys(command: Keys, store: &Overrides) -> anyhow::Result<()> {
    let settings = settings(store)?;
    let db = open(&settings).await?;
    command.run(&db, || master_key(&settings)).await
}

/// `congso ledger …`: the ledger's own checks and the sealed tables, then the registry's records against their
/// change entries.
pub async fn ledger(command: LedgerCommand, store: &Overrides) -> anyhow::Result<()> {
    if !command.needs_installation() {
        return command.run(None).await;
    }
    let settings = settings(store)?;
    let db = open(&settings).await?;
    let keyring = if command.signs() { Some(open_keyring(&settings, &db).await?) } else { None };
    let verifying = matches!(command, LedgerCommand::Verify);
    let sealed = sealed_tables();
    let heads_file = settings.heads_file();
    command
        .run(Some(&Installation { db: &db, keyring: keyring.as_deref(), heads_file: &heads_file, sealed: &sealed }))
        .await?;
    if verifying {
        let records = registry::audit::verify_records(&db).await?;
        if let Some(problem) = records.problem {
            bail!("registry verification failed: {problem}");
        }
        println!(
            "registry: {} records (every citizen's versions, households, dwellings) match the ledger",
            records.records
        );
        let (dossiers, problem) = portal::service::verify_dossiers(&db).await?;
        if let Some(problem) = problem {
            bail!("portal verification failed: {problem}");
        }
        println!("portal: {dossiers} dossiers match the ledger");
        let (enterprises, problem) = enterprise::audit::verify(&db).await?;
        if let Some(problem) = problem {
            bail!("enterprise registry verification failed: {problem}");
        }
        println!("enterprise registry: {enterprises} enterprises match the ledger");
        let (parcels, problem) = land::service::verify(&db).await?;
        if let Some(problem) = problem {
            bail!("land registry verification failed: {problem}");
        }
        println!("land registry: {parcels} parcels match the ledger");
    }
    Ok(())
}

/// Opens the keyring with the master key from `CONGSO_MASTER_KEY` or its file, creating the file (and the keys)
/// at first start.
pub async fn open_keyring(settings: &Settings, db: &Db) -> anyhow::Result<Arc<Keyring>> {
    let master = master_key(settings)?;
    Ok(Arc::new(Keyring::open(db, master).await?.with_heads_file(settings.heads_file())))
}

pub(crate) fn master_key(settings: &Settings) -> anyhow::Result<MasterKey> {
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
