//! The session repository over `.db_UserSession.json`.

use std::fmt;
use std::path::Path;

use async_trait::async_trait;
use domain::{Timestamp, UserSession};

use super::json_file_table::JsonFileTable;
use super::SESSIONS_FILE;
use crate::memory::table::Table;
use crate::memory::SessionTable;
use crate::{SessionRepository, StorageError};

/// Sessions kept in `<dir>/.db_UserSession.json`, in the original project's format.
///
/// The file is read once by [`open`](Self::open); afterwards memory serves every read and each
/// change replaces the file atomically before it becomes visible.
pub struct FileSessionRepository {
    table: JsonFileTable<SessionTable>,
}

impl FileSessionRepository {
    /// Loads the sessions of the data folder `dir` (none if `.db_UserSession.json` does not
    /// exist yet).
    ///
    /// Fails with [`StorageError::Corrupt`] (file, line, column) when the file cannot be parsed
    /// and with [`StorageError::Io`] when it or the folder cannot be read; nothing is written.
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        Ok(FileSessionRepository {
            table: JsonFileTable::open(dir, SESSIONS_FILE)?,
        })
    }

    /// Returns the path of the data file.
    pub fn path(&self) -> &Path {
        self.table.path()
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
            .commit(move |table| table.plan_create(session))
            .await
    }

    async fn get(&self, session_id: &str) -> Result<Option<UserSession>, StorageError> {
        Ok(self.table.read(|table| table.get(session_id).cloned()))
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
}
