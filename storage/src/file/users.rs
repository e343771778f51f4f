//! The user repository over `.db_User.json`.

use std::fmt;
use std::path::Path;

use async_trait::async_trait;
use domain::User;

use super::json_file_table::JsonFileTable;
use super::USERS_FILE;
use crate::memory::table::Table;
use crate::memory::UserTable;
use crate::{StorageError, UserRepository};

/// Users kept in `<dir>/.db_User.json`, in the original project's format.
///
/// The file is read once by [`open`](Self::open); afterwards memory serves every read and each
/// change replaces the file atomically before it becomes visible.
pub struct FileUserRepository {
    table: JsonFileTable<UserTable>,
}

impl FileUserRepository {
    /// Loads the users of the data folder `dir` (none if `.db_User.json` does not exist yet).
    ///
    /// Fails with [`StorageError::Corrupt`] (file, line, column) when the file cannot be parsed
    /// and with [`StorageError::Io`] when it or the folder cannot be read; nothing is written.
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        Ok(FileUserRepository {
            table: JsonFileTable::open(dir, USERS_FILE)?,
        })
    }

    /// Returns the path of the data file.
    pub fn path(&self) -> &Path {
        self.table.path()
    }
}

impl fmt::Debug for FileUserRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.table.read(|table| table.records().len());
        f.debug_struct("FileUserRepository")
            .field("path", &self.path())
            .field("users", &count)
            .finish()
    }
}

#[async_trait]
impl UserRepository for FileUserRepository {
    async fn create(&self, user: User) -> Result<(), StorageError> {
        self.table
            .commit(move |table| table.plan_create(user))
            .await
    }

    async fn get(&self, id: &str) -> Result<Option<User>, StorageError> {
        Ok(self.table.read(|table| table.get(id).cloned()))
    }

    async fn find_by_email(&self, email: &str) -> Result<Option<User>, StorageError> {
        Ok(self.table.read(|table| table.find_by_email(email).cloned()))
    }

    async fn list(&self) -> Result<Vec<User>, StorageError> {
        Ok(self
            .table
            .read(|table| table.records().values().cloned().collect()))
    }

    async fn update(&self, user: User) -> Result<(), StorageError> {
        self.table
            .commit(move |table| table.plan_update(user))
            .await
    }

    async fn delete(&self, id: &str) -> Result<bool, StorageError> {
        let id = id.to_string();
        self.table.commit(move |table| table.plan_delete(&id)).await
    }

    async fn count(&self) -> Result<usize, StorageError> {
        Ok(self.table.read(|table| table.records().len()))
    }
}
