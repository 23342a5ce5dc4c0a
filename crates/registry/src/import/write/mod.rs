//! Writing one transaction of an import: its chunks of rows, a handful of multi-row statements each (a statement
//! per row would spend the import's time in round trips), and at the end the one ledger entry that records every
//! citizen, household and dwelling the transaction made.

mod places;

use std::collections::{HashMap, HashSet};

use kernel::PersonalId;
use store::sqlx::{Any, AnyConnection, Row, Transaction};
use store::{Arg, Backend, Column, Db, Rows, Sql};
use time::OffsetDateTime;
use trust::ledger::batch::BatchRoot;
use trust::ledger::{Actor, LedgerError, record_digest};

use super::parse::{CITIZEN_COLUMNS, CITIZEN_TYPES, CITIZEN_VALUES, COMMUNE, DIGEST, HOUSEHOLD_ID, PROVINCE, Prepared};
use super::{IMPORT_REASON, Rejected};
use crate::audit::{self, BatchPart, ImportBatch};
use crate::error::RegistryError;
use crate::store as sql;

/// An open import transaction and what it has made so far, to be recorded by its entry at [`Batch::commit`].
pub(super) struct Batch<'c> {
    tx: Transaction<'c, Any>,
    backend: Backend,
    /// The position its entry will take: the log stays locked until the transaction ends.
    seq: u64,
    now: i64,
    /// (personal ID, digest) of each citizen made.
    citizens: Vec<(String, String)>,
    /// (row id, code, digest) of each household made.
    households: Vec<(i64, String, String)>,
    /// (row id, code, digest) of each dwelling made.
    addresses: Vec<(i64, String, String)>,
    /// The citizens it made, to tell them from those registered before when a chunk was not all written.
    made: HashSet<PersonalId>,
    /// Rows of the file written into it, new or already present.
    pub(super) rows: usize,
    already_present: u64,
}

/// What a committed batch counted.
pub(super) struct Committed {
    pub(super) inserted: u64,
    pub(super) already_present: u64,
}

/// `INSERT INTO` that skips a row whose key is taken, with [`skip_taken`] after the rows. On SQLite it is
/// `INSERT OR IGNORE`: with an upsert clause, a row failing another constraint would abort the statement midway, so
/// SQLite first copies every page the statement touches into a statement journal to undo it, which took half of
/// SQLite's time in the import. Every row here is checked before, and what was written is counted after.
fn insert_verb(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "INSERT OR IGNORE INTO",
        Backend::Postgres => "INSERT INTO",
    }
}

/// `INSERT INTO table (columns) SELECT v.column1, …, constants FROM <rows>`, skipping rows whose `key` is taken,
/// and `RETURNING` what is asked.
fn insert_select(
    backend: Backend,
    table: &str,
    columns: usize,
    constants: &str,
    rows: Rows,
    key: &str,
    returning: Option<&str>,
) -> Sql {
    let select: Vec<String> = (1..=columns).map(|i| format!("v.column{i}")).collect();
    let mut sql = rows.table();
    sql.wrap(&format!("{} {table} SELECT {}{constants} FROM ", insert_verb(backend), select.join(", ")), "");
    skip_taken(&mut sql, backend, key);
    if let Some(columns) = returning {
        sql.push(" RETURNING ").push(columns);
    }
    sql
}

/// `head` (a `SELECT … WHERE column`) followed by the test that the column is one of `keys`.
fn keyed<'a>(backend: Backend, head: &str, keys: impl ExactSizeIterator<Item = &'a str>) -> Sql {
    let mut rows = Rows::new(backend, &[Column::Text], keys.len());
    for key in keys {
        rows.push([text(key)]);
    }
    let mut sql = rows.any_of();
    sql.wrap(head, "");
    sql
}

/// Runs `sql` and reads its rows as (id, text) pairs.
async fn fetch_pairs(tx: &mut AnyConnection, sql: &Sql) -> Result<Vec<(i64, String)>, RegistryError> {
    let rows = sql.query().fetch_all(&mut *tx).await?;
    Ok(rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect::<Result<_, store::sqlx::Error>>()?)
}

/// The end of such a statement: PostgreSQL's `ON CONFLICT (key) DO NOTHING`.
fn skip_taken(sql: &mut Sql, backend: Backend, key: &str) {
    if backend == Backend::Postgres {
        sql.push(&format!(" ON CONFLICT ({key}) DO NOTHING"));
    }
}

/// A row the database did not write although nothing else holds its key.
fn refused(what: &str) -> RegistryError {
    LedgerError::Corrupt(format!("the database did not store {what}, and holds no other")).into()
}

fn text(s: impl Into<String>) -> Arg {
    Arg::Text(Some(s.into()))
}

