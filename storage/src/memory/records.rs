//! Records in insertion order, found in O(1) by id and by one secondary value, removed in O(1).
//!
//! Records sit in a vector of slots in insertion order; a removal leaves an empty slot (a
//! tombstone) instead of shifting everything after it, and the vector is squeezed once the
//! tombstones outnumber the live records, so removal stays O(1) amortised and a listing never
//! walks more than twice the live records. The indexes store slot numbers only: the strings
//! they are keyed by (ids, emails, session ids) are read from the records themselves, so a
//! million records do not carry a second copy of every key.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

use foldhash::quality::RandomState;

use hashbrown::HashTable;

use super::table::{Edit, Keyed};

/// How many tombstones are tolerated before the slot vector is squeezed, at the least.
const MIN_TOMBSTONES_BEFORE_SQUEEZE: usize = 1024;

/// Extracts the secondary value a record is indexed by (an email, a session id), if it has one.
pub(crate) type ValueOf<R> = fn(&R) -> Option<&str>;

/// Records in insertion order, with an index by id and an index by one secondary value.
///
/// The secondary value need not be unique (a data file written by the original may hold an email
/// twice): the index answers the first record holding it, in insertion order, and keeps the
/// others so that the next one takes over when the first goes.
pub(crate) struct Records<R> {
    slots: Vec<Option<Arc<R>>>,
    live: usize,
    by_id: HashTable<usize>,
    /// For each value, the earliest slot holding it.
    by_value: HashTable<usize>,
    /// Values held by several records: every slot holding them, ascending. Rare.
    shared: HashMap<Box<str>, Vec<usize>>,
    value_of: ValueOf<R>,
    /// foldhash (hashbrown's own default) with a random seed per table: the keys come from
    /// requests (session ids, emails), so the seed stays random, while SipHash cost about a
    /// thousand instructions per authenticated request in profiles.
    hasher: RandomState,
}

impl<R: Keyed> Records<R> {
    /// An empty collection indexing its records by `value_of`.
    pub(crate) fn new(value_of: ValueOf<R>) -> Self {
        Records {
            slots: Vec::new(),
            live: 0,
            by_id: HashTable::new(),
            by_value: HashTable::new(),
            shared: HashMap::new(),
            value_of,
            hasher: RandomState::default(),
        }
    }

    /// Makes room for `additional` more records without growing again.
    pub(crate) fn reserve(&mut self, additional: usize) {
        let Records {
            slots,
            by_id,
            by_value,
            value_of,
            hasher,
            ..
        } = self;
        slots.reserve(additional);
        by_id.reserve(additional, |&slot| hash_key(hasher, slots, slot));
        by_value.reserve(additional, |&slot| {
            hash_value(hasher, slots, *value_of, slot)
        });
    }

    /// How many records are stored.
    pub(crate) fn len(&self) -> usize {
        self.live
    }

    /// Returns the record with this id.
    pub(crate) fn get(&self, id: &str) -> Option<&Arc<R>> {
        self.slot_of(id).and_then(|slot| self.at(slot))
    }

