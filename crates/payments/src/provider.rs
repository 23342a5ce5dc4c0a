//! Banks and payment gateways as congso hears from them: a [`Provider`] turns a callback's headers and body into
//! a verified [`Notice`], or refuses it. One implementation is here, [`HmacWebhook`]; a bank with another scheme
//! is another implementation, chosen by name in the configuration.
//!
//! [`HmacWebhook`]'s scheme is shaped after two real ones: the body is a PayOS-style webhook (`code`, `desc`,
//! `data` with the bank's `reference`, the `amount`, the order's code — here the bill reference — the
//! beneficiary `accountNumber` and `transactionDateTime`), and the signature is sent in headers as Stripe and
//! Casso's webhooks do: `X-Timestamp` (Unix seconds) and `X-Signature`, the hex HMAC-SHA256 of
//! `"{timestamp}.{body}"` under the shared secret, so that the timestamp cannot be changed without the
//! signature, and a callback replayed outside the window is refused.
//!
//! The other way, congso asks a bank to give a payment back ([`Provider::refund`]): [`HmacWebhook`] posts a
//! [`RefundRequest`] to the bank's refund address signed in the same headers under the same secret, and checks the
//! bank's answer is signed so too (a refund congso records must be the bank's word, not a forger's on the way).
//! The request names its refund by a reference the bank keeps unique, so a request sent again (a timeout, a second
//! officer) is the same refund, made once.

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::config::ProviderConfig;

pub use self::refund::{RefundAnswer, RefundError, RefundFuture, RefundRequest};

mod refund;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-signature";
/// The header carrying the time of signing.
pub const TIMESTAMP_HEADER: &str = "x-timestamp";

/// A bank's report of one transfer, verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The bank's id of the transaction: the key that makes its redelivery harmless.
    pub transaction_id: String,
    /// The bill reference the transfer carried (62.01 of the VietQR).
    pub bill_reference: String,
    /// Whole đồng.
    pub amount: i64,
    /// The beneficiary account credited.
    pub account: String,
    /// When the bank says it was paid, Unix seconds.
    pub paid_at: i64,
}

/// Why a callback is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// No provider has this name.
    #[error("no payment provider is called {0}")]
    UnknownProvider(String),
    /// The signature or timestamp header is missing or malformed.
    #[error("the callback is not signed")]
    Unsigned,
    /// The signature does not match the body and timestamp.
    #[error("the callback's signature is wrong")]
    BadSignature,
    /// Signed too long ago (a replay) or in the future.
    #[error("the callback was signed {0} seconds from now, outside the window")]
    OutsideWindow(i64),
    /// Signed, but not a callback this provider sends.
    #[error("the callback's body is not understood: {0}")]
    Body(String),
}

/// A bank or gateway that calls back.
pub trait Provider: Send + Sync + 'static {
    /// Its name, in the callback's path.
    fn name(&self) -> &str;

    /// The notice a callback carries, if it is this provider's and recent; `now` is Unix seconds.
    fn verify(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<Notice, CallbackError>;

    /// Asks the bank to give a payment it reported back to the payer. By default a bank cannot be asked.
    fn refund<'a>(&'a self, _request: &'a RefundRequest) -> RefundFuture<'a> {
        Box::pin(async { Err(RefundError::NotOffered) })
    }
}

/// The webhook's body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// `00` for a successful transfer.
    #[schema(pattern = "^[0-9]{2}$")]
    pub code: String,
    /// In words.
    #[schema(pattern = "^[ -~]{0,200}$")]
    pub desc: String,
    /// The transfer.
    pub data: WebhookData,
}

/// The transfer a webhook reports.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookData {
    /// The bank's transaction id.
    #[schema(pattern = "^[!-~]{1,64}$")]
    pub reference: String,
    /// The bill reference.
    #[schema(pattern = "^[!-~]{1,64}$")]
    pub order_code: String,
    /// Whole đồng.
    #[schema(minimum = 1, maximum = 9_999_999_999_999_i64)]
    pub amount: i64,
    /// The beneficiary account.
    #[schema(pattern = "^[!-~]{1,19}$")]
    pub account_number: String,
    /// The transfer's description as the payer's bank wrote it.
    #[schema(pattern = "^[ -~]{0,200}$")]
    pub description: String,
    /// Unix seconds.
    #[schema(minimum = 0)]
    pub transaction_date_time: i64,
}

type HmacSha256 = Hmac<Sha256>;

/// The signature of `body` at `timestamp` under `secret`, hex.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac =
        <HmacSha256 as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Checks that `body` came signed under `secret` in `headers` ([`TIMESTAMP_HEADER`], [`SIGNATURE_HEADER`]), at a time
