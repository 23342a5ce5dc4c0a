//! The rules: who may be enrolled where, which marks a subject takes, that a signed year never changes, and the
//! principal's signature. Each write has an `_in(&mut Tx, …)` form that appends its ledger entry in the caller's
//! transaction, and a `&Db` form that begins, calls and commits.

use kernel::PersonalId;
use serde::Serialize;
use store::{Backend, Db, Tx};
use time::OffsetDateTime;
use trust::document;
use trust::keyring::Keyring;
use trust::keys::Algorithm;
use trust::ledger::{self, Actor, Event, EventKind, RecordRef, record_digest};

use crate::assessment::SchoolRecord;
use crate::error::{EducationError, FieldProblem};
use crate::model::{ClassName, CodeError, Enrolment, MarkEntry, School, SchoolYear};
use crate::store as sql;
use crate::subject::{Mark, Rating, Subject, Term};

/// The credential kind and document type of a signed year of the school record.
pub const SCHOOL_RECORD: &str = "vn.congso.school-record";
/// The record kind the slice's ledger entries name for a pupil's year.
pub const RECORD: &str = "school_record";
const SCHOOL: &str = "school";
/// A signed school record does not lapse: valid as long as its keys are kept.
const VALIDITY: i64 = 50 * 365 * 86_400;
/// The most half-days absent a year can record.
const MAX_ABSENCES: i64 = 400;

/// An enrolment as a form or the API sends it, every value still text or a plain number.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct EnrolInput {
    /// The pupil's personal ID number.
    #[schema(value_type = kernel::PersonalId)]
    pub pupil: String,
    /// The school year, by the year it begins in.
    #[serde(deserialize_with = "web::extract::integer")]
    #[schema(minimum = 2000, maximum = 2100, example = 2025)]
    pub school_year: i64,
    /// The grade, one the school teaches.
    #[serde(deserialize_with = "web::extract::integer")]
    #[schema(minimum = 6, maximum = 12, example = 7)]
    pub grade: i64,
    /// The class (`7A1`): the grade, then letters or digits.
    #[schema(schema_with = crate::model::class_schema)]
    pub class_name: String,
    /// The school, if the teacher teaches at more than one (eight digits).
    #[serde(default)]
    #[schema(pattern = "^[0-9]{8}$")]
    pub school: Option<String>,
}

/// An enrolment, checked.
#[derive(Debug, Clone)]
pub struct NewEnrolment {
    /// The pupil.
    pub pupil: PersonalId,
    /// The year.
    pub year: SchoolYear,
    /// The grade.
    pub grade: u8,
    /// The class.
    pub class_name: ClassName,
}

impl NewEnrolment {
    /// Checks every field against what `school` teaches: the first problem found, named by its field.
    pub fn parse(input: &EnrolInput, school: &School) -> Result<NewEnrolment, EducationError> {
        let pupil = input.pupil.trim().parse().map_err(|e| EducationError::field("pupil", e))?;
        let year = SchoolYear::try_from(input.school_year).map_err(|e| EducationError::field("school_year", e))?;
        let grades = school.level.grades();
        let grade = u8::try_from(input.grade)
            .ok()
            .filter(|g| grades.contains(g))
            .ok_or_else(|| EducationError::field("grade", CodeError::Grade(*grades.start(), *grades.end())))?;
        let class_name =
            ClassName::parse(&input.class_name, grade).map_err(|e| EducationError::field("class_name", e))?;
        Ok(NewEnrolment { pupil, year, grade, class_name })
    }
}

/// A mark as a form or the API sends it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct MarkInput {
    /// The subject's code.
    #[schema(value_type = Subject)]
    pub subject: String,
    /// The term, 1 or 2.
    #[serde(deserialize_with = "web::extract::integer")]
    #[schema(minimum = 1, maximum = 2)]
    pub term: i64,
    /// A score from 0 to 10 with at most one decimal (`8.5`), or `dat` / `chua_dat` for a subject assessed by
    /// comment.
    #[schema(example = "8.5", pattern = "^(10([.,]0)?|[0-9]([.,][0-9])?|dat|chua_dat|Đ|CĐ)$")]
    pub mark: String,
}

