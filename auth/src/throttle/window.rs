//! One dimension of the login throttle: recent failures per key, in a bounded map.
//!
//! Each key keeps an exact sliding-window log of its most recent failures, at most `limit`
//! instants (whole seconds): that is all it takes to know whether `limit` failures fall within
//! the window and when the oldest of them leaves it. Memory is therefore bounded by
//! `max_keys x limit` instants plus the keys; in practice far less, since every recorded failure
//! follows a full Argon2 verification.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The failures of one key, oldest first, at most `limit` of them, in whole seconds since the
/// Unix epoch.
type Log = VecDeque<i64>;

/// Failures per key within a sliding window, for one dimension (accounts or addresses).
pub(crate) struct FailureLog<K> {
    /// How many failures within the window block the key; 0 disables the dimension.
    limit: usize,
    /// The window's length in seconds (at least 1).
    window_seconds: i64,
    /// How many keys are tracked at most.
    max_keys: usize,
    logs: Mutex<HashMap<K, Log>>,
    /// The number of keys, mirrored outside the lock so that the common case of no recent
    /// failure at all (every successful Basic request) takes no lock. A stale read only means
    /// a check racing with the very first failure does not see it yet.
    tracked: AtomicUsize,
}

impl<K: Hash + Eq> FailureLog<K> {
    /// Creates a log that blocks a key after `limit` failures within `window_seconds`, tracking
    /// at most `max_keys` keys; a `limit` or `max_keys` of 0 turns it off.
    pub(crate) fn new(limit: u32, window_seconds: u64, max_keys: usize) -> Self {
        let enabled = window_seconds > 0 && max_keys > 0;
        FailureLog {
            limit: if enabled {
                usize::try_from(limit).unwrap_or(usize::MAX)
            } else {
                0
            },
            window_seconds: i64::try_from(window_seconds).unwrap_or(i64::MAX),
            max_keys,
            logs: Mutex::new(HashMap::new()),
            tracked: AtomicUsize::new(0),
        }
    }

    /// Tells whether this dimension counts anything at all.
    pub(crate) fn is_enabled(&self) -> bool {
        self.limit > 0
    }

    /// Tells whether no key has failures on record (always so when disabled).
    pub(crate) fn is_idle(&self) -> bool {
        self.tracked.load(Ordering::Relaxed) == 0
    }

    /// Returns how many seconds `key` must wait when it has `limit` failures within the window
    /// ending at `now`, or `None` when it may try.
    pub(crate) fn retry_after(&self, key: &K, now: i64) -> Option<u64> {
        if self.is_idle() {
            return None;
        }
        self.wait(self.lock().get(key)?, now)
    }

    /// Records a failure of `key` at `now`. A new key in a full map first drops keys whose
    /// failures have all left the window, then the stalest tenth of the others.
    pub(crate) fn record(&self, key: K, now: i64) {
        if !self.is_enabled() {
            return;
        }
        let mut logs = self.lock();
        self.push(&mut logs, key, now);
    }

    /// Checks and records in one step: when `key` may try, counts a failure at `now` right away
    /// and returns `None`; otherwise returns the wait and records nothing. Doing both under one
    /// lock keeps concurrent attempts from all passing the check before any of them fails.
    pub(crate) fn admit(&self, key: K, now: i64) -> Option<u64> {
        if !self.is_enabled() {
            return None;
        }
        let mut logs = self.lock();
        if let Some(wait) = logs.get(&key).and_then(|log| self.wait(log, now)) {
            return Some(wait);
        }
        self.push(&mut logs, key, now);
        None
    }

    /// Takes back one failure of `key` recorded at `at` by [`admit`](Self::admit), if the log
    /// still holds it.
    pub(crate) fn withdraw(&self, key: &K, at: i64) {
        if self.is_idle() {
            return;
        }
        let mut logs = self.lock();
        let Some(log) = logs.get_mut(key) else {
            return;
        };
        if let Some(position) = log.iter().rposition(|instant| *instant == at) {
            log.remove(position);
        }
        if log.is_empty() {
            logs.remove(key);
        }
        self.tracked.store(logs.len(), Ordering::Relaxed);
    }

    /// Forgets every failure of `key`.
    pub(crate) fn forget(&self, key: &K) {
        if self.is_idle() {
            return;
        }
        let mut logs = self.lock();
        logs.remove(key);
        self.tracked.store(logs.len(), Ordering::Relaxed);
    }

    /// Returns how many keys are tracked.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Frees at least one slot in a full map. Linear in the number of keys, but only reached
    /// when a new key is counted, each of which pays for an Argon2 verification that costs far
    /// more; evicting a tenth at once keeps the next few thousand new keys from paying it again.
    fn make_room(&self, logs: &mut HashMap<K, Log>, now: i64) {
        let cutoff = now.saturating_sub(self.window_seconds);
        logs.retain(|_, log| log.back().is_some_and(|last| *last > cutoff));
        if logs.len() < self.max_keys {
            return;
        }
        let mut latest: Vec<i64> = logs
            .values()
            .filter_map(|log| log.back().copied())
            .collect();
        let evict = (self.max_keys / 10).max(1).min(latest.len());
        if evict == 0 {
            return;
        }
        // The `evict`-th stalest last failure: keys that failed last before it go, and of those
        // that failed last exactly then only as many as are still needed, so a burst of failures
        // within one second cannot empty the whole map.
        let (_, threshold, _) = latest.select_nth_unstable(evict - 1);
        let threshold = *threshold;
        let older = latest.iter().filter(|last| **last < threshold).count();
        let mut ties_to_evict = evict - older;
        logs.retain(|_, log| match log.back() {
            Some(last) if *last > threshold => true,
            Some(last) if *last == threshold && ties_to_evict == 0 => true,
            Some(last) if *last == threshold => {
                ties_to_evict -= 1;
                false
            }
            _ => false,
        });
    }

    /// The wait of a key with this log at `now`, `None` when it is under the limit.
    fn wait(&self, log: &Log, now: i64) -> Option<u64> {
        if log.len() < self.limit {
            return None;
        }
        // The log holds exactly the last `limit` failures: the key is free once the oldest of
        // them leaves the window.
        let oldest = *log.front()?;
        let free_at = oldest.saturating_add(self.window_seconds);
        // A clock that went back could push `free_at` beyond a window from now; the wait is
        // capped at one window so that no clock jump makes a block longer.
        let wait = free_at.saturating_sub(now).min(self.window_seconds);
        u64::try_from(wait).ok().filter(|seconds| *seconds > 0)
    }

    /// Appends a failure at `now` to the log of `key`, keeping at most `limit` of them.
    fn push(&self, logs: &mut HashMap<K, Log>, key: K, now: i64) {
        if !logs.contains_key(&key) && logs.len() >= self.max_keys {
            self.make_room(logs, now);
        }
        let log = logs.entry(key).or_default();
        while log.len() >= self.limit {
            log.pop_front();
        }
        log.push_back(now);
        self.tracked.store(logs.len(), Ordering::Relaxed);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, Log>> {
        // No code panics while holding the lock, and every change is a single call on the map,
        // so a poisoned map is still consistent.
        self.logs.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
