//! The portal's SQL: `dossiers`, their timeline (`dossier_events`), their papers (`dossier_files`) and the day's
//! numbering of each agency's dossiers (`dossier_sequences`).

use kernel::{AgencyCode, DossierCode};
use store::sqlx::{self, Row};
use store::{Db, Tx};
use time::Date;

use crate::model::{Dossier, DossierEvent, DossierStatus, Tally};

const COLUMNS: &str = "code, procedure_code, agency, applicant, counter, commune, status, step, office, form, created_at, \
                       submitted_at, due_on, days_left_at_pause, finished_at, result_id, rating, version, consent_of";

/// The next number of `agency`'s dossiers on `day`: one statement, so two dossiers opened at once on two nodes
/// never get the same code.
pub async fn next_seq(tx: &mut Tx, agency: &AgencyCode, day: Date) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO dossier_sequences (agency, day, last) VALUES ($1, $2, 1) \
         ON CONFLICT (agency, day) DO UPDATE SET last = dossier_sequences.last + 1 RETURNING last",
    )
    .bind(agency.as_str())
    .bind(day.to_string())
    .fetch_one(&mut **tx)
    .await
}

/// The dossier the applicant opened with this idempotency key, if any.
pub async fn by_idempotency_key(tx: &mut Tx, applicant: &str, key: &str) -> Result<Option<Dossier>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM dossiers WHERE applicant = $1 AND idempotency_key = $2");
    let row = sqlx::query(&sql).bind(applicant).bind(key).fetch_optional(&mut **tx).await?;
    row.as_ref().map(dossier_from_row).transpose()
}

/// Inserts a new dossier.
pub async fn insert(tx: &mut Tx, dossier: &Dossier, idempotency_key: Option<&str>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO dossiers (code, procedure_code, agency, applicant, commune, status, step, office, form, \
         created_at, updated_at, version, idempotency_key, counter) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13)",
    )
    .bind(dossier.code.to_string())
    .bind(dossier.procedure.as_str())
    .bind(dossier.agency.as_str())
    .bind(dossier.applicant.as_str())
    .bind(dossier.commune.map(|c| c.to_string()))
    .bind(dossier.status.as_str())
    .bind(i64::from(dossier.step))
    .bind(dossier.office.as_str())
    .bind(form_json(dossier))
    .bind(dossier.created_at)
    .bind(dossier.version)
    .bind(idempotency_key)
    .bind(dossier.counter.as_deref())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes `after` over the dossier if it is still at `after.version - 1`: `false` when someone else changed it
