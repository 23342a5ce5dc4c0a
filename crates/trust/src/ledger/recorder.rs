//! Appending events that change nothing else, such as reads, in group commits.
//!
//! A read of personal data must be in the ledger before the data leaves the server, so every read waits for a
//! durable write. One transaction per read would cost a disk flush each; instead a single writer takes whatever
//! events are waiting, appends them in one transaction and then answers each caller. Under load many reads share
//! one flush; alone, a read waits for its own. On SQLite the writer is a thread with its own connection
//! ([`super::sqlite_writer`]); on PostgreSQL, a task on the pool whose every commit is one statement
//! ([`super::store::append_if_at`]).

use ::store::{Backend, Db};
use tokio::sync::{mpsc, oneshot};

use super::event::Event;
use super::{LedgerError, sqlite_writer, store};
use crate::merkle::RootBuilder;

/// The most events one group commit takes.
pub(crate) const MAX_BATCH: usize = 512;

pub(crate) type Job = (Event, oneshot::Sender<Result<u64, String>>);

/// A handle to the recording task; cheap to clone.
#[derive(Debug, Clone)]
pub struct Recorder {
    sender: mpsc::Sender<Job>,
}

impl Recorder {
    /// Starts the writer: a thread of its own on a SQLite file, a task on the current Tokio runtime otherwise.
    pub fn start(db: Db) -> Result<Recorder, LedgerError> {
        let (sender, receiver) = mpsc::channel::<Job>(MAX_BATCH * 8);
        match db.sqlite_file() {
            Some(file) => sqlite_writer::start(file, receiver)?,
            None => {
                tokio::spawn(pool_writer(db, receiver));
            }
        }
        Ok(Recorder { sender })
    }

    /// Appends `event` and returns its position once it is durably stored.
    pub async fn record(&self, event: Event) -> Result<u64, LedgerError> {
        let (reply, answer) = oneshot::channel();
        self.sender.send((event, reply)).await.map_err(|_| LedgerError::Stopped)?;
        answer.await.map_err(|_| LedgerError::Stopped)?.map_err(LedgerError::Failed)
    }
}

async fn pool_writer(db: Db, mut receiver: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    // The log's state as this writer's last commit left it, so that the next need not read it first.
    let mut known = None;
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut events: Vec<Event> = batch.iter().map(|(event, _)| event.clone()).collect();
        let result = commit(&db, &mut known, &mut events).await.map_err(|e| {
            tracing::error!(error = %e, events = events.len(), "could not record ledger events");
            e.to_string()
        });
        for (i, (_, reply)) in batch.drain(..).enumerate() {
            // A caller that gave up waiting is no reason to stop.
            let _ = reply.send(result.as_ref().map(|seqs| seqs[i]).map_err(Clone::clone));
        }
    }
}

/// Optimistic appends before falling back to the locking one.
const ATTEMPTS: usize = 3;

/// On PostgreSQL a group commit is one statement, on the state the last one left; a few tries if other writers
/// moved the log meanwhile, then the transaction that locks the state and cannot lose.
async fn commit(db: &Db, known: &mut Option<RootBuilder>, events: &mut [Event]) -> Result<Vec<u64>, LedgerError> {
    if db.backend() == Backend::Postgres {
        for _ in 0..ATTEMPTS {
            let tree = match known.take() {
                Some(tree) => tree,
                None => store::state(db.pool()).await?,
            };
            if let Some((seqs, after)) = store::append_if_at(db.pool(), tree, events).await? {
                *known = Some(after);
                return Ok(seqs);
            }
        }
    }
    let mut tx = db.begin_write().await?;
    let seqs = store::append(&mut tx, db.backend(), events).await?;
    tx.commit().await?;
    Ok(seqs)
}
