//! The education slice's SQL, on its own tables only.

use kernel::PersonalId;
use store::sqlx::{self, Any, Executor, Row, any::AnyRow};
use store::{Db, Tx};

use crate::error::EducationError;
use crate::model::{ClassName, Enrolment, MarkEntry, School, SchoolCode, SchoolYear};
use crate::subject::{Mark, Rating, Subject, Term};

fn corrupt(what: &str, e: impl std::fmt::Display) -> EducationError {
    EducationError::Corrupt(format!("{what}: {e}"))
}

/// Records a school; `false` if its code is taken.
pub async fn insert_school(tx: &mut Tx, s: &School) -> Result<bool, EducationError> {
    let done = sqlx::query(
        "INSERT INTO education_schools (code, name, level, commune) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING",
    )
    .bind(s.code.to_string())
    .bind(&s.name)
    .bind(s.level.as_str())
    .bind(s.code.commune().to_string())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The school with `code`.
pub async fn school(db: &Db, code: SchoolCode) -> Result<Option<School>, EducationError> {
    let row = sqlx::query("SELECT code, name, level FROM education_schools WHERE code = $1")
        .bind(code.to_string())
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(School {
        code: row.try_get::<String, _>("code")?.parse().map_err(|e| corrupt("school code", e))?,
        name: row.try_get("name")?,
        level: row.try_get::<String, _>("level")?.parse().map_err(|e| corrupt("school level", e))?,
    }))
}

