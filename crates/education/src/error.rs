//! The education slice's errors, and the one place they become HTTP answers.

use std::borrow::Cow;

use kernel::{Lang, Localized};

use crate::model::{CodeError, SchoolCode};

/// What the education slice refuses or fails with. Every refusal is decided before anything is written.
#[derive(Debug, thiserror::Error)]
pub enum EducationError {
    /// No such record, or not one the caller may see (the same answer).
    #[error("no such school record")]
    NoRecord,
    /// The caller is not a teacher (or, to sign, the principal) of a school that may do this.
    #[error("not a teacher of a school that may do this")]
    NoSchool,
    /// A school with this code is recorded already.
    #[error("school {0} is recorded already")]
    SchoolExists(SchoolCode),
    /// The pupil is not a living person in the population registry.
    #[error("the pupil is not a living person in the population registry")]
    UnknownPupil,
    /// The pupil is enrolled for that year already.
    #[error("the pupil is enrolled for that school year already, at school {0}")]
    Enrolled(SchoolCode),
    /// The principal signed the year's record: nothing in it changes any more.
    #[error("the year's school record is signed; it no longer changes")]
    Signed,
    /// The record lacks a mark or the conduct, so it cannot be signed yet.
    #[error("the record is not complete: every subject needs both terms' marks, at least six scored, and conduct")]
    Incomplete,
    /// One field of the input is wrong.
    #[error("{field}: {error}")]
    Field {
        /// The field, as the client named it.
        field: String,
        /// What is wrong.
        error: FieldProblem,
    },
    /// The database failed.
    #[error(transparent)]
    Sql(#[from] store::sqlx::Error),
    /// The ledger could not record it, so nothing was written.
    #[error("ledger: {0}")]
    Ledger(#[from] trust::ledger::LedgerError),
    /// The signed record could not be made or recorded.
    #[error("credential: {0}")]
    Credential(#[from] credentials::CredentialError),
    /// The population registry could not answer.
    #[error("registry: {0}")]
    Registry(String),
    /// A stored value the slice cannot read.
    #[error("corrupt record: {0}")]
    Corrupt(String),
}

/// What is wrong with one field.
#[derive(Debug, thiserror::Error)]
pub enum FieldProblem {
    /// A code, year, class or mark that is not one.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// A personal ID number that is not one.
    #[error(transparent)]
    PersonalId(#[from] kernel::PersonalIdError),
    /// Free text that cannot be kept.
    #[error(transparent)]
    Text(#[from] kernel::FreeTextError),
    /// A subject the school's level does not teach.
    #[error("the school's level does not teach this subject")]
    NotTaught,
    /// Absences out of range.
    #[error("absences are a whole number of half-days from 0 to 400")]
    Absences,
}

impl Localized for FieldProblem {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::Code(e), _) => e.message(lang),
            (Self::PersonalId(e), _) => e.message(lang),
            (Self::Text(e), _) => e.message(lang),
            (Self::NotTaught, Lang::Vi) => "Cấp học của trường không có môn học này.".into(),
            (Self::Absences, Lang::Vi) => "Số buổi nghỉ là số nguyên từ 0 đến 400.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

impl EducationError {
    /// A problem with `field`.
    pub fn field(field: impl Into<String>, error: impl Into<FieldProblem>) -> EducationError {
        EducationError::Field { field: field.into(), error: error.into() }
    }

    /// The field a refusal of the input is about, if it is about one.
    pub fn field_name(&self) -> Option<&str> {
        Some(match self {
            Self::UnknownPupil | Self::Enrolled(_) => "pupil",
            Self::SchoolExists(_) => "code",
            Self::Field { field, .. } => field,
            _ => return None,
        })
    }
}

impl Localized for EducationError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::NoRecord, Lang::Vi) => "Không có học bạ này.".into(),
            (Self::NoSchool, Lang::Vi) => "Tài khoản không phải giáo viên của một trường được làm việc này.".into(),
            (Self::SchoolExists(code), Lang::Vi) => format!("Trường có mã {code} đã được ghi nhận.").into(),
            (Self::UnknownPupil, Lang::Vi) => "Học sinh không có trong cơ sở dữ liệu dân cư hoặc đã qua đời.".into(),
            (Self::Enrolled(school), Lang::Vi) => {
                format!("Học sinh đã có hồ sơ năm học này tại trường {school}.").into()
            }
            (Self::Signed, Lang::Vi) => "Học bạ năm học đã được hiệu trưởng ký; không sửa được nữa.".into(),
            (Self::Incomplete, Lang::Vi) => "Học bạ chưa đủ: mỗi môn cần điểm hai học kì (ít nhất sáu môn tính \
                điểm) và kết quả rèn luyện cả năm."
                .into(),
            (Self::Field { error, .. }, _) => error.message(lang),
            (Self::Sql(_) | Self::Ledger(_) | Self::Credential(_) | Self::Registry(_) | Self::Corrupt(_), Lang::Vi) => {
                "Đã có lỗi xảy ra.".into()
            }
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

impl From<EducationError> for web::AppError {
    fn from(e: EducationError) -> Self {
        match e {
            EducationError::NoRecord => web::AppError::NotFound,
            EducationError::NoSchool => web::AppError::Forbidden,
            EducationError::Enrolled(_) | EducationError::Signed | EducationError::Incomplete => {
                web::AppError::conflict(e)
            }
            EducationError::Sql(_)
            | EducationError::Ledger(_)
            | EducationError::Credential(_)
            | EducationError::Registry(_)
            | EducationError::Corrupt(_) => web::AppError::Internal(e.into()),
            other => match other.field_name().map(str::to_owned) {
                Some(field) => web::AppError::invalid(&field, other),
                None => web::AppError::bad_request(other),
            },
        }
    }
}
