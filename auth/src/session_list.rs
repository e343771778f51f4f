//! What a user may see of their sessions, where a session came from, and the inactivity rule.

use domain::{Timestamp, UserSession};

/// Where a login came from, recorded with the session it opens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionOrigin {
    /// The client's address (IP, without the port), when the server knows it.
    pub client_addr: Option<String>,
    /// The `User-Agent` header of the login request, when sent.
    pub user_agent: Option<String>,
}

/// One session as its owner sees it: never the secret session id, only its opaque `handle`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// A stable opaque name of the session (the record id, which is not the cookie's secret).
    pub handle: String,
    /// When the session was opened.
    pub created_at: Timestamp,
    /// When the session was last used, to within [`IdleTimeout::granularity_seconds`].
    pub last_seen_at: Timestamp,
    /// When the session ends at the latest (`SESSION_DURATION`); `None` when it never does.
    pub expires_at: Option<Timestamp>,
    /// The address the session was opened from, when known.
    pub client_addr: Option<String>,
    /// The `User-Agent` the session was opened with, when sent.
    pub user_agent: Option<String>,
}

impl SessionInfo {
    /// Describes `session`, last used at `last_seen_at`, ending at `expires_at`.
    pub fn describe(
        session: &UserSession,
        last_seen_at: Timestamp,
        expires_at: Option<Timestamp>,
    ) -> Self {
        SessionInfo {
            handle: session.id.clone(),
            created_at: session.created_at,
            last_seen_at,
            expires_at,
            client_addr: session.client_addr.clone(),
            user_agent: session.user_agent.clone(),
        }
    }
}

/// The shortest interval between two stored `last_seen_at` writes of one session, in seconds.
pub const MIN_LAST_SEEN_GRANULARITY_SECONDS: u64 = 60;

/// The inactivity timeout (`SESSION_IDLE_TIMEOUT`): a session unused for longer ends.
///
/// Storing the last use on every request would turn every read into a store write, so the
/// stored `last_seen_at` is only rewritten once it is at least [`granularity_seconds`] old:
/// `max(60 s, timeout / 10)`. The process itself remembers the exact last use, so the timeout
/// is exact while the server runs; after a restart the stored value, at most one granularity
/// old, is what counts (a session may then end up to that much early, never late).
///
/// [`granularity_seconds`]: IdleTimeout::granularity_seconds
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IdleTimeout(u64);

impl IdleTimeout {
    /// A timeout of `seconds`; 0 turns it off.
    pub fn from_seconds(seconds: u64) -> Self {
        IdleTimeout(seconds)
    }

    /// Returns the timeout in seconds (0: off).
    pub fn seconds(&self) -> u64 {
        self.0
    }

    /// Tells whether unused sessions end at all.
    pub fn applies(&self) -> bool {
        self.0 > 0
    }

    /// Returns how old the stored `last_seen_at` must be before a use rewrites it.
    pub fn granularity_seconds(&self) -> u64 {
        (self.0 / 10).max(MIN_LAST_SEEN_GRANULARITY_SECONDS)
    }

    /// Tells whether a session last used at `last_seen` has been idle too long at `now`: the
    /// end `last_seen + timeout` is strictly earlier than now (the end itself is still valid).
    pub fn is_expired(&self, last_seen: Timestamp, now: Timestamp) -> bool {
        self.applies() && last_seen.plus_seconds(seconds_i64(self.0)) < now
    }

    /// Tells whether a use at `now` should rewrite a stored `last_seen_at` of `stored`.
    pub fn needs_write(&self, stored: Timestamp, now: Timestamp) -> bool {
        stored.plus_seconds(seconds_i64(self.granularity_seconds())) <= now
    }
}

fn seconds_i64(seconds: u64) -> i64 {
    i64::try_from(seconds).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().expect("a valid timestamp")
    }

    #[test]
    fn the_write_granularity_is_a_tenth_of_the_timeout_but_at_least_a_minute() {
        assert_eq!(IdleTimeout::from_seconds(0).granularity_seconds(), 60);
        assert_eq!(IdleTimeout::from_seconds(2).granularity_seconds(), 60);
        assert_eq!(IdleTimeout::from_seconds(3600).granularity_seconds(), 360);
        assert_eq!(
            IdleTimeout::from_seconds(u64::MAX).granularity_seconds(),
            u64::MAX / 10
        );
    }

    #[test]
    fn a_session_is_idle_only_strictly_after_the_timeout_and_never_when_off() {
        let seen = ts("2020-01-01T00:00:00");
        let idle = IdleTimeout::from_seconds(60);
        assert!(!idle.is_expired(seen, ts("2020-01-01T00:01:00")));
        assert!(idle.is_expired(seen, ts("2020-01-01T00:01:01")));
        let off = IdleTimeout::from_seconds(0);
        assert!(!off.applies());
        assert!(!off.is_expired(seen, ts("2100-01-01T00:00:00")));
        assert!(!IdleTimeout::from_seconds(u64::MAX).is_expired(seen, ts("9999-01-01T00:00:00")));
    }

    #[test]
    fn the_stored_last_use_is_rewritten_once_it_is_a_granularity_old() {
        let stored = ts("2020-01-01T00:00:00");
        let idle = IdleTimeout::from_seconds(0);
        assert!(!idle.needs_write(stored, ts("2020-01-01T00:00:59")));
        assert!(idle.needs_write(stored, ts("2020-01-01T00:01:00")));
    }
}
