//! The whole HTTP application: the route table behind one gateway service, in the original's
//! order.
//!
//! For each request the gateway, in a single pass: takes or makes its request id, refuses a
//! declared body over the limit (413), runs the authentication filter (401/403 before any
//! routing, so unknown paths and wrong methods are filtered first), trims a trailing slash,
//! routes, rewrites axum's empty 405 into the JSON one (or the `OPTIONS` answer), answers 503
//! when the request takes longer than `REQUEST_TIMEOUT_SECONDS`, adds the CORS header and
//! `Cache-Control: no-store` under `/api/v1`, returns `X-Request-Id` and writes the access line.
//! These steps were separate `from_fn` middlewares once; each boxed a future and cloned the
//! state per request, which cost half of the throughput of a bare axum endpoint. One
//! hand-written service does the same work with one boxed future.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::{Layer, Service};
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};

use crate::connect_info::client_address;
use crate::error::ApiError;
use crate::filter::{identify, CurrentUser};
use crate::state::AppState;
use crate::{body_limit, cors, method_not_allowed, routes};

mod access_log;
mod request_id;

use access_log::AccessEntry;
use request_id::X_REQUEST_ID;

/// Builds the application for `state`, without a request timeout (see
/// [`Gateway::with_request_timeout`]); serve it with [`crate::serve`]/[`crate::run`] or call it
/// with `tower::ServiceExt::oneshot`.
pub fn router(state: AppState) -> Gateway {
    // Bodies are read within `MAX_BODY_BYTES` where they are read (`body.rs`), so no layer over
    // every route is needed for it.
    let routes = routes::table().with_state(state.clone());
    Gateway {
        state,
        // Trimming the trailing slash must happen before routing, so it wraps the router.
        routes: NormalizePathLayer::trim_trailing_slash().layer(routes),
        request_timeout: None,
    }
}

/// The service in front of the route table (see the module documentation for its steps).
#[derive(Clone)]
pub struct Gateway {
    state: AppState,
    routes: NormalizePath<Router>,
    request_timeout: Option<Duration>,
}

impl Service<Request> for Gateway {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // The router is always ready; readiness is checked again per request by `oneshot`.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let gateway = self.clone();
        Box::pin(gateway.answer(request))
    }
}

impl Gateway {
    /// Returns the gateway answering 503 to requests that take longer than `timeout` (`None`:
    /// no limit). The request's work is dropped at that point; the stores finish any change
    /// already handed to them.
    pub fn with_request_timeout(mut self, timeout: Option<Duration>) -> Gateway {
        self.request_timeout = timeout;
        self
    }

    async fn answer(self, request: Request) -> Result<Response, Infallible> {
        let request_id = request_id::request_id(request.headers());
        let access = AccessEntry::start(&request);
        let under_api = cors::is_api_path(request.uri().path());
        let mut response = match self.request_timeout {
            // When the answer is ready at the first poll, as cached reads are, the timer is
            // never registered: the limit costs nothing on the fast path.
            Some(limit) => match tokio::time::timeout(limit, self.route(request)).await {
                Ok(response) => response,
                Err(_) => ApiError::unavailable(format!(
                    "request {} timed out after {} s",
                    request_id.to_str().unwrap_or("-"),
                    limit.as_secs()
                ))
                .into_response(),
            },
            None => self.route(request).await,
        };
        if under_api {
            cors::allow_any_origin(&mut response);
            // Answers of the API carry users, sessions and cookies: no cache, shared or
            // private, may keep them. One rule for every route, status included, so that no
            // new route can forget it.
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        if let Some(access) = access {
            access.finish(response.status(), &request_id);
        }
        response.headers_mut().insert(&X_REQUEST_ID, request_id);
        Ok(response)
    }

    async fn route(mut self, request: Request) -> Response {
        if body_limit::declares_too_much(request.headers(), self.state.body_limit) {
            return ApiError::PayloadTooLarge.into_response();
        }
        // Only the path and headers are looked at; the request itself (whose body is not
        // `Sync`) is not held across the await.
        let client = client_address(request.extensions());
        let user =
            match identify(&self.state, request.uri().path(), request.headers(), client).await {
                Ok(user) => user,
                Err(error) => return error.into_response(),
            };
        let is_options = request.method() == Method::OPTIONS;
        // The router is always ready, so it is called directly rather than through
        // `oneshot`'s readiness state machine.
        let routed = self.routes.call(request);
        let response = match CurrentUser::scope(user, routed).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        method_not_allowed::finish(response, is_options)
    }
}
