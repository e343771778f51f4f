//! Changing one's password: check the current one, store a new hash, end the other sessions.

use domain::Verification;
use storage::StorageError;

use super::Accounts;
use crate::AuthError;

/// The outcome of [`Accounts::change_password`].
#[derive(Debug, Clone, PartialEq)]
// A `User` in the success variant is the common case and each value is moved once, so boxing it
// would cost an allocation for nothing.
#[allow(clippy::large_enum_variant)]
pub enum PasswordChange {
    /// No user has this id (deleted meanwhile).
    UnknownUser,
    /// The current password given is not the user's password; nothing changed.
    WrongPassword,
    /// The password was changed; this is the user as stored now, and this many other
    /// sessions were ended.
    Changed {
        /// The user with the new hash.
        user: domain::User,
        /// How many sessions were revoked.
        revoked: usize,
    },
}

impl Accounts {
    /// Replaces the password of `user_id` by `new` when `current` is right, then ends every
    /// session of the user except the one whose handle (record id) is `keep`, so that whoever
    /// knew the old password is logged out everywhere else.
    ///
    /// A wrong `current` costs one Argon2 verification like any failed check and changes
    /// nothing. Remembered successful checks are keyed on the stored hash, so the old password
    /// stops working for HTTP Basic at once; the user's cache entries are dropped anyway.
    ///
    /// Sessions are listed and then deleted one by one: a login with the old password that
    /// completes between the two steps keeps its session, a window of one store round trip.
    pub async fn change_password(
        &self,
        user_id: &str,
        current: &str,
        new: &str,
        keep: Option<&str>,
    ) -> Result<PasswordChange, AuthError> {
        let Some(mut user) = self.users.get(user_id).await? else {
            return Ok(PasswordChange::UnknownUser);
        };
        let verification = self
            .hashing
            .verify_stored(user.password.clone(), current.to_string())
            .await?;
        if verification == Verification::Mismatch {
            return Ok(PasswordChange::WrongPassword);
        }
        user.password = Some(self.hashing.hash(new.to_string()).await?);
        user.updated_at = self.clock.now();
        match self.users.update(user.clone()).await {
            Ok(()) => {}
            Err(StorageError::NotFound) => return Ok(PasswordChange::UnknownUser),
            Err(other) => return Err(other.into()),
        }
        self.cache.forget_user(user_id);
        let mut revoked = 0;
        for session in self.sessions.list_for_user(user_id).await? {
            if keep != Some(session.id.as_str())
                && self.sessions.delete(&session.session_id).await?
            {
                revoked += 1;
            }
        }
        Ok(PasswordChange::Changed { user, revoked })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use domain::{Timestamp, UserSession};
    use storage::memory::{MemorySessionRepository, MemoryUserRepository};
    use storage::{SessionRepository, UserRepository};

    use super::*;
    use crate::test_support::{clock, fast_hasher, legacy_user, stored_user};
    use crate::CredentialCheck;

    struct Fixture {
        accounts: Accounts,
        users: Arc<MemoryUserRepository>,
        sessions: Arc<MemorySessionRepository>,
    }

    async fn fixture(user: &domain::User) -> Fixture {
        let users = Arc::new(MemoryUserRepository::new());
        let sessions = Arc::new(MemorySessionRepository::new());
        users.create(user.clone()).await.expect("created");
        let accounts = Accounts::new(users.clone(), sessions.clone(), fast_hasher(), clock());
        Fixture {
            accounts,
            users,
            sessions,
        }
    }

    async fn open_session(sessions: &MemorySessionRepository, user_id: &str) -> UserSession {
        let now: Timestamp = "2020-01-01T00:00:00".parse().expect("valid");
        let session = UserSession::new(user_id, now);
        sessions.create(session.clone()).await.expect("created");
        session
    }

    #[tokio::test]
    async fn a_wrong_current_password_changes_nothing() {
        let user = stored_user("bob@hbtn.io", "old", None, None);
        let f = fixture(&user).await;
        let session = open_session(&f.sessions, &user.id).await;
        let outcome = f
            .accounts
            .change_password(&user.id, "guess", "new", None)
            .await
            .expect("no error");
        assert_eq!(outcome, PasswordChange::WrongPassword);
        assert_eq!(f.users.get(&user.id).await.expect("read"), Some(user));
        assert!(f
            .sessions
            .get(&session.session_id)
            .await
            .expect("read")
            .is_some());
    }

    #[tokio::test]
    async fn a_change_keeps_only_the_named_session_and_the_old_password_stops_working() {
        let user = stored_user("bob@hbtn.io", "old", None, None);
        let other_user = stored_user("eve@hbtn.io", "pw", None, None);
        let f = fixture(&user).await;
        f.users.create(other_user.clone()).await.expect("created");
        let current = open_session(&f.sessions, &user.id).await;
        let other = open_session(&f.sessions, &user.id).await;
        let someone_else = open_session(&f.sessions, &other_user.id).await;
        // A successful check is cached before the change.
        assert!(matches!(
            f.accounts.check_credentials("bob@hbtn.io", "old").await,
            Ok(CredentialCheck::Valid(_))
        ));

        let outcome = f
            .accounts
            .change_password(&user.id, "old", "new", Some(&current.id))
            .await
            .expect("no error");
        let PasswordChange::Changed {
            user: changed,
            revoked,
        } = outcome
        else {
            panic!("expected a change, got {outcome:?}");
        };
        assert_eq!(revoked, 1);
        assert_ne!(changed.password, user.password);
        assert!(f
            .sessions
            .get(&current.session_id)
            .await
            .expect("read")
            .is_some());
        assert!(f
            .sessions
            .get(&other.session_id)
            .await
            .expect("read")
            .is_none());
        assert!(f
            .sessions
            .get(&someone_else.session_id)
            .await
            .expect("read")
            .is_some());
        assert_eq!(
            f.accounts
                .check_credentials("bob@hbtn.io", "old")
                .await
                .expect("no error"),
            CredentialCheck::WrongPassword,
            "the cached success of the old password is not used"
        );
        assert!(matches!(
            f.accounts.check_credentials("bob@hbtn.io", "new").await,
            Ok(CredentialCheck::Valid(_))
        ));
    }

    #[tokio::test]
    async fn without_a_session_to_keep_every_session_ends_and_legacy_hashes_work() {
        let user = legacy_user("bob@hbtn.io", "old");
        let f = fixture(&user).await;
        open_session(&f.sessions, &user.id).await;
        open_session(&f.sessions, &user.id).await;
        let outcome = f
            .accounts
            .change_password(&user.id, "old", "new", None)
            .await
            .expect("no error");
        assert!(matches!(
            outcome,
            PasswordChange::Changed { revoked: 2, .. }
        ));
        assert!(f
            .sessions
            .list_for_user(&user.id)
            .await
            .expect("read")
            .is_empty());
        let stored = f.users.get(&user.id).await.expect("read").expect("kept");
        assert!(stored.password.is_some_and(|hash| !hash.is_legacy()));
    }

    #[tokio::test]
    async fn an_unknown_user_is_reported() {
        let user = stored_user("bob@hbtn.io", "old", None, None);
        let f = fixture(&user).await;
        let outcome = f
            .accounts
            .change_password("nobody", "old", "new", None)
            .await
            .expect("no error");
        assert_eq!(outcome, PasswordChange::UnknownUser);
    }
}
