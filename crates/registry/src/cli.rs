//! `congso generate citizens` and `congso import citizens`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use kernel::Lang;
use store::Db;

use crate::import::{self, Report};
use crate::synthetic::{Generator, Row};

/// `congso generate …`
#[derive(Debug, Subcommand)]
pub enum Generate {
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
        out: Option<PathBuf>,
    },
}

impl Generate {
    /// Whether the command writes into the database (rather than a file).
    pub fn needs_database(&self) -> bool {
        matches!(self, Generate::Citizens { out: None, .. })
    }

    /// Runs the command; `db` may be `None` only when [`Self::needs_database`] is false.
    pub async fn run(self, db: Option<&Db>) -> anyhow::Result<()> {
        match (self, db) {
            (Generate::Citizens { count, seed, out: Some(out) }, _) => generate_csv(count, seed, &out),
            (Generate::Citizens { count, seed, out: None }, Some(db)) => {
                let report = generate_into(db, count, seed, true).await?;
                println!("{} citizens added ({} were already present)", report.inserted, report.already_present);
                Ok(())
            }
            (Generate::Citizens { .. }, None) => anyhow::bail!("generating into the database needs the database"),
        }
    }
}

/// `congso import …`
#[derive(Debug, Subcommand)]
pub enum Import {
    /// Citizens from a CSV file (columns in the README); rejected rows are listed with their line numbers.
    Citizens {
        /// The CSV file.
        file: PathBuf,
        /// Import nothing if any row is bad.
        #[arg(long)]
        all_or_nothing: bool,
    },
}

impl Import {
    /// Runs the command.
    pub async fn run(self, db: &Db) -> anyhow::Result<()> {
        match self {
            Import::Citizens { file, all_or_nothing } => import_file(db, &file, all_or_nothing).await,
        }
    }
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let template = format!("{what} {{bar:40}} {{percent}}% {{pos}}/{{len}} [{{elapsed_precise}}, {{eta}} left]");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

/// The synthetic population as rows, household by household, until `count` people.
pub fn synthetic_rows(count: u64, seed: u64) -> impl Iterator<Item = Row> {
    let mut generator = Generator::new(seed, time::OffsetDateTime::now_utc().date());
    let mut made = 0u64;
    std::iter::from_fn(move || (made < count).then(|| generator.household()))
        .flat_map(|household| household.into_iter())
        .take_while(move |_| {
            made += 1;
            made <= count
        })
}

/// Writes `count` synthetic people to a CSV file.
pub fn generate_csv(count: u64, seed: u64, out: &Path) -> anyhow::Result<()> {
    let file = std::fs::File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let progress = bar(count, "generating");
    for (i, row) in synthetic_rows(count, seed).enumerate() {
        writer.serialize(row)?;
        if i % 10_000 == 0 {
            progress.set_position(i as u64);
        }
    }
    writer.flush()?;
    progress.finish_and_clear();
    println!("{count} people written to {}", out.display());
    Ok(())
}

/// Puts `count` synthetic people straight into the database.
pub async fn generate_into(db: &Db, count: u64, seed: u64, show_progress: bool) -> anyhow::Result<Report> {
    let progress = if show_progress { bar(count, "generating") } else { ProgressBar::hidden() };
    let rows = synthetic_rows(count, seed).enumerate().map(|(i, row)| (i as u64 + 2, Ok(row), i as u64 + 1));
    let report =
        import::import_rows(db, rows, Lang::En, &|done| progress.set_position(done.min(count)), Report::default())
            .await?;
    progress.finish_and_clear();
    Ok(report)
}

/// Imports a CSV file, printing a summary and the rejected rows.
pub async fn import_file(db: &Db, file: &PathBuf, all_or_nothing: bool) -> anyhow::Result<()> {
    let size = std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?.len();
    let progress = bar(size, "importing");
    let started = std::time::Instant::now();
    let report =
        import::import_csv(db, file, all_or_nothing, Lang::Vi, &|bytes| progress.set_position(bytes.min(size))).await?;
    progress.finish_and_clear();
    let mut err = std::io::stderr().lock();
    for r in &report.rejected {
        writeln!(err, "dòng {}: {}", r.line, r.reasons.join("; "))?;
    }
    if all_or_nothing && !report.rejected.is_empty() {
        anyhow::bail!("{} bad rows: nothing was imported (--all-or-nothing)", report.rejected.len());
    }
    println!(
        "imported {} citizens, {} already present, {} rows rejected, in {:.1} s",
        report.inserted,
        report.already_present,
        report.rejected.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
