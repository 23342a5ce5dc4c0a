//! `congso import citizens FILE.csv`: streaming (constant memory), every row parsed and checked, batched
//! transactions, idempotent (a citizen already registered is left as it is), and a report of rejected rows.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use kernel::olc::PlusCode;
use kernel::{DigitalAddress, Lang, Localized};
use store::{Arg, Db, Sql};
use time::{Date, OffsetDateTime};

use trust::ledger::Actor;

use crate::audit;
use crate::error::RegistryError;
use crate::input::CitizenInput;
use crate::model::{Address, NewCitizen};
use crate::store::{self as sql, HouseholdPlace};
use crate::synthetic::Row;

/// Rows per statement: as many as SQLite's parameter limit allows with room to spare.
pub const BATCH: usize = 1_000;
/// Rows per transaction. Each commit writes every page the batch dirtied (to the WAL, then to the database), and
/// random keys dirty pages all over the indexes: fewer, larger commits write each hot page once, not many times.
const COMMIT_ROWS: usize = 50_000;

/// The reason every imported record's first version gives.
const IMPORT_REASON: &str = "nhập dữ liệu dân cư";

/// A row that was not imported, with why.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    /// One message per problem.
    pub reasons: Vec<String>,
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Report {
    /// Citizens added.
    pub inserted: u64,
    /// Rows whose citizen was already registered: left unchanged.
    pub already_present: u64,
    /// Rows refused.
    pub rejected: Vec<Rejected>,
}

struct Parsed {
    citizen: NewCitizen,
    address: Address,
}

fn parse_row(row: &Row, today: Date, lang: Lang) -> Result<Parsed, Vec<String>> {
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
    let input = CitizenInput {
        personal_id: row.personal_id.clone(),
        full_name: row.full_name.clone(),
        birth_date: row.birth_date.clone(),
        sex: row.sex.clone(),
        ethnicity: opt(&row.ethnicity),
        religion: opt(&row.religion),
        nationality: opt(&row.nationality),
        birth_registration_province: row.birth_registration_province.clone(),
        hometown: opt(&row.hometown),
        household: opt(&row.household),
        relationship: opt(&row.relationship),
        mother_id: opt(&row.mother_id),
        father_id: opt(&row.father_id),
        spouse_id: opt(&row.spouse_id),
    };
    let mut reasons = Vec::new();
    let citizen = input.parse(today).map_err(|errors| {
        reasons.extend(errors.iter().map(|e| format!("{}: {}", e.field, e.message.message(lang))));
    });
    let address = match row.address.parse::<DigitalAddress>() {
        Err(e) => {
            reasons.push(format!("address: {}", e.message(lang)));
            None
        }
        Ok(code) => {
            let in_cell = PlusCode::at(row.lat, row.lng) == *code.plus_code();
            if !in_cell {
                reasons
                    .push("lat, lng: không nằm trong ô của địa chỉ số / not inside the digital address's cell".into());
            }
            if row.street.trim().is_empty() {
                reasons.push("street: thiếu địa chỉ / missing".into());
            }
            in_cell.then(|| Address {
                commune: code.commune().to_string(),
                province: code.commune().province().to_string(),
                plus_code: code.plus_code().to_string(),
                street: row.street.trim().to_owned(),
                lat: row.lat,
                lng: row.lng,
                code,
            })
        }
    };
    match (citizen, address) {
        (Ok(citizen), Some(address)) if reasons.is_empty() => Ok(Parsed { citizen, address }),
        _ => Err(reasons),
    }
}

/// The rows of a CSV file, with their line numbers and the bytes read so far.
struct Rows<R: Read> {
    csv: csv::Reader<R>,
    headers: csv::StringRecord,
    record: csv::StringRecord,
}

impl<R: Read> Rows<R> {
    fn new(reader: R) -> Result<Self, anyhow::Error> {
        let mut csv = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(reader);
        let headers = csv.headers().map_err(|e| anyhow::anyhow!("cannot read the header row: {e}"))?.clone();
        for required in ["personal_id", "full_name", "birth_date", "sex", "birth_registration_province", "address"] {
            if !headers.iter().any(|h| h == required) {
                anyhow::bail!("the header row has no column {required:?}");
            }
        }
        Ok(Rows { csv, headers, record: csv::StringRecord::new() })
    }
}

impl<R: Read> Iterator for Rows<R> {
    type Item = (u64, Result<Row, String>, u64);

