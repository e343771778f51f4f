//! Reading and writing user and session records in data files and journals, fast.
//!
//! `domain` derives `Deserialize` with `#[serde(flatten)]` for the unknown attributes, which
//! buffers every field before looking at it, and reads and writes timestamps through a format
//! string; a million records then take seconds. These visitors read each field once, straight
//! from the file's bytes, and read and write the usual timestamp shape by hand, while giving the
//! same records, the same bytes and the same errors (`missing field`, `invalid type`, the
//! timestamp message) as the derived code.

use std::fmt;
use std::marker::PhantomData;

use chrono::{Datelike, NaiveDate, Timelike};
use domain::{PasswordHash, Timestamp, User, UserSession};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// A record type the file store reads with its own visitor.
pub(crate) trait StoredRecord: Sized {
    /// What the record is, for error messages ("a user record").
    const EXPECTING: &'static str;

    /// Reads the record's fields from `map`.
    fn visit_fields<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;

    /// Writes the record as its derived `Serialize` does: the same keys in the same order.
    fn serialize_fields<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
}

/// Serialises a record through [`StoredRecord`].
pub(crate) struct StoredRef<'a, R>(pub(crate) &'a R);

impl<R: StoredRecord> Serialize for StoredRef<'_, R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_fields(serializer)
    }
}

/// Deserialises as `R`, through [`StoredRecord`].
pub(crate) struct Stored<R>(pub(crate) R);

impl<'de, R: StoredRecord> Deserialize<'de> for Stored<R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_map(RecordVisitor(PhantomData))
            .map(Stored)
    }
}

struct RecordVisitor<R>(PhantomData<R>);

impl<'de, R: StoredRecord> Visitor<'de> for RecordVisitor<R> {
    type Value = R;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(R::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<R, A::Error> {
        R::visit_fields(map)
    }
}

impl StoredRecord for User {
    const EXPECTING: &'static str = "a user record";

    fn visit_fields<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let (mut id, mut created_at, mut updated_at) = (None, None, None);
        let (mut email, mut password, mut first_name, mut last_name) = (None, None, None, None);
        let mut extra = Map::new();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.as_str() {
                "id" => id = Some(map.next_value::<String>()?),
                "created_at" => created_at = Some(map.next_value::<FastTimestamp>()?.0),
                "updated_at" => updated_at = Some(map.next_value::<FastTimestamp>()?.0),
                "email" => email = Some(map.next_value::<Option<String>>()?),
                "_password" => {
                    let text = map.next_value::<Option<String>>()?;
                    password = Some(text.map(PasswordHash::from_stored));
                }
                "first_name" => first_name = Some(map.next_value::<Option<String>>()?),
                "last_name" => last_name = Some(map.next_value::<Option<String>>()?),
                _ => {
                    let value = map.next_value::<Value>()?;
                    extra.insert(key.into_string(), value);
                }
            }
        }
        Ok(User {
            id: id.ok_or_else(|| de::Error::missing_field("id"))?,
            created_at: created_at.ok_or_else(|| de::Error::missing_field("created_at"))?,
            updated_at: updated_at.ok_or_else(|| de::Error::missing_field("updated_at"))?,
            email: email.flatten(),
            password: password.flatten(),
            first_name: first_name.flatten(),
            last_name: last_name.flatten(),
            extra,
        })
    }

    fn serialize_fields<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("created_at", &FastTimestamp(self.created_at))?;
        map.serialize_entry("updated_at", &FastTimestamp(self.updated_at))?;
        map.serialize_entry("email", &self.email)?;
        map.serialize_entry(
            "_password",
            &self.password.as_ref().map(PasswordHash::as_str),
        )?;
        map.serialize_entry("first_name", &self.first_name)?;
        map.serialize_entry("last_name", &self.last_name)?;
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl StoredRecord for UserSession {
    const EXPECTING: &'static str = "a session record";

    fn visit_fields<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let (mut id, mut created_at, mut updated_at) = (None, None, None);
        let (mut user_id, mut session_id) = (None, None);
        let (mut last_seen_at, mut client_addr, mut user_agent) = (None, None, None);
        let mut extra = Map::new();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.as_str() {
                "id" => id = Some(map.next_value::<String>()?),
                "created_at" => created_at = Some(map.next_value::<FastTimestamp>()?.0),
                "updated_at" => updated_at = Some(map.next_value::<FastTimestamp>()?.0),
                "user_id" => user_id = Some(map.next_value::<String>()?),
                "session_id" => session_id = Some(map.next_value::<String>()?),
                "last_seen_at" => {
                    last_seen_at = map.next_value::<Option<FastTimestamp>>()?.map(|t| t.0)
                }
                "client_addr" => client_addr = map.next_value::<Option<String>>()?,
                "user_agent" => user_agent = map.next_value::<Option<String>>()?,
                _ => {
                    let value = map.next_value::<Value>()?;
                    extra.insert(key.into_string(), value);
                }
            }
        }
        Ok(UserSession {
            id: id.ok_or_else(|| de::Error::missing_field("id"))?,
            created_at: created_at.ok_or_else(|| de::Error::missing_field("created_at"))?,
            updated_at: updated_at.ok_or_else(|| de::Error::missing_field("updated_at"))?,
            user_id: user_id.ok_or_else(|| de::Error::missing_field("user_id"))?,
            session_id: session_id.ok_or_else(|| de::Error::missing_field("session_id"))?,
            last_seen_at,
            client_addr,
            user_agent,
            extra,
        })
    }

    fn serialize_fields<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("created_at", &FastTimestamp(self.created_at))?;
        map.serialize_entry("updated_at", &FastTimestamp(self.updated_at))?;
        map.serialize_entry("user_id", &self.user_id)?;
        map.serialize_entry("session_id", &self.session_id)?;
        // Written only when known, like the derived code, so records of sessions without them
        // keep the original's keys.
        if let Some(last_seen_at) = self.last_seen_at {
            map.serialize_entry("last_seen_at", &FastTimestamp(last_seen_at))?;
        }
        if let Some(client_addr) = &self.client_addr {
            map.serialize_entry("client_addr", client_addr)?;
        }
        if let Some(user_agent) = &self.user_agent {
            map.serialize_entry("user_agent", user_agent)?;
        }
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// A string borrowed from the file when it holds no escape (serde's `Cow<str>` always copies).
pub(crate) enum Text<'de> {
    /// Borrowed from the input.
    Borrowed(&'de str),
    /// Unescaped into a new string.
    Owned(String),
}

