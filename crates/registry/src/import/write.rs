//! Writing one transaction of an import: its chunks of rows, a handful of multi-row statements each (a statement
//! per row would spend the import's time in round trips), and at the end the one ledger entry that records every
//! citizen, household and dwelling the transaction made.

use std::collections::{HashMap, HashSet};

use kernel::PersonalId;
use store::sqlx::{Any, AnyConnection, Row, Transaction};
use store::{Arg, Backend, Db, Sql};
use time::OffsetDateTime;
use trust::ledger::batch::BatchRoot;
use trust::ledger::{Actor, LedgerError, record_digest};

use super::parse::{CITIZEN_COLUMNS, CITIZEN_VALUES, COMMUNE, DIGEST, HOUSEHOLD_ID, PROVINCE, Prepared};
use super::{IMPORT_REASON, Rejected};
use crate::audit::{self, AddressSeal, BatchPart, HouseholdSeal, ImportBatch};
use crate::error::RegistryError;
use crate::model::Address;
use crate::store::{self as sql, HouseholdPlace};

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

fn insert_skipping(backend: Backend, table: &str) -> Sql {
    Sql::new(backend, format!("{} {table} VALUES ", insert_verb(backend)))
}

/// The end of [`insert_skipping`]'s statement: PostgreSQL's `ON CONFLICT (key) DO NOTHING`.
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

