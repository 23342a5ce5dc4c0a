//! `congso credential issue`: digital-ID credentials in batch, for card printing.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use credentials::{ISSUER, Issued};
use indicatif::{ProgressBar, ProgressStyle};
use kernel::{AdminUnitCode, PersonalId};
use store::Db;
use trust::keyring::Keyring;
use trust::ledger::Actor;

use crate::credential;

/// Issue digital-ID credentials for one citizen or a whole commune, writing for each `ID.txt` (the QR text),
/// `ID.png` and `ID.svg` into --out.
#[derive(Debug, Args)]
pub struct IssueCommand {
    /// One citizen's personal ID number.
    #[arg(long, conflicts_with = "commune", required_unless_present = "commune")]
    personal_id: Option<String>,
    /// Every living citizen of this commune (5-digit code).
    #[arg(long)]
    commune: Option<String>,
    /// The folder to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
}

fn bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("issuing {bar:40} {pos}/{len} [{elapsed_precise}, {eta} left]") {
        bar.set_style(style);
    }
    bar
}

/// Writes a citizen's credential files, `ID.txt`, `ID.png` and `ID.svg`, which carry their identity: for the
/// user running congso alone.
pub fn write_files(out: &Path, issued: &Issued) -> anyhow::Result<()> {
    store::private::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let name = &issued.personal_id;
    let write = |file: String, bytes: &[u8]| {
        store::private::write(&out.join(&file), bytes)
            .with_context(|| format!("cannot write {}", out.join(&file).display()))
    };
    write(format!("{name}.txt"), issued.qr_text.as_bytes())?;
    write(format!("{name}.png"), &trust::qr::render_png(&issued.qr_text, 8)?)?;
    write(format!("{name}.svg"), trust::qr::render_svg(&issued.qr_text)?.as_bytes())
}

impl IssueCommand {
    /// Runs the command.
    pub async fn run(self, db: &Db, keyring: &Keyring) -> anyhow::Result<()> {
        let actor = Actor::system("congso credential");
        let people: Vec<PersonalId> = match (self.personal_id, self.commune) {
            (Some(pid), _) => vec![pid.parse().map_err(|e| anyhow::anyhow!("--personal-id: {e}"))?],
            (None, Some(code)) => {
                let code: AdminUnitCode = code.parse().map_err(|e| anyhow::anyhow!("--commune: {e}"))?;
                credential::living_in(db, &code).await?
            }
            (None, None) => bail!("give --personal-id or --commune"),
        };
        store::private::create_dir_all(&self.out).with_context(|| format!("cannot create {}", self.out.display()))?;
        let progress = bar(people.len() as u64);
        for pid in &people {
            let issued = credential::issue_digital_id(db, keyring, ISSUER, pid, &actor)
                .await
                .with_context(|| format!("citizen {pid}"))?;
            write_files(&self.out, &issued)?;
            progress.inc(1);
        }
        progress.finish_and_clear();
        println!("{} credentials written to {}", people.len(), self.out.display());
        Ok(())
    }
}
