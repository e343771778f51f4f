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
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
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
use crate::filter::{self, identify, RequestContext};
use crate::state::AppState;
use crate::{body_limit, cors, method_not_allowed, routes};
use auth::RequestCredentials;

mod access_log;
mod gateway_headers;
mod request_id;

use access_log::AccessEntry;
pub(crate) use gateway_headers::GatewayHeaders;
use request_id::X_REQUEST_ID;

/// Builds the application for `state`, without a request timeout (see
/// [`Gateway::with_request_timeout`]); serve it with [`crate::serve`]/[`crate::run`] or call it
/// with `tower::ServiceExt::oneshot`.
pub fn router(state: AppState) -> Gateway {
    // Bodies are read within `MAX_BODY_BYTES` where they are read (`body.rs`), so no layer over
    // every route is needed for it.
    let routes = routes::table().with_state(state.clone());
    Gateway {
        parts: Arc::new(Parts {
            state,
            // Trimming the trailing slash must happen before routing, so it wraps the router.
            routes: NormalizePathLayer::trim_trailing_slash().layer(routes),
            request_timeout: None,
            peer: None,
        }),
    }
}

/// The service in front of the route table (see the module documentation for its steps).
///
/// Cloning it, as hyper does for every request, only counts one more reference to its parts;
/// each connection gets parts of its own ([`Gateway::for_peer`]), so that count is not shared
/// with the requests of other connections running on other cores.
#[derive(Clone)]
pub struct Gateway {
    parts: Arc<Parts>,
}

/// What every request of one connection needs.
#[derive(Clone)]
struct Parts {
    state: AppState,
    routes: NormalizePath<Router>,
    request_timeout: Option<Duration>,
    /// The connection's peer; `None` for requests that come another way (`oneshot`), which
    /// may carry a [`axum::extract::ConnectInfo`] instead.
    peer: Option<IpAddr>,
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
        Box::pin(answer(self.parts.clone(), request))
    }
}

impl Gateway {
    /// Returns the gateway answering 503 to requests that take longer than `timeout` (`None`:
    /// no limit). The request's work is dropped at that point; the stores finish any change
    /// already handed to them.
    pub fn with_request_timeout(mut self, timeout: Option<Duration>) -> Gateway {
        Arc::make_mut(&mut self.parts).request_timeout = timeout;
        self
    }

    /// Returns the gateway of one connection from `peer`: its requests carry that client
    /// address, and their clones of the gateway count references to this connection's parts
    /// only.
    pub fn for_peer(&self, peer: SocketAddr) -> Gateway {
        let mut parts = Parts::clone(&self.parts);
        parts.peer = Some(peer.ip());
        Gateway {
            parts: Arc::new(parts),
        }
    }
}

/// Answers one request (see the module documentation for the steps).
async fn answer(parts: Arc<Parts>, request: Request) -> Result<Response, Infallible> {
    let found = GatewayHeaders::of(request.headers());
    let request_id = request_id::request_id(found.request_id);
    let access = AccessEntry::start(&request);
    let under_api = cors::is_api_path(request.uri().path());
    let client = parts.peer.or_else(|| client_address(request.extensions()));
    let admitted = admit(&parts.state, &request, &found, client);
    let limit = parts.request_timeout;
    let routed = route(&parts, request, admitted, client);
    let mut response = match limit {
        Some(limit) => match within(limit, routed).await {
            Some(response) => response,
            None => ApiError::unavailable(format!(
                "request {} timed out after {} s",
                request_id.to_str().unwrap_or("-"),
                limit.as_secs()
            ))
            .into_response(),
        },
        None => routed.await,
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

/// Checks what can be checked of `request` before anything waits: a declared body over the
/// limit (413), then the credentials the filter will need (401 when there are none). `found`
/// holds the request's headers that the gateway reads.
fn admit(
    state: &AppState,
    request: &Request,
    found: &GatewayHeaders<'_>,
    client: Option<IpAddr>,
) -> Result<Option<RequestCredentials>, ApiError> {
    if body_limit::declares_too_much(found.content_length, state.body_limit) {
        return Err(ApiError::PayloadTooLarge);
    }
    filter::credentials(
        state,
        request.uri().path(),
        request.headers(),
        found,
        client,
    )
}

/// Authenticates with what [`admit`] found, then routes and answers one request.
async fn route(
    parts: &Parts,
    request: Request,
    admitted: Result<Option<RequestCredentials>, ApiError>,
    client: Option<IpAddr>,
) -> Response {
    // Nearly every check is answered at once, from memory, without making the future of
    // the waiting one.
    let identified = match admitted {
        Ok(credentials) => match filter::identify_now(&parts.state, credentials.as_ref()) {
            Some(identified) => identified,
            None => identify(&parts.state, credentials).await,
        },
        Err(error) => Err(error),
    };
    let user = match identified {
        Ok(user) => user,
        Err(error) => return error.into_response(),
    };
    let is_options = request.method() == Method::OPTIONS;
    // The router is always ready, so it is called directly rather than through `oneshot`'s
    // readiness state machine.
    let routed = parts.routes.clone().call(request);
    let response = match RequestContext::scope(user, client, routed).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    method_not_allowed::finish(response, is_options)
}

/// Runs `answer` for at most `limit`, or gives `None`. An answer ready at its first poll, as
/// cached reads are, never touches the timer: no deadline is computed and no timer entry is
/// made, so the limit costs nothing on the fast path. The limit counts from that first poll.
fn within<F: Future>(limit: Duration, answer: F) -> Within<F> {
    Within {
        answer,
        limit,
        timer: None,
    }
}

pin_project_lite::pin_project! {
    /// The future of [`within`]: a struct rather than an `async fn`, so the answer's future,
    /// the largest part of a request's state, is moved into place once instead of twice.
    struct Within<F> {
        #[pin]
        answer: F,
        limit: Duration,
        timer: Option<Pin<Box<tokio::time::Sleep>>>,
    }
}

impl<F: Future> Future for Within<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.answer.poll(cx) {
            return Poll::Ready(Some(output));
        }
        let limit = *this.limit;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        timer.as_mut().poll(cx).map(|()| None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_answer_ready_at_once_is_returned() {
        assert_eq!(within(Duration::from_secs(1), async { 7 }).await, Some(7));
    }

    #[tokio::test]
    async fn an_answer_that_waits_but_comes_in_time_is_returned() {
        let late = async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            8
        };
        assert_eq!(within(Duration::from_secs(5), late).await, Some(8));
    }

    #[tokio::test]
    async fn an_answer_that_never_comes_gives_none_after_the_limit() {
        let started = std::time::Instant::now();
        let never = std::future::pending::<()>();
        assert_eq!(within(Duration::from_millis(20), never).await, None);
        assert!(started.elapsed() >= Duration::from_millis(20));
    }
}
