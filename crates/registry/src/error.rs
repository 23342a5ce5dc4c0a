//! The registry's errors, and the one place they become HTTP answers.

use std::borrow::Cow;

use kernel::{Lang, Localized, Text};
use web::FieldError;

/// Errors of the registry, mapped to HTTP in one place ([`From`] below).
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Input fields are invalid.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The ID number is already registered.
    #[error("personal ID number already registered")]
    Duplicate,
    /// No such record.
    #[error("not found")]
    NotFound,
    /// The record changed while this change was being made: read it again and retry.
    #[error("the record was changed by someone else meanwhile")]
    Stale,
    /// A referenced household does not exist.
    #[error("no household has code {0}")]
    UnknownHousehold(String),
    /// A database failure.
    #[error(transparent)]
    Sql(#[from] store::sqlx::Error),
    /// The audit ledger could not record the change, so the change was not made.
    #[error("ledger: {0}")]
    Ledger(#[from] trust::ledger::LedgerError),
    /// The citizen is deceased: no new credential is issued.
    #[error("the citizen is deceased")]
    Deceased,
    /// The two cannot marry (Luật Hôn nhân và gia đình 2014, art. 5 and 8).
    #[error(transparent)]
    Marriage(#[from] crate::marriage::MarriageBar),
    /// The temporary residence is barred (Luật Cư trú 2020, art. 27).
    #[error(transparent)]
    Temporary(#[from] crate::residence::TemporaryBar),
    /// A credential could not be signed or recorded.
    #[error("credential: {0}")]
    Credential(#[from] credentials::CredentialError),
}

impl Localized for RegistryError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::Duplicate, Lang::Vi) => "Số định danh cá nhân này đã có trong cơ sở dữ liệu.".into(),
            (Self::NotFound, Lang::Vi) => "Không tìm thấy bản ghi.".into(),
            (Self::Stale, Lang::Vi) => "Bản ghi vừa được người khác thay đổi. Vui lòng tải lại và thử lại.".into(),
            (Self::UnknownHousehold(h), Lang::Vi) => format!("Không có hộ mã {h}.").into(),
            (Self::Invalid(_), Lang::Vi) => "Dữ liệu chưa hợp lệ.".into(),
            (Self::Deceased, Lang::Vi) => "Công dân đã mất: không cấp giấy tờ mới.".into(),
            (Self::Marriage(bar), lang) => bar.message(lang),
            (Self::Temporary(bar), lang) => bar.message(lang),
            (Self::Sql(_) | Self::Ledger(_) | Self::Credential(_), Lang::Vi) => "Hệ thống gặp lỗi.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

impl From<RegistryError> for web::AppError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::Invalid(fields) => web::AppError::Invalid(fields),
            RegistryError::Duplicate | RegistryError::Stale => web::AppError::conflict(e),
            RegistryError::NotFound => web::AppError::NotFound,
            RegistryError::UnknownHousehold(ref h) => {
                web::AppError::invalid("household", Text::new(format!("Không có hộ mã {h}."), e.to_string()))
            }
            RegistryError::Sql(e) => web::AppError::Internal(e.into()),
            RegistryError::Ledger(e) => web::AppError::Internal(e.into()),
            RegistryError::Deceased => web::AppError::Forbidden,
            RegistryError::Marriage(bar) => web::AppError::conflict(bar),
            RegistryError::Temporary(bar) => web::AppError::conflict(bar),
            RegistryError::Credential(e) => e.into(),
        }
    }
}
