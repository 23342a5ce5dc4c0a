//! The verifier: `/verify` (paste the QR text, or upload a photo or screenshot of the code) and
//! `POST /api/v1/verify`. Both call [`super::check`]; a verdict, whatever it is, is a 200.

use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::response::Response;
use axum::routing::get;
use kernel::{Lang, Text};
use serde::{Deserialize, Serialize};
use trust::claim169::Identity;
use trust::verify::{Contents, Verdict};
use utoipa_axum::routes;
use web::error::html;
use web::extract::Json;
use web::openapi::{ApiRouter, Invalid};
use web::{AppError, AppResult, AppState, PageCtx};

use web::page::date_in;

use crate::check;

/// The largest upload `/verify` accepts: a phone photo, well above the 1 MiB every other route allows.
pub const UPLOAD_LIMIT: usize = 8 * 1024 * 1024;

/// The longest QR text accepted, in characters: more than any QR code holds.
const MAX_TEXT: usize = 8 * 1024;

/// `/verify`, with its own body limit for uploads.
pub fn page_routes() -> Router<AppState> {
    Router::new().route("/verify", get(verify_page).post(verify_submit).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
}

/// `POST /api/v1/verify`.
pub fn api_routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(verify_api))
}

/// `POST /api/v1/verify`'s body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct VerifyRequest {
    /// The QR code's text (Base45, as a scanner reads it).
    #[schema(schema_with = qr_text)]
    pub qr: String,
}

/// The verdict on a QR code.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VerifyResponse {
    /// `valid`, `bad_signature`, `unknown_key`, `expired`, `not_yet_valid`, `revoked` or `malformed`.
    #[schema(example = "valid")]
    pub verdict: String,
    /// The verdict for people, in the language asked for.
    pub message: String,
    /// For `malformed`: the step that failed, `base45`, `zlib`, `cbor`, `cose` or `claims`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The verdict with its details; for `valid`, what the code says (`kind`: `identity` or `document`, `kid`,
    /// `issuer`, `id`, `issued_at`, `expires_at`, and `identity` or `document`).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

fn message(verdict: &Verdict, lang: Lang) -> String {
    web::i18n::t(lang, &format!("verify.verdict.{}", verdict.code())).to_owned()
}

impl VerifyResponse {
    fn new(verdict: &Verdict, lang: Lang) -> VerifyResponse {
        VerifyResponse {
            verdict: verdict.code().to_owned(),
            message: message(verdict, lang),
            step: match verdict {
                Verdict::Malformed { step, .. } => Some((*step).to_owned()),
                _ => None,
            },
            detail: serde_json::to_value(verdict).unwrap_or_default(),
        }
    }
}

fn qr_text() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(kernel::schema::not_blank_pattern()))
        .max_length(Some(MAX_TEXT))
        .build()
}

fn too_long() -> AppError {
    AppError::invalid("qr", Text::new("Chuỗi mã QR quá dài.", "The QR text is too long."))
}

/// Verifies a QR code's text: valid, or why not.
#[utoipa::path(
    post, path = "/verify", tag = "trust", operation_id = "verifyCredential",
    request_body = VerifyRequest,
    responses((status = 200, description = "The verdict, whatever it is", body = VerifyResponse), Invalid)
)]
pub async fn verify_api(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Json(request): Json<VerifyRequest>,
) -> AppResult<Json<VerifyResponse>> {
    if request.qr.trim().is_empty() {
        return Err(AppError::invalid("qr", Text::new("Chưa có chuỗi mã QR.", "The QR text is empty.")));
    }
    if request.qr.chars().count() > MAX_TEXT {
        return Err(too_long());
    }
    let verdict = check(&state, &request.qr).await?;
    Ok(Json(VerifyResponse::new(&verdict, web::i18n::lang_of(&headers))))
}

/// A verdict as the page shows it.
struct Shown {
    code: &'static str,
    message: String,
    valid: bool,
    /// Label key and value, in order.
    rows: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    page: PageCtx,
    qr: String,
    result: Option<Shown>,
    error: Option<String>,
}

async fn verify_page(page: PageCtx) -> Response {
    html(&VerifyPage { page, qr: String::new(), result: None, error: None })
}

fn identity_rows(identity: &Identity, rows: &mut Vec<(String, String)>) {
    let mut put = |key: &str, value: Option<String>| {
        if let Some(value) = value {
            rows.push((key.to_owned(), value));
        }
    };
    put("verify.field.full_name", identity.full_name.clone());
    put("verify.field.id", identity.id.clone());
    put(
        "verify.field.birth_date",
        identity.birth_date().map(|d| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())),
    );
    put("verify.field.gender", identity.gender.map(|g| format!("verify.gender.{}", g.code())));
    put("verify.field.address", identity.address.as_ref().map(|a| a.replace('\n', ", ")));
    put("verify.field.nationality", identity.nationality.clone());
}

