//! `congso import citizens FILE.csv`: streaming (constant memory), every row parsed and checked, batched
//! transactions, idempotent (a citizen already registered is left as it is), and a report of rejected rows.
//!
//! - [`parse`]: the rows and their checks, on a thread of their own, a chunk ahead of the writer;
//! - [`write`]: a transaction of chunks, and its one ledger entry: the Merkle roots over the citizens,
//!   households and dwellings it made (see [`trust::ledger::batch`]), whose rows name the entry;
//! - [`indexes`]: into an empty registry, the secondary indexes are built after the load.

mod indexes;
mod parse;
mod write;

pub use indexes::restore as restore_indexes;

use kernel::Lang;
use store::Db;
use time::OffsetDateTime;

use self::parse::{Rows, parse_row};
use self::write::Batch;
use crate::synthetic::Row;

/// Rows per statement: as many as SQLite's parameter limit allows with room to spare.
pub const BATCH: usize = 1_000;
/// Rows per transaction, and so per ledger entry. Each commit writes every page the batch dirtied (to the WAL,
/// then to the database), and random keys dirty pages all over the indexes: fewer, larger commits write each hot
/// page once, not many times.
const COMMIT_ROWS: usize = 50_000;

/// The reason every imported record's first version gives.
const IMPORT_REASON: &str = "nhập dữ liệu dân cư";

/// A row that was not imported, with why.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    /// One message per problem.
    pub reasons: Vec<String>,
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Report {
    /// Citizens added.
    pub inserted: u64,
    /// Rows whose citizen was already registered: left unchanged.
    pub already_present: u64,
    /// Rows refused.
    pub rejected: Vec<Rejected>,
}

/// Imports a CSV file of citizens (see the README for its columns). With `all_or_nothing`, a first pass checks
/// every row and nothing is written if any is bad. `progress` is told the bytes read so far.
pub async fn import_csv(
    db: &Db,
    path: &std::path::Path,
    all_or_nothing: bool,
    lang: Lang,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Report, anyhow::Error> {
    let today = OffsetDateTime::now_utc().date();
    let mut report = Report::default();
    let open = || std::fs::File::open(path).map(std::io::BufReader::new);
    if all_or_nothing {
        for (line, row, _) in Rows::new(open()?)? {
            if let Err(reasons) = row.map_err(|e| vec![e]).and_then(|r| parse_row(r, today, lang)) {
                report.rejected.push(Rejected { line, reasons });
            }
        }
        if !report.rejected.is_empty() {
            return Ok(report);
        }
    }
    import_rows(db, Rows::new(open()?)?, lang, progress, report).await
}

/// The next chunk that has rows to write, after noting the rows refused on the way.
async fn next_rows(
    chunks: &mut tokio::sync::mpsc::Receiver<parse::Chunk>,
    report: &mut Report,
) -> Option<parse::Chunk> {
    while let Some(mut chunk) = chunks.recv().await {
        report.rejected.append(&mut chunk.rejected);
        if !chunk.rows.is_empty() {
            return Some(chunk);
        }
    }
    None
}

/// Imports rows (line, row or why it could not be read, progress so far), as the CSV import and the demo do.
/// `progress` hears of the rows' progress each time a transaction has committed.
pub async fn import_rows(
    db: &Db,
    rows: impl Iterator<Item = (u64, Result<Row, String>, u64)> + Send + 'static,
    lang: Lang,
    progress: &(dyn Fn(u64) + Sync),
    report: Report,
) -> Result<Report, anyhow::Error> {
    let deferred = indexes::defer_if_empty(db).await?;
    if !deferred {
        // A bulk import that died may have left some unmade.
        indexes::restore(db).await?;
    }
    let loaded = load(db, rows, lang, progress, report).await;
    if deferred && let Err(e) = indexes::restore(db).await {
        return Err(match loaded {
            Ok(_) => e,
            Err(load) => load.context(format!("and making the registry's indexes again failed too: {e}")),
        });
    }
    loaded
}

/// [`import_rows`] once the indexes are seen to.
async fn load(
    db: &Db,
    rows: impl Iterator<Item = (u64, Result<Row, String>, u64)> + Send + 'static,
    lang: Lang,
    progress: &(dyn Fn(u64) + Sync),
    mut report: Report,
) -> Result<Report, anyhow::Error> {
    let today = OffsetDateTime::now_utc().date();
    let (mut chunks, reader) = parse::spawn_reader(rows, today, lang);
    let mut conn = write::connection(db).await?;
    let mut next = next_rows(&mut chunks, &mut report).await;
    while let Some(mut chunk) = next.take() {
        let mut batch = Batch::begin(db, &mut conn).await?;
        loop {
            batch.write(chunk.rows, &mut report.rejected).await?;
            if batch.rows >= COMMIT_ROWS {
                break;
            }
            match next_rows(&mut chunks, &mut report).await {
                Some(more) => chunk = more,
                None => break,
            }
        }
        let committed = batch.commit().await?;
        report.inserted += committed.inserted;
        report.already_present += committed.already_present;
        progress(chunk.progress);
        next = next_rows(&mut chunks, &mut report).await;
    }
    store::sqlx::Connection::close(conn).await?;
    // The channel also closes when the reader fails: only a reader that finished means every row was seen.
    reader.await.map_err(|e| anyhow::anyhow!("reading the rows failed: {e}"))?;
    if report.inserted > 0 {
        // The planner's statistics, which autovacuum would bring up to date only later: without them PostgreSQL
        // plans the first searches after a large import as if the registry were still empty (measured: 55 ms
        // instead of 0.2 ms for a common family name). The name index is vacuumed too: until its pages are marked
        // all-visible, a search's index-only walk of a name's range visits the table for every entry it passes
        // (measured at a million people: 36 ms instead of 3.4 ms for "nguyen an"). SQLite needs neither.
        if db.backend() == store::Backend::Postgres {
            store::sqlx::query("VACUUM (ANALYZE) citizen_name_suffixes").execute(db.pool()).await?;
            store::sqlx::query("ANALYZE citizens, households, addresses").execute(db.pool()).await?;
        }
    }
    progress(u64::MAX);
    Ok(report)
}
