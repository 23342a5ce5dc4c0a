//! The ledger's SQL: appending inside the caller's transaction, fetching nodes for proofs, reading entries.

use std::collections::HashMap;

use store::sqlx::any::AnyRow;
use store::sqlx::{self, Any, AnyConnection, Executor, Row};
use store::{Arg, Backend, Column, Rows, Sql};

use super::LedgerError;
use super::event::Event;
use crate::merkle::{self, Hash, NodeId, RootBuilder};

/// Rows per INSERT statement: well under both engines' parameter limits.
const ROWS_PER_STATEMENT: usize = 100;

/// An entry as stored.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Its position in the log, from 0.
    pub seq: u64,
    /// The event.
    pub event: Event,
    /// The exact bytes that were hashed.
    pub body: String,
    /// SHA-256(0x00 || body), as stored.
    pub leaf_hash: Hash,
}

pub(crate) fn parse_hash(text: &str) -> Result<Hash, LedgerError> {
    let bytes = hex::decode(text).map_err(|_| LedgerError::Corrupt(format!("{text:?} is not a hex hash")))?;
    merkle::hash_from_slice(&bytes).map_err(|e| LedgerError::Corrupt(e.to_string()))
}

pub(crate) fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// The log's size and right edge, locked until the transaction ends. The no-op UPDATE is what takes the row lock
/// on PostgreSQL (SQLite's `BEGIN IMMEDIATE` already holds the database's); `RETURNING` works on both.
async fn lock_state(tx: &mut AnyConnection) -> Result<RootBuilder, LedgerError> {
    let row = sqlx::query("UPDATE ledger_state SET size = size WHERE id = 1 RETURNING size, frontier")
        .fetch_one(&mut *tx)
        .await?;
    builder_from_state(&row)
}

fn builder_from_state(row: &AnyRow) -> Result<RootBuilder, LedgerError> {
    builder_from_parts(row.try_get("size")?, &row.try_get::<String, _>("frontier")?)
}

/// The current size and right edge, without locking.
pub(crate) async fn state<'e>(db: impl Executor<'e, Database = Any>) -> Result<RootBuilder, LedgerError> {
    builder_from_state(&sqlx::query("SELECT size, frontier FROM ledger_state WHERE id = 1").fetch_one(db).await?)
}

/// Events stamped with their time and salt, hashed into the tree: the rows an append writes.
pub(crate) struct Stamped {
    /// Each event's position, canonical body and leaf hash.
    pub entries: Vec<(u64, String, Hash)>,
    /// The inner nodes the appends completed.
    pub nodes: Vec<(NodeId, Hash)>,
    /// The log's size afterwards.
    pub size: u64,
    /// The log's right edge afterwards, as `ledger_state.frontier` holds it.
    pub frontier: String,
    /// The time stamped on every event.
    pub at_ms: i64,
}

/// Stamps `events` and appends them to `tree`; the caller writes the result in the transaction that read `tree`.
pub(crate) fn stamp(mut tree: RootBuilder, events: &mut [Event]) -> Result<Stamped, LedgerError> {
    let at_ms = now_ms();
    let mut entries = Vec::with_capacity(events.len());
    let mut nodes = Vec::new();
    for event in events.iter_mut() {
        event.at_ms = at_ms;
        event.salt = Some(hex::encode(rand::random::<[u8; 16]>()));
        let body = String::from_utf8(event.canonical_bytes()).unwrap_or_default();
        let leaf = merkle::leaf_hash(body.as_bytes());
        let seq = tree.size();
        nodes.extend(tree.append(leaf).map_err(|e| LedgerError::Corrupt(e.to_string()))?);
        entries.push((seq, body, leaf));
    }
    let frontier = tree.peaks().iter().map(hex::encode).collect::<Vec<_>>().join(",");
    Ok(Stamped { entries, nodes, size: tree.size(), frontier, at_ms })
}

