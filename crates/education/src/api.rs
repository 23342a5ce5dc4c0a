//! `/api/v1/education`: pupils enrolled, marked and their years signed by their school's staff, and a family's
//! own school records.

use axum::extract::State;
use axum::http::StatusCode;
use identity::policy::{Action, agencies_of, authorize};
use identity::{AccountKind, Caller, Principal, Role};
use kernel::PersonalId;
use serde::Deserialize;
use trust::ledger::{Event, EventKind, Purpose, RecordRef};
use utoipa_axum::routes;
use web::extract::{Json, Path, Query};
use web::openapi::{ApiRouter, Conflict, Forbidden, Invalid, NotFound};
use web::{AppError, AppResult, AppState};

use crate::assessment::SchoolRecord;
use crate::error::EducationError;
use crate::model::{Enrolment, School, SchoolCode, SchoolYear};
use crate::service::{self, Change, ConductInput, EnrolInput, MarkInput, NewEnrolment, RECORD};

/// The routes, relative to `/api/v1`.
pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(enrol, class_list))
        .routes(routes!(mine))
        .routes(routes!(read))
        .routes(routes!(put_mark))
        .routes(routes!(put_conduct))
        .routes(routes!(sign))
}

/// The school whose agency the caller holds `role` in (a teacher, or the principal as approver), the one
/// `wanted` names if given: refused if there is none.
pub async fn school_of(state: &AppState, me: &Principal, role: Role, wanted: Option<&str>) -> AppResult<School> {
    authorize(me, Action::Teach)?;
    let wanted = match wanted.map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => Some(w.parse::<SchoolCode>().map_err(|e| EducationError::field("school", e))?),
        None => None,
    };
    for code in agencies_of(me, role).iter().filter_map(SchoolCode::of_agency) {
        if wanted.is_some_and(|w| w != code) {
            continue;
        }
        if let Some(school) = service::school(&state.db, code).await? {
            return Ok(school);
        }
    }
    Err(EducationError::NoSchool.into())
}

/// Whether `me` is the pupil of `e` or a parent the registry named at enrolment.
fn family(me: &Principal, e: &Enrolment) -> bool {
    me.kind == AccountKind::Citizen
        && me.personal_id.is_some_and(|me| me == e.pupil || e.parents.iter().flatten().any(|p| *p == me))
}

/// Whether `me` teaches at the school of `e`.
fn teaches_at(me: &Principal, e: &Enrolment) -> bool {
    identity::policy::allows(me, Action::Teach) && agencies_of(me, Role::Teacher).contains(&e.school.agency())
}

/// Where a pupil's year is named.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RecordPath {
    /// The pupil's personal ID number.
    #[param(value_type = PersonalId)]
    pub pupil: String,
    /// The school year, by the year it begins in.
    #[param(value_type = i64, minimum = 2000, maximum = 2100, example = 2025)]
    pub school_year: String,
}

/// The school a pupil's year is at, if the caller holds `role` there; for a teacher of another school the year
/// does not exist.
async fn school_for(
    state: &AppState,
    me: &Principal,
    role: Role,
    at: &RecordPath,
) -> AppResult<(School, PersonalId, SchoolYear)> {
    authorize(me, Action::Teach)?;
    let (pupil, year) = at.parse()?;
    let school = service::enrolled_at(&state.db, &pupil, year).await?;
    if !agencies_of(me, role).contains(&school.code.agency()) {
        return Err(AppError::NotFound);
    }
    Ok((school, pupil, year))
}

impl RecordPath {
    /// The pupil and the year, or the field that is wrong.
    pub fn parse(&self) -> Result<(PersonalId, SchoolYear), EducationError> {
        let pupil = self.pupil.parse().map_err(|e| EducationError::field("pupil", e))?;
        let year = self.school_year.parse().map_err(|e| EducationError::field("school_year", e))?;
        Ok((pupil, year))
    }
}

