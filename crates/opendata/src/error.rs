//! The open-data slice's errors, and the one place they become HTTP answers (the CKAN API has its own envelope,
//! in [`crate::ckan`]).

use std::borrow::Cow;

use kernel::{Lang, Localized};

/// What the open-data slice refuses or fails with.
#[derive(Debug, thiserror::Error)]
pub enum OpenDataError {
    /// No dataset or resource by that name.
    #[error("no such dataset or resource")]
    NotFound,
    /// The database failed.
    #[error(transparent)]
    Sql(#[from] store::sqlx::Error),
    /// A slice could not give its figures.
    #[error("{0}")]
    Slice(String),
    /// A stored snapshot the slice cannot read.
    #[error("corrupt snapshot: {0}")]
    Corrupt(String),
}

impl Localized for OpenDataError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::NotFound, Lang::Vi) => "Không có bộ dữ liệu hoặc tài nguyên này.".into(),
            (Self::Sql(_) | Self::Slice(_) | Self::Corrupt(_), Lang::Vi) => "Đã có lỗi xảy ra.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

impl From<OpenDataError> for web::AppError {
    fn from(e: OpenDataError) -> Self {
        match e {
            OpenDataError::NotFound => web::AppError::NotFound,
            OpenDataError::Sql(_) | OpenDataError::Slice(_) | OpenDataError::Corrupt(_) => {
                web::AppError::Internal(e.into())
            }
        }
    }
}

/// A slice's error, kept as text: the figures failed, whichever slice's they were.
pub(crate) fn slice(e: impl std::fmt::Display) -> OpenDataError {
    OpenDataError::Slice(e.to_string())
}
