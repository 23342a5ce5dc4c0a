//! The pages: a school's (`/giao-duc`: the class list, enrolling a pupil, a pupil's year with its marks, conduct
//! and the principal's signature) and a family's (`/me/education`), each signed year with its QR.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::policy::agencies_of;
use identity::{AccountKind, Caller, Principal, Role};
use kernel::{Lang, Localized};
use web::csrf::CsrfForm;
use web::error::html;
use web::extract::{Path, Query};
use web::{AppError, AppResult, AppState, PageCtx};

use crate::api::{ClassQuery, RecordPath, classes, school_of, visible};
use crate::assessment::{SchoolRecord, Title};
use crate::error::EducationError;
use crate::model::{Enrolment, School, SchoolYear};
use crate::service::{self, Change, ConductInput, EnrolInput, MarkInput, NewEnrolment};
use crate::subject::{Mark, Rating, Subject};

/// The pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/giao-duc", get(office).post(enrol))
        .route("/giao-duc/hoc-ba/{pupil}/{school_year}", get(show))
        .route("/giao-duc/hoc-ba/{pupil}/{school_year}/diem", post(mark))
        .route("/giao-duc/hoc-ba/{pupil}/{school_year}/ren-luyen", post(conduct))
        .route("/giao-duc/hoc-ba/{pupil}/{school_year}/ky", post(sign))
        .route("/me/education", get(mine))
}

/// A mark as the school record prints it: `8,5` in Vietnamese, `8.5` in English; `Đ` and `CĐ` for comments.
fn shown(mark: &Option<Mark>, lang: Lang) -> String {
    match (mark, lang) {
        (None, _) => String::new(),
        (Some(Mark::Score(_)), Lang::Vi) => mark.map(|m| m.to_string().replace('.', ",")).unwrap_or_default(),
        (Some(Mark::Passed), Lang::Vi) => "Đ".into(),
        (Some(Mark::NotPassed), Lang::Vi) => "CĐ".into(),
        (Some(m), Lang::En) => m.to_string(),
    }
}

/// A pupil's year as a page shows it.
pub struct View {
    /// The record.
    pub r: SchoolRecord,
    /// Its QR as an inline SVG, once signed.
    pub qr: Option<String>,
    lang: Lang,
}

impl View {
    fn of(r: SchoolRecord, lang: Lang) -> AppResult<View> {
        let qr = match &r.enrolment.qr_text {
            Some(text) => {
                let svg = trust::qr::render_svg(text).map_err(|e| AppError::Internal(e.into()))?;
                Some(svg.find("<svg").map_or(svg.clone(), |start| svg[start..].to_owned()))
            }
            None => None,
        };
        Ok(View { r, qr, lang })
    }

    /// The record page's path.
    pub fn path(&self) -> String {
        let e = &self.r.enrolment;
        format!("/giao-duc/hoc-ba/{}/{}", e.pupil, e.school_year.start())
    }

    /// A mark, printed.
    pub fn mark(&self, m: &Option<Mark>) -> String {
        shown(m, self.lang)
    }

    /// A subject's name.
    pub fn subject(&self, s: &Subject) -> &'static str {
        s.name(self.lang)
    }

    /// The interface key of a rating, or of "not yet".
    pub fn rating_key(&self, r: &Option<Rating>) -> String {
        r.map_or("education.pending".into(), |r| format!("education.rating.{}", r.as_str()))
    }

    /// The interface key of promotion, or of "not yet".
    pub fn promoted_key(&self) -> &'static str {
        match self.r.promoted {
            None => "education.pending",
            Some(true) => "education.promoted",
            Some(false) => "education.not_promoted",
        }
    }

    /// The interface key of the year's title, if it earned one.
    pub fn title_key(&self) -> Option<&'static str> {
        self.r.title.map(|t| match t {
            Title::Excellent => "education.title.excellent",
            Title::Good => "education.title.good",
        })
    }
}

#[derive(Template)]
#[template(path = "education_office.html")]
struct OfficePage {
    page: PageCtx,
    school: School,
    year: SchoolYear,
    years: Vec<SchoolYear>,
    class_name: String,
    pupils: Vec<Enrolment>,
    grades: Vec<u8>,
    filled: HashMap<String, String>,
    problem: Option<String>,
}

impl OfficePage {
    fn filled(&self, name: &str) -> &str {
        self.filled.get(name).map_or("", String::as_str)
    }
}

async fn office_page(
    state: &AppState,
    page: PageCtx,
    me: &Principal,
    q: ClassQuery,
    filled: HashMap<String, String>,
    problem: Option<String>,
) -> AppResult<Response> {
    let (school, year, pupils) = classes(state, me, &q).await?;
    let now = SchoolYear::at(time::OffsetDateTime::now_utc()).start();
    let years = [now - 1, now, now + 1].into_iter().filter_map(|y| SchoolYear::try_from(i64::from(y)).ok()).collect();
    let grades = school.level.grades().collect();
    let class_name = q.class_name.unwrap_or_default();
    Ok(html(&OfficePage { page, school, year, years, class_name, pupils, grades, filled, problem }))
}

async fn office(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Query(q): Query<ClassQuery>,
) -> AppResult<Response> {
    office_page(&state, page, &me, q, HashMap::new(), None).await
}

/// Whether a refusal is about what was typed, to show on the form, rather than an answer of its own.
fn about_input(e: &EducationError) -> bool {
    matches!(
        e,
        EducationError::Field { .. }
            | EducationError::UnknownPupil
            | EducationError::Enrolled(_)
            | EducationError::Signed
            | EducationError::Incomplete
    )
}

