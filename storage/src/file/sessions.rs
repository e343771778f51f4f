//! The session repository over `.db_UserSession.json` and its journal.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use domain::{Timestamp, UserSession};

use super::journal_table::JournalTable;
use super::options::{FileStoreOptions, JournalStats};
use super::SESSIONS_FILE;
use crate::memory::table::Table;
use crate::memory::SessionTable;
use crate::{ReadNow, SessionListing, SessionRepository, StorageError};

/// Sessions kept in `<dir>/.db_UserSession.json` (the original project's format) and
/// `<dir>/.db_UserSession.json.journal` (changes not yet folded into it).
///
/// The files are read once by [`open`](Self::open); afterwards memory serves every read, and
/// each change is durable in the journal before it becomes visible.
/// [`close`](SessionRepository::close) folds the journal into the data file.
pub struct FileSessionRepository {
    table: JournalTable<SessionTable>,
}

impl FileSessionRepository {
    /// Loads the sessions of the data folder `dir` (none if `.db_UserSession.json` does not
    /// exist yet), with the default [`FileStoreOptions`].
    ///
    /// Fails with [`StorageError::Corrupt`] (file and position) when the data file or its
    /// journal cannot be parsed, and with [`StorageError::Io`] when a file or the folder cannot
    /// be read (or, to fold a journal left by a crash, written); nothing is written on
    /// `Corrupt`.
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        Self::open_with(dir, FileStoreOptions::default())
    }

    /// Loads the sessions of the data folder `dir` as [`open`](Self::open) does, with `options`.
    pub fn open_with(dir: &Path, options: FileStoreOptions) -> Result<Self, StorageError> {
        Ok(FileSessionRepository {
            table: JournalTable::open(dir, SESSIONS_FILE, options)?,
        })
    }

    /// Returns the path of the data file.
    pub fn path(&self) -> &Path {
        self.table.path()
    }

    /// Returns what the store did since it was opened (syncs, changes, bytes, compactions).
    pub fn stats(&self) -> JournalStats {
        self.table.stats()
    }
}

impl fmt::Debug for FileSessionRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Records hold secret session ids; a debug line shows only how many there are.
        let count = self.table.read(|table| table.records().len());
        f.debug_struct("FileSessionRepository")
            .field("path", &self.path())
            .field("sessions", &count)
            .finish()
    }
}

#[async_trait]
impl SessionRepository for FileSessionRepository {
    async fn create(&self, session: UserSession) -> Result<(), StorageError> {
        self.table
            .commit(move |table| table.plan_create(session.clone()))
            .await
    }

    async fn get(&self, session_id: &str) -> Result<Option<UserSession>, StorageError> {
        Ok(self.table.read(|table| table.get(session_id).cloned()))
    }

    fn get_shared_now(&self, session_id: &str) -> ReadNow<Arc<UserSession>> {
        ReadNow::Answered(
            self.table
                .read(|table| table.get_shared(session_id).cloned()),
        )
    }

    async fn delete(&self, session_id: &str) -> Result<bool, StorageError> {
        let session_id = session_id.to_string();
        self.table
            .commit(move |table| table.plan_delete(&session_id))
            .await
    }

    async fn delete_for_user(&self, user_id: &str) -> Result<usize, StorageError> {
        let user_id = user_id.to_string();
        self.table
            .commit(move |table| table.plan_delete_for_user(&user_id))
            .await
    }

    async fn delete_created_before(&self, cutoff: Timestamp) -> Result<usize, StorageError> {
        self.table
            .commit(move |table| table.plan_delete_created_before(cutoff))
            .await
    }

    async fn list_for_user(&self, user_id: &str) -> Result<Vec<UserSession>, StorageError> {
        Ok(self.table.read(|table| table.list_for_user(user_id)))
    }

    async fn touch(&self, session_id: &str, at: Timestamp) -> Result<bool, StorageError> {
        let session_id = session_id.to_string();
        self.table
            .commit(move |table| table.plan_touch(&session_id, at))
            .await
    }

    async fn delete_last_seen_before(&self, cutoff: Timestamp) -> Result<usize, StorageError> {
        self.table
            .commit(move |table| table.plan_delete_last_seen_before(cutoff))
            .await
    }

    async fn close(&self) -> Result<(), StorageError> {
        self.table.close().await
    }
}

#[async_trait]
impl SessionListing for FileSessionRepository {
    async fn list(&self) -> Result<Vec<UserSession>, StorageError> {
        Ok(self.table.read(|table| table.list()))
    }
}
