//! `Access-Control-Allow-Origin: *` on every answer under the API prefix, errors included.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The prefix Flask-CORS was configured with (`/api/v1/*`, a regex matched at the start of the
/// path, case-insensitively): every path that starts with `/api/v1` gets the header.
const API_PREFIX: &str = "/api/v1";

/// Adds the CORS header to the response when the request path is under the API prefix.
pub async fn allow_any_origin(request: Request, next: Next) -> Response {
    let applies = is_api_path(request.uri().path());
    let mut response = next.run(request).await;
    if applies {
        response.headers_mut().insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
    response
}

fn is_api_path(path: &str) -> bool {
    path.get(..API_PREFIX.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(API_PREFIX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_under_the_prefix_get_the_header() {
        assert!(is_api_path("/api/v1/status"));
        assert!(is_api_path("/api/v1/"));
        assert!(is_api_path("/API/V1/users"));
        assert!(!is_api_path("/"));
        assert!(!is_api_path("/api"));
        assert!(!is_api_path("/other/api/v1/"));
    }
}
