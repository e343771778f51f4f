//! A secondary index from a value (an email, a session id) to the ids of the records holding it.

use std::collections::HashMap;

/// Maps a value to the ids of every record holding it, in the records' insertion order.
///
/// Values are unique for records this service writes, but a data file written by the original
/// may hold duplicates; the index keeps them all so that "the first one" stays right when the
/// first is removed or changed.
#[derive(Debug, Default, Clone)]
pub(crate) struct MultiIndex {
    ids: HashMap<String, Vec<String>>,
}

impl MultiIndex {
    /// Returns the id of the earliest record holding `value`.
    pub(crate) fn first(&self, value: &str) -> Option<&str> {
        self.ids
            .get(value)
            .and_then(|ids| ids.first())
            .map(String::as_str)
    }

    /// Returns the ids of every record holding `value`, earliest first.
    pub(crate) fn all(&self, value: &str) -> &[String] {
        self.ids.get(value).map(Vec::as_slice).unwrap_or_default()
    }

    /// Records that `id` holds `value`; `position` gives a record's place in insertion order.
    pub(crate) fn add(&mut self, value: &str, id: &str, position: impl Fn(&str) -> usize) {
        let ids = self.ids.entry(value.to_string()).or_default();
        let place = position(id);
        let at = ids.partition_point(|other| position(other) < place);
        ids.insert(at, id.to_string());
    }

    /// Forgets that `id` holds `value`.
    pub(crate) fn remove(&mut self, value: &str, id: &str) {
        if let Some(ids) = self.ids.get_mut(value) {
            ids.retain(|other| other != id);
            if ids.is_empty() {
                self.ids.remove(value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(id: &str) -> usize {
        id.parse().expect("test ids are numbers")
    }

    #[test]
    fn ids_stay_in_record_order_whatever_the_order_of_additions() {
        let mut index = MultiIndex::default();
        index.add("x", "5", position);
        index.add("x", "2", position);
        index.add("x", "9", position);
        assert_eq!(index.all("x"), ["2", "5", "9"]);
        assert_eq!(index.first("x"), Some("2"));
    }

    #[test]
    fn removing_the_first_id_promotes_the_next() {
        let mut index = MultiIndex::default();
        index.add("x", "1", position);
        index.add("x", "2", position);
        index.remove("x", "1");
        assert_eq!(index.first("x"), Some("2"));
        index.remove("x", "2");
        assert_eq!(index.first("x"), None);
        assert!(index.all("x").is_empty());
    }
}
