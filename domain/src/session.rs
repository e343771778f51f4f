//! The `UserSession` record and the session lifetime rule (`SESSION_DURATION`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{new_id, Timestamp};

/// A login session, as kept in `.db_UserSession.json` by the original's `SessionDBAuth`.
///
/// `id` is the record's own id; `session_id` is the secret the client holds in its cookie.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct UserSession {
    /// The record id (independent of the session id).
    pub id: String,
    /// When the session was created (UTC); expiry counts from here.
    pub created_at: Timestamp,
    /// When the record was last saved (UTC).
    pub updated_at: Timestamp,
    /// The id of the user this session authenticates.
    pub user_id: String,
    /// The secret session id carried by the cookie.
    pub session_id: String,
    /// When the session was last used, to within the store's write granularity; absent in
    /// records written before this was kept (and by the original), which count from
    /// `created_at`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub last_seen_at: Option<Timestamp>,
    /// The client address the session was opened from, when known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub client_addr: Option<String>,
    /// The `User-Agent` the session was opened with, when sent.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_agent: Option<String>,
    /// Attributes found in a data file that this version does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl std::fmt::Debug for UserSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The session id is a bearer secret: it never reaches a log line.
        f.debug_struct("UserSession")
            .field("id", &self.id)
            .field("created_at", &self.created_at)
            .field("user_id", &self.user_id)
            .field("session_id", &"<redacted>")
            .field("last_seen_at", &self.last_seen_at)
            .finish()
    }
}

impl UserSession {
    /// Returns when the session was last used: `last_seen_at`, or `created_at` without one.
    pub fn last_seen(&self) -> Timestamp {
        self.last_seen_at.unwrap_or(self.created_at)
    }

    /// Creates a session for `user_id` with a fresh random session id.
    pub fn new(user_id: impl Into<String>, now: Timestamp) -> Self {
        UserSession {
            id: new_id(),
            created_at: now,
            updated_at: now,
            user_id: user_id.into(),
            session_id: new_id(),
            last_seen_at: None,
            client_addr: None,
            user_agent: None,
            extra: Map::new(),
        }
    }
}

/// How long a session lives, in seconds; zero or negative means it never expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionDuration(i64);

impl SessionDuration {
    /// A duration of `seconds` (zero or negative: never expires).
    pub fn from_seconds(seconds: i64) -> Self {
        SessionDuration(seconds)
    }

    /// Parses `SESSION_DURATION` the way Python's `int()` does; unset or unparsable gives 0.
    ///
    /// Surrounding whitespace, one sign and single underscores between digits are accepted
    /// (`" 60 "`, `"+60"`, `"-5"`, `"1_000"`); `"1.5"`, `"abc"` and `""` give 0. Values beyond
    /// the 64-bit range saturate.
    pub fn parse_env(value: Option<&str>) -> Self {
        SessionDuration(value.and_then(parse_python_int).unwrap_or(0))
    }

    /// Returns the duration in seconds as configured (may be zero or negative).
    pub fn seconds(&self) -> i64 {
        self.0
    }

    /// Tells whether sessions expire at all.
    pub fn expires(&self) -> bool {
        self.0 > 0
    }

    /// Returns when a session created at `created_at` stops being valid, if it ever does.
    pub fn expires_at(&self, created_at: Timestamp) -> Option<Timestamp> {
        self.expires().then(|| created_at.plus_seconds(self.0))
    }

    /// Tells whether a session created at `created_at` is expired at `now`: its end is strictly
    /// earlier than now (the end instant itself is still valid).
    pub fn is_expired(&self, created_at: Timestamp, now: Timestamp) -> bool {
        self.expires_at(created_at).is_some_and(|end| end < now)
    }
}

fn parse_python_int(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'+' => (false, &text[1..]),
        b'-' => (true, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut value: i64 = 0;
    for c in digits.chars().filter(|c| *c != '_') {
        let digit = i64::from(c.to_digit(10)? as u8);
        value = value.saturating_mul(10).saturating_add(digit);
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().expect("valid timestamp")
    }

    #[test]
    fn session_duration_parses_like_python_int() {
        let cases = [
            (None, 0),
            (Some("abc"), 0),
            (Some("0"), 0),
            (Some("-5"), -5),
            (Some("60"), 60),
            (Some(" 60 "), 60),
            (Some("+60"), 60),
            (Some("1.5"), 0),
            (Some(""), 0),
            (Some("   "), 0),
            (Some("1_000"), 1000),
            (Some("1__0"), 0),
            (Some("_1"), 0),
            (Some("+"), 0),
            (Some("99999999999999999999999"), i64::MAX),
        ];
        for (input, expected) in cases {
            assert_eq!(
                SessionDuration::parse_env(input).seconds(),
                expected,
                "input {input:?}"
            );
        }
    }

    #[test]
    fn zero_or_negative_durations_never_expire() {
        for seconds in [0, -5] {
            let duration = SessionDuration::from_seconds(seconds);
            assert!(!duration.expires());
            assert!(!duration.is_expired(ts("2000-01-01T00:00:00"), ts("2100-01-01T00:00:00")));
        }
    }

    #[test]
    fn a_session_is_valid_up_to_and_including_its_end() {
        let duration = SessionDuration::from_seconds(60);
        let created = ts("2020-01-01T00:00:00");
        assert!(!duration.is_expired(created, ts("2020-01-01T00:00:10")));
        assert!(!duration.is_expired(created, ts("2020-01-01T00:01:00")));
        assert!(duration.is_expired(created, ts("2020-01-01T00:01:01")));
        assert_eq!(
            duration.expires_at(created),
            Some(ts("2020-01-01T00:01:00"))
        );
    }

    #[test]
    fn a_seed_session_record_parses_and_keeps_its_keys() {
        let text = r#"{"id": "a", "created_at": "2020-01-01T00:00:00", "updated_at": "2020-01-01T00:00:00", "session_id": "s", "user_id": "u"}"#;
        let session: UserSession = serde_json::from_str(text).expect("parses");
        assert_eq!(session.session_id, "s");
        assert_eq!(session.user_id, "u");
        let value = serde_json::to_value(&session).expect("serialises");
        for key in ["id", "created_at", "updated_at", "user_id", "session_id"] {
            assert!(value.get(key).is_some(), "{key} written");
        }
    }

    #[test]
    fn optional_attributes_are_written_only_when_known() {
        let now = ts("2020-01-01T00:00:00");
        let mut session = UserSession::new("u", now);
        let bare = serde_json::to_value(&session).expect("serialises");
        for key in ["last_seen_at", "client_addr", "user_agent"] {
            assert!(bare.get(key).is_none(), "{key} not written");
        }
        session.last_seen_at = Some(ts("2020-01-01T00:05:00"));
        session.client_addr = Some("127.0.0.1".into());
        session.user_agent = Some("curl/8".into());
        let text = serde_json::to_string(&session).expect("serialises");
        let back: UserSession = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, session);
        assert!(back.extra.is_empty(), "known keys do not land in extra");
        assert_eq!(back.last_seen(), ts("2020-01-01T00:05:00"));
        assert_eq!(UserSession::new("u", now).last_seen(), now);
    }

    #[test]
    fn new_sessions_have_distinct_ids_and_hide_them_in_debug() {
        let now = ts("2020-01-01T00:00:00");
        let session = UserSession::new("u", now);
        assert_ne!(session.id, session.session_id);
        assert!(!format!("{session:?}").contains(&session.session_id));
    }
}
