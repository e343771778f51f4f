//! The sessions table: records in insertion order, indexed by session id, and the session
//! contract's rules.

use domain::{Timestamp, UserSession};
use indexmap::IndexMap;

use super::multi_index::MultiIndex;
use super::table::{Edit, Plan, Table};
use crate::StorageError;

/// Every session, in insertion order and keyed by record id, with an index by session id.
#[derive(Debug, Default, Clone)]
pub(crate) struct SessionTable {
    records: IndexMap<String, UserSession>,
    by_session_id: MultiIndex,
}

impl SessionTable {
    /// Returns the first session, in insertion order, carrying this session id.
    pub(crate) fn get(&self, session_id: &str) -> Option<&UserSession> {
        self.by_session_id
            .first(session_id)
            .and_then(|id| self.records.get(id))
    }

    /// Plans storing a new session; refuses a taken record id or a taken session id.
    pub(crate) fn plan_create(&self, session: UserSession) -> Plan<UserSession, ()> {
        if self.records.contains_key(&session.id)
            || self.by_session_id.first(&session.session_id).is_some()
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
        let ids = self.by_session_id.all(session_id).to_vec();
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

    fn remove_where(&self, condition: impl Fn(&UserSession) -> bool) -> (Edit<UserSession>, usize) {
        let ids: Vec<String> = self
            .records
            .iter()
            .filter(|(_, session)| condition(session))
            .map(|(id, _)| id.clone())
            .collect();
        let count = ids.len();
        (Edit::remove(ids), count)
    }
}

impl Table for SessionTable {
    type Record = UserSession;

    fn records(&self) -> &IndexMap<String, UserSession> {
        &self.records
    }

    fn put(&mut self, session: UserSession) {
        let id = session.id.clone();
        let session_id = session.session_id.clone();
        let old = self.records.insert(id.clone(), session);
        if let Some(old) = old {
            if old.session_id == session_id {
                return;
            }
            self.by_session_id.remove(&old.session_id, &id);
        }
        let records = &self.records;
        self.by_session_id.add(&session_id, &id, |other| {
            records.get_index_of(other).unwrap_or(usize::MAX)
        });
    }

    fn remove(&mut self, id: &str) -> Option<UserSession> {
        let session = self.records.shift_remove(id)?;
        self.by_session_id.remove(&session.session_id, id);
        Some(session)
    }
}
