use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, ConnectOptions, Connection, Executor};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

/// What can go wrong with the database as a whole (queries report their own `sqlx::Error`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no backend we support.
    #[error("unsupported database URL {0}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    /// The database could not be reached or opened.
    #[error("cannot connect to the database at {url}")]
    Connect {
        /// The URL, with any password hidden.
        url: String,
        /// Why.
        #[source]
        source: sqlx::Error,
    },
    /// The startup lock could not be taken.
    #[error("cannot take the startup lock {}", path.display())]
    StartupLock {
        /// The lock file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
}

/// Which database engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, embedded, in WAL mode.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A handle on the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    /// Where write transactions begin. On a SQLite file, a pool of one connection: SQLite has one writer, and a
    /// second `BEGIN IMMEDIATE` waits in SQLite's busy handler, which sleeps 1, 2, 5… ms between tries, so with
    /// many writers the lock sat free while they slept. Queued here instead, in order, each writer starts the
    /// moment the last one commits, and the one connection keeps its page cache across commits. Elsewhere the
    /// same pool as reads.
    writer: AnyPool,
    backend: Backend,
    /// The SQLite database's file; `None` on PostgreSQL and for an in-memory SQLite database.
    sqlite_file: Option<PathBuf>,
}

impl Db {
    /// Opens a pool on `url` (`sqlite://PATH[?mode=rwc]` or `postgres://…`) without migrating.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        let connect_error = |source| StoreError::Connect { url: redact_url(url), source };
        let sqlite_file = match backend {
            Backend::Sqlite => sqlite_file(url).map_err(connect_error)?,
            Backend::Postgres => None,
        };
        let options = AnyConnectOptions::from_str(url).map_err(connect_error)?;
        // One direct connection first: a pool retries until its timeout and then reports only that it timed out,
        // where an operator needs to read "connection refused" or "password authentication failed".
        options.connect().await.map_err(connect_error)?.close().await.map_err(connect_error)?;
        let pool = match backend {
            Backend::Sqlite => sqlite_pool(8).connect_with(options.clone()).await,
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options.clone())
                    .await
            }
        }
        .map_err(connect_error)?;
        let writer = match sqlite_file {
            // No ping before each transaction: it would be one more round trip to the connection's thread inside
            // every writer's turn (measured: the portal's benchmark about a quarter slower with it).
            Some(_) => sqlite_pool(1).test_before_acquire(false).connect_with(options).await.map_err(connect_error)?,
            None => pool.clone(),
        };
        Ok(Db { pool, writer, backend, sqlite_file })
    }

    /// Brings the schema up to date. Safe to run on every start and from several processes at once: it runs
    /// under the startup lock ([`Db::exclusive_startup`]), so a process that comes second finds the schema made.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.exclusive_startup(|| async {
            match self.backend {
                Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
                Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
            }
            Ok(())
        })
        .await
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a
    /// transaction that read first and asked for the lock later could find its snapshot stale and fail, where it
    /// should simply have waited its turn. PostgreSQL locks rows as it goes.
    pub async fn begin_write(&self) -> Result<crate::Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.writer.begin().await,
        }
    }

    /// A connection of its own, taken out of the pool for good, for a long bulk job that changes its connection's
    /// settings: it is closed when dropped, so no other user of the pool ever gets it with those settings.
    pub async fn dedicated(&self) -> Result<sqlx::AnyConnection, sqlx::Error> {
        Ok(self.pool.acquire().await?.detach())
    }

    /// [`Db::begin_write`] on a [`Db::dedicated`] connection.
    pub async fn begin_write_on<'c>(
        &self,
        conn: &'c mut sqlx::AnyConnection,
    ) -> Result<sqlx::Transaction<'c, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => conn.begin().await,
        }
    }

    /// The pool, for queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The engine behind the pool.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite database's file, if it lives in one.
    pub fn sqlite_file(&self) -> Option<&Path> {
        self.sqlite_file.as_deref()
    }

    /// Closes every connection, waiting for queries in flight.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// A pool of SQLite connections with the settings every connection needs.
fn sqlite_pool(connections: u32) -> AnyPoolOptions {
    // Ten seconds to wait for a connection, as SQLite's own busy timeout waits for the write lock.
    let options = AnyPoolOptions::new().max_connections(connections).acquire_timeout(Duration::from_secs(10));
    options.after_connect(|conn, _| {
        Box::pin(async move {
            // WAL lets readers run beside the one writer; FULL syncs the WAL on every commit so an acknowledged
            // write survives power loss, not only a process crash.
            conn.execute(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA temp_store = MEMORY;",
            )
            .await?;
            Ok(())
        })
    })
}

/// The file of a SQLite URL (`None` in memory). When the URL lets SQLite create the file (`mode=rwc`), it is
/// created here first with mode 0600: SQLite would make it with the process's umask (0644, readable by every local
/// user), and it gives the `-wal` and `-shm` files beside it the database's mode.
fn sqlite_file(url: &str) -> Result<Option<PathBuf>, sqlx::Error> {
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
    let path = options.get_filename().to_path_buf();
    let param = |key: &str, value: &str| {
        url.split_once('?').is_some_and(|(_, query)| query.split('&').any(|pair| pair == format!("{key}={value}")))
    };
    if param("mode", "memory") || path.to_string_lossy().starts_with("file:sqlx-in-memory") {
        return Ok(None);
    }
    if param("mode", "rwc") {
        crate::private::file_options().create(true).truncate(false).open(&path).map_err(sqlx::Error::Io)?;
    }
    Ok(Some(path))
}

/// Whether an error is a violated uniqueness constraint (a duplicate), on either backend.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|e| e.is_unique_violation())
}

/// The URL with its password replaced by `***`, fit for logs and error messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_once('/').map_or((rest, None), |(a, p)| (a, Some(p)));
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    match path {
        Some(p) => format!("{scheme}://{authority}/{p}"),
        None => format!("{scheme}://{authority}"),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(redact_url("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://./congso-data/congso.db"), "sqlite://./congso-data/congso.db");
    }
}
