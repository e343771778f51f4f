//! The in-memory user repository.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use domain::User;

use super::{LockedTable, UserTable};
use crate::{ReadNow, StorageError, UserRepository};

/// Users kept in process memory only; everything is lost when the process ends.
#[derive(Default)]
pub struct MemoryUserRepository {
    table: LockedTable<UserTable>,
}

impl MemoryUserRepository {
    /// Creates an empty repository.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryUserRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Records hold emails; a debug line shows only how many there are.
        let count = self.table.read(|table| table.count());
        f.debug_struct("MemoryUserRepository")
            .field("users", &count)
            .finish()
    }
}

#[async_trait]
impl UserRepository for MemoryUserRepository {
    async fn create(&self, user: User) -> Result<(), StorageError> {
        self.table.commit(|table| table.plan_create(user))
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
        self.table.commit(|table| table.plan_update(user))
    }

    async fn delete(&self, id: &str) -> Result<bool, StorageError> {
        self.table.commit(|table| table.plan_delete(id))
    }

    async fn count(&self) -> Result<usize, StorageError> {
        Ok(self.table.read(|table| table.count()))
    }
}
