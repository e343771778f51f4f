//! The two traits every authentication mechanism implements.

use std::sync::Arc;

use async_trait::async_trait;
use domain::{SessionDuration, User};

use crate::{AuthError, IdleTimeout, RequestCredentials, RetryAfter, SessionInfo, SessionOrigin};

/// What one mechanism makes of a request's credentials.
#[derive(Debug, Clone, PartialEq)]
pub enum Recognition {
    /// The request carries no credential of this mechanism's kind; the next one may look.
    NotMine,
    /// The credential is this mechanism's and it names this user (shared with the store where
    /// it keeps users in memory: the filter runs on every request, and the record is only read).
    Authenticated(Arc<User>),
    /// The credential is this mechanism's kind but is not valid (unknown, expired, malformed).
    Rejected,
    /// The credential is this mechanism's kind but was not checked: too many recent failures
    /// for its account or the client's address (the filter answers 429).
    Throttled(RetryAfter),
}

/// A way of finding the user behind a request (Basic, session cookie, or a chain of them).
#[async_trait]
pub trait Authenticator: Send + Sync {
    /// Looks at the request's credentials and says whether they are this mechanism's and valid.
    async fn authenticate(
        &self,
        credentials: &RequestCredentials,
    ) -> Result<Recognition, AuthError>;

    /// Gives what [`authenticate`](Self::authenticate) would, when the mechanism can tell
    /// without waiting and without changing anything stored; `None` (this default) when it
    /// cannot, and then `authenticate` must be asked. The filter asks this first: the cookie
    /// check of nearly every request needs only reads from memory, and the `async` method costs
    /// a boxed future per call.
    fn authenticate_now(
        &self,
        credentials: &RequestCredentials,
    ) -> Option<Result<Recognition, AuthError>> {
        let _ = credentials;
        None
    }
}

// Written out rather than derived with `automock`, which would also mock `authenticate_now`:
// the double keeps its default `None`, so callers take the `async` path its expectations
// describe.
#[cfg(any(test, feature = "mocks"))]
mockall::mock! {
    /// A mockall double of [`Authenticator`].
    pub Authenticator {}

    #[async_trait]
    impl Authenticator for Authenticator {
        async fn authenticate(
            &self,
            credentials: &RequestCredentials,
        ) -> Result<Recognition, AuthError>;
    }
}

/// Creates, resolves and ends login sessions (the original's `SessionAuth` family).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionManager: Send + Sync {
    /// Opens a new session for `user_id`, remembering where the login came from, and returns
    /// its fresh session id.
    async fn create_session(
        &self,
        user_id: &str,
        origin: SessionOrigin,
    ) -> Result<String, AuthError>;

    /// Returns the user id of a live session; `None` for unknown or expired ids (an expired
    /// session is removed on the way).
    async fn user_id_for_session_id(&self, session_id: &str) -> Result<Option<String>, AuthError>;

    /// Ends the live session with this id; returns `false` if there was none (or it expired).
    async fn destroy_session(&self, session_id: &str) -> Result<bool, AuthError>;

    /// Removes every expired session from the store; returns how many were removed.
    async fn purge_expired(&self) -> Result<usize, AuthError>;

    /// Returns the handle of the session with this session id when it is a live session of
    /// `user_id` (without counting as a use); `None` otherwise.
    async fn handle_for(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> Result<Option<String>, AuthError>;

    /// Returns every live session of `user_id`, oldest first.
    async fn list_sessions(&self, user_id: &str) -> Result<Vec<SessionInfo>, AuthError>;

    /// Ends the session of `user_id` with this handle; `false` when `user_id` has none such.
    async fn end_session(&self, user_id: &str, handle: &str) -> Result<bool, AuthError>;

    /// Ends every session of `user_id` except the one with the handle `keep` (all of them when
    /// `keep` is `None`); returns how many were ended.
    async fn end_sessions_except(
        &self,
        user_id: &str,
        keep: Option<String>,
    ) -> Result<usize, AuthError>;

    /// Returns how long sessions live, for the cookie's `Max-Age`.
    fn duration(&self) -> SessionDuration;

    /// Returns the inactivity timeout (`SESSION_IDLE_TIMEOUT`).
    fn idle_timeout(&self) -> IdleTimeout;
}
