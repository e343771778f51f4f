//! A table behind a sharded read-write lock, taken only for short synchronous sections.
//!
//! Every authenticated request reads the session and user tables. A standard `RwLock` counts
//! its readers in one word, which every read writes: with two worker threads on two cores that
//! cache line moved between the cores on every request. crossbeam's `ShardedLock` gives each
//! thread a shard of its own to read-lock; a write locks every shard, which costs little next
//! to what a write does anyway (a journal append, an Argon2 hash before it).

use std::sync::PoisonError;

use crossbeam_utils::sync::ShardedLock;

use super::table::{Edit, Plan, Table};
use crate::StorageError;

/// A table shared between tasks; the lock is never held across an `.await`.
#[derive(Debug, Default)]
pub(crate) struct LockedTable<T> {
    table: ShardedLock<T>,
}

impl<T: Table> LockedTable<T> {
    /// Wraps a loaded table.
    pub(crate) fn new(table: T) -> Self {
        LockedTable {
            table: ShardedLock::new(table),
        }
    }

    /// Runs `read` against the current state.
    pub(crate) fn read<O>(&self, read: impl FnOnce(&T) -> O) -> O {
        // A panic while the lock was held cannot leave a half-made change: edits are planned
        // first and applied by infallible map operations, so a poisoned lock is still sound.
        let table = self.table.read().unwrap_or_else(PoisonError::into_inner);
        read(&table)
    }

    /// Applies edits that have already been planned (and, for files, made durable), in order,
    /// under one lock: readers see all of them or none.
    pub(crate) fn apply_all(&self, edits: impl IntoIterator<Item = Edit<T::Record>>) {
        let mut table = self.table.write().unwrap_or_else(PoisonError::into_inner);
        for edit in edits {
            edit.apply_to(&mut *table);
        }
    }

    /// Plans and applies a change in one step, so no other change can slip in between.
    pub(crate) fn commit<O>(
        &self,
        plan: impl FnOnce(&T) -> Plan<T::Record, O>,
    ) -> Result<O, StorageError> {
        let mut table = self.table.write().unwrap_or_else(PoisonError::into_inner);
        let (edit, outcome) = plan(&table)?;
        edit.apply_to(&mut *table);
        Ok(outcome)
    }
}
