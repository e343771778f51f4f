//! Clocks: the system's UTC clock, and a manual one that tests move by hand.

use std::cell::Cell;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::Timestamp;

/// A source of the current UTC time; everything time-dependent asks one of these.
pub trait Clock: Send + Sync {
    /// Returns the current instant.
    fn now(&self) -> Timestamp;
}

/// The real UTC clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

thread_local! {
    /// The last whole second this thread read and its timestamp: every authenticated request
    /// reads the clock, and turning seconds into a calendar date cost more than reading them.
    static LAST_SECOND: Cell<Option<(u64, Timestamp)>> = const { Cell::new(None) };
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let Ok(since_epoch) = SystemTime::now().duration_since(UNIX_EPOCH) else {
            // A clock set before 1970: no cache, the slow way.
            return Timestamp::from_naive(chrono::Utc::now().naive_utc());
        };
        let seconds = since_epoch.as_secs();
        if let Ok(Some((cached, timestamp))) = LAST_SECOND.try_with(Cell::get) {
            if cached == seconds {
                return timestamp;
            }
        }
        let timestamp = i64::try_from(seconds)
            .ok()
            .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0))
            .map_or_else(
                || Timestamp::from_naive(chrono::Utc::now().naive_utc()),
                |at| Timestamp::from_naive(at.naive_utc()),
            );
        let _ = LAST_SECOND.try_with(|last| last.set(Some((seconds, timestamp))));
        timestamp
    }
}

/// A clock that only moves when told to, for tests of expiry.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    /// Creates a clock stopped at `start`.
    pub fn new(start: Timestamp) -> Self {
        ManualClock {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock forward by `seconds`.
    pub fn advance(&self, seconds: i64) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now = now.plus_seconds(seconds);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced() {
        let start: Timestamp = "2020-01-01T00:00:00".parse().expect("valid");
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(10);
        assert_eq!(clock.now().to_string(), "2020-01-01T00:00:10");
    }

    #[test]
    fn the_system_clock_is_close_to_utc_now() {
        let now = SystemClock.now().as_naive();
        let utc = chrono::Utc::now().naive_utc();
        assert!((utc - now).num_seconds().abs() <= 1);
    }

    #[test]
    fn the_cached_system_clock_keeps_whole_seconds_close_to_utc_now() {
        for _ in 0..10_000 {
            let now = SystemClock.now().as_naive();
            assert_eq!(now.and_utc().timestamp_subsec_nanos(), 0);
            let utc = chrono::Utc::now().naive_utc();
            assert!((utc - now).num_seconds().abs() <= 1);
        }
    }
}
