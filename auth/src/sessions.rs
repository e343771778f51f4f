//! Cookie sessions: the original's `SessionAuth`, `SessionExpAuth` and `SessionDBAuth`.
//!
//! The three classes of the original differ only in where sessions live and whether they expire,
//! so one [`SessionAuth`] serves all three: `session_auth` is a `SessionAuth` whose duration is 0
//! (never expires) over an in-memory repository, `session_exp_auth` has `SESSION_DURATION` over an
//! in-memory repository, and `session_db_auth` has `SESSION_DURATION` over the persistent one.

//!
//! On top of the original's absolute lifetime, a session may end after a time without use
//! ([`IdleTimeout`]); the exact last use is kept in memory and written to the store only at the
//! granularity [`IdleTimeout`] documents, so a read does not cost a store write per request.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use domain::{Clock, SessionDuration, Timestamp, User, UserSession};
use storage::{ReadNow, SessionRepository, UserRepository};

use crate::{
    AuthError, Authenticator, IdleTimeout, Recognition, RequestCredentials, SessionInfo,
    SessionManager, SessionOrigin,
};

/// Last uses by session record id, looked up on every authenticated request: hashed with
/// foldhash under a random seed (the ids come from the store, the lookups from requests),
/// which costs a fraction of SipHash.
type SeenMap = HashMap<String, Timestamp, foldhash::quality::RandomState>;

/// Tells [`SessionAuth`] instances apart in [`LAST_RECORDED`] (tests make many).
static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The last use this thread wrote to a [`SessionAuth`]'s map: the instance, the
    /// session's id and the second.
    static LAST_RECORDED: RefCell<Option<(u64, String, Timestamp)>> = const { RefCell::new(None) };
}

/// Cookie-session authentication over one session repository, with one session lifetime and
/// an optional inactivity timeout.
pub struct SessionAuth {
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionRepository>,
    duration: SessionDuration,
    idle: IdleTimeout,
    clock: Arc<dyn Clock>,
    /// The exact last use of each session this process has seen used, by record id (never by
    /// the secret session id); the store holds it only to within the write granularity.
    seen: Mutex<SeenMap>,
    /// This instance's number in [`LAST_RECORDED`].
    instance: u64,
}

impl SessionAuth {
    /// Creates the mechanism over the stores; sessions expire after `duration` (zero or
    /// negative: never), measured with `clock`, and have no inactivity timeout.
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
            idle: IdleTimeout::default(),
            clock,
            seen: Mutex::new(SeenMap::default()),
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Returns the mechanism with sessions also ending after `idle` without use.
    pub fn with_idle_timeout(mut self, idle: IdleTimeout) -> Self {
        self.idle = idle;
        self
    }

    fn seen(&self) -> MutexGuard<'_, SeenMap> {
        // The map only ever holds complete entries, so a panic elsewhere cannot leave it
        // inconsistent: a poisoned lock is still usable.
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Returns when `session` was last used: the later of the stored and the remembered time.
    fn last_seen(&self, session: &UserSession) -> Timestamp {
        let stored = session.last_seen();
        match self.seen().get(&session.id) {
            Some(remembered) => stored.max(*remembered),
            None => stored,
        }
    }

    /// Tells whether `session` has ended at `now`, by age or by disuse.
    fn has_ended(&self, session: &UserSession, now: Timestamp) -> bool {
        // The remembered last use is looked up only when disuse can end a session: this runs
        // on every authenticated request, and the map is shared by every worker thread.
        self.duration.is_expired(session.created_at, now)
            || (self.idle.applies() && self.idle.is_expired(self.last_seen(session), now))
    }

    /// Returns the stored session with this id if it is still live at `now`; an ended one is
    /// deleted on the way (D14). The record is shared with the store where it can be, not
    /// copied: this runs on every authenticated request.
    async fn live_session(
        &self,
        session_id: &str,
        now: Timestamp,
    ) -> Result<Option<Arc<UserSession>>, AuthError> {
        let Some(session) = self.sessions.get_shared(session_id).await? else {
            return Ok(None);
        };
        if self.has_ended(&session, now) {
            self.remove(&session).await?;
            return Ok(None);
        }
        Ok(Some(session))
    }

