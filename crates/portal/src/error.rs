//! The portal's errors, and the one place they become HTTP answers.

use std::borrow::Cow;

use kernel::{Lang, Localized};

/// What the portal refuses or fails with.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// No procedure has this code.
    #[error("no procedure has this code")]
    UnknownProcedure,
    /// No dossier has this code, or none the caller may see.
    #[error("no dossier has this code")]
    UnknownDossier,
    /// No citizen has this personal ID number (at the counter).
    #[error("no citizen in the population registry has this personal ID number")]
    UnknownCitizen,
    /// A receiver filing for a citizen whose dossiers another counter receives.
    #[error("this citizen's dossiers under this procedure are received by another agency's counter")]
    NotYourCounter,
    /// Only citizens open dossiers.
    #[error("only a citizen's account opens dossiers")]
    NotCitizen,
    /// The applicant's account is below the procedure's assurance level.
    #[error("this procedure needs an account at assurance level {0}")]
    Assurance(u8),
    /// A commune- or province-level procedure for someone the registry knows no residence of.
    #[error("the population registry holds no residence for you, so no commune or province can receive this")]
    NoResidence,
    /// The form has problems, each at its field.
    #[error("the form has problems")]
    Invalid(Vec<web::FieldError>),
    /// A kind of paper the procedure does not ask for.
    #[error("this procedure takes no paper of this kind")]
    UnknownPaper,
    /// A required paper is not attached.
    #[error("attach the required paper: {0}")]
    MissingAttachment(String),
    /// The dossier is not where this action applies (a draft cannot be approved, a finished dossier not changed).
    #[error("the dossier is not at a stage where this can be done")]
    WrongStatus,
    /// The step does not offer this action.
    #[error("this step does not allow {0}")]
    ActionNotAllowed(&'static str),
    /// Someone changed the dossier since the caller's page was shown.
    #[error("someone else acted on this dossier first; reload it to see what they did")]
    Stale,
    /// The caller works another step of this dossier than the one it is at.
    #[error("the dossier is at another step now (someone may just have acted on it); reload it")]
    AtAnotherStep,
    /// Refusing or asking for a supplement needs the reason.
    #[error("write the reason for the applicant")]
    NoteRequired,
    /// A note with characters that cannot be kept.
    #[error("the note is too long or holds a character that is not allowed")]
    BadNote,
    /// A rating's comment with characters that cannot be kept.
    #[error("the comment is too long or holds a character that is not allowed")]
    BadComment,
    /// A rating outside 1–5.
    #[error("a rating is 1 to 5")]
    BadRating,
    /// A statistics period that is no period: days not written `YYYY-MM-DD`, or the end before the start.
    #[error("a period runs from one day (YYYY-MM-DD) to the same or a later day")]
    BadPeriod,
    /// The result is not issued (yet).
    #[error("this dossier has no result")]
    NoResult,
    /// A birth registration by someone with no household to register the child in.
    #[error("you have no household of permanent residence to register the child in")]
    NoHousehold,
    /// The stored form lacks a value the outcome needs (the catalogue check makes this a bug).
    #[error("the dossier's form has no valid {0}")]
    MissingValue(&'static str),
    /// A step index outside the procedure (a changed catalogue; a bug).
    #[error("the dossier is at a step its procedure does not have")]
    NoSuchStep,
    /// The catalogue is broken (the start checks it, so this is a bug).
    #[error(transparent)]
    Catalogue(#[from] crate::catalogue::CatalogueError),
    /// The registry refused or failed.
    #[error("registry: {0}")]
    Registry(#[from] registry::error::RegistryError),
    /// The enterprise registry refused or failed (a name taken since submission).
    #[error("enterprise registry: {0}")]
    Enterprise(#[from] enterprise::error::EnterpriseError),
    /// The land registry refused or failed (a mortgage registered since submission).
    #[error("land registry: {0}")]
    Land(#[from] land::error::LandError),
    /// The result could not be signed or recorded.
    #[error("credentials: {0}")]
    Credential(#[from] credentials::CredentialError),
    /// An attachment was refused or could not be stored.
    #[error("file: {0}")]
    File(#[from] files::FileError),
    /// The fee's bill could not be made.
    #[error("payments: {0}")]
    Payments(#[from] payments::error::PaymentsError),
    /// A procedure's fee that is no amount a bill can carry (a catalogue error).
    #[error("the fee: {0}")]
    Fee(String),
    /// A notice could not be queued or sent.
    #[error("notice: {0}")]
    Notice(String),
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
            (Self::UnknownDossier, Lang::Vi) => "Không tìm thấy hồ sơ.".into(),
            (Self::UnknownCitizen, Lang::Vi) => "Không có công dân mang số định danh này.".into(),
            (Self::NotYourCounter, Lang::Vi) => {
                "Hồ sơ thủ tục này của công dân do bộ phận một cửa của cơ quan khác tiếp nhận.".into()
            }
            (Self::NotCitizen, Lang::Vi) => "Chỉ tài khoản công dân mới nộp được hồ sơ.".into(),
            (Self::Assurance(level), Lang::Vi) => format!(
                "Thủ tục này cần tài khoản định danh mức {level}. Vui lòng xác thực trực tiếp tại cơ quan công an."
            )
            .into(),
            (Self::NoResidence, Lang::Vi) => {
                "Cơ sở dữ liệu dân cư chưa có nơi cư trú của bạn, nên chưa xác định được cơ quan tiếp nhận.".into()
            }
            (Self::Invalid(_), Lang::Vi) => "Tờ khai còn thông tin chưa hợp lệ.".into(),
            (Self::UnknownPaper, Lang::Vi) => "Thủ tục này không nhận loại giấy tờ này.".into(),
            (Self::MissingAttachment(what), Lang::Vi) => format!("Vui lòng đính kèm: {what}.").into(),
            (Self::WrongStatus, Lang::Vi) => "Hồ sơ đang ở trạng thái không thực hiện được thao tác này.".into(),
            (Self::ActionNotAllowed(_), Lang::Vi) => "Bước này không cho phép thao tác đó.".into(),
            (Self::Stale, Lang::Vi) => {
                "Cán bộ khác vừa xử lý hồ sơ này. Vui lòng tải lại trang để xem thay đổi.".into()
            }
            (Self::AtAnotherStep, Lang::Vi) => {
                "Hồ sơ đang ở bước khác (có thể cán bộ khác vừa xử lý). Vui lòng tải lại trang.".into()
            }
            (Self::NoteRequired, Lang::Vi) => "Vui lòng ghi rõ lý do để công dân biết.".into(),
            (Self::BadNote | Self::BadComment, Lang::Vi) => "Nội dung quá dài hoặc có ký tự không được phép.".into(),
            (Self::BadRating, Lang::Vi) => "Mức đánh giá từ 1 đến 5.".into(),
            (Self::BadPeriod, Lang::Vi) => {
                "Kỳ thống kê từ một ngày (YYYY-MM-DD) đến cùng ngày đó hoặc ngày sau.".into()
            }
            (Self::NoResult, Lang::Vi) => "Hồ sơ chưa có kết quả.".into(),
            (Self::NoHousehold, Lang::Vi) => "Bạn chưa có hộ thường trú để đăng ký cho trẻ.".into(),
            (Self::Registry(e), lang) => e.message(lang),
            (Self::Enterprise(e), lang) => e.message(lang),
            (Self::Land(e), lang) => e.message(lang),
            (Self::File(e), lang) => e.message(lang),
            (
                Self::MissingValue(_)
                | Self::NoSuchStep
                | Self::Catalogue(_)
                | Self::Credential(_)
                | Self::Notice(_)
                | Self::Payments(_)
                | Self::Fee(_)
                | Self::Sql(_)
                | Self::Ledger(_),
                Lang::Vi,
            ) => "Hệ thống gặp lỗi.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

impl From<PortalError> for web::AppError {
    fn from(e: PortalError) -> Self {
        match e {
            PortalError::UnknownProcedure | PortalError::UnknownDossier => web::AppError::NotFound,
            PortalError::NotCitizen | PortalError::NotYourCounter => web::AppError::Forbidden,
            PortalError::UnknownCitizen => web::AppError::not_found(e),
            PortalError::Invalid(problems) => web::AppError::Invalid(problems),
            PortalError::NoteRequired
            | PortalError::BadNote
            | PortalError::BadComment
            | PortalError::BadRating
            | PortalError::UnknownPaper
            | PortalError::BadPeriod => web::AppError::Invalid(vec![web::FieldError::new(field_of(&e), e)]),
            PortalError::Assurance(_)
            | PortalError::NoResidence
            | PortalError::MissingAttachment(_)
            | PortalError::WrongStatus
            | PortalError::ActionNotAllowed(_)
            | PortalError::Stale
            | PortalError::AtAnotherStep
            | PortalError::NoResult
            | PortalError::NoHousehold => web::AppError::conflict(e),
            PortalError::Registry(e) => match e {
                // An approval whose outcome the registry refuses (the other parent is not registered) is the
                // official's to fix, not a server fault.
                registry::error::RegistryError::NotFound => web::AppError::conflict(e),
                other => other.into(),
            },
            // At approval, a registry's refusal is the official's to see and settle with the applicant; at
            // submission the outcome's check has already named the field.
            PortalError::Enterprise(e) => match e {
                enterprise::error::EnterpriseError::Invalid(problems) => web::AppError::Invalid(problems),
                enterprise::error::EnterpriseError::Closed(_) | enterprise::error::EnterpriseError::Stale => {
                    web::AppError::conflict(e)
                }
                other => web::AppError::Internal(other.into()),
            },
            PortalError::Land(e) => match e {
                land::error::LandError::Sql(_)
                | land::error::LandError::Ledger(_)
                | land::error::LandError::Registry(_) => web::AppError::Internal(e.into()),
                other => web::AppError::conflict(other),
            },
            PortalError::File(e) => match e {
                files::FileError::TooLarge { .. }
                | files::FileError::Empty
                | files::FileError::UnknownType { .. }
                | files::FileError::NotAllowed { .. }
                | files::FileError::Name(_) => web::AppError::Invalid(vec![web::FieldError::new("file", e)]),
                files::FileError::NotFound => web::AppError::NotFound,
                other => web::AppError::Internal(other.into()),
            },
            other => web::AppError::Internal(other.into()),
        }
    }
}

fn field_of(e: &PortalError) -> &'static str {
    match e {
        PortalError::BadRating => "rating",
        PortalError::BadComment => "comment",
        PortalError::UnknownPaper => "kind",
        PortalError::BadPeriod => "from",
        _ => "note",
    }
}