impl MarkInput {
    /// Checks the subject against the school's level and the mark against how the subject is assessed.
    pub fn parse(&self, school: &School) -> Result<(Subject, Term, Mark), EducationError> {
        let subject: Subject = self.subject.parse().map_err(|e| EducationError::field("subject", e))?;
        if !subject.taught_at(school.level) {
            return Err(EducationError::field("subject", FieldProblem::NotTaught));
        }
        let term = Term::try_from(self.term).map_err(|e| EducationError::field("term", e))?;
        let mark = Mark::parse(&self.mark, subject.assessed()).map_err(|e| EducationError::field("mark", e))?;
        Ok((subject, term, mark))
    }
}

/// The year's conduct and absences, as the form teacher rates them.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ConductInput {
    /// Kết quả rèn luyện cả năm.
    #[schema(value_type = Rating)]
    pub conduct: String,
    /// Half-days absent in the year.
    #[serde(default, deserialize_with = "web::extract::integer")]
    #[schema(minimum = 0, maximum = 400)]
    pub absences: i64,
}

impl ConductInput {
    /// Checks both.
    pub fn parse(&self) -> Result<(Rating, i64), EducationError> {
        let conduct = self.conduct.parse().map_err(|e| EducationError::field("conduct", e))?;
        if !(0..=MAX_ABSENCES).contains(&self.absences) {
            return Err(EducationError::field("absences", FieldProblem::Absences));
        }
        Ok((conduct, self.absences))
    }
}

/// Records a school, with its ledger entry.
pub async fn register_school(db: &Db, school: &School, actor: &Actor) -> Result<(), EducationError> {
    let mut tx = db.begin_write().await?;
    if !sql::insert_school(&mut tx, school).await? {
        return Err(EducationError::SchoolExists(school.code));
    }
    let record = RecordRef { kind: SCHOOL.into(), key: school.code.to_string(), digest: Some(record_digest(school)) };
    let event = Event::new(EventKind::RecordChanged, actor.clone()).record(record);
    ledger::store::append(&mut tx, db.backend(), &mut [event]).await?;
    tx.commit().await?;
    Ok(())
}

/// The school with `code`.
pub async fn school(db: &Db, code: crate::model::SchoolCode) -> Result<Option<School>, EducationError> {
    sql::school(db, code).await
}

fn change_event(r: &SchoolRecord, actor: &Actor, change: &str) -> Event {
    let e = &r.enrolment;
    let record = RecordRef {
        kind: RECORD.into(),
        key: format!("{}/{}", e.pupil, e.school_year.start()),
        digest: Some(record_digest(r)),
    };
    Event::new(EventKind::RecordChanged, actor.clone())
        .subject(e.pupil.as_str())
        .record(record)
        .detail(serde_json::json!({ "change": change, "school": e.school.to_string() }))
}

async fn append(
    tx: &mut Tx,
    backend: Backend,
    r: &SchoolRecord,
    actor: &Actor,
    change: &str,
) -> Result<(), EducationError> {
    let mut event = change_event(r, actor, change);
    ledger::store::append(tx, backend, std::slice::from_mut(&mut event)).await?;
    Ok(())
}

/// The pupil's year as it stands in the caller's transaction.
async fn record_in(tx: &mut Tx, pupil: &PersonalId, year: SchoolYear) -> Result<SchoolRecord, EducationError> {
    let enrolment = sql::enrolment(&mut **tx, pupil, year).await?.ok_or(EducationError::NoRecord)?;
    let marks = sql::marks(&mut **tx, pupil, year).await?;
    Ok(SchoolRecord::of(enrolment, marks))
}

/// Enrols a living pupil of the population registry at `school` for a year, in the caller's transaction: the
/// pupil's name, birth date and parents as the registry holds them, so the parents see the record too.
pub async fn enrol_in(
    tx: &mut Tx,
    backend: Backend,
    school: &School,
    actor: &Actor,
    new: NewEnrolment,
) -> Result<SchoolRecord, EducationError> {
    let pupil = match registry::life_events::citizen_in(tx, &new.pupil).await {
        Ok(c) if c.status == registry::model::CitizenStatus::Living => c,
        Ok(_) | Err(registry::error::RegistryError::NotFound) => return Err(EducationError::UnknownPupil),
        Err(e) => return Err(EducationError::Registry(e.to_string())),
    };
    let parent = |id: &Option<String>| id.as_deref().and_then(|id| id.parse().ok());
    let enrolment = Enrolment {
        pupil: new.pupil,
        pupil_name: pupil.full_name.clone(),
        birth_date: pupil.birth_date.clone(),
        school_year: new.year,
        school: school.code,
        school_name: school.name.clone(),
        grade: new.grade,
        class_name: new.class_name,
        conduct: None,
        absences: 0,
        signed_at: None,
        signed_by: None,
        qr_text: None,
        version: 1,
        parents: [parent(&pupil.mother_id), parent(&pupil.father_id)],
    };
    if !sql::insert_enrolment(tx, &enrolment, OffsetDateTime::now_utc().unix_timestamp()).await? {
        let at = sql::enrolment(&mut **tx, &new.pupil, new.year).await?.map_or(school.code, |e| e.school);
        return Err(EducationError::Enrolled(at));
    }
    let record = record_in(tx, &new.pupil, new.year).await?;
    append(tx, backend, &record, actor, "enrolled").await?;
    Ok(record)
}