/// The pupil's year `at` names, if the caller may see it: the pupil's own or their child's, or any of a school
/// the caller teaches at (a read recorded in the ledger with the purpose "education", which the family sees);
/// for anyone else it does not exist.
pub async fn visible(state: &AppState, me: &Principal, at: &RecordPath) -> AppResult<SchoolRecord> {
    let (pupil, year) = at.parse()?;
    let record = service::record(&state.db, &pupil, year).await?;
    if family(me, &record.enrolment) {
        return Ok(record);
    }
    if teaches_at(me, &record.enrolment) {
        let e = &record.enrolment;
        let key = format!("{}/{}", e.pupil, e.school_year.start());
        let event = Event::new(EventKind::PersonalDataRead, me.actor(Role::Teacher))
            .subject(e.pupil.as_str())
            .record(RecordRef { kind: RECORD.into(), key, digest: None })
            .purpose(&Purpose::Education.to_string())
            .detail(serde_json::json!({ "view": "school_record", "school": e.school.to_string() }));
        state.ledger.record(event).await.map_err(EducationError::from)?;
        return Ok(record);
    }
    Err(AppError::NotFound)
}

/// Enrols a living pupil of the population registry at the teacher's school for a school year, in a grade the
/// school teaches. Refused field by field, nothing written; a second enrolment for the same year is 409.
#[utoipa::path(post, path = "/education/enrolments", operation_id = "enrolPupil", tag = "education",
    security(("bearer" = [])), request_body = EnrolInput,
    responses((status = 201, body = SchoolRecord), Forbidden, Conflict, Invalid))]
pub async fn enrol(
    State(state): State<AppState>,
    Caller(me): Caller,
    Json(input): Json<EnrolInput>,
) -> AppResult<(StatusCode, Json<SchoolRecord>)> {
    let school = school_of(&state, &me, Role::Teacher, input.school.as_deref()).await?;
    let new = NewEnrolment::parse(&input, &school)?;
    let record = service::enrol(&state.db, &school, &me.actor(Role::Teacher), new).await?;
    Ok((StatusCode::CREATED, Json(record)))
}

/// Which pupils a class list shows.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClassQuery {
    /// The school year (the one under way if absent).
    #[param(value_type = Option<i64>, minimum = 2000, maximum = 2100)]
    pub school_year: Option<String>,
    /// One class only.
    #[param(schema_with = crate::model::optional_class_schema)]
    pub class_name: Option<String>,
    /// The school, if the teacher teaches at more than one (eight digits).
    #[param(pattern = "^[0-9]{8}$")]
    pub school: Option<String>,
}

/// The school's pupils enrolled in a year (and a class), at most 500, by class and name. The list is a search
/// in the ledger.
pub async fn classes(
    state: &AppState,
    me: &Principal,
    q: &ClassQuery,
) -> AppResult<(School, SchoolYear, Vec<Enrolment>)> {
    let school = school_of(state, me, Role::Teacher, q.school.as_deref()).await?;
    let year = match q.school_year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => y.parse().map_err(|e| EducationError::field("school_year", e))?,
        None => SchoolYear::at(time::OffsetDateTime::now_utc()),
    };
    let class = q.class_name.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let list = service::class_list(&state.db, &school, year, class).await?;
    let event = Event::new(EventKind::RegistrySearched, me.actor(Role::Teacher)).detail(serde_json::json!({
        "school": school.code.to_string(), "school_year": year.start(),
        "class": class.and_then(|c| kernel::free_text::clean(c, 12).ok()), "found": list.len(),
    }));
    state.ledger.record(event).await.map_err(EducationError::from)?;
    Ok((school, year, list))
}

/// A class list of the teacher's school.
#[utoipa::path(get, path = "/education/enrolments", operation_id = "classList", tag = "education",
    security(("bearer" = [])), params(ClassQuery), responses((status = 200, body = Vec<Enrolment>), Forbidden, Invalid))]
pub async fn class_list(
    State(state): State<AppState>,
    Caller(me): Caller,
    Query(q): Query<ClassQuery>,
) -> AppResult<Json<Vec<Enrolment>>> {
    Ok(Json(classes(&state, &me, &q).await?.2))
}

