//! The state a table would have after an edit, serialised without building it.

use std::collections::{HashMap, HashSet};

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::memory::table::{Edit, Keyed, Table};

/// Serialises as the file object `{id: record}` of `table` once `edit` is applied, so the file
/// can be written before memory changes (and without cloning every record).
pub(crate) struct AfterEdit<'a, T: Table> {
    table: &'a T,
    edit: &'a Edit<T::Record>,
}

impl<'a, T: Table> AfterEdit<'a, T> {
    /// Describes `table` with `edit` applied.
    pub(crate) fn new(table: &'a T, edit: &'a Edit<T::Record>) -> Self {
        AfterEdit { table, edit }
    }
}

impl<T> Serialize for AfterEdit<'_, T>
where
    T: Table,
    T::Record: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Mirrors `Edit::apply_to`: removals first, then each put replaces a surviving record
        // in place or is appended.
        let removed: HashSet<&str> = self.edit.removals().iter().map(String::as_str).collect();
        let puts: HashMap<&str, &T::Record> = self
            .edit
            .puts()
            .iter()
            .map(|record| (record.key(), record))
            .collect();
        let records = self.table.records();
        let mut map = serializer.serialize_map(None)?;
        for (id, record) in records {
            if removed.contains(id.as_str()) {
                continue;
            }
            let record = puts.get(id.as_str()).copied().unwrap_or(record);
            map.serialize_entry(id, record)?;
        }
        // New records go last, in put order; an id put twice keeps its first place and its last
        // value, exactly as repeated `IndexMap::insert` calls would.
        let mut appended = HashSet::new();
        for record in self.edit.puts() {
            let id = record.key();
            let replaced = records.contains_key(id) && !removed.contains(id);
            if !replaced && appended.insert(id) {
                map.serialize_entry(id, puts.get(id).copied().unwrap_or(record))?;
            }
        }
        map.end()
    }
}
