//! The two traits every authentication mechanism implements.

use async_trait::async_trait;
use domain::{SessionDuration, User};

use crate::{AuthError, RequestCredentials};

/// What one mechanism makes of a request's credentials.
#[derive(Debug, Clone, PartialEq)]
// A `User` in the success variant is the common case and each value is moved once, so boxing it
// would cost an allocation per request for nothing; the enum's shape is also public API.
#[allow(clippy::large_enum_variant)]
pub enum Recognition {
    /// The request carries no credential of this mechanism's kind; the next one may look.
    NotMine,
    /// The credential is this mechanism's and it names this user.
    Authenticated(User),
    /// The credential is this mechanism's kind but is not valid (unknown, expired, malformed).
    Rejected,
}

/// A way of finding the user behind a request (Basic, session cookie, or a chain of them).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Authenticator: Send + Sync {
    /// Looks at the request's credentials and says whether they are this mechanism's and valid.
    async fn authenticate(
        &self,
        credentials: &RequestCredentials,
    ) -> Result<Recognition, AuthError>;
}

/// Creates, resolves and ends login sessions (the original's `SessionAuth` family).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionManager: Send + Sync {
    /// Opens a new session for `user_id` and returns its fresh session id.
    async fn create_session(&self, user_id: &str) -> Result<String, AuthError>;

    /// Returns the user id of a live session; `None` for unknown or expired ids (an expired
    /// session is removed on the way).
    async fn user_id_for_session_id(&self, session_id: &str) -> Result<Option<String>, AuthError>;

    /// Ends the live session with this id; returns `false` if there was none (or it expired).
    async fn destroy_session(&self, session_id: &str) -> Result<bool, AuthError>;

    /// Removes every expired session from the store; returns how many were removed.
    async fn purge_expired(&self) -> Result<usize, AuthError>;

    /// Returns how long sessions live, for the cookie's `Max-Age`.
    fn duration(&self) -> SessionDuration;
}
