//! The one timestamp format of the service: naive UTC, whole seconds, `%Y-%m-%dT%H:%M:%S`.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDateTime, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::DomainError;

/// The text format used in JSON bodies and data files, as the original's `TIMESTAMP_FORMAT`.
pub const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// A UTC instant at one-second resolution, written as `2017-10-16T04:23:04`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(NaiveDateTime);

impl Timestamp {
    /// Builds a timestamp from a naive UTC date-time, dropping fractions of a second.
    pub fn from_naive(value: NaiveDateTime) -> Self {
        Timestamp(value.with_nanosecond(0).unwrap_or(value))
    }

    /// Returns the underlying naive UTC date-time.
    pub fn as_naive(&self) -> NaiveDateTime {
        self.0
    }

    /// Returns this instant moved forward by `seconds` (backward when negative), saturating.
    pub fn plus_seconds(&self, seconds: i64) -> Self {
        // Out-of-range results saturate towards the direction of travel, never wrap.
        let limit = if seconds < 0 {
            NaiveDateTime::MIN
        } else {
            NaiveDateTime::MAX
        };
        let moved = chrono::TimeDelta::try_seconds(seconds)
            .and_then(|delta| self.0.checked_add_signed(delta))
            .unwrap_or(limit);
        Timestamp(moved)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written by hand: chrono's `format` re-parses the format string on every call, which
        // showed up in profiles of every API answer (each user carries two timestamps).
        let mut buffer = [0u8; 19];
        match self
            .write_ascii(&mut buffer)
            .map(|()| std::str::from_utf8(&buffer))
        {
            Some(Ok(text)) => f.write_str(text),
            // Outside four-digit years, chrono's `%Y` rules (sign, padding) decide.
            _ => write!(f, "{}", self.0.format(TIMESTAMP_FORMAT)),
        }
    }
}

impl FromStr for Timestamp {
    type Err = DomainError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        // chrono accepts some variations (like a missing leading zero); the original's strptime
        // accepts them too, so both readers agree on every file either can write.
        NaiveDateTime::parse_from_str(value, TIMESTAMP_FORMAT)
            .map(Timestamp::from_naive)
            .map_err(|_| DomainError::InvalidTimestamp {
                value: value.to_string(),
            })
    }
}

impl Timestamp {
    /// Writes the 19-byte text into `buffer` without the formatting machinery, for the years
    /// 0-9999 (every timestamp a data file can hold in this format); `None` outside them.
    pub(crate) fn write_ascii(&self, buffer: &mut [u8; 19]) -> Option<()> {
        let (date, time) = (self.0.date(), self.0.time());
        let year = u32::try_from(date.year())
            .ok()
            .filter(|year| *year <= 9999)?;
        let fields = [
            (0, 4, year),
            (5, 2, date.month()),
            (8, 2, date.day()),
            (11, 2, time.hour()),
            (14, 2, time.minute()),
            (17, 2, time.second()),
        ];
        *buffer = *b"0000-00-00T00:00:00";
        for (start, width, mut value) in fields {
            for slot in buffer[start..start + width].iter_mut().rev() {
                // `value % 10` is below 10, so the cast cannot truncate.
                *slot = b'0' + (value % 10) as u8;
                value /= 10;
            }
        }
        Some(())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Every API answer carries two timestamps per user: skip `fmt` on the hot path.
        let mut buffer = [0u8; 19];
        match self
            .write_ascii(&mut buffer)
            .map(|()| std::str::from_utf8(&buffer))
        {
            Some(Ok(text)) => serializer.serialize_str(text),
            _ => serializer.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timestamp_round_trips_through_its_text() {
        let ts: Timestamp = "2017-10-16T04:23:04".parse().expect("valid");
        assert_eq!(ts.to_string(), "2017-10-16T04:23:04");
    }

    #[test]
    fn the_text_matches_chrono_formatting_across_years() {
        for text in [
            "0001-01-01T00:00:00",
            "0999-12-31T23:59:59",
            "2024-02-29T12:05:09",
            "9999-12-31T23:59:59",
        ] {
            let ts: Timestamp = text.parse().expect("valid");
            assert_eq!(ts.to_string(), text);
            assert_eq!(
                ts.to_string(),
                ts.as_naive().format(TIMESTAMP_FORMAT).to_string()
            );
            let json = serde_json::to_string(&ts).expect("serialises");
            assert_eq!(json, format!("\"{text}\""));
        }
        let far = Timestamp::from_naive(NaiveDateTime::MAX);
        assert_eq!(
            far.to_string(),
            far.as_naive().format(TIMESTAMP_FORMAT).to_string()
        );
        let early = Timestamp::from_naive(NaiveDateTime::MIN);
        assert_eq!(
            early.to_string(),
            early.as_naive().format(TIMESTAMP_FORMAT).to_string()
        );
        let json = serde_json::to_string(&far).expect("serialises");
        assert_eq!(json, format!("\"{far}\""));
    }

    #[test]
    fn the_space_separated_form_is_rejected() {
        assert!("2017-10-16 04:23:04".parse::<Timestamp>().is_err());
        assert!("".parse::<Timestamp>().is_err());
        assert!("2017-10-16T04:23:04.123".parse::<Timestamp>().is_err());
    }

    #[test]
    fn fractions_of_a_second_are_dropped() {
        let naive = chrono::NaiveDate::from_ymd_opt(2020, 1, 2)
            .and_then(|d| d.and_hms_micro_opt(3, 4, 5, 999_999))
            .expect("valid date");
        assert_eq!(
            Timestamp::from_naive(naive).to_string(),
            "2020-01-02T03:04:05"
        );
    }

    #[test]
    fn plus_seconds_moves_both_ways_and_saturates() {
        let ts: Timestamp = "2020-01-01T00:00:00".parse().expect("valid");
        assert_eq!(ts.plus_seconds(61).to_string(), "2020-01-01T00:01:01");
        assert_eq!(ts.plus_seconds(-1).to_string(), "2019-12-31T23:59:59");
        assert!(ts.plus_seconds(i64::MAX) > ts);
        assert!(ts.plus_seconds(i64::MIN) < ts);
        assert!(ts.plus_seconds(-i64::MAX / 2) < ts);
    }

    #[test]
    fn timestamps_serialise_as_json_strings() {
        let ts: Timestamp = "2017-10-16T04:23:04".parse().expect("valid");
        let json = serde_json::to_string(&ts).expect("serialises");
        assert_eq!(json, "\"2017-10-16T04:23:04\"");
        let back: Timestamp = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, ts);
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    }
}
