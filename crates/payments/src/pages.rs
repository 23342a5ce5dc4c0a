//! The payer's pages: "Khoản cần thanh toán" (their bills) and each bill with the VietQR that pays it.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use identity::Caller;
use serde::Deserialize;
use trust::ledger::Actor;
use web::csrf::CsrfForm;
use web::error::html;
use web::extract::Path;
use web::page::date;
use web::{AppError, AppResult, AppState, PageCtx};

use crate::api::payer_of;
use crate::error::PaymentsError;
use crate::model::{Bill, BillStatus};
use crate::service::{self, Payments};

/// `/me/payments` and `/thanh-toan/{reference}`.
pub fn routes(payments: Payments) -> Router<AppState> {
    Router::new()
        .route("/me/payments", get(my_bills))
        .route("/thanh-toan/{reference}", get(one_bill))
        .route("/thanh-toan/{reference}/bien-lai", post(receipt))
        .layer(Extension(payments))
}

/// The i18n key of a status's name.
pub(crate) fn status_key(status: BillStatus) -> &'static str {
    match status {
        BillStatus::Pending => "payments.state.pending",
        BillStatus::Paid => "payments.state.paid",
        BillStatus::Expired => "payments.state.expired",
        BillStatus::Cancelled => "payments.state.cancelled",
        BillStatus::Refunded => "payments.state.refunded",
    }
}

/// A bill as the pages show it.
struct Row {
    bill: Bill,
    amount: String,
    status: &'static str,
    due: String,
    pending: bool,
    paid: bool,
}

impl Row {
    fn of(bill: Bill) -> Row {
        Row {
            amount: bill.amount.display_vi(),
            status: status_key(bill.status),
            due: format!("{:02}/{:02}/{}", bill.due.day(), u8::from(bill.due.month()), bill.due.year()),
            pending: bill.status == BillStatus::Pending,
            paid: bill.status == BillStatus::Paid,
            bill,
        }
    }
}

#[derive(Template)]
#[template(path = "my_bills.html")]
struct MyBills {
    page: PageCtx,
    rows: Vec<Row>,
}

async fn my_bills(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    let rows = match payer_of(&me) {
        Ok(payer) => service::bills_of(&state.db, &payer).await?.into_iter().map(Row::of).collect(),
        Err(_) => Vec::new(),
    };
    Ok(html(&MyBills { page, rows }))
}

#[derive(Template)]
#[template(path = "bill.html")]
struct BillPage {
    page: PageCtx,
    row: Row,
    payee: String,
    account: String,
    svg: Option<String>,
    payload: Option<String>,
    history: Vec<(&'static str, String, String)>,
}

fn inline_svg(text: &str) -> Result<String, PaymentsError> {
    let svg = trust::qr::render_svg(text)?;
    Ok(svg.find("<svg").map_or(svg.clone(), |start| svg[start..].to_owned()))
}

async fn one_bill(
    State(state): State<AppState>,
    Extension(payments): Extension<Payments>,
    page: PageCtx,
    Caller(me): Caller,
    Path(reference): Path<String>,
) -> AppResult<Response> {
    let payer = payer_of(&me).map_err(AppError::from)?;
    let bill = service::bill_of(&state.db, &reference, &payer).await?;
    let to = payments.config.account_of(&bill.agency);
    let payload = (bill.status == BillStatus::Pending).then(|| service::vietqr(&payments.config, &bill).encode());
    let svg = payload.as_deref().map(inline_svg).transpose()?;
    let history = service::history(&state.db, &bill.reference)
        .await?
        .into_iter()
        .map(|(status, _, note, at)| (status_key(status), note, date(Some(at))))
        .collect();
    let page = BillPage {
        page,
        payee: to.name.as_str().to_owned(),
        account: format!("{} · {}", to.account, to.bin),
        row: Row::of(bill),
        svg,
        payload,
        history,
    };
    Ok(html(&page))
}

#[derive(Deserialize)]
struct NoFields {}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    page: PageCtx,
    receipt: crate::receipt::Receipt,
    amount: String,
    svg: String,
    id: String,
    kid: String,
    digest: String,
    paid: String,
}

/// Issues the e-receipt of a paid bill and shows it as a page to print (a POST: each one is a new document).
async fn receipt(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(reference): Path<String>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> AppResult<Response> {
    let payer = payer_of(&me).map_err(AppError::from)?;
    let bill = service::bill_of(&state.db, &reference, &payer).await?;
    let actor = Actor::named(&me.username, &me.display_name);
    let (doc, issued) = crate::receipt::issue(&state.db, &state.keyring, &bill, &actor).await?;
    Ok(html(&ReceiptPage {
        page,
        amount: bill.amount.display_vi(),
        svg: inline_svg(&issued.qr_text)?,
        id: issued.id,
        kid: issued.kid,
        digest: hex::encode(doc.digest),
        paid: date(Some(doc.payload.paid_at)),
        receipt: doc.payload,
    }))
}
