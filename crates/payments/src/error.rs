//! The payments' errors, and the one place they become HTTP answers.

use std::borrow::Cow;

use kernel::{Lang, Localized};

use crate::provider::{CallbackError, RefundError};

/// What payments refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum PaymentsError {
    /// No bill has this reference, or it is not the caller's (the same answer, so that references cannot be
    /// probed).
    #[error("no such bill")]
    NoBill,
    /// Only a bill still waiting for payment can be cancelled.
    #[error("the bill is no longer pending")]
    NotPending,
    /// Only a paid bill has a receipt.
    #[error("the bill is not paid")]
    NotPaid,
    /// No held payment has this id among those the caller reviews.
    #[error("no such held payment")]
    NoHeldPayment,
    /// Another official decided this held payment first.
    #[error("someone else decided this payment first")]
    AlreadyDecided,
    /// Another officer refunded this bill first.
    #[error("the bill is already refunded")]
    AlreadyRefunded,
    /// No bank payment applied to this bill is recorded, so no bank can be asked to give it back.
    #[error("no bank payment of this bill is recorded")]
    NoPaymentToRefund,
    /// The bank did not make the refund; nothing was recorded.
    #[error(transparent)]
    Refund(#[from] RefundError),
    /// A decision on a held payment, or a refund, needs its reason.
    #[error("write the reason for the decision")]
    ReasonRequired,
    /// The receipt could not be signed or recorded.
    #[error("receipt: {0}")]
    Credential(#[from] credentials::CredentialError),
    /// A bill's input is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// A callback was refused.
    #[error(transparent)]
    Callback(#[from] CallbackError),
    /// The slice the bill pays for could not take the payment; nothing was written.
    #[error("the paid record could not be moved on: {0}")]
    Listener(anyhow::Error),
    /// The database failed.
    #[error(transparent)]
    Sql(#[from] store::sqlx::Error),
    /// The ledger could not record it, so nothing was written.
    #[error("ledger: {0}")]
    Ledger(#[from] trust::ledger::LedgerError),
    /// A QR code could not be drawn.
    #[error("QR: {0}")]
    Qr(#[from] trust::qr::QrError),
}

impl Localized for PaymentsError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::NoBill, Lang::Vi) => "Không có khoản thu này.".into(),
            (Self::NotPending, Lang::Vi) => "Khoản thu này không còn chờ thanh toán.".into(),
            (Self::NotPaid, Lang::Vi) => "Khoản thu này chưa được thanh toán.".into(),
            (Self::NoHeldPayment, Lang::Vi) => "Không có khoản tiền chờ xử lý này.".into(),
            (Self::AlreadyDecided, Lang::Vi) => "Cán bộ khác vừa xử lý khoản tiền này.".into(),
            (Self::ReasonRequired, Lang::Vi) => "Vui lòng ghi rõ lý do.".into(),
            (Self::AlreadyRefunded, Lang::Vi) => "Khoản thu này đã được hoàn tiền.".into(),
            (Self::NoPaymentToRefund, Lang::Vi) => "Không tìm thấy giao dịch ngân hàng đã nộp khoản thu này.".into(),
            (Self::Refund(RefundError::NotOffered), Lang::Vi) => "Ngân hàng này không nhận yêu cầu hoàn tiền.".into(),
            (Self::Refund(RefundError::Refused(_)), Lang::Vi) => "Ngân hàng từ chối hoàn tiền.".into(),
            (Self::Refund(RefundError::Unreachable(_)), Lang::Vi) => {
                "Chưa liên lạc được với ngân hàng; chưa hoàn tiền. Vui lòng thử lại sau.".into()
            }
            (Self::Credential(_), Lang::Vi) => "Chưa cấp được biên lai điện tử.".into(),
            (Self::Invalid(_), Lang::Vi) => "Thông tin khoản thu không hợp lệ.".into(),
            (Self::Callback(CallbackError::UnknownProvider(_)), Lang::Vi) => "Không có đơn vị thanh toán này.".into(),
            (Self::Callback(_), Lang::Vi) => "Thông báo thanh toán không hợp lệ.".into(),
            (Self::Listener(_) | Self::Sql(_) | Self::Ledger(_) | Self::Qr(_), Lang::Vi) => "Hệ thống gặp lỗi.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

impl From<PaymentsError> for web::AppError {
    fn from(e: PaymentsError) -> Self {
        match e {
            PaymentsError::NoBill
            | PaymentsError::NoHeldPayment
            | PaymentsError::Callback(CallbackError::UnknownProvider(_)) => web::AppError::NotFound,
            PaymentsError::NotPending
            | PaymentsError::NotPaid
            | PaymentsError::AlreadyDecided
            | PaymentsError::AlreadyRefunded
            | PaymentsError::NoPaymentToRefund
            | PaymentsError::Refund(RefundError::NotOffered | RefundError::Refused(_)) => web::AppError::conflict(e),
            PaymentsError::Refund(RefundError::Unreachable(ref why)) => {
                tracing::warn!(error = %why, "refund: the bank did not answer");
                web::AppError::Busy
            }
            PaymentsError::ReasonRequired => web::AppError::invalid("note", e),
            PaymentsError::Invalid(_) => web::AppError::invalid("bill", e),
            PaymentsError::Callback(CallbackError::Body(_)) => web::AppError::bad_request(e),
            PaymentsError::Callback(_) => web::AppError::Unauthenticated,
            other => web::AppError::Internal(other.into()),
        }
    }
}
