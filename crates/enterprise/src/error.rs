//! The enterprise registry's errors, and the one place they become HTTP answers.

use std::borrow::Cow;

use kernel::{Lang, Localized};
use web::FieldError;

use crate::model::Status;

/// Errors of the enterprise registry, mapped to HTTP in one place ([`From`] below).
#[derive(Debug, thiserror::Error)]
pub enum EnterpriseError {
    /// Input fields are invalid, each with its message; nothing was written.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// No such enterprise (or not one the caller may see).
    #[error("not found")]
    NotFound,
    /// The record changed while this change was being made: read it again and retry.
    #[error("the record was changed by someone else meanwhile")]
    Stale,
    /// The enterprise's status does not allow this change (a dissolved enterprise's office does not move).
    #[error("an enterprise that is {0:?} cannot be changed so")]
    Closed(Status),
    /// Every ten-digit code of this prefix has been issued.
    #[error("no tax code is left to issue under prefix {0}")]
    Exhausted(String),
    /// A database failure.
    #[error(transparent)]
    Sql(#[from] store::sqlx::Error),
    /// The audit ledger could not record the change, so the change was not made.
    #[error("ledger: {0}")]
    Ledger(#[from] trust::ledger::LedgerError),
    /// The population registry failed to answer.
    #[error("population registry: {0}")]
    Registry(registry::error::RegistryError),
}

impl Localized for EnterpriseError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::Invalid(_), Lang::Vi) => "Dữ liệu chưa hợp lệ.".into(),
            (Self::NotFound, Lang::Vi) => "Không tìm thấy doanh nghiệp.".into(),
            (Self::Stale, Lang::Vi) => {
                "Hồ sơ doanh nghiệp vừa được người khác thay đổi. Vui lòng tải lại và thử lại.".into()
            }
            (Self::Closed(_), Lang::Vi) => "Tình trạng hiện tại của doanh nghiệp không cho phép thay đổi này.".into(),
            (Self::Exhausted(_), Lang::Vi) => "Đã hết mã số thuế để cấp cho tỉnh này.".into(),
            (Self::Sql(_) | Self::Ledger(_) | Self::Registry(_), Lang::Vi) => "Hệ thống gặp lỗi.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

impl From<EnterpriseError> for web::AppError {
    fn from(e: EnterpriseError) -> Self {
        match e {
            EnterpriseError::Invalid(fields) => web::AppError::Invalid(fields),
            EnterpriseError::NotFound => web::AppError::NotFound,
            EnterpriseError::Stale | EnterpriseError::Closed(_) => web::AppError::conflict(e),
            EnterpriseError::Exhausted(_) => web::AppError::Internal(e.into()),
            EnterpriseError::Sql(e) => web::AppError::Internal(e.into()),
            EnterpriseError::Ledger(e) => web::AppError::Internal(e.into()),
            EnterpriseError::Registry(e) => web::AppError::Internal(e.into()),
        }
    }
}