/// Takes a pupil's year at `school` for a change: refused if it is another school's, or signed.
async fn open_in(tx: &mut Tx, school: &School, pupil: &PersonalId, year: SchoolYear) -> Result<(), EducationError> {
    let e = sql::enrolment(&mut **tx, pupil, year).await?.ok_or(EducationError::NoRecord)?;
    if e.school != school.code {
        return Err(EducationError::NoRecord);
    }
    if !sql::lock_open(tx, pupil, year).await? {
        return Err(EducationError::Signed);
    }
    Ok(())
}

/// A change to a pupil's year at a school: what [`change_in`] applies.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    /// A subject's mark for a term, replacing the one before (kept in the history).
    Mark(Subject, Term, Mark),
    /// The year's conduct and absences.
    Conduct(Rating, i64),
}

/// Applies a teacher's change to a pupil's year at `school`, unless the year is signed, in the caller's
/// transaction with its ledger entry.
pub async fn change_in(
    tx: &mut Tx,
    backend: Backend,
    school: &School,
    pupil: &PersonalId,
    year: SchoolYear,
    change: Change,
    actor: &Actor,
) -> Result<SchoolRecord, EducationError> {
    open_in(tx, school, pupil, year).await?;
    let at = OffsetDateTime::now_utc().unix_timestamp();
    let what = match change {
        Change::Mark(subject, term, mark) => {
            let teacher = actor.display_name.clone().unwrap_or_else(|| actor.username.clone());
            sql::put_mark(tx, pupil, year, &MarkEntry { subject, term, mark, teacher, recorded_at: at }).await?;
            "mark"
        }
        Change::Conduct(conduct, absences) => {
            sql::set_conduct(tx, pupil, year, conduct, absences).await?;
            "conduct"
        }
    };
    let record = record_in(tx, pupil, year).await?;
    append(tx, backend, &record, actor, what).await?;
    Ok(record)
}

/// What the signed record's QR says: the year as the school record prints it.
#[derive(Debug, Serialize)]
struct Signed<'a> {
    pupil: &'a str,
    name: &'a str,
    birth_date: &'a str,
    school: String,
    school_year: String,
    class: &'a str,
    subjects: Vec<String>,
    learning: Option<Rating>,
    conduct: Option<Rating>,
    absences: i64,
    promoted: Option<bool>,
    title: Option<crate::assessment::Title>,
    principal: &'a str,
}