impl Text<'_> {
    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Text::Borrowed(text) => text,
            Text::Owned(text) => text,
        }
    }

    /// The text as an owned string.
    pub(crate) fn into_string(self) -> String {
        match self {
            Text::Borrowed(text) => text.to_string(),
            Text::Owned(text) => text,
        }
    }
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Text::Borrowed(text))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Text::Owned(text.to_string()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(Text::Owned(text))
    }
}

/// A timestamp read and written with a hand-written fast path for `YYYY-MM-DDTHH:MM:SS`;
/// anything else goes through [`Timestamp`]'s own code, so texts and errors stay the same.
struct FastTimestamp(Timestamp);

impl Serialize for FastTimestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let time = self.0.as_naive();
        let Ok(year) = u32::try_from(time.year()) else {
            return self.0.serialize(serializer);
        };
        if year > 9999 {
            return self.0.serialize(serializer);
        }
        let mut text = *b"0000-00-00T00:00:00";
        let fields = [
            (0, 4, year),
            (5, 2, time.month()),
            (8, 2, time.day()),
            (11, 2, time.hour()),
            (14, 2, time.minute()),
            (17, 2, time.second()),
        ];
        for (start, width, mut value) in fields {
            for at in (start..start + width).rev() {
                // Each digit is below ten, so the cast cannot truncate.
                text[at] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        }
        match std::str::from_utf8(&text) {
            Ok(text) => serializer.serialize_str(text),
            Err(_) => self.0.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for FastTimestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Text::deserialize(deserializer)?;
        if let Some(fast) = parse_canonical(text.as_str().as_bytes()) {
            return Ok(FastTimestamp(fast));
        }
        text.as_str()
            .parse()
            .map(FastTimestamp)
            .map_err(de::Error::custom)
    }
}

