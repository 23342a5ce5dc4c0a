//! The sandbox's pages: paste or upload a VietQR, see what it pays, pay; a transfer's callback; a day's statement;
//! and the refunds congso asks for ([`super::refunds`]).

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Path, Request, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Sandbox, store};
use crate::vietqr::VietQr;

/// The largest photo of a QR code accepted.
const UPLOAD_LIMIT: usize = 8 * 1024 * 1024;

pub(super) fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/parse", post(parse))
        .route("/pay", post(pay))
        .route("/transfers/{reference}", get(transfer))
        .route("/statements/{day}", get(statement))
        .route("/refunds", post(super::refunds::refund))
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
        .with_state(sandbox)
}

fn page(template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => fail(e),
    }
}

pub(super) fn fail(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "sandbox bank");
    (StatusCode::INTERNAL_SERVER_ERROR, "sandbox bank: internal error").into_response()
}

#[derive(Template)]
#[template(path = "sandbox_home.html")]
struct Home {
    error: Option<String>,
    today: String,
}

fn today() -> String {
    time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)).date().to_string()
}

async fn home() -> Response {
    page(&Home { error: None, today: today() })
}

#[derive(Template)]
#[template(path = "sandbox_confirm.html")]
struct Confirm {
    qr: VietQr,
    payload: String,
}

/// Reads the pasted payload, or the uploaded image's QR code.
async fn submitted(request: Request) -> Result<String, String> {
    let content_type = request.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let bytes = axum::body::to_bytes(request.into_body(), UPLOAD_LIMIT).await.map_err(|e| e.to_string())?;
    if !content_type.starts_with("multipart/form-data") {
        #[derive(Deserialize)]
        struct Pasted {
            payload: String,
        }
        let form: Pasted = serde_urlencoded::from_bytes(&bytes).map_err(|e| e.to_string())?;
        return Ok(form.payload.trim().to_owned());
    }
    let boundary = multer::parse_boundary(&content_type).map_err(|e| e.to_string())?;
    let stream = futures_stream(bytes);
    let mut form = multer::Multipart::new(stream, boundary);
    let (mut payload, mut image) = (String::new(), Vec::new());
    while let Some(field) = form.next_field().await.map_err(|e| e.to_string())? {
        let name = field.name().unwrap_or_default().to_owned();
        let data = field.bytes().await.map_err(|e| e.to_string())?;
        match name.as_str() {
            "payload" => payload = String::from_utf8_lossy(&data).trim().to_owned(),
            "image" => image = data.to_vec(),
            _ => {}
        }
    }
    if payload.is_empty() && !image.is_empty() {
        // Decoding a photo is CPU work: off the async threads.
        let decoded = tokio::task::spawn_blocking(move || trust::qr::decode_image(&image)).await;
        return decoded.map_err(|e| e.to_string())?.map_err(|e| format!("no QR code could be read: {e}"));
    }
    Ok(payload)
}

fn futures_stream(
    bytes: axum::body::Bytes,
) -> impl futures_util::Stream<Item = Result<axum::body::Bytes, std::io::Error>> + Send {
    futures_util::stream::once(async move { Ok(bytes) })
}

async fn parse(request: Request) -> Response {
    let payload = match submitted(request).await {
        Ok(p) => p,
        Err(e) => return page(&Home { error: Some(e), today: today() }),
    };
    match VietQr::parse(&payload) {
        Ok(qr) => page(&Confirm { qr, payload }),
        Err(e) => page(&Home { error: Some(format!("Không phải mã VietQR / not a VietQR: {e}")), today: today() }),
    }
}

#[derive(Deserialize)]
struct PayForm {
    payload: String,
    amount: i64,
}

async fn pay(State(sandbox): State<Sandbox>, Form(form): Form<PayForm>) -> Response {
    let qr = match VietQr::parse(&form.payload) {
        Ok(qr) => qr,
        Err(e) => return page(&Home { error: Some(e.to_string()), today: today() }),
    };
    if form.amount <= 0 {
        return page(&Home {
            error: Some("Số tiền phải lớn hơn 0 / the amount must be above 0".into()),
            today: today(),
        });
    }
    match sandbox.pay(&qr, form.amount).await {
        Ok(t) => (StatusCode::SEE_OTHER, [(LOCATION, format!("/transfers/{}", t.reference))]).into_response(),
        Err(e) => fail(e),
    }
}

#[derive(Template)]
#[template(path = "sandbox_transfer.html")]
struct TransferPage {
    transfer: store::Transfer,
    attempts: i64,
    delivered: bool,
    last_error: String,
}

async fn transfer(State(sandbox): State<Sandbox>, Path(reference): Path<String>) -> Response {
    match store::transfer(&sandbox.db, &reference).await {
        Ok(Some((transfer, attempts, delivered, last_error))) => page(&TransferPage {
            transfer,
            attempts,
            delivered: delivered.is_some(),
            last_error: last_error.unwrap_or_default(),
        }),
        Ok(None) => (StatusCode::NOT_FOUND, "no such transfer").into_response(),
        Err(e) => fail(e),
    }
}

/// `/statements/YYYY-MM-DD.csv`: the transfers of that day (Vietnam's time), as a bank's statement file.
async fn statement(State(sandbox): State<Sandbox>, Path(day): Path<String>) -> Response {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let Some(date) = day.strip_suffix(".csv").and_then(|d| time::Date::parse(d, format).ok()) else {
        return (StatusCode::NOT_FOUND, "statements are /statements/YYYY-MM-DD.csv").into_response();
    };
    let start = date.midnight().assume_offset(time::macros::offset!(+7)).unix_timestamp();
    match store::between(&sandbox.db, start, start + 86_400).await {
        Ok(transfers) => {
            let csv = super::statement_csv(&transfers);
            let disposition = format!("attachment; filename=\"sandbox-statement-{date}.csv\"");
            ([(CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (CONTENT_DISPOSITION, disposition)], csv)
                .into_response()
        }
        Err(e) => fail(e),
    }
}
