//! One table kept in a seed-format snapshot plus an append-only journal: memory serves reads,
//! a writer thread makes changes durable in batches.

use std::fs;
use std::io;
use std::path::Path;
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::batch::Change;
use super::folder_lock::FolderLock;
use super::load::load_table;
use super::options::{Counters, FileStoreOptions, JournalStats, Paths};
use super::python_json;
use super::recovery;
use super::snapshot::SeedFile;
use super::stored_record::StoredRecord;
use super::writer::{closed, Command, Writer};
use crate::memory::table::{Plan, Table};
use crate::memory::LockedTable;
use crate::StorageError;

/// A table loaded from `<dir>/<file name>` and its journal, kept durable by a writer thread.
///
/// Reads are served from memory and never touch the disk. A change is planned by the writer
/// thread against the durable state, appended to the journal and synced (together with every
/// other change waiting), and only then applied to memory and answered: memory never holds
/// anything the disk does not.
pub(crate) struct JournalTable<T: Table> {
    paths: Paths,
    shared: Arc<LockedTable<T>>,
    sender: Sender<Command<T>>,
    writer: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
    /// This process's hold on the data folder, kept as long as the table lives.
    _lock: Arc<FolderLock>,
}

impl<T> JournalTable<T>
where
    T: Table,
    T::Record: StoredRecord,
{
    /// Loads `<dir>/<file_name>` (a missing file is an empty table), replays its journal, starts
    /// folding a non-empty journal into a new snapshot (in the background), and starts the
    /// writer thread.
    ///
    /// Fails with [`StorageError::Io`] when `dir` is not a readable folder or a file cannot be
    /// read or written, and with [`StorageError::Corrupt`] when the snapshot or the journal
    /// cannot be parsed (beyond a torn last journal record, which is dropped); in that case
    /// nothing is written.
    pub(crate) fn open(
        dir: &Path,
        file_name: &str,
        options: FileStoreOptions,
    ) -> Result<Self, StorageError> {
        check_folder(dir)?;
        let lock = FolderLock::acquire(dir)?;
        let paths = Paths::new(dir, file_name);
        let loaded = load_table::<T>(&paths.snapshot)?;
        let replay = recovery::plan(&paths, loaded.fingerprint)?;
        let mut table = loaded.table;
        let applied = recovery::replay(&replay, &mut table)?;
        let shared = Arc::new(LockedTable::new(table));
        let counters = Arc::new(Counters::default());
        let (sender, receiver) = mpsc::channel();
        let mut writer = Writer::new(
            paths.clone(),
            Arc::clone(&shared),
            options,
            Arc::clone(&counters),
            (sender.clone(), receiver),
            loaded.fingerprint,
        );
        recovery::settle(&paths, replay, applied, &mut writer)?;
        if applied > 0 {
            tracing::info!(
                path = %paths.snapshot.display(),
                changes = applied,
                "journal replayed; folding it into the data file"
            );
        }
        let thread = std::thread::Builder::new()
            .name(format!("writer {file_name}"))
            .spawn(move || writer.run())
            .map_err(|source| StorageError::Io {
                path: paths.journal.clone(),
                source,
            })?;
        Ok(JournalTable {
            paths,
            shared,
            sender,
            writer: Some(thread),
            counters,
            _lock: lock,
        })
    }

    /// The data file this table is kept in.
    pub(crate) fn path(&self) -> &Path {
        &self.paths.snapshot
    }

    /// Runs `read` against the current state, from memory.
    pub(crate) fn read<O>(&self, read: impl FnOnce(&T) -> O) -> O {
        self.shared.read(read)
    }

    /// What the store did since it was opened.
    pub(crate) fn stats(&self) -> JournalStats {
        self.counters.read()
    }

    /// Plans a change against the durable state, makes it durable, applies it to memory, and
    /// returns the planned outcome.
    ///
    /// `plan` may run more than once (if the batch it first landed in had to close early), so
    /// it must not consume its input. A plan that changes nothing writes nothing. If the write
    /// fails, the error is returned and memory and disk keep their previous state. Should the
    /// caller stop waiting (a client hanging up), the change is still made.
    pub(crate) async fn commit<O, P>(&self, plan: P) -> Result<O, StorageError>
    where
        O: Send + 'static,
        P: FnMut(&T) -> Plan<T::Record, O> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Command::Change(Box::new(Change::new(plan, reply))))
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }

    /// Folds the journal into the data file and stops taking changes: the data file then holds
    /// everything, in the original's format. Later changes fail with
    /// [`StorageError::Unavailable`]; reads keep working. Closing twice is harmless.
    pub(crate) async fn close(&self) -> Result<(), StorageError> {
        let (reply, answer) = oneshot::channel();
        if self.sender.send(Command::Close(reply)).is_err() {
            return Ok(());
        }
        answer.await.unwrap_or(Ok(()))
    }
}

#[cfg(test)]
impl<T: Table> JournalTable<T> {
    /// Waits until no fold runs in the background, so the files stay still until the next
    /// change.
    pub(crate) async fn settle(&self) {
        let (reply, answer) = oneshot::channel();
        if self.sender.send(Command::Settle(reply)).is_ok() {
            let _ = answer.await;
        }
    }
}

impl<T: Table> Drop for JournalTable<T> {
    fn drop(&mut self) {
        // Without `close`, the journal stays as it is (as after a crash) and is replayed at the
        // next start. Waiting for the thread makes sure nothing is written after the drop.
        let _ = self.sender.send(Command::Stop);
        if let Some(thread) = self.writer.take() {
            let _ = thread.join();
        }
    }
}

/// Returns the seed-format bytes `<dir>/<file_name>` would hold if its journal were folded in
/// now, without writing anything (`None` when there is neither a data file nor a journal).
///
/// A server may be folding at the same moment: reading the data file of one instant and the
/// journal of another then looks like a mismatch, so a `Corrupt` answer is tried again a few
/// times before it is returned.
pub(crate) fn current_contents<T>(
    dir: &Path,
    file_name: &str,
) -> Result<Option<Vec<u8>>, StorageError>
where
    T: Table,
    T::Record: StoredRecord,
{
    let mut attempts = 0;
    loop {
        match read_current::<T>(dir, file_name) {
            Err(StorageError::Corrupt { .. }) if attempts < 5 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

fn read_current<T>(dir: &Path, file_name: &str) -> Result<Option<Vec<u8>>, StorageError>
where
    T: Table,
    T::Record: StoredRecord,
{
    check_folder(dir)?;
    let paths = Paths::new(dir, file_name);
    let loaded = load_table::<T>(&paths.snapshot)?;
    let replay = recovery::plan(&paths, loaded.fingerprint)?;
    let mut table = loaded.table;
    let applied = recovery::replay(&replay, &mut table)?;
    if applied == 0 {
        return match fs::read(&paths.snapshot) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StorageError::Io {
                path: paths.snapshot,
                source,
            }),
        };
    }
    let records = table.records().snapshot();
    python_json::to_vec(&SeedFile(&records))
        .map(Some)
        .map_err(|error| StorageError::Io {
            path: paths.snapshot,
            source: io::Error::other(error),
        })
}

fn check_folder(dir: &Path) -> Result<(), StorageError> {
    let metadata = fs::metadata(dir).map_err(|source| StorageError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    if metadata.is_dir() {
        Ok(())
    } else {
        Err(StorageError::Io {
            path: dir.to_path_buf(),
            source: io::Error::other("the data folder is not a directory"),
        })
    }
}
