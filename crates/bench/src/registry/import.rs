//! The import half of the registry benchmark: the database engine's own bulk load of the CSV as the baseline, then
//! `congso import citizens` of the same file into a fresh congso database.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use kernel::Lang;
use store::{Backend, Db};

/// Where the benchmark keeps its data on each backend.
#[derive(Debug, Clone)]
pub enum Target {
    /// A SQLite file in the working folder.
    Sqlite { url: String },
    /// A database of its own, `congso_bench`, on a PostgreSQL server: dropped and made again for every import.
    Postgres { server: String, url: String },
}

/// The database the benchmark owns on a PostgreSQL server.
const PG_DATABASE: &str = "congso_bench";

impl Target {
    /// `database_url` names a PostgreSQL server (any database on it: only `congso_bench` is touched), or nothing
    /// for SQLite in `dir`.
    pub fn new(database_url: Option<&str>, dir: &Path) -> anyhow::Result<Target> {
        match database_url {
            None => Ok(Target::Sqlite { url: format!("sqlite://{}?mode=rwc", dir.join("congso.db").display()) }),
            Some(server) if server.starts_with("postgres://") || server.starts_with("postgresql://") => {
                let mut url = url::Url::parse(server).context("--database-url")?;
                url.set_path(PG_DATABASE);
                Ok(Target::Postgres { server: server.to_owned(), url: url.to_string() })
            }
            Some(_) => bail!("--database-url takes a postgres:// URL; SQLite is the default"),
        }
    }

    /// The congso database's URL.
    pub fn url(&self) -> &str {
        match self {
            Target::Sqlite { url } | Target::Postgres { url, .. } => url,
        }
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        match self {
            Target::Sqlite { .. } => Backend::Sqlite,
            Target::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Whether a previous run left a database to reuse.
    pub async fn exists(&self) -> bool {
        match Db::connect(self.url()).await {
            Ok(db) => {
                let found = store::sqlx::query("SELECT 1 FROM citizens LIMIT 1").fetch_optional(db.pool()).await;
                db.close().await;
                matches!(found, Ok(Some(_)))
            }
            Err(_) => false,
        }
    }

    /// An empty database.
    pub(crate) async fn fresh(&self, dir: &Path) -> anyhow::Result<()> {
        match self {
            Target::Sqlite { .. } => {
                for file in ["congso.db", "congso.db-wal", "congso.db-shm"] {
                    let _ = std::fs::remove_file(dir.join(file));
                }
            }
            Target::Postgres { server, .. } => {
                let admin = Db::connect(server).await?;
                for sql in [format!("DROP DATABASE IF EXISTS {PG_DATABASE}"), format!("CREATE DATABASE {PG_DATABASE}")]
                {
                    store::sqlx::query(&sql).execute(admin.pool()).await?;
                }
                admin.close().await;
            }
        }
        Ok(())
    }
}

/// What the import measurement found.
pub struct Imports {
    pub generated: Duration,
    pub baseline: Duration,
    pub imported: Duration,
}

fn timed<T>(what: &str, f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<(T, Duration)> {
    eprintln!("… {what}");
    let started = Instant::now();
    let out = f()?;
    Ok((out, started.elapsed()))
}

/// The CSV's columns as a table definition keyed by personal ID, for the baselines.
fn bare_table(csv: &Path, table: &str) -> anyhow::Result<String> {
    let header = std::fs::read_to_string(csv)?.lines().next().unwrap_or_default().to_owned();
    let columns: Vec<String> = header
        .split(',')
        .map(|c| if c == "personal_id" { format!("{c} TEXT PRIMARY KEY") } else { format!("{c} TEXT") })
        .collect();
    Ok(format!("CREATE TABLE {table} ({})", columns.join(", ")))
}

fn run_shell(program: &str, args: &[&str], script: &str) -> anyhow::Result<()> {
    let mut child = std::process::Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("the {program} shell is needed for the baseline"))?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin.write_all(script.as_bytes())?;
    }
    if !child.wait()?.success() {
        bail!("{program} failed");
    }
    Ok(())
}

/// The sqlite3 shell's own `.import` of the CSV into a table with the same columns and the same key, in WAL mode.
fn sqlite3_import(csv: &Path, dir: &Path) -> anyhow::Result<()> {
    let db = dir.join("baseline.db");
    let _ = std::fs::remove_file(&db);
    let script = format!(
        "PRAGMA journal_mode=WAL;\n{};\n.mode csv\n.import --skip 1 {} citizens\n",
        bare_table(csv, "citizens")?,
        csv.display()
    );
    let db = db.display().to_string();
    run_shell("sqlite3", &[&db], &script).context("apt-get install sqlite3")
}

/// psql's `\copy` of the CSV into a bare table with the same columns and the same key.
fn psql_copy(csv: &Path, server: &str) -> anyhow::Result<()> {
    let mut url = url::Url::parse(server)?;
    url.set_path(PG_DATABASE);
    let script = format!(
        "DROP TABLE IF EXISTS baseline_citizens;\n{};\n\\copy baseline_citizens FROM '{}' WITH (FORMAT csv, HEADER)\n\
         DROP TABLE baseline_citizens;\n",
        bare_table(csv, "baseline_citizens")?,
        csv.display()
    );
    run_shell("psql", &["-v", "ON_ERROR_STOP=1", "-q", url.as_str()], &script)
        .context("apt-get install postgresql-client")
}

/// Generates the CSV, loads it with the engine's own tool and with congso.
pub async fn measure(target: &Target, dir: &Path, count: u64) -> anyhow::Result<Imports> {
    let csv = dir.join("citizens.csv");
    let ((), generated) = timed(&format!("generating {count} people"), || registry::cli::generate_csv(count, 1, &csv))?;
    target.fresh(dir).await?;
    let ((), baseline) = match target {
        Target::Sqlite { .. } => timed("sqlite3 shell .import (baseline)", || sqlite3_import(&csv, dir))?,
        Target::Postgres { server, .. } => timed("psql \\copy (baseline)", || psql_copy(&csv, server))?,
    };
    let db = Db::connect(target.url()).await?;
    db.migrate().await?;
    eprintln!("… congso import citizens");
    let started = Instant::now();
    let report = registry::import::import_csv(&db, &csv, false, Lang::En, &|_| {}).await?;
    let imported = started.elapsed();
    if report.inserted != count || !report.rejected.is_empty() {
        bail!("import inserted {} of {count} ({} rejected)", report.inserted, report.rejected.len());
    }
    db.close().await;
    Ok(Imports { generated, baseline, imported })
}
