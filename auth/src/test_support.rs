//! Fixtures shared by the unit tests: a fast hasher, stored users, mocked and fake stores.

use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use domain::{
    ManualClock, NewUser, PasswordHash, PasswordHasher, PasswordParams, Timestamp, User,
    UserSession,
};
use storage::{MockSessionRepository, MockUserRepository, SessionRepository, StorageError};

use crate::{Accounts, AccountsOptions};

/// The cheapest Argon2id hasher, so tests do not wait on hashing.
pub fn fast_hasher() -> PasswordHasher {
    PasswordHasher::new(PasswordParams::INSECURE_FAST).expect("the fast parameters are valid")
}

/// The instant every test clock starts at.
pub fn start() -> Timestamp {
    "2020-01-01T00:00:00".parse().expect("a valid timestamp")
}

/// A manual clock stopped at [`start`].
pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(start()))
}

/// A stored user whose password is hashed with the fast Argon2id parameters.
pub fn stored_user(email: &str, password: &str, first: Option<&str>, last: Option<&str>) -> User {
    let input = NewUser {
        email: email.to_string(),
        password: String::new(),
        first_name: first.map(str::to_string),
        last_name: last.map(str::to_string),
    };
    let hash = fast_hasher().hash(password).expect("hashing works");
    User::new(input, hash, start())
}

/// A user as the original stored them: unsalted SHA-256 password hash.
pub fn legacy_user(email: &str, password: &str) -> User {
    let mut user = stored_user(email, "unused", None, None);
    user.password = Some(PasswordHash::legacy_sha256(password));
    user
}

/// A user repository mock whose `get` and `find_by_email` answer from `users` (first match);
/// any other call fails the test unless the test adds an expectation.
pub fn users_with(users: Vec<User>) -> MockUserRepository {
    let mut mock = MockUserRepository::new();
    let by_id = users.clone();
    mock.expect_get()
        .returning(move |id| Ok(by_id.iter().find(|u| u.id == id).cloned()));
    let shared_by_id = users.clone();
    mock.expect_get_shared().returning(move |id| {
        Ok(shared_by_id
            .iter()
            .find(|u| u.id == id)
            .cloned()
            .map(std::sync::Arc::new))
    });
    mock.expect_find_by_email().returning(move |email| {
        Ok(users
            .iter()
            .find(|u| u.email.as_deref() == Some(email))
            .cloned())
    });
    mock
}

/// Accounts over `users`, a session mock that expects nothing, the fast hasher and [`clock`].
pub fn accounts(users: MockUserRepository) -> Arc<Accounts> {
    Arc::new(accounts_with(users, MockSessionRepository::new(), clock()))
}

/// Accounts over the given stores and clock, with the fast hasher.
pub fn accounts_with(
    users: MockUserRepository,
    sessions: MockSessionRepository,
    clock: Arc<ManualClock>,
) -> Accounts {
    Accounts::new(Arc::new(users), Arc::new(sessions), fast_hasher(), clock)
}

/// Accounts like [`accounts_with`], tuned by `options`.
pub fn accounts_with_options(
    users: MockUserRepository,
    sessions: MockSessionRepository,
    clock: Arc<ManualClock>,
    options: AccountsOptions,
) -> Accounts {
    Accounts::with_options(
        Arc::new(users),
        Arc::new(sessions),
        fast_hasher(),
        clock,
        options,
    )
}

/// A storage failure for tests of error propagation.
pub fn unavailable() -> StorageError {
    StorageError::Unavailable("test store down".into())
}

/// A working session store in a vector, for tests that follow sessions over several calls.
#[derive(Default)]
pub struct FakeSessions {
    sessions: Mutex<Vec<UserSession>>,
    touches: std::sync::atomic::AtomicUsize,
}

impl FakeSessions {
    /// Returns a copy of every stored session, in creation order.
    pub fn all(&self) -> Vec<UserSession> {
        self.lock().clone()
    }

    /// Returns how many times `touch` wrote a session's last use.
    pub fn touches(&self) -> usize {
        self.touches.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn lock(&self) -> MutexGuard<'_, Vec<UserSession>> {
        self.sessions
            .lock()
            .expect("no test panicked while holding the lock")
    }
}

#[async_trait]
impl SessionRepository for FakeSessions {
    async fn create(&self, session: UserSession) -> Result<(), StorageError> {
        self.lock().push(session);
        Ok(())
    }

    async fn get(&self, session_id: &str) -> Result<Option<UserSession>, StorageError> {
        Ok(self
            .lock()
            .iter()
            .find(|s| s.session_id == session_id)
            .cloned())
    }

    async fn delete(&self, session_id: &str) -> Result<bool, StorageError> {
        let mut sessions = self.lock();
        let before = sessions.len();
        sessions.retain(|s| s.session_id != session_id);
        Ok(sessions.len() < before)
    }

    async fn delete_for_user(&self, user_id: &str) -> Result<usize, StorageError> {
        let mut sessions = self.lock();
        let before = sessions.len();
        sessions.retain(|s| s.user_id != user_id);
        Ok(before - sessions.len())
    }

    async fn delete_created_before(&self, cutoff: Timestamp) -> Result<usize, StorageError> {
        let mut sessions = self.lock();
        let before = sessions.len();
        sessions.retain(|s| s.created_at >= cutoff);
        Ok(before - sessions.len())
    }

    async fn list_for_user(&self, user_id: &str) -> Result<Vec<UserSession>, StorageError> {
        Ok(self
            .lock()
            .iter()
            .filter(|s| s.user_id == user_id)
            .cloned()
            .collect())
    }

    async fn touch(&self, session_id: &str, at: Timestamp) -> Result<bool, StorageError> {
        let mut sessions = self.lock();
        let Some(session) = sessions.iter_mut().find(|s| s.session_id == session_id) else {
            return Ok(false);
        };
        if session.last_seen_at.is_none_or(|seen| seen < at) {
            session.last_seen_at = Some(at);
        }
        self.touches
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(true)
    }

    async fn delete_last_seen_before(&self, cutoff: Timestamp) -> Result<usize, StorageError> {
        let mut sessions = self.lock();
        let before = sessions.len();
        sessions.retain(|s| s.last_seen() >= cutoff);
        Ok(before - sessions.len())
    }
}
