//! Accounts: creating, updating and deleting users, and checking their passwords.

use std::num::NonZeroUsize;
use std::sync::Arc;

use domain::{Clock, NewUser, PasswordHash, PasswordHasher, User, Verification};
use storage::{SessionRepository, StorageError, UserRepository};

use crate::credential_cache::CredentialCache;
use crate::hashing::{default_max_concurrent_hashes, HashingPool, HashingStats};
use crate::throttle::{LoginThrottle, ThrottleOptions};
use crate::AuthError;
use pending::PendingChecks;

/// The default life of a remembered successful check, in seconds.
pub const DEFAULT_CREDENTIAL_CACHE_TTL_SECONDS: u64 = 60;

/// The default number of successful checks remembered at most.
pub const DEFAULT_CREDENTIAL_CACHE_MAX_ENTRIES: usize = 10_000;

/// Tuning of [`Accounts`]; `AccountsOptions::default()` is what [`Accounts::new`] uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountsOptions {
    /// How long a successful password check is remembered, in seconds (default 60; 0 turns
    /// the cache off). Within that time the same email, password and stored hash are accepted
    /// without running Argon2 again, which is what keeps HTTP Basic fast. Wrong passwords are
    /// never remembered.
    pub credential_cache_ttl_seconds: u64,
    /// How many successful checks are remembered at most (default 10,000, a few hundred KiB;
    /// 0 turns the cache off). A full cache drops expired entries, then the oldest.
    pub credential_cache_max_entries: usize,
    /// How many Argon2 operations (hashing or verifying) may run at once (default: the number
    /// of CPUs); further ones wait, without holding an async worker thread, for a free slot.
    pub max_concurrent_hashes: NonZeroUsize,
    /// The brute-force limits on failed password checks (see [`crate::throttle`]), applied by
    /// [`Accounts::attempt`]; [`Accounts::check_credentials`] itself is never throttled.
    pub throttle: ThrottleOptions,
}

impl Default for AccountsOptions {
    fn default() -> Self {
        AccountsOptions {
            credential_cache_ttl_seconds: DEFAULT_CREDENTIAL_CACHE_TTL_SECONDS,
            credential_cache_max_entries: DEFAULT_CREDENTIAL_CACHE_MAX_ENTRIES,
            max_concurrent_hashes: default_max_concurrent_hashes(),
            throttle: ThrottleOptions::default(),
        }
    }
}

/// The result of checking an email and password.
#[derive(Debug, Clone, PartialEq)]
// A `User` in the success variant is the common case and each value is moved once, so boxing it
// would cost an allocation per request for nothing; the enum's shape is also public API.
#[allow(clippy::large_enum_variant)]
pub enum CredentialCheck {
    /// No user has this email.
    UnknownEmail,
    /// The first user with this email has another password (or none).
    WrongPassword,
    /// The password is right; this is the user (with an upgraded hash if it was legacy).
    Valid(User),
}

/// A change of names from `PUT /users/<id>`: `None` leaves a name as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameChange {
    /// The new first name, if it changes.
    pub first_name: Option<String>,
    /// The new last name, if it changes.
    pub last_name: Option<String>,
}

/// Every operation that touches a password or removes a user.
///
/// All Argon2 work runs on blocking threads, at most
/// [`AccountsOptions::max_concurrent_hashes`] at a time; successful checks are remembered for
/// [`AccountsOptions::credential_cache_ttl_seconds`] (see [`Accounts::check_credentials`]).
pub struct Accounts {
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionRepository>,
    hashing: HashingPool,
    cache: CredentialCache,
    throttle: LoginThrottle,
    pending: PendingChecks,
    clock: Arc<dyn Clock>,
}

impl Accounts {
    /// Creates the service over the stores, hashing new passwords with `hasher`, with the
    /// default [`AccountsOptions`].
    pub fn new(
        users: Arc<dyn UserRepository>,
        sessions: Arc<dyn SessionRepository>,
        hasher: PasswordHasher,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Accounts::with_options(users, sessions, hasher, clock, AccountsOptions::default())
    }

    /// Creates the service like [`Accounts::new`], tuned by `options`; the cache's TTL is
    /// measured with `clock`.
    pub fn with_options(
        users: Arc<dyn UserRepository>,
        sessions: Arc<dyn SessionRepository>,
        hasher: PasswordHasher,
        clock: Arc<dyn Clock>,
        options: AccountsOptions,
    ) -> Self {
        Accounts {
            users,
            sessions,
            hashing: HashingPool::new(hasher, options.max_concurrent_hashes),
            cache: CredentialCache::new(
                options.credential_cache_ttl_seconds,
                options.credential_cache_max_entries,
            ),
            throttle: LoginThrottle::new(&options.throttle, clock.clone()),
            pending: PendingChecks::default(),
            clock,
        }
    }

    /// Makes the dummy hash that unknown emails are verified against, so that even the first
    /// such check takes no longer than a wrong password; optional, best called at start-up.
    pub async fn prepare(&self) -> Result<(), AuthError> {
        self.hashing.prepare().await
    }

    /// Returns counters of the Argon2 work done so far.
    pub fn hashing_stats(&self) -> HashingStats {
        self.hashing.stats()
    }