/// The state row's columns, parsed.
pub(crate) fn builder_from_parts(size: i64, frontier: &str) -> Result<RootBuilder, LedgerError> {
    let peaks = frontier.split(',').filter(|s| !s.is_empty()).map(parse_hash).collect::<Result<Vec<_>, _>>()?;
    RootBuilder::from_peaks(size as u64, peaks).map_err(|e| LedgerError::Corrupt(format!("ledger_state: {e}")))
}

/// The position the next entry appended in the caller's transaction will take, with the log locked until the
/// transaction ends so that no other writer takes it first: for rows that must name their entry (a bulk import's
/// batch) before the entry itself can be made.
pub async fn next_seq(tx: &mut AnyConnection) -> Result<u64, LedgerError> {
    Ok(lock_state(tx).await?.size())
}

/// Appends `events` in the caller's transaction (a connection inside `BEGIN`), stamping their time and salt, and
/// returns their positions. They are in the log if and only if the transaction commits.
///
/// The log stays locked from the state's read to the transaction's end, and every other writer of the log waits
/// meanwhile: so after the lock, the rows and the state's update go in one round trip (one statement on
/// PostgreSQL; on SQLite, whose every statement is a hand-off to the connection's thread and back, one batch).
pub async fn append(tx: &mut AnyConnection, backend: Backend, events: &mut [Event]) -> Result<Vec<u64>, LedgerError> {
    if events.is_empty() {
        return Ok(vec![]);
    }
    let tree = lock_state(tx).await?;
    let expected = tree.size();
    let stamped = stamp(tree, events)?;
    if backend == Backend::Postgres {
        let written: i64 =
            conditional_append(&stamped, events, expected).query().fetch_one(&mut *tx).await?.try_get(0)?;
        if written == 0 {
            return Err(LedgerError::Corrupt("the locked ledger_state row changed under its lock".into()));
        }
        return Ok(stamped.entries.into_iter().map(|(seq, _, _)| seq).collect());
    }
    let first = stamped.entries[0].0;
    let mut sql = Sql::new(backend, "");
    for chunk in stamped.entries.chunks(ROWS_PER_STATEMENT) {
        sql.push(
            "INSERT INTO ledger_entries (seq, recorded_at_ms, kind, subject, record_kind, record_key, record_digest, \
             body, leaf_hash) VALUES ",
        );
        for (i, (seq, body, leaf)) in chunk.iter().enumerate() {
            let event = &events[(*seq - first) as usize];
            let record = event.record.as_ref();
            sql.push(if i == 0 { "(" } else { ", (" });
            let values = [
                sql.bind_int(*seq as i64),
                sql.bind_int(stamped.at_ms),
                sql.bind_text(event.kind.as_str()),
                sql.bind(Arg::Text(event.subject.clone())),
                sql.bind(Arg::Text(record.map(|r| r.kind.clone()))),
                sql.bind(Arg::Text(record.map(|r| r.key.clone()))),
                sql.bind(Arg::Text(record.and_then(|r| r.digest.clone()))),
                sql.bind_text(body.as_str()),
                sql.bind_text(hex::encode(leaf)),
            ];
            sql.push(&values.join(", ")).push(")");
        }
        sql.push("; ");
    }
    for chunk in stamped.nodes.chunks(ROWS_PER_STATEMENT) {
        sql.push("INSERT INTO ledger_nodes (level, idx, hash) VALUES ");
        for (i, (id, hash)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            let values =
                [sql.bind_int(i64::from(id.level)), sql.bind_int(id.index as i64), sql.bind_text(hex::encode(hash))];
            sql.push(&values.join(", ")).push(")");
        }
        sql.push("; ");
    }
    let (size, frontier) = (sql.bind_int(stamped.size as i64), sql.bind_text(stamped.frontier.as_str()));
    sql.push(&format!("UPDATE ledger_state SET size = {size}, frontier = {frontier} WHERE id = 1"));
    sql.query().execute(&mut *tx).await?;
    Ok(stamped.entries.into_iter().map(|(seq, _, _)| seq).collect())
}

