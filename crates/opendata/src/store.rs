//! The open-data slice's SQL: snapshots of each dataset's figures, on its own table only.

use store::Db;
use store::sqlx;

use crate::error::OpenDataError;
use crate::model::Table;

/// The snapshot of `dataset`, if one was taken.
pub async fn snapshot(db: &Db, dataset: &str) -> Result<Option<Table>, OpenDataError> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT generated_at, body FROM opendata_snapshots WHERE dataset = $1")
            .bind(dataset)
            .fetch_optional(db.pool())
            .await?;
    row.map(|(generated_at, body)| {
        let rows = serde_json::from_str(&body).map_err(|e| OpenDataError::Corrupt(format!("{dataset}: {e}")))?;
        Ok(Table { generated_at, rows })
    })
    .transpose()
}

/// Keeps `table` as the snapshot of `dataset`, replacing an older one (a newer one another node took meanwhile
/// stays).
pub async fn put(db: &Db, dataset: &str, table: &Table) -> Result<(), OpenDataError> {
    let body = serde_json::to_string(&table.rows).map_err(|e| OpenDataError::Corrupt(e.to_string()))?;
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO opendata_snapshots (dataset, generated_at, body) VALUES ($1, $2, $3) \
         ON CONFLICT (dataset) DO UPDATE SET generated_at = excluded.generated_at, body = excluded.body \
         WHERE opendata_snapshots.generated_at < excluded.generated_at",
    )
    .bind(dataset)
    .bind(table.generated_at)
    .bind(body)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
