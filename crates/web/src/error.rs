//! The error policy, in one place.
//!
//! Handlers return [`AppResult`]. A client sees a status that fits and a plain message in its language; it never
//! sees SQL, a stack trace or an internal detail, which go to the log with the request ID instead. Responses carry
//! the error as an extension so that [`render_errors`] can write it as JSON under `/api/` and as a page elsewhere.

use std::borrow::Cow;
use std::sync::Arc;

use axum::Json;
use axum::extract::Request;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use kernel::{Lang, Localized};
use serde::Serialize;

use crate::i18n;
use crate::page::{self, PageCtx};

/// Seconds a [`AppError::Busy`] answer asks the client to wait: about the time the work it waited for takes.
pub const BUSY_RETRY_AFTER: u32 = 5;

/// The result of a handler.
pub type AppResult<T> = Result<T, AppError>;

/// A message that can be shown to anyone, shared between the response and the renderer.
pub type Message = Arc<dyn Localized + Send + Sync>;

/// One problem with one field of the input.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// The field's name as the client sent it.
    pub field: String,
    /// What is wrong with it.
    pub message: Message,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Localized + Send + Sync + 'static) -> FieldError {
        FieldError { field: field.into(), message: Arc::new(message) }
    }
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request cannot be understood.
    #[error("bad request")]
    BadRequest(Message),
    /// 401: the caller must sign in or present a valid token.
    #[error("unauthenticated")]
    Unauthenticated,
    /// 403: the caller may not do this.
    #[error("forbidden")]
    Forbidden,
    /// 403: a form came without the token of the page that showed it.
    #[error("CSRF token missing or wrong")]
    Csrf,
    /// 404: nothing here, or nothing the caller may know exists.
    #[error("not found")]
    NotFound,
    /// 404 with a message saying what was not found.
    #[error("not found")]
    NotFoundMessage(Message),
    /// 409: the request conflicts with what exists.
    #[error("conflict")]
    Conflict(Message),
    /// 413: the body is over the limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 415: the body is not of the type this route reads.
    #[error("unsupported media type")]
    UnsupportedMediaType(Message),
    /// 422: well-formed but invalid, field by field.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// 429: too many attempts.
    #[error("too many requests")]
    TooManyRequests,
    /// 503 with `Retry-After`: the work asked for has to wait its turn and the queue is full; nothing is wrong
    /// with the request itself.
    #[error("busy")]
    Busy,
    /// 500: our fault; the details are logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<store::sqlx::Error> for AppError {
    fn from(e: store::sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

/// The ledger's errors as HTTP answers, for every slice: a proof asked for positions the log does not have is the
/// caller's mistake (400); anything else is ours.
impl From<trust::ledger::LedgerError> for AppError {
    fn from(e: trust::ledger::LedgerError) -> Self {
        match e {
            trust::ledger::LedgerError::OutOfRange(why) => {
                AppError::bad_request(kernel::Text::new(format!("Ngoài phạm vi của sổ nhật ký: {why}."), why))
            }
            other => AppError::Internal(other.into()),
        }
    }
}

impl AppError {
    /// 400 with a message.
    pub fn bad_request(message: impl Localized + Send + Sync + 'static) -> AppError {
        AppError::BadRequest(Arc::new(message))
    }

    /// 409 with a message.
    pub fn conflict(message: impl Localized + Send + Sync + 'static) -> AppError {
        AppError::Conflict(Arc::new(message))
    }

    /// 404 with a message.
    pub fn not_found(message: impl Localized + Send + Sync + 'static) -> AppError {
        AppError::NotFoundMessage(Arc::new(message))
    }

    /// 422 for one field.
    pub fn invalid(field: &str, message: impl Localized + Send + Sync + 'static) -> AppError {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound | AppError::NotFoundMessage(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::Csrf => "csrf",
            AppError::NotFound | AppError::NotFoundMessage(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::Invalid(_) => "invalid",
            AppError::TooManyRequests => "too_many_requests",
            AppError::Busy => "busy",
            AppError::Internal(_) => "internal",
        }
    }
}

/// The standard messages for errors that carry none of their own.
#[derive(Debug, Clone, Copy)]
struct Standard(&'static str);

impl Localized for Standard {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        i18n::t(lang, &format!("error.{}", self.0)).to_owned().into()
    }
}

/// The error as the renderer sees it: attached to the response by `AppError::into_response`.
#[derive(Clone)]
pub struct ErrorReport {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable machine-readable code.
    pub code: &'static str,
    /// The message.
    pub message: Message,
    /// Per-field problems, for 422.
    pub fields: Vec<FieldError>,
}

/// The JSON body of every API error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable code: `not_found`, `invalid`, `bad_request`, `forbidden`…
    pub code: String,
    /// A message for people, in the language asked for (`Accept-Language`; Vietnamese by default).
    pub message: String,
    /// For `invalid`: a message per field.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fields: std::collections::BTreeMap<String, String>,
}

