//! Secondary indexes built after a bulk load into an empty registry instead of row by row during it.
//!
//! Inserting rows in random key order into an index touches a random page per row; building the index once the
//! rows are in sorts them and writes each page once. On PostgreSQL, where every page touched is also written to
//! the WAL, that is most of an import's time. The import drops these indexes only when the registry is empty
//! when it starts, and makes them again once it is done or has failed; if the process dies in between, the next
//! start of any command ([`restore`], called after migrating) and the next import make the missing ones again,
//! so queries meanwhile are right, only slower. The keys an import looks rows up by stay: personal IDs and codes.

use store::sqlx::{self, AnyConnection, Row};
use store::{Backend, Db};

use crate::error::RegistryError;

/// One index the import may defer: how to tell it exists, drop it and make it, exactly as the migrations do.
struct Deferred {
    name: &'static str,
    drop: &'static str,
    create: &'static str,
}

const COMMUNE_NAME: Deferred = Deferred {
    name: "citizens_commune_name",
    drop: "DROP INDEX IF EXISTS citizens_commune_name",
    create: "CREATE INDEX citizens_commune_name ON citizens (commune_code, name_folded)",
};
const HOUSEHOLD: Deferred = Deferred {
    name: "citizens_household",
    drop: "DROP INDEX IF EXISTS citizens_household",
    create: "CREATE INDEX citizens_household ON citizens (household_id)",
};
const PLUS_CODE: Deferred = Deferred {
    name: "addresses_plus_code",
    drop: "DROP INDEX IF EXISTS addresses_plus_code",
    create: "CREATE INDEX addresses_plus_code ON addresses (plus_code)",
};
/// The search index's key, on PostgreSQL, where the table is a heap beside it (on SQLite the key is the table).
const SUFFIX_KEY: Deferred = Deferred {
    name: "citizen_name_suffixes_pkey",
    drop: "ALTER TABLE citizen_name_suffixes DROP CONSTRAINT IF EXISTS citizen_name_suffixes_pkey",
    create: "ALTER TABLE citizen_name_suffixes ADD PRIMARY KEY (suffix, citizen_id)",
};

fn deferred(backend: Backend) -> &'static [Deferred] {
    match backend {
        Backend::Postgres => &[COMMUNE_NAME, HOUSEHOLD, PLUS_CODE, SUFFIX_KEY],
        Backend::Sqlite => &[COMMUNE_NAME, HOUSEHOLD, PLUS_CODE],
    }
}

async fn exists(conn: &mut AnyConnection, backend: Backend, name: &str) -> Result<bool, sqlx::Error> {
    let sql = match backend {
        Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND name = $1",
        Backend::Postgres => "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1",
    };
    let row = sqlx::query(sql).bind(name).fetch_one(conn).await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}

/// Drops the deferred indexes if the registry is empty, in one transaction; returns whether it did.
pub(super) async fn defer_if_empty(db: &Db) -> Result<bool, RegistryError> {
    let mut tx = db.begin_write().await?;
    let empty = sqlx::query("SELECT COUNT(*) FROM (SELECT 1 FROM citizens LIMIT 1) AS c")
        .fetch_one(&mut *tx)
        .await?
        .try_get::<i64, _>(0)?
        == 0;
    if empty {
        for index in deferred(db.backend()) {
            sqlx::query(index.drop).execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(empty)
}

/// Makes every deferred index that is missing, each in its own write transaction that looks for it first. Two
/// processes never make the same one: on SQLite write transactions take turns, on PostgreSQL each holds a
/// transaction-scoped advisory lock of its own (not the startup lock, which the demo's first start already holds
/// when its seed imports the synthetic population). When none is missing it only reads the catalogue.
pub async fn restore(db: &Db) -> anyhow::Result<()> {
    let mut conn = db.pool().acquire().await?;
    let mut missing = false;
    for index in deferred(db.backend()) {
        missing |= !exists(&mut conn, db.backend(), index.name).await?;
    }
    drop(conn);
    if !missing {
        return Ok(());
    }
    for index in deferred(db.backend()) {
        let mut tx = db.begin_write().await?;
        if db.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext('congso.registry.deferred_indexes'))::text")
                .execute(&mut *tx)
                .await?;
        }
        // Looked for in the transaction that makes it: the statement also brings the connection's copy of the
        // schema up to date, which SQLite would otherwise consult as it was before another connection's drop.
        if !exists(&mut tx, db.backend(), index.name).await? {
            sqlx::query(index.create).execute(&mut *tx).await?;
            tracing::info!(index = index.name, "made a registry index that a bulk import had deferred");
        }
        tx.commit().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_index_is_dropped_and_made_under_its_own_name() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            for index in deferred(backend) {
                assert!(index.drop.contains(index.name));
                assert!(index.create.contains(index.name) || index.name == SUFFIX_KEY.name);
            }
        }
    }
}
