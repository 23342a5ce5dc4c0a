//! `POST /refunds`: congso asks the sandbox to give a transfer back. The request must be signed with the shared
//! secret as the sandbox signs its callbacks, and recent; the answer is signed the same way, so congso can tell it
//! is the bank's. The refund's reference is unique in the sandbox's database: asked again, the sandbox answers with
//! the refund it made and makes no other.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{Sandbox, store};
use crate::provider::{RefundAnswer, RefundRequest, SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// How old a signed request may be, as congso's own window for callbacks.
const WINDOW_SECONDS: i64 = 300;

pub(super) async fn refund(State(sandbox): State<Sandbox>, headers: HeaderMap, body: Bytes) -> Response {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let secret = sandbox.config.secret.as_bytes();
    if let Err(e) = crate::provider::check_signed(secret, WINDOW_SECONDS, &headers, &body, now) {
        return (StatusCode::UNAUTHORIZED, e.to_string()).into_response();
    }
    let request: RefundRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    let asked = store::refund(
        &sandbox.db,
        &request.refund_reference,
        &request.transaction_reference,
        request.amount,
        &request.reason,
        now,
    )
    .await;
    let made = match asked {
        Ok(store::Refunded::Made(made)) => made,
        Ok(store::Refunded::NoTransfer) => return (StatusCode::NOT_FOUND, "no such transfer").into_response(),
        Ok(store::Refunded::TooMuch) => {
            return (StatusCode::UNPROCESSABLE_ENTITY, "the amount is not 1 to the transfer's").into_response();
        }
        Ok(store::Refunded::Conflict) => {
            return (StatusCode::CONFLICT, "the reference or the transfer is another refund's").into_response();
        }
        Err(e) => return super::pages::fail(e),
    };
    tracing::info!(refund = %made.id, transfer = %made.transfer, "sandbox refund");
    let answer = RefundAnswer {
        refund_reference: made.reference,
        refund_id: made.id,
        amount: made.amount,
        refunded_at: made.refunded_at,
    };
    let Ok(answer) = serde_json::to_vec(&answer) else { return super::pages::fail("the answer could not be written") };
    let signature = crate::provider::sign(secret, now, &answer);
    let headers = [
        (axum::http::header::CONTENT_TYPE, "application/json".to_owned()),
        (HeaderName::from_static(TIMESTAMP_HEADER), now.to_string()),
        (HeaderName::from_static(SIGNATURE_HEADER), signature),
    ];
    (StatusCode::OK, headers, answer).into_response()
}