impl ErrorReport {
    fn body(&self, lang: Lang) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message.message(lang).into_owned(),
                fields: self.fields.iter().map(|f| (f.field.clone(), f.message.message(lang).into_owned())).collect(),
            },
        }
    }

    fn json(&self, lang: Lang) -> Response {
        (self.status, Json(self.body(lang))).into_response()
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = self.code();
        if let AppError::Internal(e) = &self {
            tracing::error!(error = format!("{e:#}"), "internal error");
        }
        let (message, fields): (Message, Vec<FieldError>) = match self {
            AppError::BadRequest(m)
            | AppError::NotFoundMessage(m)
            | AppError::Conflict(m)
            | AppError::UnsupportedMediaType(m) => (m, vec![]),
            AppError::Invalid(fields) => (Arc::new(Standard("invalid")), fields),
            other => (Arc::new(Standard(other.code())), vec![]),
        };
        let report = ErrorReport { status, code, message, fields };
        let mut response = report.json(Lang::default());
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(BUSY_RETRY_AFTER));
        }
        response.extensions_mut().insert(report);
        response
    }
}

/// A standard error response for a status that axum produced itself (404 on an unknown route, 405).
pub fn report_for_status(status: StatusCode) -> Option<ErrorReport> {
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        _ => return None,
    };
    Some(ErrorReport { status, code, message: Arc::new(Standard(code)), fields: vec![] })
}

/// Middleware: writes every error in the caller's language, as JSON under `/api/` and as a page elsewhere.
pub async fn render_errors(request: Request, next: Next) -> Response {
    let lang = i18n::lang_of(request.headers());
    let is_api = request.uri().path().starts_with("/api/");
    let ctx = (!is_api).then(|| PageCtx::from_request_parts_sync(&request));
    let response = next.run(request).await;
    let report = match response.extensions().get::<ErrorReport>() {
        Some(report) => report.clone(),
        None if response.status().is_client_error() => match report_for_status(response.status()) {
            // Only rewrite bodies axum wrote itself (they are empty or plain text).
            Some(report) if !is_json_or_html(&response) => report,
            _ => return response,
        },
        None => return response,
    };
    let mut rendered = match ctx {
        None => report.json(lang),
        // A page that needs a signed-in person sends them to sign in, and back here afterwards.
        Some(ctx) if report.status == StatusCode::UNAUTHORIZED => {
            let next: String = url_encode(&ctx.path);
            (StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, format!("/signin?next={next}"))]).into_response()
        }
        Some(ctx) => {
            let page = page::ErrorPage {
                page: ctx,
                status: report.status.as_u16(),
                message: report.message.message(lang).into_owned(),
                fields: report.fields.iter().map(|f| (f.field.clone(), f.message.message(lang).into_owned())).collect(),
            };
            (report.status, page.render_html()).into_response()
        }
    };
    // Keep headers such as WWW-Authenticate and Set-Cookie that the handler added.
    for (name, value) in response.headers() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            rendered.headers_mut().append(name, value.clone());
        }
    }
    rendered
}

fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|e| e[1..].to_owned()).unwrap_or_default()
}

fn is_json_or_html(response: &Response) -> bool {
    response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim())
        // A JSON of a standard's own (`application/fhir+json`, `application/problem+json`) is a body too.
        .is_some_and(|v| v == "application/json" || v.ends_with("+json") || v == "text/html")
}

/// Renders a page template into a response, or a 500 if the template fails.
pub fn html(template: &impl askama::Template) -> Response {
    match template.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => AppError::Internal(anyhow::anyhow!("template: {e}")).into_response(),
    }
}
