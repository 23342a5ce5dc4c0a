//! The finance official's page: reconcile a bank's statement with the recorded payments of their agencies, on
//! screen or as a CSV file.

use askama::Template;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use identity::{Action, Caller, Role, authorize, policy};
use serde::Deserialize;
use web::csrf::CsrfForm;
use web::error::html;
use web::{AppResult, AppState, PageCtx};

use crate::model::Dong;
use crate::reconcile::{self, Reconciled, Verdict};
use crate::service::Payments;

/// `/finance/reconciliation`.
pub fn routes(payments: Payments) -> Router<AppState> {
    Router::new().route("/finance/reconciliation", get(form).post(submit)).layer(Extension(payments))
}

/// A reconciled line as the page shows it.
struct Line {
    row: Reconciled,
    amount: String,
    verdict: &'static str,
}

#[derive(Template)]
#[template(path = "reconciliation.html")]
struct ReconciliationPage {
    page: PageCtx,
    agencies: Vec<String>,
    providers: Vec<String>,
    statement: String,
    lines: Option<Vec<Line>>,
    counts: (usize, usize, usize),
}

fn verdict_key(v: Verdict) -> &'static str {
    match v {
        Verdict::Matched => "payments.finance.matched",
        Verdict::Mismatched => "payments.finance.mismatched",
        Verdict::Unmatched => "payments.finance.unmatched",
    }
}

async fn form(Extension(payments): Extension<Payments>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    authorize(&me, Action::ReconcilePayments)?;
    let agencies = policy::agencies(&me, Role::FinanceOfficer).iter().map(|a| a.to_string()).collect();
    let providers = payments.providers.keys().cloned().collect();
    Ok(html(&ReconciliationPage {
        page,
        agencies,
        providers,
        statement: String::new(),
        lines: None,
        counts: (0, 0, 0),
    }))
}

#[derive(Deserialize)]
struct Submitted {
    provider: String,
    statement: String,
    #[serde(default)]
    export: Option<String>,
}

async fn submit(
    State(state): State<AppState>,
    Extension(payments): Extension<Payments>,
    page: PageCtx,
    Caller(me): Caller,
    CsrfForm(form): CsrfForm<Submitted>,
) -> AppResult<Response> {
    authorize(&me, Action::ReconcilePayments)?;
    let agencies = policy::agencies(&me, Role::FinanceOfficer);
    let lines = reconcile::read_statement(&form.statement)?;
    let rows = reconcile::reconcile(&state.db, &payments.config, &form.provider, lines, &agencies).await?;
    if form.export.is_some() {
        let csv = reconcile::export_csv(&rows);
        let disposition = "attachment; filename=\"doi-soat.csv\"".to_owned();
        return Ok(([(CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (CONTENT_DISPOSITION, disposition)], csv)
            .into_response());
    }
    let count = |v: Verdict| rows.iter().filter(|r| r.verdict == v).count();
    let counts = (count(Verdict::Matched), count(Verdict::Mismatched), count(Verdict::Unmatched));
    let lines = rows
        .into_iter()
        .map(|row| Line {
            amount: Dong::new(row.line.amount).map(Dong::display_vi).unwrap_or_else(|_| row.line.amount.to_string()),
            verdict: verdict_key(row.verdict),
            row,
        })
        .collect();
    Ok(html(&ReconciliationPage {
        page,
        agencies: agencies.iter().map(|a| a.to_string()).collect(),
        providers: payments.providers.keys().cloned().collect(),
        statement: form.statement,
        lines: Some(lines),
        counts,
    }))
}
