//! The writer thread of one table: group commit into the journal, and folding the journal into
//! a new snapshot.
//!
//! Callers send changes through a channel. The thread takes every change waiting, plans each
//! against the durable state, appends their records with one write, syncs once, and only then
//! applies them to memory (under one lock) and answers the callers. Folding writes a snapshot
//! of the records (a vector of shared pointers, taken in a few milliseconds) on a helper
//! thread while changes keep going to the journal; the writer thread then puts it in place
//! with the fold protocol described in the `file` module documentation.

mod folding;

use std::collections::VecDeque;
use std::io;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::batch::{Batch, Pending, Taken};
use super::fingerprint::Fingerprint;
use super::journal::Journal;
use super::options::{Counters, FileStoreOptions, Paths};
use super::snapshot::WrittenSnapshot;
use super::stored_record::StoredRecord;
use crate::memory::table::Table;
use crate::memory::LockedTable;
use crate::StorageError;

/// What the writer thread is asked to do.
pub(crate) enum Command<T: Table> {
    /// Make a change.
    Change(Box<dyn Pending<T>>),
    /// Fold the journal into the snapshot one last time and stop.
    Close(oneshot::Sender<Result<(), StorageError>>),
    /// The background snapshot with this number is written.
    Written(u64),
    /// The table is gone: stop without folding, as after a crash.
    Stop,
    /// Wait for a background fold to be put in place, then answer (tests only).
    #[cfg(test)]
    Settle(oneshot::Sender<()>),
}

/// The state of the journal file.
pub(crate) enum JournalState {
    /// No journal file: the snapshot holds everything. One is created at the next change.
    Absent,
    /// The journal changes are appended to.
    Open(Journal),
    /// The journal cannot be trusted or reached any more: before the next change, memory is
    /// written out as a new snapshot with a new, empty journal.
    Broken,
}

/// A snapshot being written in the background.
struct Folding {
    number: u64,
    thread: JoinHandle<Result<WrittenSnapshot, StorageError>>,
    /// The journal offset the snapshot holds every change before.
    upto: u64,
    /// Which journal `upto` refers to.
    journal_generation: u64,
}

/// The writer thread's state.
pub(crate) struct Writer<T: Table> {
    paths: Paths,
    shared: Arc<LockedTable<T>>,
    options: FileStoreOptions,
    counters: Arc<Counters>,
    receiver: Receiver<Command<T>>,
    sender: Sender<Command<T>>,
    journal: JournalState,
    /// The fingerprint of the snapshot file as it is on disk (`None`: no file).
    snapshot: Option<Fingerprint>,
    /// Counts journals put in place, so a background snapshot knows whether its offset still
    /// refers to the current journal.
    journal_generation: u64,
    foldings_started: u64,
    folding: Option<Folding>,
    backlog: VecDeque<Command<T>>,
}

