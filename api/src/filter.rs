//! The authentication filter (SPEC Part B 4): it runs before routing, on every request (the
//! gateway's answer, `app/answer.rs`, calls it: at once when the authenticator can answer
//! from memory, otherwise in the request's future).
//!
//! Authentication off: pass. Excluded path: pass. No `Authorization` header and no session
//! cookie: 401. Credentials that name a user: pass with that user as the [`CurrentUser`].
//! Basic credentials of an account or address with too many recent failures: 429 with
//! `Retry-After`. Anything else: 403. A failing store: 503.

use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

use auth::path_rule::{require_auth, EXCLUDED_PATHS};
use auth::{AuthError, Recognition, RequestCredentials};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use domain::User;
use tokio::task::futures::TaskLocalFuture;

use crate::app::GatewayHeaders;
use crate::error::ApiError;
use crate::state::AppState;

/// The user the filter authenticated for this request; `None` when authentication is off or the
/// path is excluded (the original's `request.current_user`).
#[derive(Debug, Clone, Default)]
pub struct CurrentUser(pub Option<Arc<User>>);

/// What the gateway knows of the request the current task is answering: its user, until a
/// handler takes it, and its client's address.
pub(crate) struct RequestContext {
    user: Cell<Option<Arc<User>>>,
    client: Option<IpAddr>,
}

tokio::task_local! {
    /// The context of the request the current task is answering.
    ///
    /// A task-local rather than request extensions: the extension map is a hash map of boxed
    /// values, and these would be its third and fourth entries on most requests (after axum's
    /// matched path and URL parameters), which made it grow on every request.
    static REQUEST: RequestContext;
}

impl RequestContext {
    /// Runs `answer` (the routing and the handler of one request) with `user` as the
    /// request's [`CurrentUser`] and `client` as its [`request_client`].
    pub(crate) fn scope<F: Future>(
        user: Option<Arc<User>>,
        client: Option<IpAddr>,
        answer: F,
    ) -> TaskLocalFuture<RequestContext, F> {
        let context = RequestContext {
            user: Cell::new(user),
            client,
        };
        REQUEST.scope(context, answer)
    }
}

/// The address of the client of the request the current task is answering: the connection's
/// peer, or `None` outside the gateway or for a request that came without one.
pub(crate) fn request_client() -> Option<IpAddr> {
    REQUEST.try_with(|context| context.client).ok().flatten()
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Infallible;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // Taken rather than cloned: a handler extracts it once. Outside the gateway (no scope)
        // there is no user.
        Ok(CurrentUser(
            REQUEST
                .try_with(|context| context.user.take())
                .ok()
                .flatten(),
        ))
    }
}

/// Reads the credentials of a request on `path` from its `headers` (`found` holds the ones the
/// gateway already picked out) and `client` (the peer's address, when known): `Ok(None)` when
/// authentication is off or the path is excluded, a 401 answer when the request carries no
/// credential at all.
pub(crate) fn credentials(
    state: &AppState,
    path: &str,
    headers: &HeaderMap,
    found: &GatewayHeaders<'_>,
    client: Option<IpAddr>,
) -> Result<Option<RequestCredentials>, ApiError> {
    if state.auth.authenticator.is_none() || !require_auth(Some(path), &EXCLUDED_PATHS) {
        return Ok(None);
    }
    let session_cookie = match found.cookie {
        Some(cookie) if !found.more_cookies => state.cookie.read_header(cookie),
        Some(_) => state.cookie.read(headers),
        None => None,
    };
    let credentials = RequestCredentials {
        // The first `Authorization` header as received; an empty value is present, not
        // absent (D9).
        authorization: found
            .authorization
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned()),
        session_cookie,
        client_addr: client,
    };
    if credentials.is_empty() {
        return Err(ApiError::Unauthorized);
    }
    Ok(Some(credentials))
}

/// Decides at once, when the authenticator can, who makes a request with `credentials`
/// (`None`: authentication is off or the path is excluded): `Ok(Some(user))` when they name a
/// user, otherwise the 403/429/503 answer to send instead of routing. `None` when only
/// [`identify`] can tell.
pub(crate) fn identify_now(
    state: &AppState,
    credentials: Option<&RequestCredentials>,
) -> Option<Result<Option<Arc<User>>, ApiError>> {
    let (Some(authenticator), Some(credentials)) = (&state.auth.authenticator, credentials) else {
        return Some(Ok(None));
    };
    Some(decide(authenticator.authenticate_now(credentials)?))
}

/// Decides who makes a request with `credentials`, as [`identify_now`] does, waiting for the
/// stores when it must.
pub(crate) async fn identify(
    state: &AppState,
    credentials: Option<RequestCredentials>,
) -> Result<Option<Arc<User>>, ApiError> {
    let (Some(authenticator), Some(credentials)) = (&state.auth.authenticator, credentials) else {
        return Ok(None);
    };
    decide(authenticator.authenticate(&credentials).await)
}

/// What the filter makes of an authenticator's answer.
fn decide(recognition: Result<Recognition, AuthError>) -> Result<Option<Arc<User>>, ApiError> {
    match recognition? {
        Recognition::Authenticated(user) => Ok(Some(user)),
        Recognition::Throttled(retry_after) => Err(retry_after.into()),
        Recognition::NotMine | Recognition::Rejected => Err(ApiError::Forbidden),
    }
}