    fn next(&mut self) -> Option<Self::Item> {
        let line = self.csv.position().line() + 1;
        let row = match self.csv.read_record(&mut self.record) {
            Ok(false) => return None,
            Ok(true) => self.record.deserialize::<Row>(Some(&self.headers)).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let line = self.record.position().map_or(line, |p| p.line());
        Some((line, row, self.csv.position().byte()))
    }
}

/// Imports a CSV file of citizens (see the README for its columns). With `all_or_nothing`, a first pass checks
/// every row and nothing is written if any is bad. `progress` is told the bytes read so far.
pub async fn import_csv(
    db: &Db,
    path: &std::path::Path,
    all_or_nothing: bool,
    lang: Lang,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Report, anyhow::Error> {
    let today = OffsetDateTime::now_utc().date();
    let mut report = Report::default();
    let open = || std::fs::File::open(path).map(std::io::BufReader::new);
    if all_or_nothing {
        for (line, row, _) in Rows::new(open()?)? {
            if let Err(reasons) = row.map_err(|e| vec![e]).and_then(|r| parse_row(&r, today, lang)) {
                report.rejected.push(Rejected { line, reasons });
            }
        }
        if !report.rejected.is_empty() {
            return Ok(report);
        }
    }
    import_rows(db, Rows::new(open()?)?, lang, progress, report).await
}

/// Imports rows (line, row or why it could not be read, progress so far), as the CSV import and the demo do.
pub async fn import_rows(
    db: &Db,
    rows: impl Iterator<Item = (u64, Result<Row, String>, u64)>,
    lang: Lang,
    progress: &(dyn Fn(u64) + Sync),
    mut report: Report,
) -> Result<Report, anyhow::Error> {
    let today = OffsetDateTime::now_utc().date();
    let mut batch: Vec<(u64, Parsed)> = Vec::with_capacity(BATCH);
    let mut tx = None;
    let mut in_tx = 0;
    for (line, row, bytes) in rows {
        match row.map_err(|e| vec![e]).and_then(|r| parse_row(&r, today, lang)) {
            Ok(parsed) => batch.push((line, parsed)),
            Err(reasons) => report.rejected.push(Rejected { line, reasons }),
        }
        if batch.len() == BATCH {
            in_tx += batch.len();
            write_batch(db, &mut tx, std::mem::take(&mut batch), &mut report).await?;
            if in_tx >= COMMIT_ROWS {
                if let Some(tx) = tx.take() {
                    tx.commit().await?;
                }
                in_tx = 0;
                progress(bytes);
            }
        }
    }
    write_batch(db, &mut tx, batch, &mut report).await?;
    if let Some(tx) = tx.take() {
        tx.commit().await?;
    }
    progress(u64::MAX);
    Ok(report)
}

/// Writes the batch's dwellings and households (each once, a handful of statements for the whole batch: a
/// statement per household would spend the import's time in round trips) and returns where each household is.
async fn write_households(
    db: &Db,
    tx: &mut store::sqlx::AnyConnection,
    batch: &[(u64, Parsed)],
    now: i64,
) -> Result<HashMap<String, HouseholdPlace>, RegistryError> {
    use store::sqlx::Row;
    let mut households: HashMap<&str, &Address> = HashMap::new();
    for (_, p) in batch {
        if let Some(code) = &p.citizen.household {
            households.entry(code.as_str()).or_insert(&p.address);
        }
    }
    if households.is_empty() {
        return Ok(HashMap::new());
    }
    let mut addresses: HashMap<String, &Address> = HashMap::new();
    for a in households.values() {
        addresses.entry(a.code.to_string()).or_insert(a);
    }
    let mut insert = Sql::new(
        db.backend(),
        "INSERT INTO addresses (code, commune_code, province_code, plus_code, street, lat_e7, lng_e7, created_at) VALUES ",
    );
    for (i, (code, a)) in addresses.iter().enumerate() {
        let values = [
            Arg::Text(Some(code.clone())),
            Arg::Text(Some(a.commune.clone())),
            Arg::Text(Some(a.province.clone())),
            Arg::Text(Some(a.plus_code.clone())),
            Arg::Text(Some(a.street.clone())),
            Arg::Int(Some((a.lat * 1e7).round() as i64)),
            Arg::Int(Some((a.lng * 1e7).round() as i64)),
            Arg::Int(Some(now)),
        ];
        let placeholders: Vec<String> = values.into_iter().map(|v| insert.bind(v)).collect();
        insert.push(if i == 0 { "(" } else { ", (" }).push(&placeholders.join(", ")).push(")");
    }
    insert.push(" ON CONFLICT (code) DO NOTHING RETURNING code");
    let new_addresses: HashSet<String> =
        insert.query().fetch_all(&mut *tx).await?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;

    let mut select = Sql::new(db.backend(), "SELECT id, code FROM addresses WHERE code IN (");
    let marks: Vec<String> = addresses.keys().map(|c| select.bind_text(c.clone())).collect();
    select.push(&marks.join(", ")).push(")");
    let mut address_ids = HashMap::new();
    for row in select.query().fetch_all(&mut *tx).await? {
        address_ids.insert(row.try_get::<String, _>(1)?, row.try_get::<i64, _>(0)?);
    }

    let mut insert = Sql::new(db.backend(), "INSERT INTO households (code, address_id, created_at) VALUES ");
    for (i, (code, a)) in households.iter().enumerate() {
        let address_id = address_ids.get(&a.code.to_string()).copied().ok_or(RegistryError::NotFound)?;
        let (c, id, at) = (insert.bind_text(*code), insert.bind_int(address_id), insert.bind_int(now));
        insert.push(&format!("{}{c}, {id}, {at})", if i == 0 { "(" } else { ", (" }));
    }
    insert.push(" ON CONFLICT (code) DO NOTHING RETURNING code");
    let new_households: HashSet<String> =
        insert.query().fetch_all(&mut *tx).await?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
    let actor = Actor::system("import");
    let mut events: Vec<_> = addresses
        .iter()
        .filter(|(code, _)| new_addresses.contains(*code))
        .map(|(code, a)| audit::address_created(&audit::AddressSeal::of(code, a), &actor, IMPORT_REASON))
        .collect();
    events.extend(households.iter().filter(|(code, _)| new_households.contains(**code)).map(|(code, a)| {
        audit::household_created(&audit::HouseholdSeal::of(code, &a.code.to_string()), &actor, IMPORT_REASON)
    }));
    trust::ledger::store::append(tx, db.backend(), &mut events).await?;

    let mut select = Sql::new(
        db.backend(),
        "SELECT h.id, h.code, a.commune_code, a.province_code FROM households h JOIN addresses a ON a.id = h.address_id WHERE h.code IN (",
    );
    let marks: Vec<String> = households.keys().map(|c| select.bind_text(*c)).collect();
    select.push(&marks.join(", ")).push(")");
    let mut places = HashMap::new();
    for row in select.query().fetch_all(&mut *tx).await? {
        let place = HouseholdPlace { id: row.try_get(0)?, commune: row.try_get(2)?, province: row.try_get(3)? };
        places.insert(row.try_get::<String, _>(1)?, place);
    }
    Ok(places)
}

/// Writes one batch in the open transaction, beginning one if there is none.
async fn write_batch(
    db: &Db,
    tx: &mut Option<store::sqlx::Transaction<'static, store::sqlx::Any>>,
    batch: Vec<(u64, Parsed)>,
    report: &mut Report,
) -> Result<(), RegistryError> {
    if batch.is_empty() {
        return Ok(());
    }
    let now = OffsetDateTime::now_utc().unix_timestamp();
    if tx.is_none() {
        let mut new = db.begin_write().await?;
        if db.backend() == store::Backend::Sqlite {
            // A bigger page cache for this connection keeps the indexes' pages in memory across the batches.
            store::sqlx::query("PRAGMA cache_size = -131072").execute(&mut *new).await?;
        }
        *tx = Some(new);
    }
    let Some(tx) = tx.as_deref_mut() else { return Ok(()) };
    let places = write_households(db, tx, &batch, now).await?;
    // The same ID twice in one batch: the second is a duplicate within the file.
    let mut seen = HashSet::new();
    let mut citizens = Vec::with_capacity(batch.len());
    for (line, p) in batch {
        if seen.insert(p.citizen.personal_id) {
            citizens.push(p.citizen);
        } else {
            report
                .rejected
                .push(Rejected {
                    line, reasons: vec!["personal_id: trùng trong tệp / duplicated in the file".into()]
                });
        }
    }
    let mut insert = Sql::new(
        db.backend(),
        "INSERT INTO citizens (personal_id, full_name, name_folded, birth_date, birth_year, sex, ethnicity, religion, \
         nationality, hometown, household_id, relationship, province_code, commune_code, mother_pid, father_pid, \
         spouse_pid, status, version, changed_by, change_reason, updated_at) VALUES ",
    );
    for (i, c) in citizens.iter().enumerate() {
        let place = c.household.as_ref().and_then(|h| places.get(h));
        let values = [
            Arg::Text(Some(c.personal_id.to_string())),
            Arg::Text(Some(c.full_name.clone())),
            Arg::Text(Some(kernel::text::fold(&c.full_name))),
            Arg::Text(Some(c.birth_date.to_string())),
            Arg::Int(Some(i64::from(c.birth_date.year()))),
            Arg::Text(Some(c.sex.as_str().into())),
            Arg::Text(Some(c.ethnicity.to_string())),
            Arg::Text(c.religion.clone()),
            Arg::Text(Some(c.nationality.clone())),
            Arg::Text(c.hometown.clone()),
            Arg::Int(place.map(|p| p.id)),
            Arg::Text(c.relationship.map(|r| r.as_str().into())),
            Arg::Text(place.map(|p| p.province.clone())),
            Arg::Text(place.map(|p| p.commune.clone())),
            Arg::Text(c.mother_id.map(|p| p.to_string())),
            Arg::Text(c.father_id.map(|p| p.to_string())),
            Arg::Text(c.spouse_id.map(|p| p.to_string())),
        ];
        let placeholders: Vec<String> = values.into_iter().map(|v| insert.bind(v)).collect();
        let now_p = insert.bind_int(now);
        insert
            .push(if i == 0 { "(" } else { ", (" })
            .push(&placeholders.join(", "))
            .push(&format!(", 'living', 1, 'import', '{IMPORT_REASON}', {now_p})"));
    }
    insert.push(" ON CONFLICT (personal_id) DO NOTHING RETURNING id, personal_id");
    let inserted: Vec<(i64, String)> = insert
        .query()
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| {
            use store::sqlx::Row;
            Ok::<_, store::sqlx::Error>((r.try_get(0)?, r.try_get(1)?))
        })
        .collect::<Result<_, _>>()?;
    report.already_present += (citizens.len() - inserted.len()) as u64;
    report.inserted += inserted.len() as u64;

    let ids: HashMap<String, i64> = inserted.into_iter().map(|(id, pid)| (pid, id)).collect();
    let mut suffixes = Sql::new(db.backend(), "INSERT INTO citizen_name_suffixes (suffix, citizen_id) VALUES ");
    for c in &citizens {
        let Some(&id) = ids.get(c.personal_id.as_str()) else { continue };
        for suffix in sql::name_suffixes(&c.full_name) {
            let sep = if suffixes.is_empty() { "(" } else { ", (" };
            let (s, i) = (suffixes.bind_text(suffix), suffixes.bind_int(id));
            suffixes.push(&format!("{sep}{s}, {i})"));
        }
    }
    if !suffixes.is_empty() {
        // A batch of 1,000 people has about 3,300 name suffixes: 6,600 parameters.
        suffixes.query().execute(&mut *tx).await?;
    }
    record_in_ledger(db, tx, ids.values().copied().collect()).await
}

/// Writes each new citizen's ledger entry, hashing the record as the registry reads it back, so that
/// `congso ledger verify` recomputes the same digest from the row.
async fn record_in_ledger(
    db: &Db,
    tx: &mut store::sqlx::AnyConnection,
    mut ids: Vec<i64>,
) -> Result<(), RegistryError> {
    if ids.is_empty() {
        return Ok(());
    }
    ids.sort_unstable();
    let mut select = Sql::new(
        db.backend(),
        format!("SELECT {} FROM citizens c {} WHERE c.id IN (", sql::CITIZEN_COLUMNS, sql::CITIZEN_JOINS),
    );
    let marks: Vec<String> = ids.iter().map(|&id| select.bind_int(id)).collect();
    select.push(&marks.join(", ")).push(") ORDER BY c.id");
    let rows = select.query().fetch_all(&mut *tx).await?;
    let actor = Actor::system("import");
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        events.push(audit::changed(&sql::citizen_from_row(row)?, &actor, IMPORT_REASON));
    }
    trust::ledger::store::append(tx, db.backend(), &mut events).await?;
    Ok(())
}
