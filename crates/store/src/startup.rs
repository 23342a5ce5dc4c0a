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

/// The lock's two keys in SQL, the class bound as `$1`.
const PG_LOCK_KEYS: &str = "$1, hashtext(coalesce(current_schema(), ''))";

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
            let free: bool = sqlx::query(&format!("SELECT pg_try_advisory_lock({PG_LOCK_KEYS})"))
                .bind(PG_LOCK_CLASS)
                .fetch_one(&mut conn)
                .await?
                .try_get(0)?;
            if !free {
                tracing::info!("another node is starting on this database; waiting for it to finish");
                sqlx::query(&format!("SELECT 1 FROM pg_advisory_lock({PG_LOCK_KEYS})"))
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
                let unlocked = sqlx::query(&format!("SELECT pg_advisory_unlock({PG_LOCK_KEYS})"))
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU8, Ordering};
    use std::time::Duration;

    use crate::testing::TestDb;
    use crate::{Db, StoreError};

    /// Two handles with pools of their own stand for two processes; the lock is a database session's or an open
    /// file's, so it keeps them apart as it keeps processes apart.
    #[tokio::test]
    async fn a_second_start_waits_until_the_first_has_finished() {
        let test = TestDb::new().await;
        let (first, second) = (test.db.clone(), Db::connect(&test.url).await.unwrap());
        // 0: nothing yet; 1: the first is inside; 2: the first may finish; 3: the first finished; 4: the second ran.
        let step = Arc::new(AtomicU8::new(0));
        let wait_for = |step: Arc<AtomicU8>, value: u8| async move {
            while step.load(Ordering::SeqCst) < value {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        let inside = step.clone();
        let one = tokio::spawn(async move {
            first
                .exclusive_startup(|| async {
                    inside.store(1, Ordering::SeqCst);
                    wait_for(inside.clone(), 2).await;
                    inside.store(3, Ordering::SeqCst);
                    Ok::<_, StoreError>(())
                })
                .await
        });
        wait_for(step.clone(), 1).await;
        let after = step.clone();
        let two = tokio::spawn(async move {
            second
                .exclusive_startup(|| async {
                    let seen = after.load(Ordering::SeqCst);
                    after.store(4, Ordering::SeqCst);
                    Ok::<_, StoreError>(seen)
                })
                .await
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(step.load(Ordering::SeqCst), 1, "the second start ran while the first held the lock");
        step.store(2, Ordering::SeqCst);
        one.await.unwrap().unwrap();
        assert_eq!(two.await.unwrap().unwrap(), 3, "the second start ran only after the first finished");
    }
}
