//! Thanh toán — payments to agencies: bills (khoản thu: a fee, later a hospital bill or a school term) that
//! other slices create through [`service::create_bill_in`] in their own transaction, paid by a dynamic VietQR
//! ([`vietqr`]) that any Vietnamese banking app scans; the bank's callback verified and applied exactly once
//! ([`service::apply`]), the slice the bill pays for told in the same transaction ([`listener::PaidListener`]);
//! a payer's "Khoản cần thanh toán"; the transfers naming no bill, shown to finance officers ([`unmatched`]);
//! and the sandbox bank ([`sandbox`]) that plays a bank for the demo and tests. The beneficiary accounts of agencies and the banks that call back are configuration ([`config`]);
//! a bank is a [`provider::Provider`], which also gives payments back ([`refund`]: hoàn tiền).

web::catalog!();
credentials::document_kind!(receipt::RECEIPT, "payments.receipt");
web::nav_link!("/me/payments", "payments.nav", 20, Citizens);
web::nav_link!("/finance/held", "payments.finance_nav", 30, AnyRole(&["finance_officer"]));
web::nav_link!("/finance/refunds", "payments.refunds_nav", 31, AnyRole(&["finance_officer"]));

pub mod api;
pub mod config;
pub mod error;
pub mod expiry;
pub mod finance;
pub mod listener;
pub mod model;
pub mod pages;
pub mod provider;
pub mod receipt;
pub mod reconcile;
pub mod refund;
pub mod refund_pages;
pub mod review;
pub mod sandbox;
pub mod service;
pub mod store;
pub mod unmatched;
pub mod vietqr;

use axum::Router;
use web::AppState;

pub use config::PaymentsConfig;
pub use listener::{Listeners, PaidListener};
pub use service::Payments;

/// Pages.
pub fn routes(payments: Payments) -> Router<AppState> {
    pages::routes(payments.clone()).merge(finance::routes(payments.clone())).merge(refund_pages::routes(payments))
}

/// Routes under `/api/v1`, with their operations.
pub fn api_routes(payments: Payments) -> web::openapi::ApiRouter {
    use web::openapi::ApiRouterExt;
    api::routes(payments).with_tag("payments", "Bills, VietQR and banks' callbacks")
}
