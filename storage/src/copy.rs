//! Copying every user and session from one store into another, for moving a data folder into
//! PostgreSQL (`api migrate --from <data folder> --to <DATABASE_URL>`).
//!
//! The copy is idempotent: a record whose id the target already holds is left as the target
//! has it and counted as already present, so a second run changes nothing and an interrupted
//! run can simply be started again. Users go first, in the source's insertion order, so the
//! target lists them in the same order; sessions follow in creation order.
//!
//! A record the target cannot take without breaking its rules is a [`CopyConflict`]: a user
//! whose email another user (another id) already has, or a session whose session id or record
//! id another session already has. Conflicts are not errors: the copy goes on with the other
//! records and lists them in the [`CopyReport`], because stopping halfway would leave a
//! half-copied target for no benefit. A caller should show them and treat a report with
//! conflicts as a failed migration ([`CopyReport::is_complete`] is false). `Err` is kept for a
//! store that fails (unavailable, unreadable): nothing about the records is known then.
//! Sessions are copied whatever became of their user; an orphan session authenticates nobody.

use std::fmt;

use domain::{User, UserSession};

use crate::{SessionListing, SessionRepository, StorageError, UserRepository};

/// How many records of one kind a copy wrote and found already there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopyCounts {
    /// Records written to the target.
    pub copied: usize,
    /// Records whose id the target already held, left untouched.
    pub already_present: usize,
}

/// A record that was not copied because the target holds a different record in its way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyConflict {
    /// The user's email belongs to another user in the target.
    EmailTaken {
        /// The id of the user that was not copied.
        user_id: String,
        /// The email both users have.
        email: String,
        /// The id of the target's user with that email, when it could still be found.
        holder_id: Option<String>,
    },
    /// Another session in the target has this session's session id or record id.
    SessionTaken {
        /// The record id of the session that was not copied (the secret session id is never
        /// reported).
        id: String,
    },
}

impl fmt::Display for CopyConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CopyConflict::EmailTaken {
                user_id,
                email,
                holder_id: Some(holder),
            } => write!(
                f,
                "user {user_id} not copied: email {email:?} belongs to user {holder} in the target"
            ),
            CopyConflict::EmailTaken { user_id, email, .. } => write!(
                f,
                "user {user_id} not copied: email {email:?} belongs to another user in the target"
            ),
            CopyConflict::SessionTaken { id } => write!(
                f,
                "session {id} not copied: another session in the target has its session id or id"
            ),
        }
    }
}

/// What a copy did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Users written and users already present.
    pub users: CopyCounts,
    /// Sessions written and sessions already present.
    pub sessions: CopyCounts,
    /// Records left behind, in the order they were met.
    pub conflicts: Vec<CopyConflict>,
}

impl CopyReport {
    /// Tells whether every source record is now in the target (no conflicts).
    pub fn is_complete(&self) -> bool {
        self.conflicts.is_empty()
    }
}

impl fmt::Display for CopyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "users: {} copied, {} already present; sessions: {} copied, {} already present; \
             {} conflict(s)",
            self.users.copied,
            self.users.already_present,
            self.sessions.copied,
            self.sessions.already_present,
            self.conflicts.len()
        )
    }
}

/// Copies every user of `from_users` and every session of `from_sessions` into `to_users` and
/// `to_sessions`, skipping records already there and reporting conflicts (see the module
/// documentation). Fails only when a store fails; running it again after a failure resumes.
pub async fn copy_all(
    from_users: &dyn UserRepository,
    from_sessions: &dyn SessionListing,
    to_users: &dyn UserRepository,
    to_sessions: &dyn SessionRepository,
) -> Result<CopyReport, StorageError> {
    let mut report = CopyReport::default();
    for user in from_users.list().await? {
        copy_user(user, to_users, &mut report).await?;
    }
    for session in from_sessions.list().await? {
        copy_session(session, to_sessions, &mut report).await?;
    }
    Ok(report)
}

async fn copy_user(
    user: User,
    to_users: &dyn UserRepository,
    report: &mut CopyReport,
) -> Result<(), StorageError> {
    let (id, email) = (user.id.clone(), user.email.clone());
    match to_users.create(user).await {
        Ok(()) => report.users.copied += 1,
        Err(StorageError::DuplicateId) => report.users.already_present += 1,
        // A store may check the email before the id: the same user copied earlier lands here.
        Err(StorageError::DuplicateEmail) if to_users.get(&id).await?.is_some() => {
            report.users.already_present += 1;
        }
        Err(StorageError::DuplicateEmail) => {
            let email = email.unwrap_or_default();
            let holder_id = to_users
                .find_by_email(&email)
                .await?
                .map(|holder| holder.id);
            report.conflicts.push(CopyConflict::EmailTaken {
                user_id: id,
                email,
                holder_id,
            });
        }
        Err(other) => return Err(other),
    }
    Ok(())
}

async fn copy_session(
    session: UserSession,
    to_sessions: &dyn SessionRepository,
    report: &mut CopyReport,
) -> Result<(), StorageError> {
    let (id, session_id) = (session.id.clone(), session.session_id.clone());
    match to_sessions.create(session).await {
        Ok(()) => report.sessions.copied += 1,
        // Taken session id or taken record id: the same session if both belong to one record.
        Err(StorageError::DuplicateId) => {
            let holder = to_sessions.get(&session_id).await?;
            if holder.is_some_and(|holder| holder.id == id) {
                report.sessions.already_present += 1;
            } else {
                report.conflicts.push(CopyConflict::SessionTaken { id });
            }
        }
        Err(other) => return Err(other),
    }
    Ok(())
}
