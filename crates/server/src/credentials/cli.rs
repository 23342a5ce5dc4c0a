//! `congso credential issue|revoke`, `congso bundle` and `congso verify`: batch issuance for card printing,
//! revocation, and verification offline from a verifier bundle (no network, no database).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kernel::{AdminUnitCode, PersonalId};
use registry::credential;
use trust::ledger::Actor;
use trust::revocation::Bundle;

use super::ISSUER;
use crate::cli::{open, settings};
use crate::config::Overrides;
use crate::trust_cli::open_keyring;

/// `congso credential …`
#[derive(Debug, Subcommand)]
pub enum CredentialCommand {
    /// Issue digital-ID credentials for one citizen or a whole commune, writing for each `ID.txt` (the QR text),
    /// `ID.png` and `ID.svg` into --out.
    Issue {
        /// One citizen's personal ID number.
        #[arg(long, conflicts_with = "commune", required_unless_present = "commune")]
        personal_id: Option<String>,
        /// Every living citizen of this commune (5-digit code).
        #[arg(long)]
        commune: Option<String>,
        /// The folder to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Which database.
        #[command(flatten)]
        store: Overrides,
    },
    /// Revoke a credential or signed document by its id (the hex `cti`); verifiers see it in the next list.
    Revoke {
        /// The credential's id.
        id: String,
        /// Why, for the ledger.
        #[arg(long)]
        reason: String,
        /// Which database.
        #[command(flatten)]
        store: Overrides,
    },
}

/// `congso bundle`: what `/.well-known/congso-verifier-bundle.json` serves, written to a file.
#[derive(Debug, Args)]
pub struct BundleCommand {
    /// Where to write the bundle.
    #[arg(long)]
    out: PathBuf,
    /// Which database.
    #[command(flatten)]
    store: Overrides,
}

/// `congso verify`: checks a QR code offline against a verifier bundle. Prints the verdict as JSON; exits 1
/// unless it is valid.
#[derive(Debug, Args)]
pub struct VerifyCommand {
    /// The verifier bundle, as downloaded from `/.well-known/congso-verifier-bundle.json`.
    #[arg(long)]
    bundle: PathBuf,
    /// Accept the bundle only if signed by one of these key ids (compare with the issuer's published JWKS).
    #[arg(long = "pin")]
    pinned: Vec<String>,
    /// A photo, screenshot or PNG of the QR code instead of its text.
    #[arg(long, conflicts_with = "qr", required_unless_present = "qr")]
    image: Option<PathBuf>,
    /// The QR code's text.
    qr: Option<String>,
}

fn bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("issuing {bar:40} {pos}/{len} [{elapsed_precise}, {eta} left]") {
        bar.set_style(style);
    }
    bar
}

/// Writes a citizen's credential files, which carry their identity: for the user running congso alone.
fn write_files(out: &Path, issued: &credential::Issued) -> anyhow::Result<()> {
    let name = &issued.personal_id;
    let write = |file: String, bytes: &[u8]| {
        store::private::write(&out.join(&file), bytes)
            .with_context(|| format!("cannot write {}", out.join(&file).display()))
    };
    write(format!("{name}.txt"), issued.qr_text.as_bytes())?;
    write(format!("{name}.png"), &trust::qr::render_png(&issued.qr_text, 8)?)?;
    write(format!("{name}.svg"), trust::qr::render_svg(&issued.qr_text)?.as_bytes())
}

impl CredentialCommand {
    /// Runs the command.
    pub async fn run(self) -> anyhow::Result<()> {
        let actor = Actor::system("congso credential");
        match self {
            CredentialCommand::Issue { personal_id, commune, out, store } => {
                let settings = settings(&store)?;
                let db = open(&settings).await?;
                let keyring = open_keyring(&settings, &db).await?;
                let people: Vec<PersonalId> = match (personal_id, commune) {
                    (Some(pid), _) => vec![pid.parse().map_err(|e| anyhow::anyhow!("--personal-id: {e}"))?],
                    (None, Some(code)) => {
                        let code: AdminUnitCode = code.parse().map_err(|e| anyhow::anyhow!("--commune: {e}"))?;
                        credential::living_in(&db, &code).await?
                    }
                    (None, None) => bail!("give --personal-id or --commune"),
                };
                store::private::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
                let progress = bar(people.len() as u64);
                for pid in &people {
                    let issued = credential::issue_digital_id(&db, &keyring, ISSUER, pid, &actor)
                        .await
                        .with_context(|| format!("citizen {pid}"))?;
                    write_files(&out, &issued)?;
                    progress.inc(1);
                }
                progress.finish_and_clear();
                println!("{} credentials written to {}", people.len(), out.display());
                Ok(())
            }
            CredentialCommand::Revoke { id, reason, store } => {
                let db = open(&settings(&store)?).await?;
                if credential::revoke(&db, &id.to_ascii_lowercase(), &reason, &actor).await? {
                    println!("credential {id} revoked");
                } else {
                    println!("credential {id} was already revoked");
                }
                Ok(())
            }
        }
    }
}

impl BundleCommand {
    /// Runs the command.
    pub async fn run(self) -> anyhow::Result<()> {
        let settings = settings(&self.store)?;
        let db = open(&settings).await?;
        let keyring = open_keyring(&settings, &db).await?;
        let bundle = super::publish::signed_bundle(&db, &keyring).await?;
        std::fs::write(&self.out, serde_json::to_vec_pretty(&bundle)?)
            .with_context(|| format!("cannot write {}", self.out.display()))?;
        println!("verifier bundle written to {}", self.out.display());
        Ok(())
    }
}

impl VerifyCommand {
    /// Runs the command: no database, no network.
    pub fn run(self) -> anyhow::Result<()> {
        let file = std::fs::read(&self.bundle).with_context(|| format!("cannot read {}", self.bundle.display()))?;
        let bundle = Bundle::open(&file, &self.pinned).context("the verifier bundle")?;
        let text = match (&self.image, &self.qr) {
            (Some(image), _) => {
                let bytes = std::fs::read(image).with_context(|| format!("cannot read {}", image.display()))?;
                trust::qr::decode_image(&bytes)?
            }
            (None, Some(qr)) => qr.clone(),
            (None, None) => bail!("give the QR text or --image FILE"),
        };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let verdict = trust::verify::verify(&text, &bundle, now);
        println!("{}", serde_json::to_string_pretty(&verdict)?);
        if !verdict.is_valid() {
            bail!("not valid: {}", verdict.code());
        }
        Ok(())
    }
}

/// The demo citizen's (`congdan`) digital ID, issued at demo start and written into `dir` as `ID.txt`, `ID.png`
/// and `ID.svg`, so the demo can be verified offline at once. Returns the PNG's path, or `None` without the
/// account.
pub async fn demo_digital_id(
    settings: &crate::config::Settings,
    db: &store::Db,
    dir: &Path,
) -> anyhow::Result<Option<PathBuf>> {
    let accounts = identity::service::list_accounts(db).await?;
    let Some(pid) = accounts.iter().find(|a| a.username == "congdan").and_then(|a| a.personal_id) else {
        return Ok(None);
    };
    let keyring = open_keyring(settings, db).await?;
    let issued = credential::digital_id(db, &keyring, ISSUER, &pid, &Actor::system("demo")).await?;
    store::private::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_files(dir, &issued)?;
    Ok(Some(dir.join(format!("{}.png", issued.personal_id))))
}
