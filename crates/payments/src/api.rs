//! `/api/v1/payments`: a bank's callbacks, a payer's bills, and a finance officer's refunds.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use identity::Caller;
use serde::{Deserialize, Serialize};
use trust::ledger::{Actor, Event, EventKind};
use utoipa_axum::routes;
use web::extract::{Json, Path};
use web::openapi::{ApiRouter, BadRequest, Busy, Conflict, Forbidden, Invalid, NotFound};
use web::{AppResult, AppState};

use crate::error::PaymentsError;
use crate::model::{Bill, BillStatus, Payer};
use crate::provider::{CallbackError, Webhook};
use crate::service::{self, Applied, Payments};

/// The routes and their operations, relative to `/api/v1`.
pub fn routes(payments: Payments) -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(callback))
        .routes(routes!(my_bills))
        .routes(routes!(one_bill))
        .routes(routes!(refund_bill))
        .layer(Extension(payments))
}

/// A bill as its payer sees it, with the VietQR that pays it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BillView {
    /// Mã thanh toán.
    pub reference: String,
    /// Whole đồng.
    pub amount: u64,
    /// What for.
    pub purpose: String,
    /// The record it pays for, `kind:key` (`dossier:UBND.00070-261201-000042`).
    pub pays_for: String,
    /// The agency paid.
    pub agency: String,
    /// Due date, `YYYY-MM-DD`.
    pub due: String,
    /// Where it is.
    pub status: BillStatus,
    /// The VietQR payload to pay it with, while it is pending.
    pub vietqr: Option<String>,
    /// Created at, Unix seconds.
    pub created_at: i64,
}

impl BillView {
    /// The view of `bill`.
    pub fn of(payments: &Payments, bill: &Bill) -> BillView {
        BillView {
            reference: bill.reference.to_string(),
            amount: bill.amount.get(),
            purpose: bill.purpose.clone(),
            pays_for: format!("{}:{}", bill.pays_for.kind().as_str(), bill.pays_for.key()),
            agency: bill.agency.to_string(),
            due: bill.due.to_string(),
            status: bill.status,
            vietqr: (bill.status == BillStatus::Pending).then(|| service::vietqr(&payments.config, bill).encode()),
            created_at: bill.created_at,
        }
    }
}

/// The payer the caller is: a citizen's account pays as its citizen.
pub(crate) fn payer_of(me: &identity::Principal) -> Result<Payer, PaymentsError> {
    match (me.kind, me.personal_id) {
        (identity::AccountKind::Citizen, Some(id)) => Ok(Payer::Citizen(id)),
        _ => Err(PaymentsError::NoBill),
    }
}

/// A bank reports a transfer. Verified (the HMAC signature over the timestamp and body, the timestamp within the
/// window, then the bill's reference and amount) and applied exactly once: a redelivery answers as the first
/// delivery did. A refused signature is recorded in the ledger.
#[utoipa::path(post, path = "/payments/callbacks/{provider}", operation_id = "paymentCallback", tag = "payments",
    params(("provider" = String, Path, pattern = "^[a-z0-9-]{1,32}$", description = "The bank or gateway")),
    request_body = Webhook,
    responses((status = 200, body = Applied), NotFound, BadRequest))]
pub async fn callback(
    State(state): State<AppState>,
    Extension(payments): Extension<Payments>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<Applied>> {
    let Some(verifier) = payments.providers.get(&provider) else {
        return Err(PaymentsError::from(CallbackError::UnknownProvider(provider)).into());
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let notice = match verifier.verify(&headers, &body, now) {
        Ok(notice) => notice,
        Err(e) => {
            if !matches!(e, CallbackError::Body(_)) {
                let refused = Event::new(EventKind::AccessRefused, Actor::system(&format!("bank:{provider}")))
                    .detail(serde_json::json!({ "action": "payment_callback", "reason": e.to_string() }));
                state.ledger.record(refused).await?;
                tracing::warn!(provider, error = %e, "payment callback refused");
            }
            return Err(PaymentsError::from(e).into());
        }
    };
    Ok(Json(service::apply(&state.db, &payments.listeners, &provider, &notice).await?))
}

/// Khoản cần thanh toán: the caller's bills, newest first.
#[utoipa::path(get, path = "/payments/bills", operation_id = "listMyBills", tag = "payments",
    security(("bearer" = [])), responses((status = 200, body = Vec<BillView>)))]
