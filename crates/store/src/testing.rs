//! Fresh, isolated, migrated databases for tests, on either backend.
//!
//! `CONGSO_TEST_DATABASE_URL=postgres://…` gives each test its own PostgreSQL schema; otherwise each test gets
//! its own SQLite file in a temporary folder. Either is removed when the [`TestDb`] is dropped.

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use crate::Db;

/// The environment variable that selects PostgreSQL for tests.
pub const TEST_DATABASE_URL: &str = "CONGSO_TEST_DATABASE_URL";

/// A migrated database that exists for one test.
pub struct TestDb {
    /// The handle to use.
    pub db: Db,
    /// The URL the handle was opened with, for a second process (the server under test) to open it too.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteDir(#[expect(dead_code, reason = "held only to be removed on drop")] tempfile::TempDir),
    PostgresSchema { admin_url: String, schema: String },
}

impl TestDb {
    /// Creates and migrates a database for one test.
    ///
    /// # Panics
    /// When the database cannot be created: a test cannot go on without it.
    pub async fn new() -> TestDb {
        let test = Self::empty().await;
        test.db.migrate().await.unwrap_or_else(|e| panic!("{e}"));
        test
    }

    /// Creates a database for one test without migrating it: what a first start finds.
    ///
    /// # Panics
    /// When the database cannot be created.
    pub async fn empty() -> TestDb {
        match std::env::var(TEST_DATABASE_URL) {
            Ok(admin_url) if !admin_url.is_empty() => Self::postgres(admin_url).await,
            _ => Self::sqlite().await,
        }
    }

    async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary folder: {e}"));
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("{e}"));
        TestDb { db, url, cleanup: Cleanup::SqliteDir(dir) }
    }

    async fn postgres(admin_url: String) -> TestDb {
        let schema = format!("test_{:016x}", rand::random::<u64>());
        let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| panic!("{e}"));
        sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut admin).await.unwrap_or_else(|e| panic!("{e}"));
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        // The application name lets the clean-up find this test's connections, including any a test left inside a
        // transaction, which would otherwise hold locks that block dropping the schema. A test's commits need not
        // wait for the disk: `synchronous_commit=off` loses nothing unless PostgreSQL itself crashes, which no test
        // does (the tests that kill congso with `kill -9` leave the database server running).
        let options = format!("-c%20search_path%3D{schema}%20-c%20synchronous_commit%3Doff");
        let url = format!("{admin_url}{separator}options={options}&application_name={schema}");
        let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("{e}"));
        TestDb { db, url, cleanup: Cleanup::PostgresSchema { admin_url, schema } }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::PostgresSchema { admin_url, schema } = &self.cleanup {
            let (admin_url, schema) = (admin_url.clone(), schema.clone());
            // Drop cannot await, and the test's runtime may be shutting down: use a runtime of our own.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                rt.block_on(async {
                    if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                        let _ = sqlx::query(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                        )
                        .bind(&schema)
                        .execute(&mut admin)
                        .await;
                        let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&mut admin).await;
                    }
                });
            })
            .join();
        }
    }
}
