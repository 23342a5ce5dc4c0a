//! The finance official's pages: reconcile a bank's statement (pasted, or uploaded as the bank's CSV file) with
//! the recorded payments of their agencies, on screen or as a CSV file; decide the payments held for them
//! ([`crate::review`]); see the transfers naming no bill ([`crate::unmatched`]).

use askama::Template;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use identity::{Action, Caller, Role, authorize, policy};
use serde::Deserialize;
use web::csrf::CsrfForm;
use web::error::html;
use web::extract::Path;
use web::{AppError, AppResult, AppState, PageCtx};

use crate::error::PaymentsError;
use crate::model::Dong;
use crate::reconcile::{self, Reconciled, Verdict};
use crate::review::{self, Decision};
use crate::service::Payments;

/// `/finance/reconciliation`, `/finance/held` and `/finance/unmatched`.
pub fn routes(payments: Payments) -> Router<AppState> {
    Router::new()
        .route("/finance/reconciliation", get(form).post(submit))
        .route("/finance/held", get(held_page))
        .route("/finance/held/{id}", post(decide))
        .route("/finance/unmatched", get(unmatched_page))
        .layer(Extension(payments))
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
    #[serde(default)]
    statement: String,
    #[serde(default)]
    export: Option<String>,
}

/// The largest statement file read: a day of a busy account's transfers, a line of about 100 bytes each.
pub const STATEMENT_LIMIT: usize = 1024 * 1024;

/// The form as the page sends it with a file (`multipart/form-data`): the file's text if one was chosen, else the
/// pasted text.
async fn uploaded(request: Request, page: &PageCtx) -> AppResult<Submitted> {
    let form = web::multipart::read(request, STATEMENT_LIMIT).await?;
    form.check_csrf(page)?;
    let file = form.bytes("file");
    let statement = if file.is_empty() {
        form.text("statement")
    } else {
        let text = String::from_utf8(file.to_vec()).map_err(|_| {
            AppError::invalid(
                "file",
                kernel::Text::new(
                    "Tệp sao kê phải là văn bản UTF-8 (CSV).",
                    "The statement file must be UTF-8 text (CSV).",
                ),
            )
        })?;
        // Spreadsheet programs start a UTF-8 CSV with a byte-order mark, which is no part of the first column's name.
        text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text)
    };
    Ok(Submitted {
        provider: form.text("provider"),
        statement,
        export: form.part("export").map(|_| form.text("export")),
    })
}

async fn submit(
    State(state): State<AppState>,
    Extension(payments): Extension<Payments>,
    page: PageCtx,
    Caller(me): Caller,
    request: Request,
) -> AppResult<Response> {
    authorize(&me, Action::ReconcilePayments)?;
    let form = if web::multipart::is_multipart(request.headers()) {
        uploaded(request, &page).await?
    } else {
        CsrfForm::<Submitted>::from_request(request, &state).await?.0
    };
    if form.statement.trim().is_empty() {
        let empty = kernel::Text::new(
            "Chưa có sao kê: dán nội dung hoặc chọn tệp CSV.",
            "No statement: paste it or choose its CSV file.",
        );
        return Err(AppError::invalid("statement", empty));
    }
    let agencies = policy::agencies(&me, Role::FinanceOfficer);
    let lines = reconcile::read_statement(&form.statement)?;
    let rows = reconcile::reconcile(&state.db, &payments.config, &form.provider, lines, &agencies).await?;
    // Only a bank congso knows names the transfers it keeps: an officer cannot invent a bank's records.
    if payments.providers.contains_key(&form.provider) {
        crate::unmatched::record_from_statement(&state.db, &form.provider, &rows, &me).await?;
    }
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

/// A held payment as the page shows it.
struct HeldLine {
    id: i64,
    reference: String,
    purpose: String,
    billed: String,
    paid: String,
    bill_status: &'static str,
    received: web::page::When,
}

#[derive(Template)]
#[template(path = "held.html")]
struct HeldPage {
    page: PageCtx,
    lines: Vec<HeldLine>,
    problem: Option<String>,
}

async fn held_page(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    authorize(&me, Action::ReconcilePayments)?;
    held_list(&state, page, &me, None, StatusCode::OK).await
}

async fn held_list(
    state: &AppState,
    page: PageCtx,
    me: &identity::Principal,
    problem: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let money = |n: i64| Dong::new(n).map(Dong::display_vi).unwrap_or_else(|_| n.to_string());
    let lines = review::held(&state.db, me)
        .await?
        .into_iter()
        .map(|h| HeldLine {
            id: h.id,
            reference: h.bill.1.reference.to_string(),
            purpose: h.bill.1.purpose.clone(),
            billed: h.bill.1.amount.display_vi(),
            paid: money(h.amount),
            bill_status: crate::pages::status_key(h.bill.1.status),
            received: page.when(h.received_at),
        })
        .collect();
    Ok((status, html(&HeldPage { page, lines, problem })).into_response())
}

#[derive(Deserialize)]
struct Decided {
    decision: String,
    #[serde(default)]
    note: String,
}

async fn decide(
    State(state): State<AppState>,
    Extension(payments): Extension<Payments>,
    page: PageCtx,
    Caller(me): Caller,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<Decided>,
) -> AppResult<Response> {
    authorize(&me, Action::ReconcilePayments)?;
    let decision = match form.decision.as_str() {
        "accept" => Decision::Accept,
        "return" => Decision::Return,
        _ => return Err(AppError::bad_request(kernel::Text::new("Quyết định không hợp lệ.", "Unknown decision."))),
    };
    match review::decide(&state.db, &payments.listeners, &me, id, decision, &form.note).await {
        Ok(()) => Ok((StatusCode::SEE_OTHER, [(LOCATION, "/finance/held")]).into_response()),
        Err(e @ (PaymentsError::NotPending | PaymentsError::AlreadyDecided | PaymentsError::ReasonRequired)) => {
            let status = match e {
                PaymentsError::ReasonRequired => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            let problem = kernel::Localized::message(&e, page.lang).into_owned();
            held_list(&state, page, &me, Some(problem), status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A transfer naming no bill, as the page shows it.
struct UnmatchedLine {
    transaction_id: String,
    provider: String,
    reference: String,
    amount: String,
    account: String,
    from_statement: bool,
    recorded_by: String,
    paid: web::page::When,
    received: web::page::When,
}

#[derive(Template)]
#[template(path = "unmatched.html")]
struct UnmatchedPage {
    page: PageCtx,
    lines: Vec<UnmatchedLine>,
}

async fn unmatched_page(
    State(state): State<AppState>,
    Extension(payments): Extension<Payments>,
    page: PageCtx,
    Caller(me): Caller,
) -> AppResult<Response> {
    authorize(&me, Action::ReconcilePayments)?;
    let money = |n: i64| Dong::new(n).map(Dong::display_vi).unwrap_or_else(|_| n.to_string());
    let lines = crate::unmatched::listed(&state.db, &payments.config, &me)
        .await?
        .into_iter()
        .map(|u| UnmatchedLine {
            amount: money(u.amount),
            account: u.account.clone().unwrap_or_default(),
            from_statement: u.source == "statement",
            recorded_by: u.recorded_by.clone().unwrap_or_default(),
            paid: page.when(u.paid_at),
            received: page.when(u.received_at),
            transaction_id: u.transaction_id,
            provider: u.provider,
            reference: u.reference,
        })
        .collect();
    Ok(html(&UnmatchedPage { page, lines }))
}
