//! `Access-Control-Allow-Origin: *` on every answer under the API prefix, errors included.

use axum::http::{header, HeaderValue};
use axum::response::Response;

/// The prefix Flask-CORS was configured with (`/api/v1/*`, a regex matched at the start of the
/// path, case-insensitively): every path that starts with `/api/v1` gets the header.
const API_PREFIX: &str = "/api/v1";

/// Adds `Access-Control-Allow-Origin: *` to an answer.
pub(crate) fn allow_any_origin(response: &mut Response) {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
}

/// Tells whether `path` is under the API prefix, compared without regard to case as Flask-CORS
/// matches its `/api/v1/*` pattern.
pub(crate) fn is_api_path(path: &str) -> bool {
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
