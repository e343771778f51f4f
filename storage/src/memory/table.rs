//! What every stored table has in common: records in insertion order, and planned edits.

use domain::{User, UserSession};
use indexmap::IndexMap;

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

    /// Returns every record in insertion order, keyed by id.
    fn records(&self) -> &IndexMap<String, Self::Record>;

    /// Stores `record`: a record with the same id is replaced in place, otherwise it is appended.
    fn put(&mut self, record: Self::Record);

    /// Removes the record with this id, keeping the order of the others.
    fn remove(&mut self, id: &str) -> Option<Self::Record>;
}

/// A change to a table, decided but not yet made: records to remove, then records to put.
///
/// Keeping the decision apart from the change lets the file store write the new state first and
/// touch memory only once the write succeeded.
#[derive(Debug, Clone)]
pub(crate) struct Edit<R> {
    removals: Vec<String>,
    puts: Vec<R>,
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
            puts: vec![record],
        }
    }

    /// An edit that removes the records with these ids.
    pub(crate) fn remove(ids: Vec<String>) -> Self {
        Edit {
            removals: ids,
            puts: Vec::new(),
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
    pub(crate) fn puts(&self) -> &[R] {
        &self.puts
    }

    /// Makes the change on `table`: removals first, then puts.
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
