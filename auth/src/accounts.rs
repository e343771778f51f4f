//! Accounts: creating, updating and deleting users, and checking their passwords.

use std::sync::Arc;

use domain::{Clock, NewUser, PasswordHash, PasswordHasher, User, Verification};
use storage::{SessionRepository, StorageError, UserRepository};
use tokio::sync::OnceCell;

use crate::AuthError;

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
pub struct Accounts {
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionRepository>,
    hasher: Arc<PasswordHasher>,
    clock: Arc<dyn Clock>,
    /// A hash of a random password, made on first need, verified against when no user has the
    /// email so that an unknown email costs as much time as a wrong password.
    dummy_hash: OnceCell<PasswordHash>,
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
            dummy_hash: OnceCell::new(),
        }
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
    pub async fn check_credentials(
        &self,
        email: &str,
        password: &str,
    ) -> Result<CredentialCheck, AuthError> {
        let Some(mut user) = self.users.find_by_email(email).await? else {
            self.verify_dummy(password).await?;
            return Ok(CredentialCheck::UnknownEmail);
        };
        let Some(stored) = user.password.clone() else {
            // A record the original wrote with a null password: no password can match, but the
            // answer still takes as long as a real check.
            self.verify_dummy(password).await?;
            return Ok(CredentialCheck::WrongPassword);
        };
        match self.verify(stored, password.to_string()).await? {
            Verification::Mismatch => Ok(CredentialCheck::WrongPassword),
            Verification::Match => Ok(CredentialCheck::Valid(user)),
            Verification::MatchNeedsUpgrade => {
                let previous = user
                    .password
                    .replace(self.hash(password.to_string()).await?);
                // `updated_at` stays as it is: a silent rehash is not a change the API shows.
                match self.users.update(user.clone()).await {
                    Ok(()) => Ok(CredentialCheck::Valid(user)),
                    // Deleted between the lookup and the upgrade: there is no such user now.
                    Err(StorageError::NotFound) => Ok(CredentialCheck::UnknownEmail),
                    // A data file from the original may hold the same email twice, which the
                    // store refuses to write back; the password was right, so the login stands
                    // and the upgrade waits for a later chance.
                    Err(StorageError::DuplicateEmail) => {
                        tracing::warn!(
                            user_id = %user.id,
                            "password hash upgrade skipped: the email is shared with another user"
                        );
                        user.password = previous;
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
        if existed {
            self.sessions.delete_for_user(id).await?;
        }
        Ok(existed)
    }

    /// Hashes `password` with Argon2id on a blocking thread.
    async fn hash(&self, password: String) -> Result<PasswordHash, AuthError> {
        let hasher = Arc::clone(&self.hasher);
        let hash = tokio::task::spawn_blocking(move || hasher.hash(&password))
            .await
            .map_err(|e| AuthError::Task(e.to_string()))??;
        Ok(hash)
    }

    /// Verifies `password` against `stored` on a blocking thread.
    async fn verify(
        &self,
        stored: PasswordHash,
        password: String,
    ) -> Result<Verification, AuthError> {
        let hasher = Arc::clone(&self.hasher);
        tokio::task::spawn_blocking(move || hasher.verify(&stored, &password))
            .await
            .map_err(|e| AuthError::Task(e.to_string()))
    }

    /// Spends the time of one real verification, whatever its result.
    async fn verify_dummy(&self, password: &str) -> Result<(), AuthError> {
        let dummy = self
            .dummy_hash
            .get_or_try_init(|| async {
                let hasher = Arc::clone(&self.hasher);
                let hash = tokio::task::spawn_blocking(move || hasher.dummy_hash())
                    .await
                    .map_err(|e| AuthError::Task(e.to_string()))??;
                Ok::<_, AuthError>(hash)
            })
            .await?;
        self.verify(dummy.clone(), password.to_string()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