pub async fn my_bills(
    State(state): State<AppState>,
    Extension(payments): Extension<Payments>,
    Caller(me): Caller,
) -> AppResult<Json<Vec<BillView>>> {
    let bills = match payer_of(&me) {
        Ok(payer) => service::bills_of(&state.db, &payer).await?,
        Err(_) => Vec::new(),
    };
    Ok(Json(bills.iter().map(|b| BillView::of(&payments, b)).collect()))
}

/// One of the caller's bills; another's does not exist for them.
#[utoipa::path(get, path = "/payments/bills/{reference}", operation_id = "getMyBill", tag = "payments",
    security(("bearer" = [])),
    params(("reference" = String, Path, pattern = "^TT[2-9A-HJ-NP-Z]{12}$", description = "Mã thanh toán")),
    responses((status = 200, body = BillView), NotFound))]
pub async fn one_bill(
    State(state): State<AppState>,
    Extension(payments): Extension<Payments>,
    Caller(me): Caller,
    Path(reference): Path<String>,
) -> AppResult<Json<BillView>> {
    let bill = service::bill_of(&state.db, &reference, &payer_of(&me)?).await?;
    Ok(Json(BillView::of(&payments, &bill)))
}

fn refund_reason() -> utoipa::openapi::schema::Object {
    kernel::schema::free_text_schema(500)
}

/// Why a bill is refunded.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundAsked {
    /// The officer's reason (free text, kept in the ledger).
    #[schema(schema_with = refund_reason)]
    pub reason: String,
}

/// A refund made.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RefundView {
    /// The bill refunded.
    pub bill: String,
    /// The refund's reference, as the bank knows it (`HT` and the bill reference's twelve characters).
    pub reference: String,
    /// The bank's id of the refund.
    pub bank_refund_id: String,
    /// Whole đồng given back.
    pub amount: i64,
    /// Refunded at, Unix seconds.
    pub refunded_at: i64,
}

/// Hoàn tiền: a finance officer of the bill's agency refunds a paid bill to its payer, through the bank that took
/// the payment. A bill of another agency does not exist for the caller; one not paid, or refunded already (by
/// another officer at the same moment), is a conflict; a bank that does not answer is 503, and asking again
/// makes the same refund, once.
#[utoipa::path(post, path = "/payments/bills/{reference}/refund", operation_id = "refundBill", tag = "payments",
    security(("bearer" = [])),
    params(("reference" = String, Path, pattern = "^TT[2-9A-HJ-NP-Z]{12}$", description = "Mã thanh toán")),
    request_body = RefundAsked,
    responses((status = 200, body = RefundView), Forbidden, NotFound, Conflict, Invalid, Busy))]
pub async fn refund_bill(
    State(state): State<AppState>,
    Extension(payments): Extension<Payments>,
    Caller(me): Caller,
    Path(reference): Path<String>,
    Json(asked): Json<RefundAsked>,
) -> AppResult<Json<RefundView>> {
    // Someone who is finance officer nowhere is refused; one of another agency finds no such bill.
    identity::authorize(&me, identity::Action::ReconcilePayments)?;
    let row = crate::refund::refund(&state.db, &payments, &me, &reference, &asked.reason).await?;
    Ok(Json(RefundView {
        bill: row.bill.to_string(),
        reference: row.reference,
        bank_refund_id: row.bank_refund_id,
        amount: row.amount,
        refunded_at: row.refunded_at,
    }))
}
