//! 405 answers in JSON (D10) and `OPTIONS` answers, built from axum's own 405.
//!
//! axum answers a known path with an unknown method with an empty 405 and an `Allow` header.
//! This middleware keeps that header (adding `OPTIONS`, which it serves), gives the 405 the
//! JSON body, and turns an `OPTIONS` request into 200 with the `Allow` header, as Flask does.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Rewrites axum's empty 405 answer: JSON body and `Allow` with `OPTIONS` for other methods,
/// 200 with the `Allow` header for an `OPTIONS` request; other answers pass unchanged.
pub(crate) fn finish(response: Response, is_options: bool) -> Response {
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).map(with_options);
    if is_options {
        let mut options = Response::new(Body::empty());
        if let Some(allow) = allow {
            options.headers_mut().insert(header::ALLOW, allow);
        }
        options
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(0));
        return options;
    }
    ApiError::MethodNotAllowed { allow }.into_response()
}

/// Adds `OPTIONS` to an `Allow` list such as `GET,HEAD`.
fn with_options(allow: &HeaderValue) -> HeaderValue {
    let text = String::from_utf8_lossy(allow.as_bytes());
    if text.split(',').any(|method| method.trim() == "OPTIONS") {
        return allow.clone();
    }
    let joined = if text.trim().is_empty() {
        "OPTIONS".to_string()
    } else {
        format!("{text},OPTIONS")
    };
    HeaderValue::try_from(joined).unwrap_or_else(|_| allow.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_is_added_once_to_the_allow_list() {
        let allow = with_options(&HeaderValue::from_static("GET,HEAD"));
        assert_eq!(allow, "GET,HEAD,OPTIONS");
        assert_eq!(with_options(&allow), "GET,HEAD,OPTIONS");
        assert_eq!(with_options(&HeaderValue::from_static("")), "OPTIONS");
    }
}
