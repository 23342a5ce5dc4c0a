//! The land registry's errors, and the one place they become HTTP answers.

use std::borrow::Cow;

use kernel::{Lang, Localized};

use crate::geometry::GeometryError;
use crate::model::{ModelError, ParcelRef, Share};

/// What the land registry refuses or fails with. Every refusal is decided before anything is written.
#[derive(Debug, thiserror::Error)]
pub enum LandError {
    /// No such parcel, or not one the caller may see (the same answer).
    #[error("no such parcel")]
    NoParcel,
    /// A parcel with this commune, sheet and number is recorded already.
    #[error("parcel {0} is recorded already")]
    Exists(ParcelRef),
    /// The boundary is not a valid polygon.
    #[error(transparent)]
    Geometry(#[from] GeometryError),
    /// The boundary overlaps a recorded parcel's.
    #[error("the boundary overlaps parcel {0}")]
    Overlaps(ParcelRef),
    /// The users' shares add up to more than the whole parcel.
    #[error("the shares add up to more than 100%")]
    SharesOver,
    /// A parcel with no user.
    #[error("a parcel needs at least one land user")]
    NoHolder,
    /// One land user listed twice.
    #[error("a land user is listed twice")]
    DuplicateHolder,
    /// A citizen who is not in the population registry, or has died.
    #[error("the citizen is not a living person in the population registry")]
    UnknownCitizen,
    /// The one who gives does not hold a share of this parcel.
    #[error("the giver does not hold a share of this parcel")]
    NotAHolder,
    /// A transfer of more than the giver holds.
    #[error("the giver holds {held:?}, less than the {asked:?} transferred")]
    ShareExceeded {
        /// What they hold.
        held: Share,
        /// What was to move.
        asked: Share,
    },
    /// A giver who is also the receiver.
    #[error("the giver and the receiver are the same")]
    SameHolder,
    /// A mortgaged parcel cannot be sold or given until the mortgage is released.
    #[error("the parcel is mortgaged")]
    Mortgaged,
    /// No open mortgage with this number on this parcel.
    #[error("no open mortgage with this number on this parcel")]
    NoMortgage,
    /// A certificate serial already issued.
    #[error("certificate serial already issued")]
    CertificateTaken,
    /// Another change of the parcel came first.
    #[error("the parcel changed meanwhile")]
    Stale,
    /// One field of the input is wrong.
    #[error("{field}: {error}")]
    Field {
        /// The field, as the client named it.
        field: &'static str,
        /// What is wrong.
        error: FieldProblem,
    },
    /// The database failed.
    #[error(transparent)]
    Sql(#[from] store::sqlx::Error),
    /// The ledger could not record it, so nothing was written.
    #[error("ledger: {0}")]
    Ledger(#[from] trust::ledger::LedgerError),
    /// The population registry could not answer.
    #[error("registry: {0}")]
    Registry(String),
}

/// What is wrong with one field.
#[derive(Debug, thiserror::Error)]
pub enum FieldProblem {
    /// A value of the model refused it.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Free text that cannot go into the ledger.
    #[error(transparent)]
    Text(#[from] kernel::FreeTextError),
    /// An unknown land-use code.
    #[error(transparent)]
    Purpose(#[from] crate::purpose::UnknownLandUse),
    /// An administrative unit that does not exist.
    #[error(transparent)]
    Unit(#[from] kernel::AdminUnitError),
    /// An agency code that is not one.
    #[error(transparent)]
    Agency(#[from] kernel::AgencyCodeError),
    /// A tax code that is not one.
    #[error(transparent)]
    Tax(#[from] kernel::TaxCodeError),
}

impl Localized for FieldProblem {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match self {
            Self::Model(e) => e.message(lang),
            Self::Text(e) => e.message(lang),
            Self::Purpose(e) => e.message(lang),
            Self::Unit(e) => e.message(lang),
            Self::Agency(e) => e.message(lang),
            Self::Tax(e) => e.message(lang),
        }
    }
}

impl LandError {
    /// A problem with `field`.
    pub fn field(field: &'static str, error: impl Into<FieldProblem>) -> LandError {
        LandError::Field { field, error: error.into() }
    }

    /// The field a refusal of the input is about, if it is about one.
    pub fn field_name(&self) -> Option<&'static str> {
        Some(match self {
            Self::Exists(_) => "number",
            Self::Geometry(_) | Self::Overlaps(_) => "geometry",
            Self::SharesOver | Self::NoHolder | Self::DuplicateHolder => "holders",
            Self::UnknownCitizen => "to",
            Self::NotAHolder | Self::SameHolder => "from",
            Self::ShareExceeded { .. } => "share_bp",
            Self::CertificateTaken => "certificate_number",
            Self::NoMortgage => "mortgage",
            Self::Field { field, .. } => field,
            _ => return None,
        })
    }
}

impl Localized for LandError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::NoParcel, Lang::Vi) => "Không có thửa đất này.".into(),
            (Self::Exists(r), Lang::Vi) => format!("Thửa đất {r} (xã-tờ-thửa) đã được đăng ký.").into(),
            (Self::Geometry(e), _) => e.message(lang),
            (Self::Overlaps(r), Lang::Vi) => format!("Ranh giới chồng lấn lên thửa đất {r} đã đăng ký.").into(),
            (Self::SharesOver, Lang::Vi) => "Tổng phần quyền của những người sử dụng đất vượt quá 100%.".into(),
            (Self::NoHolder, Lang::Vi) => "Thửa đất phải có ít nhất một người sử dụng đất.".into(),
            (Self::DuplicateHolder, Lang::Vi) => "Một người sử dụng đất được ghi hai lần.".into(),
            (Self::UnknownCitizen, Lang::Vi) => {
                "Công dân này không có trong cơ sở dữ liệu dân cư hoặc đã qua đời.".into()
            }
            (Self::NotAHolder, Lang::Vi) => "Bên chuyển không có quyền sử dụng thửa đất này.".into(),
            (Self::ShareExceeded { held, asked }, Lang::Vi) => format!(
                "Bên chuyển chỉ có {} quyền sử dụng thửa đất, không thể chuyển {}.",
                held.display_vi(),
                asked.display_vi()
            )
            .into(),
            (Self::ShareExceeded { held, asked }, Lang::En) => format!(
                "The giver holds {} of the parcel and cannot transfer {}.",
                held.display_vi(),
                asked.display_vi()
            )
            .into(),
            (Self::SameHolder, Lang::Vi) => "Bên chuyển và bên nhận là một.".into(),
            (Self::Mortgaged, Lang::Vi) => {
                "Thửa đất đang thế chấp: không thể chuyển nhượng hoặc tặng cho trước khi xóa đăng ký thế chấp.".into()
            }
            (Self::NoMortgage, Lang::Vi) => "Thửa đất không có khoản thế chấp đang hiệu lực với số này.".into(),
            (Self::CertificateTaken, Lang::Vi) => "Số phát hành giấy chứng nhận này đã được cấp.".into(),
            (Self::Stale, Lang::Vi) => "Thửa đất vừa được thay đổi; xin tải lại và thử lại.".into(),
            (Self::Field { error, .. }, _) => error.message(lang),
            (Self::Sql(_) | Self::Ledger(_) | Self::Registry(_), Lang::Vi) => "Hệ thống gặp lỗi.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

impl From<LandError> for web::AppError {
    fn from(e: LandError) -> Self {
        match e {
            LandError::NoParcel => web::AppError::NotFound,
            LandError::Mortgaged | LandError::Stale => web::AppError::conflict(e),
            LandError::Sql(_) | LandError::Ledger(_) | LandError::Registry(_) => web::AppError::Internal(e.into()),
            other => match other.field_name() {
                Some(field) => web::AppError::invalid(field, other),
                None => web::AppError::bad_request(other),
            },
        }
    }
}
