//! The startup lock: the work a node does once at start (migrations, the first signing keys and their ledger
//! entries, demo data) is done by one process at a time, so that nodes started together on a fresh database do not
//! all try to make the same first rows.

use std::path::{Path, PathBuf};

use sqlx::{Connection, Row};

use crate::{Db, StoreError};

/// The first key of PostgreSQL's two-key advisory lock, naming congso's startup lock ("cong" in ASCII). The second
/// key is the hash of the current schema, so that installations sharing a database in separate schemas (the tests
/// do) do not wait for each other.
const PG_LOCK_CLASS: i32 = 0x636f_6e67;

/// Where the lock lives on SQLite: a file beside the database, locked exclusively (`flock`).
pub(crate) fn lock_file(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// A held startup lock; dropping it without [`Held::release`] releases it too, less politely.
enum Held {
    /// A connection of its own, outside the pool, that holds a session-level advisory lock: were it returned to the
    /// pool, the lock would stay with whichever query used it next. Dropping it closes the session, which ends
    /// the lock.
    Postgres(sqlx::AnyConnection),
    /// The open lock file; closing it ends the lock.
    File(std::fs::File),
    /// An in-memory SQLite database belongs to one process: there is no one to wait for.
    Nothing,
}

impl Db {
    /// Runs `work` holding this installation's startup lock, and returns what it returned.
    ///
    /// First-start work checks whether it was already done and does it if not, inside this lock: a node started
    /// at the same moment waits here, then finds it done and uses what the first one made. On PostgreSQL the lock
    /// is a session-level advisory lock on a dedicated connection (`work` itself uses the pool as usual); on SQLite
    /// an exclusive lock on the file `DATABASE.lock` beside the database. A process that dies holding it releases
    /// it. It is not re-entrant: `work` must not take it again ([`Db::migrate`] takes it), or it waits for itself.
    pub async fn exclusive_startup<T, E, F>(&self, work: impl FnOnce() -> F) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>>,
        E: From<StoreError>,
    {
        let held = self.lock_startup().await?;
        let result = work().await;
        held.release().await;
        result
    }

    async fn lock_startup(&self) -> Result<Held, StoreError> {
        if self.backend() == crate::Backend::Postgres {
            let mut conn = self.pool().acquire().await?.detach();
            let free: bool = sqlx::query("SELECT pg_try_advisory_lock($1, hashtext(current_schema()))")
                .bind(PG_LOCK_CLASS)
                .fetch_one(&mut conn)
                .await?
                .try_get(0)?;
            if !free {
                tracing::info!("another node is starting on this database; waiting for it to finish");
                sqlx::query("SELECT 1 FROM pg_advisory_lock($1, hashtext(current_schema()))")
                    .bind(PG_LOCK_CLASS)
                    .execute(&mut conn)
                    .await?;
            }
            return Ok(Held::Postgres(conn));
        }
        let Some(database) = self.sqlite_file() else {
            return Ok(Held::Nothing);
        };
        let path = lock_file(database);
        let fail = |source| StoreError::StartupLock { path: path.clone(), source };
        let file = crate::private::file_options().create(true).truncate(false).open(&path).map_err(fail)?;
        match file.try_lock() {
            Ok(()) => return Ok(Held::File(file)),
            Err(std::fs::TryLockError::Error(e)) => return Err(fail(e)),
            Err(std::fs::TryLockError::WouldBlock) => {}
        }
        tracing::info!(lock = %path.display(), "another process is starting on this database; waiting for it to finish");
        // flock blocks the thread: wait on one that may block.
        tokio::task::spawn_blocking(move || file.lock().map(|()| file))
            .await
            .map_err(|e| fail(std::io::Error::other(e)))?
            .map(Held::File)
            .map_err(fail)
    }
}

impl Held {
    async fn release(self) {
        match self {
            Held::Postgres(mut conn) => {
                let unlocked = sqlx::query("SELECT pg_advisory_unlock($1, hashtext(current_schema()))")
                    .bind(PG_LOCK_CLASS)
                    .execute(&mut conn)
                    .await;
                if let Err(e) = unlocked.map(drop).and(conn.close().await) {
                    // Dropping the connection ends the session and the lock with it.
                    tracing::warn!(error = %e, "releasing the startup lock");
                }
            }
            Held::File(file) => drop(file),
            Held::Nothing => {}
        }
    }
}
