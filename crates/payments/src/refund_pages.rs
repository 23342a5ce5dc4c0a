//! `/finance/refunds`: a finance officer finds a paid bill of their agency by its reference and refunds it with
//! the reason ([`crate::refund`]); the latest refunds of their agencies below.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use identity::{Action, Caller, Principal, authorize};
use serde::Deserialize;
use web::csrf::CsrfForm;
use web::error::html;
use web::extract::{Path, Query};
use web::{AppResult, AppState, PageCtx};

use crate::error::PaymentsError;
use crate::model::{BillStatus, Dong};
use crate::refund;
use crate::service::Payments;

/// `/finance/refunds` and `/finance/refunds/{reference}`.
pub fn routes(payments: Payments) -> Router<AppState> {
    Router::new()
        .route("/finance/refunds", get(page))
        .route("/finance/refunds/{reference}", post(submit))
        .layer(Extension(payments))
}

/// The bill found, as the page shows it (no payer: the officer needs the bill, not the person).
struct Found {
    reference: String,
    purpose: String,
    amount: String,
    status: &'static str,
    paid: bool,
    changed: web::page::When,
}

/// A refund made, as the list shows it.
struct Made {
    bill: String,
    reference: String,
    amount: String,
    reason: String,
    actor: String,
    at: web::page::When,
}

#[derive(Template)]
#[template(path = "refunds.html")]
struct RefundsPage {
    page: PageCtx,
    query: String,
    found: Option<Found>,
    problem: Option<String>,
    done: Option<String>,
    reason: String,
    made: Vec<Made>,
}

#[derive(Deserialize)]
struct Lookup {
    #[serde(default)]
    bill: String,
    #[serde(default)]
    done: String,
}

async fn page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Query(lookup): Query<Lookup>,
) -> AppResult<Response> {
    authorize(&me, Action::ReconcilePayments)?;
    let done = lookup.done.parse::<crate::model::BillRef>().ok().map(|r| r.to_string());
    show(&state, page, &me, lookup.bill.trim(), None, done, String::new(), StatusCode::OK).await
}

/// The page with the bill `query` names (if any), a problem and the latest refunds.
#[allow(clippy::too_many_arguments)]
async fn show(
    state: &AppState,
    page: PageCtx,
    me: &Principal,
    query: &str,
    problem: Option<String>,
    done: Option<String>,
    reason: String,
    status: StatusCode,
) -> AppResult<Response> {
    let money = |n: i64| Dong::new(n).map(Dong::display_vi).unwrap_or_else(|_| n.to_string());
    let (found, problem) = if query.is_empty() {
        (None, problem)
    } else {
        match refund::refundable(&state.db, me, query).await {
            Ok(bill) => (
                Some(Found {
                    reference: bill.reference.to_string(),
                    purpose: bill.purpose.clone(),
                    amount: bill.amount.display_vi(),
                    status: crate::pages::status_key(bill.status),
                    paid: bill.status == BillStatus::Paid,
                    changed: page.when(bill.updated_at),
                }),
                problem,
            ),
            Err(PaymentsError::NoBill) => {
                (None, Some(kernel::Localized::message(&PaymentsError::NoBill, page.lang).into_owned()))
            }
            Err(e) => return Err(e.into()),
        }
    };
    let made = refund::recent(&state.db, me)
        .await?
        .into_iter()
        .map(|r| Made {
            bill: r.bill.to_string(),
            reference: r.reference,
            amount: money(r.amount),
            reason: r.reason,
            actor: r.actor,
            at: page.when(r.refunded_at),
        })
        .collect();
    let view = RefundsPage { page, query: query.to_owned(), found, problem, done, reason, made };
    Ok((status, html(&view)).into_response())
}

#[derive(Deserialize)]
struct Asked {
    #[serde(default)]
    reason: String,
}

async fn submit(
    State(state): State<AppState>,
    Extension(payments): Extension<Payments>,
    page: PageCtx,
    Caller(me): Caller,
    Path(reference): Path<String>,
    CsrfForm(form): CsrfForm<Asked>,
) -> AppResult<Response> {
    authorize(&me, Action::ReconcilePayments)?;
    match refund::refund(&state.db, &payments, &me, &reference, &form.reason).await {
        Ok(row) => {
            let to = format!("/finance/refunds?done={}", row.bill);
            Ok((StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response())
        }
        Err(PaymentsError::NoBill) => Err(PaymentsError::NoBill.into()),
        Err(
            e @ (PaymentsError::NotPaid
            | PaymentsError::AlreadyRefunded
            | PaymentsError::ReasonRequired
            | PaymentsError::NoPaymentToRefund
            | PaymentsError::Refund(_)),
        ) => {
            let status = match &e {
                PaymentsError::ReasonRequired => StatusCode::UNPROCESSABLE_ENTITY,
                PaymentsError::Refund(crate::provider::RefundError::Unreachable(_)) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::CONFLICT,
            };
            let problem = kernel::Localized::message(&e, page.lang).into_owned();
            show(&state, page, &me, &reference, Some(problem), None, form.reason, status).await
        }
        Err(e) => Err(e.into()),
    }
}
