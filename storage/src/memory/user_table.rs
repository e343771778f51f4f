//! The users table: records in insertion order, indexed by email, and the user contract's rules.

use domain::User;
use indexmap::IndexMap;

use super::multi_index::MultiIndex;
use super::table::{Edit, Plan, Table};
use crate::StorageError;

/// Every user, in insertion order, with an index from email to users.
#[derive(Debug, Default, Clone)]
pub(crate) struct UserTable {
    records: IndexMap<String, User>,
    by_email: MultiIndex,
}

impl UserTable {
    /// Returns the user with this id.
    pub(crate) fn get(&self, id: &str) -> Option<&User> {
        self.records.get(id)
    }

    /// Returns the first user, in insertion order, whose email is exactly `email`.
    pub(crate) fn find_by_email(&self, email: &str) -> Option<&User> {
        self.by_email
            .first(email)
            .and_then(|id| self.records.get(id))
    }

    /// Plans storing a new user; refuses a taken id or a taken email.
    pub(crate) fn plan_create(&self, user: User) -> Plan<User, ()> {
        if self.records.contains_key(&user.id) {
            return Err(StorageError::DuplicateId);
        }
        if let Some(email) = &user.email {
            if self.by_email.first(email).is_some() {
                return Err(StorageError::DuplicateEmail);
            }
        }
        Ok((Edit::put(user), ()))
    }

    /// Plans replacing a stored user; refuses an unknown id or an email held by another user.
    ///
    /// Keeping one's own email is always allowed, even when a file written by the original holds
    /// it twice: otherwise such users could never be edited (nor have their hash upgraded).
    pub(crate) fn plan_update(&self, user: User) -> Plan<User, ()> {
        let Some(current) = self.records.get(&user.id) else {
            return Err(StorageError::NotFound);
        };
        if let Some(email) = &user.email {
            let changes_email = current.email.as_ref() != Some(email);
            if changes_email && self.by_email.first(email).is_some() {
                return Err(StorageError::DuplicateEmail);
            }
        }
        Ok((Edit::put(user), ()))
    }

    /// Plans deleting the user with this id; the outcome says whether there was one.
    pub(crate) fn plan_delete(&self, id: &str) -> Plan<User, bool> {
        if self.records.contains_key(id) {
            Ok((Edit::remove(vec![id.to_string()]), true))
        } else {
            Ok((Edit::nothing(), false))
        }
    }
}

impl Table for UserTable {
    type Record = User;

    fn records(&self) -> &IndexMap<String, User> {
        &self.records
    }

    fn put(&mut self, user: User) {
        let old_email = self
            .records
            .get(&user.id)
            .map(|current| current.email.clone());
        let new_email = user.email.clone();
        let id = user.id.clone();
        // IndexMap::insert keeps the position of an existing key, as the original's dict did.
        self.records.insert(id.clone(), user);
        if old_email.as_ref() == Some(&new_email) {
            return;
        }
        if let Some(Some(old)) = &old_email {
            self.by_email.remove(old, &id);
        }
        if let Some(new) = &new_email {
            let records = &self.records;
            self.by_email.add(new, &id, |other| {
                records.get_index_of(other).unwrap_or(usize::MAX)
            });
        }
    }

    fn remove(&mut self, id: &str) -> Option<User> {
        // shift_remove is O(n) but keeps the listing order; a write rewrites the file anyway.
        let user = self.records.shift_remove(id)?;
        if let Some(email) = &user.email {
            self.by_email.remove(email, id);
        }
        Some(user)
    }
}
