//! R1-R4: status, statistics, and the two routes that always fail.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::error::ApiError;
use crate::json::json_response;
use crate::state::AppState;

#[derive(Serialize)]
struct Status {
    status: &'static str,
}

#[derive(Serialize)]
struct Stats {
    users: usize,
}

/// R1 `GET /api/v1/status`: 200 `{"status": "OK"}`.
pub async fn status() -> Response {
    json_response(StatusCode::OK, &Status { status: "OK" })
}

/// R2 `GET /api/v1/stats`: 200 `{"users": <count>}`.
pub async fn stats(State(state): State<AppState>) -> Result<Response, ApiError> {
    let users = state.users.count().await?;
    Ok(json_response(StatusCode::OK, &Stats { users }))
}

/// R3 `GET /api/v1/unauthorized`: always 401.
pub async fn unauthorized() -> ApiError {
    ApiError::Unauthorized
}

/// R4 `GET /api/v1/forbidden`: always 403.
pub async fn forbidden() -> ApiError {
    ApiError::Forbidden
}
