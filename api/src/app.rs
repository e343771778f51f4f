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
//! hand-written service does the same work with one boxed future (`answer.rs`).

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::response::Response;
use axum::Router;
use tower::{Layer, Service};
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};

use crate::routes;
use crate::state::AppState;

mod access_log;
mod answer;
mod gateway_headers;
mod request_id;

pub(crate) use gateway_headers::GatewayHeaders;

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
        Box::pin(answer::start(&self.parts, request))
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