    /// Hashes the password (off the async threads) and stores a new user; a taken email gives
    /// `AuthError::Storage(StorageError::DuplicateEmail)`.
    pub async fn create_user(&self, mut input: NewUser) -> Result<User, AuthError> {
        let password = std::mem::take(&mut input.password);
        let hash = self.hash(password).await?;
        let user = User::new(input, hash, self.clock.now());
        self.users.create(user.clone()).await?;
        Ok(user)
    }

    /// Checks an email and password against the first user with that email; a legacy or
    /// outdated hash is replaced by a fresh Argon2id hash on success.
    ///
    /// Every answer not served from the cache costs exactly one Argon2 verification, whether the
    /// email is unknown, the user has no usable hash, or the password is wrong. A success is
    /// remembered for the cache TTL: the same email and password against the same stored hash
    /// is then accepted without Argon2 (the user itself is always read afresh from the store).
    pub async fn check_credentials(
        &self,
        email: &str,
        password: &str,
    ) -> Result<CredentialCheck, AuthError> {
        let Some(mut user) = self.users.find_by_email(email).await? else {
            self.hashing
                .verify_stored(None, password.to_string())
                .await?;
            return Ok(CredentialCheck::UnknownEmail);
        };
        let Some(stored) = user.password.clone() else {
            // A record the original wrote with a null password: no password can match, but the
            // answer still takes as long as a real check.
            self.hashing
                .verify_stored(None, password.to_string())
                .await?;
            return Ok(CredentialCheck::WrongPassword);
        };
        let key = self.cache.key(&user.id, email, password, &stored);
        if let Some(key) = &key {
            if self.cache.is_fresh(key, self.clock.now()) {
                return Ok(CredentialCheck::Valid(user));
            }
        }
        match self
            .hashing
            .verify_stored(Some(stored), password.to_string())
            .await?
        {
            Verification::Mismatch => Ok(CredentialCheck::WrongPassword),
            Verification::Match => {
                if let Some(key) = key {
                    self.cache.remember(key, &user.id, self.clock.now());
                }
                Ok(CredentialCheck::Valid(user))
            }
            Verification::MatchNeedsUpgrade => {
                let fresh = self.hashing.hash(password.to_string()).await?;
                let previous = user.password.replace(fresh.clone());
                // `updated_at` stays as it is: a silent rehash is not a change the API shows.
                match self.users.update(user.clone()).await {
                    Ok(()) => {
                        // Entries made with the old hash can no longer be reached; dropping them
                        // keeps the cache from holding dead weight until they expire.
                        self.cache.forget_user(&user.id);
                        self.remember(&user, email, password, &fresh);
                        Ok(CredentialCheck::Valid(user))
                    }
                    // Deleted between the lookup and the upgrade: there is no such user now.
                    Err(StorageError::NotFound) => {
                        self.cache.forget_user(&user.id);
                        Ok(CredentialCheck::UnknownEmail)
                    }
                    // A data file from the original may hold the same email twice, which the
                    // store refuses to write back; the password was right, so the login stands
                    // and the upgrade waits for a later chance (after the cache entry expires).
                    Err(StorageError::DuplicateEmail) => {
                        tracing::warn!(
                            user_id = %user.id,
                            "password hash upgrade skipped: the email is shared with another user"
                        );
                        user.password = previous;
                        if let Some(key) = key {
                            self.cache.remember(key, &user.id, self.clock.now());
                        }
                        Ok(CredentialCheck::Valid(user))
                    }
                    Err(other) => Err(other.into()),
                }
            }
        }
    }

    /// Applies a name change and refreshes `updated_at`; `None` when no user has this id.
    pub async fn update_names(
        &self,
        id: &str,
        change: NameChange,
    ) -> Result<Option<User>, AuthError> {
        let Some(mut user) = self.users.get(id).await? else {
            return Ok(None);
        };
        if let Some(first_name) = change.first_name {
            user.first_name = Some(first_name);
        }
        if let Some(last_name) = change.last_name {
            user.last_name = Some(last_name);
        }
        user.updated_at = self.clock.now();
        match self.users.update(user.clone()).await {
            Ok(()) => Ok(Some(user)),
            // Deleted by a concurrent request since the lookup.
            Err(StorageError::NotFound) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }

    /// Deletes a user and revokes all their sessions; returns whether the user existed.
    pub async fn delete_user(&self, id: &str) -> Result<bool, AuthError> {
        let existed = self.users.delete(id).await?;
        // A deleted user is no longer found by email, so their entries could never be hit;
        // they are dropped anyway rather than trusted to that.
        self.cache.forget_user(id);
        if existed {
            self.sessions.delete_for_user(id).await?;
        }
        Ok(existed)
    }

    /// Hashes `password` with Argon2id through the bounded pool.
    async fn hash(&self, password: String) -> Result<PasswordHash, AuthError> {
        self.hashing.hash(password).await
    }

    /// Remembers a successful check of `password` against `stored` for `user`.
    fn remember(&self, user: &User, email: &str, password: &str, stored: &PasswordHash) {
        if let Some(key) = self.cache.key(&user.id, email, password, stored) {
            self.cache.remember(key, &user.id, self.clock.now());
        }
    }

    /// Installs a function that every Argon2 job runs before its work.
    #[cfg(test)]
    pub(crate) fn with_hashing_hook(mut self, hook: crate::hashing::JobHook) -> Self {
        self.hashing.set_hook(hook);
        self
    }
}

mod attempt;
pub use attempt::Attempt;
mod password_change;
mod pending;
pub use password_change::PasswordChange;
#[cfg(test)]
mod cache_tests;
#[cfg(test)]
mod tests;
