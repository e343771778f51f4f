//! The repository traits: the only way the rest of the service reaches stored data.

use std::sync::Arc;

use async_trait::async_trait;
use domain::{Timestamp, User, UserSession};

use crate::{ReadNow, StorageError};

/// Stores users, keeping insertion order for listings and emails unique.
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new user; fails with [`StorageError::DuplicateEmail`] when another user already
    /// has the same email (exact, case-sensitive comparison). Users without an email never clash.
    async fn create(&self, user: User) -> Result<(), StorageError>;

    /// Returns the user with this id, if any.
    async fn get(&self, id: &str) -> Result<Option<User>, StorageError>;

    /// Returns the same as [`get`](Self::get), shared rather than copied where the store keeps
    /// records in memory: every request with a session cookie reads its user. This default
    /// takes the answer of [`get_shared_now`](Self::get_shared_now) when there is one, and
    /// otherwise wraps `get`'s copy.
    async fn get_shared(&self, id: &str) -> Result<Option<Arc<User>>, StorageError> {
        match self.get_shared_now(id) {
            ReadNow::Answered(user) => Ok(user),
            ReadNow::MustWait => Ok(self.get(id).await?.map(Arc::new)),
        }
    }

    /// Returns what [`get_shared`](Self::get_shared) would, without waiting, when the store can
    /// (it keeps its records in memory, and shares them); otherwise [`ReadNow::MustWait`], this
    /// default.
    fn get_shared_now(&self, id: &str) -> ReadNow<Arc<User>> {
        let _ = id;
        ReadNow::MustWait
    }

    /// Returns the first user (in insertion order) whose email is exactly `email`.
    async fn find_by_email(&self, email: &str) -> Result<Option<User>, StorageError>;

    /// Returns every user in insertion order.
    async fn list(&self) -> Result<Vec<User>, StorageError>;

    /// Replaces the stored user that has the same id, keeping its position; fails with
    /// [`StorageError::NotFound`] if there is none and with [`StorageError::DuplicateEmail`] if
    /// the new email belongs to another user.
    async fn update(&self, user: User) -> Result<(), StorageError>;

    /// Deletes the user with this id; returns whether one existed.
    async fn delete(&self, id: &str) -> Result<bool, StorageError>;

    /// Returns how many users are stored.
    async fn count(&self) -> Result<usize, StorageError>;

    /// Makes every accepted change durable in the store's final form and stops accepting
    /// changes (they then fail with [`StorageError::Unavailable`]); reads keep working. Called
    /// once at shutdown; closing twice is harmless. Stores that keep nothing on disk do nothing.
    async fn close(&self) -> Result<(), StorageError> {
        Ok(())
    }
}

/// Stores login sessions, found by the secret session id.
#[async_trait]
pub trait SessionRepository: Send + Sync {
    /// Stores a new session.
    async fn create(&self, session: UserSession) -> Result<(), StorageError>;

    /// Returns the session with this session id (the cookie value), if any.
    async fn get(&self, session_id: &str) -> Result<Option<UserSession>, StorageError>;

    /// Returns the same as [`get`](Self::get), shared rather than copied where the store keeps
    /// records in memory: the session check runs on every authenticated request, and copying
    /// a record's six strings showed in its profile. This default takes the answer of
    /// [`get_shared_now`](Self::get_shared_now) when there is one, and otherwise wraps `get`'s
    /// copy.
    async fn get_shared(&self, session_id: &str) -> Result<Option<Arc<UserSession>>, StorageError> {
        match self.get_shared_now(session_id) {
            ReadNow::Answered(session) => Ok(session),
            ReadNow::MustWait => Ok(self.get(session_id).await?.map(Arc::new)),
        }
    }

    /// Returns what [`get_shared`](Self::get_shared) would, without waiting, when the store can
    /// (it keeps its records in memory, and shares them); otherwise [`ReadNow::MustWait`], this
    /// default.
    fn get_shared_now(&self, session_id: &str) -> ReadNow<Arc<UserSession>> {
        let _ = session_id;
        ReadNow::MustWait
    }

    /// Deletes the session with this session id; returns whether one existed.
    async fn delete(&self, session_id: &str) -> Result<bool, StorageError>;

