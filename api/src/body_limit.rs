//! Refusing request bodies larger than `MAX_BODY_BYTES` before anything else reads them.
//!
//! A declared `Content-Length` over the limit is answered 413 here, before the filter; a body
//! without a length is cut off where the handlers read it (see `body.rs`), with the same answer.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// Answers 413 `{"error": "Payload too large"}` when the declared body length exceeds the limit.
pub async fn limit_body(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<u64>().ok());
    let limit = u64::try_from(state.body_limit).unwrap_or(u64::MAX);
    match declared {
        Some(length) if length > limit => ApiError::PayloadTooLarge.into_response(),
        _ => next.run(request).await,
    }
}
