//! The users table: records in insertion order, indexed by email, and the user contract's rules.

use std::sync::Arc;

use domain::User;

use super::records::Records;
use super::table::{Edit, Plan, Table};
use crate::StorageError;

/// Every user, in insertion order, indexed by id and by email.
#[derive(Debug, Clone)]
pub(crate) struct UserTable {
    records: Records<User>,
}

impl Default for UserTable {
    fn default() -> Self {
        UserTable {
            records: Records::new(|user: &User| user.email.as_deref()),
        }
    }
}

impl UserTable {
    /// Returns the user with this id.
    pub(crate) fn get_shared(&self, id: &str) -> Option<&Arc<User>> {
        self.records.get(id)
    }

    /// Returns the user with this id, if any.
    pub(crate) fn get(&self, id: &str) -> Option<&User> {
        self.records.get(id).map(|user| &**user)
    }

    /// Returns the first user, in insertion order, whose email is exactly `email`.
    pub(crate) fn find_by_email(&self, email: &str) -> Option<&User> {
        self.records.first_with(email).map(|user| &**user)
    }

    /// Returns how many users are stored.
    pub(crate) fn count(&self) -> usize {
        self.records.len()
    }

    /// Returns a copy of every user, in insertion order.
    pub(crate) fn list(&self) -> Vec<User> {
        self.records.iter().map(|user| (**user).clone()).collect()
    }

    /// Plans storing a new user; refuses a taken id or a taken email.
    pub(crate) fn plan_create(&self, user: User) -> Plan<User, ()> {
        if self.records.contains(&user.id) {
            return Err(StorageError::DuplicateId);
        }
        if let Some(email) = &user.email {
            if self.records.first_with(email).is_some() {
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
            if changes_email && self.records.first_with(email).is_some() {
                return Err(StorageError::DuplicateEmail);
            }
        }
        Ok((Edit::put(user), ()))
    }

    /// Plans deleting the user with this id; the outcome says whether there was one.
    pub(crate) fn plan_delete(&self, id: &str) -> Plan<User, bool> {
        if self.records.contains(id) {
            Ok((Edit::remove(vec![id.to_string()]), true))
        } else {
            Ok((Edit::nothing(), false))
        }
    }
}

impl Table for UserTable {
    type Record = User;

    fn records(&self) -> &Records<User> {
        &self.records
    }

    fn records_mut(&mut self) -> &mut Records<User> {
        &mut self.records
    }
}
