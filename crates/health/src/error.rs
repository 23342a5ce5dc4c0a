//! The health slice's errors, and the one place they become HTTP answers.

use std::borrow::Cow;

use kernel::{Lang, Localized};

use crate::model::{CodeError, FacilityCode};

/// What the health slice refuses or fails with. Every refusal is decided before anything is written.
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    /// No such prescription, or not one the caller may see (the same answer).
    #[error("no such prescription")]
    NoPrescription,
    /// The caller works at no facility that may do this.
    #[error("not a health worker of a facility that may do this")]
    NoFacility,
    /// A facility with this code is recorded already.
    #[error("facility {0} is recorded already")]
    FacilityExists(FacilityCode),
    /// The patient is not a living person in the population registry.
    #[error("the patient is not a living person in the population registry")]
    UnknownPatient,
    /// A prescription with nothing on it.
    #[error("a prescription needs at least one medicine")]
    NoMedicine,
    /// More medicines than one prescription holds.
    #[error("a prescription holds at most {0} medicines")]
    TooManyMedicines(usize),
    /// Dispensed already: a prescription is dispensed once.
    #[error("dispensed already, by facility {by} at {at}")]
    Dispensed {
        /// The facility that dispensed it.
        by: FacilityCode,
        /// When, Unix seconds.
        at: i64,
    },
    /// Past the days it may be dispensed in.
    #[error("the prescription expired")]
    Expired,
    /// The facility has issued every serial its codes have.
    #[error("the facility has no prescription serial left")]
    Exhausted,
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
    /// The signed document could not be made or recorded.
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
    /// A code that is not one.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// Free text that cannot go on a signed prescription.
    #[error(transparent)]
    Text(#[from] kernel::FreeTextError),
    /// A personal ID number that is not one.
    #[error(transparent)]
    PersonalId(#[from] kernel::PersonalIdError),
    /// A quantity out of range.
    #[error("the quantity is a whole number from 1 to {0}")]
    Quantity(i64),
}

impl Localized for FieldProblem {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::Code(e), _) => e.message(lang),
            (Self::Text(e), _) => e.message(lang),
            (Self::PersonalId(e), _) => e.message(lang),
            (Self::Quantity(max), Lang::Vi) => format!("Số lượng là số nguyên từ 1 đến {max}.").into(),
            (Self::Quantity(_), Lang::En) => self.to_string().into(),
        }
    }
}

impl HealthError {
    /// A problem with `field`.
    pub fn field(field: impl Into<String>, error: impl Into<FieldProblem>) -> HealthError {
        HealthError::Field { field: field.into(), error: error.into() }
    }

    /// The field a refusal of the input is about, if it is about one.
    pub(crate) fn field_name(&self) -> Option<&str> {
        Some(match self {
            Self::UnknownPatient => "patient",
            Self::NoMedicine | Self::TooManyMedicines(_) => "medicines",
            Self::FacilityExists(_) => "code",
            Self::Field { field, .. } => field,
            _ => return None,
        })
    }
}

impl Localized for HealthError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::NoPrescription, Lang::Vi) => "Không có đơn thuốc này.".into(),
            (Self::NoFacility, Lang::Vi) => {
                "Tài khoản không phải nhân viên y tế của một cơ sở được làm việc này.".into()
            }
            (Self::FacilityExists(code), Lang::Vi) => format!("Cơ sở có mã {code} đã được ghi nhận.").into(),
            (Self::UnknownPatient, Lang::Vi) => {
                "Người bệnh không có trong cơ sở dữ liệu dân cư hoặc đã qua đời.".into()
            }
            (Self::NoMedicine, Lang::Vi) => "Đơn thuốc phải có ít nhất một thuốc.".into(),
            (Self::TooManyMedicines(max), Lang::Vi) => format!("Một đơn thuốc có tối đa {max} thuốc.").into(),
            (Self::Dispensed { by, .. }, Lang::Vi) => {
                format!("Đơn thuốc đã được bán, cấp phát (cơ sở {by}); mỗi đơn chỉ được cấp phát một lần.").into()
            }
            (Self::Dispensed { by, .. }, Lang::En) => {
                format!("The prescription was dispensed already (facility {by}); it is dispensed once.").into()
            }
            (Self::Expired, Lang::Vi) => "Đơn thuốc đã hết thời hạn mua, lĩnh thuốc.".into(),
            (Self::Exhausted, Lang::Vi) => "Cơ sở đã dùng hết số đơn thuốc.".into(),
            (Self::Field { error, .. }, _) => error.message(lang),
            (Self::Sql(_) | Self::Ledger(_) | Self::Credential(_) | Self::Registry(_) | Self::Corrupt(_), Lang::Vi) => {
                "Đã có lỗi xảy ra.".into()
            }
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

impl From<HealthError> for web::AppError {
    fn from(e: HealthError) -> Self {
        match e {
            HealthError::NoPrescription => web::AppError::NotFound,
            HealthError::NoFacility => web::AppError::Forbidden,
            HealthError::Dispensed { .. } | HealthError::Expired => web::AppError::conflict(e),
            HealthError::Sql(_)
            | HealthError::Ledger(_)
            | HealthError::Credential(_)
            | HealthError::Registry(_)
            | HealthError::Corrupt(_)
            | HealthError::Exhausted => web::AppError::Internal(e.into()),
            other => match other.field_name().map(str::to_owned) {
                Some(field) => web::AppError::invalid(&field, other),
                None => web::AppError::bad_request(other),
            },
        }
    }
}
