//! The one way this API writes a JSON response: compact, followed by one newline, with its
//! length, as the original's Flask `jsonify` did.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use domain::user::PublicUser;
use serde::Serialize;

/// The body sent if a value cannot be serialised; it never happens with this crate's types, but a
/// request must not be able to cause a panic.
const SERIALISATION_FAILED: &[u8] = b"{\"error\":\"Service unavailable\"}";

/// Builds a response with `status` and `value` as compact JSON plus a trailing `\n`.
///
/// `Content-Type` is `application/json` and `Content-Length` is set explicitly, so every JSON
/// answer (including the ones produced by middleware before routing) carries it.
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    // Sized for one user object and its newline (about 190 bytes), the most common body, so it
    // is written without regrowing; lists grow as they need.
    let mut bytes = Vec::with_capacity(256);
    match serde_json::to_writer(&mut bytes, value) {
        Ok(()) => finish(status, bytes),
        Err(err) => {
            tracing::error!(error = %err, "could not serialise a response body");
            finish(
                StatusCode::SERVICE_UNAVAILABLE,
                SERIALISATION_FAILED.to_vec(),
            )
        }
    }
}

/// Builds a response with `status` and one user's public JSON: the same bytes as
/// [`json_response`] writes for it, written by hand (see `PublicUser::write_json`) because it
/// is the body of the busiest answers.
pub fn user_response(status: StatusCode, user: &PublicUser<'_>) -> Response {
    let mut bytes = Vec::with_capacity(256);
    user.write_json(&mut bytes);
    finish(status, bytes)
}

/// Ends `bytes` with the newline and wraps them with their type and length.
fn finish(status: StatusCode, mut bytes: Vec<u8>) -> Response {
    bytes.push(b'\n');
    // Room for every header the answer ends up with (these two, CORS, `Cache-Control`,
    // `X-Request-Id`, a cookie; hyper writes `Date` itself), so the map is allocated once and
    // never grows. Six, not more: room for eight made the entries a block over 1 KiB, which
    // the allocator serves more slowly.
    let mut headers = HeaderMap::with_capacity(6);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CONTENT_LENGTH, content_length(bytes.len()));
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// The `Content-Length` value of a body of `length` bytes, in one allocation (`HeaderValue`'s
/// `From<usize>` makes two).
fn content_length(length: usize) -> HeaderValue {
    let mut digits = itoa::Buffer::new();
    // Decimal digits are always a valid header value.
    HeaderValue::from_bytes(digits.format(length).as_bytes())
        .unwrap_or_else(|_| HeaderValue::from(length))
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

    #[test]
    fn content_lengths_are_written_in_decimal() {
        for length in [0, 7, 10, 16, 190, 65_536, usize::MAX] {
            assert_eq!(content_length(length), length.to_string().as_str());
        }
    }

    #[tokio::test]
    async fn a_user_answer_has_the_same_bytes_either_way() {
        let user: domain::User = serde_json::from_str(
            r#"{"id": "u1", "created_at": "2017-10-16T04:23:04", "updated_at": "2017-10-16T04:23:04", "email": "b\"o\u00e9@x", "_password": null, "first_name": "Bob", "last_name": null}"#,
        )
        .expect("a user record");
        let by_hand = user_response(StatusCode::CREATED, &user.public());
        let by_serde = json_response(StatusCode::CREATED, &user.public());
        assert_eq!(by_hand.status(), StatusCode::CREATED);
        assert_eq!(by_hand.headers(), by_serde.headers());
        let body = |response: Response| async move {
            axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("a body")
        };
        assert_eq!(body(by_hand).await, body(by_serde).await);
    }
}