fn shown(verdict: &Verdict, page: &PageCtx) -> Shown {
    let mut rows = Vec::new();
    match verdict {
        Verdict::Valid(signed) => {
            match &signed.contents {
                Contents::Identity { identity } => identity_rows(identity, &mut rows),
                Contents::Document { document } => {
                    rows.push(("verify.field.doc_type".into(), document.doc_type.clone()));
                    if let serde_json::Value::Object(fields) = &document.payload {
                        for (name, value) in fields {
                            let value = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
                            rows.push((name.clone(), value));
                        }
                    }
                    rows.push(("verify.field.digest".into(), hex::encode(document.digest)));
                }
            }
            rows.push(("verify.field.issuer".into(), signed.issuer.clone().unwrap_or_default()));
            rows.push(("verify.field.issued_at".into(), date_in(page.lang, signed.issued_at)));
            rows.push(("verify.field.expires_at".into(), date_in(page.lang, signed.expires_at)));
            rows.push(("verify.field.kid".into(), signed.kid.clone()));
            rows.push(("verify.field.credential_id".into(), signed.id.clone().unwrap_or_default()));
        }
        Verdict::Malformed { step, message } => {
            rows.push(("verify.field.step".into(), (*step).to_owned()));
            rows.push(("verify.field.detail".into(), message.clone()));
        }
        Verdict::Expired { expired_at } => {
            rows.push(("verify.field.expires_at".into(), date_in(page.lang, Some(*expired_at))))
        }
        Verdict::NotYetValid { not_before } => {
            rows.push(("verify.field.not_before".into(), date_in(page.lang, Some(*not_before))))
        }
        Verdict::Revoked { id } => rows.push(("verify.field.credential_id".into(), id.clone())),
        Verdict::BadSignature { kid } => rows.push(("verify.field.kid".into(), kid.clone())),
        Verdict::UnknownKey { kid } => rows.push(("verify.field.kid".into(), kid.clone().unwrap_or_default())),
    }
    // Labels that are interface keys are translated; a document's own field names are shown as they are.
    let rows = rows
        .into_iter()
        .map(|(k, v)| {
            let label = if k.starts_with("verify.") { page.t(&k).to_owned() } else { k };
            let value = if v.starts_with("verify.gender.") { page.t(&v).to_owned() } else { v };
            (label, value)
        })
        .collect();
    Shown { code: verdict.code(), message: message(verdict, page.lang), valid: verdict.is_valid(), rows }
}

/// What the form sent: the pasted text, or an uploaded image's bytes.
#[derive(Default)]
struct Submitted {
    csrf: Option<String>,
    qr: String,
    image: Vec<u8>,
}

async fn read_multipart(request: Request) -> AppResult<Submitted> {
    let form = web::multipart::read(request, UPLOAD_LIMIT).await?;
    Ok(Submitted {
        csrf: form.part("csrf").map(|_| form.text("csrf")),
        qr: form.text("qr"),
        image: form.bytes("image").to_vec(),
    })
}

#[derive(Deserialize)]
struct PastedForm {
    csrf: Option<String>,
    #[serde(default)]
    qr: String,
}

async fn verify_submit(State(state): State<AppState>, page: PageCtx, request: Request<Body>) -> AppResult<Response> {
    let submitted = if web::multipart::is_multipart(request.headers()) {
        read_multipart(request).await?
    } else {
        let body = web::extract::form_body(request, &state).await?;
        let form: PastedForm = web::extract::decode_form(&body)?;
        Submitted { csrf: form.csrf, qr: form.qr, image: Vec::new() }
    };
    // The form carries the page's token like every form; verifying changes nothing, but the rule has no exceptions.
    if submitted.csrf.as_deref() != Some(page.csrf.as_str()) || page.csrf.is_empty() {
        return Err(AppError::Csrf);
    }
    let mut view = VerifyPage { qr: String::new(), result: None, error: None, page };
    let text = if !submitted.image.is_empty() {
        match decode_off_the_runtime(&state, submitted.image).await? {
            Ok(text) => text,
            Err(e) => {
                view.error = Some(image_error(&e, &view.page));
                return Ok(html(&view));
            }
        }
    } else {
        submitted.qr.trim().to_owned()
    };
    if text.is_empty() {
        view.error = Some(view.page.t("verify.empty").to_owned());
    } else if text.len() > MAX_TEXT {
        view.error = Some(view.page.t("verify.too_long").to_owned());
    } else {
        let verdict = check(&state, &text).await?;
        view.result = Some(shown(&verdict, &view.page));
        view.qr = text;
    }
    Ok(html(&view))
}

/// How long an upload waits for a decoder before it is told to come back: a little more than one large photo takes.
const DECODER_WAIT: Duration = Duration::from_secs(3);

/// Decodes an uploaded image on the blocking pool, holding one of the server's decoder permits: the async workers
/// stay free for every other request, and at most [`web::decoder_permits`] images are in memory as pixels.
/// An image the header says is too large is refused before any of that.
async fn decode_off_the_runtime(state: &AppState, image: Vec<u8>) -> AppResult<Result<String, trust::qr::QrError>> {
    if let Err(e) = trust::qr::check_dimensions(&image) {
        return Ok(Err(e));
    }
    let permit = match tokio::time::timeout(DECODER_WAIT, state.image_decoders.clone().acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        // Timed out, or the semaphore was closed (never, while the server runs): the same answer either way.
        Ok(Err(_)) | Err(_) => {
            tracing::warn!("every image decoder busy: upload refused");
            return Err(AppError::Busy);
        }
    };
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        trust::qr::decode_image(&image)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("image decoder task: {e}")))
}

fn image_error(e: &trust::qr::QrError, page: &PageCtx) -> String {
    use trust::qr::QrError;
    let key = match e {
        QrError::NotFound => "verify.image.not_found",
        QrError::Unreadable(_) => "verify.image.unreadable",
        QrError::ImageTooLarge => "verify.image.too_large",
        QrError::Image(_) | QrError::TooLong => "verify.image.not_image",
    };
    page.t(key).to_owned()
}