    /// Returns the live session with this id and records its use now: the check every request
    /// with a session cookie goes through.
    async fn use_session(&self, session_id: &str) -> Result<Option<Arc<UserSession>>, AuthError> {
        // One reading of the clock serves the liveness check and the recorded use.
        let now = self.clock.now();
        let session = self.live_session(session_id, now).await?;
        if let Some(session) = &session {
            self.record_use(session, now).await;
        }
        Ok(session)
    }

    /// Deletes `session` from the store and forgets its last use.
    async fn remove(&self, session: &UserSession) -> Result<bool, AuthError> {
        self.seen().remove(&session.id);
        Ok(self.sessions.delete(&session.session_id).await?)
    }

    /// Records a use of `session` at `now`: always in memory, in the store only when the
    /// stored last use is a granularity old. A failed store write is logged, not fatal: the
    /// request is still authenticated, and the next use tries again.
    async fn record_use(&self, session: &UserSession, now: Timestamp) {
        self.remember_use(session, now);
        if self.idle.needs_write(session.last_seen(), now) {
            if let Err(err) = self.sessions.touch(&session.session_id, now).await {
                tracing::warn!(error = %err, session = %session.id, "cannot store a session's last use");
            }
        }
    }

    /// Remembers in memory that `session` was used at `now`.
    fn remember_use(&self, session: &UserSession, now: Timestamp) {
        // Times have whole seconds: a thread that already recorded this session in this
        // second skips the map, whose lock every worker thread shares (its cache line moving
        // between the cores on every request was a measurable cost of a cookie request).
        let repeated = LAST_RECORDED
            .try_with(|last| {
                matches!(&*last.borrow(), Some((auth, id, at))
                    if *auth == self.instance && *at == now && *id == session.id)
            })
            .unwrap_or(false);
        if repeated {
            return;
        }
        {
            // Updated in place when known: a fresh key would cost an allocation each time.
            let mut seen = self.seen();
            match seen.get_mut(&session.id) {
                Some(last) => *last = now,
                None => {
                    seen.insert(session.id.clone(), now);
                }
            }
        }
        let _ = LAST_RECORDED.try_with(|last| match &mut *last.borrow_mut() {
            Some((auth, id, at)) => {
                *auth = self.instance;
                id.clear();
                id.push_str(&session.id);
                *at = now;
            }
            empty => *empty = Some((self.instance, session.id.clone(), now)),
        });
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

    /// Returns the instant before which a stored last use proves a session idle, or `None`
    /// without a timeout. The stored value may lag the true last use by up to one granularity,
    /// so only sessions stored as idle for the timeout plus that long are certainly idle.
    fn idle_cutoff(&self, now: Timestamp) -> Option<Timestamp> {
        if !self.idle.applies() {
            return None;
        }
        let margin = self
            .idle
            .seconds()
            .saturating_add(self.idle.granularity_seconds());
        Some(now.plus_seconds(-i64::try_from(margin).unwrap_or(i64::MAX)))
    }

    /// Returns the live sessions of `user_id`, deleting ended ones on the way.
    async fn live_sessions_of(&self, user_id: &str) -> Result<Vec<UserSession>, AuthError> {
        let now = self.clock.now();
        let mut live = Vec::new();
        for session in self.sessions.list_for_user(user_id).await? {
            if self.has_ended(&session, now) {
                self.remove(&session).await?;
            } else {
                live.push(session);
            }
        }
        Ok(live)
    }
}

#[async_trait]
impl SessionManager for SessionAuth {
    async fn create_session(
        &self,
        user_id: &str,
        origin: SessionOrigin,
    ) -> Result<String, AuthError> {
        let mut session = UserSession::new(user_id, self.clock.now());
        session.client_addr = origin.client_addr;
        session.user_agent = origin.user_agent;
        let session_id = session.session_id.clone();
        self.sessions.create(session).await?;
        Ok(session_id)
    }

    async fn user_id_for_session_id(&self, session_id: &str) -> Result<Option<String>, AuthError> {
        let session = self.use_session(session_id).await?;
        Ok(session.map(|session| session.user_id.clone()))
    }

