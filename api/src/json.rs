//! The one way this API writes a JSON response: compact, followed by one newline, with its
//! length, as the original's Flask `jsonify` did.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Serialize;

/// The body sent if a value cannot be serialised; it never happens with this crate's types, but a
/// request must not be able to cause a panic.
const SERIALISATION_FAILED: &[u8] = b"{\"error\":\"Service unavailable\"}\n";

/// Builds a response with `status` and `value` as compact JSON plus a trailing `\n`.
///
/// `Content-Type` is `application/json` and `Content-Length` is set explicitly, so every JSON
/// answer (including the ones produced by middleware before routing) carries it.
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    // Sized for one user object and its newline (about 190 bytes), the most common body, so it
    // is written without regrowing; lists grow as they need.
    let mut bytes = Vec::with_capacity(256);
    let (status, bytes) = match serde_json::to_writer(&mut bytes, value) {
        Ok(()) => {
            bytes.push(b'\n');
            (status, bytes)
        }
        Err(err) => {
            tracing::error!(error = %err, "could not serialise a response body");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                SERIALISATION_FAILED.to_vec(),
            )
        }
    };
    let length = HeaderValue::from(bytes.len());
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CONTENT_LENGTH, length);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_body_is_sixteen_bytes_long() {
        let response = json_response(StatusCode::OK, &serde_json::json!({"status": "OK"}));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_LENGTH], "16");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }
}