/// Appends `events` in one statement that commits on its own, if the log still has the size of `tree`, and
/// returns their positions and the log's state afterwards; `None` if another writer appended first, in which case
/// nothing was written. PostgreSQL's group commit: one round trip where [`append`] in a transaction takes three.
pub(crate) async fn append_if_at(
    pool: &sqlx::AnyPool,
    tree: RootBuilder,
    events: &mut [Event],
) -> Result<Option<(Vec<u64>, RootBuilder)>, LedgerError> {
    let expected = tree.size();
    let stamped = stamp(tree, events)?;
    let written: i64 = conditional_append(&stamped, events, expected).query().fetch_one(pool).await?.try_get(0)?;
    if written == 0 {
        return Ok(None);
    }
    let after = builder_from_parts(stamped.size as i64, &stamped.frontier)?;
    Ok(Some((stamped.entries.into_iter().map(|(seq, _, _)| seq).collect(), after)))
}

/// PostgreSQL's one statement that writes `stamped` if the log's size is still `expected`: the state row's update
/// is the condition of the two inserts beside it, and it counts the state rows it updated (1, or 0 if the log had
/// grown and nothing was written).
fn conditional_append(stamped: &Stamped, events: &[Event], expected: u64) -> Sql {
    let backend = Backend::Postgres;
    let mut entries = Rows::new(backend, &ENTRY_COLUMNS, events.len());
    for ((seq, body, leaf), event) in stamped.entries.iter().zip(events.iter()) {
        let record = event.record.as_ref();
        entries.push([
            Arg::Int(Some(*seq as i64)),
            Arg::Int(Some(stamped.at_ms)),
            Arg::Text(Some(event.kind.as_str().to_owned())),
            Arg::Text(event.subject.clone()),
            Arg::Text(record.map(|r| r.kind.clone())),
            Arg::Text(record.map(|r| r.key.clone())),
            Arg::Text(record.and_then(|r| r.digest.clone())),
            Arg::Text(Some(body.clone())),
            Arg::Text(Some(hex::encode(leaf))),
        ]);
    }
    let mut nodes = Rows::new(backend, &[Column::Int, Column::Int, Column::Text], stamped.nodes.len());
    for (id, hash) in &stamped.nodes {
        nodes.push([
            Arg::Int(Some(i64::from(id.level))),
            Arg::Int(Some(id.index as i64)),
            Arg::Text(Some(hex::encode(hash))),
        ]);
    }
    let mut sql = Sql::new(backend, "WITH state AS (UPDATE ledger_state SET size = ");
    let (size, frontier, was) =
        (sql.bind_int(stamped.size as i64), sql.bind_text(stamped.frontier.as_str()), sql.bind_int(expected as i64));
    sql.push(&format!(
        "{size}, frontier = {frontier} WHERE id = 1 AND size = {was} RETURNING id), \
         entries AS (INSERT INTO ledger_entries (seq, recorded_at_ms, kind, subject, record_kind, record_key, \
         record_digest, body, leaf_hash) SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, \
         v.column7, v.column8, v.column9 FROM "
    ));
    entries.table_in(&mut sql);
    sql.push(
        " WHERE EXISTS (SELECT 1 FROM state)), nodes AS (INSERT INTO ledger_nodes (level, idx, hash) \
         SELECT v.column1, v.column2, v.column3 FROM ",
    );
    nodes.table_in(&mut sql);
    sql.push(" WHERE EXISTS (SELECT 1 FROM state)) SELECT COUNT(*) FROM state");
    sql
}

/// The types of `ledger_entries`' columns as [`conditional_append`] binds them.
const ENTRY_COLUMNS: [Column; 9] = [
    Column::Int,
    Column::Int,
    Column::Text,
    Column::Text,
    Column::Text,
    Column::Text,
    Column::Text,
    Column::Text,
    Column::Text,
];