    /// Tells whether a record has this id.
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.slot_of(id).is_some()
    }

    /// Returns the earliest record holding `value`.
    pub(crate) fn first_with(&self, value: &str) -> Option<&Arc<R>> {
        self.first_slot_with(value).and_then(|slot| self.at(slot))
    }

    /// Returns every record holding `value`, in insertion order.
    pub(crate) fn all_with(&self, value: &str) -> Vec<&Arc<R>> {
        match self.shared.get(value) {
            Some(slots) => slots.iter().filter_map(|&slot| self.at(slot)).collect(),
            None => self.first_with(value).into_iter().collect(),
        }
    }

    /// Iterates over the records in insertion order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arc<R>> + '_ {
        self.slots.iter().flatten()
    }

    /// Returns the records in insertion order as shared pointers: a consistent copy of the whole
    /// collection for the price of one pointer per record.
    pub(crate) fn snapshot(&self) -> Vec<Arc<R>> {
        self.iter().cloned().collect()
    }

    /// Stores `record`: a record with the same id is replaced in place, otherwise it is appended.
    pub(crate) fn put(&mut self, record: Arc<R>) {
        match self.slot_of(record.key()) {
            Some(slot) => {
                let same_value = self
                    .at(slot)
                    .is_some_and(|old| (self.value_of)(old) == (self.value_of)(&record));
                if same_value {
                    self.slots[slot] = Some(record);
                } else {
                    // The index must forget the old value while the slot still holds it.
                    self.unindex_value(slot);
                    self.slots[slot] = Some(record);
                    self.index_value(slot);
                }
            }
            None => {
                let slot = self.slots.len();
                self.slots.push(Some(record));
                self.live += 1;
                self.index_id(slot);
                self.index_value(slot);
            }
        }
    }

    /// Removes the record with this id, keeping the order of the others.
    pub(crate) fn remove(&mut self, id: &str) -> Option<Arc<R>> {
        let slot = self.slot_of(id)?;
        self.unindex_value(slot);
        let Records {
            slots,
            by_id,
            hasher,
            ..
        } = self;
        let hash = hasher.hash_one(id);
        if let Ok(entry) = by_id.find_entry(hash, |&other| other == slot) {
            entry.remove();
        }
        let record = slots.get_mut(slot).and_then(Option::take);
        self.live -= 1;
        self.squeeze_if_sparse();
        record
    }

    /// Adds to `keys` a fingerprint of every id and value `edit` would touch, as records stand
    /// now: two edits whose fingerprints are disjoint can be planned independently.
    pub(crate) fn touched_by(&self, edit: &Edit<R>, keys: &mut Vec<u64>) {
        let mut add = |id: &str| {
            keys.push(self.hasher.hash_one((0u8, id)));
            if let Some(value) = self.get(id).and_then(|current| (self.value_of)(current)) {
                keys.push(self.hasher.hash_one((1u8, value)));
            }
        };
        for id in edit.removals() {
            add(id);
        }
        for record in edit.puts() {
            add(record.key());
        }
        for record in edit.puts() {
            if let Some(value) = (self.value_of)(record) {
                keys.push(self.hasher.hash_one((1u8, value)));
            }
        }
    }

    fn at(&self, slot: usize) -> Option<&Arc<R>> {
        self.slots.get(slot).and_then(Option::as_ref)
    }

    fn slot_of(&self, id: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        self.by_id
            .find(hash, |&slot| key_at(&self.slots, slot) == Some(id))
            .copied()
    }

    fn first_slot_with(&self, value: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(value);
        self.by_value
            .find(hash, |&slot| {
                value_at(&self.slots, self.value_of, slot) == Some(value)
            })
            .copied()
    }

    fn index_id(&mut self, slot: usize) {
        let Records {
            slots,
            by_id,
            hasher,
            ..
        } = self;
        let Some(id) = key_at(slots, slot) else {
            return;
        };
        by_id.insert_unique(hasher.hash_one(id), slot, |&other| {
            hash_key(hasher, slots, other)
        });
    }

    fn index_value(&mut self, slot: usize) {
        let Records {
            slots,
            by_value,
            shared,
            value_of,
            hasher,
            ..
        } = self;
        let Some(value) = value_at(slots, *value_of, slot) else {
            return;
        };
        let hash = hasher.hash_one(value);
        let found = by_value.find_mut(hash, |&other| {
            other != slot && value_at(slots, *value_of, other) == Some(value)
        });
        match found {
            None => {
                by_value.insert_unique(hash, slot, |&other| {
                    hash_value(hasher, slots, *value_of, other)
                });
            }
            Some(first) => {
                let holders = shared.entry(value.into()).or_insert_with(|| vec![*first]);
                if let Err(at) = holders.binary_search(&slot) {
                    holders.insert(at, slot);
                }
                *first = holders[0];
            }
        }
    }

    fn unindex_value(&mut self, slot: usize) {
        let Records {
            slots,
            by_value,
            shared,
            value_of,
            hasher,
            ..
        } = self;
        let Some(value) = value_at(slots, *value_of, slot) else {
            return;
        };
        let hash = hasher.hash_one(value);
        let Ok(entry) = by_value.find_entry(hash, |&other| {
            value_at(slots, *value_of, other) == Some(value)
        }) else {
            return;
        };
        match shared.get_mut(value) {
            Some(holders) => {
                holders.retain(|&other| other != slot);
                let first = holders.first().copied();
                if holders.len() < 2 {
                    shared.remove(value);
                }
                match first {
                    Some(first) => *entry.into_mut() = first,
                    None => {
                        entry.remove();
                    }
                }
            }
            None => {
                if *entry.get() == slot {
                    entry.remove();
                }
            }
        }
    }

    /// Drops the tombstones once they outnumber the live records, renumbering every slot.
    fn squeeze_if_sparse(&mut self) {
        let dead = self.slots.len() - self.live;
        if self.live == 0 {
            self.slots.clear();
            self.by_id.clear();
            self.by_value.clear();
            self.shared.clear();
            return;
        }
        if dead < MIN_TOMBSTONES_BEFORE_SQUEEZE || dead <= self.live {
            return;
        }
        self.slots.retain(Option::is_some);
        self.by_id.clear();
        self.by_value.clear();
        self.shared.clear();
        for slot in 0..self.slots.len() {
            self.index_id(slot);
            self.index_value(slot);
        }
    }
}

impl<R> std::fmt::Debug for Records<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Records may hold secrets; only their number is shown.
        f.debug_struct("Records").field("len", &self.live).finish()
    }
}

impl<R: Clone> Clone for Records<R> {
    fn clone(&self) -> Self {
        Records {
            slots: self.slots.clone(),
            live: self.live,
            by_id: self.by_id.clone(),
            by_value: self.by_value.clone(),
            shared: self.shared.clone(),
            value_of: self.value_of,
            hasher: self.hasher.clone(),
        }
    }
}