/// within `window` seconds of `now`: a callback to congso, a refund request to the sandbox, and its answer.
pub fn check_signed(
    secret: &[u8],
    window: i64,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<(), CallbackError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let timestamp: i64 = header(TIMESTAMP_HEADER).and_then(|t| t.parse().ok()).ok_or(CallbackError::Unsigned)?;
    let signature = header(SIGNATURE_HEADER).and_then(|s| hex::decode(s).ok()).ok_or(CallbackError::Unsigned)?;
    // `verify_slice` compares in constant time, so the time of a refusal says nothing of how close a guess was.
    mac(secret, timestamp, body).verify_slice(&signature).map_err(|_| CallbackError::BadSignature)?;
    let skew = timestamp.saturating_sub(now);
    if skew.abs() > window {
        return Err(CallbackError::OutsideWindow(skew));
    }
    Ok(())
}

/// Callbacks signed with HMAC-SHA256 under a shared secret (the sandbox bank's, and any gateway of that scheme),
/// and refunds asked of it the same way.
pub struct HmacWebhook {
    config: ProviderConfig,
    http: reqwest::Client,
}

impl HmacWebhook {
    /// The provider these settings describe.
    pub fn new(config: ProviderConfig) -> HmacWebhook {
        // A bank that does not answer in 15 s has not refunded as far as the officer can know; they try again,
        // and the refund's reference makes that the same refund.
        let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(15)).build().unwrap_or_default();
        HmacWebhook { config, http }
    }
}

impl Provider for HmacWebhook {
    fn name(&self) -> &str {
        &self.config.name
    }

    fn verify(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<Notice, CallbackError> {
        check_signed(self.config.secret.as_bytes(), self.config.window_seconds, headers, body, now)?;
        let hook: Webhook = serde_json::from_slice(body).map_err(|e| CallbackError::Body(e.to_string()))?;
        if hook.code != "00" {
            return Err(CallbackError::Body(format!("code {} is not a successful transfer", hook.code)));
        }
        let d = hook.data;
        let printable =
            |s: &str, max: usize| !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_graphic());
        if !printable(&d.reference, 64) || !printable(&d.order_code, 64) || !printable(&d.account_number, 19) {
            return Err(CallbackError::Body("reference, orderCode or accountNumber is malformed".into()));
        }
        if d.amount <= 0 {
            return Err(CallbackError::Body("the amount is not above 0".into()));
        }
        Ok(Notice {
            transaction_id: d.reference,
            bill_reference: d.order_code,
            amount: d.amount,
            account: d.account_number,
            paid_at: d.transaction_date_time,
        })
    }

    fn refund<'a>(&'a self, request: &'a RefundRequest) -> RefundFuture<'a> {
        Box::pin(refund::post(&self.http, &self.config, request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> HmacWebhook {
        HmacWebhook::new(ProviderConfig {
            name: "sandbox".into(),
            secret: "k".repeat(32),
            window_seconds: 300,
            refund_url: None,
        })
    }

    fn body() -> Vec<u8> {
        serde_json::to_vec(&Webhook {
            code: "00".into(),
            desc: "success".into(),
            data: WebhookData {
                reference: "FT1".into(),
                order_code: "TT23456789ABCD".into(),
                amount: 50_000,
                account_number: "0011002345678".into(),
                description: "TT23456789ABCD".into(),
                transaction_date_time: 1_000,
            },
        })
        .unwrap()
    }

    fn headers(timestamp: i64, signature: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(TIMESTAMP_HEADER, timestamp.to_string().parse().unwrap());
        h.insert(SIGNATURE_HEADER, signature.parse().unwrap());
        h
    }

    #[test]
    fn a_signed_recent_callback_is_its_notice() {
        let signature = sign("k".repeat(32).as_bytes(), 1_000, &body());
        let notice = provider().verify(&headers(1_000, &signature), &body(), 1_100).unwrap();
        assert_eq!((notice.transaction_id.as_str(), notice.amount), ("FT1", 50_000));
    }

    #[test]
    fn forged_stale_and_unsigned_callbacks_are_refused() {
        let p = provider();
        let forged = sign(b"another secret of thirty-two bytes", 1_000, &body());
        assert_eq!(p.verify(&headers(1_000, &forged), &body(), 1_000), Err(CallbackError::BadSignature));
        let good = sign("k".repeat(32).as_bytes(), 1_000, &body());
        assert_eq!(p.verify(&headers(1_000, &good), &body(), 1_301), Err(CallbackError::OutsideWindow(-301)));
        // The timestamp is signed: moving it forward breaks the signature.
        assert_eq!(p.verify(&headers(1_300, &good), &body(), 1_301), Err(CallbackError::BadSignature));
        assert_eq!(p.verify(&HeaderMap::new(), &body(), 1_000), Err(CallbackError::Unsigned));
    }
}
