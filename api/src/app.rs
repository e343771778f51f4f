//! The whole HTTP application: the route table wrapped in its layers, in the original's order.
//!
//! From the outside in: CORS header, body limit, authentication filter, slash tolerance,
//! 405/OPTIONS handling, routing with the JSON 404 fallback. The filter wraps the router rather
//! than its routes, so unknown paths and wrong methods are filtered first (401/403 before 404/405).

use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::Router;
use tower::Layer;
use tower_http::normalize_path::NormalizePathLayer;

use crate::state::AppState;
use crate::{body_limit, cors, filter, method_not_allowed, routes};

/// Builds the application for `state`; serve it with `axum::serve` or call it with
/// `tower::ServiceExt::oneshot`.
pub fn router(state: AppState) -> Router {
    let routes = routes::table()
        // Multipart and form parsing honour the same limit as every other body.
        .layer(DefaultBodyLimit::max(state.body_limit))
        .with_state(state.clone());
    // Wrapped around the routed service, not added with `Router::layer` (which would wrap each
    // method handler and run before axum sets the `Allow` header).
    let routed = from_fn(method_not_allowed::method_not_allowed).layer(routes);
    // Trimming the trailing slash must happen before routing, so it wraps the routed service.
    let slash_tolerant = NormalizePathLayer::trim_trailing_slash().layer(routed);
    Router::new()
        .fallback_service(slash_tolerant)
        .layer(from_fn_with_state(state.clone(), filter::authenticate))
        .layer(from_fn_with_state(state, body_limit::limit_body))
        .layer(from_fn(cors::allow_any_origin))
}
