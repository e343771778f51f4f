//! R1-R4: status, statistics, and the two routes that always fail.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::json::json_response;
use crate::openapi::responses::{Forbidden, Unauthorized};
use crate::state::AppState;

/// The body of `GET /api/v1/status`.
#[derive(Serialize, ToSchema)]
// Read by utoipa too: the schema allows no other keys (`additionalProperties: false`).
#[serde(deny_unknown_fields)]
pub(crate) struct Status {
    /// Always `OK`.
    #[schema(value_type = String, pattern = "^OK$", examples("OK"))]
    status: &'static str,
}

/// The body of `GET /api/v1/stats`.
#[derive(Serialize, ToSchema)]
// Read by utoipa too: the schema allows no other keys (`additionalProperties: false`).
#[serde(deny_unknown_fields)]
pub(crate) struct Stats {
    /// How many users the store holds.
    users: usize,
}

/// Tells that the service is up.
///
/// Needs no credentials; never touches a store.
#[utoipa::path(get, path = "/api/v1/status", operation_id = "status", tag = "status",
    responses((status = 200, description = "The service is up.", body = Status)))]
pub async fn status() -> Response {
    json_response(StatusCode::OK, &Status { status: "OK" })
}

/// Counts the users.
#[utoipa::path(get, path = "/api/v1/stats", operation_id = "stats", tag = "status",
    responses((status = 200, description = "The number of users.", body = Stats)))]
pub async fn stats(State(state): State<AppState>) -> Result<Response, ApiError> {
    let users = state.users.count().await?;
    Ok(json_response(StatusCode::OK, &Stats { users }))
}

/// Always answers 401.
///
/// Needs no credentials: it shows the body every 401 of the API has.
#[utoipa::path(get, path = "/api/v1/unauthorized", operation_id = "unauthorized", tag = "status",
    responses((status = 401, response = Unauthorized)))]
pub async fn unauthorized() -> ApiError {
    ApiError::Unauthorized
}

/// Always answers 403.
///
/// Needs no credentials: it shows the body every 403 of the API has.
#[utoipa::path(get, path = "/api/v1/forbidden", operation_id = "forbidden", tag = "status",
    responses((status = 403, response = Forbidden)))]
pub async fn forbidden() -> ApiError {
    ApiError::Forbidden
}
