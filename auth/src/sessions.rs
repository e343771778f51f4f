//! Cookie sessions: the original's `SessionAuth`, `SessionExpAuth` and `SessionDBAuth`.
//!
//! The three classes of the original differ only in where sessions live and whether they expire,
//! so one [`SessionAuth`] serves all three: `session_auth` is a `SessionAuth` whose duration is 0
//! (never expires) over an in-memory repository, `session_exp_auth` has `SESSION_DURATION` over an
//! in-memory repository, and `session_db_auth` has `SESSION_DURATION` over the persistent one.

use std::sync::Arc;

use async_trait::async_trait;
use domain::{Clock, SessionDuration, Timestamp, UserSession};
use storage::{SessionRepository, UserRepository};

use crate::{AuthError, Authenticator, Recognition, RequestCredentials, SessionManager};

/// Cookie-session authentication over one session repository, with one session lifetime.
pub struct SessionAuth {
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionRepository>,
    duration: SessionDuration,
    clock: Arc<dyn Clock>,
}

impl SessionAuth {
    /// Creates the mechanism over the stores; sessions expire after `duration` (zero or
    /// negative: never), measured with `clock`.
    pub fn new(
        users: Arc<dyn UserRepository>,
        sessions: Arc<dyn SessionRepository>,
        duration: SessionDuration,
        clock: Arc<dyn Clock>,
    ) -> Self {
        SessionAuth {
            users,
            sessions,
            duration,
            clock,
        }
    }

    /// Returns the stored session with this id if it is still live; an expired one is deleted
    /// on the way (D14).
    async fn live_session(&self, session_id: &str) -> Result<Option<UserSession>, AuthError> {
        let Some(session) = self.sessions.get(session_id).await? else {
            return Ok(None);
        };
        if self
            .duration
            .is_expired(session.created_at, self.clock.now())
        {
            self.sessions.delete(session_id).await?;
            return Ok(None);
        }
        Ok(Some(session))
    }

    /// Returns the instant before which sessions are expired, or `None` when none can be: a
    /// session is expired iff `created_at + duration < now`, that is `created_at < now - duration`.
    fn expiry_cutoff(&self, now: Timestamp) -> Option<Timestamp> {
        if !self.duration.expires() {
            return None;
        }
        // `plus_seconds` saturates towards the distant past for enormous durations, so the
        // cutoff then matches no session at all.
        Some(now.plus_seconds(-self.duration.seconds()))
    }
}

#[async_trait]
impl SessionManager for SessionAuth {
    async fn create_session(&self, user_id: &str) -> Result<String, AuthError> {
        let session = UserSession::new(user_id, self.clock.now());
        let session_id = session.session_id.clone();
        self.sessions.create(session).await?;
        Ok(session_id)
    }

    async fn user_id_for_session_id(&self, session_id: &str) -> Result<Option<String>, AuthError> {
        Ok(self
            .live_session(session_id)
            .await?
            .map(|session| session.user_id))
    }

    async fn destroy_session(&self, session_id: &str) -> Result<bool, AuthError> {
        // Like the original, an expired session cannot be logged out of (it is removed anyway).
        if self.live_session(session_id).await?.is_none() {
            return Ok(false);
        }
        Ok(self.sessions.delete(session_id).await?)
    }

    async fn purge_expired(&self) -> Result<usize, AuthError> {
        match self.expiry_cutoff(self.clock.now()) {
            Some(cutoff) => Ok(self.sessions.delete_created_before(cutoff).await?),
            None => Ok(0),
        }
    }

    fn duration(&self) -> SessionDuration {
        self.duration
    }
}

#[async_trait]
impl Authenticator for SessionAuth {
    async fn authenticate(
        &self,
        credentials: &RequestCredentials,
    ) -> Result<Recognition, AuthError> {
        // An empty cookie value is still a cookie (D9): it is ours, and it is not valid.
        let Some(session_id) = credentials.session_cookie.as_deref() else {
            return Ok(Recognition::NotMine);
        };
        let Some(user_id) = self.user_id_for_session_id(session_id).await? else {
            return Ok(Recognition::Rejected);
        };
        // A session whose user was deleted authenticates nobody.
        Ok(match self.users.get(&user_id).await? {
            Some(user) => Recognition::Authenticated(user),
            None => Recognition::Rejected,
        })
    }
}

#[cfg(test)]
mod tests;