impl<T> Writer<T>
where
    T: Table,
    T::Record: StoredRecord,
{
    /// A writer for the files `paths`, whose snapshot on disk has fingerprint `snapshot`.
    pub(crate) fn new(
        paths: Paths,
        shared: Arc<LockedTable<T>>,
        options: FileStoreOptions,
        counters: Arc<Counters>,
        channel: (Sender<Command<T>>, Receiver<Command<T>>),
        snapshot: Option<Fingerprint>,
    ) -> Self {
        Writer {
            paths,
            shared,
            options,
            counters,
            sender: channel.0,
            receiver: channel.1,
            journal: JournalState::Absent,
            snapshot,
            journal_generation: 0,
            foldings_started: 0,
            folding: None,
            backlog: VecDeque::new(),
        }
    }

    /// The fingerprint of the snapshot file on disk.
    pub(crate) fn snapshot(&self) -> Option<Fingerprint> {
        self.snapshot
    }

    /// Sets the journal found at start-up.
    pub(crate) fn set_journal(&mut self, journal: JournalState) {
        self.journal = journal;
    }

    /// Serves commands until the table is closed or dropped.
    pub(crate) fn run(mut self) {
        loop {
            let command = match self.backlog.pop_front() {
                Some(command) => command,
                None => match self.receiver.recv() {
                    Ok(command) => command,
                    // Every handle is gone (cannot happen while `self.sender` lives, but
                    // stopping is the only sensible answer).
                    Err(_) => return self.stop(),
                },
            };
            match command {
                Command::Change(pending) => self.commit_batch(pending),
                Command::Written(number) => {
                    if self.folding.as_ref().map(|f| f.number) == Some(number) {
                        self.finish_folding();
                    }
                }
                Command::Close(reply) => {
                    let result = self.close();
                    let _ = reply.send(result);
                    return self.refuse_the_rest();
                }
                Command::Stop => return self.stop(),
                #[cfg(test)]
                Command::Settle(reply) => {
                    self.finish_folding();
                    let _ = reply.send(());
                }
            }
        }
    }

    /// Makes one batch from `first` and whatever else waits, and commits it.
    fn commit_batch(&mut self, first: Box<dyn Pending<T>>) {
        self.backlog.push_front(Command::Change(first));
        while let Ok(command) = self.receiver.try_recv() {
            self.backlog.push_back(command);
        }
        let mut batch = Batch::default();
        self.shared.read(|table| {
            while let Some(command) = self.backlog.pop_front() {
                let Command::Change(pending) = command else {
                    self.backlog.push_front(command);
                    break;
                };
                if let Taken::No(pending) = batch.take(table, pending) {
                    self.backlog.push_front(Command::Change(pending));
                    break;
                }
            }
        });
        if batch.is_empty() {
            return;
        }
        match self.append(batch.bytes()) {
            Ok(()) => {
                self.counters.batch(batch.len(), batch.bytes().len());
                let (edits, waiting) = batch.into_parts();
                self.shared.apply_all(edits);
                for pending in waiting {
                    pending.finish(Ok(()));
                }
                self.start_folding(false);
            }
            Err(error) => {
                let (_, waiting) = batch.into_parts();
                for pending in waiting {
                    pending.finish(Err(replicate(&error)));
                }
            }
        }
    }

    /// Appends whole records to the journal and syncs them, creating the journal first (or
    /// rebuilding the files from memory when the journal is broken).
    fn append(&mut self, bytes: &[u8]) -> Result<(), StorageError> {
        match self.journal {
            JournalState::Open(_) => {}
            JournalState::Absent if self.snapshot_is_on_disk() => {
                let created =
                    Journal::create(&self.paths.next, &self.paths.journal, self.snapshot, &[])
                        .and_then(|journal| {
                            journal.put_in_place(&self.paths.next)?;
                            Ok(journal)
                        });
                match created {
                    Ok(journal) => self.install_journal(journal),
                    Err(error) => {
                        // Whatever stopped it (the folder removed, say) may have taken the data
                        // file too: the next change writes memory out in full first.
                        self.journal = JournalState::Broken;
                        return Err(error);
                    }
                }
            }
            // The data file is not the one a new journal would continue (it was removed or
            // replaced): memory is the truth, written out in full.
            JournalState::Absent | JournalState::Broken => self.rebuild()?,
        }
        let JournalState::Open(journal) = &mut self.journal else {
            return Err(StorageError::Unavailable("the journal is not open".into()));
        };
        let result = journal.append(bytes);
        if journal.is_broken() {
            self.journal = JournalState::Broken;
        }
        result
    }

    /// Tells whether the data file on disk still looks like the one last written or loaded
    /// (same length, or still missing): a cheap check before continuing it with a new journal.
    fn snapshot_is_on_disk(&self) -> bool {
        match std::fs::metadata(&self.paths.snapshot) {
            Ok(metadata) => {
                self.snapshot.map(|fingerprint| fingerprint.len) == Some(metadata.len())
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => self.snapshot.is_none(),
            Err(_) => false,
        }
    }

    fn install_journal(&mut self, journal: Journal) {
        self.journal = JournalState::Open(journal);
        self.journal_generation += 1;
    }

    /// The last fold, at a clean shutdown.
    fn close(&mut self) -> Result<(), StorageError> {
        self.finish_folding();
        let result = self.fold_now();
        match &result {
            Ok(()) => tracing::info!(path = %self.paths.snapshot.display(), "data file closed"),
            Err(error) => tracing::warn!(%error, "cannot fold the journal at shutdown"),
        }
        result
    }

    /// Answers every change still waiting: the store is closed.
    fn refuse_the_rest(mut self) {
        while let Ok(command) = self.receiver.try_recv() {
            self.backlog.push_back(command);
        }
        for command in self.backlog.drain(..) {
            match command {
                Command::Change(pending) => pending.finish(Err(closed())),
                Command::Close(reply) => {
                    let _ = reply.send(Ok(()));
                }
                Command::Written(_) | Command::Stop => {}
                #[cfg(test)]
                Command::Settle(reply) => {
                    let _ = reply.send(());
                }
            }
        }
    }

    fn stop(mut self) {
        self.abandon_folding();
        self.refuse_the_rest();
    }
}

/// The error answered once the store is closed.
pub(crate) fn closed() -> StorageError {
    StorageError::Unavailable("the data file is closed".into())
}

/// The same error again, for each change of a failed batch.
fn replicate(error: &StorageError) -> StorageError {
    match error {
        StorageError::Io { path, source } => StorageError::Io {
            path: path.clone(),
            source: io::Error::new(source.kind(), source.to_string()),
        },
        StorageError::Corrupt {
            path,
            line,
            column,
            message,
        } => StorageError::Corrupt {
            path: path.clone(),
            line: *line,
            column: *column,
            message: message.clone(),
        },
        StorageError::DuplicateEmail => StorageError::DuplicateEmail,
        StorageError::DuplicateId => StorageError::DuplicateId,
        StorageError::NotFound => StorageError::NotFound,
        StorageError::Unavailable(message) => StorageError::Unavailable(message.clone()),
        StorageError::InvalidSetting(message) => StorageError::InvalidSetting(message.clone()),
        StorageError::Connect { target, reason } => StorageError::Connect {
            target: target.clone(),
            reason: reason.clone(),
        },
        StorageError::Migration { target, reason } => StorageError::Migration {
            target: target.clone(),
            reason: reason.clone(),
        },
        StorageError::Unstorable(message) => StorageError::Unstorable(message.clone()),
        StorageError::InUse { path } => StorageError::InUse { path: path.clone() },
    }
}
