//! `congso credential revoke`, `congso bundle` and `congso verify`: revocation, the verifier bundle as a file, and
//! verification offline from a bundle (no network, no database).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use store::Db;
use trust::keyring::Keyring;
use trust::ledger::Actor;
use trust::revocation::Bundle;

/// `congso credential revoke`: revokes a credential or signed document by its id (the hex `cti`); verifiers see
/// it in the next list.
#[derive(Debug, Args)]
pub struct RevokeCommand {
    /// The credential's id.
    id: String,
    /// Why, for the ledger.
    #[arg(long)]
    reason: String,
}

impl RevokeCommand {
    /// Runs the command.
    pub async fn run(self, db: &Db) -> anyhow::Result<()> {
        let actor = Actor::system("congso credential");
        if crate::store::revoke(db, &self.id.to_ascii_lowercase(), &self.reason, &actor).await? {
            println!("credential {} revoked", self.id);
        } else {
            println!("credential {} was already revoked", self.id);
        }
        Ok(())
    }
}

/// `congso bundle`: what `/.well-known/congso-verifier-bundle.json` serves, written to a file.
#[derive(Debug, Args)]
pub struct BundleCommand {
    /// Where to write the bundle.
    #[arg(long)]
    out: PathBuf,
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

impl BundleCommand {
    /// Runs the command.
    pub async fn run(self, db: &Db, keyring: &Keyring) -> anyhow::Result<()> {
        let bundle = crate::publish::signed_bundle(db, keyring).await?;
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