fn key_at<R: Keyed>(slots: &[Option<Arc<R>>], slot: usize) -> Option<&str> {
    slots
        .get(slot)
        .and_then(Option::as_ref)
        .map(|record| record.key())
}

fn value_at<R>(slots: &[Option<Arc<R>>], value_of: ValueOf<R>, slot: usize) -> Option<&str> {
    slots
        .get(slot)
        .and_then(Option::as_ref)
        .and_then(|record| value_of(record))
}

fn hash_key<R: Keyed>(hasher: &RandomState, slots: &[Option<Arc<R>>], slot: usize) -> u64 {
    hasher.hash_one(key_at(slots, slot).unwrap_or_default())
}

fn hash_value<R>(
    hasher: &RandomState,
    slots: &[Option<Arc<R>>],
    value_of: ValueOf<R>,
    slot: usize,
) -> u64 {
    hasher.hash_one(value_at(slots, value_of, slot).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test record: an id and an optional tag.
    #[derive(Debug, Clone, PartialEq)]
    struct Item(String, Option<String>);

    impl Keyed for Item {
        fn key(&self) -> &str {
            &self.0
        }
    }

    fn tag(item: &Item) -> Option<&str> {
        item.1.as_deref()
    }

    fn item(id: &str, tag: Option<&str>) -> Arc<Item> {
        Arc::new(Item(id.into(), tag.map(str::to_string)))
    }

    fn ids(records: &Records<Item>) -> Vec<String> {
        records.iter().map(|item| item.0.clone()).collect()
    }

    #[test]
    fn records_keep_insertion_order_and_replace_in_place() {
        let mut records = Records::new(tag);
        records.put(item("a", Some("x")));
        records.put(item("b", None));
        records.put(item("c", Some("y")));
        records.put(item("a", Some("z")));
        assert_eq!(ids(&records), ["a", "b", "c"]);
        assert_eq!(
            records.get("a").map(|a| a.1.clone()),
            Some(Some("z".into()))
        );
        assert!(records.first_with("x").is_none());
        assert_eq!(records.first_with("z").map(|a| a.0.as_str()), Some("a"));
        assert_eq!(records.len(), 3);
    }

    #[test]
    fn a_removed_then_recreated_record_goes_last() {
        let mut records = Records::new(tag);
        for id in ["a", "b", "c"] {
            records.put(item(id, Some(id)));
        }
        assert!(records.remove("a").is_some());
        assert!(records.remove("a").is_none());
        records.put(item("a", Some("a")));
        assert_eq!(ids(&records), ["b", "c", "a"]);
        assert_eq!(records.first_with("a").map(|a| a.0.as_str()), Some("a"));
    }

    #[test]
    fn a_shared_value_resolves_to_the_earliest_holder_whatever_happens() {
        let mut records = Records::new(tag);
        records.put(item("1", Some("x")));
        records.put(item("2", Some("x")));
        records.put(item("3", Some("x")));
        assert_eq!(records.first_with("x").map(|a| a.0.as_str()), Some("1"));
        let all: Vec<&str> = records.all_with("x").iter().map(|a| a.0.as_str()).collect();
        assert_eq!(all, ["1", "2", "3"]);
        records.remove("1");
        assert_eq!(records.first_with("x").map(|a| a.0.as_str()), Some("2"));
        records.put(item("2", Some("other")));
        assert_eq!(records.first_with("x").map(|a| a.0.as_str()), Some("3"));
        records.remove("3");
        assert!(records.first_with("x").is_none());
        assert!(records.all_with("x").is_empty());
        assert_eq!(records.first_with("other").map(|a| a.0.as_str()), Some("2"));
    }

    #[test]
    fn many_removals_squeeze_the_slots_and_keep_every_index_right() {
        let mut records = Records::new(tag);
        for n in 0..5000 {
            records.put(item(&n.to_string(), Some(&format!("t{}", n % 2500))));
        }
        for n in (0..5000).filter(|n| n % 5 != 0) {
            assert!(records.remove(&n.to_string()).is_some());
        }
        assert!(records.slots.len() < 5000, "the tombstones were dropped");
        assert_eq!(records.len(), 1000);
        let expected: Vec<String> = (0..5000)
            .filter(|n| n % 5 == 0)
            .map(|n| n.to_string())
            .collect();
        assert_eq!(ids(&records), expected);
        for n in (0..5000).filter(|n| n % 5 == 0) {
            let id = n.to_string();
            assert_eq!(records.get(&id).map(|a| a.0.clone()), Some(id.clone()));
        }
        // "t0" was held by 0 and 2500, both kept.
        let holders: Vec<&str> = records
            .all_with("t0")
            .iter()
            .map(|a| a.0.as_str())
            .collect();
        assert_eq!(holders, ["0", "2500"]);
        assert_eq!(records.first_with("t5").map(|a| a.0.as_str()), Some("5"));
        assert!(records.first_with("t1").is_none());
        for n in (0..5000).filter(|n| n % 5 == 0) {
            records.remove(&n.to_string());
        }
        assert_eq!(records.len(), 0);
        assert!(records.iter().next().is_none());
    }
}