/// The signed-in citizen's own school records and their children's, newest year first.
#[utoipa::path(get, path = "/education/records", operation_id = "myFamilySchoolRecords", tag = "education",
    security(("bearer" = [])), responses((status = 200, body = Vec<SchoolRecord>), Forbidden))]
pub async fn mine(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Json<Vec<SchoolRecord>>> {
    match (me.kind, me.personal_id) {
        (AccountKind::Citizen, Some(pid)) => Ok(Json(service::of_family(&state.db, &pid).await?)),
        _ => Err(AppError::Forbidden),
    }
}

/// A pupil's year of the school record, with every subject's marks and what they add up to (Circular 22/2021):
/// to the pupil and their parents, and to the teachers of the school (a read in the ledger).
#[utoipa::path(get, path = "/education/records/{pupil}/{school_year}", operation_id = "readSchoolRecord",
    tag = "education", security(("bearer" = [])), params(RecordPath),
    responses((status = 200, body = SchoolRecord), NotFound, Invalid))]
pub async fn read(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(at): Path<RecordPath>,
) -> AppResult<Json<SchoolRecord>> {
    Ok(Json(visible(&state, &me, &at).await?))
}

/// Enters a subject's mark for a term (replacing the one before, which the history keeps), by a teacher of the
/// pupil's school; refused once the year is signed (409).
#[utoipa::path(put, path = "/education/records/{pupil}/{school_year}/marks", operation_id = "putMark",
    tag = "education", security(("bearer" = [])), params(RecordPath), request_body = MarkInput,
    responses((status = 200, body = SchoolRecord), Forbidden, NotFound, Conflict, Invalid))]
pub async fn put_mark(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(at): Path<RecordPath>,
    Json(input): Json<MarkInput>,
) -> AppResult<Json<SchoolRecord>> {
    let (school, pupil, year) = school_for(&state, &me, Role::Teacher, &at).await?;
    let (subject, term, mark) = input.parse(&school)?;
    let change = Change::Mark(subject, term, mark);
    Ok(Json(service::change(&state.db, &school, &pupil, year, change, &me.actor(Role::Teacher)).await?))
}

/// Rates the year's conduct and records the half-days absent, by a teacher of the pupil's school.
#[utoipa::path(put, path = "/education/records/{pupil}/{school_year}/conduct", operation_id = "putConduct",
    tag = "education", security(("bearer" = [])), params(RecordPath), request_body = ConductInput,
    responses((status = 200, body = SchoolRecord), Forbidden, NotFound, Conflict, Invalid))]
pub async fn put_conduct(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(at): Path<RecordPath>,
    Json(input): Json<ConductInput>,
) -> AppResult<Json<SchoolRecord>> {
    let (school, pupil, year) = school_for(&state, &me, Role::Teacher, &at).await?;
    let (conduct, absences) = input.parse()?;
    let change = Change::Conduct(conduct, absences);
    Ok(Json(service::change(&state.db, &school, &pupil, year, change, &me.actor(Role::Teacher)).await?))
}

/// The principal signs a complete year: a signed document with a QR that `/verify` accepts offline, in the
/// pupil's documents; the year never changes after. Incomplete or signed already: 409.
#[utoipa::path(post, path = "/education/records/{pupil}/{school_year}/signature", operation_id = "signSchoolRecord",
    tag = "education", security(("bearer" = [])), params(RecordPath),
    responses((status = 200, body = SchoolRecord), Forbidden, NotFound, Conflict, Invalid))]
pub async fn sign(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(at): Path<RecordPath>,
) -> AppResult<Json<SchoolRecord>> {
    let (school, pupil, year) = school_for(&state, &me, Role::Approver, &at).await?;
    let actor = me.actor(Role::Approver);
    Ok(Json(service::sign(&state.db, &state.keyring, &school, &pupil, year, &actor).await?))
}
