//! Folding the journal into a new snapshot: in the background while changes go on, now (at
//! shutdown), or from memory when the journal can no longer be trusted.

use std::fs;
use std::io;

use super::{Command, Folding, JournalState, Writer};
use crate::file::atomic_write;
use crate::file::journal::{remove_durably, Journal};
use crate::file::journal_entry::{self, Folded};
use crate::file::snapshot::{write_snapshot, WrittenSnapshot};
use crate::file::stored_record::StoredRecord;
use crate::memory::table::Table;
use crate::StorageError;

impl<T> Writer<T>
where
    T: Table,
    T::Record: StoredRecord,
{
    /// Writes memory out as a new snapshot with a new, empty journal, replacing whatever is on
    /// disk: the way back from a journal that cannot be trusted or reached.
    pub(super) fn rebuild(&mut self) -> Result<(), StorageError> {
        self.abandon_folding();
        let records = self.shared.read(|table| table.records().snapshot());
        let written = write_snapshot(&self.paths.snapshot, &records)?;
        drop(records);
        let fingerprint = written.fingerprint;
        // The new journal is complete (naming the new snapshot) before the snapshot moves in:
        // should the old journal still be there after a crash, start-up takes this one.
        let journal = match Journal::create(
            &self.paths.next,
            &self.paths.journal,
            Some(fingerprint),
            &[],
        ) {
            Ok(journal) => journal,
            Err(error) => {
                let _ = fs::remove_file(&written.temp);
                return Err(error);
            }
        };
        if let Err(error) = atomic_write::install(&written.temp, &self.paths.snapshot) {
            let _ = fs::remove_file(&self.paths.next);
            return Err(error);
        }
        self.snapshot = Some(fingerprint);
        journal.put_in_place(&self.paths.next)?;
        self.install_journal(journal);
        self.counters.compaction();
        tracing::info!(path = %self.paths.snapshot.display(), "data file rewritten from memory");
        Ok(())
    }

    /// Starts writing a snapshot in the background when the journal is long enough (or now,
    /// with `now`, if it holds any change).
    pub(crate) fn start_folding(&mut self, now: bool) {
        if self.folding.is_some() {
            return;
        }
        let JournalState::Open(journal) = &self.journal else {
            return;
        };
        let snapshot_len = self.snapshot.map_or(0, |fingerprint| fingerprint.len);
        let due = journal.len() > self.options.compaction_threshold.max(snapshot_len);
        if !journal.has_changes() || !(now || due) {
            return;
        }
        let upto = journal.len();
        let records = self.shared.read(|table| table.records().snapshot());
        let target = self.paths.snapshot.clone();
        self.foldings_started += 1;
        let number = self.foldings_started;
        let wake = self.sender.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("fold {}", self.paths.file_name))
            .spawn(move || {
                let written = write_snapshot(&target, &records);
                drop(records);
                let _ = wake.send(Command::Written(number));
                written
            });
        match spawned {
            Ok(thread) => {
                self.folding = Some(Folding {
                    number,
                    thread,
                    upto,
                    journal_generation: self.journal_generation,
                })
            }
            Err(error) => tracing::warn!(%error, "cannot start folding the journal"),
        }
    }

    /// Waits for the background snapshot and puts it in place.
    pub(super) fn finish_folding(&mut self) {
        let Some(folding) = self.folding.take() else {
            return;
        };
        let written = match folding.thread.join() {
            Ok(Ok(written)) => written,
            Ok(Err(error)) => {
                tracing::warn!(%error, "cannot fold the journal into the data file");
                return;
            }
            Err(_) => {
                tracing::warn!("the thread folding the journal panicked");
                return;
            }
        };
        let current = matches!(self.journal, JournalState::Open(_))
            && folding.journal_generation == self.journal_generation;
        if !current {
            let _ = fs::remove_file(&written.temp);
            return;
        }
        if let Err(error) = self.fold(written, folding.upto) {
            tracing::warn!(%error, "cannot fold the journal into the data file");
        }
    }

    /// Waits for a background snapshot and throws it away.
    pub(super) fn abandon_folding(&mut self) {
        if let Some(folding) = self.folding.take() {
            if let Ok(Ok(written)) = folding.thread.join() {
                let _ = fs::remove_file(&written.temp);
            }
        }
    }

    /// Puts the written snapshot in place: it holds every change of the journal before `upto`.
    ///
    /// The records after `upto` are carried into a new journal that continues the new snapshot
    /// (created first, under the `next` name); a fold mark in the old journal records the
    /// switch; then the snapshot is renamed in place, and the new journal replaces the old one.
    /// With nothing to carry, the journal is deleted instead (the next change creates one).
    pub(super) fn fold(&mut self, written: WrittenSnapshot, upto: u64) -> Result<(), StorageError> {
        let fingerprint = written.fingerprint;
        let discard = |error: StorageError| {
            let _ = fs::remove_file(&written.temp);
            error
        };
        let JournalState::Open(journal) = &mut self.journal else {
            let _ = fs::remove_file(&written.temp);
            return Err(StorageError::Unavailable("no journal to fold".into()));
        };
        let tail = journal.read_from(upto).map_err(discard)?;
        let next = if tail.is_empty() {
            None
        } else {
            let created = Journal::create(
                &self.paths.next,
                &self.paths.journal,
                Some(fingerprint),
                &tail,
            );
            Some(created.map_err(discard)?)
        };
        let mut mark = Vec::new();
        let marked = journal_entry::encode_folded(
            &Folded {
                into: fingerprint,
                upto,
            },
            &mut mark,
        )
        .map_err(|error| StorageError::Io {
            path: journal.path().to_path_buf(),
            source: io::Error::other(error),
        });
        let before_mark = journal.len();
        if let Err(error) = marked.and_then(|()| journal.append(&mark)) {
            if journal.is_broken() {
                self.journal = JournalState::Broken;
            }
            let _ = fs::remove_file(&self.paths.next);
            return Err(discard(error));
        }
        if let Err(error) = atomic_write::install(&written.temp, &self.paths.snapshot) {
            // The snapshot did not change: the mark must go, or later records would follow it.
            journal.cut_back(before_mark);
            if journal.is_broken() {
                self.journal = JournalState::Broken;
            }
            let _ = fs::remove_file(&self.paths.next);
            return Err(error);
        }
        self.snapshot = Some(fingerprint);
        self.counters.compaction();
        // From here on the old journal ends with its mark and takes no more records.
        let old = std::mem::replace(&mut self.journal, JournalState::Broken);
        match next {
            Some(next) => {
                next.put_in_place(&self.paths.next)?;
                self.install_journal(next);
            }
            None => {
                if let JournalState::Open(old) = old {
                    old.remove()?;
                }
                self.journal = JournalState::Absent;
            }
        }
        Ok(())
    }

    /// Folds the whole journal into a new snapshot now, on this thread, and deletes it.
    pub(super) fn fold_now(&mut self) -> Result<(), StorageError> {
        if matches!(self.journal, JournalState::Broken) {
            self.rebuild()?;
        }
        let upto = match &self.journal {
            JournalState::Absent => return Ok(()),
            JournalState::Broken => return Err(StorageError::Unavailable("broken".into())),
            JournalState::Open(journal) if !journal.has_changes() => {
                let path = journal.path().to_path_buf();
                self.journal = JournalState::Absent;
                return remove_durably(&path);
            }
            JournalState::Open(journal) => journal.len(),
        };
        let records = self.shared.read(|table| table.records().snapshot());
        let written = write_snapshot(&self.paths.snapshot, &records)?;
        drop(records);
        self.fold(written, upto)
    }
}