/// The principal signs a pupil's complete year at `school`: the record becomes a signed document (recorded as a
/// credential the pupil holds, which `/verify` accepts offline) and never changes again. In the caller's
/// transaction, with its ledger entry; of two signatures at once, one wins and the other is told it is signed.
pub async fn sign_in(
    tx: &mut Tx,
    backend: Backend,
    keyring: &Keyring,
    school: &School,
    pupil: &PersonalId,
    year: SchoolYear,
    actor: &Actor,
) -> Result<SchoolRecord, EducationError> {
    open_in(tx, school, pupil, year).await?;
    let record = record_in(tx, pupil, year).await?;
    if !record.complete() {
        return Err(EducationError::Incomplete);
    }
    let e = &record.enrolment;
    let principal = actor.display_name.clone().unwrap_or_else(|| actor.username.clone());
    let signed = Signed {
        pupil: e.pupil.as_str(),
        name: &e.pupil_name,
        birth_date: &e.birth_date,
        school: format!("{} {}", e.school, e.school_name),
        school_year: e.school_year.to_string(),
        class: e.class_name.as_str(),
        subjects: record
            .subjects
            .iter()
            .map(|l| {
                let mark = |m: Option<Mark>| m.map_or_else(String::new, |m| m.to_string());
                format!("{}: {} | {} | {}", l.subject.name_vi(), mark(l.first), mark(l.second), mark(l.year))
            })
            .collect(),
        learning: record.year,
        conduct: e.conduct,
        absences: e.absences,
        promoted: record.promoted,
        title: record.title,
        principal: &principal,
    };
    let key = keyring.signer(Algorithm::EdDSA).ok_or(credentials::CredentialError::NoKey)?;
    let issued_at = OffsetDateTime::now_utc().unix_timestamp();
    let doc = document::Document {
        doc_type: SCHOOL_RECORD.into(),
        agency: school.code.agency().to_string(),
        id: credentials::model::new_id(),
        digest: document::digest(&serde_json::to_vec(&signed).unwrap_or_default()),
        issued_at,
        expires_at: Some(issued_at + VALIDITY),
        payload: &signed,
    };
    let issued = credentials::model::Issued {
        id: hex::encode(&doc.id),
        personal_id: e.pupil.to_string(),
        kid: key.kid().to_owned(),
        issued_at,
        expires_at: issued_at + VALIDITY,
        qr_text: document::sign(&doc, &key).map_err(credentials::CredentialError::from)?,
    };
    sql::set_signed(tx, pupil, year, issued_at, &principal, &issued.qr_text).await?;
    credentials::store::record_in(tx, backend, SCHOOL_RECORD, e.version, &issued, actor).await?;
    let record = record_in(tx, pupil, year).await?;
    append(tx, backend, &record, actor, "signed").await?;
    Ok(record)
}

/// A pupil's year; the caller decides who may see it and records the read.
pub async fn record(db: &Db, pupil: &PersonalId, year: SchoolYear) -> Result<SchoolRecord, EducationError> {
    let enrolment = sql::enrolment(db.pool(), pupil, year).await?.ok_or(EducationError::NoRecord)?;
    let marks = sql::marks(db.pool(), pupil, year).await?;
    Ok(SchoolRecord::of(enrolment, marks))
}

/// The school a pupil is enrolled at for a year.
pub async fn enrolled_at(db: &Db, pupil: &PersonalId, year: SchoolYear) -> Result<School, EducationError> {
    let e = sql::enrolment(db.pool(), pupil, year).await?.ok_or(EducationError::NoRecord)?;
    sql::school(db, e.school).await?.ok_or(EducationError::NoRecord)
}

/// A school's pupils in a year, of one class if `class` is given.
pub async fn class_list(
    db: &Db,
    school: &School,
    year: SchoolYear,
    class: Option<&str>,
) -> Result<Vec<Enrolment>, EducationError> {
    sql::class_list(db, school.code, year, class, 500).await
}

/// The years of `person`'s own school record and of their children's, newest first.
pub async fn of_family(db: &Db, person: &PersonalId) -> Result<Vec<SchoolRecord>, EducationError> {
    let mut records = Vec::new();
    for e in sql::of_family(db, person, 50).await? {
        let marks = sql::marks(db.pool(), &e.pupil, e.school_year).await?;
        records.push(SchoolRecord::of(e, marks));
    }
    Ok(records)
}

/// [`enrol_in`] in a transaction of its own.
pub async fn enrol(db: &Db, school: &School, actor: &Actor, new: NewEnrolment) -> Result<SchoolRecord, EducationError> {
    let mut tx = db.begin_write().await?;
    let record = enrol_in(&mut tx, db.backend(), school, actor, new).await?;
    tx.commit().await?;
    Ok(record)
}

/// [`change_in`] in a transaction of its own.
pub async fn change(
    db: &Db,
    school: &School,
    pupil: &PersonalId,
    year: SchoolYear,
    change: Change,
    actor: &Actor,
) -> Result<SchoolRecord, EducationError> {
    let mut tx = db.begin_write().await?;
    let record = change_in(&mut tx, db.backend(), school, pupil, year, change, actor).await?;
    tx.commit().await?;
    Ok(record)
}

/// [`sign_in`] in a transaction of its own.
pub async fn sign(
    db: &Db,
    keyring: &Keyring,
    school: &School,
    pupil: &PersonalId,
    year: SchoolYear,
    actor: &Actor,
) -> Result<SchoolRecord, EducationError> {
    let mut tx = db.begin_write().await?;
    let record = sign_in(&mut tx, db.backend(), keyring, school, pupil, year, actor).await?;
    tx.commit().await?;
    Ok(record)
}