fn problem(e: &EducationError, lang: Lang) -> String {
    match e.field_name() {
        Some(field) => format!("{field}: {}", e.message(lang)),
        None => e.message(lang).into_owned(),
    }
}

async fn enrol(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    CsrfForm(fields): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let school = school_of(&state, &me, Role::Teacher, None).await?;
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    // An unreadable number is zero, which the rules refuse at its field.
    let input = EnrolInput {
        pupil: field("pupil"),
        school_year: field("school_year").trim().parse().unwrap_or(0),
        grade: field("grade").trim().parse().unwrap_or(0),
        class_name: field("class_name"),
        school: None,
    };
    let enrolled = match NewEnrolment::parse(&input, &school) {
        Ok(new) => service::enrol(&state.db, &school, &me.actor(Role::Teacher), new).await,
        Err(e) => Err(e),
    };
    match enrolled {
        Ok(r) => {
            let e = &r.enrolment;
            Ok(Redirect::to(&format!("/giao-duc/hoc-ba/{}/{}", e.pupil, e.school_year.start())).into_response())
        }
        Err(e) if about_input(&e) => {
            let q = ClassQuery { school_year: Some(field("school_year")), ..ClassQuery::default() };
            let problem = Some(problem(&e, page.lang));
            office_page(&state, page, &me, q, fields, problem).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "school_record.html")]
struct RecordPage {
    page: PageCtx,
    v: View,
    /// Whether the reader teaches at the school (the forms), and whether they sign for it.
    teacher: bool,
    principal: bool,
    subjects: Vec<Subject>,
    ratings: [Rating; 4],
    problem: Option<String>,
}

async fn record_page(
    state: &AppState,
    page: PageCtx,
    me: &Principal,
    at: &RecordPath,
    problem: Option<String>,
) -> AppResult<Response> {
    let r = visible(state, me, at).await?;
    let agency = r.enrolment.school.agency();
    let teacher = agencies_of(me, Role::Teacher).contains(&agency);
    let principal = teacher && agencies_of(me, Role::Approver).contains(&agency);
    let level = service::enrolled_at(&state.db, &r.enrolment.pupil, r.enrolment.school_year).await?.level;
    let subjects = Subject::ALL.iter().copied().filter(|s| s.taught_at(level)).collect();
    let v = View::of(r, page.lang)?;
    Ok(html(&RecordPage { page, v, teacher, principal, subjects, ratings: Rating::ALL, problem }))
}

async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(at): Path<RecordPath>,
) -> AppResult<Response> {
    record_page(&state, page, &me, &at, None).await
}

/// Applies a change from one of the record page's forms: back to the page, with the problem if it was refused.
async fn changed(
    state: &AppState,
    page: PageCtx,
    me: &Principal,
    at: RecordPath,
    done: Result<SchoolRecord, EducationError>,
) -> AppResult<Response> {
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/giao-duc/hoc-ba/{}/{}", at.pupil, at.school_year)).into_response()),
        Err(e) if about_input(&e) => {
            let problem = Some(problem(&e, page.lang));
            record_page(state, page, me, &at, problem).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn teacher_school(state: &AppState, me: &Principal, role: Role, at: &RecordPath) -> AppResult<School> {
    let (pupil, year) = at.parse()?;
    let school = service::enrolled_at(&state.db, &pupil, year).await?;
    school_of(state, me, role, Some(&school.code.to_string())).await.map_err(|_| AppError::NotFound)
}

async fn mark(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(at): Path<RecordPath>,
    CsrfForm(fields): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let school = teacher_school(&state, &me, Role::Teacher, &at).await?;
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let input =
        MarkInput { subject: field("subject"), term: field("term").trim().parse().unwrap_or(0), mark: field("mark") };
    let done = match (input.parse(&school), at.parse()) {
        (Ok((subject, term, mark)), Ok((pupil, year))) => {
            let change = Change::Mark(subject, term, mark);
            service::change(&state.db, &school, &pupil, year, change, &me.actor(Role::Teacher)).await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    changed(&state, page, &me, at, done).await
}

async fn conduct(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(at): Path<RecordPath>,
    CsrfForm(fields): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let school = teacher_school(&state, &me, Role::Teacher, &at).await?;
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let input = ConductInput { conduct: field("conduct"), absences: field("absences").trim().parse().unwrap_or(-1) };
    let done = match (input.parse(), at.parse()) {
        (Ok((conduct, absences)), Ok((pupil, year))) => {
            let change = Change::Conduct(conduct, absences);
            service::change(&state.db, &school, &pupil, year, change, &me.actor(Role::Teacher)).await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    changed(&state, page, &me, at, done).await
}

async fn sign(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(at): Path<RecordPath>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let school = teacher_school(&state, &me, Role::Approver, &at).await?;
    let (pupil, year) = at.parse()?;
    let done = service::sign(&state.db, &state.keyring, &school, &pupil, year, &me.actor(Role::Approver)).await;
    changed(&state, page, &me, at, done).await
}

#[derive(Template)]
#[template(path = "my_education.html")]
struct MyEducation {
    page: PageCtx,
    records: Vec<View>,
}

async fn mine(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    let mut records = Vec::new();
    if let (AccountKind::Citizen, Some(pid)) = (me.kind, me.personal_id) {
        for r in service::of_family(&state.db, &pid).await? {
            records.push(View::of(r, page.lang)?);
        }
    }
    Ok(html(&MyEducation { page, records }))
}
