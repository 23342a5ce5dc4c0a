//! Reading and checking rows: the CSV's records, each row through the same [`CitizenInput::parse`] as the API, and
//! its dwelling's digital address against its point. The reader runs on a thread of its own, a chunk ahead of the
//! writer, so that checking one chunk overlaps with writing the one before.

use std::io::Read;

use kernel::olc::PlusCode;
use kernel::{DigitalAddress, Lang, Localized};
use time::Date;
use tokio::sync::mpsc;

use store::{Arg, Column};
use trust::ledger::record_digest;

use super::{BATCH, Rejected};
use crate::input::CitizenInput;
use crate::model::{Address, NewCitizen};
use crate::store::{self as sql, HouseholdPlace};
use crate::synthetic::Row;

/// A row that passed every check.
pub(super) struct Parsed {
    pub(super) citizen: NewCitizen,
    pub(super) address: Address,
}

pub(super) fn parse_row(mut row: Row, today: Date, lang: Lang) -> Result<Parsed, Vec<String>> {
    let opt = |s: String| (!s.trim().is_empty()).then_some(s);
    let (address, street, lat, lng) =
        (std::mem::take(&mut row.address), row.street.trim().to_owned(), row.lat, row.lng);
    let input = CitizenInput {
        personal_id: row.personal_id,
        full_name: row.full_name,
        birth_date: row.birth_date,
        sex: row.sex,
        ethnicity: opt(row.ethnicity),
        religion: opt(row.religion),
        nationality: opt(row.nationality),
        birth_registration_province: row.birth_registration_province,
        hometown: opt(row.hometown),
        household: opt(row.household),
        relationship: opt(row.relationship),
        mother_id: opt(row.mother_id),
        father_id: opt(row.father_id),
        spouse_id: opt(row.spouse_id),
    };
    let mut reasons = Vec::new();
    let citizen = input.parse(today).map_err(|errors| {
        reasons.extend(errors.iter().map(|e| format!("{}: {}", e.field, e.message.message(lang))));
    });
    let address = match address.parse::<DigitalAddress>() {
        Err(e) => {
            reasons.push(format!("address: {}", e.message(lang)));
            None
        }
        Ok(code) => {
            let in_cell = PlusCode::at(lat, lng) == *code.plus_code();
            if !in_cell {
                reasons
                    .push("lat, lng: không nằm trong ô của địa chỉ số / not inside the digital address's cell".into());
            }
            if street.is_empty() {
                reasons.push("street: thiếu địa chỉ / missing".into());
            }
            in_cell.then(|| Address {
                commune: code.commune().to_string(),
                province: code.commune().province().to_string(),
                plus_code: code.plus_code().to_string(),
                street,
                lat,
                lng,
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
pub(super) struct Rows<R: Read> {
    csv: csv::Reader<R>,
    headers: csv::StringRecord,
    record: csv::StringRecord,
}

impl<R: Read> Rows<R> {
    pub(super) fn new(reader: R) -> Result<Self, anyhow::Error> {
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

/// The columns of the citizens the import writes, in the order of [`Prepared::values`], then those every imported
/// record has the same value in.
pub(super) const CITIZEN_COLUMNS: &str = "personal_id, full_name, name_folded, birth_date, birth_year, sex, \
    ethnicity, religion, nationality, hometown, relationship, mother_pid, father_pid, spouse_pid, household_id, \
    province_code, commune_code, import_digest, updated_at, import_seq, status, version, changed_by, change_reason";
/// The types of the values bound per citizen, in [`CITIZEN_COLUMNS`]' order.
pub(super) const CITIZEN_TYPES: [Column; CITIZEN_VALUES] = {
    use Column::{Int, Text};
    [Text, Text, Text, Text, Int, Text, Text, Text, Text, Text, Text, Text, Text, Text, Int, Text, Text, Text, Int, Int]
};
/// The positions in [`Prepared::values`] of what only the writer knows: where the household is, and so the digest.
pub(super) const HOUSEHOLD_ID: usize = 14;
pub(super) const PROVINCE: usize = 15;
pub(super) const COMMUNE: usize = 16;
pub(super) const DIGEST: usize = 17;
/// The values bound per citizen: the columns up to `import_digest`, then `updated_at` and `import_seq`.
pub(super) const CITIZEN_VALUES: usize = 20;

/// A row that passed every check, with what writing it needs worked out here, off the writer's thread.
pub(super) struct Prepared {
    pub(super) line: u64,
    pub(super) citizen: NewCitizen,
    pub(super) address: Address,
    /// The dwelling's digital address as stored.
    pub(super) address_code: String,
    /// The citizen's row for [`CITIZEN_COLUMNS`], the household's columns, the digest and the batch's own values
    /// empty, for the writer to fill in.
    pub(super) values: Vec<Arg>,
    /// The name's entries in the search index.
    pub(super) suffixes: Vec<String>,
    /// The digest of the citizen's first version if their household is at this row's dwelling, as it is whenever
    /// the import makes the household: the writer recomputes it only for a household the registry places elsewhere.
    pub(super) digest_here: Option<String>,
}

impl Prepared {
    fn of(line: u64, Parsed { citizen: c, address }: Parsed) -> Prepared {
        let name_folded = kernel::text::fold(&c.full_name);
        let suffixes = sql::folded_suffixes(&name_folded);
        let here = HouseholdPlace { id: 0, commune: address.commune.clone(), province: address.province.clone() };
        let place = c.household.is_some().then_some(&here);
        let digest_here = sql::new_record(&c, place).ok().map(|record| record_digest(&record));
        let text = |s: &str| Arg::Text(Some(s.to_owned()));
        let mut values = Vec::with_capacity(CITIZEN_VALUES);
        values.extend([
            text(c.personal_id.as_str()),
            text(&c.full_name),
            Arg::Text(Some(name_folded)),
            Arg::Text(Some(c.birth_date.to_string())),
            Arg::Int(Some(i64::from(c.birth_date.year()))),
            text(c.sex.as_str()),
            Arg::Text(Some(c.ethnicity.to_string())),
            Arg::Text(c.religion.clone()),
            text(&c.nationality),
            Arg::Text(c.hometown.clone()),
            Arg::Text(c.relationship.map(|r| r.as_str().into())),
            Arg::Text(c.mother_id.map(|p| p.to_string())),
            Arg::Text(c.father_id.map(|p| p.to_string())),
            Arg::Text(c.spouse_id.map(|p| p.to_string())),
        ]);
        values.resize(CITIZEN_VALUES, Arg::Int(None));
        Prepared { line, address_code: address.code.to_string(), citizen: c, address, values, suffixes, digest_here }
    }
}

/// Up to [`BATCH`] rows that passed, the rows refused among them, and the bytes read once they were read.
pub(super) struct Chunk {
    pub(super) rows: Vec<Prepared>,
    pub(super) rejected: Vec<Rejected>,
    pub(super) progress: u64,
}

/// Reads and checks `rows` on a blocking thread, sending a chunk of [`BATCH`] good rows at a time (and the last,
/// smaller one) into a channel that holds two, so that memory stays bounded however long the file. The thread
/// stops early when the receiver is dropped.
pub(super) fn spawn_reader<I>(rows: I, today: Date, lang: Lang) -> (mpsc::Receiver<Chunk>, tokio::task::JoinHandle<()>)
where
    I: Iterator<Item = (u64, Result<Row, String>, u64)> + Send + 'static,
{
    let (sender, receiver) = mpsc::channel(2);
    let reader = tokio::task::spawn_blocking(move || {
        let fresh = || Chunk { rows: Vec::with_capacity(BATCH), rejected: Vec::new(), progress: 0 };
        let mut chunk = fresh();
        for (line, row, bytes) in rows {
            match row.map_err(|e| vec![e]).and_then(|r| parse_row(r, today, lang)) {
                Ok(parsed) => chunk.rows.push(Prepared::of(line, parsed)),
                Err(reasons) => chunk.rejected.push(Rejected { line, reasons }),
            }
            chunk.progress = bytes;
            if chunk.rows.len() == BATCH && sender.blocking_send(std::mem::replace(&mut chunk, fresh())).is_err() {
                return;
            }
        }
        if !chunk.rows.is_empty() || !chunk.rejected.is_empty() {
            let _ = sender.blocking_send(chunk);
        }
    });
    (receiver, reader)
}