/// first (the loser of two officials acting at once).
pub async fn update(tx: &mut Tx, after: &Dossier, result_qr: Option<&str>, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE dossiers SET status = $1, step = $2, office = $3, form = $4, submitted_at = $5, due_on = $6, \
         days_left_at_pause = $7, finished_at = $8, result_id = $9, rating = $10, version = $11, updated_at = $12, \
         result_qr = COALESCE($13, result_qr), on_time = $16, agency = $17, commune = $18, consent_of = $19 \
         WHERE code = $14 AND version = $15",
    )
    .bind(after.status.as_str())
    .bind(i64::from(after.step))
    .bind(after.office.as_str())
    .bind(form_json(after))
    .bind(after.submitted_at)
    .bind(after.due_on.as_deref())
    .bind(after.days_left_at_pause.map(i64::from))
    .bind(after.finished_at)
    .bind(after.result_id.as_deref())
    .bind(after.rating.map(i64::from))
    .bind(after.version)
    .bind(now)
    .bind(result_qr)
    .bind(after.code.to_string())
    .bind(after.version - 1)
    .bind(after.on_time().map(i64::from))
    .bind(after.agency.as_str())
    .bind(after.commune.map(|c| c.to_string()))
    .bind(after.consent_of.map(|p| p.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Adds an entry to a dossier's timeline.
pub async fn add_event(tx: &mut Tx, code: &DossierCode, event: &DossierEvent) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO dossier_events (dossier_code, at, actor, action, step, note) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(code.to_string())
    .bind(event.at)
    .bind(&event.actor)
    .bind(&event.action)
    .bind(i64::from(event.step))
    .bind(event.note.as_deref())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A dossier's timeline, oldest first.
pub async fn events(db: &Db, code: &DossierCode) -> Result<Vec<DossierEvent>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT at, actor, action, step, note FROM dossier_events WHERE dossier_code = $1 ORDER BY id")
            .bind(code.to_string())
            .fetch_all(db.pool())
            .await?;
    rows.iter()
        .map(|r| {
            Ok(DossierEvent {
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                step: small(r.try_get("step")?, "step")?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}

/// One dossier, read in a transaction (for a change).
pub async fn one_in(tx: &mut Tx, code: &DossierCode) -> Result<Option<Dossier>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM dossiers WHERE code = $1");
    let row = sqlx::query(&sql).bind(code.to_string()).fetch_optional(&mut **tx).await?;
    row.as_ref().map(dossier_from_row).transpose()
}

/// One dossier.
pub async fn one(db: &Db, code: &DossierCode) -> Result<Option<Dossier>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM dossiers WHERE code = $1");
    let row = sqlx::query(&sql).bind(code.to_string()).fetch_optional(db.pool()).await?;
    row.as_ref().map(dossier_from_row).transpose()
}

/// The signed result's QR text of a completed dossier.
pub async fn result_qr(db: &Db, code: &DossierCode) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT result_qr FROM dossiers WHERE code = $1")
        .bind(code.to_string())
        .fetch_optional(db.pool())
        .await
        .map(Option::flatten)
}

/// The applicant's rating comment is kept beside the dossier, out of the ledger's digest (free text).
pub async fn set_rating_comment(tx: &mut Tx, code: &DossierCode, comment: Option<&str>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE dossiers SET rating_comment = $1 WHERE code = $2")
        .bind(comment)
        .bind(code.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The dossiers of one applicant, newest first.
pub async fn of_applicant(db: &Db, applicant: &str) -> Result<Vec<Dossier>, sqlx::Error> {
    let sql =
        format!("SELECT {COLUMNS} FROM dossiers WHERE applicant = $1 ORDER BY created_at DESC, id DESC LIMIT 200");
    let rows = sqlx::query(&sql).bind(applicant).fetch_all(db.pool()).await?;
    rows.iter().map(dossier_from_row).collect()
}

/// The dossiers waiting for `party`'s consent, oldest first.
pub async fn awaiting_consent_of(db: &Db, party: &str) -> Result<Vec<Dossier>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM dossiers WHERE consent_of = $1 AND status = 'awaiting_consent' ORDER BY submitted_at LIMIT 50"
    );
    let rows = sqlx::query(&sql).bind(party).fetch_all(db.pool()).await?;
    rows.iter().map(dossier_from_row).collect()
}

/// The dossiers that are with `offices` and not finished, due first: the officials' queues are cut from these.
pub async fn at_offices(db: &Db, offices: &[String]) -> Result<Vec<Dossier>, sqlx::Error> {
    if offices.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=offices.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM dossiers WHERE office IN ({}) AND status IN ('submitted', 'processing', \
         'awaiting_supplement') ORDER BY due_on IS NULL, due_on, submitted_at LIMIT 500",
        marks.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for office in offices {
        query = query.bind(office);
    }
    let rows = query.fetch_all(db.pool()).await?;
    rows.iter().map(dossier_from_row).collect()
}

/// Unfinished dossiers due on or before `day` (`YYYY-MM-DD`), for the clock's job.
pub async fn due_by(db: &Db, day: &str) -> Result<Vec<Dossier>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM dossiers WHERE status = 'processing' AND due_on <= $1 ORDER BY due_on");
    let rows = sqlx::query(&sql).bind(day).fetch_all(db.pool()).await?;
    rows.iter().map(dossier_from_row).collect()
}

/// Every dossier, in code order, for the check against the ledger.
pub async fn all(db: &Db) -> Result<Vec<Dossier>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM dossiers ORDER BY code");
    let rows = sqlx::query(&sql).fetch_all(db.pool()).await?;
    rows.iter().map(dossier_from_row).collect()
}

/// Records an attached paper.
pub async fn attach(tx: &mut Tx, code: &DossierCode, kind: &str, file: &files::StoredFile) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO dossier_files (dossier_code, kind, file_id, declared_name, added_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(code.to_string())
    .bind(kind)
    .bind(&file.id)
    .bind(&file.declared_name)
    .bind(time::OffsetDateTime::now_utc().unix_timestamp())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

const PAPERS: &str =
    "SELECT kind, file_id, declared_name FROM dossier_files WHERE dossier_code = $1 ORDER BY added_at, file_id";

/// A dossier's papers: (kind, file id, declared name).
pub async fn attachments(db: &Db, code: &DossierCode) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    let rows = sqlx::query(PAPERS).bind(code.to_string()).fetch_all(db.pool()).await?;
    rows.iter().map(|r| Ok((r.try_get("kind")?, r.try_get("file_id")?, r.try_get("declared_name")?))).collect()
}

/// [`attachments`] read in the caller's transaction: a transaction that waited for a second connection from the
/// pool could wait for ever once every connection is held by a transaction doing the same.
pub async fn attachments_in(tx: &mut Tx, code: &DossierCode) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    let rows = sqlx::query(PAPERS).bind(code.to_string()).fetch_all(&mut **tx).await?;
    rows.iter().map(|r| Ok((r.try_get("kind")?, r.try_get("file_id")?, r.try_get("declared_name")?))).collect()
}

