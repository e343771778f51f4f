//! The answer to one request: the gateway's steps that need no waiting, done when the request
//! arrives, and the future that routes it and finishes the response.
//!
//! The future is written by hand rather than as nested `async fn`s: an `async fn` keeps its
//! arguments for its whole life and is moved into each future that awaits it, so the nested
//! ones made a boxed future of about 1.8 KiB, copied several times per request and too big for
//! the allocator's fast path. This one holds the route's future, the request id and the access
//! entry, and is built in place once.

use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use auth::RequestCredentials;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::Router;
use domain::User;
use tokio::task::futures::TaskLocalFuture;
use tower::Service;
use tower_http::normalize_path::NormalizePath;

use super::access_log::AccessEntry;
use super::gateway_headers::GatewayHeaders;
use super::request_id::{self, X_REQUEST_ID};
use super::Parts;
use crate::connect_info::client_address;
use crate::error::ApiError;
use crate::filter::{self, RequestContext};
use crate::state::AppState;
use crate::{body_limit, cors, method_not_allowed};

/// The future of the route table's answer.
type RouteFuture = <NormalizePath<Router> as Service<Request>>::Future;

/// Starts answering `request`: reads its headers, takes or makes its request id, starts its
/// access entry, checks its declared length and its credentials, and authenticates it when
/// that needs no waiting (see the module documentation of `app` for the steps).
pub(super) fn start(parts: &Arc<Parts>, request: Request) -> Answer {
    let found = GatewayHeaders::of(request.headers());
    let request_id = request_id::request_id(found.request_id);
    let access = AccessEntry::start(&request);
    let under_api = cors::is_api_path(request.uri().path());
    let client = parts.peer.or_else(|| client_address(request.extensions()));
    let admitted = admit(&parts.state, &request, &found, client);
    Answer {
        routed: within(
            parts.request_timeout,
            routed(parts, request, admitted, client),
        ),
        request_id: Some(request_id),
        access,
        under_api,
    }
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

/// Authenticates with what [`admit`] found and starts routing: at once when the authenticator
/// can answer at once (nearly every request), otherwise in a boxed future that waits for it.
fn routed(
    parts: &Arc<Parts>,
    request: Request,
    admitted: Result<Option<RequestCredentials>, ApiError>,
    client: Option<IpAddr>,
) -> Routed {
    let credentials = match admitted {
        Ok(credentials) => credentials,
        Err(error) => return Routed::refused(error),
    };
    match filter::identify_now(&parts.state, credentials.as_ref()) {
        Some(Ok(user)) => routing(parts, request, user, client),
        Some(Err(error)) => Routed::refused(error),
        None => {
            let parts = Arc::clone(parts);
            Routed::Waiting {
                answer: Box::pin(async move {
                    match filter::identify(&parts.state, credentials).await {
                        Ok(user) => routing(&parts, request, user, client).await,
                        Err(error) => error.into_response(),
                    }
                }),
            }
        }
    }
}

/// Hands `request`, made by `user` from `client`, to the route table.
fn routing(
    parts: &Parts,
    request: Request,
    user: Option<Arc<User>>,
    client: Option<IpAddr>,
) -> Routed {
    let is_options = request.method() == Method::OPTIONS;
    // The router is always ready, so it is called directly rather than through `oneshot`'s
    // readiness state machine.
    let routed = parts.routes.clone().call(request);
    Routed::Routing {
        routed: RequestContext::scope(user, client, routed),
        is_options,
    }
}

pin_project_lite::pin_project! {
    /// The future of one request's answer: its routing, within the request timeout, then the
    /// headers every answer gets and the access line.
    pub(super) struct Answer {
        #[pin]
        routed: Within<Routed>,
        // Taken when the answer is ready.
        request_id: Option<HeaderValue>,
        access: Option<AccessEntry>,
        under_api: bool,
    }
}

impl Future for Answer {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let routed = ready!(this.routed.poll(cx));
        let request_id = this
            .request_id
            .take()
            .unwrap_or_else(|| HeaderValue::from_static("-"));
        let mut response = match routed {
            Ok(response) => response,
            Err(limit) => ApiError::unavailable(format!(
                "request {} timed out after {} s",
                request_id.to_str().unwrap_or("-"),
                limit.as_secs()
            ))
            .into_response(),
        };
        if *this.under_api {
            cors::allow_any_origin(&mut response);
            // Answers of the API carry users, sessions and cookies: no cache, shared or
            // private, may keep them. One rule for every route, status included, so that no
            // new route can forget it.
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        if let Some(access) = this.access.take() {
            access.finish(response.status(), &request_id);
        }
        response.headers_mut().insert(&X_REQUEST_ID, request_id);
        Poll::Ready(Ok(response))
    }
}

pin_project_lite::pin_project! {
    /// Where a request's routing stands.
    #[project = RoutedProjection]
    enum Routed {
        /// The filter answered instead of the route (401, 403, 413, 429, 503); taken when
        /// polled.
        Refused { response: Option<Response> },
        /// The route table answers, with the request's user and client as its context.
        Routing {
            #[pin]
            routed: TaskLocalFuture<RequestContext, RouteFuture>,
            is_options: bool,
        },
        /// The authenticator must wait (a password check, a store write, a database): the
        /// check and the routing in one boxed future.
        Waiting { answer: Pin<Box<dyn Future<Output = Response> + Send>> },
    }
}

impl Routed {
    fn refused(error: ApiError) -> Routed {
        Routed::Refused {
            response: Some(error.into_response()),
        }
    }
}

impl Future for Routed {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        match self.project() {
            RoutedProjection::Refused { response } => {
                Poll::Ready(response.take().unwrap_or_else(|| {
                    ApiError::unavailable("an answer was polled after it was given").into_response()
                }))
            }
            RoutedProjection::Routing { routed, is_options } => {
                let response = match ready!(routed.poll(cx)) {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                Poll::Ready(method_not_allowed::finish(response, *is_options))
            }
            RoutedProjection::Waiting { answer } => answer.as_mut().poll(cx),
        }
    }
}

/// Runs `answer` for at most `limit` (`None`: no limit), or gives `Err(limit)`. An answer
/// ready at its first poll, as cached reads are, never touches the timer: no deadline is
/// computed and no timer entry is made, so the limit costs nothing on the fast path. The
/// limit counts from that first poll.
fn within<F: Future>(limit: Option<Duration>, answer: F) -> Within<F> {
    Within {
        answer,
        limit,
        timer: None,
    }
}

pin_project_lite::pin_project! {
    /// The future of [`within`].
    struct Within<F> {
        #[pin]
        answer: F,
        limit: Option<Duration>,
        timer: Option<Pin<Box<tokio::time::Sleep>>>,
    }
}

impl<F: Future> Future for Within<F> {
    type Output = Result<F::Output, Duration>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.answer.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let Some(limit) = *this.limit else {
            return Poll::Pending;
        };
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        timer.as_mut().poll(cx).map(|()| Err(limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Option<Duration> = Some(Duration::from_secs(1));

    #[tokio::test]
    async fn an_answer_ready_at_once_is_returned() {
        assert_eq!(within(SECOND, async { 7 }).await, Ok(7));
    }

    #[tokio::test]
    async fn an_answer_that_waits_but_comes_in_time_is_returned() {
        let late = async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            8
        };
        assert_eq!(within(Some(Duration::from_secs(5)), late).await, Ok(8));
    }

    #[tokio::test]
    async fn an_answer_that_never_comes_gives_the_limit_after_the_limit() {
        let started = std::time::Instant::now();
        let never = std::future::pending::<()>();
        let limit = Duration::from_millis(20);
        assert_eq!(within(Some(limit), never).await, Err(limit));
        assert!(started.elapsed() >= limit);
    }

    #[tokio::test]
    async fn without_a_limit_a_late_answer_is_still_returned() {
        let late = async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            9
        };
        assert_eq!(within(None, late).await, Ok(9));
    }

    #[test]
    fn the_answer_of_a_request_fits_the_allocators_small_blocks() {
        // mimalloc serves blocks up to 1 KiB from its per-thread fast path.
        assert!(
            std::mem::size_of::<Answer>() <= 1024,
            "{}",
            std::mem::size_of::<Answer>()
        );
    }
}