    /// Deletes every session of `user_id`; returns how many there were.
    async fn delete_for_user(&self, user_id: &str) -> Result<usize, StorageError>;

    /// Deletes every session created strictly before `cutoff`; returns how many there were.
    async fn delete_created_before(&self, cutoff: Timestamp) -> Result<usize, StorageError>;

    /// Returns every session of `user_id`, in creation (insertion) order. A scan of the whole
    /// store: meant for a user looking at their sessions, not for every request.
    async fn list_for_user(&self, user_id: &str) -> Result<Vec<UserSession>, StorageError>;

    /// Records that the session with this session id was used at `at`: its `last_seen_at`
    /// becomes `at` unless it already is later (it never moves backwards). Nothing else of the
    /// record changes. Returns whether the session exists.
    async fn touch(&self, session_id: &str, at: Timestamp) -> Result<bool, StorageError>;

    /// Deletes every session last seen strictly before `cutoff` (`last_seen_at`, or
    /// `created_at` when it has none); returns how many there were.
    async fn delete_last_seen_before(&self, cutoff: Timestamp) -> Result<usize, StorageError>;

    /// Makes every accepted change durable in the store's final form and stops accepting
    /// changes (they then fail with [`StorageError::Unavailable`]); reads keep working. Called
    /// once at shutdown; closing twice is harmless. Stores that keep nothing on disk do nothing.
    async fn close(&self) -> Result<(), StorageError> {
        Ok(())
    }
}

// The test doubles are written out rather than derived with `automock`, which would also mock
// the `*_now` methods: a double of a store answers only through expectations, so it keeps the
// default `MustWait` and its callers take the `async` path that the expectations describe.
#[cfg(any(test, feature = "mocks"))]
mockall::mock! {
    /// A mockall double of [`UserRepository`].
    pub UserRepository {}

    #[async_trait]
    impl UserRepository for UserRepository {
        async fn create(&self, user: User) -> Result<(), StorageError>;
        async fn get(&self, id: &str) -> Result<Option<User>, StorageError>;
        async fn get_shared(&self, id: &str) -> Result<Option<Arc<User>>, StorageError>;
        async fn find_by_email(&self, email: &str) -> Result<Option<User>, StorageError>;
        async fn list(&self) -> Result<Vec<User>, StorageError>;
        async fn update(&self, user: User) -> Result<(), StorageError>;
        async fn delete(&self, id: &str) -> Result<bool, StorageError>;
        async fn count(&self) -> Result<usize, StorageError>;
        async fn close(&self) -> Result<(), StorageError>;
    }
}

#[cfg(any(test, feature = "mocks"))]
mockall::mock! {
    /// A mockall double of [`SessionRepository`].
    pub SessionRepository {}

    #[async_trait]
    impl SessionRepository for SessionRepository {
        async fn create(&self, session: UserSession) -> Result<(), StorageError>;
        async fn get(&self, session_id: &str) -> Result<Option<UserSession>, StorageError>;
        async fn get_shared(&self, session_id: &str)
            -> Result<Option<Arc<UserSession>>, StorageError>;
        async fn delete(&self, session_id: &str) -> Result<bool, StorageError>;
        async fn delete_for_user(&self, user_id: &str) -> Result<usize, StorageError>;
        async fn delete_created_before(&self, cutoff: Timestamp) -> Result<usize, StorageError>;
        async fn list_for_user(&self, user_id: &str) -> Result<Vec<UserSession>, StorageError>;
        async fn touch(&self, session_id: &str, at: Timestamp) -> Result<bool, StorageError>;
        async fn delete_last_seen_before(&self, cutoff: Timestamp)
            -> Result<usize, StorageError>;
        async fn close(&self) -> Result<(), StorageError>;
    }
}

/// Lists every stored session: what copying one store into another needs, and nothing else does.
///
/// Kept apart from [`SessionRepository`] so the service's request paths (and their test doubles)
/// never depend on a whole-store scan.
#[async_trait]
pub trait SessionListing: Send + Sync {
    /// Returns every session, in creation (insertion) order.
    async fn list(&self) -> Result<Vec<UserSession>, StorageError>;
}
