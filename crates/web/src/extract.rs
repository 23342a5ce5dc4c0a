//! axum's extractors with congso's errors: malformed input is a 400, a wrong content type a 415, an oversized
//! body a 413, and input that parses but is invalid a 422 — each with a message a person can read.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use kernel::Text;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// A JSON body (requires `Content-Type: application/json`) or a JSON response.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(AppError::UnsupportedMediaType(std::sync::Arc::new(Text::new(
                    "Nội dung phải là JSON (Content-Type: application/json).",
                    "The body must be JSON (Content-Type: application/json).",
                ))))
            }
            Err(JsonRejection::JsonDataError(e)) => Err(AppError::bad_request(Text::new(
                format!("Dữ liệu JSON không đúng cấu trúc: {}", e.body_text()),
                format!("The JSON does not have the expected shape: {}", e.body_text()),
            ))),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(AppError::bad_request(Text::new(
                format!("JSON không hợp lệ: {}", e.body_text()),
                format!("Malformed JSON: {}", e.body_text()),
            ))),
            Err(JsonRejection::BytesRejection(e)) => Err(bytes_error(e)),
            Err(e) => Err(AppError::bad_request(Text::new("Không đọc được nội dung yêu cầu.", e.body_text()))),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

fn bytes_error(e: BytesRejection) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::bad_request(Text::new("Không đọc được nội dung yêu cầu.", "The request body could not be read."))
    }
}

/// Path parameters.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state).await.map(|p| Path(p.0)).map_err(
            |e: PathRejection| {
                AppError::bad_request(Text::new(
                    format!("Đường dẫn không hợp lệ: {}", e.body_text()),
                    format!("Invalid path: {}", e.body_text()),
                ))
            },
        )
    }
}

/// Query-string parameters.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state).await.map(|q| Query(q.0)).map_err(
            |e: QueryRejection| {
                AppError::bad_request(Text::new(
                    format!("Tham số truy vấn không hợp lệ: {}", e.body_text()),
                    format!("Invalid query parameters: {}", e.body_text()),
                ))
            },
        )
    }
}

/// The raw body of a URL-encoded form, after checking its content type and size.
pub async fn form_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, AppError> {
    let is_form = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(AppError::UnsupportedMediaType(std::sync::Arc::new(Text::new(
            "Biểu mẫu phải được gửi dạng application/x-www-form-urlencoded.",
            "Forms must be sent as application/x-www-form-urlencoded.",
        ))));
    }
    Bytes::from_request(request, state).await.map_err(bytes_error)
}

/// Decodes a URL-encoded form body into `T`.
pub fn decode_form<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_urlencoded::from_bytes(body).map_err(|e| {
        AppError::bad_request(Text::new(format!("Biểu mẫu không hợp lệ: {e}"), format!("Invalid form: {e}")))
    })
}

/// `#[serde(deserialize_with = "web::extract::integer")]` for an integer field of a JSON body: also takes a
/// number with a zero fraction (`2.0`), which JSON Schema counts as an integer, so that every body the document
/// allows is read.
pub fn integer<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    use serde::de::{Error, Unexpected};
    let number = serde_json::Number::deserialize(deserializer)?;
    if let Some(n) = number.as_i64() {
        return Ok(n);
    }
    match number.as_f64() {
        // Within ±2^53 every integer is exact as a float, so the conversion below loses nothing.
        Some(f) if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => Ok(f as i64),
        Some(f) => Err(D::Error::invalid_value(Unexpected::Float(f), &"an integer")),
        None => Err(D::Error::invalid_value(Unexpected::Other("a number out of range"), &"an integer")),
    }
}

#[cfg(test)]
mod tests {
    #[derive(Debug, serde::Deserialize)]
    struct Level {
        #[serde(deserialize_with = "super::integer")]
        level: i64,
    }

    fn level(json: &str) -> Option<i64> {
        serde_json::from_str::<Level>(json).ok().map(|l| l.level)
    }

    #[test]
    fn an_integer_field_takes_integers_written_either_way_and_nothing_else() {
        assert_eq!(level(r#"{"level": 2}"#), Some(2));
        assert_eq!(level(r#"{"level": 2.0}"#), Some(2));
        assert_eq!(level(r#"{"level": -7e0}"#), Some(-7));
        assert_eq!(level(r#"{"level": 2.5}"#), None);
        assert_eq!(level(r#"{"level": 1e300}"#), None);
        assert_eq!(level(r#"{"level": "2"}"#), None);
    }
}
