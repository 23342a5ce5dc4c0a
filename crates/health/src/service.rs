//! The rules: who a prescription may be written for and what it may hold, its code, its signature, and that it is
//! dispensed once. Each write has an `_in(&mut Tx, …)` form that appends its ledger entry in the caller's
//! transaction, and a `&Db` form that begins, calls and commits.

use serde::Serialize;
use store::{Backend, Db, Tx};
use time::OffsetDateTime;
use trust::document;
use trust::keyring::Keyring;
use trust::keys::Algorithm;
use trust::ledger::{self, Actor, Event, EventKind, RecordRef, record_digest};

use crate::error::{FieldProblem, HealthError};
use crate::model::{
    Facility, FacilityCode, Medicine, Prescription, PrescriptionCode, PrescriptionKind, PrescriptionStatus,
};
use crate::store as sql;

/// The credential kind and document type of an e-prescription.
pub const PRESCRIPTION: &str = "vn.congso.prescription";
/// A prescription is dispensed within five days of its issue, the day it is written counting as the first
/// (Circular 52/2017/TT-BYT, art. 10).
pub const VALID_DAYS: i64 = 5;
/// The most medicines one prescription holds.
pub const MAX_MEDICINES: usize = 20;
/// The largest quantity of one medicine.
pub const MAX_QUANTITY: i64 = 10_000;
/// The record kinds the slice's ledger entries name.
pub const PRESCRIPTION_RECORD: &str = "prescription";
const FACILITY_RECORD: &str = "health_facility";

/// What a doctor writes: checked by [`NewPrescription::parse`] before anything else happens.
#[derive(Debug, Clone)]
pub struct NewPrescription {
    /// The patient.
    pub patient: kernel::PersonalId,
    /// What kind of prescription.
    pub kind: PrescriptionKind,
    /// The diagnosis.
    pub diagnosis: String,
    /// What is prescribed.
    pub medicines: Vec<Medicine>,
}

/// A prescription as a form or the API sends it, every value still text.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PrescriptionInput {
    /// The patient's personal ID number.
    #[schema(value_type = kernel::PersonalId)]
    pub patient: String,
    /// Ordinary if absent.
    #[serde(default)]
    #[schema(value_type = Option<PrescriptionKind>)]
    pub kind: Option<String>,
    /// Chẩn đoán.
    #[schema(schema_with = diagnosis_schema)]
    pub diagnosis: String,
    /// The medicines, at least one.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 20)]
    pub medicines: Vec<Medicine>,
    /// The facility to write it at, if the doctor works at more than one (five digits).
    #[serde(default)]
    #[schema(pattern = "^[0-9]{5}$")]
    pub facility: Option<String>,
}

fn diagnosis_schema() -> utoipa::openapi::schema::Object {
    kernel::schema::free_text_schema(500)
}

fn text(field: String, value: &str, max: usize) -> Result<String, HealthError> {
    kernel::free_text::clean(value, max).map_err(|e| HealthError::field(field, e))
}

