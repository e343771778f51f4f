//! Refusing request bodies larger than `MAX_BODY_BYTES` before anything else reads them.
//!
//! A declared `Content-Length` over the limit is answered 413 here, before the filter; a body
//! without a length is cut off where the handlers read it (see `body.rs`), with the same answer.

use axum::http::{header, HeaderMap};

/// Tells whether the request declares a `Content-Length` larger than `limit` bytes.
pub(crate) fn declares_too_much(headers: &HeaderMap, limit: usize) -> bool {
    let limit = u64::try_from(limit).unwrap_or(u64::MAX);
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<u64>().ok())
        .is_some_and(|length| length > limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_length(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn only_a_declared_length_over_the_limit_is_too_much() {
        assert!(declares_too_much(&with_length("11"), 10));
        assert!(!declares_too_much(&with_length("10"), 10));
        assert!(!declares_too_much(&with_length("junk"), 10));
        assert!(!declares_too_much(&HeaderMap::new(), 10));
    }
}