fn pairs(rows: Vec<store::sqlx::any::AnyRow>) -> Result<Vec<(i64, String)>, store::sqlx::Error> {
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
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
        let mut insert = Sql::with_capacity(
            self.backend,
            format!("{} citizens ({CITIZEN_COLUMNS}) VALUES ", insert_verb(self.backend)),
            citizens.len() * CITIZEN_VALUES,
        );
        let constants = format!(", 'living', 1, 'import', '{IMPORT_REASON}'");
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
            insert.push_row_then(values, &constants);
            p.digest_here = Some(digest);
        }
        skip_taken(&mut insert, self.backend, "personal_id");
        let written = insert.query().execute(&mut *self.tx).await?.rows_affected();
        if written != citizens.len() as u64 {
            // Some were registered already, by an earlier batch, earlier in this one, or by another transaction
            // meanwhile (PostgreSQL runs them side by side): this statement's are those that name this batch and
            // were not in it before. A row the database refused outright is an error, never "present".
            let now = self.registered(citizens.iter().map(|p| p.citizen.personal_id.as_str())).await?;
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
            citizens = ours;
        }
        self.made.extend(citizens.iter().map(|p| p.citizen.personal_id));

        // The search entries join each name's suffixes to the new row by personal ID: no row ids need come back.
        let mut suffixes = Sql::new(self.backend, "");
        for p in citizens {
            for suffix in p.suffixes {
                suffixes.push_row([text(suffix), text(p.citizen.personal_id.as_str())]);
            }
            self.citizens.push((p.citizen.personal_id.as_str().to_owned(), p.digest_here.unwrap_or_default()));
        }
        let rows = suffixes.rows() as u64;
        if rows > 0 {
            // A chunk of 1,000 people has about 3,300 name suffixes: 6,600 parameters.
            suffixes.wrap(
                &format!(
                    "{} citizen_name_suffixes (suffix, citizen_id) SELECT v.column1, c.id FROM (VALUES ",
                    insert_verb(self.backend)
                ),
                ") AS v JOIN citizens c ON c.personal_id = v.column2",
            );
            skip_taken(&mut suffixes, self.backend, "suffix, citizen_id");
            if suffixes.query().execute(&mut *self.tx).await?.rows_affected() != rows {
                return Err(refused("a name's search entry"));
            }
        }
        Ok(())
    }

    /// Which of `ids` are registered already, each with the import batch that made it, if one did.
    async fn registered<'a>(
        &mut self,
        ids: impl Iterator<Item = &'a str>,
    ) -> Result<HashMap<String, Option<i64>>, RegistryError> {
        let mut select = Sql::new(self.backend, "SELECT personal_id, import_seq FROM citizens WHERE personal_id IN (");
        let marks: Vec<String> = ids.map(|id| select.bind_text(id)).collect();
        if marks.is_empty() {
            return Ok(HashMap::new());
        }
        select.push(&marks.join(", ")).push(")");
        let rows = select.query().fetch_all(&mut *self.tx).await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, store::sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Writes the chunk's dwellings and households, each once, and returns where each household is.
    async fn write_households(&mut self, chunk: &[Prepared]) -> Result<HashMap<String, HouseholdPlace>, RegistryError> {
        let mut households: HashMap<&str, &Prepared> = HashMap::new();
        for p in chunk {
            if let Some(code) = &p.citizen.household {
                households.entry(code.as_str()).or_insert(p);
            }
        }
        if households.is_empty() {
            return Ok(HashMap::new());
        }
        let mut addresses: HashMap<&str, &Address> = HashMap::new();
        for p in households.values() {
            addresses.entry(p.address_code.as_str()).or_insert(&p.address);
        }
        let address_ids = self.write_addresses(&addresses).await?;

        let mut insert =
            insert_skipping(self.backend, "households (code, address_id, created_at, import_seq, import_digest)");
        let mut digests = HashMap::with_capacity(households.len());
        for (code, p) in &households {
            let address_id = address_ids.get(p.address_code.as_str()).copied().unwrap_or_default();
            let digest = record_digest(&HouseholdSeal::of(code, &p.address_code));
            insert.push_row([
                text(*code),
                Arg::Int(Some(address_id)),
                Arg::Int(Some(self.now)),
                Arg::Int(Some(self.seq as i64)),
                text(digest.clone()),
            ]);
            digests.insert(*code, digest);
        }
        skip_taken(&mut insert, self.backend, "code");
        insert.push(" RETURNING id, code");
        let mut places = HashMap::with_capacity(households.len());
        for (id, code) in pairs(insert.query().fetch_all(&mut *self.tx).await?)? {
            // A new household is where its first row says: its dwelling's commune and province.
            let a = &households.get(code.as_str()).ok_or(RegistryError::NotFound)?.address;
            places
                .insert(code.clone(), HouseholdPlace { id, commune: a.commune.clone(), province: a.province.clone() });
            let digest = digests.remove(code.as_str()).unwrap_or_default();
            self.households.push((id, code, digest));
        }
        let known: Vec<&str> = households.keys().copied().filter(|c| !places.contains_key(*c)).collect();
        if !known.is_empty() {
            let mut select = Sql::new(
                self.backend,
                "SELECT h.id, h.code, a.commune_code, a.province_code FROM households h \
                 JOIN addresses a ON a.id = h.address_id WHERE h.code IN (",
            );
            let marks: Vec<String> = known.iter().map(|c| select.bind_text(*c)).collect();
            select.push(&marks.join(", ")).push(")");
            for row in select.query().fetch_all(&mut *self.tx).await? {
                let place = HouseholdPlace { id: row.try_get(0)?, commune: row.try_get(2)?, province: row.try_get(3)? };
                places.insert(row.try_get::<String, _>(1)?, place);
            }
        }
        if let Some(code) = households.keys().find(|c| !places.contains_key(**c)) {
            return Err(refused(&format!("household {code}")));
        }
        Ok(places)
    }

    /// Writes the dwellings not yet stored and returns every dwelling's row id by code.
    async fn write_addresses(
        &mut self,
        addresses: &HashMap<&str, &Address>,
    ) -> Result<HashMap<String, i64>, RegistryError> {
        let mut insert = insert_skipping(
            self.backend,
            "addresses (code, commune_code, province_code, plus_code, street, lat_e7, lng_e7, created_at, \
             import_seq, import_digest)",
        );
        let mut digests = HashMap::with_capacity(addresses.len());
        for (code, a) in addresses {
            let digest = record_digest(&AddressSeal::of(code, a));
            insert.push_row([
                text(*code),
                text(a.commune.clone()),
                text(a.province.clone()),
                text(a.plus_code.clone()),
                text(a.street.clone()),
                Arg::Int(Some((a.lat * 1e7).round() as i64)),
                Arg::Int(Some((a.lng * 1e7).round() as i64)),
                Arg::Int(Some(self.now)),
                Arg::Int(Some(self.seq as i64)),
                text(digest.clone()),
            ]);
            digests.insert(*code, digest);
        }
        skip_taken(&mut insert, self.backend, "code");
        insert.push(" RETURNING id, code");
        let mut ids = HashMap::with_capacity(addresses.len());
        for (id, code) in pairs(insert.query().fetch_all(&mut *self.tx).await?)? {
            let digest = digests.remove(code.as_str()).unwrap_or_default();
            self.addresses.push((id, code.clone(), digest));
            ids.insert(code, id);
        }
        let known: Vec<&str> = addresses.keys().copied().filter(|c| !ids.contains_key(*c)).collect();
        if !known.is_empty() {
            let mut select = Sql::new(self.backend, "SELECT id, code FROM addresses WHERE code IN (");
            let marks: Vec<String> = known.iter().map(|c| select.bind_text(*c)).collect();
            select.push(&marks.join(", ")).push(")");
            for (id, code) in pairs(select.query().fetch_all(&mut *self.tx).await?)? {
                ids.insert(code, id);
            }
        }
        if let Some(code) = addresses.keys().find(|c| !ids.contains_key(**c)) {
            return Err(refused(&format!("dwelling {code}")));
        }
        Ok(ids)
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
