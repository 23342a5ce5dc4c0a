//! The portal's SQL: `dossiers` and the day's numbering of each agency's dossiers (`dossier_sequences`).

use kernel::{AgencyCode, DossierCode};
use store::sqlx::{self, Row};
use store::{Db, Tx};
use time::Date;

use crate::model::Dossier;

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

/// Inserts a dossier opened by the citizen `applicant`.
pub async fn insert(tx: &mut Tx, dossier: &Dossier, applicant: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO dossiers (code, procedure_code, agency, applicant, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(dossier.code.to_string())
    .bind(dossier.procedure.as_str())
    .bind(dossier.agency.as_str())
    .bind(applicant)
    .bind(dossier.status.as_str())
    .bind(dossier.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The dossiers of one applicant, newest first.
pub async fn of_applicant(db: &Db, applicant: &str) -> Result<Vec<Dossier>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT code, procedure_code, agency, status, created_at FROM dossiers WHERE applicant = $1 \
         ORDER BY created_at DESC, id DESC LIMIT 200",
    )
    .bind(applicant)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(dossier_from_row).collect()
}

/// Every dossier, in code order, for the check against the ledger.
pub async fn all(db: &Db) -> Result<Vec<Dossier>, sqlx::Error> {
    let rows = sqlx::query("SELECT code, procedure_code, agency, status, created_at FROM dossiers ORDER BY code")
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(dossier_from_row).collect()
}

fn decode(column: &str, e: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::ColumnDecode { index: column.to_owned(), source: e.to_string().into() }
}

fn dossier_from_row(row: &store::sqlx::any::AnyRow) -> Result<Dossier, sqlx::Error> {
    let text = |c: &str| row.try_get::<String, _>(c);
    Ok(Dossier {
        code: text("code")?.parse().map_err(|e| decode("code", e))?,
        procedure: text("procedure_code")?.parse().map_err(|e| decode("procedure_code", e))?,
        agency: text("agency")?.parse().map_err(|e| decode("agency", e))?,
        status: text("status")?.parse().map_err(|e| decode("status", e))?,
        created_at: row.try_get("created_at")?,
    })
}

/// A dossier code for the `seq`-th dossier; a sequence past the day's six digits is a decode error of the counter.
pub fn code(agency: AgencyCode, day: Date, seq: i64) -> Result<DossierCode, sqlx::Error> {
    u32::try_from(seq)
        .ok()
        .and_then(|seq| DossierCode::new(agency, day, seq))
        .ok_or_else(|| decode("last", format!("{seq} dossiers in one day at one agency")))
}