    async fn destroy_session(&self, session_id: &str) -> Result<bool, AuthError> {
        // Like the original, an expired session cannot be logged out of (it is removed anyway).
        match self.live_session(session_id, self.clock.now()).await? {
            Some(session) => self.remove(&session).await,
            None => Ok(false),
        }
    }

    async fn purge_expired(&self) -> Result<usize, AuthError> {
        let now = self.clock.now();
        let mut removed = 0;
        if let Some(cutoff) = self.expiry_cutoff(now) {
            removed += self.sessions.delete_created_before(cutoff).await?;
        }
        if let Some(cutoff) = self.idle_cutoff(now) {
            removed += self.sessions.delete_last_seen_before(cutoff).await?;
        }
        // Remembered uses older than the timeout (or, without one, than the write
        // granularity) tell nothing the store does not: the session is idle either way.
        let keep = if self.idle.applies() {
            self.idle.seconds()
        } else {
            self.idle.granularity_seconds()
        };
        let horizon = now.plus_seconds(-i64::try_from(keep).unwrap_or(i64::MAX));
        self.seen().retain(|_, last| *last >= horizon);
        Ok(removed)
    }

    async fn handle_for(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> Result<Option<String>, AuthError> {
        Ok(self
            .live_session(session_id, self.clock.now())
            .await?
            .filter(|session| session.user_id == user_id)
            .map(|session| session.id.clone()))
    }

    async fn list_sessions(&self, user_id: &str) -> Result<Vec<SessionInfo>, AuthError> {
        Ok(self
            .live_sessions_of(user_id)
            .await?
            .iter()
            .map(|session| {
                SessionInfo::describe(
                    session,
                    self.last_seen(session),
                    self.duration.expires_at(session.created_at),
                )
            })
            .collect())
    }

    async fn end_session(&self, user_id: &str, handle: &str) -> Result<bool, AuthError> {
        let sessions = self.live_sessions_of(user_id).await?;
        match sessions.iter().find(|session| session.id == handle) {
            Some(session) => self.remove(session).await,
            None => Ok(false),
        }
    }

    async fn end_sessions_except(
        &self,
        user_id: &str,
        keep: Option<String>,
    ) -> Result<usize, AuthError> {
        let mut ended = 0;
        for session in self.live_sessions_of(user_id).await? {
            if keep.as_deref() != Some(session.id.as_str()) && self.remove(&session).await? {
                ended += 1;
            }
        }
        Ok(ended)
    }

    fn duration(&self) -> SessionDuration {
        self.duration
    }

    fn idle_timeout(&self) -> IdleTimeout {
        self.idle
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
        let Some(session) = self.use_session(session_id).await? else {
            return Ok(Recognition::Rejected);
        };
        // A session whose user was deleted authenticates nobody.
        Ok(recognise(self.users.get_shared(&session.user_id).await?))
    }

    fn authenticate_now(
        &self,
        credentials: &RequestCredentials,
    ) -> Option<Result<Recognition, AuthError>> {
        // The same steps as `authenticate`, for stores that answer at once. Anything that
        // would change the store (deleting an ended session, writing a last use) or read
        // from elsewhere is left to `authenticate`, which starts over.
        let Some(session_id) = credentials.session_cookie.as_deref() else {
            return Some(Ok(Recognition::NotMine));
        };
        let now = self.clock.now();
        let ReadNow::Answered(session) = self.sessions.get_shared_now(session_id) else {
            return None;
        };
        let Some(session) = session else {
            return Some(Ok(Recognition::Rejected));
        };
        if self.has_ended(&session, now) || self.idle.needs_write(session.last_seen(), now) {
            return None;
        }
        let ReadNow::Answered(user) = self.users.get_shared_now(&session.user_id) else {
            return None;
        };
        self.remember_use(&session, now);
        Some(Ok(recognise(user)))
    }
}

/// What the user read for a live session makes of the request: a session whose user was
/// deleted authenticates nobody.
fn recognise(user: Option<Arc<User>>) -> Recognition {
    match user {
        Some(user) => Recognition::Authenticated(user),
        None => Recognition::Rejected,
    }
}

#[cfg(test)]
mod now_tests;
#[cfg(test)]
mod tests;
