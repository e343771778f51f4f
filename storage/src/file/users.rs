//! The user repository over `.db_User.json` and its journal.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use domain::User;

use super::journal_table::JournalTable;
use super::options::{FileStoreOptions, JournalStats};
use super::USERS_FILE;
use crate::memory::UserTable;
use crate::{ReadNow, StorageError, UserRepository};

/// Users kept in `<dir>/.db_User.json` (the original project's format) and
/// `<dir>/.db_User.json.journal` (changes not yet folded into it).
///
/// The files are read once by [`open`](Self::open); afterwards memory serves every read, and
/// each change is durable in the journal before it becomes visible.
/// [`close`](UserRepository::close) folds the journal into the data file.
pub struct FileUserRepository {
    table: JournalTable<UserTable>,
}

impl FileUserRepository {
    /// Loads the users of the data folder `dir` (none if `.db_User.json` does not exist yet),
    /// with the default [`FileStoreOptions`].
    ///
    /// Fails with [`StorageError::Corrupt`] (file and position) when the data file or its
    /// journal cannot be parsed, and with [`StorageError::Io`] when a file or the folder cannot
    /// be read (or, to fold a journal left by a crash, written); nothing is written on
    /// `Corrupt`.
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        Self::open_with(dir, FileStoreOptions::default())
    }

    /// Loads the users of the data folder `dir` as [`open`](Self::open) does, with `options`.
    pub fn open_with(dir: &Path, options: FileStoreOptions) -> Result<Self, StorageError> {
        Ok(FileUserRepository {
            table: JournalTable::open(dir, USERS_FILE, options)?,
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

impl fmt::Debug for FileUserRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.table.read(|table| table.count());
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
            .commit(move |table| table.plan_create(user.clone()))
            .await
    }

    async fn get(&self, id: &str) -> Result<Option<User>, StorageError> {
        Ok(self.table.read(|table| table.get(id).cloned()))
    }

    fn get_shared_now(&self, id: &str) -> ReadNow<Arc<User>> {
        ReadNow::Answered(self.table.read(|table| table.get_shared(id).cloned()))
    }

    async fn find_by_email(&self, email: &str) -> Result<Option<User>, StorageError> {
        Ok(self.table.read(|table| table.find_by_email(email).cloned()))
    }

    async fn list(&self) -> Result<Vec<User>, StorageError> {
        Ok(self.table.read(|table| table.list()))
    }

    async fn update(&self, user: User) -> Result<(), StorageError> {
        self.table
            .commit(move |table| table.plan_update(user.clone()))
            .await
    }

    async fn delete(&self, id: &str) -> Result<bool, StorageError> {
        let id = id.to_string();
        self.table.commit(move |table| table.plan_delete(&id)).await
    }

    async fn count(&self) -> Result<usize, StorageError> {
        Ok(self.table.read(|table| table.count()))
    }

    async fn close(&self) -> Result<(), StorageError> {
        self.table.close().await
    }
}
