//! Changes waiting for the writer thread, and the batch of them that shares one sync.

use std::collections::HashSet;

use tokio::sync::oneshot;

use super::journal_entry;
use super::stored_record::StoredRecord;
use crate::memory::table::{Edit, Plan, Table};
use crate::StorageError;

/// A change a caller waits for: planned by the writer thread against the durable state, then
/// answered once its record is on disk (or failed).
pub(crate) trait Pending<T: Table>: Send {
    /// Plans the change against `table`; may be called again if the batch had to close first.
    fn plan(&mut self, table: &T) -> Result<Edit<T::Record>, StorageError>;

    /// Answers the caller: `Ok` once the planned edit is durable and visible.
    fn finish(self: Box<Self>, result: Result<(), StorageError>);
}

/// A [`Pending`] change made of a plan function and the channel its caller waits on.
pub(crate) struct Change<P, O> {
    plan: P,
    outcome: Option<O>,
    reply: oneshot::Sender<Result<O, StorageError>>,
}

impl<P, O> Change<P, O> {
    /// A change planned by `plan`, answered through `reply`.
    pub(crate) fn new(plan: P, reply: oneshot::Sender<Result<O, StorageError>>) -> Self {
        Change {
            plan,
            outcome: None,
            reply,
        }
    }
}

impl<T, P, O> Pending<T> for Change<P, O>
where
    T: Table,
    P: FnMut(&T) -> Plan<T::Record, O> + Send,
    O: Send,
{
    fn plan(&mut self, table: &T) -> Result<Edit<T::Record>, StorageError> {
        let (edit, outcome) = (self.plan)(table)?;
        self.outcome = Some(outcome);
        Ok(edit)
    }

    fn finish(self: Box<Self>, result: Result<(), StorageError>) {
        let answer = match (result, self.outcome) {
            (Ok(()), Some(outcome)) => Ok(outcome),
            (Ok(()), None) => Err(StorageError::Unavailable(
                "a change was finished before it was planned".into(),
            )),
            (Err(error), _) => Err(error),
        };
        // The caller may have stopped waiting (a client hung up); the change stands anyway.
        let _ = self.reply.send(answer);
    }
}

/// The callers of a batch, in journal order.
pub(crate) type Waiting<T> = Vec<Box<dyn Pending<T>>>;

/// The most changes one batch takes.
const MAX_CHANGES: usize = 1024;

/// The most journal bytes one batch takes (a single larger change still goes alone).
const MAX_BYTES: usize = 4 << 20;

/// Changes planned against the same durable state, written with one append and one sync.
///
/// Each change is planned against the state before the batch, so two changes in one batch must
/// not touch the same record, email or session id: the second one would have been planned
/// without seeing the first. Such a change closes the batch and is planned again, against the
/// new state, at the start of the next one.
pub(crate) struct Batch<T: Table> {
    bytes: Vec<u8>,
    edits: Vec<Edit<T::Record>>,
    waiting: Waiting<T>,
    touched: HashSet<u64>,
}

impl<T: Table> Default for Batch<T> {
    fn default() -> Self {
        Batch {
            bytes: Vec::new(),
            edits: Vec::new(),
            waiting: Vec::new(),
            touched: HashSet::new(),
        }
    }
}

/// Whether a batch took a change.
pub(crate) enum Taken<T: Table> {
    /// The change is in the batch.
    Yes,
    /// The batch is full, or the change touches what an earlier change of the batch touches:
    /// here it is back, to go first in the next batch.
    No(Box<dyn Pending<T>>),
}

impl<T> Batch<T>
where
    T: Table,
    T::Record: StoredRecord,
{
    /// Plans `pending` against `table` (the durable state) and adds it to the batch; a change
    /// that fails or changes nothing is answered at once.
    pub(crate) fn take(&mut self, table: &T, mut pending: Box<dyn Pending<T>>) -> Taken<T> {
        if self.waiting.len() >= MAX_CHANGES || self.bytes.len() >= MAX_BYTES {
            return Taken::No(pending);
        }
        let edit = match pending.plan(table) {
            Ok(edit) => edit,
            Err(error) => {
                pending.finish(Err(error));
                return Taken::Yes;
            }
        };
        if edit.is_empty() {
            // Nothing to write: the answer holds for the durable state it was planned on.
            pending.finish(Ok(()));
            return Taken::Yes;
        }
        let mut keys = Vec::new();
        table.records().touched_by(&edit, &mut keys);
        if keys.iter().any(|key| self.touched.contains(key)) {
            return Taken::No(pending);
        }
        let before = self.bytes.len();
        if let Err(error) = journal_entry::encode_change(&edit, &mut self.bytes) {
            self.bytes.truncate(before);
            pending.finish(Err(StorageError::Unavailable(format!(
                "cannot record the change: {error}"
            ))));
            return Taken::Yes;
        }
        self.touched.extend(keys);
        self.edits.push(edit);
        self.waiting.push(pending);
        Taken::Yes
    }

    /// Tells whether the batch holds no change.
    pub(crate) fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// The journal records of the batch.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// How many changes the batch holds.
    pub(crate) fn len(&self) -> usize {
        self.waiting.len()
    }

    /// Splits the batch into its edits (to apply) and its callers (to answer).
    pub(crate) fn into_parts(self) -> (Vec<Edit<T::Record>>, Waiting<T>) {
        (self.edits, self.waiting)
    }
}
