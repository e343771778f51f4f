//! `GET /api/v1/openapi.json`: the OpenAPI document of this API, served without credentials.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::openapi;

/// Serves the OpenAPI 3.1 document of this API.
///
/// Needs no credentials. The document is generated from the code once per process; every
/// request is answered with the same bytes.
#[utoipa::path(get, path = "/api/v1/openapi.json", operation_id = "openapi_document",
    tag = "documentation",
    responses((status = 200, description = "This document.", body = Object,
        content_type = "application/json")))]
pub async fn openapi_json() -> Response {
    let Some(bytes) = openapi::document_json() else {
        // Serialising a document of plain maps and strings cannot fail; if it ever did, the
        // error was logged once and the route answers like any failing machinery.
        return ApiError::unavailable("the OpenAPI document could not be serialised")
            .into_response();
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    response
}
