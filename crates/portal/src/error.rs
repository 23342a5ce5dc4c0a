//! The portal's errors, and the one place they become HTTP answers.

use std::borrow::Cow;

use kernel::{Lang, Localized};

/// What the portal refuses or fails with.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// No procedure has this code.
    #[error("no procedure has this code")]
    UnknownProcedure,
    /// Only citizens open dossiers.
    #[error("only a citizen's account opens dossiers")]
    NotCitizen,
    /// The applicant's account is below the procedure's assurance level.
    #[error("this procedure needs an account at assurance level {0}")]
    Assurance(u8),
    /// A commune- or province-level procedure for someone the registry knows no residence of.
    #[error("the population registry holds no residence for you, so no commune or province can receive this")]
    NoResidence,
    /// The catalogue is broken (the start checks it, so this is a bug).
    #[error(transparent)]
    Catalogue(#[from] crate::catalogue::CatalogueError),
    /// The registry failed.
    #[error("registry: {0}")]
    Registry(#[from] registry::error::RegistryError),
    /// The database failed.
    #[error(transparent)]
    Sql(#[from] store::sqlx::Error),
    /// The ledger could not record it, so nothing was written.
    #[error("ledger: {0}")]
    Ledger(#[from] trust::ledger::LedgerError),
}

impl Localized for PortalError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::UnknownProcedure, Lang::Vi) => "Không có thủ tục này.".into(),
            (Self::NotCitizen, Lang::Vi) => "Chỉ tài khoản công dân mới nộp được hồ sơ.".into(),
            (Self::Assurance(level), Lang::Vi) => format!(
                "Thủ tục này cần tài khoản định danh mức {level}. Vui lòng xác thực trực tiếp tại cơ quan công an."
            )
            .into(),
            (Self::NoResidence, Lang::Vi) => {
                "Cơ sở dữ liệu dân cư chưa có nơi cư trú của bạn, nên chưa xác định được cơ quan tiếp nhận.".into()
            }
            (Self::Catalogue(_) | Self::Registry(_) | Self::Sql(_) | Self::Ledger(_), Lang::Vi) => {
                "Hệ thống gặp lỗi.".into()
            }
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

impl From<PortalError> for web::AppError {
    fn from(e: PortalError) -> Self {
        match e {
            PortalError::UnknownProcedure => web::AppError::NotFound,
            PortalError::NotCitizen => web::AppError::Forbidden,
            PortalError::Assurance(_) | PortalError::NoResidence => web::AppError::conflict(e),
            PortalError::Registry(e) => e.into(),
            other => web::AppError::Internal(other.into()),
        }
    }
}