/// Dossiers submitted in `[from, until)` (Unix seconds) counted by receiving agency, procedure and commune; those
/// still worked with a due date before `today` (`YYYY-MM-DD`) are overdue. Casts keep every sum a 64-bit integer on
/// PostgreSQL too (its `SUM` of a `BIGINT` is a `NUMERIC`).
pub async fn tallies(db: &Db, from: i64, until: i64, today: &str) -> Result<Vec<TallyRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT agency, procedure_code, commune, COUNT(*) AS received, \
         CAST(SUM(CASE WHEN counter IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS online, \
         CAST(SUM(CASE WHEN status IN ('completed', 'rejected') THEN 1 ELSE 0 END) AS BIGINT) AS settled, \
         CAST(SUM(CASE WHEN on_time = 1 THEN 1 ELSE 0 END) AS BIGINT) AS on_time, \
         CAST(SUM(CASE WHEN on_time = 0 THEN 1 ELSE 0 END) AS BIGINT) AS late, \
         CAST(SUM(CASE WHEN status = 'processing' AND due_on < $3 THEN 1 ELSE 0 END) AS BIGINT) AS overdue, \
         COUNT(rating) AS ratings, CAST(SUM(COALESCE(rating, 0)) AS BIGINT) AS rating_sum \
         FROM dossiers WHERE submitted_at >= $1 AND submitted_at < $2 GROUP BY agency, procedure_code, commune",
    )
    .bind(from)
    .bind(until)
    .bind(today)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let count = |c: &str| r.try_get::<i64, _>(c).and_then(|n| small::<u64>(n, c));
            Ok(TallyRow {
                agency: r.try_get("agency")?,
                procedure: r.try_get("procedure_code")?,
                commune: r.try_get("commune")?,
                tally: Tally {
                    received: count("received")?,
                    online: count("online")?,
                    settled: count("settled")?,
                    on_time: count("on_time")?,
                    late: count("late")?,
                    overdue: count("overdue")?,
                    ratings: count("ratings")?,
                    rating_sum: count("rating_sum")?,
                },
            })
        })
        .collect()
}

/// One group of [`tallies`].
pub struct TallyRow {
    /// The receiving agency's code.
    pub agency: String,
    /// The procedure's code.
    pub procedure: String,
    /// The applicant's commune, if they had one.
    pub commune: Option<String>,
    /// The counts.
    pub tally: Tally,
}

fn form_json(dossier: &Dossier) -> String {
    serde_json::to_string(&dossier.form).unwrap_or_else(|_| "{}".into())
}

fn decode(column: &str, e: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::ColumnDecode { index: column.to_owned(), source: e.to_string().into() }
}

fn small<T: TryFrom<i64>>(value: i64, column: &str) -> Result<T, sqlx::Error> {
    T::try_from(value).map_err(|_| decode(column, format!("{value} is out of range")))
}

fn dossier_from_row(row: &store::sqlx::any::AnyRow) -> Result<Dossier, sqlx::Error> {
    let text = |c: &str| row.try_get::<String, _>(c);
    let parsed = |c: &str| -> Result<Option<i64>, sqlx::Error> { row.try_get(c) };
    let commune: Option<String> = row.try_get("commune")?;
    Ok(Dossier {
        code: text("code")?.parse().map_err(|e| decode("code", e))?,
        procedure: text("procedure_code")?.parse().map_err(|e| decode("procedure_code", e))?,
        agency: text("agency")?.parse().map_err(|e| decode("agency", e))?,
        applicant: text("applicant")?.parse().map_err(|e| decode("applicant", e))?,
        counter: row.try_get("counter")?,
        commune: commune.map(|c| c.parse().map_err(|e| decode("commune", e))).transpose()?,
        status: text("status")?.parse::<DossierStatus>().map_err(|e| decode("status", e))?,
        step: small(row.try_get("step")?, "step")?,
        office: text("office")?.parse().map_err(|e| decode("office", e))?,
        form: serde_json::from_str(&text("form")?).map_err(|e| decode("form", e))?,
        created_at: row.try_get("created_at")?,
        submitted_at: parsed("submitted_at")?,
        due_on: row.try_get("due_on")?,
        days_left_at_pause: parsed("days_left_at_pause")?.map(|d| small(d, "days_left_at_pause")).transpose()?,
        finished_at: parsed("finished_at")?,
        result_id: row.try_get("result_id")?,
        rating: parsed("rating")?.map(|r| small(r, "rating")).transpose()?,
        version: row.try_get("version")?,
        consent_of: row
            .try_get::<Option<String>, _>("consent_of")?
            .map(|p| p.parse().map_err(|e| decode("consent_of", e)))
            .transpose()?,
    })
}

/// A dossier code for the `seq`-th dossier; a sequence past the day's six digits is a decode error of the counter.
pub fn code(agency: AgencyCode, day: Date, seq: i64) -> Result<DossierCode, sqlx::Error> {
    u32::try_from(seq)
        .ok()
        .and_then(|seq| DossierCode::new(agency, day, seq))
        .ok_or_else(|| decode("last", format!("{seq} dossiers in one day at one agency")))
}