/// Records an enrolment; `false` if the pupil has one for that year already.
pub async fn insert_enrolment(tx: &mut Tx, e: &Enrolment, at: i64) -> Result<bool, EducationError> {
    let [mother, father] = e.parents.map(|p| p.map(|p| p.to_string()));
    let done = sqlx::query(
        "INSERT INTO education_enrolments (pupil, school_year, school, grade, class_name, pupil_name, birth_date, \
         mother, father, absences, enrolled_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, 1) \
         ON CONFLICT (pupil, school_year) DO NOTHING",
    )
    .bind(e.pupil.as_str())
    .bind(i64::from(e.school_year))
    .bind(e.school.to_string())
    .bind(i64::from(e.grade))
    .bind(e.class_name.as_str())
    .bind(&e.pupil_name)
    .bind(&e.birth_date)
    .bind(mother)
    .bind(father)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes the enrolment's row for a change in the caller's transaction, if it is not signed: one conditional
/// update, so a change and the principal's signature never interleave. `false` if it is signed or absent.
pub async fn lock_open(tx: &mut Tx, pupil: &PersonalId, year: SchoolYear) -> Result<bool, EducationError> {
    let done = sqlx::query(
        "UPDATE education_enrolments SET version = version + 1 \
         WHERE pupil = $1 AND school_year = $2 AND signed_at IS NULL",
    )
    .bind(pupil.as_str())
    .bind(i64::from(year))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Enters a mark, replacing the subject's current one for the term, and keeps it in the history.
pub async fn put_mark(tx: &mut Tx, pupil: &PersonalId, year: SchoolYear, m: &MarkEntry) -> Result<(), EducationError> {
    for sql in [
        "INSERT INTO education_marks (pupil, school_year, subject, term, mark, teacher, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (pupil, school_year, subject, term) \
         DO UPDATE SET mark = excluded.mark, teacher = excluded.teacher, recorded_at = excluded.recorded_at",
        "INSERT INTO education_mark_history (pupil, school_year, subject, term, mark, teacher, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    ] {
        sqlx::query(sql)
            .bind(pupil.as_str())
            .bind(i64::from(year))
            .bind(m.subject.as_str())
            .bind(i64::from(m.term))
            .bind(m.mark.to_string())
            .bind(&m.teacher)
            .bind(m.recorded_at)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Rates the year's conduct and records the absences.
pub async fn set_conduct(
    tx: &mut Tx,
    pupil: &PersonalId,
    year: SchoolYear,
    conduct: Rating,
    absences: i64,
) -> Result<(), EducationError> {
    sqlx::query("UPDATE education_enrolments SET conduct = $1, absences = $2 WHERE pupil = $3 AND school_year = $4")
        .bind(conduct.as_str())
        .bind(absences)
        .bind(pupil.as_str())
        .bind(i64::from(year))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Marks the year signed, with its QR.
pub async fn set_signed(
    tx: &mut Tx,
    pupil: &PersonalId,
    year: SchoolYear,
    at: i64,
    by: &str,
    qr_text: &str,
) -> Result<(), EducationError> {
    sqlx::query(
        "UPDATE education_enrolments SET signed_at = $1, signed_by = $2, qr_text = $3 \
         WHERE pupil = $4 AND school_year = $5",
    )
    .bind(at)
    .bind(by)
    .bind(qr_text)
    .bind(pupil.as_str())
    .bind(i64::from(year))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

const COLUMNS: &str = "e.pupil, e.school_year, e.school, s.name AS school_name, e.grade, e.class_name, e.pupil_name, \
    e.birth_date, e.mother, e.father, e.conduct, e.absences, e.signed_at, e.signed_by, e.qr_text, e.version";

const FROM: &str = "education_enrolments e JOIN education_schools s ON s.code = e.school";

fn enrolment_of(row: &AnyRow) -> Result<Enrolment, EducationError> {
    let text = |column: &str| row.try_get::<String, _>(column);
    let person = |column: &str| -> Result<Option<PersonalId>, EducationError> {
        row.try_get::<Option<String>, _>(column)?.map(|p| p.parse().map_err(|e| corrupt(column, e))).transpose()
    };
    let grade = u8::try_from(row.try_get::<i64, _>("grade")?).map_err(|e| corrupt("grade", e))?;
    Ok(Enrolment {
        pupil: text("pupil")?.parse().map_err(|e| corrupt("pupil", e))?,
        pupil_name: text("pupil_name")?,
        birth_date: text("birth_date")?,
        school_year: SchoolYear::try_from(row.try_get::<i64, _>("school_year")?).map_err(|e| corrupt("year", e))?,
        school: text("school")?.parse().map_err(|e| corrupt("school", e))?,
        school_name: text("school_name")?,
        grade,
        class_name: ClassName::parse(&text("class_name")?, grade).map_err(|e| corrupt("class", e))?,
        conduct: row
            .try_get::<Option<String>, _>("conduct")?
            .map(|c| c.parse().map_err(|e| corrupt("conduct", e)))
            .transpose()?,
        absences: row.try_get("absences")?,
        signed_at: row.try_get("signed_at")?,
        signed_by: row.try_get("signed_by")?,
        qr_text: row.try_get("qr_text")?,
        version: row.try_get("version")?,
        parents: [person("mother")?, person("father")?],
    })
}

/// A pupil's enrolment for a year, through `on` (the pool, or the caller's transaction).
pub async fn enrolment<'e>(
    on: impl Executor<'e, Database = Any>,
    pupil: &PersonalId,
    year: SchoolYear,
) -> Result<Option<Enrolment>, EducationError> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE e.pupil = $1 AND e.school_year = $2");
    let row = sqlx::query(&sql).bind(pupil.as_str()).bind(i64::from(year)).fetch_optional(on).await?;
    row.as_ref().map(enrolment_of).transpose()
}

/// The current marks of a pupil's year, through `on`.
pub async fn marks<'e>(
    on: impl Executor<'e, Database = Any>,
    pupil: &PersonalId,
    year: SchoolYear,
) -> Result<Vec<MarkEntry>, EducationError> {
    let rows = sqlx::query(
        "SELECT subject, term, mark, teacher, recorded_at FROM education_marks \
         WHERE pupil = $1 AND school_year = $2 ORDER BY recorded_at, subject, term",
    )
    .bind(pupil.as_str())
    .bind(i64::from(year))
    .fetch_all(on)
    .await?;
    rows.iter()
        .map(|row| {
            let subject: Subject = row.try_get::<String, _>("subject")?.parse().map_err(|e| corrupt("subject", e))?;
            let mark: Mark = row.try_get::<String, _>("mark")?.parse().map_err(|e| corrupt("mark", e))?;
            Ok(MarkEntry {
                subject,
                term: Term::try_from(row.try_get::<i64, _>("term")?).map_err(|e| corrupt("term", e))?,
                mark,
                teacher: row.try_get("teacher")?,
                recorded_at: row.try_get("recorded_at")?,
            })
        })
        .collect()
}

/// A school's pupils in a year, by class and name, at most `limit`; of one class if `class` is given.
pub async fn class_list(
    db: &Db,
    school: SchoolCode,
    year: SchoolYear,
    class: Option<&str>,
    limit: i64,
) -> Result<Vec<Enrolment>, EducationError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE e.school = $1 AND e.school_year = $2 AND ($3 = '' OR e.class_name = $3) \
         ORDER BY e.class_name, e.pupil_name, e.pupil LIMIT $4"
    );
    let rows = sqlx::query(&sql)
        .bind(school.to_string())
        .bind(i64::from(year))
        .bind(class.unwrap_or_default())
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(enrolment_of).collect()
}

/// The enrolments of `person` and of the children the registry names them parent of, newest year first.
pub async fn of_family(db: &Db, person: &PersonalId, limit: i64) -> Result<Vec<Enrolment>, EducationError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE e.pupil = $1 OR e.mother = $1 OR e.father = $1 \
         ORDER BY e.school_year DESC, e.pupil_name LIMIT $2"
    );
    let rows = sqlx::query(&sql).bind(person.as_str()).bind(limit).fetch_all(db.pool()).await?;
    rows.iter().map(enrolment_of).collect()
}
