//! The figures of a dataset: counted at most once an hour, kept as a snapshot that every node serves.

use store::Db;
use time::OffsetDateTime;

use crate::catalogue;
use crate::error::OpenDataError;
use crate::model::{Dataset, Table};
use crate::store as sql;

/// How old a snapshot may be before the next reader counts again: aggregate figures need not be live, and a
/// count over a national database is seconds of work.
pub const FRESH_FOR: i64 = 3_600;

/// The figures of `dataset`: its snapshot if it is fresh, else counted now and kept.
pub async fn table(db: &Db, dataset: &Dataset) -> Result<Table, OpenDataError> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    if let Some(table) = sql::snapshot(db, dataset.name).await?
        && now - table.generated_at < FRESH_FOR
    {
        return Ok(table);
    }
    let table = Table { generated_at: now, rows: catalogue::count(db, dataset).await? };
    sql::put(db, dataset.name, &table).await?;
    Ok(table)
}

/// The CSV of a table: a byte-order mark, the header of column names, one line per row, withheld counts empty.
pub fn csv(dataset: &Dataset, table: &Table) -> Result<Vec<u8>, OpenDataError> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let bad = |e: csv::Error| OpenDataError::Corrupt(e.to_string());
    out.write_record(dataset.columns.iter().map(|c| c.name)).map_err(bad)?;
    for row in &table.rows {
        out.write_record(row.iter().map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        }))
        .map_err(bad)?;
    }
    out.into_inner().map_err(|e| OpenDataError::Corrupt(e.to_string()))
}

/// The JSON of a table: an array of records keyed by column name, as CKAN's DataStore returns them.
pub fn records(dataset: &Dataset, table: &Table) -> serde_json::Value {
    let records = table
        .rows
        .iter()
        .map(|row| {
            let record = dataset.columns.iter().zip(row).map(|(c, v)| (c.name.to_owned(), v.clone())).collect();
            serde_json::Value::Object(record)
        })
        .collect();
    serde_json::Value::Array(records)
}