/// Takes a connection of the import's own out of the pool and sets it up for loading.
pub(super) async fn connection(db: &Db) -> Result<AnyConnection, RegistryError> {
    let mut conn = db.dedicated().await?;
    if db.backend() == Backend::Sqlite {
        // A bigger page cache keeps the indexes' pages in memory across the batches. Foreign keys are not checked
        // on this connection: each row it writes refers to a household or dwelling it has just written or read in
        // the same transaction, under the database's write lock, and checking cost a fifth of the import's time.
        store::sqlx::query("PRAGMA cache_size = -131072; PRAGMA foreign_keys = OFF").execute(&mut conn).await?;
    }
    Ok(conn)
}

impl<'c> Batch<'c> {
    /// Begins a transaction on the import's connection and takes the ledger's lock for its entry.
    pub(super) async fn begin(db: &Db, conn: &'c mut AnyConnection) -> Result<Batch<'c>, RegistryError> {
        let mut tx = db.begin_write_on(conn).await?;
        let seq = trust::ledger::store::next_seq(&mut tx).await?;
        Ok(Batch {
            tx,
            backend: db.backend(),
            seq,
            now: OffsetDateTime::now_utc().unix_timestamp(),
            citizens: Vec::new(),
            households: Vec::new(),
            addresses: Vec::new(),
            made: HashSet::new(),
            rows: 0,
            already_present: 0,
        })
    }

    /// Writes a chunk of at most [`super::BATCH`] rows: dwellings and households first, then the citizens and
    /// their names' search entries. A personal ID seen twice in the chunk is refused the second time.
    pub(super) async fn write(
        &mut self,
        chunk: Vec<Prepared>,
        rejected: &mut Vec<Rejected>,
    ) -> Result<(), RegistryError> {
        self.rows += chunk.len();
        let places = self.write_households(&chunk).await?;
        let mut seen = HashSet::with_capacity(chunk.len());
        let mut citizens = Vec::with_capacity(chunk.len());
        for p in chunk {
            if seen.insert(p.citizen.personal_id) {
                citizens.push(p);
            } else {
                let reasons = vec!["personal_id: trùng trong tệp / duplicated in the file".into()];
                rejected.push(Rejected { line: p.line, reasons });
            }
        }
        let mut rows = Rows::new(self.backend, &CITIZEN_TYPES, citizens.len());
        for p in &mut citizens {
            let c = &p.citizen;
            let place = c.household.as_ref().and_then(|h| places.get(h));
            let here = place.is_none_or(|at| at.commune == p.address.commune && at.province == p.address.province);
            let digest = match p.digest_here.take() {
                Some(digest) if here && (place.is_some() == c.household.is_some()) => digest,
                _ => record_digest(&sql::new_record(c, place)?),
            };
            let mut values = std::mem::take(&mut p.values);
            values[HOUSEHOLD_ID] = Arg::Int(place.map(|p| p.id));
            values[PROVINCE] = Arg::Text(place.map(|p| p.province.clone()));
            values[COMMUNE] = Arg::Text(place.map(|p| p.commune.clone()));
            values[DIGEST] = text(digest.clone());
            values[DIGEST + 1] = Arg::Int(Some(self.now));
            values[DIGEST + 2] = Arg::Int(Some(self.seq as i64));
            rows.push(values);
            p.digest_here = Some(digest);
        }
        let insert = insert_select(
            self.backend,
            &format!("citizens ({CITIZEN_COLUMNS})"),
            CITIZEN_VALUES,
            &format!(", 'living', 1, 'import', '{IMPORT_REASON}'"),
            rows,
            "personal_id",
            (self.backend == Backend::Postgres).then_some("id, personal_id"),
        );
        let (citizens, ids) = match self.backend {
            // PostgreSQL says which rows it wrote, and their ids for the names' search entries.
            Backend::Postgres => {
                let ids: HashMap<String, i64> =
                    fetch_pairs(&mut self.tx, &insert).await?.into_iter().map(|(id, pid)| (pid, id)).collect();
                let before = citizens.len();
                let ours: Vec<Prepared> =
                    citizens.into_iter().filter(|p| ids.contains_key(p.citizen.personal_id.as_str())).collect();
                self.already_present += (before - ours.len()) as u64;
                (ours, Some(ids))
            }
            // Row by row, SQLite would hand each one to this thread on its own; the count says whether all were.
            Backend::Sqlite => {
                let written = insert.query().execute(&mut *self.tx).await?.rows_affected();
                (self.ours(citizens, written).await?, None)
            }
        };
        self.made.extend(citizens.iter().map(|p| p.citizen.personal_id));

        let by = if ids.is_some() { Column::Int } else { Column::Text };
        let mut suffixes = Rows::new(self.backend, &[Column::Text, by], citizens.len() * 4);
        for p in citizens {
            let pid = p.citizen.personal_id.as_str();
            let id = ids.as_ref().map(|ids| ids.get(pid).copied().unwrap_or_default());
            for suffix in p.suffixes {
                let citizen = match id {
                    Some(id) => Arg::Int(Some(id)),
                    None => text(pid),
                };
                suffixes.push([text(suffix), citizen]);
            }
            self.citizens.push((pid.to_owned(), p.digest_here.unwrap_or_default()));
        }
        let rows = suffixes.len() as u64;
        if rows > 0 {
            // On SQLite each suffix finds its citizen's new row by personal ID; PostgreSQL gave the ids back.
            let mut insert = suffixes.table();
            match self.backend {
                Backend::Sqlite => insert.wrap(
                    "INSERT OR IGNORE INTO citizen_name_suffixes (suffix, citizen_id) SELECT v.column1, c.id FROM ",
                    " JOIN citizens c ON c.personal_id = v.column2",
                ),
                Backend::Postgres => insert.wrap(
                    "INSERT INTO citizen_name_suffixes (suffix, citizen_id) SELECT v.column1, v.column2 FROM ",
                    "",
                ),
            };
            if insert.query().execute(&mut *self.tx).await?.rows_affected() != rows {
                return Err(refused("a name's search entry"));
            }
        }
        Ok(())
    }

    /// Which of `citizens` the statement that wrote `written` rows made. Some were registered already, by an earlier
    /// batch or earlier in this one: this statement's are those that name this batch and were not in it before. A
    /// row the database refused outright is an error, never "present".
    async fn ours(&mut self, citizens: Vec<Prepared>, written: u64) -> Result<Vec<Prepared>, RegistryError> {
        if written == citizens.len() as u64 {
            return Ok(citizens);
        }
        let select = keyed(
            self.backend,
            "SELECT personal_id, import_seq FROM citizens WHERE personal_id",
            citizens.iter().map(|p| p.citizen.personal_id.as_str()).collect::<Vec<_>>().into_iter(),
        );
        let rows = select.query().fetch_all(&mut *self.tx).await?;
        let now: HashMap<String, Option<i64>> =
            rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect::<Result<_, store::sqlx::Error>>()?;
        let mut ours = Vec::with_capacity(citizens.len());
        for p in citizens {
            let id = p.citizen.personal_id;
            match now.get(id.as_str()) {
                Some(Some(seq)) if *seq == self.seq as i64 && !self.made.contains(&id) => ours.push(p),
                Some(_) => self.already_present += 1,
                None => return Err(refused(&format!("citizen {}", id.as_str()))),
            }
        }
        if ours.len() as u64 != written {
            return Err(refused("every citizen it counted"));
        }
        Ok(ours)
    }

    /// Appends the batch's entry (if it made anything) and commits: only then do its citizens count as imported.
    pub(super) async fn commit(mut self) -> Result<Committed, RegistryError> {
        let inserted = self.citizens.len() as u64;
        let already_present = self.already_present;
        if self.citizens.is_empty() && self.households.is_empty() && self.addresses.is_empty() {
            // Nothing was made, so there is nothing to record: no entry without its change.
            self.tx.rollback().await?;
            return Ok(Committed { inserted, already_present });
        }
        // The check streams citizens by personal ID and households and dwellings by row id: the leaves' order.
        self.citizens.sort_unstable();
        self.households.sort_unstable_by_key(|(id, _, _)| *id);
        self.addresses.sort_unstable_by_key(|(id, _, _)| *id);
        let salt = BatchRoot::new().salt().to_owned();
        let part = |records: &mut dyn Iterator<Item = (&str, &str)>| -> Result<BatchPart, LedgerError> {
            let mut root = BatchRoot::with_salt(&salt);
            for (key, digest) in records {
                root.push(key, digest)?;
            }
            Ok(BatchPart { records: root.records(), root: root.root() })
        };
        let batch = ImportBatch {
            citizens: part(&mut self.citizens.iter().map(|(k, d)| (k.as_str(), d.as_str())))?,
            households: part(&mut self.households.iter().map(|(_, k, d)| (k.as_str(), d.as_str())))?,
            addresses: part(&mut self.addresses.iter().map(|(_, k, d)| (k.as_str(), d.as_str())))?,
            salt: salt.clone(),
        };
        let label = match (self.citizens.first(), self.citizens.last()) {
            (Some((first, _)), Some((last, _))) => format!("{first}..{last}"),
            _ => String::new(),
        };
        let mut event = audit::imported(&batch, &label, &Actor::system("import"), IMPORT_REASON);
        let seqs = trust::ledger::store::append(&mut self.tx, self.backend, std::slice::from_mut(&mut event)).await?;
        if seqs != [self.seq] {
            let why = format!("the import's entry took position {seqs:?}, its rows name {}", self.seq);
            return Err(LedgerError::Corrupt(why).into());
        }
        self.tx.commit().await?;
        Ok(Committed { inserted, already_present })
    }
}
