//! Accounts: creating, updating and deleting users, and checking their passwords.

use std::sync::Arc;

use domain::{Clock, NewUser, PasswordHasher, User};
use storage::{SessionRepository, UserRepository};

use crate::AuthError;

/// The result of checking an email and password.
#[derive(Debug, Clone, PartialEq)]
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
pub struct Accounts {
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionRepository>,
    hasher: Arc<PasswordHasher>,
    clock: Arc<dyn Clock>,
}

impl Accounts {
    /// Creates the service over the stores, hashing new passwords with `hasher`.
    pub fn new(
        users: Arc<dyn UserRepository>,
        sessions: Arc<dyn SessionRepository>,
        hasher: PasswordHasher,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Accounts {
            users,
            sessions,
            hasher: Arc::new(hasher),
            clock,
        }
    }

    /// Hashes the password (off the async threads) and stores a new user; a taken email gives
    /// `AuthError::Storage(StorageError::DuplicateEmail)`.
    pub async fn create_user(&self, input: NewUser) -> Result<User, AuthError> {
        let _ = (&self.users, &self.sessions, &self.hasher, &self.clock, input);
        todo!("auth helper")
    }

    /// Checks an email and password against the first user with that email; a legacy or
    /// outdated hash is replaced by a fresh Argon2id hash on success.
    pub async fn check_credentials(
        &self,
        email: &str,
        password: &str,
    ) -> Result<CredentialCheck, AuthError> {
        let _ = (email, password);
        todo!("auth helper")
    }

    /// Applies a name change and refreshes `updated_at`; `None` when no user has this id.
    pub async fn update_names(
        &self,
        id: &str,
        change: NameChange,
    ) -> Result<Option<User>, AuthError> {
        let _ = (id, change);
        todo!("auth helper")
    }

    /// Deletes a user and revokes all their sessions; returns whether the user existed.
    pub async fn delete_user(&self, id: &str) -> Result<bool, AuthError> {
        let _ = id;
        todo!("auth helper")
    }
}
