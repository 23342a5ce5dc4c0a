//! Reading a cookie from a request: the one reader every slice uses.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use axum_extra::extract::cookie::Cookie;

/// The value of the cookie `name`, if the request carries one no longer than `max_len` bytes. A value longer than
/// any we set is ignored rather than looked up: it is not ours.
pub fn read(headers: &HeaderMap, name: &str, max_len: usize) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name && c.value().len() <= max_len)
        .map(|c| c.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_named_cookie_among_several_headers_and_ignores_overlong_values() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, "a=1; lang=en".parse().unwrap());
        headers.append(COOKIE, "s=xyz".parse().unwrap());
        assert_eq!(read(&headers, "lang", 8).as_deref(), Some("en"));
        assert_eq!(read(&headers, "s", 8).as_deref(), Some("xyz"));
        assert_eq!(read(&headers, "s", 2), None);
        assert_eq!(read(&headers, "missing", 8), None);
    }
}
