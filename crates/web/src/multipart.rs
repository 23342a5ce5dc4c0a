//! Forms sent as `multipart/form-data` (a file with the form's other fields): read whole, up to a limit, into
//! named parts, with the page's CSRF token checked as [`crate::csrf::CsrfForm`] checks a URL-encoded form's. One
//! reader, so that every upload refuses a malformed body (400) and an oversized one (413) the same way.

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use kernel::Text;

use crate::{AppError, PageCtx};

/// One part of a form.
#[derive(Debug, Clone)]
pub struct Part {
    /// The field's name.
    pub name: String,
    /// The file's name as the browser sent it, for a file field (never trusted for the type).
    pub file_name: Option<String>,
    /// The bytes.
    pub bytes: Bytes,
}

/// A multipart form, read.
#[derive(Debug, Clone, Default)]
pub struct Multipart {
    parts: Vec<Part>,
}

impl Multipart {
    /// The first part named `name`.
    pub fn part(&self, name: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.name == name)
    }

    /// The first part named `name` as text (invalid UTF-8 replaced), or empty.
    pub fn text(&self, name: &str) -> String {
        self.part(name).map(|p| String::from_utf8_lossy(&p.bytes).into_owned()).unwrap_or_default()
    }

    /// The bytes of the first part named `name`, or none.
    pub fn bytes(&self, name: &str) -> Bytes {
        self.part(name).map(|p| p.bytes.clone()).unwrap_or_default()
    }

    /// Refuses the form unless its `csrf` field is the token of the page that showed it.
    pub fn check_csrf(&self, page: &PageCtx) -> Result<(), AppError> {
        let expected = Some(page.csrf.as_str()).filter(|t| !t.is_empty());
        if crate::csrf::matches(expected, self.part("csrf").map(|p| p.bytes.as_ref())) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }
}

/// Whether the request's body is a multipart form.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// Reads a multipart form of at most `limit` bytes in all: 400 for a body that is not one, 413 over the limit.
pub async fn read(request: Request, limit: usize) -> Result<Multipart, AppError> {
    let bad = || AppError::bad_request(Text::new("Biểu mẫu tải lên không hợp lệ.", "The upload form is malformed."));
    let content_type = request.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let boundary = multer::parse_boundary(content_type).map_err(|_| bad())?;
    let limits = multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(limit as u64));
    let mut form = multer::Multipart::with_constraints(request.into_body().into_data_stream(), boundary, limits);
    let refused = |e: multer::Error| match e {
        multer::Error::StreamSizeExceeded { .. } => AppError::PayloadTooLarge,
        _ => bad(),
    };
    let mut parts = Vec::new();
    while let Some(field) = form.next_field().await.map_err(refused)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(refused)?;
        parts.push(Part { name, file_name, bytes });
    }
    Ok(Multipart { parts })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(body: &str) -> Request {
        Request::builder()
            .header(CONTENT_TYPE, "multipart/form-data; boundary=b")
            .body(Body::from(body.replace('\n', "\r\n")))
            .unwrap()
    }

    #[tokio::test]
    async fn parts_are_read_by_name_and_a_body_over_the_limit_is_refused() {
        let body = "--b\nContent-Disposition: form-data; name=\"csrf\"\n\ntok\n--b\n\
                    Content-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\nContent-Type: text/csv\n\n\
                    x,y\n--b--\n";
        let form = read(request(body), 10_000).await.unwrap();
        assert_eq!(form.text("csrf"), "tok");
        assert_eq!(form.part("file").unwrap().file_name.as_deref(), Some("a.csv"));
        assert_eq!(form.bytes("file").as_ref(), b"x,y");
        assert!(form.part("other").is_none());
        assert!(matches!(read(request(body), 20).await, Err(AppError::PayloadTooLarge)));
        assert!(matches!(read(request("not a form"), 10_000).await, Err(AppError::BadRequest(_))));
    }
}