impl NewPrescription {
    /// Checks every field: the first problem found, named by its field (`medicines[1].quantity`).
    pub fn parse(input: &PrescriptionInput) -> Result<NewPrescription, HealthError> {
        let patient = input.patient.trim().parse().map_err(|e| HealthError::field("patient", e))?;
        let kind = match input.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            None => PrescriptionKind::Ordinary,
            Some(k) => k.parse().map_err(|e| HealthError::field("kind", e))?,
        };
        let diagnosis = text("diagnosis".into(), &input.diagnosis, 500)?;
        if input.medicines.is_empty() {
            return Err(HealthError::NoMedicine);
        }
        if input.medicines.len() > MAX_MEDICINES {
            return Err(HealthError::TooManyMedicines(MAX_MEDICINES));
        }
        let medicines = input
            .medicines
            .iter()
            .enumerate()
            .map(|(i, m)| {
                if !(1..=MAX_QUANTITY).contains(&m.quantity) {
                    return Err(HealthError::field(
                        format!("medicines[{i}].quantity"),
                        FieldProblem::Quantity(MAX_QUANTITY),
                    ));
                }
                Ok(Medicine {
                    name: text(format!("medicines[{i}].name"), &m.name, 200)?,
                    quantity: m.quantity,
                    unit: text(format!("medicines[{i}].unit"), &m.unit, 30)?,
                    usage: text(format!("medicines[{i}].usage"), &m.usage, 300)?,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(NewPrescription { patient, kind, diagnosis, medicines })
    }
}

/// Records a facility, with its ledger entry.
pub async fn register_facility(db: &Db, facility: &Facility, actor: &Actor) -> Result<(), HealthError> {
    let mut tx = db.begin_write().await?;
    if !sql::insert_facility(&mut tx, facility).await? {
        return Err(HealthError::FacilityExists(facility.code));
    }
    let record = RecordRef {
        kind: FACILITY_RECORD.into(),
        key: facility.code.to_string(),
        digest: Some(record_digest(facility)),
    };
    let event = Event::new(EventKind::RecordChanged, actor.clone()).record(record);
    ledger::store::append(&mut tx, db.backend(), &mut [event]).await?;
    tx.commit().await?;
    Ok(())
}

/// The facility with `code`.
pub async fn facility(db: &Db, code: FacilityCode) -> Result<Option<Facility>, HealthError> {
    sql::facility(db, code).await
}

/// What the prescription's QR says: what a pharmacy needs to sell against it with no network.
#[derive(Debug, Serialize)]
struct Signed<'a> {
    code: String,
    patient: &'a str,
    patient_name: &'a str,
    facility: String,
    prescriber: &'a str,
    diagnosis: &'a str,
    medicines: Vec<String>,
    valid_until: String,
}

/// The last day a prescription issued at `issued_at` may be dispensed, and the last second of it in Vietnam's time.
fn valid_until(issued_at: OffsetDateTime) -> (time::Date, i64) {
    let vietnam = time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let day = issued_at.to_offset(vietnam).date() + time::Duration::days(VALID_DAYS - 1);
    let end = day.with_hms(23, 59, 59).unwrap_or(day.midnight()).assume_offset(vietnam);
    (day, end.unix_timestamp())
}

/// Writes a prescription at `facility` for a living patient: a fresh code from the facility's serials, the
/// signed QR (also recorded as a credential the patient holds), and the ledger entry, in the caller's
/// transaction.
pub async fn prescribe_in(
    tx: &mut Tx,
    backend: Backend,
    keyring: &Keyring,
    facility: &Facility,
    actor: &Actor,
    new: NewPrescription,
) -> Result<Prescription, HealthError> {
    if !facility.kind.prescribes() {
        return Err(HealthError::NoFacility);
    }
    let patient = match registry::life_events::citizen_in(tx, &new.patient).await {
        Ok(c) if c.status == registry::model::CitizenStatus::Living => c,
        Ok(_) | Err(registry::error::RegistryError::NotFound) => return Err(HealthError::UnknownPatient),
        Err(e) => return Err(HealthError::Registry(e.to_string())),
    };
    let serial = sql::next_serial(tx, facility.code).await?;
    let code = PrescriptionCode::new(facility.code, serial, new.kind).ok_or(HealthError::Exhausted)?;
    let now = OffsetDateTime::now_utc();
    let (last_day, valid_until) = valid_until(now);
    let prescriber = actor.display_name.clone().unwrap_or_else(|| actor.username.clone());
    let signed = Signed {
        code: code.to_string(),
        patient: new.patient.as_str(),
        patient_name: &patient.full_name,
        facility: format!("{} {}", facility.code, facility.name),
        prescriber: &prescriber,
        diagnosis: &new.diagnosis,
        medicines: new
            .medicines
            .iter()
            .map(|m| format!("{} × {} {}: {}", m.name, m.quantity, m.unit, m.usage))
            .collect(),
        valid_until: last_day.to_string(),
    };
    let key = keyring.signer(Algorithm::EdDSA).ok_or(credentials::CredentialError::NoKey)?;
    let issued_at = now.unix_timestamp();
    let doc = document::Document {
        doc_type: PRESCRIPTION.into(),
        agency: facility.code.agency().to_string(),
        id: credentials::model::new_id(),
        digest: document::digest(&serde_json::to_vec(&signed).unwrap_or_default()),
        issued_at,
        expires_at: Some(valid_until),
        payload: &signed,
    };
    let issued = credentials::model::Issued {
        id: hex::encode(&doc.id),
        personal_id: new.patient.to_string(),
        kid: key.kid().to_owned(),
        issued_at,
        expires_at: valid_until,
        qr_text: document::sign(&doc, &key).map_err(credentials::CredentialError::from)?,
    };
    let prescription = Prescription {
        code,
        kind: new.kind,
        facility: facility.code,
        facility_name: facility.name.clone(),
        prescriber,
        patient: new.patient,
        patient_name: patient.full_name.clone(),
        diagnosis: new.diagnosis,
        medicines: new.medicines,
        issued_at,
        valid_until,
        status: PrescriptionStatus::Issued,
        dispensed_at: None,
        dispensed_by: None,
        qr_text: issued.qr_text.clone(),
    };
    sql::insert_prescription(tx, &prescription).await?;
    credentials::store::record_in(tx, backend, PRESCRIPTION, patient.version, &issued, actor).await?;
    let mut event = change_event(&prescription, actor, "prescribed");
    ledger::store::append(tx, backend, std::slice::from_mut(&mut event)).await?;
    Ok(prescription)
}

/// [`prescribe_in`] in a transaction of its own.
pub async fn prescribe(
    db: &Db,
    keyring: &Keyring,
    facility: &Facility,
    actor: &Actor,
    new: NewPrescription,
) -> Result<Prescription, HealthError> {
    let mut tx = db.begin_write().await?;
    let prescription = prescribe_in(&mut tx, db.backend(), keyring, facility, actor, new).await?;
    tx.commit().await?;
    Ok(prescription)
}

fn change_event(p: &Prescription, actor: &Actor, change: &str) -> Event {
    let record =
        RecordRef { kind: PRESCRIPTION_RECORD.into(), key: p.code.to_string(), digest: Some(record_digest(p)) };
    Event::new(EventKind::RecordChanged, actor.clone())
        .subject(p.patient.as_str())
        .record(record)
        .detail(serde_json::json!({ "change": change, "facility": p.facility.to_string() }))
}

/// Dispenses a prescription at `pharmacy`, once: one conditional update, so of two pharmacies at once exactly one
/// succeeds and the other is told who dispensed it; an expired one is refused. In the caller's transaction, with
/// its ledger entry.
pub async fn dispense_in(
    tx: &mut Tx,
    backend: Backend,
    code: PrescriptionCode,
    pharmacy: &Facility,
    actor: &Actor,
) -> Result<Prescription, HealthError> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    if !sql::mark_dispensed(tx, code, pharmacy.code, now).await? {
        let p = sql::prescription_in(tx, code).await?.ok_or(HealthError::NoPrescription)?;
        return Err(match (p.status, p.dispensed_by, p.dispensed_at) {
            (PrescriptionStatus::Dispensed, Some(by), Some(at)) => HealthError::Dispensed { by, at },
            (PrescriptionStatus::Issued, _, _) => HealthError::Expired,
            _ => HealthError::Corrupt(format!("prescription {code} is dispensed with no facility or time")),
        });
    }
    let p = sql::prescription_in(tx, code).await?.ok_or(HealthError::NoPrescription)?;
    let mut event = change_event(&p, actor, "dispensed");
    ledger::store::append(tx, backend, std::slice::from_mut(&mut event)).await?;
    Ok(p)
}

/// [`dispense_in`] in a transaction of its own.
pub async fn dispense(
    db: &Db,
    code: PrescriptionCode,
    pharmacy: &Facility,
    actor: &Actor,
) -> Result<Prescription, HealthError> {
    let mut tx = db.begin_write().await?;
    let p = dispense_in(&mut tx, db.backend(), code, pharmacy, actor).await?;
    tx.commit().await?;
    Ok(p)
}

/// The prescription with `code`; the caller decides who may see it and records the read.
pub async fn prescription(db: &Db, code: PrescriptionCode) -> Result<Prescription, HealthError> {
    sql::prescription(db, code).await?.ok_or(HealthError::NoPrescription)
}

/// A patient's prescriptions, newest first.
pub async fn of_patient(db: &Db, patient: &kernel::PersonalId) -> Result<Vec<Prescription>, HealthError> {
    sql::of_patient(db, patient, 100).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> PrescriptionInput {
        PrescriptionInput {
            patient: "001090000001".into(),
            kind: None,
            diagnosis: "Viêm họng cấp".into(),
            medicines: vec![Medicine {
                name: "Paracetamol 500mg".into(),
                quantity: 10,
                unit: "viên".into(),
                usage: "Ngày uống 2 lần, mỗi lần 1 viên".into(),
            }],
            facility: None,
        }
    }

    #[test]
    fn a_prescription_is_refused_at_its_first_bad_field() {
        assert!(NewPrescription::parse(&input()).is_ok());
        let field = |i: PrescriptionInput| match NewPrescription::parse(&i) {
            Err(HealthError::Field { field, .. }) => field,
            Err(e) => e.field_name().unwrap_or_default().to_owned(),
            Ok(_) => String::new(),
        };
        assert_eq!(field(PrescriptionInput { patient: "12".into(), ..input() }), "patient");
        assert_eq!(field(PrescriptionInput { kind: Some("strong".into()), ..input() }), "kind");
        assert_eq!(field(PrescriptionInput { diagnosis: " ".into(), ..input() }), "diagnosis");
        assert_eq!(field(PrescriptionInput { medicines: vec![], ..input() }), "medicines");
        let mut none = input();
        none.medicines[0].quantity = 0;
        assert_eq!(field(none), "medicines[0].quantity");
        let mut nameless = input();
        nameless.medicines.push(Medicine { name: "".into(), ..nameless.medicines[0].clone() });
        assert_eq!(field(nameless), "medicines[1].name");
    }

    #[test]
    fn a_prescription_is_valid_to_the_end_of_its_fifth_day_in_vietnam() {
        // 2026-12-03 20:00 UTC is already 4 December in Vietnam: the fifth day is the 8th.
        let issued = time::macros::datetime!(2026-12-03 20:00 UTC);
        let (day, end) = valid_until(issued);
        assert_eq!(day, time::macros::date!(2026 - 12 - 08));
        assert_eq!(end, time::macros::datetime!(2026-12-08 16:59:59 UTC).unix_timestamp());
    }
}
