//! The recorder's writer on SQLite: one connection on one thread of its own, appending group commits without
//! leaving it.
//!
//! Every read of personal data waits for its group commit, so the commit loop is the one serial path every read
//! shares; its length is the registry's read throughput. Through the async pool, a commit is six round trips to a
//! connection's worker thread (acquire, `BEGIN`, the state, the entries, the nodes, `COMMIT`), each waiting to be
//! scheduled on a busy machine: measured, about 1 ms of every 1.7 ms commit. Here the statements run where the
//! connection lives, prepared once, and only the durable commit itself takes time. SQLite has one writer anyway;
//! this thread is simply the ledger's turn at it. rusqlite drives the same libsqlite3 that sqlx links.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior, params};
use tokio::sync::mpsc;

use super::LedgerError;
use super::event::Event;
use super::recorder::{Job, MAX_BATCH};
use super::store::{Stamped, builder_from_parts, stamp};

/// Opens the connection and starts the thread; it ends when every sender is gone.
pub(crate) fn start(file: &Path, mut receiver: mpsc::Receiver<Job>) -> Result<(), LedgerError> {
    let mut connection = Connection::open(file).map_err(failed)?;
    // The same durability as the pool's connections: FULL syncs the WAL on every commit, so an acknowledged read is
    // recorded even across a power loss. A 32 MiB page cache keeps the index of subjects, where each read's entry
    // lands at a random place, in memory rather than read back page by page.
    connection
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000; \
             PRAGMA cache_size = -32768;",
        )
        .map_err(failed)?;
    std::thread::Builder::new()
        .name("ledger-writer".into())
        .spawn(move || {
            let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
            while let Some(job) = receiver.blocking_recv() {
                batch.push(job);
                while batch.len() < MAX_BATCH
                    && let Ok(job) = receiver.try_recv()
                {
                    batch.push(job);
                }
                let mut events: Vec<Event> = batch.iter().map(|(event, _)| event.clone()).collect();
                let result = commit(&mut connection, &mut events).map_err(|e| {
                    tracing::error!(error = %e, events = events.len(), "could not record ledger events");
                    e.to_string()
                });
                for (i, (_, reply)) in batch.drain(..).enumerate() {
                    // A caller that gave up waiting is no reason to stop.
                    let _ = reply.send(result.as_ref().map(|seqs| seqs[i]).map_err(Clone::clone));
                }
            }
        })
        .map_err(|e| LedgerError::Failed(e.to_string()))?;
    Ok(())
}

fn failed(e: rusqlite::Error) -> LedgerError {
    LedgerError::Failed(e.to_string())
}

/// One group commit: the same rows [`super::store::append`] writes, under SQLite's write lock.
fn commit(connection: &mut Connection, events: &mut [Event]) -> Result<Vec<u64>, LedgerError> {
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(failed)?;
    let (size, frontier): (i64, String) = tx
        .query_row("SELECT size, frontier FROM ledger_state WHERE id = 1", [], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(failed)?;
    let Stamped { entries, nodes, size, frontier, at_ms } = stamp(builder_from_parts(size, &frontier)?, events)?;
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO ledger_entries (seq, recorded_at_ms, kind, subject, record_kind, record_key, \
                 record_digest, body, leaf_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .map_err(failed)?;
        for ((seq, body, leaf), event) in entries.iter().zip(events.iter()) {
            let record = event.record.as_ref();
            insert
                .execute(params![
                    *seq as i64,
                    at_ms,
                    event.kind.as_str(),
                    event.subject,
                    record.map(|r| &r.kind),
                    record.map(|r| &r.key),
                    record.and_then(|r| r.digest.as_ref()),
                    body,
                    hex::encode(leaf),
                ])
                .map_err(failed)?;
        }
        let mut insert =
            tx.prepare_cached("INSERT INTO ledger_nodes (level, idx, hash) VALUES (?1, ?2, ?3)").map_err(failed)?;
        for (id, hash) in &nodes {
            insert.execute(params![i64::from(id.level), id.index as i64, hex::encode(hash)]).map_err(failed)?;
        }
    }
    tx.execute("UPDATE ledger_state SET size = ?1, frontier = ?2 WHERE id = 1", params![size as i64, frontier])
        .map_err(failed)?;
    tx.commit().map_err(failed)?;
    Ok(entries.into_iter().map(|(seq, _, _)| seq).collect())
}
