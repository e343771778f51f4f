//! Refusing request bodies larger than `MAX_BODY_BYTES` before anything else reads them.
//!
//! A declared `Content-Length` over the limit is answered 413 here, before the filter; a body
//! without a length is cut off where the handlers read it (see `body.rs`), with the same answer.

use axum::http::HeaderValue;

/// Tells whether `content_length`, the request's first `Content-Length`, declares more than
/// `limit` bytes.
pub(crate) fn declares_too_much(content_length: Option<&HeaderValue>, limit: usize) -> bool {
    let limit = u64::try_from(limit).unwrap_or(u64::MAX);
    content_length
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<u64>().ok())
        .is_some_and(|length| length > limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn too_much(length: &'static str, limit: usize) -> bool {
        declares_too_much(Some(&HeaderValue::from_static(length)), limit)
    }

    #[test]
    fn only_a_declared_length_over_the_limit_is_too_much() {
        assert!(too_much("11", 10));
        assert!(!too_much("10", 10));
        assert!(!too_much(" 10 ", 10));
        assert!(!too_much("junk", 10));
        assert!(!declares_too_much(None, 10));
    }
}
