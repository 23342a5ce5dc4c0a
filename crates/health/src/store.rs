//! The health slice's SQL, on its own tables only.

use store::sqlx::{self, Row, any::AnyRow};
use store::{Db, Tx};

use crate::error::HealthError;
use crate::model::{Facility, FacilityCode, Prescription, PrescriptionCode};

fn corrupt(what: &str, e: impl std::fmt::Display) -> HealthError {
    HealthError::Corrupt(format!("{what}: {e}"))
}

fn facility_of(row: &AnyRow) -> Result<Facility, HealthError> {
    let text = |column: &str| row.try_get::<String, _>(column);
    Ok(Facility {
        code: text("code")?.parse().map_err(|e| corrupt("facility code", e))?,
        name: text("name")?,
        kind: text("kind")?.parse().map_err(|e| corrupt("facility kind", e))?,
        commune: text("commune")?.parse().map_err(|e| corrupt("facility commune", e))?,
    })
}

/// Records a facility; `false` if its code is taken.
pub async fn insert_facility(tx: &mut Tx, f: &Facility) -> Result<bool, HealthError> {
    let done = sqlx::query(
        "INSERT INTO health_facilities (code, name, kind, commune) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING",
    )
    .bind(f.code.to_string())
    .bind(&f.name)
    .bind(f.kind.as_str())
    .bind(f.commune.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The facility with `code`.
pub async fn facility(db: &Db, code: FacilityCode) -> Result<Option<Facility>, HealthError> {
    let row = sqlx::query("SELECT code, name, kind, commune FROM health_facilities WHERE code = $1")
        .bind(code.to_string())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(facility_of).transpose()
}

/// The next serial of `facility`'s prescriptions, counted in the caller's transaction: one statement, so two
/// doctors of one facility never get the same.
pub async fn next_serial(tx: &mut Tx, facility: FacilityCode) -> Result<u64, HealthError> {
    let last: i64 = sqlx::query_scalar(
        "INSERT INTO health_prescription_serials (facility, last) VALUES ($1, 1) \
         ON CONFLICT (facility) DO UPDATE SET last = health_prescription_serials.last + 1 RETURNING last",
    )
    .bind(facility.to_string())
    .fetch_one(&mut **tx)
    .await?;
    u64::try_from(last).map_err(|e| corrupt("serial", e))
}

/// Records a prescription as issued.
pub async fn insert_prescription(tx: &mut Tx, p: &Prescription) -> Result<(), HealthError> {
    let medicines = serde_json::to_string(&p.medicines).map_err(|e| corrupt("medicines", e))?;
    sqlx::query(
        "INSERT INTO health_prescriptions (code, kind, facility, prescriber, patient, patient_name, diagnosis, \
         medicines, issued_at, valid_until, status, qr_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(p.code.to_string())
    .bind(p.kind.as_str())
    .bind(p.facility.to_string())
    .bind(&p.prescriber)
    .bind(p.patient.as_str())
    .bind(&p.patient_name)
    .bind(&p.diagnosis)
    .bind(medicines)
    .bind(p.issued_at)
    .bind(p.valid_until)
    .bind(p.status.as_str())
    .bind(&p.qr_text)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks a prescription dispensed by `by` at `at` if it is still issued and valid then: `false` if it was not
/// (dispensed by someone else first, or expired), so that two pharmacies at once cannot both dispense it.
pub async fn mark_dispensed(
    tx: &mut Tx,
    code: PrescriptionCode,
    by: FacilityCode,
    at: i64,
) -> Result<bool, HealthError> {
    let done = sqlx::query(
        "UPDATE health_prescriptions SET status = 'dispensed', dispensed_at = $1, dispensed_by = $2 \
         WHERE code = $3 AND status = 'issued' AND valid_until >= $1",
    )
    .bind(at)
    .bind(by.to_string())
    .bind(code.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The join that names a prescription's facility.
const FACILITY: &str = "health_facilities f ON f.code = p.facility";

const COLUMNS: &str = "p.code, p.kind, p.facility, f.name AS facility_name, p.prescriber, p.patient, p.patient_name, \
    p.diagnosis, p.medicines, p.issued_at, p.valid_until, p.status, p.dispensed_at, p.dispensed_by, p.qr_text";

fn prescription_of(row: &AnyRow) -> Result<Prescription, HealthError> {
    let text = |column: &str| row.try_get::<String, _>(column);
    let code: PrescriptionCode = text("code")?.parse().map_err(|e| corrupt("prescription code", e))?;
    let dispensed_by = row
        .try_get::<Option<String>, _>("dispensed_by")?
        .map(|c| c.parse().map_err(|e| corrupt("dispensing facility", e)))
        .transpose()?;
    Ok(Prescription {
        code,
        kind: text("kind")?.parse().map_err(|e| corrupt("prescription kind", e))?,
        facility: code.facility(),
        facility_name: text("facility_name")?,
        prescriber: text("prescriber")?,
        patient: text("patient")?.parse().map_err(|e| corrupt("patient", e))?,
        patient_name: text("patient_name")?,
        diagnosis: text("diagnosis")?,
        medicines: serde_json::from_str(&text("medicines")?).map_err(|e| corrupt("medicines", e))?,
        issued_at: row.try_get("issued_at")?,
        valid_until: row.try_get("valid_until")?,
        status: text("status")?.parse().map_err(|e| corrupt("prescription status", e))?,
        dispensed_at: row.try_get("dispensed_at")?,
        dispensed_by,
        qr_text: text("qr_text")?,
    })
}

/// The statement reading one prescription with its facility's name.
fn by_code() -> String {
    format!("SELECT {COLUMNS} FROM health_prescriptions p JOIN {FACILITY} WHERE p.code = $1")
}

/// The prescription with `code`, read in the caller's transaction.
pub async fn prescription_in(tx: &mut Tx, code: PrescriptionCode) -> Result<Option<Prescription>, HealthError> {
    let row = sqlx::query(&by_code()).bind(code.to_string()).fetch_optional(&mut **tx).await?;
    row.as_ref().map(prescription_of).transpose()
}

/// The prescription with `code`.
pub async fn prescription(db: &Db, code: PrescriptionCode) -> Result<Option<Prescription>, HealthError> {
    let row = sqlx::query(&by_code()).bind(code.to_string()).fetch_optional(db.pool()).await?;
    row.as_ref().map(prescription_of).transpose()
}

/// A patient's prescriptions, newest first, at most `limit`.
pub async fn of_patient(db: &Db, patient: &kernel::PersonalId, limit: i64) -> Result<Vec<Prescription>, HealthError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM health_prescriptions p JOIN {FACILITY} \
         WHERE p.patient = $1 ORDER BY p.issued_at DESC, p.code LIMIT $2"
    );
    let rows = sqlx::query(&sql).bind(patient.as_str()).bind(limit).fetch_all(db.pool()).await?;
    rows.iter().map(prescription_of).collect()
}