/// The stored hashes of `ids`, in one query per level kind: leaves from the entries, the rest from the nodes.
pub(crate) async fn nodes<'e>(
    db: impl Executor<'e, Database = Any> + Copy,
    backend: Backend,
    ids: &[NodeId],
) -> Result<HashMap<NodeId, Hash>, LedgerError> {
    let mut found = HashMap::with_capacity(ids.len());
    let (leaves, inner): (Vec<&NodeId>, Vec<&NodeId>) = ids.iter().partition(|id| id.level == 0);
    if !leaves.is_empty() {
        let mut sql = Sql::new(backend, "SELECT seq, leaf_hash FROM ledger_entries WHERE seq IN (");
        let params: Vec<String> = leaves.iter().map(|id| sql.bind_int(id.index as i64)).collect();
        sql.push(&params.join(", ")).push(")");
        for row in sql.query().fetch_all(db).await? {
            let seq: i64 = row.try_get(0)?;
            found.insert(NodeId::leaf(seq as u64), parse_hash(&row.try_get::<String, _>(1)?)?);
        }
    }
    if !inner.is_empty() {
        let mut sql = Sql::new(backend, "SELECT level, idx, hash FROM ledger_nodes WHERE ");
        for (i, id) in inner.iter().enumerate() {
            sql.push(if i == 0 { "(level = " } else { " OR (level = " });
            let level = sql.bind_int(i64::from(id.level));
            sql.push(&level).push(" AND idx = ");
            let index = sql.bind_int(id.index as i64);
            sql.push(&index).push(")");
        }
        for row in sql.query().fetch_all(db).await? {
            let (level, index): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            let id = NodeId::new(level as u8, index as u64);
            found.insert(id, parse_hash(&row.try_get::<String, _>(2)?)?);
        }
    }
    Ok(found)
}

pub(crate) fn entry_from_row(row: &AnyRow) -> Result<Entry, LedgerError> {
    let seq: i64 = row.try_get("seq")?;
    let body: String = row.try_get("body")?;
    let event = serde_json::from_str(&body).map_err(|e| LedgerError::Corrupt(format!("entry {seq}: {e}")))?;
    Ok(Entry { seq: seq as u64, event, leaf_hash: parse_hash(&row.try_get::<String, _>("leaf_hash")?)?, body })
}

/// One entry by position.
pub async fn entry<'e>(db: impl Executor<'e, Database = Any>, seq: u64) -> Result<Option<Entry>, LedgerError> {
    let row = sqlx::query("SELECT seq, body, leaf_hash FROM ledger_entries WHERE seq = $1")
        .bind(seq as i64)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(entry_from_row).transpose()
}

/// The entries about one citizen, newest first, at most `limit` of them before position `before`.
pub async fn entries_about<'e>(
    db: impl Executor<'e, Database = Any>,
    personal_id: &str,
    before: u64,
    limit: u32,
) -> Result<Vec<Entry>, LedgerError> {
    let rows = sqlx::query(
        "SELECT seq, body, leaf_hash FROM ledger_entries WHERE subject = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
    )
    .bind(personal_id)
    .bind(before.min(i64::MAX as u64) as i64)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?;
    rows.iter().map(entry_from_row).collect()
}

/// Every entry that records a version of a record of `kind` (one with a record digest), ordered by record key and
/// then position, with the columns `record_key`, `seq`, `record_digest` and `body`: for a slice's check of its
/// records against the ledger, as a stream, so that millions of records need no memory.
pub fn changes_of_kind<'a>(
    pool: &'a sqlx::AnyPool,
    kind: &'a str,
) -> futures_util::stream::BoxStream<'a, Result<AnyRow, sqlx::Error>> {
    sqlx::query(
        "SELECT record_key, seq, record_digest, body FROM ledger_entries \
         WHERE record_kind = $1 AND record_digest IS NOT NULL ORDER BY record_key, seq",
    )
    .bind(kind)
    .fetch(pool)
}

/// Every entry about a record of `kind`, in log order, with the columns `seq` and `body`: for a slice whose entries
/// record many records at once (an import's batches), to read them all without a row per record.
pub fn entries_of_record_kind<'a>(
    pool: &'a sqlx::AnyPool,
    kind: &'a str,
) -> futures_util::stream::BoxStream<'a, Result<AnyRow, sqlx::Error>> {
    sqlx::query("SELECT seq, body FROM ledger_entries WHERE record_kind = $1 ORDER BY seq").bind(kind).fetch(pool)
}