/// Parses exactly `YYYY-MM-DDTHH:MM:SS` with a valid date and time; `None` for anything else.
fn parse_canonical(text: &[u8]) -> Option<Timestamp> {
    if text.len() != 19
        || text[4] != b'-'
        || text[7] != b'-'
        || text[10] != b'T'
        || text[13] != b':'
        || text[16] != b':'
    {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        text[from..to].iter().try_fold(0u32, |value, &byte| {
            byte.is_ascii_digit()
                .then(|| value * 10 + u32::from(byte - b'0'))
        })
    };
    let year = i32::try_from(number(0, 4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, number(5, 7)?, number(8, 10)?)?;
    let time = date.and_hms_opt(number(11, 13)?, number(14, 16)?, number(17, 19)?)?;
    Some(Timestamp::from_naive(time))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user(value: Value) -> Result<User, serde_json::Error> {
        serde_json::from_value::<Stored<User>>(value).map(|stored| stored.0)
    }

    fn record() -> Value {
        json!({
            "id": "a", "created_at": "2017-10-16T04:23:04", "updated_at": "2017-10-16T04:23:05",
            "email": "x@y.z", "_password": "h", "first_name": null, "last_name": "L",
            "age": 42, "tags": ["t"]
        })
    }

    #[test]
    fn a_user_reads_as_the_derived_code_reads_it() {
        let text = serde_json::to_string(&record()).expect("serialises");
        let fast: Stored<User> = serde_json::from_str(&text).expect("reads");
        let derived: User = serde_json::from_str(&text).expect("reads");
        assert_eq!(fast.0, derived);
        assert_eq!(fast.0.extra.keys().collect::<Vec<_>>(), ["age", "tags"]);
    }

    #[test]
    fn a_session_reads_as_the_derived_code_reads_it() {
        let text = r#"{"id": "s", "created_at": "2017-10-16T04:30:00", "updated_at": "2017-10-16T04:30:00", "session_id": "x", "user_id": "u", "ip": "1.2.3.4"}"#;
        let fast: Stored<UserSession> = serde_json::from_str(text).expect("reads");
        let derived: UserSession = serde_json::from_str(text).expect("reads");
        assert_eq!(fast.0, derived);
    }

    #[test]
    fn a_session_with_its_optional_attributes_reads_and_writes_as_the_derived_code() {
        let texts = [
            r#"{"id": "s", "created_at": "2017-10-16T04:30:00", "updated_at": "2017-10-16T04:30:00", "user_id": "u", "session_id": "x", "last_seen_at": "2017-10-16T05:00:00", "client_addr": "127.0.0.1", "user_agent": "curl/8", "ip": "1.2.3.4"}"#,
            r#"{"id": "s", "created_at": "2017-10-16T04:30:00", "updated_at": "2017-10-16T04:30:00", "user_id": "u", "session_id": "x", "last_seen_at": null, "user_agent": "ua"}"#,
        ];
        for text in texts {
            let fast: Stored<UserSession> = serde_json::from_str(text).expect("reads");
            let derived: UserSession = serde_json::from_str(text).expect("reads");
            assert_eq!(fast.0, derived);
            assert!(derived.extra.keys().all(|key| key == "ip"));
            let written = serde_json::to_string(&StoredRef(&fast.0)).expect("writes");
            assert_eq!(written, serde_json::to_string(&derived).expect("writes"));
        }
        let bad = r#"{"id": "s", "created_at": "2017-10-16T04:30:00", "updated_at": "2017-10-16T04:30:00", "user_id": "u", "session_id": "x", "last_seen_at": "yesterday"}"#;
        assert!(serde_json::from_str::<Stored<UserSession>>(bad).is_err());
        assert!(serde_json::from_str::<UserSession>(bad).is_err());
    }

    #[test]
    fn errors_name_the_same_problems() {
        let mut missing = record();
        missing.as_object_mut().expect("object").remove("id");
        assert!(user(missing)
            .expect_err("no id")
            .to_string()
            .contains("missing field `id`"));

        let mut wrong = record();
        wrong["email"] = json!(42);
        assert!(user(wrong)
            .expect_err("bad email")
            .to_string()
            .contains("invalid type"));

        let mut bad_time = record();
        bad_time["created_at"] = json!("2017-10-16 04:23:04");
        let message = user(bad_time).expect_err("bad time").to_string();
        assert!(message.contains("timestamp"), "{message}");
    }

    #[test]
    fn records_are_written_byte_for_byte_as_the_derived_code_writes_them() {
        let user: User = serde_json::from_value(record()).expect("reads");
        let fast = serde_json::to_string(&StoredRef(&user)).expect("writes");
        assert_eq!(fast, serde_json::to_string(&user).expect("writes"));
        let mut bare = user.clone();
        bare.email = None;
        bare.password = None;
        bare.extra.clear();
        let fast = serde_json::to_string(&StoredRef(&bare)).expect("writes");
        assert_eq!(fast, serde_json::to_string(&bare).expect("writes"));

        let mut session = UserSession::new("u", "2017-10-16T04:30:00".parse().expect("valid"));
        session.extra.insert("ip".into(), json!("1.2.3.4"));
        let fast = serde_json::to_string(&StoredRef(&session)).expect("writes");
        assert_eq!(fast, serde_json::to_string(&session).expect("writes"));
    }

    #[test]
    fn timestamps_are_written_as_the_domain_writes_them() {
        let start: Timestamp = "0001-01-01T00:00:00".parse().expect("valid");
        let samples = [
            start,
            "0999-12-31T23:59:59".parse().expect("valid"),
            "2017-10-16T04:23:04".parse().expect("valid"),
            "9999-12-31T23:59:59".parse().expect("valid"),
            start.plus_seconds(-86_400 * 400),
            start.plus_seconds(i64::MAX),
            start.plus_seconds(i64::MIN),
        ];
        for timestamp in samples {
            let fast = serde_json::to_string(&FastTimestamp(timestamp)).expect("writes");
            assert_eq!(fast, serde_json::to_string(&timestamp).expect("writes"));
        }
    }

    #[test]
    fn unusual_timestamps_follow_the_domain_parser() {
        let odd = [
            "2017-1-6T4:3:4",
            "2016-12-31T23:59:60",
            "+017-10-16T04:23:04",
        ];
        for text in ["2017-10-16T04:23:04"].into_iter().chain(odd) {
            let fast = serde_json::from_value::<FastTimestamp>(json!(text)).map(|t| t.0);
            let slow = text.parse::<Timestamp>();
            assert_eq!(fast.ok(), slow.ok(), "{text}");
        }
        for text in [
            "2017-02-30T00:00:00",
            "2017-10-16T24:00:00",
            "2017-10-16T04:23:0x",
        ] {
            assert!(
                serde_json::from_value::<FastTimestamp>(json!(text)).is_err(),
                "{text}"
            );
            assert!(parse_canonical(text.as_bytes()).is_none(), "{text}");
        }
    }
}
