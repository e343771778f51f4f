//! What every stored table has in common: records in insertion order, and planned edits.

use std::sync::Arc;

use domain::{User, UserSession};

use super::records::Records;
use crate::StorageError;

/// A stored record that knows the key it is filed under (its `id`).
pub(crate) trait Keyed {
    /// Returns the record's id, the key of its entry in a data file.
    fn key(&self) -> &str;
}

impl Keyed for User {
    fn key(&self) -> &str {
        &self.id
    }
}

impl Keyed for UserSession {
    fn key(&self) -> &str {
        &self.id
    }
}

/// Records kept in insertion order under their ids, plus whatever indexes a table needs.
pub(crate) trait Table: Default + Send + Sync + 'static {
    /// The kind of record stored.
    type Record: Keyed + Clone + Send + Sync + 'static;

    /// Returns every record, in insertion order and indexed.
    fn records(&self) -> &Records<Self::Record>;

    /// Returns the records for changing them directly (loading, replaying, applying edits).
    fn records_mut(&mut self) -> &mut Records<Self::Record>;

    /// Stores `record`: a record with the same id is replaced in place, otherwise it is appended.
    fn put(&mut self, record: Arc<Self::Record>) {
        self.records_mut().put(record);
    }

    /// Removes the record with this id, keeping the order of the others.
    fn remove(&mut self, id: &str) -> Option<Arc<Self::Record>> {
        self.records_mut().remove(id)
    }
}

/// A change to a table, decided but not yet made: records to remove, then records to put.
///
/// Keeping the decision apart from the change lets the file store write the change to its
/// journal first and touch memory only once the write is durable.
#[derive(Debug, Clone)]
pub(crate) struct Edit<R> {
    removals: Vec<String>,
    puts: Vec<Arc<R>>,
}

impl<R: Keyed> Edit<R> {
    /// An edit that changes nothing.
    pub(crate) fn nothing() -> Self {
        Edit {
            removals: Vec::new(),
            puts: Vec::new(),
        }
    }

    /// An edit that stores one record.
    pub(crate) fn put(record: R) -> Self {
        Edit {
            removals: Vec::new(),
            puts: vec![Arc::new(record)],
        }
    }

    /// An edit that removes the records with these ids.
    pub(crate) fn remove(ids: Vec<String>) -> Self {
        Edit {
            removals: ids,
            puts: Vec::new(),
        }
    }

    /// An edit made of removals then puts, as read back from a journal.
    pub(crate) fn from_parts(removals: Vec<String>, puts: Vec<R>) -> Self {
        Edit {
            removals,
            puts: puts.into_iter().map(Arc::new).collect(),
        }
    }

    /// Tells whether applying this edit would leave the table as it is.
    pub(crate) fn is_empty(&self) -> bool {
        self.removals.is_empty() && self.puts.is_empty()
    }

    /// The ids this edit removes.
    pub(crate) fn removals(&self) -> &[String] {
        &self.removals
    }

    /// The records this edit stores, in order.
    pub(crate) fn puts(&self) -> &[Arc<R>] {
        &self.puts
    }

    /// Makes the change on `table`: removals first, then puts.
    ///
    /// Applying an edit twice gives the same records as applying it once (a removal of a
    /// missing id does nothing, a put of a present id replaces it in place), which is what
    /// lets a journal be replayed over a snapshot that may already hold some of its changes.
    pub(crate) fn apply_to<T: Table<Record = R>>(self, table: &mut T) {
        for id in &self.removals {
            table.remove(id);
        }
        for record in self.puts {
            table.put(record);
        }
    }
}

/// The outcome of planning an operation: the edit to make and what to answer once it is made.
pub(crate) type Plan<R, O> = Result<(Edit<R>, O), StorageError>;
