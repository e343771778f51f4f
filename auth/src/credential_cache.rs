//! Remembering successful password checks for a short while, so HTTP Basic stays fast.
//!
//! HTTP Basic sends the password with every request; running Argon2 for each would cap the
//! service at a few dozen requests per second per core. A successful check is therefore
//! remembered for a short TTL under a key that is HMAC-SHA256, with a random per-process secret,
//! of (user id, email, password, stored hash string). The cache holds only that 32-byte MAC, the
//! user id and two instants: nothing from which the password could be recovered, and no way to
//! test guesses against it offline since the secret never leaves memory.
//!
//! Because the stored hash is part of the key, a password change or a hash upgrade makes the old
//! entry unreachable by itself; entries are also dropped by user id on deletion and upgrade.
//! Failures are never remembered, so every wrong password still costs a full verification.

use std::sync::{Mutex, MutexGuard, PoisonError};

use domain::{PasswordHash, Timestamp};
use hmac::{Hmac, Mac};
use indexmap::IndexMap;
use sha2::Sha256;

/// The key of one remembered check: a MAC of the credentials, never the credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct CacheKey([u8; 32]);

/// What is remembered about one successful check.
#[derive(Debug)]
struct Entry {
    /// Whose check it was, for dropping a user's entries.
    user_id: String,
    /// When the check succeeded.
    checked_at: Timestamp,
    /// The first instant at which the entry no longer counts.
    expires_at: Timestamp,
}

impl Entry {
    /// Tells whether the entry still counts at `now`; a clock that went back before the check
    /// also ends it, so a clock jump can never stretch an entry's life.
    fn is_live(&self, now: Timestamp) -> bool {
        self.checked_at <= now && now < self.expires_at
    }
}

/// A bounded, expiring set of recently successful password checks.
pub(crate) struct CredentialCache {
    /// `None` when caching is off (TTL or size 0, or no randomness for the secret).
    enabled: Option<Enabled>,
}

struct Enabled {
    /// The MAC keyed with this process's secret, cloned for each key computed.
    mac: Hmac<Sha256>,
    ttl_seconds: i64,
    max_entries: usize,
    /// Entries in the order they were made (oldest first), which is also expiry order.
    entries: Mutex<IndexMap<CacheKey, Entry>>,
}

impl CredentialCache {
    /// Creates a cache whose entries live `ttl_seconds` and which holds at most `max_entries`;
    /// either being 0 turns it off.
    pub(crate) fn new(ttl_seconds: u64, max_entries: usize) -> Self {
        if ttl_seconds == 0 || max_entries == 0 {
            return CredentialCache::disabled();
        }
        let mut secret = [0u8; 32];
        if let Err(err) = getrandom::getrandom(&mut secret) {
            // Without an unpredictable secret the keys could be recomputed by anyone holding a
            // memory dump; checking every password with Argon2 is slow but safe.
            tracing::warn!(error = %err, "credential cache disabled: no system randomness");
            return CredentialCache::disabled();
        }
        let Ok(mac) = Hmac::<Sha256>::new_from_slice(&secret) else {
            return CredentialCache::disabled();
        };
        CredentialCache {
            enabled: Some(Enabled {
                mac,
                ttl_seconds: i64::try_from(ttl_seconds).unwrap_or(i64::MAX),
                max_entries,
                entries: Mutex::new(IndexMap::new()),
            }),
        }
    }

    /// Creates a cache that remembers nothing.
    pub(crate) fn disabled() -> Self {
        CredentialCache { enabled: None }
    }

    /// Computes the key of a check, or `None` when caching is off.
    pub(crate) fn key(
        &self,
        user_id: &str,
        email: &str,
        password: &str,
        stored: &PasswordHash,
    ) -> Option<CacheKey> {
        let enabled = self.enabled.as_ref()?;
        let mut mac = enabled.mac.clone();
        // Each part is length-prefixed so that no two different tuples feed the same bytes.
        for part in [user_id, email, password, stored.as_str()] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        Some(CacheKey(mac.finalize().into_bytes().into()))
    }

    /// Tells whether a check with this key succeeded less than a TTL before `now`; an expired
    /// entry found on the way is dropped.
    pub(crate) fn is_fresh(&self, key: &CacheKey, now: Timestamp) -> bool {
        let Some(enabled) = &self.enabled else {
            return false;
        };
        let mut entries = enabled.lock();
        match entries.get(key) {
            Some(entry) if entry.is_live(now) => true,
            Some(_) => {
                entries.shift_remove(key);
                false
            }
            None => false,
        }
    }

    /// Remembers that the check with this key succeeded at `now` for `user_id`. When the cache
    /// is full, expired entries go first, then the oldest ones.
    pub(crate) fn remember(&self, key: CacheKey, user_id: &str, now: Timestamp) {
        let Some(enabled) = &self.enabled else {
            return;
        };
        let entry = Entry {
            user_id: user_id.to_string(),
            checked_at: now,
            expires_at: now.plus_seconds(enabled.ttl_seconds),
        };
        let mut entries = enabled.lock();
        // Re-inserting moves the key to the end, keeping the map in creation order.
        entries.shift_remove(&key);
        if entries.len() >= enabled.max_entries {
            // Linear, but only reached right after a full Argon2 verification, which costs
            // thousands of times more.
            entries.retain(|_, entry| entry.is_live(now));
            while entries.len() >= enabled.max_entries {
                entries.shift_remove_index(0);
            }
        }
        entries.insert(key, entry);
    }

    /// Drops every entry of `user_id`.
    pub(crate) fn forget_user(&self, user_id: &str) {
        if let Some(enabled) = &self.enabled {
            enabled.lock().retain(|_, entry| entry.user_id != user_id);
        }
    }

    /// Returns how many entries are held, live or not.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.enabled.as_ref().map_or(0, |e| e.lock().len())
    }
}

impl Enabled {
    fn lock(&self) -> MutexGuard<'_, IndexMap<CacheKey, Entry>> {
        // No code panics while holding the lock; if one ever did, the map is still consistent
        // (every operation on it is a single call), so carrying on is safe.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests;
