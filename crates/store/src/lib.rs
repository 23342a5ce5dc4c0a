//! The database: one pool over SQLite (the embedded default) or PostgreSQL (at scale), migrations for both,
//! and fresh isolated databases for tests.
//!
//! Every slice writes one portable SQL code path against [`sqlx::Any`]: positional `$1` parameters (SQLite
//! accepts them too), `RETURNING`, `ON CONFLICT`, integers for timestamps and money. Where the dialects really
//! differ, the statement lives in the slice beside its portable sibling and is chosen by [`Db::backend`].

mod builder;
mod db;
pub mod private;
mod rows;
mod startup;
pub mod testing;

pub use builder::{Arg, Sql};
pub use db::{Backend, Db, StoreError, is_unique_violation, redact_url};
pub use rows::{Column, Rows};
pub use sqlx;

/// A transaction that writes, as [`Db::begin_write`] begins it. Every write service of a slice has a form that takes
/// one (`…_in`), so that a caller can make several slices' changes, and their ledger entries, in one commit.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// For the rest of the caller's transaction on PostgreSQL, plans that walk an index in order and stop once a page
/// is full: no bitmap or sequential scans, which PostgreSQL picks when it guesses that a pattern such as
/// `nguyen% an%` matches a handful of rows (and then collects a whole range to sort it), and no parallel workers,
/// whose start alone took 9 of a 15 ms search for a page of twenty names on two cores. Nothing on SQLite.
pub async fn first_rows_plans(tx: &mut sqlx::AnyConnection, backend: Backend) -> Result<(), sqlx::Error> {
    if backend == Backend::Postgres {
        // One statement for the three settings: `SET LOCAL` is one each.
        sqlx::query(
            "SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true), \
             set_config('max_parallel_workers_per_gather', '0', true)",
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
