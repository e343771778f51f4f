//! The in-memory session repository.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use domain::{Timestamp, UserSession};

use super::table::Table;
use super::{LockedTable, SessionTable};
use crate::{ReadNow, SessionListing, SessionRepository, StorageError};

/// Sessions kept in process memory only; everything is lost when the process ends.
#[derive(Default)]
pub struct MemorySessionRepository {
    table: LockedTable<SessionTable>,
}

impl MemorySessionRepository {
    /// Creates an empty repository.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemorySessionRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Records hold secret session ids; a debug line shows only how many there are.
        let count = self.table.read(|table| table.records().len());
        f.debug_struct("MemorySessionRepository")
            .field("sessions", &count)
            .finish()
    }
}

#[async_trait]
impl SessionRepository for MemorySessionRepository {
    async fn create(&self, session: UserSession) -> Result<(), StorageError> {
        self.table.commit(|table| table.plan_create(session))
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
        self.table.commit(|table| table.plan_delete(session_id))
    }

    async fn delete_for_user(&self, user_id: &str) -> Result<usize, StorageError> {
        self.table
            .commit(|table| table.plan_delete_for_user(user_id))
    }

    async fn delete_created_before(&self, cutoff: Timestamp) -> Result<usize, StorageError> {
        self.table
            .commit(|table| table.plan_delete_created_before(cutoff))
    }

    async fn list_for_user(&self, user_id: &str) -> Result<Vec<UserSession>, StorageError> {
        Ok(self.table.read(|table| table.list_for_user(user_id)))
    }

    async fn touch(&self, session_id: &str, at: Timestamp) -> Result<bool, StorageError> {
        self.table.commit(|table| table.plan_touch(session_id, at))
    }

    async fn delete_last_seen_before(&self, cutoff: Timestamp) -> Result<usize, StorageError> {
        self.table
            .commit(|table| table.plan_delete_last_seen_before(cutoff))
    }
}

#[async_trait]
impl SessionListing for MemorySessionRepository {
    async fn list(&self) -> Result<Vec<UserSession>, StorageError> {
        Ok(self.table.read(|table| table.list()))
    }
}
