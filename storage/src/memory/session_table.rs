//! The sessions table: records in insertion order, indexed by session id, and the session
//! contract's rules.

use std::sync::Arc;

use domain::{Timestamp, UserSession};

use super::records::Records;
use super::table::{Edit, Plan, Table};
use crate::StorageError;

/// Every session, in insertion order, indexed by record id and by session id.
#[derive(Debug, Clone)]
pub(crate) struct SessionTable {
    records: Records<UserSession>,
}

impl Default for SessionTable {
    fn default() -> Self {
        SessionTable {
            records: Records::new(|session: &UserSession| Some(session.session_id.as_str())),
        }
    }
}

impl SessionTable {
    /// Returns the first session, in insertion order, carrying this session id.
    pub(crate) fn get_shared(&self, session_id: &str) -> Option<&Arc<UserSession>> {
        self.records.first_with(session_id)
    }

    /// Returns the session with this session id, if any.
    pub(crate) fn get(&self, session_id: &str) -> Option<&UserSession> {
        self.records
            .first_with(session_id)
            .map(|session| &**session)
    }

    /// Plans storing a new session; refuses a taken record id or a taken session id.
    pub(crate) fn plan_create(&self, session: UserSession) -> Plan<UserSession, ()> {
        if self.records.contains(&session.id)
            || self.records.first_with(&session.session_id).is_some()
        {
            return Err(StorageError::DuplicateId);
        }
        Ok((Edit::put(session), ()))
    }

    /// Plans deleting the session with this session id; the outcome says whether there was one.
    ///
    /// Should a file written by the original hold the session id twice, every copy goes, so
    /// that a logout really ends the session.
    pub(crate) fn plan_delete(&self, session_id: &str) -> Plan<UserSession, bool> {
        let ids: Vec<String> = self
            .records
            .all_with(session_id)
            .into_iter()
            .map(|session| session.id.clone())
            .collect();
        let existed = !ids.is_empty();
        Ok((Edit::remove(ids), existed))
    }

    /// Plans deleting every session of `user_id`; the outcome is how many there were.
    pub(crate) fn plan_delete_for_user(&self, user_id: &str) -> Plan<UserSession, usize> {
        Ok(self.remove_where(|session| session.user_id == user_id))
    }

    /// Plans deleting every session created strictly before `cutoff`; the outcome is how many.
    pub(crate) fn plan_delete_created_before(&self, cutoff: Timestamp) -> Plan<UserSession, usize> {
        Ok(self.remove_where(|session| session.created_at < cutoff))
    }

    /// Returns every session of `user_id`, in insertion order (a scan of the whole table).
    pub(crate) fn list_for_user(&self, user_id: &str) -> Vec<UserSession> {
        self.records
            .iter()
            .filter(|session| session.user_id == user_id)
            .map(|session| (**session).clone())
            .collect()
    }

    /// Returns every session, in insertion order.
    pub(crate) fn list(&self) -> Vec<UserSession> {
        self.records
            .iter()
            .map(|session| (**session).clone())
            .collect()
    }

    /// Plans moving the `last_seen_at` of the session with this session id forward to `at`;
    /// the outcome says whether the session exists. A time that is not later writes nothing.
    pub(crate) fn plan_touch(&self, session_id: &str, at: Timestamp) -> Plan<UserSession, bool> {
        let Some(session) = self.records.first_with(session_id) else {
            return Ok((Edit::nothing(), false));
        };
        if session.last_seen_at.is_some_and(|seen| seen >= at) {
            return Ok((Edit::nothing(), true));
        }
        let mut touched = (**session).clone();
        touched.last_seen_at = Some(at);
        Ok((Edit::put(touched), true))
    }

    /// Plans deleting every session last seen strictly before `cutoff`; the outcome is how many.
    pub(crate) fn plan_delete_last_seen_before(
        &self,
        cutoff: Timestamp,
    ) -> Plan<UserSession, usize> {
        Ok(self.remove_where(|session| session.last_seen() < cutoff))
    }

    /// Plans removing every session meeting `condition`: a scan of the whole table, which these
    /// rare operations (deleting a user, the periodic sweep) can afford.
    fn remove_where(&self, condition: impl Fn(&UserSession) -> bool) -> (Edit<UserSession>, usize) {
        let ids: Vec<String> = self
            .records
            .iter()
            .filter(|session| condition(session))
            .map(|session| session.id.clone())
            .collect();
        let count = ids.len();
        (Edit::remove(ids), count)
    }
}

impl Table for SessionTable {
    type Record = UserSession;

    fn records(&self) -> &Records<UserSession> {
        &self.records
    }

    fn records_mut(&mut self) -> &mut Records<UserSession> {
        &mut self.records
    }
}
