//! Hoàn tiền — asking a bank to give a payment back: the request, the bank's answer, and the HTTP call of
//! [`super::HmacWebhook`].

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

use crate::config::ProviderConfig;

/// A boxed future, so that providers stay trait objects.
pub type RefundFuture<'a> = Pin<Box<dyn Future<Output = Result<RefundAnswer, RefundError>> + Send + 'a>>;

/// What congso asks the bank to give back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundRequest {
    /// The refund's own reference, which the bank keeps unique: the same reference asked twice is one refund.
    pub refund_reference: String,
    /// The bank's id of the transfer being given back.
    pub transaction_reference: String,
    /// Whole đồng.
    pub amount: i64,
    /// Why, in the officer's words.
    pub reason: String,
}

/// The bank's answer: the refund it made (the first time) or had made (each time after).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundAnswer {
    /// The reference congso gave.
    pub refund_reference: String,
    /// The bank's id of the refund.
    pub refund_id: String,
    /// Whole đồng given back.
    pub amount: i64,
    /// When the bank made it, Unix seconds.
    pub refunded_at: i64,
}

/// Why a refund was not made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundError {
    /// This bank cannot be asked for refunds (none is configured).
    #[error("this bank takes no refund requests")]
    NotOffered,
    /// The bank refused (an unknown transfer, another amount, a reference used for another refund).
    #[error("the bank refused the refund: {0}")]
    Refused(String),
    /// The bank could not be reached, or its answer was not its own; nothing is known to have happened.
    #[error("the bank did not answer: {0}")]
    Unreachable(String),
}

/// Posts `request` to the provider's refund address, signed as callbacks are, and reads the signed answer.
pub(super) async fn post(
    http: &reqwest::Client,
    config: &ProviderConfig,
    request: &RefundRequest,
) -> Result<RefundAnswer, RefundError> {
    let url = config.refund_url.as_deref().ok_or(RefundError::NotOffered)?;
    let body = serde_json::to_vec(request).map_err(|e| RefundError::Unreachable(e.to_string()))?;
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = super::sign(config.secret.as_bytes(), timestamp, &body);
    let response = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(super::TIMESTAMP_HEADER, timestamp.to_string())
        .header(super::SIGNATURE_HEADER, signature)
        .body(body)
        .send()
        .await
        .map_err(|e| RefundError::Unreachable(e.to_string()))?;
    let status = response.status();
    let headers = response.headers().clone();
    let answer = response.bytes().await.map_err(|e| RefundError::Unreachable(e.to_string()))?;
    if status.is_client_error() {
        return Err(RefundError::Refused(format!("HTTP {status}: {}", String::from_utf8_lossy(&answer))));
    }
    if !status.is_success() {
        return Err(RefundError::Unreachable(format!("HTTP {status}")));
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    super::check_signed(config.secret.as_bytes(), config.window_seconds, &headers, &answer, now)
        .map_err(|e| RefundError::Unreachable(format!("the answer is not the bank's: {e}")))?;
    let answer: RefundAnswer =
        serde_json::from_slice(&answer).map_err(|e| RefundError::Unreachable(format!("the answer: {e}")))?;
    if answer.refund_reference != request.refund_reference || answer.amount != request.amount {
        return Err(RefundError::Refused("the bank's answer is for another refund".into()));
    }
    Ok(answer)
}
